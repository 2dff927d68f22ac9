// SPDX-License-Identifier: MIT
/*
 * The supervisor (see supervise.h). An essential program whose end is final starts the
 * shutdown, and its exit code becomes pid1's; so does a program that fails while start-up is
 * still under way (a oneshot that exits non-zero, a command that cannot be executed, a longrun
 * that ends for good before it was ready while another waits for it). A program stopped on
 * request does not end the container, even an essential one, as supervisorctl stop does not
 * end supervisord: `pid1 ctl shutdown` does that.
 *
 * Each spawn's exec-error pipe is a loop source until it says how the exec went. Distrusted:
 * the child between fork and exec runs as the program's user, who may stop it there for as
 * long as they like; so the pipe is only ever read without blocking, and a program's result
 * waits in st->spawns for the loop to take it (handlers record, the loop acts).
 */
#include "config.h"

#include <sys/wait.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <vis.h>

#include "core/duration.h"
#include "core/child.h"
#include "core/fdsink.h"
#include "core/signame.h"
#include "output/labelled.h"
#include "core/log.h"
#include "readiness/manager.h"
#include "readiness/inbox.h"
#include "supervisor/supervise.h"
#include "sys/envfile.h"

static void drop(struct loop *loop, struct exec_watch *e)
{
	if (!e->open)
		return;
	loop_remove(loop, e->fd);
	close(e->fd);
	e->open = false;
}

/* Reads what the pipe says, if anything yet; once it has spoken, it is closed. */
static void take_in(struct loop *loop, struct spawn_watch *w, struct exec_watch *e)
{
	enum child_exec r = child_exec_read(e->fd, &e->failure);

	if (r == CHILD_EXEC_PENDING)
		return;
	e->seen = r;
	w->ndone += r == CHILD_EXEC_DONE;
	drop(loop, e);
}

static void on_readable(struct loop *loop, int fd, short revents, void *ctx)
{
	struct spawn_watch *w = ctx;
	size_t i;

	(void)revents;
	for (i = 0; i < sizeof(w->execs) / sizeof(w->execs[0]); i++)
		if (w->execs[i].open && w->execs[i].fd == fd)
			take_in(loop, w, &w->execs[i]);
}

/* Watches pid1's end of the new pipe of p. */
static void watch(struct loop *loop, struct spawn_watch *w, struct program *p, struct exec_watch *e,
		  int fd)
{
	e->open = fd >= 0;
	e->fd = fd;
	e->seen = CHILD_EXEC_PENDING;
	if (fd >= 0 && loop_add(loop, fd, POLLIN, on_readable, w) == 0)
		return;
	/* No pipe or no room: it counts as started, as it did before exec was watched at all. */
	if (fd < 0 && !w->warned) {
		log_warn(
		    "too few file descriptors to watch the start of %s: it counts as started "
		    "at once, and an exec error shows only as its exit code, as may others' later",
		    p->name);
		w->warned = true;
	} else if (fd >= 0) {
		log_warn("cannot watch the start of %s: %m", p->name);
	}
	drop(loop, e);
	e->seen = CHILD_EXEC_DONE;
	w->ndone++;
}

/*
 * How p's last exec went, taken once: CHILD_EXEC_DONE when it succeeded; CHILD_EXEC_FAILED
 * only once its process was reaped (reaped true), after logging why, with *code its exit
 * code (127, 126, 1); else CHILD_EXEC_PENDING (nothing new).
 */
static enum child_exec take_exec(struct pid1_state *st, struct program *p, bool reaped, int *code)
{
	struct exec_watch *e = &st->spawns.execs[p - st->programs];
	enum child_exec r;

	/* Its process is gone: every end of the pipe is closed, so the read cannot wait. */
	if (reaped && e->open)
		take_in(st->loop, &st->spawns, e);
	r = e->seen;
	/* A failure is acted on at the reap, whose status then matches what was logged. */
	if (r == CHILD_EXEC_PENDING || (r == CHILD_EXEC_FAILED && !reaped))
		return CHILD_EXEC_PENDING;
	e->seen = CHILD_EXEC_PENDING;
	if (r == CHILD_EXEC_DONE) {
		st->spawns.ndone--;
		return r;
	}
	*code = child_exec_report(&p->spawn, &e->failure);
	return r;
}

static void act(struct pid1_state *st, struct program *p, unsigned int actions);

/*
 * pid1 is about to send signo itself. When it is SIGKILL, an OOM kill counted before it was of
 * a process pid1 does not reap (a program's own child): the deaths by SIGKILL that follow are
 * pid1's, not the OOM killer's, unless the count rises again.
 */
static void own_kill(struct pid1_state *st, int signo)
{
	if (signo == SIGKILL)
		cgroup_oom_rose(&st->oom);
}

