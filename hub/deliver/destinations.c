/*
 * destinations.c: hub.json's "deliveries" (destinations.h).
 *
 * Checked at load, so that a typo is an error when the daemon starts, not
 * a parked delivery at the board's deadline: the URL's scheme and host
 * (libcurl's own URL parser), the addresses, the sinks, and that every
 * credential file exists with owner-only permissions.
 */
#include "destinations.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "credential.h"
#include "fsutil.h"

#define DEFAULT_TIMEOUT_S 60
#define DEFAULT_SUBJECT "Board figures {label}, version {version}"

static const char *const keys[] = {
    "name",          "kind",        "url",      "payloads", "ca_file",
    "timeout",       "from",        "to",       "subject",  "username",
    "password_file", "bearer_file", "starttls", "method",   "auth_file",
    "give_up_after", NULL};

void destinations_free(struct destination *d, size_t n) {
  if (d == NULL)
    return;
  for (size_t i = 0; i < n; i++) {
    free(d[i].name);
    free(d[i].url);
    for (size_t k = 0; k < d[i].n_payloads; k++)
      free(d[i].payloads[k]);
    free(d[i].ca_file);
    free(d[i].from);
    for (size_t k = 0; k < d[i].n_to; k++)
      free(d[i].to[k]);
    free(d[i].subject);
    free(d[i].username);
    free(d[i].password_file);
    free(d[i].bearer_file);
    free(d[i].method);
    free(d[i].auth_file);
  }
  free(d);
}

/* A mailbox as SMTP carries it: local@domain, printable, no spaces or
 * angle brackets (which would let a value add a header or a recipient). */
static int address_ok(const char *a) {
  const char *at = strchr(a, '@');

  if (at == NULL || at == a || at[1] == '\0' || strlen(a) > 254)
    return 0;
  for (const char *p = a; *p; p++)
    if (*p <= ' ' || *p >= 127 || strchr("<>()[],;:\\\"", *p) != NULL)
      return 0;
  return strchr(at + 1, '@') == NULL;
}

/* The URL's scheme and whether its host is this machine. 0 or -EINVAL. */
static int url_parts(const char *url, char *scheme, size_t n, int *loopback) {
  CURLU *u = curl_url();
  char *s = NULL, *h = NULL;
  int rc = -EINVAL;

  if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK && strlen(s) < n) {
    memcpy(scheme, s, strlen(s) + 1);
    *loopback = strcmp(h, "127.0.0.1") == 0 || strcmp(h, "localhost") == 0 ||
                strcmp(h, "[::1]") == 0;
    rc = 0;
  }
  curl_free(s);
  curl_free(h);
  curl_url_cleanup(u);
  return rc;
}

static char *dup_string(struct jsonconf *jc, const json_t *o, const char *key,
                        int required) {
  const char *s = jsonconf_string(jc, o, key, required);

  return s != NULL ? strdup(s) : NULL;
}

static void duration(struct jsonconf *jc, const json_t *o, const char *key,
                     size_t i, uint64_t *out) {
  const char *s = jsonconf_string(jc, o, key, 0);

  if (s != NULL && (config_parse_duration(s, out) != 0 || *out == 0))
    jsonconf_error_in(jc, "deliveries", key,
                      "deliveries[%zu].%s: expected a duration such as "
                      "\"60s\", \"30m\", \"12h\" or \"7d\"",
                      i, key);
}

