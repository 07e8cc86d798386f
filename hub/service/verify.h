/*
 * verify.h: `dahub verify`, the store and the spool checked against each
 * other (see verify.c).
 */
#ifndef DAHUB_VERIFY_H
#define DAHUB_VERIFY_H

#include <stdio.h>

#include "runtime.h"

/* Checks rt's configured store (storeconf.h) and the done/ folder of each
 * of rt's feeds; writes one line a finding to out, each problem starting
 * "problem: ". 0 with *problems their number, or a negative code with err
 * when the check itself could not run (the store cannot be opened). */
int verify_run(const struct runtime *rt, FILE *out, unsigned *problems,
               struct dahub_error *err);

#endif
