// SPDX-License-Identifier: MIT
/*
 * Durations in the config file: "500ms", "5s", "2m", "1h", or a bare number of seconds.
 * Stored as int64_t milliseconds. Negative, fractional or overflowing values are refused,
 * never clamped.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"

struct unit {
	const char *suffix;
	int64_t ms;
};

/* Longest suffix first so "ms" is not read as "m" followed by junk. */
static const struct unit units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 60 * 60 * 1000}, {"", 1000},
};

int duration_parse(const char *s, int64_t *ms)
{
	char *end;
	int64_t n;
	size_t i;

	/* strtoll would take blanks and a sign; an overflow gives LLONG_MAX, refused below. */
	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	n = strtoll(s, &end, 10);
	if (n > DURATION_MAX_MS)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		if (n > DURATION_MAX_MS / units[i].ms)
			return -1;
		*ms = n * units[i].ms;
		return 0;
	}
	return -1;
}

const char *duration_format(int64_t ms, char *buf, size_t len)
{
	if (ms != 0 && ms % (60 * 60 * 1000) == 0)
		snprintf(buf, len, "%" PRId64 "h", ms / (60 * 60 * 1000));
	else if (ms != 0 && ms % (60 * 1000) == 0)
		snprintf(buf, len, "%" PRId64 "m", ms / (60 * 1000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%" PRId64 "s", ms / 1000);
	else
		snprintf(buf, len, "%" PRId64 "ms", ms);
	return buf;
}
