// SPDX-License-Identifier: MIT
/*
 * The state machine of one program, as a table of what each event does in each state.
 * A program is up for those that come after it once it is ready: a longrun once its exec
 * succeeded, or when it says so (ready = notify or fd:N) or a probe of pid1's found it so, a
 * oneshot once it has exited 0. One not ready within its ready-timeout, silent for its watchdog
 * period once ready, or failing its health check retries times in a row, is hung: it is
 * stopped (its stop signal, SIGKILL after a grace) and its end counts as a failure. Its end
 * is final when pid1 shuts down, when the restart policy does not want it back, or when the
 * policy's limit is reached; otherwise it waits out a back-off.
 *
 * Requests by name (pid1 ctl, a signal rule's restart) stop, start or restart one program.
 * Stopping enters the program's own ladder, as a hung program does. Its end then is no
 * failure and starts no restart: a stop leaves it STOPPED until started; a restart starts it
 * at once, not counted against the restart limit (a program in back-off had its failure
 * counted already).
 *
 * A start for which no process could be made (fork's EAGAIN under a pid limit) is no run:
 * the policy retries it after a back-off that grows with each such start in a row, so pid1
 * never spins on it, and nothing is counted against the limit, so a while of pid
 * exhaustion does not make a program give up for good.
 */
#include "config.h"

#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/child.h"
#include "state/state.h"

void program_reset(struct program *p)
{
	p->state = PROGRAM_WAITING;
	p->pid = 0;
	p->started = false;
	p->completed = false;
	p->exited = false;
	p->status = 0;
	p->deadline_ms = -1;
	p->watchdog_ms = 0;
	p->hung = HANG_NONE;
	p->stopping = false;
	p->request = PROGRAM_REQ_NONE;
	p->wait_since_ms = -1;
	p->wait_notices = 0;
}

