// SPDX-License-Identifier: MIT
/*
 * Reaching processes: the programs, their process groups, or everything. Programs are
 * signalled from the highest level down, so what comes after another hears first. The scope
 * "all" means kill(-1) when pid1 is PID 1 of a namespace (every process in it but pid1), and every
 * descendant found in /proc when pid1 is only a subreaper, since kill(-1) there would reach the
 * whole machine. Walking /proc allocates nothing (getdents64 into a buffer on the stack), except
 * the table of every process that finding descendants needs, which is kept for the next walk.
 */
#include "config.h"

#include <sys/types.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
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

/* pid1's own pid, as /proc shows it; set by each walk, so no getpid() per process. */
static pid_t self_pid;

/* Reads /proc with getdents64 into its own buffer: no DIR, so no allocation per walk. */
struct proc_iter {
	int fd;
	size_t len, pos;
	_Alignas(struct dirent64) char buf[4096];
};

/*
 * Opens /proc for proc_next(). Returns 0, or -1 when /proc is missing or belongs to another
 * PID namespace (then /proc/self is not our pid and nothing there can be trusted).
 */
static int proc_open(struct proc_iter *it)
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

/* Pid, parent, process group and state from /proc/PID/stat; false when it is gone. */
static bool proc_read(pid_t pid, struct proc *p)
{
	char path[32], buf[512], *s, *end;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	/* "pid (comm) S ppid pgrp ...": comm may hold spaces and ')', so start after the last. */
	s = strrchr(buf, ')');
	if (s == NULL || s[1] != ' ' || s[2] == '\0' || s[3] != ' ')
		return false;
	*p = (struct proc){.pid = pid, .zombie = s[2] == 'Z' || s[2] == 'X'};
	p->ppid = (pid_t)strtol(s + 4, &end, 10);
	if (end == s + 4 || *end != ' ')
		return false;
	s = end + 1;
	p->pgrp = (pid_t)strtol(s, &end, 10);
	return end != s;
}

/* The next process in /proc; false at the end. */
static bool proc_next(struct proc_iter *it, struct proc *p)
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
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (pid > 0 && proc_read(pid, p))
			return true;
	}
}

/* Every process, for working out pid1's descendants: kept and only grown until target_free(). */
static struct proc *table;
static size_t table_cap;

/* Fills the table from /proc; walks after the first allocate nothing. Returns the count, or -1. */
static ssize_t read_procs(void)
{
	struct proc_iter it;
	struct proc p, *grown;
	size_t n = 0;

	if (proc_open(&it) < 0)
		return -1;
	while (proc_next(&it, &p)) {
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
	close(it.fd);
	return (ssize_t)n;
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
	size_t i;

	qsort(procs, n, sizeof(*procs), by_pid);
	for (i = 0; i < n; i++)
		descends(procs, n, &procs[i], self_pid);
}

/* Whether pid is one of the programs' live processes. */
static bool is_program(const struct pid1_state *st, pid_t pid)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (program_running(&st->programs[i]) && st->programs[i].pid == pid)
			return true;
	return false;
}

/* Whether p is in a program's process group, or is a program sharing pid1's group. */
static bool in_program_group(const struct pid1_state *st, const struct proc *p)
{
	const struct program *prog;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		prog = &st->programs[i];
		if (prog->pgid > 0 ? p->pgrp == prog->pgid
				   : program_running(prog) && p->pid == prog->pid)
			return true;
	}
	return false;
}

static bool in_scope(const struct pid1_state *st, enum scope scope, const struct proc *p)
{
	if (p->pid == self_pid || p->zombie)
		return false;
	switch (scope) {
	case SCOPE_CHILD:
		return is_program(st, p->pid);
	case SCOPE_GROUP:
		return in_program_group(st, p);
	case SCOPE_ALL:
		return st->is_pid1 || p->mine;
	}
	return false;
}

/* A kill the walk made was refused (EPERM): reported when no kill succeeded. */
static bool refused;

/* Signals (signo > 0) or counts (signo == 0) p if it is a live process in scope. */
static int visit(const struct pid1_state *st, enum scope scope, int signo, const struct proc *p)
{
	if (!in_scope(st, scope, p))
		return 0;
	if (signo == 0 || kill(p->pid, signo) == 0)
		return 1;
	refused |= errno == EPERM;
	return 0;
}

