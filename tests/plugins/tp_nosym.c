/*
 * tp_nosym.c: a shared object that exports a descriptor under the wrong
 * name (dahub_plugin, no _v1), as a hand-made plugin might. The host must
 * say it is not a dahub plugin.
 */
#include "dahub/plugin.h"

__attribute__((visibility("default")))
const struct dahub_plugin dahub_plugin = {
    .abi_version = DAHUB_ABI_VERSION,
    .struct_size = sizeof(struct dahub_plugin),
    .name = "tp_nosym",
    .version = "1.0.0",
    .kind = DAHUB_KIND_SOURCE,
};
