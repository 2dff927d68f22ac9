// SPDX-License-Identifier: MIT
/*
 * The container's phase. In RUN programs start, run and restart. A shutdown (a signal, a
 * request, an essential program's end, a failed start-up) first holds every program, runs the
 * stop hooks (HOOKS), then the ladder (STOPPING) in stages: the programs of the highest level
 * that still run first, then the next level down, and last the whole scope (level 0 and every
 * leftover), as with a single child. Each step sends its signal and waits up to its grace for
 * the stage to empty; reaps end a step early, the deadline (the poll timeout) ends it late.
 * A shutdown asked again cuts the hooks, the delay or a step short, unless it is the same
 * request delivered twice (REPEAT_MS).
 * A shutdown budget (shutdown { budget }, $PID1_SHUTDOWN_BUDGET) bounds it all: the delay, the
 * stop hooks and every stage's ladder get their configured times scaled by what fits over the
 * configured worst case (what -n prints), and when the budget less its reserve is spent,
 * whatever is left in scope gets SIGKILL at once, so that pid1 exits before the runtime's own.
 * What the scope holds is asked of supervisor/target.c by phase_step()'s caller. A stop hook
 * that fails leaves pid1's exit code alone: that is the programs' outcome.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "core/duration.h"
#include "core/child.h"
#include "core/signame.h"
#include "supervisor/supervise.h"
#include "core/log.h"

/* How often the ladder looks whether processes that are not pid1's children are gone. */
#define RECHECK_MS 100

/*
 * A shutdown signal that comes sooner than this after the one that last counted is the same
 * request delivered twice (timeout(1) signals its child, then the child's group; a terminal
 * and a shell both pass on one Ctrl-C), not a second: it must not cut a grace short. A
 * human's second Ctrl-C comes later than this.
 */
#define REPEAT_MS 250

/*
 * The part of a shutdown budget kept for the final SIGKILL and for pid1's own exit: a tenth,
 * at most a second. pid1 waits half of it for the killed to go, and is gone with the other
 * half to spare before the runtime, whose clock started a little before pid1 heard of it.
 */
static int64_t reserve_ms(int64_t budget_ms)
{
	return budget_ms / 10 < 1000 ? budget_ms / 10 : 1000;
}

int64_t phase_budget_fit(int64_t budget_ms)
{
	return budget_ms - reserve_ms(budget_ms);
}

int64_t phase_scale(int64_t ms, int64_t worst_ms, int64_t fit_ms)
{
	if (worst_ms <= fit_ms || worst_ms <= 0)
		return ms;
	return ms * fit_ms / worst_ms;
}

/* Whether a shutdown budget is in force. */
static bool budgeted(const struct pid1_state *st)
{
	return st->conf->shutdown.budget_ms > 0;
}

/* A configured time as the shutdown under way may spend it. */
static int64_t scaled(const struct pid1_state *st, int64_t ms)
{
	return budgeted(st) ? phase_scale(ms, st->ladder.worst_ms, st->ladder.fit_ms) : ms;
}

static void push(struct phase_actions *out, struct phase_action a)
{
	if (out->n < sizeof(out->a) / sizeof(out->a[0]))
		out->a[out->n++] = a;
}

/* Whether a stop hook has not run yet. */
static bool hooks_pending(const struct pid1_state *st)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].stop_hook && st->programs[i].state == PROGRAM_WAITING)
			return true;
	return false;
}

/* Whether p has ended for the hooks after it: run, and no longer waited for. */
static bool over(const struct program *p)
{
	return p->state != PROGRAM_WAITING && p->state != PROGRAM_STARTING;
}

struct program *phase_next_hook(const struct pid1_state *st)
{
	struct program *p;
	size_t i, j;

	if (st->phase != PHASE_HOOKS)
		return NULL;
	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (!p->stop_hook || p->state != PROGRAM_WAITING)
			continue;
		for (j = 0; j < p->nafter && over(&st->programs[p->after[j]]); j++)
			;
		if (j == p->nafter)
			return p;
	}
	return NULL;
}

/* Feeds PROGRAM_EV_STOP to the programs (hooks: the stop hooks alone), their cancels to out. */
static void stop_programs(struct pid1_state *st, bool hooks, int64_t now, struct phase_actions *out)
{
	struct program *p;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (p->stop_hook != hooks ||
		    !(program_step(p, PROGRAM_EV_STOP, now, 0, 0) & PROGRAM_ACT_CANCEL))
			continue;
		/* Its last end stands: an essential program's status is pid1's exit code. */
		if (p->essential && st->decider == NULL)
			st->decider = p;
		push(out, (struct phase_action){.kind = PHASE_ACT_CANCEL, .p = p});
	}
}

