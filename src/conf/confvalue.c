// SPDX-License-Identifier: MIT
/*
 * The table of keys, and what each takes: words, durations, signals, numbers, readiness, and
 * the rules of string values. Every value is the file's text: it is bounded before it is
 * stored, and a value a key does not take gets a message that names both.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf/conf.h"
#include "conf/confvalue.h"
#include "core/duration.h"
#include "core/log.h"
#include "conf/restart.h"
#include "core/signame.h"

/* Longest "one of: ..." list of words. */
#define LIST_MAX 200

// clang-format off
static const struct conf_word scope_words[] = {
	{"child", SCOPE_CHILD}, {"group", SCOPE_GROUP}, {"all", SCOPE_ALL}, {NULL, 0},
};
static const struct conf_word action_words[] = {
	{"forward", ACTION_FORWARD}, {"rewrite", ACTION_REWRITE}, {"ignore", ACTION_IGNORE},
	{"shutdown", ACTION_SHUTDOWN}, {"restart", ACTION_RESTART}, {NULL, 0},
};
static const struct conf_word control_words[] = {
	{"auto", CONTROL_AUTO}, {"yes", CONTROL_YES}, {"no", CONTROL_NO}, {NULL, 0},
};
static const struct conf_word child_exit_words[] = {
	{"ladder", ON_CHILD_EXIT_LADDER}, {"exit", ON_CHILD_EXIT_EXIT},
	{"wait", ON_CHILD_EXIT_WAIT}, {NULL, 0},
};
static const struct conf_word repeat_words[] = {
	{"next", ON_REPEAT_NEXT}, {"kill", ON_REPEAT_KILL}, {NULL, 0},
};
static const struct conf_word enter_words[] = {
	{"received", ENTER_RECEIVED}, {"first", ENTER_FIRST}, {NULL, 0},
};
static const struct conf_word type_words[] = {
	{"longrun", PROGRAM_LONGRUN}, {"oneshot", PROGRAM_ONESHOT}, {NULL, 0},
};
static const struct conf_word when_words[] = {
	{"start", WHEN_START}, {"stop", WHEN_STOP}, {NULL, 0},
};
static const struct conf_word target_words[] = {
	{"stderr", LOG_TARGET_STDERR}, {"syslog", LOG_TARGET_SYSLOG}, {"file", LOG_TARGET_FILE},
	{NULL, 0},
};
static const struct conf_word facility_words[] = {
	{"auth", LOG_AUTH},	{"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
	{"daemon", LOG_DAEMON},	{"ftp", LOG_FTP},	{"kern", LOG_KERN},
	{"lpr", LOG_LPR},	{"mail", LOG_MAIL},	{"news", LOG_NEWS},
	{"syslog", LOG_SYSLOG},	{"user", LOG_USER},	{"uucp", LOG_UUCP},
	{"local0", LOG_LOCAL0},	{"local1", LOG_LOCAL1},	{"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3},	{"local4", LOG_LOCAL4},	{"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6},	{"local7", LOG_LOCAL7},	{NULL, 0},
};
static const struct conf_word terminal_words[] = {
	{"detach", TERMINAL_DETACH}, {"shared", TERMINAL_SHARED}, {NULL, 0},
};
static const struct conf_word policy_words[] = {
	{"no", RESTART_NO}, {"on-failure", RESTART_ON_FAILURE}, {"always", RESTART_ALWAYS},
	{NULL, 0},
};
static const struct conf_word ready_words[] = {
	{"started", READY_STARTED}, {"exited", READY_EXITED}, {"notify", READY_NOTIFY}, {NULL, 0},
};
static const struct conf_word output_words[] = {
	{"raw", OUTPUT_RAW}, {"prefix", OUTPUT_PREFIX}, {NULL, 0},
};
static const struct conf_word level_words[] = {
	{"err", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE}, {"info", LOG_INFO},
	{"debug", LOG_DEBUG}, {NULL, 0},
};
// clang-format on

/* Parses value for the key named option into *out; returns 0, or -1 with a message in err. */
typedef int parse_fn(const char *option, const char *value, long *out, char *err, size_t len);

static const struct conf_word *find_word(const struct conf_word *words, const char *name)
{
	for (; words->name != NULL; words++)
		if (strcmp(words->name, name) == 0)
			return words;
	return NULL;
}

/* Writes the message for a value a key does not take in err. Returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_word(const char *option, const char *value, long *out, char *err, size_t len)
{
	const struct conf_word *words = confvalue_key(option)->words, *w = find_word(words, value);
	char list[LIST_MAX] = "";

	if (w != NULL) {
		*out = w->value;
		return 0;
	}
	for (w = words; w->name != NULL; w++) {
		strlcat(list, w == words ? "" : ", ", sizeof(list));
		strlcat(list, w->name, sizeof(list));
	}
	return fail(err, len, "invalid value '%s' for option '%s' (one of: %s)", value, option,
		    list);
}

static int parse_duration(const char *option, const char *value, long *out, char *err, size_t len)
{
	int64_t ms;

	if (duration_parse(value, &ms) == 0) {
		*out = (long)ms;
		return 0;
	}
	if (value[0] == '-')
		return fail(err, len, "negative duration '%s' for option '%s'", value, option);
	return fail(err, len, "bad duration '%s' for option '%s' (e.g. 500ms, 5s, 2m; at most 24h)",
		    value, option);
}

/* A whole decimal number min..max as the file spells it; -1 otherwise. */
static long decimal(const char *s, long min, long max)
{
	const char *err;
	long n;

	/* strtonum takes blanks, a sign and leading zeros, which the file never means. */
	if (!isdigit((unsigned char)s[0]) || (s[0] == '0' && s[1] != '\0'))
		return -1;
	n = (long)strtonum(s, min, max, &err);
	return err == NULL ? n : -1;
}

/* started, exited, notify, or fd:N with N a descriptor the program writes a newline to. */
static int parse_ready(const char *option, const char *value, long *out, char *err, size_t len)
{
	const struct conf_word *w = find_word(ready_words, value);

	if (w != NULL)
		*out = w->value;
	else if (strncmp(value, "fd:", 3) != 0 ||
		 (*out = decimal(value + 3, READY_FD_MIN, READY_FD_MAX)) < 0)
		return fail(
		    err, len,
		    "bad value '%s' for option '%s' (started, exited, notify or fd:N with N "
		    "%d..%d)",
		    value, option, READY_FD_MIN, READY_FD_MAX);
	return 0;
}

static int parse_signal(const char *option, const char *value, long *out, char *err, size_t len)
{
	int signo = signame_parse(value);

	if (signo < 0 || signo > CONF_SIGNAL_MAX)
		return fail(err, len, "unknown signal '%s' for option '%s'", value, option);
	*out = signo;
	return 0;
}

/* A signal pid1 can catch, or "none" (0): the parent's death must reach pid1's loop. */
static int parse_signal_or_none(const char *option, const char *value, long *out, char *err,
				size_t len)
{
	if (strcmp(value, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (parse_signal(option, value, out, err, len) < 0)
		return -1;
	if (signame_is_reserved((int)*out))
		return fail(
		    err, len,
		    "signal '%s' is reserved by the C library and pid1 cannot catch it, for "
		    "option '%s'",
		    value, option);
	return 0;
}

/* A signal that can end a program: SIGSTOP would only pause it until the ladder's SIGCONT. */
static int parse_stop_signal(const char *option, const char *value, long *out, char *err,
			     size_t len)
{
	if (parse_signal(option, value, out, err, len) < 0)
		return -1;
	if (*out == 0 || *out == SIGSTOP)
		return fail(err, len, "signal '%s' cannot stop a program, for option '%s'", value,
			    option);
	return 0;
}

/* An exit code for "as", a restart limit for "limit". */
static int parse_number(const char *option, const char *value, long *out, char *err, size_t len)
{
	bool code = strcmp(option, "as") == 0;
	int min = code ? 0 : 1, max = code ? 255 : RESTART_LIMIT_MAX;

	*out = decimal(value, min, max);
	if (*out < 0)
		return fail(err, len, "%s must be %d..%d, not '%s' for option '%s'",
			    code ? "exit code" : "limit", min, max, value, option);
	return 0;
}

/* An octal mode, or "" (-1) to keep pid1's umask. */
static int parse_umask(const char *option, const char *value, long *out, char *err, size_t len)
{
	*out = value[0] == '\0' ? -1 : confvalue_umask(value);
	if (*out < 0 && value[0] != '\0')
		return fail(err, len,
			    "umask must be an octal mode 0..777, not '%s' for option '%s'", value,
			    option);
	return 0;
}

#define TOP(f) offsetof(struct pid1_conf, f)
#define PRG(f) offsetof(struct program_conf, f)
#define PRV(f) offsetof(struct privs_conf, f)
#define RUL(f) offsetof(struct signal_rule, f)
#define SHD(f) offsetof(struct shutdown_conf, f)
#define RST(f) offsetof(struct restart_conf, f)
#define LOG(f) offsetof(struct log_conf, f)
#define STP(f) offsetof(struct ladder_step, f)
#define BOTH   (IN_TOP | IN_PROGRAM | IN_PRIVS)
// clang-format off
const struct conf_key conf_keys[CONF_NKEYS + 1] = {
	{"command", IN_TOP | PRINT_OWN, KIND_LIST, NULL, TOP(command), 0},
	{"forward-to", IN_TOP, KIND_WORD, scope_words, TOP(forward_to), 0},
	{"subreaper", IN_TOP, KIND_BOOL, NULL, TOP(subreaper), 0},
	{"warn-on-reap", IN_TOP, KIND_BOOL, NULL, TOP(warn_on_reap), 0},
	{"parent-death-signal", IN_TOP, KIND_SIGNAL_OR_NONE, NULL, TOP(parent_death_signal), 0},
	{"pidfile", IN_TOP, KIND_STR, NULL, TOP(pidfile), PATH_MAX},
	{"ready-file", IN_TOP, KIND_STR, NULL, TOP(ready_file), PATH_MAX},
	{"runtime-dir", IN_TOP, KIND_STR, NULL, TOP(runtime_dir), PATH_MAX},
	{"control", IN_TOP, KIND_WORD, control_words, TOP(control), 0},
	{"control-group", IN_TOP, KIND_STR, NULL, TOP(control_group), PRIVS_NAME_MAX},
	{"output", IN_TOP, KIND_WORD, output_words, TOP(output), 0},
	{"command", IN_PROGRAM | PRINT_ALWAYS, KIND_LIST, NULL, PRG(command), 0},
	{"type", IN_PROGRAM | PRINT_ALWAYS, KIND_WORD, type_words, PRG(type), 0},
	{"after", IN_PROGRAM, KIND_LIST, NULL, PRG(after), 0},
	{"essential", IN_PROGRAM | PRINT_ALWAYS, KIND_BOOL, NULL, PRG(essential), 0},
	{"tty", IN_PROGRAM, KIND_BOOL, NULL, PRG(tty), 0},
	{"restart", IN_PROGRAM, KIND_WORD, policy_words, PRG(restart), 0},
	{"stop-signal", IN_PROGRAM, KIND_STOP_SIGNAL, NULL, PRG(stop_signal), 0},
	{"when", IN_PROGRAM, KIND_WORD, when_words, PRG(when), 0},
	{"timeout", IN_PROGRAM | PRINT_HOOK, KIND_DURATION, NULL, PRG(timeout_ms), 0},
	{"ready", IN_PROGRAM, KIND_READY, ready_words, PRG(ready), 0},
	{"ready-timeout", IN_PROGRAM, KIND_DURATION, NULL, PRG(ready_timeout_ms), 0},
	{"watchdog", IN_PROGRAM, KIND_DURATION, NULL, PRG(watchdog_ms), 0},
	{"output", IN_PROGRAM, KIND_WORD, output_words, PRG(output), 0},
	{"user", BOTH, KIND_STR, NULL, PRV(user), PRIVS_NAME_MAX},
	{"group", BOTH, KIND_STR, NULL, PRV(group), PRIVS_NAME_MAX},
	{"workdir", BOTH, KIND_STR, NULL, PRV(workdir), PATH_MAX},
	{"umask", BOTH, KIND_UMASK, NULL, PRV(umask), 0},
	{"no-new-privileges", BOTH, KIND_BOOL, NULL, PRV(no_new_privs), 0},
	{"env", BOTH, KIND_LIST, NULL, PRV(env), 0},
	{"unset-env", BOTH, KIND_LIST, NULL, PRV(unset_env), 0},
	{"terminal", IN_TOP | IN_PRIVS, KIND_WORD, terminal_words, PRV(terminal), 0},
	{"action", IN_SIGNAL | PRINT_OWN, KIND_WORD, action_words, RUL(action), 0},
	{"to", IN_SIGNAL | PRINT_OWN, KIND_SIGNAL, NULL, RUL(to), 0},
	{"programs", IN_SIGNAL | PRINT_OWN, KIND_LIST, NULL, RUL(programs), CONF_NAME_MAX + 1},
	{"delay", IN_SHUTDOWN, KIND_DURATION, NULL, SHD(delay_ms), 0},
	{"scope", IN_SHUTDOWN, KIND_WORD, scope_words, SHD(scope), 0},
	{"on-child-exit", IN_SHUTDOWN, KIND_WORD, child_exit_words, SHD(on_child_exit), 0},
	{"on-repeat", IN_SHUTDOWN, KIND_WORD, repeat_words, SHD(on_repeat), 0},
	{"enter", IN_SHUTDOWN, KIND_WORD, enter_words, SHD(enter), 0},
	{"grace", IN_STEP | PRINT_OWN, KIND_DURATION, NULL, STP(grace_ms), 0},
	{"policy", IN_RESTART, KIND_WORD, policy_words, RST(policy), 0},
	{"delay", IN_RESTART, KIND_DURATION, NULL, RST(delay_ms), 0},
	{"max-delay", IN_RESTART, KIND_DURATION, NULL, RST(max_delay_ms), 0},
	{"limit", IN_RESTART, KIND_LIMIT, NULL, RST(limit), 0},
	{"window", IN_RESTART, KIND_DURATION, NULL, RST(window_ms), 0},
	{"as", IN_EXIT_CODE | PRINT_OWN, KIND_EXIT_CODE, NULL, 0, 0},
	{"level", IN_LOG, KIND_WORD, level_words, LOG(level), 0},
	{"targets", IN_LOG, KIND_TARGETS, target_words, LOG(targets), 0},
	{"file", IN_LOG, KIND_STR, NULL, LOG(file), PATH_MAX},
	{"ident", IN_LOG, KIND_CHARS, NULL, LOG(ident), LOG_IDENT_MAX},
	{"facility", IN_LOG, KIND_WORD, facility_words, LOG(facility), 0},
	{NULL, 0, 0, NULL, 0, 0},
};
// clang-format on

const struct conf_key *confvalue_key(const char *name)
{
	const struct conf_key *k;

	for (k = conf_keys; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int confvalue_parse(const char *option, const char *value, long *out, char *err, size_t len)
{
	static parse_fn *const parsers[] = {
	    [KIND_WORD] = parse_word,
	    [KIND_TARGETS] = parse_word,
	    [KIND_DURATION] = parse_duration,
	    [KIND_SIGNAL] = parse_signal,
	    [KIND_SIGNAL_OR_NONE] = parse_signal_or_none,
	    [KIND_STOP_SIGNAL] = parse_stop_signal,
	    [KIND_READY] = parse_ready,
	    [KIND_EXIT_CODE] = parse_number,
	    [KIND_LIMIT] = parse_number,
	    [KIND_UMASK] = parse_umask,
	};
	const struct conf_key *key = confvalue_key(option);

	if (key == NULL || parsers[key->kind] == NULL)
		return fail(err, len, "no type for option '%s'", option);
	return parsers[key->kind](option, value, out, err, len);
}

const char *confvalue_name(const char *option, int value)
{
	const struct conf_key *key = confvalue_key(option);
	const struct conf_word *w;

	for (w = key != NULL ? key->words : NULL; w != NULL && w->name != NULL; w++)
		if (w->value == value)
			return w->name;
	return "?";
}

int confvalue_word(const char *option, const char *word)
{
	const struct conf_key *key = confvalue_key(option);
	const struct conf_word *w =
	    key != NULL && key->words != NULL ? find_word(key->words, word) : NULL;

	return w != NULL ? w->value : -1;
}

int confvalue_umask(const char *s)
{
	char *end;
	long mode;

	/* The first byte is checked because strtol would take spaces and a sign. */
	if (s[0] < '0' || s[0] > '7')
		return -1;
	mode = strtol(s, &end, 8);
	return *end == '\0' && mode <= 0777 ? (int)mode : -1;
}

int confvalue_exit_code(const char *s)
{
	return (int)decimal(s, 0, 255);
}

/* True when the first len bytes of s are a portable environment variable name. */
static bool env_name(const char *s, size_t len)
{
	/* POSIX's portable names: a letter or '_', then letters, digits and '_'. */
	return len > 0 && !isdigit((unsigned char)s[0]) &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") >= len;
}

/* Environment entries: NAME=value for env, NAME for unset-env. */
static int check_env(const char *option, const char *s, char *err, size_t len)
{
	const char *eq = strchr(s, '=');
	size_t n = strlen(s);

	if (strcmp(option, "env") == 0) {
		if (eq == NULL)
			return fail(err, len, "entry '%s' for option 'env' is not NAME=value", s);
		n = (size_t)(eq - s);
	}
	if (!env_name(s, n))
		return fail(err, len, "invalid variable name '%.*s' for option '%s'", (int)n, s,
			    option);
	return 0;
}

int confvalue_check_string(const char *option, const char *s, char *err, size_t len)
{
	const struct conf_key *key = confvalue_key(option);

	if (s == NULL)
		return 0;
	if (strcmp(option, "env") == 0 || strcmp(option, "unset-env") == 0)
		return check_env(option, s, err, len);
	/* "" is the default: $PID1_RUNTIME_DIR, else /run/pid1. */
	if (strcmp(option, "runtime-dir") == 0 && s[0] != '\0' &&
	    (s[0] != '/' || s[strspn(s, "/")] == '\0'))
		return fail(err, len, "option 'runtime-dir' must be an absolute path other than /");
	/* A probe tests it from anywhere: relative to pid1's directory it would mislead. */
	if (strcmp(option, "ready-file") == 0 && s[0] != '\0' &&
	    (s[0] != '/' || s[strlen(s) - 1] == '/'))
		return fail(err, len,
			    "option 'ready-file' must be an absolute path to a file, not '%s'", s);
	if (key != NULL && key->size > 0 && strlen(s) >= key->size)
		return fail(err, len, "value for option '%s' is too long (at most %zu bytes)",
			    option, key->size - 1);
	return 0;
}
