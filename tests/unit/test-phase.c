// SPDX-License-Identifier: MIT
/*
 * The container's phase and its shutdown ladder, driven with a clock of the test's own: each
 * event goes in with the time and what the scope holds, and the phase, the ladder and the
 * actions that come out are checked exactly. Nothing is signalled, spawned or slept.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "check.h"
#include "supervisor/supervise.h"

static struct pid1_conf conf;
static struct program progs[4];
static struct pid1_state st;
static struct phase_actions out;

/* n programs, all running at level 0; the ladder SIGINT 4s, SIGTERM 3s, SIGKILL 1s. */
static void setup(size_t n)
{
	size_t i;

	memset(&conf, 0, sizeof(conf));
	memset(progs, 0, sizeof(progs));
	memset(&st, 0, sizeof(st));
	conf.shutdown.scope = SCOPE_CHILD;
	conf.shutdown.nsteps = 3;
	conf.shutdown.steps[0] = (struct ladder_step){SIGINT, 4000};
	conf.shutdown.steps[1] = (struct ladder_step){SIGTERM, 3000};
	conf.shutdown.steps[2] = (struct ladder_step){SIGKILL, 1000};
	for (i = 0; i < n; i++) {
		program_reset(&progs[i]);
		progs[i].name = i == 0 ? "main" : "other";
		progs[i].state = PROGRAM_RUNNING;
		progs[i].pid = 100 + (pid_t)i;
	}
	st.conf = &conf;
	st.programs = progs;
	st.nprograms = n;
	st.children_left = true;
}

/* Feeds one event; returns how many actions came out. */
static size_t step(enum phase_event ev, int64_t now, int signo, struct program *p, bool empty)
{
	struct phase_input in = {
	    .ev = ev, .now = now, .why = "why", .signo = signo, .p = p, .empty = empty};

	phase_step(&st, &in, &out);
	return out.n;
}

/* Whether action i is a step sent: signo to stage as step (0-based) with grace ms. */
static bool sent(size_t i, int stepno, int signo, int stage, int64_t grace)
{
	const struct phase_action *a = &out.a[i];

	return a->kind == PHASE_ACT_SEND && a->step == stepno && a->signo == signo &&
	       a->stage == stage && a->ms == grace;
}

static void test_start_and_ladder(void)
{
	setup(1);
	fail_unless(step(PHASE_EV_START, 0, 0, NULL, false) == 0);
	fail_unless(st.phase == PHASE_RUN && st.ladder.step == -1 && st.ladder.deadline_ms == -1);
	fail_unless(phase_deadline(&st, 0) == -1);
	/* SIGTERM enters at its own step. */
	fail_unless(step(PHASE_EV_SHUTDOWN, 1000, SIGTERM, NULL, false) == 2);
	fail_unless(out.a[0].kind == PHASE_ACT_BEGIN && out.a[0].step == 1);
	fail_unless(sent(1, 1, SIGTERM, -1, 3000));
	fail_unless(st.phase == PHASE_STOPPING && phase_deadline(&st, 1000) == 4000);
	/* Before the grace is over nothing moves; then SIGKILL, with a warning for the step. */
	fail_unless(step(PHASE_EV_TICK, 3999, 0, NULL, false) == 0);
	fail_unless(step(PHASE_EV_TICK, 4000, 0, NULL, false) == 2);
	fail_unless(out.a[0].kind == PHASE_ACT_END_STEP && out.a[0].warn && out.a[0].ms == 3000);
	fail_unless(sent(1, 2, SIGKILL, -1, 1000));
	/* Past the last step: exhausted, then done. */
	fail_unless(step(PHASE_EV_TICK, 5000, 0, NULL, false) == 3);
	fail_unless(out.a[1].kind == PHASE_ACT_EXHAUSTED && out.a[1].stage == -1);
	fail_unless(out.a[2].kind == PHASE_ACT_FINISH && st.phase == PHASE_DONE);
	fail_unless(phase_deadline(&st, 5000) == -1);
	/* Done is final. */
	fail_unless(step(PHASE_EV_SHUTDOWN, 6000, SIGINT, NULL, false) == 0);
}

