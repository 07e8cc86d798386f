# The XLSX reader (hub/lib/xlsx*.c): its workbooks are made by openpyxl
# (Debian's python3-openpyxl) in a ctest fixture, then read by
# test_xlsx_reader and compared with Debian's xlsx2csv by xlsx_crosscheck.
if(EXISTS /usr/bin/python3 AND NOT Python3_EXECUTABLE)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(DAHUB_XLSX_FIXTURES ${PROJECT_BINARY_DIR}/xlsx-fixtures)
add_test(NAME xlsx_fixtures
         COMMAND ${Python3_EXECUTABLE}
                 ${CMAKE_CURRENT_SOURCE_DIR}/xlsx/make_xlsx.py
                 ${DAHUB_XLSX_FIXTURES})
set_tests_properties(xlsx_fixtures PROPERTIES FIXTURES_SETUP xlsx_books
                                              TIMEOUT 300)

dahub_text_test(test_xlsx_reader
                ${CMAKE_CURRENT_SOURCE_DIR}/test_xlsx_reader.c)
set_tests_properties(test_xlsx_reader PROPERTIES FIXTURES_REQUIRED xlsx_books
  TIMEOUT 300 ENVIRONMENT "DAHUB_XLSX_FIXTURES=${DAHUB_XLSX_FIXTURES}")

add_executable(xlsx_dump ${CMAKE_CURRENT_SOURCE_DIR}/xlsx/xlsx_dump.c)
target_link_libraries(xlsx_dump PRIVATE dahub_text)
add_test(NAME xlsx_crosscheck
         COMMAND ${Python3_EXECUTABLE}
                 ${CMAKE_CURRENT_SOURCE_DIR}/xlsx/crosscheck.py
                 $<TARGET_FILE:xlsx_dump> ${DAHUB_XLSX_FIXTURES})
set_tests_properties(xlsx_crosscheck PROPERTIES FIXTURES_REQUIRED xlsx_books
                                                TIMEOUT 300)
