// SPDX-License-Identifier: MIT
/*
 * struct pid1_conf itself, below every other file of the configuration: the built-in
 * defaults every file and command line start from (here only: the parser leaves a key the
 * file omits at its default), the command taken from pid1's own command line, and freeing
 * what a conf owns. Then what the program sections mean once loaded: the order they start
 * and stop in, and the restart policy.
 */
#include "config.h"

#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf/conf.h"

void conf_defaults(struct pid1_conf *conf)
{
	int i;

	memset(conf, 0, sizeof(*conf));
	conf->forward_to = SCOPE_CHILD;
	/* Used when it is there, as it is in a Kubernetes container. */
	memcpy(conf->termination_log, CONF_TERMINATION_LOG, sizeof(CONF_TERMINATION_LOG));
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
	pc->ready_interval_ms = READY_INTERVAL_MS;
	pc->health.interval_ms = HEALTH_INTERVAL_MS;
	pc->health.timeout_ms = HEALTH_TIMEOUT_MS;
	pc->health.retries = HEALTH_RETRIES;
	pc->output = -1;
	pc->output_time = -1;
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
	free(privs->env_dir);
	privs->user = privs->group = privs->workdir = privs->env_dir = NULL;
	free_list(&privs->env);
	free_list(&privs->unset_env);
	free_list(&privs->env_file);
	free_list(&privs->file_env);
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
		free(conf->programs[i].ready_check);
		free_list(&conf->programs[i].ready_command);
		free(conf->programs[i].health.check);
		free_list(&conf->programs[i].health.command);
		free_privs(&conf->programs[i].privs);
	}
	free(conf->programs);
	conf->programs = NULL;
	conf->nprograms = 0;
	for (i = 0; i <= CONF_SIGNAL_MAX; i++)
		free_list(&conf->signals[i].programs);
}

/*
 * A cycle in `after` would leave its programs waiting for ever, so it is a config error that
 * names the whole cycle. At most CONF_MAX_PROGRAMS programs, so the walks keep their marks
 * on the stack. `main`, the command, has no section: it waits for nothing, so it is at level
 * 0 and in no cycle.
 */
int order_find(const struct program_conf *progs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(progs[i].name, name) == 0)
			return (int)i;
	return strcmp(name, "main") == 0 ? ORDER_MAIN : -1;
}

enum mark { UNSEEN, ON_PATH, CLEAR };

/* Writes "a -> b -> a" for the cycle that path[from..depth) closes back to path[from]. */
static void name_cycle(const struct program_conf *progs, const int *path, int from, int depth,
		       char *err, size_t len)
{
	int i;

	snprintf(err, len, "'after' makes a cycle: ");
	for (i = from; i < depth; i++) {
		strlcat(err, progs[path[i]].name, len);
		strlcat(err, " -> ", len);
	}
	strlcat(err, progs[path[from]].name, len);
}

/* Depth-first from i; true when a cycle was found (err then names it). */
static bool find_cycle(const struct program_conf *progs, size_t n, int i, enum mark *marks,
		       int *path, int depth, char *err, size_t len)
{
	char **a;
	int d, k;

	if (marks[i] == CLEAR)
		return false;
	if (marks[i] == ON_PATH) {
		for (k = 0; k < depth && path[k] != i; k++)
			;
		name_cycle(progs, path, k, depth, err, len);
		return true;
	}
	marks[i] = ON_PATH;
	path[depth] = i;
	for (a = progs[i].after; a != NULL && *a != NULL; a++) {
		d = order_find(progs, n, *a);
		if (d >= 0 && find_cycle(progs, n, d, marks, path, depth + 1, err, len))
			return true;
	}
	marks[i] = CLEAR;
	return false;
}

