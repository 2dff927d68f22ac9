// SPDX-License-Identifier: MIT
/*
 * The config file, from its bytes to struct pid1_conf. First the file as bytes: what it must
 * be before pid1 trusts it, its size, its comments stripped (libconfuse miscounts lines after
 * them, and a file of nothing else need not be parsed). Then libconfuse, which no other file
 * includes: the schema built from conf/confvalue.c's table, the checks it cannot express, run
 * as a key or section is read so that each error carries its line, and the copy over the
 * built-in defaults, where only memory can still fail. Checks across program sections
 * (unknown or cyclic `after`) need the whole file: order_check in conf/conf.c.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>
#include <confuse.h>

#include "conf/conf.h"
#include "core/duration.h"
#include "core/log.h"
#include "core/signame.h"
#include "sys/safefile.h"

/* Longest message text kept; a 10 MB token must not become a 10 MB line. */
#define CONF_MSG_MAX 200

/* Largest config file read: anything bigger is a mistake, not a config. */
#define CONF_MAX_BYTES (1024 * 1024)
#define CONF_MAX_TEXT  "1 MiB"

/* Returns a printable copy of s (control bytes and non-ASCII as \ooo), or NULL. */
static char *escape(const char *s)
{
	char *out;

	if (stravis(&out, s, VIS_OCTAL | VIS_CSTYLE | VIS_TAB | VIS_NL | VIS_NOLOCALE) < 0)
		return NULL;
	return out;
}

/* While a running pid1 reads its file again: where its first error is kept, for the reply. */
static char *first_error;
static size_t first_error_len;

static void keep_error(const char *line)
{
	if (first_error != NULL && first_error[0] == '\0')
		strlcpy(first_error, line, first_error_len);
}

void conf_error(const char *path, int line, const char *msg)
{
	char *p = escape(path), *m = escape(msg), buf[512];

	if (line > 0)
		snprintf(buf, sizeof(buf), "%s:%d: %s", p ? p : "?", line, m ? m : "?");
	else
		snprintf(buf, sizeof(buf), "%s: %s", p ? p : "?", m ? m : "?");
	log_fail("%s", buf);
	keep_error(buf);
	free(p);
	free(m);
}

/* Prints "cannot open PATH: reason" for errno. */
static void cannot_open(const char *path)
{
	char *esc = escape(path), buf[512];

	snprintf(buf, sizeof(buf), "cannot open %s: %s", esc ? esc : "?", strerror(errno));
	log_fail("%s", buf);
	keep_error(buf);
	free(esc);
}

/*
 * Opens path as a file of settings (sys/safefile.c): a regular file, as root one that only
 * root can change, in directories only root can change. Returns the fd, or -1 after saying
 * why.
 */
static int open_checked(const char *path)
{
	char why[PATH_MAX + 100];
	int fd = safefile_open(path, why, sizeof(why));

	if (fd == -1)
		cannot_open(path);
	else if (fd < 0)
		conf_error(path, 0, why);
	return fd < 0 ? -1 : fd;
}

/* Reads all of fd, at most CONF_MAX_BYTES. Returns a buffer to free, or NULL after saying why. */
static char *read_all(const char *path, int fd, size_t *len)
{
	char *buf = safefile_read(fd, CONF_MAX_BYTES, len);

	if (buf == NULL && errno == EFBIG)
		conf_error(path, 0, "larger than " CONF_MAX_TEXT ", not a config file");
	else if (buf == NULL)
		conf_error(path, 0, strerror(errno));
	return buf;
}

