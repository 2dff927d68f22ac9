/* SPDX-License-Identifier: MIT */
/*
 * Durations: "500ms", "5s", "2m", "1h", a bare number of seconds <-> milliseconds.
 * Pure functions; no state, no logging.
 */
#ifndef PID1_DURATION_H
#define PID1_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Largest duration accepted: one day, far beyond any sane grace time. */
#define DURATION_MAX_MS ((int64_t)24 * 60 * 60 * 1000)

/* Parses s into *ms. Returns 0, or -1 for a malformed, negative or too large value. */
int duration_parse(const char *s, int64_t *ms);

/* Writes ms with the largest unit that keeps it exact ("4s", "1500ms", "2m"). Returns buf. */
const char *duration_format(int64_t ms, char *buf, size_t len);

#endif
