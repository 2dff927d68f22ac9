// SPDX-License-Identifier: MIT
/* orphans N: leaves N orphaned processes that all exit at the same moment, so their parent
 * of adoption must reap a burst of zombies; then prints "orphaned N" and exits 0. */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ORPHANS 50000

/* fork(), retried for up to five seconds while the kernel is short of processes. */
static pid_t fork_retry(void)
{
	const struct timespec pause_ts = {0, 10 * 1000 * 1000};
	pid_t pid;
	int tries;

	for (tries = 0; tries < 500; tries++) {
		pid = fork();
		if (pid >= 0 || errno != EAGAIN)
			return pid;
		nanosleep(&pause_ts, NULL);
	}
	return -1;
}

/*
 * The intermediate process: forks n processes that block on the barrier pipe, then exits
 * so they become orphans. Every one holds only the read end, so they all see end-of-file
 * when the original process closes the last write end.
 */
static int spawn_orphans(long n, int rd, int wr)
{
	int nul;
	char c;
	long i;

	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0) {
		fprintf(stderr, "orphans: cannot open /dev/null: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		switch (fork_retry()) {
		case -1:
			fprintf(stderr, "orphans: fork %ld of %ld: %s\n", i + 1, n,
				strerror(errno));
			return 1;
		case 0:
			/* Keep no pipe or terminal of the caller open past its own exit. */
			close(wr);
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			while (read(rd, &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		default:
			break;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int barrier[2], wstatus;
	char *end;
	long n;
	pid_t pid;

	n = argc == 2 ? strtol(argv[1], &end, 10) : -1;
	if (argc != 2 || *argv[1] == '\0' || *end != '\0' || n < 0 || n > MAX_ORPHANS) {
		fprintf(stderr, "usage: orphans N (0 to %d)\n", MAX_ORPHANS);
		return 2;
	}
	if (pipe2(barrier, O_CLOEXEC) < 0) {
		fprintf(stderr, "orphans: pipe: %s\n", strerror(errno));
		return 1;
	}
	pid = fork_retry();
	if (pid < 0) {
		fprintf(stderr, "orphans: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0)
		_exit(spawn_orphans(n, barrier[0], barrier[1]));
	close(barrier[0]);
	while (waitpid(pid, &wstatus, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "orphans: waitpid: %s\n", strerror(errno));
			return 1;
		}
	}
	/* The intermediate is gone, so every process it made is an orphan: release them all. */
	close(barrier[1]);
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		return 1;
	printf("orphaned %ld\n", n);
	return 0;
}
