// SPDX-License-Identifier: MIT
/*
 * The vocabulary of the config file: which words, durations and readiness each key takes,
 * with the message for a value it does not take, and which parser each typed key has (the
 * numbers' are in conf/confnumber.c). Knows nothing of libconfuse: conf/conf.c hands every typed
 * value here by its key's name, and conf/confprint.c asks for words back.
 */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf/conf.h"
#include "conf/confnumber.h"
#include "conf/confvalue.h"
#include "conf/duration.h"
#include "output/log.h"
#include "supervisor/restart.h"
#include "core/signame.h"

/* Longest "one of: ..." list of words. */
#define LIST_MAX 200

/* A config word and the value it stands for; tables end with a NULL name. */
struct word {
	const char *name;
	int value;
};

// clang-format off
static const struct word scope_words[] = {
	{"child", SCOPE_CHILD}, {"group", SCOPE_GROUP}, {"all", SCOPE_ALL}, {NULL, 0},
};
static const struct word action_words[] = {
	{"forward", ACTION_FORWARD}, {"rewrite", ACTION_REWRITE}, {"ignore", ACTION_IGNORE},
	{"shutdown", ACTION_SHUTDOWN}, {"restart", ACTION_RESTART}, {NULL, 0},
};
static const struct word control_words[] = {
	{"auto", CONTROL_AUTO}, {"yes", CONTROL_YES}, {"no", CONTROL_NO}, {NULL, 0},
};
static const struct word child_exit_words[] = {
	{"ladder", ON_CHILD_EXIT_LADDER}, {"exit", ON_CHILD_EXIT_EXIT},
	{"wait", ON_CHILD_EXIT_WAIT}, {NULL, 0},
};
static const struct word repeat_words[] = {
	{"next", ON_REPEAT_NEXT}, {"kill", ON_REPEAT_KILL}, {NULL, 0},
};
static const struct word enter_words[] = {
	{"received", ENTER_RECEIVED}, {"first", ENTER_FIRST}, {NULL, 0},
};
static const struct word type_words[] = {
	{"longrun", PROGRAM_LONGRUN}, {"oneshot", PROGRAM_ONESHOT}, {NULL, 0},
};
static const struct word when_words[] = {
	{"start", WHEN_START}, {"stop", WHEN_STOP}, {NULL, 0},
};
static const struct word target_words[] = {
	{"stderr", LOG_TARGET_STDERR}, {"syslog", LOG_TARGET_SYSLOG}, {"file", LOG_TARGET_FILE},
	{NULL, 0},
};
static const struct word facility_words[] = {
	{"auth", LOG_AUTH},	{"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
	{"daemon", LOG_DAEMON},	{"ftp", LOG_FTP},	{"kern", LOG_KERN},
	{"lpr", LOG_LPR},	{"mail", LOG_MAIL},	{"news", LOG_NEWS},
	{"syslog", LOG_SYSLOG},	{"user", LOG_USER},	{"uucp", LOG_UUCP},
	{"local0", LOG_LOCAL0},	{"local1", LOG_LOCAL1},	{"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3},	{"local4", LOG_LOCAL4},	{"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6},	{"local7", LOG_LOCAL7},	{NULL, 0},
};
static const struct word terminal_words[] = {
	{"detach", TERMINAL_DETACH}, {"shared", TERMINAL_SHARED}, {NULL, 0},
};
static const struct word output_words[] = {
	{"raw", OUTPUT_RAW}, {"prefix", OUTPUT_PREFIX}, {NULL, 0},
};
// clang-format on

/* Parses value for the key named option into *out; returns 0, or -1 with a message in err. */
typedef int parse_fn(const char *option, const char *value, long *out, char *err, size_t len);

/* A typed key: how its value is parsed, and its words when it takes one of a table. */
struct key {
	const char *option;
	parse_fn *parse;
	const struct word *words;
};

static const struct key *find_key(const char *option);

static const struct word *find_word(const struct word *words, const char *name)
{
	for (; words->name != NULL; words++)
		if (strcmp(words->name, name) == 0)
			return words;
	return NULL;
}

static int one_of(const char *option, const char *value, const char *list, char *err, size_t len)
{
	snprintf(err, len, "invalid value '%s' for option '%s' (one of: %s)", value, option, list);
	return -1;
}

static int parse_word(const char *option, const char *value, long *out, char *err, size_t len)
{
	const struct word *words = find_key(option)->words, *w = find_word(words, value);
	char list[LIST_MAX] = "";

	if (w != NULL) {
		*out = w->value;
		return 0;
	}
	for (w = words; w->name != NULL; w++) {
		strlcat(list, w == words ? "" : ", ", sizeof(list));
		strlcat(list, w->name, sizeof(list));
	}
	return one_of(option, value, list, err, len);
}

static int parse_level(const char *option, const char *value, long *out, char *err, size_t len)
{
	int level = log_level_parse(value);

	if (level < 0)
		return one_of(option, value, "err, warning, notice, info, debug", err, len);
	*out = level;
	return 0;
}

static int parse_policy(const char *option, const char *value, long *out, char *err, size_t len)
{
	int policy = restart_policy_parse(value);
	char list[LIST_MAX] = "";
	int p;

	if (policy >= 0) {
		*out = policy;
		return 0;
	}
	for (p = RESTART_NO; p <= RESTART_ALWAYS; p++) {
		strlcat(list, p == RESTART_NO ? "" : ", ", sizeof(list));
		strlcat(list, restart_policy_name((enum restart_policy)p), sizeof(list));
	}
	return one_of(option, value, list, err, len);
}

static int parse_duration(const char *option, const char *value, long *out, char *err, size_t len)
{
	int64_t ms;

	if (duration_parse(value, &ms) == 0) {
		*out = (long)ms;
		return 0;
	}
	if (value[0] == '-')
		snprintf(err, len, "negative duration '%s' for option '%s'", value, option);
	else
		snprintf(err, len,
			 "bad duration '%s' for option '%s' (e.g. 500ms, 5s, 2m; at most 24h)",
			 value, option);
	return -1;
}

/* started, exited, notify, or fd:N with N a descriptor the program writes a newline to. */
static int parse_ready(const char *option, const char *value, long *out, char *err, size_t len)
{
	if (strcmp(value, "started") == 0)
		*out = READY_STARTED;
	else if (strcmp(value, "exited") == 0)
		*out = READY_EXITED;
	else if (strcmp(value, "notify") == 0)
		*out = READY_NOTIFY;
	else if (strncmp(value, "fd:", 3) == 0 &&
		 confnumber_decimal(value + 3, READY_FD_MAX) >= READY_FD_MIN)
		*out = confnumber_decimal(value + 3, READY_FD_MAX);
	else {
		snprintf(err, len,
			 "bad value '%s' for option '%s' (started, exited, notify or fd:N with N "
			 "%d..%d)",
			 value, option, READY_FD_MIN, READY_FD_MAX);
		return -1;
	}
	return 0;
}

// clang-format off
static const struct key keys[] = {
	{"forward-to",		parse_word,				scope_words},
	{"scope",		parse_word,				scope_words},
	{"action",		parse_word,				action_words},
	{"on-child-exit",	parse_word,				child_exit_words},
	{"on-repeat",		parse_word,				repeat_words},
	{"enter",		parse_word,				enter_words},
	{"targets",		parse_word,				target_words},
	{"facility",		parse_word,				facility_words},
	{"level",		parse_level,				NULL},
	{"policy",		parse_policy,				NULL},
	{"restart",		parse_policy,				NULL},
	{"type",			parse_word,				type_words},
	{"to",			confnumber_parse_signal,		NULL},
	{"parent-death-signal",	confnumber_parse_signal_or_none,	NULL},
	{"stop-signal",		confnumber_parse_stop_signal,		NULL},
	{"when",			parse_word,				when_words},
	{"timeout",		parse_duration,				NULL},
	{"ready",		parse_ready,				NULL},
	{"ready-timeout",	parse_duration,				NULL},
	{"watchdog",		parse_duration,				NULL},
	{"delay",		parse_duration,				NULL},
	{"grace",		parse_duration,				NULL},
	{"max-delay",		parse_duration,				NULL},
	{"window",		parse_duration,				NULL},
	{"as",			confnumber_parse_exit_code,		NULL},
	{"limit",		confnumber_parse_limit,			NULL},
	{"umask",		confnumber_parse_umask,			NULL},
	{"terminal",		parse_word,				terminal_words},
	{"control",		parse_word,				control_words},
	{"output",		parse_word,				output_words},
};
// clang-format on

static const struct key *find_key(const char *option)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].option, option) == 0)
			return &keys[i];
	return NULL;
}

int confvalue_parse(const char *option, const char *value, long *out, char *err, size_t len)
{
	const struct key *key = find_key(option);

	if (key == NULL) {
		snprintf(err, len, "no type for option '%s'", option);
		return -1;
	}
	return key->parse(option, value, out, err, len);
}

const char *confvalue_name(const char *option, int value)
{
	const struct key *key = find_key(option);
	const struct word *w;

	for (w = key != NULL ? key->words : NULL; w != NULL && w->name != NULL; w++)
		if (w->value == value)
			return w->name;
	return "?";
}

int confvalue_scope(const char *name)
{
	const struct word *w = find_word(scope_words, name);

	return w != NULL ? w->value : -1;
}
