// SPDX-License-Identifier: MIT
/*
 * The shutdown ladder. Each step sends its signal to the scope and waits up to its grace
 * for the scope to empty; the reaper's wake-ups end a step early, the deadline (the poll
 * timeout, on CLOCK_MONOTONIC) ends it late. Nothing here sleeps or touches SIGALRM.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "duration.h"
#include "log.h"
#include "loop.h"
#include "restart.h"
#include "shutdown.h"
#include "signame.h"
#include "target.h"

/* How often the ladder looks whether processes that are not pid1's children are gone. */
#define RECHECK_MS 100

static const struct shutdown_conf *ladder(const struct pid1_state *st)
{
	return &st->conf->shutdown;
}

/*
 * Logs how the step that is ending went. A step that ran out of time is a warning: something
 * ignored its signal and is about to get a harsher one.
 */
static void end_step(const struct pid1_state *st, const char *how, bool timed_out)
{
	char took[32];

	if (st->step < 0 || (size_t)st->step >= ladder(st)->nsteps)
		return;
	duration_format(loop_now_ms() - st->step_started_ms, took, sizeof(took));
	if (timed_out)
		log_warn("shutdown step %d %s after %s", st->step + 1, how, took);
	else
		log_info("shutdown step %d %s after %s", st->step + 1, how, took);
}

/* Sends signo to the scope as step number idx (0-based) and arms its grace deadline. */
static void send_step(struct pid1_state *st, int idx, int signo, int64_t grace_ms)
{
	const struct shutdown_conf *sc = ladder(st);
	char name[SIGNAME_MAX], grace[32];
	int left = target_count(st, sc->scope);

	st->step = idx;
	st->step_started_ms = loop_now_ms();
	st->deadline_ms = st->step_started_ms + grace_ms;
	signame_name(signo, name, sizeof(name));
	duration_format(grace_ms, grace, sizeof(grace));
	if (target_signal(st, sc->scope, signo) < 0 && errno != ESRCH)
		log_warn("shutdown step %d: cannot send %s to %s: %m", idx + 1, name,
			 target_scope_name(sc->scope));
	/* A stopped process cannot act on the signal until it runs again (as systemd does). */
	if (signo != SIGKILL && signo != SIGCONT)
		target_signal(st, sc->scope, SIGCONT);
	if (left >= 0)
		log_notice("shutdown step %d/%zu: %s to %s, %d process%s left, grace %s", idx + 1,
			   sc->nsteps, name, target_scope_name(sc->scope), left,
			   left == 1 ? "" : "es", grace);
	else
		log_notice("shutdown step %d/%zu: %s to %s, grace %s", idx + 1, sc->nsteps, name,
			   target_scope_name(sc->scope), grace);
}

static void finish(struct pid1_state *st, const char *why)
{
	st->shutting_down = false;
	st->deadline_ms = -1;
	st->done = true;
	log_info("shutdown finished: %s", why);
}

/* Starts step idx, or finishes when the ladder has no more steps. */
static void start_step(struct pid1_state *st, int idx)
{
	const struct shutdown_conf *sc = ladder(st);
	int left;

	if ((size_t)idx >= sc->nsteps) {
		left = target_count(st, sc->scope);
		if (left > 0)
			log_warn("shutdown ladder exhausted with %d process%s left in scope %s",
				 left, left == 1 ? "" : "es", target_scope_name(sc->scope));
		finish(st, "ladder exhausted");
		return;
	}
	send_step(st, idx, sc->steps[idx].signo, sc->steps[idx].grace_ms);
}

/* A repeated shutdown signal with on-repeat = kill: SIGKILL now, as an extra last step. */
static void kill_now(struct pid1_state *st)
{
	const struct shutdown_conf *sc = ladder(st);
	int64_t grace = sc->nsteps > 0 ? sc->steps[sc->nsteps - 1].grace_ms : 1000;

	send_step(st, (int)sc->nsteps - 1, SIGKILL, grace);
}

/* The step after the current one; after the delay, the step the ladder is entered at. */
static int next_step(const struct pid1_state *st)
{
	return st->step < 0 ? st->entry_step : st->step + 1;
}

/*
 * Where the ladder starts: by default at the step whose signal started the shutdown, so a
 * program that handles only SIGTERM gets SIGTERM from docker stop; otherwise at the first.
 */
static int entry_step(const struct shutdown_conf *sc, int signo)
{
	size_t i;

	if (sc->enter == ENTER_RECEIVED && signo > 0)
		for (i = 0; i < sc->nsteps; i++)
			if (sc->steps[i].signo == signo)
				return (int)i;
	return 0;
}

void shutdown_begin(struct pid1_state *st, const char *why, int signo)
{
	const struct shutdown_conf *sc = ladder(st);
	char delay[32];

	/* A shutdown during the restart back-off: the child stays down. */
	restart_cancel(st);
	if (st->shutting_down) {
		log_notice("%s during shutdown: %s", why,
			   sc->on_repeat == ON_REPEAT_KILL ? "killing now"
							   : "skipping to the next step");
		end_step(st, "cut short", false);
		if (sc->on_repeat == ON_REPEAT_KILL)
			kill_now(st);
		else
			start_step(st, next_step(st));
		return;
	}
	st->shutting_down = true;
	st->entry_step = entry_step(sc, signo);
	log_notice("shutdown begins: %s; scope %s, %zu step%s, from step %d", why,
		   target_scope_name(sc->scope), sc->nsteps, sc->nsteps == 1 ? "" : "s",
		   st->entry_step + 1);
	if (sc->delay_ms > 0) {
		/* Time for load balancers to stop sending work before anything is signalled. */
		st->step = -1;
		st->deadline_ms = loop_now_ms() + sc->delay_ms;
		log_info("waiting %s before the first step",
			 duration_format(sc->delay_ms, delay, sizeof(delay)));
		return;
	}
	start_step(st, st->entry_step);
}

void shutdown_tick(struct pid1_state *st)
{
	const struct shutdown_conf *sc = ladder(st);

	if (!st->shutting_down)
		return;
	if (target_empty(st, sc->scope)) {
		end_step(st, "ended: nothing left", false);
		finish(st, "nothing left in scope");
		return;
	}
	if (loop_now_ms() < st->deadline_ms)
		return;
	end_step(st, "timed out", true);
	start_step(st, next_step(st));
}

int shutdown_timeout(const struct pid1_state *st)
{
	int timeout;

	if (!st->shutting_down || st->deadline_ms < 0)
		return -1;
	timeout = loop_timeout_until(st->deadline_ms);
	/*
	 * SIGCHLD tells when pid1's own children end, but not when a process in the group or,
	 * as PID 1, anyone kill(-1) reached (docker exec, nsenter) does: look again meanwhile.
	 */
	if (ladder(st)->scope != SCOPE_CHILD && st->step >= 0 && timeout > RECHECK_MS)
		timeout = RECHECK_MS;
	return timeout;
}
