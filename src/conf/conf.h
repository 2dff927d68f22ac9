/* SPDX-License-Identifier: MIT */
/*
 * The configuration: the types every part of pid1 reads, the built-in defaults, the order of
 * the program sections and the restart policy (conf/conf.c), conf_load and conf_error
 * (conf/confparse.c), and conf_print with the keys and values (conf/confvalue.c). Everything pid1
 * runs on is copied into struct pid1_conf, which is read-only once loaded; libconfuse never leaves
 * conf/confparse.c.
 */
#ifndef PID1_CONF_H
#define PID1_CONF_H

#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/log.h"
#include "sys/privs.h"

/*
 * The restart policy: whether a program that ended starts again, after what exponential
 * back-off, and when to give up because it restarts too often within a window. Pure
 * arithmetic on a program's restart history and a time passed in: no clock, no log.
 */
enum restart_policy {
	RESTART_NO,	    /* the program's end is final (default) */
	RESTART_ON_FAILURE, /* restart after a non-zero exit or a death by signal */
	RESTART_ALWAYS,	    /* restart after any exit */
};

/* The most restarts a window may count: bounds the history kept per program. */
#define RESTART_LIMIT_MAX 1000

struct restart_conf {
	enum restart_policy policy;
	int64_t delay_ms;     /* first back-off */
	int64_t max_delay_ms; /* back-off doubles up to this */
	int limit;	      /* restarts allowed within window before giving up */
	int64_t window_ms;
};

/* Highest signal number pid1 knows (SIGRTMAX on Linux is 64). */
#define CONF_SIGNAL_MAX 64
#define CONF_MAX_STEPS	16

/* What pid1 does with an incoming signal. */
enum action {
	ACTION_FORWARD,	 /* pass it on unchanged */
	ACTION_REWRITE,	 /* pass on rule.to instead */
	ACTION_IGNORE,	 /* drop it (logged) */
	ACTION_SHUTDOWN, /* start the shutdown ladder, or advance it */
	ACTION_RESTART,	 /* restart rule.programs in place, each with its own ladder */
	ACTION_RELOAD,	 /* read the config file again, as `pid1 ctl reload` */
};

/* Whether pid1 listens on its control socket. */
enum control_mode {
	CONTROL_AUTO, /* when it is PID 1 of its namespace (a container's init) */
	CONTROL_YES,
	CONTROL_NO,
};

/* Who receives forwarded signals and ladder steps. */
enum scope {
	SCOPE_CHILD, /* the main child */
	SCOPE_GROUP, /* the main child's process group */
	SCOPE_ALL,   /* every process pid1 can reach: kill(-1) as PID 1, descendants otherwise */
};

/* What happens when the main child exits. */
enum child_exit_policy {
	ON_CHILD_EXIT_LADDER, /* run the ladder on whatever remains, then exit */
	ON_CHILD_EXIT_EXIT,   /* exit at once, as tini does */
	ON_CHILD_EXIT_WAIT,   /* wait until every process in pid1's care has ended */
};

/* Which step the ladder starts at when a signal on it starts the shutdown. */
enum ladder_entry {
	ENTER_RECEIVED, /* the step of the signal received (docker stop: SIGTERM); else the first */
	ENTER_FIRST,	/* always the first step */
};

/* What a second shutdown signal does while the ladder runs. */
enum repeat_policy {
	ON_REPEAT_NEXT, /* skip to the next step */
	ON_REPEAT_KILL, /* go straight to SIGKILL */
};

struct signal_rule {
	enum action action;
	int to;		 /* the signal sent instead, for ACTION_REWRITE */
	char **programs; /* those it goes to, or restarts; NULL-terminated; NULL: all; owned */
	int line;	 /* where the section is, for errors found after parsing */
};

struct ladder_step {
	int signo;
	int64_t grace_ms;
};

struct shutdown_conf {
	int64_t delay_ms;  /* before the first step */
	int64_t budget_ms; /* the whole shutdown fits in it, graces scaled; 0: none */
	enum scope scope;
	enum child_exit_policy on_child_exit;
	enum repeat_policy on_repeat;
	enum ladder_entry enter;
	size_t nsteps;
	struct ladder_step steps[CONF_MAX_STEPS];
};