static void test_enter_first_and_empty(void)
{
	setup(1);
	conf.shutdown.enter = ENTER_FIRST;
	step(PHASE_EV_SHUTDOWN, 0, SIGTERM, NULL, false);
	fail_unless(sent(1, 0, SIGINT, -1, 4000));
	fail_unless(phase_needs_empty(&st, &(struct phase_input){.ev = PHASE_EV_TICK}));
	/* Everything gone ends the step early. */
	fail_unless(step(PHASE_EV_TICK, 10, 0, NULL, true) == 2);
	fail_unless(out.a[0].kind == PHASE_ACT_END_STEP && !out.a[0].warn && out.a[0].ms == 10);
	fail_unless(out.a[1].kind == PHASE_ACT_FINISH && st.phase == PHASE_DONE);
}

static void test_delay(void)
{
	setup(1);
	conf.shutdown.delay_ms = 1000;
	fail_unless(step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false) == 2);
	fail_unless(out.a[1].kind == PHASE_ACT_DELAY && out.a[1].ms == 1000);
	fail_unless(st.ladder.step == -1 && phase_deadline(&st, 0) == 1000);
	fail_unless(step(PHASE_EV_TICK, 999, 0, NULL, false) == 0);
	/* The delay is no step: nothing to say it ended. */
	fail_unless(step(PHASE_EV_TICK, 1000, 0, NULL, false) == 1);
	fail_unless(sent(0, 0, SIGINT, -1, 4000));
}

static void test_repeated_signals(void)
{
	setup(1);
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	/* on-repeat = next: the next step at once. */
	fail_unless(step(PHASE_EV_SHUTDOWN, 300, SIGINT, NULL, false) == 3);
	fail_unless(out.a[0].kind == PHASE_ACT_REPEAT && out.a[0].signo == 0);
	fail_unless(out.a[1].kind == PHASE_ACT_END_STEP && !out.a[1].warn);
	fail_unless(sent(2, 1, SIGTERM, -1, 3000));
	/* on-repeat = kill: SIGKILL at once, as the last step. */
	conf.shutdown.on_repeat = ON_REPEAT_KILL;
	fail_unless(step(PHASE_EV_SHUTDOWN, 600, SIGINT, NULL, false) == 3);
	fail_unless(out.a[0].kind == PHASE_ACT_REPEAT && out.a[0].signo == SIGKILL);
	fail_unless(sent(2, 2, SIGKILL, -1, 1000));
}

/* Whether the only action is a duplicate, ms after the signal that counted. */
static bool duplicate(size_t n, int64_t ms)
{
	return n == 1 && out.a[0].kind == PHASE_ACT_DUPLICATE && out.a[0].ms == ms;
}