static int running(const struct pid1_state *st, int level)
{
	int n = 0;
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		n += st->programs[i].level == level && program_running(&st->programs[i]);
	return n;
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

/* The highest level below below that still has running programs, else -1: the whole scope. */
static int next_stage(const struct pid1_state *st, int below)
{
	int level;

	/*
	 * Level 0 depends on nothing: it is stopped with the rest of the scope, unless one of
	 * its programs wants its own first signal, which the whole scope's cannot spare it.
	 */
	for (level = below - 1; level >= 1; level--)
		if (running(st, level) > 0)
			return level;
	return below > 0 && level0_stage(st) ? 0 : -1;
}

/* The step that is ending, for the log; a step that ran out of time is a warning. */
static void end_step(const struct pid1_state *st, int64_t now, const char *how, bool warn,
		     struct phase_actions *out)
{
	const struct ladder *l = &st->ladder;

	if (l->step >= 0 && (size_t)l->step < st->conf->shutdown.nsteps)
		push(out, (struct phase_action){.kind = PHASE_ACT_END_STEP,
						.why = how,
						.step = l->step,
						.stage = l->stage,
						.warn = warn,
						.ms = now - l->step_started_ms});
}

/* signo to the current stage as step idx, its grace from now. */
static void send_step(struct pid1_state *st, int64_t now, int idx, int signo, int64_t grace_ms,
		      struct phase_actions *out)
{
	struct ladder *l = &st->ladder;

	l->step = idx;
	l->step_started_ms = now;
	l->deadline_ms = now + grace_ms;
	/* No grace outlasts the budget: when it is spent, the final SIGKILL comes instead. */
	if (budgeted(st) && !l->final && l->deadline_ms > l->cutoff_ms)
		l->deadline_ms = l->cutoff_ms;
	push(out, (struct phase_action){.kind = PHASE_ACT_SEND,
					.step = idx,
					.signo = signo,
					.stage = l->stage,
					.first = idx == l->entry_step && !l->final,
					.ms = l->deadline_ms - now});
}

static void finish(struct pid1_state *st, const char *why, struct phase_actions *out)
{
	st->phase = PHASE_DONE;
	st->ladder.deadline_ms = -1;
	push(out, (struct phase_action){.kind = PHASE_ACT_FINISH, .why = why});
}

/* Starts step idx of the stage; past the last step, the next stage, or the end. */
static void start_step(struct pid1_state *st, int64_t now, int idx, struct phase_actions *out)
{
	const struct shutdown_conf *sc = &st->conf->shutdown;
	struct ladder *l = &st->ladder;

	while ((size_t)idx >= sc->nsteps && l->stage >= 0) {
		push(out, (struct phase_action){.kind = PHASE_ACT_EXHAUSTED, .stage = l->stage});
		l->stage = next_stage(st, l->stage);
		idx = l->entry_step;
	}
	if ((size_t)idx >= sc->nsteps) {
		push(out, (struct phase_action){.kind = PHASE_ACT_EXHAUSTED, .stage = -1});
		finish(st, "ladder exhausted", out);
		return;
	}
	send_step(st, now, idx, sc->steps[idx].signo, scaled(st, sc->steps[idx].grace_ms), out);
}

/* SIGKILL to the whole scope, no level waiting for its own ladder, as the last step. */
static void kill_all(struct pid1_state *st, int64_t now, int64_t grace_ms,
		     struct phase_actions *out)
{
	const struct shutdown_conf *sc = &st->conf->shutdown;

	st->ladder.stage = -1;
	send_step(st, now, (int)sc->nsteps - 1, SIGKILL, grace_ms, out);
}

/* The budget less its reserve is spent: the final SIGKILL, with half the reserve to go. */
static void budget_spent(struct pid1_state *st, int64_t now, struct phase_actions *out)
{
	struct ladder *l = &st->ladder;

	push(out, (struct phase_action){.kind = PHASE_ACT_SPENT,
					.stage = l->stage,
					.step = l->step,
					.ms = now - (l->cutoff_ms - l->fit_ms)});
	l->final = true;
	kill_all(st, now, reserve_ms(st->conf->shutdown.budget_ms) / 2, out);
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

/*
 * The worst case of a shutdown, from the configuration alone: the delay once, then the stop
 * hooks, then one ladder per stage, each from the entry step to the end of its last grace.
 * A stop-signal replaces a step's signal, never its grace, so it changes the count of stages
 * only. How many ladders a shutdown may run: one per stage, as next_stage() finds them.
 */

/* 1 when level l of a program run at start-up (own: with a stop-signal) adds a stage. */
static int add_stage(bool *seen, int l, bool own)
{
	if (l < 0 || l > CONF_MAX_PROGRAMS || (l == 0 && !own) || seen[l])
		return 0;
	seen[l] = true;
	return 1;
}

static int count_stages(const struct pid1_conf *conf, const int *levels)
{
	bool seen[CONF_MAX_PROGRAMS + 1] = {false};
	int n = 1; /* the whole scope, level 0 with it */
	size_t i;

	for (i = 0; i < conf->nprograms; i++)
		if (conf->programs[i].when == WHEN_START)
			n += add_stage(seen, levels[i], conf->programs[i].stop_signal != 0);
	return n;
}

/* The graces of the steps from idx to the last. */
static int64_t ladder_ms(const struct shutdown_conf *sc, size_t idx)
{
	int64_t ms = 0;

	for (; idx < sc->nsteps; idx++)
		ms += sc->steps[idx].grace_ms;
	return ms;
}

static int64_t worst_ms(const struct shutdown_conf *sc, int64_t hooks_ms, int stages, size_t idx)
{
	return sc->delay_ms + hooks_ms + stages * ladder_ms(sc, idx);
}

/*
 * The same from the table of programs, as -n counts it from the file: the stop hooks' share
 * (for each of their levels, the longest timeout) into hooks_ms, entering at step idx.
 */
static int64_t worst_of(const struct pid1_state *st, size_t idx, int64_t *hooks_ms)
{
	bool seen[CONF_MAX_PROGRAMS + 1] = {false};
	int64_t longest[CONF_MAX_PROGRAMS + 1] = {0};
	const struct program *p;
	int n = 1, l;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		if (!p->stop_hook)
			n += add_stage(seen, p->level, p->stop_signal > 0);
		else if (p->level >= 0 && p->level <= CONF_MAX_PROGRAMS &&
			 p->timeout_ms > longest[p->level])
			longest[p->level] = p->timeout_ms;
	}
	*hooks_ms = 0;
	for (l = 0; l <= CONF_MAX_PROGRAMS; l++)
		*hooks_ms += longest[l];
	return worst_ms(&st->conf->shutdown, *hooks_ms, n, idx);
}

/* At start-up: a configured worst case the budget cannot hold is a warning. */
static void budget_check(struct pid1_state *st, struct phase_actions *out)
{
	int64_t hooks_ms, worst = worst_of(st, 0, &hooks_ms);

	if (budgeted(st) && worst > phase_budget_fit(st->conf->shutdown.budget_ms))
		push(out, (struct phase_action){.kind = PHASE_ACT_OVER_BUDGET, .ms = worst});
}

/* A shutdown begins at now: its budget runs from now, its times scaled to fit. */
static void budget_begin(struct pid1_state *st, int64_t now, int signo, struct phase_actions *out)
{
	const struct shutdown_conf *sc = &st->conf->shutdown;
	struct ladder *l = &st->ladder;
	int64_t hooks_ms;

	if (!budgeted(st))
		return;
	l->worst_ms = worst_of(st, (size_t)entry_step(sc, signo), &hooks_ms);
	l->fit_ms = phase_budget_fit(sc->budget_ms);
	l->cutoff_ms = now + l->fit_ms;
	l->hooks_end_ms = now + scaled(st, hooks_ms);
	l->final = false;
	push(out, (struct phase_action){.kind = PHASE_ACT_BUDGET, .ms = sc->budget_ms});
}

/* Starts the ladder, or, when it runs, applies the repeat policy. */
static void ladder_begin(struct pid1_state *st, int64_t now, const char *why, int signo,
			 struct phase_actions *out)
{
	const struct shutdown_conf *sc = &st->conf->shutdown;
	struct ladder *l = &st->ladder;
	bool kill = sc->on_repeat == ON_REPEAT_KILL;

	if (st->phase == PHASE_DONE)
		return;
	if (st->phase == PHASE_STOPPING) {
		push(out, (struct phase_action){.kind = PHASE_ACT_REPEAT,
						.why = why,
						.step = l->step,
						.signo = kill ? SIGKILL : 0});
		end_step(st, now, "cut short", false, out);
		if (!kill) {
			start_step(st, now, next_step(st), out);
			return;
		}
		/* Killing now means everything: no level waits for its own ladder. */
		kill_all(st, now, scaled(st, sc->steps[sc->nsteps - 1].grace_ms), out);
		return;
	}
	st->phase = PHASE_STOPPING;
	l->entry_step = entry_step(sc, signo);
	l->stage = next_stage(st, st->max_level + 1);
	push(out,
	     (struct phase_action){.kind = PHASE_ACT_BEGIN, .why = why, .step = l->entry_step});
	if (scaled(st, sc->delay_ms) > 0) {
		/* Time for load balancers to stop sending work before anything is signalled. */
		l->step = -1;
		l->deadline_ms = now + scaled(st, sc->delay_ms);
		push(out, (struct phase_action){.kind = PHASE_ACT_DELAY,
						.ms = scaled(st, sc->delay_ms)});
		return;
	}
	start_step(st, now, l->entry_step, out);
}

/* Hooks not started never will; those that run are left to the ladder. */
static void cut_hooks(struct pid1_state *st, int64_t now, struct phase_actions *out)
{
	stop_programs(st, true, now, out);
	ladder_begin(st, now, st->hooks_why, st->hooks_signo, out);
}

/* A shutdown asked while running holds the programs and runs the stop hooks first. */
static void shutdown(struct pid1_state *st, int64_t now, const char *why, int signo,
		     struct phase_actions *out)
{
	size_t i, n = 0;

	if (st->phase == PHASE_RUN) {
		budget_begin(st, now, signo, out);
		stop_programs(st, false, now, out);
		if (hooks_pending(st)) {
			for (i = 0; i < st->nprograms; i++)
				n += st->programs[i].stop_hook;
			st->phase = PHASE_HOOKS;
			strlcpy(st->hooks_why, why, sizeof(st->hooks_why));
			st->hooks_signo = signo;
			push(out, (struct phase_action){
				      .kind = PHASE_ACT_HOOKS, .why = why, .count = n});
			return;
		}
	} else if (st->phase == PHASE_HOOKS) {
		push(out, (struct phase_action){.kind = PHASE_ACT_CUT, .why = why});
		cut_hooks(st, now, out);
		return;
	}
	ladder_begin(st, now, why, signo, out);
}

/* Nothing is left to stop: pid1 is done, once its stop hooks have run. */
static void nothing_left(struct pid1_state *st, int64_t now, const char *why,
			 struct phase_actions *out)
{
	if (hooks_pending(st))
		shutdown(st, now, why, 0, out);
	else
		st->phase = PHASE_DONE;
}

/* An essential program ended for good: its status is pid1's exit code, on-child-exit decides. */
static void essential_ended(struct pid1_state *st, const struct phase_input *in,
			    struct phase_actions *out)
{
	const struct program *p = in->p;

	switch (st->conf->shutdown.on_child_exit) {
	case ON_CHILD_EXIT_EXIT:
		st->phase = PHASE_DONE;
		return;
	case ON_CHILD_EXIT_WAIT:
		/*
		 * For programs that daemonize: what they left is adopted by pid1, and each end
		 * is a SIGCHLD; once the reaper finds none left (REAPED), the container is over.
		 */
		if (!st->waiting && st->children_left)
			push(out,
			     (struct phase_action){.kind = PHASE_ACT_WAIT, .p = p, .why = in->why});
		st->waiting = true;
		stop_programs(st, false, in->now, out);
		return;
	default:
		break;
	}
	if (!in->empty) {
		snprintf(out->line, sizeof(out->line), "%s %s while other processes remain",
			 p->name, in->why);
		shutdown(st, in->now, out->line, 0, out);
	} else if (hooks_pending(st)) {
		/* The line is made only for stop hooks to be told why: a common end pays none. */
		snprintf(out->line, sizeof(out->line), "%s %s", p->name, in->why);
		shutdown(st, in->now, out->line, 0, out);
	} else {
		st->phase = PHASE_DONE;
	}
}

/* The ladder moves on: next stage when one is empty, next step when a grace is over. */
static void tick(struct pid1_state *st, const struct phase_input *in, struct phase_actions *out)
{
	struct ladder *l = &st->ladder;

	if (l->stage >= 0 && running(st, l->stage) == 0) {
		if (l->step >= 0) {
			end_step(st, in->now, "ended", false, out);
			l->stage = next_stage(st, l->stage);
			/* What the levels left has ended too: no step for an empty scope. */
			if (l->stage < 0 && in->empty) {
				finish(st, "nothing left in scope", out);
				return;
			}
			start_step(st, in->now, l->entry_step, out);
			return;
		}
		l->stage = next_stage(st, l->stage); /* gone during the delay */
	}
	if (l->stage < 0 && in->empty) {
		end_step(st, in->now, "ended", false, out);
		finish(st, "nothing left in scope", out);
		return;
	}
	if (in->now < l->deadline_ms)
		return;
	/* The whole scope's last grace may end right at the cutoff: that is the plan kept. */
	if (budgeted(st) && !l->final && in->now >= l->cutoff_ms &&
	    (l->stage >= 0 || (size_t)next_step(st) < st->conf->shutdown.nsteps)) {
		end_step(st, in->now, "cut short by the shutdown budget", true, out);
		budget_spent(st, in->now, out);
		return;
	}
	end_step(st, in->now, "timed out", true, out);
	start_step(st, in->now, next_step(st), out);
}

bool phase_needs_empty(const struct pid1_state *st, const struct phase_input *in)
{
	const struct ladder *l = &st->ladder;

	switch (in->ev) {
	case PHASE_EV_ESSENTIAL:
		return st->phase == PHASE_RUN &&
		       st->conf->shutdown.on_child_exit == ON_CHILD_EXIT_LADDER;
	case PHASE_EV_FAILED:
		return st->phase == PHASE_RUN;
	case PHASE_EV_TICK:
		if (st->phase != PHASE_STOPPING)
			return false;
		if (l->stage < 0)
			return true;
		return running(st, l->stage) == 0 && next_stage(st, l->stage) < 0;
	default:
		return false;
	}
}

void phase_step(struct pid1_state *st, const struct phase_input *in, struct phase_actions *out)
{
	size_t i;

	out->n = 0;
	switch (in->ev) {
	case PHASE_EV_START:
		st->phase = PHASE_RUN;
		/* A shutdown begun by a program's end asked nothing: no signal is its copy. */
		st->ladder = (struct ladder){
		    .step = -1, .deadline_ms = -1, .asked_ms = -REPEAT_MS, .cutoff_ms = -1};
		budget_check(st, out);
		return;
	case PHASE_EV_SHUTDOWN:
		if ((st->phase == PHASE_HOOKS || st->phase == PHASE_STOPPING) &&
		    in->now - st->ladder.asked_ms < REPEAT_MS) {
			push(out, (struct phase_action){.kind = PHASE_ACT_DUPLICATE,
							.why = in->why,
							.ms = in->now - st->ladder.asked_ms});
			return;
		}
		if (st->phase != PHASE_DONE)
			st->ladder.asked_ms = in->now;
		shutdown(st, in->now, in->why, in->signo, out);
		return;
	case PHASE_EV_ESSENTIAL:
	case PHASE_EV_FAILED:
		if (st->decider == NULL)
			st->decider = in->p;
		if (st->phase != PHASE_RUN)
			return; /* the ladder goes on; a TICK ends it when nothing is left */
		if (in->ev == PHASE_EV_ESSENTIAL) {
			essential_ended(st, in, out);
			return;
		}
		snprintf(out->line, sizeof(out->line), "start-up failed: %s %s", in->p->name,
			 in->why);
		if (in->empty)
			nothing_left(st, in->now, out->line, out);
		else
			shutdown(st, in->now, out->line, 0, out);
		return;
	case PHASE_EV_REAPED:
		if (st->waiting && st->phase == PHASE_RUN && !st->children_left)
			nothing_left(st, in->now, "every process has ended", out);
		return;
	case PHASE_EV_HOOKS:
		if (st->phase != PHASE_HOOKS)
			return;
		for (i = 0; i < st->nprograms; i++)
			if (st->programs[i].stop_hook && !over(&st->programs[i]))
				return;
		ladder_begin(st, in->now, st->hooks_why, st->hooks_signo, out);
		return;
	case PHASE_EV_TICK:
		if (st->phase == PHASE_STOPPING) {
			tick(st, in, out);
		} else if (st->phase == PHASE_HOOKS && budgeted(st) &&
			   in->now >= st->ladder.hooks_end_ms) {
			push(out, (struct phase_action){
				      .kind = PHASE_ACT_HOOKS_SPENT,
				      .ms = in->now - (st->ladder.cutoff_ms - st->ladder.fit_ms)});
			cut_hooks(st, in->now, out);
		}
		return;
	}
}

int64_t phase_deadline(const struct pid1_state *st, int64_t now)
{
	const struct ladder *l = &st->ladder;

	if (st->phase == PHASE_HOOKS && budgeted(st))
		return l->hooks_end_ms;
	if (st->phase != PHASE_STOPPING || l->deadline_ms < 0)
		return -1;
	/*
	 * SIGCHLD tells when pid1's own children end, but not when a process in the group or,
	 * as PID 1, anyone kill(-1) reached (docker exec, nsenter) does: look again meanwhile.
	 */
	if (st->conf->shutdown.scope != SCOPE_CHILD && l->stage < 0 && l->step >= 0 &&
	    l->deadline_ms > now + RECHECK_MS)
		return now + RECHECK_MS;
	return l->deadline_ms;
}

/*
 * "web, php" for the running programs of a level (-1: every level), into buf; with own, not
 * those that get their own stop-signal instead of the step's. Returns how many.
 */
static int level_names(const struct pid1_state *st, int level, bool own, char *buf, size_t len)
{
	int n = 0;
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < st->nprograms; i++) {
		if ((level >= 0 && st->programs[i].level != level) ||
		    !program_running(&st->programs[i]) || (own && st->programs[i].stop_signal > 0))
			continue;
		if (n++ > 0)
			strlcat(buf, ", ", len);
		strlcat(buf, st->programs[i].name, len);
	}
	return n;
}

