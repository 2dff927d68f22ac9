// SPDX-License-Identifier: MIT
/*
 * The program state machine and the dependency order, driven with a clock of the test's
 * own: each event goes in with the time it happens, and the state, the deadline and the
 * actions that come out are checked exactly. Nothing is spawned or slept.
 */
#include "config.h"

#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/child.h" /* W_EXITCODE where the C library has none (musl) */
#include "state/state.h"

#define EXITED(code) W_EXITCODE((code), 0)
#define KILLED(sig)  W_EXITCODE(0, (sig))

/* A program with the given type and policy; back-off 1s doubling to 4s, 3 per 60s. */
static struct program *make(enum program_type type, enum restart_policy policy)
{
	struct program *p = calloc(1, sizeof(*p));

	fail_unless(p != NULL);
	p->name = "test";
	p->type = type;
	p->restart = (struct restart_conf){policy, 1000, 4000, 3, 60000};
	fail_unless(restart_history_init(&p->history, &p->restart) == 0);
	program_reset(p);
	return p;
}

static void discard(struct program *p)
{
	restart_history_free(&p->history);
	free(p);
}

/* p, told to start, was forked at now as pid and its exec succeeded: the EXECED actions. */
static unsigned int spawn_at(struct program *p, int64_t now, pid_t pid)
{
	/* Forked is not yet running: nothing is up before the exec is seen. */
	fail_unless(program_step(p, PROGRAM_EV_SPAWNED, now, pid, 0) == 0);
	fail_unless(p->pid == pid);
	return program_step(p, PROGRAM_EV_EXECED, now, pid, 0);
}

/* Starts p at now as pid; returns the actions of its exec. */
static unsigned int run_at(struct program *p, int64_t now, pid_t pid)
{
	fail_unless(program_step(p, PROGRAM_EV_START, now, 0, 0) == PROGRAM_ACT_SPAWN);
	fail_unless(p->state == PROGRAM_STARTING);
	return spawn_at(p, now, pid);
}

static void test_longrun_without_restart(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_NO);

	fail_unless(p->state == PROGRAM_WAITING);
	fail_unless(program_deadline(p) == -1);
	/* A longrun is up for what comes after it as soon as it runs. */
	fail_unless(run_at(p, 0, 42) == PROGRAM_ACT_UP);
	fail_unless(p->pid == 42 && p->started && program_running(p));
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 500, 0, EXITED(3)) == PROGRAM_ACT_ENDED);
	fail_unless(p->state == PROGRAM_ENDED && p->pid == 0 && p->status == EXITED(3));
	/* Ended is final: nothing moves it. */
	fail_unless(program_step(p, PROGRAM_EV_START, 600, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 99999, 0, 0) == 0);
	fail_unless(p->state == PROGRAM_ENDED);
	discard(p);
}

static void test_backoff_doubles_and_gives_up(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_ON_FAILURE);

	run_at(p, 0, 10);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 100, 0, EXITED(1)) == PROGRAM_ACT_BACKOFF);
	fail_unless(p->state == PROGRAM_BACKOFF && program_deadline(p) == 1100);
	/* One millisecond early is not yet. */
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1099, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1100, 0, 0) == PROGRAM_ACT_SPAWN);
	fail_unless(p->state == PROGRAM_STARTING && program_deadline(p) == -1);
	spawn_at(p, 1100, 11);
	fail_unless(p->state == PROGRAM_RUNNING && program_ready(p));
	/* Second restart within the window: the back-off doubles. */
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 1200, 0, KILLED(SIGSEGV)) ==
		    PROGRAM_ACT_BACKOFF);
	fail_unless(p->backoff_ms == 2000 && program_deadline(p) == 3200);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 3200, 0, 0) == PROGRAM_ACT_SPAWN);
	spawn_at(p, 3200, 12);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 3300, 0, EXITED(1)) == PROGRAM_ACT_BACKOFF);
	fail_unless(p->backoff_ms == 4000);
	program_step(p, PROGRAM_EV_TICK, 7300, 0, 0);
	spawn_at(p, 7300, 13);
	/* The limit is 3 within the window: the fourth is refused, and the end is final. */
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 7400, 0, EXITED(1)) ==
		    (PROGRAM_ACT_GIVE_UP | PROGRAM_ACT_ENDED));
	fail_unless(p->state == PROGRAM_ENDED && p->recent == 3);
	discard(p);
}

static void test_window_forgets_old_restarts(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_ALWAYS);

	run_at(p, 0, 10);
	program_step(p, PROGRAM_EV_EXIT, 0, 0, EXITED(0));
	fail_unless(p->backoff_ms == 1000);
	program_step(p, PROGRAM_EV_TICK, 1000, 0, 0);
	spawn_at(p, 1000, 11);
	/* Long after the window: back to the first delay. */
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 100000, 0, EXITED(0)) == PROGRAM_ACT_BACKOFF);
	fail_unless(p->backoff_ms == 1000 && p->recent == 0);
	discard(p);
}

