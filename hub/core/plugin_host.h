/*
 * plugin_host.h: loading plugins safely.
 *
 * A plugin is <plugin_dir>/<name>.so. Before dlopen we check that the file is
 * a regular file (no symlink), that neither it nor its folder can be written
 * by group or others, and that both belong to root or to us; then we load
 * it through the descriptor we opened, so the checked file is the loaded one.
 */
#ifndef DAHUB_PLUGIN_HOST_H
#define DAHUB_PLUGIN_HOST_H

#include "dahub/plugin.h"

struct plugin {
  char path[4096];
  void *handle;
  int fd;                   /* kept open while loaded: see plugin_host.c */
  struct dahub_plugin desc; /* copied, fields beyond struct_size zeroed */
};

/* Loads dir/name.so into p. 0, or negative with err naming the file. */
int plugin_load(const char *dir, const char *name, struct plugin *p,
                struct dahub_error *err);
void plugin_unload(struct plugin *p);

#endif
