/*
 * config_summary.c: hub.json's "summary" member: disclosure thresholds,
 * the marker, the sinks and the meeting calendar (see config.h).
 *
 * Meetings are kept in time order, each with its text as written, so the
 * calendar (board.c) needs no sorting and a summary names its meeting as
 * the officer wrote it. Errors are counted in jc, not returned: the whole
 * file is refused once every error was found.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "dahub/date.h"
#include "dahub/period.h"
#include "fsutil.h"

uint64_t config_threshold(const struct config *c, const char *area) {
  for (size_t i = 0; i < c->summary.n_area_thresholds; i++)
    if (strcmp(c->summary.area_thresholds[i].area, area) == 0)
      return c->summary.area_thresholds[i].threshold;
  return c->summary.threshold;
}

static void load_meetings(struct jsonconf *jc, struct summary_conf *s,
                          const json_t *m) {
  const json_t *v;
  size_t i;

  if (m == NULL)
    return;
  if (!json_is_array(m) || json_array_size(m) > CONFIG_MAX_MEETINGS) {
    jsonconf_error(jc, "meetings",
                   "summary.meetings: expected an array of at most %d dates",
                   CONFIG_MAX_MEETINGS);
    return;
  }
  json_array_foreach(m, i, v) {
    const char *text = json_string_value(v);
    size_t k = s->n_meetings;
    int64_t t;

    if (text == NULL || strlen(text) >= sizeof s->meeting_ids[0] ||
        dahub_date_parse_time(text, &t) != 0) {
      jsonconf_error(jc, "meetings",
                     "summary.meetings[%zu]: expected a date such as "
                     "\"2024-09-27\" or \"2024-09-27T10:00:00Z\"",
                     i);
      continue;
    }
    /* kept in time order, each with its text as written: "2024-09-27" is a
     * whole day, "2024-09-27T00:00:00Z" an instant */
    while (k > 0 && s->meetings[k - 1] > t) {
      s->meetings[k] = s->meetings[k - 1];
      memcpy(s->meeting_ids[k], s->meeting_ids[k - 1],
             sizeof s->meeting_ids[k]);
      k--;
    }
    s->meetings[k] = t;
    memcpy(s->meeting_ids[k], text, strlen(text) + 1);
    s->n_meetings++;
  }
}

/* A marker stands where a number would: it must never read as one, nor as
 * one of the words the summary itself puts where a figure is missing
 * (summary_json.c), or a confidential cell would pass for a blank one. */
static int marker_ok(const char *k) {
  static const char *const own[] = {"missing", "overflow",
                                    "suppressed_at_source", "not_computable"};
  int digits = 1;

  for (size_t i = 0; i < sizeof own / sizeof *own; i++)
    if (strcmp(k, own[i]) == 0)
      return 0;

  for (const char *p = k; *p != '\0'; p++) {
    if (*p < 0x20 || *p > 0x7e)
      return 0;
    if (!(*p >= '0' && *p <= '9') && *p != '.' && *p != '-' && *p != ' ')
      digits = 0;
  }
  return !digits;
}

static int set_marker(void *dst, const struct dahub_opt *o, const json_t *v) {
  struct summary_conf *s = dst;
  const char *k = json_string_value(v);

  (void)o;
  if (strlen(k) >= sizeof s->marker || !marker_ok(k))
    return -EINVAL;
  memcpy(s->marker, k, strlen(k) + 1);
  return 0;
}

/* summary_opts' words for the marker count its characters */
_Static_assert(sizeof(((struct summary_conf *)0)->marker) == 16,
               "the marker's message says 1 to 15 characters");

#define AT(field) offsetof(struct summary_conf, field)
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt summary_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"outbox_dir", DAHUB_OPT_STRING, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "summaries wait here to be delivered"},
  {"sinks", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "the sink plugins a summary is rendered by"},
  {"sink_options", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "options of a sink, by its name"},
  {"area_thresholds", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a threshold per area code"},
  {"meetings", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "the board's meeting dates"},
  {"threshold", DAHUB_OPT_UINT, 0, 1, 1000, 5, AT(threshold), NULL, NULL, "counts below this are hidden"},
  {"protection", DAHUB_OPT_UINT, 0, 0, 1000, 0, AT(protection), NULL, NULL, "the narrowest interval a reader may learn"},
  {"marker", DAHUB_OPT_STRING, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, set_marker, "1 to 15 printable ASCII characters, not a number nor a word of the summary's own", "published for every confidential cell"},
  {"days_before", DAHUB_OPT_UINT, 0, 0, 365, 7, AT(days_before), NULL, NULL, "the summary goes out this many days before"},
  {"contract_warning_months", DAHUB_OPT_UINT, 0, 0, 120, 6, AT(contract_warning_months), NULL, NULL, "contracts ending this soon are flagged"},
  {"suppress_zeros", DAHUB_OPT_BOOL, 0, 0, 0, 1, AT(suppress_zeros), NULL, NULL, "zeros are hidden like small counts"},
  {.key = NULL}};