static void test_duplicates(void)
{
	int64_t deadline;

	/* timeout(1) and a terminal deliver one SIGTERM twice: the second moves nothing. */
	setup(1);
	step(PHASE_EV_SHUTDOWN, 1000, SIGTERM, NULL, false);
	deadline = st.ladder.deadline_ms;
	fail_unless(duplicate(step(PHASE_EV_SHUTDOWN, 1001, SIGTERM, NULL, false), 1));
	fail_unless(st.ladder.step == 1 && st.ladder.deadline_ms == deadline);
	fail_unless(duplicate(step(PHASE_EV_SHUTDOWN, 1249, SIGINT, NULL, false), 249));
	/* A moment later it is a repeat; the next one is timed from it. */
	fail_unless(step(PHASE_EV_SHUTDOWN, 1300, SIGTERM, NULL, false) == 3);
	fail_unless(out.a[0].kind == PHASE_ACT_REPEAT && sent(2, 2, SIGKILL, -1, 1000));
	fail_unless(duplicate(step(PHASE_EV_SHUTDOWN, 1400, SIGTERM, NULL, false), 100));
	/* on-repeat = kill: the same. */
	setup(1);
	conf.shutdown.on_repeat = ON_REPEAT_KILL;
	step(PHASE_EV_SHUTDOWN, 0, SIGTERM, NULL, false);
	fail_unless(duplicate(step(PHASE_EV_SHUTDOWN, 1, SIGTERM, NULL, false), 1));
	fail_unless(st.ladder.step == 1);
	/* During the stop hooks: they are not cut short by a duplicate. */
	setup(2);
	progs[1].stop_hook = true;
	progs[1].state = PROGRAM_WAITING;
	step(PHASE_EV_SHUTDOWN, 0, SIGTERM, NULL, false);
	fail_unless(duplicate(step(PHASE_EV_SHUTDOWN, 1, SIGTERM, NULL, false), 1));
	fail_unless(st.phase == PHASE_HOOKS && progs[1].state == PROGRAM_WAITING);
	fail_unless(step(PHASE_EV_SHUTDOWN, 250, SIGTERM, NULL, false) == 3);
	fail_unless(out.a[0].kind == PHASE_ACT_CUT && st.phase == PHASE_STOPPING);
	/* During the delay: it is not skipped by a duplicate; a repeat skips it. */
	setup(1);
	conf.shutdown.delay_ms = 1000;
	step(PHASE_EV_SHUTDOWN, 0, SIGTERM, NULL, false);
	fail_unless(duplicate(step(PHASE_EV_SHUTDOWN, 1, SIGTERM, NULL, false), 1));
	fail_unless(st.ladder.step == -1 && st.ladder.deadline_ms == 1000);
	fail_unless(step(PHASE_EV_SHUTDOWN, 300, SIGTERM, NULL, false) == 2);
	fail_unless(out.a[0].kind == PHASE_ACT_REPEAT && out.a[0].step == -1);
	fail_unless(sent(1, 1, SIGTERM, -1, 3000));
	/* A shutdown begun by a program's end: the first signal after it is no copy. */
	setup(1);
	step(PHASE_EV_START, 0, 0, NULL, false);
	step(PHASE_EV_ESSENTIAL, 0, 0, &progs[0], false);
	fail_unless(step(PHASE_EV_SHUTDOWN, 5, SIGTERM, NULL, false) == 3);
	fail_unless(out.a[0].kind == PHASE_ACT_REPEAT && sent(2, 1, SIGTERM, -1, 3000));
	/* At a level's last step: the level keeps its SIGKILL's grace. */
	setup(2);
	progs[1].level = 1;
	st.max_level = 1;
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	step(PHASE_EV_SHUTDOWN, 300, SIGINT, NULL, false);
	fail_unless(step(PHASE_EV_SHUTDOWN, 600, SIGINT, NULL, false) == 3);
	fail_unless(sent(2, 2, SIGKILL, 1, 1000));
	fail_unless(duplicate(step(PHASE_EV_SHUTDOWN, 601, SIGINT, NULL, false), 1));
	fail_unless(st.ladder.stage == 1 && st.ladder.step == 2 && st.ladder.deadline_ms == 1600);
	/* A repeat there leaves the level to the next stage. */
	fail_unless(step(PHASE_EV_SHUTDOWN, 900, SIGINT, NULL, false) == 4);
	fail_unless(out.a[2].kind == PHASE_ACT_EXHAUSTED && out.a[2].stage == 1);
	fail_unless(sent(3, 0, SIGINT, -1, 4000));
}

/*
 * A level's stage ends (its last program reaped) at the very moment a step's grace runs out:
 * the next stage begins at the entry step, its stop-signals with it, never at the step after.
 */
static void test_stage_end_at_grace_expiry(void)
{
	/* db and plain at 0, db with its own stop-signal; web after db, at 1. */
	setup(3);
	conf.shutdown.steps[0] = (struct ladder_step){SIGTERM, 300};
	conf.shutdown.steps[1] = (struct ladder_step){SIGINT, 5000};
	progs[0].stop_signal = SIGUSR2;
	progs[2].level = 1;
	progs[2].stop_signal = SIGQUIT;
	st.max_level = 1;
	step(PHASE_EV_SHUTDOWN, 0, SIGTERM, NULL, false);
	fail_unless(sent(1, 0, SIGTERM, 1, 300) && out.a[1].first);
	fail_unless(step(PHASE_EV_TICK, 300, 0, NULL, false) == 2);
	fail_unless(sent(1, 1, SIGINT, 1, 5000) && !out.a[1].first);
	/* web reaped in the wake-up whose tick finds SIGINT's grace over. */
	progs[2].state = PROGRAM_ENDED;
	fail_unless(!phase_needs_empty(&st, &(struct phase_input){.ev = PHASE_EV_TICK}));
	fail_unless(step(PHASE_EV_TICK, 5300, 0, NULL, false) == 2);
	fail_unless(out.a[0].kind == PHASE_ACT_END_STEP && !out.a[0].warn);
	fail_unless(out.a[0].stage == 1 && out.a[0].step == 1);
	fail_unless(sent(1, 0, SIGTERM, 0, 300) && out.a[1].first);
	/* Level 0 ends as its grace runs out, with something left in scope: the scope's stage. */
	progs[0].state = PROGRAM_ENDED;
	progs[1].state = PROGRAM_ENDED;
	fail_unless(phase_needs_empty(&st, &(struct phase_input){.ev = PHASE_EV_TICK}));
	fail_unless(step(PHASE_EV_TICK, 5600, 0, NULL, false) == 2);
	fail_unless(out.a[0].kind == PHASE_ACT_END_STEP && !out.a[0].warn);
	fail_unless(sent(1, 0, SIGTERM, -1, 300) && st.phase == PHASE_STOPPING);
}

