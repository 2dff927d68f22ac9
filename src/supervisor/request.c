// SPDX-License-Identifier: MIT
/*
 * Requests by name (supervisor/request.h). The program's state machine decides
 * (supervisor/progreq.c), the supervisor spawns, the ladder signals (supervisor/shutdown.c): here
 * the request is checked, logged and answered. A program stopped on request does not end the
 * container, even an essential one, as supervisorctl stop does not end supervisord: `pid1 ctl
 * shutdown` does that.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "output/log.h"
#include "core/loop.h"
#include "supervisor/request.h"
#include "core/signame.h"
#include "supervisor/supervise.h"
#include "core/target.h"

struct program *request_find(struct pid1_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (!st->programs[i].stop_hook && strcmp(st->programs[i].name, name) == 0)
			return &st->programs[i];
	return NULL;
}

static const char *verb(enum program_event ev)
{
	return ev == PROGRAM_EV_HALT ? "stop" : ev == PROGRAM_EV_RESTART ? "restart" : "start";
}

int request_program(struct pid1_state *st, struct program *p, enum program_event ev,
		    const char *who, char *msg, size_t len)
{
	enum program_state before = p->state;
	unsigned int actions;

	if (st->phase != PHASE_RUN) {
		snprintf(msg, len, "pid1 is shutting down: %s not %sed", p->name,
			 ev == PROGRAM_EV_HALT ? "stopp" : verb(ev));
		return -1;
	}
	log_notice("%s of %s requested by %s (%s)", verb(ev), p->name, who,
		   program_state_name(before));
	actions = program_step(p, ev, loop_now_ms(), 0, 0);
	supervise_act(st, p, actions);
	if (actions == 0)
		snprintf(msg, len, "%s: nothing to do, it is %s", p->name, request_state_name(p));
	else
		snprintf(msg, len, "%s: %s", p->name, request_state_name(p));
	return 0;
}

int request_signal(struct pid1_state *st, struct program *p, int signo, const char *who, char *msg,
		   size_t len)
{
	char name[SIGNAME_MAX];

	(void)st;
	signame_name(signo, name, sizeof(name));
	if (!program_running(p)) {
		snprintf(msg, len, "%s is not running (%s)", p->name, program_state_name(p->state));
		return -1;
	}
	log_notice("%s to %s[%d] requested by %s", name, p->name, (int)p->pid, who);
	if (target_signal_program(p, signo) < 0) {
		snprintf(msg, len, "cannot send %s to %s: %s", name, p->name, strerror(errno));
		return -1;
	}
	snprintf(msg, len, "%s sent to %s (pid %d)", name, p->name, (int)p->pid);
	return 0;
}

const char *request_state_name(const struct program *p)
{
	if (p->state == PROGRAM_KILLING && p->request == PROGRAM_REQ_STOP)
		return "stopping";
	if (p->state == PROGRAM_KILLING && p->request == PROGRAM_REQ_RESTART)
		return "restarting";
	return program_state_name(p->state);
}
