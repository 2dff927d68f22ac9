/* SPDX-License-Identifier: MIT */
/*
 * Paths that name an open fd through /proc/self/fd, built by hand: pid1 makes them at every
 * start-up, where snprintf() costs a thousand instructions a call.
 */
#ifndef PID1_FDPATH_H
#define PID1_FDPATH_H

#include <stddef.h>

/*
 * Writes "/proc/self/fd/FD", with "/NAME" after it when name is not NULL, into buf of size
 * bytes. Returns the length, or size or more (buf then holds nothing usable) when it does
 * not fit or fd is negative.
 */
size_t fdpath(char *buf, size_t size, int fd, const char *name);

#endif
