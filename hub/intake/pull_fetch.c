/*
 * pull_fetch.c: one fetch of a pulled feed (pull_int.h).
 *
 * A conditional GET (If-None-Match, If-Modified-Since from the last body)
 * on the shared libcurl loop, with a connect and a total timeout, a stall
 * limit, a body cap that aborts the transfer, TLS always verified, and at
 * most three redirects, each to https only. The body goes to a dotted file
 * of its own beside incoming/'s files, hashed as it comes; only a body
 * whose end was announced (a length, chunks, or HTTP/2) can be whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "credential.h"
#include "fsutil.h"
#include "log.h"
#include "policy.h"
#include "pull_int.h"

#define CONNECT_TIMEOUT_S 15
#define STALL_SECONDS 30 /* under a byte a second this long: give up */

void pull_fetch_free(struct fetch *x) {
  if (x->fd >= 0)
    (void)close(x->fd);
  if (x->part[0] != '\0')
    (void)unlink(x->part); /* a body not handed over is never kept */
  if (x->easy != NULL)
    curl_easy_cleanup(x->easy);
  transfers_headers_free(x->headers);
  credential_free(x->secret);
  EVP_MD_CTX_free(x->sha);
  free(x);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg) {
  struct fetch *x = arg;
  size_t k = size * n;

  if (k > x->max_bytes - x->bytes) {
    x->too_big = 1;
    return 0; /* aborts the transfer */
  }
  for (size_t done = 0; done < k;) {
    ssize_t w = write(x->fd, data + done, k - done);

    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      x->write_failed = errno ? errno : EIO;
      return 0;
    }
    done += (size_t)w;
  }
  x->bytes += k;
  return EVP_DigestUpdate(x->sha, data, k) == 1 ? k : 0;
}

/* A validator a server sent: visible ASCII only (spaces too in a date),
 * so what is stored and sent back in the next request cannot carry a
 * second header. */
static void keep_validator(char *out, size_t cap, const char *v, size_t n,
                           int spaces) {
  out[0] = '\0';
  if (n == 0 || n >= cap)
    return;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)v[i] > 0x7e || (unsigned char)v[i] < 0x20 ||
        (v[i] == ' ' && !spaces))
      return;
  memcpy(out, v, n);
  out[n] = '\0';
}

/* The last response's validators and framing: a redirect's own are
 * forgotten. */
static size_t on_header(char *h, size_t size, size_t n, void *arg) {
  struct fetch *x = arg;
  size_t k = size * n, skip = 0, v;
  int which = 0;

  if (k >= 5 && strncmp(h, "HTTP/", 5) == 0) {
    x->etag[0] = x->last_modified[0] = '\0';
    x->framed = k >= 7 && h[5] == '2'; /* HTTP/2 frames every body */
    return k;
  }
  if (k > 5 && strncasecmp(h, "ETag:", 5) == 0)
    which = 1, skip = 5;
  else if (k > 14 && strncasecmp(h, "Last-Modified:", 14) == 0)
    which = 2, skip = 14;
  else if ((k > 15 && strncasecmp(h, "Content-Length:", 15) == 0) ||
           (k > 18 && strncasecmp(h, "Transfer-Encoding:", 18) == 0 &&
            strcasestr(h, "chunked") != NULL))
    x->framed = 1; /* a body cut short is then seen as such */
  if (which == 0)
    return k;
  for (v = k - skip; v > 0 && (h[skip] == ' ' || h[skip] == '\t');)
    skip++, v--;
  while (v > 0 && (h[skip + v - 1] == '\r' || h[skip + v - 1] == '\n' ||
                   h[skip + v - 1] == ' '))
    v--;
  if (which == 1)
    keep_validator(x->etag, sizeof x->etag, h + skip, v, 0);
  else
    keep_validator(x->last_modified, sizeof x->last_modified, h + skip, v, 1);
  return k;
}

/* Renames the checked body into incoming/ and records its provenance. */
int pull_fetch_hand_over(struct fetch *x, const char *sha, char *name,
                         size_t size) {
  struct pull_feed *f = x->f;
  struct dahub_error err = {0};
  char stamp[32], path[PATH_MAX + NAME_MAX + 2];
  time_t t = time(NULL);
  struct tm tm;
  int rc;

  (void)gmtime_r(&t, &tm);
  (void)strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  for (int i = 1;; i++) {
    if (i == 1)
      (void)snprintf(name, size, "%s-pull-%s.%s", f->name, stamp, f->conf->ext);
    else
      (void)snprintf(name, size, "%s-pull-%s-%d.%s", f->name, stamp, i,
                     f->conf->ext);
    (void)snprintf(path, sizeof path, "%s/%s", f->incoming, name);
    if (link(x->part, path) == 0)
      break; /* never replaces a file a partner dropped */
    if (errno != EEXIST || i == 99)
      return -errno;
  }
  (void)unlink(x->part);
  x->part[0] = '\0';
  (void)fs_sync_dir(f->incoming);
  if ((rc = store_pull_add(f->p->st, f->name, x->url, x->etag, x->last_modified,
                           sha, x->bytes, name, &err)) != 0)
    log_event(LOG_ERR, "pull_record_failed", "feed=%s error=%s", f->name,
              err.msg);
  return 0;
}

