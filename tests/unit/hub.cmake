# Unit tests of the hub's modules (included by tests/unit/CMakeLists.txt).
#
# test_plugin_host loads small plugins from tests/plugins/: each is built as
# the real ones are (MODULE, no "lib" prefix, hidden visibility, only the
# public headers), into a folder of its own so no test sees another's files.
# The test copies them into temporary folders to set modes and links.

set(DAHUB_TESTPLUGIN_OUT ${CMAKE_BINARY_DIR}/testplugins)
set(DAHUB_TESTPLUGINS tp_good tp_future tp_abi tp_short tp_nosym tp_undef)
foreach(p ${DAHUB_TESTPLUGINS})
  add_library(dahub_${p} MODULE ${PROJECT_SOURCE_DIR}/tests/plugins/${p}.c)
  target_include_directories(dahub_${p} PRIVATE
    ${PROJECT_SOURCE_DIR}/hub/include ${JANSSON_INCLUDE_DIRS})
  set_target_properties(dahub_${p} PROPERTIES PREFIX "" OUTPUT_NAME ${p}
    C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${DAHUB_TESTPLUGIN_OUT})
endforeach()

# Paths for running a test binary by hand; ctest also sets them in the
# environment, which wins.
set(DAHUB_HUB_TEST_DEFS DAHUB_SOURCE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}")

dahub_unit_test(test_config test_config.c)
dahub_unit_test(test_vocab test_vocab.c)
dahub_unit_test(test_validate test_validate.c)
dahub_unit_test(test_validate_memo test_validate_memo.c)
dahub_unit_test(test_store test_store.c)
dahub_unit_test(test_store_writer test_store_writer.c)
dahub_unit_test(test_retention test_retention.c)
dahub_unit_test(test_plugin_host test_plugin_host.c)
dahub_unit_test(test_period test_period.c)
dahub_unit_test(test_array test_array.c)
dahub_unit_test(test_fsutil test_fsutil.c)
dahub_unit_test(test_status test_status.c)
dahub_unit_test(test_redact test_redact.c)
dahub_unit_test(test_advice test_advice.c)
dahub_unit_test(test_policy test_policy.c)
dahub_unit_test(test_transfers test_transfers.c)
dahub_unit_test(test_destinations test_destinations.c)
dahub_unit_test(test_pull test_pull.c)

foreach(t test_config test_vocab test_validate test_validate_memo test_store test_plugin_host
          test_period test_fsutil test_retention)
  target_compile_definitions(${t} PRIVATE ${DAHUB_HUB_TEST_DEFS})
endforeach()

target_compile_definitions(test_plugin_host PRIVATE
  DAHUB_TESTPLUGIN_DIR="${DAHUB_TESTPLUGIN_OUT}")
foreach(p ${DAHUB_TESTPLUGINS})
  add_dependencies(test_plugin_host dahub_${p})
endforeach()

# A store or plugin test that deadlocks should fail, not hang the run.
set_tests_properties(test_config test_vocab test_validate test_validate_memo
  test_store test_store_writer
  test_plugin_host test_period test_fsutil test_retention test_transfers
  PROPERTIES TIMEOUT 60)

# One label-folding rule: the vocabulary (the hub's) and the mapped
# plugin's "values" (compiled in, under its fake host) answer alike.
dahub_unit_test(test_label test_label.c
  ${CMAKE_CURRENT_SOURCE_DIR}/test_mapped_host.c
  ${PROJECT_SOURCE_DIR}/tests/support/fake_host.c ${DAHUB_MAPPED_SOURCES})
target_include_directories(test_label PRIVATE
  ${PROJECT_SOURCE_DIR}/plugins/mapped ${PROJECT_SOURCE_DIR}/tests/support
  ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(test_label PRIVATE PkgConfig::JANSSON)
target_compile_definitions(test_label PRIVATE ${DAHUB_HUB_TEST_DEFS})

# The PostgreSQL store on a real server: $DAHUB_TEST_PG names it
# (scripts/test.sh starts one with tests/support/pg_cluster.sh); without
# it the test says why and is skipped (77). dahub_core brings libpq.
function(dahub_pg_unit_test name timeout)
  dahub_unit_test(${name} ${name}.c)
  set_tests_properties(${name} PROPERTIES TIMEOUT ${timeout}
    SKIP_RETURN_CODE 77)
endfunction()
dahub_pg_unit_test(test_pgstore 120)
# ... its summaries and outbox: hubs claiming one delivery, boards apart.
dahub_pg_unit_test(test_pgstore_outbox 60)
# ... several boards of it read as one, for a region's summary.
dahub_pg_unit_test(test_pgstore_region 60)
# ... which of a board's hubs is active, and no other board's role.
dahub_pg_unit_test(test_pgstore_leader 60)
# ... a lost connection made again between calls, failing the file inside
# one; and a restart mid-ingest on a private cluster of the test's own
# (skipped without PostgreSQL 15's binaries).
dahub_unit_test(test_pgstore_reconnect test_pgstore_reconnect.c)
target_compile_definitions(test_pgstore_reconnect PRIVATE
  PG_CLUSTER_SH="${PROJECT_SOURCE_DIR}/tests/support/pg_cluster.sh")
set_tests_properties(test_pgstore_reconnect PROPERTIES TIMEOUT 120)
# The same files through both backends' operations (store_backend.h); its
# PostgreSQL half is skipped without $DAHUB_TEST_PG.
dahub_unit_test(test_store_backends test_store_backends.c)
set_tests_properties(test_store_backends PROPERTIES TIMEOUT 60)
# Summaries, their cells and the outbox through both backends' operations.
dahub_unit_test(test_store_outbox_backends test_store_outbox_backends.c)
set_tests_properties(test_store_outbox_backends PROPERTIES TIMEOUT 60)
# The script that makes that throwaway cluster (skipped, 77, without
# PostgreSQL 15's binaries).
add_test(NAME pg_cluster_script
  COMMAND sh ${PROJECT_SOURCE_DIR}/tests/support/test_pg_cluster.sh)
set_tests_properties(pg_cluster_script PROPERTIES TIMEOUT 120
  SKIP_RETURN_CODE 77)
