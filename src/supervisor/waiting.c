// SPDX-License-Identifier: MIT
/*
 * Who waits for whom at start-up. A program that waits for what it comes after (a dependency
 * that never says READY=1, a oneshot that never ends) would otherwise wait for ever without a
 * word: pid1 says so at notice level, 10s after the wait began, then at growing intervals (30s,
 * 1m, 2m, 5m, 10m, then every 10m), naming each program still waited for and what that one is
 * doing. The notices are deadlines of supervise_deadline(): nothing wakes pid1 while nothing
 * waits. The same names go to the status (control/server.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/duration.h"
#include "core/log.h"
#include "supervisor/supervise.h"

#define NOTICE_EVERY_MS (10 * 60 * 1000) /* once the schedule's steps are used up */

int64_t waiting_notice_ms(unsigned int n)
{
	static const int64_t steps[] = {10000, 30000, 60000, 120000, 300000, NOTICE_EVERY_MS};
	const unsigned int nsteps = sizeof(steps) / sizeof(steps[0]);

	if (n < nsteps)
		return steps[n];
	return NOTICE_EVERY_MS * (int64_t)(n - nsteps + 2);
}

/* Whether p waits for what it comes after: at start-up, not yet started, not a stop hook. */
static bool waits(const struct pid1_state *st, const struct program *p)
{
	return st->phase == PHASE_RUN && p->state == PROGRAM_WAITING && !p->stop_hook;
}

size_t waiting_names(const struct pid1_state *st, const struct program *p, char *buf, size_t len)
{
	size_t i, n = 0, shown = 0, used = 0, need;
	const struct program *q;
	char more[32];

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (i = 0; waits(st, p) && i < p->nafter; i++)
		n += !st->programs[p->after[i]].completed;
	for (i = 0; i < p->nafter && shown < n; i++) {
		q = &st->programs[p->after[i]];
		if (q->completed)
			continue;
		/* Whole names only, with room kept for the count of those left out. */
		need = (shown > 0 ? 2 : 0) + strlen(q->name);
		if (used + need + (shown + 1 < n ? sizeof(" (+99 more)") : 1) > len)
			break;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", shown > 0 ? ", " : "",
					 q->name);
		shown++;
	}
	/* Said only whole: a count cut short would be a wrong one. */
	if (shown < n &&
	    (size_t)snprintf(more, sizeof(more), " (+%zu more)", n - shown) < len - used)
		strlcpy(buf + used, more, len - used);
	return n;
}

/* When p's next notice is due, or -1: it does not wait, or its wait has not been timed yet. */
static int64_t next_notice(const struct pid1_state *st, const struct program *p)
{
	if (!waits(st, p) || p->wait_since_ms < 0)
		return -1;
	return p->wait_since_ms + waiting_notice_ms(p->wait_notices);
}

int64_t waiting_deadline(const struct pid1_state *st)
{
	int64_t best = -1, when;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		when = next_notice(st, &st->programs[i]);
		if (when >= 0 && (best < 0 || when < best))
			best = when;
	}
	return best;
}

void waiting_begin(struct pid1_state *st, int64_t now)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (waits(st, &st->programs[i]) && st->programs[i].wait_since_ms < 0)
			st->programs[i].wait_since_ms = now;
}

void waiting_over(struct program *p, int64_t now)
{
	char took[32];

	/* Only a wait that was news at notice level gets its end there too, in whole seconds. */
	if (p->wait_notices > 0 && p->wait_since_ms >= 0)
		log_notice(
		    "%s starts after waiting %s", p->name,
		    duration_format((now - p->wait_since_ms) / 1000 * 1000, took, sizeof(took)));
	p->wait_since_ms = -1;
	p->wait_notices = 0;
}

