// SPDX-License-Identifier: MIT
/*
 * The supervisor. Programs change state only through program_step(); this file feeds it
 * events (start, spawned, reaped, time, stop) and carries out the actions it returns:
 * spawn (supervisor/progspawn.c), log and signal the program (supervisor/progact.c), start what
 * comes after, end the container. It calls neither readiness/readiness.c nor supervisor/request.c:
 * they call it. An essential program whose end is final starts the shutdown, and its exit code
 * becomes pid1's; so does a program that fails while start-up is still under way (a oneshot that
 * exits non-zero, a command that cannot be executed, a longrun that ends for good before it was
 * ready while another waits for it).
 */
#include "config.h"

#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <syslog.h>

#include "conf/duration.h"
#include "core/exitcode.h"
#include "supervisor/hooks.h"
#include "core/fdsink.h"
#include "output/log.h"
#include "supervisor/progact.h"
#include "supervisor/progspawn.h"
#include "core/reaper.h"
#include "supervisor/shutdown.h"
#include "supervisor/supervise.h"
#include "core/target.h"
#include "supervisor/waitall.h"

static void act(struct pid1_state *st, struct program *p, unsigned int actions);
static void hold(struct pid1_state *st);

/* Whether start-up is still under way: some program has not been started yet. */
static bool starting(const struct pid1_state *st)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].state == PROGRAM_WAITING && !st->programs[i].stop_hook)
			return true;
	return false;
}

/* Nothing is left to stop: pid1 is done, once its stop hooks have run. */
static void nothing_left(struct pid1_state *st, const char *why)
{
	if (hooks_pending(st))
		supervise_shutdown(st, why, 0);
	else
		st->phase = PHASE_DONE;
}

/* Ends the run phase because of p: its status decides pid1's exit code. */
static void end_by(struct pid1_state *st, struct program *p, const char *why)
{
	char line[128];

	if (st->decider == NULL)
		st->decider = p;
	if (st->phase != PHASE_RUN)
		return; /* the ladder goes on; shutdown_tick ends it when nothing is left */
	if (st->conf->shutdown.on_child_exit == ON_CHILD_EXIT_EXIT) {
		st->phase = PHASE_DONE;
		return;
	}
	if (st->conf->shutdown.on_child_exit == ON_CHILD_EXIT_WAIT) {
		waitall_begin(st, p, why);
		hold(st);
		return; /* supervise_reap() ends it once nothing is left */
	}
	if (target_empty(st, st->conf->shutdown.scope)) {
		/* The line is made only for stop hooks to be told why: a common end pays none. */
		if (hooks_pending(st)) {
			snprintf(line, sizeof(line), "%s %s", p->name, why);
			supervise_shutdown(st, line, 0);
		} else {
			st->phase = PHASE_DONE;
		}
		return;
	}
	snprintf(line, sizeof(line), "%s %s while other processes remain", p->name, why);
	supervise_shutdown(st, line, 0);
}

/* A start-up that cannot go on: the ladder runs on what is up, p's code is pid1's. */
static void fail_start(struct pid1_state *st, struct program *p, const char *why)
{
	char line[128];

	if (st->decider == NULL)
		st->decider = p;
	if (st->phase != PHASE_RUN)
		return;
	snprintf(line, sizeof(line), "start-up failed: %s %s", p->name, why);
	if (target_empty(st, st->conf->shutdown.scope)) {
		nothing_left(st, line);
		return;
	}
	supervise_shutdown(st, line, 0);
}

/*
 * Whether a program that has not started yet comes after p: once p, never ready, has ended
 * for good, that program would wait for ever.
 */
static bool awaited(const struct pid1_state *st, const struct program *p)
{
	size_t i, j, idx = (size_t)(p - st->programs);

	for (i = 0; i < st->nprograms; i++) {
		const struct program *q = &st->programs[i];

		if (q->state != PROGRAM_WAITING || q->stop_hook)
			continue;
		for (j = 0; j < q->nafter; j++)
			if (q->after[j] == idx)
				return true;
	}
	return false;
}

