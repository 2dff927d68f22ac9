// SPDX-License-Identifier: MIT
/*
 * envfile_parse: systemd's EnvironmentFile= syntax as pid1 takes it. Comments and blank
 * lines, `export`, blanks around the name and the value, single quotes verbatim, double
 * quotes with their four escapes, backslashes outside quotes, continued lines; and errors
 * that name the line an assignment starts on and never hold its value.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/envfile.h"
#include "check.h"

/* Parses text; returns the list's entries joined by '|', or "ERR:line:why". */
static const char *parse(const char *text)
{
	static char out[1024];
	struct envlist l = {NULL, 0, 0};
	const char *why;
	size_t i;
	int line;

	out[0] = '\0';
	if (envfile_parse(text, strlen(text), &l, &line, &why) < 0) {
		snprintf(out, sizeof(out), "ERR:%d:%s", line, why);
	} else {
		for (i = 0; i < l.n; i++) {
			strlcat(out, i > 0 ? "|" : "", sizeof(out));
			strlcat(out, l.v[i], sizeof(out));
		}
		fail_unless(l.n == 0 || l.v[l.n] == NULL);
	}
	envlist_free(&l);
	return out;
}

static void check(const char *text, const char *want)
{
	const char *got = parse(text);

	if (strcmp(got, want) != 0) {
		fprintf(stderr, "for [%s]: got [%s], want [%s]\n", text, got, want);
		exit(99);
	}
}

int main(void)
{
	struct envlist l = {NULL, 0, 0};
	const char *why;
	int line;

	check("", "");
	check("# c\n; c\n\n  \t\n", "");
	check("A=1\nB=2", "A=1|B=2");
	check("  A  =  spaced value  \r\n", "A=spaced value");
	check("export A=1\nexport\tB=2\n", "A=1|B=2");
	check("exported=1\n", "exported=1");
	check("A=\n", "A=");
	check("A='x \\n $y \"z\"'\n", "A=x \\n $y \"z\"");
	check("A=\"q\\\"q \\\\ \\$ \\` \\n\"\n", "A=q\"q \\ $ ` \\n");
	check("A=\"two\nlines\"\nB=3", "A=two\nlines|B=3");
	check("A='two\nlines'", "A=two\nlines");
	check("A=back\\\nslash\n", "A=backslash");
	check("A=\"join\\\ned\"\n", "A=joined");
	check("A=a\\ \n", "A=a ");
	check("A=x\\\\y\n", "A=x\\y");
	check("A=it's \"inner\"\n", "A=it's \"inner\"");
	check("A=1 # not a comment\n", "A=1 # not a comment");
	check("A=\"x\"   \n", "A=x");
	/* Errors: the line the assignment starts on, the reason, never the value. */
	check("A=1\nnovalue\n", "ERR:2:not NAME=value");
	check("A=1\n\n1A=secret\n", "ERR:3:not a variable name before '='");
	check("A B=secret\n", "ERR:1:not a variable name before '='");
	check("=secret\n", "ERR:1:not a variable name before '='");
	check("A=1\nB=\"secret\nC=2\n", "ERR:2:no closing quote");
	check("A='secret\n", "ERR:1:no closing quote");
	check("A=\"secret\" more\n", "ERR:1:text after the closing quote");
	check("A=1\nB=2\n", "A=1|B=2");
	/* A NUL byte: the line it is on. */
	fail_unless(envfile_parse("A=1\nB=\0x\n", 8, &l, &line, &why) < 0);
	fail_unless(line == 2 && strcmp(why, "a NUL byte") == 0);
	envlist_free(&l);
	return 0;
}
