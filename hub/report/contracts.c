/*
 * contracts.c: the commissioning register's contracts in the summary, with
 * those ending soon flagged (summary_int.h). Values are kept in pence and
 * published as pounds and pence; the date of the flag is the caller's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/date.h"
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

  /* Stored by us as JSON, so it parses unless memory ran out, which
   * jansson reports as a syntax error: either way the summary stops rather
   * than leave the contract out. */
  if (o == NULL)
    return -EBADMSG;
  if (json_object_set_new(o, "feed", json_string(feed)) != 0 ||
      json_object_set_new(o, "ingest", json_integer(ingest)) != 0)
    goto fail;
  pence = json_string_value(json_object_get(o, "value_gbp"));
  if (pence != NULL) { /* pence as text -> pounds and pence */
    char *tail;
    long long v = strtoll(pence, &tail, 10);

    if (*tail == '\0' && tail != pence &&
        json_object_set_new(o, "value_gbp",
                            num_json(&(struct num){.value = v, .scale = 2})) !=
            0)
      goto fail;
  }
  end = json_string_value(json_object_get(o, "end_date"));
  if (json_object_set_new(o, "ending_soon",
                          json_boolean(end != NULL && strlen(end) == 10 &&
                                       strcmp(end, c->horizon) <= 0 &&
                                       strcmp(end, c->today) >= 0)) != 0)
    goto fail;
  return json_array_append_new(c->list, o) == 0 ? 0 : -ENOMEM;
fail:
  json_decref(o);
  return -ENOMEM;
}

int summary_contracts(const struct build *b, json_t **out,
                      struct dahub_error *err) {
  struct contracts c = {.list = json_array()};
  int y, m, d, rc;

  *out = NULL;
  if (c.list == NULL)
    return -ENOMEM;
  dahub_date_of_time(b->env->now, &y, &m, &d);
  dahub_date_format(y, m, d, c.today);
  dahub_date_add_months(&y, &m, &d,
                        (int)b->env->conf->summary.contract_warning_months);
  dahub_date_format(y, m, d, c.horizon);
  rc = store_each_record(b->env->store, "contract", on_contract, &c, err);
  if (rc == -EBADMSG)
    rc = dahub_error_set(err, rc, 0, 0,
                         "summary: a stored contract could not be read (out "
                         "of memory, or not JSON); nothing published");
  if (rc != 0) {
    json_decref(c.list);
    return rc;
  }
  /* "as_of" is stamped by the caller after the content hash: a new day
   * alone is not a new summary. json_pack takes the list, even when it
   * fails. */
  *out = json_pack("{s:I, s:o}", "warning_months",
                   (json_int_t)b->env->conf->summary.contract_warning_months,
                   "contracts", c.list);
  return *out != NULL ? 0 : -ENOMEM;
}
