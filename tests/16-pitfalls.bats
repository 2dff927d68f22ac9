#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The pitfalls that bit other container inits (tini, dumb-init, catatonit), each tried many
# times where it is a race: coalesced SIGCHLDs that hang the reaper, a terminal hand-over
# that sends the child SIGHUP, a stopped child that nothing can end, a `docker stop` lost
# during start-up, an init that pins the mount it started in or the pipe it was given, and
# an init that spins or dies when the kernel or a seccomp profile says no. pid1 runs as the
# real PID 1 of a fresh PID namespace unless a test says otherwise.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $stderr

bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	S=$BATS_TEST_TMPDIR
	export S
}

teardown() {
	local p
	# A failed test may leave pid1 or the pipe's reader running.
	for p in ${PID1_OUTER:-} ${READER:-}; do
		kill "$p" 2>/dev/null || true
	done
}

# pid1_start_after SCRIPT ARGS...: pid1_start, but SCRIPT runs first (sh -c) in the process
# that then becomes pid1 by exec, so what SCRIPT opens or changes into is pid1's alone and
# not also held by unshare or timeout.
pid1_start_after() {
	local script=$1
	shift
	# shellcheck disable=SC2086
	timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount-proc --kill-child \
		sh -c "$script"' && exec "$@"' sh $PID1_WRAPPER "$PID1" "$@" \
		>"$S/out" 2>"$S/err" 3>&- &
	PID1_OUTER=$!
	wait_until pid1_found
	PID1_PID=$(pid1_outer_child)
	export PID1_OUTER PID1_PID
}

# in_loop LOG: pid1 (-v, logging to LOG) has reached its event loop, so start-up is over:
# a SIGUSR1 (that the child ignores) is logged as forwarded. Sent again at each try, since
# one sent before pid1 has a handler is dropped.
in_loop() {
	wait_until usr1_forwarded "$1"
}

usr1_forwarded() {
	send_to_pid1 USR1
	grep -q 'received SIGUSR1: forwarded' "$1" 2>/dev/null
}

# cwd_is PID DIR: the working directory of PID (outside view) is DIR.
cwd_is() {
	[ "$(readlink "/proc/$1/cwd")" = "$2" ]
}


# --- what pid1 was given ---

@test "pid1 leaves its starting directory: a mount it started in can be unmounted at once" {
	mkdir "$S/mnt"
	pid1_start_after 'mount -t tmpfs pitfall "$S/mnt" && cd "$S/mnt"' \
		-- sh -c 'cd / && while [ ! -e "$S/stop" ]; do sleep 0.05; done; exit 7'
	WAIT_SECONDS=5 wait_until cwd_is "$PID1_PID" /
	# Not umount -l: a busy mount must fail here, as it would for the runtime.
	run -0 nsenter -t "$PID1_PID" -m umount "$S/mnt"
	kill -0 "$PID1_PID"
	touch "$S/stop"
	pid1_wait
	[ "$status" -eq 7 ] || fail "status $status: $(cat "$S/err")"
}

@test "pid1 keeps no inherited fd: a pipe's reader sees EOF once the child closes its end" {
	mkfifo "$S/fifo"
	(
		cat "$S/fifo"
		echo eof >"$S/eof"
	) >/dev/null 2>&1 3>&- &
	READER=$!
	pid1_start_after 'exec 5>"$S/fifo"' -v --log-file "$S/log" --pidfile "$S/pid" \
		-- sh -c 'trap "" USR1; exec 5>&-; while [ ! -e "$S/stop" ]; do sleep 0.05; done; exit 7'
	WAIT_SECONDS=5 wait_until file_has "$S/eof" eof
	kill -0 "$PID1_PID"
	[ ! -e "/proc/$PID1_PID/fd/5" ] || fail "pid1 still holds fd 5"
	# pid1's own fds stay: the log file is still written, the pidfile removed at exit.
	in_loop "$S/log"
	touch "$S/stop"
	pid1_wait
	[ "$status" -eq 7 ] || fail "status $status: $(cat "$S/err")"
	[ ! -e "$S/pid" ] || fail "the pidfile was left behind"
}

@test "with a restart policy pid1 keeps its directory and fds: the next start needs them" {
	mkdir "$S/dir"
	pid1_start_after 'cd "$S/dir" && exec 5>"$S/held"' -v --restart on-failure \
		-- sh -c 'trap "" USR1; while [ ! -e "$S/stop" ]; do sleep 0.05; done'
	in_loop "$S/err"
	cwd_is "$PID1_PID" "$S/dir" || fail "pid1 left $S/dir"
	[ -e "/proc/$PID1_PID/fd/5" ] || fail "pid1 closed fd 5"
	touch "$S/stop"
	pid1_wait
	assert_equal "$status" 0
}

@test "a relative pidfile or log file keeps pid1 in its directory, and both still work" {
	mkdir "$S/dir"
	pid1_start_after 'cd "$S/dir"' -v --pidfile pid --log-file log \
		-- sh -c 'trap "" USR1; while [ ! -e "$S/stop" ]; do sleep 0.05; done; exit 7'
	wait_until test -e "$S/dir/log"
	in_loop "$S/dir/log"
	cwd_is "$PID1_PID" "$S/dir" || fail "pid1 left $S/dir"
	touch "$S/stop"
	pid1_wait
	[ "$status" -eq 7 ] || fail "status $status: $(cat "$S/err")"
	[ ! -e "$S/dir/pid" ] || fail "the pidfile was left behind"
}
