// SPDX-License-Identifier: MIT
/*
 * An incoming signal, as the configuration says: forward it unchanged, rewrite it to
 * another signal, ignore it, or start (or advance) the shutdown ladder. Forwarded signals go
 * to the forward-to scope of every running program, or of those the rule names; a reaped
 * program is never signalled (core/target.c checks).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "supervisor/forward.h"
#include "output/log.h"
#include "supervisor/request.h"
#include "core/signame.h"
#include "supervisor/supervise.h"
#include "core/target.h"

/* Whom a rule's signal goes to, for the log: the scope, and the programs it names. */
static const char *describe(const struct signal_rule *rule, enum scope scope, char *buf, size_t len)
{
	char *const *p;

	/* Named programs under scope all get it at their group, as under group. */
	if (rule->programs != NULL && scope == SCOPE_ALL)
		scope = SCOPE_GROUP;
	strlcpy(buf, target_scope_name(scope), len);
	for (p = rule->programs; p != NULL && *p != NULL; p++) {
		strlcat(buf, p == rule->programs ? " of " : ", ", len);
		strlcat(buf, *p, len);
	}
	return buf;
}

/* A restart rule: each program named gets its own ladder, then starts again. */
static void restart_programs(struct pid1_state *st, char *const *names, int signo)
{
	char in[SIGNAME_MAX], msg[128];
	struct program *p;

	signame_name(signo, in, sizeof(in));
	for (; names != NULL && *names != NULL; names++) {
		p = request_find(st, *names);
		if (p == NULL)
			log_warn("received %s: no program %s to restart", in, *names);
		else if (request_program(st, p, PROGRAM_EV_RESTART, in, msg, sizeof(msg)) < 0)
			log_info("received %s: %s", in, msg);
	}
}

void forward_signal(struct pid1_state *st, int signo)
{
	const struct signal_rule *rule;
	char in[SIGNAME_MAX] = "", out[SIGNAME_MAX] = "", to[96];
	int err;
	enum scope scope = st->conf->forward_to;
	int sent = signo;

	if (signo <= 0 || signo > CONF_SIGNAL_MAX)
		return;
	rule = &st->conf->signals[signo];
	/* Names are only worth formatting when a line will be written (signal storms). */
	if (log_get_level() >= LOG_INFO || rule->action == ACTION_SHUTDOWN)
		signame_name(signo, in, sizeof(in));
	switch (rule->action) {
	case ACTION_IGNORE:
		log_info("received %s: ignored as configured", in);
		return;
	case ACTION_SHUTDOWN:
		supervise_shutdown(st, in, signo);
		return;
	case ACTION_RESTART:
		restart_programs(st, rule->programs, signo);
		return;
	case ACTION_REWRITE:
		sent = rule->to;
		break;
	case ACTION_FORWARD:
		break;
	}
	if ((rule->programs != NULL ? target_signal_named(st, scope, rule->programs, sent)
				    : target_signal(st, scope, sent)) < 0) {
		err = errno;
		signame_name(signo, in, sizeof(in));
		signame_name(sent, out, sizeof(out));
		/* ESRCH: the programs are gone and nothing else is in scope. Not an error. */
		if (err == ESRCH)
			log_info("received %s: no process left in scope %s to pass it to", in,
				 describe(rule, scope, to, sizeof(to)));
		else
			log_warn("received %s: cannot send %s to %s: %s", in, out,
				 describe(rule, scope, to, sizeof(to)), strerror(err));
		return;
	}
	if (log_get_level() < LOG_INFO)
		return;
	describe(rule, scope, to, sizeof(to));
	if (sent == signo)
		log_info("received %s: forwarded to %s", in, to);
	else
		log_info("received %s: rewritten to %s and sent to %s", in,
			 signame_name(sent, out, sizeof(out)), to);
}
