// SPDX-License-Identifier: MIT
/*
 * pid1: a container init. main() sets things up in a fixed order (options, config, log,
 * signals, child) and then runs the one event loop until the ladder or the child says it is
 * over. Before the child exists pid1 may refuse to start; after that it must never die, since
 * as PID 1 its death takes every process in the container with it.
 */
#include "config.h"

#include <sys/prctl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <vis.h>

#include "conf/cli.h"
#include "conf/conf.h"
#include "control/control.h"
#include "core/child.h"
#include "core/log.h"
#include "output/labelled.h"
#include "core/loop.h"
#include "readiness/manager.h"
#include "sys/service.h"
#include "supervisor/supervise.h"

/* Signals read per wake-up; more simply wait for the next turn of the loop. */
#define SIGNAL_BATCH 256

/* The command line for the log, escaped: argv bytes are not trusted to be printable. */
static const char *describe_command(char *const *argv, char *buf, size_t len)
{
	size_t i, used;
	char *safe;

	buf[0] = '\0';
	for (i = 0; argv[i] != NULL; i++) {
		if (stravis(&safe, argv[i],
			    VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL | VIS_NOLOCALE) < 0)
			break;
		/* Quote an argument with spaces so the words stay visible. */
		used = strlen(buf);
		snprintf(buf + used, len - used,
			 safe[0] == '\0' || strchr(safe, ' ') != NULL ? "%s'%s'" : "%s%s",
			 i > 0 ? " " : "", safe);
		free(safe);
	}
	return buf;
}

/* The command, or "3 programs: a, b, c", for the start line. */
static const char *describe_programs(const struct pid1_state *st, char *buf, size_t len)
{
	size_t i;

	if (st->nprograms == 1 && st->conf->command != NULL)
		return describe_command(st->conf->command, buf, len);
	snprintf(buf, len, "%zu programs:", st->nprograms);
	for (i = 0; i < st->nprograms; i++) {
		strlcat(buf, i == 0 ? " " : ", ", len);
		strlcat(buf, st->programs[i].name, len);
	}
	return buf;
}

