// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The pid1 authors
 *
 * Running under a service manager: the pidfile (libbsd's locked pidfile), socket
 * activation (LISTEN_PID names the process the fds are for, so it must name the child once
 * pid1 execs it) and NOTIFY_SOCKET, which is left for the child to use.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libutil.h>

#include "service.h"

static struct pidfh *pidfh;

int service_pidfile_open(const char *path)
{
	pid_t other = -1;
	int fd, flags;

	pidfh = pidfile_open(path, 0644, &other);
	if (pidfh == NULL) {
		if (errno == EEXIST && other > 0)
			fprintf(stderr,
				"pid1: cannot create pidfile %s: pid1 already running as PID %ld\n",
				path, (long)other);
		else
			fprintf(stderr, "pid1: cannot create pidfile %s: %s\n", path,
				strerror(errno));
		return -1;
	}
	/* libbsd opens it without O_CLOEXEC; the child must not inherit the lock. */
	fd = pidfile_fileno(pidfh);
	flags = fcntl(fd, F_GETFD);
	if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0 || pidfile_write(pidfh) < 0) {
		fprintf(stderr, "pid1: cannot create pidfile %s: %s\n", path, strerror(errno));
		pidfile_remove(pidfh);
		pidfh = NULL;
		return -1;
	}
	return 0;
}

void service_pidfile_remove(void)
{
	if (pidfh == NULL)
		return;
	pidfile_remove(pidfh);
	pidfh = NULL;
}

/*
 * sd_listen_fds() in the child accepts the fds only when LISTEN_PID is its own pid. A
 * LISTEN_PID naming anyone but pid1 was not meant for us and is left alone, as are
 * LISTEN_FDS, LISTEN_FDNAMES and the fds themselves.
 */
void service_child_env(void)
{
	const char *value = getenv("LISTEN_PID");
	char own[24];
	char *end;
	long pid;

	if (value == NULL)
		return;
	errno = 0;
	pid = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || pid != (long)getppid())
		return;
	snprintf(own, sizeof(own), "%ld", (long)getpid());
	setenv("LISTEN_PID", own, 1);
}
