#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# What pid1 tells Kubernetes when the container ends: the termination message file (which
# program ended it and how, what stopped it, each program's end and restarts, pid1's code),
# written at every exit without ever waiting on the file; and a program's SIGKILL named as
# the OOM killer's when its memory cgroup counted the kill, in the log, the status and the
# message, with the exit code unchanged.

# shellcheck disable=SC2154 # stderr is set by run --separate-stderr
bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	export PID1_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	CONF=$BATS_TEST_TMPDIR/pid1.conf
	MSG=$BATS_TEST_TMPDIR/termination-log
	: >"$MSG"
	unset PID1_TERMINATION_LOG CG
}

teardown() {
	if [ -n "${PID1_OUTER:-}" ] && kill -0 "$PID1_PID" 2>/dev/null; then
		send_to_pid1 TERM
		pid1_wait
	fi
	# Its processes are gone once pid1 is: the cgroup can go.
	if [ -n "${CG:-}" ] && [ -d "$CG" ]; then
		wait_until rmdir "$CG" 2>/dev/null || true
	fi
}

@test "the termination message says how the command ended, and pid1's code" {
	run -3 env PID1_TERMINATION_LOG="$MSG" unshare --pid --fork --mount-proc --kill-child \
		"$PID1" -- sh -c 'exit 3'
	assert_equal "$(cat "$MSG")" "pid1 exited with code 3: the command exited with status 3
main: exited with status 3, 0 restarts"
}

@test "the termination-log key names the file, \"\" turns it off, PID1_TERMINATION_LOG overrides it" {
	echo "termination-log = \"$MSG\"" >"$CONF"
	run -0 pid1_run -c "$CONF" -- true
	assert_equal "$(head -n 1 "$MSG")" "pid1 exited with code 0: the command exited with status 0"
	: >"$MSG"
	echo 'termination-log = ""' >"$CONF"
	run -4 pid1_run -c "$CONF" -- sh -c 'exit 4'
	assert_equal "$(wc -c <"$MSG")" 0
	# The environment wins over the file, both ways.
	PID1_TERMINATION_LOG=$MSG run -4 pid1_run -c "$CONF" -- sh -c 'exit 4'
	assert_equal "$(head -n 1 "$MSG")" "pid1 exited with code 4: the command exited with status 4"
	: >"$MSG"
	echo "termination-log = \"$MSG\"" >"$CONF"
	PID1_TERMINATION_LOG='' run -4 pid1_run -c "$CONF" -- sh -c 'exit 4'
	assert_equal "$(wc -c <"$MSG")" 0
	PID1_TERMINATION_LOG=relative/path run -4 --separate-stderr pid1_run -c "$CONF" -- sh -c 'exit 4'
	assert_equal "$(wc -c <"$MSG")" 0
	assert_regex "$stderr" "PID1_TERMINATION_LOG is not an absolute path"
}

@test "pid1 -n prints termination-log, and the output parses back to itself" {
	run -0 pid1_run -n
	assert_line 'termination-log = "/dev/termination-log"'
	echo "$output" >"$CONF"
	run -0 pid1_run -n -c "$CONF"
	assert_line 'termination-log = "/dev/termination-log"'
	echo 'termination-log = ""' >"$CONF"
	run -0 pid1_run -n -c "$CONF"
	assert_line 'termination-log = ""'
	echo 'termination-log = "dev/termination-log"' >"$CONF"
	run -2 pid1_run -n -c "$CONF"
	assert_output --partial "option 'termination-log' must be an absolute path to a file"
}

@test "a shutdown by SIGTERM is told, with what each program did and its restarts" {
	cat >"$CONF" <<-EOF
		termination-log = "$MSG"
		restart { delay = 100ms }
		program web { command = { "sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait" } }
		program flaky { command = { "sh", "-c", "exit 1" } restart = always }
	EOF
	pid1_start -c "$CONF"
	wait_until log_has "restarting flaky in"
	wait_until log_has "(restart 2,"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	run -0 cat "$MSG"
	assert_line --index 0 "pid1 exited with code 0: stopped by SIGTERM"
	assert_line --index 1 "web: exited with status 0, 0 restarts"
	assert_line --regexp '^flaky: exited with status 1, [2-9][0-9]* restarts$'
}

