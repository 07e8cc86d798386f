/*
 * doc.c: the board summary as the pack reads it (doc.h).
 *
 * The summary was built by the hub after disclosure control, but the pack
 * still reads it as outside input: every string is escaped where it is
 * written, every number is checked to be one before it is shown, and a
 * figure the summary gives no value is only ever a marker. Lookups are
 * linear scans: a pack draws a few hundred charts from a few thousand
 * figures at most, and rendering runs once per version on a worker.
 */
#include "doc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const month_names[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

int doc_open(const json_t *summary, struct doc *d, struct dahub_error *err) {
  const json_t *period = json_object_get(summary, "period");
  const char *marker = json_string_value(
      json_object_get(json_object_get(summary, "disclosure"), "marker"));

  memset(d, 0, sizeof *d);
  if (!json_is_object(summary))
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "boardpack: the summary is not an object");
  d->root = summary;
  d->period_id = json_string_value(json_object_get(period, "id"));
  if (d->period_id == NULL || strlen(d->period_id) > 32)
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "boardpack: the summary has no period id");
  d->marker = marker != NULL && marker[0] != '\0' && strlen(marker) < 16
                  ? marker
                  : "[c]";
  d->figures = json_object_get(summary, "figures");
  d->rates = json_object_get(summary, "rates");
  d->completeness = json_object_get(summary, "completeness");
  d->contracts =
      json_object_get(json_object_get(summary, "contracts"), "contracts");
  d->allocations =
      json_object_get(json_object_get(summary, "allocations"), "series");
  if (json_array_size(d->figures) > DOC_MAX_FIGURES ||
      json_array_size(d->rates) > DOC_MAX_FIGURES ||
      json_array_size(d->completeness) > DOC_MAX_FEEDS ||
      json_array_size(d->contracts) > DOC_MAX_CONTRACTS ||
      json_array_size(d->allocations) > DOC_MAX_SERIES)
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "boardpack: the summary is larger than a pack "
                           "can show (at most %u figures, %u feeds, %u "
                           "contracts, %u allocation series)",
                           DOC_MAX_FIGURES, DOC_MAX_FEEDS, DOC_MAX_CONTRACTS,
                           DOC_MAX_SERIES);
  return 0;
}

/* -?[0-9]{1,18}(.[0-9]{1,6})? */
static int is_number(const char *s) {
  size_t i = s[0] == '-', digits = strspn(s + i, "0123456789"), frac;

  if (digits == 0 || digits > 18)
    return 0;
  i += digits;
  if (s[i] == '\0')
    return 1;
  if (s[i] != '.')
    return 0;
  frac = strspn(s + i + 1, "0123456789");
  return frac > 0 && frac <= 6 && s[i + 1 + frac] == '\0';
}

int doc_group_digits(const char *s, char *buf, size_t n) {
  size_t i = 0, o = 0, digits;

  if (!is_number(s))
    return -EINVAL;
  if (s[0] == '-') {
    if (o + 1 >= n)
      return -EINVAL;
    buf[o++] = '-';
    i = 1;
  }
  digits = strspn(s + i, "0123456789");
  for (size_t k = 0; k < digits; k++) {
    if (o + 2 >= n)
      return -EINVAL;
    if (k > 0 && (digits - k) % 3 == 0)
      buf[o++] = ',';
    buf[o++] = s[i + k];
  }
  i += digits;
  if (o + strlen(s + i) >= n)
    return -EINVAL;
  memcpy(buf + o, s + i, strlen(s + i) + 1);
  return 0;
}

/* A JSON number as the summary writes one, as text: 12, or "32.4". */
static int number_text(const json_t *v, char *buf, size_t n) {
  if (json_is_integer(v))
    return snprintf(buf, n, "%lld", (long long)json_integer_value(v)) > 0 ? 0
                                                                          : -1;
  if (json_is_string(v) && strlen(json_string_value(v)) < n &&
      is_number(json_string_value(v))) {
    memcpy(buf, json_string_value(v), strlen(json_string_value(v)) + 1);
    return 0;
  }
  return -EINVAL;
}

