# The installed tree reads its own data (sim/descriptors/catalog.hpp data_dir): `cmake --install`
# to a fresh prefix; the installed binary, run outside the source tree, lists a hardware file added
# to <prefix>/share/infersim; with INFERSIM_DATA_DIR it lists that folder's files only.
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
set(share ${PREFIX}/share/infersim)
file(READ ${share}/hardware/h100-sxm.json chip)
string(REPLACE "\"id\": \"h100-sxm\"" "\"id\": \"zz-install-test\"" chip "${chip}")
file(WRITE ${share}/hardware/zz-install-test.json "${chip}")
execute_process(COMMAND ${PREFIX}/bin/infersim hw list WORKING_DIRECTORY ${PREFIX} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "zz-install-test" OR NOT out MATCHES "h100-sxm")
  message(FATAL_ERROR "installed `hw list` (exit ${rc}) does not read ${share}:\n${out}\n${err}")
endif()
execute_process(COMMAND ${PREFIX}/bin/infersim --version WORKING_DIRECTORY ${PREFIX} OUTPUT_VARIABLE version)
if(NOT version MATCHES "installed next to the binary")
  message(FATAL_ERROR "installed `--version` does not say it reads its share folder:\n${version}")
endif()
# INFERSIM_DATA_DIR comes first: a folder with only the added chip.
set(alt ${PREFIX}/alt-data)
file(MAKE_DIRECTORY ${alt}/hardware ${alt}/models)
file(WRITE ${alt}/hardware/zz-install-test.json "${chip}")
execute_process(COMMAND ${CMAKE_COMMAND} -E env INFERSIM_DATA_DIR=${alt} ${PREFIX}/bin/infersim hw list
                WORKING_DIRECTORY ${PREFIX} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "zz-install-test" OR out MATCHES "h100-sxm")
  message(FATAL_ERROR "`hw list` with INFERSIM_DATA_DIR=${alt} (exit ${rc}) does not read that folder only:\n${out}\n${err}")
endif()
file(REMOVE_RECURSE ${PREFIX})
