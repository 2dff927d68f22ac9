/* SPDX-License-Identifier: MIT */
/*
 * Opening a file pid1 takes settings from (its config, the programs' environment files)
 * without trusting the path: never blocking on a FIFO or a device, only a regular file, and,
 * as root, only one that root alone can change, in directories root alone can change.
 */
#ifndef PID1_SAFEFILE_H
#define PID1_SAFEFILE_H

#include <stddef.h>

/*
 * Opens path for reading after those checks (as sshd's StrictModes for root). Returns the fd
 * (close-on-exec, non-blocking); -1 when it cannot be opened, errno set (ENOENT: it does not
 * exist) and its text in why (len bytes); -2 when it is refused, with the reason in why,
 * naming a directory when one is at fault.
 */
int safefile_open(const char *path, char *why, size_t len);

/*
 * Reads all of fd, at most max bytes, into a buffer with a NUL after the *len bytes read.
 * Returns it (the caller frees it), or NULL with errno set: EFBIG when the file is larger.
 */
char *safefile_read(int fd, size_t max, size_t *len);

#endif
