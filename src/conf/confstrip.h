/* SPDX-License-Identifier: MIT */
/*
 * The config file's comments removed in place, line numbers kept (conf/confstrip.c).
 */
#ifndef PID1_CONFSTRIP_H
#define PID1_CONFSTRIP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Zero bytes the buffer must have after its text: lines are scanned sixteen bytes at a time. */
#define CONFSTRIP_PAD 16

/*
 * Removes comments in place, keeping their newlines: libconfuse 3.3 counts three lines for
 * each '#' comment, so every line number after one would be wrong. Strings are kept as they
 * are; '//' and '/' '*' begin a comment only where a word could begin, as in libconfuse.
 * A NUL byte in a comment is kept, and what follows it dropped. *blank is cleared when a
 * setting remains. Returns the new length, or -1 with *line set when a '/' '*' comment is
 * not closed.
 */
ssize_t confstrip(char *buf, size_t len, int *line, bool *blank);

#endif
