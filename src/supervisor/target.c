// SPDX-License-Identifier: MIT
/*
 * Reaching processes: the programs, their process groups, or everything. Programs are
 * signalled from the highest level down, so what comes after another hears first. The scope
 * "all" means kill(-1) when pid1 is PID 1 of a namespace (every process in it but pid1), and
 * every descendant found in /proc when pid1 is only a subreaper, since kill(-1) there would
 * reach the whole machine.
 *
 * Distrusted: group numbers. Once a program's leader is reaped and its group is empty, the
 * kernel may give the number to any process, which may lead a group of its own with it. A
 * group is therefore signalled through a pidfd of its leader, which names the group itself
 * (Linux 6.9's PIDFD_SIGNAL_PROCESS_GROUP), and forgotten once seen empty after its leader;
 * on older kernels by number, and only while that is all pid1 can do: see group_kill().
 * And /proc itself: one that belongs to another PID namespace is not read at all.
 *
 * Processes pid1 may not signal: kill(2) lets it reach a process of another user only with
 * CAP_KILL, which a container started with --cap-drop ALL lacks (a `docker exec -u` session,
 * or a non-root pid1 beside a root one). kill(-1) passes over them in silence, so they are
 * not counted as left either: the ladder would wait out every grace for them in vain. Each
 * is named once in the log, with its user, so that it is clear why the runtime kills it.
 *
 * Reaping. Signals coalesce: one SIGCHLD may stand for a thousand exits, so every wake-up
 * calls waitpid(-1, WNOHANG) until nothing is left. A program's end goes to the supervisor
 * at once, which is what keeps pid1 from ever signalling a reaped pid; it acts on it only
 * after the reaping is done.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "core/child.h"
#include "supervisor/supervise.h"
#include "core/log.h"
#include "sys/privs.h"

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

/*
 * The processes pid1 has said it cannot signal, each told once: a shutdown counts what is
 * left at every step and tick. Once full, nothing more is told.
 */
static struct {
	pid_t pids[32];
	size_t n;
} told;

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

/* A process as /proc shows it. */
struct proc {
	pid_t pid, ppid, pgrp;
	bool zombie;
	bool mine;  /* one of pid1's descendants */
	bool known; /* mine has been worked out */
};

/* A walk of /proc with getdents64 into its own buffer: no DIR, so no allocation per walk. */
struct proc_iter {
	int fd;
	pid_t self; /* pid1's own pid, as /proc shows it: no getpid() per process */
	size_t len, pos;
	_Alignas(struct dirent64) char buf[4096];
};

/* Opens /proc; -1 when it is missing or another PID namespace's (/proc/self is not us). */
static int proc_open(struct proc_iter *it)
{
	char self[32];
	ssize_t len;

	len = readlink("/proc/self", self, sizeof(self) - 1);
	if (len < 0)
		return -1;
	self[len] = '\0';
	it->self = getpid();
	if (strtol(self, NULL, 10) != (long)it->self)
		return -1;
	it->fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	it->len = it->pos = 0;
	return it->fd < 0 ? -1 : 0;
}

/* The longest comm in /proc/PID/stat: 15 bytes, 63 for a kernel thread's full name. */
#define COMM_MAX 64

/*
 * Pid, parent, process group and state from PID/stat under /proc's fd; false when it is gone.
 * name is the directory's name, all digits: the path is built by hand, as this runs for
 * every process at every walk.
 */
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

