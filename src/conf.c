// SPDX-License-Identifier: MIT
/*
 * The config file: libconfuse schema, validation with path:line messages, built-in defaults,
 * and the -n printer. Everything is copied into struct pid1_conf and libconfuse is freed
 * before conf_load returns; no other file includes <confuse.h>.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <confuse.h>
#include <vis.h>

#include "conf.h"
#include "duration.h"
#include "log.h"
#include "signame.h"

/* Grace of a `step` section that does not give one. */
#define DEFAULT_GRACE_MS 4000
/* Largest config file read: anything bigger is a mistake, not a config. */
#define CONF_MAX_BYTES (1024 * 1024)
#define CONF_MAX_TEXT  "1 MiB"
/* Longest message text kept; a 10 MB token must not become a 10 MB line. */
#define MSG_MAX 200

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
	{"shutdown", ACTION_SHUTDOWN}, {NULL, 0},
};
static const struct word child_exit_words[] = {
	{"ladder", ON_CHILD_EXIT_LADDER}, {"exit", ON_CHILD_EXIT_EXIT}, {NULL, 0},
};
static const struct word repeat_words[] = {
	{"next", ON_REPEAT_NEXT}, {"kill", ON_REPEAT_KILL}, {NULL, 0},
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

/* Which word table an option takes its value from. */
static const struct {
	const char *option;
	const struct word *words;
} choices[] = {
	{"forward-to", scope_words},		{"scope", scope_words},
	{"action", action_words},		{"on-child-exit", child_exit_words},
	{"on-repeat", repeat_words},		{"targets", target_words},
	{"facility", facility_words},
};
// clang-format on

/*
 * The file being parsed, for the error function: libconfuse often leaves cfg->filename NULL
 * inside sections and has no user pointer. Its lexer is global state too, so conf_load is
 * not reentrant whatever we do here.
 */
static struct {
	const char *path;
	int nerrors;
} parse;

/* Returns a printable copy of s (control bytes and non-ASCII as \ooo), or NULL. */
static char *escape(const char *s)
{
	char *out;

	if (stravis(&out, s, VIS_OCTAL | VIS_CSTYLE | VIS_TAB | VIS_NL) < 0)
		return NULL;
	return out;
}

/* Prints "pid1: PATH:LINE: MSG" (no ":LINE" when line is 0), bytes from the file escaped. */
static void complain(const char *path, int line, const char *msg)
{
	char *p = escape(path), *m = escape(msg);

	if (line > 0)
		fprintf(stderr, "pid1: %s:%d: %s\n", p ? p : "?", line, m ? m : "?");
	else
		fprintf(stderr, "pid1: %s: %s\n", p ? p : "?", m ? m : "?");
	free(p);
	free(m);
}

/* " in section 'step SIGTERM'", or "" at the top level. */
static void section_name(cfg_t *cfg, char *buf, size_t len)
{
	if (strcmp(cfg_name(cfg), "root") == 0)
		buf[0] = '\0';
	else if (cfg_title(cfg) != NULL)
		snprintf(buf, len, " in section '%s %s'", cfg_name(cfg), cfg_title(cfg));
	else
		snprintf(buf, len, " in section '%s'", cfg_name(cfg));
}

/* libconfuse's error function: only the first error is shown, one line, escaped. */
static void print_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[MSG_MAX], where[MSG_MAX];
	int n;

	if (parse.nerrors++ > 0)
		return;
	section_name(cfg, where, sizeof(where));
	/* Its wording for an unknown key does not say where; ours names the section. */
	if (strcmp(fmt, "no such option '%s'") == 0)
		n = snprintf(msg, sizeof(msg), "unknown option '%s'%s", va_arg(ap, const char *),
			     where);
	else
		n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= (int)sizeof(msg))
		strcpy(msg + sizeof(msg) - 4, "...");
	complain(parse.path, cfg->line, msg);
}