/* How a program runs: until stopped, or to completion. */
enum program_type {
	PROGRAM_LONGRUN, /* runs until stopped; up for what comes after it once spawned */
	PROGRAM_ONESHOT, /* runs to completion; up once it exited 0 */
};

/* When a program runs: at start-up as usual, or at shutdown before the ladder (a hook). */
enum program_when {
	WHEN_START,
	WHEN_STOP,
};

/*
 * When a program counts as ready, for what comes after it and for pid1's own readiness.
 * A value of READY_FD_MIN and up is ready = fd:N, the fd number N itself.
 */
enum ready_mode {
	READY_LOG = -3,	    /* once a line of its stdout or stderr matches: ready = log:REGEX */
	READY_PROBE = -2,   /* once a probe succeeded: ready = tcp:..., http://... or exec */
	READY_DEFAULT = -1, /* started for a longrun, exited for a oneshot */
	READY_STARTED = 0,  /* once exec succeeded */
	READY_EXITED = 1,   /* once it exited 0 (oneshots) */
	READY_NOTIFY = 2,   /* once it sends READY=1 to pid1's notify socket */
};
#define READY_FD_MIN 3
#define READY_FD_MAX 999

/*
 * A check pid1 makes of a program that cannot say it is ready, or alive: a TCP connect, an
 * HTTP GET, or a command (ready-command, or a health section's command). Addresses are
 * numeric: a name to resolve would block pid1.
 */
enum probe_kind {
	PROBE_NONE,
	PROBE_TCP,  /* tcp:PORT (127.0.0.1), tcp:HOST:PORT, tcp:[IPV6]:PORT */
	PROBE_HTTP, /* http://HOST[:PORT][/PATH]: a 2xx or 3xx status */
	PROBE_EXEC, /* exec: its command exits 0 */
};

#define PROBE_SPEC_MAX 256 /* bytes of a check as the file spells it, its NUL included */
#define PROBE_HOST_MAX 46  /* an IPv6 address as text, its NUL included */

struct probe_spec {
	enum probe_kind kind;
	int family; /* AF_INET or AF_INET6 */
	char host[PROBE_HOST_MAX];
	unsigned short port;
	char path[PROBE_SPEC_MAX]; /* HTTP: the request's target, "/" at least */
};

/*
 * Parses a check: tcp:..., http://... or exec. Returns 0, or -1 with a one-line message in
 * err (len bytes) naming option.
 */
int probe_parse(const char *option, const char *s, struct probe_spec *spec, char *err, size_t len);

/*
 * Compiles the REGEX of ready = log:REGEX, the whole value given: extended, and only whether a
 * line matches counts (REG_NOSUB). Returns regcomp()'s code, 0 when re is to be regfree()d.
 */
int ready_log_compile(regex_t *re, const char *value);

/* A program's `health { ... }` section: its liveness check, repeated while it runs. */
struct health_conf {
	char *check;		 /* tcp:..., http://... or exec; NULL: no health section; owned */
	char **command;		 /* exec's command, NULL-terminated; owned */
	int64_t interval_ms;	 /* from the end of one check to the start of the next */
	int64_t timeout_ms;	 /* one check that takes longer failed */
	int64_t start_period_ms; /* after it became ready, failures do not count */
	int retries;		 /* failures in a row that make it hung */
};

#define HEALTH_INTERVAL_MS 30000
#define HEALTH_TIMEOUT_MS  30000
#define HEALTH_RETRIES	   3
#define READY_INTERVAL_MS  1000
#define PROBE_RETRIES_MAX  1000

/* Where a program's stdout and stderr go. */
enum output_mode {
	OUTPUT_RAW,    /* pid1's own fds, passed on as they are */
	OUTPUT_PREFIX, /* pipes to pid1, which writes each line labelled with the program's name */
	OUTPUT_JSON,   /* pipes to pid1, which writes each line as a JSON object */
};

