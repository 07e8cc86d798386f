/*
 * common.h: the one macro every module wants.
 */
#ifndef DAHUB_COMMON_H
#define DAHUB_COMMON_H

#include <stddef.h>

/* The struct that embeds ptr as member (libuv handles live in their owner). */
#define container_of(ptr, type, member)                                        \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
