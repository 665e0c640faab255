# Runs a command and fails unless it exits with exactly EXPECTED (WILL_FAIL would accept any
# non-zero code, so an unreadable registry, exit 2, would pass a test that expects findings, exit 1).
# Usage: cmake -DEXPECTED=1 -DCOMMAND="prog;arg;arg" -P check_exit.cmake
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL EXPECTED)
  message(FATAL_ERROR "expected exit ${EXPECTED}, got ${rc}\n--- stdout\n${out}\n--- stderr\n${err}")
endif()
message(STATUS "exit ${rc} as expected")