/* Bytes that end an unquoted word in libconfuse's lexer (NUL too: strchr finds the end). */
static bool ends_word(char c)
{
	return strchr(" #\"'\t\n\r={}()+,*", c) != NULL;
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
 * A NUL byte in a comment is kept, and what follows it dropped. *blank is cleared when a
 * setting remains. Returns the new length, or -1 with *line set on an unclosed '/' '*'.
 */
static ssize_t strip(char *buf, size_t len, int *line, bool *blank)
{
	size_t r = 0, w = 0, end;
	bool in_word = false;
	const char *close;
	int lineno = 1;

	while (r < len) {
		bool slash = !in_word && buf[r] == '/' && r + 1 < len;

		/* A commented file is mostly comments, and newlines and blanks: those first. */
		if (buf[r] == '#' || (slash && buf[r + 1] == '/')) {
			/* One pass for the newline and a NUL byte; buf ends in a NUL. */
			r = (size_t)(strchrnul(buf + r, '\n') - buf);
			if (r < len && buf[r] == '\0') {
				/* Kept for the caller to find, and the rest dropped. */
				buf[w++] = '\0';
				return (ssize_t)w;
			}
			in_word = false;
			continue;
		}
		if (buf[r] == '\n' || buf[r] == ' ' || buf[r] == '\t') {
			lineno += buf[r] == '\n';
			buf[w++] = buf[r++];
			in_word = false;
			continue;
		}
		end = r + 1;
		if (buf[r] == '"' || buf[r] == '\'') {
			end = string_end(buf, len, r);
		} else if (!in_word && buf[r] == '$' && r + 1 < len && buf[r + 1] == '{' &&
			   (close = memchr(buf + r, '}', len - r)) != NULL) {
			end = (size_t)(close - buf) + 1; /* ${NAME} */
		} else if (slash && buf[r + 1] == '*') {
			close = memmem(buf + r + 2, len - r - 2, "*/", 2);
			if (close == NULL) {
				*line = lineno;
				return -1;
			}
			/* A space where the comment was, then its newlines. */
			buf[w++] = ' ';
			for (; buf + r < close; r++) {
				if (buf[r] == '\0')
					buf[w++] = '\0';
				if (buf[r] == '\n') {
					buf[w++] = '\n';
					lineno++;
				}
			}
			r += 2;
			in_word = false;
			continue;
		}
		*blank = false;
		in_word = end == r + 1 && !ends_word(buf[r]);
		for (; r < end; r++) {
			lineno += buf[r] == '\n';
			buf[w++] = buf[r];
		}
	}
	return (ssize_t)w;
}

/* The line number of p in buf. */
static int line_of(const char *buf, const char *p)
{
	int line = 1;

	for (; buf < p; buf++)
		line += *buf == '\n';
	return line;
}

/*
 * Returns the text of the file at path without its comments, *len bytes (0 for a file with
 * nothing but comments, blanks and newlines) in a buffer to free, or NULL after printing why
 * on stderr.
 */
static char *read_text(const char *path, size_t *len)
{
	bool blank = true;
	char *buf, *nul;
	int fd, line = 0;
	ssize_t n;

	fd = open_checked(path);
	if (fd < 0)
		return NULL;
	buf = read_all(path, fd, len);
	close(fd);
	if (buf == NULL)
		return NULL;
	n = strip(buf, *len, &line, &blank);
	if (n < 0) {
		conf_error(path, line, "unterminated comment");
		goto fail;
	}
	/*
	 * libconfuse would cut a string short at a NUL byte and carry on. Stripping keeps every
	 * line, and a NUL in a comment stays in the text, so the text alone tells where.
	 */
	nul = memchr(buf, '\0', (size_t)n);
	if (nul != NULL) {
		conf_error(path, line_of(buf, nul), "NUL byte: not a text file");
		goto fail;
	}
	/* No setting at all: the caller need not parse. */
	*len = blank ? 0 : (size_t)n;
	return buf;
fail:
	free(buf);
	return NULL;
}

/* Grace of a `step` section that does not give one. */
#define DEFAULT_GRACE_MS 4000

/*
 * The file being parsed, for the error function: libconfuse often leaves cfg->filename NULL
 * inside sections and has no user pointer. Its lexer is global state too, so conf_load is
 * not reentrant whatever we do here.
 */
static struct {
	const char *path;
	int nerrors;
} loading;

/* libconfuse's error function: only the first error is shown, one line, escaped. */
__attribute__((format(printf, 2, 0))) static void print_error(cfg_t *cfg, const char *fmt,
							      va_list ap)
{
	char msg[CONF_MSG_MAX], where[CONF_MSG_MAX] = "";
	int n;

	if (loading.nerrors++ > 0)
		return;
	/* " in section 'step SIGTERM'", or "" at the top level. */
	if (strcmp(cfg_name(cfg), "root") != 0 && cfg_title(cfg) != NULL)
		snprintf(where, sizeof(where), " in section '%s %s'", cfg_name(cfg),
			 cfg_title(cfg));
	else if (strcmp(cfg_name(cfg), "root") != 0)
		snprintf(where, sizeof(where), " in section '%s'", cfg_name(cfg));
	/* Its wording for an unknown key does not say where; ours names the section. */
	if (strcmp(fmt, "no such option '%s'") == 0)
		n = snprintf(msg, sizeof(msg), "unknown option '%s'%s", va_arg(ap, const char *),
			     where);
	else
		n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= (int)sizeof(msg))
		strlcpy(msg + sizeof(msg) - 4, "...", 4);
	conf_error(loading.path, cfg->line, msg);
}

