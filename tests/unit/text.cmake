# Unit tests of the text helpers (CSV reader, numbers) and the mapped
# plugin. They need only dahub_text, not the hub, so they link it directly.
function(dahub_text_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE dahub_text PkgConfig::CMOCKA
                                        PkgConfig::JANSSON)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "DAHUB_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

dahub_text_test(test_csv ${CMAKE_CURRENT_SOURCE_DIR}/test_csv.c)
# Counts and fails allocations to check the reader's memory bound.
target_link_options(test_csv PRIVATE -Wl,--wrap=malloc -Wl,--wrap=realloc)
# The reader's thread must never hang it: a hang fails, it does not wait.
set_tests_properties(test_csv PROPERTIES TIMEOUT 300)

# UTF-16 text ("Unicode Text"), decoded on the way into the CSV reader.
dahub_text_test(test_csv_utf16 ${CMAKE_CURRENT_SOURCE_DIR}/test_csv_utf16.c)
dahub_text_test(test_number ${CMAKE_CURRENT_SOURCE_DIR}/test_number.c)
dahub_text_test(test_options ${CMAKE_CURRENT_SOURCE_DIR}/test_options.c)
dahub_text_test(test_date ${CMAKE_CURRENT_SOURCE_DIR}/test_date.c)
include(${CMAKE_CURRENT_SOURCE_DIR}/xlsx.cmake)

# The plugin's sources are compiled in, so its static functions run under
# the fake host without dlopen.
set(DAHUB_MAPPED_SOURCES
  ${PROJECT_SOURCE_DIR}/plugins/mapped/mapped.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/mapped_open.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/header.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/codes.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/mapping.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/mapping_csv.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/options.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/fields.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/labels.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/run.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/resolve.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/memo.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/agg.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/agg_distinct.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/figtab.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/figures.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/total.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/records.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/cases.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/cases_emit.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/cases_options.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/cases_ahead.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/jsondoc.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/jsondoc_options.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/workbook.c
  ${PROJECT_SOURCE_DIR}/plugins/mapped/shapes.c)
function(dahub_mapped_test name)
  dahub_text_test(${name} ${CMAKE_CURRENT_SOURCE_DIR}/${name}.c
    ${CMAKE_CURRENT_SOURCE_DIR}/test_mapped_host.c
    ${PROJECT_SOURCE_DIR}/tests/support/fake_host.c ${DAHUB_MAPPED_SOURCES})
  target_include_directories(${name} PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/mapped ${PROJECT_SOURCE_DIR}/tests/support
    ${CMAKE_CURRENT_SOURCE_DIR})
endfunction()
dahub_mapped_test(test_mapped)
dahub_mapped_test(test_mapped_labels)
dahub_mapped_test(test_mapped_periods)
dahub_mapped_test(test_mapped_totals)
dahub_mapped_test(test_mapped_cases)
dahub_mapped_test(test_mapped_json)
dahub_mapped_test(test_mapped_records)
dahub_mapped_test(test_mapped_feeds)
dahub_mapped_test(test_agg)
dahub_mapped_test(test_mapped_shapes)
# An .xlsx return, made by openpyxl in the XLSX reader's fixture (xlsx.cmake).
dahub_mapped_test(test_mapped_xlsx)
set_tests_properties(test_mapped_xlsx PROPERTIES FIXTURES_REQUIRED xlsx_books
  ENVIRONMENT "DAHUB_SOURCE_DIR=${PROJECT_SOURCE_DIR};DAHUB_XLSX_FIXTURES=${DAHUB_XLSX_FIXTURES}")
