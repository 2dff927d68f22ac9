// SPDX-License-Identifier: MIT
/*
 * The table of programs. Everything is allocated here, at start-up: the loop allocates
 * nothing per signal or per restart. A program's own user/group, workdir, umask,
 * no-new-privileges, env and unset-env replace the top level's; keys it leaves out take
 * the top level's, so the command line's --user reaches every program that sets none. Its
 * env-file, env-dir and file-env add to the top level's instead. A program pid1 could not
 * start as its user for want of a capability (a container run with --cap-drop ALL) is
 * refused here, before anything starts, not when its turn comes.
 */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "core/log.h"
#include "sys/envfile.h"
#include "supervisor/supervise.h"

/* The keys p gives, over the top-level ones in top. */
static void merge_privs(const struct program_conf *pc, const struct privs_conf *top,
			struct privs_conf *out)
{
	const struct privs_conf *own = &pc->privs;

	*out = *top;
	/* User and group go together: a program's user does not keep the top level's group. */
	if (own->user != NULL || own->group != NULL) {
		out->user = own->user;
		out->group = own->group;
	}
	if (own->workdir != NULL)
		out->workdir = own->workdir;
	if (own->set_umask) {
		out->set_umask = true;
		out->umask = own->umask;
	}
	if (pc->set_no_new_privs)
		out->no_new_privs = own->no_new_privs;
	if (own->env != NULL)
		out->env = own->env;
	if (own->unset_env != NULL)
		out->unset_env = own->unset_env;
	/* Files add to the top level's, read after them (sys/envfile.c): not a replacement. */
	out->env_file = own->env_file;
	out->env_dir = own->env_dir;
	out->file_env = own->file_env;
	out->outer = top;
}

/* A check of p's: its kind and address from text, already checked when the file was read. */
static struct probe *new_probe(const char *option, const char *text, char *const *argv)
{
	struct probe *pr = probe_new();

	if (pr != NULL && probe_parse(option, text, &pr->spec, NULL, 0) == 0) {
		pr->argv = argv;
		return pr;
	}
	free(pr);
	return NULL;
}

/*
 * How p becomes ready, the checks pid1 makes of it, and the ladder a hung p gets. Returns 0,
 * or -1 when out of memory.
 */
static int fill_ready(struct program *p, const struct pid1_conf *conf,
		      const struct program_conf *pc)
{
	p->ready_mode = p->type == PROGRAM_ONESHOT ? READY_EXITED : READY_STARTED;
	if (pc != NULL && pc->ready != READY_DEFAULT)
		p->ready_mode = pc->ready;
	p->ready_timeout_ms = pc != NULL ? pc->ready_timeout_ms : 0;
	p->watchdog_conf_ms = pc != NULL ? pc->watchdog_ms : 0;
	p->steps = conf->shutdown.steps;
	p->nsteps = conf->shutdown.nsteps;
	p->spawn.ready_pipe = -1;
	p->spawn.export_fd = pc != NULL ? pc->export_fd : 0;
	p->spawn.export_pipe = -1;
	p->exported.fd = -1;
	/* Allocated only for the programs that have one: most have neither. */
	if (pc != NULL && pc->ready == READY_PROBE) {
		p->ready_probe = new_probe("ready", pc->ready_check, pc->ready_command);
		if (p->ready_probe == NULL)
			return -1;
		p->ready_probe->interval_ms = pc->ready_interval_ms;
		p->ready_probe->timeout_ms = pc->ready_interval_ms;
	}
	if (pc != NULL && pc->health.check != NULL) {
		p->health = new_probe("check", pc->health.check, pc->health.command);
		if (p->health == NULL)
			return -1;
		p->health->interval_ms = pc->health.interval_ms;
		p->health->timeout_ms = pc->health.timeout_ms;
		p->health->start_period_ms = pc->health.start_period_ms;
		p->health->retries = pc->health.retries;
	}
	return 0;
}

/*
 * Why pid1, as me says it runs, could not start p as its user, in buf; NULL when it could.
 * Where pid1 cannot read its own capabilities, it cannot tell: the start will.
 */
