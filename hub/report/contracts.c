/*
 * contracts.c: the commissioning register's contracts in the summary, with
 * those ending soon flagged (summary_int.h). Values are kept in pence and
 * published as pounds and pence; the date of the flag is the caller's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "summary_int.h"

struct contracts {
  json_t *list;
  char horizon[11]; /* ISO date: contracts ending by then are flagged */
  char today[11];
};

static int on_contract(void *arg, const char *feed, const char *fields,
                       int64_t ingest) {
  struct contracts *c = arg;
  json_error_t je;
  json_t *o = json_loads(fields, 0, &je);
  const char *end, *pence;

  if (o == NULL)
    return 0; /* stored by us as JSON: cannot happen, skip if it does */
  (void)json_object_set_new(o, "feed", json_string(feed));
  (void)json_object_set_new(o, "ingest", json_integer(ingest));
  pence = json_string_value(json_object_get(o, "value_gbp"));
  if (pence != NULL) { /* pence as text -> pounds and pence */
    char *tail;
    long long v = strtoll(pence, &tail, 10);

    if (*tail == '\0' && tail != pence)
      (void)json_object_set_new(
          o, "value_gbp", num_json(&(struct num){.value = v, .scale = 2}));
  }
  end = json_string_value(json_object_get(o, "end_date"));
  (void)json_object_set_new(o, "ending_soon",
                            json_boolean(end != NULL && strlen(end) == 10 &&
                                         strcmp(end, c->horizon) <= 0 &&
                                         strcmp(end, c->today) >= 0));
  return json_array_append_new(c->list, o) == 0 ? 0 : -ENOMEM;
}

json_t *summary_contracts(const struct build *b, struct dahub_error *err) {
  struct contracts c = {.list = json_array()};
  time_t now = (time_t)b->env->now, until;
  struct tm tm;

  if (c.list == NULL)
    return NULL;
  (void)gmtime_r(&now, &tm);
  (void)strftime(c.today, sizeof c.today, "%Y-%m-%d", &tm);
  tm.tm_mon += (int)b->env->conf->summary.contract_warning_months;
  until = timegm(&tm);
  (void)gmtime_r(&until, &tm);
  (void)strftime(c.horizon, sizeof c.horizon, "%Y-%m-%d", &tm);
  if (store_each_record(b->env->store, "contract", on_contract, &c, err) != 0) {
    json_decref(c.list);
    return NULL;
  }
  /* "as_of" is stamped by the caller after the content hash: a new day
   * alone is not a new summary */
  return json_pack("{s:I, s:o}", "warning_months",
                   (json_int_t)b->env->conf->summary.contract_warning_months,
                   "contracts", c.list);
}
