/*
 * request.c: a delivery attempt as a libcurl handle (request.h).
 *
 * Both kinds carry the delivery's key, so a receiver can tell a resend
 * from a new message: HTTPS as an Idempotency-Key header (a structured-field
 * string, quoted), e-mail as the Message-ID. TLS is always verified; an
 * e-mail goes over TLS from the first byte (smtps://) or after STARTTLS,
 * which is required unless the destination is a relay on this machine.
 * Deliveries follow no redirect: a moved endpoint is for an officer to
 * confirm, so it parks.
 */
#include "request.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "credential.h"
#include "fsutil.h"
#include "transfers.h"

#define CONNECT_TIMEOUT_S 15

void request_period_label(const char *period, char *out, size_t size) {
  /* FY2024-25[-Xnn] */
  if (strncmp(period, "FY", 2) == 0 && strlen(period) >= 9 &&
      period[6] == '-' && (period[9] == '\0' || period[9] == '-')) {
    if (period[9] == '\0')
      (void)snprintf(out, size, "%.4s/%.2s", period + 2, period + 7);
    else
      (void)snprintf(out, size, "%s %.4s/%.2s", period + 10, period + 2,
                     period + 7);
    return;
  }
  (void)snprintf(out, size, "%s", period);
}

static size_t on_answer(char *p, size_t size, size_t n, void *arg) {
  struct request *r = arg;
  size_t k = size * n, room = REQUEST_ANSWER_MAX - r->answer_len;

  memcpy(r->answer + r->answer_len, p, k < room ? k : room);
  r->answer_len += k < room ? k : room;
  r->answer[r->answer_len] = '\0';
  return k; /* the rest is read and dropped */
}

static size_t on_header(char *p, size_t size, size_t n, void *arg) {
  struct request *r = arg;
  size_t k = size * n;
  static const char name[] = "retry-after:";

  if (k > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
    size_t v = k - (sizeof name - 1);

    if (v >= sizeof r->retry_after)
      v = sizeof r->retry_after - 1;
    memcpy(r->retry_after, p + sizeof name - 1, v);
    r->retry_after[v] = '\0';
    r->retry_after[strcspn(r->retry_after, "\r\n")] = '\0';
  }
  return k;
}

static const char *content_type(const char *file) {
  const char *dot = strrchr(file, '.');

  if (dot != NULL && strcmp(dot, ".json") == 0)
    return "application/json";
  if (dot != NULL && strcmp(dot, ".csv") == 0)
    return "text/csv; charset=utf-8";
  if (dot != NULL && strcmp(dot, ".html") == 0)
    return "text/html; charset=utf-8";
  return "application/octet-stream";
}

static int common(struct request *r, const struct destination *d) {
  CURL *e = r->easy;

  (void)curl_easy_setopt(e, CURLOPT_URL, d->url);
  (void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  (void)curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error);
  (void)curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)d->timeout_s);
  (void)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
                         (long)(d->timeout_s < CONNECT_TIMEOUT_S
                                    ? d->timeout_s
                                    : CONNECT_TIMEOUT_S));
  (void)curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (d->ca_file != NULL)
    (void)curl_easy_setopt(e, CURLOPT_CAINFO, d->ca_file);
  return curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
                          d->kind == DEST_SMTP ? "smtp,smtps" : "https") ==
                 CURLE_OK
             ? 0
             : -EIO;
}

static int secret(struct request *r, const char *path, char *err,
                  size_t errsz) {
  return path == NULL ? 0 : credential_read(path, &r->secret, err, errsz);
}

static int https(struct request *r, const struct destination *d,
                 const struct delivery_job *j, char *err, size_t errsz) {
  char path[4096];
  struct stat sb;
  int rc;

  if (j->n_files != 1)
    return -EINVAL;
  if ((rc = fs_join(path, sizeof path, j->folder, j->files[0])) != 0 ||
      (r->upload = fopen(path, "rb")) == NULL ||
      fstat(fileno(r->upload), &sb) != 0) {
    rc = rc != 0 ? rc : -errno;
    (void)snprintf(err, errsz, "cannot read %s/%s: %s", j->folder, j->files[0],
                   strerror(-rc));
    return rc;
  }
  if ((rc = secret(r, d->auth_file, err, errsz)) != 0)
    return rc;
  if ((rc = transfers_header(&r->headers, "Content-Type: %s",
                             content_type(j->files[0]))) != 0 ||
      (rc = transfers_header(&r->headers, "Idempotency-Key: \"%s\"", j->key)) !=
          0 ||
      (rc = transfers_header(&r->headers, "Expect:")) != 0 ||
      (r->secret != NULL &&
       (rc = transfers_header(&r->headers, "Authorization: %s", r->secret)) !=
           0))
    return rc;
  (void)curl_easy_setopt(r->easy, CURLOPT_READDATA, r->upload);
  if (strcmp(d->method, "PUT") == 0) {
    (void)curl_easy_setopt(r->easy, CURLOPT_UPLOAD, 1L);
    (void)curl_easy_setopt(r->easy, CURLOPT_INFILESIZE_LARGE,
                           (curl_off_t)sb.st_size);
  } else {
    (void)curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
    (void)curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                           (curl_off_t)sb.st_size);
  }
  (void)curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
  (void)curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_answer);
  (void)curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
  (void)curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, on_header);
  (void)curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
  return 0;
}

