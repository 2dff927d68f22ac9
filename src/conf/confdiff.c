// SPDX-License-Identifier: MIT
/*
 * What a configuration read again changes in the one pid1 runs on, for `pid1 ctl reload`:
 * which keys of a program section differ, and which top-level keys do (those a reload leaves
 * as they were). Pure comparisons, key by key through the table of keys, so that a key added
 * to the table is compared without a word here.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "conf/conf.h"

static bool same_str(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static bool same_list(char *const *a, char *const *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	for (i = 0; a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return a[i] == NULL && b[i] == NULL;
}

/* Whether key k's field holds the same value in a and b, the structs its section fills. */
static bool same_value(const struct conf_key *k, const char *a, const char *b)
{
	const struct privs_conf *pa = (const void *)a, *pb = (const void *)b;

	a += k->off;
	b += k->off;
	switch (k->kind) {
	case KIND_STR:
		return same_str(*(char *const *)(const void *)a, *(char *const *)(const void *)b);
	case KIND_CHARS:
		return strncmp(a, b, k->size) == 0;
	case KIND_LIST:
		return same_list(*(char **const *)(const void *)a,
				 *(char **const *)(const void *)b);
	case KIND_BOOL:
		return *(const bool *)(const void *)a == *(const bool *)(const void *)b;
	case KIND_TARGETS:
		return *(const unsigned int *)(const void *)a ==
		       *(const unsigned int *)(const void *)b;
	case KIND_DURATION:
		return *(const int64_t *)(const void *)a == *(const int64_t *)(const void *)b;
	case KIND_UMASK:
		return pa->set_umask == pb->set_umask && (!pa->set_umask || pa->umask == pb->umask);
	case KIND_EXIT_CODE:
		return true; /* a section of its own: the map is compared whole */
	default:
		return *(const int *)(const void *)a == *(const int *)(const void *)b;
	}
}

/* Appends name to buf (", " between names); returns n + 1. */
static size_t add_name(char *buf, size_t len, size_t n, const char *name)
{
	if (len > 0) {
		if (n > 0)
			strlcat(buf, ", ", len);
		strlcat(buf, name, len);
	}
	return n + 1;
}

size_t confdiff_program(const struct program_conf *a, const struct program_conf *b, char *buf,
			size_t len)
{
	const struct conf_key *k;
	size_t n = 0;
	bool np, health = false;

	if (len > 0)
		buf[0] = '\0';
	/* ready = tcp:..., http://... or exec: the mode is the same, the check may not be. */
	if (!same_str(a->ready_check, b->ready_check))
		n = add_name(buf, len, n, "ready");
	for (k = conf_keys; k->name != NULL; k++) {
		if (conf_key_in(k, IN_PROGRAM) &&
		    !same_value(k, (const char *)a, (const char *)b)) {
			if (strcmp(k->name, "ready") != 0 ||
			    same_str(a->ready_check, b->ready_check))
				n = add_name(buf, len, n, k->name);
		} else if (conf_key_in(k, IN_HEALTH)) {
			health = health ||
				 !same_value(k, (const char *)&a->health, (const char *)&b->health);
		} else if (conf_key_in(k, IN_PROGRAM | IN_PRIVS)) {
			/* no-new-privileges counts only where the section gives it. */
			np = strcmp(k->name, "no-new-privileges") == 0;
			if (np ? a->set_no_new_privs != b->set_no_new_privs ||
				     (a->set_no_new_privs &&
				      a->privs.no_new_privs != b->privs.no_new_privs)
			       : !same_value(k, (const char *)&a->privs, (const char *)&b->privs))
				n = add_name(buf, len, n, k->name);
		}
	}
	/* The health section is named once, whichever of its keys changed. */
	return health ? add_name(buf, len, n, "health") : n;
}

static bool same_rules(const struct pid1_conf *a, const struct pid1_conf *b)
{
	size_t i;

	for (i = 0; i <= CONF_SIGNAL_MAX; i++)
		if (a->signals[i].action != b->signals[i].action ||
		    a->signals[i].to != b->signals[i].to ||
		    !same_list(a->signals[i].programs, b->signals[i].programs))
			return false;
	return true;
}

static bool same_section(unsigned int in, const void *a, const void *b)
{
	const struct conf_key *k;

	for (k = conf_keys; k->name != NULL; k++)
		if (conf_key_in(k, in) && !same_value(k, a, b))
			return false;
	return true;
}

size_t confdiff_top(const struct pid1_conf *a, const struct pid1_conf *b, char *buf, size_t len)
{
	const struct shutdown_conf *sa = &a->shutdown, *sb = &b->shutdown;
	const struct conf_key *k;
	size_t n = 0, i;
	bool same;

	if (len > 0)
		buf[0] = '\0';
	for (k = conf_keys; k->name != NULL; k++) {
		if (conf_key_in(k, IN_TOP))
			same = same_value(k, (const char *)a, (const char *)b);
		else if (conf_key_in(k, IN_TOP | IN_PRIVS))
			same = same_value(k, (const char *)&a->privs, (const char *)&b->privs);
		else
			continue;
		/* The command line's argv is not the file's: only a command in both counts. */
		if (strcmp(k->name, "command") == 0)
			same = !a->command_owned || !b->command_owned ||
			       same_list(a->command, b->command);
		if (!same)
			n = add_name(buf, len, n, k->name);
	}
	same = sa->nsteps == sb->nsteps && same_section(IN_SHUTDOWN, sa, sb);
	for (i = 0; same && i < sa->nsteps; i++)
		same = sa->steps[i].signo == sb->steps[i].signo &&
		       sa->steps[i].grace_ms == sb->steps[i].grace_ms;
	if (!same)
		n = add_name(buf, len, n, "shutdown");
	if (!same_section(IN_RESTART, &a->restart, &b->restart))
		n = add_name(buf, len, n, "restart");
	if (!same_section(IN_LOG, &a->log, &b->log))
		n = add_name(buf, len, n, "log");
	if (memcmp(a->exit_code_map, b->exit_code_map, sizeof(a->exit_code_map)) != 0)
		n = add_name(buf, len, n, "exit-code");
	if (!same_rules(a, b))
		n = add_name(buf, len, n, "signal");
	return n;
}