int order_check(const struct program_conf *progs, size_t n, int *line, char *err, size_t len)
{
	enum mark marks[CONF_MAX_PROGRAMS] = {UNSEEN};
	int path[CONF_MAX_PROGRAMS] = {0};
	char **a;
	size_t i;
	int j;

	for (i = 0; i < n; i++) {
		*line = progs[i].line;
		for (a = progs[i].after; a != NULL && *a != NULL; a++) {
			j = order_find(progs, n, *a);
			if (j == ORDER_MAIN && progs[i].when == WHEN_START)
				continue;
			if (j == ORDER_MAIN) {
				snprintf(err, len,
					 "program '%s' is after 'main', which runs at start-up",
					 progs[i].name);
				return -1;
			}
			if (j < 0) {
				snprintf(err, len,
					 "program '%s' is after '%s', which is not a program",
					 progs[i].name, *a);
				return -1;
			}
			/* Stop hooks run at shutdown, the others at start-up: no order between. */
			if (progs[j].when != progs[i].when) {
				snprintf(err, len, "program '%s' is after '%s', which runs at %s",
					 progs[i].name, *a,
					 progs[j].when == WHEN_STOP ? "shutdown" : "start-up");
				return -1;
			}
		}
	}
	for (i = 0; i < n && i < CONF_MAX_PROGRAMS; i++) {
		*line = progs[i].line;
		if (find_cycle(progs, n, (int)i, marks, path, 0, err, len))
			return -1;
	}
	return 0;
}

/* The level of i, memoised in levels (-1: not worked out yet); the graph has no cycle. */
static int level_of(const struct program_conf *progs, size_t n, int i, int *levels)
{
	char **a;
	int l;

	if (levels[i] >= 0)
		return levels[i];
	levels[i] = 0;
	for (a = progs[i].after; a != NULL && *a != NULL; a++) {
		l = order_find(progs, n, *a);
		l = l < 0 ? 1 : level_of(progs, n, l, levels) + 1;
		if (l > levels[i])
			levels[i] = l;
	}
	return levels[i];
}

int order_levels(const struct program_conf *progs, size_t n, int *levels)
{
	int top = 0;
	size_t i;

	for (i = 0; i < n; i++)
		levels[i] = -1;
	for (i = 0; i < n; i++)
		if (level_of(progs, n, (int)i, levels) > top)
			top = levels[i];
	return top;
}

/*
 * Back-off starts at delay and doubles with each restart counted in the window, up to
 * max-delay; more than limit restarts within the window means the program cannot stay up,
 * and pid1 gives up with its last status rather than spin.
 */
bool restart_wanted(const struct restart_conf *rc, int wstatus)
{
	if (rc->policy == RESTART_ON_FAILURE)
		return !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0;
	return rc->policy == RESTART_ALWAYS;
}

/* Restarts within the window that ends now. */
static size_t count_recent(const struct restart_conf *rc, const struct restart_history *h,
			   int64_t now)
{
	size_t kept = h->nrestarts < h->size ? h->nrestarts : h->size;
	size_t n = 0, i;

	for (i = 0; i < kept; i++)
		if (now - h->times[i] < rc->window_ms)
			n++;
	return n;
}

int restart_history_init(struct restart_history *h, const struct restart_conf *rc)
{
	h->nrestarts = 0;
	h->size = rc->policy != RESTART_NO && rc->limit > 0 ? (size_t)rc->limit : 0;
	h->times = h->size > 0 ? calloc(h->size, sizeof(*h->times)) : NULL;
	return h->size > 0 && h->times == NULL ? -1 : 0;
}

void restart_history_free(struct restart_history *h)
{
	free(h->times);
	h->times = NULL;
	h->size = 0;
}

int64_t restart_delay(const struct restart_conf *rc, size_t n)
{
	int64_t delay = rc->delay_ms;
	size_t i;

	for (i = 0; i < n && delay < rc->max_delay_ms; i++)
		delay *= 2;
	return delay > rc->max_delay_ms ? rc->max_delay_ms : delay;
}

int64_t restart_book(const struct restart_conf *rc, struct restart_history *h, int64_t now,
		     size_t *recent)
{
	size_t n = count_recent(rc, h, now);
	int64_t delay;

	*recent = n;
	if (n >= (size_t)rc->limit)
		return -1;
	delay = restart_delay(rc, n);
	if (h->size > 0)
		h->times[h->nrestarts % h->size] = now + delay;
	h->nrestarts++;
	return delay;
}
