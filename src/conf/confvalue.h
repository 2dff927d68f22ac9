/* SPDX-License-Identifier: MIT */
/*
 * The values of config keys as the file spells them: text -> number for the parser, number
 * -> word for the printer, and the checks of string values. Pure functions, no libconfuse; a
 * key's type is looked up by its name, so a name means the same type in every section.
 */
#ifndef PID1_CONFVALUE_H
#define PID1_CONFVALUE_H

#include <stddef.h>

/* Longest message text kept; a 10 MB token must not become a 10 MB line. */
#define CONF_MSG_MAX 200

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

/* The word the file uses for value of a word-valued key ("scope", SCOPE_ALL -> "all"). */
const char *confvalue_name(const char *option, int value);

/* The value of a word-valued key's word ("forward-to", "all" -> SCOPE_ALL), or -1. */
int confvalue_word(const char *option, const char *word);

/* An octal mode 0..777 as umask(1) writes it, or -1. */
int confvalue_umask(const char *s);

/* A signal that may title a section: its number 1..CONF_SIGNAL_MAX, or -1. */
int confvalue_signal(const char *title);

/* An exit code in plain decimal, 0..255 without sign or leading zeros; -1 otherwise. */
int confvalue_exit_code(const char *s);

/* Why a signal cannot have a rule, or NULL when it can. */
const char *confvalue_unmappable(int signo);

#endif
