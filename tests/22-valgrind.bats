#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pid1 under valgrind memcheck on representative runs: no invalid access, no uninitialised
# read, no leak of any kind, on the success paths and the refusal paths alike.

bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	command -v valgrind >/dev/null || skip_or_fail "valgrind is not installed"
	# An ASan build runs its own checks; valgrind cannot run it (an expected skip).
	if grep -q __asan_init "$PID1" 2>/dev/null; then
		skip "pid1 is built with AddressSanitizer"
	fi
	VG_LOG=$BATS_TEST_TMPDIR/valgrind.log
	# Leaks of every kind count: pid1 frees everything before it exits.
	# shellcheck disable=SC2034 # read by pid1_run and pid1_start in lib/pid1.bash
	PID1_WRAPPER="valgrind -q --vgdb=no --child-silent-after-fork=yes --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99 --log-file=$VG_LOG"
	# shellcheck disable=SC2034 # read by pid1_run
	PID1_TIMEOUT=120
}

# The log must be empty: -q makes valgrind silent unless it found something. A valgrind
# that does not know pidfd_open (434) or pidfd_send_signal (424) says so and fails the call,
# which pid1 takes as a kernel without them: that note is about valgrind, not pid1.
assert_clean() {
	local said
	said=$(grep -vE -- '^--[0-9]+-- (WARNING: unhandled [a-z0-9]+-linux syscall: 4[23]4|You may be able to write your own handler\.|Read the file README_MISSING_SYSCALL_OR_IOCTL\.|Nevertheless we consider this a bug\.  Please report|it at http://valgrind\.org/support/bug_reports\.html\.)$' "$VG_LOG" 2>/dev/null || true)
	if [ -n "$said" ]; then
		cat "$VG_LOG" >&2
		fail "valgrind reported errors"
	fi
}

@test "valgrind: child exit code, orphans reaped" {
	run -3 pid1_run -- sh -c '(sleep 0.1 &); (sleep 0.1 &); sleep 0.4; exit 3'
	assert_clean
}

@test "valgrind: forwarded signals and the shutdown ladder" {
	local out=$BATS_TEST_TMPDIR/sigs
	pid1_start -v -- "$PID1_HELPERS/sigdump" "$out"
	wait_until file_has "$out" ready
	send_to_pid1 USR1
	wait_until file_has "$out" SIGUSR1
	send_to_pid1 TERM
	pid1_wait
	assert_clean
	[ "$status" -eq 0 ]
}

@test "valgrind: a config file with every section" {
	local conf=$BATS_TEST_TMPDIR/pid1.conf
	cat >"$conf" <<'CONF'
forward-to = child
signal SIGUSR1 { action = rewrite to = SIGUSR2 }
signal SIGWINCH { action = ignore }
shutdown {
    delay = 0s
    step SIGTERM { grace = 2s }
    step SIGKILL { grace = 1s }
}
exit-code 143 { as = 0 }
log {
    level = debug
}
CONF
	run -0 pid1_run -c "$conf" -- sh -c 'kill -TERM $$'
	assert_clean
	run -0 pid1_run -n -c "$conf"
	assert_clean
}

@test "valgrind: several programs, a restart, a cycle refused" {
	local conf=$BATS_TEST_TMPDIR/pid1.conf
	cat >"$conf" <<'CONF'
env = { "A=1" }
restart { delay = 100ms }
program setup { command = { "true" } type = oneshot }
program flaky {
    command = { "sh", "-c", "exit 1" }
    after = { setup }
    restart = on-failure
    env = { "B=2" }
    unset-env = { "A" }
}
program web {
    command = { "sh", "-c", "sleep 0.5; exit 4" }
    after = { setup }
    essential = true
}
CONF
	run -4 pid1_run -c "$conf"
	assert_clean
	run -0 pid1_run -n -c "$conf" -- true
	assert_clean
	printf 'program a { command = { "x" } after = { a } }\n' >"$conf"
	run -2 pid1_run -c "$conf"
	assert_clean
}

# The datagram with fds is refused by Linux 6.16 and later (its sender fails, which is why
# its status is not what goes on): either way pid1 takes nothing from it.
@test "valgrind: readiness, hostile datagrams, a hung program and the ready file" {
	local S=$BATS_TEST_TMPDIR H=$PID1_HELPERS conf=$BATS_TEST_TMPDIR/pid1.conf
	chmod 755 "$S"
	mkdir -m 755 "$S/run"
	: >"$S/marker"
	cat >"$conf" <<CONF
ready-file = $S/run/ready
program db {
    command = { "sh", "-c", "$H/sdnotify -n 5000; $H/sdnotify -f $S/marker READY=1; exec $H/sdnotify 'READY=1\\nSTATUS=up\\nMAINPID=2\\nEXTEND_TIMEOUT_USEC=5' sleep 100" }
    ready = notify
    essential = true
}
program pipe {
    command = { "sh", "-c", "echo >&5; exec sleep 100" }
    ready = fd:5
    after = { db }
}
program hung {
    command = { "sleep", "100" }
    ready = notify
    ready-timeout = 1s
    after = { pipe }
}
CONF
	pid1_start -v -c "$conf"
	wait_until [ -f "$S/run/ready" ]
	wait_until grep -q "hung\\[.*not ready within its ready-timeout" "$S/err"
	grep -q "db: status: up" "$S/err"
	send_to_pid1 TERM
	pid1_wait
	[ ! -e "$S/run/ready" ]
	assert_clean
}

@test "valgrind: a refused config file" {
	local conf=$BATS_TEST_TMPDIR/bad.conf
	printf 'signal SIGFOO { action = forward }\n' >"$conf"
	run -2 pid1_run -c "$conf" -- true
	assert_clean
}

@test "valgrind: not PID 1, the ladder finds pid1's descendants in /proc" {
	# The daemon ignores SIGINT (started with &), so the walk runs for two steps.
	# shellcheck disable=SC2016 # for the child shell
	run -130 pid1_run_plain -- sh -c 'setsid sleep 30 & kill -INT $PPID; sleep 30'
	assert_clean
}

@test "valgrind: a command that cannot be found" {
	run -127 pid1_run -- /nonexistent/command
	assert_clean
}

# heap_allocs SCRIPT: how many heap blocks pid1 -v allocated over a run of sh -c SCRIPT, as
# valgrind's heap summary counts them.
heap_allocs() {
	# shellcheck disable=SC2034 # read by pid1_run in lib/pid1.bash
	local PID1_WRAPPER="valgrind --vgdb=no --child-silent-after-fork=yes --log-file=$VG_LOG"
	pid1_run -v -- sh -c "$1" >/dev/null 2>&1 || true
	sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$VG_LOG" | tr -d ,
}

@test "valgrind: the event loop allocates nothing, however many signals and orphans" {
	local one many
	# shellcheck disable=SC2016 # for the child shell
	one=$(heap_allocs 'trap "" USR1; kill -USR1 1; (true &); sleep 0.2; kill -TERM 1; sleep 5')
	# shellcheck disable=SC2016 # for the child shell
	many=$(heap_allocs 'trap "" USR1; i=0
		while [ $i -lt 200 ]; do kill -USR1 1; (true &); i=$((i + 1)); done
		sleep 0.2; kill -TERM 1; sleep 5')
	[ -n "$one" ] || fail "no heap summary from valgrind: $(cat "$VG_LOG")"
	[ "$one" = "$many" ] || fail "heap blocks: $one with one signal and orphan, $many with 200"
}
