// SPDX-License-Identifier: MIT
/* Placeholder: built-in defaults only; the libconfuse parser replaces this. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"

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
	for (i = 0; i < 256; i++)
		conf->exit_code_map[i] = -1;
	conf->log.level = LOG_NOTICE;
	conf->log.targets = LOG_TARGET_STDERR;
	strcpy(conf->log.ident, "pid1");
	conf->log.facility = LOG_DAEMON;
}

int conf_load(const char *path, struct pid1_conf *conf)
{
	conf_defaults(conf);
	return path == NULL ? 0 : -1;
}

void conf_print(const struct pid1_conf *conf, FILE *out)
{
	(void)conf;
	(void)out;
}

int conf_set_command(struct pid1_conf *conf, char *const *argv)
{
	size_t n = 0, i;

	while (argv[n] != NULL)
		n++;
	conf->command = calloc(n + 1, sizeof(char *));
	if (conf->command == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((conf->command[i] = strdup(argv[i])) == NULL)
			return -1;
	return 0;
}

void conf_free(struct pid1_conf *conf)
{
	size_t i;

	for (i = 0; conf->command != NULL && conf->command[i] != NULL; i++)
		free(conf->command[i]);
	free(conf->command);
	conf->command = NULL;
}