/* Reports an error of the section or key being read. Returns -1. */
__attribute__((format(printf, 2, 3))) static int fail(cfg_t *cfg, const char *fmt, ...)
{
	/* Longer than CONF_MSG_MAX, so that print_error still sees and marks a cut message. */
	char msg[2 * CONF_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_error(cfg, "%s", msg);
	return -1;
}

/* CFG_INT_CB parser of every typed key: conf/confvalue.c knows each one by its name. */
static int parse_value(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char err[2 * CONF_MSG_MAX]; /* as in fail() */

	if (confvalue_parse(cfg_opt_name(opt), value, (long *)result, err, sizeof(err)) < 0)
		return fail(cfg, "%s", err);
	return 0;
}

/*
 * Copies a non-empty string list into a new NULL-terminated array in *dst. Returns 0, or
 * -1 when out of memory, leaving what was copied in *dst for conf_free.
 */
static int copy_list(cfg_t *cfg, const char *name, char ***dst)
{
	unsigned int i, n = cfg_size(cfg, name);

	*dst = calloc(n + 1, sizeof(char *));
	if (*dst == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (((*dst)[i] = strdup(cfg_getnstr(cfg, name, i))) == NULL)
			return -1;
	return 0;
}

/*
 * Copies the keys of section in that sec sets into the struct at base; the others keep
 * their defaults there. Returns 0, or -1 when out of memory.
 */
static int copy_keys(cfg_t *sec, unsigned int in, void *base)
{
	const struct conf_key *k;
	unsigned int i, n;
	long mode;

	for (k = conf_keys; k->name != NULL; k++) {
		char *field = (char *)base + k->off;

		if (!conf_key_in(k, in) || (n = cfg_size(sec, k->name)) == 0)
			continue;
		switch (k->kind) {
		case KIND_STR:
			if (conf_set_string((char **)field, cfg_getstr(sec, k->name)) < 0)
				return -1;
			break;
		case KIND_CHARS:
			strlcpy(field, cfg_getstr(sec, k->name), k->size);
			break;
		case KIND_LIST:
			if (copy_list(sec, k->name, (char ***)field) < 0)
				return -1;
			break;
		case KIND_BOOL:
			*(bool *)field = cfg_getbool(sec, k->name);
			break;
		case KIND_DURATION:
			*(int64_t *)field = cfg_getint(sec, k->name);
			break;
		case KIND_TARGETS:
			*(unsigned int *)field = 0;
			for (i = 0; i < n; i++)
				*(unsigned int *)field |= cfg_getnint(sec, k->name, i);
			break;
		case KIND_READY:
			/* Checked when read (check_string): it parses. */
			if (confvalue_parse(k->name, cfg_getstr(sec, k->name), &mode, NULL, 0) == 0)
				*(int *)field = (int)mode;
			break;
		case KIND_UMASK:
			/* -1 is "", which keeps pid1's umask. */
			mode = cfg_getint(sec, k->name);
			((struct privs_conf *)base)->set_umask = mode >= 0;
			((struct privs_conf *)base)->umask = mode >= 0 ? (mode_t)mode : 0;
			break;
		default:
			*(int *)field = (int)cfg_getint(sec, k->name);
		}
	}
	return 0;
}

/* One `program` section; its privilege keys stay unset where the file leaves them out. */
static int copy_program(cfg_t *sec, struct program_conf *pc)
{
	cfg_t *health;

	conf_program_defaults(pc);
	pc->line = sec->line;
	pc->set_no_new_privs = cfg_size(sec, "no-new-privileges") > 0;
	if (conf_set_string(&pc->name, cfg_title(sec)) < 0 || copy_keys(sec, IN_PROGRAM, pc) < 0)
		return -1;
	if ((pc->ready == READY_PROBE || pc->ready == READY_LOG) &&
	    conf_set_string(&pc->ready_check, cfg_getstr(sec, "ready")) < 0)
		return -1;
	health = cfg_size(sec, "health") > 0 ? cfg_getsec(sec, "health") : NULL;
	if (health != NULL && copy_keys(health, IN_HEALTH, &pc->health) < 0)
		return -1;
	return copy_keys(sec, IN_PROGRAM | IN_PRIVS, &pc->privs);
}

/* Copies the parsed file over the defaults in conf. Returns 0, or -1 when out of memory. */
static int copy_tree(cfg_t *cfg, struct pid1_conf *conf)
{
	cfg_t *sec = cfg_getsec(cfg, "shutdown");
	struct shutdown_conf *sd = &conf->shutdown;
	unsigned int i, n = cfg_size(sec, "step");

	conf->command_owned = true;
	if (copy_keys(cfg, IN_TOP, conf) < 0 || copy_keys(cfg, IN_TOP | IN_PRIVS, &conf->privs) < 0)
		return -1;
	for (i = 0; i < cfg_size(cfg, "signal"); i++) {
		cfg_t *sig = cfg_getnsec(cfg, "signal", i);
		struct signal_rule *rule = &conf->signals[signame_parse(cfg_title(sig))];

		rule->action = ACTION_FORWARD;
		rule->to = 0;
		rule->line = sig->line;
		if (copy_keys(sig, IN_SIGNAL, rule) < 0)
			return -1;
	}
	copy_keys(sec, IN_SHUTDOWN, sd);
	/* Any step replaces the whole built-in ladder, in file order. */
	if (n > 0)
		sd->nsteps = n;
	for (i = 0; i < n; i++) {
		cfg_t *step = cfg_getnsec(sec, "step", i);

		sd->steps[i].signo = signame_parse(cfg_title(step));
		sd->steps[i].grace_ms = DEFAULT_GRACE_MS;
		copy_keys(step, IN_STEP, &sd->steps[i]);
	}
	copy_keys(cfg_getsec(cfg, "restart"), IN_RESTART, &conf->restart);
	for (i = 0; i < cfg_size(cfg, "exit-code"); i++) {
		sec = cfg_getnsec(cfg, "exit-code", i);
		/* "as" was checked to be 0..255 when parsed. */
		copy_keys(sec, IN_EXIT_CODE,
			  &conf->exit_code_map[confvalue_exit_code(cfg_title(sec))]);
	}
	if (copy_keys(cfg_getsec(cfg, "log"), IN_LOG, &conf->log) < 0)
		return -1;
	n = cfg_size(cfg, "program");
	if (n == 0)
		return 0;
	conf->programs = calloc(n, sizeof(*conf->programs));
	if (conf->programs == NULL)
		return -1;
	conf->nprograms = n;
	for (i = 0; i < n; i++)
		if (copy_program(cfg_getnsec(cfg, "program", i), &conf->programs[i]) < 0)
			return -1;
	return 0;
}

/* Validate function of string keys: conf/confvalue.c knows each one's rule by its name. */
static int check_string(cfg_t *cfg, cfg_opt_t *opt)
{
	char err[2 * CONF_MSG_MAX];
	unsigned int i;

	for (i = 0; i < cfg_opt_size(opt); i++) {
		if (confvalue_check_string(cfg_opt_name(opt), cfg_opt_getnstr(opt, i), err,
					   sizeof(err)) < 0)
			return fail(cfg, "%s", err);
	}
	return 0;
}

static int check_command(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *prog = cfg_opt_getnstr(opt, 0);

	if (prog != NULL && prog[0] == '\0')
		return fail(cfg, "empty program name in option 'command'");
	return 0;
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

	if (v < 0)
		return fail(cfg, "unknown %s '%s' in section '%s'", what, title, cfg_opt_name(opt));
	for (i = 0; i + 1 < n; i++) {
		const char *other = cfg_title(cfg_opt_getnsec(opt, i));

		if (value(other) == v)
			return fail(cfg, "section '%s %s' repeats '%s %s'", cfg_opt_name(opt),
				    title, cfg_opt_name(opt), other);
	}
	return v;
}

/* Whether sec sets key to v. */
static bool set_to(cfg_t *sec, const char *key, long v)
{
	return cfg_size(sec, key) > 0 && cfg_getint(sec, key) == v;
}

/* A signal that may title a section: its number 1..CONF_SIGNAL_MAX, or -1. */
static int signal_title(const char *title)
{
	int signo = signame_parse(title);

	return signo <= CONF_SIGNAL_MAX ? signo : -1;
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
	default:
		if (signame_is_fault(signo))
			return "reports a fault in pid1 itself and is not caught, so it cannot be "
			       "mapped";
		if (signame_is_reserved(signo))
			return "is reserved by the C library and cannot be caught, so it cannot "
			       "be mapped";
		return NULL;
	}
}

/* Validates `signal NAME { ... }` once its closing brace is read. */
static int check_signal(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	int signo = check_title(cfg, opt, signal_title, "signal");
	char name[SIGNAME_MAX];
	bool rewrite, restart;

	if (signo < 0)
		return -1;
	if (unmappable(signo) != NULL)
		return fail(cfg, "%s %s", signame_name(signo, name, sizeof(name)),
			    unmappable(signo));
	rewrite = set_to(sec, "action", ACTION_REWRITE);
	if (rewrite && cfg_size(sec, "to") == 0)
		return fail(cfg, "action 'rewrite' needs 'to' in section 'signal %s'",
			    cfg_title(sec));
	restart = set_to(sec, "action", ACTION_RESTART);
	if (cfg_size(sec, "programs") > 0 && cfg_size(sec, "action") > 0 && !rewrite && !restart &&
	    !set_to(sec, "action", ACTION_FORWARD))
		return fail(cfg,
			    "'programs' needs action 'forward', 'rewrite' or 'restart' in section "
			    "'signal %s'",
			    cfg_title(sec));
	if (restart && cfg_size(sec, "programs") == 0)
		return fail(cfg, "action 'restart' needs 'programs' in section 'signal %s'",
			    cfg_title(sec));
	/* Left out it means every program: an empty list would silently mean the same. */
	if (cfg_size(sec, "programs") == 0 &&
	    (cfg_getopt(sec, "programs")->flags & CFGF_MODIFIED) != 0)
		return fail(cfg,
			    "'programs' names no program in section 'signal %s' (leave it out for "
			    "every program)",
			    cfg_title(sec));
	if (!rewrite && cfg_size(sec, "to") > 0)
		return fail(cfg, "'to' needs 'action = rewrite' in section 'signal %s'",
			    cfg_title(sec));
	return 0;
}

/* Validates `step NAME { grace = ... }` inside `shutdown`. */
static int check_step(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfg_opt_size(opt) > CONF_MAX_STEPS)
		return fail(cfg, "too many 'step' sections (at most %d)", CONF_MAX_STEPS);
	return check_title(cfg, opt, signal_title, "signal") < 0 ? -1 : 0;
}

