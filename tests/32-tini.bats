#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pid1 as a drop-in for tini: tini's flags and environment switches keep tini's meaning, and
# `pid1 -- cmd` works exactly as Docker runs its init (`docker-init -- cmd`). Where tini is
# installed, the same run under tini and under pid1 must give the same result.

# shellcheck disable=SC2154 # $stderr is set by run --separate-stderr
bats_require_minimum_version 1.5.0
load lib/pid1

H=$PID1_HELPERS

# same_as_tini STATUS ARGS...: pid1 and, when present, tini give STATUS for the same run.
same_as_tini() {
	local want=$1
	shift
	run pid1_run "$@"
	[ "$status" -eq "$want" ] || fail "pid1 $*: status $status, want $want"
	if command -v tini >/dev/null; then
		run timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount-proc --kill-child \
			tini "$@"
		[ "$status" -eq "$want" ] || fail "tini $*: status $status, want $want"
	elif [ "${PID1_TEST_STRICT:-0}" = 1 ]; then
		fail "tini is not installed: cannot compare"
	fi
}

@test "pid1 -- cmd runs as Docker runs its init, with the child's exit code" {
	same_as_tini 3 -- sh -c 'exit 3'
	same_as_tini 0 -- true
	same_as_tini 137 -- sh -c 'kill -KILL $$'
}

@test "-e CODE reports CODE as 0, as tini -e does; other codes pass unchanged" {
	same_as_tini 0 -e 143 -- sh -c 'kill -TERM $$'
	same_as_tini 0 -e 3 -e 4 -- sh -c 'exit 4'
	same_as_tini 5 -e 3 -- sh -c 'exit 5'
}

@test "-s registers as a subreaper, as tini -s does" {
	run -0 --separate-stderr pid1_run -s -vv -- true
	assert_regex "$stderr" "subreaper"
}

@test "TINI_SUBREAPER in the environment works like -s" {
	TINI_SUBREAPER=1 run -0 --separate-stderr pid1_run -vv -- true
	assert_regex "$stderr" "subreaper"
}

@test "-g forwards to the child's process group, as tini -g does" {
	local a=$BATS_TEST_TMPDIR/a b=$BATS_TEST_TMPDIR/b
	pid1_start -g -- sh -c "\"$H/sigdump\" \"$a\" & exec \"$H/sigdump\" \"$b\""
	wait_until file_has "$a" ready
	wait_until file_has "$b" ready
	send_to_pid1 USR1
	wait_until file_has "$a" SIGUSR1
	wait_until file_has "$b" SIGUSR1
	send_to_pid1 TERM
	pid1_wait
}

@test "TINI_KILL_PROCESS_GROUP in the environment works like -g" {
	local a=$BATS_TEST_TMPDIR/a b=$BATS_TEST_TMPDIR/b
	TINI_KILL_PROCESS_GROUP=1 pid1_start -- sh -c "\"$H/sigdump\" \"$a\" & exec \"$H/sigdump\" \"$b\""
	wait_until file_has "$a" ready
	wait_until file_has "$b" ready
	send_to_pid1 USR1
	wait_until file_has "$a" SIGUSR1
	send_to_pid1 TERM
	pid1_wait
}

@test "-p SIG asks for SIG when pid1's parent dies, as tini -p does" {
	local out=$BATS_TEST_TMPDIR/sig pidf=$BATS_TEST_TMPDIR/pid
	# The parent is a shell that leaves once pid1's child is ready.
	# shellcheck disable=SC2016 # expanded by the inner shell
	setsid sh -c '"$1" -p SIGUSR1 -- "$2" "$3" & echo $! >"$4"
		while ! grep -qx ready "$3" 2>/dev/null; do sleep 0.05; done' \
		_ "$PID1" "$H/sigdump" "$out" "$pidf" 3>&- &
	wait_until file_has "$out" SIGUSR1
	kill -TERM "$(cat "$pidf")"
	wait_until file_has "$out" SIGTERM
}

@test "-w warns about every zombie reaped, as tini -w does" {
	run -0 --separate-stderr pid1_run -w -- sh -c '(sleep 0.1 &); sleep 0.5'
	assert_regex "$stderr" "warning: reaped zombie [0-9]+"
	run -0 --separate-stderr pid1_run -- sh -c '(sleep 0.1 &); sleep 0.5'
	refute_regex "$stderr" "reaped zombie"
}

@test "-v raises the log level, as tini -v does" {
	run -0 --separate-stderr pid1_run -- true
	refute_regex "$stderr" "info:"
	run -0 --separate-stderr pid1_run -v -- true
	assert_regex "$stderr" "info: main\[[0-9]+\] started"
	run -0 --separate-stderr pid1_run -vv -- sh -c '(true &); sleep 0.3'
	assert_regex "$stderr" "debug: reaped orphan"
}

@test "-l prints the license and exits 0, as tini -l does" {
	run -0 --separate-stderr "$PID1" -l
	assert_output --partial "MIT"
}

@test "-p as PID 1: a parent that dies during pid1's start-up still sends the signal" {
	# As PID 1 of a namespace pid1 cannot see its parent (getppid() is 0), so the death
	# signal must be asked for before start-up can be held up: here looking up --user in
	# an /etc/passwd that is a FIFO, which the test writes only after the parent is gone.
	local fifo=$BATS_TEST_TMPDIR/passwd pid
	mkfifo "$fifo"
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount --mount-proc \
		sh -c 'mount --bind "$0" /etc/passwd && exec "$@"' "$fifo" \
		"$PID1" -p SIGTERM --user nobody -- sleep 60 >/dev/null \
		2>"$BATS_TEST_TMPDIR/err" 3>&- &
	local timeout_job=$!
	wait_until pgrep -P "$timeout_job" -x unshare
	PID1_OUTER=$(pgrep -P "$timeout_job" -x unshare)
	wait_until pid1_found
	pid=$(pid1_outer_child)
	wait_until test "$(cat "/proc/$pid/wchan" 2>/dev/null)" = wait_for_partner
	# The parent of the namespace's PID 1 is unshare: it dies, pid1 lives on.
	kill -KILL "$PID1_OUTER"
	grep -E '^(root|nobody):' /etc/passwd >"$fifo" || true
	WAIT_SECONDS=15 wait_until test ! -e "/proc/$pid" || {
		kill -KILL "$pid"
		fail "pid1 did not get SIGTERM for its parent's death"
	}
	grep -qF "shutdown begins: SIGTERM" "$BATS_TEST_TMPDIR/err"
}
