/*
 * policy.h: what the hub decides about a transfer, apart from making it:
 * whether an answer means sent, try again or stop; how long to wait; the
 * keys that let a receiver recognise a resend. Pure functions, so each rule
 * is tested on its own (tests/unit/test_policy.c).
 */
#ifndef DAHUB_NET_POLICY_H
#define DAHUB_NET_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum outcome {
  OUTCOME_SENT,  /* the receiver has it */
  OUTCOME_RETRY, /* worth trying again later, with the same key */
  OUTCOME_PARK,  /* will not succeed until someone changes something */
};

/*
 * An HTTP answer: status is the response code (0 when none came) and
 * transport libcurl's result (CURLcode, 0 for CURLE_OK). 2xx is sent;
 * 408, 409 (the receiver still works on that key), 425, 429 and 5xx are
 * retried, as are connection, TLS-handshake and timeout failures; any other
 * answer parks (401, 403, 404, 413, 422, an unfollowed redirect), as does a
 * request the hub itself could not form.
 */
enum outcome policy_http(long status, int transport);

/* An SMTP answer: the server's last reply code (0 when none came). 2xx is
 * sent, 4xx retried, 5xx parked; no reply at all is a transport failure,
 * retried unless the request could not be formed or login was refused. */
enum outcome policy_smtp(long code, int transport);

/*
 * The wait before attempt number `attempt` (1 for the first retry): capped
 * exponential backoff with full jitter, uniform in [0, min(cap, base *
 * 2^(attempt - 1))] drawn from random, then at least retry_after_ms (what
 * the server asked for, 0 when nothing). Milliseconds.
 */
uint64_t policy_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms,
                           uint64_t random, uint64_t retry_after_ms);

/*
 * A Retry-After header's value: delay-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2026 07:28:00 GMT"), relative to now. 0 with *ms (0 for a
 * date already past); -EINVAL for anything else. Capped at a day: a server
 * cannot park a delivery by asking for a year.
 */
int policy_retry_after(const char *value, time_t now, uint64_t *ms);

/*
 * The key of one summary version's delivery to one destination: the same
 * for every attempt and after a restart, different for another version or
 * destination. 32 lower-case hex digits and a NUL into out[33]. 0 or -EIO.
 */
int policy_key(const char *period, int version, const char *destination,
               char out[33]);

/* The URL as a log may show it: no user, password, query or fragment
 * (where partners put tokens). Always NUL-terminated; cut to fit. */
void policy_url_for_log(const char *url, char *out, size_t size);

#endif
