/*
 * pseudonym.h: keyed HMAC-SHA256 of partner case references.
 *
 * A case-level return carries each partner's own case reference. dahub
 * never keeps one: a plugin that must count distinct people asks the hub
 * for the reference's HMAC under the feed's secret key and keeps that
 * instead. Without the key, the HMAC cannot be linked back to a reference.
 */
#ifndef DAHUB_PSEUDONYM_H
#define DAHUB_PSEUDONYM_H

#include <stddef.h>
#include <stdint.h>

#include "dahub/error.h"

#define PSEUDONYM_KEY_MIN 16
#define PSEUDONYM_KEY_MAX 1024

struct pseudonym;

/* Reads the key file: 16 to 1024 bytes, a regular file (not a link)
 * owned by root or the effective user, that group and others cannot read
 * or write. err names the file and the rule broken. OUT: *key (caller
 * frees), *len. */
int pseudonym_read_key(const char *path, uint8_t **key, size_t *len,
                       struct dahub_error *err);

/* A keyed context for one thread. OUT: pseudonym_free(). */
int pseudonym_new(const uint8_t *key, size_t len, struct pseudonym **out);
void pseudonym_free(struct pseudonym *p);

/* out = HMAC-SHA256(key, data). 0, or -EIO. Only reads p: safe on several
 * threads at once. */
int pseudonym_hmac(const struct pseudonym *p, const void *data, size_t len,
                   uint8_t out[32]);

#endif
