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

#define BLOCK 64 /* SHA-256's block size */

struct pseudonym {
  SHA256_CTX inner, outer; /* keyed prefixes, never finalised */
};

/* The key file is checked through the descriptor it is read from, so the
 * file checked is the file read. Owned by root or by us: a key another
 * user may replace would let that user choose the pseudonyms. */
int pseudonym_read_key(const char *path, uint8_t **key, size_t *len,
                       struct dahub_error *err) {
  struct stat st;
  uint8_t *data = NULL;
  size_t got = 0;
  int fd, rc = 0;

  *key = NULL;
  *len = 0;
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ELOOP)
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "key file %s is not a regular file", path);
  if (fd < 0)
    return dahub_error_set(err, -errno, 0, 0, "key file %s: %s", path,
                           strerror(errno));
  if (fstat(fd, &st) != 0) {
    rc = dahub_error_set(err, -errno, 0, 0, "key file %s: %s", path,
                         strerror(errno));
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    rc = dahub_error_set(err, -EINVAL, 0, 0,
                         "key file %s is not a regular file", path);
    goto out;
  }
  if (st.st_uid != 0 && st.st_uid != geteuid()) {
    rc = dahub_error_set(err, -EPERM, 0, 0,
                         "key file %s is owned by uid %lu: it must belong to "
                         "root or to the user dahub runs as (uid %lu)",
                         path, (unsigned long)st.st_uid,
                         (unsigned long)geteuid());
    goto out;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    rc = dahub_error_set(err, -EPERM, 0, 0,
                         "key file %s may be read by group or others "
                         "(chmod 600)",
                         path);
    goto out;
  }
  if (st.st_size < PSEUDONYM_KEY_MIN || st.st_size > PSEUDONYM_KEY_MAX) {
    rc = dahub_error_set(err, -EINVAL, 0, 0,
                         "key file %s: expected %d to %d bytes", path,
                         PSEUDONYM_KEY_MIN, PSEUDONYM_KEY_MAX);
    goto out;
  }
  if ((data = malloc((size_t)st.st_size)) == NULL) {
    rc = dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
    goto out;
  }
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) { /* an error, or the file shrank under us */
      rc = dahub_error_set(err, n < 0 ? -errno : -EIO, 0, 0,
                           "key file %s: cannot read it whole", path);
      goto out;
    }
    got += (size_t)n;
  }
  *key = data;
  *len = got;
  data = NULL; /* the caller's now */
out:
  if (data != NULL) {
    OPENSSL_cleanse(data, got);
    free(data);
  }
  (void)close(fd);
  return rc;
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