/* Whom the whole scope's step reaches, in words. */
static const char *scope_words(const struct pid1_state *st)
{
	bool one = st->nprograms <= 1;

	switch (st->conf->shutdown.scope) {
	case SCOPE_GROUP:
		return one ? "the child's group" : "every program's group";
	case SCOPE_CHILD:
		return one ? "the child" : "every program";
	case SCOPE_ALL:
		break;
	}
	return "all";
}

/* On a stage's first step, the programs that get their stop-signal instead, one line each. */
static void log_stop_signals(const struct pid1_state *st, const struct phase_action *a)
{
	const struct program *p;
	char name[SIGNAME_MAX];
	size_t i;

	for (i = 0; i < st->nprograms && a->first; i++) {
		p = &st->programs[i];
		if (p->level == a->stage && p->stop_signal > 0 && program_running(p))
			log_notice("shutdown step %d: %s to %s, its stop-signal", a->step + 1,
				   signame_name(p->stop_signal, name, sizeof(name)), p->name);
	}
}

/*
 * Whom a step's signal reaches, for the log, into who: "web, php" for a level (programs that
 * come after others stop first, while what they need still runs), "all (main and 2 other
 * processes)" for the whole scope. Returns false when it reaches nobody; who then names the
 * level's programs, which their stop-signals reached instead.
 */
