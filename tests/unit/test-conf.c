// SPDX-License-Identifier: MIT
/*
 * The config module: every file in tests/conf/good loads and survives conf_print -> conf_load
 * unchanged; every file in tests/conf/bad fails with the line and message its first line
 * promises ("# expect: :LINE: fragment"); a few settings are checked one by one.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "check.h"
#include "conf/conf.h"
#include "core/log.h"
#include "core/signame.h"

static char tmpdir[] = "/tmp/test-conf.XXXXXX";

static const char *srcdir(void)
{
	const char *s = getenv("PID1_SRCDIR");

	return s != NULL ? s : ".";
}

/* Two NULL-terminated lists, either of them maybe NULL, hold the same strings. */
static void assert_same_list(char *const *a, char *const *b)
{
	size_t i;

	fail_unless((a == NULL) == (b == NULL));
	for (i = 0; a != NULL && a[i] != NULL; i++)
		fail_unless(b[i] != NULL && strcmp(a[i], b[i]) == 0);
	fail_unless(a == NULL || b[i] == NULL);
}

/* Both unset (NULL), or the same text. */
static void assert_same_string(const char *a, const char *b)
{
	fail_unless((a == NULL) == (b == NULL));
	fail_unless(a == NULL || strcmp(a, b) == 0);
}

static void assert_same_privs(const struct privs_conf *a, const struct privs_conf *b)
{
	assert_same_string(a->user, b->user);
	assert_same_string(a->group, b->group);
	assert_same_string(a->workdir, b->workdir);
	fail_unless(a->set_umask == b->set_umask);
	fail_unless(!a->set_umask || a->umask == b->umask);
	fail_unless(a->no_new_privs == b->no_new_privs);
	assert_same_list(a->env, b->env);
	assert_same_list(a->unset_env, b->unset_env);
}

static void assert_same_supervision(const struct pid1_conf *a, const struct pid1_conf *b)
{
	fail_unless(a->warn_on_reap == b->warn_on_reap);
	assert_same_privs(&a->privs, &b->privs);
	fail_unless(a->restart.policy == b->restart.policy);
	fail_unless(a->restart.delay_ms == b->restart.delay_ms);
	fail_unless(a->restart.max_delay_ms == b->restart.max_delay_ms);
	fail_unless(a->restart.limit == b->restart.limit);
	fail_unless(a->restart.window_ms == b->restart.window_ms);
}

static void assert_same_programs(const struct pid1_conf *a, const struct pid1_conf *b)
{
	size_t i;

	fail_unless(a->nprograms == b->nprograms);
	for (i = 0; i < a->nprograms; i++) {
		const struct program_conf *x = &a->programs[i], *y = &b->programs[i];

		assert_same_string(x->name, y->name);
		assert_same_list(x->command, y->command);
		assert_same_list(x->after, y->after);
		fail_unless(x->type == y->type);
		fail_unless(x->essential == y->essential);
		fail_unless(x->restart == y->restart);
		fail_unless(x->set_no_new_privs == y->set_no_new_privs);
		assert_same_privs(&x->privs, &y->privs);
		fail_unless(x->ready == y->ready);
		assert_same_string(x->ready_check, y->ready_check);
		assert_same_list(x->ready_command, y->ready_command);
		fail_unless(x->ready_interval_ms == y->ready_interval_ms);
		assert_same_string(x->health.check, y->health.check);
		assert_same_list(x->health.command, y->health.command);
		fail_unless(x->health.interval_ms == y->health.interval_ms);
		fail_unless(x->health.timeout_ms == y->health.timeout_ms);
		fail_unless(x->health.start_period_ms == y->health.start_period_ms);
		fail_unless(x->health.retries == y->health.retries);
	}
}

