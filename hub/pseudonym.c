/*
 * pseudonym.c: HMAC-SHA256 with the key set up once (see pseudonym.h).
 *
 * HMAC is H((K ^ opad) || H((K ^ ipad) || m)). The two keyed prefixes are
 * hashed once, when the context is made; each value then costs two context
 * copies and two short hashes. OpenSSL's one-shot HMAC() redoes the key
 * set-up every call, about five times the cost on short case references,
 * which would dominate a million-row extract.
 */
#include "pseudonym.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fsutil.h"

#define BLOCK 64 /* SHA-256's block size */

struct pseudonym {
  EVP_MD_CTX *inner, *outer; /* keyed prefixes, never finalised */
  EVP_MD_CTX *work;          /* copied into for each value */
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

static int keyed(EVP_MD_CTX *c, const uint8_t *k, uint8_t pad) {
  uint8_t block[BLOCK];
  int ok;

  for (int i = 0; i < BLOCK; i++)
    block[i] = k[i] ^ pad;
  ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
       EVP_DigestUpdate(c, block, BLOCK) == 1;
  OPENSSL_cleanse(block, sizeof block);
  return ok ? 0 : -EIO;
}

int pseudonym_new(const uint8_t *key, size_t len, struct pseudonym **out) {
  struct pseudonym *p = calloc(1, sizeof *p);
  uint8_t k[BLOCK] = {0};
  unsigned int klen = 0;
  int rc = -ENOMEM;

  *out = NULL;
  if (p == NULL || (p->inner = EVP_MD_CTX_new()) == NULL ||
      (p->outer = EVP_MD_CTX_new()) == NULL ||
      (p->work = EVP_MD_CTX_new()) == NULL)
    goto out;
  if (len > BLOCK) { /* a long key is hashed first, as HMAC says */
    if (EVP_Digest(key, len, k, &klen, EVP_sha256(), NULL) != 1) {
      rc = -EIO;
      goto out;
    }
  } else {
    memcpy(k, key, len);
  }
  if ((rc = keyed(p->inner, k, 0x36)) != 0 ||
      (rc = keyed(p->outer, k, 0x5c)) != 0)
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
  EVP_MD_CTX_free(p->inner);
  EVP_MD_CTX_free(p->outer);
  EVP_MD_CTX_free(p->work);
  free(p);
}

int pseudonym_hmac(struct pseudonym *p, const void *data, size_t len,
                   uint8_t out[32]) {
  uint8_t inner[32];
  unsigned int n = 0;

  if (EVP_MD_CTX_copy_ex(p->work, p->inner) != 1 ||
      EVP_DigestUpdate(p->work, data, len) != 1 ||
      EVP_DigestFinal_ex(p->work, inner, &n) != 1 || n != 32 ||
      EVP_MD_CTX_copy_ex(p->work, p->outer) != 1 ||
      EVP_DigestUpdate(p->work, inner, sizeof inner) != 1 ||
      EVP_DigestFinal_ex(p->work, out, &n) != 1 || n != 32)
    return -EIO;
  return 0;
}
