/* SPDX-License-Identifier: MIT */
/*
 * The pieces of a line that log shippers read: an RFC 3339 time in UTC with milliseconds,
 * and a JSON string (RFC 8259) of any bytes, which is always valid UTF-8 and one line.
 * Pure: no clock, no allocation.
 */
#ifndef PID1_JSONLINE_H
#define PID1_JSONLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* "2026-12-07T23:30:01.123Z": the length of an RFC 3339 time, without a NUL. */
#define JSONLINE_TIME_LEN 24

/* Writes ts (CLOCK_REALTIME) as JSONLINE_TIME_LEN bytes into out, no NUL; years 0..9999. */
void jsonline_time(char *out, const struct timespec *ts);

/*
 * Writes the bytes of s[0..len) into out (room bytes) as the inside of a JSON string: '"' and
 * '\\' and control bytes escaped (\u00XX), valid UTF-8 as it is, each invalid sequence (its
 * longest start of a valid one, else one byte) as U+FFFD. Stops before a character that does
 * not fit, never inside one: returns the bytes written, *used the bytes of s taken. With
 * more (s is cut and goes on), a character s ends inside of is left for the next piece.
 */
size_t jsonline_string(char *out, size_t room, const char *s, size_t len, bool more, size_t *used);

#endif