/* A level's stage ends with nothing left in scope: done, with no step sent to nobody. */
static void test_last_stage_empty(void)
{
	setup(2);
	progs[1].level = 1;
	st.max_level = 1;
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	fail_unless(sent(1, 0, SIGINT, 1, 4000));
	progs[0].state = PROGRAM_ENDED;
	progs[1].state = PROGRAM_ENDED;
	fail_unless(phase_needs_empty(&st, &(struct phase_input){.ev = PHASE_EV_TICK}));
	fail_unless(step(PHASE_EV_TICK, 10, 0, NULL, true) == 2);
	fail_unless(out.a[0].kind == PHASE_ACT_END_STEP && out.a[0].stage == 1);
	fail_unless(out.a[1].kind == PHASE_ACT_FINISH && st.phase == PHASE_DONE);
}

static void test_levels(void)
{
	setup(4);
	/* main at 0, a at 1, b and c at 2; c has its own stop-signal. */
	progs[1].level = 1;
	progs[2].level = 2;
	progs[3].level = 2;
	progs[3].stop_signal = SIGUSR1;
	st.max_level = 2;
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	fail_unless(sent(1, 0, SIGINT, 2, 4000) && out.a[1].first);
	fail_unless(!phase_needs_empty(&st, &(struct phase_input){.ev = PHASE_EV_TICK}));
	/* The grace runs out: the next step, same stage. */
	fail_unless(step(PHASE_EV_TICK, 4000, 0, NULL, false) == 2);
	fail_unless(sent(1, 1, SIGTERM, 2, 3000) && !out.a[1].first);
	/* Level 2 gone: level 1 from the entry step. */
	progs[2].state = PROGRAM_ENDED;
	progs[3].state = PROGRAM_ENDED;
	fail_unless(step(PHASE_EV_TICK, 4500, 0, NULL, false) == 2);
	fail_unless(sent(1, 0, SIGINT, 1, 4000));
	/* Level 1 outlives every step: exhausted, then the whole scope (level 0 with it). */
	step(PHASE_EV_TICK, 8500, 0, NULL, false);
	step(PHASE_EV_TICK, 11500, 0, NULL, false);
	fail_unless(step(PHASE_EV_TICK, 12500, 0, NULL, false) == 3);
	fail_unless(out.a[1].kind == PHASE_ACT_EXHAUSTED && out.a[1].stage == 1);
	fail_unless(sent(2, 0, SIGINT, -1, 4000));
	/* Level 0 with a stop-signal is a stage of its own. */
	setup(2);
	progs[0].stop_signal = SIGTERM;
	progs[1].level = 1;
	st.max_level = 1;
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	fail_unless(sent(1, 0, SIGINT, 1, 4000));
	progs[1].state = PROGRAM_ENDED;
	step(PHASE_EV_TICK, 1, 0, NULL, false);
	fail_unless(sent(1, 0, SIGINT, 0, 4000) && out.a[1].first);
}

