/*
 * config_store.c: hub.json's "store" member, where the figures are kept
 * (config.h).
 *
 * Absent, the store is SQLite's file in state_dir, as for a single board.
 * {"postgresql": {"conninfo_file": ..., "board": ...}} puts it in a
 * PostgreSQL database that several boards' hubs may share
 * (docs/postgresql.md). The connection string itself is a credential: only
 * its file's path is read here, and the file is read by the credential
 * rules when a connection is made, so a changed password needs no reload.
 */
#include <stddef.h>
#include <stdlib.h>

#include "config_int.h"
#include "fsutil.h"

#define AT(field) offsetof(struct store_conf, field)
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt store_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"postgresql", DAHUB_OPT_OBJECT, DAHUB_OPT_REQUIRED, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "the store in a PostgreSQL database (pg_opts)"},
  {.key = NULL}};

static const struct dahub_opt pg_opts[] = {
  {"conninfo_file", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(pg_conninfo_file), dahub_opt_keep, NULL, "a credential file holding the connection string"},
  {"board", DAHUB_OPT_IDENT, DAHUB_OPT_REQUIRED, 0, CONFIG_BOARD_MAX, 0, AT(pg_board), dahub_opt_keep, NULL, "the board every row of this hub carries"},
  {.key = NULL}};
/* clang-format on */
#undef AT

void config_store_free(struct store_conf *s) { dahub_opt_free(pg_opts, s); }

void config_load_store(struct jsonconf *jc, struct config *c, const char *base,
                       const json_t *o) {
  struct store_conf *s = &c->store;
  const json_t *pg;
  char *r;

  if (o == NULL)
    return;
  (void)jsonconf_check(jc, o, "store", JSONCONF_BY_PATH, store_opts, s);
  pg = json_object_get(o, "postgresql");
  if (!json_is_object(pg))
    return; /* said so; nothing else can be read */
  if (jsonconf_check(jc, pg, "store.postgresql", JSONCONF_BY_PATH, pg_opts,
                     s) != 0 ||
      s->pg_conninfo_file == NULL)
    return;
  r = fs_resolve(base, s->pg_conninfo_file);
  free(s->pg_conninfo_file);
  if ((s->pg_conninfo_file = r) == NULL)
    jsonconf_error_in(jc, "postgresql", "conninfo_file",
                      "store.postgresql.conninfo_file: path too long");
}
