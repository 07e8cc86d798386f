/*
 * xlsx_book.c: the small parts read at open, before the sheet streams.
 *
 * _rels/.rels names the workbook's part (the "officeDocument"; by default
 * xl/workbook.xml, where every writer we know puts it), which gives the
 * sheets in order (name and relationship id) and the date system; its
 * relationships (xl/_rels/workbook.xml.rels) map the chosen sheet's id to
 * its part and names the shared strings and styles; xl/styles.xml says which
 * cell formats (the s attribute of a cell) are dates; the shared strings
 * are held whole, as any cell may point at any of them, bounded by
 * max_shared (text and offsets together). A shared string is the text of
 * its <t> elements, so rich-text runs join into one string, without the
 * phonetic hints (<rPh>) that Japanese workbooks add.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xlsx_int.h"

#define XLSX_MAX_XF 65536u /* far beyond Excel's 64,000 cell formats */

struct book {
  struct dahub_xlsx *x;
  struct dahub_error *err;
  char *wb;       /* the workbook's part */
  size_t dir;     /* the length of its folder, with the '/' */
  uint32_t index; /* sheets seen */
  char *rid;      /* the chosen sheet's relationship id */
  int not_sheet;  /* it is a chart or dialog sheet, not a worksheet */
  char names[160];
  /* styles */
  int in_fmts, in_xfs;
  struct {
    uint32_t id;
    uint8_t date;
  } * fmt;
  size_t n_fmt;
  /* shared strings */
  int in_si, in_t, in_rph;
  size_t si_start;
  int text_rc; /* a text handler's error: it cannot stop the parse */
};

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  size_t n = *cap > 0 ? *cap : 16;
  void *q;

  if (need <= *cap)
    return 0;
  while (n < need)
    n *= 2;
  if ((q = realloc(*p, n * size)) == NULL)
    return -ENOMEM;
  *p = q;
  *cap = n;
  return 0;
}

static int nomem(struct book *b) {
  return dahub_error_set(b->err, -ENOMEM, 0, 0, "xlsx: out of memory");
}

static int book_start(void *arg, const char *name, const char **attr) {
  struct book *b = arg;
  struct dahub_xlsx *x = b->x;
  const char *v, *nm, *id;
  size_t used;

  if (strcmp(name, "workbookPr") == 0) {
    v = xlsx_attr(attr, "date1904");
    x->date1904 = v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
  } else if (strcmp(name, "sheet") == 0) {
    nm = xlsx_attr(attr, "name");
    id = xlsx_attr(attr, "id");
    b->index++;
    if (nm == NULL || id == NULL)
      return dahub_error_set(b->err, -EILSEQ, 0, 0,
                             "%s: sheet %u has no name or id", b->wb, b->index);
    used = strlen(b->names);
    if (used + 8 < sizeof b->names)
      snprintf(b->names + used, sizeof b->names - used, "%s\"%s\"",
               used > 0 ? ", " : "", nm);
    if (x->sheet_name != NULL)
      return 0;
    if (x->opt.sheet != NULL ? strcasecmp(nm, x->opt.sheet) == 0
                             : b->index == x->opt.sheet_number) {
      x->sheet_name = strdup(nm);
      b->rid = strdup(id);
      if (x->sheet_name == NULL || b->rid == NULL)
        return nomem(b);
    }
  }
  return 0;
}

/* The part a relationship target names: from the package's root if it
 * starts with '/', else from the folder of the part (dir bytes of base). */
static char *part_of(const char *base, size_t dir, const char *target) {
  size_t n = dir + strlen(target) + 1;
  char *p = malloc(n);

  if (p != NULL && target[0] == '/')
    snprintf(p, n, "%s", target + 1);
  else if (p != NULL)
    snprintf(p, n, "%.*s%s", (int)dir, base, target);
  return p;
}

static int ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), t = strlen(tail);

  return n >= t && strcmp(s + n - t, tail) == 0;
}

static int root_start(void *arg, const char *name, const char **attr) {
  struct book *b = arg;
  const char *target = xlsx_attr(attr, "Target");
  const char *type = xlsx_attr(attr, "Type"), *mode;

  mode = xlsx_attr(attr, "TargetMode");
  if (strcmp(name, "Relationship") != 0 || target == NULL || type == NULL ||
      !ends_with(type, "/officeDocument") || b->wb != NULL ||
      (mode != NULL && strcmp(mode, "External") == 0))
    return 0;
  if ((b->wb = part_of("", 0, target)) == NULL)
    return nomem(b);
  return 0;
}

