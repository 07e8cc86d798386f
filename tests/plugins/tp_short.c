/*
 * tp_short.c: a descriptor that claims to end before parse, as if built
 * from a header older than ABI version 1 allows. The host must refuse it
 * rather than read a parse pointer the plugin never promised.
 */
#include <stddef.h>

#include "dahub/plugin.h"

static int short_open(const json_t *options, void **state,
                      struct dahub_error *err) {
  (void)options;
  (void)err;
  *state = NULL;
  return 0;
}

static void short_close(void *state) { (void)state; }

__attribute__((visibility("default")))
const struct dahub_plugin dahub_plugin_v1 = {
    .abi_version = DAHUB_ABI_VERSION,
    .struct_size = offsetof(struct dahub_plugin, parse),
    .name = "tp_short",
    .version = "1.0.0",
    .kind = DAHUB_KIND_SOURCE,
    .open = short_open,
    .close = short_close,
};
