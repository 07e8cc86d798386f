/*
 * redact.h: what a report may say of a cell.
 *
 * A partner's file reaches people in three ways besides the store: the
 * error report in failed/, the daemon's log, and `dahub try`. Each names a
 * bad cell by line, column and header, and says what was there in the
 * error's `found`. For a feed of personal data (a case-level extract, or
 * "personal": true) that text may be a case reference or a name, typed or
 * shifted into the wrong column, so it is described, never quoted: "text
 * of 16 characters (letters, digits and other signs)". Any other feed's
 * cell is quoted, cut to REDACT_QUOTE_MAX characters. A list of cells (a
 * header row, each cell ended by DAHUB_FOUND_SEP) is cut cell by cell and
 * shown "a | b | c", or for a personal feed only counted.
 *
 * The hub applies this to every error that carries text from a file (the
 * plugin's, and the vocabulary's judgement of what the plugin emitted)
 * before the error is kept, logged or shown; so a plugin's only duty is to
 * put cell text in `found` and nowhere else (dahub/plugin.h).
 */
#ifndef DAHUB_REDACT_H
#define DAHUB_REDACT_H

#include <stddef.h>

#include "dahub/error.h"

#define REDACT_QUOTE_MAX 40 /* characters of a cell a report may quote */

/* dst (n bytes) = a description of text that quotes none of it: how many
 * characters, and which kinds. */
void redact_describe(char *dst, size_t n, const char *text);

/* dst (n bytes) = text cut to at most max characters (UTF-8), whole
 * characters only. */
void redact_cut(char *dst, size_t n, const char *text, size_t max);

/* 1 when found is words of the hub's or a plugin's ("nothing", "tabs"),
 * not a cell's text: kept as it is for any feed. */
int redact_placeholder(const char *found);

/* Replaces e->found by its description (personal) or its first
 * REDACT_QUOTE_MAX characters. e may be NULL. */
void redact_error(struct dahub_error *e, int personal);

#endif
