// SPDX-License-Identifier: MIT
/*
 * The checks the schema cannot express: values bound to their fields, keys that need each
 * other, section titles, and the restart back-off that must be able to reach its limit.
 * Each runs as libconfuse reads a key or closes a section, so its error carries the line.
 * Checks across program sections (unknown or cyclic `after`) need the whole file:
 * supervisor/order.c.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <confuse.h>

#include "conf/conf.h"
#include "conf/confcheck.h"
#include "conf/confcopy.h"
#include "conf/confnumber.h"
#include "conf/confstring.h"
#include "conf/duration.h"
#include "core/signame.h"

/* Validate function of string keys: conf/confvalue.c knows each one's rule by its name. */
static int check_string(cfg_t *cfg, cfg_opt_t *opt)
{
	char err[2 * CONF_MSG_MAX];
	unsigned int i;

	for (i = 0; i < cfg_opt_size(opt); i++) {
		if (confstring_check(cfg_opt_name(opt), cfg_opt_getnstr(opt, i), err, sizeof(err)) <
		    0) {
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
	int signo = check_title(cfg, opt, confnumber_signal, "signal");
	char name[SIGNAME_MAX];
	bool rewrite, restart;

	if (signo < 0)
		return -1;
	if (confnumber_unmappable(signo) != NULL) {
		cfg_error(cfg, "%s %s", signame_name(signo, name, sizeof(name)),
			  confnumber_unmappable(signo));
		return -1;
	}
	rewrite = cfg_size(sec, "action") > 0 && cfg_getint(sec, "action") == ACTION_REWRITE;
	if (rewrite && cfg_size(sec, "to") == 0) {
		cfg_error(cfg, "action 'rewrite' needs 'to' in section 'signal %s'",
			  cfg_title(sec));
		return -1;
	}
	restart = cfg_size(sec, "action") > 0 && cfg_getint(sec, "action") == ACTION_RESTART;
	if (cfg_size(sec, "programs") > 0 && cfg_size(sec, "action") > 0 &&
	    cfg_getint(sec, "action") != ACTION_REWRITE &&
	    cfg_getint(sec, "action") != ACTION_FORWARD && !restart) {
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
	return check_title(cfg, opt, confnumber_signal, "signal") < 0 ? -1 : 0;
}

/* Validates `exit-code N { as = M }`. */
static int check_exit_code(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);

	if (check_title(cfg, opt, confnumber_exit_code, "exit code") < 0)
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
	confcopy_restart(cfg_opt_getnsec(opt, 0), rc);
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
	bool hook = cfg_size(sec, "when") > 0 && cfg_getint(sec, "when") == WHEN_STOP;

	if (hook && !(cfg_size(sec, "type") > 0 && cfg_getint(sec, "type") == PROGRAM_ONESHOT)) {
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
	bool oneshot = cfg_size(sec, "type") > 0 && cfg_getint(sec, "type") == PROGRAM_ONESHOT;
	bool hook = cfg_size(sec, "when") > 0 && cfg_getint(sec, "when") == WHEN_STOP;
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

/* Installs the checks that span keys or bound a string to its field. */
void confcheck_install(cfg_t *cfg)
{
	cfg_set_validate_func(cfg, "command", check_command);
	cfg_set_validate_func(cfg, "pidfile", check_string);
	cfg_set_validate_func(cfg, "ready-file", check_string);
	cfg_set_validate_func(cfg, "user", check_string);
	cfg_set_validate_func(cfg, "group", check_string);
	cfg_set_validate_func(cfg, "workdir", check_string);
	cfg_set_validate_func(cfg, "env", check_string);
	cfg_set_validate_func(cfg, "unset-env", check_string);
	cfg_set_validate_func(cfg, "signal", check_signal);
	cfg_set_validate_func(cfg, "signal|programs", check_string);
	cfg_set_validate_func(cfg, "runtime-dir", check_string);
	cfg_set_validate_func(cfg, "control-group", check_string);
	cfg_set_validate_func(cfg, "shutdown|step", check_step);
	cfg_set_validate_func(cfg, "restart", check_restart);
	cfg_set_validate_func(cfg, "exit-code", check_exit_code);
	cfg_set_validate_func(cfg, "log", check_log);
	cfg_set_validate_func(cfg, "log|file", check_string);
	cfg_set_validate_func(cfg, "log|ident", check_string);
	cfg_set_validate_func(cfg, "program", check_program);
	cfg_set_validate_func(cfg, "program|command", check_command);
	cfg_set_validate_func(cfg, "program|after", check_string);
	cfg_set_validate_func(cfg, "program|user", check_string);
	cfg_set_validate_func(cfg, "program|group", check_string);
	cfg_set_validate_func(cfg, "program|workdir", check_string);
	cfg_set_validate_func(cfg, "program|env", check_string);
	cfg_set_validate_func(cfg, "program|unset-env", check_string);
}
