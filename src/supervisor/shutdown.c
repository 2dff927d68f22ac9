// SPDX-License-Identifier: MIT
/*
 * The shutdown ladder, in stages: the programs of the highest level that still run get
 * the ladder first, then the next level down, and last the whole scope (programs of level 0
 * and every leftover), as with a single child. Each step sends its signal and waits up to
 * its grace for the stage to empty; the reaper's wake-ups end a step early, the deadline (the poll
 * timeout, on CLOCK_MONOTONIC) ends it late. Nothing here sleeps or touches SIGALRM.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf/duration.h"
#include "output/log.h"
#include "core/loop.h"
#include "supervisor/shutdown.h"
#include "core/signame.h"
#include "core/target.h"

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

	if (st->ladder.step < 0 || (size_t)st->ladder.step >= ladder(st)->nsteps)
		return;
	duration_format(loop_now_ms() - st->ladder.step_started_ms, took, sizeof(took));
	if (timed_out)
		log_warn("shutdown step %d %s after %s", st->ladder.step + 1, how, took);
	else
		log_info("shutdown step %d %s after %s", st->ladder.step + 1, how, took);
}

/*
 * "web, php" for the running programs of a level (-1: every level), into buf; with own, not
 * those that get their own stop-signal instead of the step's.
 */
static const char *level_names(const struct pid1_state *st, int level, bool own, char *buf,
			       size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < st->nprograms; i++) {
		if ((level >= 0 && st->programs[i].level != level) ||
		    !program_running(&st->programs[i]) || (own && st->programs[i].stop_signal > 0))
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ", ", len);
		strlcat(buf, st->programs[i].name, len);
	}
	return buf;
}

/* On the first step of a stage, names the programs that get their own stop-signal instead. */
static void log_stop_signals(const struct pid1_state *st, int idx)
{
	const struct program *p;
	char name[SIGNAME_MAX];
	size_t i;

	if (idx != st->ladder.entry_step)
		return;
	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (p->level == st->ladder.stage && p->stop_signal > 0 && program_running(p))
			log_notice("shutdown step %d: %s to %s, its stop-signal", idx + 1,
				   signame_name(p->stop_signal, name, sizeof(name)), p->name);
	}
}

/* Whether a running program of level 0 has a stop-signal: level 0 then gets a stage of its own. */
static bool level0_stage(const struct pid1_state *st)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].level == 0 && st->programs[i].stop_signal > 0 &&
		    program_running(&st->programs[i]))
			return true;
	return false;
}

/* Sends signo to the current stage as step number idx (0-based) and arms its grace deadline. */
static void send_step(struct pid1_state *st, int idx, int signo, int64_t grace_ms)
{
	const struct shutdown_conf *sc = ladder(st);
	struct ladder *l = &st->ladder;
	char name[SIGNAME_MAX], grace[32], who[160], names[128];
	struct target_set set = {.level = -1};
	int left, rc;

	l->step = idx;
	l->step_started_ms = loop_now_ms();
	l->deadline_ms = l->step_started_ms + grace_ms;
	signame_name(signo, name, sizeof(name));
	duration_format(grace_ms, grace, sizeof(grace));
	if (l->stage >= 0) {
		/* Programs that come after others stop first, while what they need still runs. */
		left = target_count_level(st, l->stage);
		level_names(st, l->stage, idx == l->entry_step, who, sizeof(who));
		if (who[0] == '\0')
			strlcpy(who, "no other program", sizeof(who));
		log_stop_signals(st, idx);
		set.level = l->stage;
		set.first = idx == l->entry_step;
	} else {
		left = target_count(st, sc->scope);
		strlcpy(who, target_scope_name(sc->scope), sizeof(who));
		/* With several programs, which of them are still there. */
		if (st->nprograms > 1 && level_names(st, -1, false, names, sizeof(names))[0]) {
			strlcat(who, " (", sizeof(who));
			strlcat(who, names, sizeof(who));
			strlcat(who, ")", sizeof(who));
		}
		set.scope = sc->scope;
	}
	rc = target_step(st, &set, signo);
	if (rc < 0 && errno != ESRCH)
		log_warn("shutdown step %d: cannot send %s to %s: %m", idx + 1, name, who);
	if (left >= 0)
		log_notice("shutdown step %d/%zu: %s to %s, %d process%s left, grace %s", idx + 1,
			   sc->nsteps, name, who, left, left == 1 ? "" : "es", grace);
	else
		log_notice("shutdown step %d/%zu: %s to %s, grace %s", idx + 1, sc->nsteps, name,
			   who, grace);
}

