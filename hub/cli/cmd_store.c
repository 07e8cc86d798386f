/*
 * cmd_store.c: the store's safety: `dahub backup PATH`, a checked copy of
 * the store while the daemon runs, and `dahub verify`, the store whole and
 * every file in done/ as recorded.
 *
 * backup needs no plugins (hub.json alone gives the store's path); verify
 * loads the runtime, since it reads each feed's done/ folder.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fsutil.h"
#include "verify.h"

int cmd_backup(const struct cli_args *a) {
  struct dahub_error e = {0};
  char path[PATH_MAX];
  int rc = cli_store_path(a, path, sizeof path);

  if (rc != 0)
    return 1;
  if ((rc = store_backup(path, a->file, a->force, &e)) != 0) {
    fprintf(stderr, "dahub backup: %s\n", e.msg);
    return 1;
  }
  printf("%s: a copy of %s, checked with integrity_check\n", a->file, path);
  return 0;
}

int cmd_verify(const struct cli_args *a) {
  struct runtime rt;
  struct dahub_error e = {0};
  char path[PATH_MAX];
  unsigned problems = 0;
  int rc = cli_load(&rt, a);

  if (rc != 0)
    goto out;
  if ((rc = fs_join(path, sizeof path, rt.conf->state_dir, "dahub.sqlite")) !=
      0) {
    fprintf(stderr, "%s: %s\n", rt.conf->state_dir, strerror(-rc));
    goto out;
  }
  if ((rc = verify_run(&rt, path, stdout, &problems, &e)) != 0)
    fprintf(stderr, "dahub verify: %s\n", e.msg);
  else if (problems > 0)
    printf("verify: %u problem%s\n", problems, problems == 1 ? "" : "s");
  else
    printf("verify: ok\n");
out:
  runtime_free(&rt);
  return rc == 0 && problems == 0 ? 0 : 1;
}
