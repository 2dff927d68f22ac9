/* SPDX-License-Identifier: MIT */
/*
 * Wait status -> exit code, the way a shell reports it, and the exit-code remaps.
 */
#ifndef PID1_EXITCODE_H
#define PID1_EXITCODE_H

/* Exit codes pid1 uses for itself; documented in pid1.8 EXIT STATUS. */
#define EXIT_START_FAILED   1 /* pid1 could not start the child (fork failed...) */
#define EXIT_USAGE	    2 /* bad usage or configuration; child never started */
#define EXIT_NOT_EXECUTABLE 126
#define EXIT_NOT_FOUND	    127

/* Wait statuses made up by hand; glibc defines these, musl does not. */
#ifndef W_EXITCODE
#define W_EXITCODE(code, sig) ((code) << 8 | (sig))
#endif
#ifndef WCOREFLAG
#define WCOREFLAG 0x80
#endif
#ifndef W_STOPCODE
#define W_STOPCODE(sig) ((sig) << 8 | 0x7f)
#endif

#include <stddef.h>

/* "exited with status 3" or "killed by SIGKILL" for a wait status, for the log. */
const char *exitcode_describe(int status, char *buf, size_t len);

/* A wait status as a shell would report it: the exit code, or 128+N when killed by N. */
int exitcode_from_status(int wstatus);

/* Applies a remap table of 256 entries (-1 = unchanged) to code. */
int exitcode_remap(const int map[256], int code);

#endif
