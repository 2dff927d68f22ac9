// SPDX-License-Identifier: MIT
/*
 * What libconfuse read, in pid1's terms: the checks the schema cannot express, run as
 * libconfuse reads a key or closes a section so that each error carries its line (values
 * bound to their fields, keys that need each other, section titles, a restart back-off that
 * can reach its limit), then the copy into struct pid1_conf over the built-in defaults, where
 * a key the file leaves out keeps its default and only memory can still fail. Checks across
 * program sections (unknown or cyclic `after`) need the whole file: supervisor/order.c.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <confuse.h>

#include "conf/conf.h"
#include "conf/conftree.h"
#include "conf/confvalue.h"
#include "conf/duration.h"
#include "core/signame.h"

/* Grace of a `step` section that does not give one. */
#define DEFAULT_GRACE_MS 4000

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

/* Copies a `restart` section's keys over rc. */
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

/* One `program` section; its privilege keys stay unset where the file leaves them out. */
static int copy_program(cfg_t *sec, struct program_conf *pc)
{
	pc->line = sec->line;
	pc->restart = -1;
	if (conf_set_string(&pc->name, cfg_title(sec)) < 0)
		return -1;
	COPY_INT(sec, "type", pc->type);
	COPY_BOOL(sec, "essential", pc->essential);
	COPY_BOOL(sec, "tty", pc->tty);
	COPY_INT(sec, "restart", pc->restart);
	COPY_INT(sec, "stop-signal", pc->stop_signal);
	COPY_INT(sec, "when", pc->when);
	pc->timeout_ms = CONF_HOOK_TIMEOUT_MS;
	COPY_INT(sec, "timeout", pc->timeout_ms);
	pc->ready = READY_DEFAULT;
	COPY_INT(sec, "ready", pc->ready);
	COPY_INT(sec, "ready-timeout", pc->ready_timeout_ms);
	COPY_INT(sec, "watchdog", pc->watchdog_ms);
	pc->output = -1;
	COPY_INT(sec, "output", pc->output);
	pc->set_no_new_privs = cfg_size(sec, "no-new-privileges") > 0;
	if (copy_list(sec, "command", &pc->command) < 0 || copy_list(sec, "after", &pc->after) < 0)
		return -1;
	return copy_privs(sec, &pc->privs);
}

static int copy_programs(cfg_t *cfg, struct pid1_conf *conf)
{
	unsigned int i, n = cfg_size(cfg, "program");

	if (n == 0)
		return 0;
	conf->programs = calloc(n, sizeof(*conf->programs));
	if (conf->programs == NULL)
		return -1;
	conf->nprograms = n;
	for (i = 0; i < n; i++)
		if (copy_program(cfg_getnsec(cfg, "program", i), &conf->programs[i]) < 0)
			return -1;
	return 0;
}

