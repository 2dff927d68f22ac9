// SPDX-License-Identifier: MIT
/*
 * The command line. Parsing stops at the first operand, so `pid1 ls -l` runs `ls -l`, and
 * `--` is always accepted (Docker runs its init as `init -- cmd`). tini's flags keep tini's
 * meaning so pid1 can stand in for it. Settings given here beat the config file.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf/cli.h"
#include "core/child.h"
#include "core/duration.h"
#include "core/log.h"
#include "core/signame.h"

enum {
	OPT_FORWARD_TO = 256,
	OPT_LOG_TARGET,
	OPT_LOG_FILE,
	OPT_PIDFILE,
	OPT_PAUSE,
	OPT_RESTART,
	OPT_USER,
	OPT_WORKDIR,
	OPT_UMASK,
	OPT_NO_NEW_PRIVS,
	OPT_SD_NOTIFY,
};

static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"exit-zero", required_argument, NULL, 'e'},
    {"group", no_argument, NULL, 'g'},
    {"help", no_argument, NULL, 'h'},
    {"license", no_argument, NULL, 'l'},
    {"check", no_argument, NULL, 'n'},
    {"parent-death-signal", required_argument, NULL, 'p'},
    {"quiet", no_argument, NULL, 'q'},
    {"subreaper", no_argument, NULL, 's'},
    {"verbose", no_argument, NULL, 'v'},
    {"version", no_argument, NULL, 'V'},
    {"warn-on-reap", no_argument, NULL, 'w'},
    {"forward-to", required_argument, NULL, OPT_FORWARD_TO},
    {"log-target", required_argument, NULL, OPT_LOG_TARGET},
    {"log-file", required_argument, NULL, OPT_LOG_FILE},
    {"pidfile", required_argument, NULL, OPT_PIDFILE},
    {"pause", no_argument, NULL, OPT_PAUSE},
    {"restart", required_argument, NULL, OPT_RESTART},
    {"user", required_argument, NULL, OPT_USER},
    {"workdir", required_argument, NULL, OPT_WORKDIR},
    {"umask", required_argument, NULL, OPT_UMASK},
    {"no-new-privileges", no_argument, NULL, OPT_NO_NEW_PRIVS},
    {"sd-notify", no_argument, NULL, OPT_SD_NOTIFY},
    {NULL, 0, NULL, 0},
};

void cli_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: pid1 [-ghlnqsVvw] [-c file] [-e code] [-p signal] [--forward-to scope]\n"
	    "            [--log-target target] [--log-file file] [--pidfile file]\n"
	    "            [--restart policy] [--user user[:group]] [--workdir dir]\n"
	    "            [--umask mode] [--no-new-privileges] [--sd-notify]\n"
	    "            [--] command [argument ...]\n"
	    "       pid1 --pause [options]\n"
	    "       pid1 ctl [-s socket] [-t seconds] [--json] command [argument ...]\n"
	    "\n"
	    "  -c, --config FILE        read FILE (default: $PID1_CONFIG, else built-in defaults)\n"
	    "  -n, --check              validate the config, print it in full, exit\n"
	    "  -g, --group              forward signals to the child's process group\n"
	    "      --forward-to SCOPE   child, group or all\n"
	    "  -s, --subreaper          register as child subreaper even as PID 1\n"
	    "  -p, --parent-death-signal SIG  get SIG when pid1's parent dies\n"
	    "  -e, --exit-zero CODE     report exit code CODE as 0 (repeatable)\n"
	    "  -w, --warn-on-reap       log every orphan reaped as a warning\n"
	    "  -v, --verbose            log more (repeatable); -q, --quiet: log less\n"
	    "      --log-target TARGET  stderr, syslog or file (repeatable)\n"
	    "      --log-file FILE      log to FILE (implies --log-target file)\n"
	    "      --pidfile FILE       write pid1's pid to FILE\n"
	    "      --pause              no command: sleep and reap until a shutdown signal\n"
	    "      --restart POLICY     no, on-failure or always\n"
	    "      --user USER[:GROUP]  run the child as USER (name or number)\n"
	    "      --workdir DIR        run the child in DIR\n"
	    "      --umask MODE         run the child with umask MODE (octal)\n"
	    "      --no-new-privileges  the child and its descendants cannot gain privileges\n"
	    "      --sd-notify          tell $NOTIFY_SOCKET when ready, even for one program\n"
	    "  -l, --license            print the license\n"
	    "  -h, --help               print this help;  -V, --version: print the version\n");
}

/* The hint after a usage error: help, not an event, so not a line of the log. */
static int try_help(void)
{
	fprintf(stderr, "Try 'pid1 --help' for more information.\n");
	return EXIT_USAGE;
}