/* A check as the file spells it: what it parses to, or that it is refused. */
static void test_probe_parse(void)
{
	struct probe_spec s;
	char err[256];

	fail_unless(probe_parse("ready", "tcp:8080", &s, err, sizeof(err)) == 0);
	fail_unless(s.kind == PROBE_TCP && s.port == 8080 && strcmp(s.host, "127.0.0.1") == 0);
	fail_unless(probe_parse("ready", "tcp:10.0.0.2:53", &s, err, sizeof(err)) == 0);
	fail_unless(s.family == AF_INET && s.port == 53 && strcmp(s.host, "10.0.0.2") == 0);
	fail_unless(probe_parse("ready", "tcp:[::1]:6379", &s, err, sizeof(err)) == 0);
	fail_unless(s.family == AF_INET6 && s.port == 6379 && strcmp(s.host, "::1") == 0);
	fail_unless(
	    probe_parse("check", "http://127.0.0.1:8080/healthz?x=1", &s, err, sizeof(err)) == 0);
	fail_unless(s.kind == PROBE_HTTP && s.port == 8080 && strcmp(s.path, "/healthz?x=1") == 0);
	fail_unless(probe_parse("check", "http://127.0.0.1", &s, err, sizeof(err)) == 0);
	fail_unless(s.port == 80 && strcmp(s.path, "/") == 0);
	fail_unless(probe_parse("check", "http://[::1]/", &s, err, sizeof(err)) == 0);
	fail_unless(s.family == AF_INET6 && s.port == 80);
	fail_unless(probe_parse("check", "exec", &s, err, sizeof(err)) == 0 &&
		    s.kind == PROBE_EXEC);
	fail_unless(probe_parse("check", "tcp:localhost:80", &s, err, sizeof(err)) == -1);
	fail_unless(strstr(err, "numeric address") != NULL);
	fail_unless(probe_parse("check", "tcp:0", &s, err, sizeof(err)) == -1);
	fail_unless(probe_parse("check", "tcp:65536", &s, err, sizeof(err)) == -1);
	fail_unless(probe_parse("check", "tcp:", &s, err, sizeof(err)) == -1);
	fail_unless(probe_parse("check", "tcp:[::1]", &s, err, sizeof(err)) == -1);
	fail_unless(probe_parse("check", "http://", &s, err, sizeof(err)) == -1);
	fail_unless(probe_parse("check", "http://example.com/", &s, err, sizeof(err)) == -1);
	fail_unless(probe_parse("check", "http://127.0.0.1/a b", &s, err, sizeof(err)) == -1);
	fail_unless(probe_parse("check", "https://127.0.0.1/", &s, err, sizeof(err)) == -1);
	fail_unless(probe_parse("check", "udp:53", &s, err, sizeof(err)) == -1);
}

/* ready = log:REGEX: a REGEX that compiles, of a bounded length; the rest is refused. */
static void test_ready_log(void)
{
	char err[256], big[PROBE_SPEC_MAX + 1];
	regex_t re;
	long v;

	fail_unless(confvalue_parse("ready", "log:^listening on [0-9]+$", &v, err, sizeof(err)) ==
		    0);
	fail_unless(v == READY_LOG);
	fail_unless(ready_log_compile(&re, "log:^listening on [0-9]+$") == 0);
	fail_unless(regexec(&re, "listening on 8080", 0, NULL, 0) == 0);
	fail_unless(regexec(&re, "listening on 80 and more", 0, NULL, 0) != 0);
	regfree(&re);
	fail_unless(confvalue_parse("ready", "log:(8080", &v, err, sizeof(err)) == -1);
	fail_unless(strstr(err, "bad regular expression '(8080' for option 'ready'") != NULL);
	fail_unless(confvalue_parse("ready", "log:", &v, err, sizeof(err)) == -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "log:", 4);
	fail_unless(confvalue_parse("ready", big, &v, err, sizeof(err)) == -1);
	big[PROBE_SPEC_MAX - 1] = '\0';
	fail_unless(confvalue_parse("ready", big, &v, err, sizeof(err)) == 0);
}

