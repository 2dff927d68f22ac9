// SPDX-License-Identifier: MIT
/*
 * The -n printer: the configuration in effect, defaults included, in the file's own syntax.
 * Its output must load back to the same struct pid1_conf, so every string is quoted and
 * escaped the way libconfuse reads it. Knows nothing of libconfuse itself: the keys and
 * the order they are printed in are conf/confvalue.c's table.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/confvalue.h"
#include "core/duration.h"
#include "core/log.h"
#include "conf/order.h"
#include "core/signame.h"

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

/* "{ "a", "b" }" for a NULL-terminated list, "{ }" for none. */
static void print_list(FILE *out, char *const *list)
{
	size_t i;

	fputc('{', out);
	for (i = 0; list != NULL && list[i] != NULL; i++) {
		fputs(i == 0 ? " " : ", ", out);
		print_string(out, list[i]);
	}
	fputs(" }", out);
}

/* The value of key k in the struct at base, as the file spells it. */
static void print_value(FILE *out, const struct conf_key *k, const void *base)
{
	const char *field = (const char *)base + k->off;
	const struct privs_conf *privs = base;
	const char *sep = "";
	unsigned int bit;

	switch (k->kind) {
	case KIND_STR:
		print_string(out, *(char *const *)field);
		break;
	case KIND_CHARS:
		print_string(out, field);
		break;
	case KIND_LIST:
		print_list(out, *(char *const *const *)field);
		break;
	case KIND_BOOL:
		fputs(*(const bool *)field ? "true" : "false", out);
		break;
	case KIND_DURATION:
		put_duration(out, "", *(const int64_t *)field, "");
		break;
	case KIND_TARGETS:
		fputc('{', out);
		for (bit = LOG_TARGET_STDERR; bit <= LOG_TARGET_FILE; bit <<= 1) {
			if (*(const unsigned int *)field & bit) {
				fprintf(out, "%s %s", sep, confvalue_name(k->name, (int)bit));
				sep = ",";
			}
		}
		fputs(" }", out);
		break;
	case KIND_UMASK:
		/* umask(1)'s own spelling; "" keeps pid1's. */
		if (privs->set_umask)
			fprintf(out, "%03o", (unsigned int)privs->umask);
		else
			fputs("\"\"", out);
		break;
	case KIND_SIGNAL:
	case KIND_SIGNAL_OR_NONE:
	case KIND_STOP_SIGNAL:
		if (*(const int *)field == 0)
			fputs("none", out);
		else
			put_signal(out, "", *(const int *)field, "");
		break;
	case KIND_EXIT_CODE:
	case KIND_LIMIT:
		fprintf(out, "%d", *(const int *)field);
		break;
	case KIND_READY:
		if (*(const int *)field >= READY_FD_MIN) {
			fprintf(out, "fd:%d", *(const int *)field);
			break;
		}
		/* fall through */
	case KIND_WORD:
		fputs(confvalue_name(k->name, *(const int *)field), out);
	}
}

/*
 * Whether program pc prints key k, in the struct at base (pc or its privs): only what the
 * section sets, the others being the defaults or the top level's.
 */
static bool program_sets(const struct conf_key *k, const struct program_conf *pc, const void *base)
{
	struct program_conf def;
	const char *d = (const char *)&def;
	size_t size = sizeof(int);

	if (k->flags & PRINT_ALWAYS)
		return true;
	if (k->flags & PRINT_HOOK)
		return pc->when == WHEN_STOP;
	if (k->kind == KIND_UMASK)
		return pc->privs.set_umask;
	if (strcmp(k->name, "no-new-privileges") == 0)
		return pc->set_no_new_privs;
	conf_program_defaults(&def);
	if (k->flags & IN_PRIVS)
		d = (const char *)&def.privs;
	if (k->kind == KIND_STR || k->kind == KIND_LIST)
		size = sizeof(char *);
	else if (k->kind == KIND_BOOL)
		size = sizeof(bool);
	else if (k->kind == KIND_DURATION)
		size = sizeof(int64_t);
	return memcmp((const char *)base + k->off, d + k->off, size) != 0;
}