/* Feeds ev to the container's phase and carries out what it returns. */
static void phase(struct pid1_state *st, enum phase_event ev, struct program *p, const char *why,
		  int signo)
{
	struct phase_input in = {
	    .ev = ev, .now = loop_now_ms(), .why = why, .signo = signo, .p = p};
	struct phase_actions acts;
	size_t i;

	/* The first ask to shut down is what the termination message says stopped the container. */
	if (ev == PHASE_EV_SHUTDOWN && st->phase == PHASE_RUN && st->stopped_by[0] == '\0')
		strlcpy(st->stopped_by, why, sizeof(st->stopped_by));
	in.empty = phase_needs_empty(st, &in) && target_empty(st, st->conf->shutdown.scope);
	phase_step(st, &in, &acts);
	for (i = 0; i < acts.n; i++)
		if (acts.a[i].kind == PHASE_ACT_SEND)
			own_kill(st, acts.a[i].signo);
	phase_act(st, &acts);
}

/*
 * Whether a program has not started yet: start-up is still under way. With p, one that comes
 * after p: once p, never ready, has ended for good, that program would wait for ever.
 */
static bool awaited(const struct pid1_state *st, const struct program *p)
{
	size_t i, j;

	for (i = 0; i < st->nprograms; i++) {
		const struct program *q = &st->programs[i];

		if (q->state != PROGRAM_WAITING || q->stop_hook)
			continue;
		if (p == NULL)
			return true;
		for (j = 0; j < q->nafter; j++)
			if (q->after[j] == (size_t)(p - st->programs))
				return true;
	}
	return false;
}

/* p ended for good (actions: what its last step returned). */
static void ended(struct pid1_state *st, struct program *p, unsigned int actions)
{
	bool failed = !WIFEXITED(p->status) || WEXITSTATUS(p->status) != 0;
	const char *why = NULL;
	char how[64];

	if (p->stop_hook) {
		program_describe_end(p, how, sizeof(how));
		if (!failed)
			log_info("stop hook %s %s", p->name, how);
		else
			log_warn("stop hook %s failed: %s", p->name, how);
		return;
	}
	if (p->fork_err != 0)
		log_err("%s could not be started: %s", p->name, strerror(p->fork_err));
	if (actions & PROGRAM_ACT_NOEXEC)
		why = "could not be started";
	else if (((p->type == PROGRAM_ONESHOT && failed) || p->hung != HANG_NONE) &&
		 awaited(st, NULL))
		why = p->hung == HANG_READY_TIMEOUT ? "was not ready in time"
		      : p->hung != HANG_NONE	    ? "hung"
						    : "failed";
	else if (p->type == PROGRAM_LONGRUN && p->state == PROGRAM_ENDED && !p->completed &&
		 awaited(st, p))
		why = "ended before it was ready";
	if (why != NULL)
		phase(st, PHASE_EV_FAILED, p, why, 0);
	else if (p->essential)
		phase(st, PHASE_EV_ESSENTIAL, p, program_describe_end(p, how, sizeof(how)), 0);
}

/*
 * Reads p's environment files for this start (sys/envfile.c), so that a restart sees what
 * they hold now. Returns 0, or -1 after logging why p cannot start: which file, which line,
 * never a value.
 */
static int read_env(struct pid1_state *st, struct program *p)
{
	char err[PATH_MAX + 200], *safe = NULL, **exported[CONF_MAX_PROGRAMS + 2];

	exportenv_for(st, p, exported, sizeof(exported) / sizeof(exported[0]));
	if (envfile_build(&p->privs_conf, exported, &p->privs.env_built, err, sizeof(err)) == 0)
		return 0;
	/* Names in an env-dir are the directory's, not pid1's: escaped. */
	if (stravis(&safe, err, VIS_SAFE | VIS_OCTAL | VIS_NOLOCALE) < 0)
		safe = NULL;
	log_err("cannot start %s: %s", p->name, safe != NULL ? safe : err);
	free(safe);
	return -1;
}

/*
 * Forks p, from start_due() alone, with what it is handed besides its config: the notify
 * socket and watchdog of ready = notify, the write end of its ready pipe, its output pipes;
 * pid1's side of each is kept after. Its exec is seen later, from the loop (execed(), or the
 * reap). Without a process at all (no pipe, no fork) its policy says whether it is tried again.
 */