/* Validates `exit-code N { as = M }`. */
static int check_exit_code(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);

	if (check_title(cfg, opt, confvalue_exit_code, "exit code") < 0)
		return -1;
	if (cfg_size(sec, "as") == 0)
		return fail(cfg, "missing 'as' in section 'exit-code %s'", cfg_title(sec));
	return 0;
}

/* Validates the `log` section: a file target needs a file, and some target is needed. */
static int check_log(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, 0);
	cfg_opt_t *targets = cfg_getopt(sec, "targets");
	unsigned int i;

	if (cfg_opt_size(targets) == 0 && (targets->flags & CFGF_MODIFIED))
		return fail(cfg, "option 'targets' is empty in section 'log'");
	for (i = 0; i < cfg_opt_size(targets); i++) {
		if (cfg_opt_getnint(targets, i) != LOG_TARGET_FILE)
			continue;
		if (cfg_size(sec, "file") == 0 || cfg_getstr(sec, "file")[0] == '\0')
			return fail(cfg, "log target 'file' needs 'file = PATH' in section 'log'");
	}
	return 0;
}

/*
 * The least time from the first to the limit-th restart, for a child that dies at once:
 * restart k waits delay doubled k-1 times, capped at max-delay, as restart_book counts it.
 */
static int64_t restart_span_ms(const struct restart_conf *rc)
{
	int64_t span = 0, wait = rc->delay_ms;
	int k;

	for (k = 2; k <= rc->limit; k++) {
		wait = wait * 2 < rc->max_delay_ms ? wait * 2 : rc->max_delay_ms;
		span += wait;
	}
	return span;
}