static bool step_whom(const struct pid1_state *st, const struct phase_action *a, char *who,
		      size_t len)
{
	char names[128], tail[sizeof(names) + 48];
	int count, n;

	if (a->stage >= 0) {
		log_stop_signals(st, a);
		if (level_names(st, a->stage, a->first, who, len) > 0)
			return true;
		level_names(st, a->stage, false, who, len);
		return false;
	}
	count = target_count(st, st->conf->shutdown.scope);
	/* A single program is the child: the count says it all. */
	n = st->nprograms > 1 ? level_names(st, -1, false, names, sizeof(names)) : 0;
	strlcpy(who, scope_words(st), len);
	if (count == 0 && n == 0)
		return false;
	if (n == 0 && count > 0)
		snprintf(tail, sizeof(tail), " (%d process%s)", count, count == 1 ? "" : "es");
	else if (n > 0 && count > n)
		snprintf(tail, sizeof(tail), " (%s and %d other process%s)", names, count - n,
			 count - n == 1 ? "" : "es");
	else if (n > 0)
		snprintf(tail, sizeof(tail), " (%s)", names);
	else
		tail[0] = '\0'; /* the count is unknown */
	strlcat(who, tail, len);
	return true;
}

/* One step of the ladder: its signal to the stage, and the line that says so. */
static void send(const struct pid1_state *st, const struct phase_action *a)
{
	const struct shutdown_conf *sc = &st->conf->shutdown;
	struct target_set set = {.level = a->stage, .first = a->first, .scope = sc->scope};
	char name[SIGNAME_MAX], grace[32], who[224];
	bool reached;

	signame_name(a->signo, name, sizeof(name));
	duration_format(a->ms, grace, sizeof(grace));
	reached = step_whom(st, a, who, sizeof(who));
	if (target_step(st, &set, a->signo) < 0 && errno != ESRCH)
		/* Refused: the step waits all the same, for what may still end by itself. */
		log_warn("shutdown step %d/%zu: cannot send %s to %s (%m), waiting up to %s",
			 a->step + 1, sc->nsteps, name, who, grace);
	else if (reached)
		log_notice("shutdown step %d/%zu: %s to %s, waiting up to %s", a->step + 1,
			   sc->nsteps, name, who, grace);
	else if (a->stage >= 0)
		log_notice("shutdown step %d/%zu: waiting up to %s for %s", a->step + 1, sc->nsteps,
			   grace, who);
	else
		log_notice("shutdown step %d/%zu: nothing is left to send %s to", a->step + 1,
			   sc->nsteps, name);
}