static void spawn(struct pid1_state *st, struct program *p)
{
	size_t slot = (size_t)(p - st->programs);
	int errfd = -1, err;
	pid_t pid;

	if (read_env(st, p) < 0 || exportenv_prepare(st, p) < 0) {
		act(st, p,
		    program_step(p, PROGRAM_EV_NOEXEC, loop_now_ms(), 0,
				 W_EXITCODE(EXIT_START_FAILED, 0)));
		return;
	}

	p->spawn.notify_socket =
	    p->ready_mode == READY_NOTIFY ? notifysocket_address(st->notify) : NULL;
	p->spawn.watchdog_ms = p->watchdog_conf_ms;
	inbox_pipe_prepare(st, p, slot);
	if (p->output != NULL)
		output_open(p->output, &p->spawn.out_fd, &p->spawn.err_fd);
	pid = child_spawn(&p->spawn, &errfd);
	err = errno;
	if (pid > 0)
		target_spawned(p, pid);
	if (p->output != NULL)
		output_spawned(p->output);
	/* What the last run printed, read as its pipes were let go, is not this start's. */
	p->log_seen = false;
	inbox_pipe_spawned(st, p, slot, pid);
	exportenv_spawned(st, p, pid);
	if (pid <= 0) {
		act(st, p, program_step(p, PROGRAM_EV_NOFORK, loop_now_ms(), 0, err));
		return;
	}
	watch(st->loop, &st->spawns, p, &st->spawns.execs[slot], errfd);
	st->children_left = true; /* the reaper alone clears it */
	act(st, p, program_step(p, PROGRAM_EV_SPAWNED, loop_now_ms(), pid, 0));
}

/* p's exec succeeded: it runs, and a longrun with ready = started is up. */
static unsigned int execed(struct program *p)
{
	log_info("%s[%d] started%s", p->name, (int)p->pid,
		 p->spawn.own_group ? " in its own process group" : "");
	return program_step(p, PROGRAM_EV_EXECED, loop_now_ms(), p->pid, 0);
}

/* The signal a hung program gets first: its own stop-signal, else the ladder's first. */
static int first_signal(const struct program *p)
{
	if (p->stop_signal > 0)
		return p->stop_signal;
	return p->nsteps > 0 ? p->steps[0].signo : SIGKILL;
}

/* One step of p's own ladder, SIGCONT after it as in the shutdown's. */
static void own_step(struct pid1_state *st, const struct program *p, int signo)
{
	const struct target_set set = {.program = p, .level = -1};

	own_kill(st, signo);
	if (target_step(st, &set, signo) < 0)
		log_warn("cannot signal %s: %m", p->name);
}

/* Why p is stopped: hung, or on request. */
static void log_hang(const struct program *p)
{
	int64_t limit = p->hung == HANG_WATCHDOG ? p->watchdog_ms : p->ready_timeout_ms;
	const struct probe *h = p->health; /* not NULL when hung for it */
	char text[32], name[SIGNAME_MAX];

	if (p->request != PROGRAM_REQ_NONE) {
		log_notice("%s[%d] %s on request: %s first", p->name, (int)p->pid,
			   p->request == PROGRAM_REQ_STOP ? "stopping" : "restarting",
			   signame_name(first_signal(p), name, sizeof(name)));
		return;
	}
	duration_format(limit, text, sizeof(text));
	if (p->hung == HANG_TRIGGER)
		log_warn("%s[%d] hung, as it said (WATCHDOG=trigger): stopping it", p->name,
			 (int)p->pid);
	else if (p->hung == HANG_HEALTH)
		log_warn("%s[%d] unhealthy: its health check failed %d times in a row (%s): "
			 "stopping it",
			 p->name, (int)p->pid, h->failures, h->result);
	else if (p->hung == HANG_WATCHDOG)
		log_warn("%s[%d] hung: no sign of life within its watchdog of %s: stopping it",
			 p->name, (int)p->pid, text);
	else
		log_warn("%s[%d] not ready within its ready-timeout of %s: stopping it", p->name,
			 (int)p->pid, text);
}

/* The next step of a hung program's own ladder, or of one stopped on request. */
static void kill_step(struct pid1_state *st, const struct program *p)
{
	int signo = p->kill_step < p->nsteps ? p->steps[p->kill_step].signo : SIGKILL;
	char took[32], name[SIGNAME_MAX];

	duration_format(p->steps[p->kill_step - 1].grace_ms, took, sizeof(took));
	signame_name(signo, name, sizeof(name));
	/* Reaped already, what it left in its group is what the ladder waits for. */
	if (p->pid == 0)
		log_notice("%s: its group still running %s after step %zu of its ladder: %s",
			   p->name, took, p->kill_step, name);
	else
		log_notice("%s[%d] still running %s after step %zu of its ladder: %s", p->name,
			   (int)p->pid, took, p->kill_step, name);
	own_step(st, p, signo);
}