static void load_smtp(struct jsonconf *jc, const json_t *o, const char *base,
                      size_t i, const char *where, int loopback,
                      struct destination *d) {
  const json_t *to = json_object_get(o, "to"), *v, *tls;
  size_t k;

  d->from = dup_string(jc, o, "from", 1);
  if (d->from != NULL && !address_ok(d->from))
    jsonconf_error_in(jc, "deliveries", "from",
                      "deliveries[%zu].from: expected an address such as "
                      "figures@council.example",
                      i);
  if (!json_is_array(to) || json_array_size(to) == 0 ||
      json_array_size(to) > DEST_MAX_TO)
    jsonconf_error_in(jc, "deliveries", "to",
                      "deliveries[%zu].to: expected 1 to %d addresses", i,
                      DEST_MAX_TO);
  else
    json_array_foreach(to, k, v) {
      if (!json_is_string(v) || !address_ok(json_string_value(v)))
        jsonconf_error_in(jc, "deliveries", "to",
                          "deliveries[%zu].to[%zu]: expected an address", i, k);
      else
        d->to[d->n_to++] = strdup(json_string_value(v));
    }
  d->subject = dup_string(jc, o, "subject", 0);
  if (d->subject == NULL)
    d->subject = strdup(DEFAULT_SUBJECT);
  else if (strpbrk(d->subject, "\r\n") != NULL || strlen(d->subject) > 200)
    jsonconf_error_in(jc, "deliveries", "subject",
                      "deliveries[%zu].subject: expected one line of at "
                      "most 200 characters",
                      i);
  d->username = dup_string(jc, o, "username", 0);
  d->password_file =
      credential_member(jc, o, "password_file", "deliveries", where, base);
  d->bearer_file =
      credential_member(jc, o, "bearer_file", "deliveries", where, base);
  if (d->password_file != NULL && d->bearer_file != NULL)
    jsonconf_error_in(jc, "deliveries", "bearer_file",
                      "deliveries[%zu]: password_file or bearer_file, not "
                      "both",
                      i);
  if ((d->password_file != NULL || d->bearer_file != NULL) &&
      d->username == NULL)
    jsonconf_error_in(jc, "deliveries", "username",
                      "deliveries[%zu].username: needed with a credential", i);
  tls = json_object_get(o, "starttls");
  if (tls != NULL && !json_is_boolean(tls))
    jsonconf_error_in(jc, "deliveries", "starttls",
                      "deliveries[%zu].starttls: expected true or false", i);
  else if (json_is_false(tls) && !loopback)
    jsonconf_error_in(jc, "deliveries", "starttls",
                      "deliveries[%zu].starttls: may be false only for a "
                      "relay on this machine (127.0.0.1)",
                      i);
  else
    d->plain_loopback = json_is_false(tls);
}

static int has_payload(const struct destination *d, const char *name) {
  for (size_t k = 0; k < d->n_payloads; k++)
    if (strcmp(d->payloads[k], name) == 0)
      return 1;
  return 0;
}

