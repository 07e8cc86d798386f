/*
 * validate.c: the vocabulary's judgement on one observation (validate.h).
 *
 * Errors name the observation's own line and column, so the data lead's
 * report points at the cell the figure came from.
 */
#include "validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dahub/period.h"
#include "jsonconf.h"

/* The column of the cell a field came from: its own when the plugin says,
 * else the figure's. */
static uint32_t field_col(const struct dahub_obs *o, const char *field) {
  uint32_t c = 0;

  if (strcmp(field, "area") == 0)
    c = o->area_col;
  else if (strcmp(field, "period") == 0)
    c = o->period_col;
  else if (strcmp(field, "measure") == 0)
    c = o->measure_col;
  else if (strcmp(field, "service_id") == 0)
    c = o->service_col;
  else
    for (size_t i = 0; i < o->n_dims; i++)
      if (o->dims[i].name != NULL && strcmp(o->dims[i].name, field) == 0)
        c = o->dims[i].col;
  return c != 0 ? c : o->col;
}

static int bad(const struct dahub_obs *o, struct dahub_error *err,
               const char *field, const char *expected, const char *found,
               const char *msg) {
  int rc =
      dahub_error_set(err, -EINVAL, o->line, field_col(o, field), "%s", msg);

  dahub_error_detail(err, field, expected, found ? found : "(none)");
  return rc;
}

/* The same, saying what kind of problem it is (dahub/error.h). */
static int bad_code(const struct dahub_obs *o, struct dahub_error *err,
                    const char *code, const char *field, const char *expected,
                    const char *found, const char *msg) {
  int rc = bad(o, err, field, expected, found, msg);

  dahub_error_code(err, code);
  return rc;
}

/* The canonical breakdown, {"a":"x","b":"y"}: codes by dimension name,
 * written by jansson so that whatever a code holds comes out as JSON that
 * disclosure control can read back. */
