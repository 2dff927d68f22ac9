// SPDX-License-Identifier: MIT
/*
 * The line splitter: whole lines, empty lines, a line cut at the bound with nothing lost,
 * a partial line held until more comes or the end, binary bytes passed as they are, and
 * the labelled form with its room check.
 */
#include "config.h"

#include <string.h>

#include "check.h"
#include "output/labelled.h"

/* Splits all of buf with bound max (eof given) and joins the lines with '|' into out. */
static size_t split(const char *buf, size_t len, size_t max, bool eof, char *out, size_t *left)
{
	size_t off = 0, used, linelen, n = 0, o = 0;

	while ((used = output_line_next(buf + off, len - off, max, eof, &linelen)) > 0) {
		if (n++ > 0)
			out[o++] = '|';
		memcpy(out + o, buf + off, linelen);
		o += linelen;
		off += used;
	}
	out[o] = '\0';
	*left = len - off;
	return n;
}

int main(void)
{
	char out[256];
	size_t left, linelen;

	/* Whole lines come out without their newlines; a partial one waits. */
	fail_unless(split("ab\ncd\nef", 8, 10, false, out, &left) == 2);
	fail_unless(strcmp(out, "ab|cd") == 0 && left == 2);
	/* At the end, the partial line is a line too. */
	fail_unless(split("ab\ncd\nef", 8, 10, true, out, &left) == 3);
	fail_unless(strcmp(out, "ab|cd|ef") == 0 && left == 0);
	/* Empty lines are lines. */
	fail_unless(split("\n\nx\n", 4, 10, false, out, &left) == 3);
	fail_unless(strcmp(out, "||x") == 0 && left == 0);
	/* Nothing at all is no line, even at the end. */
	fail_unless(output_line_next("", 0, 10, true, &linelen) == 0);

	/* Longer than the bound: cut after max bytes, the rest the next line, nothing lost. */
	fail_unless(split("abcdefghij\n", 11, 4, false, out, &left) == 3);
	fail_unless(strcmp(out, "abcd|efgh|ij") == 0 && left == 0);
	/* Exactly max bytes and its newline: one line, not an empty one after it. */
	fail_unless(split("abcd\nx\n", 7, 4, false, out, &left) == 2);
	fail_unless(strcmp(out, "abcd|x") == 0 && left == 0);
	/* Exactly max bytes and no newline yet: it may still come, so wait. */
	fail_unless(output_line_next("abcd", 4, 4, false, &linelen) == 0);
	/* One more byte than max and no newline: cut now. */
	fail_unless(output_line_next("abcde", 5, 4, false, &linelen) == 4 && linelen == 4);

	/* Binary bytes, NUL included, pass as they are; only the newline ends a line. */
	fail_unless(output_line_next("a\0\r\377\nz", 6, 10, false, &linelen) == 5 && linelen == 4);

	/* The labelled form, and a refusal when it does not fit. */
	fail_unless(output_line_format(out, sizeof(out), "web: ", 5, "hello", 5) == 11);
	fail_unless(memcmp(out, "web: hello\n", 11) == 0);
	fail_unless(output_line_format(out, 10, "web: ", 5, "hello", 5) == 0);
	fail_unless(output_line_format(out, 6, "web: ", 5, "", 0) == 6 &&
		    memcmp(out, "web: \n", 6) == 0);
	return 0;
}
