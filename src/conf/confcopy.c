// SPDX-License-Identifier: MIT
/*
 * Copying what libconfuse parsed into struct pid1_conf, over the built-in defaults: a key
 * the file leaves out keeps its default. Everything was checked while parsing; what can
 * still fail here is memory.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <confuse.h>

#include "conf/conf.h"
#include "conf/confcopy.h"
#include "conf/confnumber.h"
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

void confcopy_restart(cfg_t *sec, struct restart_conf *rc)
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

/* Copies the parsed file over the defaults in conf. Returns 0, or -1 when out of memory. */
int confcopy_conf(cfg_t *cfg, struct pid1_conf *conf)
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
	confcopy_restart(cfg_getsec(cfg, "restart"), &conf->restart);
	for (i = 0; i < cfg_size(cfg, "exit-code"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "exit-code", i);

		/* "as" was checked to be 0..255 when parsed. */
		conf->exit_code_map[confnumber_exit_code(cfg_title(sec))] =
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
