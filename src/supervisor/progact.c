// SPDX-License-Identifier: MIT
/*
 * What program_step() asks that concerns one program alone: the line that says it is ready,
 * and its own ladder when it hung or was stopped on request, a step at a time (supervisor/program.c
 * decides when). It signals through core/target.c and logs; it changes no state and calls no
 * supervisor, so the supervisor, readiness and requests can all lean on it.
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>

#include "conf/duration.h"
#include "output/log.h"
#include "core/loop.h"
#include "supervisor/progact.h"
#include "core/signame.h"
#include "core/target.h"

/* The signal a hung program gets first: its own stop-signal, else the ladder's first. */
static int first_signal(const struct program *p)
{
	if (p->stop_signal > 0)
		return p->stop_signal;
	return p->nsteps > 0 ? p->steps[0].signo : SIGKILL;
}

/* One step of p's own ladder, SIGCONT after it as in the shutdown's. */
static void send_step(const struct pid1_state *st, const struct program *p, int signo)
{
	const struct target_set set = {.program = p, .level = -1};

	if (target_step(st, &set, signo) < 0)
		log_warn("cannot signal %s: %m", p->name);
}

/* Why p is stopped: hung, or on request. */
static void log_hang(const struct program *p)
{
	int64_t limit = p->hung == HANG_WATCHDOG ? p->watchdog_ms : p->ready_timeout_ms;
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
	else if (p->hung == HANG_WATCHDOG)
		log_warn("%s[%d] hung: no sign of life within its watchdog of %s: stopping it",
			 p->name, (int)p->pid, text);
	else
		log_warn("%s[%d] not ready within its ready-timeout of %s: stopping it", p->name,
			 (int)p->pid, text);
}

void progact_run(const struct pid1_state *st, struct program *p, unsigned int actions)
{
	char took[32], name[SIGNAME_MAX];
	int signo;

	if ((actions & PROGRAM_ACT_UP) && p->type == PROGRAM_LONGRUN &&
	    p->ready_mode != READY_STARTED)
		log_info("%s[%d] ready after %s", p->name, (int)p->pid,
			 duration_format(loop_now_ms() - p->started_ms, took, sizeof(took)));
	if (actions & PROGRAM_ACT_HUNG) {
		log_hang(p);
		send_step(st, p, first_signal(p));
	}
	if (actions & PROGRAM_ACT_KILL) {
		signo = p->kill_step < p->nsteps ? p->steps[p->kill_step].signo : SIGKILL;
		duration_format(p->steps[p->kill_step - 1].grace_ms, took, sizeof(took));
		signame_name(signo, name, sizeof(name));
		/* Reaped already, what it left in its group is what the ladder waits for. */
		if (p->pid == 0)
			log_notice(
			    "%s: its group still running %s after step %zu of its ladder: %s",
			    p->name, took, p->kill_step, name);
		else
			log_notice("%s[%d] still running %s after step %zu of its ladder: %s",
				   p->name, (int)p->pid, took, p->kill_step, name);
		send_step(st, p, signo);
	}
	if (actions & PROGRAM_ACT_STOPPED)
		log_notice("%s stopped on request", p->name);
}
