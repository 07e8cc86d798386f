/*
 * xlsx_sheet.c: the chosen sheet, streamed one row per call.
 *
 * expat parses the sheet's part and the handlers build the current row; at
 * </row> they pause the parse, dahub_xlsx_next hands the row out, and the
 * next call resumes where expat stopped. Only one row's cells and text are
 * held (bounded by max_columns and max_row_bytes), whatever the sheet's
 * size; after </sheetData> the rest of the part is not parsed.
 *
 * A cell's value is its <v> (for a formula, the value Excel cached), or the
 * text of <is> for an inline string; its t attribute says how to read it.
 * Cells and rows without r follow the one before, as some writers leave r
 * out. Rows must come in order, as Excel writes them: a row number that
 * goes back is an error, not something to sort.
 *
 * Merged ranges (xlsx_merge.c) fill the row as it is handed out; a row that
 * the sheet leaves out but a range with a value covers is handed out too,
 * holding the range's value, so that the value reaches every row it spans.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlsx_merge.h"

#define XLSX_MAX_ROW 1048576u

enum src { SRC_BLANK, SRC_ARENA, SRC_SST, SRC_MERGE, SRC_BOOL };

struct xcell {
  uint8_t type, src;
  uint32_t ref; /* arena offset, shared string, merged range, 0/1 */
  uint32_t len;
};

struct rowbuf {
  struct xcell *c;
  size_t n, cap;
};

struct xlsx_sheet {
  struct dahub_xlsx *x;
  struct dahub_error *err;
  struct xlsx_xml xml;
  struct xlsx_merges ms;
  struct rowbuf cur, synth;
  char *arena;
  size_t alen, acap;
  struct dahub_xlsx_cell *pub;
  size_t pub_cap;
  uint32_t row, col, emitted;
  int in_data, data_done, held, in_row;
  int in_c, in_v, in_is, in_t, in_rph, has_v;
  char t[12];
  uint32_t style;
  size_t cell_off;
  int text_rc;
};

/* Fails the read with a message about the current cell. */
static int cell_error(struct xlsx_sheet *s, int code, const char *what) {
  char ref[16];

  dahub_xlsx_ref(ref, sizeof ref, s->row, s->col);
  return dahub_error_set(s->err, code, s->row, s->col, "%s cell %s: %s",
                         s->x->label, ref, what);
}

static int arena_add(struct xlsx_sheet *s, const char *p, size_t n) {
  if (n > s->x->opt.max_row_bytes - s->alen) {
    char what[80];

    snprintf(what, sizeof what, "row %u holds more than %u bytes of text",
             s->row, s->x->opt.max_row_bytes);
    return cell_error(s, -EMSGSIZE, what);
  }
  if (s->alen + n > s->acap) {
    size_t cap = s->acap > 0 ? s->acap : 4096;
    char *q;

    while (cap < s->alen + n)
      cap *= 2;
    if ((q = realloc(s->arena, cap)) == NULL)
      return cell_error(s, -ENOMEM, "out of memory");
    s->arena = q;
    s->acap = cap;
  }
  memcpy(s->arena + s->alen, p, n);
  s->alen += n;
  return 0;
}

/* Makes room for n cells, the new ones blank. */
static int row_cover(struct xlsx_sheet *s, struct rowbuf *b, size_t n) {
  if (n > b->cap) {
    size_t cap = b->cap > 0 ? b->cap : 64;
    struct xcell *q;

    while (cap < n)
      cap *= 2;
    if ((q = realloc(b->c, cap * sizeof *q)) == NULL)
      return cell_error(s, -ENOMEM, "out of memory");
    b->c = q;
    b->cap = cap;
  }
  if (n > b->n) {
    memset(b->c + b->n, 0, (n - b->n) * sizeof *b->c);
    b->n = n;
  }
  return 0;
}

static int start_cell(struct xlsx_sheet *s, const char **attr) {
  const char *r = xlsx_attr(attr, "r"), *t = xlsx_attr(attr, "t");
  const char *st = xlsx_attr(attr, "s");
  uint32_t col, row;
  char what[96];

  if (r != NULL) {
    if (xlsx_parse_ref(r, &col, &row) != 0) {
      snprintf(what, sizeof what, "the reference \"%.20s\" is not a cell", r);
      return cell_error(s, -EILSEQ, what);
    }
  } else
    col = s->col + 1;
  s->col = col;
  if (col > s->x->opt.max_columns) {
    snprintf(what, sizeof what, "column %u is beyond the limit of %u columns",
             col, s->x->opt.max_columns);
    return cell_error(s, -EMSGSIZE, what);
  }
  /* not snprintf: this runs for every cell, and a long t is an error */
  dahub_error_copy(s->t, sizeof s->t, t != NULL ? t : "n");
  s->style = st != NULL ? (uint32_t)strtoul(st, NULL, 10) : 0;
  s->in_c = 1;
  s->has_v = 0;
  s->cell_off = s->alen;
  return 0;
}