@test "a shutdown by pid1 ctl is told with who asked" {
	PID1_TERMINATION_LOG=$MSG pid1_start -- sleep 1000
	wait_until "$PID1" ctl status
	run -0 "$PID1" ctl shutdown
	pid1_wait
	# No signal to enter the ladder at: it starts at its first step, SIGINT.
	assert_equal "$status" 130
	run -0 cat "$MSG"
	assert_line --index 0 --regexp \
		'^pid1 exited with code 130: stopped: requested by pid1 ctl \(uid 0, pid [0-9]+\)$'
	assert_line --index 1 "main: killed by SIGINT, 0 restarts"
}

@test "an essential program's end names the program" {
	cat >"$CONF" <<-EOF
		termination-log = "$MSG"
		program web { command = { "sleep", "1000" } }
		program db { command = { "sh", "-c", "kill -USR1 \$\$" } essential = true }
	EOF
	run -138 pid1_run -c "$CONF"
	run -0 cat "$MSG"
	assert_line --index 0 "pid1 exited with code 138: db was killed by SIGUSR1"
	assert_line "web: killed by SIGINT, 0 restarts"
	assert_line "db: killed by SIGUSR1, 0 restarts"
}

@test "a refused config and a command that cannot start are told, with their codes" {
	echo 'bogus = 1' >"$CONF"
	PID1_TERMINATION_LOG=$MSG run -2 pid1_run -c "$CONF" -- true
	assert_equal "$(cat "$MSG")" "pid1 exited with code 2: the command line or configuration \
was refused, before starting any program (its log says why)"
	PID1_TERMINATION_LOG=$MSG run -2 pid1_run --no-such-option -- true
	assert_equal "$(head -c 23 "$MSG")" "pid1 exited with code 2"
	PID1_TERMINATION_LOG=$MSG run -127 pid1_run -- /nonexistent/command
	assert_equal "$(head -n 1 "$MSG")" \
		"pid1 exited with code 127: the command exited with status 127"
	assert_equal "$(tail -n 1 "$MSG")" "main: exited with status 127, 0 restarts"
}

@test "the old message is replaced, not appended to" {
	head -c 8000 /dev/zero | tr '\0' x >"$MSG"
	PID1_TERMINATION_LOG=$MSG run -0 pid1_run -- true
	assert_equal "$(grep -c xxx "$MSG")" 0
	assert_equal "$(wc -l <"$MSG")" 2
}

@test "a FIFO, a symlink or a device is refused at once, with a warning" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	PID1_TERMINATION_LOG=$BATS_TEST_TMPDIR/fifo run -0 --separate-stderr pid1_run -- true
	assert_regex "$stderr" "cannot write the termination message to .*/fifo"
	# With a reader the open succeeds; what it is still refuses it.
	sleep 1000 <>"$BATS_TEST_TMPDIR/fifo" &
	local reader=$!
	PID1_TERMINATION_LOG=$BATS_TEST_TMPDIR/fifo run -0 --separate-stderr pid1_run -- true
	kill "$reader"
	assert_regex "$stderr" "termination message to .*/fifo: not a regular file"
	ln -s "$MSG" "$BATS_TEST_TMPDIR/link"
	PID1_TERMINATION_LOG=$BATS_TEST_TMPDIR/link run -0 --separate-stderr pid1_run -- true
	assert_regex "$stderr" "cannot write the termination message to .*/link"
	assert_equal "$(wc -c <"$MSG")" 0
	PID1_TERMINATION_LOG=/dev/null run -0 --separate-stderr pid1_run -- true
	assert_regex "$stderr" "/dev/null: not a regular file"
}

@test "/dev/termination-log is written when it exists, and quietly skipped when not" {
	run -0 --separate-stderr pid1_run -- true
	refute_output --partial termination
	[ ! -e /dev/termination-log ] || skip "this machine has a /dev/termination-log"
	# Kubernetes bind-mounts a file there: a /dev of this mount namespace's own stands in.
	local dev=$BATS_TEST_TMPDIR/dev
	mkdir "$dev"
	# shellcheck disable=SC2016 # expanded by the inner shell
	run -3 unshare --mount sh -ec '
		mount --make-rprivate /
		mount --rbind /dev "$1"
		mount -t tmpfs tmpfs /dev
		for n in null zero urandom; do : >/dev/$n; mount --bind "$1/$n" /dev/$n; done
		: >/dev/termination-log
		unshare --pid --fork --mount-proc --kill-child "$PID1" -- sh -c "exit 3" || rc=$?
		cat /dev/termination-log >&2
		exit "$rc"' sh "$dev"
	assert_output --partial "pid1 exited with code 3: the command exited with status 3"
}

