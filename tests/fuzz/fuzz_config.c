/*
 * fuzz_config.c: the config loader (hub/core/config.c), config_load(path).
 *
 * The input is hub.json, written into a fresh temporary folder beside a
 * feeds.d/ that holds one minimal feed. If the input contains a line
 * "--feed--", what follows it is a second feed file, feeds.d/b.json, so the
 * feed loader is fuzzed too. A load that fails must say why; one that
 * succeeds must hold only values within the documented limits. The folder
 * is on tmpfs (/dev/shm) when there is one, ten times faster than a disk,
 * and is removed after each input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dahub/date.h"
#include "errlist.h"
#include "fuzz.h"
#include "jsonconf.h"

#define FEED_MARK "\n--feed--\n"

static const char minimal_feed[] =
    "{\"name\": \"a\", \"source_id\": \"a\", \"plugin\": \"mapped\"}\n";

static void write_file(const char *path, const void *data, size_t len) {
  size_t off = 0;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  fuzz_check(fd >= 0, "create a file in the temporary folder");
  while (off < len) {
    ssize_t w = write(fd, (const char *)data + off, len - off);

    fuzz_check(w > 0 || errno == EINTR, "write a file");
    if (w > 0)
      off += (size_t)w;
  }
  fuzz_check(close(fd) == 0, "close a file");
}

static void check_feed(const struct feed_conf *f) {
  fuzz_check(jsonconf_is_ident(f->name, CONFIG_NAME_MAX) &&
                 jsonconf_is_ident(f->source_id, CONFIG_NAME_MAX) &&
                 jsonconf_is_ident(f->plugin, CONFIG_NAME_MAX),
             "a feed's names are identifiers");
  fuzz_check(f->file != NULL, "a feed knows its file");
  fuzz_check(f->options == NULL || json_is_object(f->options),
             "a feed's options are an object");
  fuzz_check(f->expect_months == 0 || f->expect_months == 3 ||
                 f->expect_months == 6 || f->expect_months == 12,
             "expect is 0, 3, 6 or 12 months");
  fuzz_check(f->due_days <= 366, "due_days within limits");
  fuzz_check((f->retain_done_s <= CONFIG_RETAIN_MAX_S ||
              f->retain_done_s == CONFIG_RETAIN_DEFAULT) &&
                 (f->retain_failed_s <= CONFIG_RETAIN_MAX_S ||
                  f->retain_failed_s == CONFIG_RETAIN_DEFAULT),
             "retain periods within limits");
}

static void check_config(const struct config *c, int two_feeds) {
  const struct summary_conf *s = &c->summary;
  size_t i;

  fuzz_check(c->spool_dir != NULL && c->state_dir != NULL &&
                 c->plugin_dir != NULL && c->vocabulary != NULL &&
                 s->outbox_dir != NULL,
             "paths are set");
  fuzz_check(c->settle_ms <= 600000 && c->rescan_ms >= 50 &&
                 c->rescan_ms <= 3600000 && c->shutdown_grace_ms <= 600000 &&
                 c->retention_check_ms >= 100 &&
                 c->retention_check_ms <= 86400000,
             "timers within limits");
  fuzz_check(c->max_file_bytes >= 1 &&
                 c->max_file_bytes <= (UINT64_C(1) << 40) &&
                 c->max_line_bytes >= 64 && c->max_line_bytes <= (64u << 20) &&
                 c->max_errors >= 1 && c->max_errors <= 10000,
             "limits within limits");
  fuzz_check(c->n_feeds >= 1 && c->n_feeds <= (two_feeds ? 2u : 1u),
             "the feeds written, no more");
  fuzz_check(config_feed(c, "a") != NULL, "the minimal feed is there");
  for (i = 0; i < c->n_feeds; i++)
    check_feed(&c->feeds[i]);
  fuzz_check(s->n_sinks <= CONFIG_MAX_SINKS, "at most 8 sinks");
  for (i = 0; i < s->n_sinks; i++)
    fuzz_check(jsonconf_is_ident(s->sinks[i], CONFIG_NAME_MAX),
               "a sink is a plugin name");
  fuzz_check(s->threshold >= 1 && s->threshold <= 1000,
             "threshold within limits");
  fuzz_check(s->n_area_thresholds <= CONFIG_MAX_AREA_THRESHOLDS,
             "area thresholds fit");
  for (i = 0; i < s->n_area_thresholds; i++) {
    const struct area_threshold *a = &s->area_thresholds[i];

    fuzz_check(memchr(a->area, '\0', sizeof a->area) != NULL &&
                   a->threshold >= 1 && a->threshold <= 1000 &&
                   config_threshold(c, a->area) >= 1,
               "an area threshold is within limits");
  }
  fuzz_check(s->n_meetings <= CONFIG_MAX_MEETINGS, "meetings fit");
  for (i = 0; i < s->n_meetings; i++) {
    int64_t t;

    fuzz_check(i == 0 || s->meetings[i - 1] <= s->meetings[i],
               "meetings in order");
    fuzz_check(memchr(s->meeting_ids[i], '\0', sizeof s->meeting_ids[i]) !=
                       NULL &&
                   s->meeting_ids[i][0] != '\0',
               "a meeting has an id");
    if (dahub_date_parse_time(s->meeting_ids[i], &t) == 0)
      fuzz_check(t == s->meetings[i], "a meeting's id is its time");
  }
  fuzz_check(s->days_before <= 365 && s->contract_warning_months <= 120,
             "summary days within limits");
}

/* The folder for temporary folders: tmpfs if there is one. */
static const char *tmp_base(void) {
  const char *t = getenv("TMPDIR");

  if (access("/dev/shm", W_OK | X_OK) == 0)
    return "/dev/shm";
  return t != NULL && t[0] != '\0' && strlen(t) < 128 ? t : "/tmp";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char dir[160], hub[200], feeds[200], a[220], b[220];
  const uint8_t *mark = memmem(data, size, FEED_MARK, strlen(FEED_MARK));
  size_t hub_len = mark ? (size_t)(mark - data) : size;
  struct errlist errs = {0};
  struct config *c = NULL;
  int rc;

  /* The other names are at most 13 bytes longer than dir. */
  fuzz_check(snprintf(dir, sizeof dir, "%s/dahub-fuzz-config-XXXXXX",
                      tmp_base()) < (int)sizeof dir &&
                 mkdtemp(dir) != NULL,
             "make a temporary folder");
  (void)snprintf(hub, sizeof hub, "%s/hub.json", dir);
  (void)snprintf(feeds, sizeof feeds, "%s/feeds.d", dir);
  (void)snprintf(a, sizeof a, "%s/a.json", feeds);
  (void)snprintf(b, sizeof b, "%s/b.json", feeds);
  fuzz_check(mkdir(feeds, 0700) == 0, "make feeds.d");
  write_file(hub, data, hub_len);
  write_file(a, minimal_feed, sizeof minimal_feed - 1);
  if (mark != NULL)
    write_file(b, mark + strlen(FEED_MARK), size - hub_len - strlen(FEED_MARK));

  rc = config_load(hub, (size & 1) ? "/plugins" : NULL, &c, &errs);
  if (rc != 0) {
    fuzz_check(c == NULL, "a failed load returns nothing");
    fuzz_check(errlist_count(&errs) > 0, "a failed load says why");
  } else {
    fuzz_check(c != NULL, "a load returns a config");
    check_config(c, mark != NULL);
  }
  config_free(c);
  errlist_clear(&errs);

  fuzz_check(unlink(hub) == 0 && unlink(a) == 0 &&
                 (mark == NULL || unlink(b) == 0) && rmdir(feeds) == 0 &&
                 rmdir(dir) == 0,
             "remove the temporary folder");
  return 0;
}