static void load_one(struct jsonconf *jc, const json_t *o, const char *base,
                     char *const *sinks, size_t n_sinks, size_t i,
                     struct destination *d) {
  const char *kind;
  const json_t *pl, *v;
  char scheme[16] = "", where[48];
  int loopback = 0;
  size_t k;

  (void)snprintf(where, sizeof where, "deliveries[%zu]", i);
  jsonconf_only(jc, o, where, keys);
  d->timeout_s = DEFAULT_TIMEOUT_S;
  d->give_up_after = DEST_GIVE_UP_DEFAULT_S;
  d->name = dup_string(jc, o, "name", 1);
  if (d->name != NULL && !jsonconf_is_ident(d->name, 63))
    jsonconf_error_in(jc, "deliveries", "name",
                      "deliveries[%zu].name: expected [a-z0-9_]+", i);
  kind = jsonconf_string(jc, o, "kind", 1);
  if (kind != NULL && strcmp(kind, "smtp") != 0 && strcmp(kind, "https") != 0)
    jsonconf_error_in(jc, "deliveries", "kind",
                      "deliveries[%zu].kind: expected \"smtp\" or \"https\"",
                      i);
  d->kind = kind != NULL && strcmp(kind, "smtp") == 0 ? DEST_SMTP : DEST_HTTPS;
  d->url = dup_string(jc, o, "url", 1);
  if (d->url != NULL &&
      (url_parts(d->url, scheme, sizeof scheme, &loopback) != 0 ||
       (d->kind == DEST_HTTPS && strcmp(scheme, "https") != 0) ||
       (d->kind == DEST_SMTP && strcmp(scheme, "smtps") != 0 &&
        strcmp(scheme, "smtp") != 0)))
    jsonconf_error_in(jc, "deliveries", "url",
                      "deliveries[%zu].url: expected %s", i,
                      d->kind == DEST_SMTP ? "smtps://host[:port] or "
                                             "smtp://host[:port] (STARTTLS)"
                                           : "an https:// URL");
  pl = json_object_get(o, "payloads");
  /* none: an e-mail delivery for partners' reports only (config.c sees it
   * is hub.json's feedback_via) */
  if (!json_is_array(pl) || json_array_size(pl) > DEST_MAX_PAYLOADS)
    jsonconf_error_in(jc, "deliveries", "payloads",
                      "deliveries[%zu].payloads: expected 1 to %d sink names",
                      i, DEST_MAX_PAYLOADS);
  else
    json_array_foreach(pl, k, v) {
      size_t s = 0;

      while (json_is_string(v) && s < n_sinks &&
             strcmp(sinks[s], json_string_value(v)) != 0)
        s++;
      if (s == n_sinks || !json_is_string(v))
        jsonconf_error_in(jc, "deliveries", "payloads",
                          "deliveries[%zu].payloads[%zu]: expected one of "
                          "summary.sinks",
                          i, k);
      else if (has_payload(d, sinks[s]))
        jsonconf_error_in(jc, "deliveries", "payloads",
                          "deliveries[%zu].payloads[%zu]: \"%s\" is named "
                          "twice",
                          i, k, sinks[s]);
      else
        d->payloads[d->n_payloads++] = strdup(sinks[s]);
    }
  if ((v = json_object_get(o, "ca_file")) != NULL) {
    const char *ca = jsonconf_string(jc, o, "ca_file", 0);

    if (ca != NULL && (d->ca_file = fs_resolve(base, ca)) != NULL &&
        access(d->ca_file, R_OK) != 0)
      jsonconf_error_in(jc, "deliveries", "ca_file",
                        "deliveries[%zu].ca_file: cannot read %s", i,
                        d->ca_file);
  }
  duration(jc, o, "timeout", i, &d->timeout_s);
  if (d->timeout_s > DEST_TIMEOUT_MAX_S)
    jsonconf_error_in(jc, "deliveries", "timeout",
                      "deliveries[%zu].timeout: at most %ds", i,
                      DEST_TIMEOUT_MAX_S);
  duration(jc, o, "give_up_after", i, &d->give_up_after);
  if (d->kind == DEST_SMTP) {
    load_smtp(jc, o, base, i, where, loopback, d);
    return;
  }
  d->method = dup_string(jc, o, "method", 0);
  if (d->method == NULL)
    d->method = strdup("POST");
  else if (strcmp(d->method, "POST") != 0 && strcmp(d->method, "PUT") != 0)
    jsonconf_error_in(jc, "deliveries", "method",
                      "deliveries[%zu].method: expected \"POST\" or \"PUT\"",
                      i);
  d->auth_file =
      credential_member(jc, o, "auth_file", "deliveries", where, base);
}

int destinations_load(struct jsonconf *jc, const json_t *list, const char *base,
                      char *const *sinks, size_t n_sinks,
                      struct destination **out, size_t *n) {
  unsigned before = jc->nerr;
  struct destination *d;
  const json_t *o;
  size_t i;

  *out = NULL;
  *n = 0;
  if (list == NULL)
    return 0;
  if (!json_is_array(list) || json_array_size(list) > DEST_MAX) {
    jsonconf_error(jc, "deliveries",
                   "deliveries: expected an array of at most %d "
                   "destinations",
                   DEST_MAX);
    return -EINVAL;
  }
  if ((d = calloc(json_array_size(list) + 1, sizeof *d)) == NULL) {
    jsonconf_error(jc, "deliveries", "deliveries: out of memory");
    return -ENOMEM;
  }
  json_array_foreach(list, i, o) {
    if (!json_is_object(o)) {
      jsonconf_error(jc, "deliveries", "deliveries[%zu]: expected an object",
                     i);
      continue;
    }
    load_one(jc, o, base, sinks, n_sinks, i, &d[*n]);
    for (size_t k = 0; k < *n; k++)
      if (d[*n].name != NULL && d[k].name != NULL &&
          strcmp(d[k].name, d[*n].name) == 0)
        jsonconf_error_in(jc, "deliveries", "name",
                          "deliveries[%zu].name: \"%s\" is used twice", i,
                          d[k].name);
    ++*n;
  }
  *out = d;
  return jc->nerr > before ? -EINVAL : 0;
}