static void act(struct pid1_state *st, struct program *p, unsigned int actions)
{
	char when[32];

	if (actions & PROGRAM_ACT_GIVE_UP)
		log_notice("%s restarted %zu times within %s: giving up on restarts", p->name,
			   p->recent, duration_format(p->restart.window_ms, when, sizeof(when)));
	if (actions & PROGRAM_ACT_RETRY)
		log_warn("%s could not be started: %s; trying again in %s, not counted as a "
			 "restart",
			 p->name, strerror(p->fork_err),
			 duration_format(p->backoff_ms, when, sizeof(when)));
	if (actions & PROGRAM_ACT_BACKOFF)
		log_notice("restarting %s in %s (restart %zu, %zu within the window)", p->name,
			   duration_format(p->backoff_ms, when, sizeof(when)), p->history.nrestarts,
			   p->recent + 1);
	if (actions & PROGRAM_ACT_TIMEOUT) {
		log_warn("stop hook %s[%d] outlived its timeout of %s: killed", p->name,
			 (int)p->pid, duration_format(p->timeout_ms, when, sizeof(when)));
		own_kill(st, SIGKILL);
		if (target_signal_program(p, SIGKILL) < 0)
			log_warn("cannot kill stop hook %s: %m", p->name);
	}
	if ((actions & PROGRAM_ACT_UP) && p->type == PROGRAM_LONGRUN &&
	    p->ready_mode != READY_STARTED)
		log_info("%s[%d] ready after %s", p->name, (int)p->pid,
			 duration_format(loop_now_ms() - p->started_ms, when, sizeof(when)));
	if (actions & PROGRAM_ACT_HUNG) {
		log_hang(p);
		own_step(st, p, first_signal(p));
	}
	if (actions & PROGRAM_ACT_KILL)
		kill_step(st, p);
	if (actions & PROGRAM_ACT_STOPPED)
		log_notice("%s stopped on request", p->name);
	if (actions & PROGRAM_ACT_ENDED)
		ended(st, p, actions);
	if (actions & PROGRAM_ACT_SPAWN)
		p->due = true;
}

/* Whether what p comes after has been ready (a oneshot: exited 0). */
static bool ready(const struct pid1_state *st, const struct program *p)
{
	size_t i;

	for (i = 0; i < p->nafter; i++)
		if (!st->programs[p->after[i]].completed)
			return false;
	return true;
}

/*
 * Once nothing can start again (every program started, none with a restart policy), pid1
 * lets go of its starting directory and inherited fds: it needed them only to pass on.
 */
static void release_inherited(struct pid1_state *st)
{
	size_t i;

	if (st->released)
		return;
	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].state == PROGRAM_WAITING ||
		    st->programs[i].restart.policy != RESTART_NO)
			return;
	st->released = true;
	/* Each program without a workdir keeps the starting directory: a later start is there. */
	if (getcwd(st->start_dir, sizeof(st->start_dir)) != NULL) {
		for (i = 0; i < st->nprograms; i++)
			if (st->programs[i].privs_conf.workdir == NULL)
				st->programs[i].privs_conf.workdir = st->start_dir;
	}
	inherited_release(st->conf->restart.policy != RESTART_NO);
}

/* Starts every waiting program whose after list is up, until none is left to start. */
static void start_ready(struct pid1_state *st)
{
	bool again = true;
	size_t i;

	while (again && st->phase == PHASE_RUN) {
		again = false;
		for (i = 0; i < st->nprograms && st->phase == PHASE_RUN; i++) {
			struct program *p = &st->programs[i];

			if (p->state != PROGRAM_WAITING || p->stop_hook || !ready(st, p))
				continue;
			waiting_over(p, loop_now_ms());
			act(st, p, program_step(p, PROGRAM_EV_START, loop_now_ms(), 0, 0));
			again = true;
		}
	}
	/* What is left waits: from now, its wait is timed for the notices that say so. */
	waiting_begin(st, loop_now_ms());
}

/* Starts each stop hook whose after list has ended; once none is left, the ladder. */
static void run_hooks(struct pid1_state *st)
{
	struct program *p;

	if (st->phase != PHASE_HOOKS)
		return;
	while ((p = phase_next_hook(st)) != NULL)
		act(st, p, program_step(p, PROGRAM_EV_START, loop_now_ms(), 0, 0));
	phase(st, PHASE_EV_HOOKS, NULL, NULL, 0);
}

/* The running program whose process is pid, or NULL. */
static struct program *find(struct pid1_state *st, pid_t pid)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (program_running(&st->programs[i]) && st->programs[i].pid == pid)
			return &st->programs[i];
	return NULL;
}

/*
 * A program that holds the terminal and stops on Ctrl-Z has no shell to resume it: Ctrl-C
 * would then wait on a stopped process, and the container hang. It is continued at once.
 */
static void stopped(struct pid1_state *st, pid_t pid)
{
	struct program *p = find(st, pid);

	if (p == NULL || !p->spawn.take_tty)
		return;
	log_info("%s[%d] stopped on the terminal's Ctrl-Z with no shell to resume it: continued",
		 p->name, (int)pid);
	if (target_signal_program(p, SIGCONT) < 0)
		log_warn("cannot continue the process group of %s: %m", p->name);
}

