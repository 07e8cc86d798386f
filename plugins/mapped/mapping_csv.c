/*
 * mapping_csv.c: the keys of a mapping that every CSV layout (long, wide,
 * cases) shares and the json layout refuses: which row is the header,
 * where the figures end, cells filled down or blank, period notes, text
 * cells and the texts that mean no figure (the language: docs/mapping.md).
 * mapping_new() calls these in turn, on the loop thread, into the struct
 * mapping that the parsing code then only reads.
 */
#include "mapping.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/label.h"

#include "options.h"

static int set_header_row(void *dst, const struct dahub_opt *o,
                          const json_t *v) {
  (void)o;
  ((struct mapping *)dst)->header_row = (uint32_t)json_integer_value(v);
  return 0;
}

#define AT(field) offsetof(struct mapping, field)
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt header_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"row", DAHUB_OPT_UINT, 0, 1, 1000000, 0, DAHUB_OPT_NOWHERE, set_header_row, "a whole number from 1", "the header's row, counted from 1"},
  {"match", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(header_match), dahub_opt_keep, NULL, "a text of the header row, to find it by"},
  {.key = NULL}};
/* clang-format on */
#undef AT

int mapping_header(struct mapping *m, const json_t *h,
                   struct dahub_error *err) {
  int rc;

  if (h == NULL)
    return opt_bad(err, "options.header",
                   "missing: say which row is the header");
  if (!json_is_object(h))
    return opt_bad_type(err, "options.header", "an object", h);
  if ((rc = opt_check(h, "options.header", header_opts, m, m->say, err)) != 0)
    return rc;
  if ((json_object_get(h, "row") == NULL) ==
      (json_object_get(h, "match") == NULL))
    return opt_bad(err, "options.header",
                   "expected one of \"row\" or \"match\"");
  return 0;
}

int mapping_period_part(const char *s) {
  static const char *const parts[] = {
      "FY",  "H1",  "H2",  "Q1",  "Q2",  "Q3",  "Q4",  "M01", "M02", "M03",
      "M04", "M05", "M06", "M07", "M08", "M09", "M10", "M11", "M12", NULL};
  const char *const *p;
  size_t n = strlen(s);

  if (n < 2 || n > 3) /* a period id, on every figure of most returns */
    return 0;
  for (p = parts; *p != NULL; p++)
    if (strcmp(*p, s) == 0)
      return 1;
  return 0;
}

/* "text": "skip", or {"<measure>": "skip" | "error"}. */
static int text_cells(struct mapping *m, const json_t *v,
                      struct dahub_error *err) {
  const char *key;
  char sub[MAP_PATH_MAX];
  json_t *kv;
  int rc;

  static const char *const whats[] = {"error", "skip", NULL};
  size_t k;

  if (json_is_string(v)) {
    if ((rc = opt_choice(v, "options.text", whats, &k, err)) != 0)
      return rc;
    m->text_skip_all = k == 1;
    return 0;
  }
  if (!json_is_object(v))
    return opt_bad_type(err, "options.text",
                        "\"skip\", or an object of measure -> \"skip\"", v);
  if ((m->text_skip = calloc(json_object_size(v) + 1, sizeof *m->text_skip)) ==
      NULL)
    return opt_nomem(err);
  json_object_foreach((json_t *)v, key, kv) {
    if ((rc = opt_join(sub, "options.text", key, err)) != 0)
      return rc;
    if ((rc = opt_choice(kv, sub, whats, &k, err)) != 0)
      return rc;
    if (k == 0) /* "error" */
      continue;
    if ((m->text_skip[m->n_text_skip] = strdup(key)) == NULL)
      return opt_nomem(err);
    m->n_text_skip++;
  }
  return 0;
}

/* "missing": ["N/A", "n/a"]: texts a partner writes where it has no
 * figure. Each is folded once, here, as a label is; one of punctuation
 * alone ("-") would fold to nothing and match every such cell, so it keeps
 * only its own text. */
