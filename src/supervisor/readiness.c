// SPDX-License-Identifier: MIT
/*
 * Readiness on the supervisor's side. Programs' messages are only recorded by their loop
 * handlers (readiness/inbox.c) and fed to the state machines here, after the wake-up, so that
 * every change of state goes through supervise(). pid1 is ready while it runs and every
 * essential program is ready (every program, when none is essential): that is when the ready
 * file exists and when systemd hears READY=1.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "readiness/inbox.h"
#include "supervisor/supervise.h"
#include "readiness/manager.h"

/*
 * Whether an inherited NOTIFY_SOCKET is the one program's to use, as before readiness: one
 * program, and no readiness key anywhere. Otherwise pid1 speaks to it itself.
 */
static bool pass_through(const struct pid1_state *st)
{
	size_t i;

	if (st->nprograms > 1 || st->conf->ready_file != NULL || st->conf->sd_notify)
		return false;
	for (i = 0; i < st->conf->nprograms; i++) {
		const struct program_conf *pc = &st->conf->programs[i];

		if (pc->ready != READY_DEFAULT || pc->ready_timeout_ms > 0 || pc->watchdog_ms > 0)
			return false;
	}
	return true;
}

int readiness_open(struct pid1_state *st)
{
	size_t i;

	manager_init(st->manager, pass_through(st));
	if (inbox_open(st) < 0)
		return -1;
	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].ready_mode == READY_NOTIFY)
			return notifysocket_open(st);
	return 0;
}

static void tell(struct pid1_state *st, struct program *p, enum program_event ev)
{
	supervise(st, &(struct supervise_event){.kind = SUPERVISE_PROGRAM, .p = p, .ev = ev});
}

static void take_notice(struct pid1_state *st, struct program *p, const struct notice *n)
{
	int64_t now = loop_now_ms();

	/* Said by a process of an earlier start, which ended in the same wake-up. */
	if (n->pid != p->pid)
		return;
	if (n->mainpid > 0)
		log_info("%s: main pid %d", p->name, (int)n->mainpid);
	if (n->status[0] != '\0')
		log_info("%s: status: %s", p->name, n->status);
	if (n->stopping) {
		log_info("%s: stopping", p->name);
		tell(st, p, PROGRAM_EV_STOPPING);
	}
	if (n->hung_closed && p->state == PROGRAM_STARTING)
		log_notice("%s closed its ready fd without writing a newline", p->name);
	if (n->extend_ms > 0)
		program_extend(p, now, n->extend_ms);
	if (n->watchdog_ms > 0)
		program_set_watchdog(p, now, n->watchdog_ms);
	if (n->ready)
		tell(st, p, PROGRAM_EV_READY);
	if (n->alive)
		tell(st, p, PROGRAM_EV_WATCHDOG);
	if (n->trigger)
		tell(st, p, PROGRAM_EV_TRIGGER);
}

bool readiness_ready(const struct pid1_state *st, char *summary, size_t len)
{
	size_t i, nready = 0, nessential = 0, ncount = 0;
	char waiting[160] = "";

	for (i = 0; i < st->nprograms; i++)
		nessential += st->programs[i].essential;
	for (i = 0; i < st->nprograms; i++) {
		const struct program *p = &st->programs[i];

		if (p->stop_hook || p->removed || (nessential > 0 && !p->essential))
			continue;
		ncount++;
		if (program_ready(p)) {
			nready++;
			continue;
		}
		strlcat(waiting, waiting[0] == '\0' ? "; not ready: " : ", ", sizeof(waiting));
		strlcat(waiting, p->name, sizeof(waiting));
	}
	snprintf(summary, len, "%zu of %zu %sprograms ready%s", nready, ncount,
		 nessential > 0 ? "essential " : "", waiting);
	return st->phase == PHASE_RUN && nready == ncount;
}

void readiness_update(struct pid1_state *st)
{
	struct readiness_told *told = &st->told;
	char summary[sizeof(told->status)], msg[sizeof(summary) + 32];
	struct notice n;
	bool ready;
	size_t i;

	notifysocket_tick(st->notify, loop_now_ms());
	for (i = 0; i < st->nprograms; i++)
		if (inbox_take(st->inbox, i, &n))
			take_notice(st, &st->programs[i], &n);
	/* Nobody to tell: a signal storm pays for nothing more. */
	if (!readyfile_active(st->manager) && !manager_active(st->manager))
		return;
	ready = readiness_ready(st, summary, sizeof(summary));
	readyfile_set(st->manager, ready);
	/* Only what went out counts as told: what a full queue refused is sent again. */
	if (st->phase != PHASE_RUN && !told->stopping) {
		told->stopping = manager_send(st->manager, "STOPPING=1\nSTATUS=stopping");
	} else if (st->phase == PHASE_RUN &&
		   (ready != told->last_ready || strcmp(summary, told->status) != 0)) {
		/* READY=1 once: systemd has no way back to "not ready". */
		snprintf(msg, sizeof(msg), "%sSTATUS=%s", ready && !told->ready ? "READY=1\n" : "",
			 summary);
		if (manager_send(st->manager, msg)) {
			told->ready = told->ready || ready;
			told->last_ready = ready;
			strlcpy(told->status, summary, sizeof(told->status));
		}
	}
	manager_tick(st->manager, loop_now_ms());
}

void readiness_close(struct pid1_state *st)
{
	readyfile_close(st->manager);
	notifysocket_close(st);
	inbox_close(st);
	manager_close(st->manager);
}
