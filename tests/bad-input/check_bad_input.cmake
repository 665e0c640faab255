# One bad-input fixture end to end: runs COMMAND (a ;-list) and fails unless it exits with exactly
# EXPECTED_EXIT and its stderr contains MESSAGE (a plain substring, not a regex).
# Usage: cmake -DEXPECTED_EXIT=2 "-DMESSAGE=..." "-DCOMMAND=prog;arg;arg" -P check_bad_input.cmake
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
string(FIND "${err}" "${MESSAGE}" at)
if(NOT rc STREQUAL EXPECTED_EXIT OR at EQUAL -1)
  message(FATAL_ERROR "expected exit ${EXPECTED_EXIT} and a message containing\n  ${MESSAGE}\n"
                      "got exit ${rc}\n--- stdout\n${out}\n--- stderr\n${err}")
endif()
message(STATUS "exit ${rc} with: ${err}")
