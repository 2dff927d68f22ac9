// SPDX-License-Identifier: MIT
/*
 * The config file's schema: libconfuse option tables, the error function that names
 * path:line, and conf_load. libconfuse is freed before conf_load returns; besides this file
 * only conf/conftree.c includes <confuse.h>: the checks the schema runs and the copy of the
 * parsed tree into struct pid1_conf. Reading the file is conf/conffile.c, the values
 * conf/confvalue.c; none of them calls anything here.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <confuse.h>

#include "conf/conf.h"
#include "conf/conffile.h"
#include "conf/conftree.h"
#include "conf/confvalue.h"
#include "core/signame.h"
#include "supervisor/order.h"

/*
 * The file being parsed, for the error function: libconfuse often leaves cfg->filename NULL
 * inside sections and has no user pointer. Its lexer is global state too, so conf_load is
 * not reentrant whatever we do here.
 */
static struct {
	const char *path;
	int nerrors;
} loading;

/* " in section 'step SIGTERM'", or "" at the top level. */
static void section_name(cfg_t *cfg, char *buf, size_t len)
{
	if (strcmp(cfg_name(cfg), "root") == 0)
		buf[0] = '\0';
	else if (cfg_title(cfg) != NULL)
		snprintf(buf, len, " in section '%s %s'", cfg_name(cfg), cfg_title(cfg));
	else
		snprintf(buf, len, " in section '%s'", cfg_name(cfg));
}

/* libconfuse's error function: only the first error is shown, one line, escaped. */
__attribute__((format(printf, 2, 0))) static void print_error(cfg_t *cfg, const char *fmt,
							      va_list ap)
{
	char msg[CONF_MSG_MAX], where[CONF_MSG_MAX];
	int n;

	if (loading.nerrors++ > 0)
		return;
	section_name(cfg, where, sizeof(where));
	/* Its wording for an unknown key does not say where; ours names the section. */
	if (strcmp(fmt, "no such option '%s'") == 0)
		n = snprintf(msg, sizeof(msg), "unknown option '%s'%s", va_arg(ap, const char *),
			     where);
	else
		n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= (int)sizeof(msg))
		strlcpy(msg + sizeof(msg) - 4, "...", 4);
	conffile_error(loading.path, cfg->line, msg);
}

/* CFG_INT_CB parser of every typed key: conf/confvalue.c knows each one by its name. */
static int parse_value(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	/* Longer than CONF_MSG_MAX, so that print_error still sees and marks a cut message. */
	char err[2 * CONF_MSG_MAX];

	if (confvalue_parse(cfg_opt_name(opt), value, (long *)result, err, sizeof(err)) < 0) {
		cfg_error(cfg, "%s", err);
		return -1;
	}
	return 0;
}

/* Who a program runs as: keys of the top level (the defaults) and of each program. */
// clang-format off
#define PRIVS_OPTS							\
		CFG_STR("user",				NULL,	NODEF),		\
		CFG_STR("group",			NULL,	NODEF),		\
		CFG_STR("workdir",			NULL,	NODEF),		\
		CFG_INT_CB("umask",			0,	NODEF, parse_value), \
		CFG_BOOL("no-new-privileges",		cfg_false, NODEF),	\
		CFG_STR_LIST("env",			NULL,	NODEF),		\
		CFG_STR_LIST("unset-env",		NULL,	NODEF)
// clang-format on