/* Whether a prefixed line starts with the time pid1 read it (a JSON line always has it). */
enum output_time {
	OUTPUT_TIME_NONE,
	OUTPUT_TIME_RFC3339, /* UTC with milliseconds: 2026-12-07T23:30:01.123Z */
};

/* How long a stop hook may run when its section sets no timeout. */
#define CONF_HOOK_TIMEOUT_MS 10000

/* A `program NAME { ... }` section, as the file gives it. */
struct program_conf {
	char *name;	/* owned */
	char **command; /* NULL-terminated argv; owned */
	char **after;	/* names of programs it starts after, NULL-terminated, or NULL; owned */
	enum program_type type;
	bool essential;	 /* its end ends pid1 */
	bool tty;	 /* it, not main, takes pid1's terminal */
	int restart;	 /* an enum restart_policy, or -1 for the top-level restart policy */
	int stop_signal; /* the first signal it gets when stopped; 0: the ladder's */
	enum program_when when;
	int64_t timeout_ms;	   /* how long a stop hook may run */
	int ready;		   /* an enum ready_mode, or the N of fd:N */
	int64_t ready_timeout_ms;  /* 0: it may take as long as it likes to become ready */
	int64_t watchdog_ms;	   /* 0: no watchdog */
	char *ready_check;	   /* ready = a check or log:REGEX, else NULL; owned */
	char **ready_command;	   /* ready = exec's command, NULL-terminated; owned */
	int64_t ready_interval_ms; /* between attempts of its ready probe, and each one's limit */
	struct health_conf health;
	int output;		 /* an enum output_mode, or -1 for the top level's */
	int output_time;	 /* an enum output_time, or -1 for the top level's */
	int export_fd;		 /* N of export-env = fd:N (a oneshot's), 0 for none */
	bool set_no_new_privs;	 /* privs.no_new_privs was given; else the top level's */
	struct privs_conf privs; /* NULL and unset fields take the top level's */
	int line;		 /* where the section is, for errors found after parsing */
};

/* The most program sections a file may have, and the longest program name. */
#define CONF_MAX_PROGRAMS 64
#define CONF_NAME_MAX	  32

/*
 * Where Kubernetes mounts a container's termination message (terminationMessagePath). Kept in
 * the config itself, so the default costs no allocation, and short, so no large clearing.
 */
#define CONF_TERMINATION_LOG	 "/dev/termination-log"
#define CONF_TERMINATION_LOG_MAX 256

struct pid1_conf {
	char *path;	    /* the file loaded, NULL for built-in defaults; owned */
	char **command;	    /* NULL-terminated argv, or NULL */
	bool command_owned; /* command was read from the file; else it is main's argv */
	enum scope forward_to;
	struct signal_rule signals[CONF_SIGNAL_MAX + 1]; /* indexed by signal number */
	struct shutdown_conf shutdown;
	int exit_code_map[256]; /* -1: unchanged */
	struct log_conf log;
	bool subreaper;		 /* become a subreaper even as PID 1 (-s) */
	bool warn_on_reap;	 /* log each orphan reaped at warning level (-w) */
	int parent_death_signal; /* 0: none (-p) */
	char *pidfile;		 /* NULL for none (--pidfile); owned */
	char *ready_file;	 /* exists while pid1 is ready; NULL for none; owned */
	/* Where pid1 says why it exited, for Kubernetes; "": nowhere. */
	char termination_log[CONF_TERMINATION_LOG_MAX];
	bool sd_notify; /* --sd-notify (no file key): NOTIFY_SOCKET is pid1's, never the child's */
	struct restart_conf restart;
	struct privs_conf privs;       /* who the child runs as */
	enum output_mode output;       /* the programs' output, where they set none */
	enum output_time output_time;  /* the time on their prefixed lines, where they set none */
	struct program_conf *programs; /* the program sections, in file order; owned */
	size_t nprograms;
	char *runtime_dir; /* where pid1's sockets live; NULL: $PID1_RUNTIME_DIR or the default */
	enum control_mode control;
	char *control_group; /* a group whose members may use the control socket; owned */
};

/* Fills conf with the built-in defaults. */
void conf_defaults(struct pid1_conf *conf);

