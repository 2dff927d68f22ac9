// SPDX-License-Identifier: MIT
/*
 * The config file's schema: libconfuse option tables, the checks that span keys, and the
 * copy into struct pid1_conf over the built-in defaults. libconfuse is freed before
 * conf_load returns and no other file includes <confuse.h>: reading the file is conffile.c,
 * the words and numbers of values confvalue.c, the -n printer confprint.c.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <confuse.h>

#include "conf.h"
#include "conffile.h"
#include "confvalue.h"
#include "duration.h"
#include "log.h"
#include "signame.h"

/* Grace of a `step` section that does not give one. */
#define DEFAULT_GRACE_MS 4000
/* Longest message text kept; a 10 MB token must not become a 10 MB line. */
#define MSG_MAX 200

/*
 * The file being parsed, for the error function: libconfuse often leaves cfg->filename NULL
 * inside sections and has no user pointer. Its lexer is global state too, so conf_load is
 * not reentrant whatever we do here.
 */
static struct {
	const char *path;
	int nerrors;
} parse;

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
	char msg[MSG_MAX], where[MSG_MAX];
	int n;

	if (parse.nerrors++ > 0)
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
	conffile_error(parse.path, cfg->line, msg);
}

/* CFG_INT_CB parser of every typed key: confvalue.c knows each one by its name. */
static int parse_value(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	/* Longer than MSG_MAX, so that print_error still sees and marks a cut message. */
	char err[2 * MSG_MAX];

	if (confvalue_parse(cfg_opt_name(opt), value, (long *)result, err, sizeof(err)) < 0) {
		cfg_error(cfg, "%s", err);
		return -1;
	}
	return 0;
}

/* Validate function of string keys: confvalue.c knows each one's rule by its name. */
static int check_string(cfg_t *cfg, cfg_opt_t *opt)
{
	char err[2 * MSG_MAX];
	unsigned int i;

	for (i = 0; i < cfg_opt_size(opt); i++) {
		if (confvalue_check_string(cfg_opt_name(opt), cfg_opt_getnstr(opt, i), err,
					   sizeof(err)) < 0) {
			cfg_error(cfg, "%s", err);
			return -1;
		}
	}
	return 0;
}

static int check_command(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *prog = cfg_opt_getnstr(opt, 0);

	if (prog != NULL && prog[0] == '\0') {
		cfg_error(cfg, "empty program name in option 'command'");
		return -1;
	}
	return 0;
}

/*
 * Checks the title of the section just closed (the last of opt) and that no earlier one
 * names the same thing another way ("USR1" after "SIGUSR1"). value() turns a title into a
 * number or -1. Returns the number, or -1 after an error.
 */
static int check_title(cfg_t *cfg, cfg_opt_t *opt, int (*value)(const char *), const char *what)
{
	unsigned int i, n = cfg_opt_size(opt);
	const char *title = cfg_title(cfg_opt_getnsec(opt, n - 1));
	int v = value(title);

	if (v < 0) {
		cfg_error(cfg, "unknown %s '%s' in section '%s'", what, title, cfg_opt_name(opt));
		return -1;
	}
	for (i = 0; i + 1 < n; i++) {
		const char *other = cfg_title(cfg_opt_getnsec(opt, i));

		if (value(other) == v) {
			cfg_error(cfg, "section '%s %s' repeats '%s %s'", cfg_opt_name(opt), title,
				  cfg_opt_name(opt), other);
			return -1;
		}
	}
	return v;
}

/* Validates `signal NAME { ... }` once its closing brace is read. */
static int check_signal(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	int signo = check_title(cfg, opt, confvalue_signal, "signal");
	char name[SIGNAME_MAX];
	bool rewrite;

	if (signo < 0)
		return -1;
	if (confvalue_unmappable(signo) != NULL) {
		cfg_error(cfg, "%s %s", signame_name(signo, name, sizeof(name)),
			  confvalue_unmappable(signo));
		return -1;
	}
	rewrite = cfg_size(sec, "action") > 0 && cfg_getint(sec, "action") == ACTION_REWRITE;
	if (rewrite && cfg_size(sec, "to") == 0) {
		cfg_error(cfg, "action 'rewrite' needs 'to' in section 'signal %s'",
			  cfg_title(sec));
		return -1;
	}
	if (!rewrite && cfg_size(sec, "to") > 0) {
		cfg_error(cfg, "'to' needs 'action = rewrite' in section 'signal %s'",
			  cfg_title(sec));
		return -1;
	}
	return 0;
}