static int start_row(struct xlsx_sheet *s, const char **attr) {
  const char *r = xlsx_attr(attr, "r");
  uint32_t prev = s->row;
  char *end;
  unsigned long n;

  n = r != NULL ? strtoul(r, &end, 10) : prev + 1ul;
  if (r != NULL && (*end != '\0' || end == r))
    n = 0;
  if (n <= prev || n > XLSX_MAX_ROW) {
    char what[96];

    s->col = 0;
    if (n > XLSX_MAX_ROW)
      snprintf(what, sizeof what, "row %lu is beyond Excel's last, %u", n,
               XLSX_MAX_ROW);
    else
      snprintf(what, sizeof what, "row \"%.20s\" after row %u: rows must rise",
               r != NULL ? r : "", prev);
    return dahub_error_set(s->err, -EILSEQ, prev, 0, "%s: %s", s->x->label,
                           what);
  }
  s->row = (uint32_t)n;
  s->col = 0;
  s->cur.n = 0;
  s->alen = 0;
  return 0;
}

static int sheet_start(void *arg, const char *name, const char **attr) {
  struct xlsx_sheet *s = arg;

  if (s->text_rc != 0)
    return s->text_rc;
  if (strcmp(name, "sheetData") == 0)
    s->in_data = 1;
  else if (!s->in_data)
    return 0;
  else if (strcmp(name, "row") == 0) {
    if (s->in_row) /* well-formed XML, but it would give the row twice */
      return dahub_error_set(s->err, -EILSEQ, s->row, 0,
                             "%s: a row inside row %u", s->x->label, s->row);
    s->in_row = 1;
    return start_row(s, attr);
  } else if (strcmp(name, "c") == 0) {
    if (!s->in_row || s->in_c)
      return dahub_error_set(s->err, -EILSEQ, s->row, 0,
                             "%s: a cell outside a row, or inside a cell, "
                             "after row %u",
                             s->x->label, s->row);
    return start_cell(s, attr);
  } else if (s->in_c && strcmp(name, "v") == 0)
    s->in_v = s->has_v = 1;
  else if (s->in_c && strcmp(name, "is") == 0)
    s->in_is = s->has_v = 1;
  else if (s->in_is && strcmp(name, "t") == 0)
    s->in_t = 1;
  else if (s->in_is && strcmp(name, "rPh") == 0)
    s->in_rph++;
  return 0;
}

static void sheet_text(void *arg, const char *p, int len) {
  struct xlsx_sheet *s = arg;

  if (s->text_rc == 0 && (s->in_v || (s->in_t && s->in_rph == 0)))
    s->text_rc = arena_add(s, p, (size_t)len);
}

/* Reads a number cell: as written, or as a date if its format is one. */
static int end_number(struct xlsx_sheet *s, struct xcell *c) {
  const char *text = s->arena + s->cell_off;
  char date[32], *end;
  double v = strtod(text, &end);
  int n;

  if (end == text || *end != '\0')
    return cell_error(s, -EILSEQ, "a number cell holds no number");
  c->type = DAHUB_XLSX_NUMBER;
  if (s->style >= s->x->n_xf || !s->x->xf_date[s->style])
    return 0;
  n = xlsx_serial_text(v, s->x->date1904, date, sizeof date);
  if (n < 0)
    return 0; /* Excel shows #### there: keep the number */
  s->alen = s->cell_off;
  c->type = DAHUB_XLSX_DATE;
  c->len = (uint32_t)n;
  return arena_add(s, date, (size_t)n + 1);
}

