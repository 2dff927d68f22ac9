#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Stress and resource faults: tens of thousands of orphans, storms of signals, SIGCHLD
# coalescing around the main child's exit, and pid1 started without processes, without fds,
# without stderr or with broken pipes. Pass or fail only: nothing here measures speed, and
# the one CPU bound is a sanity limit far above what any working pid1 needs. pid1 always runs
# as the real PID 1 of a fresh PID namespace.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $stderr

bats_require_minimum_version 1.5.0
load lib/pid1

# flood SIG COUNT PID: sends COUNT signals to PID from outside, 1000 per kill(1) call.
flood() {
	local pids i
	# One kill with a thousand operands: a bash loop under bats' traps would be too slow.
	mapfile -t pids < <(yes "$3" | head -n 1000)
	for ((i = 0; i < $2 / 1000; i++)); do
		kill -s "$1" "${pids[@]}" || return 1
	done
}

# only_child_left PID: PID has exactly one child, and it is not a zombie.
only_child_left() {
	[ "$(count_children "$1")" -eq 1 ] && [ "$(zombie_children "$1")" -eq 0 ]
}

# need_pid_max N: kernel.pid_max leaves room for N more processes, raising it to systemd's
# default if needed. Every process in a PID namespace also takes a pid outside it. It is not
# lowered again afterwards: another test running at the same time may rely on it.
need_pid_max() {
	local cur
	cur=$(cat /proc/sys/kernel/pid_max)
	[ "$cur" -ge $(($1 + 20000)) ] && return 0
	if ! echo 4194304 2>/dev/null >/proc/sys/kernel/pid_max; then
		skip_or_fail "kernel.pid_max is $cur and cannot be raised for $1 processes"
	fi
}

setup() {
	unset PID1_CONFIG
	H=$PID1_HELPERS
	T=$BATS_TEST_TMPDIR
}

teardown() {
	# A test that failed half-way may leave pid1 running: end it, and the namespace with it.
	if [ -n "${PID1_PID:-}" ] && pid1_alive; then
		kill -KILL "$PID1_PID" 2>/dev/null || true
	fi
	if [ -n "${PID1_OUTER:-}" ]; then
		wait "$PID1_OUTER" 2>/dev/null || true
	fi
	if [ -n "${FLOODER:-}" ]; then
		kill "$FLOODER" 2>/dev/null || true
		wait "$FLOODER" 2>/dev/null || true
	fi
	if [ -f "$T/err" ]; then
		sed 's/^/# stderr: /' "$T/err" | tail -n 20
	fi
}

# Slow: forking 50,000 processes and reaping them takes 10 to 40 s.
@test "reaps 50,000 orphans that exit at once, and no zombie is left" {
	need_pid_max 50000
	ulimit -u unlimited 2>/dev/null || ulimit -u "$(ulimit -H -u)"
	export PID1_TIMEOUT=300
	# The main child makes the orphans, then waits to be told to exit 0.
	pid1_start sh -c '"$1" 50000 || exit 1
		while [ ! -e "$2" ]; do sleep 0.1; done' sh "$H/orphans" "$T/stop"
	WAIT_SECONDS=120 wait_until file_has "$T/out" "orphaned 50000"
	# Every orphan was pid1's child once the intermediate left; all must be gone.
	WAIT_SECONDS=180 wait_until only_child_left "$PID1_PID"
	pid1_alive
	touch "$T/stop"
	pid1_wait
	[ "$status" -eq 0 ]
}

# About 5 s.
@test "stays responsive through 100,000 signals and uses bounded CPU for them" {
	pid1_start "$H/sigdump" "$T/sig"
	wait_until file_has "$T/sig" ready
	before=$(cpu_ticks "$PID1_PID")
	flood USR1 100000 "$PID1_PID"
	pid1_alive
	# Afterwards a different signal still gets through, so pid1 is not stuck in a backlog.
	send_to_pid1 USR2
	WAIT_SECONDS=60 wait_until file_has "$T/sig" SIGUSR2
	after=$(cpu_ticks "$PID1_PID")
	# A sanity bound, not a speed test: 30 s of CPU for 100,000 signals.
	hz=$(getconf CLK_TCK)
	if [ $((after - before)) -ge $((30 * hz)) ]; then
		fail "pid1 used $(((after - before) / hz)) s of CPU for 100,000 signals"
	fi
	file_has "$T/sig" SIGUSR1
	# And SIGTERM still shuts it down: the ladder's SIGTERM makes sigdump exit 0.
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	file_has "$T/sig" SIGTERM
}

# About 10 s: 20 runs.
@test "a burst of orphans exiting with the main child never hides the child's exit code" {
	# The orphans are released when the helper exits, and the shell exits 7 right after,
	# so their SIGCHLDs and the main child's coalesce into the same wake-ups.
	for i in $(seq 20); do
		run -7 pid1_run sh -c '"$1" 300 >/dev/null; exit 7' sh "$H/orphans"
	done
}

