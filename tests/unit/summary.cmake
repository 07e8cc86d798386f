# Unit tests of the summary's modules. They link dahub_core.
dahub_unit_test(test_disclosure test_disclosure.c)
dahub_unit_test(test_disclosure_thin test_disclosure_thin.c)
dahub_unit_test(test_disclosure_lp test_disclosure_lp.c)
dahub_unit_test(test_disclosure_split test_disclosure_split.c)
dahub_unit_test(test_disclosure_repair test_disclosure_repair.c)
# Fails the Nth allocation to check every -ENOMEM path frees what it took.
target_link_options(test_disclosure PRIVATE -Wl,--wrap=malloc
                                            -Wl,--wrap=calloc
                                            -Wl,--wrap=realloc)
dahub_unit_test(test_pseudonym test_pseudonym.c)
# The disclosure module behind JSON lines, for the attacker in tests/attack/.
add_executable(disclosure_driver disclosure_driver.c)
target_link_libraries(disclosure_driver PRIVATE dahub_core)
# Thousands of random tables through the driver, each attacked by an
# independent reader in Python with SciPy's linear programmes. SciPy comes
# from Debian (python3-scipy), so the interpreter is the system's when the
# one CMake found cannot import it.
find_program(DAHUB_PATH_PYTHON3 python3)
set(DAHUB_SCIPY_PYTHON "")
foreach(py /usr/bin/python3 ${DAHUB_PATH_PYTHON3})
  if(NOT DAHUB_SCIPY_PYTHON AND EXISTS ${py})
    execute_process(COMMAND ${py} -c "import scipy.optimize"
                    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
    if(rc EQUAL 0)
      set(DAHUB_SCIPY_PYTHON ${py})
    endif()
  endif()
endforeach()
if(NOT DAHUB_SCIPY_PYTHON)
  # fails with "No module named scipy": install python3-scipy
  set(DAHUB_SCIPY_PYTHON /usr/bin/python3)
endif()
add_test(NAME disclosure_attack
         COMMAND ${DAHUB_SCIPY_PYTHON}
                 ${PROJECT_SOURCE_DIR}/tests/attack/test_disclosure_attack.py
                 $<TARGET_FILE:disclosure_driver>)
set_tests_properties(disclosure_attack PROPERTIES TIMEOUT 300)