/* A step ended: how, after how long, and why when it did not time out. */
static void log_end_step(const struct phase_action *a)
{
	char took[40] = "at once", why[64] = "";

	if (a->ms > 0)
		duration_format(a->ms, took + strlcpy(took, "after ", sizeof(took)),
				sizeof(took) - 6);
	if (strcmp(a->why, "ended") == 0 && a->stage >= 0)
		snprintf(why, sizeof(why), ": level %d has stopped", a->stage);
	else if (strcmp(a->why, "ended") == 0)
		strlcpy(why, ": nothing is left in scope", sizeof(why));
	log_msg(a->warn ? LOG_WARNING : LOG_INFO, "shutdown step %d %s %s%s", a->step + 1, a->why,
		took, why);
}

/* A stage, or the whole ladder, ran out of steps with something left. */
static void exhausted(const struct pid1_state *st, int stage)
{
	const struct shutdown_conf *sc = &st->conf->shutdown;
	char names[128];
	int left;

	if (stage >= 0) {
		left = level_names(st, stage, false, names, sizeof(names));
		log_warn("shutdown ladder exhausted with %d program%s of level %d left: %s", left,
			 left == 1 ? "" : "s", stage, names);
		return;
	}
	left = target_count(st, sc->scope);
	if (left > 0)
		log_warn("shutdown ladder exhausted with %d process%s left in scope %s", left,
			 left == 1 ? "" : "es", confvalue_name("scope", sc->scope));
}

