/*
 * shapes.c: one feed for every template a partner has used.
 *
 * Partners change their return's template from one year, or quarter, to
 * the next. One partner is one feed and one spool folder, so that
 * completeness sees one partner, whatever shape its files took: the feed
 * lists every shape, {"shapes": [{...}, {...}]}, each a whole mapping
 * with an optional "name", and a file is read with the first shape whose
 * header fits it: the header row is found (by its number or its text)
 * and every column the shape names is there, exactly once (header.c does
 * the finding, for the reading and the choosing alike).
 *
 * mapped.c tries each shape on the start of the file (its probe reads
 * rows until the header, at most the first 1,000 rows and 1 MiB, which
 * workbook.c keeps to read again), then reads the file with the shape
 * chosen. `dahub try` gets a note saying which shape read the file and
 * why each one before it did not fit; a file that fits none fails, with
 * each shape's reason as a warning of its report. Reasons are the
 * messages of the header code, which never quote the file's cells.
 *
 * Options are read on the loop thread at open(); shapes_pick() runs on
 * parse()'s worker thread and only reads them.
 */
#include "shapes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define SHAPE_NAME_MAX 64

/* "options.header.rwo" -> "options.shapes[1].header.rwo", in the path
 * (err->field, which the hub turns into a line of the feed file) and at
 * the start of the message. */
static void shape_path(struct dahub_error *err, size_t i) {
  char prefix[48], buf[sizeof err->msg];
  char *parts[2] = {err->field, err->msg};
  size_t sizes[2] = {sizeof err->field, sizeof err->msg}, k;

  (void)snprintf(prefix, sizeof prefix, "options.shapes[%zu]", i);
  for (k = 0; k < 2; k++) {
    if (strncmp(parts[k], "options", 7) != 0)
      continue;
    (void)snprintf(buf, sizeof buf, "%s%s", prefix, parts[k] + 7);
    dahub_error_copy(parts[k], sizes[k], buf);
  }
}

/* The shape's "name", kept, and taken out of the mapping it is not part
 * of. OUT: *copy, the shape without it, for the caller to decref. */
static int shape_name(struct shapes *sh, size_t i, const json_t *shape,
                      json_t **copy, struct dahub_error *err) {
  char path[48];
  const json_t *name = json_object_get(shape, "name");

  (void)snprintf(path, sizeof path, "options.shapes[%zu].name", i);
  if (name != NULL && (!json_is_string(name) || json_string_length(name) == 0 ||
                       json_string_length(name) > SHAPE_NAME_MAX))
    return opt_bad_type(err, path, "a name of 1 to 64 characters", name);
  if (name != NULL && (sh->name[i] = strdup(json_string_value(name))) == NULL)
    return opt_nomem(err);
  if ((*copy = json_copy((json_t *)shape)) == NULL)
    return opt_nomem(err);
  (void)json_object_del(*copy, "name");
  return 0;
}

/* Every key of the feed's options is in a shape when there are shapes:
 * a key beside the list would be a setting that silently does nothing. */
static int shapes_alone(const json_t *o, struct dahub_error *err) {
  const char *key;
  const json_t *v;
  char path[MAP_PATH_MAX];

  json_object_foreach((json_t *)o, key, v) {
    if (strcmp(key, "shapes") == 0)
      continue;
    if (opt_join(path, "options", key, err) != 0)
      return -EINVAL;
    return opt_bad(err, path, "with \"shapes\", every key goes inside a shape");
  }
  return 0;
}

/* A shape's problems said on with the shape's path. */
struct shape_say {
  const struct opt_say *outer;
  size_t i;
};

static void shape_said(void *arg, const struct dahub_error *e) {
  const struct shape_say *s = arg;
  struct dahub_error copy = *e;

  shape_path(&copy, s->i);
  s->outer->fn(s->outer->arg, &copy);
}