/* "{label}", "{period}" and "{version}" in the subject, filled in. */
static void subject(const char *tmpl, const struct delivery_job *j, char *out,
                    size_t size) {
  char label[64], version[16];
  size_t n = 0;

  request_period_label(j->period, label, sizeof label);
  (void)snprintf(version, sizeof version, "%d", j->version);
  while (*tmpl && n + 1 < size) {
    const char *with = NULL;
    size_t skip = 0;

    if (strncmp(tmpl, "{label}", 7) == 0)
      with = label, skip = 7;
    else if (strncmp(tmpl, "{period}", 8) == 0)
      with = j->period, skip = 8;
    else if (strncmp(tmpl, "{version}", 9) == 0)
      with = version, skip = 9;
    if (with == NULL) {
      out[n++] = *tmpl++;
      continue;
    }
    for (; *with && n + 1 < size; with++)
      out[n++] = *with;
    tmpl += skip;
  }
  out[n] = '\0';
}

/* A report's text as the message's body: its lines ended CRLF, as SMTP
 * wants. The text is the hub's own (advice.c), read again for every
 * attempt, so nothing of it is kept in the store. */
static int report_body(struct request *r, const struct delivery_job *j,
                       char *err, size_t errsz) {
  char path[4096], *text = NULL, *crlf = NULL;
  curl_mimepart *part;
  size_t len = 0, n = 0;
  int rc;

  if ((rc = fs_join(path, sizeof path, j->folder, j->files[0])) != 0)
    return rc;
  if ((rc = fs_read_small(path, REQUEST_REPORT_MAX, &text, &len)) != 0) {
    (void)snprintf(err, errsz,
                   "cannot read %s: %s (taken away, or removed "
                   "by retention?)",
                   path, strerror(-rc));
    return rc == -ENOMEM ? rc : -ENOENT;
  }
  if ((crlf = malloc(2 * len + 1)) == NULL) {
    free(text);
    return -ENOMEM;
  }
  for (size_t i = 0; i < len; i++) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
      crlf[n++] = '\r';
    crlf[n++] = text[i];
  }
  crlf[n] = '\0';
  free(text);
  if ((r->mime = curl_mime_init(r->easy)) == NULL ||
      (part = curl_mime_addpart(r->mime)) == NULL ||
      curl_mime_data(part, crlf, n) != CURLE_OK ||
      curl_mime_type(part, "text/plain; charset=utf-8") != CURLE_OK)
    rc = -ENOMEM;
  free(crlf); /* curl_mime_data() copied it */
  return rc;
}

static int mail_body(struct request *r, const struct destination *d,
                     const struct delivery_job *j, char *err, size_t errsz) {
  char text[1024], label[64], path[4096];
  curl_mimepart *part;
  size_t n;
  int rc;

  request_period_label(j->period, label, sizeof label);
  n = (size_t)snprintf(text, sizeof text,
                       "The board's figures for %s, version %d, are "
                       "attached:\r\n\r\n",
                       label, j->version);
  for (size_t i = 0; i < j->n_files && n < sizeof text; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "  %s\r\n", j->files[i]);
  if (n < sizeof text)
    (void)snprintf(text + n, sizeof text - n,
                   "\r\nSent by dahub. A resend of this message carries the "
                   "same Message-ID.\r\n");
  if ((r->mime = curl_mime_init(r->easy)) == NULL ||
      (part = curl_mime_addpart(r->mime)) == NULL ||
      curl_mime_data(part, text, CURL_ZERO_TERMINATED) != CURLE_OK ||
      curl_mime_type(part, "text/plain; charset=utf-8") != CURLE_OK)
    return -ENOMEM;
  for (size_t i = 0; i < j->n_files; i++) {
    if ((rc = fs_join(path, sizeof path, j->folder, j->files[i])) != 0)
      return rc;
    if ((part = curl_mime_addpart(r->mime)) == NULL)
      return -ENOMEM;
    if (curl_mime_filedata(part, path) != CURLE_OK) {
      (void)snprintf(err, errsz, "cannot read %s", path);
      return -ENOENT;
    }
    if (curl_mime_filename(part, j->files[i]) != CURLE_OK ||
        curl_mime_type(part, content_type(j->files[i])) != CURLE_OK ||
        curl_mime_encoder(part, "base64") != CURLE_OK)
      return -ENOMEM;
  }
  (void)d;
  return 0;
}

