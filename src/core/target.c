// SPDX-License-Identifier: MIT
/*
 * Reaching processes: the programs, their process groups, or everything. Programs are
 * signalled from the highest level down, so what comes after another hears first. The scope
 * "all" means kill(-1) when pid1 is PID 1 of a namespace (every process in it but pid1), and every
 * descendant found in /proc (core/proctable.c) when pid1 is only a subreaper, since kill(-1) there
 * would reach the whole machine.
 *
 * Distrusted: group numbers. Once a program's leader is reaped and its group is empty, the
 * kernel may give the number to any process, which may lead a group of its own with it. A
 * group is therefore signalled through a pidfd of its leader, which names the group itself
 * (Linux 6.9's PIDFD_SIGNAL_PROCESS_GROUP), and forgotten once seen empty after its leader;
 * on older kernels by number, and only while that is all pid1 can do: see group_kill().
 */
#include "config.h"

#include <sys/syscall.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "core/proctable.h"
#include "core/target.h"

#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP (1U << 2)
#endif

/*
 * Whether the kernel signals a group through a pidfd: cleared when the call is refused
 * (EINVAL before Linux 6.9; ENOSYS or EPERM from a seccomp filter, or under a valgrind that
 * does not know it), as seen at a probe each spawn makes, or EINVAL or ENOSYS later.
 */
static bool pidfd_groups = true;

/* Takes an error of the pidfd calls for the kernel's (or a filter's) refusal of them. */
static bool refuses(int err)
{
	if (err == EINVAL || err == ENOSYS)
		pidfd_groups = false;
	return !pidfd_groups;
}

static int pidfd_signal(int fd, int signo)
{
#ifdef SYS_pidfd_send_signal
	return (int)syscall(SYS_pidfd_send_signal, fd, signo, NULL, PIDFD_SIGNAL_PROCESS_GROUP);
#else
	(void)fd;
	(void)signo;
	errno = ENOSYS;
	return -1;
#endif
}

void target_spawned(struct program *p, pid_t pid)
{
	if (p->group.id > 0 && p->group.fd >= 0)
		close(p->group.fd);
	p->group.id = p->spawn.own_group ? pid : 0;
	p->group.fd = -1;
#ifdef SYS_pidfd_open
	/* Not reaped yet, so pid is still ours: the pidfd cannot name anyone else. */
	if (p->group.id > 0 && pidfd_groups) {
		p->group.fd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (p->group.fd < 0 && (errno == ENOSYS || errno == EPERM))
			pidfd_groups = false; /* older than Linux 5.3, or filtered: not again */
	}
#endif
	/*
	 * pid1's own child, unreaped, must answer a probe: anything but that or ESRCH (a new
	 * session it has not made yet) is a refusal of the call itself, EPERM from a filter
	 * included, which later would read as a group pid1 may not signal.
	 */
	if (p->group.fd >= 0 && pidfd_signal(p->group.fd, 0) < 0 && errno != ESRCH)
		pidfd_groups = false;
	if (p->group.fd >= 0 && !pidfd_groups) {
		close(p->group.fd);
		p->group.fd = -1;
	}
}

/* pid1 lets go of p's group: seen empty after its leader, it is nobody's to signal now. */
static void forget(struct program *p)
{
	if (p->group.fd >= 0)
		close(p->group.fd);
	p->group.id = 0;
	p->group.fd = -1;
}

/*
 * Sends signo (0: probes) to p's group as such: through its pidfd when the kernel can, else by
 * number. Returns 0, or -1 with errno (ESRCH: the group is empty).
 */
static int group_send(const struct program *p, int signo)
{
	if (p->group.fd >= 0 && pidfd_groups) {
		if (pidfd_signal(p->group.fd, signo) == 0)
			return 0;
		if (!refuses(errno))
			return -1;
	}
	return kill(-p->group.id, signo);
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

/*
 * Whether p is in a program's process group, or is a program sharing pid1's group. Once the
 * program itself is gone its group may live on in what it left behind, but if that ends too
 * the kernel may hand the number to another process, which can lead a group of its own: a
 * member counts only while it descends from pid1 (p->mine, from a whole-table walk).
 */
static bool in_program_group(const struct pid1_state *st, const struct proc *p)
{
	const struct program *prog;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		prog = &st->programs[i];
		if (prog->group.id > 0 ? p->pgrp == prog->group.id && (prog->pid > 0 || p->mine)
				       : program_running(prog) && p->pid == prog->pid)
			return true;
	}
	return false;
}

/* Whether a live process of group pgid descends from pid1; true when /proc cannot tell. */
static bool group_ours(pid_t pgid)
{
	struct proc *procs;
	ssize_t n = proctable_read(&procs), i;

	if (n < 0)
		return true;
	for (i = 0; i < n; i++)
		if (procs[i].pgrp == pgid && procs[i].mine && !procs[i].zombie)
			return true;
	return false;
}

