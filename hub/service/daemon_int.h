/*
 * daemon_int.h: what the files of `dahub serve` share: daemon.c (start,
 * reload, stop), daemon_jobs.c (one claimed file, queued and retried),
 * daemon_board.c (the meeting calendar), daemon_retention.c (sweeps of
 * done/ and failed/), daemon_status.c and daemon_scan.c (`dahub status`,
 * the metrics) and daemon_wire.c (the deliveries and the pulls). Not for
 * any other module.
 *
 * Three kinds of thread. The main thread runs the main loop, which owns
 * every handle of this file's struct daemon and never waits: the signals,
 * the spools, the status socket, the watchdog, the timers. libuv's thread
 * pool runs the ingests, the summaries, the sweeps and the status scans,
 * each work callback touching only its own job, on the store connections
 * store and scan_store. The wire thread (daemon_wire.c) runs a loop of its
 * own for the outbox and the pulls, on loop_store, since their store calls
 * may wait; the main loop reaches it only through daemon_wire_*().
 *
 * On PostgreSQL two hubs may serve one board: `active` says whether this
 * one runs the meeting calendar, the deliveries and the pulls (the wire
 * thread sets it, daemon_leader.c decides); on SQLite it is always 1.
 */
#ifndef DAHUB_DAEMON_INT_H
#define DAHUB_DAEMON_INT_H

#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include <uv.h>

#include "counters.h"
#include "ingest.h"
#include "outbox.h"
#include "pull.h"
#include "retention.h"
#include "runtime.h"
#include "spool.h"
#include "status.h"
#include "store.h"

#define SCAN_BUSY_MS 2000        /* nor a status scan, which a client awaits */
#define BOARD_SETTLE_MS 1000     /* a burst of files makes one summary */
#define BOARD_RECHECK_MS 3600000 /* look at the calendar at least hourly */
#define EXTEND_MS 10000          /* while recovering, every 10 s ... */
#define EXTEND_USEC "30000000"   /* ... ask systemd for 30 s more */
#define RETRY_BASE_MS 1000
#define RETRY_CAP_MS 300000
#define LEADER_TRY_MS 2000 /* a standby tries to become active this often */
#define RETENTION_ALL 1u   /* every feed's done/ and failed/ */
#define RETENTION_QUICK 2u /* done/ of the feeds that keep nothing there */

/* What a status answer or the metrics read off the loop (daemon_scan.c). */
struct scan_feed {
  unsigned long waiting; /* files in incoming/ and work/ */
  int pull_known;        /* ps was read */
  struct store_pull_state ps;
};

struct scan {
  uv_work_t req;
  struct daemon *d;
  struct generation *gen;  /* held while it runs: the feeds it reads */
  struct store *store;     /* the daemon's scan_store */
  int64_t now_ms;          /* when it began */
  uint64_t before;         /* it answers the clients stamped below this */
  uint64_t hook_ms;        /* test builds: it sleeps this long first */
  struct scan_feed *feeds; /* per feed of gen */
  int read_late;           /* late feeds are read too ... */
  int *late;               /* ... into late, per feed (NULL: unknown) */
  char (*periods)[16];     /* and the quarter each is judged on */
  char late_error[256];
  int outbox_known;
  unsigned long outbox[OUTBOX_NSTATES];
};

/* One loaded configuration. Jobs, summary work and the wire thread hold a
 * reference, so a reload can swap in a new one while files of the old one
 * finish. The count is the main loop's alone: the wire thread hands back
 * what it is done with (retired_next) for the main loop to drop. */
struct generation {
  struct runtime *rt;
  struct ingest_env env;
  unsigned refs;
  struct generation *retired_next;
};

struct wire;

struct job {
  uv_work_t req;
  uv_timer_t retry;
  struct daemon *d;
  struct generation *gen;
  struct ingest_feed *feed;
  char name[NAME_MAX + 1];
  int recovered; /* check the hash first: it may be our own commit */
  int recovery;  /* part of start-up: READY=1 waits for it */
  int running;   /* queued on the thread pool */
  unsigned attempts;
  struct ingest_result res;
  struct job *next, *prev;
};

