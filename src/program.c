// SPDX-License-Identifier: MIT
/*
 * The state machine of one program, as a table of what each event does in each state.
 * A program is up for those that come after it once a longrun is spawned or a oneshot has
 * exited 0. Its end is final when pid1 shuts down, when the restart policy does not want
 * it back, or when the policy's limit is reached; otherwise it waits out a back-off.
 */
#include "config.h"

#include <sys/wait.h>

#include "program.h"
#include "progreq.h"

void program_reset(struct program *p)
{
	p->state = PROGRAM_WAITING;
	p->pid = 0;
	p->pgid = 0;
	p->started = false;
	p->completed = false;
	p->exited = false;
	p->status = 0;
	p->deadline_ms = -1;
	p->request = PROGRAM_REQ_NONE;
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
	if (p->type == PROGRAM_ONESHOT && succeeded(p->status)) {
		p->state = PROGRAM_DONE;
		return act | PROGRAM_ACT_ENDED;
	}
	p->state = PROGRAM_ENDED;
	return act | PROGRAM_ACT_ENDED;
}

/* WAITING, or BACKOFF once it is over: the supervisor spawns it, then reports SPAWNED. */
static unsigned int start(struct program *p)
{
	p->state = PROGRAM_RUNNING;
	p->deadline_ms = -1;
	return PROGRAM_ACT_SPAWN;
}

/* The group is the pid when it leads one: kept after its end, for what it left behind. */
static unsigned int spawned(struct program *p, int64_t now, pid_t pid)
{
	p->pid = pid;
	p->pgid = p->spawn.own_group ? pid : 0;
	p->started = true;
	p->started_ms = now;
	if (p->stop_hook)
		p->deadline_ms = now + p->timeout_ms;
	/* A longrun is up once it runs (no readiness yet); a oneshot once it exits 0. */
	return p->type == PROGRAM_LONGRUN ? PROGRAM_ACT_UP : 0;
}

/* Reaped, or its spawn failed (status then says so): never signalled again either way. */
static unsigned int ended(struct program *p, int64_t now, int status)
{
	bool stopping = p->state == PROGRAM_STOPPING;

	p->pid = 0;
	p->deadline_ms = -1;
	p->exited = true;
	p->status = status;
	if (stopping && p->request != PROGRAM_REQ_NONE)
		return progreq_ended(p);
	if (stopping) {
		p->state = PROGRAM_ENDED;
		return PROGRAM_ACT_ENDED;
	}
	return on_exit(p, now);
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
	case PROGRAM_RUNNING:
		p->state = PROGRAM_STOPPING;
		return 0;
	case PROGRAM_STOPPING:
		progreq_cancel(p);
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

/* The table itself: each event acts only in the states named here, else does nothing. */
unsigned int program_step(struct program *p, enum program_event ev, int64_t now, pid_t pid,
			  int status)
{
	switch (ev) {
	case PROGRAM_EV_START:
		return p->state == PROGRAM_WAITING ? start(p) : 0;
	case PROGRAM_EV_SPAWNED:
		return program_running(p) ? spawned(p, now, pid) : 0;
	case PROGRAM_EV_EXIT:
		return program_running(p) ? ended(p, now, status) : 0;
	case PROGRAM_EV_TICK:
		if (p->state == PROGRAM_BACKOFF && now >= p->deadline_ms)
			return start(p);
		if (p->state == PROGRAM_RUNNING && p->deadline_ms >= 0 && now >= p->deadline_ms)
			return timed_out(p);
		if (p->state == PROGRAM_STOPPING && p->request != PROGRAM_REQ_NONE &&
		    p->deadline_ms >= 0 && now >= p->deadline_ms)
			return progreq_tick(p, now);
		return 0;
	case PROGRAM_EV_STOP:
		return stop(p);
	case PROGRAM_EV_HALT:
	case PROGRAM_EV_RESTART:
	case PROGRAM_EV_RUN:
		return progreq_step(p, ev, now);
	}
	return 0;
}

int64_t program_deadline(const struct program *p)
{
	return p->state == PROGRAM_BACKOFF || p->state == PROGRAM_RUNNING ||
		       p->state == PROGRAM_STOPPING
		   ? p->deadline_ms
		   : -1;
}

bool program_running(const struct program *p)
{
	return p->state == PROGRAM_RUNNING || p->state == PROGRAM_STOPPING;
}

bool program_ready(const struct program *p)
{
	return p->type == PROGRAM_ONESHOT ? p->completed : p->state == PROGRAM_RUNNING;
}

const char *program_state_name(enum program_state state)
{
	static const char *const names[] = {"waiting", "running", "stopping", "backoff",
					    "done",    "ended",	  "stopped"};

	return (unsigned int)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}