/* Fills pc with what a program section has before its keys are read. */
void conf_program_defaults(struct program_conf *pc);

/*
 * Loads path over the built-in defaults. On error prints one line per problem on stderr,
 * each naming path:line, frees what it allocated and returns -1; conf is then unusable.
 */
int conf_load(const char *path, struct pid1_conf *conf);

/*
 * conf_load() for a running pid1 reading its file again: the first error is also kept in
 * err (len bytes), "PATH:LINE: MSG", for the reply. Returns 0, or -1 as conf_load().
 */
int conf_reload(const char *path, struct pid1_conf *conf, char *err, size_t len);

/*
 * The keys of program section b that differ from a's, ", " between them, into buf (cut at
 * len). Returns how many.
 */
size_t confdiff_program(const struct program_conf *a, const struct program_conf *b, char *buf,
			size_t len);

/*
 * The top-level keys and sections (shutdown, restart, log, exit-code, signal) of b that
 * differ from a's, ", " between them, into buf. Returns how many.
 */
size_t confdiff_top(const struct pid1_conf *a, const struct pid1_conf *b, char *buf, size_t len);

/* Prints "pid1: PATH:LINE: MSG" on stderr (no ":LINE" when line is 0), escaped. */
void conf_error(const char *path, int line, const char *msg);

/*
 * Writes the effective configuration in the file's own syntax; it parses back to conf. The
 * shutdown's worst case is the ladder's to work out: stoptime writes it, as comments, after
 * the programs (levels: their levels, NULL without any; hooks_ms: what the stop hooks add).
 * NULL leaves it out.
 */
typedef void conf_stoptime(const struct pid1_conf *conf, const int *levels, int64_t hooks_ms,
			   FILE *out);
void conf_print(const struct pid1_conf *conf, conf_stoptime *stoptime, FILE *out);

/* Makes argv (NULL-terminated, e.g. main's, which outlives conf) the command, not a copy. */
void conf_use_command(struct pid1_conf *conf, char **argv);

/*
 * Replaces *field, one of conf's strings, with a copy of value; NULL or "" clears it.
 * Returns 0, or -1 when out of memory (*field is then unchanged).
 */
int conf_set_string(char **field, const char *value);

/* Frees what conf owns: its strings, the command, the environment lists and programs. */
void conf_free(struct pid1_conf *conf);

/*
 * The keys of the config file, one table that drives the schema and the copy into struct
 * pid1_conf (conf/confparse.c) and the -n printer, and the values as the file spells them.
 * A name means the same type in every section, so a value is parsed by its key's name.
 */
/* Where a key may appear (bits), and how its field is reached and printed. */
enum {
	IN_TOP = 1 << 0,
	IN_SIGNAL = 1 << 1,
	IN_SHUTDOWN = 1 << 2,
	IN_STEP = 1 << 3,
	IN_RESTART = 1 << 4,
	IN_EXIT_CODE = 1 << 5,
	IN_LOG = 1 << 6,
	IN_PROGRAM = 1 << 7,
	IN_PRIVS = 1 << 8,  /* its offset is in struct privs_conf, of the top level or a program */
	PRINT_OWN = 1 << 9, /* the printer writes it by its own code */
	PRINT_ALWAYS = 1 << 10, /* a program's, printed even when it has the default */
	PRINT_HOOK = 1 << 11,	/* a program's, printed when it is a stop hook */
	IN_HEALTH = 1 << 12,	/* a program's health section */
};

/* A key's value: how it is parsed, stored and printed. */
enum conf_kind {
	KIND_STR,      /* char *, owned; NULL for "" */
	KIND_CHARS,    /* char[size] */
	KIND_LIST,     /* char **, NULL-terminated, owned */
	KIND_BOOL,     /* bool */
	KIND_WORD,     /* int, one of words */
	KIND_TARGETS,  /* unsigned int, a list of words or'ed */
	KIND_DURATION, /* int64_t milliseconds */
	KIND_SIGNAL,   /* int */
	KIND_SIGNAL_OR_NONE,
	KIND_STOP_SIGNAL,
	KIND_READY, /* int, a word or the N of fd:N; a probe's text goes to ready_check */
	KIND_EXIT_CODE,
	KIND_LIMIT,
	KIND_UMASK, /* set_umask and umask of struct privs_conf */
	KIND_FD,    /* int, the N of fd:N */
};