/* p ended for good (actions: what its last step returned). */
static void ended(struct pid1_state *st, struct program *p, unsigned int actions)
{
	bool failed = !WIFEXITED(p->status) || WEXITSTATUS(p->status) != 0;

	if (p->stop_hook)
		hooks_ended(p);
	else if (actions & PROGRAM_ACT_NOEXEC)
		fail_start(st, p, "could not be started");
	else if (((p->type == PROGRAM_ONESHOT && failed) || p->hung != HANG_NONE) && starting(st))
		fail_start(st, p,
			   p->hung == HANG_READY_TIMEOUT ? "was not ready in time"
			   : p->hung != HANG_NONE	 ? "hung"
							 : "failed");
	else if (p->type == PROGRAM_LONGRUN && p->state == PROGRAM_ENDED && !p->completed &&
		 awaited(st, p))
		fail_start(st, p, "ended before it was ready");
	else if (p->essential)
		end_by(st, p, "child exited");
}

/*
 * Forks p; its exec is seen later, from the loop (execed(), or the reap). Without a process
 * at all (no pipe, no fork) it fails at once, as an exec that failed.
 */
static void spawn(struct pid1_state *st, struct program *p)
{
	int64_t now = loop_now_ms();
	int code;
	pid_t pid;

	pid = progspawn_run(st, p, &code);
	if (pid > 0) {
		st->children_left = true; /* the reaper alone clears it */
		act(st, p, program_step(p, PROGRAM_EV_SPAWNED, now, pid, 0));
		return;
	}
	act(st, p, program_step(p, PROGRAM_EV_NOEXEC, now, 0, W_EXITCODE(code, 0)));
}

/* p's exec succeeded: it runs, and a longrun with ready = started is up. */
static unsigned int execed(struct program *p)
{
	log_info("%s[%d] started%s", p->name, (int)p->pid,
		 p->spawn.own_group ? " in its own process group" : "");
	return program_step(p, PROGRAM_EV_EXECED, loop_now_ms(), p->pid, 0);
}

static void act(struct pid1_state *st, struct program *p, unsigned int actions)
{
	const struct restart_conf *rc = &p->restart;
	char when[32];

	if (actions & PROGRAM_ACT_GIVE_UP)
		log_notice("%s restarted %zu times within %s: giving up on restarts", p->name,
			   p->recent, duration_format(rc->window_ms, when, sizeof(when)));
	if (actions & PROGRAM_ACT_BACKOFF)
		log_notice("restarting %s in %s (restart %zu, %zu within the window)", p->name,
			   duration_format(p->backoff_ms, when, sizeof(when)), p->history.nrestarts,
			   p->recent + 1);
	if (actions & PROGRAM_ACT_CANCEL) {
		log_notice("restart of %s cancelled by shutdown", p->name);
		/* Its last end stands: an essential program's status is pid1's exit code. */
		if (p->essential && st->decider == NULL)
			st->decider = p;
	}
	if (actions & PROGRAM_ACT_TIMEOUT)
		hooks_timed_out(p);
	progact_run(st, p, actions);
	if (actions & PROGRAM_ACT_ENDED)
		ended(st, p, actions);
	if (actions & PROGRAM_ACT_SPAWN)
		spawn(st, p);
}

void supervise_act(struct pid1_state *st, struct program *p, unsigned int actions)
{
	act(st, p, actions);
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
	inherited_release(st);
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
			act(st, p, program_step(p, PROGRAM_EV_START, loop_now_ms(), 0, 0));
			again = true;
		}
	}
}

/* Starts each stop hook whose after list has ended; once none is left, the ladder. */
static void run_hooks(struct pid1_state *st)
{
	struct program *p;

	while (st->phase == PHASE_HOOKS && (p = hooks_next(st)) != NULL)
		act(st, p, program_step(p, PROGRAM_EV_START, loop_now_ms(), 0, 0));
	if (st->phase == PHASE_HOOKS && !hooks_left(st))
		shutdown_begin(st, st->hooks_why, st->hooks_signo);
}