static bool reaped(struct pid1_state *st, pid_t pid, int status, bool oom)
{
	struct program *p = find(st, pid);
	char how[64], took[32];
	int level, code;

	if (p == NULL)
		return false;
	p->oom_killed = oom;
	/* How its exec went comes first: the line that says why it could not run, or started. */
	switch (take_exec(st, p, true, &code)) {
	case CHILD_EXEC_FAILED:
		exportenv_reaped(st, p, W_EXITCODE(code, 0));
		p->pending |=
		    program_step(p, PROGRAM_EV_NOEXEC, loop_now_ms(), 0, W_EXITCODE(code, 0));
		return true;
	case CHILD_EXEC_DONE:
		p->pending |= execed(p);
		break;
	case CHILD_EXEC_PENDING:
		break;
	}
	/* A quiet container stays quiet: only a failing program is news at the default level. */
	level = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? LOG_INFO : LOG_NOTICE;
	if (log_get_level() >= level) {
		program_describe_exit(status, oom, how, sizeof(how));
		duration_format(loop_now_ms() - p->started_ms, took, sizeof(took));
		log_msg(level, "%s[%d] %s after %s", p->name, (int)pid, how, took);
	}
	/* A oneshot's export-env is taken at its exit 0, or that exit counts as a failure. */
	status = exportenv_reaped(st, p, status);
	/* Being stopped, it has ended only once what it started in its group has too. */
	p->pending |= program_step(p, target_waits(st, p) ? PROGRAM_EV_LEFT : PROGRAM_EV_EXIT,
				   loop_now_ms(), 0, status);
	return true;
}

/*
 * Groups seen empty are forgotten (supervisor/target.c); a program whose stop waited for its group
 * has then ended. Its actions wait with the reaper's.
 */
static void settle(struct pid1_state *st)
{
	size_t i;

	target_settle(st);
	for (i = 0; i < st->nprograms; i++)
		if (program_left(&st->programs[i]) && st->programs[i].group.id == 0)
			st->programs[i].pending |=
			    program_step(&st->programs[i], PROGRAM_EV_EMPTY, loop_now_ms(), 0, 0);
}

/* The actions the reaper and settle() left for each program. */
static void act_pending(struct pid1_state *st)
{
	unsigned int actions;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		actions = st->programs[i].pending;
		st->programs[i].pending = 0;
		if (actions != 0)
			act(st, &st->programs[i], actions);
	}
}

static void reap(struct pid1_state *st)
{
	int status;
	pid_t pid;
	bool oom;

	while (reaper_next(st, &pid, &status)) {
		/*
		 * A SIGKILL is put down to the OOM killer when pid1's cgroup counted a kill since
		 * the last look: the process is gone, its own cgroup can no longer be read. An
		 * orphan's SIGKILL is looked at too, so its kill is not a program's later.
		 */
		oom =
		    WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && cgroup_oom_rose(&st->oom);
		if (WIFSTOPPED(status)) {
			if (WSTOPSIG(status) == SIGTSTP)
				stopped(st, pid);
		} else if (!reaped(st, pid, status, oom) && !probe_reaped(st, pid, status)) {
			reaper_orphan(st, pid, status);
		}
	}
	settle(st);
	act_pending(st);
	phase(st, PHASE_EV_REAPED, NULL, NULL, 0);
}

/* Programs whose exec was seen to succeed: they run, and what comes after them may start. */
static void execs(struct pid1_state *st)
{
	int code;
	size_t i;

	if (st->spawns.ndone == 0)
		return;
	for (i = 0; i < st->nprograms; i++) {
		struct program *p = &st->programs[i];

		if (program_running(p) && take_exec(st, p, false, &code) == CHILD_EXEC_DONE)
			act(st, p, execed(p));
	}
}

/*
 * The checks pid1 makes, and the lines of ready = log:REGEX its output matched in this
 * wake-up: what they found goes to the programs' state machines.
 */
static void probes(struct pid1_state *st, int64_t now)
{
	unsigned int found;
	size_t i;

	for (i = 0; i < st->nprograms && st->phase != PHASE_DONE; i++) {
		struct program *p = &st->programs[i];

		found = probe_tick(st, p, now);
		if (p->log_seen && p->state == PROGRAM_STARTING) {
			log_debug("%s[%d] printed a line that matches its ready = log:...", p->name,
				  (int)p->pid);
			found |= PROBE_READY;
		}
		if (found & PROBE_READY)
			act(st, p, program_step(p, PROGRAM_EV_READY, now, 0, 0));
		if (found & PROBE_UNHEALTHY)
			act(st, p, program_step(p, PROGRAM_EV_FAILING, now, 0, 0));
	}
}

/*
 * Time passed: back-offs that are over start their programs again, stop hooks time out, a
 * long wait at start-up is said.
 */
static void tick(struct pid1_state *st)
{
	int64_t now = loop_now_ms(), when;
	size_t i;

	for (i = 0; i < st->nprograms && st->phase != PHASE_DONE; i++) {
		when = program_deadline(&st->programs[i]);
		if (when >= 0 && when <= now)
			act(st, &st->programs[i],
			    program_step(&st->programs[i], PROGRAM_EV_TICK, now, 0, 0));
	}
	waiting_tick(st, now);
	probes(st, now);
}

