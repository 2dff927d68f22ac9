// SPDX-License-Identifier: MIT
/*
 * The -n printer: the configuration in effect, defaults included, in the file's own syntax.
 * Its output must load back to the same struct pid1_conf, so every string is quoted and
 * escaped the way libconfuse reads it. Knows nothing of libconfuse itself.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/confvalue.h"
#include "conf/duration.h"
#include "output/log.h"
#include "supervisor/order.h"
#include "core/signame.h"
#include "supervisor/phase.h"

/*
 * Writes s as a double-quoted string that libconfuse reads back byte for byte: '$' is
 * escaped because "${NAME}" would expand, and other bytes as \xHH because an octal escape
 * followed by a digit is misread by libconfuse 3.3.
 */
static void print_string(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++) {
		if (*p == '"' || *p == '\\' || *p == '$')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* A name bare when libconfuse takes it as one word, quoted otherwise ("SIGRTMIN+3"). */
static void print_name(FILE *out, const char *s)
{
	if (s[0] != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789_-.") == strlen(s))
		fputs(s, out);
	else
		print_string(out, s);
}

/* Writes before, s as print_string writes it, then after. */
static void put_string(FILE *out, const char *before, const char *s, const char *after)
{
	fputs(before, out);
	print_string(out, s);
	fputs(after, out);
}

static void put_signal(FILE *out, const char *before, int signo, const char *after)
{
	char name[SIGNAME_MAX];

	fputs(before, out);
	print_name(out, signame_name(signo, name, sizeof(name)));
	fputs(after, out);
}

static void put_duration(FILE *out, const char *before, int64_t ms, const char *after)
{
	char buf[32];

	fprintf(out, "%s%s%s", before, duration_format(ms, buf, sizeof(buf)), after);
}

/* "key = { "a", "b" }" for a NULL-terminated list, "key = { }" for none. */
static void print_list(FILE *out, const char *key, char *const *list)
{
	size_t i;

	fprintf(out, "%s = {", key);
	for (i = 0; list != NULL && list[i] != NULL; i++) {
		fputs(i == 0 ? " " : ", ", out);
		print_string(out, list[i]);
	}
	fputs(" }\n", out);
}

static void print_signals(const struct pid1_conf *conf, FILE *out)
{
	struct pid1_conf def;
	size_t j;
	int i;

	/* Printed: every rule that is not a plain forward, and every default that is not. */
	conf_defaults(&def);
	for (i = 1; i <= CONF_SIGNAL_MAX; i++) {
		const struct signal_rule *r = &conf->signals[i];

		if (r->action == ACTION_FORWARD && def.signals[i].action == ACTION_FORWARD &&
		    r->programs == NULL)
			continue;
		put_signal(out, "signal ", i, " { action = ");
		fputs(confvalue_name("action", r->action), out);
		if (r->action == ACTION_REWRITE)
			put_signal(out, " to = ", r->to, "");
		for (j = 0; r->programs != NULL && r->programs[j] != NULL; j++) {
			fputs(j == 0 ? " programs = { " : ", ", out);
			print_name(out, r->programs[j]);
		}
		fputs(r->programs != NULL ? " } }\n" : " }\n", out);
	}
}

static void print_shutdown(const struct shutdown_conf *sd, FILE *out)
{
	size_t i;

	put_duration(out, "shutdown {\n\tdelay = ", sd->delay_ms, "\n");
	fprintf(out, "\tscope = %s\n", confvalue_name("scope", sd->scope));
	fprintf(out, "\ton-child-exit = %s\n", confvalue_name("on-child-exit", sd->on_child_exit));
	fprintf(out, "\ton-repeat = %s\n", confvalue_name("on-repeat", sd->on_repeat));
	fprintf(out, "\tenter = %s\n", confvalue_name("enter", sd->enter));
	for (i = 0; i < sd->nsteps; i++) {
		put_signal(out, "\tstep ", sd->steps[i].signo, "");
		put_duration(out, " { grace = ", sd->steps[i].grace_ms, " }\n");
	}
	fputs("}\n", out);
}

static void print_restart(const struct restart_conf *rc, FILE *out)
{
	fprintf(out, "restart {\n\tpolicy = %s\n", confvalue_name("policy", (int)rc->policy));
	put_duration(out, "\tdelay = ", rc->delay_ms, "\n");
	put_duration(out, "\tmax-delay = ", rc->max_delay_ms, "\n");
	fprintf(out, "\tlimit = %d\n", rc->limit);
	put_duration(out, "\twindow = ", rc->window_ms, "\n}\n");
}

static void print_privs(const struct privs_conf *privs, FILE *out)
{
	put_string(out, "user = ", privs->user, "\n");
	put_string(out, "group = ", privs->group, "\n");
	put_string(out, "workdir = ", privs->workdir, "\n");
	/* umask(1)'s own spelling; "" keeps pid1's. */
	if (privs->set_umask)
		fprintf(out, "umask = %03o\n", (unsigned int)privs->umask);
	else
		fputs("umask = \"\"\n", out);
	fprintf(out, "no-new-privileges = %s\n", privs->no_new_privs ? "true" : "false");
	print_list(out, "env", privs->env);
	print_list(out, "unset-env", privs->unset_env);
	fprintf(out, "terminal = %s\n", confvalue_name("terminal", (int)privs->terminal));
}

static void print_log(const struct log_conf *log, FILE *out)
{
	const char *sep = "";
	unsigned int bit;

	fprintf(out, "log {\n\tlevel = %s\n\ttargets = {", log_level_name(log->level));
	for (bit = LOG_TARGET_STDERR; bit <= LOG_TARGET_FILE; bit <<= 1) {
		if (log->targets & bit) {
			fprintf(out, "%s %s", sep, confvalue_name("targets", (int)bit));
			sep = ",";
		}
	}
	put_string(out, " }\n\tfile = ", log->file, "\n");
	put_string(out, "\tident = ", log->ident, "\n");
	fprintf(out, "\tfacility = %s\n}\n", confvalue_name("facility", log->facility));
}

static void print_exit_codes(const int *map, FILE *out)
{
	bool any = false;
	int i;

	for (i = 0; i < 256; i++) {
		if (map[i] >= 0) {
			fprintf(out, "exit-code %d { as = %d }\n", i, map[i]);
			any = true;
		}
	}
	if (any)
		fputc('\n', out);
}

/* A program's privilege keys, only those it sets: the others are the top level's. */
static void print_program_privs(const struct program_conf *pc, FILE *out)
{
	const struct privs_conf *privs = &pc->privs;
	const char *keys[] = {"user", "group", "workdir"};
	const char *values[] = {privs->user, privs->group, privs->workdir};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (values[i] != NULL) {
			fprintf(out, "\t%s = ", keys[i]);
			put_string(out, "", values[i], "\n");
		}
	}
	if (privs->set_umask)
		fprintf(out, "\tumask = %03o\n", (unsigned int)privs->umask);
	if (pc->set_no_new_privs)
		fprintf(out, "\tno-new-privileges = %s\n", privs->no_new_privs ? "true" : "false");
	if (privs->env != NULL) {
		fputc('\t', out);
		print_list(out, "env", privs->env);
	}
	if (privs->unset_env != NULL) {
		fputc('\t', out);
		print_list(out, "unset-env", privs->unset_env);
	}
}

/* The readiness keys a program sets; the defaults (ready when started or exited 0) are left out. */
static void print_program_ready(const struct program_conf *pc, FILE *out)
{
	if (pc->ready >= READY_FD_MIN)
		fprintf(out, "\tready = fd:%d\n", pc->ready);
	else if (pc->ready >= 0)
		fprintf(out, "\tready = %s\n", confvalue_name("ready", pc->ready));
	if (pc->ready_timeout_ms > 0)
		put_duration(out, "\tready-timeout = ", pc->ready_timeout_ms, "\n");
	if (pc->watchdog_ms > 0)
		put_duration(out, "\twatchdog = ", pc->watchdog_ms, "\n");
}

static void print_program(const struct program_conf *pc, FILE *out)
{
	fputs("program ", out);
	print_name(out, pc->name);
	fputs(" {\n\t", out);
	print_list(out, "command", pc->command);
	fprintf(out, "\ttype = %s\n", confvalue_name("type", pc->type));
	if (pc->after != NULL) {
		fputc('\t', out);
		print_list(out, "after", pc->after);
	}
	fprintf(out, "\tessential = %s\n", pc->essential ? "true" : "false");
	if (pc->tty)
		fputs("\ttty = true\n", out);
	if (pc->restart >= 0)
		fprintf(out, "\trestart = %s\n", confvalue_name("restart", pc->restart));
	if (pc->stop_signal > 0)
		put_signal(out, "\tstop-signal = ", pc->stop_signal, "\n");
	if (pc->when == WHEN_STOP)
		put_duration(out, "\twhen = stop\n\ttimeout = ", pc->timeout_ms, "\n");
	print_program_ready(pc, out);
	if (pc->output >= 0)
		fprintf(out, "\toutput = %s\n", confvalue_name("output", pc->output));
	print_program_privs(pc, out);
	fputs("}\n", out);
}

/* Whether some program starts after main, the command. */
static bool after_main(const struct pid1_conf *conf)
{
	char **a;
	size_t i;

	for (i = 0; i < conf->nprograms; i++)
		for (a = conf->programs[i].after; a != NULL && *a != NULL; a++)
			if (strcmp(*a, "main") == 0)
				return true;
	return false;
}

/* Writes name into an order comment, after its level's label when it comes first there. */
static bool order_name(FILE *out, const char *name, bool first, bool *any, int l)
{
	if (first)
		fprintf(out, "%s %d:", *any ? ";" : "", l);
	*any = true;
	fprintf(out, "%s %s", first ? "" : ",", name);
	return false;
}

/*
 * The levels of the programs that run when, as a comment; returns the sum over the levels of
 * their longest timeout: how long the stop hooks may take at most, before the ladder.
 */
static int64_t print_order(const struct pid1_conf *conf, const int *levels, int top,
			   enum program_when when, FILE *out)
{
	int64_t total = 0, longest;
	bool first, any = false;
	size_t i;
	int l;

	for (l = 0; l <= top; l++) {
		first = true;
		longest = 0;
		if (l == 0 && when == WHEN_START && conf->command != NULL)
			first = order_name(out, "main", first, &any, l);
		else if (l == 0 && when == WHEN_START && after_main(conf))
			first = order_name(out, "main (no command given: needed)", first, &any, l);
		for (i = 0; i < conf->nprograms; i++) {
			if (levels[i] != l || conf->programs[i].when != when)
				continue;
			first = order_name(out, conf->programs[i].name, first, &any, l);
			if (conf->programs[i].timeout_ms > longest)
				longest = conf->programs[i].timeout_ms;
		}
		total += longest;
	}
	fputc('\n', out);
	return total;
}

/* The programs, and as comments the levels they start in (a level starts together). */
static void print_programs(const struct pid1_conf *conf, FILE *out)
{
	int levels[CONF_MAX_PROGRAMS], top = 0;
	size_t i, hooks = 0;
	int64_t total = 0;

	if (conf->nprograms == 0) {
		phase_print_stoptime(conf, NULL, 0, out);
		return;
	}
	for (i = 0; i < conf->nprograms; i++) {
		print_program(&conf->programs[i], out);
		hooks += conf->programs[i].when == WHEN_STOP;
	}
	top = order_levels(conf->programs, conf->nprograms, levels);
	fputs("# start order (each level starts together, once the one before is up):", out);
	print_order(conf, levels, top, WHEN_START, out);
	if (hooks > 0) {
		fputs("# stop hooks at shutdown, before the ladder (each after those it names):",
		      out);
		total = print_order(conf, levels, top, WHEN_STOP, out);
		put_duration(out, "# the stop hooks add at most ", total, " to the shutdown\n");
	}
	phase_print_stoptime(conf, levels, total, out);
	fputc('\n', out);
}

void conf_print(const struct pid1_conf *conf, FILE *out)
{
	fputs("# pid1 configuration in effect: file, command line and built-in defaults\n", out);
	if (conf->command != NULL)
		print_list(out, "command", conf->command);
	else if (conf->nprograms > 0)
		fputs("# command: none, the programs below run\n", out);
	else
		fputs("# command: none, pid1 needs one on its command line\n", out);
	fprintf(out, "forward-to = %s\n", confvalue_name("forward-to", conf->forward_to));
	fprintf(out, "subreaper = %s\n", conf->subreaper ? "true" : "false");
	fprintf(out, "warn-on-reap = %s\n", conf->warn_on_reap ? "true" : "false");
	if (conf->parent_death_signal == 0)
		fputs("parent-death-signal = none\n", out);
	else
		put_signal(out, "parent-death-signal = ", conf->parent_death_signal, "\n");
	put_string(out, "pidfile = ", conf->pidfile, "\n");
	put_string(out, "ready-file = ", conf->ready_file, "\n");
	put_string(out,
		   "# runtime-dir: \"\" is $PID1_RUNTIME_DIR, else /run/pid1 or /tmp/pid1-UID\n"
		   "runtime-dir = ",
		   conf->runtime_dir, "\n");
	fprintf(out, "control = %s\n", confvalue_name("control", conf->control));
	put_string(out, "control-group = ", conf->control_group, "\n");
	fprintf(out, "output = %s\n\n", confvalue_name("output", conf->output));
	print_privs(&conf->privs, out);
	fputc('\n', out);
	print_signals(conf, out);
	fputc('\n', out);
	print_shutdown(&conf->shutdown, out);
	fputc('\n', out);
	print_restart(&conf->restart, out);
	fputc('\n', out);
	print_exit_codes(conf->exit_code_map, out);
	print_programs(conf, out);
	print_log(&conf->log, out);
}