/* Walks /proc and signals or counts the live processes in scope; -1 when it cannot. */
static int walk(const struct pid1_state *st, enum scope scope, int signo)
{
	struct proc_iter it;
	struct proc p;
	ssize_t n, i;
	int hit = 0;

	/* Descendants need the whole table; everything else is decided one process at a time. */
	if (scope == SCOPE_ALL && !st->is_pid1) {
		n = read_procs();
		if (n < 0)
			return -1;
		mark_descendants(table, (size_t)n);
		for (i = 0; i < n; i++)
			hit += visit(st, scope, signo, &table[i]);
		return hit;
	}
	if (proc_open(&it) < 0)
		return -1;
	while (proc_next(&it, &p))
		hit += visit(st, scope, signo, &p);
	close(it.fd);
	return hit;
}

/*
 * Sends signo to one program: its group when it has one and group is asked, else its pid
 * while it is not reaped. Returns 1 when something was reached, 0 otherwise (errno set).
 */
static int signal_program(const struct program *p, bool group, int signo)
{
	if (group && p->pgid > 0)
		return kill(-p->pgid, signo) == 0;
	/* A program sharing pid1's group: signalling the group would hit pid1 too. */
	if (!program_running(p)) {
		errno = ESRCH;
		return 0;
	}
	return kill(p->pid, signo) == 0;
}

int target_signal_program(const struct program *p, int signo)
{
	return signal_program(p, true, signo) ? 0 : -1;
}

/*
 * Sends signo to the programs of level (-1: every level, the highest first), or their own
 * stop-signal to those that have one when first; 0 when one was reached.
 */
static int signal_programs(const struct pid1_state *st, int level, bool group, int signo,
			   bool first)
{
	const struct program *p;
	int hit = 0, err = ESRCH, l;
	size_t i;

	for (l = level >= 0 ? level : st->max_level; l >= 0 && (level < 0 || l == level); l--) {
		for (i = 0; i < st->nprograms; i++) {
			p = &st->programs[i];
			if (p->level != l)
				continue;
			if (signal_program(p, group,
					   first && p->stop_signal ? p->stop_signal : signo))
				hit++;
			else if (errno != ESRCH)
				err = errno;
		}
	}
	if (hit > 0)
		return 0;
	errno = err;
	return -1;
}

int target_signal(const struct pid1_state *st, enum scope scope, int signo)
{
	int hit;

	switch (scope) {
	case SCOPE_GROUP:
	case SCOPE_CHILD:
		return signal_programs(st, -1, scope == SCOPE_GROUP, signo, false);
	case SCOPE_ALL:
		if (st->is_pid1)
			return kill(-1, signo);
		refused = false;
		hit = walk(st, scope, signo);
		if (hit > 0)
			return 0;
		errno = hit < 0 ? ENOENT : refused ? EPERM : ESRCH;
		return -1;
	}
	errno = EINVAL;
	return -1;
}

int target_signal_level(const struct pid1_state *st, int level, int signo, bool first)
{
	return signal_programs(st, level, st->conf->shutdown.scope == SCOPE_GROUP, signo, first);
}

/* Running programs of level (-1: all). */
static int count_programs(const struct pid1_state *st, int level)
{
	int n = 0;
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if ((level < 0 || st->programs[i].level == level) &&
		    program_running(&st->programs[i]))
			n++;
	return n;
}

int target_count_level(const struct pid1_state *st, int level)
{
	return count_programs(st, level);
}

int target_count(const struct pid1_state *st, enum scope scope)
{
	if (scope == SCOPE_CHILD)
		return count_programs(st, -1);
	return walk(st, scope, 0);
}

/* Whether every program's group is empty; signal 0 probes without disturbing it. */
static bool groups_empty(const struct pid1_state *st)
{
	const struct program *p;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (p->pgid > 0 ? !(kill(-p->pgid, 0) < 0 && errno == ESRCH) : program_running(p))
			return false;
	}
	return true;
}

bool target_empty(const struct pid1_state *st, enum scope scope)
{
	switch (scope) {
	case SCOPE_GROUP:
		return groups_empty(st);
	case SCOPE_CHILD:
		return count_programs(st, -1) == 0;
	case SCOPE_ALL:
		if (st->children_left)
			return false;
		/* As PID 1, kill(-1) also reaches processes that are not our children. */
		return !st->is_pid1 || walk(st, scope, 0) <= 0;
	}
	return true;
}

void target_free(void)
{
	free(table);
	table = NULL;
	table_cap = 0;
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