static void assert_same(const struct pid1_conf *a, const struct pid1_conf *b)
{
	size_t i;

	assert_same_list(a->command, b->command);
	fail_unless(a->forward_to == b->forward_to);
	for (i = 1; i <= CONF_SIGNAL_MAX; i++) {
		fail_unless(a->signals[i].action == b->signals[i].action);
		if (a->signals[i].action == ACTION_REWRITE)
			fail_unless(a->signals[i].to == b->signals[i].to);
	}
	fail_unless(a->shutdown.delay_ms == b->shutdown.delay_ms);
	fail_unless(a->shutdown.scope == b->shutdown.scope);
	fail_unless(a->shutdown.on_child_exit == b->shutdown.on_child_exit);
	fail_unless(a->shutdown.on_repeat == b->shutdown.on_repeat);
	fail_unless(a->shutdown.enter == b->shutdown.enter);
	fail_unless(a->shutdown.nsteps == b->shutdown.nsteps);
	for (i = 0; i < a->shutdown.nsteps; i++) {
		fail_unless(a->shutdown.steps[i].signo == b->shutdown.steps[i].signo);
		fail_unless(a->shutdown.steps[i].grace_ms == b->shutdown.steps[i].grace_ms);
	}
	fail_unless(memcmp(a->exit_code_map, b->exit_code_map, sizeof(a->exit_code_map)) == 0);
	fail_unless(a->log.level == b->log.level);
	fail_unless(a->log.targets == b->log.targets);
	assert_same_string(a->log.file, b->log.file);
	fail_unless(strcmp(a->log.ident, b->log.ident) == 0);
	fail_unless(a->log.facility == b->log.facility);
	fail_unless(a->subreaper == b->subreaper);
	fail_unless(a->parent_death_signal == b->parent_death_signal);
	assert_same_string(a->pidfile, b->pidfile);
	assert_same_supervision(a, b);
	assert_same_programs(a, b);
}

/* conf_print's output, saved to a file, loads back to the same settings. */
static void round_trip(const struct pid1_conf *conf)
{
	struct pid1_conf again;
	char path[64];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/printed.conf", tmpdir);
	fp = fopen(path, "w");
	fail_unless(fp != NULL);
	conf_print(conf, NULL, fp);
	fail_unless(fclose(fp) == 0);
	fail_unless(conf_load(path, &again) == 0);
	assert_same(conf, &again);
	conf_free(&again);
	unlink(path);
}