/* The next process in /proc; false at the end, when /proc's fd is closed. */
static bool proc_next(struct proc_iter *it, struct proc *p)
{
	const struct dirent64 *de;
	ssize_t got;
	pid_t pid;

	for (;;) {
		if (it->pos >= it->len) {
			got = getdents64(it->fd, (void *)it->buf, sizeof(it->buf));
			if (got <= 0) {
				close(it->fd);
				return false;
			}
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

/*
 * Every process, each marked mine when it descends from pid1, in *procs (the caller frees
 * it; a walk is rare, and its reads of every process cost far more than the allocation).
 * Returns the count, or -1.
 */
static ssize_t proc_table(struct proc **procs, pid_t *self)
{
	struct proc_iter it;
	struct proc p, *table = NULL, *grown;
	size_t n = 0, cap = 0, i;

	if (proc_open(&it) < 0)
		return -1;
	while (proc_next(&it, &p)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			grown = reallocarray(table, cap, sizeof(*table));
			if (grown == NULL) {
				close(it.fd);
				break;
			}
			table = grown;
		}
		table[n++] = p;
	}
	if (n > 0)
		qsort(table, n, sizeof(*table), by_pid);
	for (i = 0; i < n; i++)
		descends(table, n, &table[i], it.self);
	*procs = table;
	*self = it.self;
	return (ssize_t)n;
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
	pid_t self;
	ssize_t n = proc_table(&procs, &self), i;
	bool ours = n < 0;

	for (i = 0; i < n && !ours; i++)
		ours = procs[i].pgrp == pgid && procs[i].mine && !procs[i].zombie;
	if (n >= 0)
		free(procs);
	return ours;
}

/* What a walk met besides the processes it reached. */
struct tally {
	bool refused;	   /* a kill was refused with EPERM */
	size_t nreap;	   /* pid1's own children that ended and wait to be reaped */
	size_t nunreached; /* live processes in scope that pid1 may not signal */
	pid_t unreached[8];
};

/*
 * Signals (signo > 0) or counts (signo == 0) p if it is a live process in scope that pid1 may
 * signal: a count probes with signal 0, which the kernel checks as any other signal.
 */
static int visit(const struct pid1_state *st, enum scope scope, int signo, const struct proc *p,
		 pid_t self, struct tally *t)
{
	t->nreap += p->zombie && p->ppid == self;
	if (p->pid == self || p->zombie ||
	    !(scope == SCOPE_GROUP ? in_program_group(st, p) : st->is_pid1 || p->mine))
		return 0;
	if (kill(p->pid, signo) == 0)
		return 1;
	if (errno != EPERM)
		return 0; /* ESRCH: it ended meanwhile */
	t->refused = true;
	if (signo == 0 && t->nunreached < sizeof(t->unreached) / sizeof(t->unreached[0]))
		t->unreached[t->nunreached] = p->pid;
	t->nunreached += signo == 0;
	return 0;
}

/*
 * Walks /proc and signals or counts the live processes in scope, group or all (the child
 * scope is the programs alone); -1 when it cannot.
 */
static int walk(const struct pid1_state *st, enum scope scope, int signo, struct tally *t)
{
	struct proc_iter it;
	struct proc p, *procs;
	ssize_t n, i;
	int hit = 0;
	pid_t self;

	/* Descendants need the whole table; everything else is decided one process at a time. */
	if ((scope == SCOPE_ALL && !st->is_pid1) || scope == SCOPE_GROUP) {
		n = proc_table(&procs, &self);
		if (n < 0)
			return -1;
		for (i = 0; i < n; i++)
			hit += visit(st, scope, signo, &procs[i], self, t);
		free(procs);
		return hit;
	}
	if (proc_open(&it) < 0)
		return -1;
	while (proc_next(&it, &p))
		hit += visit(st, scope, signo, &p, it.self, t);
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
		/* EPERM: only what pid1 may not signal is left, which holds nothing. */
		if (p->group.id > 0 && p->pid == 0 && group_send(p, 0) < 0 &&
		    (errno == ESRCH || errno == EPERM))
			forget(p);
	}
}

int target_signal_probe(pid_t pid, int signo)
{
	int group;

	/*
	 * Its leader is not reaped yet: the group's number is still its own. The leader itself
	 * too, in case it left the group: a check's command runs as the program's user.
	 */
	if (pid <= 0)
		return -1;
	group = kill(-pid, signo);
	return kill(pid, signo) == 0 ? 0 : group;
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
	struct tally t = {.refused = false};
	int hit;

	switch (scope) {
	case SCOPE_GROUP:
	case SCOPE_CHILD:
		return signal_programs(st, -1, scope == SCOPE_GROUP, signo, false, NULL);
	case SCOPE_ALL:
		if (st->is_pid1)
			return kill(-1, signo);
		hit = walk(st, scope, signo, &t);
		if (hit > 0)
			return 0;
		errno = hit < 0 ? ENOENT : t.refused ? EPERM : ESRCH;
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

static int signal_set(const struct pid1_state *st, const struct target_set *set, int signo,
		      bool first)
{
	if (set->program != NULL)
		return target_signal_program(set->program, signo);
	if (set->level >= 0)
		return signal_programs(st, set->level, st->conf->shutdown.scope != SCOPE_CHILD,
				       signo, first, NULL);
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

static int count_running(const struct pid1_state *st)
{
	int n = 0;
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		n += program_running(&st->programs[i]);
	return n;
}

/* Whether pid was told already; if not, it is now, while there is room. */
static bool told_before(pid_t pid)
{
	size_t i;

	for (i = 0; i < told.n; i++)
		if (told.pids[i] == pid)
			return true;
	if (told.n == sizeof(told.pids) / sizeof(told.pids[0]))
		return true;
	told.pids[told.n++] = pid;
	return false;
}

/* " 57 (uid 1000)" for process pid, read under /proc; the uid is left out when unknown. */
static void describe(pid_t pid, char *buf, size_t len)
{
	struct privs_seen seen;
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (privs_seen(AT_FDCWD, path, &seen) == 0)
		snprintf(buf, len, " %d (uid %u)", (int)pid, (unsigned int)seen.uid);
	else
		snprintf(buf, len, " %d", (int)pid);
}

/* Says which processes pid1 may not signal, and why, unless each was said before. */
static void tell_unreached(const struct pid1_state *st, const struct tally *t)
{
	size_t n = t->nunreached < sizeof(t->unreached) / sizeof(t->unreached[0])
		       ? t->nunreached
		       : sizeof(t->unreached) / sizeof(t->unreached[0]);
	char list[256], one[48], why[96];
	struct privs_seen me;
	bool fresh = false;
	size_t i;

	for (i = 0; i < n; i++)
		fresh |= !told_before(t->unreached[i]);
	if (!fresh)
		return;
	list[0] = '\0';
	for (i = 0; i < n; i++) {
		describe(t->unreached[i], one, sizeof(one));
		strlcat(list, i > 0 ? "," : "", sizeof(list));
		strlcat(list, one, sizeof(list));
	}
	if (t->nunreached > n) {
		snprintf(one, sizeof(one), " and %zu more", t->nunreached - n);
		strlcat(list, one, sizeof(list));
	}
	if (privs_seen(AT_FDCWD, "/proc/self/status", &me) < 0)
		snprintf(why, sizeof(why), "the kernel refuses");
	else if (!privs_has_cap(&me, PRIVS_CAP_KILL))
		snprintf(why, sizeof(why), "pid1 runs as uid %u without CAP_KILL",
			 (unsigned int)me.euid);
	else
		snprintf(why, sizeof(why),
			 "refused despite CAP_KILL (a security module, or another user namespace)");
	/* As PID 1, its end has the kernel kill every process in the namespace. */
	log_warn("cannot signal %zu process%s:%s: %s; the shutdown does not wait for %s%s",
		 t->nunreached, t->nunreached == 1 ? "" : "es", list, why,
		 t->nunreached == 1 ? "it" : "them",
		 st->is_pid1 ? ", the kernel kills what is left when pid1 exits" : "");
}

/*
 * Counts the live processes in scope that pid1 may signal, and tells of those it may not;
 * *nreap receives how many of pid1's children wait to be reaped.
 */
static int count_reached(const struct pid1_state *st, enum scope scope, size_t *nreap)
{
	struct tally t = {.nunreached = 0};
	int n = walk(st, scope, 0, &t);

	if (t.nunreached > 0)
		tell_unreached(st, &t);
	*nreap = t.nreap;
	return n;
}

int target_count(const struct pid1_state *st, enum scope scope)
{
	if (scope == SCOPE_CHILD)
		return count_running(st);
	return count_reached(st, scope, &(size_t){0});
}

/*
 * Whether every program's group is empty of what pid1 may signal; signal 0 probes without
 * disturbing it, and fails with EPERM when it reaches no member that pid1 may signal.
 */
static bool groups_empty(const struct pid1_state *st)
{
	const struct program *p;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (p->group.id > 0
			? !(!signal_program(p, true, 0) && (errno == ESRCH || errno == EPERM))
			: program_running(p))
			return false;
	}
	return true;
}

bool target_empty(const struct pid1_state *st, enum scope scope)
{
	size_t nreap;
	int n;

	switch (scope) {
	case SCOPE_GROUP:
		return groups_empty(st);
	case SCOPE_CHILD:
		return count_running(st) == 0;
	case SCOPE_ALL:
		/*
		 * A child of pid1's is left, unless it is one pid1 may not signal (of another
		 * user, adopted): only a walk tells, made once such a process was seen.
		 */
		if (st->children_left && told.n == 0)
			return false;
		/* As PID 1, kill(-1) also reaches processes that are not our children. */
		if (!st->children_left && !st->is_pid1)
			return true;
		/* A child that ended is not gone until reaped: its status may be pid1's code. */
		n = count_reached(st, scope, &nreap);
		return (n == 0 && nreap == 0) || (n < 0 && !st->children_left);
	}
	return true;
}

int reaper_init(struct pid1_state *st, bool force)
{
	st->is_pid1 = getpid() == 1;
	if (st->is_pid1 && !force)
		return 0;
	/* Outside a PID namespace orphans go to the nearest subreaper: make that us. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return -1;
	st->subreaper = true;
	if (st->is_pid1)
		log_debug("registered as child subreaper as asked, although PID 1");
	else
		log_debug(
		    "not PID 1 (pid %d): registered as child subreaper so orphans come to pid1",
		    (int)getpid());
	return 0;
}

void reaper_orphan(const struct pid1_state *st, pid_t pid, int status)
{
	char how[64];

	if (st->conf->warn_on_reap)
		log_warn("reaped zombie %d, %s", (int)pid,
			 exitcode_describe(status, how, sizeof(how)));
	else if (log_get_level() >= LOG_DEBUG) /* skip describe() when nothing is written */
		log_debug("reaped orphan %d, %s", (int)pid,
			  exitcode_describe(status, how, sizeof(how)));
}

bool reaper_next(struct pid1_state *st, pid_t *pid, int *status)
{
	for (;;) {
		/* WUNTRACED: a program stopped by Ctrl-Z is news too, see supervisor/supervise.c.
		 */
		*pid = waitpid(-1, status, WNOHANG | WUNTRACED);
		if (*pid > 0)
			return true;
		if (*pid < 0 && errno == EINTR)
			continue;
		/* 0: children remain, none has exited; ECHILD: nothing is left at all. */
		st->children_left = *pid == 0;
		return false;
	}
}