/* The shutdown budget's lines: at start-up, as a shutdown begins, and as it runs out. */
static void log_budget(const struct pid1_state *st, const struct phase_action *a)
{
	const struct ladder *l = &st->ladder;
	int64_t budget = st->conf->shutdown.budget_ms, fit = phase_budget_fit(budget);
	char b[32], w[32], f[32], at[192] = "during the delay", names[128];

	duration_format(budget, b, sizeof(b));
	duration_format(fit, f, sizeof(f));
	switch (a->kind) {
	case PHASE_ACT_OVER_BUDGET:
		log_warn("worst-case stop time %s is over the shutdown budget %s (%s once the "
			 "final SIGKILL's reserve is kept): a shutdown scales its graces down, to "
			 "%d%% from the first step",
			 duration_format(a->ms, w, sizeof(w)), b, f, (int)(fit * 100 / a->ms));
		break;
	case PHASE_ACT_BUDGET:
		duration_format(l->worst_ms, w, sizeof(w));
		if (l->worst_ms > l->fit_ms)
			log_notice("shutdown budget %s: graces scaled to %d%% of the configured %s",
				   b, (int)(l->fit_ms * 100 / l->worst_ms), w);
		else
			log_info("shutdown budget %s: the configured %s fits", b, w);
		break;
	case PHASE_ACT_HOOKS_SPENT:
		log_warn("shutdown budget %s: the stop hooks' share is spent after %s: on to the "
			 "ladder, which reaches the hooks still running",
			 b, duration_format(a->ms, w, sizeof(w)));
		break;
	case PHASE_ACT_SPENT:
		if (a->stage >= 0 && level_names(st, a->stage, false, names, sizeof(names)) > 0)
			snprintf(at, sizeof(at), "at step %d of level %d (%s left)", a->step + 1,
				 a->stage, names);
		else if (a->step >= 0)
			snprintf(at, sizeof(at), "at step %d of the whole scope", a->step + 1);
		log_warn("shutdown budget %s ran out %s after %s: SIGKILL to everything left", b,
			 at, duration_format(a->ms, w, sizeof(w)));
		break;
	default:
		break;
	}
}