/* '+': stop at the first operand, whatever POSIXLY_CORRECT says. */
#define SHORT_OPTIONS "+c:e:ghlnp:qsvVw"

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fail("%s", msg);
	return try_help();
}

/*
 * What getopt found wrong, said in the log's shape as every error before start-up is;
 * getopt itself is kept quiet (opterr = 0). optopt is 0 for an unknown long option, which
 * getopt has passed (argv[optind - 1]); a long option lacks its argument only at the end.
 */
static int option_error(int argc, char **argv)
{
	const char *arg = argv[optind - 1], *eq = strchr(arg, '=');

	if (optopt == 0)
		return usage_error("unrecognized option '%.*s'",
				   eq != NULL ? (int)(eq - arg) : (int)strlen(arg), arg);
	if (optind == argc && strncmp(arg, "--", 2) == 0)
		return usage_error("option '%s' requires an argument", arg);
	if (optopt != ':' && strchr(SHORT_OPTIONS, optopt) != NULL)
		return usage_error("option requires an argument -- '%c'", optopt);
	return usage_error("invalid option -- '%c'", optopt);
}

/* Handles one option; returns -1 to go on, or an exit code. */
static int parse_option(int c, const char *arg, struct options *opts)
{
	const char *err = NULL;
	long long code;

	switch (c) {
	case 'c':
		opts->config_path = arg;
		break;
	case 'e':
		code = strtonum(arg, 0, 255, &err);
		if (err != NULL)
			return usage_error("exit code '%s' must be a number from 0 to 255", arg);
		opts->exit_zero[code] = true;
		opts->any_exit_zero = true;
		break;
	case 'g':
		opts->group = true;
		break;
	case 'h':
		cli_usage(stdout);
		return 0;
	case 'l':
		printf("pid1 %s is released under the MIT license.\n"
		       "See the LICENSE file shipped with it for the full text.\n",
		       PACKAGE_VERSION);
		return 0;
	case 'n':
		opts->check = true;
		break;
	case 'p':
		opts->parent_death_signal = signame_parse(arg);
		if (opts->parent_death_signal <= 0)
			return usage_error("unknown signal '%s'", arg);
		/* pid1 could not catch it: the parent's death would go unnoticed. */
		if (signame_is_reserved(opts->parent_death_signal))
			return usage_error("-p '%s': signal %d is reserved by the C library and "
					   "pid1 cannot catch it",
					   arg, opts->parent_death_signal);
		break;
	case 'q':
		opts->verbosity--;
		break;
	case 's':
		opts->subreaper = true;
		break;
	case 'v':
		opts->verbosity++;
		break;
	case 'V':
		/* tini's shape: dockerd parses it for `docker info` when pid1 is docker-init. */
		printf("pid1 version %s - git.%s\n", PACKAGE_VERSION, PID1_COMMIT);
		return 0;
	case 'w':
		opts->warn_on_reap = true;
		break;
	case OPT_FORWARD_TO:
		opts->forward_to = confvalue_word("forward-to", arg);
		if (opts->forward_to < 0)
			return usage_error("--forward-to '%s': must be child, group or all", arg);
		break;
	case OPT_LOG_FILE:
		opts->log_file = arg;
		opts->log_targets |= LOG_TARGET_FILE;
		break;
	case OPT_LOG_TARGET:
		code = confvalue_word("targets", arg);
		if (code < 0)
			return usage_error("--log-target '%s': must be stderr, syslog or file",
					   arg);
		opts->log_targets |= (unsigned int)code;
		break;
	case OPT_PIDFILE:
		opts->pidfile = arg;
		break;
	case OPT_PAUSE:
		opts->pause = true;
		break;
	case OPT_SD_NOTIFY:
		opts->sd_notify = true;
		break;
	case OPT_RESTART:
		opts->restart = confvalue_word("restart", arg);
		if (opts->restart < 0)
			return usage_error("--restart '%s': must be no, on-failure or always", arg);
		break;
	case OPT_USER:
		opts->user = arg;
		break;
	case OPT_WORKDIR:
		opts->workdir = arg;
		break;
	case OPT_UMASK:
		opts->umask = confvalue_umask(arg);
		if (opts->umask < 0)
			return usage_error("--umask '%s': must be an octal mode from 0 to 0777",
					   arg);
		break;
	case OPT_NO_NEW_PRIVS:
		opts->no_new_privs = true;
		break;
	default:
		return try_help();
	}
	return -1;
}

/*
 * $PID1_SHUTDOWN_BUDGET, a duration or a bare number of seconds: a pod spec sets it to its
 * terminationGracePeriodSeconds. Returns -1 to go on, or EXIT_USAGE.
 */