/* A number in the unit's words: "£90,000.00", "32.4%", "1,174,689". */
static int unit_text(const char *num, const char *unit, char *buf, size_t n) {
  char grouped[40];
  int w;

  if (doc_group_digits(num[0] == '-' ? num + 1 : num, grouped,
                       sizeof grouped) != 0)
    return -EINVAL;
  if (unit != NULL && strcmp(unit, "gbp") == 0)
    w = snprintf(buf, n, "%s\xC2\xA3%s", num[0] == '-' ? "-" : "", grouped);
  else if (unit != NULL && strcmp(unit, "percent") == 0)
    w = snprintf(buf, n, "%s%s%%", num[0] == '-' ? "-" : "", grouped);
  else
    w = snprintf(buf, n, "%s%s", num[0] == '-' ? "-" : "", grouped);
  return w < 0 || (size_t)w >= n ? -EINVAL : 0;
}

void doc_cell(const struct doc *d, const json_t *fig, struct cell *c) {
  doc_cell_in(d, fig, NULL, c);
}

void doc_cell_in(const struct doc *d, const json_t *fig, const char *unit,
                 struct cell *c) {
  const json_t *v = json_object_get(fig, "value");
  const char *marker = json_string_value(json_object_get(fig, "marker"));
  char num[40];

  if (unit == NULL)
    unit = json_string_value(json_object_get(fig, "unit"));
  memset(c, 0, sizeof *c);
  if (!json_is_null(v) && v != NULL && number_text(v, num, sizeof num) == 0 &&
      unit_text(num, unit, c->text, sizeof c->text) == 0) {
    c->kind = CELL_SHOWN;
    c->amount = strtod(num, NULL);
    c->partial = json_is_true(json_object_get(fig, "partial"));
    return;
  }
  if (marker != NULL && strcmp(marker, d->marker) == 0) {
    c->kind = CELL_CONFIDENTIAL;
    (void)snprintf(c->text, sizeof c->text, "%s", d->marker);
  } else if (marker != NULL && strcmp(marker, "suppressed_at_source") == 0) {
    c->kind = CELL_LOW;
    (void)snprintf(c->text, sizeof c->text, "%s", DOC_LOW_MARKER);
  } else {
    c->kind = CELL_MISSING;
    (void)snprintf(c->text, sizeof c->text, "%s", DOC_MISSING_MARKER);
  }
}

void doc_value_cell(const json_t *v, const char *unit, struct cell *c) {
  char num[40];

  doc_text_cell(number_text(v, num, sizeof num) == 0 ? num : NULL, unit, c);
}

void doc_text_cell(const char *num, const char *unit, struct cell *c) {
  memset(c, 0, sizeof *c);
  if (num != NULL && unit_text(num, unit, c->text, sizeof c->text) == 0) {
    c->kind = CELL_SHOWN;
    c->amount = strtod(num, NULL);
    return;
  }
  c->kind = CELL_MISSING;
  (void)snprintf(c->text, sizeof c->text, "%s", DOC_MISSING_MARKER);
}

int doc_change(const json_t *cmp, const char *unit, char *text, size_t n,
               int *sign) {
  char num[40];

  *sign = 0;
  if (number_text(json_object_get(cmp, "change"), num, sizeof num) != 0 ||
      unit_text(num[0] == '-' ? num + 1 : num, unit, text, n) != 0)
    return 0;
  *sign = num[0] == '-' ? -1 : strspn(num, "0.") == strlen(num) ? 0 : 1;
  return 1;
}

const char *doc_single_dim(const json_t *fig, const char **value) {
  const json_t *dims = json_object_get(fig, "dimensions");
  void *it = json_object_iter((json_t *)dims);

  *value = NULL;
  if (json_object_size(dims) != 1 || it == NULL)
    return NULL;
  *value = json_string_value(json_object_iter_value(it));
  return *value != NULL ? json_object_iter_key(it) : NULL;
}