/*
 * A stop, start or restart by name. The program's state machine decides, the supervisor
 * spawns, its own ladder signals: here the request is checked, logged and answered.
 */
static int request(struct pid1_state *st, const struct supervise_event *ev)
{
	const char *verb = ev->ev == PROGRAM_EV_HALT	  ? "stop"
			   : ev->ev == PROGRAM_EV_RESTART ? "restart"
							  : "start";
	struct program *p = ev->p;
	unsigned int actions;

	if (st->phase != PHASE_RUN) {
		snprintf(ev->msg, ev->len, "pid1 is shutting down: %s not %sed", p->name,
			 ev->ev == PROGRAM_EV_HALT ? "stopp" : verb);
		return -1;
	}
	log_notice("%s of %s requested by %s (%s)", verb, p->name, ev->who,
		   program_state_name(p->state));
	actions = program_step(p, ev->ev, loop_now_ms(), 0, 0);
	act(st, p, actions);
	snprintf(ev->msg, ev->len, "%s: %s%s", p->name, actions == 0 ? "nothing to do, it is " : "",
		 program_status(p));
	return 0;
}

/* A signal asked for one program by name. */
static int kill_one(struct pid1_state *st, const struct supervise_event *ev)
{
	struct program *p = ev->p;
	char name[SIGNAME_MAX];

	signame_name(ev->signo, name, sizeof(name));
	if (!program_running(p)) {
		snprintf(ev->msg, ev->len, "%s is not running (%s)", p->name,
			 program_state_name(p->state));
		return -1;
	}
	log_notice("%s to %s[%d] requested by %s", name, p->name, (int)p->pid, ev->who);
	own_kill(st, ev->signo);
	if (target_signal_program(p, ev->signo) < 0) {
		snprintf(ev->msg, ev->len, "cannot send %s to %s: %s", name, p->name,
			 strerror(errno));
		return -1;
	}
	snprintf(ev->msg, ev->len, "%s sent to %s (pid %d)", name, p->name, (int)p->pid);
	return 0;
}

/* Whom a rule's signal goes to, for the log: the scope, and the programs it names. */
static const char *describe(const struct signal_rule *rule, enum scope scope, char *buf, size_t len)
{
	char *const *p;

	/* Named programs under scope all get it at their group, as under group. */
	if (rule->programs != NULL && scope == SCOPE_ALL)
		scope = SCOPE_GROUP;
	strlcpy(buf, confvalue_name("scope", scope), len);
	for (p = rule->programs; p != NULL && *p != NULL; p++) {
		strlcat(buf, p == rule->programs ? " of " : ", ", len);
		strlcat(buf, *p, len);
	}
	return buf;
}

/* A restart rule: each program named gets its own ladder, then starts again. */
static void restart_programs(struct pid1_state *st, char *const *names, const char *in)
{
	char msg[128];
	struct supervise_event ev = {
	    .ev = PROGRAM_EV_RESTART, .who = in, .msg = msg, .len = sizeof(msg)};

	for (; names != NULL && *names != NULL; names++) {
		ev.p = supervise_find(st, *names);
		if (ev.p == NULL)
			log_warn("received %s: no program %s to restart", in, *names);
		else if (request(st, &ev) < 0)
			log_info("received %s: %s", in, msg);
	}
}

static int reload(struct pid1_state *st, const struct supervise_event *ev);

/* A reload rule: the file read again, what it did or why not in the log. */
static void reload_on(struct pid1_state *st, const char *in)
{
	static char msg[4096];
	char who[SIGNAME_MAX + 16];

	snprintf(who, sizeof(who), "received %s", in);
	if (reload(st, &(struct supervise_event){.who = who, .msg = msg, .len = sizeof(msg)}) < 0)
		log_info("%s: %s", who, msg);
}

/*
 * An incoming signal, as the configuration says: forward it unchanged, rewrite it to
 * another signal, ignore it, restart programs, or start (or advance) the shutdown. Forwarded
 * signals go to the forward-to scope of every running program, or of those the rule names; a
 * reaped program is never signalled (supervisor/target.c checks).
 */