/* Loads path with stderr caught in a file; returns conf_load's result and the first line. */
static int load_quietly(const char *path, struct pid1_conf *conf, char *err, size_t len)
{
	char errpath[64];
	int saved, fd, rc;
	FILE *fp;

	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fail_unless(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fail_unless(saved >= 0 && dup2(fd, STDERR_FILENO) == STDERR_FILENO);
	/* The log looks at fd 2 afresh after log_close(): it may have reopened the one before. */
	log_close();
	rc = conf_load(path, conf);
	fflush(stderr);
	log_close();
	fail_unless(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
	close(saved);
	close(fd);
	fp = fopen(errpath, "r");
	fail_unless(fp != NULL);
	if (fgets(err, (int)len, fp) == NULL)
		err[0] = '\0';
	fclose(fp);
	return rc;
}

static int is_conf(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

/* CONF_NKEYS counts the keys: the table fills its size, and only its sentinel is unnamed. */
static void test_key_count(void)
{
	size_t i;

	for (i = 0; i < CONF_NKEYS; i++)
		fail_unless(conf_keys[i].name != NULL);
	fail_unless(conf_keys[CONF_NKEYS].name == NULL);
}

static void test_good_files(void)
{
	struct dirent **names;
	struct pid1_conf conf;
	char dir[PATH_MAX], path[PATH_MAX * 2];
	int i, n;

	snprintf(dir, sizeof(dir), "%s/tests/conf/good", srcdir());
	n = scandir(dir, &names, is_conf, alphasort);
	fail_unless(n > 0);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		printf("good: %s\n", names[i]->d_name);
		fail_unless(conf_load(path, &conf) == 0);
		fail_unless(strcmp(conf.path, path) == 0);
		round_trip(&conf);
		conf_free(&conf);
		free(names[i]);
	}
	free(names);
}

/* Checks one bad file against its "# expect: :LINE: fragment" first line. */
static void check_bad_file(const char *path)
{
	char expect[256], err[1024], want[PATH_MAX + 256], *nl;
	struct pid1_conf conf;
	FILE *fp;

	fp = fopen(path, "r");
	fail_unless(fp != NULL);
	fail_unless(fgets(expect, sizeof(expect), fp) != NULL);
	fclose(fp);
	fail_unless(strncmp(expect, "# expect: ", 10) == 0);
	nl = strchr(expect, '\n');
	if (nl != NULL)
		*nl = '\0';
	fail_unless(load_quietly(path, &conf, err, sizeof(err)) == -1);
	fail_unless(conf.command == NULL);
	/* "TIME pid1[PID]: err: PATH:LINE: message", a line of the log like any other. */
	/* A cut-off expectation would still match: insist it fitted. */
	fail_unless((size_t)snprintf(want, sizeof(want), "]: err: %s%s", path, expect + 10) <
		    sizeof(want));
	if (strstr(err, want) == NULL) {
		fprintf(stderr, "want: %s\ngot:  %s", want, err);
		fail_unless(strstr(err, want) != NULL);
	}
}

static void test_bad_files(void)
{
	struct dirent **names;
	char dir[PATH_MAX], path[PATH_MAX * 2];
	int i, n;

	snprintf(dir, sizeof(dir), "%s/tests/conf/bad", srcdir());
	n = scandir(dir, &names, is_conf, alphasort);
	fail_unless(n > 0);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		printf("bad: %s\n", names[i]->d_name);
		check_bad_file(path);
		free(names[i]);
	}
	free(names);
}

static void test_defaults(void)
{
	struct pid1_conf conf, shipped;
	char path[PATH_MAX];

	fail_unless(conf_load(NULL, &conf) == 0);
	fail_unless(conf.path == NULL && conf.command == NULL);
	fail_unless(conf.forward_to == SCOPE_CHILD);
	fail_unless(conf.signals[SIGTERM].action == ACTION_SHUTDOWN);
	fail_unless(conf.signals[SIGINT].action == ACTION_SHUTDOWN);
	fail_unless(conf.signals[SIGHUP].action == ACTION_FORWARD);
	fail_unless(conf.shutdown.nsteps == 3);
	fail_unless(conf.shutdown.steps[0].signo == SIGINT);
	fail_unless(conf.shutdown.steps[0].grace_ms == 4000);
	fail_unless(conf.shutdown.steps[2].signo == SIGKILL);
	fail_unless(conf.shutdown.steps[2].grace_ms == 1000);
	fail_unless(conf.shutdown.scope == SCOPE_ALL && conf.shutdown.enter == ENTER_RECEIVED);
	fail_unless(conf.exit_code_map[0] == -1 && conf.exit_code_map[255] == -1);
	fail_unless(conf.log.level == LOG_NOTICE && conf.log.targets == LOG_TARGET_STDERR);
	fail_unless(strcmp(conf.log.ident, "pid1") == 0 && conf.log.facility == LOG_DAEMON);
	fail_unless(!conf.warn_on_reap);
	fail_unless(conf.restart.policy == RESTART_NO && conf.restart.delay_ms == 1000);
	fail_unless(conf.restart.max_delay_ms == 30000 && conf.restart.limit == 5);
	fail_unless(conf.restart.window_ms == 60000);
	fail_unless(conf.privs.user == NULL && conf.privs.group == NULL);
	fail_unless(conf.privs.workdir == NULL && !conf.privs.set_umask);
	fail_unless(conf.pidfile == NULL && conf.log.file == NULL);
	fail_unless(!conf.privs.no_new_privs);
	fail_unless(conf.privs.env == NULL && conf.privs.unset_env == NULL);
	round_trip(&conf);

	/* The shipped file has every setting commented out at its default. */
	snprintf(path, sizeof(path), "%s/etc/pid1.conf", srcdir());
	fail_unless(conf_load(path, &shipped) == 0);
	assert_same(&conf, &shipped);
	conf_free(&shipped);
	conf_free(&conf);
}

static void test_full_file(void)
{
	struct pid1_conf conf;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/tests/conf/good/full.conf", srcdir());
	fail_unless(conf_load(path, &conf) == 0);
	fail_unless(strcmp(conf.command[0], "/bin/sh") == 0);
	fail_unless(strcmp(conf.command[2], "echo \"$HOME\" 'x' \\ done") == 0);
	fail_unless(strcmp(conf.command[3], "") == 0 && conf.command[4] == NULL);
	fail_unless(conf.forward_to == SCOPE_ALL && conf.subreaper);
	fail_unless(conf.parent_death_signal == SIGTERM);
	fail_unless(strcmp(conf.pidfile, "/run/pid1 test.pid") == 0);
	fail_unless(conf.signals[SIGUSR1].action == ACTION_REWRITE);
	fail_unless(conf.signals[SIGUSR1].to == SIGUSR2);
	fail_unless(conf.signals[SIGWINCH].action == ACTION_IGNORE);
	fail_unless(conf.signals[SIGTERM].action == ACTION_FORWARD);
	fail_unless(conf.signals[SIGINT].action == ACTION_REWRITE);
	fail_unless(conf.signals[SIGNAME_RTMIN + 3].action == ACTION_IGNORE);
	fail_unless(conf.signals[SIGUSR2].action == ACTION_FORWARD);
	fail_unless(conf.shutdown.delay_ms == 1500 && conf.shutdown.scope == SCOPE_GROUP);
	fail_unless(conf.shutdown.budget_ms == 90000);
	fail_unless(conf.shutdown.on_child_exit == ON_CHILD_EXIT_EXIT);
	fail_unless(conf.shutdown.on_repeat == ON_REPEAT_KILL);
	fail_unless(conf.shutdown.enter == ENTER_FIRST);
	/* File steps replace the built-in ladder, in file order. */
	fail_unless(conf.shutdown.nsteps == 2);
	fail_unless(conf.shutdown.steps[0].signo == SIGQUIT);
	fail_unless(conf.shutdown.steps[0].grace_ms == 120000);
	fail_unless(conf.shutdown.steps[1].signo == SIGKILL);
	fail_unless(conf.shutdown.steps[1].grace_ms == 250);
	fail_unless(conf.exit_code_map[143] == 0 && conf.exit_code_map[0] == 1);
	fail_unless(conf.exit_code_map[255] == 255 && conf.exit_code_map[1] == -1);
	fail_unless(conf.log.level == LOG_DEBUG);
	fail_unless(conf.log.targets == (LOG_TARGET_SYSLOG | LOG_TARGET_FILE));
	fail_unless(strcmp(conf.log.file, "/var/log/pid1.log") == 0);
	fail_unless(strcmp(conf.log.ident, "my-app") == 0 && conf.log.facility == LOG_LOCAL3);
	fail_unless(conf.warn_on_reap);
	fail_unless(strcmp(conf.privs.user, "nobody") == 0);
	fail_unless(strcmp(conf.privs.group, "nogroup") == 0);
	fail_unless(strcmp(conf.privs.workdir, "/srv") == 0);
	fail_unless(conf.privs.set_umask && conf.privs.umask == 022);
	fail_unless(conf.privs.no_new_privs);
	fail_unless(strcmp(conf.privs.env[0], "LANG=C.UTF-8") == 0);
	fail_unless(strcmp(conf.privs.env[1], "APP_MODE=prod") == 0 && conf.privs.env[2] == NULL);
	fail_unless(strcmp(conf.privs.unset_env[0], "DEBUG") == 0);
	fail_unless(conf.privs.unset_env[1] == NULL);
	fail_unless(conf.restart.policy == RESTART_ON_FAILURE);
	fail_unless(conf.restart.delay_ms == 250 && conf.restart.max_delay_ms == 120000);
	fail_unless(conf.restart.limit == 20 && conf.restart.window_ms == 3600000);
	conf_free(&conf);

	snprintf(path, sizeof(path), "%s/tests/conf/good/names.conf", srcdir());
	fail_unless(conf_load(path, &conf) == 0);
	fail_unless(conf.signals[SIGUSR2].to == SIGTERM);
	fail_unless(conf.signals[SIGNAME_RTMIN + 1].to == SIGRTMAX - 2);
	fail_unless(conf.signals[SIGPWR].action == ACTION_SHUTDOWN);
	fail_unless(conf.signals[SIGRTMAX].action == ACTION_IGNORE);
	fail_unless(conf.shutdown.delay_ms == 2000 && conf.shutdown.nsteps == 4);
	fail_unless(conf.shutdown.steps[0].grace_ms == 3600000);
	fail_unless(conf.shutdown.steps[1].grace_ms == 0);
	fail_unless(conf.shutdown.steps[2].signo == SIGNAME_RTMIN + 5);
	/* A step without grace gets the default one. */
	fail_unless(conf.shutdown.steps[3].signo == SIGKILL);
	fail_unless(conf.shutdown.steps[3].grace_ms == 4000);
	conf_free(&conf);
}

/* Bytes the printer must escape so that they read back the same. */
static void test_print_escapes(void)
{
	char *argv[] = {"/bin/echo", "${HOME}", "a\"b\\c", "\x1b[31m\t\n\xff", "1", NULL};
	char path[PATH_MAX];
	struct pid1_conf conf;

	/* A command from the command line replaces the file's, which is freed (valgrind checks). */
	snprintf(path, sizeof(path), "%s/tests/conf/good/full.conf", srcdir());
	fail_unless(conf_load(path, &conf) == 0 && conf.command_owned);
	conf_use_command(&conf, argv);
	fail_unless(conf.command == argv && !conf.command_owned);
	fail_unless(conf_set_string(&conf.pidfile, "/run/$x{y}.pid") == 0);
	/* Replacing frees the old copy; "" clears it. */
	fail_unless(conf_set_string(&conf.log.file, "/tmp/a.log") == 0);
	fail_unless(conf_set_string(&conf.log.file, "") == 0 && conf.log.file == NULL);
	fail_unless(conf_set_string(&conf.log.file, "/var/log/with space.log") == 0);
	strcpy(conf.log.ident, "with space");
	conf.signals[SIGUSR1] =
	    (struct signal_rule){.action = ACTION_REWRITE, .to = SIGNAME_RTMIN + 2};
	conf.signals[SIGNAME_RTMIN + 4].action = ACTION_SHUTDOWN;
	conf.signals[SIGTERM].action = ACTION_FORWARD;
	conf.parent_death_signal = SIGKILL;
	round_trip(&conf);
	conf_free(&conf);
}

/* Heap copies of strings, NULL-terminated, as conf_free expects. */
static char **list_of(const char *a, const char *b)
{
	char **list = calloc(3, sizeof(char *));

	fail_unless(list != NULL);
	list[0] = strdup(a);
	list[1] = b != NULL ? strdup(b) : NULL;
	fail_unless(list[0] != NULL && (b == NULL || list[1] != NULL));
	return list;
}

/* The supervision settings survive printing, odd bytes and umask 0 included. */
static void test_print_supervision(void)
{
	char *argv[] = {"/bin/true", NULL};
	struct pid1_conf conf;

	conf_defaults(&conf);
	conf.privs.env = list_of("A=${HOME} \"x\"\t\x1b", "EMPTY=");
	conf.privs.unset_env = list_of("_X1", NULL);
	/* Setting the command touches nothing else. */
	conf_use_command(&conf, argv);
	fail_unless(conf.privs.env != NULL && conf.privs.unset_env != NULL);
	fail_unless(conf_set_string(&conf.privs.user, "1000") == 0);
	fail_unless(conf_set_string(&conf.privs.group, "$grp") == 0);
	fail_unless(conf_set_string(&conf.privs.workdir, "/srv/with space") == 0);
	conf.privs.set_umask = true;
	conf.privs.umask = 0;
	conf.privs.no_new_privs = true;
	conf.warn_on_reap = true;
	conf.restart = (struct restart_conf){RESTART_ALWAYS, 0, 0, 1, 1};
	round_trip(&conf);
	conf.privs.umask = 0777;
	round_trip(&conf);
	conf_free(&conf);
	fail_unless(conf.privs.env == NULL && conf.command == NULL);
	fail_unless(conf.privs.user == NULL && conf.privs.workdir == NULL);
}

static void test_scope_parse(void)
{
	fail_unless(confvalue_word("forward-to", "child") == SCOPE_CHILD);
	fail_unless(confvalue_word("forward-to", "group") == SCOPE_GROUP);
	fail_unless(confvalue_word("forward-to", "all") == SCOPE_ALL);
	fail_unless(confvalue_word("forward-to", "All") == -1 &&
		    confvalue_word("forward-to", "") == -1);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	fail_unless(fd >= 0);
	fail_unless(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	fail_unless(fchmod(fd, mode) == 0);
	close(fd);
}

static void test_files_refused(void)
{
	struct pid1_conf conf;
	char path[64], err[1024];

	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	fail_unless(load_quietly(path, &conf, err, sizeof(err)) == -1);
	fail_unless(strstr(err, "cannot open") && strstr(err, "No such file or directory"));
	fail_unless(load_quietly(tmpdir, &conf, err, sizeof(err)) == -1);
	fail_unless(strstr(err, ": not a regular file") != NULL);

	snprintf(path, sizeof(path), "%s/empty.conf", tmpdir);
	write_file(path, "", 0600);
	fail_unless(conf_load(path, &conf) == 0);
	conf_free(&conf);
	if (geteuid() != 0)
		return;
	/* As root, only a file that only root can change is trusted. */
	write_file(path, "", 0620);
	fail_unless(load_quietly(path, &conf, err, sizeof(err)) == -1);
	fail_unless(strstr(err, "must be owned by root and not writable") != NULL);
	write_file(path, "", 0644);
	fail_unless(chown(path, 65534, 0) == 0);
	fail_unless(load_quietly(path, &conf, err, sizeof(err)) == -1);
	fail_unless(strstr(err, "must be owned by root and not writable") != NULL);
	unlink(path);
}

/* Loads text as a config file into conf. */
static void load_text(const char *text, struct pid1_conf *conf)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/diff.conf", tmpdir);
	write_file(path, text, 0600);
	fail_unless(conf_load(path, conf) == 0);
	unlink(path);
}

/* A reload's comparison: the keys of a program section, and the top-level keys, that differ. */
static void test_diff(void)
{
	struct pid1_conf a, b;
	char keys[256], err[256], path[64];

	load_text("program web { command = { \"sleep\", \"1\" } env = { \"A=1\" } }\n"
		  "program db { command = { \"sleep\", \"1\" } umask = 022 }\n",
		  &a);
	load_text("forward-to = group\nshutdown { delay = 1s }\nsignal SIGHUP { action = reload }\n"
		  "program web { command = { \"sleep\", \"2\" } env = { \"A=2\" } "
		  "no-new-privileges = false }\n"
		  "program db { command = { \"sleep\", \"1\" } umask = 022 }\n",
		  &b);
	fail_unless(confdiff_program(&a.programs[0], &b.programs[0], keys, sizeof(keys)) == 3);
	fail_unless(strcmp(keys, "command, no-new-privileges, env") == 0);
	fail_unless(confdiff_program(&a.programs[1], &b.programs[1], keys, sizeof(keys)) == 0);
	fail_unless(keys[0] == '\0');
	fail_unless(confdiff_top(&a, &b, keys, sizeof(keys)) == 3);
	fail_unless(strcmp(keys, "forward-to, shutdown, signal") == 0);
	fail_unless(confdiff_top(&a, &a, keys, sizeof(keys)) == 0);
	conf_free(&b);
	load_text("program db { command = { \"sleep\", \"1\" } umask = 027 }\n", &b);
	fail_unless(confdiff_program(&a.programs[1], &b.programs[0], keys, sizeof(keys)) == 1);
	fail_unless(strcmp(keys, "umask") == 0);
	conf_free(&b);
	conf_free(&a);

	/* Read again with an error: the first error is kept for the reply, with its line. */
	snprintf(path, sizeof(path), "%s/bad.conf", tmpdir);
	write_file(path, "program web {\n  bogus = 1\n}\n", 0600);
	fflush(stderr);
	fail_unless(conf_reload(path, &a, err, sizeof(err)) == -1);
	fail_unless(strstr(err, "bad.conf:2: ") != NULL);
	unlink(path);
}

int main(void)
{
	char path[64];

	fail_unless(mkdtemp(tmpdir) != NULL);
	test_key_count();
	test_defaults();
	test_probe_parse();
	test_ready_log();
	test_full_file();
	test_print_escapes();
	test_print_supervision();
	test_scope_parse();
	test_good_files();
	test_bad_files();
	test_files_refused();
	test_diff();
	snprintf(path, sizeof(path), "%s/stderr", tmpdir);
	unlink(path);
	fail_unless(rmdir(tmpdir) == 0);
	return 0;
}
