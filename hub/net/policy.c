/*
 * policy.c: sent, retry or park; backoff; Retry-After; keys (policy.h).
 */
#include "policy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#define DAY_MS (24u * 3600u * 1000u)

/* Failures of the hub's own request: trying again changes nothing. */
static int request_fault(int transport) {
  switch ((CURLcode)transport) {
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
  case CURLE_NOT_BUILT_IN:
  case CURLE_BAD_FUNCTION_ARGUMENT:
  case CURLE_LOGIN_DENIED:
  case CURLE_TOO_MANY_REDIRECTS:
  case CURLE_READ_ERROR:
  case CURLE_OUT_OF_MEMORY:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_FILESIZE_EXCEEDED:
    return 1;
  default:
    return 0;
  }
}

enum outcome policy_http(long status, int transport) {
  if (transport != CURLE_OK && status == 0)
    return request_fault(transport) ? OUTCOME_PARK : OUTCOME_RETRY;
  if (status >= 200 && status < 300)
    return transport == CURLE_OK ? OUTCOME_SENT : OUTCOME_RETRY;
  if (status == 408 || status == 409 || status == 425 || status == 429 ||
      (status >= 500 && status < 600))
    return OUTCOME_RETRY;
  return OUTCOME_PARK;
}

enum outcome policy_smtp(long code, int transport) {
  if (code >= 200 && code < 300 && transport == CURLE_OK)
    return OUTCOME_SENT;
  if (code >= 400 && code < 500)
    return OUTCOME_RETRY;
  if (code >= 500 && code < 600)
    return OUTCOME_PARK;
  return request_fault(transport) ? OUTCOME_PARK : OUTCOME_RETRY;
}

uint64_t policy_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms,
                           uint64_t random, uint64_t retry_after_ms) {
  uint64_t ceiling = base_ms, wait;

  for (unsigned i = 1; i < attempt && ceiling < cap_ms; i++)
    ceiling = ceiling > cap_ms / 2 ? cap_ms : ceiling * 2;
  if (ceiling > cap_ms)
    ceiling = cap_ms;
  wait = ceiling == UINT64_MAX ? random : random % (ceiling + 1);
  return wait > retry_after_ms ? wait : retry_after_ms;
}

int policy_retry_after(const char *value, time_t now, uint64_t *ms) {
  size_t n = strlen(value);
  time_t when;

  while (n > 0 && isspace((unsigned char)value[n - 1]))
    n--;
  while (n > 0 && isspace((unsigned char)*value)) {
    value++;
    n--;
  }
  if (n == 0 || n > 64)
    return -EINVAL;
  if (isdigit((unsigned char)value[0])) {
    uint64_t s = 0;

    for (size_t i = 0; i < n; i++) {
      if (!isdigit((unsigned char)value[i]))
        return -EINVAL;
      if (s < DAY_MS)
        s = s * 10 + (uint64_t)(value[i] - '0');
    }
    *ms = s * 1000 > DAY_MS ? DAY_MS : s * 1000;
    return 0;
  }
  {
    char date[65];

    memcpy(date, value, n);
    date[n] = '\0';
    /* libcurl reads the three date forms HTTP allows */
    if ((when = curl_getdate(date, NULL)) == -1)
      return -EINVAL;
  }
  if (when <= now)
    *ms = 0;
  else
    *ms = (uint64_t)(when - now) * 1000 > DAY_MS
              ? DAY_MS
              : (uint64_t)(when - now) * 1000;
  return 0;
}

int policy_key(const char *period, int version, const char *destination,
               char out[33]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  char v[16];
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok;

  (void)snprintf(v, sizeof v, "%d", version);
  /* NUL separators: no two (period, version, destination) share a text */
  ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
       EVP_DigestUpdate(ctx, "dahub-delivery", 15) == 1 &&
       EVP_DigestUpdate(ctx, period, strlen(period) + 1) == 1 &&
       EVP_DigestUpdate(ctx, v, strlen(v) + 1) == 1 &&
       EVP_DigestUpdate(ctx, destination, strlen(destination) + 1) == 1 &&
       EVP_DigestFinal_ex(ctx, md, &len) == 1 && len >= 16;
  EVP_MD_CTX_free(ctx);
  if (!ok)
    return -EIO;
  for (int i = 0; i < 16; i++)
    (void)snprintf(out + 2 * i, 3, "%02x", md[i]);
  return 0;
}

void policy_url_for_log(const char *url, char *out, size_t size) {
  const char *scheme = strstr(url, "://"), *host = url, *at, *end;
  size_t n = 0;

  if (size == 0)
    return;
  if (scheme != NULL) {
    host = scheme + 3;
    n = (size_t)(host - url);
  }
  end = host + strcspn(host, "/?#");
  at = memchr(host, '@', (size_t)(end - host));
  if (at != NULL)
    host = at + 1; /* user:password@ */
  end = host + strcspn(host, "?#");
  if (n >= size)
    n = size - 1;
  memcpy(out, url, n);
  if ((size_t)(end - host) >= size - n)
    end = host + (size - n - 1);
  memcpy(out + n, host, (size_t)(end - host));
  out[n + (size_t)(end - host)] = '\0';
}