/* A parser for the schema, with its checks and error function; NULL when out of memory. */
static cfg_t *schema_init(void)
{
	/*
	 * Every key is CFGF_NODEFAULT: conf_defaults() is the one place defaults live, and a
	 * key the file leaves out keeps its value there. Every typed key is parse_value.
	 */
	const int NODEF = CFGF_NODEFAULT;
	const int TITLED = CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES;
	/* The option tables read best aligned; cfg_init copies them. */
	// clang-format off
	cfg_opt_t signal_opts[] = {
		CFG_INT_CB("action",			0,	NODEF, parse_value),
		CFG_INT_CB("to",			0,	NODEF, parse_value),
		CFG_STR_LIST("programs",		NULL,	NODEF),
		CFG_END(),
	};
	cfg_opt_t step_opts[] = {
		CFG_INT_CB("grace",			0,	NODEF, parse_value),
		CFG_END(),
	};
	cfg_opt_t shutdown_opts[] = {
		CFG_INT_CB("delay",			0,	NODEF, parse_value),
		CFG_INT_CB("scope",			0,	NODEF, parse_value),
		CFG_INT_CB("on-child-exit",		0,	NODEF, parse_value),
		CFG_INT_CB("on-repeat",			0,	NODEF, parse_value),
		CFG_INT_CB("enter",			0,	NODEF, parse_value),
		CFG_SEC("step",				step_opts, TITLED),
		CFG_END(),
	};
	cfg_opt_t restart_opts[] = {
		CFG_INT_CB("policy",			0,	NODEF, parse_value),
		CFG_INT_CB("delay",			0,	NODEF, parse_value),
		CFG_INT_CB("max-delay",			0,	NODEF, parse_value),
		CFG_INT_CB("limit",			0,	NODEF, parse_value),
		CFG_INT_CB("window",			0,	NODEF, parse_value),
		CFG_END(),
	};
	cfg_opt_t exit_code_opts[] = {
		CFG_INT_CB("as",			0,	NODEF, parse_value),
		CFG_END(),
	};
	cfg_opt_t log_opts[] = {
		CFG_INT_CB("level",			0,	NODEF, parse_value),
		CFG_INT_LIST_CB("targets",		NULL,	NODEF, parse_value),
		CFG_STR("file",				NULL,	NODEF),
		CFG_STR("ident",			NULL,	NODEF),
		CFG_INT_CB("facility",			0,	NODEF, parse_value),
		CFG_END(),
	};
	cfg_opt_t program_opts[] = {
		CFG_STR_LIST("command",			NULL,	NODEF),
		CFG_INT_CB("type",			0,	NODEF, parse_value),
		CFG_STR_LIST("after",			NULL,	NODEF),
		CFG_BOOL("essential",			cfg_false, NODEF),
		CFG_BOOL("tty",				cfg_false, NODEF),
		CFG_INT_CB("restart",			0,	NODEF, parse_value),
		CFG_INT_CB("stop-signal",		0,	NODEF, parse_value),
		CFG_INT_CB("when",			0,	NODEF, parse_value),
		CFG_INT_CB("timeout",			0,	NODEF, parse_value),
		CFG_INT_CB("ready",			0,	NODEF, parse_value),
		CFG_INT_CB("ready-timeout",		0,	NODEF, parse_value),
		CFG_INT_CB("watchdog",			0,	NODEF, parse_value),
		CFG_INT_CB("output",			0,	NODEF, parse_value),
		PRIVS_OPTS,
		CFG_END(),
	};
	cfg_opt_t opts[] = {
		CFG_STR_LIST("command",			NULL,	NODEF),
		CFG_INT_CB("forward-to",		0,	NODEF, parse_value),
		CFG_BOOL("subreaper",			cfg_false, NODEF),
		CFG_BOOL("warn-on-reap",		cfg_false, NODEF),
		CFG_INT_CB("parent-death-signal",	0,	NODEF, parse_value),
		CFG_STR("pidfile",			NULL,	NODEF),
		CFG_STR("ready-file",			NULL,	NODEF),
		CFG_INT_CB("output",			0,	NODEF, parse_value),
		PRIVS_OPTS,
		CFG_INT_CB("terminal",			0,	NODEF, parse_value),
		CFG_STR("runtime-dir",			NULL,	NODEF),
		CFG_INT_CB("control",			0,	NODEF, parse_value),
		CFG_STR("control-group",		NULL,	NODEF),
		CFG_SEC("signal",			signal_opts, TITLED),
		CFG_SEC("shutdown",			shutdown_opts, CFGF_NONE),
		CFG_SEC("restart",			restart_opts, CFGF_NONE),
		CFG_SEC("exit-code",			exit_code_opts, TITLED),
		CFG_SEC("log",				log_opts, CFGF_NONE),
		CFG_SEC("program",			program_opts, TITLED),
		CFG_END(),
	};
	// clang-format on

	return cfg_init(opts, CFGF_NONE);
}