/*
 * Validates the `restart` section: the back-off cannot start above its own cap, and limit
 * must be reachable. A window that cannot hold limit restarts (#11: window = 0) would let a
 * crash loop run for ever while the file promises it stops.
 */
static int check_restart(cfg_t *cfg, cfg_opt_t *opt)
{
	struct pid1_conf def;
	struct restart_conf *rc = &def.restart;
	char a[32], b[32];

	/* A key left out keeps its default, which must fit the others too: -n prints them all. */
	conf_defaults(&def);
	copy_keys(cfg_opt_getnsec(opt, 0), IN_RESTART, rc);
	if (rc->max_delay_ms < rc->delay_ms)
		return fail(cfg, "max-delay %s is less than delay %s in section 'restart'",
			    duration_format(rc->max_delay_ms, a, sizeof(a)),
			    duration_format(rc->delay_ms, b, sizeof(b)));
	if (rc->window_ms == 0)
		return fail(cfg, "window 0s counts no restart, so limit never applies in section "
				 "'restart'");
	if (restart_span_ms(rc) >= rc->window_ms)
		return fail(cfg,
			    "limit %d is never reached within window %s: the back-off alone "
			    "spreads %d restarts over %s in section 'restart'",
			    rc->limit, duration_format(rc->window_ms, a, sizeof(a)), rc->limit,
			    duration_format(restart_span_ms(rc), b, sizeof(b)));
	return 0;
}

