/* SPDX-License-Identifier: MIT */
/*
 * The command line and environment ($PID1_CONFIG, $PID1_SHUTDOWN_BUDGET) -> struct options,
 * and the options laid over the loaded configuration (command line beats file beats built-in
 * defaults; $PID1_SHUTDOWN_BUDGET beats the file's budget, as the pod that sets it knows its
 * own grace period better than the image's file).
 */
#ifndef PID1_CLI_H
#define PID1_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"

struct options {
	const char *config_path;  /* -c FILE, else $PID1_CONFIG, else NULL */
	bool check;		  /* -n: validate, print, exit */
	char **command;		  /* the operands (in main's argv), or NULL when none */
	int verbosity;		  /* each -v adds one, each -q takes one */
	bool group;		  /* -g: forward to the child's process group */
	int forward_to;		  /* --forward-to, an enum scope; -1 when not given */
	bool subreaper;		  /* -s */
	int parent_death_signal;  /* -p SIG, 0 for none */
	bool exit_zero[256];	  /* -e CODE: report CODE as 0 */
	bool any_exit_zero;	  /* at least one -e */
	bool warn_on_reap;	  /* -w: warn about each orphan reaped */
	unsigned int log_targets; /* --log-target, 0 when not given */
	const char *log_file;	  /* --log-file */
	const char *pidfile;	  /* --pidfile */
	bool pause;		  /* --pause */
	int restart;		  /* --restart POLICY, -1 when not given */
	const char *user;	  /* --user USER[:GROUP] */
	const char *workdir;	  /* --workdir DIR */
	int umask;		  /* --umask MODE, -1 when not given */
	bool no_new_privs;	  /* --no-new-privileges */
	bool sd_notify;		  /* --sd-notify: pid1 itself tells $NOTIFY_SOCKET */
	bool docker_init;	  /* started as docker-init, as Docker's --init starts it */
	int64_t budget_ms;	  /* $PID1_SHUTDOWN_BUDGET, -1 when not set */
};

/*
 * Parses argv. Returns -1 when pid1 should go on; otherwise the exit code to leave with at
 * once (0 after -h/-V/-l, 2 after printing a usage error).
 */
int cli_parse(int argc, char **argv, struct options *opts);

/* Lays the command-line settings over conf. Returns 0, or -1 (out of memory). */
int cli_apply(const struct options *opts, struct pid1_conf *conf);

/* The usage text, as in the SYNOPSIS of pid1.8. */
void cli_usage(FILE *out);

#endif