static int rels_start(void *arg, const char *name, const char **attr) {
  struct book *b = arg;
  struct dahub_xlsx *x = b->x;
  const char *id = xlsx_attr(attr, "Id"), *target = xlsx_attr(attr, "Target");
  const char *type = xlsx_attr(attr, "Type"), *mode;
  char **slot = NULL;

  if (strcmp(name, "Relationship") != 0 || id == NULL || target == NULL)
    return 0;
  mode = xlsx_attr(attr, "TargetMode");
  if (mode != NULL && strcmp(mode, "External") == 0)
    return 0; /* never followed */
  if (strcmp(id, b->rid) == 0) {
    slot = &x->sheet_part;
    b->not_sheet = type != NULL && !ends_with(type, "/worksheet");
  } else if (type != NULL && ends_with(type, "/sharedStrings"))
    slot = &x->shared_part;
  else if (type != NULL && ends_with(type, "/styles"))
    slot = &x->styles_part;
  if (slot == NULL || *slot != NULL)
    return 0;
  if ((*slot = part_of(b->wb, b->dir, target)) == NULL)
    return nomem(b);
  return 0;
}

static int styles_start(void *arg, const char *name, const char **attr) {
  struct book *b = arg;
  struct dahub_xlsx *x = b->x;
  const char *id = xlsx_attr(attr, "numFmtId"), *code;
  size_t cap;
  uint32_t n;
  int date;

  if (strcmp(name, "numFmts") == 0)
    b->in_fmts = 1;
  else if (strcmp(name, "cellXfs") == 0)
    b->in_xfs = 1;
  else if (strcmp(name, "numFmt") == 0 && b->in_fmts && id != NULL) {
    code = xlsx_attr(attr, "formatCode");
    cap = b->n_fmt;
    if (grow((void **)&b->fmt, &cap, b->n_fmt + 1, sizeof *b->fmt) != 0)
      return nomem(b);
    b->fmt[b->n_fmt].id = (uint32_t)strtoul(id, NULL, 10);
    b->fmt[b->n_fmt++].date = code != NULL && xlsx_format_is_date(code);
  } else if (strcmp(name, "xf") == 0 && b->in_xfs) {
    if (x->n_xf >= XLSX_MAX_XF)
      return dahub_error_set(b->err, -EMSGSIZE, 0, 0,
                             "xl/styles.xml: more than %u cell formats",
                             XLSX_MAX_XF);
    cap = x->n_xf;
    if (grow((void **)&x->xf_date, &cap, x->n_xf + 1, 1) != 0)
      return nomem(b);
    n = id != NULL ? (uint32_t)strtoul(id, NULL, 10) : 0;
    date = -1;
    for (size_t i = 0; i < b->n_fmt && date < 0; i++)
      if (b->fmt[i].id == n)
        date = b->fmt[i].date;
    x->xf_date[x->n_xf++] =
        (uint8_t)(date >= 0 ? date : xlsx_builtin_is_date(n));
  }
  return 0;
}

static int styles_end(void *arg, const char *name) {
  struct book *b = arg;

  if (strcmp(name, "numFmts") == 0)
    b->in_fmts = 0;
  else if (strcmp(name, "cellXfs") == 0)
    b->in_xfs = 0;
  return 0;
}

/* Keeps the table within max_shared, text and offsets counted together. */
static int sst_room(struct book *b, size_t more) {
  struct xlsx_strtab *t = &b->x->sst;
  uint64_t need = (uint64_t)t->len + more + (t->n + 1) * sizeof *t->off;

  if (need > b->x->opt.max_shared)
    return dahub_error_set(b->err, -EMSGSIZE, 0, 0,
                           "shared strings: more than %u bytes, the limit",
                           b->x->opt.max_shared);
  if (grow((void **)&t->buf, &t->cap, t->len + more, 1) != 0)
    return nomem(b);
  return 0;
}

static int sst_start(void *arg, const char *name, const char **attr) {
  struct book *b = arg;

  (void)attr;
  if (strcmp(name, "si") == 0) {
    b->in_si = 1;
    b->si_start = b->x->sst.len;
  } else if (strcmp(name, "rPh") == 0)
    b->in_rph++;
  else if (strcmp(name, "t") == 0 && b->in_si && b->in_rph == 0)
    b->in_t = 1;
  return 0;
}

static void sst_text(void *arg, const char *s, int len) {
  struct book *b = arg;
  struct xlsx_strtab *t = &b->x->sst;

  if (!b->in_t || b->text_rc != 0)
    return;
  if ((b->text_rc = sst_room(b, (size_t)len)) != 0)
    return; /* reported by the next end tag */
  memcpy(t->buf + t->len, s, (size_t)len);
  t->len += (size_t)len;
}