static bool in_scope(const struct pid1_state *st, enum scope scope, const struct proc *p)
{
	if (p->pid == proctable_self() || p->zombie)
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
	struct proc p, *procs;
	ssize_t n, i;
	int hit = 0;

	/* Descendants need the whole table; everything else is decided one process at a time. */
	if ((scope == SCOPE_ALL && !st->is_pid1) || scope == SCOPE_GROUP) {
		n = proctable_read(&procs);
		if (n < 0)
			return -1;
		for (i = 0; i < n; i++)
			hit += visit(st, scope, signo, &procs[i]);
		return hit;
	}
	if (proctable_open(&it) < 0)
		return -1;
	while (proctable_next(&it, &p))
		hit += visit(st, scope, signo, &p);
	proctable_close(&it);
	return hit;
}

/*
 * Sends signo to p's group. While its leader is not reaped the number is the group's; after,
 * the pidfd still names it alone. By number (older kernels), pid1 relies on forgetting the
 * group as soon as it is seen empty (target_settle), and on a live member descending from
 * pid1, which a stranger entered from outside does not, as a guard for the moments between.
 */
static int group_kill(const struct program *p, int signo)
{
	if (p->pid == 0 && (p->group.fd < 0 || !pidfd_groups)) {
		if (kill(-p->group.id, 0) < 0)
			return -1; /* errno from the probe: ESRCH when empty */
		if (!group_ours(p->group.id)) {
			errno = ESRCH;
			return -1;
		}
	}
	return group_send(p, signo);
}

/*
 * Sends signo to one program: its group when it has one and group is asked, else its pid
 * while it is not reaped. Returns 1 when something was reached, 0 otherwise (errno set).
 */
static int signal_program(const struct program *p, bool group, int signo)
{
	if (group && p->group.id > 0)
		return group_kill(p, signo) == 0;
	/* A program sharing pid1's group: signalling the group would hit pid1 too. */
	if (!program_running(p) || p->pid == 0) {
		errno = ESRCH;
		return 0;
	}
	return kill(p->pid, signo) == 0;
}

bool target_waits(const struct pid1_state *st, const struct program *p)
{
	if (p->group.id <= 0)
		return false;
	if (p->state != PROGRAM_KILLING &&
	    (p->state != PROGRAM_STOPPING || st->conf->shutdown.scope == SCOPE_CHILD))
		return false;
	return group_send(p, 0) == 0 || errno == EPERM;
}

void target_settle(const struct pid1_state *st)
{
	struct program *p;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (p->group.id > 0 && p->pid == 0 && group_send(p, 0) < 0 && errno == ESRCH)
			forget(p);
	}
}

int target_signal_program(const struct program *p, int signo)
{
	return signal_program(p, true, signo) ? 0 : -1;
}

/* Whether names (NULL-terminated) is NULL, for all, or has name. */
static bool named(char *const *names, const char *name)
{
	for (; names != NULL && *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return names == NULL;
}

/*
 * Sends signo to the programs of level (-1: every level, the highest first) that names has
 * (NULL: all), or their own stop-signal to those that have one when first; 0 when one was
 * reached.
 */
static int signal_programs(const struct pid1_state *st, int level, bool group, int signo,
			   bool first, char *const *names)
{
	const struct program *p;
	int hit = 0, err = ESRCH, l;
	size_t i;

	for (l = level >= 0 ? level : st->max_level; l >= 0 && (level < 0 || l == level); l--) {
		for (i = 0; i < st->nprograms; i++) {
			p = &st->programs[i];
			if (p->level != l || !named(names, p->name))
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
		return signal_programs(st, -1, scope == SCOPE_GROUP, signo, false, NULL);
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

int target_signal_named(const struct pid1_state *st, enum scope scope, char *const *names,
			int signo)
{
	return signal_programs(st, -1, scope != SCOPE_CHILD, signo, false, names);
}

int target_signal_level(const struct pid1_state *st, int level, int signo, bool first)
{
	return signal_programs(st, level, st->conf->shutdown.scope != SCOPE_CHILD, signo, first,
			       NULL);
}

static int signal_set(const struct pid1_state *st, const struct target_set *set, int signo,
		      bool first)
{
	if (set->program != NULL)
		return target_signal_program(set->program, signo);
	if (set->level >= 0)
		return target_signal_level(st, set->level, signo, first);
	return target_signal(st, set->scope, signo);
}

int target_step(const struct pid1_state *st, const struct target_set *set, int signo)
{
	int rc = signal_set(st, set, signo, set->first), err = errno;

	if (signo != SIGKILL && signo != SIGCONT)
		signal_set(st, set, SIGCONT, false);
	errno = err;
	return rc;
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
		if (p->group.id > 0 ? !(!signal_program(p, true, 0) && errno == ESRCH)
				    : program_running(p))
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
	proctable_free();
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