static void on_signal(struct pid1_state *st, int signo)
{
	const struct signal_rule *rule;
	char in[SIGNAME_MAX] = "", out[SIGNAME_MAX] = "", to[96];
	enum scope scope = st->conf->forward_to;
	int sent = signo, err;

	if (signo <= 0 || signo > CONF_SIGNAL_MAX)
		return;
	rule = &st->conf->signals[signo];
	/* Names are only worth formatting when a line will be written (signal storms). */
	if (log_get_level() >= LOG_INFO || rule->action == ACTION_SHUTDOWN ||
	    rule->action == ACTION_RESTART || rule->action == ACTION_RELOAD)
		signame_name(signo, in, sizeof(in));
	switch (rule->action) {
	case ACTION_IGNORE:
		log_info("received %s: ignored as configured", in);
		return;
	case ACTION_SHUTDOWN:
		phase(st, PHASE_EV_SHUTDOWN, NULL, in, signo);
		return;
	case ACTION_RESTART:
		restart_programs(st, rule->programs, in);
		return;
	case ACTION_RELOAD:
		reload_on(st, in);
		return;
	case ACTION_REWRITE:
		sent = rule->to;
		break;
	case ACTION_FORWARD:
		break;
	}
	if ((rule->programs != NULL ? target_signal_named(st, scope, rule->programs, sent)
				    : target_signal(st, scope, sent)) < 0) {
		err = errno;
		signame_name(signo, in, sizeof(in));
		signame_name(sent, out, sizeof(out));
		/* ESRCH: the programs are gone and nothing else is in scope. Not an error. */
		if (err == ESRCH)
			log_info("received %s: no process left in scope %s to pass it to", in,
				 describe(rule, scope, to, sizeof(to)));
		else
			log_warn("received %s: cannot send %s to %s: %s", in, out,
				 describe(rule, scope, to, sizeof(to)), strerror(err));
		return;
	}
	if (log_get_level() < LOG_INFO)
		return;
	describe(rule, scope, to, sizeof(to));
	if (sent == signo)
		log_info("received %s: forwarded to %s", in, to);
	else
		log_info("received %s: rewritten to %s and sent to %s", in,
			 signame_name(sent, out, sizeof(out)), to);
}

/* Appends to msg (len bytes) a line naming the programs of plan with change, if any. */
static void list_change(const struct roster_plan *plan, enum roster_change change,
			const char *label, char *msg, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < plan->n; i++) {
		if (plan->e[i].change != change)
			continue;
		strlcat(msg, n++ == 0 ? "\n" : ", ", len);
		if (n == 1) {
			strlcat(msg, label, len);
			strlcat(msg, ": ", len);
		}
		strlcat(msg, plan->e[i].name, len);
		if (change == ROSTER_CHANGED) {
			strlcat(msg, " (", len);
			strlcat(msg, plan->e[i].keys, len);
			strlcat(msg, ")", len);
		}
	}
}

static size_t count_change(const struct roster_plan *plan, enum roster_change change)
{
	size_t i, n = 0;

	for (i = 0; i < plan->n; i++)
		n += plan->e[i].change == change;
	return n;
}

/*
 * The config file read again (dry: only what it would change is said). What is added starts
 * as at start-up, in its order; what is removed gets its own ladder, then is gone; what
 * changed and runs restarts with its new section; the rest runs on untouched. Refused while
 * pid1 shuts down: what the ladder stops would start again.
 */
static int reload(struct pid1_state *st, const struct supervise_event *ev)
{
	static struct roster_plan plan;
	bool dry = ev->signo == 1;
	char err[512];
	size_t i;

	if (st->phase != PHASE_RUN) {
		snprintf(ev->msg, ev->len, "pid1 is shutting down: nothing reloaded");
		return -1;
	}
	/* What the essential program left is waited for: pid1 exits once it has ended. */
	if (st->waiting) {
		snprintf(ev->msg, ev->len,
			 "the essential program has ended, pid1 exits once what it left has: "
			 "nothing reloaded");
		return -1;
	}
	if (roster_prepare(st, &plan, err, sizeof(err)) < 0) {
		log_err("reload requested by %s refused, nothing changed: %s", ev->who, err);
		snprintf(ev->msg, ev->len, "reload refused, nothing changed: %s", err);
		return -1;
	}
	snprintf(ev->msg, ev->len, "%s %s: %zu added, %zu removed, %zu changed, %zu unchanged",
		 dry ? "dry run, nothing changed; reloading would read" : "reloaded",
		 st->conf->path, count_change(&plan, ROSTER_ADDED),
		 count_change(&plan, ROSTER_REMOVED), count_change(&plan, ROSTER_CHANGED),
		 count_change(&plan, ROSTER_SAME));
	if (!dry)
		log_notice("reload requested by %s: %s", ev->who, ev->msg + strlen("reloaded "));
	list_change(&plan, ROSTER_ADDED, "added", ev->msg, ev->len);
	list_change(&plan, ROSTER_REMOVED, "removed", ev->msg, ev->len);
	list_change(&plan, ROSTER_CHANGED, "changed", ev->msg, ev->len);
	list_change(&plan, ROSTER_SAME, "unchanged", ev->msg, ev->len);
	if (plan.ignored[0] != '\0') {
		strlcat(ev->msg, "\nnot reloaded: ", ev->len);
		strlcat(ev->msg, plan.ignored, ev->len);
		strlcat(ev->msg, " (pid1 must restart)", ev->len);
		if (!dry)
			log_warn("reload: not reloaded, kept as they were: %s (pid1 must restart)",
				 plan.ignored);
	}
	if (dry) {
		roster_cancel(st);
		return 0;
	}
	/* What changed and runs is stopped with what it was started with: its stop-signal. */
	for (i = 0; i < plan.n; i++) {
		struct program *p = plan.e[i].p;

		/* A stop asked for stays a stop: the new section is taken at its next start. */
		if (plan.e[i].change == ROSTER_CHANGED && program_running(p) &&
		    p->request != PROGRAM_REQ_STOP) {
			log_notice("reload: %s changed (%s): restarting", p->name, plan.e[i].keys);
			act(st, p, program_step(p, PROGRAM_EV_RESTART, loop_now_ms(), 0, 0));
		} else if (plan.e[i].change == ROSTER_CHANGED) {
			log_notice("reload: %s changed (%s): taken at its next start", p->name,
				   plan.e[i].keys);
		} else if (plan.e[i].change == ROSTER_ADDED) {
			log_notice("reload: %s added", plan.e[i].name);
		}
	}
	roster_commit(st, &plan);
	for (i = 0; i < plan.n; i++) {
		struct program *p = plan.e[i].p;

		if (plan.e[i].change != ROSTER_REMOVED)
			continue;
		log_notice("reload: %s removed (%s): stopping it", p->name,
			   program_state_name(p->state));
		act(st, p, program_step(p, PROGRAM_EV_HALT, loop_now_ms(), 0, 0));
	}
	return 0;
}

