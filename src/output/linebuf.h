/* SPDX-License-Identifier: MIT */
/*
 * Cutting a program's output into lines, and a line into its labelled form. Pure functions
 * on buffers the caller owns: no system call, no allocation, so unit tests drive them.
 */
#ifndef PID1_LINEBUF_H
#define PID1_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The next line in buf[0..len): returns how many bytes of buf it takes (its newline
 * included), 0 when buf holds no whole line yet; *linelen is its length without the
 * newline. A line longer than max is cut after max bytes, the rest being the next line.
 * With eof, what is left without a newline is a line too.
 */
size_t linebuf_next(const char *buf, size_t len, size_t max, bool eof, size_t *linelen);

/*
 * Writes prefix, line and a newline to out (room bytes). Returns the bytes written, or 0
 * (and writes nothing) when they do not fit.
 */
size_t linebuf_format(char *out, size_t room, const char *prefix, size_t plen, const char *line,
		      size_t linelen);

#endif
