// SPDX-License-Identifier: MIT
/*
 * Who waits for whom at start-up, with a clock of the test's own: the schedule of the notices,
 * the deadline they add (none while nothing waits), and the names the status shows, cut to
 * whole names. Nothing is spawned or slept.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "supervisor/supervise.h"

#define S(n) ((int64_t)(n)*1000)

static struct program progs[CONF_MAX_PROGRAMS];
static size_t afters[CONF_MAX_PROGRAMS][CONF_MAX_PROGRAMS];
static char names[CONF_MAX_PROGRAMS][CONF_NAME_MAX + 1];
static struct pid1_state st;

/* n programs in the run phase, none started: program i is named p<i>, with no after list. */
static void setup(size_t n)
{
	size_t i;

	memset(progs, 0, sizeof(progs));
	memset(&st, 0, sizeof(st));
	for (i = 0; i < n; i++) {
		program_reset(&progs[i]);
		snprintf(names[i], sizeof(names[i]), "p%zu", i);
		progs[i].name = names[i];
		progs[i].after = afters[i];
	}
	st.programs = progs;
	st.nprograms = n;
	st.phase = PHASE_RUN;
}

static void comes_after(size_t i, size_t j)
{
	progs[i].after[progs[i].nafter++] = j;
}

static void test_schedule(void)
{
	static const int64_t want[] = {S(10),  S(30),	S(60),	 S(120), S(300),
				       S(600), S(1200), S(1800), S(2400)};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		fail_unless(waiting_notice_ms((unsigned int)i) == want[i]);
	/* Ever later, every 10 minutes. */
	for (i = 1; i < 1000; i++)
		fail_unless(waiting_notice_ms((unsigned int)i) -
				waiting_notice_ms((unsigned int)i - 1) >=
			    S(10));
	fail_unless(waiting_notice_ms(1000) == waiting_notice_ms(999) + S(600));
}

static void test_deadline(void)
{
	setup(3);
	comes_after(1, 0);
	/* Nothing timed yet: no wake-up. */
	fail_unless(waiting_deadline(&st) == -1);
	/* p0 started, p1 waits for it, p2 waits for nothing (it would have started too). */
	progs[0].state = PROGRAM_STARTING;
	progs[2].state = PROGRAM_RUNNING;
	waiting_begin(&st, S(5));
	fail_unless(progs[1].wait_since_ms == S(5) && progs[0].wait_since_ms == -1);
	fail_unless(waiting_deadline(&st) == S(15));
	/* A later start-up step leaves the first time as it was. */
	waiting_begin(&st, S(7));
	fail_unless(waiting_deadline(&st) == S(15));
	/* Each notice logged moves it on along the schedule. */
	waiting_tick(&st, S(14));
	fail_unless(progs[1].wait_notices == 0);
	waiting_tick(&st, S(15));
	fail_unless(progs[1].wait_notices == 1 && waiting_deadline(&st) == S(35));
	/* Late, the notices passed meanwhile become one; the next is still on the schedule. */
	waiting_tick(&st, S(200));
	fail_unless(progs[1].wait_notices == 4 && waiting_deadline(&st) == S(305));
	/* Once it starts, nothing is due. */
	waiting_over(&progs[1], S(210));
	progs[1].state = PROGRAM_STARTING;
	fail_unless(waiting_deadline(&st) == -1 && progs[1].wait_notices == 0);

	/* A stop hook waits for the shutdown, not for others: no notices. */
	setup(2);
	comes_after(1, 0);
	progs[0].state = PROGRAM_STARTING;
	progs[1].stop_hook = true;
	waiting_begin(&st, 0);
	fail_unless(waiting_deadline(&st) == -1);

	/* Once the shutdown begins, nothing waits any more. */
	setup(2);
	comes_after(1, 0);
	progs[0].state = PROGRAM_STARTING;
	waiting_begin(&st, 0);
	fail_unless(waiting_deadline(&st) == S(10));
	st.phase = PHASE_STOPPING;
	fail_unless(waiting_deadline(&st) == -1);
}

static void test_names(void)
{
	char buf[256];
	size_t i;

	setup(4);
	comes_after(3, 0);
	comes_after(3, 1);
	comes_after(3, 2);
	fail_unless(waiting_names(&st, &progs[3], buf, sizeof(buf)) == 3);
	fail_unless(strcmp(buf, "p0, p1, p2") == 0);
	/* What has been ready is no longer waited for, even if it is not ready now. */
	progs[1].completed = true;
	fail_unless(waiting_names(&st, &progs[3], buf, sizeof(buf)) == 2);
	fail_unless(strcmp(buf, "p0, p2") == 0);
	/* Not waiting: nothing. */
	fail_unless(waiting_names(&st, &progs[0], buf, sizeof(buf)) == 0 && buf[0] == '\0');
	progs[3].state = PROGRAM_STARTING;
	fail_unless(waiting_names(&st, &progs[3], buf, sizeof(buf)) == 0 && buf[0] == '\0');

	/* Too many to show: whole names, then how many were left out. */
	setup(CONF_MAX_PROGRAMS);
	for (i = 0; i + 1 < CONF_MAX_PROGRAMS; i++)
		comes_after(CONF_MAX_PROGRAMS - 1, i);
	fail_unless(waiting_names(&st, &progs[CONF_MAX_PROGRAMS - 1], buf, 30) ==
		    CONF_MAX_PROGRAMS - 1);
	fail_unless(strcmp(buf, "p0, p1, p2, p3, p4 (+58 more)") == 0);
	fail_unless(waiting_names(&st, &progs[CONF_MAX_PROGRAMS - 1], buf, 5) ==
		    CONF_MAX_PROGRAMS - 1);
	fail_unless(strcmp(buf, "") == 0);
	/* One name alone that fits exactly. */
	setup(2);
	comes_after(1, 0);
	fail_unless(waiting_names(&st, &progs[1], buf, 3) == 1 && strcmp(buf, "p0") == 0);
	fail_unless(waiting_names(&st, &progs[1], buf, 2) == 1 && strcmp(buf, "") == 0);
}

int main(void)
{
	test_schedule();
	test_deadline();
	test_names();
	return 0;
}
