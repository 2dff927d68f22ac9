#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Signals: every catchable one sent to pid1 reaches the child, in order, each time; -g
# widens that to the child's process group; SIGTERM and SIGINT start the shutdown. The child
# starts with the signal mask and ignored signals pid1 itself was started with.
# shellcheck disable=SC2016,SC2030,SC2031 # sh -c scripts are single-quoted on purpose; each
# test is a subshell of its own, so PID1_PID set in one is meant to stay there
bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG
	SIGS=$BATS_TEST_TMPDIR/sigs
}

teardown() {
	if [ -n "${STRACE_PID:-}" ]; then
		kill "$STRACE_PID" 2>/dev/null || true
	fi
	# A test that failed half-way may leave pid1 running: end it, and the namespace with it.
	if [ -n "${PID1_PID:-}" ] && [ -d "/proc/$PID1_PID" ]; then
		kill -KILL "$PID1_PID" 2>/dev/null || true
	fi
}

# gone_outer: the background pid1 (or what runs it) has exited.
gone_outer() {
	local state
	state=$(sed 's/.*) //' "/proc/$PID1_OUTER/stat" 2>/dev/null | cut -c1)
	[ -z "$state" ] || [ "$state" = Z ]
}

# start_sigdump: pid1 in the background running sigdump on $SIGS.
start_sigdump() {
	pid1_start "$PID1_HELPERS/sigdump" "$SIGS"
	wait_until file_has "$SIGS" ready
}

# forward_each SIG...: sends each signal to pid1 and waits until the child recorded it,
# so each arrives alone and the order is the order sent.
forward_each() {
	local sig
	for sig in "$@"; do
		send_to_pid1 "$sig"
		wait_until file_has "$SIGS" "SIG$sig"
	done
}

# stop_sigdump: SIGINT to pid1; the ladder's SIGINT step ends sigdump, which exits 0.
stop_sigdump() {
	send_to_pid1 INT
	pid1_wait
	[ "$status" = 0 ] || fail "pid1 exited $status; stderr: $(cat "$BATS_TEST_TMPDIR/err")"
}

@test "forwards each catchable signal to the child, in the order sent" {
	local sig want=ready
	local list=(HUP QUIT USR1 USR2 WINCH CONT ALRM PIPE URG TSTP TTIN TTOU)
	start_sigdump
	forward_each "${list[@]}"
	stop_sigdump
	for sig in "${list[@]}" INT; do
		want+=$'\n'SIG$sig
	done
	run cat "$SIGS"
	assert_output "$want"
}

# held_burst TRACE SIG...: strace writes pid1's ppoll and kill calls to TRACE while pid1 is
# stopped, sent each SIG in turn, and let go on; returns once the child recorded them all,
# and the SIGCONT that let pid1 go on.
held_burst() {
	local trace=$1 sig
	shift
	[ -z "$PID1_WRAPPER" ] || skip "PID1_WRAPPER ($PID1_WRAPPER) would be traced, not pid1"
	command -v strace >/dev/null || skip_or_fail "strace not found (Debian: strace)"
	strace -qq -p "$PID1_PID" -o "$trace" -e trace=ppoll,kill -e signal=none 3>&- &
	STRACE_PID=$!
	wait_until traced "$PID1_PID"
	kill -STOP "$PID1_PID"
	wait_until held "$PID1_PID"
	for sig in "$@"; do
		send_to_pid1 "$sig"
	done
	kill -CONT "$PID1_PID"
	for sig in "$@" CONT; do
		wait_until file_has "$SIGS" "SIG$sig"
	done
	kill "$STRACE_PID"
	wait "$STRACE_PID" || true
}

# held PID: PID is stopped (T), or stopped under its tracer (t).
held() {
	local state
	state=$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)
	[ "$state" = T ] || [ "$state" = t ]
}

@test "signals pending together are taken in one trip round the loop, not one ppoll each" {
	local list=(WINCH URG USR2 HUP ALRM USR1 PWR RTMIN+2 RTMIN+1) polls
	start_sigdump
	held_burst "$BATS_TEST_TMPDIR/trace" "${list[@]}"
	stop_sigdump
	# The ppoll the stop caught, the one that took the burst and the next: one per signal
	# (ten with SIGCONT) without the batch.
	polls=$(grep -c '^ppoll(' "$BATS_TEST_TMPDIR/trace")
	[ "$polls" -le 3 ] || fail "$polls ppoll calls for ${#list[@]} signals: $(cat "$BATS_TEST_TMPDIR/trace")"
}