static const char *lacks(const struct program *p, const struct privs_seen *me, char *buf,
			 size_t len)
{
	uint64_t missing = me != NULL ? privs_missing(&p->privs, me) : 0;
	const struct privs_conf *pc = &p->privs_conf;
	char names[64];

	if (missing == 0)
		return NULL;
	snprintf(buf, len, "program '%s': %s '%s' needs %s, which pid1 lacks", p->name,
		 pc->user != NULL ? "user" : "group", pc->user != NULL ? pc->user : pc->group,
		 privs_cap_names(missing, names, sizeof(names)));
	return buf;
}

/* Sets up p from its section pc (NULL for main) and resolves its user. Returns 0 or -1. */
static int fill(struct program *p, struct outputs *outputs, const struct pid1_conf *conf,
		const struct program_conf *pc, const struct privs_seen *me)
{
	int mode, stamp;
	char why[256];

	p->restart = conf->restart;
	if (pc == NULL) {
		p->name = "main";
		p->type = PROGRAM_LONGRUN;
		p->essential = true;
		p->spawn.argv = conf->command;
		p->privs_conf = conf->privs;
	} else {
		p->name = pc->name;
		p->type = pc->type;
		p->essential = pc->essential;
		p->stop_signal = pc->stop_signal;
		p->stop_hook = pc->when == WHEN_STOP;
		p->timeout_ms = pc->timeout_ms;
		p->spawn.argv = pc->command;
		if (pc->restart >= 0)
			p->restart.policy = (enum restart_policy)pc->restart;
		/* A stop hook runs once: no restart would come before the ladder. */
		if (p->stop_hook)
			p->restart.policy = RESTART_NO;
		merge_privs(pc, &conf->privs, &p->privs_conf);
	}
	p->spawn.privs = &p->privs;
	/* main, like a section that sets none, takes the top level's output. */
	mode = pc != NULL && pc->output >= 0 ? pc->output : (int)conf->output;
	stamp = pc != NULL && pc->output_time >= 0 ? pc->output_time : (int)conf->output_time;
	if ((mode != OUTPUT_RAW &&
	     (p->output = output_new(outputs, p->name, mode, stamp == OUTPUT_TIME_RFC3339)) ==
		 NULL) ||
	    restart_history_init(&p->history, &p->restart) < 0) {
		log_fail("out of memory");
		return -1;
	}
	program_reset(p);
	if (fill_ready(p, conf, pc) < 0) {
		log_fail("out of memory");
		return -1;
	}
	if (privs_resolve(&p->privs_conf, &p->privs, why, sizeof(why)) < 0) {
		log_fail("%s", why);
		return -1;
	}
	if (lacks(p, me, why, sizeof(why)) != NULL) {
		log_fail("%s", why);
		return -1;
	}
	return 0;
}

/*
 * Resolves the after names of section i into indexes of the table (first: its offset, 1 when
 * the command is main at index 0). Returns 0, -1 when out of memory, -2 when after names main
 * but no command is given (the file cannot tell: the command may come from the command line).
 */