/* Validates `step NAME { grace = ... }` inside `shutdown`. */
static int check_step(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfg_opt_size(opt) > CONF_MAX_STEPS) {
		cfg_error(cfg, "too many 'step' sections (at most %d)", CONF_MAX_STEPS);
		return -1;
	}
	return check_title(cfg, opt, confvalue_signal, "signal") < 0 ? -1 : 0;
}

/* Validates `exit-code N { as = M }`. */
static int check_exit_code(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);

	if (check_title(cfg, opt, confvalue_exit_code, "exit code") < 0)
		return -1;
	if (cfg_size(sec, "as") == 0) {
		cfg_error(cfg, "missing 'as' in section 'exit-code %s'", cfg_title(sec));
		return -1;
	}
	return 0;
}

/* Validates the `log` section: a file target needs a file, and some target is needed. */
static int check_log(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, 0);
	cfg_opt_t *targets = cfg_getopt(sec, "targets");
	unsigned int i;

	if (cfg_opt_size(targets) == 0 && (targets->flags & CFGF_MODIFIED)) {
		cfg_error(cfg, "option 'targets' is empty in section 'log'");
		return -1;
	}
	for (i = 0; i < cfg_opt_size(targets); i++) {
		if (cfg_opt_getnint(targets, i) != LOG_TARGET_FILE)
			continue;
		if (cfg_size(sec, "file") == 0 || cfg_getstr(sec, "file")[0] == '\0') {
			cfg_error(cfg, "log target 'file' needs 'file = PATH' in section 'log'");
			return -1;
		}
	}
	return 0;
}

static void copy_restart(cfg_t *sec, struct restart_conf *rc);

/*
 * The least time from the first to the limit-th restart, for a child that dies at once:
 * restart k waits delay doubled k-1 times, capped at max-delay, as restart.c counts it.
 */
static int64_t restart_span_ms(const struct restart_conf *rc)
{
	int64_t span = 0, wait = rc->delay_ms;
	int k;

	for (k = 2; k <= rc->limit; k++) {
		wait = wait * 2 < rc->max_delay_ms ? wait * 2 : rc->max_delay_ms;
		span += wait;
	}
	return span;
}

/*
 * Validates the `restart` section: the back-off cannot start above its own cap, and limit
 * must be reachable. A window that cannot hold limit restarts (#11: window = 0) would let a
 * crash loop run for ever while the file promises it stops.
 */
static int check_restart(cfg_t *cfg, cfg_opt_t *opt)
{
	struct pid1_conf def;
	struct restart_conf *rc = &def.restart;
	char a[32], b[32];

	/* A key left out keeps its default, which must fit the others too: -n prints them all. */
	conf_defaults(&def);
	copy_restart(cfg_opt_getnsec(opt, 0), rc);
	if (rc->max_delay_ms < rc->delay_ms) {
		cfg_error(cfg, "max-delay %s is less than delay %s in section 'restart'",
			  duration_format(rc->max_delay_ms, a, sizeof(a)),
			  duration_format(rc->delay_ms, b, sizeof(b)));
		return -1;
	}
	if (rc->window_ms == 0) {
		cfg_error(cfg, "window 0s counts no restart, so limit never applies in section "
			       "'restart'");
		return -1;
	}
	if (restart_span_ms(rc) >= rc->window_ms) {
		cfg_error(cfg,
			  "limit %d is never reached within window %s: the back-off alone "
			  "spreads %d restarts over %s in section 'restart'",
			  rc->limit, duration_format(rc->window_ms, a, sizeof(a)), rc->limit,
			  duration_format(restart_span_ms(rc), b, sizeof(b)));
		return -1;
	}
	return 0;
}

/* Copies a string option when the file set it; lengths were checked while parsing. */
/* Stores a string option in *dst when the file set it. Returns 0, or -1 when out of memory. */
static int copy_str(cfg_t *cfg, const char *name, char **dst)
{
	return cfg_size(cfg, name) > 0 ? conf_set_string(dst, cfg_getstr(cfg, name)) : 0;
}

/* Stores an integer option in *dst when the file set it; else *dst keeps its default. */
#define COPY_INT(cfg, name, dst)                                                                   \
	do {                                                                                       \
		if (cfg_size((cfg), (name)) > 0)                                                   \
			(dst) = cfg_getint((cfg), (name));                                         \
	} while (0)

