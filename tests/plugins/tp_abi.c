/*
 * tp_abi.c: a plugin built for an ABI version this hub does not speak. The
 * host must refuse it before reading anything past struct_size.
 */
#include "dahub/plugin.h"

static int abi_open(const json_t *options, void **state,
                    struct dahub_error *err) {
  (void)options;
  (void)err;
  *state = NULL;
  return 0;
}

static void abi_close(void *state) { (void)state; }

static enum dahub_outcome abi_parse(void *state, struct dahub_input *in,
                                    const struct dahub_host *host,
                                    struct dahub_ctx *ctx,
                                    struct dahub_error *err) {
  (void)state;
  (void)in;
  (void)host;
  (void)ctx;
  (void)err;
  return DAHUB_OK;
}

__attribute__((visibility("default")))
const struct dahub_plugin dahub_plugin_v1 = {
    .abi_version = DAHUB_ABI_VERSION + 1,
    .struct_size = sizeof(struct dahub_plugin),
    .name = "tp_abi",
    .version = "1.0.0",
    .kind = DAHUB_KIND_SOURCE,
    .open = abi_open,
    .close = abi_close,
    .parse = abi_parse,
};
