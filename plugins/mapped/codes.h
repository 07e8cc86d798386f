/*
 * codes.h: the codes a mapping names, for the hub to check against the
 * vocabulary (private to the mapped plugin; the descriptor's codes()).
 */
#ifndef MAPPED_CODES_H
#define MAPPED_CODES_H

#include "mapping.h"

/* dahub/plugin.h's codes(): each code of the shapes in state, with its
 * field and the option it is written in. */
void mapped_codes(const void *state,
                  void (*each)(void *arg, const char *field, const char *code,
                               const char *path),
                  void *arg);

#endif