void phase_act(const struct pid1_state *st, const struct phase_actions *acts)
{
	const struct shutdown_conf *sc = &st->conf->shutdown;
	const struct phase_action *a;
	char text[32];
	size_t i;

	for (i = 0; i < acts->n; i++) {
		a = &acts->a[i];
		switch (a->kind) {
		case PHASE_ACT_CANCEL:
			log_notice("restart of %s cancelled by shutdown", a->p->name);
			break;
		case PHASE_ACT_WAIT:
			log_info("%s %s: waiting for the processes it left (on-child-exit = wait)",
				 a->p->name, a->why);
			break;
		case PHASE_ACT_HOOKS:
			log_notice("shutdown: %s; running %zu stop hook%s first", a->why, a->count,
				   a->count == 1 ? "" : "s");
			break;
		case PHASE_ACT_CUT:
			log_notice("%s during the stop hooks: on to the ladder", a->why);
			break;
		case PHASE_ACT_BEGIN:
			log_notice("shutdown begins: %s; scope %s, %zu step%s, from step %d",
				   a->why, confvalue_name("scope", sc->scope), sc->nsteps,
				   sc->nsteps == 1 ? "" : "s", a->step + 1);
			break;
		case PHASE_ACT_DELAY:
			log_info("waiting %s before the first step",
				 duration_format(a->ms, text, sizeof(text)));
			break;
		case PHASE_ACT_REPEAT:
			log_notice("%s during shutdown: %s", a->why,
				   a->signo == SIGKILL ? "killing now"
				   : a->step < 0       ? "skipping the delay"
						       : "skipping to the next step");
			break;
		case PHASE_ACT_DUPLICATE:
			log_info(
			    "%s again after %s: the same request delivered twice, not a repeat",
			    a->why, duration_format(a->ms, text, sizeof(text)));
			break;
		case PHASE_ACT_END_STEP:
			log_end_step(a);
			break;
		case PHASE_ACT_EXHAUSTED:
			exhausted(st, a->stage);
			break;
		case PHASE_ACT_SEND:
			send(st, a);
			break;
		case PHASE_ACT_FINISH:
			log_info("shutdown finished: %s", a->why);
			break;
		default:
			log_budget(st, a);
			break;
		}
	}
}

