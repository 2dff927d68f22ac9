// SPDX-License-Identifier: MIT
/*
 * The table of keys, and what each takes: words, durations, signals, numbers, readiness, and
 * the rules of string values. Every value is the file's text: it is bounded before it is
 * stored, and a value a key does not take gets a message that names both. Then the -n
 * printer, the same values the other way: the configuration in effect, defaults included,
 * in the file's own syntax. Its output must load back to the same struct pid1_conf, so
 * every string is quoted and escaped the way libconfuse reads it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <ctype.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf/conf.h"
#include "core/duration.h"
#include "core/log.h"
#include "core/signame.h"

/* Longest "one of: ..." list of words. */
#define LIST_MAX 200

// clang-format off
static const struct conf_word scope_words[] = {
	{"child", SCOPE_CHILD}, {"group", SCOPE_GROUP}, {"all", SCOPE_ALL}, {NULL, 0},
};
static const struct conf_word action_words[] = {
	{"forward", ACTION_FORWARD}, {"rewrite", ACTION_REWRITE}, {"ignore", ACTION_IGNORE},
	{"shutdown", ACTION_SHUTDOWN}, {"restart", ACTION_RESTART},
	{"reload", ACTION_RELOAD},     {NULL, 0},
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
	{"raw", OUTPUT_RAW}, {"prefix", OUTPUT_PREFIX}, {"json", OUTPUT_JSON}, {NULL, 0},
};
static const struct conf_word output_time_words[] = {
	{"none", OUTPUT_TIME_NONE}, {"rfc3339", OUTPUT_TIME_RFC3339}, {NULL, 0},
};
static const struct conf_word format_words[] = {
	{"text", LOG_FORMAT_TEXT}, {"json", LOG_FORMAT_JSON}, {NULL, 0},
};
static const struct conf_word level_words[] = {
	{"err", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE}, {"info", LOG_INFO},
	{"debug", LOG_DEBUG}, {NULL, 0},
};
// clang-format on

/* As confvalue_parse, for one kind of value. */
typedef int parse_fn(const char *option, const char *value, long *out, char *err, size_t len);

static const struct conf_key *key_named(const char *name);

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
	const struct conf_word *words = key_named(option)->words, *w = find_word(words, value);
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

/* A port 1..65535, as the file spells it; -1 otherwise. */
static long port_number(const char *s)
{
	return decimal(s, 1, 65535);
}

/* HOST:PORT, [IPV6]:PORT, or PORT alone (need_port) or HOST alone (port 80). Returns 0 or -1. */
static int parse_address(const char *s, size_t n, struct probe_spec *spec, bool need_port)
{
	char buf[PROBE_SPEC_MAX], *end, *port = NULL;
	unsigned char addr[16];
	long number = 80;

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	spec->family = AF_INET;
	strlcpy(spec->host, "127.0.0.1", sizeof(spec->host));
	if (buf[0] == '[') {
		end = strchr(buf, ']');
		if (end == NULL || (end[1] != ':' && end[1] != '\0'))
			return -1;
		*end = '\0';
		if (strlen(buf + 1) >= sizeof(spec->host) ||
		    inet_pton(AF_INET6, buf + 1, addr) != 1)
			return -1;
		spec->family = AF_INET6;
		strlcpy(spec->host, buf + 1, sizeof(spec->host));
		port = end[1] == ':' ? end + 2 : NULL;
	} else if ((end = strrchr(buf, ':')) != NULL || !need_port) {
		if (end != NULL) {
			*end = '\0';
			port = end + 1;
		}
		if (strlen(buf) >= sizeof(spec->host) || inet_pton(AF_INET, buf, addr) != 1)
			return -1;
		strlcpy(spec->host, buf, sizeof(spec->host));
	} else {
		port = buf;
	}
	if ((port == NULL && need_port) || (port != NULL && (number = port_number(port)) < 0))
		return -1;
	spec->port = (unsigned short)number;
	return 0;
}

