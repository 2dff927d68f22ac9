// SPDX-License-Identifier: MIT
/*
 * The control commands (control/commands.h). A stop or restart answers once the program's own
 * ladder is over: `pid1 ctl restart web` returns when web runs again, or says why it does not.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control/commands.h"
#include "core/exitcode.h"
#include "output/log.h"
#include "core/loop.h"
#include "readiness/readiness.h"
#include "core/signame.h"
#include "supervisor/supervise.h"

void ctlcmd_put(struct ctl_reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len + 1 >= CTL_REPLY_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, CTL_REPLY_MAX - r->len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	r->len += (size_t)n < CTL_REPLY_MAX - r->len - 1 ? (size_t)n : CTL_REPLY_MAX - r->len - 2;
	r->buf[r->len++] = '\n';
}

static void status(const struct pid1_state *st, struct ctl_reply *r)
{
	int64_t now = loop_now_ms();
	const struct program *p;
	char pid[16], up[24], last[64];
	size_t i;

	ctlcmd_put(r, "ok %zu program%s", st->nprograms, st->nprograms == 1 ? "" : "s");
	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		snprintf(pid, sizeof(pid), "-");
		snprintf(up, sizeof(up), "-");
		if (program_running(p)) {
			snprintf(pid, sizeof(pid), "%d", (int)p->pid);
			snprintf(up, sizeof(up), "%lld", (long long)(now - p->started_ms));
		}
		if (p->exited)
			exitcode_describe(p->status, last, sizeof(last));
		else
			snprintf(last, sizeof(last), "-");
		ctlcmd_put(r, "%s\t%s\t%s\t%s\t%zu\t%s\t%s", p->name, program_status(p), pid, up,
			   p->history.nrestarts, program_ready(p) ? "yes" : "no", last);
	}
}

/* pid1's readiness, as the ready file and a service manager are told it. */
static void ready(const struct pid1_state *st, struct ctl_reply *r)
{
	char summary[192];

	if (readiness_ready(st, summary, sizeof(summary)))
		ctlcmd_put(r, "ok %s", summary);
	else if (st->phase != PHASE_RUN)
		ctlcmd_put(r, "error not ready: pid1 is shutting down");
	else
		ctlcmd_put(r, "error not ready: %s", summary);
}

/* start, stop, restart NAME. */
static void by_name(struct pid1_state *st, struct ctl_request *req, const char *who,
		    struct ctl_reply *r, struct ctl_wait *wait)
{
	enum program_event ev = strcmp(req->words[0], "stop") == 0	? PROGRAM_EV_HALT
				: strcmp(req->words[0], "restart") == 0 ? PROGRAM_EV_RESTART
									: PROGRAM_EV_RUN;
	struct program *p = supervise_find(st, req->words[1]);
	char msg[160];

	if (p == NULL) {
		ctlcmd_put(r, "error no program %s", req->words[1]);
		return;
	}
	if (supervise_request(st, p, ev, who, msg, sizeof(msg)) < 0) {
		ctlcmd_put(r, "error %s", msg);
		return;
	}
	wait->p = p;
	wait->ev = ev;
	if (!ctlcmd_poll(st, wait, r))
		return;
	wait->p = NULL;
}

/* Whether its ladder ends with SIGKILL: then one that outlives it outlived everything. */
static bool last_is_kill(const struct program *p)
{
	return p->nsteps > 0 && p->steps[p->nsteps - 1].signo == SIGKILL;
}