int shapes_open(const json_t *o,
                int (*open_one)(const json_t *o, const struct opt_say *say,
                                struct mapping **m, struct dahub_error *err),
                void (*free_one)(struct mapping *m), const struct opt_say *say,
                struct shapes **out, struct dahub_error *err) {
  struct shapes *sh = calloc(1, sizeof *sh);
  const json_t *list = json_is_object(o) ? json_object_get(o, "shapes") : NULL;
  json_t *copy = NULL;
  size_t i;
  int rc = 0;

  *out = NULL;
  if (sh == NULL)
    return opt_nomem(err);
  sh->free_one = free_one;
  if (list == NULL) {
    sh->n = 1;
    if ((rc = open_one(o, say, &sh->m[0], err)) != 0)
      goto out;
    *out = sh;
    return 0;
  }
  sh->listed = 1;
  if ((rc = shapes_alone(o, err)) != 0)
    goto out;
  if (!json_is_array(list) || json_array_size(list) == 0 ||
      json_array_size(list) > SHAPES_MAX) {
    rc =
        opt_bad_type(err, "options.shapes", "a list of 1 to 16 mappings", list);
    goto out;
  }
  for (i = 0; i < json_array_size(list); i++) {
    const json_t *shape = json_array_get(list, i);
    const char *layout;
    char path[48];
    struct shape_say ss = {say, i};
    const struct opt_say inner = {shape_said, &ss};

    (void)snprintf(path, sizeof path, "options.shapes[%zu]", i);
    if (!json_is_object(shape)) {
      rc = opt_bad_type(err, path, "an object (a mapping)", shape);
      goto out;
    }
    layout = json_string_value(json_object_get(shape, "layout"));
    if (layout != NULL && strcmp(layout, "json") == 0) {
      (void)snprintf(path, sizeof path, "options.shapes[%zu].layout", i);
      rc = opt_bad(err, path,
                   "a json layout has no header to tell shapes apart");
      goto out;
    }
    if ((rc = shape_name(sh, i, shape, &copy, err)) != 0)
      goto out;
    rc = open_one(copy, say != NULL ? &inner : NULL, &sh->m[i], err);
    json_decref(copy);
    copy = NULL;
    sh->n = i + 1; /* freed from here on */
    if (rc != 0) {
      shape_path(err, i);
      goto out;
    }
  }
  *out = sh;
  sh = NULL;
out:
  shapes_free(sh);
  return rc;
}

void shapes_free(struct shapes *sh) {
  size_t i;

  if (sh == NULL)
    return;
  for (i = 0; i < SHAPES_MAX; i++) {
    if (sh->m[i] != NULL)
      sh->free_one(sh->m[i]);
    free(sh->name[i]);
  }
  free(sh);
}

/* "shape 2 (\"2025 template\")", or "shape 2" when it has no name. */
static void shape_label(const struct shapes *sh, size_t i, char *buf,
                        size_t size) {
  if (sh->name[i] != NULL)
    (void)snprintf(buf, size, "shape %zu (\"%s\")", i + 1, sh->name[i]);
  else
    (void)snprintf(buf, size, "shape %zu", i + 1);
}

/* A reason as the officer reads it: the column it is about, then why. */
static void reason(const struct dahub_error *why, char *buf, size_t size) {
  /* a file's own problem (no header, empty) names no column */
  if (why->line > 0 && why->field[0] != '\0' &&
      strncmp(why->msg, why->field, strlen(why->field)) != 0)
    (void)snprintf(buf, size, "%s: %s", why->field, why->msg);
  else
    (void)snprintf(buf, size, "%s", why->msg);
}

static void note(const struct dahub_host *host, struct dahub_ctx *ctx,
                 const char *msg) {
  if (host->struct_size >=
          offsetof(struct dahub_host, note) + sizeof host->note &&
      host->note != NULL)
    host->note(ctx, msg);
}

int shapes_pick(const struct shapes *sh,
                int (*probe)(void *arg, const struct mapping *m,
                             struct dahub_error *why),
                void *arg, const struct dahub_host *host, struct dahub_ctx *ctx,
                size_t *pick, struct dahub_error *err) {
  struct dahub_error why[SHAPES_MAX];
  char label[96], text[512];
  size_t i, k;

  for (i = 0; i < sh->n; i++) {
    int rc;

    memset(&why[i], 0, sizeof why[i]);
    if ((rc = probe(arg, sh->m[i], &why[i])) == 0)
      break;
    if (rc == -ENOMEM || rc == -EAGAIN || rc == -ECANCELED) {
      *err = why[i];
      return rc; /* not the file's fault: try again later, or stop */
    }
  }
  if (i < sh->n) {
    shape_label(sh, i, label, sizeof label);
    (void)snprintf(text, sizeof text, "read with %s", label);
    note(host, ctx, text);
  }
  for (k = 0; k < i && k < sh->n; k++) {
    char r[300];

    shape_label(sh, k, label, sizeof label);
    reason(&why[k], r, sizeof r);
    (void)snprintf(text, sizeof text, "%s does not fit: %s", label, r);
    if (i < sh->n)
      note(host, ctx, text);
    else
      host->warn(ctx, why[k].line, why[k].col, text);
  }
  if (i == sh->n)
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "the file fits none of the feed's %zu shapes "
                           "(the warnings say why each does not): is it "
                           "a new template?",
                           sh->n);
  *pick = i;
  return 0;
}