/*
 * Under a budget, what a shutdown entering at step idx is left of each configured time: "#
 * <label>: graces scaled to 24% of the configured 30s: delay 0s, stop hooks 0s, SIGTERM
 * 4800ms, SIGKILL 2400ms", or that the worst case fits.
 */
static void print_scaled(const struct shutdown_conf *sc, int64_t hooks_ms, int stages, size_t idx,
			 const char *label, FILE *out)
{
	int64_t worst = worst_ms(sc, hooks_ms, stages, idx), fit = phase_budget_fit(sc->budget_ms);
	char a[32], b[32], c[32];
	size_t i;

	if (worst <= fit) {
		fprintf(out, "# %s: the configured %s fits, times as configured\n", label,
			duration_format(worst, a, sizeof(a)));
		return;
	}
	fprintf(out, "# %s: graces scaled to %d%% of the configured %s: delay %s, stop hooks %s",
		label, (int)(fit * 100 / worst), duration_format(worst, a, sizeof(a)),
		duration_format(phase_scale(sc->delay_ms, worst, fit), b, sizeof(b)),
		duration_format(phase_scale(hooks_ms, worst, fit), c, sizeof(c)));
	for (i = idx; i < sc->nsteps; i++)
		fprintf(
		    out, ", %s %s", signame_name(sc->steps[i].signo, a, sizeof(a)),
		    duration_format(phase_scale(sc->steps[i].grace_ms, worst, fit), b, sizeof(b)));
	fputc('\n', out);
}

void phase_print_stoptime(const struct pid1_conf *conf, const int *levels, int64_t hooks_ms,
			  FILE *out)
{
	const struct shutdown_conf *sc = &conf->shutdown;
	bool term_shuts = conf->signals[SIGTERM].action == ACTION_SHUTDOWN;
	int stages = count_stages(conf, levels);
	size_t term_idx = term_shuts ? (size_t)entry_step(sc, SIGTERM) : 0;
	int64_t full = ladder_ms(sc, 0);
	int64_t term = ladder_ms(sc, term_idx);
	char a[32], b[32], c[32], d[32];

	fprintf(out, "# worst-case stop time: %s (delay %s, stop hooks %s, %d ladder%s of %s)\n",
		duration_format(sc->delay_ms + hooks_ms + stages * full, a, sizeof(a)),
		duration_format(sc->delay_ms, b, sizeof(b)),
		duration_format(hooks_ms, c, sizeof(c)), stages, stages == 1 ? "" : "s",
		duration_format(full, d, sizeof(d)));
	if (term != full)
		fprintf(out, "# from SIGTERM (docker stop, Kubernetes), entering at its step: %s\n",
			duration_format(sc->delay_ms + hooks_ms + stages * term, a, sizeof(a)));
	if (sc->budget_ms <= 0)
		return;
	fprintf(
	    out, "# shutdown budget %s: the final SIGKILL by %s at the latest, pid1 gone by %s\n",
	    duration_format(sc->budget_ms, a, sizeof(a)),
	    duration_format(phase_budget_fit(sc->budget_ms), b, sizeof(b)),
	    duration_format((sc->budget_ms + phase_budget_fit(sc->budget_ms)) / 2, c, sizeof(c)));
	print_scaled(sc, hooks_ms, stages, 0, "from the first step", out);
	if (term != full)
		print_scaled(sc, hooks_ms, stages, term_idx, "from SIGTERM", out);
}

/* An essential program that is still running after the ladder. */
static const struct program *survivor(const struct pid1_state *st)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].essential && program_running(&st->programs[i]))
			return &st->programs[i];
	return NULL;
}

int phase_exit_code(const struct pid1_state *st)
{
	char how[96];
	int code, remapped;

	if (st->decider != NULL) {
		code = exitcode_from_status(st->decider->status);
		/* A single program is simply the child, as the log has always said. */
		if (st->nprograms == 1)
			snprintf(how, sizeof(how), "the child's exit code");
		else
			snprintf(how, sizeof(how), "the exit code of %s", st->decider->name);
	} else if (survivor(st) != NULL) {
		/* It outlived the whole ladder (stuck in the kernel): report a kill. */
		code = 128 + SIGKILL;
		snprintf(how, sizeof(how), "%s outlived the shutdown ladder", survivor(st)->name);
	} else {
		code = 0;
		snprintf(how, sizeof(how), "%s",
			 st->nprograms == 0 ? "pause mode ended" : "no essential program ended");
	}
	/* A clean exit is routine (info); anything else is worth a line at the default level. */
	remapped = exitcode_remap(st->conf->exit_code_map, code);
	if (remapped != code) {
		log_info("exiting with code %d (%s, %d remapped)", remapped, how, code);
		return remapped;
	}
	log_msg(code == 0 ? LOG_INFO : LOG_NOTICE, "exiting with code %d (%s)", code, how);
	return code;
}
