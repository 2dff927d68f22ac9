/* SPDX-License-Identifier: MIT */
/*
 * The ready file (ready-file): pid1's own readiness told to probes that can only test a path
 * (Kubernetes' exec probe with test -e, a healthcheck script), as readiness/manager.c tells it
 * to systemd. It exists exactly while pid1 is ready.
 */
#ifndef PID1_READYFILE_H
#define PID1_READYFILE_H

#include <stdbool.h>

/*
 * At start-up: opens path's directory (creating it, 0755, when only it is missing), checks
 * it, and removes a name left over from an earlier run. Returns 0, or -1 after printing why.
 */
int readyfile_open(const char *path);

/* Whether there is a ready file to keep. */
bool readyfile_active(void);

/* Creates the file (ready) or removes it (not ready); a no-op when nothing changes. */
void readyfile_set(bool ready);

/* Removes the file and lets the directory go (at exit). */
void readyfile_close(void);

#endif