static int sst_end(void *arg, const char *name) {
  struct book *b = arg;
  struct xlsx_strtab *t = &b->x->sst;

  if (b->text_rc != 0)
    return b->text_rc;
  if (strcmp(name, "t") == 0)
    b->in_t = 0;
  else if (strcmp(name, "rPh") == 0 && b->in_rph > 0)
    b->in_rph--;
  else if (strcmp(name, "si") == 0) {
    int rc = sst_room(b, 1);

    if (rc != 0)
      return rc;
    if (grow((void **)&t->off, &t->cap_n, t->n + 1, sizeof *t->off) != 0)
      return nomem(b);
    t->len =
        b->si_start + xlsx_unescape(t->buf + b->si_start, t->len - b->si_start);
    t->buf[t->len++] = '\0';
    t->off[t->n++] = (uint32_t)b->si_start;
    b->in_si = 0;
  }
  return 0;
}

int xlsx_book_read(struct dahub_xlsx *x, struct dahub_error *err) {
  struct book b = {.x = x, .err = err};
  struct xlsx_xml_handlers h = {.arg = &b};
  char rels[512];
  const char *slash;
  int rc;

  h.start = root_start;
  rc = xlsx_xml_parse(x, "_rels/.rels", "_rels/.rels", &h, err);
  if (rc != 0 && rc != -ENOENT)
    goto out;
  if (b.wb == NULL && (b.wb = strdup("xl/workbook.xml")) == NULL) {
    rc = nomem(&b);
    goto out;
  }
  slash = strrchr(b.wb, '/');
  b.dir = slash != NULL ? (size_t)(slash - b.wb) + 1 : 0;
  if (snprintf(rels, sizeof rels, "%.*s_rels/%s.rels", (int)b.dir, b.wb,
               b.wb + b.dir) >= (int)sizeof rels) {
    rc = dahub_error_set(err, -EILSEQ, 0, 0,
                         "not an xlsx: its workbook's name is too long");
    goto out;
  }
  h.start = book_start;
  rc = xlsx_xml_parse(x, b.wb, b.wb, &h, err);
  if (rc == -ENOENT)
    rc = dahub_error_set(err, -EILSEQ, 0, 0,
                         "not an xlsx: the zip holds no workbook (%.200s)",
                         b.wb);
  if (rc != 0)
    goto out;
  if (x->sheet_name == NULL) {
    if (x->opt.sheet != NULL)
      rc = dahub_error_set(err, -ENOENT, 0, 0,
                           "no sheet named \"%s\"; the workbook has %s",
                           x->opt.sheet, b.names[0] ? b.names : "none");
    else
      rc = dahub_error_set(err, -ENOENT, 0, 0,
                           "no sheet %u; the workbook has %u (%s)",
                           x->opt.sheet_number, b.index, b.names);
    dahub_error_code(err, DAHUB_CODE_NO_SHEET);
    goto out;
  }
  snprintf(x->label, sizeof x->label, "sheet \"%.80s\"", x->sheet_name);
  h.start = rels_start;
  rc = xlsx_xml_parse(x, rels, rels, &h, err);
  if (rc != 0)
    goto out;
  if (b.not_sheet) {
    rc = dahub_error_set(err, -EILSEQ, 0, 0,
                         "%s is a chart or a dialog, not a sheet of cells",
                         x->label);
    dahub_error_code(err, DAHUB_CODE_NO_SHEET);
    goto out;
  }
  if (x->sheet_part == NULL) {
    rc = dahub_error_set(err, -EILSEQ, 0, 0,
                         "%s: the workbook does not say where it is", x->label);
    goto out;
  }
  /* Neither part is required: a workbook of numbers alone has no shared
   * strings, and without styles no cell is a date. */
  if (x->styles_part != NULL) {
    h.start = styles_start;
    h.end = styles_end;
    if ((rc = xlsx_xml_parse(x, x->styles_part, x->styles_part, &h, err)) != 0)
      goto out;
  }
  if (x->shared_part != NULL) {
    h.start = sst_start;
    h.end = sst_end;
    h.text = sst_text;
    rc = xlsx_xml_parse(x, x->shared_part, x->shared_part, &h, err);
  }
out:
  free(b.wb);
  free(b.rid);
  free(b.fmt);
  return rc;
}

void xlsx_book_free(struct dahub_xlsx *x) {
  free(x->sheet_name);
  free(x->sheet_part);
  free(x->shared_part);
  free(x->styles_part);
  free(x->xf_date);
  free(x->sst.buf);
  free(x->sst.off);
}
