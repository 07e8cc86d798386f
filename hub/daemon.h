/*
 * daemon.h: `dahub serve`.
 */
#ifndef DAHUB_DAEMON_H
#define DAHUB_DAEMON_H

#include "runtime.h"

/* Runs until SIGTERM or SIGINT. 0 on a clean stop, negative when the
 * daemon could not start (the reason is logged). */
int daemon_serve(struct runtime *rt);

#endif