/* clang-format on */
#undef AT

void config_summary_defaults(struct summary_conf *s) {
  dahub_opt_defaults(summary_opts, s);
  memcpy(s->marker, CONFIG_DEFAULT_MARKER, sizeof CONFIG_DEFAULT_MARKER);
  s->sinks[0] = strdup("json");
  s->sinks[1] = strdup("csv");
  s->n_sinks = 2;
}

/* {"boardpack": {"board": "..."}}: each key one of the sinks listed, each
 * value an object the sink's open() checks. */
static void load_sink_options(struct jsonconf *jc, struct summary_conf *s,
                              const json_t *o) {
  const char *k;
  json_t *v;

  if (o == NULL)
    return;
  if (!json_is_object(o)) {
    jsonconf_error(jc, "sink_options",
                   "sink_options: expected an object of sink names");
    return;
  }
  json_object_foreach((json_t *)o, k, v) {
    size_t i = 0;

    while (i < s->n_sinks && strcmp(s->sinks[i], k) != 0)
      i++;
    if (i == s->n_sinks)
      jsonconf_error(jc, k, "sink_options.%.64s: not one of summary.sinks", k);
    else if (!json_is_object(v))
      jsonconf_error(jc, k, "sink_options.%.64s: expected an object", k);
  }
  json_decref(s->sink_options);
  s->sink_options = json_incref((json_t *)o);
}

void config_load_summary(struct jsonconf *jc, struct config *c,
                         const char *base, const json_t *o) {
  struct summary_conf *s = &c->summary;
  const json_t *sinks, *at, *v;
  const char *k;
  size_t i;

  if (o == NULL)
    return;
  (void)jsonconf_check(jc, o, "summary", JSONCONF_BY_KEY, summary_opts, s);
  if (!json_is_object(o))
    return; /* said so; nothing else can be read */
  k = json_string_value(json_object_get(o, "outbox_dir"));
  if (k != NULL && k[0] != '\0') {
    free(s->outbox_dir);
    s->outbox_dir = fs_resolve(base, k);
  }
  sinks = json_object_get(o, "sinks");
  if (sinks != NULL) {
    for (i = 0; i < s->n_sinks; i++)
      free(s->sinks[i]);
    s->n_sinks = 0;
    if (!json_is_array(sinks) || json_array_size(sinks) > CONFIG_MAX_SINKS)
      jsonconf_error(jc, "sinks",
                     "sinks: expected an array of at most %d "
                     "plugin names",
                     CONFIG_MAX_SINKS);
    else
      json_array_foreach(sinks, i, v) {
        if (!jsonconf_is_ident(json_string_value(v), CONFIG_NAME_MAX))
          jsonconf_error(jc, "sinks", "sinks[%zu]: expected a plugin name", i);
        else
          s->sinks[s->n_sinks++] = strdup(json_string_value(v));
      }
  }
  load_sink_options(jc, s, json_object_get(o, "sink_options"));
  at = json_object_get(o, "area_thresholds");
  if (at != NULL && (!json_is_object(at) ||
                     json_object_size(at) > CONFIG_MAX_AREA_THRESHOLDS)) {
    jsonconf_error(jc, "area_thresholds",
                   "area_thresholds: expected an "
                   "object of area codes and numbers");
  } else if (at != NULL) {
    json_object_foreach((json_t *)at, k, v) {
      struct area_threshold *a = &s->area_thresholds[s->n_area_thresholds];

      if (!json_is_integer(v) || json_integer_value(v) < 1 ||
          json_integer_value(v) > 1000 || strlen(k) >= sizeof a->area) {
        jsonconf_error(jc, k, "area_thresholds.%s: expected 1 to 1000", k);
        continue;
      }
      memcpy(a->area, k, strlen(k) + 1);
      a->threshold = (uint64_t)json_integer_value(v);
      s->n_area_thresholds++;
    }
  }
  load_meetings(jc, s, json_object_get(o, "meetings"));
}
