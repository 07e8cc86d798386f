# Unit tests of the board summary: the summary from a real store, the
# meeting calendar and publishing, and the json and csv sinks. Included by
# tests/unit/CMakeLists.txt.
set(DAHUB_BOARD_TEST_DEFS
  DAHUB_SOURCE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}"
  DAHUB_BUILD_DIR_DEFAULT="${PROJECT_BINARY_DIR}")

dahub_unit_test(test_summary test_summary.c)
target_compile_definitions(test_summary PRIVATE ${DAHUB_BOARD_TEST_DEFS})

# Loads the real plugins from ${PROJECT_BINARY_DIR}/plugins.
dahub_unit_test(test_board test_board.c)
target_compile_definitions(test_board PRIVATE ${DAHUB_BOARD_TEST_DEFS})
add_dependencies(test_board mapped json csv)

# Loads the json and csv sinks from ${PROJECT_BINARY_DIR}/plugins.
dahub_unit_test(test_sinks test_sinks.c)
target_compile_definitions(test_sinks PRIVATE ${DAHUB_BOARD_TEST_DEFS})
add_dependencies(test_sinks json csv)

# Loads the xlsx sink from ${PROJECT_BINARY_DIR}/plugins.
dahub_unit_test(test_xlsx test_xlsx.c)
target_compile_definitions(test_xlsx PRIVATE ${DAHUB_BOARD_TEST_DEFS})
add_dependencies(test_xlsx xlsx)

# The narrow observations table brought to a store made by the schema
# before it, with every sample return in it (the real mapped plugin).
dahub_unit_test(test_store_migrate test_store_migrate.c)
target_compile_definitions(test_store_migrate PRIVATE ${DAHUB_BOARD_TEST_DEFS})
add_dependencies(test_store_migrate mapped)
set_tests_properties(test_store_migrate PROPERTIES TIMEOUT 300)
