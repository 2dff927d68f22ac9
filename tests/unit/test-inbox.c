// SPDX-License-Identifier: MIT
/*
 * inbox: allocated only when a program has ready = notify or fd:N;
 * a notice gathers what one process said, is dropped for a later process of the same
 * program, and is taken once; an index out of range or a missing inbox takes nothing.
 */
#include "config.h"

#include <string.h>

#include "readiness/inbox.h"
#include "state/state.h"
#include "check.h"

int main(void)
{
	struct program programs[2];
	struct pid1_state st = {.programs = programs, .nprograms = 2};
	struct notice n, *p;

	memset(programs, 0, sizeof(programs));
	programs[0].ready_mode = READY_STARTED;
	programs[1].ready_mode = READY_EXITED;
	fail_unless(inbox_open(&st) == 0 && st.inbox == NULL);
	fail_unless(inbox_of(st.inbox, 0, 10) == NULL && !inbox_take(st.inbox, 0, &n));

	programs[1].ready_mode = READY_FD_MIN;
	fail_unless(inbox_open(&st) == 0 && st.inbox != NULL);
	fail_unless(!inbox_take(st.inbox, 1, &n));
	fail_unless(inbox_of(st.inbox, INBOX_SLOTS, 10) == NULL);

	/* What one process said adds up; a later process of the program starts afresh. */
	p = inbox_of(st.inbox, 1, 10);
	fail_unless(p != NULL && p->extend_ms == -1 && p->watchdog_ms == -1);
	p->ready = true;
	p = inbox_of(st.inbox, 1, 10);
	p->alive = true;
	fail_unless(p->ready);
	p = inbox_of(st.inbox, 1, 11);
	fail_unless(!p->ready && !p->alive && p->pid == 11);
	p->stopping = true;

	fail_unless(inbox_take(st.inbox, 1, &n) && n.pid == 11 && n.stopping && !n.ready);
	fail_unless(!inbox_take(st.inbox, 1, &n));
	fail_unless(!inbox_take(st.inbox, 0, &n));

	inbox_close(&st);
	fail_unless(st.inbox == NULL);
	return 0;
}