static int end_shared(struct xlsx_sheet *s, struct xcell *c) {
  const char *text = s->arena + s->cell_off;
  char *end, what[96];
  unsigned long i = strtoul(text, &end, 10);

  if (end == text || *end != '\0' || i >= s->x->sst.n) {
    snprintf(what, sizeof what,
             "shared string \"%.20s\" does not exist (the workbook has %zu)",
             text, s->x->sst.n);
    return cell_error(s, -EILSEQ, what);
  }
  c->src = SRC_SST;
  c->ref = (uint32_t)i;
  c->len = (uint32_t)strlen(s->x->sst.buf + s->x->sst.off[i]);
  c->type = DAHUB_XLSX_TEXT;
  s->alen = s->cell_off;
  return 0;
}

static int end_cell(struct xlsx_sheet *s) {
  struct xcell *c;
  const char *text, *t = s->t;
  char what[64];
  int rc;

  s->in_c = s->in_v = s->in_is = s->in_t = s->in_rph = 0;
  if ((rc = row_cover(s, &s->cur, s->col)) != 0)
    return rc;
  c = &s->cur.c[s->col - 1];
  memset(c, 0, sizeof *c);
  if (!s->has_v) {
    s->alen = s->cell_off;
    return 0;
  }
  if (strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0)
    s->alen = s->cell_off +
              xlsx_unescape(s->arena + s->cell_off, s->alen - s->cell_off);
  c->len = (uint32_t)(s->alen - s->cell_off);
  if ((rc = arena_add(s, "", 1)) != 0)
    return rc;
  c->src = SRC_ARENA;
  c->ref = (uint32_t)s->cell_off;
  text = s->arena + s->cell_off;
  if (strcmp(t, "n") == 0 && c->len == 0) {
    c->src = SRC_BLANK; /* <v/>: no value */
    s->alen = s->cell_off;
    return 0;
  }
  if (strcmp(t, "n") == 0)
    return end_number(s, c);
  if (strcmp(t, "s") == 0)
    return end_shared(s, c);
  if (strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0)
    c->type = DAHUB_XLSX_TEXT;
  else if (strcmp(t, "e") == 0)
    c->type = DAHUB_XLSX_ERROR;
  else if (strcmp(t, "d") == 0)
    c->type = DAHUB_XLSX_DATE; /* already ISO 8601 */
  else if (strcmp(t, "b") == 0) {
    if (strcmp(text, "0") != 0 && strcmp(text, "1") != 0)
      return cell_error(s, -EILSEQ, "a boolean cell is neither 0 nor 1");
    c->type = DAHUB_XLSX_BOOL;
    c->src = SRC_BOOL;
    c->ref = text[0] == '1';
    c->len = c->ref ? 4 : 5;
    s->alen = s->cell_off;
  } else {
    snprintf(what, sizeof what, "unknown cell type t=\"%.10s\"", t);
    return cell_error(s, -EILSEQ, what);
  }
  return 0;
}

static int sheet_end(void *arg, const char *name) {
  struct xlsx_sheet *s = arg;

  if (s->text_rc != 0)
    return s->text_rc;
  if (!s->in_data)
    return 0;
  if (strcmp(name, "c") == 0 && s->in_c)
    return end_cell(s);
  if (strcmp(name, "v") == 0)
    s->in_v = 0;
  else if (strcmp(name, "is") == 0)
    s->in_is = 0;
  else if (strcmp(name, "t") == 0)
    s->in_t = 0;
  else if (strcmp(name, "rPh") == 0 && s->in_rph > 0)
    s->in_rph--;
  else if (strcmp(name, "row") == 0) {
    s->in_row = 0;
    s->held = 1;
    return 1; /* hand the row out */
  } else if (strcmp(name, "sheetData") == 0) {
    s->in_data = 0;
    s->data_done = 1;
    return 1; /* the rest (merged ranges, print setup) is not needed */
  }
  return 0;
}

int xlsx_sheet_open(struct dahub_xlsx *x, struct dahub_error *err) {
  struct xlsx_sheet *s = calloc(1, sizeof *s);
  struct xlsx_xml_handlers h = {
      .start = sheet_start, .end = sheet_end, .text = sheet_text};
  uint64_t expanded;
  int rc;

  if (s == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "xlsx: out of memory");
  x->sheet = s;
  s->x = x;
  s->err = err;
  h.arg = s;
  /* The stream first: its limits are checked before anything inflates. */
  if ((rc = xlsx_xml_open(x, x->sheet_part, x->label, &h, &s->xml, err)) != 0)
    return rc == -ENOENT
               ? dahub_error_set(err, -EILSEQ, 0, 0, "%s: the zip holds no %s",
                                 x->label, x->sheet_part)
               : rc;
  expanded = x->expanded;
  x->expanded -= s->xml.size;
  rc = xlsx_merges_read(x, &s->ms, err);
  x->expanded = expanded;
  return rc;
}

