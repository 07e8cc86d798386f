/*
 * tp_future.c: a plugin built against a newer header, whose descriptor has
 * fields this hub does not know. Fields are only ever appended, so the hub
 * must load it and read the fields it knows.
 */
#include "dahub/plugin.h"

/* What a later plugin.h might add after parse. */
struct future_plugin {
  struct dahub_plugin v1;
  int (*reload)(void *state);
  const char *homepage;
  uint64_t reserved[4];
};

static int future_open(const json_t *options, void **state,
                       struct dahub_error *err) {
  (void)options;
  (void)err;
  *state = NULL;
  return 0;
}

static void future_close(void *state) { (void)state; }

static enum dahub_outcome future_parse(void *state, struct dahub_input *in,
                                       const struct dahub_host *host,
                                       struct dahub_ctx *ctx,
                                       struct dahub_error *err) {
  (void)state;
  (void)in;
  (void)host;
  (void)ctx;
  (void)err;
  return DAHUB_FAIL; /* distinctive: a test calls it */
}

static int future_reload(void *state) {
  (void)state;
  return 0;
}

__attribute__((visibility("default")))
const struct future_plugin dahub_plugin_v1 = {
    .v1 =
        {
            .abi_version = DAHUB_ABI_VERSION,
            .struct_size = sizeof(struct future_plugin),
            .name = "tp_future",
            .version = "2.0.0",
            .kind = DAHUB_KIND_SOURCE,
            .open = future_open,
            .close = future_close,
            .parse = future_parse,
        },
    .reload = future_reload,
    .homepage = "https://example.org/tp_future",
};