static void test_oneshot(void)
{
	struct program *p = make(PROGRAM_ONESHOT, RESTART_NO);

	/* A oneshot is up only once it exited 0. */
	fail_unless(run_at(p, 0, 20) == 0);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 10, 0, EXITED(0)) ==
		    (PROGRAM_ACT_UP | PROGRAM_ACT_ENDED));
	fail_unless(p->state == PROGRAM_DONE);
	discard(p);

	p = make(PROGRAM_ONESHOT, RESTART_NO);
	run_at(p, 0, 21);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 10, 0, EXITED(4)) == PROGRAM_ACT_ENDED);
	fail_unless(p->state == PROGRAM_ENDED);
	discard(p);

	/* on-failure retries a failed oneshot; its dependants wait meanwhile. */
	p = make(PROGRAM_ONESHOT, RESTART_ON_FAILURE);
	run_at(p, 0, 22);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 10, 0, EXITED(4)) == PROGRAM_ACT_BACKOFF);
	program_step(p, PROGRAM_EV_TICK, 1010, 0, 0);
	fail_unless(spawn_at(p, 1010, 23) == 0);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 1020, 0, EXITED(0)) ==
		    (PROGRAM_ACT_UP | PROGRAM_ACT_ENDED));
	discard(p);

	/* always runs it again, but its first success lets its dependants start. */
	p = make(PROGRAM_ONESHOT, RESTART_ALWAYS);
	run_at(p, 0, 24);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 10, 0, EXITED(0)) ==
		    (PROGRAM_ACT_UP | PROGRAM_ACT_BACKOFF));
	fail_unless(p->completed && p->state == PROGRAM_BACKOFF);
	program_step(p, PROGRAM_EV_TICK, 1010, 0, 0);
	spawn_at(p, 1010, 25);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 1020, 0, EXITED(0)) == PROGRAM_ACT_BACKOFF);
	discard(p);
}

static void test_stop(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_ALWAYS);

	/* Never started: it never will be. */
	fail_unless(program_step(p, PROGRAM_EV_STOP, 0, 0, 0) == 0);
	fail_unless(p->state == PROGRAM_ENDED && !p->started);
	fail_unless(program_step(p, PROGRAM_EV_START, 1, 0, 0) == 0);
	discard(p);

	/* Running: its end is final even with restart = always. */
	p = make(PROGRAM_LONGRUN, RESTART_ALWAYS);
	run_at(p, 0, 30);
	fail_unless(program_step(p, PROGRAM_EV_STOP, 5, 0, 0) == 0);
	fail_unless(p->state == PROGRAM_STOPPING && program_running(p) && p->pid == 30);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 9, 0, KILLED(SIGTERM)) == PROGRAM_ACT_ENDED);
	fail_unless(p->state == PROGRAM_ENDED && p->status == KILLED(SIGTERM));
	discard(p);

	/* In its back-off: the restart is dropped and the deadline with it. */
	p = make(PROGRAM_LONGRUN, RESTART_ALWAYS);
	run_at(p, 0, 31);
	program_step(p, PROGRAM_EV_EXIT, 5, 0, EXITED(2));
	fail_unless(program_deadline(p) == 1005);
	fail_unless(program_step(p, PROGRAM_EV_STOP, 6, 0, 0) == PROGRAM_ACT_CANCEL);
	fail_unless(p->state == PROGRAM_ENDED && program_deadline(p) == -1);
	fail_unless(p->exited && p->status == EXITED(2));
	fail_unless(program_step(p, PROGRAM_EV_TICK, 2000, 0, 0) == 0);
	discard(p);
}

static void test_events_out_of_place(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_NO);

	/* An exit or a spawn for a program that is not running changes nothing. */
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 0, 0, EXITED(1)) == 0);
	fail_unless(program_step(p, PROGRAM_EV_SPAWNED, 0, 5, 0) == 0);
	fail_unless(p->state == PROGRAM_WAITING && p->pid == 0);
	fail_unless(strcmp(program_state_name(PROGRAM_BACKOFF), "backoff") == 0);
	discard(p);
}