bool ctlcmd_poll(const struct pid1_state *st, struct ctl_wait *wait, struct ctl_reply *r)
{
	const struct program *p = wait->p;

	if (p->state == PROGRAM_KILLING && p->request != PROGRAM_REQ_NONE) {
		/* Its ladder goes on, or a last SIGKILL was just sent. */
		if (p->deadline_ms >= 0 || !last_is_kill(p))
			return false;
		if (p->pid > 0)
			ctlcmd_put(r, "error %s (pid %d) outlived every step of its ladder",
				   p->name, (int)p->pid);
		else
			ctlcmd_put(r,
				   "error %s: its process group outlived every step of its ladder",
				   p->name);
		return true;
	}
	if ((p->state == PROGRAM_RUNNING || p->state == PROGRAM_STARTING) &&
	    wait->ev != PROGRAM_EV_HALT)
		ctlcmd_put(r, "ok %s %s (pid %d)", p->name, program_state_name(p->state),
			   (int)p->pid);
	else if (p->state == PROGRAM_STOPPED && wait->ev == PROGRAM_EV_HALT)
		ctlcmd_put(r, "ok %s stopped", p->name);
	else if (st->phase != PHASE_RUN)
		ctlcmd_put(r, "error %s is %s: pid1 is shutting down", p->name, program_status(p));
	else
		ctlcmd_put(r, "error %s is %s", p->name, program_status(p));
	return true;
}

static void signal_one(struct pid1_state *st, struct ctl_request *req, const char *who,
		       struct ctl_reply *r)
{
	struct program *p = supervise_find(st, req->words[1]);
	int signo = signame_parse(req->words[2]);
	char msg[160];

	if (p == NULL)
		ctlcmd_put(r, "error no program %s", req->words[1]);
	else if (signo <= 0 || signo > CONF_SIGNAL_MAX)
		ctlcmd_put(r, "error unknown signal %s", req->words[2]);
	else if (supervise_signal(st, p, signo, who, msg, sizeof(msg)) < 0)
		ctlcmd_put(r, "error %s", msg);
	else
		ctlcmd_put(r, "ok %s", msg);
}

static void log_level(struct ctl_request *req, const char *who, struct ctl_reply *r)
{
	int level = log_level_parse(req->words[1]);

	if (level < 0) {
		ctlcmd_put(r, "error unknown log level %s (err, warning, notice, info, debug)",
			   req->words[1]);
		return;
	}
	log_set_level(level);
	log_notice("log level set to %s by %s", req->words[1], who);
	ctlcmd_put(r, "ok log level %s", req->words[1]);
}

static void shutdown(struct pid1_state *st, const char *who, struct ctl_reply *r)
{
	char why[96];

	snprintf(why, sizeof(why), "requested by %s", who);
	ctlcmd_put(r, "ok shutting down");
	supervise_shutdown(st, why, 0);
}

/* The commands: name, how many arguments. */
static const struct {
	const char *name;
	size_t nargs;
} commands[] = {
    {"status", 0}, {"ready", 0},    {"start", 1},     {"stop", 1},    {"restart", 1},
    {"signal", 2}, {"shutdown", 0}, {"log-level", 1}, {"version", 0},
};

void ctlcmd_run(struct pid1_state *st, struct ctl_request *req, const char *who,
		struct ctl_reply *r, struct ctl_wait *wait)
{
	const char *cmd = req->words[0];
	size_t i;

	wait->p = NULL;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, cmd) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		ctlcmd_put(r, "error unknown command %s", cmd);
		return;
	}
	if (req->nwords != commands[i].nargs + 1) {
		ctlcmd_put(r, "error %s takes %zu argument%s", cmd, commands[i].nargs,
			   commands[i].nargs == 1 ? "" : "s");
		return;
	}
	if (strcmp(cmd, "status") == 0)
		status(st, r);
	else if (strcmp(cmd, "ready") == 0)
		ready(st, r);
	else if (strcmp(cmd, "signal") == 0)
		signal_one(st, req, who, r);
	else if (strcmp(cmd, "shutdown") == 0)
		shutdown(st, who, r);
	else if (strcmp(cmd, "log-level") == 0)
		log_level(req, who, r);
	else if (strcmp(cmd, "version") == 0)
		ctlcmd_put(r, "ok pid1 %s, protocol %s", PACKAGE_VERSION, CTL_PROTOCOL);
	else
		by_name(st, req, who, r, wait);
}
