/* SPDX-License-Identifier: MIT */
/*
 * The values of config keys as the file spells them: text -> number for the parser, number
 * -> word for the printer. Pure functions, no libconfuse; a key's type is looked up by its
 * name, so a name means the same type in every section. Numbers: conf/confnumber.h.
 */
#ifndef PID1_CONFVALUE_H
#define PID1_CONFVALUE_H

#include <stddef.h>

/*
 * Parses value for the key named option ("scope", "grace", "umask"...) into *out.
 * Returns 0, or -1 with a one-line message in err (len bytes, truncated to fit).
 */
int confvalue_parse(const char *option, const char *value, long *out, char *err, size_t len);

/* The word the file uses for value of a word-valued key ("scope", SCOPE_ALL -> "all"). */
const char *confvalue_name(const char *option, int value);

/* A scope from its config word (child, group, all), or -1 when unknown. */
int confvalue_scope(const char *name);

#endif