/* An exit with status 0: what a oneshot must do before its dependants start. */
static bool succeeded(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* A running program ended (or its spawn failed) outside a shutdown. */
static unsigned int on_exit(struct program *p, int64_t now)
{
	unsigned int act = 0;
	int64_t delay;

	/* Hung is a failure, whatever it exited with once told to stop. */
	if (p->hung != HANG_NONE && succeeded(p->status))
		p->status = W_EXITCODE(1, 0);
	/* A oneshot that succeeded stays up for its dependants, even if it runs again. */
	if (p->type == PROGRAM_ONESHOT && succeeded(p->status) && !p->completed) {
		p->completed = true;
		act |= PROGRAM_ACT_UP;
	}
	if (restart_wanted(&p->restart, p->status)) {
		delay = restart_book(&p->restart, &p->history, now, &p->recent);
		if (delay >= 0) {
			p->state = PROGRAM_BACKOFF;
			p->backoff_ms = delay;
			p->deadline_ms = now + delay;
			return act | PROGRAM_ACT_BACKOFF;
		}
		act |= PROGRAM_ACT_GIVE_UP;
	}
	p->state =
	    p->type == PROGRAM_ONESHOT && succeeded(p->status) ? PROGRAM_DONE : PROGRAM_ENDED;
	return act | PROGRAM_ACT_ENDED;
}

/* Starts it now: the supervisor spawns it, then reports SPAWNED. */
static unsigned int start(struct program *p)
{
	p->state = PROGRAM_STARTING;
	p->deadline_ms = -1;
	p->hung = HANG_NONE;
	p->request = PROGRAM_REQ_NONE;
	return PROGRAM_ACT_SPAWN;
}

/* A longrun became ready: up for what comes after it; its watchdog counts from now. */
static unsigned int become_ready(struct program *p, int64_t now)
{
	p->state = PROGRAM_RUNNING;
	p->completed = true;
	p->deadline_ms = p->watchdog_ms > 0 ? now + p->watchdog_ms : -1;
	return PROGRAM_ACT_UP;
}

/*
 * Not ready in time, silent too long, or stopped on request (why HANG_NONE): the steps of the
 * shutdown ladder on it alone, the first one (or its stop-signal) now, each next one after
 * the grace of the one before.
 */
static unsigned int hang(struct program *p, int64_t now, enum program_hang why)
{
	p->state = PROGRAM_KILLING;
	p->hung = why;
	p->kill_step = 0;
	p->deadline_ms = now + (p->nsteps > 0 ? p->steps[0].grace_ms : 0);
	return PROGRAM_ACT_HUNG;
}

/* A grace is over: the next step; past the last, SIGKILL unless that step was SIGKILL. */
static unsigned int next_step(struct program *p, int64_t now)
{
	p->kill_step++;
	p->deadline_ms = -1;
	if (p->kill_step < p->nsteps) {
		p->deadline_ms = now + p->steps[p->kill_step].grace_ms;
		return PROGRAM_ACT_KILL;
	}
	if (p->kill_step == p->nsteps &&
	    (p->nsteps == 0 || p->steps[p->nsteps - 1].signo != SIGKILL))
		return PROGRAM_ACT_KILL;
	return 0;
}

static unsigned int spawned(struct program *p, int64_t now, pid_t pid)
{
	p->fork_err = 0;
	p->nofork = 0;
	p->pid = pid;
	p->started_ms = now;
	p->watchdog_ms = p->watchdog_conf_ms;
	p->stopping = false;
	if (p->stop_hook)
		p->deadline_ms = now + p->timeout_ms;
	else if (p->ready_timeout_ms > 0)
		p->deadline_ms = now + p->ready_timeout_ms;
	return 0;
}

/*
 * Its exec succeeded. A oneshot is ready once it exits 0; a longrun by default once its
 * command runs, not at fork: until exec the child may still fail, or be held stopped.
 */
static unsigned int execed(struct program *p, int64_t now)
{
	p->started = true;
	if (p->state == PROGRAM_STARTING && p->type == PROGRAM_LONGRUN &&
	    p->ready_mode == READY_STARTED)
		return become_ready(p, now);
	return 0;
}

/* Reaped, or its spawn failed (status then says so): never signalled again either way. */
static unsigned int ended(struct program *p, int64_t now, int status)
{
	bool stopping = p->state == PROGRAM_STOPPING;
	bool requested = p->state == PROGRAM_KILLING && p->request != PROGRAM_REQ_NONE;

	p->pid = 0;
	p->deadline_ms = -1;
	p->exited = true;
	p->status = status;
	if (requested && p->request == PROGRAM_REQ_RESTART)
		return start(p);
	if (requested) {
		p->state = PROGRAM_STOPPED;
		p->request = PROGRAM_REQ_NONE;
		return PROGRAM_ACT_STOPPED;
	}
	if (stopping) {
		p->state = PROGRAM_ENDED;
		return PROGRAM_ACT_ENDED;
	}
	return on_exit(p, now);
}

/*
 * It could not exec (or not be forked). A program that never ran ends for good, no restart
 * policy asked: its command will not be found the next time either. A restart that fails is
 * an exit like any other, and the policy may try again after its back-off.
 */
static unsigned int exec_failed(struct program *p, int64_t now, int status)
{
	if (p->started || p->state != PROGRAM_STARTING)
		return ended(p, now, status);
	p->pid = 0;
	p->deadline_ms = -1;
	p->exited = true;
	p->status = status;
	p->state = PROGRAM_ENDED;
	return PROGRAM_ACT_ENDED | PROGRAM_ACT_NOEXEC;
}

/* The shortest wait before another start when no process could be made: never a spin. */
#define NOFORK_MIN_DELAY_MS 100

/*
 * No process could be made for it (err: EAGAIN, ENOMEM). It did not run: its last end stands
 * while the policy retries, unless the policy wants no restart; then it ends as a program
 * that could not exec does.
 */
static unsigned int fork_failed(struct program *p, int64_t now, int err)
{
	int64_t delay;

	p->fork_err = err;
	p->pid = 0;
	p->deadline_ms = -1;
	if (restart_wanted(&p->restart, W_EXITCODE(EXIT_START_FAILED, 0))) {
		delay = restart_delay(&p->restart, p->nofork++);
		p->state = PROGRAM_BACKOFF;
		p->backoff_ms = delay > NOFORK_MIN_DELAY_MS ? delay : NOFORK_MIN_DELAY_MS;
		p->deadline_ms = now + p->backoff_ms;
		return PROGRAM_ACT_RETRY;
	}
	return exec_failed(p, now, W_EXITCODE(EXIT_START_FAILED, 0));
}

/*
 * The shutdown: what never started never will, a booked restart is dropped, and what runs
 * keeps running until the ladder ends it, its end then final.
 */
static unsigned int stop(struct program *p)
{
	switch (p->state) {
	case PROGRAM_WAITING:
		p->state = PROGRAM_ENDED;
		return 0;
	case PROGRAM_BACKOFF:
		p->state = PROGRAM_ENDED;
		p->deadline_ms = -1;
		return PROGRAM_ACT_CANCEL;
	case PROGRAM_STARTING:
		/* Due to start once the event is handled, not forked yet: it never will be. */
		if (p->pid == 0) {
			p->state = PROGRAM_ENDED;
			p->deadline_ms = -1;
			return 0;
		}
		/* fall through */
	case PROGRAM_RUNNING:
	case PROGRAM_KILLING:
		/* The ladder takes it from here: no watchdog, no ready-timeout, no grace. */
		p->state = PROGRAM_STOPPING;
		p->deadline_ms = -1;
		p->request = PROGRAM_REQ_NONE; /* and no restart on request */
		return 0;
	default:
		return 0;
	}
}

/* A stop hook that ran out of time: its end, whenever it comes, is final. */
static unsigned int timed_out(struct program *p)
{
	p->state = PROGRAM_STOPPING;
	p->deadline_ms = -1;
	return PROGRAM_ACT_TIMEOUT;
}

/* Time passed: a back-off over, or a deadline missed in the state that set it. */
static unsigned int tick(struct program *p, int64_t now)
{
	if (p->deadline_ms < 0 || now < p->deadline_ms)
		return 0;
	switch (p->state) {
	case PROGRAM_BACKOFF:
		return start(p);
	case PROGRAM_STARTING:
		return p->stop_hook ? timed_out(p) : hang(p, now, HANG_READY_TIMEOUT);
	case PROGRAM_RUNNING:
		return hang(p, now, HANG_WATCHDOG);
	case PROGRAM_KILLING:
		return next_step(p, now);
	default:
		return 0;
	}
}

/* A stop request: what runs gets its ladder, what waits or backs off just stops. */
static unsigned int halt(struct program *p, int64_t now)
{
	switch (p->state) {
	case PROGRAM_STARTING:
	case PROGRAM_RUNNING:
		p->request = PROGRAM_REQ_STOP;
		return hang(p, now, HANG_NONE);
	case PROGRAM_KILLING:
		/* A restart on request, or a hung program's restart policy, gives way. */
		p->request = PROGRAM_REQ_STOP;
		return 0;
	case PROGRAM_WAITING:
	case PROGRAM_BACKOFF:
		p->state = PROGRAM_STOPPED;
		p->deadline_ms = -1;
		return PROGRAM_ACT_STOPPED;
	default:
		return 0;
	}
}

/*
 * A restart request (again) or a start request: what runs is restarted, or left alone; a
 * stop under way becomes a restart; what the shutdown stops stays stopped; anything else
 * runs now.
 */
static unsigned int request(struct program *p, int64_t now, bool again)
{
	switch (p->state) {
	case PROGRAM_STARTING:
	case PROGRAM_RUNNING:
		if (!again)
			return 0;
		p->request = PROGRAM_REQ_RESTART;
		return hang(p, now, HANG_NONE);
	case PROGRAM_KILLING:
		p->request = PROGRAM_REQ_RESTART;
		return 0;
	case PROGRAM_STOPPING:
		return 0;
	default:
		return start(p);
	}
}

/* The table itself: each event acts only in the states named here, else does nothing. */
unsigned int program_step(struct program *p, enum program_event ev, int64_t now, pid_t pid,
			  int status)
{
	switch (ev) {
	case PROGRAM_EV_START:
		return p->state == PROGRAM_WAITING ? start(p) : 0;
	case PROGRAM_EV_SPAWNED:
		return program_running(p) ? spawned(p, now, pid) : 0;
	case PROGRAM_EV_EXECED:
		return program_running(p) ? execed(p, now) : 0;
	case PROGRAM_EV_NOEXEC:
		return program_running(p) ? exec_failed(p, now, status) : 0;
	case PROGRAM_EV_NOFORK:
		return p->state == PROGRAM_STARTING && p->pid == 0 ? fork_failed(p, now, status)
								   : 0;
	case PROGRAM_EV_EXIT:
		return program_running(p) ? ended(p, now, status) : 0;
	case PROGRAM_EV_LEFT:
		/* Being stopped, it is gone once what it started is too: the ladder goes on. */
		if (!program_running(p) || p->pid == 0)
			return 0;
		if (p->state != PROGRAM_KILLING && p->state != PROGRAM_STOPPING)
			return ended(p, now, status);
		p->pid = 0;
		p->status = status;
		return 0;
	case PROGRAM_EV_EMPTY:
		return program_left(p) ? ended(p, now, p->status) : 0;
	case PROGRAM_EV_TICK:
		return tick(p, now);
	case PROGRAM_EV_STOP:
		return stop(p);
	case PROGRAM_EV_READY:
		/* A oneshot's readiness is its exit 0; a second READY=1 changes nothing. */
		if (p->state == PROGRAM_STARTING && p->type == PROGRAM_LONGRUN && !p->stop_hook)
			return become_ready(p, now);
		return 0;
	case PROGRAM_EV_WATCHDOG:
		if (p->state == PROGRAM_RUNNING && p->watchdog_ms > 0)
			p->deadline_ms = now + p->watchdog_ms;
		return 0;
	case PROGRAM_EV_FAILING:
		return p->state == PROGRAM_RUNNING ? hang(p, now, HANG_HEALTH) : 0;
	case PROGRAM_EV_TRIGGER:
		if ((p->state == PROGRAM_STARTING && !p->stop_hook) || p->state == PROGRAM_RUNNING)
			return hang(p, now, HANG_TRIGGER);
		return 0;
	case PROGRAM_EV_STOPPING:
		/* What comes after it stays up: only pid1's own readiness changes. */
		p->stopping = program_running(p) && p->type == PROGRAM_LONGRUN;
		return 0;
	case PROGRAM_EV_HALT:
		/* A stop hook runs at shutdown only. */
		return p->stop_hook ? 0 : halt(p, now);
	case PROGRAM_EV_RESTART:
	case PROGRAM_EV_RUN:
		return p->stop_hook ? 0 : request(p, now, ev == PROGRAM_EV_RESTART);
	}
	return 0;
}

void program_extend(struct program *p, int64_t now, int64_t ms)
{
	if (p->state == PROGRAM_STARTING && !p->stop_hook && p->deadline_ms >= 0 && ms > 0 &&
	    now + ms > p->deadline_ms)
		p->deadline_ms = now + ms;
}

void program_set_watchdog(struct program *p, int64_t now, int64_t ms)
{
	p->watchdog_ms = ms > 0 ? ms : 0;
	if (p->state == PROGRAM_RUNNING)
		p->deadline_ms = ms > 0 ? now + ms : -1;
}

int64_t program_deadline(const struct program *p)
{
	return p->state == PROGRAM_BACKOFF || p->state == PROGRAM_STARTING ||
		       p->state == PROGRAM_RUNNING || p->state == PROGRAM_KILLING
		   ? p->deadline_ms
		   : -1;
}

bool program_running(const struct program *p)
{
	return p->state == PROGRAM_STARTING || p->state == PROGRAM_RUNNING ||
	       p->state == PROGRAM_KILLING || p->state == PROGRAM_STOPPING;
}

bool program_left(const struct program *p)
{
	return (p->state == PROGRAM_KILLING || p->state == PROGRAM_STOPPING) && p->pid == 0;
}

bool program_ready(const struct program *p)
{
	return p->type == PROGRAM_ONESHOT ? p->completed && !p->stop_hook
					  : p->state == PROGRAM_RUNNING && !p->stopping;
}

const char *program_describe_end(const struct program *p, char *buf, size_t len)
{
	if (p->fork_err != 0)
		snprintf(buf, len, "could not be started: %s", strerror(p->fork_err));
	else if (p->exited)
		program_describe_exit(p->status, p->oom_killed, buf, len);
	else
		strlcpy(buf, "-", len);
	return buf;
}

const char *program_status(const struct program *p)
{
	if (p->state == PROGRAM_KILLING && p->request == PROGRAM_REQ_STOP)
		return "stopping";
	if (p->state == PROGRAM_KILLING && p->request == PROGRAM_REQ_RESTART)
		return "restarting";
	return program_state_name(p->state);
}

const char *program_describe_exit(int status, bool oom_killed, char *buf, size_t len)
{
	if (oom_killed) {
		strlcpy(buf, PROGRAM_OOM_KILLED, len);
		return buf;
	}
	return exitcode_describe(status, buf, len);
}

const char *program_state_name(enum program_state state)
{
	static const char *const names[] = {"waiting", "starting", "running", "killing", "stopping",
					    "backoff", "done",	   "ended",   "stopped"};

	return (unsigned int)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}
