/*
 * ingest_report.c: the notes left beside a settled file, for the data lead:
 * failed/<name>.error.json names every error found (line, column, field,
 * what was expected, what was found, what kind of problem: only what
 * applies to it), or, for a link, pipe or device the spool set aside
 * unread, why it was not taken; failed/<name>.error.txt says the same in
 * plain words for the provider who sent it (advice.h);
 * done/<name>.duplicate.json which stored file a duplicate repeats; and
 * done/<name>.warnings.json what a stored file's warnings were, as they
 * are kept in the store with its ingest. Each is written atomically
 * (fs_write_atomic()) once the file has moved, under its final name, so a
 * reader never meets half a note. Cells in errors were cut or described
 * before they were kept; a warning never quotes one (dahub/plugin.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "fsutil.h"
#include "ingest_int.h"

/* A file name as JSON text: names come from partners' machines and need not
 * be UTF-8 (a Windows en dash is byte 0x96); such bytes become U+FFFD so the
 * report still names the file. */
static json_t *name_json(const char *name) {
  json_t *s = json_string(name);
  char buf[4 * NAME_MAX + 1];
  size_t o = 0;

  if (s != NULL || name == NULL)
    return s;
  for (const unsigned char *p = (const unsigned char *)name;
       *p != '\0' && o + 4 < sizeof buf; p++) {
    if (*p < 0x80) {
      buf[o++] = (char)*p;
    } else {
      memcpy(buf + o, "\xEF\xBF\xBD", 3); /* not decoded: replaced */
      o += 3;
    }
  }
  buf[o] = '\0';
  return json_string(buf);
}

/* Sets key to text, unless text is empty: a field that does not apply
 * is left out, not written as "". */
static void set_text(json_t *o, const char *key, const char *text) {
  if (text != NULL && text[0] != '\0')
    (void)json_object_set_new(o, key, json_string(text));
}

/* One error: only what applies to it (a file-wide error has no line or
 * column, a config one no found). */
static json_t *error_json(const struct dahub_error *e) {
  json_t *o = json_object();

  if (o == NULL)
    return NULL;
  if (e->line > 0)
    (void)json_object_set_new(o, "line", json_integer((json_int_t)e->line));
  if (e->col > 0)
    (void)json_object_set_new(o, "column", json_integer((json_int_t)e->col));
  set_text(o, "field", e->field);
  set_text(o, "expected", e->expected);
  set_text(o, "found", e->found);
  set_text(o, "code", e->code);
  set_text(o, "message", e->msg);
  return o;
}

static int first_failure(int a, int b) { return a != 0 ? a : b; }

/* dir/<final_name><suffix>, atomically: 0 or negative. */
static int write_note(const char *dir, const char *final_name,
                      const char *suffix, const char *text) {
  char name[NAME_MAX + 1];

  if (text == NULL)
    return -ENOMEM;
  if (snprintf(name, sizeof name, "%s%s", final_name, suffix) >=
      (int)sizeof name)
    return -ENAMETOOLONG;
  return fs_write_atomic(dir, name, text, strlen(text));
}

/* doc, which it takes (NULL: out of memory), indented, as
 * dir/<final_name><suffix>: 0 or negative. */
static int write_doc(const char *dir, const char *final_name,
                     const char *suffix, json_t *doc) {
  char *text =
      doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
  int rc = write_note(dir, final_name, suffix, text);

  free(text);
  json_decref(doc);
  return rc;
}

int ingest_write_report(const struct dahub_ctx *ctx, const char *dir,
                        const char *final_name, const char *sha256) {
  const struct advice_file who = {ctx->feed->conf->name, final_name,
                                  ctx->feed->personal};
  json_t *doc = error_json(&ctx->errors[0]);
  json_t *all = json_array(), *warn = json_array();
  char *text = NULL, *words = NULL;
  unsigned kept = ctx->n_errors < ctx->env->max_errors ? ctx->n_errors
                                                       : ctx->env->max_errors;
  int rc = -ENOMEM;

  if (doc == NULL || all == NULL || warn == NULL)
    goto out;
  for (unsigned i = 0; i < kept; i++)
    (void)json_array_append_new(all, error_json(&ctx->errors[i]));
  for (unsigned i = 0; i < ctx->n_warnings && i < MAX_WARNINGS; i++)
    (void)json_array_append_new(warn, error_json(&ctx->warnings[i]));
  (void)json_object_set_new(doc, "feed", json_string(ctx->feed->conf->name));
  (void)json_object_set_new(doc, "file", name_json(ctx->in.name));
  set_text(doc, "sha256", sha256); /* none when the file was not read */
  (void)json_object_set_new(doc, "error_count",
                            json_integer((json_int_t)ctx->n_errors));
  (void)json_object_set(doc, "errors", all);
  (void)json_object_set(doc, "warnings", warn);
  text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  /* the plain words first: once the .json is there, a reader of failed/
   * may take the file as fully reported */
  words = advice_text(&who, ctx->errors, kept, ctx->n_errors);
  rc = write_note(dir, final_name, ".error.txt", words);
  rc = first_failure(rc, write_note(dir, final_name, ".error.json", text));
out:
  free(words);
  free(text);
  json_decref(all);
  json_decref(warn);
  json_decref(doc);
  return rc;
}