static int missing_texts(struct mapping *m, const json_t *v,
                         struct dahub_error *err) {
  char path[MAP_PATH_MAX], folded[DAHUB_LABEL_MAX];
  char **texts = NULL;
  size_t n = 0, i;
  int rc;

  if (m->layout != MAP_LONG && m->layout != MAP_WIDE)
    return opt_bad(err, "options.missing",
                   "only the long and wide layouts have value cells");
  if ((rc = opt_strings(v, "options.missing", &texts, &n, err)) != 0)
    goto out;
  if ((m->missing = calloc(n, sizeof *m->missing)) == NULL) {
    rc = opt_nomem(err);
    goto out;
  }
  for (i = 0; i < n; i++) {
    int len = dahub_label_fold(texts[i], strlen(texts[i]), folded);

    if (len < 0) {
      (void)snprintf(path, sizeof path, "options.missing[%zu]", i);
      rc = opt_bad(err, path, "too long for a text that means no figure");
      goto out;
    }
    m->missing[i].text = texts[i];
    texts[i] = NULL; /* m owns it now */
    m->n_missing++;
    if ((m->missing[i].label = strdup(folded)) == NULL) {
      rc = opt_nomem(err);
      goto out;
    }
  }
out:
  opt_strings_free(texts, n);
  return rc;
}

/* Keys that only a CSV layout reads, refused for "json". */
int mapping_csv_only(const json_t *o, struct dahub_error *err) {
  static const char *const keys[] = {"sheet",
                                     "delimiter",
                                     "encoding",
                                     "decimal_comma",
                                     "header",
                                     "columns",
                                     "cells",
                                     "across",
                                     "fill_down",
                                     "skip_if_blank",
                                     "footer",
                                     "period_notes",
                                     "period_from_date",
                                     "text",
                                     "missing",
                                     "total",
                                     "records",
                                     NULL};
  const char *const *k;
  char path[MAP_PATH_MAX];
  int rc;

  for (k = keys; *k != NULL; k++)
    if (json_object_get(o, *k) != NULL) {
      if ((rc = opt_join(path, "options", *k, err)) == 0)
        rc = opt_bad(err, path, "only the CSV layouts have it");
      return rc;
    }
  return 0;
}

/* The keys of the CSV layouts that are not one layout's own. "across" and
 * "total" are the wide layout's (figures.c): only whether they may be here
 * is checked. */
int mapping_csv_options(struct mapping *m, const json_t *o,
                        struct dahub_error *err) {
  static const char *const footer_keys[] = {"match", NULL};
  char path[MAP_PATH_MAX];
  const json_t *v;
  size_t i;
  int rc;

  if ((v = json_object_get(o, "across")) != NULL && m->layout != MAP_WIDE)
    return opt_bad(err, "options.across", "only a wide layout has it");
  if (v == NULL && m->layout == MAP_WIDE)
    return opt_bad(err, "options.across", "missing: a wide layout needs it");
  if (json_object_get(o, "total") != NULL && m->layout != MAP_WIDE)
    return opt_bad(err, "options.total", "only a wide layout has it");
  if ((v = json_object_get(o, "fill_down")) != NULL &&
      (rc = opt_strings(v, "options.fill_down", &m->fill_down, &m->n_fill_down,
                        err)) != 0)
    return rc;
  if ((v = json_object_get(o, "skip_if_blank")) != NULL &&
      (rc = opt_strings(v, "options.skip_if_blank", &m->skip_if_blank,
                        &m->n_skip_if_blank, err)) != 0)
    return rc;
  if ((v = json_object_get(o, "footer")) != NULL) {
    if (!json_is_object(v))
      return opt_bad_type(err, "options.footer", "an object", v);
    if ((rc = opt_only_keys(v, "options.footer", footer_keys, m->say, err)) !=
            0 ||
        (rc = opt_strings(json_object_get(v, "match"), "options.footer.match",
                          &m->footer, &m->n_footer, err)) != 0)
      return rc;
  }
  if ((v = json_object_get(o, "period_notes")) != NULL &&
      (rc = opt_pairs(v, "options.period_notes", &m->period_notes, err)) != 0)
    return rc;
  for (i = 0; i < m->period_notes.n; i++) {
    if (mapping_period_part(m->period_notes.p[i].val))
      continue;
    if ((rc = opt_join(path, "options.period_notes", m->period_notes.p[i].key,
                       err)) == 0)
      rc = opt_bad(err, path, "expected FY, H1, H2, Q1..Q4 or M01..M12");
    return rc;
  }
  if ((v = json_object_get(o, "text")) != NULL &&
      (rc = text_cells(m, v, err)) != 0)
    return rc;
  if ((v = json_object_get(o, "missing")) != NULL &&
      (rc = missing_texts(m, v, err)) != 0)
    return rc;
  return 0;
}