/* A program name: letters, digits, '_', '-' and '.', at most CONF_NAME_MAX bytes. */
static bool good_name(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= CONF_NAME_MAX && name[0] != '-' &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") ==
		   n;
}

/* One foreground group per terminal: at most one program may take it. */
static int check_tty(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned int i, n = cfg_opt_size(opt);
	cfg_t *sec = cfg_opt_getnsec(opt, n - 1), *other;

	if (!cfg_getbool(sec, "tty"))
		return 0;
	for (i = 0; i + 1 < n; i++) {
		other = cfg_opt_getnsec(opt, i);
		if (cfg_getbool(other, "tty"))
			return fail(cfg,
				    "programs '%s' and '%s' both have tty = true: a terminal "
				    "has one foreground",
				    cfg_title(other), cfg_title(sec));
	}
	return 0;
}

/*
 * A command goes with exec, and only with it: ready = exec and ready-command, a health
 * section's check = exec and its command. A health section needs a check, and a program
 * that runs until stopped: a oneshot's end says all.
 */
static int check_probes(cfg_t *cfg, cfg_t *sec, const char *name, bool oneshot, bool ready_exec)
{
	cfg_t *health = cfg_size(sec, "health") > 0 ? cfg_getsec(sec, "health") : NULL;
	bool exec;

	if (ready_exec != (cfg_size(sec, "ready-command") > 0))
		return fail(cfg, "program '%s': ready = exec and ready-command go together", name);
	if (cfg_size(sec, "ready-interval") > 0 && cfg_getint(sec, "ready-interval") <= 0)
		return fail(cfg, "program '%s': ready-interval must be more than 0", name);
	if (health == NULL)
		return 0;
	if (oneshot)
		return fail(cfg, "oneshot '%s' cannot have a health section", name);
	if (cfg_size(health, "check") == 0)
		return fail(cfg, "missing 'check' in the health section of '%s'", name);
	exec = strcmp(cfg_getstr(health, "check"), "exec") == 0;
	if (exec != (cfg_size(health, "command") > 0))
		return fail(cfg, "health of '%s': check = exec and command go together", name);
	if ((cfg_size(health, "interval") > 0 && cfg_getint(health, "interval") <= 0) ||
	    (cfg_size(health, "timeout") > 0 && cfg_getint(health, "timeout") <= 0))
		return fail(cfg, "health of '%s': interval and timeout must be more than 0", name);
	return 0;
}

/*
 * A stop hook runs to completion at shutdown: a oneshot; a timeout is only for hooks. How a
 * program becomes ready must be something it can do: a oneshot is ready when it exits 0, a
 * longrun cannot be; a watchdog needs a way to be petted (notify or fd:N).
 */
static int check_kind(cfg_t *cfg, cfg_t *sec, const char *name)
{
	bool oneshot = set_to(sec, "type", PROGRAM_ONESHOT);
	bool hook = set_to(sec, "when", WHEN_STOP);
	long ready = READY_DEFAULT;
	bool watchdog = cfg_size(sec, "watchdog") > 0 && cfg_getint(sec, "watchdog") > 0;

	if (cfg_size(sec, "ready") > 0 &&
	    confvalue_parse("ready", cfg_getstr(sec, "ready"), &ready, NULL, 0) < 0)
		return -1;
	if (hook && !oneshot)
		return fail(cfg, "program '%s' has when = stop but is not a oneshot", name);
	if (hook && (cfg_getbool(sec, "essential") || cfg_size(sec, "restart") > 0))
		return fail(cfg, "stop hook '%s' can be neither essential nor restarted", name);
	if (hook && cfg_getbool(sec, "tty"))
		return fail(cfg, "stop hook '%s' cannot have tty = true", name);
	if (!hook && cfg_size(sec, "timeout") > 0)
		return fail(cfg, "program '%s' has a timeout but is not when = stop", name);
	if (oneshot && ready != READY_DEFAULT && ready != READY_EXITED)
		return fail(cfg, "oneshot '%s' is ready when it exits 0: ready = exited only",
			    name);
	if (!oneshot && ready == READY_EXITED)
		return fail(cfg, "program '%s' has ready = exited but is not a oneshot", name);
	if (watchdog && ready != READY_NOTIFY && ready < READY_FD_MIN)
		return fail(cfg,
			    "program '%s' has a watchdog but no ready = notify or fd:N to pet it",
			    name);
	if (hook && (cfg_size(sec, "ready-timeout") > 0 || watchdog))
		return fail(cfg, "stop hook '%s' has a timeout, not a ready-timeout or watchdog",
			    name);
	/* Variables are taken when a oneshot exits 0, for what starts after it. */
	if ((!oneshot || hook) && cfg_size(sec, "export-env") > 0)
		return fail(cfg, "program '%s' has export-env but is not a oneshot at start-up",
			    name);
	return check_probes(cfg, sec, name, oneshot || hook,
			    ready == READY_PROBE && strcmp(cfg_getstr(sec, "ready"), "exec") == 0);
}