static void test_exec(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_ALWAYS);

	/* Forked, its exec not seen: still starting, nothing up, not counted as started. */
	fail_unless(program_step(p, PROGRAM_EV_START, 0, 0, 0) == PROGRAM_ACT_SPAWN);
	fail_unless(program_step(p, PROGRAM_EV_SPAWNED, 0, 60, 0) == 0);
	fail_unless(p->state == PROGRAM_STARTING && !program_ready(p) && !p->started);
	fail_unless(program_running(p) && p->pid == 60);
	/* Its first exec fails: it ends for good, restart = always or not. */
	fail_unless(program_step(p, PROGRAM_EV_NOEXEC, 5, 0, EXITED(127)) ==
		    (PROGRAM_ACT_ENDED | PROGRAM_ACT_NOEXEC));
	fail_unless(p->state == PROGRAM_ENDED && p->pid == 0 && p->status == EXITED(127));
	fail_unless(p->exited && !p->completed && program_deadline(p) == -1);
	fail_unless(program_step(p, PROGRAM_EV_EXECED, 6, 60, 0) == 0);
	discard(p);

	/* No process at all (fork failed) and no restart wanted: the same, with 1. */
	p = make(PROGRAM_LONGRUN, RESTART_NO);
	program_step(p, PROGRAM_EV_START, 0, 0, 0);
	fail_unless(program_step(p, PROGRAM_EV_NOFORK, 0, 0, EAGAIN) ==
		    (PROGRAM_ACT_ENDED | PROGRAM_ACT_NOEXEC));
	fail_unless(p->state == PROGRAM_ENDED && p->status == EXITED(1) && p->fork_err == EAGAIN);
	discard(p);

	/* Once it ran, an exec that fails on a restart is an exit: the policy may try again. */
	p = make(PROGRAM_LONGRUN, RESTART_ALWAYS);
	fail_unless(run_at(p, 0, 61) == PROGRAM_ACT_UP && p->started);
	program_step(p, PROGRAM_EV_EXIT, 10, 0, EXITED(0));
	program_step(p, PROGRAM_EV_TICK, 1010, 0, 0);
	fail_unless(program_step(p, PROGRAM_EV_SPAWNED, 1010, 62, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_NOEXEC, 1020, 0, EXITED(126)) ==
		    PROGRAM_ACT_BACKOFF);
	fail_unless(p->state == PROGRAM_BACKOFF && p->status == EXITED(126));
	discard(p);

	/* ready = notify: the exec alone makes it no readier; READY=1 does. */
	p = make(PROGRAM_LONGRUN, RESTART_NO);
	p->ready_mode = READY_NOTIFY;
	fail_unless(run_at(p, 0, 63) == 0 && p->started);
	fail_unless(p->state == PROGRAM_STARTING);
	fail_unless(program_step(p, PROGRAM_EV_READY, 5, 0, 0) == PROGRAM_ACT_UP);
	/* An exec seen late, after READY=1, changes nothing. */
	fail_unless(program_step(p, PROGRAM_EV_EXECED, 6, 63, 0) == 0);
	fail_unless(p->state == PROGRAM_RUNNING);
	discard(p);

	/* Shut down while it was being started: its failed exec is simply its final end. */
	p = make(PROGRAM_LONGRUN, RESTART_ALWAYS);
	program_step(p, PROGRAM_EV_START, 0, 0, 0);
	program_step(p, PROGRAM_EV_SPAWNED, 0, 64, 0);
	program_step(p, PROGRAM_EV_STOP, 1, 0, 0);
	fail_unless(program_step(p, PROGRAM_EV_NOEXEC, 2, 0, EXITED(127)) == PROGRAM_ACT_ENDED);
	fail_unless(p->state == PROGRAM_ENDED);
	discard(p);
}

static const char *end_of(const struct program *p)
{
	static char buf[96];

	return program_describe_end(p, buf, sizeof(buf));
}

/*
 * No process could be made (EAGAIN under a pid limit): no run, so not counted against the
 * limit, yet retried after a back-off that grows with each failure in a row.
 */
static void test_nofork(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_ON_FAILURE);
	int64_t now = 0;
	int i;

	fail_unless(strcmp(end_of(p), "-") == 0);
	fail_unless(run_at(p, 0, 70) == PROGRAM_ACT_UP);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 10, 0, EXITED(3)) == PROGRAM_ACT_BACKOFF);
	fail_unless(p->history.nrestarts == 1 && p->deadline_ms == 1010);
	now = 1010;
	fail_unless(program_step(p, PROGRAM_EV_TICK, now, 0, 0) == PROGRAM_ACT_SPAWN);
	/* Far more failures than the limit (3) allows restarts: never given up on. */
	for (i = 0; i < 10; i++) {
		fail_unless(program_step(p, PROGRAM_EV_NOFORK, now, 0, EAGAIN) ==
			    PROGRAM_ACT_RETRY);
		fail_unless(p->state == PROGRAM_BACKOFF && p->history.nrestarts == 1);
		/* 1s, 2s, then the cap of 4s. */
		fail_unless(p->backoff_ms == (i == 0 ? 1000 : i == 1 ? 2000 : 4000));
		fail_unless(p->deadline_ms == now + p->backoff_ms);
		fail_unless(program_step(p, PROGRAM_EV_TICK, now + p->backoff_ms - 1, 0, 0) == 0);
		now += p->backoff_ms;
		fail_unless(program_step(p, PROGRAM_EV_TICK, now, 0, 0) == PROGRAM_ACT_SPAWN);
	}
	/* Its last end stands, while the status says why it is not running. */
	fail_unless(p->status == EXITED(3));
	fail_unless(strcmp(end_of(p), "could not be started: Resource temporarily unavailable") ==
		    0);
	fail_unless(program_step(p, PROGRAM_EV_SPAWNED, now, 71, 0) == 0);
	fail_unless(p->fork_err == 0 && p->nofork == 0);
	fail_unless(strcmp(end_of(p), "exited with status 3") == 0);
	program_step(p, PROGRAM_EV_EXECED, now, 71, 0);
	/* Back to the policy's own count: the second restart within the window. */
	fail_unless(program_step(p, PROGRAM_EV_EXIT, now + 10, 0, EXITED(1)) ==
		    PROGRAM_ACT_BACKOFF);
	fail_unless(p->backoff_ms == 2000 && p->history.nrestarts == 2);
	discard(p);

	/* A back-off of 0s is no spin either. */
	p = make(PROGRAM_LONGRUN, RESTART_ALWAYS);
	p->restart.delay_ms = 0;
	p->restart.max_delay_ms = 0;
	program_step(p, PROGRAM_EV_START, 0, 0, 0);
	fail_unless(program_step(p, PROGRAM_EV_NOFORK, 0, 0, EAGAIN) == PROGRAM_ACT_RETRY);
	fail_unless(p->deadline_ms >= 100);
	/* The shutdown cancels the retry as it does a restart. */
	fail_unless(program_step(p, PROGRAM_EV_STOP, 5, 0, 0) == PROGRAM_ACT_CANCEL);
	discard(p);

	/* Only a start that has not forked yet can fail so. */
	p = make(PROGRAM_LONGRUN, RESTART_ALWAYS);
	fail_unless(run_at(p, 0, 72) == PROGRAM_ACT_UP);
	fail_unless(program_step(p, PROGRAM_EV_NOFORK, 1, 0, EAGAIN) == 0);
	fail_unless(p->state == PROGRAM_RUNNING && p->fork_err == 0);
	discard(p);
}

