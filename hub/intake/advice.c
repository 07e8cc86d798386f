/*
 * advice.c: a failed file's problems in plain words (advice.h).
 *
 * Each error says what kind of problem it is (its code, dahub/error.h);
 * each kind has its own words here, written for a data lead at a
 * provider, not for whoever wrote the mapping: where the cell is as Excel
 * shows it, what we expected, and the fix ("leave the cell blank if you
 * have no figure, or write <5 for a small number"). An error without a
 * code is said with its own message: it is about the file, if not in a
 * provider's words. The text is wrapped at 72 columns so that it reads
 * the same in an editor and in an e-mail.
 */
#include "advice.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

#define WIDTH 72

struct text {
  char *p;
  size_t len, cap;
  int oom;
};

static void put(struct text *t, const char *s, size_t n) {
  char *p;
  size_t cap;

  if (t->oom)
    return;
  if (t->len + n + 1 > t->cap) {
    cap = t->cap ? t->cap : 512;
    while (cap < t->len + n + 1)
      cap *= 2;
    if ((p = realloc(t->p, cap)) == NULL) {
      t->oom = 1;
      return;
    }
    t->p = p;
    t->cap = cap;
  }
  memcpy(t->p + t->len, s, n);
  t->len += n;
  t->p[t->len] = '\0';
}