/* Puts range values into row's cells; first keeps those that start here. */
static int fill(struct xlsx_sheet *s, struct rowbuf *b, uint32_t row) {
  struct xlsx_merges *ms = &s->ms;
  int rc;

  xlsx_merges_advance(ms, row);
  for (size_t i = 0; i < ms->n_active; i++) {
    size_t k = ms->active[i];
    struct xlsx_merge *m = &ms->m[k];
    const struct xcell *a;

    if (m->r1 != row || m->anchored || m->c1 > b->n)
      continue;
    a = &b->c[m->c1 - 1];
    if (a->src == SRC_BLANK)
      continue;
    rc = xlsx_merges_anchor(s->x, ms, k, (enum dahub_xlsx_type)a->type,
                            s->pub[m->c1 - 1].text, a->len, s->err);
    if (rc != 0)
      return rc;
  }
  for (size_t i = 0; i < ms->n_active; i++) {
    size_t k = ms->active[i];
    struct xlsx_merge *m = &ms->m[k];

    if (!m->anchored)
      continue;
    if ((rc = row_cover(s, b, m->c2)) != 0)
      return rc;
    for (uint32_t c = m->c1; c <= m->c2; c++)
      if (row != m->r1 || c != m->c1)
        b->c[c - 1] = (struct xcell){(uint8_t)m->type, SRC_MERGE, (uint32_t)k,
                                     (uint32_t)m->len};
  }
  return 0;
}

/* Points the public cells at their text. */
static int publish(struct xlsx_sheet *s, const struct rowbuf *b) {
  static const char *const bools[] = {"FALSE", "TRUE"};

  if (b->n > s->pub_cap) {
    size_t cap = b->cap;
    struct dahub_xlsx_cell *q = realloc(s->pub, cap * sizeof *q);

    if (q == NULL)
      return cell_error(s, -ENOMEM, "out of memory");
    s->pub = q;
    s->pub_cap = cap;
  }
  for (size_t i = 0; i < b->n; i++) {
    const struct xcell *c = &b->c[i];
    struct dahub_xlsx_cell *p = &s->pub[i];

    p->type = (enum dahub_xlsx_type)c->type;
    p->len = c->len;
    switch (c->src) {
    case SRC_ARENA:
      p->text = s->arena + c->ref;
      break;
    case SRC_SST:
      p->text = s->x->sst.buf + s->x->sst.off[c->ref];
      break;
    case SRC_MERGE:
      p->text = s->ms.m[c->ref].text;
      break;
    case SRC_BOOL:
      p->text = bools[c->ref];
      break;
    default:
      p->type = DAHUB_XLSX_BLANK;
      p->text = "";
      p->len = 0;
    }
  }
  return 0;
}

int xlsx_sheet_next(struct dahub_xlsx *x, struct dahub_xlsx_row *out,
                    struct dahub_error *err) {
  struct xlsx_sheet *s = x->sheet;
  struct rowbuf *b;
  uint32_t row;
  int rc;

  s->err = err;
  if (!s->held && !s->data_done) {
    rc = xlsx_xml_run(&s->xml, err);
    if (rc < 0)
      return rc;
    if (rc == 0)
      s->data_done = 1; /* no </sheetData>: expat checked the rest */
  }
  row = s->emitted + 1;
  xlsx_merges_advance(&s->ms, row);
  if ((!s->held || row < s->row) && xlsx_merges_cover(&s->ms, row)) {
    b = &s->synth; /* a row left out, inside a merged range */
    b->n = 0;
  } else if (s->held) {
    b = &s->cur;
    row = s->row;
    s->held = 0;
    if ((rc = publish(s, b)) != 0) /* the anchors' text, for fill() */
      return rc;
  } else
    return 0;
  if ((rc = fill(s, b, row)) != 0 || (rc = publish(s, b)) != 0)
    return rc;
  s->emitted = row;
  out->row = row;
  out->n = b->n;
  out->cell = s->pub;
  return 1;
}

void xlsx_sheet_free(struct xlsx_sheet *s) {
  if (s == NULL)
    return;
  xlsx_xml_close(&s->xml);
  xlsx_merges_free(&s->ms);
  free(s->cur.c);
  free(s->synth.c);
  free(s->arena);
  free(s->pub);
  free(s);
}