static void test_order(void)
{
	char *none[] = {NULL};
	char *after_b[] = {"b", NULL}, *after_a[] = {"a", NULL}, *after_ac[] = {"a", "c", NULL};
	char *after_x[] = {"x", NULL}, *after_main[] = {"main", NULL};
	struct program_conf progs[3] = {
	    {.name = "a", .after = none, .line = 1},
	    {.name = "b", .after = after_ac, .line = 2},
	    {.name = "c", .after = after_a, .line = 3},
	};
	int levels[3], line = 0;
	char err[200];

	fail_unless(order_check(progs, 3, &line, err, sizeof(err)) == 0);
	fail_unless(order_levels(progs, 3, levels) == 2);
	fail_unless(levels[0] == 0 && levels[1] == 2 && levels[2] == 1);
	/* a after b closes the cycle a -> b -> a (through c as well). */
	progs[0].after = after_b;
	fail_unless(order_check(progs, 3, &line, err, sizeof(err)) < 0);
	fail_unless(strcmp(err, "'after' makes a cycle: a -> b -> a") == 0 && line == 1);
	progs[0].after = after_x;
	fail_unless(order_check(progs, 3, &line, err, sizeof(err)) < 0);
	fail_unless(strstr(err, "'x', which is not a program") != NULL && line == 1);
	fail_unless(order_find(progs, 3, "c") == 2 && order_find(progs, 3, "d") == -1);
	/* main, the command, is at level 0: a after main is at 1, and c after a at 2. */
	progs[0].after = after_main;
	fail_unless(order_find(progs, 3, "main") == ORDER_MAIN);
	fail_unless(order_check(progs, 3, &line, err, sizeof(err)) == 0);
	fail_unless(order_levels(progs, 3, levels) == 3);
	fail_unless(levels[0] == 1 && levels[1] == 3 && levels[2] == 2);
}

/* A stop hook's timeout runs from its spawn; past it the hook is killed and its end final. */
static void test_stop_hook_timeout(void)
{
	struct program *p = make(PROGRAM_ONESHOT, RESTART_NO);

	p->stop_hook = true;
	p->timeout_ms = 500;
	fail_unless(program_deadline(p) == -1);
	fail_unless(run_at(p, 1000, 42) == 0);
	fail_unless(program_deadline(p) == 1500);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1499, 0, 0) == 0);
	fail_unless(p->state == PROGRAM_STARTING && !program_ready(p));
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1500, 0, 0) == PROGRAM_ACT_TIMEOUT);
	fail_unless(p->state == PROGRAM_STOPPING && program_deadline(p) == -1);
	/* Later ticks do not kill it again; its end, a kill, is final. */
	fail_unless(program_step(p, PROGRAM_EV_TICK, 9999, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 1501, 0, KILLED(SIGKILL)) ==
		    PROGRAM_ACT_ENDED);
	fail_unless(p->state == PROGRAM_ENDED && p->pid == 0);
	discard(p);
}

/* A stop hook that ends in time, failing or not, has no deadline left. */
static void test_stop_hook_in_time(void)
{
	struct program *p = make(PROGRAM_ONESHOT, RESTART_NO);

	p->stop_hook = true;
	p->timeout_ms = 500;
	run_at(p, 0, 42);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 200, 0, EXITED(3)) == PROGRAM_ACT_ENDED);
	fail_unless(p->state == PROGRAM_ENDED && program_deadline(p) == -1);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 600, 0, 0) == 0);
	/* A longrun has no timeout: its deadline stays unset while it runs. */
	discard(p);
	p = make(PROGRAM_LONGRUN, RESTART_NO);
	run_at(p, 0, 43);
	fail_unless(program_deadline(p) == -1);
	discard(p);
}

