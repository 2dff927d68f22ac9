// SPDX-License-Identifier: MIT
/*
 * JSON lines' pieces: the RFC 3339 time across epochs, leap days and milliseconds; strings
 * with quotes, backslashes and control bytes escaped, valid UTF-8 kept, each invalid
 * sequence one U+FFFD, and a string cut only between characters.
 */
#include "config.h"

#include <string.h>

#include "check.h"
#include "core/jsonline.h"

#define FFFD "\xef\xbf\xbd"

static int time_is(time_t sec, long nsec, const char *want)
{
	struct timespec ts = {.tv_sec = sec, .tv_nsec = nsec};
	char out[JSONLINE_TIME_LEN + 1] = "";

	jsonline_time(out, &ts);
	return strcmp(out, want) == 0;
}

/* s (len bytes) escaped with room and more: whether it gives want, taking all of s. */
static int escaped(const char *s, size_t len, const char *want)
{
	char out[256];
	size_t used, n = jsonline_string(out, sizeof(out), s, len, false, &used);

	return used == len && n == strlen(want) && memcmp(out, want, n) == 0;
}

int main(void)
{
	static const char special[] = "\"\\\x1f\x7f\xff";
	static const char *const escapes[] = {"\\\"", "\\\\", "\\u001f", "\\u007f", FFFD};
	char out[64], in[20];
	size_t used, n, pos, k;

	fail_unless(time_is(0, 0, "1970-01-01T00:00:00.000Z"));
	fail_unless(time_is(951782400, 999999999, "2000-02-29T00:00:00.999Z"));
	fail_unless(time_is(1796686201, 123456789, "2026-12-07T23:30:01.123Z"));
	fail_unless(time_is(4107542399, 1000000, "2100-02-28T23:59:59.001Z"));
	fail_unless(time_is(4107542400, 0, "2100-03-01T00:00:00.000Z"));
	fail_unless(time_is(-1, 0, "1969-12-31T23:59:59.000Z"));

	fail_unless(escaped("plain text", 10, "plain text"));
	fail_unless(escaped("a\"b\\c", 5, "a\\\"b\\\\c"));
	fail_unless(escaped("\t\r\x01\x1f\x7f", 5, "\\u0009\\u000d\\u0001\\u001f\\u007f"));
	fail_unless(escaped("nul\0x", 5, "nul\\u0000x"));
	/* Valid UTF-8 of 2, 3 and 4 bytes stays as it is. */
	fail_unless(escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
			    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
	/* Invalid: a stray byte, an overlong form, a surrogate, beyond U+10FFFF, a cut one. */
	fail_unless(escaped("\xff", 1, FFFD));
	fail_unless(escaped("\xc0\xaf", 2, FFFD FFFD));
	fail_unless(escaped("\xed\xa0\x80", 3, FFFD FFFD FFFD));
	fail_unless(escaped("\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD));
	fail_unless(escaped("\xe2\x82"
			    "A",
			    3, FFFD "A"));
	fail_unless(escaped("\xf0\x9f\x98", 3, FFFD));

	/* A byte to escape is found at any place of an 8-byte word, not only the first. */
	for (pos = 0; pos < 20; pos++) {
		for (k = 0; k < sizeof(special) - 1; k++) {
			memset(in, 'a', 20);
			in[pos] = special[k];
			n = jsonline_string(out, sizeof(out), in, 20, false, &used);
			fail_unless(used == 20 && n == 19 + strlen(escapes[k]));
			fail_unless(memcmp(out + pos, escapes[k], strlen(escapes[k])) == 0);
			fail_unless(out[pos - (pos > 0)] == (pos > 0 ? 'a' : escapes[k][0]));
		}
	}

	/* Out of room: stops before an escape or a character that does not fit. */
	n = jsonline_string(out, 5, "abc\"d", 5, false, &used);
	fail_unless(n == 5 && used == 4 && memcmp(out, "abc\\\"", 5) == 0);
	n = jsonline_string(out, 4, "abc\"d", 5, false, &used);
	fail_unless(n == 3 && used == 3);
	n = jsonline_string(out, 4, "a\xe2\x82\xac", 4, false, &used);
	fail_unless(n == 4 && used == 4);
	n = jsonline_string(out, 3, "a\xe2\x82\xac", 4, false, &used);
	fail_unless(n == 1 && used == 1);
	/* With more, a character cut at the end waits for the next piece; without, it is bad. */
	n = jsonline_string(out, sizeof(out), "ab\xe2\x82", 4, true, &used);
	fail_unless(n == 2 && used == 2);
	n = jsonline_string(out, sizeof(out), "ab\xe2\x82", 4, false, &used);
	fail_unless(n == 5 && used == 4 && memcmp(out, "ab" FFFD, 5) == 0);
	/* With more, a sequence that is already invalid is replaced all the same. */
	n = jsonline_string(out, sizeof(out),
			    "ab\xe2"
			    "A",
			    4, true, &used);
	fail_unless(n == 6 && used == 4);
	return 0;
}