/*
 * Validates `program NAME { ... }`. `main` is the command's name (from the command line or
 * the top-level `command`), so no section may take it, whether or not a command is given.
 */
static int check_program(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *name = cfg_title(sec);

	if (cfg_opt_size(opt) > CONF_MAX_PROGRAMS)
		return fail(cfg, "too many 'program' sections (at most %d)", CONF_MAX_PROGRAMS);
	if (!good_name(name))
		return fail(
		    cfg, "invalid program name '%s' (letters, digits, '_', '-', '.'; at most %d)",
		    name, CONF_NAME_MAX);
	if (strcmp(name, "main") == 0)
		return fail(cfg, "program name 'main' is reserved for the command");
	if (cfg_size(sec, "command") == 0)
		return fail(cfg, "missing 'command' in section 'program %s'", name);
	return check_tty(cfg, opt) < 0 ? -1 : check_kind(cfg, sec, name);
}

/* The option of a key: a typed one is parse_value's, a string one is checked. */
static cfg_opt_t key_opt(const struct conf_key *k)
{
	const int NODEF = CFGF_NODEFAULT;
	cfg_opt_t opt = CFG_INT_CB(k->name, 0, NODEF, parse_value);

	/* ready keeps its text: a probe's is the program's to run. */
	if (k->kind == KIND_STR || k->kind == KIND_CHARS || k->kind == KIND_READY)
		opt = (cfg_opt_t)CFG_STR(k->name, NULL, NODEF);
	else if (k->kind == KIND_LIST)
		opt = (cfg_opt_t)CFG_STR_LIST(k->name, NULL, NODEF);
	else if (k->kind == KIND_BOOL)
		opt = (cfg_opt_t)CFG_BOOL(k->name, cfg_false, NODEF);
	else if (k->kind == KIND_TARGETS)
		opt = (cfg_opt_t)CFG_INT_LIST_CB(k->name, NULL, NODEF, parse_value);
	if (opt.type == CFGT_STR)
		opt.validcb = strcmp(k->name, "command") == 0 ? check_command : check_string;
	return opt;
}

/*
 * Builds the options of section in at *next, after those of its subsections, and returns
 * them. Every key is CFGF_NODEFAULT: conf_defaults() is the one place defaults live, and a
 * key the file leaves out keeps its value there.
 */
static cfg_opt_t *schema_opts(cfg_opt_t **next, unsigned int in)
{
	const int TITLED = CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES;
	static const struct {
		const char *name;
		unsigned int in, parent;
		bool titled;
		cfg_validate_callback_t check;
	} sections[] = {
	    {"signal", IN_SIGNAL, IN_TOP, true, check_signal},
	    {"step", IN_STEP, IN_SHUTDOWN, true, check_step},
	    {"shutdown", IN_SHUTDOWN, IN_TOP, false, NULL},
	    {"restart", IN_RESTART, IN_TOP, false, check_restart},
	    {"exit-code", IN_EXIT_CODE, IN_TOP, true, check_exit_code},
	    {"log", IN_LOG, IN_TOP, false, check_log},
	    {"health", IN_HEALTH, IN_PROGRAM, false, NULL},
	    {"program", IN_PROGRAM, IN_TOP, true, check_program},
	};
	cfg_opt_t subs[sizeof(sections) / sizeof(sections[0])], *opts;
	const struct conf_key *k;
	size_t i, nsubs = 0;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (sections[i].parent != in)
			continue;
		opts = schema_opts(next, sections[i].in);
		/* A health section is there only when the file writes one. */
		subs[nsubs] = (cfg_opt_t)CFG_SEC(sections[i].name, opts,
						 sections[i].titled	       ? TITLED
						 : sections[i].in == IN_HEALTH ? CFGF_NODEFAULT
									       : CFGF_NONE);
		subs[nsubs++].validcb = sections[i].check;
	}
	opts = *next;
	for (k = conf_keys; k->name != NULL; k++)
		if ((k->flags & in) != 0)
			*(*next)++ = key_opt(k);
	for (i = 0; i < nsubs; i++)
		*(*next)++ = subs[i];
	*(*next)++ = (cfg_opt_t)CFG_END();
	return opts;
}

