/* SPDX-License-Identifier: MIT */
/*
 * The string values of the config file, checked as libconfuse reads them. No libconfuse here.
 */
#ifndef PID1_CONFSTRING_H
#define PID1_CONFSTRING_H

#include <stddef.h>

/*
 * Checks s, a value of the string key option: that it fits its field in struct pid1_conf,
 * and for env and unset-env that it is NAME=value or NAME. Returns 0, or -1 with a one-line
 * message in err (len bytes, truncated to fit).
 */
int confstring_check(const char *option, const char *s, char *err, size_t len);

#endif