static int link_after(struct program *p, const struct pid1_conf *conf, size_t i, size_t first)
{
	char **a = conf->programs[i].after;
	size_t n = 0;
	int j;

	while (a != NULL && a[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	p->after = calloc(n, sizeof(*p->after));
	if (p->after == NULL)
		return -1;
	for (p->nafter = 0; p->nafter < n; p->nafter++) {
		j = order_find(conf->programs, conf->nprograms, a[p->nafter]);
		if (j == ORDER_MAIN && first == 0)
			return -2;
		p->after[p->nafter] = j == ORDER_MAIN ? 0 : first + (size_t)j;
	}
	return 0;
}

/* Whether a program section has tty = true: main then leaves the terminal to it. */
static bool tty_named(const struct pid1_conf *conf)
{
	size_t i;

	for (i = 0; i < conf->nprograms; i++)
		if (conf->programs[i].tty)
			return true;
	return false;
}

/*
 * The table itself: its bound is the config's, and a static one spares a start-up that needs
 * nothing else from the heap the C library's first allocation (musl sets up its allocator
 * then: over a thousand instructions).
 */
static struct program table[CONF_MAX_PROGRAMS + 1];

int roster_build(struct pid1_state *st, const struct pid1_conf *conf,
		 const struct signal_setup *signals, bool take_tty)
{
	int levels[CONF_MAX_PROGRAMS], rc;
	size_t first = conf->command != NULL ? 1 : 0, i;
	char err[96];
	struct program *p;
	struct privs_seen me;
	bool group, seen;

	if (first + conf->nprograms > sizeof(table) / sizeof(table[0])) {
		log_fail("too many programs (at most %d)", CONF_MAX_PROGRAMS);
		return -1;
	}
	st->nprograms = first + conf->nprograms;
	st->programs = table;
	memset(table, 0, st->nprograms * sizeof(*table));
	st->max_level = order_levels(conf->programs, conf->nprograms, levels);
	seen = privs_seen(AT_FDCWD, "/proc/self/status", &me) == 0;
	/*
	 * With programs, each one's stop must reach what it started, and a signal to pid1's
	 * own group must reach pid1 alone, so that the ladder keeps its order: every program
	 * leads a group. A lone command shares pid1's, as it always did, unless asked.
	 */
	group = conf->nprograms > 0 || conf->forward_to == SCOPE_GROUP ||
		conf->shutdown.scope == SCOPE_GROUP;
	for (i = 0; i < st->nprograms; i++) {
		p = &st->programs[i];
		p->spawn.signals = signals;
		if (fill(p, &st->outputs, conf, i < first ? NULL : &conf->programs[i - first],
			 seen ? &me : NULL) < 0)
			return -1;
		/* A lone command's errors read as a shell's; with programs, each names its own. */
		p->spawn.name = st->nprograms > 1 ? p->name : NULL;
		/* A program kept from pid1's terminal leads a session of its own. */
		p->spawn.new_session = p->privs.new_session;
		/* One program takes the terminal (tty = true, else main): one foreground group. */
		p->spawn.take_tty = take_tty && !p->spawn.new_session &&
				    (i < first ? !tty_named(conf) : conf->programs[i - first].tty);
		p->spawn.own_group = p->spawn.take_tty || p->spawn.new_session || group;
		if (i >= first) {
			p->level = levels[i - first];
			rc = link_after(p, conf, i - first, first);
			if (rc == -2) {
				snprintf(err, sizeof(err),
					 "program '%s' is after 'main', but no command is given",
					 p->name);
				conf_error(conf->path, conf->programs[i - first].line, err);
				return -1;
			}
			if (rc < 0)
				goto nomem;
		}
	}
	return 0;
nomem:
	log_fail("out of memory");
	return -1;
}

void roster_print_lacks(const struct pid1_conf *conf, FILE *out)
{
	struct program p = {.name = "main"};
	struct privs_seen me;
	char why[256];
	size_t i;

	if (privs_seen(AT_FDCWD, "/proc/self/status", &me) < 0)
		return;
	for (i = 0; i <= conf->nprograms; i++) {
		if (i == 0 && conf->command == NULL)
			continue;
		if (i == 0) {
			p.privs_conf = conf->privs;
		} else {
			p.name = conf->programs[i - 1].name;
			merge_privs(&conf->programs[i - 1], &conf->privs, &p.privs_conf);
		}
		/* A user unknown here may exist where pid1 runs: nothing can be said of it. */
		if (privs_resolve(&p.privs_conf, &p.privs, why, sizeof(why)) < 0)
			continue;
		if (lacks(&p, &me, why, sizeof(why)) != NULL)
			fprintf(out, "# warning: %s here: started so, pid1 would exit 2\n", why);
		privs_free(&p.privs);
	}
}

void roster_free(struct pid1_state *st)
{
	size_t i;

	for (i = 0; i < st->nprograms; i++) {
		envfile_free(st->programs[i].privs.env_built);
		exportenv_free(st, &st->programs[i]);
		privs_free(&st->programs[i].privs);
		output_free(st->programs[i].output);
		free(st->programs[i].after);
		restart_history_free(&st->programs[i].history);
		free(st->programs[i].ready_probe);
		free(st->programs[i].health);
	}
	st->programs = NULL;
	st->nprograms = 0;
}
