/* SPDX-License-Identifier: MIT */
/*
 * Running under a service manager: the pidfile, socket activation (LISTEN_PID) and
 * NOTIFY_SOCKET passing through to the child.
 */
#ifndef PID1_SERVICE_H
#define PID1_SERVICE_H

#include <limits.h>

/* The locked pidfile, held by main(): its directory, its name there, and the file. */
struct pidfile {
	int dirfd; /* -1 when none */
	int fd;	   /* -1 when none */
	char name[NAME_MAX + 1];
};

/*
 * Creates or takes over the pidfile at path, locks it and writes pid1's pid. A symbolic
 * link, a file with more than one link or anything but a regular file is refused, as is a
 * pidfile another pid1 holds (named by its pid). Returns 0, or -1 with out (len bytes)
 * saying why, as service_refuse() words it.
 */
int service_pidfile_open(struct pidfile *pf, const char *path, char *out, size_t len);

/*
 * Writes "cannot WHAT PATH: WHY" to out (len bytes), the path escaped (it may hold anything),
 * for the log at start-up. Returns -1.
 */
int service_refuse(char *out, size_t len, const char *what, const char *path, const char *why);

/* Removes the pidfile, if one was written and its name still leads to it. */
void service_pidfile_remove(struct pidfile *pf);

/*
 * In the child, before exec: when LISTEN_PID names pid1, rewrite it to the child's own pid
 * so socket-activated fds are accepted by the child.
 */
void service_child_env(void);

#endif
