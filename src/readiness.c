// SPDX-License-Identifier: MIT
/*
 * Readiness on the supervisor's side. Programs' messages are only recorded by their loop
 * handlers (notice.c) and fed to the state machines here, after the wake-up, so that every
 * change of state goes through supervise_event(). pid1 is ready while it runs and every
 * essential program is ready (every program, when none is essential): that is when the
 * ready file exists and when systemd hears READY=1.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "log.h"
#include "loop.h"
#include "notice.h"
#include "notify.h"
#include "readiness.h"
#include "readyfd.h"
#include "readyfile.h"
#include "signame.h"
#include "supervise.h"
#include "sysnotify.h"
#include "target.h"

/* What systemd was last told. */
static struct {
	bool ready;	 /* READY=1 was sent */
	bool last_ready; /* pid1 was ready at the last update */
	bool stopping;
	char status[256];
} told;

bool readiness_pass_through(const struct pid1_state *st)
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

	sysnotify_init(readiness_pass_through(st));
	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].ready_mode == READY_NOTIFY)
			return notify_open(st);
	return 0;
}

void readiness_before_spawn(struct pid1_state *st, struct program *p)
{
	p->spawn.notify_socket = p->ready_mode == READY_NOTIFY ? notify_address() : NULL;
	p->spawn.watchdog_ms = p->watchdog_conf_ms;
	readyfd_prepare(p, (size_t)(p - st->programs));
}

void readiness_after_spawn(struct pid1_state *st, struct program *p, pid_t pid)
{
	readyfd_spawned(p, (size_t)(p - st->programs), pid);
}

/* The signal a hung program gets first: its own stop-signal, else the ladder's first. */
static int first_signal(const struct program *p)
{
	if (p->stop_signal > 0)
		return p->stop_signal;
	return p->nsteps > 0 ? p->steps[0].signo : SIGKILL;
}

/*
 * One step of p's own ladder. A stopped program gets SIGCONT after it, as in the shutdown
 * ladder: a signal it catches would otherwise wait until SIGKILL.
 */
static void send_step(const struct program *p, int signo)
{
	if (target_signal_program(p, signo) < 0)
		log_warn("cannot signal %s: %m", p->name);
	else if (signo != SIGKILL && signo != SIGCONT)
		target_signal_program(p, SIGCONT);
}

/* Why p is stopped: hung, or on request. */
static void log_hang(const struct program *p)
{
	int64_t limit = p->hung == HANG_WATCHDOG ? p->watchdog_ms : p->ready_timeout_ms;
	char text[32], name[SIGNAME_MAX];

	if (p->request != PROGRAM_REQ_NONE) {
		log_notice("%s[%d] %s on request: %s first", p->name, (int)p->pid,
			   p->request == PROGRAM_REQ_STOP ? "stopping" : "restarting",
			   signame_name(first_signal(p), name, sizeof(name)));
		return;
	}
	duration_format(limit, text, sizeof(text));
	if (p->hung == HANG_TRIGGER)
		log_warn("%s[%d] hung, as it said (WATCHDOG=trigger): stopping it", p->name,
			 (int)p->pid);
	else if (p->hung == HANG_WATCHDOG)
		log_warn("%s[%d] hung: no sign of life within its watchdog of %s: stopping it",
			 p->name, (int)p->pid, text);
	else
		log_warn("%s[%d] not ready within its ready-timeout of %s: stopping it", p->name,
			 (int)p->pid, text);
}

void readiness_act(struct program *p, unsigned int actions)
{
	char took[32], name[SIGNAME_MAX];
	int signo;

	if ((actions & PROGRAM_ACT_UP) && p->type == PROGRAM_LONGRUN &&
	    p->ready_mode != READY_STARTED)
		log_info("%s[%d] ready after %s", p->name, (int)p->pid,
			 duration_format(loop_now_ms() - p->started_ms, took, sizeof(took)));
	if (actions & PROGRAM_ACT_HUNG) {
		log_hang(p);
		send_step(p, first_signal(p));
	}
	if (actions & PROGRAM_ACT_KILL) {
		signo = p->kill_step < p->nsteps ? p->steps[p->kill_step].signo : SIGKILL;
		log_notice("%s[%d] still running %s after step %zu of its ladder: %s", p->name,
			   (int)p->pid,
			   duration_format(p->steps[p->kill_step - 1].grace_ms, took, sizeof(took)),
			   p->kill_step, signame_name(signo, name, sizeof(name)));
		send_step(p, signo);
	}
}

/* Feeds one program's notice to its state machine. */
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
		supervise_event(st, p, PROGRAM_EV_STOPPING);
	}
	if (n->hung_closed && p->state == PROGRAM_STARTING)
		log_notice("%s closed its ready fd without writing a newline", p->name);
	if (n->extend_ms > 0)
		program_extend(p, now, n->extend_ms);
	if (n->watchdog_ms > 0)
		program_set_watchdog(p, now, n->watchdog_ms);
	if (n->ready)
		supervise_event(st, p, PROGRAM_EV_READY);
	if (n->alive)
		supervise_event(st, p, PROGRAM_EV_WATCHDOG);
	if (n->trigger)
		supervise_event(st, p, PROGRAM_EV_TRIGGER);
}

bool readiness_ready(const struct pid1_state *st, char *summary, size_t len)
{
	size_t i, nready = 0, nessential = 0, ncount = 0;
	char waiting[160] = "";

	for (i = 0; i < st->nprograms; i++)
		nessential += st->programs[i].essential;
	for (i = 0; i < st->nprograms; i++) {
		const struct program *p = &st->programs[i];

		if (p->stop_hook || (nessential > 0 && !p->essential))
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
	char summary[sizeof(told.status)], msg[sizeof(summary) + 32];
	struct notice n;
	bool ready;
	size_t i;

	for (i = 0; i < st->nprograms; i++)
		if (notice_take(i, &n))
			take_notice(st, &st->programs[i], &n);
	/* Nobody to tell: a signal storm pays for nothing more. */
	if (!readyfile_active() && !sysnotify_active())
		return;
	ready = readiness_ready(st, summary, sizeof(summary));
	readyfile_set(ready);
	/* Only what went out counts as told: what a full queue refused is sent again. */
	if (st->phase != PHASE_RUN && !told.stopping) {
		told.stopping = sysnotify_send("STOPPING=1\nSTATUS=stopping");
	} else if (st->phase == PHASE_RUN &&
		   (ready != told.last_ready || strcmp(summary, told.status) != 0)) {
		/* READY=1 once: systemd has no way back to "not ready". */
		snprintf(msg, sizeof(msg), "%sSTATUS=%s", ready && !told.ready ? "READY=1\n" : "",
			 summary);
		if (sysnotify_send(msg)) {
			told.ready = told.ready || ready;
			told.last_ready = ready;
			strlcpy(told.status, summary, sizeof(told.status));
		}
	}
	sysnotify_tick(loop_now_ms());
}

int64_t readiness_deadline(const struct pid1_state *st)
{
	int64_t a = supervise_deadline(st), b = sysnotify_deadline();

	return a < 0 || (b >= 0 && b < a) ? b : a;
}

void readiness_close(void)
{
	readyfile_close();
	readyfd_close_all();
	notify_close();
	sysnotify_close();
}
