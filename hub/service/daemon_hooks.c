/*
 * daemon_hooks.c: ways for the tests to make the loop hang, so that they
 * can watch systemd's watchdog notice it, and to make a status scan slow,
 * so that they can watch the loop go on without it.
 *
 * WATCHDOG=1 is worth something only if it comes from the loop: a thread
 * that pinged on its own would keep a hung daemon alive forever. The test
 * (tests/e2e/test_watchdog.py) proves it by blocking the loop thread, and
 * only that thread, for DAHUB_TEST_STALL_MS, then checking that the pings
 * stop for as long and come back after. A status scan reads the spool
 * folders and the store on the thread pool (daemon_scan.c); with
 * DAHUB_TEST_SCAN_MS each scan first sleeps that long there, as a spool
 * of a hundred thousand files would take, and tests/e2e/test_status.py
 * checks that files are claimed and other clients answered meanwhile.
 * With DAHUB_TEST_WIRE_MS the wire thread (daemon_wire.c) is held that
 * long once it has started, as a store call that does not come back would
 * hold it, and tests/e2e/test_wire.py checks that the main loop ingests,
 * answers and stops meanwhile.
 *
 * Why this cannot be turned against a production daemon: this file is
 * compiled only when CMake's DAHUB_TEST_HOOKS is on (it follows
 * DAHUB_BUILD_TESTS; debian/rules turns both off, and the package test
 * checks the packaged binary has no trace of it). Even in a test build it
 * does nothing unless the daemon was started with DAHUB_TEST_HOOKS=1 in its
 * environment, and it says so at start at warning level. Its trigger is
 * SIGUSR2: whoever may signal the daemon may already stop or kill it, so
 * the hook gives no one a power they did not have. The stall is bounded
 * (STALL_MAX_MS) and logged.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon_int.h"
#include "log.h"

#define STALL_DEFAULT_MS 3000
#define STALL_MAX_MS 60000

/* A time from the environment, read once at start: 1 to STALL_MAX_MS,
 * or dflt. */
static uint64_t env_ms(const char *name, uint64_t dflt) {
  const char *s = getenv(name);
  char *end = NULL;
  unsigned long long v;

  if (s == NULL || *s == '\0')
    return dflt;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v == 0 || v > STALL_MAX_MS)
    return dflt;
  return v;
}

static void sleep_ms(uint64_t ms) {
  struct timespec left = {.tv_sec = (time_t)(ms / 1000),
                          .tv_nsec = (long)(ms % 1000) * 1000000L};

  while (nanosleep(&left, &left) != 0 && errno == EINTR)
    ;
}

static void on_stall(uv_signal_t *s, int signum) {
  struct daemon *d = s->data;

  (void)signum;
  log_event(LOG_WARNING, "test_stall", "ms=%llu",
            (unsigned long long)d->stall_ms);
  /* a plain sleep on the loop thread: nothing else runs on it meanwhile,
   * exactly as if a callback had hung */
  sleep_ms(d->stall_ms);
  log_event(LOG_WARNING, "test_stall_over", NULL);
}

void daemon_hooks_start(struct daemon *d) {
  const char *on = getenv("DAHUB_TEST_HOOKS");
  int rc;

  if (on == NULL || strcmp(on, "1") != 0)
    return;
  d->stall_ms = env_ms("DAHUB_TEST_STALL_MS", STALL_DEFAULT_MS);
  d->scan_hook_ms = env_ms("DAHUB_TEST_SCAN_MS", 0);
  d->wire_hook_ms = env_ms("DAHUB_TEST_WIRE_MS", 0);
  d->sig_stall.data = d;
  if ((rc = uv_signal_init(&d->loop, &d->sig_stall)) != 0)
    goto fail;
  d->hooks_on = 1;
  if ((rc = uv_signal_start(&d->sig_stall, on_stall, SIGUSR2)) != 0)
    goto fail;
  log_event(LOG_WARNING, "test_hooks",
            "detail=\"SIGUSR2 blocks the loop: a test build\" stall_ms=%llu "
            "scan_ms=%llu wire_ms=%llu",
            (unsigned long long)d->stall_ms,
            (unsigned long long)d->scan_hook_ms,
            (unsigned long long)d->wire_hook_ms);
  return;
fail:
  log_event(LOG_ERR, "test_hooks_failed", "error=%s", uv_err_name(rc));
}

void daemon_hooks_stop(struct daemon *d) {
  if (d->hooks_on)
    uv_close((uv_handle_t *)&d->sig_stall, NULL);
  d->hooks_on = 0;
}

uint64_t daemon_hooks_scan_ms(const struct daemon *d) {
  return d->scan_hook_ms;
}

void daemon_hooks_scan_sleep(uint64_t ms) {
  if (ms > 0)
    sleep_ms(ms);
}

uint64_t daemon_hooks_wire_ms(const struct daemon *d) {
  return d->wire_hook_ms;
}

void daemon_hooks_wire_hold(uint64_t ms) {
  log_event(LOG_WARNING, "test_wire_hold", "ms=%llu", (unsigned long long)ms);
  sleep_ms(ms);
  log_event(LOG_WARNING, "test_wire_hold_over", NULL);
}