static int parse_budget(struct options *opts)
{
	const char *v = getenv("PID1_SHUTDOWN_BUDGET");

	opts->budget_ms = -1;
	if (v == NULL || *v == '\0' || duration_parse(v, &opts->budget_ms) == 0)
		return -1;
	return usage_error("PID1_SHUTDOWN_BUDGET='%.40s' is not a duration (e.g. 25s, 25, 1m; at "
			   "most 24h)",
			   v);
}

int cli_parse(int argc, char **argv, struct options *opts)
{
	const char *v = getenv("PID1_CONFIG"), *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
	int c, rc;

	memset(opts, 0, sizeof(*opts));
	/* Docker's --init mounts its init at /sbin/docker-init and runs it under that name. */
	opts->docker_init =
	    argc > 0 && strcmp(slash != NULL ? slash + 1 : argv[0], "docker-init") == 0;
	opts->restart = -1;
	opts->forward_to = -1;
	opts->umask = -1;
	opts->config_path = v != NULL && *v != '\0' ? v : NULL;
	/* tini's switches, for images that set them for tini. */
	opts->subreaper = getenv("TINI_SUBREAPER") != NULL;
	opts->group = getenv("TINI_KILL_PROCESS_GROUP") != NULL;
	if (parse_budget(opts) >= 0)
		return EXIT_USAGE;
	opterr = 0;
	while ((c = getopt_long(argc, argv, SHORT_OPTIONS, long_options, NULL)) != -1) {
		rc = c == '?' ? option_error(argc, argv) : parse_option(c, optarg, opts);
		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		opts->command = argv + optind;
	if (opts->pause && opts->command != NULL)
		return usage_error("--pause takes no command (got '%s')", argv[optind]);
	return -1;
}

/*
 * USER or USER:GROUP; the names are checked later, when they are looked up. Returns 0, or -1
 * when out of memory.
 */
static int apply_user(const char *spec, struct privs_conf *privs)
{
	const char *colon = strchr(spec, ':');
	char *user;
	int rc;

	if (colon == NULL)
		return conf_set_string(&privs->user, spec);
	user = strndup(spec, (size_t)(colon - spec));
	if (user == NULL)
		return -1;
	rc = conf_set_string(&privs->user, user);
	free(user);
	return rc < 0 ? -1 : conf_set_string(&privs->group, colon + 1);
}

int cli_apply(const struct options *opts, struct pid1_conf *conf)
{
	int level, i;

	if (opts->command != NULL)
		conf_use_command(conf, opts->command);
	if (opts->group)
		conf->forward_to = SCOPE_GROUP;
	if (opts->forward_to >= 0)
		conf->forward_to = (enum scope)opts->forward_to;
	if (opts->subreaper)
		conf->subreaper = true;
	if (opts->budget_ms >= 0)
		conf->shutdown.budget_ms = opts->budget_ms;
	if (opts->parent_death_signal > 0)
		conf->parent_death_signal = opts->parent_death_signal;
	if (opts->warn_on_reap)
		conf->warn_on_reap = true;
	for (i = 0; opts->any_exit_zero && i < 256; i++)
		if (opts->exit_zero[i])
			conf->exit_code_map[i] = 0;
	if (opts->log_targets != 0)
		conf->log.targets = opts->log_targets;
	if (opts->log_file != NULL && conf_set_string(&conf->log.file, opts->log_file) < 0)
		return -1;
	conf->sd_notify = conf->sd_notify || opts->sd_notify;
	if (opts->pidfile != NULL && conf_set_string(&conf->pidfile, opts->pidfile) < 0)
		return -1;
	if (opts->restart >= 0)
		conf->restart.policy = (enum restart_policy)opts->restart;
	if (opts->user != NULL && apply_user(opts->user, &conf->privs) < 0)
		return -1;
	if (opts->workdir != NULL && conf_set_string(&conf->privs.workdir, opts->workdir) < 0)
		return -1;
	if (opts->umask >= 0) {
		conf->privs.set_umask = true;
		conf->privs.umask = (mode_t)opts->umask;
	}
	if (opts->no_new_privs)
		conf->privs.no_new_privs = true;
	/*
	 * Docker's init with no config file stands in for tini, which writes nothing: a child
	 * that exits non-zero is the application's news, not pid1's. Warnings still show.
	 */
	if (opts->docker_init && conf->path == NULL)
		conf->log.level = LOG_WARNING;
	level = conf->log.level + opts->verbosity;
	conf->log.level = level < LOG_ERR ? LOG_ERR : level > LOG_DEBUG ? LOG_DEBUG : level;
	return 0;
}
