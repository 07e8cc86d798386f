/*
 * pseudonym.c: HMAC-SHA256 with the key set up once (see pseudonym.h).
 *
 * HMAC is H((K ^ opad) || H((K ^ ipad) || m)). The two keyed prefixes are
 * hashed once, when the context is made; each value then costs two context
 * copies and two short hashes. OpenSSL's one-shot HMAC() redoes the key
 * set-up every call, about five times the cost on short case references,
 * which would dominate a million-row extract.
 *
 * The contexts are OpenSSL's plain SHA256_CTX, copied by assignment. An
 * EVP_MD_CTX copy allocates and frees (and wipes) the provider's state on
 * every call: half the cost of a short HMAC. SHA256_Init and friends are
 * deprecated in OpenSSL 3 in favour of EVP, not removed, and run the same
 * (SHA-NI) code; OPENSSL_API_COMPAT keeps them declared without warnings.
 */
#define OPENSSL_API_COMPAT 0x10100000L

#include "pseudonym.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "fsutil.h"

#define BLOCK 64 /* SHA-256's block size */

struct pseudonym {
  SHA256_CTX inner, outer; /* keyed prefixes, never finalised */
};

int pseudonym_read_key(const char *path, uint8_t **key, size_t *len,
                       struct dahub_error *err) {
  struct stat st;
  char *data = NULL;
  int rc;

  *key = NULL;
  if (lstat(path, &st) != 0)
    return dahub_error_set(err, -errno, 0, 0, "key file %s: %s", path,
                           strerror(errno));
  if (!S_ISREG(st.st_mode))
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "key file %s is not a regular file", path);
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return dahub_error_set(err, -EPERM, 0, 0,
                           "key file %s may be read by group or others "
                           "(chmod 600)",
                           path);
  rc = fs_read_small(path, PSEUDONYM_KEY_MAX, &data, len);
  if (rc == 0 && *len < PSEUDONYM_KEY_MIN)
    rc = -EINVAL;
  if (rc != 0) {
    if (data != NULL)
      OPENSSL_cleanse(data, *len);
    free(data);
    return dahub_error_set(err, rc, 0, 0,
                           "key file %s: expected %d to %d bytes", path,
                           PSEUDONYM_KEY_MIN, PSEUDONYM_KEY_MAX);
  }
  *key = (uint8_t *)data;
  return 0;
}

static int keyed(SHA256_CTX *c, const uint8_t *k, uint8_t pad) {
  uint8_t block[BLOCK];
  int ok;

  for (int i = 0; i < BLOCK; i++)
    block[i] = k[i] ^ pad;
  ok = SHA256_Init(c) == 1 && SHA256_Update(c, block, BLOCK) == 1;
  OPENSSL_cleanse(block, sizeof block);
  return ok ? 0 : -EIO;
}

int pseudonym_new(const uint8_t *key, size_t len, struct pseudonym **out) {
  struct pseudonym *p = calloc(1, sizeof *p);
  uint8_t k[BLOCK] = {0};
  int rc = -ENOMEM;

  *out = NULL;
  if (p == NULL)
    goto out;
  if (len > BLOCK) { /* a long key is hashed first, as HMAC says */
    if (SHA256(key, len, k) == NULL) {
      rc = -EIO;
      goto out;
    }
  } else {
    memcpy(k, key, len);
  }
  if ((rc = keyed(&p->inner, k, 0x36)) != 0 ||
      (rc = keyed(&p->outer, k, 0x5c)) != 0)
    goto out;
  *out = p;
  p = NULL;
out:
  OPENSSL_cleanse(k, sizeof k);
  pseudonym_free(p);
  return rc;
}

void pseudonym_free(struct pseudonym *p) {
  if (p == NULL)
    return;
  OPENSSL_cleanse(p, sizeof *p); /* the keyed states stand for the key */
  free(p);
}

int pseudonym_hmac(const struct pseudonym *p, const void *data, size_t len,
                   uint8_t out[32]) {
  SHA256_CTX c = p->inner;
  uint8_t inner[32];
  int ok;

  ok = SHA256_Update(&c, data, len) == 1 && SHA256_Final(inner, &c) == 1;
  c = p->outer;
  ok = ok && SHA256_Update(&c, inner, sizeof inner) == 1 &&
       SHA256_Final(out, &c) == 1;
  OPENSSL_cleanse(inner, sizeof inner);
  OPENSSL_cleanse(&c, sizeof c);
  return ok ? 0 : -EIO;
}
