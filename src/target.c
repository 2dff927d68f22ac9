// SPDX-License-Identifier: MIT
/*
 * Reaching processes. The scope "all" means kill(-1) when pid1 is PID 1 of a namespace
 * (every process in it but pid1), and every descendant found in /proc when pid1 is only a
 * subreaper, since kill(-1) there would reach the whole machine.
 */
#include "config.h"

#include <sys/types.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target.h"

struct proc {
	pid_t pid, ppid, pgrp;
	bool zombie;
	bool mine;  /* one of pid1's descendants */
	bool known; /* mine has been worked out */
};

/*
 * Reads pid, ppid, process group and state of every process in /proc. Returns a malloc'd
 * array and its length in *n, or NULL when /proc is missing or belongs to another PID
 * namespace (then /proc/self is not our pid and nothing there can be trusted).
 */
static struct proc *read_procs(size_t *n)
{
	struct proc *procs = NULL, *grown;
	size_t cap = 0;
	struct dirent *de;
	char path[64], buf[512], self[32];
	ssize_t len;
	DIR *dir;

	*n = 0;
	len = readlink("/proc/self", self, sizeof(self) - 1);
	if (len < 0)
		return NULL;
	self[len] = '\0';
	if (strtol(self, NULL, 10) != (long)getpid())
		return NULL;
	dir = opendir("/proc");
	if (dir == NULL)
		return NULL;
	while ((de = readdir(dir)) != NULL) {
		struct proc p = {0};
		char state, *close_paren;
		int fd;

		p.pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (p.pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)p.pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* The command name may hold spaces and parentheses: parse after the last ')'. */
		close_paren = strrchr(buf, ')');
		if (close_paren == NULL ||
		    sscanf(close_paren + 1, " %c %d %d", &state, &p.ppid, &p.pgrp) != 3)
			continue;
		p.zombie = state == 'Z' || state == 'X';
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(procs, cap * sizeof(*procs));
			if (grown == NULL)
				break;
			procs = grown;
		}
		procs[(*n)++] = p;
	}
	closedir(dir);
	return procs;
}

static int by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Whether p descends from pid1: walk up the parents, remembering answers on the way. */
static bool descends(struct proc *procs, size_t n, struct proc *p, pid_t self)
{
	struct proc key = {.pid = p->ppid}, *parent;

	if (p->known)
		return p->mine;
	p->known = true; /* a cycle cannot happen, but must not recurse forever either */
	parent = p->ppid == self ? NULL : bsearch(&key, procs, n, sizeof(*procs), by_pid);
	p->mine = p->ppid == self || (parent != NULL && descends(procs, n, parent, self));
	return p->mine;
}

static void mark_descendants(struct proc *procs, size_t n)
{
	pid_t self = getpid();
	size_t i;

	qsort(procs, n, sizeof(*procs), by_pid);
	for (i = 0; i < n; i++)
		descends(procs, n, &procs[i], self);
}

static bool in_scope(const struct pid1_state *st, enum scope scope, const struct proc *p)
{
	if (p->pid == getpid() || p->zombie)
		return false;
	switch (scope) {
	case SCOPE_CHILD:
		return !st->child_exited && p->pid == st->child;
	case SCOPE_GROUP:
		return st->child_pgid > 0 ? p->pgrp == st->child_pgid
					  : !st->child_exited && p->pid == st->child;
	case SCOPE_ALL:
		return st->is_pid1 || p->mine;
	}
	return false;
}

/* Walks /proc and signals (signo > 0) or counts (signo == 0) the live processes in scope. */
static int walk(const struct pid1_state *st, enum scope scope, int signo)
{
	struct proc *procs;
	size_t n, i;
	int hit = 0;

	procs = read_procs(&n);
	if (procs == NULL)
		return -1;
	if (scope == SCOPE_ALL && !st->is_pid1)
		mark_descendants(procs, n);
	for (i = 0; i < n; i++) {
		if (!in_scope(st, scope, &procs[i]))
			continue;
		if (signo == 0 || kill(procs[i].pid, signo) == 0)
			hit++;
	}
	free(procs);
	return hit;
}

int target_signal(const struct pid1_state *st, enum scope scope, int signo)
{
	int hit;

	switch (scope) {
	case SCOPE_GROUP:
		if (st->child_pgid > 0)
			return kill(-st->child_pgid, signo);
		/* The child shares pid1's group: signalling it would hit pid1 too. */
		/* fall through */
	case SCOPE_CHILD:
		if (st->child <= 0 || st->child_exited) {
			errno = ESRCH;
			return -1;
		}
		return kill(st->child, signo);
	case SCOPE_ALL:
		if (st->is_pid1)
			return kill(-1, signo);
		hit = walk(st, scope, signo);
		if (hit > 0)
			return 0;
		errno = hit < 0 ? ENOENT : ESRCH;
		return -1;
	}
	errno = EINVAL;
	return -1;
}

int target_count(const struct pid1_state *st, enum scope scope)
{
	if (scope == SCOPE_CHILD)
		return st->child > 0 && !st->child_exited;
	return walk(st, scope, 0);
}

bool target_empty(const struct pid1_state *st, enum scope scope)
{
	switch (scope) {
	case SCOPE_GROUP:
		/* Signal 0 probes the group without disturbing it. */
		if (st->child_pgid > 0)
			return kill(-st->child_pgid, 0) < 0 && errno == ESRCH;
		/* fall through */
	case SCOPE_CHILD:
		return st->child <= 0 || st->child_exited;
	case SCOPE_ALL:
		return !st->children_left;
	}
	return true;
}

const char *target_scope_name(enum scope scope)
{
	switch (scope) {
	case SCOPE_CHILD:
		return "child";
	case SCOPE_GROUP:
		return "group";
	case SCOPE_ALL:
		return "all";
	}
	return "?";
}
