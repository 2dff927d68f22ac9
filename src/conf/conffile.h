/* SPDX-License-Identifier: MIT */
/*
 * The config file as bytes: opened and checked (a regular file, as root one only root can
 * change), read whole, and stripped of comments, giving the text libconfuse parses.
 * Also the one place that prints the file's errors, escaped.
 */
#ifndef PID1_CONFFILE_H
#define PID1_CONFFILE_H

#include <stddef.h>

/*
 * Returns the text of the file at path without its comments, *len bytes (0 for a file with
 * nothing but comments, blanks and newlines) in a buffer to free, or NULL after printing why
 * on stderr.
 */
char *conffile_read(const char *path, size_t *len);

/* Prints "pid1: PATH:LINE: MSG" on stderr (no ":LINE" when line is 0), escaped. */
void conffile_error(const char *path, int line, const char *msg);

#endif