/* "key = value" for the keys of section in, one a line; for a program, those it sets. */
static void print_keys(FILE *out, unsigned int in, const void *base, const struct program_conf *pc,
		       const char *indent)
{
	const struct conf_key *k;

	for (k = conf_keys; k->name != NULL; k++) {
		if (!conf_key_in(k, in) || (k->flags & PRINT_OWN) ||
		    (pc != NULL && !program_sets(k, pc, base)))
			continue;
		if (strcmp(k->name, "runtime-dir") == 0)
			fputs("# runtime-dir: \"\" is $PID1_RUNTIME_DIR, else /run/pid1 or "
			      "/tmp/pid1-UID\n",
			      out);
		fprintf(out, "%s%s = ", indent, k->name);
		print_value(out, k, base);
		fputc('\n', out);
	}
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
static void print_programs(const struct pid1_conf *conf, conf_stoptime *stoptime, FILE *out)
{
	int levels[CONF_MAX_PROGRAMS], top = 0;
	size_t i, hooks = 0;
	int64_t total = 0;

	if (conf->nprograms == 0) {
		if (stoptime != NULL)
			stoptime(conf, NULL, 0, out);
		return;
	}
	for (i = 0; i < conf->nprograms; i++) {
		fputs("program ", out);
		print_name(out, conf->programs[i].name);
		fputs(" {\n", out);
		print_keys(out, IN_PROGRAM, &conf->programs[i], &conf->programs[i], "\t");
		print_keys(out, IN_PROGRAM | IN_PRIVS, &conf->programs[i].privs, &conf->programs[i],
			   "\t");
		fputs("}\n", out);
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
	if (stoptime != NULL)
		stoptime(conf, levels, total, out);
	fputc('\n', out);
}

void conf_print(const struct pid1_conf *conf, conf_stoptime *stoptime, FILE *out)
{
	struct pid1_conf def;
	size_t i;

	conf_defaults(&def);
	fputs("# pid1 configuration in effect: file, command line and built-in defaults\n", out);
	if (conf->command != NULL) {
		fputs("command = ", out);
		print_list(out, conf->command);
		fputc('\n', out);
	} else if (conf->nprograms > 0) {
		fputs("# command: none, the programs below run\n", out);
	} else {
		fputs("# command: none, pid1 needs one on its command line\n", out);
	}
	print_keys(out, IN_TOP, conf, NULL, "");
	fputc('\n', out);
	print_keys(out, IN_TOP | IN_PRIVS, &conf->privs, NULL, "");
	fputc('\n', out);
	print_signals(conf, out);
	fputc('\n', out);
	fputs("shutdown {\n", out);
	print_keys(out, IN_SHUTDOWN, &conf->shutdown, NULL, "\t");
	for (i = 0; i < conf->shutdown.nsteps; i++) {
		put_signal(out, "\tstep ", conf->shutdown.steps[i].signo, "");
		put_duration(out, " { grace = ", conf->shutdown.steps[i].grace_ms, " }\n");
	}
	fputs("}\n\nrestart {\n", out);
	print_keys(out, IN_RESTART, &conf->restart, NULL, "\t");
	fputs("}\n\n", out);
	for (i = 0; i < 256; i++)
		if (conf->exit_code_map[i] >= 0)
			fprintf(out, "exit-code %zu { as = %d }\n", i, conf->exit_code_map[i]);
	if (memcmp(conf->exit_code_map, def.exit_code_map, sizeof(def.exit_code_map)) != 0)
		fputc('\n', out);
	print_programs(conf, stoptime, out);
	fputs("log {\n", out);
	print_keys(out, IN_LOG, &conf->log, NULL, "\t");
	fputs("}\n", out);
}