/* A config word and the value it stands for; tables end with a NULL name. */
struct conf_word {
	const char *name;
	int value;
};

struct conf_key {
	const char *name;
	unsigned int flags; /* IN_* and PRINT_* */
	enum conf_kind kind;
	const struct conf_word *words;
	size_t off;  /* of the field in the struct its section fills */
	size_t size; /* a string's bound with its NUL, 0 for none */
};

/* Every key, in the order -n prints them; ends with a NULL name. */
#define CONF_NKEYS 69
extern const struct conf_key conf_keys[CONF_NKEYS + 1];

/* Whether k is one of section in's keys (IN_PRIVS: those in its struct privs_conf). */
static inline bool conf_key_in(const struct conf_key *k, unsigned int in)
{
	return (k->flags & in & ~IN_PRIVS) != 0 && (k->flags & IN_PRIVS) == (in & IN_PRIVS);
}

/*
 * Parses value for the key named option ("scope", "grace", "umask"...) into *out.
 * Returns 0, or -1 with a one-line message in err (len bytes, truncated to fit).
 */
int confvalue_parse(const char *option, const char *value, long *out, char *err, size_t len);

/*
 * Checks s, a value of the string key option: that it fits its field in struct pid1_conf,
 * and for env and unset-env that it is NAME=value or NAME. Returns 0, or -1 as above.
 */
int confvalue_check_string(const char *option, const char *s, char *err, size_t len);

/* The value of a word-valued key's word ("forward-to", "all" -> SCOPE_ALL), or -1. */
int confvalue_word(const char *option, const char *word);

/* The word the file uses for value of a word-valued key ("scope", SCOPE_ALL -> "all"). */
const char *confvalue_name(const char *option, int value);

/* An octal mode 0..777 as umask(1) writes it, or -1. */
int confvalue_umask(const char *s);

/* An exit code in plain decimal, 0..255 without sign or leading zeros; -1 otherwise. */
int confvalue_exit_code(const char *s);

/*
 * The order of the program sections: each program's level is 0 without after, else one above
 * the highest it comes after; a level starts together, shutdown goes from the top. ORDER_MAIN
 * is what an after list names that is not a section: the command, the program `main`.
 */
#define ORDER_MAIN (-2)

/* The index of the program named name, ORDER_MAIN for `main`, or -1. */
int order_find(const struct program_conf *progs, size_t n, const char *name);

/*
 * Checks every after list: names that exist, no program after itself, no cycle. Returns 0,
 * or -1 with a one-line message in err (len bytes) and *line the line of the program at
 * fault.
 */
int order_check(const struct program_conf *progs, size_t n, int *line, char *err, size_t len);

/* Fills levels[0..n) for programs that passed order_check. Returns the highest level. */
int order_levels(const struct program_conf *progs, size_t n, int *levels);

/*
 * The restarts a program has had: when each of the last size was due, a ring of the
 * policy's limit (more never count). times is NULL, size 0, for a program that never
 * restarts by itself.
 */
struct restart_history {
	size_t nrestarts;
	size_t size;
	int64_t *times;
};

/* Gives h room for rc's limit when rc restarts at all. Returns 0, or -1 out of memory. */
int restart_history_init(struct restart_history *h, const struct restart_conf *rc);
void restart_history_free(struct restart_history *h);

/* Whether the policy asks for a restart after an end with this wait status. */
bool restart_wanted(const struct restart_conf *rc, int wstatus);

/* The back-off of a restart that comes after n others: delay doubled n times, capped. */
int64_t restart_delay(const struct restart_conf *rc, size_t n);

/*
 * Books a restart at now: returns its back-off in ms and records it in h, or returns -1
 * (nothing recorded) when limit restarts already fall within the window ending at now.
 * *recent is set to the restarts counted in the window before this one.
 */
int64_t restart_book(const struct restart_conf *rc, struct restart_history *h, int64_t now,
		     size_t *recent);

#endif
