// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The pid1 authors
 *
 * listenfds: prints what a socket-activated program checks before taking its fds, one
 * "key=value" line each: LISTEN_PID, LISTEN_FDS, its own pid, and whether fd 3 is open.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *none)
{
	const char *value = getenv(name);

	return value != NULL ? value : none;
}

int main(void)
{
	printf("LISTEN_PID=%s\n", env_or("LISTEN_PID", "unset"));
	printf("LISTEN_FDS=%s\n", env_or("LISTEN_FDS", "unset"));
	printf("pid=%ld\n", (long)getpid());
	printf("fd3=%s\n", fcntl(3, F_GETFD) >= 0 ? "open" : "closed");
	return fflush(stdout) == 0 ? 0 : 1;
}
