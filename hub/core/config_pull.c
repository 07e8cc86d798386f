/*
 * config_pull.c: a feed's "pull" member, the HTTPS address the hub fetches
 * its returns from (config.h).
 *
 * Checked at load like everything else: an https:// URL (libcurl's own
 * parser), one schedule, headers that cannot smuggle a second header or a
 * credential into the feed file, a body cap no larger than the spool's, a
 * timeout libcurl can take (an hour at most).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "config_int.h"
#include "credential.h"
#include "fsutil.h"

#define PULL_TIMEOUT_S 120
#define PULL_TIMEOUT_MAX_S 3600
#define PULL_STALE_INTERVALS 3 /* stale after this many intervals failing */

static const char *const pull_keys[] = {
    "url",     "every",   "daily",     "headers",     "auth_file",
    "ca_file", "timeout", "max_bytes", "stale_after", NULL};

void config_pull_free(struct pull_conf *p) {
  if (p == NULL)
    return;
  free(p->url);
  for (size_t i = 0; i < p->n_headers; i++)
    free(p->headers[i]);
  free(p->auth_file);
  free(p->ca_file);
  free(p);
}

/* The URL's scheme is https, and its last path segment's extension (a
 * plugin may tell formats by it) goes to ext. */
static int url_ok(const char *url, char ext[8]) {
  CURLU *u = curl_url();
  char *scheme = NULL, *path = NULL;
  int ok = 0;

  if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      strcmp(scheme, "https") == 0) {
    const char *dot = NULL;
    size_t n;

    ok = 1;
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK)
      dot = strrchr(path, '.');
    if (dot != NULL && strchr(dot, '/') == NULL && (n = strlen(dot + 1)) > 0 &&
        n < 8) {
      for (size_t i = 0; i < n; i++)
        ext[i] = (char)tolower((unsigned char)dot[1 + i]);
      ext[n] = '\0';
      for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)ext[i]))
          ext[0] = '\0';
    }
  }
  if (ext[0] == '\0')
    memcpy(ext, "csv", 4);
  curl_free(scheme);
  curl_free(path);
  curl_url_cleanup(u);
  return ok;
}

/* "06:30" -> minutes after midnight, or -1. */
static int clock_minute(const char *s) {
  if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) ||
      !isdigit((unsigned char)s[1]) || s[2] != ':' ||
      !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
    return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'),
      m = (s[3] - '0') * 10 + (s[4] - '0');

  return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* Names that carry a credential (which belongs in auth_file, read from a
 * file of its own and never sent on to another host) or that libcurl
 * sets itself. */
static int header_refused(const char *name) {
  static const char *const exact[] = {"Authorization",  "Proxy-Authorization",
                                      "Cookie",         "Host",
                                      "Content-Length", "Transfer-Encoding"};
  static const char *const parts[] = {"key",    "token",    "auth",
                                      "secret", "password", "session"};

  for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
    if (strcasecmp(name, exact[i]) == 0)
      return 1;
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
    if (strcasestr(name, parts[i]) != NULL)
      return 1;
  return 0;
}

static int header_ok(const char *name, const char *value) {
  if (*name == '\0' || strlen(name) > 64 || strlen(value) > 512 ||
      header_refused(name))
    return 0;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-')
      return 0;
  for (const char *p = value; *p; p++)
    if ((unsigned char)*p < ' ' || *p == 127)
      return 0;
  return 1;
}

static void load_headers(struct jsonconf *jc, const json_t *h,
                         struct pull_conf *p) {
  const char *name;
  const json_t *v;

  if (h == NULL)
    return;
  if (!json_is_object(h) || json_object_size(h) > PULL_MAX_HEADERS) {
    jsonconf_error_in(jc, "pull", "headers",
                      "pull.headers: expected an object of at most %d "
                      "header names and values",
                      PULL_MAX_HEADERS);
    return;
  }
  json_object_foreach((json_t *)h, name, v) {
    char line[600];

    if (!json_is_string(v) || !header_ok(name, json_string_value(v))) {
      jsonconf_error_in(jc, "headers", name,
                        "pull.headers.%s: expected a header name and one "
                        "line of text (a credential goes in auth_file)",
                        name);
      continue;
    }
    (void)snprintf(line, sizeof line, "%s: %s", name, json_string_value(v));
    p->headers[p->n_headers++] = strdup(line);
  }
}

static void duration(struct jsonconf *jc, const json_t *o, const char *key,
                     uint64_t *out) {
  const char *s = jsonconf_string(jc, o, key, 0);

  if (s != NULL && (config_parse_duration(s, out) != 0 || *out == 0))
    jsonconf_error_in(jc, "pull", key,
                      "pull.%s: expected a duration such as \"30s\", "
                      "\"15m\", \"1h\" or \"2d\"",
                      key);
}

void config_load_pull(struct jsonconf *jc, const json_t *o, const char *base,
                      uint64_t max_file_bytes, struct pull_conf **out) {
  struct pull_conf *p;
  const char *s;

  *out = NULL;
  if (o == NULL)
    return;
  if (!json_is_object(o)) {
    jsonconf_error(jc, "pull", "pull: expected an object");
    return;
  }
  if ((p = calloc(1, sizeof *p)) == NULL) {
    jsonconf_error(jc, "pull", "pull: out of memory");
    return;
  }
  jsonconf_only(jc, o, "pull", pull_keys);
  p->daily_minute = -1;
  p->timeout_s = PULL_TIMEOUT_S;
  p->max_bytes = max_file_bytes;
  if ((s = jsonconf_string(jc, o, "url", 1)) != NULL) {
    p->url = strdup(s);
    if (!url_ok(s, p->ext))
      jsonconf_error_in(jc, "pull", "url",
                        "pull.url: expected an https:// URL");
  }
  duration(jc, o, "every", &p->every_s);
  if ((s = jsonconf_string(jc, o, "daily", 0)) != NULL &&
      (p->daily_minute = clock_minute(s)) < 0)
    jsonconf_error_in(jc, "pull", "daily",
                      "pull.daily: expected a time such as \"06:30\"");
  if ((p->every_s != 0) == (json_object_get(o, "daily") != NULL))
    jsonconf_error_in(jc, "pull", "every",
                      "pull: expected \"every\" or \"daily\" (one of them)");
  if (p->daily_minute >= 0)
    p->every_s = 86400;
  load_headers(jc, json_object_get(o, "headers"), p);
  p->auth_file = credential_member(jc, o, "auth_file", "pull", "pull", base);
  if ((s = jsonconf_string(jc, o, "ca_file", 0)) != NULL)
    p->ca_file = fs_resolve(base, s);
  duration(jc, o, "timeout", &p->timeout_s);
  if (p->timeout_s > PULL_TIMEOUT_MAX_S)
    jsonconf_error_in(jc, "pull", "timeout", "pull.timeout: at most %ds",
                      PULL_TIMEOUT_MAX_S);
  jsonconf_uint(jc, o, "max_bytes", 1, max_file_bytes, &p->max_bytes);
  p->stale_after_s = p->every_s * PULL_STALE_INTERVALS;
  duration(jc, o, "stale_after", &p->stale_after_s);
  *out = p;
}
