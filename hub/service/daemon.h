/*
 * daemon.h: `dahub serve`.
 */
#ifndef DAHUB_DAEMON_H
#define DAHUB_DAEMON_H

#include "runtime.h"

/* Runs until SIGTERM or SIGINT; SIGHUP loads config_path again (with
 * plugin_dir, may be NULL) and swaps it in only if it is whole. log_level
 * (LOG_ERR..LOG_DEBUG) stays for the whole run; -1: each configuration's
 * log_level. rt (heap, loaded) becomes the daemon's, freed by it. 0 on a
 * clean stop, negative when the daemon could not start (the reason is
 * logged). */
int daemon_serve(struct runtime *rt, const char *config_path,
                 const char *plugin_dir, int log_level);

#endif
