// SPDX-License-Identifier: MIT
/*
 * The control protocol's lines (control/protocol.h): a request split into words, a status line into
 * fields. A request with a byte outside printable ASCII, or another version, is refused.
 */
#include "config.h"

#include <string.h>

#include "control/protocol.h"

const char *ctlproto_parse(char *line, size_t len, struct ctl_request *req)
{
	char *word, *save = NULL;
	size_t i;

	req->nwords = 0;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
			return "request has a byte that is not printable";
	word = strtok_r(line, " ", &save);
	if (word == NULL || strcmp(word, CTL_PROTOCOL) != 0)
		return "unsupported protocol (this pid1 speaks " CTL_PROTOCOL ")";
	while ((word = strtok_r(NULL, " ", &save)) != NULL) {
		if (req->nwords == CTL_MAX_WORDS)
			return "too many words in request";
		req->words[req->nwords++] = word;
	}
	if (req->nwords == 0)
		return "request has no command";
	return NULL;
}

int ctlproto_split(char *line, char *fields[CTL_NFIELDS])
{
	size_t n = 0;
	char *tab;

	for (n = 0; n < CTL_NFIELDS; n++) {
		fields[n] = line;
		tab = strchr(line, '\t');
		if (tab == NULL)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	return n == CTL_NFIELDS - 1 ? 0 : -1;
}
