# Unit tests of the summary's modules. They link dahub_core.
dahub_unit_test(test_disclosure test_disclosure.c)
# Fails the Nth allocation to check every -ENOMEM path frees what it took.
target_link_options(test_disclosure PRIVATE -Wl,--wrap=malloc
                                            -Wl,--wrap=calloc
                                            -Wl,--wrap=realloc)
dahub_unit_test(test_pseudonym test_pseudonym.c)