/* A conditional GET of f's URL, its body into a dotted file in incoming/. */
int pull_fetch_start(struct pull_feed *f, transfer_done_fn *done, char *why,
                     size_t whysz) {
  const struct pull_conf *c = f->conf;
  struct store_pull_state ps;
  struct dahub_error err = {0};
  struct fetch *x;
  int rc = -ENOMEM;

  if ((x = calloc(1, sizeof *x)) == NULL)
    return -ENOMEM;
  x->f = f;
  x->fd = -1;
  x->max_bytes = c->max_bytes;
  x->started_ms = store_now_ms();
  policy_url_for_log(c->url, x->url, sizeof x->url);
  /* a name of its own: a fetch of the feed still running (from before a
   * reload) never shares it */
  if ((size_t)snprintf(x->part, sizeof x->part, "%s/.%s.pull.XXXXXX",
                       f->incoming, f->name) >= sizeof x->part) {
    x->part[0] = '\0';
    rc = -ENAMETOOLONG;
    goto fail;
  }
  if ((x->fd = mkostemp(x->part, O_CLOEXEC)) < 0) {
    rc = -errno;
    x->part[0] = '\0';
    (void)snprintf(why, whysz, "cannot write in incoming/: %s", strerror(-rc));
    goto fail;
  }
  if ((x->sha = EVP_MD_CTX_new()) == NULL ||
      EVP_DigestInit_ex(x->sha, EVP_sha256(), NULL) != 1 ||
      (x->easy = curl_easy_init()) == NULL)
    goto fail;
  for (size_t i = 0; i < c->n_headers; i++)
    if ((rc = transfers_header(&x->headers, "%s", c->headers[i])) != 0)
      goto fail;
  if (store_pull_state(f->p->st, f->name, &ps, &err) == 0) {
    if (f->last_sha[0] == '\0') /* after a restart */
      (void)snprintf(f->last_sha, sizeof f->last_sha, "%s", ps.last_sha256);
    if (ps.etag[0] != '\0' &&
        (rc = transfers_header(&x->headers, "If-None-Match: %s", ps.etag)) != 0)
      goto fail;
    if (ps.last_modified[0] != '\0' &&
        (rc = transfers_header(&x->headers, "If-Modified-Since: %s",
                               ps.last_modified)) != 0)
      goto fail;
  }
  if (c->auth_file != NULL &&
      ((rc = credential_read(c->auth_file, &x->secret, why, whysz)) != 0 ||
       (rc = transfers_header(&x->headers, "Authorization: %s", x->secret)) !=
           0))
    goto fail;
  (void)curl_easy_setopt(x->easy, CURLOPT_URL, c->url);
  (void)curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
  (void)curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
  (void)curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->error);
  (void)curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "https");
  (void)curl_easy_setopt(x->easy, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  /* Pulls are minutes or hours apart, so a kept connection would be dead
   * by the next; and curl's own retry on a dead one would hide an attempt
   * from the backoff and the log. One attempt, one connection. */
  (void)curl_easy_setopt(x->easy, CURLOPT_FRESH_CONNECT, 1L);
  (void)curl_easy_setopt(x->easy, CURLOPT_FORBID_REUSE, 1L);
  (void)curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 1L);
  (void)curl_easy_setopt(x->easy, CURLOPT_MAXREDIRS, 3L);
  /* a redirect elsewhere must not carry the partner's credential */
  (void)curl_easy_setopt(x->easy, CURLOPT_UNRESTRICTED_AUTH, 0L);
  (void)curl_easy_setopt(x->easy, CURLOPT_TIMEOUT, (long)c->timeout_s);
  (void)curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT,
                         (long)(c->timeout_s < CONNECT_TIMEOUT_S
                                    ? c->timeout_s
                                    : CONNECT_TIMEOUT_S));
  (void)curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  (void)curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_TIME, (long)STALL_SECONDS);
  (void)curl_easy_setopt(x->easy, CURLOPT_MAXFILESIZE_LARGE,
                         (curl_off_t)c->max_bytes);
  (void)curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYPEER, 1L);
  (void)curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (c->ca_file != NULL)
    (void)curl_easy_setopt(x->easy, CURLOPT_CAINFO, c->ca_file);
  (void)curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
  (void)curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
  (void)curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
  (void)curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
  if ((rc = transfers_add(f->p->xfers, x->easy, done, x)) != 0)
    goto fail;
  f->running = x;
  return 0;
fail:
  if (why[0] == '\0')
    (void)snprintf(why, whysz, "cannot start: %s", strerror(-rc));
  pull_fetch_free(x);
  return rc;
}
