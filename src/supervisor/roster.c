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

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/cli.h"
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
	if (pc != NULL && pc->ready == READY_LOG) {
		/* Checked when read: what fails now is memory. */
		p->ready_log = malloc(sizeof(*p->ready_log));
		if (p->ready_log == NULL || ready_log_compile(p->ready_log, pc->ready_check) != 0) {
			free(p->ready_log);
			p->ready_log = NULL;
			return -1;
		}
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

static void free_ready_log(regex_t *re)
{
	if (re != NULL)
		regfree(re);
	free(re);
}

/*
 * A line of p's current run, while it may be what makes p ready: only marked here, taken
 * as READY by the supervisor in the same wake-up (supervise.c), as a probe's finding is.
 */
static void on_line(void *ctx, const char *line, size_t len)
{
	struct program *p = ctx;
	char text[OUTPUT_LINE_MAX];

	if (p->state != PROGRAM_STARTING || p->log_seen || p->ready_log == NULL)
		return;
	/* Shorter than text: a line is cut to fit one written line, label included. */
	len = len < sizeof(text) ? len : sizeof(text) - 1;
	memcpy(text, line, len);
	text[len] = '\0';
	p->log_seen = regexec(p->ready_log, text, 0, NULL, 0) == 0;
}

/* Has p's output (if any) tell on_line() its lines while p has ready = log:REGEX. */
static void watch_output(struct program *p)
{
	if (p->output != NULL)
		output_watch(p->output, p->ready_log != NULL ? on_line : NULL, p);
}

/*
 * p's labelled output, as its section pc (NULL for main) or the top level asks. Returns 0, or
 * -1 when out of memory.
 */
static int open_output(struct program *p, struct outputs *outputs, const struct pid1_conf *conf,
		       const struct program_conf *pc)
{
	int mode = pc != NULL && pc->output >= 0 ? pc->output : (int)conf->output;
	int stamp = pc != NULL && pc->output_time >= 0 ? pc->output_time : (int)conf->output_time;

	/* main, like a section that sets none, takes the top level's output. */
	if (mode != OUTPUT_RAW &&
	    (p->output = output_new(outputs, p->name, mode, stamp == OUTPUT_TIME_RFC3339)) == NULL)
		return -1;
	watch_output(p);
	return 0;
}

/*
 * Sets up p, called name, from its section pc (NULL for main) and resolves its user, saying
 * why it cannot in why (len bytes). Returns 0, -1 when out of memory, -2 when its user cannot
 * be.
 */
static int fill(struct program *p, const char *name, const struct pid1_conf *conf,
		const struct program_conf *pc, const struct privs_seen *me, char *why, size_t len)
{
	p->name = name;
	p->restart = conf->restart;
	if (pc == NULL) {
		p->type = PROGRAM_LONGRUN;
		p->essential = true;
		p->spawn.argv = conf->command;
		p->privs_conf = conf->privs;
	} else {
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
	if (restart_history_init(&p->history, &p->restart) < 0) {
		strlcpy(why, "out of memory", len);
		return -1;
	}
	program_reset(p);
	if (fill_ready(p, conf, pc) < 0) {
		strlcpy(why, "out of memory", len);
		return -1;
	}
	if (privs_resolve(&p->privs_conf, &p->privs, why, len) < 0)
		return -2;
	if (lacks(p, me, why, len) != NULL)
		return -2;
	return 0;
}

/*
 * Resolves the after names of section i of conf into indexes of the table: slot[j] is section
 * j's, and main is at index 0 when there is a command (first: 1). Returns 0, -1 when out of
 * memory, -2 when after names main but no command is given (the file cannot tell: the command
 * may come from the command line).
 */
static int link_after(struct program *p, const struct pid1_conf *conf, size_t i, const size_t *slot,
		      size_t first)
{
	char **a = conf->programs[i].after;
	size_t n = 0;
	int j;

	free(p->after);
	p->after = NULL;
	p->nafter = 0;
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
		p->after[p->nafter] = j == ORDER_MAIN ? 0 : slot[j];
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

/*
 * Each slot's name, kept here rather than in a configuration: a program's output and log
 * lines name it after the file it came from was read again and freed.
 */
static char names[CONF_MAX_PROGRAMS + 1][CONF_NAME_MAX + 1];

/* What each program is handed at its spawn, for programs a reload adds. */
static const struct signal_setup *handed;

/* After a reload: the sections the table points into; while one is prepared, the next. */
static struct pid1_conf current, pending;
static bool have_current, have_pending;

int roster_build(struct pid1_state *st, const struct pid1_conf *conf,
		 const struct signal_setup *signals, bool take_tty)
{
	int levels[CONF_MAX_PROGRAMS], rc;
	size_t first = conf->command != NULL ? 1 : 0, i, slot[CONF_MAX_PROGRAMS];
	char err[96], why[256];
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
	handed = signals;
	for (i = 0; i < conf->nprograms && i < CONF_MAX_PROGRAMS; i++)
		slot[i] = first + i;
	for (i = 0; i < st->nprograms; i++) {
		const struct program_conf *pc = i < first ? NULL : &conf->programs[i - first];

		p = &st->programs[i];
		p->spawn.signals = signals;
		strlcpy(names[i], i < first ? "main" : pc->name, sizeof(names[i]));
		rc = fill(p, names[i], conf, pc, seen ? &me : NULL, why, sizeof(why));
		if (rc == 0 && open_output(p, &st->outputs, conf, pc) < 0)
			rc = -1;
		if (rc < 0) {
			log_fail("%s", rc == -1 ? "out of memory" : why);
			return -1;
		}
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
			rc = link_after(p, conf, i - first, slot, first);
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

	roster_cancel(st);
	if (have_current)
		conf_free(&current);
	have_current = false;

	for (i = 0; i < st->nprograms; i++) {
		envfile_free(st->programs[i].privs.env_built);
		exportenv_free(st, &st->programs[i]);
		privs_free(&st->programs[i].privs);
		output_free(st->programs[i].output);
		free(st->programs[i].after);
		restart_history_free(&st->programs[i].history);
		free(st->programs[i].ready_probe);
		free(st->programs[i].health);
		free_ready_log(st->programs[i].ready_log);
	}
	st->programs = NULL;
	st->nprograms = 0;
}

/*
 * Reloading: the program sections of the file read again are compared with those the table
 * was built from, by name. The slot of a program stays its own while it lives, since its exec
 * watch, ready pipe and process group are kept by slot; a removed program keeps its slot,
 * stopped and no longer listed, until it has nothing left and an added one takes it.
 */
static struct program fresh[CONF_MAX_PROGRAMS]; /* built for pending's added and changed */
static size_t fresh_slot[CONF_MAX_PROGRAMS];	/* the slot each of pending's sections takes */

/* The sections the table was built from, or last reloaded from. */
static const struct pid1_conf *sections(const struct pid1_state *st)
{
	return have_current ? &current : st->conf;
}

/* Whether p, removed, has nothing left that its slot keeps: an added program may take it. */
static bool vacant(const struct pid1_state *st, const struct program *p)
{
	size_t i = (size_t)(p - st->programs);

	return p->removed && !program_running(p) && !program_left(p) && p->pid == 0 && !p->due &&
	       p->group.id == 0 && p->exported.fd < 0 && !st->spawns.execs[i].open;
}

/* How many programs removed by a reload still hold their slots. */
static size_t stopping(const struct pid1_state *st)
{
	size_t i, n = 0;

	for (i = 0; i < st->nprograms; i++)
		n += st->programs[i].removed && !vacant(st, &st->programs[i]);
	return n;
}

/* Frees what slot p holds and leaves it empty. */
static void vacate(struct pid1_state *st, struct program *p)
{
	envfile_free(p->privs.env_built);
	exportenv_free(st, p);
	privs_free(&p->privs);
	output_free(p->output);
	free(p->after);
	restart_history_free(&p->history);
	memset(p, 0, sizeof(*p));
}

/* Frees what fresh[j] took: built, not put in the table. */
static void drop_fresh(size_t j)
{
	privs_free(&fresh[j].privs);
	free(fresh[j].after);
	restart_history_free(&fresh[j].history);
	free(fresh[j].ready_probe);
	free(fresh[j].health);
	free_ready_log(fresh[j].ready_log);
	memset(&fresh[j], 0, sizeof(fresh[j]));
}

/* The live program called name, from a section (not main), or NULL. */
static struct program *live(struct pid1_state *st, const char *name)
{
	size_t i;

	for (i = st->conf->command != NULL ? 1 : 0; i < st->nprograms; i++)
		if (!st->programs[i].removed && strcmp(st->programs[i].name, name) == 0)
			return &st->programs[i];
	return NULL;
}

/* Why pc, added or changed (old: its section before, else NULL), cannot be, or NULL. */
static const char *cannot(const struct pid1_state *st, const struct program_conf *pc,
			  const struct program_conf *old)
{
	if (old != NULL && old->when != pc->when)
		return "when cannot change on reload: remove the program, reload, then add it";
	if (old != NULL && (old->output != pc->output || old->output_time != pc->output_time))
		return "output and output-time cannot change on reload (pid1 must restart)";
	if (pc->tty && (old == NULL || !old->tty))
		return "tty is given at start-up only (pid1 must restart)";
	if (pc->ready == READY_NOTIFY && st->notify == NULL)
		return "ready = notify needs the notify socket, opened at start-up only "
		       "(pid1 must restart)";
	if (pc->ready >= READY_FD_MIN && st->inbox == NULL)
		return "ready = fd:N needs the ready pipes, set up at start-up only "
		       "(pid1 must restart)";
	/* The file may say prefix, but the top level's output is the one pid1 started with. */
	if (pc->ready == READY_LOG &&
	    (pc->output >= 0 ? pc->output : (int)st->conf->output) == OUTPUT_RAW)
		return "ready = log:... needs output = prefix or json; the top level's is raw "
		       "(pid1 must restart)";
	return NULL;
}

/* Says in err why section j of pending is refused; returns -1. */
static int refuse(const struct program_conf *pc, const char *why, char *err, size_t len)
{
	snprintf(err, len, "%s:%d: program '%s': %s", pending.path, pc->line, pc->name, why);
	return -1;
}

/* Checks and builds pending's section j, added (p NULL) or changed; -1 with err if refused. */
static int build(struct pid1_state *st, size_t j, const struct program *p,
		 const struct privs_seen *me, char *err, size_t len)
{
	const struct pid1_conf *was = sections(st);
	const struct program_conf *pc = &pending.programs[j], *old = NULL;
	char why[256];
	int i;

	if (p != NULL && (i = order_find(was->programs, was->nprograms, p->name)) >= 0)
		old = &was->programs[i];
	if (cannot(st, pc, old) != NULL)
		return refuse(pc, cannot(st, pc, old), err, len);
	if (fill(&fresh[j], pc->name, st->conf, pc, me, why, sizeof(why)) < 0) {
		drop_fresh(j);
		return refuse(pc, why, err, len);
	}
	if (st->released && fresh[j].privs_conf.workdir == NULL)
		fresh[j].privs_conf.workdir = st->start_dir;
	return 0;
}

void roster_cancel(struct pid1_state *st)
{
	size_t j;

	(void)st;
	for (j = 0; j < CONF_MAX_PROGRAMS; j++)
		if (fresh[j].name != NULL)
			drop_fresh(j);
	if (have_pending)
		conf_free(&pending);
	have_pending = false;
}

int roster_prepare(struct pid1_state *st, struct roster_plan *plan, char *err, size_t len)
{
	const struct pid1_conf *was = sections(st);
	size_t first = st->conf->command != NULL ? 1 : 0, i, j, next;
	char where[PATH_MAX];
	const char *path;
	struct roster_entry *e;
	struct privs_seen me;
	bool seen;
	int w;

	plan->n = 0;
	if (st->conf->path == NULL) {
		strlcpy(err, "pid1 was started without a config file: none to read again", len);
		return -1;
	}
	roster_cancel(st);
	/* Once pid1 has left its starting directory, a relative path is read from there still. */
	path = st->conf->path;
	if (path[0] != '/' && st->released && st->start_dir[0] == '/') {
		if ((size_t)snprintf(where, sizeof(where), "%s/%s", st->start_dir, path) >=
		    sizeof(where)) {
			snprintf(err, len, "%s: %s", path, strerror(ENAMETOOLONG));
			return -1;
		}
		path = where;
	}
	if (conf_reload(path, &pending, err, len) < 0)
		return -1;
	have_pending = true;
	/* The command line wins over the file, as at start-up: only the file's changes count. */
	if (st->cli != NULL && cli_apply(st->cli, &pending) < 0) {
		strlcpy(err, "out of memory", len);
		goto fail;
	}
	seen = privs_seen(AT_FDCWD, "/proc/self/status", &me) == 0;
	next = st->nprograms;
	for (j = 0; j < pending.nprograms; j++) {
		const struct program_conf *pc = &pending.programs[j];
		struct program *p = live(st, pc->name);

		e = &plan->e[plan->n++];
		e->name = pc->name;
		e->p = p;
		e->keys[0] = '\0';
		if (p == NULL) {
			e->change = ROSTER_ADDED;
			/* A vacant slot first, else one past the end. */
			for (i = 0; i < st->nprograms; i++) {
				for (w = 0; (size_t)w < j && fresh_slot[w] != i; w++)
					;
				if (vacant(st, &st->programs[i]) && (size_t)w == j)
					break;
			}
			fresh_slot[j] = i < st->nprograms ? i : next++;
			if (fresh_slot[j] >= sizeof(table) / sizeof(table[0])) {
				snprintf(
				    err, len,
				    "too many programs (at most %d), counting %zu removed by an "
				    "earlier reload and still stopping",
				    CONF_MAX_PROGRAMS, stopping(st));
				goto fail;
			}
		} else {
			fresh_slot[j] = (size_t)(p - st->programs);
			w = order_find(was->programs, was->nprograms, pc->name);
			if (w < 0 ||
			    confdiff_program(&was->programs[w], pc, e->keys, sizeof(e->keys)) > 0)
				e->change = ROSTER_CHANGED;
			else
				e->change = ROSTER_SAME;
		}
		if (e->change != ROSTER_SAME && build(st, j, p, seen ? &me : NULL, err, len) < 0)
			goto fail;
		if (first == 0 && order_find(pending.programs, pending.nprograms, "main") < 0) {
			char **a;

			for (a = pc->after; a != NULL && *a != NULL; a++)
				if (strcmp(*a, "main") == 0) {
					refuse(pc, "it is after 'main', but no command is given",
					       err, len);
					goto fail;
				}
		}
	}
	for (i = first; i < st->nprograms; i++) {
		struct program *p = &st->programs[i];

		if (p->removed || order_find(pending.programs, pending.nprograms, p->name) >= 0)
			continue;
		e = &plan->e[plan->n++];
		*e = (struct roster_entry){.change = ROSTER_REMOVED, .name = p->name, .p = p};
	}
	confdiff_top(st->conf, &pending, plan->ignored, sizeof(plan->ignored));
	return 0;
fail:
	roster_cancel(st);
	plan->n = 0;
	return -1;
}

/* A kept program's section, now pending's section j: changed, built in fresh[j]. */
static void take_fresh(struct pid1_state *st, struct program *p, size_t j)
{
	struct program *f = &fresh[j];
	char **built = p->privs.env_built;

	p->type = f->type;
	p->essential = f->essential;
	p->stop_signal = f->stop_signal;
	p->timeout_ms = f->timeout_ms;
	p->spawn.argv = f->spawn.argv;
	p->restart = f->restart;
	restart_history_free(&p->history);
	p->history = f->history;
	privs_free(&p->privs);
	p->privs_conf = f->privs_conf;
	p->privs = f->privs;
	p->privs.conf = &p->privs_conf;
	/* What its files held at its last start: replaced at its next (sys/envfile.c). */
	p->privs.env_built = built;
	p->ready_mode = f->ready_mode;
	p->ready_timeout_ms = f->ready_timeout_ms;
	p->watchdog_conf_ms = f->watchdog_conf_ms;
	p->spawn.export_fd = f->spawn.export_fd;
	/* Its checks as the new section has them: what the old ones had under way is given up. */
	probe_free(st, p->ready_probe);
	probe_free(st, p->health);
	p->ready_probe = f->ready_probe;
	p->health = f->health;
	/* A match of the old REGEX does not count for the new: its next start matches anew. */
	free_ready_log(p->ready_log);
	p->ready_log = f->ready_log;
	p->log_seen = false;
	watch_output(p);
	memset(f, 0, sizeof(*f));
}

/* pending's section j, added, into its slot. */
static void put_fresh(struct pid1_state *st, size_t j)
{
	struct program *p = &st->programs[fresh_slot[j]];

	if (fresh_slot[j] < st->nprograms)
		vacate(st, p);
	else
		st->nprograms = fresh_slot[j] + 1;
	*p = fresh[j];
	memset(&fresh[j], 0, sizeof(fresh[j]));
	strlcpy(names[fresh_slot[j]], p->name, sizeof(names[0]));
	p->name = names[fresh_slot[j]];
	p->spawn.privs = &p->privs;
	p->privs.conf = &p->privs_conf;
	p->spawn.signals = handed;
	p->spawn.name = p->name;
	p->spawn.new_session = p->privs.new_session;
	p->spawn.own_group = true;
	if (open_output(p, &st->outputs, st->conf, &pending.programs[j]) < 0)
		log_err("out of memory: the output of %s goes to pid1's own unlabelled", p->name);
}

void roster_commit(struct pid1_state *st, const struct roster_plan *plan)
{
	size_t first = st->conf->command != NULL ? 1 : 0, i, j;
	int levels[CONF_MAX_PROGRAMS];
	struct program *p;

	for (i = 0; i < plan->n; i++) {
		const struct roster_entry *e = &plan->e[i];

		p = e->p;
		if (e->change == ROSTER_REMOVED) {
			/* Stopped for good: never found, restarted or waited for again. */
			p->removed = true;
			p->essential = false;
			p->stop_hook = false;
			p->restart.policy = RESTART_NO;
			free(p->after);
			p->after = NULL;
			p->nafter = 0;
			/* What pointed into the sections freed below: never spawned again. */
			p->spawn.argv = NULL;
			probe_free(st, p->ready_probe);
			probe_free(st, p->health);
			p->ready_probe = NULL;
			p->health = NULL;
			free_ready_log(p->ready_log);
			p->ready_log = NULL;
			watch_output(p);
			p->privs_conf = st->conf->privs;
			continue;
		}
		j = (size_t)order_find(pending.programs, pending.nprograms, e->name);
		if (e->change == ROSTER_ADDED) {
			put_fresh(st, j);
			continue;
		}
		if (e->change == ROSTER_CHANGED) {
			take_fresh(st, p, j);
			continue;
		}
		/* The same section: the same values, read from pending from now on. */
		p->spawn.argv = pending.programs[j].command;
		if (p->ready_probe != NULL)
			p->ready_probe->argv = pending.programs[j].ready_command;
		if (p->health != NULL)
			p->health->argv = pending.programs[j].health.command;
		merge_privs(&pending.programs[j], &st->conf->privs, &p->privs_conf);
		if (st->released && p->privs_conf.workdir == NULL)
			p->privs_conf.workdir = st->start_dir;
	}
	order_levels(pending.programs, pending.nprograms, levels);
	st->max_level = 0;
	for (j = 0; j < pending.nprograms; j++) {
		p = &st->programs[fresh_slot[j]];
		p->level = levels[j];
		if (link_after(p, &pending, j, fresh_slot, first) == -1)
			log_err("out of memory: %s starts without waiting", p->name);
	}
	for (i = 0; i < st->nprograms; i++)
		if (st->programs[i].level > st->max_level)
			st->max_level = st->programs[i].level;
	/* Trailing vacant slots are given back. */
	while (st->nprograms > first && vacant(st, &st->programs[st->nprograms - 1]))
		vacate(st, &st->programs[--st->nprograms]);
	if (have_current)
		conf_free(&current);
	current = pending;
	have_current = true;
	have_pending = false;
}
