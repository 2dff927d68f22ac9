// SPDX-License-Identifier: MIT
/*
 * The string values of the config file: that each fits its field in struct pid1_conf, that
 * paths which must be absolute are, and that environment entries are NAME=value or NAME.
 * Pure functions with no libconfuse: conf/confcheck.c runs them while the file is read.
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/confstring.h"

/* True when the first len bytes of s are a portable environment variable name. */
static bool env_name(const char *s, size_t len)
{
	size_t i;

	/* POSIX's portable names: a letter or '_', then letters, digits and '_'. */
	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] != '_' && !(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9'))
			return false;
	return true;
}

/* Environment entries: NAME=value for env, NAME for unset-env. */
static int check_env(const char *option, const char *s, char *err, size_t len)
{
	const char *eq = strchr(s, '=');
	size_t n = strlen(s);

	if (strcmp(option, "env") == 0) {
		if (eq == NULL) {
			snprintf(err, len, "entry '%s' for option 'env' is not NAME=value", s);
			return -1;
		}
		n = (size_t)(eq - s);
	}
	if (!env_name(s, n)) {
		snprintf(err, len, "invalid variable name '%.*s' for option '%s'", (int)n, s,
			 option);
		return -1;
	}
	return 0;
}

int confstring_check(const char *option, const char *s, char *err, size_t len)
{
	// clang-format off
	static const struct {
		const char *option;
		size_t size;
	} fields[] = {
		{"pidfile", PATH_MAX},		{"file", PATH_MAX},	{"workdir", PATH_MAX},
		{"ready-file", PATH_MAX},
		{"ident", LOG_IDENT_MAX},	{"user", PRIVS_NAME_MAX}, {"group", PRIVS_NAME_MAX},
		{"runtime-dir", PATH_MAX},		{"control-group", PRIVS_NAME_MAX},
		{"programs", CONF_NAME_MAX + 1},
	};
	// clang-format on
	size_t i;

	if (s == NULL)
		return 0;
	if (strcmp(option, "env") == 0 || strcmp(option, "unset-env") == 0)
		return check_env(option, s, err, len);
	/* "" is the default: $PID1_RUNTIME_DIR, else /run/pid1. */
	if (strcmp(option, "runtime-dir") == 0 && s[0] != '\0' &&
	    (s[0] != '/' || s[strspn(s, "/")] == '\0')) {
		snprintf(err, len, "option 'runtime-dir' must be an absolute path other than /");
		return -1;
	}
	/* A probe tests it from anywhere: relative to pid1's directory it would mislead. */
	if (strcmp(option, "ready-file") == 0 && s[0] != '\0' &&
	    (s[0] != '/' || s[strlen(s) - 1] == '/')) {
		snprintf(err, len,
			 "option 'ready-file' must be an absolute path to a file, not '%s'", s);
		return -1;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(fields[i].option, option) == 0 && strlen(s) >= fields[i].size) {
			snprintf(err, len, "value for option '%s' is too long (at most %zu bytes)",
				 option, fields[i].size - 1);
			return -1;
		}
	}
	return 0;
}
