/*
 * outbox.c: the outbox's rows, attempted on the loop (outbox.h).
 *
 * A timer looks for due rows: at start, when kicked, when an attempt ends,
 * when the earliest retry falls due, and at least every OUTBOX_POLL_MS, so
 * a summary recorded by `dahub report` in another process goes out too.
 * Each destination is one circuit: when a row must wait to retry, every
 * other unsettled row of its destination waits at least as long (in the
 * store, so a restart keeps it), and a throttled server is not hammered by
 * every pending row. A row on the wire holds a lease (its timeout and a
 * margin) rather than being due; at start, rows left sending by a crash
 * are due at once where the hub is the store's only one (SQLite), and when
 * their lease ends where another hub may still have them on the wire
 * (PostgreSQL). A row older than its destination's give_up_after is
 * parked once it has been tried at least once, never dropped.
 */
#include "outbox.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "log.h"
#include "policy.h"
#include "request.h"
#include "transfers.h"

#define OUTBOX_POLL_MS 5000
#define OUTBOX_LOOK_MAX 16    /* due rows read at one look */
#define LEASE_MARGIN_S 30     /* a row on the wire is not due before */
#define UNKNOWN_WAIT_MS 60000 /* a row for a destination not loaded */
#define BACKOFF_BASE_MS 2000
#define BACKOFF_CAP_MS (30 * 60 * 1000)

struct attempt {
  struct outbox *o;
  struct request req;
  int64_t id;
  int attempts;
  int64_t since_ms, started_ms;
  uint64_t give_up_ms;
  enum dest_kind kind;
  char destination[64];
  char url[256]; /* for the log: no credentials, no query */
  struct attempt *next;
};

/* A row's record the store was too busy to take. */
struct settled {
  int64_t id;
  enum outbox_state state;
  int attempts;
  int64_t next_ms;
  long status;
  char answer[600];
  struct settled *next;
};

/* A destination backing off: its rows wait until open_until_ms. Kept here
 * as well as in the store, so a row that was on the wire, or one recorded
 * meanwhile, waits too. */
struct circuit {
  char name[64];
  int64_t open_until_ms;
};

struct outbox {
  uv_loop_t *loop;
  struct store *st;
  struct transfers *xfers;
  uv_timer_t timer;
  const struct destination *dests;
  size_t n_dests;
  struct attempt *running;
  size_t n_running;
  struct settled *unwritten;
  struct circuit circuits[DEST_MAX];
  size_t n_circuits;
  char waiting_logged[DEST_MAX][64]; /* rows for a destination not known */
  size_t n_waiting_logged;
  struct outbox_stats stats;
  int closing;
};