#define COPY_BOOL(cfg, name, dst)                                                                  \
	do {                                                                                       \
		if (cfg_size((cfg), (name)) > 0)                                                   \
			(dst) = cfg_getbool((cfg), (name));                                        \
	} while (0)

/*
 * Copies a non-empty string list into a new NULL-terminated array in *dst. Returns 0, or
 * -1 when out of memory, leaving what was copied in *dst for conf_free.
 */
static int copy_list(cfg_t *cfg, const char *name, char ***dst)
{
	unsigned int i, n = cfg_size(cfg, name);

	if (n == 0)
		return 0;
	*dst = calloc(n + 1, sizeof(char *));
	if (*dst == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (((*dst)[i] = strdup(cfg_getnstr(cfg, name, i))) == NULL)
			return -1;
	return 0;
}

static void copy_shutdown(cfg_t *sec, struct shutdown_conf *sd)
{
	unsigned int i, n = cfg_size(sec, "step");

	COPY_INT(sec, "delay", sd->delay_ms);
	COPY_INT(sec, "scope", sd->scope);
	COPY_INT(sec, "on-child-exit", sd->on_child_exit);
	COPY_INT(sec, "on-repeat", sd->on_repeat);
	COPY_INT(sec, "enter", sd->enter);
	/* Any step replaces the whole built-in ladder, in file order. */
	if (n > 0)
		sd->nsteps = n;
	for (i = 0; i < n; i++) {
		cfg_t *step = cfg_getnsec(sec, "step", i);

		sd->steps[i].signo = signame_parse(cfg_title(step));
		sd->steps[i].grace_ms = DEFAULT_GRACE_MS;
		COPY_INT(step, "grace", sd->steps[i].grace_ms);
	}
}

static void copy_restart(cfg_t *sec, struct restart_conf *rc)
{
	COPY_INT(sec, "policy", rc->policy);
	COPY_INT(sec, "delay", rc->delay_ms);
	COPY_INT(sec, "max-delay", rc->max_delay_ms);
	COPY_INT(sec, "limit", rc->limit);
	COPY_INT(sec, "window", rc->window_ms);
}

/* The top-level keys on who the child runs as. Returns 0, or -1 when out of memory. */
static int copy_privs(cfg_t *cfg, struct privs_conf *privs)
{
	long mode;

	if (copy_str(cfg, "user", &privs->user) < 0 || copy_str(cfg, "group", &privs->group) < 0 ||
	    copy_str(cfg, "workdir", &privs->workdir) < 0)
		return -1;
	if (cfg_size(cfg, "umask") > 0) {
		/* -1 is "", which keeps pid1's umask. */
		mode = cfg_getint(cfg, "umask");
		privs->set_umask = mode >= 0;
		privs->umask = mode >= 0 ? (mode_t)mode : 0;
	}
	COPY_BOOL(cfg, "no-new-privileges", privs->no_new_privs);
	COPY_INT(cfg, "terminal", privs->terminal);
	if (copy_list(cfg, "env", &privs->env) < 0)
		return -1;
	return copy_list(cfg, "unset-env", &privs->unset_env);
}

/* Returns 0, or -1 when out of memory. */
static int copy_log(cfg_t *sec, struct log_conf *log)
{
	unsigned int i, n = cfg_size(sec, "targets");

	COPY_INT(sec, "level", log->level);
	if (n > 0)
		log->targets = 0;
	for (i = 0; i < n; i++)
		log->targets |= cfg_getnint(sec, "targets", i);
	if (cfg_size(sec, "ident") > 0)
		strlcpy(log->ident, cfg_getstr(sec, "ident"), sizeof(log->ident));
	COPY_INT(sec, "facility", log->facility);
	return copy_str(sec, "file", &log->file);
}

/* Copies the parsed file over the defaults in conf. Returns 0, or -1 when out of memory. */
static int copy_conf(cfg_t *cfg, struct pid1_conf *conf)
{
	unsigned int i;

	conf->command_owned = true;
	if (copy_list(cfg, "command", &conf->command) < 0)
		return -1;
	COPY_INT(cfg, "forward-to", conf->forward_to);
	COPY_BOOL(cfg, "subreaper", conf->subreaper);
	COPY_BOOL(cfg, "warn-on-reap", conf->warn_on_reap);
	COPY_INT(cfg, "parent-death-signal", conf->parent_death_signal);
	if (copy_str(cfg, "pidfile", &conf->pidfile) < 0)
		return -1;
	for (i = 0; i < cfg_size(cfg, "signal"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "signal", i);
		struct signal_rule *rule = &conf->signals[signame_parse(cfg_title(sec))];

		rule->action = ACTION_FORWARD;
		rule->to = 0;
		COPY_INT(sec, "action", rule->action);
		COPY_INT(sec, "to", rule->to);
	}
	copy_shutdown(cfg_getsec(cfg, "shutdown"), &conf->shutdown);
	copy_restart(cfg_getsec(cfg, "restart"), &conf->restart);
	for (i = 0; i < cfg_size(cfg, "exit-code"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "exit-code", i);

		/* "as" was checked to be 0..255 when parsed. */
		conf->exit_code_map[confvalue_exit_code(cfg_title(sec))] =
		    (int)cfg_getint(sec, "as");
	}
	if (copy_log(cfg_getsec(cfg, "log"), &conf->log) < 0)
		return -1;
	return copy_privs(cfg, &conf->privs);
}

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
	cfg_opt_t opts[] = {
		CFG_STR_LIST("command",			NULL,	NODEF),
		CFG_INT_CB("forward-to",		0,	NODEF, parse_value),
		CFG_BOOL("subreaper",			cfg_false, NODEF),
		CFG_BOOL("warn-on-reap",		cfg_false, NODEF),
		CFG_INT_CB("parent-death-signal",	0,	NODEF, parse_value),
		CFG_STR("pidfile",			NULL,	NODEF),
		CFG_STR("user",				NULL,	NODEF),
		CFG_STR("group",			NULL,	NODEF),
		CFG_STR("workdir",			NULL,	NODEF),
		CFG_INT_CB("umask",			0,	NODEF, parse_value),
		CFG_BOOL("no-new-privileges",		cfg_false, NODEF),
		CFG_STR_LIST("env",			NULL,	NODEF),
		CFG_STR_LIST("unset-env",		NULL,	NODEF),
		CFG_INT_CB("terminal",			0,	NODEF, parse_value),
		CFG_SEC("signal",			signal_opts, TITLED),
		CFG_SEC("shutdown",			shutdown_opts, CFGF_NONE),
		CFG_SEC("restart",			restart_opts, CFGF_NONE),
		CFG_SEC("exit-code",			exit_code_opts, TITLED),
		CFG_SEC("log",				log_opts, CFGF_NONE),
		CFG_END(),
	};
	// clang-format on

	return cfg_init(opts, CFGF_NONE);
}

