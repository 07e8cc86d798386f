/*
 * credential.h: secrets the hub reads from files of their own.
 *
 * Never in hub.json or a feed file: a config names a file (a plain name,
 * no folder), found in $CREDENTIALS_DIRECTORY (systemd's LoadCredential=)
 * when that is set, else beside hub.json. It must be a regular file that no
 * one but its owner can read or write (mode 600 or stricter), one line of
 * text. Its content is read when it is used, so a fixed credential needs no
 * restart, and is never logged, stored or shown.
 */
#ifndef DAHUB_CREDENTIAL_H
#define DAHUB_CREDENTIAL_H

#include <stddef.h>

#include <jansson.h>

#include "jsonconf.h"

#define CREDENTIAL_MAX 4096

/* The credential file named by o's member key, resolved and checked now
 * (readable, owner-only, one line), or NULL when absent or no good (with
 * an error "<where>.<key>: ..." located under parent). OUT: free(). */
char *credential_member(struct jsonconf *jc, const json_t *o, const char *key,
                        const char *parent, const char *where,
                        const char *base);

/* A credential's content, trailing newline dropped: 0 with *value (wipe
 * it with credential_free()), or negative with why in err (never the
 * content). */
int credential_read(const char *path, char **value, char *err, size_t errsz);

/* Wipes and frees a value from credential_read(); NULL is a no-op. */
void credential_free(char *value);

#endif