static int str_is(const json_t *o, const char *key, const char *want) {
  const char *s = json_string_value(json_object_get(o, key));

  return s != NULL && strcmp(s, want) == 0;
}

int doc_match(const json_t *f, const char *measure, enum doc_partners who,
              const char *area, int total) {
  const char *s = json_string_value(json_object_get(f, "source_id"));

  if (s == NULL || (measure != NULL && !str_is(f, "measure", measure)) ||
      (area != NULL && !str_is(f, "area", area)) ||
      (total && json_object_size(json_object_get(f, "dimensions")) != 0))
    return 0;
  if (who == DOC_ALL_PARTNERS)
    return strcmp(s, "all") == 0;
  return who == DOC_ANY_PARTNER || strcmp(s, "all") != 0;
}

int doc_seen_add(const char **seen, size_t *n, size_t cap, const char *s) {
  for (size_t k = 0; k < *n; k++)
    if (strcmp(seen[k], s) == 0)
      return 0;
  if (*n == cap)
    return 0;
  seen[(*n)++] = s;
  return 1;
}

const json_t *doc_find(const struct doc *d, const char *measure,
                       const char *source, const char *area, const char *dim,
                       const char *value) {
  const json_t *f;
  size_t i;

  json_array_foreach(d->figures, i, f) {
    const char *k, *v;

    if (!doc_match(f, measure, DOC_ANY_PARTNER, area, 0) ||
        !str_is(f, "source_id", source))
      continue;
    k = doc_single_dim(f, &v);
    if (dim == NULL ? json_object_size(json_object_get(f, "dimensions")) == 0
                    : k != NULL && strcmp(k, dim) == 0 && strcmp(v, value) == 0)
      return f;
  }
  return NULL;
}

/* The vocabulary's short words, as the board reads them. */
static const char *const short_words[][2] = {
    {"marac", "MARAC"},       {"sa", "safe accommodation"},
    {"da", "domestic abuse"}, {"cs", "children's services"},
    {"grt", "GRT"},           {"lgbtq", "LGBTQ+"},
    {"idva", "IDVA"},         {"bame", "BAME"},
    {"dluhc", "DLUHC"},       {"part4", "Part 4"},
    {"yp", "young people's"}};

void doc_words(const char *id, char *buf, size_t n) {
  size_t o = 0;

  if (n == 0)
    return;
  buf[0] = '\0';
  while (id != NULL && *id != '\0') {
    size_t len = strcspn(id, "_"), k = 0, w;
    const char *word = id;

    while (k < sizeof short_words / sizeof *short_words &&
           (strlen(short_words[k][0]) != len ||
            strncmp(short_words[k][0], id, len) != 0))
      k++;
    if (k < sizeof short_words / sizeof *short_words) {
      word = short_words[k][1];
      len = strlen(word);
    }
    w = o > 0;
    if (o + w + len >= n)
      break;
    if (w)
      buf[o++] = ' ';
    memcpy(buf + o, word, len);
    o += len;
    buf[o] = '\0';
    id += strcspn(id, "_");
    id += *id == '_';
  }
  if (buf[0] >= 'a' && buf[0] <= 'z')
    buf[0] = (char)(buf[0] - 'a' + 'A');
}

void doc_service_words(const char *id, char *buf, size_t n) {
  const char *dot = id != NULL ? strchr(id, '.') : NULL;

  doc_words(dot != NULL && dot[1] != '\0' ? dot + 1 : id, buf, n);
}

/* "Female" -> "female" within a sentence; "BAME support" stays. */
static void uncap(char *w) {
  if (w[0] >= 'A' && w[0] <= 'Z' && !(w[1] >= 'A' && w[1] <= 'Z'))
    w[0] = (char)(w[0] - 'A' + 'a');
}

