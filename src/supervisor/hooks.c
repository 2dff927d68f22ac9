// SPDX-License-Identifier: MIT
/*
 * Stop hooks. At shutdown, before the ladder, each `when = stop` oneshot runs once, after
 * the hooks it names in `after` have ended, whether they succeeded or not: a hook that
 * failed is no reason to skip the next one. A hook that outlives its timeout gets SIGKILL
 * (it has had its grace) and counts as ended. A failing hook is logged at warning with its
 * exit code, and leaves pid1's exit code alone: that is the programs' outcome.
 */
#include "config.h"

#include <sys/wait.h>
#include <signal.h>
#include <string.h>

#include "conf/duration.h"
#include "core/exitcode.h"
#include "supervisor/hooks.h"
#include "output/log.h"
#include "core/loop.h"
#include "core/target.h"

bool hooks_pending(const struct pid1_state *st)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].stop_hook && st->programs[i].state == PROGRAM_WAITING)
			return true;
	return false;
}

void hooks_begin(struct pid1_state *st, const char *why, int signo)
{
	size_t i, n = 0;

	for (i = 0; i < st->nprograms; i++)
		n += st->programs[i].stop_hook;
	st->phase = PHASE_HOOKS;
	strlcpy(st->hooks_why, why, sizeof(st->hooks_why));
	st->hooks_signo = signo;
	log_notice("shutdown: %s; %zu stop hook%s first", why, n, n == 1 ? "" : "s");
}

/* Whether p has ended for the hooks after it: run, and no longer waited for. */
static bool over(const struct program *p)
{
	return p->state != PROGRAM_WAITING && p->state != PROGRAM_STARTING;
}

struct program *hooks_next(const struct pid1_state *st)
{
	struct program *p;
	size_t i, j;

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

bool hooks_left(const struct pid1_state *st)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].stop_hook && !over(&st->programs[i]))
			return true;
	return false;
}

void hooks_cut(struct pid1_state *st, const char *why)
{
	size_t i;

	log_notice("%s during the stop hooks: on to the ladder", why);
	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].stop_hook)
			program_step(&st->programs[i], PROGRAM_EV_STOP, loop_now_ms(), 0, 0);
}

void hooks_ended(const struct program *p)
{
	char how[64];

	exitcode_describe(p->status, how, sizeof(how));
	if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0)
		log_info("stop hook %s %s", p->name, how);
	else
		log_warn("stop hook %s failed: %s", p->name, how);
}

void hooks_timed_out(const struct program *p)
{
	char took[32];

	log_warn("stop hook %s[%d] outlived its timeout of %s: killed", p->name, (int)p->pid,
		 duration_format(p->timeout_ms, took, sizeof(took)));
	if (target_signal_program(p, SIGKILL) < 0)
		log_warn("cannot kill stop hook %s: %m", p->name);
}