@test "a batch is passed on in the order the kernel delivers it, as one at a time would be" {
	start_sigdump
	held_burst "$BATS_TEST_TMPDIR/trace" WINCH URG USR2 HUP RTMIN+2 ALRM USR1 RTMIN+1
	stop_sigdump
	# Standard signals lowest first, then the real-time ones, lowest first: the kernel's
	# order for signals pending together. A nested handler would give it backwards.
	run sed -n 's/^kill(2, \([A-Z0-9_+]*\)).*/\1/p' "$BATS_TEST_TMPDIR/trace"
	assert_output "$(printf '%s\n' SIGHUP SIGUSR1 SIGUSR2 SIGALRM SIGCONT SIGURG SIGWINCH \
		SIGRT_3 SIGRT_4)"
}

@test "forwards a real-time signal, SIGRTMIN+3" {
	start_sigdump
	forward_each RTMIN+3
	stop_sigdump
	assert_equal "$(cat "$SIGS")" "$(printf 'ready\nSIGRTMIN+3\nSIGINT')"
}

@test "forwards a signal again each time it arrives" {
	start_sigdump
	send_to_pid1 USR1
	wait_until has_lines "$SIGS" 1 SIGUSR1
	send_to_pid1 USR1
	wait_until has_lines "$SIGS" 2 SIGUSR1
	send_to_pid1 USR1
	wait_until has_lines "$SIGS" 3 SIGUSR1
	stop_sigdump
}

@test "SIGTERM starts the shutdown at the ladder's SIGTERM step: the child gets SIGTERM, not SIGINT" {
	start_sigdump
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	assert_equal "$(cat "$SIGS")" "$(printf 'ready\nSIGTERM')"
	grep -qF "shutdown begins: SIGTERM; scope all, 3 steps, from step 2" "$BATS_TEST_TMPDIR/err"
}

@test "SIGINT starts the shutdown too" {
	start_sigdump
	send_to_pid1 INT
	pid1_wait
	assert_equal "$status" 0
	assert_equal "$(cat "$SIGS")" "$(printf 'ready\nSIGINT')"
}

@test "by default only the child gets forwarded signals, not the rest of its group" {
	local a=$BATS_TEST_TMPDIR/a.sigs other
	pid1_start sh -c '"$1" "$2" & exec "$1" "$3"' sh "$PID1_HELPERS/sigdump" "$a" "$SIGS"
	wait_until file_has "$a" ready
	wait_until file_has "$SIGS" ready
	send_to_pid1 USR1
	wait_until file_has "$SIGS" SIGUSR1
	# A SIGUSR1 sent to the other process would be pending by now, and a pending lower
	# signal is delivered before SIGWINCH: once SIGWINCH is recorded, SIGUSR1 never came.
	other=$(pgrep -f -- "sigdump $a\$")
	[ -n "$other" ] || fail "cannot find the second sigdump"
	kill -s WINCH "$other"
	wait_until file_has "$a" SIGWINCH
	run -1 grep -x SIGUSR1 "$a"
	stop_sigdump
}

@test "-g puts the child in its own process group" {
	run -0 --separate-stderr pid1_run -g sh -c 'set -- $(cat /proc/$$/stat); [ "$5" = $$ ] && echo own group'
	assert_output "own group"
}

@test "-g forwards to every process in the child's process group" {
	local a=$BATS_TEST_TMPDIR/a.sigs
	pid1_start -g sh -c '"$1" "$2" & exec "$1" "$3"' sh "$PID1_HELPERS/sigdump" "$a" "$SIGS"
	wait_until file_has "$a" ready
	wait_until file_has "$SIGS" ready
	send_to_pid1 USR1
	wait_until file_has "$SIGS" SIGUSR1
	wait_until file_has "$a" SIGUSR1
	send_to_pid1 RTMIN+3
	wait_until file_has "$SIGS" SIGRTMIN+3
	wait_until file_has "$a" SIGRTMIN+3
	stop_sigdump
}

@test "the child starts with no signal blocked or ignored by pid1 itself" {
	local want
	# Normally both are zero, but a caller may ignore some (GNU make ignores 32 and 33).
	want=$("$PID1_HELPERS/inherit" | grep '^Sig')
	run -0 --separate-stderr pid1_run "$PID1_HELPERS/inherit"
	assert_equal "$(grep '^Sig' <<<"$output")" "$want"
}

