/*
 * tp_undef.c: a plugin that calls a function nothing defines, as one built
 * against a library the host lacks would. Loaded with RTLD_NOW it must fail
 * at load, with the loader's message naming the symbol, not at the first
 * parse on a worker thread.
 */
#include "dahub/plugin.h"

/* Defined nowhere: the link leaves it for the loader, which cannot find it. */
extern int dahub_test_missing_function(void);

static int undef_open(const json_t *options, void **state,
                      struct dahub_error *err) {
  (void)options;
  (void)err;
  *state = NULL;
  return 0;
}

static void undef_close(void *state) { (void)state; }

static enum dahub_outcome undef_parse(void *state, struct dahub_input *in,
                                      const struct dahub_host *host,
                                      struct dahub_ctx *ctx,
                                      struct dahub_error *err) {
  (void)state;
  (void)in;
  (void)host;
  (void)ctx;
  (void)err;
  return dahub_test_missing_function() == 0 ? DAHUB_OK : DAHUB_FAIL;
}

__attribute__((visibility("default")))
const struct dahub_plugin dahub_plugin_v1 = {
    .abi_version = DAHUB_ABI_VERSION,
    .struct_size = sizeof(struct dahub_plugin),
    .name = "tp_undef",
    .version = "1.0.0",
    .kind = DAHUB_KIND_SOURCE,
    .open = undef_open,
    .close = undef_close,
    .parse = undef_parse,
};