static void test_hooks(void)
{
	setup(2);
	progs[1].stop_hook = true;
	progs[1].state = PROGRAM_WAITING;
	progs[1].name = "hook";
	fail_unless(step(PHASE_EV_SHUTDOWN, 0, SIGTERM, NULL, false) == 1);
	fail_unless(out.a[0].kind == PHASE_ACT_HOOKS && out.a[0].count == 1);
	fail_unless(st.phase == PHASE_HOOKS && st.hooks_signo == SIGTERM);
	fail_unless(strcmp(st.hooks_why, "why") == 0);
	fail_unless(phase_next_hook(&st) == &progs[1]);
	/* Running, it holds the ladder back; ended, it lets it begin with the first why. */
	progs[1].state = PROGRAM_STARTING;
	fail_unless(phase_next_hook(&st) == NULL);
	fail_unless(step(PHASE_EV_HOOKS, 10, 0, NULL, false) == 0 && st.phase == PHASE_HOOKS);
	progs[1].state = PROGRAM_DONE;
	fail_unless(step(PHASE_EV_HOOKS, 20, 0, NULL, false) == 2);
	fail_unless(out.a[0].kind == PHASE_ACT_BEGIN && out.a[0].why == st.hooks_why);
	fail_unless(sent(1, 1, SIGTERM, -1, 3000));
	/* A repeated signal cuts the hooks short: those not started never will. */
	setup(2);
	progs[1].stop_hook = true;
	progs[1].state = PROGRAM_WAITING;
	step(PHASE_EV_SHUTDOWN, 0, SIGTERM, NULL, false);
	fail_unless(step(PHASE_EV_SHUTDOWN, 300, SIGINT, NULL, false) == 3);
	fail_unless(out.a[0].kind == PHASE_ACT_CUT && out.a[1].kind == PHASE_ACT_BEGIN);
	fail_unless(sent(2, 1, SIGTERM, -1, 3000) && progs[1].state == PROGRAM_ENDED);
}

static void test_cancel(void)
{
	setup(2);
	progs[1].state = PROGRAM_BACKOFF;
	progs[1].essential = true;
	progs[1].deadline_ms = 500;
	fail_unless(step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false) == 3);
	fail_unless(out.a[0].kind == PHASE_ACT_CANCEL && out.a[0].p == &progs[1]);
	fail_unless(progs[1].state == PROGRAM_ENDED && st.decider == &progs[1]);
	fail_unless(progs[0].state == PROGRAM_STOPPING);
}

static void test_on_child_exit(void)
{
	/* ladder: with others left, they get the ladder; the first to end decides. */
	setup(1);
	fail_unless(phase_needs_empty(&st, &(struct phase_input){.ev = PHASE_EV_ESSENTIAL}));
	step(PHASE_EV_ESSENTIAL, 0, 0, &progs[0], false);
	fail_unless(out.a[0].kind == PHASE_ACT_BEGIN && st.decider == &progs[0]);
	fail_unless(strcmp(out.a[0].why, "main why while other processes remain") == 0);
	/* Nothing left: done at once, no ladder. */
	setup(1);
	fail_unless(step(PHASE_EV_ESSENTIAL, 0, 0, &progs[0], true) == 0);
	fail_unless(st.phase == PHASE_DONE);
	/* exit: done at once, whatever is left. */
	setup(1);
	conf.shutdown.on_child_exit = ON_CHILD_EXIT_EXIT;
	fail_unless(!phase_needs_empty(&st, &(struct phase_input){.ev = PHASE_EV_ESSENTIAL}));
	fail_unless(step(PHASE_EV_ESSENTIAL, 0, 0, &progs[0], false) == 0);
	fail_unless(st.phase == PHASE_DONE);
	/* wait: on until the reaper finds nothing left. */
	setup(1);
	conf.shutdown.on_child_exit = ON_CHILD_EXIT_WAIT;
	fail_unless(step(PHASE_EV_ESSENTIAL, 0, 0, &progs[0], false) == 1);
	fail_unless(out.a[0].kind == PHASE_ACT_WAIT && st.waiting && st.phase == PHASE_RUN);
	fail_unless(step(PHASE_EV_REAPED, 10, 0, NULL, false) == 0 && st.phase == PHASE_RUN);
	st.children_left = false;
	fail_unless(step(PHASE_EV_REAPED, 20, 0, NULL, false) == 0 && st.phase == PHASE_DONE);
	/* A shutdown signal still runs the ladder. */
	setup(1);
	conf.shutdown.on_child_exit = ON_CHILD_EXIT_WAIT;
	step(PHASE_EV_ESSENTIAL, 0, 0, &progs[0], false);
	step(PHASE_EV_SHUTDOWN, 5, SIGINT, NULL, false);
	fail_unless(st.phase == PHASE_STOPPING);
	/* Once stopping, a later end only decides when none did before. */
	setup(2);
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	fail_unless(step(PHASE_EV_ESSENTIAL, 5, 0, &progs[1], false) == 0);
	fail_unless(st.decider == &progs[1] && st.phase == PHASE_STOPPING);
}