static void addf(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void addf(struct text *t, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  put(t, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* body as one paragraph: words wrapped at WIDTH, the first line after
 * prefix ("1. "), the others under the body's first character. */
static void para(struct text *t, const char *prefix, const char *body) {
  size_t indent = strlen(prefix), col = indent;
  const char *w = body;

  put(t, prefix, indent);
  while (*w != '\0') {
    size_t n;

    while (*w == ' ')
      w++;
    n = strcspn(w, " ");
    if (n == 0)
      break;
    if (col > indent && col + 1 + n > WIDTH) {
      put(t, "\n", 1);
      for (size_t i = 0; i < indent; i++)
        put(t, " ", 1);
      col = indent;
    } else if (col > indent) {
      put(t, " ", 1);
      col++;
    }
    put(t, w, n);
    col += n; /* bytes, not characters: a line with é wraps a little early */
    w += n;
  }
  put(t, "\n\n", 2);
}

/* Excel's letters for a 1-based column: 1 A, 27 AA. */
static void column_letters(unsigned col, char out[8]) {
  char rev[8];
  size_t n = 0;

  while (col > 0 && n < sizeof rev - 1) {
    col--;
    rev[n++] = (char)('A' + col % 26);
    col /= 26;
  }
  for (size_t i = 0; i < n; i++)
    out[i] = rev[n - 1 - i];
  out[n] = '\0';
}

/* A field that names a column the provider sees (a header), not one of
 * ours ("file", "options.header"). */
static int shown_field(const char *field) {
  return field[0] != '\0' && strcmp(field, "file") != 0 &&
         strcmp(field, "header") != 0 && strncmp(field, "options.", 8) != 0;
}

/* "Row 8, column C (Count): ", "Row 8: ", or "". */
static void where(const struct dahub_error *e, char *buf, size_t n) {
  char letters[8], field[96] = "";

  buf[0] = '\0';
  if (e->line == 0)
    return;
  if (shown_field(e->field))
    (void)snprintf(field, sizeof field, " (%s)", e->field);
  if (e->col > 0) {
    column_letters(e->col, letters);
    (void)snprintf(buf, n, "Row %u, column %s%s: ", (unsigned)e->line, letters,
                   field);
  } else {
    (void)snprintf(buf, n, "Row %u%s: ", (unsigned)e->line, field);
  }
}

/* 1 when what was found is a cell's text that may be quoted: never for
 * a feed of personal data (found holds a description there), nor our own
 * words ("nothing"). */
static int quotable(const struct advice_file *f, const struct dahub_error *e) {
  return !f->personal && e->found[0] != '\0' && !redact_placeholder(e->found);
}

/* What was found, quoted: ` ("about six")`, or "". */
static void quoted(const struct advice_file *f, const struct dahub_error *e,
                   char *buf, size_t n) {
  buf[0] = '\0';
  if (quotable(f, e))
    (void)snprintf(buf, n, " (\"%s\")", e->found);
}

static int code_is(const struct dahub_error *e, const char *code) {
  return strcmp(e->code, code) == 0;
}

/* The words a field's name stands for, in a sentence. */
static const char *field_words(const char *name) {
  static const struct {
    const char *name, *words;
  } words[] = {{"area", "the area (such as a district)"},
               {"period", "the period"},
               {"measure", "what is counted"},
               {"service_id", "the service"},
               {"financial_year", "the financial year"}};

  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (strcmp(name, words[i].name) == 0)
      return words[i].words;
  return "a value";
}

static void template_words(struct text *b) {
  addf(b, "This usually means the file was made from a different or a "
          "changed template. Please use the current template for this "
          "return, and keep its headings and the rows above them as they "
          "are.");
}

static void not_a_number(struct text *b, const char *at, const char *q,
                         const struct dahub_error *e) {
  if (strcmp(e->expected, "a whole number") == 0) {
    addf(b,
         "%swe expected a whole number and found something else%s. "
         "Please enter a whole number.",
         at, q);
    return;
  }
  addf(b,
       "%swe expected a number and found text%s. Please enter a number, "
       "leave the cell blank if you have no figure, or write <5 for a "
       "small number.",
       at, q);
}

static void no_header(struct text *b, const struct dahub_error *e) {
  if (strcmp(e->field, "header") == 0 && e->expected[0] != '\0')
    addf(b,
         "We could not find the table of figures in the file: we looked "
         "for %s, the template's column headings. ",
         e->expected);
  else
    addf(b, "We could not find the table of figures in the file where the "
            "template has it. ");
  template_words(b);
}

static void no_column(struct text *b, const struct advice_file *f,
                      const struct dahub_error *e) {
  char row[32] = "";

  if (e->line > 0)
    (void)snprintf(row, sizeof row, " (row %u)", (unsigned)e->line);
  addf(b,
       "We found the row of column headings%s, but no column called "
       "\"%s\". ",
       row, e->field);
  if (quotable(f, e))
    addf(b, "The headings there are: %s. ", e->found);
  addf(b, "A heading may have been renamed, or a column removed. ");
  template_words(b);
}

static void wrong_delimiter(struct text *b, const struct dahub_error *e) {
  addf(b,
       "The columns of the file are separated by %s, but this return "
       "is read with its columns separated by %s. This happens when a "
       "file is saved as another type, or on a computer with other "
       "regional settings. Please save it again with its columns "
       "separated by %s, as your earlier returns were (or ask us to "
       "read %s from now on).",
       e->found, e->expected, e->expected, e->found);
}

static void bad_date(struct text *b, const char *at, const char *q,
                     const struct dahub_error *e) {
  if (strstr(e->msg, "no such date") != NULL)
    addf(b, "%sthis date does not exist%s. Please correct it (%s).", at, q,
         e->expected);
  else
    addf(b,
         "%swe expected %s and found something else%s. Please correct "
         "the date.",
         at, e->expected[0] ? e->expected : "a date", q);
}

/* One problem, as a paragraph's words. */
static void problem(struct text *b, const struct advice_file *f,
                    const struct dahub_error *e) {
  char at[160], q[sizeof e->found + 8];

  where(e, at, sizeof at);
  quoted(f, e, q, sizeof q);
  if (code_is(e, DAHUB_CODE_NOT_A_NUMBER)) {
    not_a_number(b, at, q, e);
  } else if (code_is(e, DAHUB_CODE_EMPTY_FILE)) {
    addf(b, "The file is empty: there is nothing in it. This can happen "
            "when a file is saved before the figures are put in, or when "
            "the wrong file is picked to send. Please check that you are "
            "sending the completed return.");
  } else if (code_is(e, DAHUB_CODE_NO_FIGURES)) {
    addf(b, "The file has the headings of the return but no rows of figures "
            "under them. Please fill in the figures and send it again.");
  } else if (code_is(e, DAHUB_CODE_TOO_LARGE)) {
    addf(b, "The file is larger than we can accept. Please check that it is "
            "the right file; if it is, please get in touch with us.");
  } else if (code_is(e, DAHUB_CODE_ENCODING)) {
    addf(b,
         "%sthe file is not saved as text we can read: some of its "
         "characters are stored in another way (another \"encoding\"). "
         "Please save it again as text in UTF-8 (in Excel's Save As, "
         "choose a type with \"UTF-8\" in its name), with the same "
         "columns as before, and send it again.",
         at);
  } else if (code_is(e, DAHUB_CODE_DELIMITER)) {
    wrong_delimiter(b, e);
  } else if (code_is(e, DAHUB_CODE_NO_HEADER)) {
    no_header(b, e);
  } else if (code_is(e, DAHUB_CODE_NO_COLUMN)) {
    no_column(b, f, e);
  } else if (code_is(e, DAHUB_CODE_NO_SHEET)) {
    addf(b, "We could not find the sheet of the return in the workbook. "
            "Please use the current template, and keep the names and order "
            "of its sheets.");
  } else if (code_is(e, DAHUB_CODE_PERIOD)) {
    addf(b,
         "%swe could not tell which period the figures are for%s. Please "
         "write the period as the template shows it, for example \"Q1 "
         "2024/25\" for April to June 2024.",
         at, q);
  } else if (code_is(e, DAHUB_CODE_DATE)) {
    bad_date(b, at, q, e);
  } else if (code_is(e, DAHUB_CODE_LABEL)) {
    if (quotable(f, e))
      addf(b, "%swe did not recognise \"%s\".", at, e->found);
    else
      addf(b, "%swe did not recognise this entry.", at);
    addf(b, " Please use one of the names or categories the template lists "
            "(check the spelling), or ask us to add it.");
  } else if (code_is(e, DAHUB_CODE_BLANK)) {
    addf(b, "%sthis cell is blank, but it needs %s. Please fill it in.", at,
         strcmp(e->expected, "a number") == 0 ? "a number"
                                              : field_words(e->expected));
  } else if (code_is(e, DAHUB_CODE_BAD_VALUE)) {
    addf(b,
         "%sthis figure cannot be right here%s: we expected %s. Please "
         "correct it.",
         at, q, e->expected[0] ? e->expected : "another figure");
  } else {
    /* no words of its own: its message, and what it expected */
    addf(b, "%s%s.", at, e->msg);
    if (e->expected[0] != '\0')
      addf(b, " We expected %s%s%s.", e->expected, q[0] ? ", and found" : "",
           q);
  }
}

static char *finish(struct text *t) {
  if (t->oom) {
    free(t->p);
    return NULL;
  }
  return t->p;
}

static void footer(struct text *t, const struct advice_file *f) {
  struct text b = {0};

  addf(&b,
       "(Return: %s. The same report, for a computer to read, is in "
       "\"%s.error.json\".)",
       f->feed, f->file);
  if (b.oom)
    t->oom = 1;
  else
    para(t, "", b.p);
  free(b.p);
}

char *advice_text(const struct advice_file *f, const struct dahub_error *errs,
                  unsigned n, unsigned total) {
  struct text t = {0};
  unsigned shown = n < ADVICE_MAX_PROBLEMS ? n : ADVICE_MAX_PROBLEMS;
  char head[512], num[16];

  (void)snprintf(head, sizeof head,
                 "We could not take in your file \"%s\". Nothing from it has "
                 "been stored: please correct %s below and send the whole "
                 "file again.",
                 f->file, total > 1 ? "the problems" : "the problem");
  para(&t, "", head);
  for (unsigned i = 0; i < shown; i++) {
    struct text b = {0};

    problem(&b, f, &errs[i]);
    (void)snprintf(num, sizeof num, "%u. ", i + 1);
    if (b.oom)
      t.oom = 1;
    else
      para(&t, total > 1 ? num : "", b.p);
    free(b.p);
  }
  if (total > shown) {
    char listed[96] = "";

    if (n > shown)
      (void)snprintf(listed, sizeof listed,
                     " (the .error.json report lists %u of them)", n - shown);
    (void)snprintf(head, sizeof head,
                   "There %s %u more problem%s%s; please look through the "
                   "whole file before you send it again.",
                   total - shown == 1 ? "is" : "are", total - shown,
                   total - shown == 1 ? "" : "s", listed);
    para(&t, "", head);
  }
  footer(&t, f);
  return finish(&t);
}

char *advice_refusal(const struct advice_file *f, const char *kind) {
  struct text t = {0};
  char body[512];

  (void)snprintf(body, sizeof body,
                 "We could not take in \"%s\": it is %s, not an ordinary "
                 "file, so it was set aside without being opened. Please "
                 "upload the return itself, as an ordinary file.",
                 f->file, kind);
  para(&t, "", body);
  footer(&t, f);
  return finish(&t);
}
