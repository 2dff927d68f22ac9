// SPDX-License-Identifier: MIT
/*
 * Reading /proc: every process's parent, group and state, and which descend from pid1 (what a
 * subreaper that is not PID 1 must work out, since kill(-1) would reach the whole machine).
 * Walking allocates nothing (getdents64 into the caller's buffer), except the table of every
 * process that finding descendants needs, which is kept for the next walk.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/proctable.h"

/* pid1's own pid, as /proc shows it; set by each walk, so no getpid() per process. */
static pid_t self_pid;

pid_t proctable_self(void)
{
	return self_pid;
}

int proctable_open(struct proc_iter *it)
{
	char self[32];
	ssize_t len;

	len = readlink("/proc/self", self, sizeof(self) - 1);
	if (len < 0)
		return -1;
	self[len] = '\0';
	self_pid = getpid();
	if (strtol(self, NULL, 10) != (long)self_pid)
		return -1;
	it->fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	it->len = it->pos = 0;
	return it->fd < 0 ? -1 : 0;
}

void proctable_close(struct proc_iter *it)
{
	close(it->fd);
	it->fd = -1;
}

/*
 * Pid, parent, process group and state from PID/stat under /proc's fd; false when it is gone.
 * name is the directory's name, all digits: the path is built by hand, as this runs for
 * every process at every walk.
 */
/* The longest comm in /proc/PID/stat: 15 bytes, 63 for a kernel thread's full name. */
#define COMM_MAX 64

static bool proc_read(int procfd, const char *name, pid_t pid, struct proc *p)
{
	char path[32], buf[512], *s, *end;
	size_t n = strnlen(name, sizeof(path) - sizeof("/stat"));
	ssize_t len;
	int fd;

	memcpy(path, name, n);
	memcpy(path + n, "/stat", sizeof("/stat"));
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	/*
	 * "pid (comm) S ppid pgrp ...": comm may hold spaces and ')', so start after the last.
	 * The fields after comm hold none, and comm is at most COMM_MAX bytes: the last ')' is
	 * the first one met going back from there, not from the end of the line.
	 */
	s = buf + (len < (ssize_t)n + 2 + COMM_MAX ? len - 1 : (ssize_t)n + 2 + COMM_MAX);
	while (s > buf && *s != ')')
		s--;
	if (*s != ')' || s[1] != ' ' || s[2] == '\0' || s[3] != ' ')
		return false;
	*p = (struct proc){.pid = pid, .zombie = s[2] == 'Z' || s[2] == 'X'};
	p->ppid = (pid_t)strtol(s + 4, &end, 10);
	if (end == s + 4 || *end != ' ')
		return false;
	s = end + 1;
	p->pgrp = (pid_t)strtol(s, &end, 10);
	return end != s;
}

bool proctable_next(struct proc_iter *it, struct proc *p)
{
	for (;;) {
		const struct dirent64 *de;
		ssize_t got;
		pid_t pid;

		if (it->pos >= it->len) {
			got = getdents64(it->fd, (void *)it->buf, sizeof(it->buf));
			if (got <= 0)
				return false;
			it->len = (size_t)got;
			it->pos = 0;
		}
		de = (const struct dirent64 *)(const void *)(it->buf + it->pos);
		it->pos += de->d_reclen;
		/* Most of /proc is not a process: "acpi", "meminfo" and so on, skipped unparsed. */
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (pid > 0 && proc_read(it->fd, de->d_name, pid, p))
			return true;
	}
}

/* Every process, for working out pid1's descendants: kept and only grown until freed. */
static struct proc *table;
static size_t table_cap;

/* Fills the table from /proc. Returns the count, or -1. */
static ssize_t read_procs(void)
{
	struct proc_iter it;
	struct proc p, *grown;
	size_t n = 0;

	if (proctable_open(&it) < 0)
		return -1;
	while (proctable_next(&it, &p)) {
		if (n == table_cap) {
			size_t cap = table_cap ? table_cap * 2 : 256;

			grown = realloc(table, cap * sizeof(*table));
			if (grown == NULL)
				break;
			table = grown;
			table_cap = cap;
		}
		table[n++] = p;
	}
	proctable_close(&it);
	return (ssize_t)n;
}

static int by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* p's parent in the table, or NULL when it is pid1 or not in the table. */
static struct proc *parent_of(struct proc *procs, size_t n, const struct proc *p, pid_t self)
{
	struct proc key = {.pid = p->ppid};

	return p->ppid == self ? NULL : bsearch(&key, procs, n, sizeof(*procs), by_pid);
}

/*
 * Whether p descends from pid1: up the parents to pid1, a process already judged, or one
 * outside the table, then down the same path with the answer. A loop, not recursion: a
 * program may build a chain of processes as long as its pid limit allows.
 */
static bool descends(struct proc *procs, size_t n, struct proc *p, pid_t self)
{
	struct proc *q, *last = p, *stop;
	bool mine;

	for (q = p; q != NULL && !q->known; q = parent_of(procs, n, q, self)) {
		q->known = true; /* not yet mine: a cycle, which cannot happen, ends here */
		q->mine = false;
		last = q;
	}
	stop = q;
	mine = stop != NULL ? stop->mine : last->ppid == self;
	for (q = p; q != stop; q = parent_of(procs, n, q, self))
		q->mine = mine;
	return mine;
}

ssize_t proctable_read(struct proc **procs)
{
	ssize_t n = read_procs();
	size_t i;

	if (n < 0)
		return -1;
	qsort(table, (size_t)n, sizeof(*table), by_pid);
	for (i = 0; i < (size_t)n; i++)
		descends(table, (size_t)n, &table[i], self_pid);
	*procs = table;
	return n;
}

void proctable_free(void)
{
	free(table);
	table = NULL;
	table_cap = 0;
}
