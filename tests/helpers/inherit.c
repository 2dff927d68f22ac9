// SPDX-License-Identifier: MIT
/* inherit [CMD...]: prints the signal mask and ignored signals it was started with (hex, as
 * /proc/self/status shows them) and its open fds, then execs CMD if one is given. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int print_status(void)
{
	char line[256];
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (f == NULL) {
		fprintf(stderr, "inherit: cannot open /proc/self/status: %s\n", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "SigBlk:\t0000000000010000" becomes "SigBlk: 0000000000010000". */
		if (strncmp(line, "SigBlk:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0)
			printf("%.7s %s", line, line + 7 + strspn(line + 7, " \t"));
	}
	fclose(f);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The fds open now, sorted, leaving out the one that reads the listing. */
static int print_fds(void)
{
	int fds[1024];
	size_t n = 0, i;
	struct dirent *d;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (dir == NULL) {
		fprintf(stderr, "inherit: cannot open /proc/self/fd: %s\n", strerror(errno));
		return -1;
	}
	while ((d = readdir(dir)) != NULL && n < sizeof(fds) / sizeof(fds[0])) {
		if (d->d_name[0] == '.')
			continue;
		fds[n] = atoi(d->d_name);
		if (fds[n] != dirfd(dir))
			n++;
	}
	closedir(dir);
	qsort(fds, n, sizeof(fds[0]), cmp_int);
	printf("fds:");
	for (i = 0; i < n; i++)
		printf(" %d", fds[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (print_status() < 0 || print_fds() < 0)
		return 1;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "inherit: cannot write: %s\n", strerror(errno));
		return 1;
	}
	if (argc < 2)
		return 0;
	execvp(argv[1], argv + 1);
	fprintf(stderr, "inherit: cannot run %s: %s\n", argv[1], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