void supervise_start(struct pid1_state *st)
{
	start_ready(st);
	release_inherited(st);
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

static bool reaped(struct pid1_state *st, pid_t pid, int status)
{
	struct program *p = find(st, pid);
	char how[64], took[32];
	int level, code;

	if (p == NULL)
		return false;
	/* How its exec went comes first: the line that says why it could not run, or started. */
	switch (progspawn_take(st, p, true, &code)) {
	case CHILD_EXEC_FAILED:
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
		exitcode_describe(status, how, sizeof(how));
		duration_format(loop_now_ms() - p->started_ms, took, sizeof(took));
		if (level == LOG_INFO)
			log_info("%s[%d] %s after %s", p->name, (int)pid, how, took);
		else
			log_notice("%s[%d] %s after %s", p->name, (int)pid, how, took);
	}
	/* Being stopped, it has ended only once what it started in its group has too. */
	p->pending |= program_step(p, target_waits(st, p) ? PROGRAM_EV_LEFT : PROGRAM_EV_EXIT,
				   loop_now_ms(), 0, status);
	return true;
}

/*
 * Groups seen empty are forgotten (core/target.c); a program whose stop waited for its group has
 * then ended. Its actions wait with the reaper's.
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

void supervise_reap(struct pid1_state *st)
{
	int status;
	pid_t pid;

	while (reaper_next(st, &pid, &status)) {
		if (WIFSTOPPED(status)) {
			if (WSTOPSIG(status) == SIGTSTP)
				stopped(st, pid);
		} else if (!reaped(st, pid, status)) {
			reaper_orphan(st, pid, status);
		}
	}
	settle(st);
	act_pending(st);
	start_ready(st);
	release_inherited(st);
	run_hooks(st);
	if (waitall_done(st))
		nothing_left(st, "every process has ended");
}

void supervise_execs(struct pid1_state *st)
{
	int code;
	size_t i;

	if (!progspawn_pending())
		return;
	for (i = 0; i < st->nprograms; i++) {
		struct program *p = &st->programs[i];

		if (program_running(p) && progspawn_take(st, p, false, &code) == CHILD_EXEC_DONE)
			act(st, p, execed(p));
	}
	start_ready(st);
	release_inherited(st);
}

void supervise_event(struct pid1_state *st, struct program *p, enum program_event ev)
{
	act(st, p, program_step(p, ev, loop_now_ms(), 0, 0));
	start_ready(st);
	release_inherited(st);
}

void supervise_tick(struct pid1_state *st)
{
	int64_t now = loop_now_ms(), when;
	size_t i;

	/* A group's last member may have been reaped by another process: no SIGCHLD said so. */
	settle(st);
	act_pending(st);
	/* Back-offs end in the run phase, stop hooks' timeouts while they run. */
	for (i = 0; i < st->nprograms && st->phase != PHASE_DONE; i++) {
		when = program_deadline(&st->programs[i]);
		if (when >= 0 && when <= now)
			act(st, &st->programs[i],
			    program_step(&st->programs[i], PROGRAM_EV_TICK, now, 0, 0));
	}
	run_hooks(st);
}

/* Nothing starts or restarts from now on; stop hooks wait for their turn. */
static void hold(struct pid1_state *st)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (!st->programs[i].stop_hook)
			act(st, &st->programs[i],
			    program_step(&st->programs[i], PROGRAM_EV_STOP, loop_now_ms(), 0, 0));
}

void supervise_shutdown(struct pid1_state *st, const char *why, int signo)
{
	if (st->phase == PHASE_RUN) {
		hold(st);
		if (hooks_pending(st)) {
			hooks_begin(st, why, signo);
			run_hooks(st);
			return;
		}
	} else if (st->phase == PHASE_HOOKS) {
		hooks_cut(st, why);
		why = st->hooks_why;
		signo = st->hooks_signo;
	}
	shutdown_begin(st, why, signo);
}

int64_t supervise_deadline(const struct pid1_state *st)
{
	int64_t best = shutdown_deadline(st), when;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		when = program_deadline(&st->programs[i]);
		/*
		 * Waiting for a group: look again meanwhile (settle()), seldom once its own
		 * ladder is over, as what it waits for then may never end.
		 */
		if (program_left(&st->programs[i]) && (when < 0 || when > loop_now_ms() + 100))
			when =
			    loop_now_ms() + (when >= 0 || st->phase == PHASE_STOPPING ? 100 : 1000);
		if (when >= 0 && (best < 0 || when < best))
			best = when;
	}
	return best;
}