static int dims_json(const struct vocab *v, const struct dahub_obs *o,
                     char *buf, size_t n, struct dahub_error *err) {
  json_t *d = json_object();
  char *text = NULL;
  int rc = 0;

  if (d == NULL)
    return dahub_error_set(err, -ENOMEM, o->line, o->col, "out of memory");
  if (o->n_dims > VALIDATE_MAX_DIMS) {
    rc = bad(o, err, "dimensions", "at most 8 breakdowns", NULL,
             "too many breakdowns for one figure");
    goto out;
  }
  for (size_t i = 0; i < o->n_dims; i++) {
    const char *code;

    if (o->dims[i].name == NULL || !vocab_has_dim(v, o->dims[i].name)) {
      rc = bad(o, err, "dimension", "a dimension of the vocabulary",
               o->dims[i].name, "unknown dimension");
      goto out;
    }
    code = vocab_dim_value(v, o->dims[i].name, o->dims[i].value);
    if (code == NULL) {
      rc = bad_code(o, err, DAHUB_CODE_LABEL, o->dims[i].name,
                    "a value of this dimension", o->dims[i].value,
                    "unknown value for this dimension");
      goto out;
    }
    if (json_object_get(d, o->dims[i].name) != NULL) {
      rc = bad(o, err, o->dims[i].name, "each dimension once", o->dims[i].name,
               "the same dimension twice");
      goto out;
    }
    if (json_object_set_new(d, o->dims[i].name, json_string(code)) != 0) {
      rc = dahub_error_set(err, -ENOMEM, o->line, o->col, "out of memory");
      goto out;
    }
  }
  if ((text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
    rc = dahub_error_set(err, -ENOMEM, o->line, o->col, "out of memory");
    goto out;
  }
  if (strlen(text) >= n) {
    rc = bad(o, err, "dimensions", "shorter breakdown codes", NULL,
             "breakdown too long");
    goto out;
  }
  memcpy(buf, text, strlen(text) + 1);
out:
  free(text);
  json_decref(d);
  return rc;
}

/* Exact value checks against the unit; money is brought to pence. */
static int check_number(const struct dahub_obs *o, enum vocab_unit unit,
                        struct store_obs *s, struct dahub_error *err) {
  int64_t value = o->value;
  int scale = o->scale;
  const char *found = o->raw != NULL ? o->raw : "(a number)";

  if (scale > 18)
    return bad(o, err, "value", "at most 18 decimal places", found,
               "too many decimal places");
  while (scale > 0 && value % 10 == 0) { /* 12.50 is 12.5 */
    value /= 10;
    scale--;
  }
  if (value < 0 && !vocab_unit_signed(unit))
    return bad_code(o, err, DAHUB_CODE_BAD_VALUE, "value", "zero or more",
                    found,
                    "a negative figure for a measure that cannot be negative");
  if (scale > 0 && vocab_unit_whole(unit))
    return bad_code(o, err, DAHUB_CODE_BAD_VALUE, "value", "a whole number",
                    found, "a fraction for a measure that counts whole things");
  if (unit == UNIT_GBP) {
    if (scale > 2)
      return bad_code(o, err, DAHUB_CODE_BAD_VALUE, "value", "pounds and pence",
                      found, "money with more than two decimal places");
    for (; scale < 2; scale++) {
      if (value > INT64_MAX / 10 || value < INT64_MIN / 10)
        return bad(o, err, "value", "a smaller amount", found,
                   "amount too large");
      value *= 10;
    }
    scale = 2;
  }
  s->value = value;
  s->scale = scale;
  return 0;
}

/* The breakdown's canonical text into buf: from the memo when the same
 * pairs passed before, else built and checked, and kept if it passed. */
static int canonical_dims(const struct vocab *v, struct validate_memo *memo,
                          const struct dahub_obs *o, char *buf, size_t n,
                          struct dahub_error *err) {
  const char *text;
  size_t len;
  int rc;

  if (memo != NULL && (text = validate_memo_find(memo, v, o, &len)) != NULL) {
    memcpy(buf, text, len + 1); /* it fitted in n when it was built */
    return 0;
  }
  if ((rc = dims_json(v, o, buf, n, err)) == 0 && memo != NULL)
    validate_memo_add(memo, v, o, buf);
  return rc;
}

int validate_obs(const struct vocab *v, const struct dahub_obs *o,
                 const char *default_service, struct validated *out,
                 struct dahub_error *err) {
  return validate_obs_memo(v, NULL, o, default_service, out, err);
}

int validate_obs_memo(const struct vocab *v, struct validate_memo *memo,
                      const struct dahub_obs *o, const char *default_service,
                      struct validated *out, struct dahub_error *err) {
  const struct vocab_measure *m;
  struct dahub_period p;
  struct store_obs *s = &out->obs;
  const char *svc = o->service_id ? o->service_id : default_service;
  int rc;

  memset(s, 0, sizeof *s);
  if (o->measure == NULL || (m = vocab_measure(v, o->measure)) == NULL)
    return bad_code(o, err, DAHUB_CODE_LABEL, "measure",
                    "a measure of the vocabulary", o->measure,
                    "unknown measure");
  if ((s->area_code = vocab_area(v, o->area)) == NULL)
    return bad_code(o, err, DAHUB_CODE_LABEL, "area",
                    "an area code or a known area name", o->area,
                    "unknown area");
  if (o->period == NULL || dahub_period_parse(o->period, &p) != 0)
    return bad_code(o, err, DAHUB_CODE_PERIOD, "period",
                    "a period such as FY2024-25-Q1", o->period, "bad period");
  if (svc != NULL) {
    /* partner.service, each part an identifier */
    const char *dot = strchr(svc, '.');

    if (dot == NULL || strlen(svc) >= sizeof out->service_id || dot == svc ||
        !jsonconf_is_ident(dot + 1, 64))
      return bad(o, err, "service_id", "partner.service in lower case", svc,
                 "bad service id");
    memcpy(out->service_id, svc, strlen(svc) + 1);
    out->service_id[dot - svc] = '\0';
    if (!jsonconf_is_ident(out->service_id, 64))
      return bad(o, err, "service_id", "partner.service in lower case", svc,
                 "bad service id");
    out->service_id[dot - svc] = '.';
    s->service_id = out->service_id;
  }
  if ((unsigned)o->status > DAHUB_ESTIMATED)
    return bad(o, err, "value_status",
               "actual, suppressed, missing or "
               "estimated",
               NULL, "bad value status from the plugin");
  if ((rc = canonical_dims(v, memo, o, out->dims, sizeof out->dims, err)) != 0)
    return rc;
  if ((o->status == DAHUB_ACTUAL || o->status == DAHUB_ESTIMATED) &&
      (rc = check_number(o, m->unit, s, err)) != 0)
    return rc;
  if (o->status == DAHUB_SUPPRESSED && o->bound < 0)
    return bad(o, err, "value", "a suppression bound of zero or more", o->raw,
               "bad suppression bound");
  s->period = o->period;
  s->measure_id = m->id;
  s->dimensions = out->dims;
  s->unit = vocab_unit_name(m->unit);
  s->status = o->status;
  s->bound = o->bound;
  s->line = o->line;
  s->col = o->col;
  s->raw = o->raw;
  return 0;
}