static void test_failed_start(void)
{
	setup(2);
	step(PHASE_EV_FAILED, 0, 0, &progs[1], false);
	fail_unless(st.decider == &progs[1] && st.phase == PHASE_STOPPING);
	fail_unless(strcmp(out.a[0].why, "start-up failed: other why") == 0);
	setup(2);
	fail_unless(step(PHASE_EV_FAILED, 0, 0, &progs[1], true) == 0 && st.phase == PHASE_DONE);
}

static void test_recheck(void)
{
	/* Beyond pid1's children nothing says when they end: the ladder looks every 100 ms. */
	setup(1);
	conf.shutdown.scope = SCOPE_ALL;
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	fail_unless(phase_deadline(&st, 0) == 100);
	fail_unless(phase_deadline(&st, 3950) == 4000);
}

static void test_budget_arithmetic(void)
{
	/* A tenth is kept in reserve, at most a second. */
	fail_unless(phase_budget_fit(8000) == 7200 && phase_budget_fit(25000) == 24000);
	fail_unless(phase_budget_fit(500) == 450);
	/* 30s configured into 7.2s: 24%; what fits is left alone. */
	fail_unless(phase_scale(20000, 30000, 7200) == 4800);
	fail_unless(phase_scale(10000, 30000, 7200) == 2400);
	fail_unless(phase_scale(4000, 9000, 24000) == 4000 && phase_scale(5, 0, 0) == 5);
}

/* The ladder's graces scaled to the budget: 8s into 3.6s. */
static void test_budget_scales(void)
{
	setup(1);
	conf.shutdown.budget_ms = 4000;
	/* At start-up: the worst case does not fit, and says so. */
	fail_unless(step(PHASE_EV_START, 0, 0, NULL, false) == 1);
	fail_unless(out.a[0].kind == PHASE_ACT_OVER_BUDGET && out.a[0].ms == 8000);
	fail_unless(step(PHASE_EV_SHUTDOWN, 1000, SIGINT, NULL, false) == 3);
	fail_unless(out.a[0].kind == PHASE_ACT_BUDGET && out.a[0].ms == 4000);
	fail_unless(st.ladder.worst_ms == 8000 && st.ladder.fit_ms == 3600);
	fail_unless(sent(2, 0, SIGINT, -1, 1800) && phase_deadline(&st, 1000) == 2800);
	fail_unless(step(PHASE_EV_TICK, 2799, 0, NULL, false) == 0);
	fail_unless(step(PHASE_EV_TICK, 2800, 0, NULL, false) == 2);
	fail_unless(sent(1, 1, SIGTERM, -1, 1350));
	fail_unless(step(PHASE_EV_TICK, 4150, 0, NULL, false) == 2);
	fail_unless(sent(1, 2, SIGKILL, -1, 450));
	/* The last grace ends at the cutoff: the ladder ends as planned, no second SIGKILL. */
	fail_unless(step(PHASE_EV_TICK, 4600, 0, NULL, false) == 3);
	fail_unless(out.a[1].kind == PHASE_ACT_EXHAUSTED && out.a[2].kind == PHASE_ACT_FINISH);
	/* Entering at SIGTERM, the worst case is the ladder from there: 4s fits in 3.6s less. */
	setup(1);
	conf.shutdown.budget_ms = 4000;
	step(PHASE_EV_SHUTDOWN, 0, SIGTERM, NULL, false);
	fail_unless(st.ladder.worst_ms == 4000 && sent(2, 1, SIGTERM, -1, 2700));
	/* A budget the worst case fits in: graces as configured, no warning. */
	setup(1);
	conf.shutdown.budget_ms = 25000;
	fail_unless(step(PHASE_EV_START, 0, 0, NULL, false) == 0);
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	fail_unless(out.a[0].kind == PHASE_ACT_BUDGET && sent(2, 0, SIGINT, -1, 4000));
}