/* What q, waited for, is doing instead of being ready, appended to buf. */
static void doing(const struct program *q, int64_t now, char *buf, size_t len)
{
	char what[160], t[32];

	if (q->state == PROGRAM_STARTING && q->pid > 0 && q->type == PROGRAM_ONESHOT)
		snprintf(what, sizeof(what), "%s[%d] is still running", q->name, (int)q->pid);
	else if (q->state == PROGRAM_STARTING && q->pid > 0 && q->ready_mode == READY_NOTIFY)
		snprintf(what, sizeof(what), "%s[%d] is running but has not said READY=1", q->name,
			 (int)q->pid);
	else if (q->state == PROGRAM_STARTING && q->pid > 0 && q->ready_mode >= READY_FD_MIN)
		snprintf(what, sizeof(what),
			 "%s[%d] is running but has not written a line to fd %d", q->name,
			 (int)q->pid, q->ready_mode);
	else if (q->state == PROGRAM_STARTING && q->pid > 0 && q->ready_log != NULL)
		snprintf(what, sizeof(what),
			 "%s[%d] is running but has printed no line that matches its ready = "
			 "log:...",
			 q->name, (int)q->pid);
	else if (q->state == PROGRAM_STARTING && q->pid > 0 && q->ready_probe != NULL)
		snprintf(what, sizeof(what),
			 "%s[%d] is running but its ready check has not passed%s%s", q->name,
			 (int)q->pid, q->ready_probe->result[0] != '\0' ? ": " : "",
			 q->ready_probe->result);
	else if (q->state == PROGRAM_BACKOFF)
		snprintf(
		    what, sizeof(what), "%s restarts in %s", q->name,
		    duration_format(q->deadline_ms > now ? q->deadline_ms - now : 0, t, sizeof(t)));
	else if (q->state == PROGRAM_WAITING)
		snprintf(what, sizeof(what), "%s waits too", q->name);
	else if (q->state == PROGRAM_STOPPED)
		snprintf(what, sizeof(what), "%s was stopped on request", q->name);
	else if (q->state == PROGRAM_KILLING)
		snprintf(what, sizeof(what), "%s is being %s", q->name,
			 q->request == PROGRAM_REQ_RESTART ? "restarted" : "stopped");
	else if (q->state == PROGRAM_ENDED)
		snprintf(what, sizeof(what), "%s has ended", q->name);
	else
		snprintf(what, sizeof(what), "%s is %s", q->name, program_status(q));
	/* Only where readiness is awaited can a ready-timeout bound it. */
	if (q->state == PROGRAM_STARTING && q->pid > 0 && q->ready_mode != READY_STARTED) {
		if (q->ready_timeout_ms > 0)
			snprintf(what + strlen(what), sizeof(what) - strlen(what),
				 ", ready-timeout %s",
				 duration_format(q->ready_timeout_ms, t, sizeof(t)));
		else
			strlcat(what, ", no ready-timeout", sizeof(what));
	}
	if (buf[0] != '\0')
		strlcat(buf, "; ", len);
	strlcat(buf, what, len);
}

/*
 * One line for p: each program it still waits for, with "to be ready" or, for a oneshot, "to
 * finish", how long it has waited, then what each is doing.
 */
static void notice(const struct pid1_state *st, const struct program *p, int64_t waited,
		   int64_t now)
{
	char whom[512] = "", what[1024] = "", took[32];
	size_t i;

	for (i = 0; i < p->nafter; i++) {
		const struct program *q = &st->programs[p->after[i]];

		if (q->completed)
			continue;
		if (whom[0] != '\0')
			strlcat(whom, ", ", sizeof(whom));
		strlcat(whom, q->name, sizeof(whom));
		strlcat(whom, q->type == PROGRAM_ONESHOT ? " to finish" : " to be ready",
			sizeof(whom));
		doing(q, now, what, sizeof(what));
	}
	if (whom[0] != '\0')
		log_notice("%s waits for %s: %s (%s)", p->name, whom,
			   duration_format(waited, took, sizeof(took)), what);
}

void waiting_tick(struct pid1_state *st, int64_t now)
{
	struct program *p;
	int64_t when;
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		when = next_notice(st, p);
		if (when < 0 || when > now)
			continue;
		/* Late (a loop held up): the notices passed meanwhile become one. */
		while (p->wait_since_ms + waiting_notice_ms(p->wait_notices + 1) <= now)
			p->wait_notices++;
		notice(st, p, waiting_notice_ms(p->wait_notices), now);
		p->wait_notices++;
	}
}
