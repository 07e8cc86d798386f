/*
 * fuzz_utf16.c: the UTF-16 decoder (hub/lib/utf16.c).
 *
 * Byte 0 chooses how the input arrives: bit 0 big-endian, bits 1-4 the
 * largest chunk a read serves (2^n bytes; 15: as much as asked), bits 5-7
 * with byte 1 the seed of the chunk and output sizes. The rest is the text,
 * and part of it (byte 1 mod 8 bytes) is handed over as the head the CSV
 * reader would have read already.
 *
 * What comes out must be valid UTF-8, at most the room given, and exactly
 * what glibc's iconv makes of the same bytes: all of it for good text;
 * for bad text, what iconv converted before the bad unit, then -EILSEQ
 * with an error that names UTF-16 and a line, again on every later call.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "../../hub/lib/utf16.h"
#include "fuzz.h"

/* iconv's answer: 0 and all of it, or -EILSEQ and what came before. */
static int reference(const uint8_t *p, size_t len, int be, char *out,
                     size_t cap, size_t *n) {
  iconv_t cd = iconv_open("UTF-8", be ? "UTF-16BE" : "UTF-16LE");
  char *ip = (char *)p, *op = out;
  size_t il = len, ol = cap;
  int rc = 0;

  fuzz_check(cd != (iconv_t)-1, "iconv knows UTF-16");
  if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
    rc = -EILSEQ;
  iconv_close(cd);
  *n = cap - ol;
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct dahub_error err;
  struct utf16 *d = NULL;
  struct fuzz_feed f;
  char *want = NULL, *got = NULL;
  size_t head, n_want, n = 0, cap;
  int be, rc_want;
  ssize_t k = 0;

  if (size < 2 || size > (1u << 20))
    return 0;
  memset(&f, 0, sizeof f);
  be = data[0] & 1;
  f.max_chunk =
      ((data[0] >> 1) & 15) == 15 ? 0 : (size_t)1 << ((data[0] >> 1) & 15);
  f.seed = (uint32_t)data[0] << 8 | data[1] | 1u << 20;
  data += 2;
  size -= 2;
  head = size < (size_t)(data[-1] & 7) ? size : (size_t)(data[-1] & 7);
  f.data = data + head;
  f.len = size - head;
  cap = size * 2 + 8; /* a unit is at most 3 bytes of UTF-8; a pair 4 */
  want = malloc(cap);
  got = malloc(cap);
  fuzz_check(want != NULL && got != NULL, "memory");
  rc_want = reference(data, size, be, want, cap, &n_want);
  fuzz_check(utf16_new(be, fuzz_feed_read, &f, data, head, 2, &d) == 0, "new");
  for (;;) {
    size_t room = 4 + fuzz_rand(&f.seed) % 64;

    if (room > cap - n)
      room = cap - n;
    fuzz_check(room >= 4, "room for a character");
    memset(&err, 0, sizeof err);
    k = utf16_read(d, got + n, room, &err);
    if (k <= 0)
      break;
    fuzz_check((size_t)k <= room, "within the room given");
    n += (size_t)k;
  }
  fuzz_check(fuzz_utf8_valid((const unsigned char *)got, n), "valid UTF-8");
  fuzz_check(n == n_want && memcmp(got, want, n) == 0, "the text iconv makes");
  fuzz_check((int)k == rc_want, "fails where iconv does");
  if (k < 0) {
    fuzz_check(err.line >= 1 && strstr(err.msg, "UTF-16") != NULL,
               "the error names UTF-16 and a line");
    fuzz_check(utf16_read(d, got, 4, &err) == k, "the error is sticky");
  } else {
    fuzz_check(utf16_read(d, got, 4, &err) == 0, "the end stays the end");
  }
  utf16_free(d);
  free(want);
  free(got);
  return 0;
}
