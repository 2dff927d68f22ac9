// SPDX-License-Identifier: MIT
/*
 * pid1: a container init. main() sets things up in a fixed order (options, config, log,
 * signals, child) and then runs the one event loop until the ladder or the child says it is
 * over. Before the child exists pid1 may refuse to start; after that it must never die, since
 * as PID 1 its death takes every process in the container with it.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <vis.h>

#include "child.h"
#include "cli.h"
#include "conf.h"
#include "exitcode.h"
#include "forward.h"
#include "inherited.h"
#include "log.h"
#include "loop.h"
#include "privs.h"
#include "reaper.h"
#include "restart.h"
#include "service.h"
#include "shutdown.h"
#include "signame.h"
#include "state.h"
#include "target.h"

/* Signals read per wake-up; more simply wait for the next turn of the loop. */
#define SIGNAL_BATCH 256

/* The command line for the log, escaped: argv bytes are not trusted to be printable. */
static const char *describe_command(char *const *argv, char *buf, size_t len)
{
	char *safe;
	size_t i;

	buf[0] = '\0';
	for (i = 0; argv[i] != NULL; i++) {
		if (stravis(&safe, argv[i],
			    VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL | VIS_NOLOCALE) < 0)
			break;
		if (i > 0)
			strlcat(buf, " ", len);
		/* Quote an argument with spaces so the words stay visible. */
		if (safe[0] == '\0' || strchr(safe, ' ') != NULL) {
			strlcat(buf, "'", len);
			strlcat(buf, safe, len);
			strlcat(buf, "'", len);
		} else {
			strlcat(buf, safe, len);
		}
		free(safe);
	}
	return buf;
}

static void log_start(const struct pid1_state *st)
{
	const struct pid1_conf *conf = st->conf;
	char cmd[512];

	/* Escaping the command costs more than the rest of start-up: only for a written line. */
	if (log_get_level() < LOG_INFO)
		return;
	log_info("pid1 %s starting as %s (pid %d), config %s, %s%s", PACKAGE_VERSION,
		 st->is_pid1	 ? "PID 1"
		 : st->subreaper ? "subreaper"
				 : "plain process",
		 (int)getpid(), conf->path != NULL ? conf->path : "built-in defaults",
		 st->pause ? "pause mode" : "command: ",
		 st->pause ? "" : describe_command(conf->command, cmd, sizeof(cmd)));
}

/*
 * -p: pid1 gets a signal of its own choosing when its parent dies (tini -p). Set as early as
 * the signal is known. A parent that died before prctl is noticed only where pid1 can see its
 * parent: as PID 1 of a namespace getppid() is 0 whoever the parent is, so it cannot be.
 */
static void set_parent_death_signal(int signo, pid_t parent)
{
	if (signo <= 0)
		return;
	if (prctl(PR_SET_PDEATHSIG, signo, 0, 0, 0) < 0) {
		log_warn("cannot set the parent death signal: %m");
		return;
	}
	if (parent > 0 && getppid() != parent)
		raise(signo); /* blocked: it acts once handled, as configured */
}

/* Spawns the main child, or sets *code and returns -1. */
static int start_child(struct pid1_state *st, const struct child_opts *opts, int *code)
{
	st->child_started_ms = loop_now_ms();
	st->child = child_spawn(opts, code);
	if (st->child < 0) {
		st->child = 0;
		return -1;
	}
	st->child_exited = false;
	st->children_left = true; /* the reaper alone clears it, once the child is reaped */
	st->child_pgid = opts->own_group ? st->child : 0;
	log_info("spawned child %d%s", (int)st->child,
		 opts->own_group ? " in its own process group" : "");
	return 0;
}

/* After a reap, or a start that failed: what the main child's end means for pid1. */
static void on_child_exit(struct pid1_state *st)
{
	if (st->shutting_down)
		return; /* the ladder goes on; shutdown_tick ends it when nothing is left */
	if (restart_schedule(st))
		return;
	if (st->conf->shutdown.on_child_exit == ON_CHILD_EXIT_EXIT ||
	    target_empty(st, st->conf->shutdown.scope)) {
		st->done = true;
		return;
	}
	shutdown_begin(st, "main child exited while other processes remain", 0);
}

/*
 * The restart back-off is over: start the child again. A start that fails (exec, or fork out
 * of processes or memory) counts as an exit with its code: the restart policy may try again
 * after its back-off, and what else runs still gets the ladder.
 */
static void restart_child(struct pid1_state *st, const struct child_opts *opts)
{
	int code;

	st->restart_at_ms = -1;
	if (start_child(st, opts, &code) == 0)
		return;
	st->child_exited = true;
	st->child_status = W_EXITCODE(code, 0);
	on_child_exit(st);
}

/*
 * A child that holds the terminal and stops on Ctrl-Z has no shell to resume it: Ctrl-C
 * would then wait on a stopped process, and the container hang. It is continued at once.
 */
static void continue_stopped_child(struct pid1_state *st, const struct child_opts *opts)
{
	if (!st->child_stopped)
		return;
	st->child_stopped = false;
	if (!opts->take_tty || st->child_exited)
		return;
	log_info("child %d stopped on the terminal's Ctrl-Z with no shell to resume it: continued",
		 (int)st->child);
	if (target_signal(st, SCOPE_GROUP, SIGCONT) < 0)
		log_warn("cannot continue the child's process group: %m");
}

static void reap(struct pid1_state *st, const struct child_opts *opts)
{
	bool had_exited = st->child_exited;

	reaper_collect(st);
	continue_stopped_child(st, opts);
	if (st->child_exited && !had_exited)
		on_child_exit(st);
}

