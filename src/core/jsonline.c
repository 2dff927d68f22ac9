// SPDX-License-Identifier: MIT
/*
 * Time and strings for JSON lines. The date is worked out from the seconds by arithmetic
 * (days to a civil date), not gmtime_r(), which takes the C library's time zone lock for
 * every line. Strings come from programs and may hold any bytes: what is written is valid
 * UTF-8 and valid JSON whatever they are, and never holds a raw newline.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/jsonline.h"

static void digits(char *out, unsigned int v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void jsonline_time(char *out, const struct timespec *ts)
{
	int64_t secs = ts->tv_sec, days = secs / 86400, rem = secs % 86400, era, doe, yoe, doy, mp;
	unsigned int y, m, d;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	/* Howard Hinnant's civil_from_days: the proleptic Gregorian calendar, exactly. */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	y = (unsigned int)(yoe + era * 400 + (m <= 2));
	memcpy(out, "0000-00-00T00:00:00.000Z", JSONLINE_TIME_LEN);
	digits(out, y % 10000, 4);
	digits(out + 5, m, 2);
	digits(out + 8, d, 2);
	digits(out + 11, (unsigned int)(rem / 3600), 2);
	digits(out + 14, (unsigned int)(rem / 60 % 60), 2);
	digits(out + 17, (unsigned int)(rem % 60), 2);
	digits(out + 20, (unsigned int)(ts->tv_nsec / 1000000), 3);
}

/*
 * How many bytes the UTF-8 sequence at s[0..len) is: 0 when it is invalid (*bad: how many
 * bytes one U+FFFD replaces), or when more is set and s ends inside a valid start (*bad 0).
 */
static size_t sequence(const unsigned char *s, size_t len, bool more, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, k;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		n = 0;
	if (n == 0) {
		*bad = 1;
		return 0;
	}
	/* Table 3-7 of the Unicode standard: no overlong form, surrogate or beyond U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (k = 1; k < n && k < len && s[k] >= lo && s[k] <= hi; k++) {
		lo = 0x80;
		hi = 0xbf;
	}
	if (k == n)
		return n;
	*bad = k == len && more ? 0 : k;
	return 0;
}

/* Which bytes are copied as they are: printable ASCII but for '"' and '\\'. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* 16 bytes, for the compiler's vector instructions (SSE2 on x86-64, NEON on arm64). */
typedef unsigned char bytes16 __attribute__((vector_size(16)));

/* How many bytes from s[0..len) are plain: 16 at a time while all are, the way strlen does. */
static size_t plain_run(const unsigned char *s, size_t len)
{
	uint64_t half[2];
	size_t i = 0;
	bytes16 v;

	for (; i + 16 <= len; i += 16) {
		memcpy(&v, s + i, 16);
		/* Each comparison gives a byte of all ones where it holds. */
		v = (bytes16)((v < 0x20) | (v >= 0x7f) | (v == '"') | (v == '\\'));
		memcpy(half, &v, 16);
		if ((half[0] | half[1]) != 0)
			break;
	}
	while (i < len && plain(s[i]))
		i++;
	return i;
}

size_t jsonline_string(char *out, size_t room, const char *str, size_t len, bool more, size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, o = 0, run, n, bad;

	while (i < len) {
		run = i + plain_run(s + i, len - i);
		if (run > i) {
			n = run - i < room - o ? run - i : room - o;
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
			if (i < run)
				break;
			continue;
		}
		if (s[i] < 0x80) {
			/* '"', '\\' and the control bytes, DEL too: a terminal would act on them.
			 */
			n = s[i] == '"' || s[i] == '\\' ? 2 : 6;
			if (room - o < n)
				break;
			out[o] = '\\';
			if (n == 2) {
				out[o + 1] = (char)s[i];
			} else {
				memcpy(out + o + 1, "u00", 3);
				out[o + 4] = hex[s[i] >> 4];
				out[o + 5] = hex[s[i] & 0xf];
			}
			o += n;
			i++;
			continue;
		}
		n = sequence(s + i, len - i, more, &bad);
		if (n == 0 && bad == 0)
			break;
		if (room - o < (n > 0 ? n : 3))
			break;
		if (n > 0) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += bad;
		}
	}
	*used = i;
	return o;
}
