// SPDX-License-Identifier: MIT
/*
 * Lines out of a byte stream that a program controls: no byte value is special but the
 * newline, and no line is longer than the caller's bound, so a program that never writes
 * a newline cannot make pid1 hold more than that.
 */
#include "config.h"

#include <string.h>

#include "output/linebuf.h"

size_t linebuf_next(const char *buf, size_t len, size_t max, bool eof, size_t *linelen)
{
	/* A newline right after max bytes still ends that line: it is not a line of its own. */
	size_t look = len < max + 1 ? len : max + 1;
	const char *nl = memchr(buf, '\n', look);

	if (nl != NULL) {
		*linelen = (size_t)(nl - buf);
		return *linelen + 1;
	}
	if (len > max) {
		*linelen = max;
		return max;
	}
	*linelen = len;
	return eof ? len : 0;
}

size_t linebuf_format(char *out, size_t room, const char *prefix, size_t plen, const char *line,
		      size_t linelen)
{
	size_t need = plen + linelen + 1;

	if (need > room)
		return 0;
	memcpy(out, prefix, plen);
	memcpy(out + plen, line, linelen);
	out[plen + linelen] = '\n';
	return need;
}