/* ready = notify: running but not ready until READY=1; only then up for its dependants. */
static void test_ready_notify(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_NO);

	p->ready_mode = READY_NOTIFY;
	p->ready_timeout_ms = 1000;
	fail_unless(run_at(p, 0, 40) == 0);
	fail_unless(p->state == PROGRAM_STARTING && program_running(p) && !program_ready(p));
	fail_unless(!p->completed && program_deadline(p) == 1000);
	/* A sign of life is not readiness; more time moves the deadline, never back. */
	fail_unless(program_step(p, PROGRAM_EV_WATCHDOG, 100, 0, 0) == 0);
	program_extend(p, 900, 500);
	fail_unless(program_deadline(p) == 1400);
	program_extend(p, 901, 10);
	fail_unless(program_deadline(p) == 1400);
	fail_unless(program_step(p, PROGRAM_EV_READY, 1300, 0, 0) == PROGRAM_ACT_UP);
	fail_unless(p->state == PROGRAM_RUNNING && program_ready(p) && p->completed);
	fail_unless(program_deadline(p) == -1);
	fail_unless(program_step(p, PROGRAM_EV_READY, 1400, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 99999, 0, 0) == 0);
	/* STOPPING=1: no longer ready, still running and still up for its dependants. */
	fail_unless(program_step(p, PROGRAM_EV_STOPPING, 1500, 0, 0) == 0);
	fail_unless(!program_ready(p) && program_running(p) && p->completed);
	program_step(p, PROGRAM_EV_EXIT, 1600, 0, EXITED(0));
	program_reset(p);
	run_at(p, 2000, 46);
	program_step(p, PROGRAM_EV_READY, 2001, 0, 0);
	fail_unless(program_ready(p));
	discard(p);
}

/* A ladder of two steps, SIGTERM for 200 ms, then SIGUSR1 (not SIGKILL) for 100 ms. */
static const struct ladder_step two_steps[] = {{SIGTERM, 200}, {SIGUSR1, 100}};

/* Not ready within its ready-timeout: hung, its ladder step by step, then a failure. */
static void test_ready_timeout(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_ON_FAILURE);

	p->ready_mode = READY_FD_MIN;
	p->ready_timeout_ms = 1000;
	p->steps = two_steps;
	p->nsteps = 2;
	run_at(p, 0, 41);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 999, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1000, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(p->state == PROGRAM_KILLING && p->hung == HANG_READY_TIMEOUT);
	fail_unless(program_running(p) && !program_ready(p) && program_deadline(p) == 1200);
	/* Readiness that comes too late does not save it. */
	fail_unless(program_step(p, PROGRAM_EV_READY, 1100, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1200, 0, 0) == PROGRAM_ACT_KILL);
	fail_unless(p->kill_step == 1 && program_deadline(p) == 1300);
	/* Past the last step, which was not SIGKILL: SIGKILL, and nothing after it. */
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1300, 0, 0) == PROGRAM_ACT_KILL);
	fail_unless(p->kill_step == 2 && program_deadline(p) == -1);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 9999, 0, 0) == 0);
	/* It exited 0 on its stop signal: still a failure, so on-failure restarts it. */
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 1250, 0, EXITED(0)) == PROGRAM_ACT_BACKOFF);
	fail_unless(p->status == EXITED(1) && p->hung == HANG_READY_TIMEOUT);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 2250, 0, 0) == PROGRAM_ACT_SPAWN);
	fail_unless(p->hung == HANG_NONE && p->state == PROGRAM_STARTING);
	discard(p);
}

/* A watchdog counts from readiness and from each sign of life; WATCHDOG_USEC= changes it. */
static void test_watchdog(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_NO);

	p->ready_mode = READY_NOTIFY;
	p->watchdog_conf_ms = 1000;
	p->steps = two_steps;
	p->nsteps = 2;
	run_at(p, 0, 42);
	fail_unless(program_deadline(p) == -1);
	fail_unless(program_step(p, PROGRAM_EV_READY, 100, 0, 0) == PROGRAM_ACT_UP);
	fail_unless(program_deadline(p) == 1100);
	fail_unless(program_step(p, PROGRAM_EV_WATCHDOG, 600, 0, 0) == 0);
	fail_unless(program_deadline(p) == 1600);
	program_set_watchdog(p, 700, 300);
	fail_unless(program_deadline(p) == 1000);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1000, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(p->hung == HANG_WATCHDOG && program_deadline(p) == 1200);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 1100, 0, KILLED(SIGTERM)) ==
		    PROGRAM_ACT_ENDED);
	fail_unless(p->state == PROGRAM_ENDED && p->status == KILLED(SIGTERM));
	/* Its next start has the configured period again. */
	program_reset(p);
	run_at(p, 2000, 43);
	fail_unless(p->watchdog_ms == 1000);
	/* The shutdown takes a hung program over: no grace, its end final. */
	program_step(p, PROGRAM_EV_READY, 2000, 0, 0);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 3000, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(program_step(p, PROGRAM_EV_STOP, 3001, 0, 0) == 0);
	fail_unless(p->state == PROGRAM_STOPPING && program_deadline(p) == -1);
	discard(p);
}

