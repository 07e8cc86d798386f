/*
 * xlsx_merge.c: merged ranges, whose top-left value fills the whole range.
 *
 * Excel writes <mergeCells> after <sheetData>, so the ranges must be known
 * before the first row is handed out: a first pass over the sheet. Most
 * sheets have none, so the pass first only inflates and looks for the word
 * "mergeCell" (no element name can hide it), and parses the XML only when
 * it is there. The caller opens the sheet's stream first, so the limits are
 * checked before any of this inflates, and does not count this pass against
 * max_expanded: reading twice is our choice, not the file's size.
 *
 * Ranges are sorted by their first row; as rows go by, those covering the
 * current row are active. A range's value is copied when its first row is
 * read, as later rows need it after that row is gone; copies count against
 * max_shared with the shared strings. Ranges wider than max_columns are
 * cut there: no cell beyond can be read anyway.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xlsx_merge.h"

#define XLSX_MAX_ROW 1048576u

struct pass {
  struct dahub_xlsx *x;
  struct xlsx_merges *ms;
  struct dahub_error *err;
};

static int merge_start(void *arg, const char *name, const char **attr) {
  struct pass *p = arg;
  struct xlsx_merges *ms = p->ms;
  const char *ref = xlsx_attr(attr, "ref"), *colon;
  struct xlsx_merge m = {0};
  char first[16];
  size_t k;

  if (strcmp(name, "mergeCell") != 0)
    return 0;
  colon = ref != NULL ? strchr(ref, ':') : NULL;
  k = colon != NULL ? (size_t)(colon - ref) : 0;
  if (k > 0 && k < sizeof first) {
    memcpy(first, ref, k);
    first[k] = '\0';
  }
  if (k == 0 || k >= sizeof first || xlsx_parse_ref(first, &m.c1, &m.r1) ||
      xlsx_parse_ref(colon + 1, &m.c2, &m.r2) || m.r1 == 0 || m.r2 < m.r1 ||
      m.c2 < m.c1 || m.r2 > XLSX_MAX_ROW)
    return dahub_error_set(p->err, -EILSEQ, 0, 0,
                           "%s: merged range \"%.40s\" is not a range",
                           p->x->label, ref != NULL ? ref : "");
  if (ms->n >= p->x->opt.max_merges)
    return dahub_error_set(p->err, -EMSGSIZE, 0, 0,
                           "%s: more than %u merged ranges, the limit",
                           p->x->label, p->x->opt.max_merges);
  if (m.c1 > p->x->opt.max_columns)
    return 0; /* wholly beyond the columns read */
  if (m.c2 > p->x->opt.max_columns)
    m.c2 = p->x->opt.max_columns;
  if (ms->n == ms->cap) {
    size_t cap = ms->cap > 0 ? ms->cap * 2 : 16;
    struct xlsx_merge *q = realloc(ms->m, cap * sizeof *q);
    size_t *a = realloc(ms->active, cap * sizeof *a);

    if (q != NULL)
      ms->m = q;
    if (a != NULL)
      ms->active = a;
    if (q == NULL || a == NULL)
      return dahub_error_set(p->err, -ENOMEM, 0, 0, "xlsx: out of memory");
    ms->cap = cap;
  }
  ms->m[ms->n++] = m;
  return 0;
}

static int by_row(const void *a, const void *b) {
  const struct xlsx_merge *p = a, *q = b;

  return p->r1 < q->r1 ? -1 : p->r1 > q->r1;
}

