/* SPDX-License-Identifier: MIT */
/*
 * Running under a service manager: the pidfile, socket activation (LISTEN_PID) and
 * NOTIFY_SOCKET passing through to the child.
 */
#ifndef PID1_SERVICE_H
#define PID1_SERVICE_H

/* Creates and locks the pidfile (libbsd pidfile_open). Returns 0, or -1 after printing why. */
int service_pidfile_open(const char *path);

/* Removes the pidfile, if one was written. */
void service_pidfile_remove(void);

/*
 * In the child, before exec: when LISTEN_PID names pid1, rewrite it to the child's own pid
 * so socket-activated fds are accepted by the child.
 */
void service_child_env(void);

#endif
