/*
 * boardpack.c: the "boardpack" sink: the board summary as one
 * self-contained HTML file, board-pack.html, for board members to read
 * from an e-mail or the clerk to print for the committee system.
 *
 * One file, nothing fetched: inline CSS and SVG, no script, no font, no
 * image, no link out of the file, so it opens offline on a locked-down
 * laptop. The pack shows only what the summary holds (docs/summaries.md),
 * which has been through disclosure control: a hidden cell arrives as a
 * marker and stays one (doc.c). Rendering reads no clock and no state
 * but the options: the same summary always gives the same bytes, which
 * the outbox's content hash relies on.
 *
 * Options (hub.json, summary.sink_options.boardpack):
 *   "board":    the board's name on the cover (1 to 120 bytes)
 *   "headline": the key figures' measure ids, 1 to 8, in tile order
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/options.h"
#include "dahub/plugin.h"
#include "sections.h"

static const char *const default_headline[] = {
    "referrals_received", "individuals_supported", "marac_cases_discussed",
    "sa_households_supported", "sa_households_unable_to_support"};

struct opts {
  const char *board;
  const json_t *headline;
};

/* clang-format off */
static const struct dahub_opt pack_opts[] = {
  {"board", DAHUB_OPT_STRING, 0, 0, 0, 0, offsetof(struct opts, board), NULL, "the board's name, 1 to 120 bytes", "the board's name on the cover"},
  {"headline", DAHUB_OPT_ARRAY, 0, 0, 0, 0, offsetof(struct opts, headline), NULL, "an array of 1 to 8 measure ids", "the key figures, in tile order"},
  {.key = NULL}};
/* clang-format on */

static void report_problem(void *arg, const struct dahub_opt_problem *p) {
  struct dahub_error *err = arg;

  if (err == NULL || err->msg[0] != '\0')
    return; /* the first problem is the one said */
  if (p->kind == DAHUB_OPT_UNKNOWN)
    (void)dahub_error_set(err, -EINVAL, 0, 0,
                          "boardpack: unknown option \"%.64s\" (%s%s%sknown: "
                          "board, headline)",
                          p->key, p->near ? "did you mean `" : "",
                          p->near ? p->near : "", p->near ? "`? " : "");
  else {
    char want[128];

    (void)dahub_error_set(
        err, -EINVAL, 0, 0, "boardpack: option %.64s: expected %s, found %s",
        p->key != NULL ? p->key : "options",
        p->opt != NULL ? dahub_opt_expected(p->opt, want, sizeof want)
                       : "an object",
        dahub_opt_found(p->value));
  }
}

static int take_headline(struct pack_conf *c, const json_t *list,
                         struct dahub_error *err) {
  const json_t *v;
  size_t i;

  if (list == NULL) {
    for (i = 0; i < sizeof default_headline / sizeof *default_headline; i++)
      memcpy(c->headline[i], default_headline[i],
             strlen(default_headline[i]) + 1);
    c->n_headline = i;
    return 0;
  }
  if (json_array_size(list) < 1 || json_array_size(list) > PACK_MAX_HEADLINE)
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "boardpack: option headline: expected 1 to %d "
                           "measure ids, found %zu",
                           PACK_MAX_HEADLINE, json_array_size(list));
  for (i = 0;
       i < json_array_size(list) && (v = json_array_get(list, i)) != NULL;
       i++) {
    const char *m = json_string_value(v);

    if (!dahub_opt_is_ident(m, sizeof c->headline[0] - 1))
      return dahub_error_set(err, -EINVAL, 0, 0,
                             "boardpack: option headline[%zu]: expected a "
                             "measure id ([a-z0-9_], at most 64 bytes)",
                             i);
    memcpy(c->headline[i], m, strlen(m) + 1);
  }
  c->n_headline = json_array_size(list);
  return 0;
}

static int pack_open(const json_t *options, void **state,
                     struct dahub_error *err) {
  struct opts o = {0};
  struct pack_conf *c = NULL;
  int rc;

  *state = NULL;
  if (err != NULL)
    err->msg[0] = '\0';
  if ((rc = dahub_opt_check(options, "options", pack_opts, &o, report_problem,
                            err)) != 0) {
    if (err != NULL && err->msg[0] == '\0')
      (void)dahub_error_set(err, rc, 0, 0, "boardpack: bad options");
    return rc;
  }
  if ((c = calloc(1, sizeof *c)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "boardpack: out of memory");
  if (o.board != NULL && strlen(o.board) > PACK_BOARD_MAX) {
    rc = dahub_error_set(err, -EINVAL, 0, 0,
                         "boardpack: option board: expected 1 to %d bytes, "
                         "found %zu",
                         PACK_BOARD_MAX, strlen(o.board));
    goto out;
  }
  memcpy(c->board,
         o.board != NULL ? o.board
                         : "Domestic Abuse Local "
                           "Partnership Board",
         strlen(o.board != NULL ? o.board
                                : "Domestic Abuse Local Partnership Board") +
             1);
  if ((rc = take_headline(c, o.headline, err)) != 0)
    goto out;
  *state = c;
  c = NULL;
out:
  free(c);
  return rc;
}

static void pack_close(void *state) { free(state); }

static enum dahub_outcome pack_render(void *state, const json_t *summary,
                                      struct dahub_output *out,
                                      struct dahub_error *err) {
  const struct pack_conf *c = state;
  struct html h;
  struct doc d;
  char name[32];

  if (doc_open(summary, &d, err) != 0)
    return DAHUB_FAIL;
  html_init(&h, out);
  html_raw(&h, "<!DOCTYPE html>\n<html lang=\"en-GB\"><head>"
               "<meta charset=\"utf-8\"><meta name=\"viewport\" "
               "content=\"width=device-width, initial-scale=1\"><title>");
  html_text(&h, c->board);
  html_raw(&h, ": board pack ");
  if (doc_period_name(d.period_id, name, sizeof name) == 0)
    html_text(&h, name);
  else
    html_text(&h, d.period_id);
  html_raw(&h, "</title>");
  pack_style(&h, &d);
  html_raw(&h, "</head><body><main>");
  section_cover(&h, &d, c);
  section_key_figures(&h, &d, c);
  section_areas(&h, &d);
  section_breakdowns(&h, &d);
  section_safe_accommodation(&h, &d);
  section_marac(&h, &d);
  section_funding(&h, &d);
  section_notes(&h, &d);
  html_raw(&h, "</main></body></html>\n");
  if (h.rc != 0) {
    (void)dahub_error_set(err, h.rc < 0 ? h.rc : -EIO, 0, 0,
                          "boardpack: cannot render the pack: %s",
                          strerror(h.rc < 0 ? -h.rc : EIO));
    return DAHUB_FAIL;
  }
  return DAHUB_OK;
}

DAHUB_PLUGIN(.name = "boardpack", .version = "1.0.0", .kind = DAHUB_KIND_SINK,
             .open = pack_open, .close = pack_close, .extension = "html",
             .render = pack_render, .file_name = "board-pack.html");
