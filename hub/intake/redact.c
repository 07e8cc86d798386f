/*
 * redact.c: a cell described or cut before anyone reads it (redact.h).
 *
 * Runs on the ingest's worker thread, on errors of that ingest only. The
 * description gives what helps the data lead find the cell without the
 * file's words: its length and the kinds of character in it. A case
 * reference typed into a date column reads "text of 16 characters
 * (letters, digits and other characters)"; a name shifted into it, "text
 * of 18 characters (letters and spaces)". Characters outside ASCII count
 * as "other": telling letters from signs there would need the locale,
 * and says nothing the data lead needs.
 */
#include "redact.h"

#include <stdio.h>
#include <string.h>

/* What the hub and the mapped plugin put in `found` when there is no cell
 * to quote (validate.c, plugins/mapped/jsondoc.c): words of ours, kept. */
static const char *const placeholders[] = {"(none)",
                                           "(a number)",
                                           "nothing",
                                           "none",
                                           "something else",
                                           DAHUB_DELIM_COMMAS,
                                           DAHUB_DELIM_SEMICOLONS,
                                           DAHUB_DELIM_TABS,
                                           NULL};

/* A plugin's found is cut to fit struct dahub_error (dahub_error_copy, at
 * most 3 bytes short of the end at a character boundary): at this length
 * the cell may have been longer. */
#define FOUND_MAY_BE_CUT (sizeof(((struct dahub_error *)0)->found) - 4)

static int is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

void redact_describe(char *dst, size_t n, const char *text) {
  enum { LETTERS, DIGITS, SPACES, OTHER, KINDS };
  static const char *const names[KINDS] = {"letters", "digits", "spaces",
                                           "other characters"};
  const unsigned char *p = (const unsigned char *)text;
  int seen[KINDS] = {0};
  const char *list[KINDS];
  size_t chars = 0, bytes = strlen(text), k = 0;
  char kinds[96];

  for (; *p != '\0'; p++) {
    if (is_continuation(*p))
      continue; /* counted with its first byte */
    chars++;
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
      seen[LETTERS] = 1;
    else if (*p >= '0' && *p <= '9')
      seen[DIGITS] = 1;
    else if (*p == ' ' || *p == '\t')
      seen[SPACES] = 1;
    else
      seen[OTHER] = 1;
  }
  for (int i = 0; i < KINDS; i++)
    if (seen[i])
      list[k++] = names[i];
  if (k == 0) /* only stray continuation bytes: not UTF-8 */
    list[k++] = names[OTHER];
  kinds[0] = '\0';
  for (size_t i = 0, used = 0; i < k; i++) {
    int w = snprintf(kinds + used, sizeof kinds - used, "%s%s",
                     i == 0       ? ""
                     : i + 1 == k ? " and "
                                  : ", ",
                     list[i]);
    if (w < 0 || (size_t)w >= sizeof kinds - used)
      break; /* cannot happen: four short names fit */
    used += (size_t)w;
  }
  (void)snprintf(dst, n, "text of %zu character%s%s (%s)", chars,
                 chars == 1 ? "" : "s",
                 bytes >= FOUND_MAY_BE_CUT ? " or more" : "", kinds);
}

void redact_cut(char *dst, size_t n, const char *text, size_t max) {
  size_t len = 0, chars = 0;

  if (n == 0)
    return;
  /* stop before the first byte of character max + 1, or at the end */
  while (text[len] != '\0') {
    if (!is_continuation((unsigned char)text[len]) && chars++ == max)
      break;
    len++;
  }
  if (len >= n) { /* dst is shorter still: cut at a character boundary */
    len = n - 1;
    while (len > 0 && is_continuation((unsigned char)text[len]))
      len--;
  }
  memmove(dst, text, len); /* dst may be text */
  dst[len] = '\0';
}

/* A list of cells (each ended by DAHUB_FOUND_SEP, dahub/error.h): each
 * cut by itself, shown "a | b | c"; for a personal feed only counted. */
static void redact_list(char *out, size_t n, const char *found, int personal) {
  size_t cells = 0, used = 0;
  const char *p = found, *sep;

  out[0] = '\0';
  for (const char *c = found; *c != '\0'; c++)
    cells += *c == DAHUB_FOUND_SEP;
  if (personal) {
    (void)snprintf(out, n,
                   "%zu cells, not quoted (the feed holds data about "
                   "people)",
                   cells);
    return;
  }
  while ((sep = strchr(p, DAHUB_FOUND_SEP)) != NULL) {
    char cell[sizeof((struct dahub_error *)0)->found], cut[sizeof cell];
    size_t len =
        (size_t)(sep - p) < sizeof cell ? (size_t)(sep - p) : sizeof cell - 1;
    int w;

    memcpy(cell, p, len);
    cell[len] = '\0';
    redact_cut(cut, sizeof cut, cell, REDACT_QUOTE_MAX);
    w = snprintf(out + used, n - used, "%s%s", used > 0 ? " | " : "", cut);
    if (w < 0 || (size_t)w >= n - used) {
      out[used] = '\0'; /* what does not fit is left out whole */
      return;
    }
    used += (size_t)w;
    p = sep + 1;
  }
}

int redact_placeholder(const char *found) {
  for (size_t i = 0; placeholders[i] != NULL; i++)
    if (strcmp(found, placeholders[i]) == 0)
      return 1;
  return 0;
}

void redact_error(struct dahub_error *e, int personal) {
  char out[sizeof e->found];

  if (e == NULL || e->found[0] == '\0' || redact_placeholder(e->found))
    return;
  if (strchr(e->found, DAHUB_FOUND_SEP) != NULL)
    redact_list(out, sizeof out, e->found, personal);
  else if (personal)
    redact_describe(out, sizeof out, e->found);
  else
    redact_cut(out, sizeof out, e->found, REDACT_QUOTE_MAX);
  /* the whole field, so no byte of the cell stays after the new end */
  memset(e->found, 0, sizeof e->found);
  memcpy(e->found, out, strlen(out));
}
