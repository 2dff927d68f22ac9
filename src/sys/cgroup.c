// SPDX-License-Identifier: MIT
/*
 * The OOM-kill count of pid1's memory cgroup (see cgroup.h). Only cgroupfs and procfs files
 * are read, each with one bounded read without waiting: nothing a program controls.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/cgroup.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* Reads at most len - 1 bytes of path into buf, NUL-terminated: the byte count, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The "oom_kill N" line of a memory.events or memory.oom_control file. */
static int read_count(const char *path, uint64_t *count)
{
	char buf[1024], *line, *end;

	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = buf; line != NULL; line = (line = strchr(line, '\n')) ? line + 1 : NULL) {
		if (strncmp(line, "oom_kill ", 9) != 0)
			continue;
		errno = 0;
		*count = strtoull(line + 9, &end, 10);
		return errno == 0 && end != line + 9 ? 0 : -1;
	}
	errno = ENOENT; /* a kernel before 4.13 (v1) counts no OOM kills */
	return -1;
}

/* Whether one of the comma-separated controllers is memory. */
static bool has_memory(const char *list, size_t n)
{
	const char *p = list, *comma;

	while (p < list + n) {
		comma = memchr(p, ',', (size_t)(list + n - p));
		if (comma == NULL)
			comma = list + n;
		if (comma - p == 6 && memcmp(p, "memory", 6) == 0)
			return true;
		p = comma + 1;
	}
	return false;
}

/* a, the first n bytes of b, and c in buf; false when too long. Start-up pays no snprintf. */
static bool join(char *buf, size_t len, const char *a, const char *b, size_t n, const char *c)
{
	size_t la = strlen(a), lc = strlen(c);

	if (la + n + lc >= len)
		return false;
	memcpy(buf, a, la);
	memcpy(buf + la, b, n);
	memcpy(buf + la + n, c, lc + 1);
	return true;
}

/* Tries the cgroup's own directory under mount, then the mount's root; file starts with '/'. */
static int try_file(struct cgroup_oom *c, const char *mount, const char *dir, size_t dirlen,
		    const char *file)
{
	if (join(c->path, sizeof(c->path), mount, dir, dirlen, file) &&
	    read_count(c->path, &c->seen) == 0)
		return 0;
	if (join(c->path, sizeof(c->path), mount, "", 0, file) &&
	    read_count(c->path, &c->seen) == 0)
		return 0;
	c->path[0] = '\0';
	return -1;
}

int cgroup_oom_find(struct cgroup_oom *c, const char *root, const char *cgroups)
{
	const char *line, *nl, *a, *b, *dir2 = NULL;
	char mount[PATH_MAX];
	size_t len2 = 0;

	c->path[0] = '\0';
	c->seen = 0;
	/* "ID:controllers:path" a line; v1's memory controller wins over v2's unified line. */
	for (line = cgroups; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line);
		a = memchr(line, ':', (size_t)(nl - line));
		b = a != NULL ? memchr(a + 1, ':', (size_t)(nl - a - 1)) : NULL;
		if (b != NULL && b == a + 1 && a - line == 1 && line[0] == '0') {
			dir2 = b + 1;
			len2 = (size_t)(nl - dir2);
		} else if (b != NULL && has_memory(a + 1, (size_t)(b - a - 1))) {
			if (!join(mount, sizeof(mount), root, "/memory", 7, ""))
				return -1;
			return try_file(c, mount, b + 1, (size_t)(nl - b - 1),
					"/memory.oom_control");
		}
		if (*nl == '\0')
			break;
	}
	if (dir2 == NULL)
		return -1;
	return try_file(c, root, dir2, len2, "/memory.events");
}

int cgroup_oom_open(struct cgroup_oom *c)
{
	char buf[4096];

	c->path[0] = '\0';
	c->seen = 0;
	if (read_small("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return -1;
	return cgroup_oom_find(c, CGROUP_ROOT, buf);
}

bool cgroup_oom_rose(struct cgroup_oom *c)
{
	uint64_t now;

	if (c->path[0] == '\0' || read_count(c->path, &now) < 0 || now <= c->seen)
		return false;
	c->seen = now;
	return true;
}
