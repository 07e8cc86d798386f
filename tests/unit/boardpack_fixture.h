/*
 * boardpack_fixture.h: what the board pack's unit tests start from, the
 * fixed summary (tests/unit/fixtures/boardpack_summary.json) opened as the
 * pack's document, and an HTML writer into memory. Included by one test
 * file each after cmocka.h, jansson.h, sections.h and sink_out.h.
 */
#ifndef DAHUB_BOARDPACK_FIXTURE_H
#define DAHUB_BOARDPACK_FIXTURE_H

#ifndef DAHUB_SOURCE_DIR_DEFAULT
#define DAHUB_SOURCE_DIR_DEFAULT "."
#endif

struct fx {
  struct sink_out b;
  struct html h;
  json_t *summary;
  struct doc d;
  struct pack_conf conf; /* zero: the sections' tests need none */
};

static int fx_open(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  const char *src = getenv("DAHUB_SOURCE_DIR");
  char path[1024];
  json_error_t je;

  assert_non_null(f);
  (void)snprintf(path, sizeof path,
                 "%s/tests/unit/fixtures/boardpack_summary.json",
                 src ? src : DAHUB_SOURCE_DIR_DEFAULT);
  f->summary = json_load_file(path, 0, &je);
  assert_non_null(f->summary);
  assert_int_equal(doc_open(f->summary, &f->d, NULL), 0);
  f->b.out.write = sink_out_write;
  html_init(&f->h, &f->b.out);
  *state = f;
  return 0;
}

static int fx_teardown(void **state) {
  struct fx *f = *state;

  free(f->b.data);
  json_decref(f->summary);
  free(f);
  return 0;
}

/* What the writer holds so far; the writer must not have failed. */
static const char *out(struct fx *f) {
  assert_int_equal(f->h.rc, 0);
  return f->b.data != NULL ? f->b.data : "";
}

#endif