static int64_t now_ms(void) {
  struct timespec ts;

  (void)clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct destination *destination(const struct outbox *o,
                                             const char *name) {
  for (size_t i = 0; i < o->n_dests; i++)
    if (strcmp(o->dests[i].name, name) == 0)
      return &o->dests[i];
  return NULL;
}

static void schedule(struct outbox *o, uint64_t ms);

/* Records what became of a row; a store that fails here leaves the row as
 * it was, so it is attempted again: at least once, never lost. */
/* Records what became of a row. A store that is busy (an ingest holds the
 * write lock) keeps the record in memory, written at the next look; a row
 * left sending meanwhile is not due before its lease ends. A failure of
 * any other kind leaves the row as it was, to be attempted again: at least
 * once, never lost. 0 when written now. */
static int settle(struct outbox *o, int64_t id, enum outbox_state state,
                  int attempts, int64_t next_ms, long status,
                  const char *answer) {
  struct dahub_error err = {0};
  struct settled *k;
  int rc = store_outbox_update(o->st, id, state, attempts, next_ms, status,
                               answer, &err);

  if (rc == -EAGAIN && state != OUTBOX_SENDING &&
      (k = calloc(1, sizeof *k)) != NULL) {
    *k = (struct settled){.id = id,
                          .state = state,
                          .attempts = attempts,
                          .next_ms = next_ms,
                          .status = status,
                          .next = o->unwritten};
    (void)snprintf(k->answer, sizeof k->answer, "%s", answer ? answer : "");
    o->unwritten = k;
  } else if (rc != 0) {
    log_event(LOG_ERR, "delivery_record_failed", "id=%" PRId64 " error=%s", id,
              log_quote((char[300]){0}, 300, err.msg));
  }
  return rc;
}

/* Writes what settle() had to keep; what is still busy stays. */
static void flush(struct outbox *o) {
  struct settled **pk = &o->unwritten;

  while (*pk != NULL) {
    struct settled *k = *pk;
    struct dahub_error err = {0};

    if (store_outbox_update(o->st, k->id, k->state, k->attempts, k->next_ms,
                            k->status, k->answer, &err) == -EAGAIN) {
      pk = &k->next;
      continue;
    }
    *pk = k->next;
    free(k);
  }
}

static void park(struct outbox *o, int64_t id, const char *destination,
                 int attempts, long status, const char *why) {
  char quoted[700];

  o->stats.parked++;
  log_event(LOG_ERR, "delivery_parked",
            "id=%" PRId64 " destination=%s attempts=%d status=%ld reason=%s",
            id, destination, attempts, status,
            log_quote(quoted, sizeof quoted, why));
  (void)settle(o, id, OUTBOX_PARKED, attempts, 0, status, why);
}

/* A printable, one-line copy of the server's answer for the row. */
static void answer_text(const struct request *r, char *out, size_t size) {
  size_t n = 0;

  for (size_t i = 0; i < r->answer_len && n + 1 < size; i++) {
    unsigned char c = (unsigned char)r->answer[i];

    out[n++] = c >= 32 && c < 127 ? (char)c : ' ';
  }
  out[n] = '\0';
}

static uint64_t jitter(void) {
  uint64_t r = 0;

  if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
    r = (uint64_t)now_ms() * 0x9e3779b97f4a7c15u;
  return r;
}

static struct circuit *circuit(struct outbox *o, const char *name) {
  for (size_t i = 0; i < o->n_circuits; i++)
    if (strcmp(o->circuits[i].name, name) == 0)
      return &o->circuits[i];
  if (o->n_circuits == DEST_MAX)
    return NULL; /* more names than destinations: the store still defers */
  (void)snprintf(o->circuits[o->n_circuits].name, sizeof o->circuits[0].name,
                 "%s", name);
  o->circuits[o->n_circuits].open_until_ms = 0;
  return &o->circuits[o->n_circuits++];
}

/* Whether name is already in the list (adding it when not). */
static int logged_once(struct outbox *o, const char *name) {
  for (size_t i = 0; i < o->n_waiting_logged; i++)
    if (strcmp(o->waiting_logged[i], name) == 0)
      return 1;
  if (o->n_waiting_logged < DEST_MAX)
    (void)snprintf(o->waiting_logged[o->n_waiting_logged++],
                   sizeof o->waiting_logged[0], "%s", name);
  return 0;
}

static void on_done(CURL *easy, CURLcode result, void *arg) {
  struct attempt *a = arg, **p;
  struct outbox *o = a->o;
  long status = 0;
  curl_off_t sent = 0;
  int64_t now = now_ms();
  enum outcome out;
  char answer[REQUEST_ANSWER_MAX + 1];

  for (p = &o->running; *p != a; p = &(*p)->next)
    ;
  *p = a->next;
  o->n_running--;
  (void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  (void)curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &sent);
  answer_text(&a->req, answer, sizeof answer);
  out = a->kind == DEST_SMTP ? policy_smtp(status, result)
                             : policy_http(status, result);
  log_event(result == CURLE_OK ? LOG_INFO : LOG_WARNING, "delivery_attempt",
            "id=%" PRId64 " destination=%s url=%s status=%ld bytes=%" PRId64
            " ms=%" PRId64 " result=%s",
            a->id, a->destination, a->url, status, (int64_t)sent,
            now - a->started_ms, curl_easy_strerror(result));
  if (result == CURLE_ABORTED_BY_CALLBACK && o->closing) {
    /* stopping: the row stays sending and goes again at the next start */
  } else if (out == OUTCOME_SENT) {
    o->stats.sent++;
    log_event(LOG_NOTICE, "delivery_sent",
              "id=%" PRId64 " destination=%s status=%ld attempts=%d", a->id,
              a->destination, status, a->attempts);
    (void)settle(o, a->id, OUTBOX_SENT, a->attempts, 0, status, answer);
  } else if (out == OUTCOME_PARK) {
    char why[REQUEST_ANSWER_MAX + 64];

    if (status != 0 && a->kind == DEST_HTTPS)
      (void)snprintf(why, sizeof why, "the server refused it: %s", answer);
    else if (status != 0) /* SMTP: libcurl names the command and reply */
      (void)snprintf(why, sizeof why, "the server refused it: %s",
                     a->req.error[0] ? a->req.error
                                     : curl_easy_strerror(result));
    else
      (void)snprintf(why, sizeof why, "%s",
                     a->req.error[0] ? a->req.error
                                     : curl_easy_strerror(result));
    park(o, a->id, a->destination, a->attempts, status, why);
  } else {
    uint64_t after = 0, wait;
    struct dahub_error err = {0};
    struct circuit *c = circuit(o, a->destination);

    if (a->req.retry_after[0] != '\0')
      (void)policy_retry_after(a->req.retry_after, (time_t)(now / 1000),
                               &after);
    wait = policy_backoff_ms((unsigned)a->attempts, BACKOFF_BASE_MS,
                             BACKOFF_CAP_MS, jitter(), after);
    if (c != NULL && c->open_until_ms > now + (int64_t)wait)
      wait = (uint64_t)(c->open_until_ms - now); /* a sibling waits longer */
    if (c != NULL)
      c->open_until_ms = now + (int64_t)wait;
    if (store_outbox_defer(o->st, a->destination, now + (int64_t)wait, &err) !=
            0 &&
        err.msg[0] != '\0')
      log_event(LOG_WARNING, "delivery_record_failed",
                "destination=%s error=%s", a->destination,
                log_quote((char[300]){0}, 300, err.msg));
    o->stats.retries++;
    log_event(LOG_WARNING, "delivery_retry",
              "id=%" PRId64 " destination=%s attempts=%d status=%ld "
              "next_in_ms=%" PRIu64,
              a->id, a->destination, a->attempts, status, wait);
    (void)settle(o, a->id, OUTBOX_RETRYING, a->attempts, now + (int64_t)wait,
                 status,
                 a->kind == DEST_HTTPS && status ? answer
                 : a->req.error[0]               ? a->req.error
                                                 : curl_easy_strerror(result));
  }
  request_free(&a->req); /* cleans easy up too */
  free(a);
  if (!o->closing)
    schedule(o, 0);
}

/* Starts one due row, or parks it when it cannot go. */
static void start(struct outbox *o, const struct store_outbox_row *r,
                  int64_t now) {
  const struct destination *d = destination(o, r->destination);
  struct circuit *c;
  struct delivery_job j = {
      .key = r->key,
      .period = r->period,
      .version = r->version,
      .folder = r->folder,
      /* a failed file's report to its feed's contact (store.h) */
      .recipient = r->recipient[0] != '\0' ? r->recipient : NULL,
      .feed = r->feed};
  char err[512] = "", files[1024];
  struct dahub_error serr = {0};
  struct attempt *a;
  int rc;

  for (a = o->running; a != NULL; a = a->next)
    if (a->id == r->id)
      return; /* this row's attempt is on the wire */
  if ((c = circuit(o, r->destination)) != NULL && c->open_until_ms > now)
    return; /* its destination is backing off */
  if (d == NULL) {
    /* Perhaps hub.json gained it and the daemon was not reloaded yet: the
     * row waits, and parks only once it is as old as a destination's
     * default give_up_after. */
    if (now - r->since_ms <= (int64_t)DEST_GIVE_UP_DEFAULT_S * 1000) {
      if (!logged_once(o, r->destination))
        log_event(LOG_WARNING, "delivery_waiting",
                  "destination=%s reason=\"not in the running configuration "
                  "(reload the daemon)\"",
                  r->destination);
      (void)settle(o, r->id, r->state, r->attempts, now + UNKNOWN_WAIT_MS,
                   r->status, r->answer);
      return;
    }
    (void)snprintf(err, sizeof err, "hub.json has no delivery named %s",
                   r->destination);
    park(o, r->id, r->destination, r->attempts, 0, err);
    return;
  }
  /* at least one attempt: the daemon may simply have been down */
  if (r->attempts > 0 && now - r->since_ms > (int64_t)d->give_up_after * 1000) {
    (void)snprintf(err, sizeof err,
                   "gave up after %d attempts over %" PRIu64 " s "
                   "(give_up_after)",
                   r->attempts, d->give_up_after);
    park(o, r->id, r->destination, r->attempts, r->status, err);
    return;
  }
  (void)snprintf(files, sizeof files, "%s", r->files);
  for (char *s = files, *save = NULL, *f;
       (f = strtok_r(s, "\n", &save)) != NULL && j.n_files < DEST_MAX_PAYLOADS;
       s = NULL)
    j.files[j.n_files++] = f;
  if ((a = calloc(1, sizeof *a)) == NULL)
    return; /* tried again at the next look */
  a->o = o;
  a->id = r->id;
  a->attempts = r->attempts + 1;
  a->started_ms = now;
  a->kind = d->kind;
  (void)snprintf(a->destination, sizeof a->destination, "%s", d->name);
  policy_url_for_log(d->url, a->url, sizeof a->url);
  if ((rc = request_build(&a->req, d, &j, err, sizeof err)) != 0) {
    request_free(&a->req);
    free(a);
    if (rc != -ENOMEM)
      park(o, r->id, r->destination, r->attempts, 0, err);
    return;
  }
  /* the lease first, as a claim: a row the store does not know is on the
   * wire is not sent, nor one another hub sharing the store claimed first
   * (-EBUSY); the next look tries again */
  rc = store_outbox_claim(o->st, r->id, now, a->attempts,
                          now + ((int64_t)d->timeout_s + LEASE_MARGIN_S) * 1000,
                          &serr);
  if (rc != 0 && rc != -EBUSY && rc != -EAGAIN)
    log_event(LOG_ERR, "delivery_record_failed", "id=%" PRId64 " error=%s",
              r->id, log_quote((char[300]){0}, 300, serr.msg));
  if (rc != 0 || transfers_add(o->xfers, a->req.easy, on_done, a) != 0) {
    request_free(&a->req);
    free(a);
    return;
  }
  a->next = o->running;
  o->running = a;
  o->n_running++;
}

static void look(uv_timer_t *t) {
  struct outbox *o = t->data;
  struct store_outbox_row rows[OUTBOX_LOOK_MAX];
  struct dahub_error err = {0};
  int64_t now = now_ms(), next = 0;
  uint64_t wait = OUTBOX_POLL_MS;
  size_t n = 0;

  if (o->closing)
    return;
  flush(o);
  /* rows first, then attempts: an attempt writes to the store */
  if (store_outbox_due(o->st, now, rows, OUTBOX_LOOK_MAX, &n, &err) != 0)
    log_event(LOG_ERR, "delivery_lookup_failed", "error=%s", err.msg);
  for (size_t i = 0; i < n && o->n_running < OUTBOX_RUNNING_MAX; i++)
    start(o, &rows[i], now);
  if (store_outbox_next(o->st, &next, &err) == 0 && next - now < (int64_t)wait)
    wait = next <= now ? 0 : (uint64_t)(next - now);
  /* Rows due but not started: every slot busy (an attempt's end looks
   * again), or the store was busy or a circuit open (a second on). */
  if (wait == 0)
    wait = o->n_running >= OUTBOX_RUNNING_MAX ? OUTBOX_POLL_MS : 1000;
  schedule(o, wait);
}

static void schedule(struct outbox *o, uint64_t ms) {
  if (!o->closing)
    (void)uv_timer_start(&o->timer, look, ms, 0);
}

int outbox_new(uv_loop_t *loop, struct store *st, int recover,
               struct outbox **out) {
  struct dahub_error err = {0};
  struct outbox *o;
  int rc;

  *out = NULL;
  /* rows a crash left on the wire: due now, with the same key */
  if (recover && (rc = store_outbox_recover(st, now_ms(), &err)) != 0) {
    log_event(LOG_ERR, "delivery_recover_failed", "error=%s", err.msg);
    return rc;
  }
  if ((o = calloc(1, sizeof *o)) == NULL)
    return -ENOMEM;
  o->loop = loop;
  o->st = st;
  if ((rc = transfers_new(loop, &o->xfers)) != 0) {
    free(o);
    return rc;
  }
  if (uv_timer_init(loop, &o->timer) != 0) {
    transfers_close(o->xfers);
    free(o);
    return -EIO;
  }
  o->timer.data = o;
  *out = o;
  return 0;
}

void outbox_configure(struct outbox *o, const struct destination *dests,
                      size_t n) {
  o->dests = dests;
  o->n_dests = n;
  schedule(o, 0);
}

void outbox_kick(struct outbox *o) { schedule(o, 0); }

struct outbox_stats outbox_stats(const struct outbox *o) {
  return o->stats;
}

static void timer_closed(uv_handle_t *h) {
  struct outbox *o = h->data;

  while (o->unwritten != NULL) { /* the rows stay sending: resent at start */
    struct settled *k = o->unwritten;

    o->unwritten = k->next;
    free(k);
  }
  free(o);
}

void outbox_close(struct outbox *o) {
  if (o == NULL)
    return;
  o->closing = 1;
  (void)uv_timer_stop(&o->timer);
  transfers_close(o->xfers); /* each running attempt ends in on_done */
  uv_close((uv_handle_t *)&o->timer, timer_closed);
}
