/* SPDX-License-Identifier: MIT */
/*
 * The keys of the config file, one table that drives the schema and the copy into struct
 * pid1_conf (conf/confparse.c) and the -n printer, and the values as the file spells them. Pure
 * data and functions, no libconfuse. A name means the same type in every section, so a value is
 * parsed by its key's name.
 */
#ifndef PID1_CONFVALUE_H
#define PID1_CONFVALUE_H

#include <stdbool.h>
#include <stddef.h>

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
	KIND_READY, /* int, a word or the N of fd:N */
	KIND_EXIT_CODE,
	KIND_LIMIT,
	KIND_UMASK, /* set_umask and umask of struct privs_conf */
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
#define CONF_NKEYS 53
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

/* An octal mode 0..777 as umask(1) writes it, or -1. */
int confvalue_umask(const char *s);

/* An exit code in plain decimal, 0..255 without sign or leading zeros; -1 otherwise. */
int confvalue_exit_code(const char *s);

#endif
