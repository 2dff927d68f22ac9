// SPDX-License-Identifier: MIT
/*
 * ctlproto: a request's version, words and bytes are checked; a status line has exactly its
 * fields.
 */
#include "config.h"

#include <string.h>

#include "control/control.h"
#include "check.h"

/* parse(text) as pid1 would, the newline already cut off: NULL or why not. */
static const char *parse(const char *text, struct ctl_request *req)
{
	static char line[CTL_REQUEST_MAX + 1];

	strcpy(line, text);
	return ctlproto_parse(line, strlen(line), req);
}

int main(void)
{
	struct ctl_request req;
	char *f[CTL_NFIELDS];
	char line[128];

	fail_unless(parse("pid1/1 status", &req) == NULL);
	fail_unless(req.nwords == 1 && strcmp(req.words[0], "status") == 0);
	fail_unless(parse("pid1/1  signal  web   SIGHUP\r", &req) == NULL);
	fail_unless(req.nwords == 3 && strcmp(req.words[2], "SIGHUP") == 0);
	fail_unless(parse("pid1/1 a b c d", &req) == NULL && req.nwords == 4);
	fail_unless(strstr(parse("pid1/1 a b c d e", &req), "too many") != NULL);
	fail_unless(strstr(parse("pid1/2 status", &req), "unsupported protocol") != NULL);
	fail_unless(strstr(parse("status", &req), "unsupported protocol") != NULL);
	fail_unless(strstr(parse("", &req), "unsupported protocol") != NULL);
	fail_unless(strstr(parse("pid1/1", &req), "no command") != NULL);
	fail_unless(strstr(parse("pid1/1 stop w\teb", &req), "not printable") != NULL);
	fail_unless(strstr(parse("pid1/1 stop \xc3\xa9", &req), "not printable") != NULL);

	strcpy(line, "web\trunning\t12\t3400\t0\tyes\t-");
	fail_unless(ctlproto_split(line, f) == 0);
	fail_unless(strcmp(f[CTL_NAME], "web") == 0 && strcmp(f[CTL_LAST_EXIT], "-") == 0);
	fail_unless(strcmp(f[CTL_UPTIME_MS], "3400") == 0);
	fail_unless(strcmp(f[CTL_HEALTH], "-") == 0);
	strcpy(line, "web\trunning\t12\t3400\t0\tyes\t-\thealthy: HTTP 200");
	fail_unless(ctlproto_split(line, f) == 0);
	fail_unless(strcmp(f[CTL_HEALTH], "healthy: HTTP 200") == 0);
	strcpy(line, "web\trunning\t12");
	fail_unless(ctlproto_split(line, f) == -1);
	strcpy(line, "a\tb\tc\td\te\tf\tg\th\ti");
	fail_unless(ctlproto_split(line, f) == -1);
	return 0;
}