void doc_dims_words(const json_t *dims, char *buf, size_t n) {
  const char *key;
  const json_t *v;
  size_t o = 0;

  if (n == 0)
    return;
  buf[0] = '\0';
  json_object_foreach((json_t *)dims, key, v) {
    char words[64], value[96];
    int w;

    doc_words(key, words, sizeof words);
    if (strcmp(key, "service") == 0)
      doc_service_words(json_string_value(v), value, sizeof value);
    else
      doc_words(json_string_value(v), value, sizeof value);
    if (o > 0)
      uncap(words);
    uncap(value);
    w = snprintf(buf + o, n - o, "%s%s %s", o > 0 ? ", " : "", words, value);
    if (w < 0 || (size_t)w >= n - o)
      return; /* cut: what fits is still words */
    o += (size_t)w;
  }
}

/* "2024-06-30": 0 with the three parts, or -EINVAL. */
static int parse_date(const char *iso, int *y, int *m, int *day) {
  char tail;

  if (iso == NULL || strlen(iso) != 10 ||
      sscanf(iso, "%4d-%2d-%2d%c", y, m, day, &tail) != 3 || *m < 1 ||
      *m > 12 || *day < 1 || *day > 31)
    return -EINVAL;
  return 0;
}

long doc_days(int y, int m, int d) {
  /* days from civil (H. Hinnant): proleptic Gregorian, no clock, no
   * time zone, so the same date always lands on the same pixel */
  long era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void doc_civil(long days, int *y, int *m, int *d) {
  /* civil from days (H. Hinnant), the inverse of doc_days() */
  long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

int doc_date_days(const char *iso, long *days) {
  int y, m, d;

  if (parse_date(iso, &y, &m, &d) != 0)
    return -EINVAL;
  *days = doc_days(y, m, d);
  return 0;
}

int doc_date_words(const char *iso, int with_year, char *buf, size_t n) {
  int y, m, d, w;

  if (parse_date(iso, &y, &m, &d) != 0)
    return -EINVAL;
  w = with_year ? snprintf(buf, n, "%d %s %d", d, month_names[m - 1], y)
                : snprintf(buf, n, "%d %s", d, month_names[m - 1]);
  return w < 0 || (size_t)w >= n ? -EINVAL : 0;
}

int doc_day_words(const char *stamp, char *buf, size_t n) {
  char day[11];

  if (stamp == NULL || strlen(stamp) < 10 ||
      (stamp[10] != '\0' && stamp[10] != 'T'))
    return -EINVAL;
  memcpy(day, stamp, 10);
  day[10] = '\0';
  return doc_date_words(day, 1, buf, n);
}

int doc_period_name(const char *id, char *buf, size_t n) {
  int y1, y2, w;
  char part[8] = "";

  if (id == NULL || strlen(id) < 9 || sscanf(id, "FY%4d-%2d", &y1, &y2) != 2 ||
      (y1 + 1) % 100 != y2)
    return -EINVAL;
  if (id[9] == '-') {
    if (strlen(id + 10) >= sizeof part ||
        strspn(id + 10, "QHM0123456789") != strlen(id + 10))
      return -EINVAL;
    memcpy(part, id + 10, strlen(id + 10) + 1);
  } else if (id[9] != '\0') {
    return -EINVAL;
  }
  w = snprintf(buf, n, "%s%s%d/%02d", part, part[0] ? " " : "", y1, y2);
  return w < 0 || (size_t)w >= n ? -EINVAL : 0;
}

int doc_period_words(const json_t *period, char *buf, size_t n) {
  const char *start = json_string_value(json_object_get(period, "start"));
  const char *end = json_string_value(json_object_get(period, "end"));
  char name[32], from[32], to[32];
  int w;

  if (start == NULL || end == NULL ||
      doc_period_name(json_string_value(json_object_get(period, "id")), name,
                      sizeof name) != 0 ||
      doc_date_words(end, 1, to, sizeof to) != 0 ||
      doc_date_words(start, strncmp(start, end, 4) != 0, from, sizeof from) !=
          0)
    return -EINVAL;
  /* an en dash between the dates, as the board's papers write them */
  w = snprintf(buf, n, "%s, %s \xE2\x80\x93 %s", name, from, to);
  return w < 0 || (size_t)w >= n ? -EINVAL : 0;
}
