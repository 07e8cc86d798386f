/*
 * fuzz_vocab.c: the vocabulary loader (hub/core/vocab.c), vocab_load(path).
 *
 * The input is the vocabulary file; it is written to a memfd and loaded as
 * /proc/self/fd/N, so nothing touches the disk. A load that fails must say
 * why. A load that succeeds must answer for everything the file defines:
 * every measure, area code, area name and label, dimension code and label,
 * rate and record field, read back from the same JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "errlist.h"
#include "fuzz.h"
#include "vocab.h"

static int same(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static void check_measures(const struct vocab *v, const json_t *measures) {
  const char *id;
  json_t *def;

  json_object_foreach((json_t *)measures, id, def) {
    const struct vocab_measure *m = vocab_measure(v, id);
    const char *basis = json_string_value(json_object_get(def, "basis"));

    fuzz_check(m != NULL && same(m->id, id), "every measure is found");
    fuzz_check(same(vocab_unit_name(m->unit),
                    json_string_value(json_object_get(def, "unit"))),
               "a measure keeps its unit");
    fuzz_check(m->snapshot == (basis != NULL && same(basis, "snapshot")),
               "a measure keeps its basis");
  }
}

static void check_areas(const struct vocab *v, const json_t *areas) {
  const char *code;
  json_t *def, *l;
  size_t i;

  json_object_foreach((json_t *)areas, code, def) {
    const struct vocab_area *a = vocab_area_info(v, code);
    const char *name = json_string_value(json_object_get(def, "name"));
    const char *parent = json_string_value(json_object_get(def, "parent"));

    fuzz_check(same(vocab_area(v, code), code), "an area code names itself");
    fuzz_check(a != NULL && same(a->code, code), "an area has its info");
    fuzz_check(same(a->name, name), "an area keeps its name");
    fuzz_check(parent == NULL ? a->parent == NULL : same(a->parent, parent),
               "an area keeps its parent");
    fuzz_check(same(vocab_area(v, name), code), "an area's name finds it");
    json_array_foreach(json_object_get(def, "labels"), i, l) {
      fuzz_check(same(vocab_area(v, json_string_value(l)), code),
                 "an area's label finds it");
    }
  }
}

static void check_dims(const struct vocab *v, const json_t *dims) {
  const char *dim, *code;
  json_t *codes, *labels, *l;
  size_t i;

  json_object_foreach((json_t *)dims, dim, codes) {
    fuzz_check(vocab_has_dim(v, dim), "every dimension is known");
    json_object_foreach(codes, code, labels) {
      fuzz_check(same(vocab_dim_value(v, dim, code), code),
                 "a dimension code names itself");
      json_array_foreach(labels, i, l) {
        fuzz_check(same(vocab_dim_value(v, dim, json_string_value(l)), code),
                   "a dimension label finds its code");
      }
    }
  }
}

static void check_rest(const struct vocab *v, const json_t *root) {
  const json_t *rates = json_object_get(root, "rates");
  const char *kind;
  const struct vocab_rate *r;
  json_t *fields, *f;
  size_t n, i;

  r = vocab_rates(v, &n);
  fuzz_check(n == json_object_size(rates), "every rate is kept");
  for (i = 0; i < n; i++) {
    const json_t *def = json_object_get(rates, r[i].id);

    fuzz_check(def != NULL, "a rate is one of the file's");
    fuzz_check(same(r[i].numerator,
                    json_string_value(json_object_get(def, "numerator"))) &&
                   same(r[i].denominator,
                        json_string_value(json_object_get(def, "denominator"))),
               "a rate keeps its measures");
    fuzz_check(vocab_measure(v, r[i].numerator) != NULL &&
                   vocab_measure(v, r[i].denominator) != NULL,
               "a rate's measures exist");
  }
  json_object_foreach(json_object_get(root, "records"), kind, fields) {
    fuzz_check(vocab_record_field(v, kind, NULL), "a record kind is known");
    json_array_foreach(fields, i, f) {
      fuzz_check(vocab_record_field(v, kind, json_string_value(f)),
                 "a record field is known");
    }
  }
  fuzz_check(!vocab_record_field(v, "-", NULL), "no such record kind");
  fuzz_check(!vocab_has_dim(v, "-"), "no such dimension");
  fuzz_check(vocab_area(v, "") == NULL, "an empty label is no area");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct errlist errs = {0};
  struct vocab *v = NULL;
  char path[64];
  size_t off = 0;
  int fd, rc;

  fd = memfd_create("fuzz_vocab", MFD_CLOEXEC);
  fuzz_check(fd >= 0, "memfd_create");
  while (off < size) {
    ssize_t w = write(fd, data + off, size - off);

    fuzz_check(w > 0 || errno == EINTR, "write to the memfd");
    if (w > 0)
      off += (size_t)w;
  }
  (void)snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

  rc = vocab_load(path, &v, &errs);
  if (rc != 0) {
    fuzz_check(v == NULL, "a failed load returns nothing");
    fuzz_check(errlist_count(&errs) > 0, "a failed load says why");
  } else {
    json_error_t jerr;
    json_t *root =
        json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);

    fuzz_check(v != NULL && root != NULL, "a loaded vocabulary is JSON");
    fuzz_check(errlist_count(&errs) == 0, "a loaded vocabulary has no error");
    check_measures(v, json_object_get(root, "measures"));
    check_areas(v, json_object_get(root, "areas"));
    check_dims(v, json_object_get(root, "dimensions"));
    check_rest(v, root);
    json_decref(root);
  }
  vocab_free(v);
  errlist_clear(&errs);
  fuzz_check(close(fd) == 0, "close the memfd");
  return 0;
}