# oom_cgroup: a memory cgroup of this test's own, 32 MiB, as CG; skips where none can be made.
oom_cgroup() {
	local v1=/sys/fs/cgroup/memory
	[ -w "$v1" ] || skip_or_fail "no writable cgroup v1 memory hierarchy at $v1"
	CG=$v1/pid1-test-$$-${BATS_TEST_NUMBER}
	mkdir "$CG"
	echo 32M >"$CG/memory.limit_in_bytes"
	# Without swap in the limit too, the program would swap rather than be killed.
	echo 32M >"$CG/memory.memsw.limit_in_bytes" 2>/dev/null || true
	grep -q '^oom_kill ' "$CG/memory.oom_control" ||
		skip_or_fail "the kernel counts no OOM kills in memory.oom_control"
	# pid1, as PID 1 of its namespace, joins the cgroup before it runs.
	PID1_WRAPPER=$BATS_TEST_TMPDIR/in-cgroup
	printf '#!/bin/sh\necho $$ >"%s/cgroup.procs" && exec "$@"\n' "$CG" >"$PID1_WRAPPER"
	chmod +x "$PID1_WRAPPER"
	export PID1_WRAPPER
}

HOG='b = bytearray(200 * 1024 * 1024)'

@test "a command the OOM killer ends is named so in the log and the message, exit 137" {
	command -v python3 || skip_or_fail "python3 is not installed"
	oom_cgroup
	PID1_TERMINATION_LOG=$MSG run -137 --separate-stderr pid1_run -- python3 -c "$HOG"
	assert_regex "$stderr" "main\[2\] killed by the OOM killer \(SIGKILL\) after"
	assert_regex "$stderr" "exiting with code 137"
	assert_equal "$(cat "$MSG")" \
		"pid1 exited with code 137: the command was killed by the OOM killer (SIGKILL)
main: killed by the OOM killer (SIGKILL), 0 restarts"
	# A later run in the same cgroup counts from its own start: a plain SIGKILL stays one.
	PID1_TERMINATION_LOG=$MSG run -137 --separate-stderr pid1_run -- sh -c 'kill -KILL $$'
	assert_regex "$stderr" "main\[2\] killed by SIGKILL after"
	refute_output --partial "OOM"
	assert_equal "$(head -n 1 "$MSG")" "pid1 exited with code 137: the command was killed by SIGKILL"
}

@test "pid1 ctl status says OOM killed in LAST EXIT, and the message too" {
	command -v python3 || skip_or_fail "python3 is not installed"
	oom_cgroup
	cat >"$CONF" <<-EOF
		termination-log = "$MSG"
		program hog { command = { "python3", "-c", "$HOG" } restart = no }
		program app { command = { "sleep", "1000" } essential = true }
	EOF
	pid1_start -c "$CONF"
	wait_until log_has "hog[2] killed by the OOM killer (SIGKILL) after"
	run -0 "$PID1" ctl status
	assert_line --regexp '^hog[[:space:]]+ended[[:space:]].*killed by the OOM killer \(SIGKILL\)$'
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 143
	run -0 cat "$MSG"
	assert_line --index 0 "pid1 exited with code 143: stopped by SIGTERM"
	assert_line "hog: killed by the OOM killer (SIGKILL), 0 restarts"
	assert_line "app: killed by SIGTERM, 0 restarts"
}

@test "an OOM kill pid1 does not reap is not put on a SIGKILL pid1 sends later" {
	command -v python3 || skip_or_fail "python3 is not installed"
	oom_cgroup
	cat >"$CONF" <<-EOF
		termination-log = "$MSG"
		shutdown { step SIGKILL { grace = 5s } }
	EOF
	# The OOM killer takes the shell's own child, which the shell reaps, not pid1.
	pid1_start -c "$CONF" -- sh -c "python3 -c '$HOG'; exec sleep 1000"
	wait_until grep -qx 'oom_kill 1' "$CG/memory.oom_control"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 137
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output --partial "main[2] killed by SIGKILL after"
	refute_output --partial "OOM"
	assert_equal "$(head -n 1 "$MSG")" "pid1 exited with code 137: stopped by SIGTERM"
	assert_equal "$(tail -n 1 "$MSG")" "main: killed by SIGKILL, 0 restarts"
}