int probe_parse(const char *option, const char *s, struct probe_spec *spec, char *err, size_t len)
{
	const char *path;
	size_t n = strlen(s);

	memset(spec, 0, sizeof(*spec));
	if (strcmp(s, "exec") == 0) {
		spec->kind = PROBE_EXEC;
		return 0;
	}
	if (strncmp(s, "tcp:", 4) == 0 && n < PROBE_SPEC_MAX &&
	    parse_address(s + 4, n - 4, spec, true) == 0) {
		spec->kind = PROBE_TCP;
		return 0;
	}
	if (strncmp(s, "http://", 7) == 0 && n < PROBE_SPEC_MAX) {
		path = strchr(s + 7, '/');
		if (path == NULL)
			path = s + n;
		/* The path goes on the request line as it is: printable, no blank. */
		if (path > s + 7 &&
		    parse_address(s + 7, (size_t)(path - (s + 7)), spec, false) == 0) {
			spec->kind = PROBE_HTTP;
			strlcpy(spec->path, path[0] != '\0' ? path : "/", sizeof(spec->path));
			for (; *path != '\0'; path++)
				if ((unsigned char)*path < 0x21 || (unsigned char)*path >= 0x7f)
					break;
			if (*path == '\0')
				return 0;
		}
	}
	return fail(err, len,
		    "bad check '%s' for option '%s' (tcp:PORT, tcp:ADDRESS:PORT, "
		    "http://ADDRESS[:PORT]/PATH with a numeric address, or exec)",
		    s, option);
}

int ready_log_compile(regex_t *re, const char *value)
{
	return regcomp(re, value + 4, REG_EXTENDED | REG_NOSUB);
}

/*
 * log:REGEX. Its length is bounded as a check's is, as the cost of matching each line of a
 * starting program grows with it; an empty REGEX would match any line, as ready = started
 * nearly does, and is more likely a mistake.
 */
static int parse_ready_log(const char *option, const char *value, char *err, size_t len)
{
	char why[128];
	regex_t re;
	int rc;

	if (value[4] == '\0' || strlen(value) >= PROBE_SPEC_MAX)
		return fail(err, len, "option '%s' takes log:REGEX with a REGEX of 1 to %d bytes",
			    option, PROBE_SPEC_MAX - 5);
	rc = ready_log_compile(&re, value);
	if (rc == 0) {
		regfree(&re);
		return 0;
	}
	regerror(rc, &re, why, sizeof(why));
	return fail(err, len, "bad regular expression '%s' for option '%s': %s", value + 4, option,
		    why);
}

/*
 * started, exited, notify, or fd:N with N a descriptor the program writes a newline to; or a
 * probe (READY_PROBE) or log:REGEX (READY_LOG), whose text the program's section keeps.
 */
static int parse_ready(const char *option, const char *value, long *out, char *err, size_t len)
{
	const struct conf_word *w = find_word(ready_words, value);
	struct probe_spec spec;

	if (w != NULL)
		*out = w->value;
	else if (strncmp(value, "log:", 4) == 0)
		return parse_ready_log(option, value, err, len) < 0 ? -1 : (*out = READY_LOG, 0);
	else if (strncmp(value, "tcp:", 4) == 0 || strncmp(value, "http", 4) == 0 ||
		 strcmp(value, "exec") == 0)
		return probe_parse(option, value, &spec, err, len) < 0 ? -1
								       : (*out = READY_PROBE, 0);
	else if (strncmp(value, "fd:", 3) != 0 ||
		 (*out = decimal(value + 3, READY_FD_MIN, READY_FD_MAX)) < 0)
		return fail(err, len,
			    "bad value '%s' for option '%s' (started, exited, notify, fd:N with N "
			    "%d..%d, tcp:PORT, http://..., exec or log:REGEX)",
			    value, option, READY_FD_MIN, READY_FD_MAX);
	return 0;
}

