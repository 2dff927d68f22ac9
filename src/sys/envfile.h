/* SPDX-License-Identifier: MIT */
/*
 * A program's environment from files, read at each start: env-file (KEY=VALUE lines in
 * systemd's EnvironmentFile= syntax), env-dir (s6-envdir's one file per variable) and
 * file-env (NAME from the file NAME_FILE names, as Docker's official images do). What they
 * give becomes one list of changes the child makes before exec: "NAME=value" sets NAME,
 * "NAME" removes it.
 */
#ifndef PID1_ENVFILE_H
#define PID1_ENVFILE_H

#include <stddef.h>

#include "sys/privs.h"

/* The largest file read, and the most variables an env-dir may hold. */
#define ENVFILE_MAX_BYTES   (1024 * 1024)
#define ENVFILE_MAX_TEXT    "1 MiB"
#define ENVFILE_DIR_ENTRIES 1000

/* A growing list of changes, NULL-terminated once it has any; every string owned. */
struct envlist {
	char **v;
	size_t n;
	size_t cap;
};

/*
 * Parses buf (len bytes, NUL after them) as an env-file, adding one "NAME=value" to out for
 * each assignment. Returns 0, or -1 with *line the line at fault and *why the reason (never
 * a value: values may be secrets); *why is "out of memory" when that is what failed.
 */
int envfile_parse(const char *buf, size_t len, struct envlist *out, int *line, const char **why);

/* Frees the strings of l and l itself. */
void envlist_free(struct envlist *l);

/*
 * Builds the changes for a child configured by conf (and conf->outer, the top level's, under
 * a program's), each later one over the earlier: the top level's env-dir and env-files, the
 * top level's env when conf has no env of its own, then the lists in exported (NULL, or
 * NULL-terminated: what oneshots handed on), conf's own env, conf's own env-dir and
 * env-files, and last file-env. *out (freed first) is the NULL-terminated list, or NULL when
 * there is nothing but env: env alone then applies. Returns 0, or -1 with a one-line message
 * in err (len bytes) naming the file and line at fault.
 */
int envfile_build(const struct privs_conf *conf, char **const *exported, char ***out, char *err,
		  size_t len);

/* Frees a list envfile_build made. */
void envfile_free(char **list);

#endif
