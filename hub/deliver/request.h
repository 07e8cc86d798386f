/*
 * request.h: one attempt at one delivery, as a libcurl handle ready for
 * transfers_add(): an e-mail with the summary's files attached, or an
 * HTTPS POST or PUT of one file. The files are sent as the outbox holds
 * them, byte for byte.
 */
#ifndef DAHUB_DELIVER_REQUEST_H
#define DAHUB_DELIVER_REQUEST_H

#include <stdio.h>

#include <curl/curl.h>

#include "destinations.h"

#define REQUEST_ANSWER_MAX 512 /* of the server's answer, kept for parking */

/* What one delivery carries: a summary version's files, or a failed
 * file's plain-words report to its feed's contact. */
struct delivery_job {
  const char *key; /* policy_key(): Idempotency-Key, Message-ID */
  const char *period;
  int version;
  const char *folder;                   /* the version's outbox folder */
  const char *files[DEST_MAX_PAYLOADS]; /* names in folder; https: one */
  size_t n_files;
  /* A report: the one address it goes to (instead of the destination's
   * "to"), and its feed; its text, folder/files[0], is the message's body.
   * NULL for a summary. E-mail only. */
  const char *recipient;
  const char *feed;
};

#define REQUEST_REPORT_MAX (64u << 10) /* a report's text, read as the body */

struct request {
  CURL *easy;
  struct curl_slist *headers, *rcpt;
  curl_mime *mime;
  FILE *upload;
  char *secret; /* wiped when freed */
  char answer[REQUEST_ANSWER_MAX + 1];
  size_t answer_len;
  char retry_after[65]; /* the header's value, "" when none */
  char error[CURL_ERROR_SIZE];
};

/* Builds r for j to d. 0, or negative with why in err (never a
 * credential). request_free() either way. */
int request_build(struct request *r, const struct destination *d,
                  const struct delivery_job *j, char *err, size_t errsz);
void request_free(struct request *r);

/* The period as a board reads it: "FY2024-25-Q1" -> "Q1 2024/25",
 * "FY2024-25" -> "2024/25"; anything else as it is. */
void request_period_label(const char *period, char *out, size_t size);

#endif