@test "exits with the child's code when the child exits during a signal storm" {
	# The child ignores SIGUSR1, so forwarded copies do not end it; it exits 5 when told.
	pid1_start sh -c 'trap "" USR1; echo up; while [ ! -e "$1" ]; do sleep 0.05; done
		exit 5' sh "$T/go"
	wait_until file_has "$T/out" up
	# The storm goes on until pid1 is gone (kill fails), or for at most 60 s.
	start=$SECONDS
	(
		while [ "$SECONDS" -lt $((start + 60)) ]; do
			flood USR1 10000 "$PID1_PID" 2>/dev/null || exit 0
			[ -e "$T/go" ] || touch "$T/go"
		done
		exit 3 # pid1 outlived a minute of signals after the child was told to exit
	) 3>&- &
	FLOODER=$!
	pid1_wait
	[ "$status" -eq 5 ]
	# Generous: pid1 needs milliseconds, but must not wait for the storm to stop.
	[ $((SECONDS - start)) -lt 20 ]
	# The storm was still on when the child exited: the sender only stops on ESRCH.
	wait "$FLOODER"
}

@test "a failed fork is reported with its reason and exit code 1" {
	if ! command -v setpriv >/dev/null || ! command -v prlimit >/dev/null; then
		skip_or_fail "setpriv and prlimit (util-linux) are needed"
	fi
	# As root RLIMIT_NPROC is not enforced, so pid1 runs as nobody with room for itself only.
	export PID1_WRAPPER="setpriv --reuid=nobody --regid=nogroup --clear-groups prlimit --nproc=1"
	run -1 --separate-stderr pid1_run -- true
	[ -z "$output" ]
	[[ "$stderr" == *pid1* ]]
	[[ "$stderr" == *"main could not be started: Resource temporarily unavailable"* ]]
}

# with_fds N: pid1 -- true with an fd limit of N and nothing open but 0, 1 and 2 (the limit
# is on fd numbers, and bats keeps a few fds of its own open).
with_fds() {
	local fd
	for fd in "/proc/$BASHPID/fd"/*; do
		fd=${fd##*/}
		[ "$fd" -le 2 ] || eval "exec $fd>&-"
	done
	PID1_WRAPPER="prlimit --nofile=$1" pid1_run -- true
}

@test "with very few fds pid1 runs the child or fails with a reason, never crashes" {
	command -v prlimit >/dev/null || skip_or_fail "prlimit (util-linux) is needed"
	# Below 4 a dynamic pid1 cannot even load its libraries: that is ld.so's exit 127.
	for n in 4 5 6 7 8 10 16; do
		run --separate-stderr with_fds "$n"
		case "$status" in
		0) ;;
		1)
			# EMFILE in glibc's words or in musl's.
			if [[ "$stderr" != *pid1*"Too many open files"* &&
				"$stderr" != *pid1*"No file descriptors available"* ]]; then
				fail "with $n fds: exit 1 without a reason: $stderr"
			fi
			;;
		*) fail "with $n fds: exit status $status: $stderr" ;;
		esac
	done
	# With a few more the child surely runs.
	run -0 with_fds 32
}

# without_stderr CMD...: CMD with fd 2 closed; `run` would otherwise put stdout there.
without_stderr() {
	"$@" 2>&-
}

@test "with stderr closed pid1 runs the child with only the fds it was given" {
	# What the child gets without pid1 in between: the reference.
	# (make ignores signals 32 and 33 for its children, so SigIgn is compared, not zero.)
	run -0 without_stderr "$H/inherit"
	expected=$(grep '^fds:' <<<"$output")
	local sigign sigblk
	sigign=$(grep '^SigIgn:' <<<"$output")
	sigblk=$(grep '^SigBlk:' <<<"$output")
	run -0 without_stderr pid1_run -v -- "$H/inherit"
	assert_line "$sigign"
	assert_line "$sigblk"
	# pid1's own fds must not fill the hole at fd 2 and leak into the child.
	assert_line "$expected"
	refute_line --regexp '^fds: 0 1 2( |$)'
}

# broken_stdout: pid1 with stderr closed and stdout a pipe whose reader is gone before the
# child writes; the reader side says so with the file $T/gone.
broken_stdout() {
	pid1_run -v -- sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done; exec "$2"' sh \
		"$T/gone" "$H/inherit" 2>&- | {
		exec 0<&-
		touch "$T/gone"
	}
	return "${PIPESTATUS[0]}"
}

@test "with stdout a broken pipe the child dies of SIGPIPE as usual and pid1 reports it" {
	# 141 = 128 + SIGPIPE: the child had the default disposition, and pid1 outlived it.
	run -141 broken_stdout
}

# broken_stderr: the same with pid1's stderr (its log) a broken pipe; the child writes to a
# file.
broken_stderr() {
	pid1_run -v -- sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done; exec "$2"' sh \
		"$T/gone" "$H/inherit" 2>&1 >"$T/inherit" | {
		exec 0<&-
		touch "$T/gone"
	}
	return "${PIPESTATUS[0]}"
}

@test "pid1 survives logging to a broken pipe, and the child's SIGPIPE is not ignored" {
	# The reference: what the child is given without pid1 (make ignores 32 and 33).
	local sigign
	sigign=$("$H/inherit" | grep '^SigIgn:')
	run -0 broken_stderr
	file_has "$T/inherit" "$sigign"
	# The reference does not ignore SIGPIPE, so the match shows pid1 did not either.
	[ $((0x${sigign#SigIgn:*[[:space:]]} & 0x1000)) -eq 0 ]
}