/* 1 if the part holds "mergeCell", 0 if not, negative on an error. */
static int has_merges(struct dahub_xlsx *x, struct dahub_error *err) {
  static const char word[] = "mergeCell";
  const size_t k = sizeof word - 1;
  char buf[65536 + sizeof word];
  size_t keep = 0, total;
  uint64_t got = 0;
  zip_stat_t st;
  zip_file_t *f;
  zip_int64_t n;
  int rc = 0;

  zip_stat_init(&st);
  if (zip_stat(x->za, x->sheet_part, ZIP_FL_NOCASE, &st) != 0 ||
      (f = zip_fopen(x->za, x->sheet_part, ZIP_FL_NOCASE)) == NULL)
    return dahub_error_set(err, -EILSEQ, 0, 0, "%s: the zip holds no %s",
                           x->label, x->sheet_part);
  while ((n = zip_fread(f, buf + keep, 65536)) > 0) {
    got += (uint64_t)n;
    if (got > st.size) {
      rc = dahub_error_set(err, -EMSGSIZE, 0, 0,
                           "%s: inflates to more than the %llu bytes its zip "
                           "entry declares (a zip bomb?)",
                           x->label, (unsigned long long)st.size);
      goto out;
    }
    total = keep + (size_t)n;
    if (memmem(buf, total, word, k) != NULL) {
      rc = 1;
      goto out;
    }
    /* the word may straddle two chunks: carry its length less one */
    keep = total < k - 1 ? total : k - 1;
    memmove(buf, buf + total - keep, keep);
  }
  if (n < 0)
    rc = dahub_error_set(err, -EILSEQ, 0, 0, "%s: cannot be inflated (%s)",
                         x->label, zip_file_strerror(f));
out:
  (void)zip_fclose(f);
  return rc;
}

int xlsx_merges_read(struct dahub_xlsx *x, struct xlsx_merges *ms,
                     struct dahub_error *err) {
  struct pass p = {.x = x, .ms = ms, .err = err};
  struct xlsx_xml_handlers h = {.start = merge_start, .arg = &p};
  int rc;

  if ((rc = has_merges(x, err)) <= 0)
    return rc;
  rc = xlsx_xml_parse(x, x->sheet_part, x->label, &h, err);
  if (rc == 0 && ms->n > 1) /* the word alone leaves m NULL */
    qsort(ms->m, ms->n, sizeof *ms->m, by_row);
  return rc;
}

void xlsx_merges_advance(struct xlsx_merges *ms, uint32_t row) {
  size_t k = 0;

  for (size_t i = 0; i < ms->n_active; i++)
    if (ms->m[ms->active[i]].r2 >= row)
      ms->active[k++] = ms->active[i];
  ms->n_active = k;
  while (ms->next < ms->n && ms->m[ms->next].r1 <= row) {
    if (ms->m[ms->next].r2 >= row)
      ms->active[ms->n_active++] = ms->next;
    ms->next++;
  }
}

int xlsx_merges_cover(const struct xlsx_merges *ms, uint32_t row) {
  for (size_t i = 0; i < ms->n_active; i++) {
    const struct xlsx_merge *m = &ms->m[ms->active[i]];

    if (m->anchored && m->r1 < row && row <= m->r2)
      return 1;
  }
  return 0;
}

int xlsx_merges_anchor(struct dahub_xlsx *x, struct xlsx_merges *ms, size_t i,
                       enum dahub_xlsx_type type, const char *text, size_t len,
                       struct dahub_error *err) {
  struct xlsx_merge *m = &ms->m[i];

  if (len + 1 > x->opt.max_shared - x->held)
    return dahub_error_set(err, -EMSGSIZE, m->r1, m->c1,
                           "%s: merged values and shared strings hold more "
                           "than %u bytes, the limit",
                           x->label, x->opt.max_shared);
  if ((m->text = malloc(len + 1)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "xlsx: out of memory");
  memcpy(m->text, text, len);
  m->text[len] = '\0';
  m->len = len;
  m->type = type;
  m->anchored = 1;
  x->held += len + 1;
  return 0;
}

void xlsx_merges_free(struct xlsx_merges *ms) {
  for (size_t i = 0; i < ms->n; i++)
    free(ms->m[i].text);
  free(ms->m);
  free(ms->active);
  memset(ms, 0, sizeof *ms);
}