static void finish(struct pid1_state *st, const char *why)
{
	st->phase = PHASE_DONE;
	st->ladder.deadline_ms = -1;
	log_info("shutdown finished: %s", why);
}

/* The highest level below below that still has running programs, else -1: the whole scope. */
static int next_stage(const struct pid1_state *st, int below)
{
	int level;

	/*
	 * Level 0 depends on nothing: it is stopped with the rest of the scope, unless one of
	 * its programs wants its own first signal, which the whole scope's cannot spare it.
	 */
	for (level = below - 1; level >= 1; level--)
		if (target_count_level(st, level) > 0)
			return level;
	return below > 0 && level0_stage(st) ? 0 : -1;
}

static void start_step(struct pid1_state *st, int idx);

/* The stage of one level is over: on to the next, from the entry step. */
static void next_stage_from(struct pid1_state *st, int idx)
{
	st->ladder.stage = next_stage(st, st->ladder.stage);
	start_step(st, idx);
}

/* Starts step idx of the stage, or moves on when the ladder has no more steps. */
static void start_step(struct pid1_state *st, int idx)
{
	const struct shutdown_conf *sc = ladder(st);
	char names[128];
	int left;

	if ((size_t)idx >= sc->nsteps && st->ladder.stage >= 0) {
		log_warn("shutdown ladder exhausted with %d program%s of level %d left: %s",
			 target_count_level(st, st->ladder.stage),
			 target_count_level(st, st->ladder.stage) == 1 ? "" : "s", st->ladder.stage,
			 level_names(st, st->ladder.stage, false, names, sizeof(names)));
		next_stage_from(st, st->ladder.entry_step);
		return;
	}
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
	return st->ladder.step < 0 ? st->ladder.entry_step : st->ladder.step + 1;
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
	struct ladder *l = &st->ladder;
	char delay[32];

	if (st->phase == PHASE_DONE)
		return;
	if (st->phase == PHASE_STOPPING) {
		log_notice("%s during shutdown: %s", why,
			   sc->on_repeat == ON_REPEAT_KILL ? "killing now"
							   : "skipping to the next step");
		end_step(st, "cut short", false);
		if (sc->on_repeat == ON_REPEAT_KILL) {
			/* Killing now means everything: no level waits for its own ladder. */
			l->stage = -1;
			kill_now(st);
		} else {
			start_step(st, next_step(st));
		}
		return;
	}
	st->phase = PHASE_STOPPING;
	l->entry_step = entry_step(sc, signo);
	l->stage = next_stage(st, st->max_level + 1);
	log_notice("shutdown begins: %s; scope %s, %zu step%s, from step %d", why,
		   target_scope_name(sc->scope), sc->nsteps, sc->nsteps == 1 ? "" : "s",
		   l->entry_step + 1);
	if (sc->delay_ms > 0) {
		/* Time for load balancers to stop sending work before anything is signalled. */
		l->step = -1;
		l->deadline_ms = loop_now_ms() + sc->delay_ms;
		log_info("waiting %s before the first step",
			 duration_format(sc->delay_ms, delay, sizeof(delay)));
		return;
	}
	start_step(st, l->entry_step);
}

void shutdown_tick(struct pid1_state *st)
{
	const struct shutdown_conf *sc = ladder(st);
	struct ladder *l = &st->ladder;

	if (st->phase != PHASE_STOPPING)
		return;
	if (l->stage >= 0 && target_count_level(st, l->stage) == 0) {
		if (l->step >= 0) {
			end_step(st, "ended: nothing left", false);
			next_stage_from(st, l->entry_step);
			return;
		}
		l->stage = next_stage(st, l->stage); /* gone during the delay */
	}
	if (l->stage < 0 && target_empty(st, sc->scope)) {
		end_step(st, "ended: nothing left", false);
		finish(st, "nothing left in scope");
		return;
	}
	if (loop_now_ms() < l->deadline_ms)
		return;
	end_step(st, "timed out", true);
	start_step(st, next_step(st));
}

int64_t shutdown_deadline(const struct pid1_state *st)
{
	const struct ladder *l = &st->ladder;
	int64_t recheck;

	if (st->phase != PHASE_STOPPING || l->deadline_ms < 0)
		return -1;
	/*
	 * SIGCHLD tells when pid1's own children end, but not when a process in the group or,
	 * as PID 1, anyone kill(-1) reached (docker exec, nsenter) does: look again meanwhile.
	 */
	recheck = loop_now_ms() + RECHECK_MS;
	if (ladder(st)->scope != SCOPE_CHILD && l->stage < 0 && l->step >= 0 &&
	    l->deadline_ms > recheck)
		return recheck;
	return l->deadline_ms;
}
