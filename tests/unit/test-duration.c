// SPDX-License-Identifier: MIT
/*
 * duration: units, bare seconds, the limit, refusals (negative, fractional, unknown unit,
 * empty, overflow), and that every formatted value parses back to itself.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/duration.h"
#include "check.h"

/* parse(s) succeeds with want milliseconds. */
static int parses_as(const char *s, int64_t want)
{
	int64_t ms = -1;

	return duration_parse(s, &ms) == 0 && ms == want;
}

/* parse(s) fails and leaves the output alone. */
static int refused(const char *s)
{
	int64_t ms = 12345;

	return duration_parse(s, &ms) == -1 && ms == 12345;
}

static int formats_as(int64_t ms, const char *want)
{
	char buf[32];

	return strcmp(duration_format(ms, buf, sizeof(buf)), want) == 0;
}

static void check_parse(void)
{
	fail_unless(parses_as("500ms", 500));
	fail_unless(parses_as("0ms", 0));
	fail_unless(parses_as("5s", 5000));
	fail_unless(parses_as("2m", 120000));
	fail_unless(parses_as("1h", 3600000));
	fail_unless(parses_as("7", 7000));
	fail_unless(parses_as("0", 0));
	fail_unless(parses_as("007s", 7000));
	fail_unless(parses_as("24h", DURATION_MAX_MS));
	fail_unless(parses_as("86400000ms", DURATION_MAX_MS));
}

static void check_refusals(void)
{
	fail_unless(duration_parse(NULL, &(int64_t){0}) == -1);
	fail_unless(refused(""));
	fail_unless(refused("-1"));
	fail_unless(refused("-1s"));
	fail_unless(refused("+1s"));
	fail_unless(refused("1.5s"));
	fail_unless(refused("5x"));
	fail_unless(refused("s"));
	fail_unless(refused("ms"));
	fail_unless(refused(" 5s"));
	fail_unless(refused("5 s"));
	fail_unless(refused("5s "));
	fail_unless(refused("5ss"));
	fail_unless(refused("5sm"));
	fail_unless(refused("0x10"));
	fail_unless(refused("25h"));
	fail_unless(refused("1441m"));
	fail_unless(refused("86401"));
	fail_unless(refused("86400001ms"));
	fail_unless(refused("99999999999999999999"));
	fail_unless(refused("9223372036854775808ms"));
	fail_unless(refused("18446744073709551617s"));
}

static void check_format(void)
{
	fail_unless(formats_as(0, "0s"));
	fail_unless(formats_as(1, "1ms"));
	fail_unless(formats_as(1500, "1500ms"));
	fail_unless(formats_as(4000, "4s"));
	fail_unless(formats_as(90000, "90s"));
	fail_unless(formats_as(120000, "2m"));
	fail_unless(formats_as(3600000, "1h"));
	fail_unless(formats_as(5400000, "90m"));
	fail_unless(formats_as(DURATION_MAX_MS, "24h"));
}

/* What -n prints must load back to the same configuration. */
static void check_round_trip(void)
{
	char buf[32];
	int64_t ms, back;

	for (ms = 0; ms <= DURATION_MAX_MS; ms = ms < 100000 ? ms + 1 : ms * 3 / 2 + 7) {
		duration_format(ms, buf, sizeof(buf));
		fail_unless(duration_parse(buf, &back) == 0);
		fail_unless(back == ms);
	}
	for (ms = 0; ms <= DURATION_MAX_MS; ms += 60 * 1000) {
		duration_format(ms, buf, sizeof(buf));
		fail_unless(duration_parse(buf, &back) == 0 && back == ms);
	}
}

int main(void)
{
	check_parse();
	check_refusals();
	check_format();
	check_round_trip();
	return 0;
}