json_t *ingest_warnings_json(const struct dahub_ctx *ctx) {
  json_t *list = json_array();

  for (unsigned i = 0; list != NULL && i < ctx->n_warnings && i < MAX_WARNINGS;
       i++) {
    const struct dahub_error *e = &ctx->warnings[i];
    json_t *w = json_pack("{s:s}", "message", e->msg);

    /* a warning about the whole file has no place to give */
    if (w == NULL ||
        (e->line > 0 &&
         json_object_set_new(w, "line", json_integer(e->line)) != 0) ||
        (e->col > 0 &&
         json_object_set_new(w, "column", json_integer(e->col)) != 0) ||
        json_array_append_new(list, w) != 0) {
      json_decref(list);
      return NULL;
    }
  }
  return list;
}

int ingest_keep_warnings(const struct dahub_ctx *ctx, struct dahub_error *err) {
  json_t *list;
  char *text;
  int rc;

  if (ctx->n_warnings == 0)
    return 0;
  list = ingest_warnings_json(ctx);
  text = list ? json_dumps(list, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(list);
  if (text == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "warnings: out of memory");
  rc = store_ingest_warnings(ctx->env->store, ctx->n_warnings,
                             ctx->n_warning_cells, text, err);
  free(text);
  return rc;
}

int ingest_write_warnings(const struct ingest_feed *f, const char *final_name,
                          const char *sha256, int64_t ingest_id, unsigned count,
                          const json_t *kept) {
  size_t listed = json_array_size(kept);
  json_t *doc =
      json_pack("{s:s, s:o, s:s, s:I, s:I, s:O}", "feed", f->conf->name, "file",
                name_json(final_name), "sha256", sha256, "ingest_id",
                (json_int_t)ingest_id, "warning_count", (json_int_t)count,
                "warnings", (json_t *)kept);

  /* beyond those kept, only how many: the file's note is not the place for
   * a thousand lines of one mistake repeated */
  if (doc != NULL && count > listed &&
      json_object_set_new(doc, "not_listed",
                          json_integer((json_int_t)(count - listed))) != 0) {
    json_decref(doc);
    doc = NULL;
  }
  return write_doc(f->done, final_name, ".warnings.json", doc);
}

int ingest_write_duplicate_note(const struct ingest_feed *f,
                                const char *final_name, const char *sha256,
                                const struct store_match *m) {
  return write_doc(
      f->done, final_name, ".duplicate.json",
      json_pack("{s:s, s:o, s:s, s:{s:I, s:o, s:s}}", "feed", f->conf->name,
                "file", name_json(final_name), "sha256", sha256, "duplicate_of",
                "ingest_id", (json_int_t)m->ingest_id, "file",
                name_json(m->file_name), "stored_at", m->stored_at));
}

int ingest_write_refusal(const struct ingest_feed *f, const char *final_name,
                         const char *kind) {
  const struct advice_file who = {f->conf->name, final_name, f->personal};
  char msg[400];
  json_t *doc = NULL;
  char *text = NULL, *words = NULL;
  int rc = -ENOMEM;

  /* Worded for the data lead who uploaded it, who may not know what a link
   * is; line, column, field and sha256 do not apply (nothing was read), so
   * they are left out rather than written as zeros. */
  (void)snprintf(msg, sizeof msg,
                 "This was not taken: it is %s, not a file. dahub takes only "
                 "ordinary files, and never follows a link or opens a pipe "
                 "or device, so it was moved here unread. Please upload the "
                 "return itself as an ordinary file.",
                 kind);
  doc = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:i, s:[{s:s, s:s, s:s, "
                  "s:s}]}",
                  "feed", f->conf->name, "file", name_json(final_name),
                  "expected", "an ordinary file", "found", kind, "code",
                  DAHUB_CODE_NOT_A_FILE, "message", msg, "error_count", 1,
                  "errors", "expected", "an ordinary file", "found", kind,
                  "code", DAHUB_CODE_NOT_A_FILE, "message", msg);
  if (doc != NULL)
    text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  words = advice_refusal(&who, kind);
  rc = write_note(f->failed, final_name, ".error.txt", words);
  rc =
      first_failure(rc, write_note(f->failed, final_name, ".error.json", text));
  free(words);
  free(text);
  json_decref(doc);
  return rc;
}