static int smtp(struct request *r, const struct destination *d,
                const struct delivery_job *j, char *err, size_t errsz) {
  char subj[256], date[64];
  const char *domain = strchr(d->from, '@') + 1;
  time_t now = time(NULL);
  struct tm tm;
  const char *const *rcpt = (const char *const *)d->to;
  size_t n_to = d->n_to;
  int rc;

  if (j->recipient != NULL) { /* a report: to the feed's contact alone */
    rcpt = &j->recipient;
    n_to = 1;
  }
  for (size_t i = 0; i < n_to; i++) {
    struct curl_slist *l = curl_slist_append(r->rcpt, rcpt[i]);

    if (l == NULL)
      return -ENOMEM;
    r->rcpt = l;
  }
  if (j->recipient != NULL) /* the feed's name: an identifier, safe here */
    (void)snprintf(subj, sizeof subj, "Your return (%s) could not be taken in",
                   j->feed);
  else
    subject(d->subject, j, subj, sizeof subj);
  (void)gmtime_r(&now, &tm);
  (void)strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  if ((rc = transfers_header(&r->headers, "Subject: %s", subj)) != 0 ||
      (rc = transfers_header(&r->headers, "From: <%s>", d->from)) != 0 ||
      (rc = transfers_header(&r->headers, "Date: %s", date)) != 0 ||
      (rc = transfers_header(&r->headers, "Message-ID: <dahub.%s@%s>", j->key,
                             domain)) != 0)
    return rc;
  /* one To: field with every recipient (RFC 5322 allows one) */
  {
    char *to = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&to, &len);

    if (m == NULL)
      return -ENOMEM;
    /* folded only where a line would pass 998 characters */
    for (size_t i = 0, line = 4; i < n_to; i++) {
      size_t add = strlen(rcpt[i]) + 4;

      (void)fprintf(m, "%s<%s>",
                    i == 0             ? ""
                    : line + add > 900 ? ",\r\n "
                                       : ", ",
                    rcpt[i]);
      line = i > 0 && line + add > 900 ? add : line + add;
    }
    rc = fclose(m) != 0 ? -ENOMEM : transfers_header(&r->headers, "To: %s", to);
    free(to);
    if (rc != 0)
      return rc;
  }
  if ((rc = j->recipient != NULL ? report_body(r, j, err, errsz)
                                 : mail_body(r, d, j, err, errsz)) != 0)
    return rc;
  if ((rc = secret(r, d->password_file ? d->password_file : d->bearer_file, err,
                   errsz)) != 0)
    return rc;
  (void)curl_easy_setopt(r->easy, CURLOPT_MAIL_FROM, d->from);
  (void)curl_easy_setopt(r->easy, CURLOPT_MAIL_RCPT, r->rcpt);
  (void)curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
  (void)curl_easy_setopt(r->easy, CURLOPT_MIMEPOST, r->mime);
  (void)curl_easy_setopt(r->easy, CURLOPT_USE_SSL,
                         d->plain_loopback ? (long)CURLUSESSL_NONE
                                           : (long)CURLUSESSL_ALL);
  if (d->username != NULL)
    (void)curl_easy_setopt(r->easy, CURLOPT_USERNAME, d->username);
  if (d->password_file != NULL)
    (void)curl_easy_setopt(r->easy, CURLOPT_PASSWORD, r->secret);
  else if (d->bearer_file != NULL)
    (void)curl_easy_setopt(r->easy, CURLOPT_XOAUTH2_BEARER, r->secret);
  return 0;
}

int request_build(struct request *r, const struct destination *d,
                  const struct delivery_job *j, char *err, size_t errsz) {
  int rc;

  memset(r, 0, sizeof *r);
  if ((r->easy = curl_easy_init()) == NULL)
    return -ENOMEM;
  if ((rc = common(r, d)) != 0)
    return rc;
  if (j->recipient != NULL && d->kind != DEST_SMTP) {
    (void)snprintf(err, errsz,
                   "%s is not an e-mail delivery: a report to a "
                   "contact goes by e-mail (feedback_via)",
                   d->name);
    return -EINVAL;
  }
  rc = d->kind == DEST_SMTP ? smtp(r, d, j, err, errsz)
                            : https(r, d, j, err, errsz);
  if (rc == -ENOMEM)
    (void)snprintf(err, errsz, "out of memory");
  return rc;
}

void request_free(struct request *r) {
  if (r->easy != NULL)
    curl_easy_cleanup(r->easy);
  curl_mime_free(r->mime);
  transfers_headers_free(r->headers);
  curl_slist_free_all(r->rcpt);
  if (r->upload != NULL)
    (void)fclose(r->upload);
  credential_free(r->secret);
  memset(r, 0, sizeof *r);
}