/* The nearer of two poll timeouts, where -1 means none. */
static int nearest(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* The event loop: sleep in poll, act on signals in arrival order, reap, move the ladder. */
static void run(struct pid1_state *st, const struct child_opts *opts)
{
	int sigs[SIGNAL_BATCH];
	bool sigchld;
	size_t n, i;

	/* The child may have died before SIGCHLD had a handler to run. */
	reap(st, opts);
	while (!st->done) {
		n = loop_wait(nearest(shutdown_timeout(st), restart_timeout(st)), sigs,
			      SIGNAL_BATCH);
		sigchld = false;
		for (i = 0; i < n; i++) {
			if (sigs[i] == SIGCHLD)
				sigchld = true;
			else
				forward_signal(st, sigs[i]);
		}
		if (sigchld)
			reap(st, opts);
		shutdown_tick(st);
		if (!st->done && restart_timeout(st) == 0)
			restart_child(st, opts);
	}
}

static int final_exit_code(const struct pid1_state *st)
{
	char how[64];
	int code, remapped;

	if (st->child_exited) {
		code = exitcode_from_status(st->child_status);
		snprintf(how, sizeof(how), "the child's exit code");
	} else if (st->pause) {
		code = 0;
		snprintf(how, sizeof(how), "pause mode ended");
	} else {
		/* The child outlived the whole ladder (stuck in the kernel): report a kill. */
		code = 128 + SIGKILL;
		snprintf(how, sizeof(how), "the child outlived the shutdown ladder");
	}
	/* A clean exit is routine (info); anything else is worth a line at the default level. */
	remapped = exitcode_remap(st->conf->exit_code_map, code);
	if (remapped != code) {
		log_info("exiting with code %d (%s, %d remapped)", remapped, how, code);
		return remapped;
	}
	if (code == 0)
		log_info("exiting with code 0 (%s)", how);
	else
		log_notice("exiting with code %d (%s)", code, how);
	return code;
}

/* With a terminal in the foreground, the child takes it over (docker run -it). */
static bool own_terminal(void)
{
	pid_t fg = tcgetpgrp(STDIN_FILENO);

	return fg >= 0 && fg == getpgrp();
}

int main(int argc, char **argv)
{
	struct pid1_state st = {.step = -1, .deadline_ms = -1, .restart_at_ms = -1};
	struct signal_setup signals;
	struct child_opts spawn = {.signals = &signals};
	struct privs privs = {0};
	struct pid1_conf conf;
	struct options opts;
	pid_t parent;
	int code;

	/* First of all, before any system call: nothing that arrives may be lost (loop.h). */
	loop_block_all(&signals);
	parent = getppid();
	code = cli_parse(argc, argv, &opts);
	if (code >= 0)
		return code;
	set_parent_death_signal(opts.parent_death_signal, parent);
	if (conf_load(opts.config_path, &conf) < 0)
		return EXIT_USAGE;
	if (cli_apply(&opts, &conf) < 0) {
		fprintf(stderr, "pid1: out of memory\n");
		code = EXIT_START_FAILED;
		goto out_conf;
	}
	if (opts.check) {
		conf_print(&conf, stdout);
		code = fflush(stdout) == 0 ? 0 : EXIT_START_FAILED;
		goto out_conf;
	}
	if (conf.command == NULL && !opts.pause) {
		fprintf(stderr, "pid1: no command given (on the command line or as 'command' in "
				"the config file)\n");
		cli_usage(stderr);
		code = EXIT_USAGE;
		goto out_conf;
	}
	code = EXIT_USAGE;
	if (privs_resolve(&conf.privs, &privs) < 0)
		goto out_conf;
	if (log_open(&conf.log) < 0)
		goto out_conf;
	if (conf.pidfile != NULL && service_pidfile_open(conf.pidfile) < 0)
		goto out_log;

	code = EXIT_START_FAILED;
	st.conf = &conf;
	st.pause = opts.pause;
	if (reaper_init(&st, conf.subreaper) < 0)
		log_warn("cannot register as child subreaper, orphans will not come to pid1: %m");
	if (loop_init(&signals) < 0) {
		log_err("cannot set up signal handling: %m");
		goto out_pidfile;
	}
	/* Only the config file's own parent-death-signal is left to set. */
	if (conf.parent_death_signal != opts.parent_death_signal)
		set_parent_death_signal(conf.parent_death_signal, parent);
	log_start(&st);
	spawn.argv = conf.command;
	spawn.privs = &privs;
	/* A child kept from pid1's terminal leads a session of its own: no terminal to take. */
	spawn.new_session = privs.new_session;
	spawn.take_tty = !spawn.new_session && own_terminal();
	spawn.own_group = spawn.take_tty || spawn.new_session || conf.forward_to == SCOPE_GROUP ||
			  conf.shutdown.scope == SCOPE_GROUP;
	if (!st.pause && start_child(&st, &spawn, &code) < 0)
		goto out_pidfile;
	inherited_release(&conf);

	/*
	 * From here on pid1 must not die: the child runs, and as PID 1 our exit would have
	 * the kernel SIGKILL everything in the namespace. Failures are logged and survived.
	 */
	run(&st, &spawn);
	code = final_exit_code(&st);
	if (log_dropped() > 0)
		log_warn("%lu log lines were dropped because a log target was not writable",
			 log_dropped());

out_pidfile:
	service_pidfile_remove();
out_log:
	log_close();
out_conf:
	target_free();
	privs_free(&privs);
	conf_free(&conf);
	return code;
}