struct daemon {
  uv_loop_t loop;
  struct generation *gen;               /* the current configuration */
  const char *config_path, *plugin_dir; /* to load it again on SIGHUP */
  int log_level;                        /* the command line's, or -1 */
  struct store *store;      /* ingests and summaries, on the thread pool */
  struct store *loop_store; /* the wire thread's: deliveries and pulls */
  struct store *scan_store; /* the status scans' (daemon_scan.c) */
  atomic_int stopping;
  atomic_int active; /* runs the calendar, deliveries and pulls */
  uv_signal_t sig_term, sig_int, sig_hup;
  uv_timer_t watchdog, grace, extend;
  int watchdog_on;
  struct spool **spools;
  struct job jobs; /* list head of live jobs */
  size_t recovering;
  int ready;
  /* The meeting calendar: one summary job at a time. */
  uv_timer_t board_timer;
  uv_work_t board_work;
  struct generation *board_gen; /* held while board_work runs */
  int board_busy, board_again;
  /* Retention: one sweep at a time; a request while one runs is kept in
   * retention_want and made when it ends. */
  uv_timer_t retention_timer;
  uv_work_t retention_work;
  struct generation *retention_gen; /* held while retention_work runs */
  unsigned retention_scope;         /* RETENTION_ALL/_QUICK of that sweep */
  unsigned retention_want;
  int retention_busy;
  struct retention_stats retention_last; /* of that sweep */
  struct wire *wire;                     /* deliveries and pulls */
  unsigned long stored, duplicates, failed, retries, removed, remove_failures;
  /* `dahub status` and the metrics (daemon_status.c) */
  struct counters counters; /* per feed, since start */
  struct status_server *status;
  int64_t started_ms;
  uv_timer_t metrics_timer; /* the textfile's */
  int status_on;            /* metrics_timer is initialised */
  int metrics_busy, metrics_want, metrics_warned;
  struct scan *scan;        /* the one running, or NULL */
  int scan_again;           /* asked for while it runs */
  int *late;                /* per feed of late_for */
  char (*late_periods)[16]; /* the quarter each is judged on */
  struct generation *late_for;
  struct generation *late_gen; /* read last for it, at late_ms */
  int64_t late_ms;
#ifdef DAHUB_TEST_HOOKS
  uv_signal_t sig_stall; /* daemon_hooks.c: test builds only */
  uint64_t stall_ms, scan_hook_ms, wire_hook_ms;
  int hooks_on;
#endif
};

/* ---- daemon.c ---- */

/* A reference to g, for work that may outlive a reload. */
struct generation *daemon_gen_get(struct generation *g);
/* Drops a reference; the last frees the runtime. NULL is a no-op. */
void daemon_gen_put(struct generation *g);
/* A generation for a loaded runtime (ownership moves in). NULL: no memory,
 * and rt was freed. */
struct generation *daemon_gen_new(struct daemon *d, struct runtime *rt);
/* Start-up recovery is over: READY=1, the spools and sweeps start. */
void daemon_become_ready(struct daemon *d);

/* ---- daemon_jobs.c ---- */

/* spool callbacks: a file claimed from incoming/, left in work/, or (not
 * a file) moved into failed/ unread. */
void daemon_on_claim(void *arg, struct ingest_feed *f, const char *name);
void daemon_on_recover(void *arg, struct ingest_feed *f, const char *name);
void daemon_on_refused(void *arg, struct ingest_feed *f);
/* Unlinks j and frees it once its timer has closed. */
void daemon_job_free(struct job *j);

/* ---- daemon_board.c ---- */

/* Looks at the calendar in ms, or sooner if already planned sooner. */
void daemon_board_soon(struct daemon *d, uint64_t ms);
/* The wire thread changed the role (d->active): the calendar starts at
 * once, or stops. Main loop. */
void daemon_board_role(struct daemon *d);

/* ---- daemon_retention.c ---- */

/* Asks for a sweep of scope; made now, or when the running one ends. */
void daemon_retention_request(struct daemon *d, unsigned scope);
/* Sweeps after first_ms, then every retention_check_ms of the current
 * configuration. */
void daemon_retention_schedule(struct daemon *d, uint64_t first_ms);

/* ---- daemon_status.c ---- */

/* The status socket and the metrics textfile's timer. A socket that cannot
 * be made is logged; the daemon runs on without it. 0 or a uv error. */
int daemon_status_start(struct daemon *d);
/* The configuration changed: late feeds are read again, the textfile's
 * timer follows metrics_interval_ms. */
void daemon_status_reloaded(struct daemon *d);
/* Counts the outcome res of one file of feed (loop thread); the textfile
 * is written soon. */
void daemon_status_settled(struct daemon *d, const char *feed,
                           const struct ingest_result *res);
/* Stopping: the socket and the timer close. */
void daemon_status_stop(struct daemon *d);
/* Frees what is left once the loop is done. */
void daemon_status_close(struct daemon *d);
/* Whether a scan beginning at now_ms reads late feeds again; if so, it is
 * counted as tried, whatever comes of it. */