/* fd:N, the descriptor a oneshot writes its variables to (export-env). */
static int parse_fd(const char *option, const char *value, long *out, char *err, size_t len)
{
	if (strncmp(value, "fd:", 3) != 0 ||
	    (*out = decimal(value + 3, READY_FD_MIN, READY_FD_MAX)) < 0)
		return fail(err, len, "bad value '%s' for option '%s' (fd:N with N %d..%d)", value,
			    option, READY_FD_MIN, READY_FD_MAX);
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

/*
 * An exit code for "as", a restart limit for "limit", a count of failures for "retries" (the
 * two counts share their bound).
 */
static int parse_number(const char *option, const char *value, long *out, char *err, size_t len)
{
	_Static_assert(PROBE_RETRIES_MAX == RESTART_LIMIT_MAX, "retries and limit share a bound");
	bool code = strcmp(option, "as") == 0;
	int min = code ? 0 : 1, max = code ? 255 : RESTART_LIMIT_MAX;

	*out = decimal(value, min, max);
	if (*out < 0)
		return fail(err, len, "%s must be %d..%d, not '%s' for option '%s'",
			    code ? "exit code" : option, min, max, value, option);
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
#define HLT(f) offsetof(struct health_conf, f)
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
	{"termination-log", IN_TOP, KIND_CHARS, NULL, TOP(termination_log), CONF_TERMINATION_LOG_MAX},
	{"control", IN_TOP, KIND_WORD, control_words, TOP(control), 0},
	{"control-group", IN_TOP, KIND_STR, NULL, TOP(control_group), PRIVS_NAME_MAX},
	{"output", IN_TOP, KIND_WORD, output_words, TOP(output), 0},
	{"output-time", IN_TOP, KIND_WORD, output_time_words, TOP(output_time), 0},
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
	{"ready-command", IN_PROGRAM, KIND_LIST, NULL, PRG(ready_command), 0},
	{"ready-interval", IN_PROGRAM, KIND_DURATION, NULL, PRG(ready_interval_ms), 0},
	{"output", IN_PROGRAM, KIND_WORD, output_words, PRG(output), 0},
	{"output-time", IN_PROGRAM, KIND_WORD, output_time_words, PRG(output_time), 0},
	{"export-env", IN_PROGRAM, KIND_FD, NULL, PRG(export_fd), 0},
	{"user", BOTH, KIND_STR, NULL, PRV(user), PRIVS_NAME_MAX},
	{"group", BOTH, KIND_STR, NULL, PRV(group), PRIVS_NAME_MAX},
	{"workdir", BOTH, KIND_STR, NULL, PRV(workdir), PATH_MAX},
	{"umask", BOTH, KIND_UMASK, NULL, PRV(umask), 0},
	{"no-new-privileges", BOTH, KIND_BOOL, NULL, PRV(no_new_privs), 0},
	{"env", BOTH, KIND_LIST, NULL, PRV(env), 0},
	{"unset-env", BOTH, KIND_LIST, NULL, PRV(unset_env), 0},
	{"env-file", BOTH, KIND_LIST, NULL, PRV(env_file), PATH_MAX + 1},
	{"env-dir", BOTH, KIND_STR, NULL, PRV(env_dir), PATH_MAX + 1},
	{"file-env", BOTH, KIND_LIST, NULL, PRV(file_env), PRIVS_NAME_MAX},
	{"terminal", IN_TOP | IN_PRIVS, KIND_WORD, terminal_words, PRV(terminal), 0},
	{"action", IN_SIGNAL | PRINT_OWN, KIND_WORD, action_words, RUL(action), 0},
	{"to", IN_SIGNAL | PRINT_OWN, KIND_SIGNAL, NULL, RUL(to), 0},
	{"programs", IN_SIGNAL | PRINT_OWN, KIND_LIST, NULL, RUL(programs), CONF_NAME_MAX + 1},
	{"delay", IN_SHUTDOWN, KIND_DURATION, NULL, SHD(delay_ms), 0},
	{"budget", IN_SHUTDOWN, KIND_DURATION, NULL, SHD(budget_ms), 0},
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
	{"format", IN_LOG, KIND_WORD, format_words, LOG(format), 0},
	{"check", IN_HEALTH, KIND_STR, NULL, HLT(check), PROBE_SPEC_MAX},
	{"command", IN_HEALTH, KIND_LIST, NULL, HLT(command), 0},
	{"interval", IN_HEALTH, KIND_DURATION, NULL, HLT(interval_ms), 0},
	{"timeout", IN_HEALTH, KIND_DURATION, NULL, HLT(timeout_ms), 0},
	{"retries", IN_HEALTH, KIND_LIMIT, NULL, HLT(retries), 0},
	{"start-period", IN_HEALTH, KIND_DURATION, NULL, HLT(start_period_ms), 0},
	{NULL, 0, 0, NULL, 0, 0},
};
// clang-format on

/* The first key of that name, or NULL. */
static const struct conf_key *key_named(const char *name)
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
	    [KIND_FD] = parse_fd,
	};
	const struct conf_key *key = key_named(option);

	if (key == NULL || parsers[key->kind] == NULL)
		return fail(err, len, "no type for option '%s'", option);
	return parsers[key->kind](option, value, out, err, len);
}