@test "the child starts with the signal mask and ignored signals pid1 was given" {
	local wrap=$BATS_TEST_TMPDIR/masked want blk ign
	command -v python3 >/dev/null || skip_or_fail "python3 is needed to block a signal"
	# Blocks SIGHUP and ignores SIGUSR2, then execs the rest of its arguments.
	cat >"$wrap" <<-'PY'
		#!/usr/bin/env python3
		import os, signal, sys
		signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
		signal.signal(signal.SIGUSR2, signal.SIG_IGN)
		os.execvp(sys.argv[1], sys.argv[1:])
	PY
	chmod +x "$wrap"
	want=$("$wrap" "$PID1_HELPERS/inherit" | grep '^Sig')
	blk=$(sed -n 's/^SigBlk: //p' <<<"$want")
	ign=$(sed -n 's/^SigIgn: //p' <<<"$want")
	((16#$blk & 0x1)) || fail "the wrapper did not block SIGHUP: $want"
	((16#$ign & 0x800)) || fail "the wrapper did not ignore SIGUSR2: $want"
	# The wrapper runs as PID 1 of the namespace and execs pid1, which stays PID 1.
	PID1_WRAPPER="$wrap $PID1_WRAPPER" run -0 --separate-stderr pid1_run "$PID1_HELPERS/inherit"
	assert_equal "$(grep '^Sig' <<<"$output")" "$want"
}

@test "not PID 1, signals 32 and 33, which the C library keeps for itself, do not kill pid1" {
	# glibc's sigaction refuses them, so without pid1's own handling their default (end
	# the process) applies, and the child would lose pid1's ladder.
	# shellcheck disable=SC2086 # PID1_WRAPPER is a word list on purpose
	$PID1_WRAPPER "$PID1" -- "$PID1_HELPERS/sigdump" "$SIGS" >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" 3>&- &
	PID1_OUTER=$!
	PID1_PID=$PID1_OUTER
	wait_until file_has "$SIGS" ready
	kill -s 32 "$PID1_PID"
	kill -s 33 "$PID1_PID"
	# A signal sent after them is handled, so they were handled (ignored) before it.
	send_to_pid1 USR1
	wait_until file_has "$SIGS" SIGUSR1
	[ -d "/proc/$PID1_PID" ]
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
}

@test "signal 34 is SIGRTMIN and reaches the child, whichever C library pid1 was built with" {
	# musl keeps 32-34 for its threads (its SIGRTMIN is 35); pid1 still catches 34, the
	# SIGRTMIN every other program means. sleep takes its default action: it dies of it.
	pid1_start sh -c 'echo ready >"$1" && exec sleep 60' sh "$SIGS"
	wait_until file_has "$SIGS" ready
	send_to_pid1 34
	pid1_wait
	assert_equal "$status" $((128 + 34))
	grep -q 'killed by SIGRTMIN after' "$BATS_TEST_TMPDIR/err" || fail "$(cat "$BATS_TEST_TMPDIR/err")"
}

@test "SIGRTMIN+3 in a config file is signal 37, whichever C library pid1 was built with" {
	local conf=$BATS_TEST_TMPDIR/rt.conf
	echo 'signal SIGUSR1 { action = rewrite  to = "SIGRTMIN+3" }' >"$conf"
	run -0 --separate-stderr pid1_run -n -c "$conf"
	assert_output --partial 'SIGRTMIN+3'
	pid1_start -c "$conf" -- sh -c 'echo ready >"$1" && exec sleep 60' sh "$SIGS"
	wait_until file_has "$SIGS" ready
	send_to_pid1 USR1
	pid1_wait
	assert_equal "$status" $((128 + 37))
}

# pid1_in_fifo_open: the background pid1 waits in open() of a FIFO.
pid1_in_fifo_open() {
	[ "$(cat "/proc/$PID1_PID/comm")" = pid1 ] &&
		[ "$(cat "/proc/$PID1_PID/wchan")" = wait_for_partner ]
}

# signal_during_startup SIG: pid1 as PID 1 running sleep, with SIG sent while start-up is
# held: /etc/passwd is a FIFO in pid1's mount namespace, so looking up --user waits in
# open() until the test writes it. Default dispositions would drop the signal then.
signal_during_startup() {
	mkfifo "$BATS_TEST_TMPDIR/passwd"
	timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount --mount-proc --kill-child \
		sh -c 'mount --bind "$0" /etc/passwd && exec "$@"' "$BATS_TEST_TMPDIR/passwd" \
		"$PID1" --user nobody -- sleep 60 >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" 3>&- &
	PID1_OUTER=$!
	wait_until pid1_found
	PID1_PID=$(pid1_outer_child)
	wait_until pid1_in_fifo_open
	send_to_pid1 "$1"
	# The reader may close the FIFO once it found nobody: a SIGPIPE here is no failure.
	grep -E '^(root|nobody):' /etc/passwd >"$BATS_TEST_TMPDIR/passwd" || true
	# The signal ends sleep at once; a lost signal leaves it the full minute.
	WAIT_SECONDS=15 wait_until gone_outer
	pid1_wait
}

@test "as PID 1, a SIGTERM that arrives during start-up is held until pid1 can act on it" {
	signal_during_startup TERM
	# The ladder's SIGTERM.
	assert_equal "$status" 143
}

@test "as PID 1, a signal 34 that arrives during start-up is held too, even with musl" {
	# musl unblocks 34 when the first handler is installed; pid1's must be there by then.
	signal_during_startup 34
	assert_equal "$status" $((128 + 34))
}