/* A ladder that ends in SIGKILL is not followed by another SIGKILL. */
static void test_hung_ladder_ends_in_sigkill(void)
{
	static const struct ladder_step steps[] = {{SIGINT, 100}, {SIGKILL, 50}};
	struct program *p = make(PROGRAM_LONGRUN, RESTART_NO);

	p->ready_mode = READY_NOTIFY;
	p->ready_timeout_ms = 10;
	p->steps = steps;
	p->nsteps = 2;
	run_at(p, 0, 45);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 10, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 110, 0, 0) == PROGRAM_ACT_KILL);
	fail_unless(p->kill_step == 1 && program_deadline(p) == 160);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 160, 0, 0) == 0);
	fail_unless(program_deadline(p) == -1 && p->state == PROGRAM_KILLING);
	discard(p);
}

/* WATCHDOG=trigger: hung at once, before readiness or after it. */
static void test_trigger(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_NO);

	p->ready_mode = READY_NOTIFY;
	run_at(p, 0, 47);
	fail_unless(program_step(p, PROGRAM_EV_TRIGGER, 5, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(p->hung == HANG_TRIGGER && p->state == PROGRAM_KILLING);
	fail_unless(program_step(p, PROGRAM_EV_TRIGGER, 6, 0, 0) == 0);
	program_step(p, PROGRAM_EV_EXIT, 7, 0, KILLED(SIGINT));
	program_reset(p);
	run_at(p, 10, 48);
	program_step(p, PROGRAM_EV_READY, 11, 0, 0);
	fail_unless(program_step(p, PROGRAM_EV_TRIGGER, 12, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(p->hung == HANG_TRIGGER);
	discard(p);
}

/*
 * Probed (ready = tcp:...): not ready at exec, only once its probe passed; failing its health
 * check while it runs is hung, whose exit 0 then still counts as a failure for the policy.
 */
static void test_probe_and_failing(void)
{
	struct program *p = make(PROGRAM_LONGRUN, RESTART_ON_FAILURE);

	p->ready_mode = READY_PROBE;
	fail_unless(run_at(p, 0, 49) == 0);
	fail_unless(p->state == PROGRAM_STARTING && !program_ready(p));
	/* Failing before it is ready is the ready-timeout's business, not the health check's. */
	fail_unless(program_step(p, PROGRAM_EV_FAILING, 5, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_READY, 10, 0, 0) == PROGRAM_ACT_UP);
	fail_unless(program_step(p, PROGRAM_EV_FAILING, 20, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(p->hung == HANG_HEALTH && p->state == PROGRAM_KILLING);
	fail_unless(program_step(p, PROGRAM_EV_FAILING, 21, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 30, 0, EXITED(0)) & PROGRAM_ACT_BACKOFF);
	fail_unless(p->state == PROGRAM_BACKOFF);
	discard(p);
}

/* A oneshot is ready once it exited 0, not while it runs. */
static void test_oneshot_ready(void)
{
	struct program *p = make(PROGRAM_ONESHOT, RESTART_NO);

	p->ready_mode = READY_EXITED;
	run_at(p, 0, 44);
	fail_unless(!program_ready(p));
	fail_unless(program_step(p, PROGRAM_EV_READY, 1, 0, 0) == 0 && !program_ready(p));
	program_step(p, PROGRAM_EV_EXIT, 2, 0, EXITED(0));
	fail_unless(program_ready(p) && p->state == PROGRAM_DONE);
	discard(p);
}

/* The ladder of the tests: TERM for 1s, then KILL for 2s. */
static const struct ladder_step test_steps[] = {{SIGTERM, 1000}, {SIGKILL, 2000}};

static struct program *make_laddered(enum restart_policy policy)
{
	struct program *p = make(PROGRAM_LONGRUN, policy);

	p->steps = test_steps;
	p->nsteps = 2;
	return p;
}

static void test_stop_on_request(void)
{
	struct program *p = make_laddered(RESTART_ALWAYS);

	p->essential = true;
	run_at(p, 0, 40);
	/* Step 1 of its own ladder (a hung program's), its grace the deadline. */
	fail_unless(program_step(p, PROGRAM_EV_HALT, 100, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(p->state == PROGRAM_KILLING && p->kill_step == 0 && p->hung == HANG_NONE);
	fail_unless(p->request == PROGRAM_REQ_STOP);
	fail_unless(program_deadline(p) == 1100 && program_running(p) && !program_ready(p));
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1099, 0, 0) == 0);
	/* The grace is over: step 2. */
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1100, 0, 0) == PROGRAM_ACT_KILL);
	fail_unless(p->kill_step == 1 && program_deadline(p) == 3100);
	/* Its end is no failure and no restart, even with restart = always and essential. */
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 1200, 0, KILLED(SIGKILL)) ==
		    PROGRAM_ACT_STOPPED);
	fail_unless(p->state == PROGRAM_STOPPED && p->pid == 0 && program_deadline(p) == -1);
	fail_unless(p->history.nrestarts == 0 && p->request == PROGRAM_REQ_NONE);
	fail_unless(strcmp(program_state_name(p->state), "stopped") == 0);
	/* Time does not start it again; a start request does. */
	fail_unless(program_step(p, PROGRAM_EV_TICK, 99999, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_START, 99999, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_HALT, 99999, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_RUN, 100000, 0, 0) == PROGRAM_ACT_SPAWN);
	fail_unless(p->state == PROGRAM_STARTING);
	fail_unless(spawn_at(p, 100000, 41) == PROGRAM_ACT_UP);
	fail_unless(p->state == PROGRAM_RUNNING && p->pid == 41 && program_ready(p));
	/* Starting what runs changes nothing. */
	fail_unless(program_step(p, PROGRAM_EV_RUN, 100001, 0, 0) == 0);
	discard(p);

	/* A hung program asked to stop stays stopped: no restart policy after its end. */
	p = make_laddered(RESTART_ALWAYS);
	p->ready_mode = READY_NOTIFY;
	run_at(p, 0, 42);
	fail_unless(program_step(p, PROGRAM_EV_TRIGGER, 5, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(program_step(p, PROGRAM_EV_HALT, 6, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 7, 0, KILLED(SIGTERM)) == PROGRAM_ACT_STOPPED);
	fail_unless(p->state == PROGRAM_STOPPED && p->history.nrestarts == 0);
	discard(p);

	/* Waiting or in back-off: stopped at once, the booked restart gone. */
	p = make_laddered(RESTART_ALWAYS);
	fail_unless(program_step(p, PROGRAM_EV_HALT, 0, 0, 0) == PROGRAM_ACT_STOPPED);
	fail_unless(p->state == PROGRAM_STOPPED);
	discard(p);
	p = make_laddered(RESTART_ALWAYS);
	run_at(p, 0, 43);
	program_step(p, PROGRAM_EV_EXIT, 5, 0, EXITED(1));
	fail_unless(p->state == PROGRAM_BACKOFF);
	fail_unless(program_step(p, PROGRAM_EV_HALT, 6, 0, 0) == PROGRAM_ACT_STOPPED);
	fail_unless(p->state == PROGRAM_STOPPED && program_deadline(p) == -1);
	discard(p);
}

static void test_restart_on_request(void)
{
	struct program *p = make_laddered(RESTART_NO);

	run_at(p, 0, 50);
	fail_unless(program_step(p, PROGRAM_EV_RESTART, 10, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(p->request == PROGRAM_REQ_RESTART && p->state == PROGRAM_KILLING);
	/* Its end starts it again at once, even with restart = no, and is not counted. */
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 20, 0, KILLED(SIGTERM)) == PROGRAM_ACT_SPAWN);
	fail_unless(p->state == PROGRAM_STARTING && p->request == PROGRAM_REQ_NONE);
	fail_unless(program_deadline(p) == -1 && p->history.nrestarts == 0);
	fail_unless(spawn_at(p, 21, 51) == PROGRAM_ACT_UP);
	fail_unless(p->pid == 51);
	/* Ended for good (restart = no): a restart request starts it. */
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 30, 0, EXITED(4)) == PROGRAM_ACT_ENDED);
	fail_unless(program_step(p, PROGRAM_EV_RESTART, 31, 0, 0) == PROGRAM_ACT_SPAWN);
	fail_unless(p->state == PROGRAM_STARTING);
	spawn_at(p, 31, 52);
	/* A stop then a start while it stops: a restart; then a stop again: a stop. */
	program_step(p, PROGRAM_EV_HALT, 40, 0, 0);
	fail_unless(program_step(p, PROGRAM_EV_RUN, 41, 0, 0) == 0);
	fail_unless(p->request == PROGRAM_REQ_RESTART);
	fail_unless(program_step(p, PROGRAM_EV_HALT, 42, 0, 0) == 0);
	fail_unless(p->request == PROGRAM_REQ_STOP);
	fail_unless(program_step(p, PROGRAM_EV_RESTART, 43, 0, 0) == 0);
	fail_unless(p->request == PROGRAM_REQ_RESTART);
	/* The shutdown takes over: no restart, its end final, the ladder's deadline gone. */
	fail_unless(program_step(p, PROGRAM_EV_STOP, 44, 0, 0) == 0);
	fail_unless(p->request == PROGRAM_REQ_NONE && program_deadline(p) == -1);
	fail_unless(program_step(p, PROGRAM_EV_RESTART, 45, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_RUN, 45, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 46, 0, KILLED(SIGTERM)) == PROGRAM_ACT_ENDED);
	fail_unless(p->state == PROGRAM_ENDED);
	discard(p);

	/* A program in back-off starts at once; its failure was counted when it was booked. */
	p = make_laddered(RESTART_ON_FAILURE);
	run_at(p, 0, 60);
	program_step(p, PROGRAM_EV_EXIT, 5, 0, EXITED(1));
	fail_unless(p->state == PROGRAM_BACKOFF && p->history.nrestarts == 1);
	fail_unless(program_step(p, PROGRAM_EV_RESTART, 6, 0, 0) == PROGRAM_ACT_SPAWN);
	fail_unless(p->state == PROGRAM_STARTING && program_deadline(p) == -1);
	fail_unless(p->history.nrestarts == 1);
	discard(p);

	/* Stop hooks answer no request. */
	p = make_laddered(RESTART_NO);
	p->stop_hook = true;
	fail_unless(program_step(p, PROGRAM_EV_RUN, 0, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_RESTART, 0, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_HALT, 0, 0, 0) == 0);
	fail_unless(p->state == PROGRAM_WAITING);
	discard(p);
}

/* Reaped while stopped, with its group not empty: it ends only once the group does. */
static void test_group_left_behind(void)
{
	struct program *p = make_laddered(RESTART_NO);

	run_at(p, 0, 70);
	fail_unless(program_step(p, PROGRAM_EV_RESTART, 10, 0, 0) == PROGRAM_ACT_HUNG);
	fail_unless(program_step(p, PROGRAM_EV_LEFT, 20, 0, KILLED(SIGTERM)) == 0);
	fail_unless(p->state == PROGRAM_KILLING && p->pid == 0 && program_left(p));
	fail_unless(program_running(p) && p->status == KILLED(SIGTERM));
	/* Its ladder goes on for what is left; a second reap report changes nothing. */
	fail_unless(program_deadline(p) == 1010);
	fail_unless(program_step(p, PROGRAM_EV_TICK, 1010, 0, 0) == PROGRAM_ACT_KILL);
	fail_unless(program_step(p, PROGRAM_EV_LEFT, 1020, 0, EXITED(0)) == 0);
	fail_unless(program_step(p, PROGRAM_EV_EXIT, 1020, 0, EXITED(0)) == PROGRAM_ACT_SPAWN);
	fail_unless(p->state == PROGRAM_STARTING && !program_left(p));
	program_step(p, PROGRAM_EV_SPAWNED, 1030, 71, 0);
	discard(p);

	/* The group empties: the restart asked for happens only now. */
	p = make_laddered(RESTART_NO);
	run_at(p, 0, 72);
	program_step(p, PROGRAM_EV_RESTART, 10, 0, 0);
	program_step(p, PROGRAM_EV_LEFT, 20, 0, KILLED(SIGTERM));
	fail_unless(program_step(p, PROGRAM_EV_EMPTY, 30, 0, 0) == PROGRAM_ACT_SPAWN);
	fail_unless(p->state == PROGRAM_STARTING && p->history.nrestarts == 0);
	/* Running, or ended, a program has no group to wait for: EMPTY and LEFT as EXIT. */
	program_step(p, PROGRAM_EV_SPAWNED, 31, 73, 0);
	fail_unless(program_step(p, PROGRAM_EV_EMPTY, 32, 0, 0) == 0);
	fail_unless(program_step(p, PROGRAM_EV_LEFT, 33, 0, EXITED(2)) == PROGRAM_ACT_ENDED);
	fail_unless(p->state == PROGRAM_ENDED && p->status == EXITED(2));
	discard(p);

	/* At shutdown too, and its status is the one it was reaped with. */
	p = make_laddered(RESTART_NO);
	run_at(p, 0, 74);
	program_step(p, PROGRAM_EV_STOP, 10, 0, 0);
	fail_unless(program_step(p, PROGRAM_EV_LEFT, 20, 0, EXITED(3)) == 0);
	fail_unless(p->state == PROGRAM_STOPPING && program_left(p));
	fail_unless(program_step(p, PROGRAM_EV_EMPTY, 30, 0, 0) == PROGRAM_ACT_ENDED);
	fail_unless(p->state == PROGRAM_ENDED && p->status == EXITED(3));
	discard(p);
}

int main(void)
{
	test_ready_notify();
	test_ready_timeout();
	test_watchdog();
	test_oneshot_ready();
	test_hung_ladder_ends_in_sigkill();
	test_trigger();
	test_probe_and_failing();
	test_longrun_without_restart();
	test_backoff_doubles_and_gives_up();
	test_window_forgets_old_restarts();
	test_oneshot();
	test_stop();
	test_events_out_of_place();
	test_exec();
	test_nofork();
	test_order();
	test_stop_hook_timeout();
	test_stop_hook_in_time();
	test_stop_on_request();
	test_restart_on_request();
	test_group_left_behind();
	return 0;
}