static const struct word *find_word(const struct word *words, const char *name)
{
	for (; words->name != NULL; words++)
		if (strcmp(words->name, name) == 0)
			return words;
	return NULL;
}

static const char *word_name(const struct word *words, int value)
{
	for (; words->name != NULL; words++)
		if (words->value == value)
			return words->name;
	return "?";
}

/* CFG_INT_CB parser for every option that takes one word out of a table. */
static int parse_word(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const struct word *words = NULL, *w;
	char list[MSG_MAX] = "";
	size_t i;

	for (i = 0; i < sizeof(choices) / sizeof(choices[0]); i++)
		if (strcmp(choices[i].option, cfg_opt_name(opt)) == 0)
			words = choices[i].words;
	if (words == NULL)
		return -1;
	w = find_word(words, value);
	if (w != NULL) {
		*(long *)result = w->value;
		return 0;
	}
	for (w = words; w->name != NULL; w++) {
		strlcat(list, w == words ? "" : ", ", sizeof(list));
		strlcat(list, w->name, sizeof(list));
	}
	cfg_error(cfg, "invalid value '%s' for option '%s' (one of: %s)", value, cfg_opt_name(opt),
		  list);
	return -1;
}

static int parse_signal(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	int signo = signame_parse(value);

	if (signo < 0 || signo > CONF_SIGNAL_MAX) {
		cfg_error(cfg, "unknown signal '%s' for option '%s'", value, cfg_opt_name(opt));
		return -1;
	}
	*(long *)result = signo;
	return 0;
}

/* A signal, or "none" (0). */
static int parse_signal_or_none(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	if (strcmp(value, "none") == 0) {
		*(long *)result = 0;
		return 0;
	}
	return parse_signal(cfg, opt, value, result);
}

static int parse_duration(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	int64_t ms;

	if (duration_parse(value, &ms) == 0) {
		*(long *)result = (long)ms;
		return 0;
	}
	if (value[0] == '-')
		cfg_error(cfg, "negative duration '%s' for option '%s'", value, cfg_opt_name(opt));
	else
		cfg_error(cfg,
			  "bad duration '%s' for option '%s' (e.g. 500ms, 5s, 2m; at most 24h)",
			  value, cfg_opt_name(opt));
	return -1;
}

static int parse_level(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	int level = log_level_parse(value);

	if (level < 0) {
		cfg_error(cfg,
			  "invalid value '%s' for option '%s' (one of: err, warning, notice, "
			  "info, debug)",
			  value, cfg_opt_name(opt));
		return -1;
	}
	*(long *)result = level;
	return 0;
}

/* A whole decimal number 0..255 without sign or leading zeros; -1 otherwise. */
static int exit_code_value(const char *s)
{
	size_t len = strlen(s);
	int n = 0;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n <= 255 ? n : -1;
}

static int parse_exit_code(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	int code = exit_code_value(value);

	if (code < 0) {
		cfg_error(cfg, "exit code must be 0..255, not '%s' for option '%s'", value,
			  cfg_opt_name(opt));
		return -1;
	}
	*(long *)result = code;
	return 0;
}

/* Fails with a message when a string option does not fit its field in struct pid1_conf. */
static int check_length(cfg_t *cfg, cfg_opt_t *opt, size_t max)
{
	const char *s = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);

	if (s != NULL && strlen(s) >= max) {
		cfg_error(cfg, "value for option '%s' is too long (at most %zu bytes)",
			  cfg_opt_name(opt), max - 1);
		return -1;
	}
	return 0;
}

static int check_path(cfg_t *cfg, cfg_opt_t *opt)
{
	return check_length(cfg, opt, PATH_MAX);
}

static int check_ident(cfg_t *cfg, cfg_opt_t *opt)
{
	return check_length(cfg, opt, LOG_IDENT_MAX);
}

static int check_command(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *prog = cfg_opt_getnstr(opt, 0);

	if (prog != NULL && prog[0] == '\0') {
		cfg_error(cfg, "empty program name in option 'command'");
		return -1;
	}
	return 0;
}