static void log_start(const struct pid1_state *st)
{
	const struct pid1_conf *conf = st->conf;
	bool pause = st->nprograms == 0;
	bool single = st->nprograms == 1 && conf->command != NULL;
	char cmd[512];

	/* Escaping the command costs more than the rest of start-up: only for a written line. */
	if (log_get_level() < LOG_INFO)
		return;
	log_info("pid1 %s starting as %s (pid %d), config %s, %s%s", PACKAGE_VERSION,
		 st->is_pid1	 ? "PID 1"
		 : st->subreaper ? "subreaper"
				 : "plain process",
		 (int)getpid(), conf->path != NULL ? conf->path : "built-in defaults",
		 pause	  ? "pause mode"
		 : single ? "command: "
			  : "",
		 pause ? "" : describe_programs(st, cmd, sizeof(cmd)));
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

/*
 * The event loop: sleep in poll until a signal, a source or the one deadline (the earliest
 * any program or the ladder needs), act on signals in arrival order, reap, take the execs
 * that succeeded, then let time move the ladder and the back-offs on.
 */
static void run(struct pid1_state *st, struct control *ctl)
{
	struct supervise_event ev = {.kind = SUPERVISE_SIGNAL};
	int sigs[SIGNAL_BATCH];
	bool sigchld;
	size_t n, i;

	/* A program may have died before SIGCHLD had a handler to run. */
	supervise(st, &(struct supervise_event){.kind = SUPERVISE_REAP});
	while (st->phase != PHASE_DONE) {
		n = loop_wait(st->loop,
			      loop_earliest(supervise_deadline(st), control_deadline(ctl)), sigs,
			      SIGNAL_BATCH);
		sigchld = false;
		for (i = 0; i < n; i++) {
			ev.signo = sigs[i];
			sigchld |= sigs[i] == SIGCHLD;
			if (sigs[i] != SIGCHLD)
				supervise(st, &ev);
		}
		if (sigchld)
			supervise(st, &(struct supervise_event){.kind = SUPERVISE_REAP});
		supervise(st, &(struct supervise_event){.kind = SUPERVISE_TICK});
		readiness_update(st);
		control_tick(ctl);
	}
}

int main(int argc, char **argv)
{
	struct loop loop = {.nsources = 0};
	struct manager manager = MANAGER_NONE;
	struct pidfile pidfile = {.dirfd = -1, .fd = -1};
	struct pid1_state st = {.loop = &loop, .outputs = {.loop = &loop}, .manager = &manager};
	struct signal_setup signals;
	struct control ctl;
	struct pid1_conf conf;
	struct options opts;
	char why[PATH_MAX + 96];
	bool told = false; /* the termination message is written */
	pid_t parent;
	int code;

	/* `pid1 ctl` is a client, not an init: no signal of its own is held back. */
	if (ctlclient_wanted(argc, argv))
		return ctlclient_main(argc, argv);
	/* First of all, before any system call: nothing that arrives may be lost (core/loop.h). */
	loop_block_all(&signals);
	parent = getppid();
	code = cli_parse(argc, argv, &opts);
	if (code >= 0) {
		/* -h and -V are no end of a container; a bad command line is. */
		if (code != 0)
			termination_write(NULL, NULL, code);
		return code;
	}
	set_parent_death_signal(opts.parent_death_signal, parent);
	if (conf_load(opts.config_path, &conf) < 0) {
		termination_write(NULL, NULL, EXIT_USAGE);
		return EXIT_USAGE;
	}
	if (cli_apply(&opts, &conf) < 0) {
		log_fail("out of memory");
		code = EXIT_START_FAILED;
		goto out_conf;
	}
	if (opts.check) {
		told = true;
		conf_print(&conf, phase_print_stoptime, stdout);
		roster_print_lacks(&conf, stdout);
		code = fflush(stdout) == 0 ? 0 : EXIT_START_FAILED;
		goto out_conf;
	}
	if (conf.command == NULL && conf.nprograms == 0 && !opts.pause) {
		log_fail("no command given (on the command line or as 'command' in the config "
			 "file)");
		cli_usage(stderr);
		code = EXIT_USAGE;
		goto out_conf;
	}
	code = EXIT_USAGE;
	st.conf = &conf;
	st.cli = &opts;
	/* With a terminal in the foreground, the child takes it over (docker run -it). */
	if (roster_build(&st, &conf, &signals, tcgetpgrp(STDIN_FILENO) == getpgrp()) < 0)
		goto out_conf;
	if (log_open(&conf.log) < 0)
		goto out_conf;
	if (conf.pidfile != NULL &&
	    service_pidfile_open(&pidfile, conf.pidfile, why, sizeof(why)) < 0) {
		log_fail("%s", why);
		goto out_log;
	}
	if (conf.ready_file != NULL && readyfile_open(&manager, conf.ready_file) < 0)
		goto out_pidfile;

	code = EXIT_START_FAILED;
	if (reaper_init(&st, conf.subreaper) < 0)
		log_warn("cannot register as child subreaper, orphans will not come to pid1: %m");
	if (loop_init(&loop, &signals) < 0) {
		log_fail("cannot set up signal handling: %m");
		goto out_pidfile;
	}
	if (readiness_open(&st) < 0)
		goto out_pidfile;
	/* Only the config file's own parent-death-signal is left to set. */
	if (conf.parent_death_signal != opts.parent_death_signal)
		set_parent_death_signal(conf.parent_death_signal, parent);
	log_start(&st);
	if (control_open(&ctl, &st) < 0) {
		code = EXIT_USAGE;
		goto out_control;
	}

	/*
	 * From here on pid1 must not die: programs run, and as PID 1 our exit would have the
	 * kernel SIGKILL everything in the namespace. Failures are logged and survived; a
	 * program that cannot start ends the run through the supervisor, with its code.
	 */
	supervise(&st, &(struct supervise_event){.kind = SUPERVISE_START});
	readiness_update(&st);
	run(&st, &ctl);
	output_finish(&st.outputs);
	code = phase_exit_code(&st);
	termination_write(&conf, &st, code);
	told = true;
out_control:
	control_close(&ctl);
	if (log_dropped() > 0)
		log_warn("%lu log lines were dropped because a log target was not writable",
			 log_dropped());

out_pidfile:
	readiness_close(&st);
	service_pidfile_remove(&pidfile);
out_log:
	log_close();
out_conf:
	/* A start-up that failed is told too: a pod in CrashLoopBackOff then says why. */
	if (!told)
		termination_write(&conf, NULL, code);
	roster_free(&st);
	conf_free(&conf);
	return code;
}
