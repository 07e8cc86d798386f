# Unit tests of the board pack (plugins/boardpack/): its modules linked
# directly, and the plugin loaded from ${PROJECT_BINARY_DIR}/plugins as the
# hub loads it. Included by tests/unit/CMakeLists.txt.
dahub_unit_test(test_boardpack test_boardpack.c)
target_link_libraries(test_boardpack PRIVATE boardpack_parts)
target_compile_definitions(test_boardpack PRIVATE
  DAHUB_SOURCE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}"
  DAHUB_BUILD_DIR_DEFAULT="${PROJECT_BINARY_DIR}")
add_dependencies(test_boardpack boardpack)
# The later sections: funding (allocations by year, the contracts' timeline), breakdowns, data notes.
dahub_unit_test(test_boardpack_sections test_boardpack_sections.c)
target_link_libraries(test_boardpack_sections PRIVATE boardpack_parts)
target_compile_definitions(test_boardpack_sections PRIVATE
  DAHUB_SOURCE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}")
