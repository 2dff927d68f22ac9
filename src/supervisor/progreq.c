// SPDX-License-Identifier: MIT
/*
 * Requests by name (supervisor/progreq.h). Stopping on request enters the program's own ladder, as
 * a hung program does: its stop-signal (else the first step's) now, each later step of the shutdown
 * ladder after the grace of the one before. Its end then is no failure and starts no restart: a
 * stop leaves it STOPPED until started; a restart starts it at once, and is not counted against the
 * restart limit (a program in back-off had its failure counted already).
 */
#include "config.h"

#include "supervisor/progreq.h"

/* The first step of its own ladder now; supervisor/program.c's tick takes the next ones. */
static unsigned int begin_ladder(struct program *p, enum program_request req, int64_t now)
{
	p->state = PROGRAM_KILLING;
	p->request = req;
	p->hung = HANG_NONE;
	p->kill_step = 0;
	p->deadline_ms = now + (p->nsteps > 0 ? p->steps[0].grace_ms : 0);
	return PROGRAM_ACT_HUNG;
}

/* Starts it now: the supervisor spawns it, then reports SPAWNED. */
static unsigned int start_now(struct program *p)
{
	p->state = PROGRAM_STARTING;
	p->request = PROGRAM_REQ_NONE;
	p->hung = HANG_NONE;
	p->deadline_ms = -1;
	return PROGRAM_ACT_SPAWN;
}

/* A stop request: what runs gets its ladder, what waits or backs off just stops. */
static unsigned int halt(struct program *p, int64_t now)
{
	switch (p->state) {
	case PROGRAM_STARTING:
	case PROGRAM_RUNNING:
		return begin_ladder(p, PROGRAM_REQ_STOP, now);
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
static unsigned int start(struct program *p, int64_t now, bool again)
{
	switch (p->state) {
	case PROGRAM_STARTING:
	case PROGRAM_RUNNING:
		return again ? begin_ladder(p, PROGRAM_REQ_RESTART, now) : 0;
	case PROGRAM_KILLING:
		p->request = PROGRAM_REQ_RESTART;
		return 0;
	case PROGRAM_STOPPING:
		return 0;
	default:
		return start_now(p);
	}
}

unsigned int progreq_step(struct program *p, enum program_event ev, int64_t now)
{
	if (p->stop_hook)
		return 0; /* a stop hook runs at shutdown only */
	switch (ev) {
	case PROGRAM_EV_HALT:
		return halt(p, now);
	case PROGRAM_EV_RESTART:
		return start(p, now, true);
	case PROGRAM_EV_RUN:
		return start(p, now, false);
	default:
		return 0;
	}
}

unsigned int progreq_ended(struct program *p)
{
	if (p->request == PROGRAM_REQ_RESTART)
		return start_now(p);
	p->state = PROGRAM_STOPPED;
	p->request = PROGRAM_REQ_NONE;
	return PROGRAM_ACT_STOPPED;
}