/* Installs the checks that span keys or bound a string to its field. */
static void set_checks(cfg_t *cfg)
{
	cfg_set_error_function(cfg, print_error);
	cfg_set_validate_func(cfg, "command", check_command);
	cfg_set_validate_func(cfg, "pidfile", check_string);
	cfg_set_validate_func(cfg, "user", check_string);
	cfg_set_validate_func(cfg, "group", check_string);
	cfg_set_validate_func(cfg, "workdir", check_string);
	cfg_set_validate_func(cfg, "env", check_string);
	cfg_set_validate_func(cfg, "unset-env", check_string);
	cfg_set_validate_func(cfg, "signal", check_signal);
	cfg_set_validate_func(cfg, "shutdown|step", check_step);
	cfg_set_validate_func(cfg, "restart", check_restart);
	cfg_set_validate_func(cfg, "exit-code", check_exit_code);
	cfg_set_validate_func(cfg, "log", check_log);
	cfg_set_validate_func(cfg, "log|file", check_string);
	cfg_set_validate_func(cfg, "log|ident", check_string);
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
	set_checks(cfg);
	parse.path = path;
	parse.nerrors = 0;
	rc = cfg_parse_fp(cfg, fp) == CFG_SUCCESS ? 0 : -1;
	/* Some lexer failures (and ENOMEM) return an error without a message. */
	if (rc < 0 && parse.nerrors == 0)
		conffile_error(path, cfg->line, "syntax error");
	if (rc == 0 && copy_conf(cfg, conf) < 0) {
		conffile_error(path, 0, strerror(ENOMEM));
		rc = -1;
	}
	parse.path = NULL;
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
	/* An empty file is valid: all defaults (and fmemopen may refuse a size of 0). */
	if (len > 0)
		rc = parse_text(path, text, len, conf);
	free(text);
	if (rc < 0 || conf_set_string(&conf->path, path) < 0) {
		conf_free(conf);
		return -1;
	}
	return 0;
}