/* A parser for the schema, with its checks; NULL when out of memory. */
static cfg_t *schema_init(void)
{
	/* Each key once per section it is in, two at most, then 8 sections and 9 ends. */
	cfg_opt_t opts[2 * CONF_NKEYS + 17], *next = opts;

	return cfg_init(schema_opts(&next, IN_TOP), CFGF_NONE);
}

/*
 * The checks that need every program section: what `after` names exists, no cycle, and the
 * programs a signal section names exist: sections of the file, or main, the command.
 */
static int check_programs(const char *path, const struct pid1_conf *conf)
{
	char err[2 * CONF_MSG_MAX], name[SIGNAME_MAX];
	int i, n, line = 0;
	char **p;

	if (order_check(conf->programs, conf->nprograms, &line, err, sizeof(err)) < 0) {
		conf_error(path, line, err);
		return -1;
	}
	/* pid1 reads a program's lines only through its pipes: the top level's output counts. */
	for (i = 0; i < (int)conf->nprograms; i++) {
		const struct program_conf *pc = &conf->programs[i];

		if (pc->ready != READY_LOG ||
		    (pc->output >= 0 ? pc->output : (int)conf->output) != OUTPUT_RAW)
			continue;
		snprintf(err, sizeof(err),
			 "program '%s' has ready = log:... but output = raw: pid1 reads its "
			 "lines only with output = prefix or json",
			 pc->name);
		conf_error(path, pc->line, err);
		return -1;
	}
	for (i = 1; i <= CONF_SIGNAL_MAX; i++) {
		for (p = conf->signals[i].programs; p != NULL && *p != NULL; p++) {
			n = order_find(conf->programs, conf->nprograms, *p);
			/* A stop hook runs at shutdown only: it cannot be restarted. */
			if (n >= 0 && conf->signals[i].action == ACTION_RESTART &&
			    conf->programs[n].when == WHEN_STOP)
				snprintf(err, sizeof(err), "signal %s restarts '%s', a stop hook",
					 signame_name(i, name, sizeof(name)), *p);
			else if (n != -1)
				continue;
			else
				snprintf(err, sizeof(err),
					 "signal %s is for '%s', which is not a program",
					 signame_name(i, name, sizeof(name)), *p);
			conf_error(path, conf->signals[i].line, err);
			return -1;
		}
	}
	return 0;
}

/* Parses the text of path (len bytes, comments gone) into conf. Returns 0 or -1. */
static int parse_text(const char *path, char *text, size_t len, struct pid1_conf *conf)
{
	cfg_t *cfg = NULL;
	FILE *fp;
	int rc = -1;

	fp = fmemopen(text, len, "r");
	cfg = fp == NULL ? NULL : schema_init();
	if (cfg == NULL) {
		conf_error(path, 0, strerror(errno));
		goto out;
	}
	cfg_set_error_function(cfg, print_error);
	loading.path = path;
	loading.nerrors = 0;
	rc = cfg_parse_fp(cfg, fp) == CFG_SUCCESS ? 0 : -1;
	/* Some lexer failures (and ENOMEM) return an error without a message. */
	if (rc < 0 && loading.nerrors == 0)
		conf_error(path, cfg->line, "syntax error");
	if (rc == 0 && copy_tree(cfg, conf) < 0) {
		conf_error(path, 0, strerror(ENOMEM));
		rc = -1;
	}
	if (rc == 0)
		rc = check_programs(path, conf);
	loading.path = NULL;
out:
	if (cfg != NULL)
		cfg_free(cfg);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

int conf_load(const char *path, struct pid1_conf *conf)
{
	size_t len;
	char *text;
	int rc = 0;

	conf_defaults(conf);
	if (path == NULL)
		return 0;
	if (strlen(path) >= PATH_MAX) {
		conf_error(path, 0, strerror(ENAMETOOLONG));
		return -1;
	}
	text = read_text(path, &len);
	if (text == NULL)
		return -1;
	/*
	 * A file with no setting (empty, or only comments and blanks, as etc/pid1.conf comes)
	 * is all defaults: no schema to build and nothing to parse, most of start-up's cost
	 * (and fmemopen may refuse a size of 0).
	 */
	if (len > 0)
		rc = parse_text(path, text, len, conf);
	free(text);
	if (rc < 0 || conf_set_string(&conf->path, path) < 0) {
		conf_free(conf);
		return -1;
	}
	return 0;
}

int conf_reload(const char *path, struct pid1_conf *conf, char *err, size_t len)
{
	int rc;

	err[0] = '\0';
	first_error = err;
	first_error_len = len;
	rc = conf_load(path, conf);
	first_error = NULL;
	if (rc < 0 && err[0] == '\0')
		strlcpy(err, "cannot be read", len);
	return rc;
}