/* A wake-up too late for the plan: no grace outlasts the budget, then the final SIGKILL. */
static void test_budget_runs_out(void)
{
	setup(2);
	progs[1].level = 1;
	st.max_level = 1;
	conf.shutdown.budget_ms = 4000;
	/* Two ladders of 8s into 3.6s: 900ms, 675ms, 225ms each; the cutoff at 3600. */
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	fail_unless(st.ladder.worst_ms == 16000 && sent(2, 0, SIGINT, 1, 900));
	/* The loop wakes at 3500 only: SIGTERM's grace is cut to what is left. */
	fail_unless(step(PHASE_EV_TICK, 3500, 0, NULL, false) == 2);
	fail_unless(sent(1, 1, SIGTERM, 1, 100) && phase_deadline(&st, 3500) == 3600);
	/* Spent at level 1's SIGTERM: everything left gets SIGKILL, half the reserve to go. */
	fail_unless(step(PHASE_EV_TICK, 3600, 0, NULL, false) == 3);
	fail_unless(out.a[0].kind == PHASE_ACT_END_STEP && out.a[0].warn);
	fail_unless(out.a[1].kind == PHASE_ACT_SPENT && out.a[1].stage == 1);
	fail_unless(out.a[1].step == 1 && out.a[1].ms == 3600);
	fail_unless(sent(2, 2, SIGKILL, -1, 200) && !out.a[2].first && st.ladder.final);
	/* Its grace over, the ladder is done: pid1 exits at 3800, 200ms before the budget. */
	fail_unless(step(PHASE_EV_TICK, 3799, 0, NULL, false) == 0);
	fail_unless(step(PHASE_EV_TICK, 3800, 0, NULL, false) == 3);
	fail_unless(out.a[2].kind == PHASE_ACT_FINISH && st.phase == PHASE_DONE);
	/* Spent during the delay. */
	setup(1);
	conf.shutdown.budget_ms = 4000;
	conf.shutdown.delay_ms = 8000;
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	fail_unless(out.a[2].kind == PHASE_ACT_DELAY && out.a[2].ms == 1800);
	fail_unless(step(PHASE_EV_TICK, 3700, 0, NULL, false) == 2);
	fail_unless(out.a[0].kind == PHASE_ACT_SPENT && out.a[0].step == -1);
	fail_unless(sent(1, 2, SIGKILL, -1, 200));
}

/* The delay and the stop hooks are inside the budget, scaled like the graces. */
static void test_budget_hooks_and_delay(void)
{
	setup(2);
	progs[1].stop_hook = true;
	progs[1].state = PROGRAM_WAITING;
	progs[1].timeout_ms = 10000;
	conf.shutdown.delay_ms = 1000;
	conf.shutdown.budget_ms = 10000;
	/* 1s + 10s + 8s = 19s into 9s: hooks 4736ms, delay 473ms, SIGINT 1894ms. */
	fail_unless(step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false) == 2);
	fail_unless(out.a[0].kind == PHASE_ACT_BUDGET && out.a[1].kind == PHASE_ACT_HOOKS);
	fail_unless(st.ladder.worst_ms == 19000 && phase_deadline(&st, 0) == 4736);
	progs[1].state = PROGRAM_STARTING;
	fail_unless(step(PHASE_EV_TICK, 4735, 0, NULL, false) == 0 && st.phase == PHASE_HOOKS);
	/* The hooks' share is spent: on to the ladder, which reaches the hook still running. */
	fail_unless(step(PHASE_EV_TICK, 4736, 0, NULL, false) == 3);
	fail_unless(out.a[0].kind == PHASE_ACT_HOOKS_SPENT && out.a[0].ms == 4736);
	fail_unless(out.a[1].kind == PHASE_ACT_BEGIN && out.a[2].kind == PHASE_ACT_DELAY);
	fail_unless(out.a[2].ms == 473 && phase_deadline(&st, 4736) == 5209);
	fail_unless(step(PHASE_EV_TICK, 5209, 0, NULL, false) == 1);
	fail_unless(sent(0, 0, SIGINT, -1, 1894));
	/* Without a budget the hooks have no deadline of the phase's. */
	setup(2);
	progs[1].stop_hook = true;
	progs[1].state = PROGRAM_WAITING;
	step(PHASE_EV_SHUTDOWN, 0, SIGINT, NULL, false);
	fail_unless(phase_deadline(&st, 0) == -1);
	fail_unless(step(PHASE_EV_TICK, 100000, 0, NULL, false) == 0 && st.phase == PHASE_HOOKS);
}

int main(void)
{
	test_start_and_ladder();
	test_enter_first_and_empty();
	test_delay();
	test_repeated_signals();
	test_duplicates();
	test_stage_end_at_grace_expiry();
	test_last_stage_empty();
	test_levels();
	test_hooks();
	test_cancel();
	test_on_child_exit();
	test_failed_start();
	test_recheck();
	test_budget_arithmetic();
	test_budget_scales();
	test_budget_runs_out();
	test_budget_hooks_and_delay();
	return 0;
}
