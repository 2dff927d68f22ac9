// SPDX-License-Identifier: MIT
/*
 * struct pid1_conf itself, below every other file of the configuration: the built-in
 * defaults every file and command line start from (here only: the parser leaves a key the
 * file omits at its default), the command taken from pid1's own command line, and freeing
 * what a conf owns.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf/conf.h"

void conf_defaults(struct pid1_conf *conf)
{
	int i;

	memset(conf, 0, sizeof(*conf));
	conf->forward_to = SCOPE_CHILD;
	for (i = 0; i <= CONF_SIGNAL_MAX; i++)
		conf->signals[i].action = ACTION_FORWARD;
	conf->signals[SIGTERM].action = ACTION_SHUTDOWN;
	conf->signals[SIGINT].action = ACTION_SHUTDOWN;
	conf->shutdown.scope = SCOPE_ALL;
	conf->shutdown.steps[0] = (struct ladder_step){SIGINT, 4000};
	conf->shutdown.steps[1] = (struct ladder_step){SIGTERM, 4000};
	conf->shutdown.steps[2] = (struct ladder_step){SIGKILL, 1000};
	conf->shutdown.nsteps = 3;
	/* Restart: policy, delay, max-delay, limit, window. */
	conf->restart = (struct restart_conf){RESTART_NO, 1000, 30000, 5, 60000};
	memset(conf->exit_code_map, 0xff, sizeof(conf->exit_code_map)); /* every int -1 */
	conf->log.level = LOG_NOTICE;
	conf->log.targets = LOG_TARGET_STDERR;
	strcpy(conf->log.ident, "pid1");
	conf->log.facility = LOG_DAEMON;
	conf->privs.terminal = TERMINAL_DETACH;
	conf->output = OUTPUT_RAW;
}

void conf_program_defaults(struct program_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->restart = -1;
	pc->timeout_ms = CONF_HOOK_TIMEOUT_MS;
	pc->ready = READY_DEFAULT;
	pc->output = -1;
}

/* Frees a NULL-terminated list of strings and sets it to NULL. */
static void free_list(char ***list)
{
	size_t i;

	if (*list == NULL)
		return;
	for (i = 0; (*list)[i] != NULL; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
}

void conf_use_command(struct pid1_conf *conf, char **argv)
{
	if (conf->command_owned)
		free_list(&conf->command);
	conf->command = argv;
	conf->command_owned = false;
}

int conf_set_string(char **field, const char *value)
{
	char *copy = NULL;

	if (value != NULL && value[0] != '\0') {
		copy = strdup(value);
		if (copy == NULL)
			return -1;
	}
	free(*field);
	*field = copy;
	return 0;
}

/* Frees the strings and lists of privileges keys. */
static void free_privs(struct privs_conf *privs)
{
	free(privs->user);
	free(privs->group);
	free(privs->workdir);
	privs->user = privs->group = privs->workdir = NULL;
	free_list(&privs->env);
	free_list(&privs->unset_env);
}

void conf_free(struct pid1_conf *conf)
{
	char **strings[] = {&conf->path,     &conf->pidfile,	 &conf->ready_file,
			    &conf->log.file, &conf->runtime_dir, &conf->control_group};
	size_t i;

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
	conf_use_command(conf, NULL);
	free_privs(&conf->privs);
	for (i = 0; i < conf->nprograms; i++) {
		free(conf->programs[i].name);
		free_list(&conf->programs[i].command);
		free_list(&conf->programs[i].after);
		free_privs(&conf->programs[i].privs);
	}
	free(conf->programs);
	conf->programs = NULL;
	conf->nprograms = 0;
	for (i = 0; i <= CONF_SIGNAL_MAX; i++)
		free_list(&conf->signals[i].programs);
}
