/*
 * tp_good.c: the smallest plugin the host must accept.
 *
 * test_plugin_host loads it under its own name (it loads), under another
 * name (refused), writable by group, through a symbolic link (refused).
 * Its callbacks do nothing but can be called, so the test knows the
 * descriptor it got is this one.
 */
#include "dahub/plugin.h"

static int good_open(const json_t *options, void **state,
                     struct dahub_error *err) {
  (void)options;
  (void)err;
  *state = NULL;
  return 0;
}

static void good_close(void *state) { (void)state; }

static enum dahub_outcome good_parse(void *state, struct dahub_input *in,
                                     const struct dahub_host *host,
                                     struct dahub_ctx *ctx,
                                     struct dahub_error *err) {
  (void)state;
  (void)in;
  (void)host;
  (void)ctx;
  (void)err;
  return DAHUB_RETRY; /* distinctive: a test calls it */
}

__attribute__((visibility("default")))
const struct dahub_plugin dahub_plugin_v1 = {
    .abi_version = DAHUB_ABI_VERSION,
    .struct_size = sizeof(struct dahub_plugin),
    .name = "tp_good",
    .version = "1.2.3",
    .kind = DAHUB_KIND_SOURCE,
    .open = good_open,
    .close = good_close,
    .parse = good_parse,
};