/* Why a signal cannot have a rule, or NULL when it can. */
static const char *unmappable(int signo)
{
	switch (signo) {
	case SIGKILL:
	case SIGSTOP:
		return "cannot be caught, so it cannot be mapped";
	case SIGCHLD:
		return "is how pid1 learns that processes exit, so it cannot be mapped";
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGTRAP:
	case SIGSYS:
		return "reports a fault in pid1 itself and is not caught, so it cannot be mapped";
	default:
		return NULL;
	}
}

/*
 * Checks the title of the section just closed (the last of opt) and that no earlier one
 * names the same thing another way ("USR1" after "SIGUSR1"). value() turns a title into a
 * number or -1. Returns the number, or -1 after an error.
 */
static int check_title(cfg_t *cfg, cfg_opt_t *opt, int (*value)(const char *), const char *what)
{
	unsigned int i, n = cfg_opt_size(opt);
	const char *title = cfg_title(cfg_opt_getnsec(opt, n - 1));
	int v = value(title);

	if (v < 0) {
		cfg_error(cfg, "unknown %s '%s' in section '%s'", what, title, cfg_opt_name(opt));
		return -1;
	}
	for (i = 0; i + 1 < n; i++) {
		const char *other = cfg_title(cfg_opt_getnsec(opt, i));

		if (value(other) == v) {
			cfg_error(cfg, "section '%s %s' repeats '%s %s'", cfg_opt_name(opt), title,
				  cfg_opt_name(opt), other);
			return -1;
		}
	}
	return v;
}

static int signal_value(const char *title)
{
	int signo = signame_parse(title);

	return signo <= CONF_SIGNAL_MAX ? signo : -1;
}

/* Validates `signal NAME { ... }` once its closing brace is read. */
static int check_signal(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	int signo = check_title(cfg, opt, signal_value, "signal");
	char name[SIGNAME_MAX];
	bool rewrite;

	if (signo < 0)
		return -1;
	if (unmappable(signo) != NULL) {
		cfg_error(cfg, "%s %s", signame_name(signo, name, sizeof(name)), unmappable(signo));
		return -1;
	}
	rewrite = cfg_size(sec, "action") > 0 && cfg_getint(sec, "action") == ACTION_REWRITE;
	if (rewrite && cfg_size(sec, "to") == 0) {
		cfg_error(cfg, "action 'rewrite' needs 'to' in section 'signal %s'",
			  cfg_title(sec));
		return -1;
	}
	if (!rewrite && cfg_size(sec, "to") > 0) {
		cfg_error(cfg, "'to' needs 'action = rewrite' in section 'signal %s'",
			  cfg_title(sec));
		return -1;
	}
	return 0;
}

/* Validates `step NAME { grace = ... }` inside `shutdown`. */
static int check_step(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfg_opt_size(opt) > CONF_MAX_STEPS) {
		cfg_error(cfg, "too many 'step' sections (at most %d)", CONF_MAX_STEPS);
		return -1;
	}
	return check_title(cfg, opt, signal_value, "signal") < 0 ? -1 : 0;
}

/* Validates `exit-code N { as = M }`. */
static int check_exit_code(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);

	if (check_title(cfg, opt, exit_code_value, "exit code") < 0)
		return -1;
	if (cfg_size(sec, "as") == 0) {
		cfg_error(cfg, "missing 'as' in section 'exit-code %s'", cfg_title(sec));
		return -1;
	}
	return 0;
}

/* Validates the `log` section: a file target needs a file, and some target is needed. */
static int check_log(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, 0);
	cfg_opt_t *targets = cfg_getopt(sec, "targets");
	unsigned int i;

	if (cfg_opt_size(targets) == 0 && (targets->flags & CFGF_MODIFIED)) {
		cfg_error(cfg, "option 'targets' is empty in section 'log'");
		return -1;
	}
	for (i = 0; i < cfg_opt_size(targets); i++) {
		if (cfg_opt_getnint(targets, i) != LOG_TARGET_FILE)
			continue;
		if (cfg_size(sec, "file") == 0 || cfg_getstr(sec, "file")[0] == '\0') {
			cfg_error(cfg, "log target 'file' needs 'file = PATH' in section 'log'");
			return -1;
		}
	}
	return 0;
}