const char *confvalue_name(const char *option, int value)
{
	const struct conf_key *key = key_named(option);
	const struct conf_word *w;

	for (w = key != NULL ? key->words : NULL; w != NULL && w->name != NULL; w++)
		if (w->value == value)
			return w->name;
	return "?";
}

int confvalue_word(const char *option, const char *word)
{
	const struct conf_key *key = key_named(option);
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

/* env-file and env-dir: an absolute path, "-" before it when it may be missing. */
static int check_env_path(const char *option, const char *s, char *err, size_t len)
{
	const char *path = s + (s[0] == '-');

	if (path[0] != '/' || path[strlen(path) - 1] == '/')
		return fail(
		    err, len,
		    "option '%s' takes an absolute path, '-' before it if optional, not '%s'",
		    option, s);
	return 0;
}

int confvalue_check_string(const char *option, const char *s, char *err, size_t len)
{
	const struct conf_key *key = key_named(option);
	struct probe_spec spec;
	long value;

	if (s == NULL)
		return 0;
	if (strcmp(option, "env") == 0 || strcmp(option, "unset-env") == 0 ||
	    strcmp(option, "file-env") == 0)
		return check_env(option, s, err, len);
	if ((strcmp(option, "env-file") == 0 || strcmp(option, "env-dir") == 0) && s[0] != '\0' &&
	    check_env_path(option, s, err, len) < 0)
		return -1;
	if (strcmp(option, "ready") == 0)
		return parse_ready(option, s, &value, err, len);
	if (strcmp(option, "check") == 0)
		return probe_parse(option, s, &spec, err, len);
	/* "" is the default: $PID1_RUNTIME_DIR, else /run/pid1. */
	if (strcmp(option, "runtime-dir") == 0 && s[0] != '\0' &&
	    (s[0] != '/' || s[strspn(s, "/")] == '\0'))
		return fail(err, len, "option 'runtime-dir' must be an absolute path other than /");
	/* A probe tests it from anywhere: relative to pid1's directory it would mislead. */
	if ((strcmp(option, "ready-file") == 0 || strcmp(option, "termination-log") == 0) &&
	    s[0] != '\0' && (s[0] != '/' || s[strlen(s) - 1] == '/'))
		return fail(err, len, "option '%s' must be an absolute path to a file, not '%s'",
			    option, s);
	if (key != NULL && key->size > 0 && strlen(s) >= key->size)
		return fail(err, len, "value for option '%s' is too long (at most %zu bytes)",
			    option, key->size - 1);
	return 0;
}

/*
 * Writes s as a double-quoted string that libconfuse reads back byte for byte: '$' is
 * escaped because "${NAME}" would expand, and other bytes as \xHH because an octal escape
 * followed by a digit is misread by libconfuse 3.3.
 */
static void print_string(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++) {
		if (*p == '"' || *p == '\\' || *p == '$')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* A name bare when libconfuse takes it as one word, quoted otherwise ("SIGRTMIN+3"). */
static void print_name(FILE *out, const char *s)
{
	if (s[0] != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789_-.") == strlen(s))
		fputs(s, out);
	else
		print_string(out, s);
}

static void put_signal(FILE *out, const char *before, int signo, const char *after)
{
	char name[SIGNAME_MAX];

	fputs(before, out);
	print_name(out, signame_name(signo, name, sizeof(name)));
	fputs(after, out);
}

static void put_duration(FILE *out, const char *before, int64_t ms, const char *after)
{
	char buf[32];

	fprintf(out, "%s%s%s", before, duration_format(ms, buf, sizeof(buf)), after);
}

/* "{ "a", "b" }" for a NULL-terminated list, "{ }" for none. */
static void print_list(FILE *out, char *const *list)
{
	size_t i;

	fputc('{', out);
	for (i = 0; list != NULL && list[i] != NULL; i++) {
		fputs(i == 0 ? " " : ", ", out);
		print_string(out, list[i]);
	}
	fputs(" }", out);
}

/* The value of key k in the struct at base, as the file spells it. */
static void print_value(FILE *out, const struct conf_key *k, const void *base)
{
	const char *field = (const char *)base + k->off;
	const struct privs_conf *privs = base;
	const char *sep = "";
	unsigned int bit;

	switch (k->kind) {
	case KIND_STR:
		print_string(out, *(char *const *)field);
		break;
	case KIND_CHARS:
		print_string(out, field);
		break;
	case KIND_LIST:
		print_list(out, *(char *const *const *)field);
		break;
	case KIND_BOOL:
		fputs(*(const bool *)field ? "true" : "false", out);
		break;
	case KIND_DURATION:
		put_duration(out, "", *(const int64_t *)field, "");
		break;
	case KIND_TARGETS:
		fputc('{', out);
		for (bit = LOG_TARGET_STDERR; bit <= LOG_TARGET_FILE; bit <<= 1) {
			if (*(const unsigned int *)field & bit) {
				fprintf(out, "%s %s", sep, confvalue_name(k->name, (int)bit));
				sep = ",";
			}
		}
		fputs(" }", out);
		break;
	case KIND_UMASK:
		/* umask(1)'s own spelling; "" keeps pid1's. */
		if (privs->set_umask)
			fprintf(out, "%03o", (unsigned int)privs->umask);
		else
			fputs("\"\"", out);
		break;
	case KIND_SIGNAL:
	case KIND_SIGNAL_OR_NONE:
	case KIND_STOP_SIGNAL:
		if (*(const int *)field == 0)
			fputs("none", out);
		else
			put_signal(out, "", *(const int *)field, "");
		break;
	case KIND_EXIT_CODE:
	case KIND_LIMIT:
		fprintf(out, "%d", *(const int *)field);
		break;
	case KIND_FD:
		fprintf(out, "fd:%d", *(const int *)field);
		break;
	case KIND_READY:
		/* Only a program has ready: its check's text is in the same section. */
		if (*(const int *)field == READY_PROBE || *(const int *)field == READY_LOG) {
			print_string(out, ((const struct program_conf *)base)->ready_check);
			break;
		}
		if (*(const int *)field >= READY_FD_MIN) {
			fprintf(out, "fd:%d", *(const int *)field);
			break;
		}
		/* fall through */
	case KIND_WORD:
		fputs(confvalue_name(k->name, *(const int *)field), out);
	}
}

/*
 * Whether program pc prints key k, in the struct at base (pc or its privs): only what the
 * section sets, the others being the defaults or the top level's.
 */
static bool program_sets(const struct conf_key *k, const struct program_conf *pc, const void *base)
{
	struct program_conf def;
	const char *d = (const char *)&def;
	size_t size = sizeof(int);

	if (k->flags & PRINT_ALWAYS)
		return true;
	if (k->flags & PRINT_HOOK)
		return pc->when == WHEN_STOP;
	if (k->kind == KIND_UMASK)
		return pc->privs.set_umask;
	if (strcmp(k->name, "no-new-privileges") == 0)
		return pc->set_no_new_privs;
	conf_program_defaults(&def);
	if (k->flags & IN_PRIVS)
		d = (const char *)&def.privs;
	if (k->kind == KIND_STR || k->kind == KIND_LIST)
		size = sizeof(char *);
	else if (k->kind == KIND_BOOL)
		size = sizeof(bool);
	else if (k->kind == KIND_DURATION)
		size = sizeof(int64_t);
	return memcmp((const char *)base + k->off, d + k->off, size) != 0;
}

/* "key = value" for the keys of section in, one a line; for a program, those it sets. */
static void print_keys(FILE *out, unsigned int in, const void *base, const struct program_conf *pc,
		       const char *indent)
{
	const struct conf_key *k;

	for (k = conf_keys; k->name != NULL; k++) {
		if (!conf_key_in(k, in) || (k->flags & PRINT_OWN) ||
		    (pc != NULL && !program_sets(k, pc, base)))
			continue;
		if (strcmp(k->name, "runtime-dir") == 0)
			fputs("# runtime-dir: \"\" is $PID1_RUNTIME_DIR, else /run/pid1 or "
			      "/tmp/pid1-UID\n",
			      out);
		fprintf(out, "%s%s = ", indent, k->name);
		print_value(out, k, base);
		fputc('\n', out);
	}
}

static void print_signals(const struct pid1_conf *conf, FILE *out)
{
	struct pid1_conf def;
	size_t j;
	int i;

	/* Printed: every rule that is not a plain forward, and every default that is not. */
	conf_defaults(&def);
	for (i = 1; i <= CONF_SIGNAL_MAX; i++) {
		const struct signal_rule *r = &conf->signals[i];

		if (r->action == ACTION_FORWARD && def.signals[i].action == ACTION_FORWARD &&
		    r->programs == NULL)
			continue;
		put_signal(out, "signal ", i, " { action = ");
		fputs(confvalue_name("action", r->action), out);
		if (r->action == ACTION_REWRITE)
			put_signal(out, " to = ", r->to, "");
		for (j = 0; r->programs != NULL && r->programs[j] != NULL; j++) {
			fputs(j == 0 ? " programs = { " : ", ", out);
			print_name(out, r->programs[j]);
		}
		fputs(r->programs != NULL ? " } }\n" : " }\n", out);
	}
}

/* Whether some program starts after main, the command. */
static bool after_main(const struct pid1_conf *conf)
{
	char **a;
	size_t i;

	for (i = 0; i < conf->nprograms; i++)
		for (a = conf->programs[i].after; a != NULL && *a != NULL; a++)
			if (strcmp(*a, "main") == 0)
				return true;
	return false;
}

/* Writes name into an order comment, after its level's label when it comes first there. */
static bool order_name(FILE *out, const char *name, bool first, bool *any, int l)
{
	if (first)
		fprintf(out, "%s %d:", *any ? ";" : "", l);
	*any = true;
	fprintf(out, "%s %s", first ? "" : ",", name);
	return false;
}

/*
 * The levels of the programs that run when, as a comment; returns the sum over the levels of
 * their longest timeout: how long the stop hooks may take at most, before the ladder.
 */
static int64_t print_order(const struct pid1_conf *conf, const int *levels, int top,
			   enum program_when when, FILE *out)
{
	int64_t total = 0, longest;
	bool first, any = false;
	size_t i;
	int l;

	for (l = 0; l <= top; l++) {
		first = true;
		longest = 0;
		if (l == 0 && when == WHEN_START && conf->command != NULL)
			first = order_name(out, "main", first, &any, l);
		else if (l == 0 && when == WHEN_START && after_main(conf))
			first = order_name(out, "main (no command given: needed)", first, &any, l);
		for (i = 0; i < conf->nprograms; i++) {
			if (levels[i] != l || conf->programs[i].when != when)
				continue;
			first = order_name(out, conf->programs[i].name, first, &any, l);
			if (conf->programs[i].timeout_ms > longest)
				longest = conf->programs[i].timeout_ms;
		}
		total += longest;
	}
	fputc('\n', out);
	return total;
}

/* The programs, and as comments the levels they start in (a level starts together). */
static void print_programs(const struct pid1_conf *conf, conf_stoptime *stoptime, FILE *out)
{
	int levels[CONF_MAX_PROGRAMS], top = 0;
	size_t i, hooks = 0;
	int64_t total = 0;

	if (conf->nprograms == 0) {
		if (stoptime != NULL)
			stoptime(conf, NULL, 0, out);
		return;
	}
	for (i = 0; i < conf->nprograms; i++) {
		fputs("program ", out);
		print_name(out, conf->programs[i].name);
		fputs(" {\n", out);
		print_keys(out, IN_PROGRAM, &conf->programs[i], &conf->programs[i], "\t");
		print_keys(out, IN_PROGRAM | IN_PRIVS, &conf->programs[i].privs, &conf->programs[i],
			   "\t");
		if (conf->programs[i].health.check != NULL) {
			fputs("\thealth {\n", out);
			print_keys(out, IN_HEALTH, &conf->programs[i].health, NULL, "\t\t");
			fputs("\t}\n", out);
		}
		fputs("}\n", out);
		hooks += conf->programs[i].when == WHEN_STOP;
	}
	top = order_levels(conf->programs, conf->nprograms, levels);
	fputs("# start order (each level starts together, once the one before is up):", out);
	print_order(conf, levels, top, WHEN_START, out);
	if (hooks > 0) {
		fputs("# stop hooks at shutdown, before the ladder (each after those it names):",
		      out);
		total = print_order(conf, levels, top, WHEN_STOP, out);
		put_duration(out, "# the stop hooks add at most ", total, " to the shutdown\n");
	}
	if (stoptime != NULL)
		stoptime(conf, levels, total, out);
	fputc('\n', out);
}

void conf_print(const struct pid1_conf *conf, conf_stoptime *stoptime, FILE *out)
{
	struct pid1_conf def;
	size_t i;

	conf_defaults(&def);
	fputs("# pid1 configuration in effect: file, command line and built-in defaults\n", out);
	if (conf->command != NULL) {
		fputs("command = ", out);
		print_list(out, conf->command);
		fputc('\n', out);
	} else if (conf->nprograms > 0) {
		fputs("# command: none, the programs below run\n", out);
	} else {
		fputs("# command: none, pid1 needs one on its command line\n", out);
	}
	print_keys(out, IN_TOP, conf, NULL, "");
	fputc('\n', out);
	print_keys(out, IN_TOP | IN_PRIVS, &conf->privs, NULL, "");
	fputc('\n', out);
	print_signals(conf, out);
	fputc('\n', out);
	fputs("shutdown {\n", out);
	print_keys(out, IN_SHUTDOWN, &conf->shutdown, NULL, "\t");
	for (i = 0; i < conf->shutdown.nsteps; i++) {
		put_signal(out, "\tstep ", conf->shutdown.steps[i].signo, "");
		put_duration(out, " { grace = ", conf->shutdown.steps[i].grace_ms, " }\n");
	}
	fputs("}\n\nrestart {\n", out);
	print_keys(out, IN_RESTART, &conf->restart, NULL, "\t");
	fputs("}\n\n", out);
	for (i = 0; i < 256; i++)
		if (conf->exit_code_map[i] >= 0)
			fprintf(out, "exit-code %zu { as = %d }\n", i, conf->exit_code_map[i]);
	if (memcmp(conf->exit_code_map, def.exit_code_map, sizeof(def.exit_code_map)) != 0)
		fputc('\n', out);
	print_programs(conf, stoptime, out);
	fputs("log {\n", out);
	print_keys(out, IN_LOG, &conf->log, NULL, "\t");
	fputs("}\n", out);
}