int daemon_status_late_due(struct daemon *d, int64_t now_ms);
/* A scan is in (loop thread): late feeds kept, the clients that asked
 * before it began answered, the textfile written if wanted. */
void daemon_status_scanned(struct daemon *d, struct scan *sc);
/* No scan could begin: the clients waiting get an error line. */
void daemon_status_unavailable(struct daemon *d);

/* ---- daemon_scan.c ---- */

/* A scan now, or once the running one is in. */
void daemon_scan_request(struct daemon *d);
/* Stopping: a scan not yet begun is cancelled. */
void daemon_scan_stop(struct daemon *d);

/* ---- daemon_wire.c ---- */

/* How long the wire thread's store calls wait for an ingest's write lock
 * (SQLite): a wait there holds no one but the wire loop, and a row whose
 * record finds the store still busy is written at the next look. Shorter
 * than the default grace period, so a stop is not held past it. */
#define WIRE_BUSY_MS 5000

/* Starts the wire thread with the current generation: the outbox (rows a
 * crash left on the wire due again) and the pulls. Errors are logged;
 * daemon_wire_close() and _free() are called all the same. 0 or negative. */
int daemon_wire_start(struct daemon *d);
/* The wire thread reads g (a reference is taken) from now on. */
void daemon_wire_configure(struct daemon *d, struct generation *g);
/* The outbox looks for due rows now. */
void daemon_wire_kick(struct daemon *d);
/* The outbox's counts since start, as of the wire loop's last turn. */
struct outbox_stats daemon_wire_stats(const struct daemon *d);
/* Stopping: the outbox and pulls close on the wire thread; the main loop
 * joins it once it has ended, without waiting meanwhile. */
void daemon_wire_stop(struct daemon *d);
/* The main loop has ended (or never ran): stops and joins the thread if
 * still running, drops the generations it held. Before the main loop's
 * last run, which closes the handle the thread signalled it with. */
void daemon_wire_close(struct daemon *d);
/* Frees what is left once the main loop is closed. */
void daemon_wire_free(struct daemon *d);

/* ---- daemon_leader.c (wire thread) ---- */

struct leader;

/* Tries the board's lock of c's PostgreSQL store now and every
 * LEADER_TRY_MS on loop. on_change(arg, 1) when this hub becomes active
 * (non-zero: it cannot run as such, and the lock is given up), (arg, 0)
 * when it no longer is. 0 or negative. OUT: leader_stop(). */
int leader_start(uv_loop_t *loop, const struct config *c,
                 int (*on_change)(void *arg, int active), void *arg,
                 struct leader **out);
/* Stops trying and gives the lock up; freed as the loop runs on. NULL is
 * a no-op. */
void leader_stop(struct leader *l);

/* ---- daemon_hooks.c (test builds only) ---- */

#ifdef DAHUB_TEST_HOOKS
/* With DAHUB_TEST_HOOKS=1 in the environment, SIGUSR2 blocks the loop for
 * DAHUB_TEST_STALL_MS, each status scan sleeps DAHUB_TEST_SCAN_MS on the
 * thread pool, and the wire thread is held DAHUB_TEST_WIRE_MS once it has
 * started; otherwise nothing. */
void daemon_hooks_start(struct daemon *d);
void daemon_hooks_stop(struct daemon *d);
/* DAHUB_TEST_SCAN_MS: how long each status scan sleeps first (0: not). */
uint64_t daemon_hooks_scan_ms(const struct daemon *d);
/* Thread pool: the scan's sleep. */
void daemon_hooks_scan_sleep(uint64_t ms);
/* DAHUB_TEST_WIRE_MS: how long the wire thread is held (0: not). */
uint64_t daemon_hooks_wire_ms(const struct daemon *d);
/* Wire thread: the hold, logged. */
void daemon_hooks_wire_hold(uint64_t ms);
#else
static inline void daemon_hooks_start(struct daemon *d) { (void)d; }
static inline void daemon_hooks_stop(struct daemon *d) { (void)d; }
static inline uint64_t daemon_hooks_scan_ms(const struct daemon *d) {
  (void)d;
  return 0;
}
static inline void daemon_hooks_scan_sleep(uint64_t ms) { (void)ms; }
static inline uint64_t daemon_hooks_wire_ms(const struct daemon *d) {
  (void)d;
  return 0;
}
static inline void daemon_hooks_wire_hold(uint64_t ms) { (void)ms; }
#endif

#endif