/* Copies a string option when the file set it; lengths were checked while parsing. */
static void copy_str(cfg_t *cfg, const char *name, char *dst, size_t len)
{
	if (cfg_size(cfg, name) > 0)
		strlcpy(dst, cfg_getstr(cfg, name), len);
}

/* Stores an integer option in *dst when the file set it; else *dst keeps its default. */
#define COPY_INT(cfg, name, dst)                                                                   \
	do {                                                                                       \
		if (cfg_size((cfg), (name)) > 0)                                                   \
			(dst) = cfg_getint((cfg), (name));                                         \
	} while (0)

static void copy_shutdown(cfg_t *sec, struct shutdown_conf *sd)
{
	unsigned int i, n = cfg_size(sec, "step");

	COPY_INT(sec, "delay", sd->delay_ms);
	COPY_INT(sec, "scope", sd->scope);
	COPY_INT(sec, "on-child-exit", sd->on_child_exit);
	COPY_INT(sec, "on-repeat", sd->on_repeat);
	/* Any step replaces the whole built-in ladder, in file order. */
	if (n > 0)
		sd->nsteps = n;
	for (i = 0; i < n; i++) {
		cfg_t *step = cfg_getnsec(sec, "step", i);

		sd->steps[i].signo = signame_parse(cfg_title(step));
		sd->steps[i].grace_ms = DEFAULT_GRACE_MS;
		COPY_INT(step, "grace", sd->steps[i].grace_ms);
	}
}

static void copy_log(cfg_t *sec, struct log_conf *log)
{
	unsigned int i, n = cfg_size(sec, "targets");

	COPY_INT(sec, "level", log->level);
	if (n > 0)
		log->targets = 0;
	for (i = 0; i < n; i++)
		log->targets |= cfg_getnint(sec, "targets", i);
	copy_str(sec, "file", log->file, sizeof(log->file));
	copy_str(sec, "ident", log->ident, sizeof(log->ident));
	COPY_INT(sec, "facility", log->facility);
}

/* Copies the parsed file over the defaults in conf. Returns 0, or -1 when out of memory. */
static int copy_conf(cfg_t *cfg, struct pid1_conf *conf)
{
	unsigned int i, n;

	n = cfg_size(cfg, "command");
	if (n > 0) {
		conf->command = calloc(n + 1, sizeof(char *));
		if (conf->command == NULL)
			return -1;
		for (i = 0; i < n; i++)
			if ((conf->command[i] = strdup(cfg_getnstr(cfg, "command", i))) == NULL)
				return -1;
	}
	COPY_INT(cfg, "forward-to", conf->forward_to);
	if (cfg_size(cfg, "subreaper") > 0)
		conf->subreaper = cfg_getbool(cfg, "subreaper");
	COPY_INT(cfg, "parent-death-signal", conf->parent_death_signal);
	copy_str(cfg, "pidfile", conf->pidfile, sizeof(conf->pidfile));
	for (i = 0; i < cfg_size(cfg, "signal"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "signal", i);
		struct signal_rule *rule = &conf->signals[signame_parse(cfg_title(sec))];

		rule->action = ACTION_FORWARD;
		rule->to = 0;
		COPY_INT(sec, "action", rule->action);
		COPY_INT(sec, "to", rule->to);
	}
	copy_shutdown(cfg_getsec(cfg, "shutdown"), &conf->shutdown);
	for (i = 0; i < cfg_size(cfg, "exit-code"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "exit-code", i);

		conf->exit_code_map[exit_code_value(cfg_title(sec))] = cfg_getint(sec, "as");
	}
	copy_log(cfg_getsec(cfg, "log"), &conf->log);
	return 0;
}