/* The checks that need every program section: what `after` names exists, and no cycle. */
static int check_order(const char *path, const struct pid1_conf *conf)
{
	char err[2 * CONF_MSG_MAX];
	int line = 0;

	if (order_check(conf->programs, conf->nprograms, &line, err, sizeof(err)) == 0)
		return 0;
	conffile_error(path, line, err);
	return -1;
}

/* The programs a signal section names exist: sections of the file, or main, the command. */
static int check_signal_programs(const char *path, const struct pid1_conf *conf)
{
	char err[2 * CONF_MSG_MAX], name[SIGNAME_MAX];
	char **p;
	int i, n;

	for (i = 1; i <= CONF_SIGNAL_MAX; i++) {
		for (p = conf->signals[i].programs; p != NULL && *p != NULL; p++) {
			n = order_find(conf->programs, conf->nprograms, *p);
			/* A stop hook runs at shutdown only: it cannot be restarted. */
			if (n >= 0 && conf->signals[i].action == ACTION_RESTART &&
			    conf->programs[n].when == WHEN_STOP)
				snprintf(err, sizeof(err), "signal %s restarts '%s', a stop hook",
					 signame_name(i, name, sizeof(name)), *p);
			else if (n != -1)
				continue;
			else
				snprintf(err, sizeof(err),
					 "signal %s is for '%s', which is not a program",
					 signame_name(i, name, sizeof(name)), *p);
			conffile_error(path, conf->signals[i].line, err);
			return -1;
		}
	}
	return 0;
}

/* Parses the text of path (len bytes, comments gone) into conf. Returns 0 or -1. */
static int parse_text(const char *path, char *text, size_t len, struct pid1_conf *conf)
{
	cfg_t *cfg = NULL;
	FILE *fp;
	int rc = -1;

	fp = fmemopen(text, len, "r");
	cfg = fp == NULL ? NULL : schema_init();
	if (cfg == NULL) {
		conffile_error(path, 0, strerror(errno));
		goto out;
	}
	cfg_set_error_function(cfg, print_error);
	conftree_check(cfg);
	loading.path = path;
	loading.nerrors = 0;
	rc = cfg_parse_fp(cfg, fp) == CFG_SUCCESS ? 0 : -1;
	/* Some lexer failures (and ENOMEM) return an error without a message. */
	if (rc < 0 && loading.nerrors == 0)
		conffile_error(path, cfg->line, "syntax error");
	if (rc == 0 && conftree_copy(cfg, conf) < 0) {
		conffile_error(path, 0, strerror(ENOMEM));
		rc = -1;
	}
	if (rc == 0)
		rc = check_order(path, conf);
	if (rc == 0)
		rc = check_signal_programs(path, conf);
	loading.path = NULL;
out:
	if (cfg != NULL)
		cfg_free(cfg);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

int conf_load(const char *path, struct pid1_conf *conf)
{
	size_t len;
	char *text;
	int rc = 0;

	conf_defaults(conf);
	if (path == NULL)
		return 0;
	if (strlen(path) >= PATH_MAX) {
		conffile_error(path, 0, strerror(ENAMETOOLONG));
		return -1;
	}
	text = conffile_read(path, &len);
	if (text == NULL)
		return -1;
	/*
	 * A file with no setting (empty, or only comments and blanks, as etc/pid1.conf comes)
	 * is all defaults: no schema to build and nothing to parse, most of start-up's cost
	 * (and fmemopen may refuse a size of 0).
	 */
	if (len > 0)
		rc = parse_text(path, text, len, conf);
	free(text);
	if (rc < 0 || conf_set_string(&conf->path, path) < 0) {
		conf_free(conf);
		return -1;
	}
	return 0;
}