/*
 * What the event decided to start, started once it is handled: events only decide, so the
 * handling of a signal or a reap never spawns. The phase is looked at here, as it is now:
 * programs start only while it is RUN, stop hooks only in HOOKS. A start that fails at once
 * may decide more (a shutdown, its hooks), hence the loop.
 */
static void start_due(struct pid1_state *st)
{
	bool again = true;
	size_t i;

	while (again) {
		again = false;
		start_ready(st);
		run_hooks(st);
		for (i = 0; i < st->nprograms; i++) {
			struct program *p = &st->programs[i];

			if (!p->due)
				continue;
			/* The phase moved on in the same event: the machine has ended it. */
			p->due = false;
			if (st->phase != (p->stop_hook ? PHASE_HOOKS : PHASE_RUN))
				continue;
			spawn(st, p);
			again = true;
		}
	}
	release_inherited(st);
}

static int handle(struct pid1_state *st, const struct supervise_event *ev)
{
	switch (ev->kind) {
	case SUPERVISE_START:
		/* The count before anything runs: a later rise is a kill among pid1's processes. */
		cgroup_oom_open(&st->oom);
		phase(st, PHASE_EV_START, NULL, NULL, 0);
		break;
	case SUPERVISE_SIGNAL:
		on_signal(st, ev->signo);
		break;
	case SUPERVISE_REAP:
		reap(st);
		break;
	case SUPERVISE_TICK:
		execs(st);
		/*
		 * A group's last member may have been reaped by another process: no SIGCHLD said
		 * so. Seen first, so that the ladder ends a level that is empty rather than timing
		 * it out and signalling nothing.
		 */
		settle(st);
		act_pending(st);
		phase(st, PHASE_EV_TICK, NULL, NULL, 0);
		tick(st);
		break;
	case SUPERVISE_PROGRAM:
		act(st, ev->p, program_step(ev->p, ev->ev, loop_now_ms(), 0, 0));
		break;
	case SUPERVISE_REQUEST:
		return request(st, ev);
	case SUPERVISE_KILL:
		return kill_one(st, ev);
	case SUPERVISE_SHUTDOWN:
		phase(st, PHASE_EV_SHUTDOWN, NULL, ev->who, ev->signo);
		break;
	case SUPERVISE_RELOAD:
		return reload(st, ev);
	}
	return 0;
}

int supervise(struct pid1_state *st, const struct supervise_event *ev)
{
	int ret = handle(st, ev);

	start_due(st);
	return ret;
}

struct program *supervise_find(struct pid1_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (!st->programs[i].stop_hook && !st->programs[i].removed &&
		    strcmp(st->programs[i].name, name) == 0)
			return &st->programs[i];
	return NULL;
}

int64_t supervise_deadline(const struct pid1_state *st)
{
	int64_t now = loop_now_ms(), best = phase_deadline(st, now), when;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		when = program_deadline(&st->programs[i]);
		/*
		 * Waiting for a group: look again meanwhile (settle()), seldom once its own
		 * ladder is over, as what it waits for then may never end.
		 */
		if (program_left(&st->programs[i]) && (when < 0 || when > now + 100))
			when = now + (when >= 0 || st->phase == PHASE_STOPPING ? 100 : 1000);
		best = loop_earliest(best, when);
	}
	/*
	 * A program that waits is said to at growing intervals; pid1's own notify client pets
	 * systemd's watchdog; the notify socket may rest.
	 */
	best = loop_earliest(best, waiting_deadline(st));
	best = loop_earliest(best, probe_deadline(st));
	return loop_earliest(loop_earliest(best, manager_deadline(st->manager)),
			     notifysocket_deadline(st->notify));
}