/*
 * Reads path after checking what it is: a regular file, and as root one that only root can
 * change (as sshd's StrictModes). The parser then reads these very bytes. Returns a buffer
 * to free and its length in *len, or NULL after printing why.
 */
static char *read_conf(const char *path, size_t *len)
{
	char *buf = NULL, *esc;
	struct stat st;
	ssize_t n;
	int fd;

	/* O_NONBLOCK: opening a FIFO must not hang; it is refused just below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		esc = escape(path);
		fprintf(stderr, "pid1: cannot open %s: %s\n", esc ? esc : "?", strerror(errno));
		free(esc);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		complain(path, 0, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		complain(path, 0, "not a regular file");
		goto fail;
	}
	if (geteuid() == 0 && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)) {
		complain(path, 0, "must be owned by root and not writable by group or others");
		goto fail;
	}
	/* One byte more than allowed, to tell a full-sized file from a larger one. */
	buf = malloc(CONF_MAX_BYTES + 1);
	if (buf == NULL) {
		complain(path, 0, strerror(errno));
		goto fail;
	}
	*len = 0;
	while (*len <= CONF_MAX_BYTES) {
		n = read(fd, buf + *len, CONF_MAX_BYTES + 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			complain(path, 0, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	if (*len > CONF_MAX_BYTES) {
		complain(path, 0, "larger than " CONF_MAX_TEXT ", not a config file");
		goto fail;
	}
	close(fd);
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* The line number of p in buf. */
static int line_of(const char *buf, const char *p)
{
	int line = 1;

	for (; buf < p; buf++)
		line += *buf == '\n';
	return line;
}

/* Bytes that end an unquoted word in libconfuse's lexer. */
static bool ends_word(char c)
{
	return c == '\0' || strchr(" #\"'\t\n\r={}()+,*", c) != NULL;
}

/* Index just past the string opening at buf[i] ('"' or '\''), as libconfuse scans it. */
static size_t string_end(const char *buf, size_t len, size_t i)
{
	const char *brace;
	char quote = buf[i];

	for (i++; i < len; i++) {
		if (buf[i] == '\\') {
			i++;
		} else if (buf[i] == quote) {
			return i + 1;
		} else if (quote == '"' && buf[i] == '$' && i + 1 < len && buf[i + 1] == '{') {
			/* "${NAME}" is one token to libconfuse even when NAME holds a quote. */
			brace = memchr(buf + i, '}', len - i);
			if (brace != NULL)
				i = (size_t)(brace - buf);
		}
	}
	return len;
}

/*
 * Removes comments in place, keeping their newlines: libconfuse 3.3 counts three lines for
 * each '#' comment, so every line number after one would be wrong. Strings are kept as they
 * are; '//' and '/' '*' begin a comment only where a word could begin, as in libconfuse.
 * Returns the new length, or -1 with *line set when a '/' '*' comment is not closed.
 */
static ssize_t strip_comments(char *buf, size_t len, int *line)
{
	size_t r = 0, w = 0, end;
	bool in_word = false;
	const char *close;
	int lineno = 1;

	while (r < len) {
		bool slash = !in_word && buf[r] == '/' && r + 1 < len;

		end = r + 1;
		if (buf[r] == '"' || buf[r] == '\'') {
			end = string_end(buf, len, r);
		} else if (!in_word && buf[r] == '$' && r + 1 < len && buf[r + 1] == '{' &&
			   (close = memchr(buf + r, '}', len - r)) != NULL) {
			end = (size_t)(close - buf) + 1; /* ${NAME} */
		} else if (buf[r] == '#' || (slash && buf[r + 1] == '/')) {
			for (; r < len && buf[r] != '\n'; r++)
				;
			in_word = false;
			continue;
		} else if (slash && buf[r + 1] == '*') {
			close = memmem(buf + r + 2, len - r - 2, "*/", 2);
			if (close == NULL) {
				*line = lineno;
				return -1;
			}
			/* A space where the comment was, then its newlines. */
			buf[w++] = ' ';
			for (; buf + r < close; r++) {
				if (buf[r] == '\n') {
					buf[w++] = '\n';
					lineno++;
				}
			}
			r += 2;
			in_word = false;
			continue;
		}
		in_word = end == r + 1 && !ends_word(buf[r]);
		for (; r < end; r++) {
			lineno += buf[r] == '\n';
			buf[w++] = buf[r];
		}
	}
	return (ssize_t)w;
}

void conf_defaults(struct pid1_conf *conf)
{
	int i;

	memset(conf, 0, sizeof(*conf));
	conf->forward_to = SCOPE_CHILD;
	for (i = 0; i <= CONF_SIGNAL_MAX; i++)
		conf->signals[i].action = ACTION_FORWARD;
	conf->signals[SIGTERM].action = ACTION_SHUTDOWN;
	conf->signals[SIGINT].action = ACTION_SHUTDOWN;
	conf->shutdown.scope = SCOPE_ALL;
	conf->shutdown.steps[0] = (struct ladder_step){SIGINT, 4000};
	conf->shutdown.steps[1] = (struct ladder_step){SIGTERM, 4000};
	conf->shutdown.steps[2] = (struct ladder_step){SIGKILL, 1000};
	conf->shutdown.nsteps = 3;
	for (i = 0; i < 256; i++)
		conf->exit_code_map[i] = -1;
	conf->log.level = LOG_NOTICE;
	conf->log.targets = LOG_TARGET_STDERR;
	strcpy(conf->log.ident, "pid1");
	conf->log.facility = LOG_DAEMON;
}

int conf_load(const char *path, struct pid1_conf *conf)
{
	/*
	 * Every key is CFGF_NODEFAULT: conf_defaults() is the one place defaults live, and a
	 * key the file leaves out keeps its value there.
	 */
	const int NODEF = CFGF_NODEFAULT;
	const int TITLED = CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES;
	/* The option tables read best aligned. */
	// clang-format off
	cfg_opt_t signal_opts[] = {
		CFG_INT_CB("action",			0,	NODEF, parse_word),
		CFG_INT_CB("to",			0,	NODEF, parse_signal),
		CFG_END(),
	};
	cfg_opt_t step_opts[] = {
		CFG_INT_CB("grace",			0,	NODEF, parse_duration),
		CFG_END(),
	};
	cfg_opt_t shutdown_opts[] = {
		CFG_INT_CB("delay",			0,	NODEF, parse_duration),
		CFG_INT_CB("scope",			0,	NODEF, parse_word),
		CFG_INT_CB("on-child-exit",		0,	NODEF, parse_word),
		CFG_INT_CB("on-repeat",			0,	NODEF, parse_word),
		CFG_SEC("step",				step_opts, TITLED),
		CFG_END(),
	};
	cfg_opt_t exit_code_opts[] = {
		CFG_INT_CB("as",			0,	NODEF, parse_exit_code),
		CFG_END(),
	};
	cfg_opt_t log_opts[] = {
		CFG_INT_CB("level",			0,	NODEF, parse_level),
		CFG_INT_LIST_CB("targets",		NULL,	NODEF, parse_word),
		CFG_STR("file",				NULL,	NODEF),
		CFG_STR("ident",			NULL,	NODEF),
		CFG_INT_CB("facility",			0,	NODEF, parse_word),
		CFG_END(),
	};
	cfg_opt_t opts[] = {
		CFG_STR_LIST("command",			NULL,	NODEF),
		CFG_INT_CB("forward-to",		0,	NODEF, parse_word),
		CFG_BOOL("subreaper",			cfg_false, NODEF),
		CFG_INT_CB("parent-death-signal",	0,	NODEF, parse_signal_or_none),
		CFG_STR("pidfile",			NULL,	NODEF),
		CFG_SEC("signal",			signal_opts, TITLED),
		CFG_SEC("shutdown",			shutdown_opts, CFGF_NONE),
		CFG_SEC("exit-code",			exit_code_opts, TITLED),
		CFG_SEC("log",				log_opts, CFGF_NONE),
		CFG_END(),
	};
	// clang-format on
	cfg_t *cfg = NULL;
	FILE *fp = NULL;
	int rc = -1, line = 0;
	size_t len;
	ssize_t n;
	char *buf, *nul;

	conf_defaults(conf);
	if (path == NULL)
		return 0;
	if (strlen(path) >= sizeof(conf->path)) {
		complain(path, 0, strerror(ENAMETOOLONG));
		return -1;
	}
	buf = read_conf(path, &len);
	if (buf == NULL)
		return -1;
	nul = memchr(buf, '\0', len);
	if (nul != NULL) {
		/* libconfuse would cut a string short there and carry on. */
		complain(path, line_of(buf, nul), "NUL byte: not a text file");
		goto out;
	}
	n = strip_comments(buf, len, &line);
	if (n < 0) {
		complain(path, line, "unterminated comment");
		goto out;
	}
	rc = 0;
	/* An empty file is valid: all defaults (and fmemopen may refuse a size of 0). */
	if (n == 0)
		goto out;
	fp = fmemopen(buf, (size_t)n, "r");
	cfg = fp == NULL ? NULL : cfg_init(opts, CFGF_NONE);
	if (cfg == NULL) {
		complain(path, 0, strerror(errno));
		rc = -1;
		goto out;
	}
	cfg_set_error_function(cfg, print_error);
	cfg_set_validate_func(cfg, "command", check_command);
	cfg_set_validate_func(cfg, "pidfile", check_path);
	cfg_set_validate_func(cfg, "signal", check_signal);
	cfg_set_validate_func(cfg, "shutdown|step", check_step);
	cfg_set_validate_func(cfg, "exit-code", check_exit_code);
	cfg_set_validate_func(cfg, "log", check_log);
	cfg_set_validate_func(cfg, "log|file", check_path);
	cfg_set_validate_func(cfg, "log|ident", check_ident);

	parse.path = path;
	parse.nerrors = 0;
	rc = cfg_parse_fp(cfg, fp) == CFG_SUCCESS ? 0 : -1;
	/* Some lexer failures (and ENOMEM) return an error without a message. */
	if (rc < 0 && parse.nerrors == 0)
		complain(path, cfg->line, "syntax error");
	if (rc == 0 && copy_conf(cfg, conf) < 0) {
		complain(path, 0, strerror(ENOMEM));
		rc = -1;
	}
	parse.path = NULL;
out:
	if (cfg != NULL)
		cfg_free(cfg);
	if (fp != NULL)
		fclose(fp);
	free(buf);
	if (rc < 0) {
		conf_free(conf);
		return -1;
	}
	strlcpy(conf->path, path, sizeof(conf->path));
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
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
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

static void print_signal(FILE *out, int signo)
{
	char name[SIGNAME_MAX];

	print_name(out, signame_name(signo, name, sizeof(name)));
}

static void print_duration(FILE *out, int64_t ms)
{
	char buf[32];

	fputs(duration_format(ms, buf, sizeof(buf)), out);
}

static void print_signals(const struct pid1_conf *conf, FILE *out)
{
	struct pid1_conf def;
	int i;

	/* Printed: every rule that is not a plain forward, and every default that is not. */
	conf_defaults(&def);
	for (i = 1; i <= CONF_SIGNAL_MAX; i++) {
		const struct signal_rule *r = &conf->signals[i];

		if (r->action == ACTION_FORWARD && def.signals[i].action == ACTION_FORWARD)
			continue;
		fputs("signal ", out);
		print_signal(out, i);
		fprintf(out, " { action = %s", word_name(action_words, r->action));
		if (r->action == ACTION_REWRITE) {
			fputs(" to = ", out);
			print_signal(out, r->to);
		}
		fputs(" }\n", out);
	}
}

static void print_shutdown(const struct shutdown_conf *sd, FILE *out)
{
	size_t i;

	fputs("shutdown {\n\tdelay = ", out);
	print_duration(out, sd->delay_ms);
	fprintf(out, "\n\tscope = %s\n", word_name(scope_words, sd->scope));
	fprintf(out, "\ton-child-exit = %s\n", word_name(child_exit_words, sd->on_child_exit));
	fprintf(out, "\ton-repeat = %s\n", word_name(repeat_words, sd->on_repeat));
	for (i = 0; i < sd->nsteps; i++) {
		fputs("\tstep ", out);
		print_signal(out, sd->steps[i].signo);
		fputs(" { grace = ", out);
		print_duration(out, sd->steps[i].grace_ms);
		fputs(" }\n", out);
	}
	fputs("}\n", out);
}

static void print_log(const struct log_conf *log, FILE *out)
{
	const struct word *w;
	const char *sep = "";

	fprintf(out, "log {\n\tlevel = %s\n\ttargets = {", log_level_name(log->level));
	for (w = target_words; w->name != NULL; w++) {
		if (log->targets & (unsigned int)w->value) {
			fprintf(out, "%s %s", sep, w->name);
			sep = ",";
		}
	}
	fputs(" }\n\tfile = ", out);
	print_string(out, log->file);
	fputs("\n\tident = ", out);
	print_string(out, log->ident);
	fprintf(out, "\n\tfacility = %s\n}\n", word_name(facility_words, log->facility));
}

static void print_exit_codes(const int *map, FILE *out)
{
	bool any = false;
	int i;

	for (i = 0; i < 256; i++) {
		if (map[i] >= 0) {
			fprintf(out, "exit-code %d { as = %d }\n", i, map[i]);
			any = true;
		}
	}
	if (any)
		fputc('\n', out);
}

void conf_print(const struct pid1_conf *conf, FILE *out)
{
	size_t i;

	fputs("# pid1 configuration in effect: file, command line and built-in defaults\n", out);
	if (conf->command != NULL) {
		fputs("command = {", out);
		for (i = 0; conf->command[i] != NULL; i++) {
			fputs(i == 0 ? " " : ", ", out);
			print_string(out, conf->command[i]);
		}
		fputs(" }\n", out);
	} else {
		fputs("# command: none, pid1 needs one on its command line\n", out);
	}
	fprintf(out, "forward-to = %s\n", word_name(scope_words, conf->forward_to));
	fprintf(out, "subreaper = %s\n", conf->subreaper ? "true" : "false");
	fputs("parent-death-signal = ", out);
	if (conf->parent_death_signal == 0)
		fputs("none", out);
	else
		print_signal(out, conf->parent_death_signal);
	fputs("\npidfile = ", out);
	print_string(out, conf->pidfile);
	fputs("\n\n", out);
	print_signals(conf, out);
	fputc('\n', out);
	print_shutdown(&conf->shutdown, out);
	fputc('\n', out);
	print_exit_codes(conf->exit_code_map, out);
	print_log(&conf->log, out);
}

int conf_set_command(struct pid1_conf *conf, char *const *argv)
{
	char **copy;
	size_t n = 0, i;

	while (argv[n] != NULL)
		n++;
	copy = calloc(n + 1, sizeof(char *));
	if (copy == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		copy[i] = strdup(argv[i]);
		if (copy[i] == NULL) {
			while (i-- > 0)
				free(copy[i]);
			free(copy);
			return -1;
		}
	}
	conf_free(conf);
	conf->command = copy;
	return 0;
}

void conf_free(struct pid1_conf *conf)
{
	size_t i;

	for (i = 0; conf->command != NULL && conf->command[i] != NULL; i++)
		free(conf->command[i]);
	free(conf->command);
	conf->command = NULL;
}