int conftree_copy(cfg_t *cfg, struct pid1_conf *conf)
{
	unsigned int i;

	conf->command_owned = true;
	if (copy_list(cfg, "command", &conf->command) < 0)
		return -1;
	COPY_INT(cfg, "forward-to", conf->forward_to);
	COPY_BOOL(cfg, "subreaper", conf->subreaper);
	COPY_BOOL(cfg, "warn-on-reap", conf->warn_on_reap);
	COPY_INT(cfg, "parent-death-signal", conf->parent_death_signal);
	COPY_INT(cfg, "output", conf->output);
	if (copy_str(cfg, "pidfile", &conf->pidfile) < 0 ||
	    copy_str(cfg, "runtime-dir", &conf->runtime_dir) < 0 ||
	    copy_str(cfg, "control-group", &conf->control_group) < 0 ||
	    copy_str(cfg, "ready-file", &conf->ready_file) < 0)
		return -1;
	COPY_INT(cfg, "control", conf->control);
	for (i = 0; i < cfg_size(cfg, "signal"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "signal", i);
		struct signal_rule *rule = &conf->signals[signame_parse(cfg_title(sec))];

		rule->action = ACTION_FORWARD;
		rule->to = 0;
		rule->line = sec->line;
		COPY_INT(sec, "action", rule->action);
		COPY_INT(sec, "to", rule->to);
		if (copy_list(sec, "programs", &rule->programs) < 0)
			return -1;
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
	if (copy_privs(cfg, &conf->privs) < 0)
		return -1;
	/* Top level only: main alone may have pid1's terminal. */
	COPY_INT(cfg, "terminal", conf->privs.terminal);
	return copy_programs(cfg, conf);
}

/* Validate function of string keys: conf/confvalue.c knows each one's rule by its name. */
static int check_string(cfg_t *cfg, cfg_opt_t *opt)
{
	char err[2 * CONF_MSG_MAX];
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

/* Whether sec sets key to v. */
static bool set_to(cfg_t *sec, const char *key, long v)
{
	return cfg_size(sec, key) > 0 && cfg_getint(sec, key) == v;
}

/* Validates `signal NAME { ... }` once its closing brace is read. */
static int check_signal(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	int signo = check_title(cfg, opt, confvalue_signal, "signal");
	char name[SIGNAME_MAX];
	bool rewrite, restart;

	if (signo < 0)
		return -1;
	if (confvalue_unmappable(signo) != NULL) {
		cfg_error(cfg, "%s %s", signame_name(signo, name, sizeof(name)),
			  confvalue_unmappable(signo));
		return -1;
	}
	rewrite = set_to(sec, "action", ACTION_REWRITE);
	if (rewrite && cfg_size(sec, "to") == 0) {
		cfg_error(cfg, "action 'rewrite' needs 'to' in section 'signal %s'",
			  cfg_title(sec));
		return -1;
	}
	restart = set_to(sec, "action", ACTION_RESTART);
	if (cfg_size(sec, "programs") > 0 && cfg_size(sec, "action") > 0 && !rewrite && !restart &&
	    !set_to(sec, "action", ACTION_FORWARD)) {
		cfg_error(cfg,
			  "'programs' needs action 'forward', 'rewrite' or 'restart' in section "
			  "'signal %s'",
			  cfg_title(sec));
		return -1;
	}
	if (restart && cfg_size(sec, "programs") == 0) {
		cfg_error(cfg, "action 'restart' needs 'programs' in section 'signal %s'",
			  cfg_title(sec));
		return -1;
	}
	/* Left out it means every program: an empty list would silently mean the same. */
	if (cfg_size(sec, "programs") == 0 &&
	    (cfg_getopt(sec, "programs")->flags & CFGF_MODIFIED) != 0) {
		cfg_error(cfg,
			  "'programs' names no program in section 'signal %s' (leave it out for "
			  "every program)",
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

/*
 * The least time from the first to the limit-th restart, for a child that dies at once:
 * restart k waits delay doubled k-1 times, capped at max-delay, as supervisor/restart.c counts it.
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

/* A program name: letters, digits, '_', '-' and '.', at most CONF_NAME_MAX bytes. */
static bool good_name(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= CONF_NAME_MAX && name[0] != '-' &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") ==
		   n;
}

/* A stop hook runs to completion at shutdown: a oneshot; a timeout is only for hooks. */
static int check_hook(cfg_t *cfg, cfg_t *sec, const char *name)
{
	bool hook = set_to(sec, "when", WHEN_STOP);

	if (hook && !set_to(sec, "type", PROGRAM_ONESHOT)) {
		cfg_error(cfg, "program '%s' has when = stop but is not a oneshot", name);
		return -1;
	}
	if (hook && (cfg_getbool(sec, "essential") || cfg_size(sec, "restart") > 0)) {
		cfg_error(cfg, "stop hook '%s' can be neither essential nor restarted", name);
		return -1;
	}
	if (hook && cfg_getbool(sec, "tty")) {
		cfg_error(cfg, "stop hook '%s' cannot have tty = true", name);
		return -1;
	}
	if (!hook && cfg_size(sec, "timeout") > 0) {
		cfg_error(cfg, "program '%s' has a timeout but is not when = stop", name);
		return -1;
	}
	return 0;
}

/* One foreground group per terminal: at most one program may take it. */
static int check_tty(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned int i, n = cfg_opt_size(opt);
	cfg_t *sec = cfg_opt_getnsec(opt, n - 1), *other;

	if (!cfg_getbool(sec, "tty"))
		return 0;
	for (i = 0; i + 1 < n; i++) {
		other = cfg_opt_getnsec(opt, i);
		if (cfg_getbool(other, "tty")) {
			cfg_error(cfg,
				  "programs '%s' and '%s' both have tty = true: a terminal "
				  "has one foreground",
				  cfg_title(other), cfg_title(sec));
			return -1;
		}
	}
	return 0;
}

/*
 * How a program becomes ready must be something it can do: a oneshot is ready when it exits
 * 0, a longrun cannot be; a watchdog needs a way to be petted (notify or fd:N).
 */
static int check_ready(cfg_t *cfg, cfg_t *sec, const char *name)
{
	bool oneshot = set_to(sec, "type", PROGRAM_ONESHOT);
	bool hook = set_to(sec, "when", WHEN_STOP);
	long ready = cfg_size(sec, "ready") > 0 ? cfg_getint(sec, "ready") : READY_DEFAULT;
	bool watchdog = cfg_size(sec, "watchdog") > 0 && cfg_getint(sec, "watchdog") > 0;

	if (oneshot && ready != READY_DEFAULT && ready != READY_EXITED) {
		cfg_error(cfg, "oneshot '%s' is ready when it exits 0: ready = exited only", name);
		return -1;
	}
	if (!oneshot && ready == READY_EXITED) {
		cfg_error(cfg, "program '%s' has ready = exited but is not a oneshot", name);
		return -1;
	}
	if (watchdog && ready != READY_NOTIFY && ready < READY_FD_MIN) {
		cfg_error(cfg,
			  "program '%s' has a watchdog but no ready = notify or fd:N to pet it",
			  name);
		return -1;
	}
	if (hook && (cfg_size(sec, "ready-timeout") > 0 || watchdog)) {
		cfg_error(cfg, "stop hook '%s' has a timeout, not a ready-timeout or watchdog",
			  name);
		return -1;
	}
	return 0;
}

/*
 * Validates `program NAME { ... }`. `main` is the command's name (from the command line or
 * the top-level `command`), so no section may take it, whether or not a command is given.
 */
static int check_program(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *name = cfg_title(sec);

	if (cfg_opt_size(opt) > CONF_MAX_PROGRAMS) {
		cfg_error(cfg, "too many 'program' sections (at most %d)", CONF_MAX_PROGRAMS);
		return -1;
	}
	if (!good_name(name)) {
		cfg_error(cfg,
			  "invalid program name '%s' (letters, digits, '_', '-', '.'; at most %d)",
			  name, CONF_NAME_MAX);
		return -1;
	}
	if (strcmp(name, "main") == 0) {
		cfg_error(cfg, "program name 'main' is reserved for the command");
		return -1;
	}
	if (cfg_size(sec, "command") == 0) {
		cfg_error(cfg, "missing 'command' in section 'program %s'", name);
		return -1;
	}
	if (check_tty(cfg, opt) < 0 || check_hook(cfg, sec, name) < 0)
		return -1;
	return check_ready(cfg, sec, name);
}

/*
 * Every string key gets its bound (the command its own check), in each section's template
 * and in the one instance cfg_init already made of a section that is not repeatable.
 */
static void check_strings(cfg_opt_t *opts)
{
	unsigned int i;

	for (; opts->name != NULL; opts++) {
		if (opts->type == CFGT_STR)
			opts->validcb =
			    strcmp(opts->name, "command") == 0 ? check_command : check_string;
		if (opts->type != CFGT_SEC)
			continue;
		check_strings(opts->subopts);
		for (i = 0; i < cfg_opt_size(opts); i++)
			check_strings(cfg_opt_getnsec(opts, i)->opts);
	}
}

void conftree_check(cfg_t *cfg)
{
	check_strings(cfg->opts);
	cfg_set_validate_func(cfg, "signal", check_signal);
	cfg_set_validate_func(cfg, "shutdown|step", check_step);
	cfg_set_validate_func(cfg, "restart", check_restart);
	cfg_set_validate_func(cfg, "exit-code", check_exit_code);
	cfg_set_validate_func(cfg, "log", check_log);
	cfg_set_validate_func(cfg, "program", check_program);
}
