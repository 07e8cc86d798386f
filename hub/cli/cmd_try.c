/*
 * cmd_try.c: `dahub try --feed NAME FILE`, a file through the feed's plugin
 * and the validation, with nothing stored and nothing moved.
 *
 * The officer's loop while writing a mapping: each observation (and each
 * record) the file would give is a JSON line on stdout, in the store's
 * terms; each error or warning is `file:line:col: kind: message` on stderr,
 * and a last line on stderr says whether the file would be stored. Exit 0
 * when it would be.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli.h"

static const char *status_name(enum dahub_status s) {
  static const char *const names[] = {"actual", "suppressed", "missing",
                                      "estimated"};
  return names[s];
}

/* One observation as a JSON line on stdout, in the store's terms. */
static void print_obs(void *arg, const struct ingest_feed *f,
                      const struct store_obs *o) {
  json_t *doc, *dims;
  char loc[32], *text;
  json_error_t je;

  (void)arg;
  (void)snprintf(loc, sizeof loc, "r%uc%u", o->line, o->col);
  dims = json_loads(o->dimensions, 0, &je);
  doc = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s?}",
                  "source_id", f->conf->source_id, "service_id", o->service_id,
                  "area_code", o->area_code, "period", o->period, "measure_id",
                  o->measure_id, "dimensions", dims ? dims : json_object(),
                  "value_status", status_name(o->status), "unit", o->unit,
                  "locator", loc, "raw", o->raw);
  if (doc == NULL)
    return;
  if (o->status == DAHUB_ACTUAL || o->status == DAHUB_ESTIMATED) {
    (void)json_object_set_new(doc, "value", json_integer(o->value));
    (void)json_object_set_new(doc, "scale", json_integer(o->scale));
  } else {
    (void)json_object_set_new(doc, "value", json_null());
  }
  if (o->status == DAHUB_SUPPRESSED && o->bound > 0)
    (void)json_object_set_new(doc, "bound", json_integer(o->bound));
  text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (text != NULL)
    printf("%s\n", text);
  free(text);
  json_decref(doc);
}

static void print_record(void *arg, const char *kind, const char *fields,
                         uint32_t line) {
  (void)arg;
  printf("{\"record\":\"%s\",\"line\":%u,\"fields\":%s}\n", kind, line, fields);
}

static void print_problem(void *arg, const char *kind,
                          const struct dahub_error *e) {
  const char *file = arg;

  fprintf(stderr, "%s:%u:%u: %s: %s", file, e->line, e->col, kind, e->msg);
  if (e->field[0] != '\0')
    fprintf(stderr, " [field %s]", e->field);
  if (e->expected[0] != '\0')
    fprintf(stderr, " expected %s", e->expected);
  if (e->found[0] != '\0')
    fprintf(stderr, ", found \"%s\"", e->found);
  fputc('\n', stderr);
}

int cmd_try(const struct cli_args *a) {
  struct runtime rt;
  struct ingest_feed *f;
  struct ingest_result r;
  struct ingest_env env;
  int rc = cli_load(&rt, a);

  if (rc != 0)
    goto out;
  f = runtime_feed(&rt, a->feed);
  if (f == NULL) {
    fprintf(stderr, "no feed called \"%s\" in %s\n", a->feed, a->config);
    rc = -1;
    goto out;
  }
  env = (struct ingest_env){.vocab = rt.vocab,
                            .max_file_bytes = rt.conf->max_file_bytes,
                            .max_line_bytes = (uint32_t)rt.conf->max_line_bytes,
                            .max_errors = (uint32_t)rt.conf->max_errors,
                            .on_obs = print_obs,
                            .on_record = print_record,
                            .on_problem = print_problem,
                            .arg = (void *)a->file};
  ingest_try(&env, f, a->file, &r);
  fprintf(stderr, "%s: %s: %llu observations, %u errors, %u warnings\n",
          a->file,
          r.outcome == INGEST_STORED ? "would be stored" : "would fail",
          (unsigned long long)r.observations, r.errors, r.warnings);
  rc = r.outcome == INGEST_STORED ? 0 : -1;
out:
  runtime_free(&rt);
  return rc == 0 ? 0 : 1;
}
