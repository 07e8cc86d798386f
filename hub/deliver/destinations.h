/*
 * destinations.h: where board summaries are delivered, as hub.json's
 * "deliveries" list says, and the credentials each one uses.
 *
 * Credentials are files of their own (credential.h), read for each
 * attempt.
 */
#ifndef DAHUB_DELIVER_DESTINATIONS_H
#define DAHUB_DELIVER_DESTINATIONS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jsonconf.h"

#define DEST_MAX 16         /* destinations in hub.json */
#define DEST_MAX_TO 16      /* recipients of one e-mail */
#define DEST_MAX_PAYLOADS 8 /* sinks one destination carries */
#define DEST_GIVE_UP_DEFAULT_S (7 * 24 * 3600)
#define DEST_TIMEOUT_MAX_S 3600 /* one attempt, at most */

enum dest_kind { DEST_SMTP, DEST_HTTPS };

struct destination {
  char *name; /* [a-z0-9_]+, part of every delivery's key */
  enum dest_kind kind;
  char *url;
  char *payloads[DEST_MAX_PAYLOADS]; /* sink names: "json", "csv" */
  size_t n_payloads;
  char *ca_file;          /* resolved; NULL: the system's CAs */
  uint64_t timeout_s;     /* one attempt, connect to last byte */
  uint64_t give_up_after; /* seconds: older rows park */
  /* smtp */
  char *from;
  char *to[DEST_MAX_TO];
  size_t n_to;
  char *subject;       /* "{label}", "{period}", "{version}" filled in */
  char *username;      /* with password_file or bearer_file */
  char *password_file; /* resolved paths of credential files */
  char *bearer_file;   /* an OAuth2 token (XOAUTH2) */
  int plain_loopback;  /* smtp:// without STARTTLS, to 127.0.0.1 only */
  /* https */
  char *method;    /* "POST" or "PUT" */
  char *auth_file; /* the Authorization header's whole value */
};

/*
 * Reads the "deliveries" array (NULL: none) into *out, every problem into
 * jc's errors at once; base is hub.json's folder. Sink names are checked
 * against sinks[0 .. n_sinks - 1], the sinks the summary is written with.
 * OUT: destinations_free(). 0, or -EINVAL with errors recorded.
 */
int destinations_load(struct jsonconf *jc, const json_t *list, const char *base,
                      char *const *sinks, size_t n_sinks,
                      struct destination **out, size_t *n);
void destinations_free(struct destination *d, size_t n);

#endif
