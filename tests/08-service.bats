#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Running under a service manager: the pidfile, socket activation (LISTEN_PID is rewritten
# to the child's pid), NOTIFY_SOCKET passed through, and the systemd unit files.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $stderr
bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG LISTEN_PID LISTEN_FDS LISTEN_FDNAMES NOTIFY_SOCKET
}

@test "the pidfile holds pid1's pid while it runs and is removed when it exits" {
	local pidfile=$BATS_TEST_TMPDIR/pid1.pid
	pid1_start --pidfile "$pidfile" -- "$PID1_HELPERS/sigdump" "$BATS_TEST_TMPDIR/signals"
	wait_until file_has "$BATS_TEST_TMPDIR/signals" ready
	# pid1 is PID 1 of its namespace.
	assert_equal "$(cat "$pidfile")" 1
	assert_equal "$(stat -c %a "$pidfile")" 644
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	[ ! -e "$pidfile" ]
}

@test "a second pid1 on the same pidfile exits 2 without starting and leaves the file alone" {
	local pidfile=$BATS_TEST_TMPDIR/pid1.pid
	pid1_start --pidfile "$pidfile" -- "$PID1_HELPERS/sigdump" "$BATS_TEST_TMPDIR/signals"
	wait_until file_has "$BATS_TEST_TMPDIR/signals" ready
	run -2 --separate-stderr pid1_run --pidfile "$pidfile" -- touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$(unlog "$stderr")" "err: cannot create pidfile $pidfile: pid1 already running as PID 1"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	assert_equal "$(cat "$pidfile")" 1
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	[ ! -e "$pidfile" ]
}

@test "a pidfile that cannot be created stops pid1 with status 2 before the child runs" {
	run -2 --separate-stderr pid1_run --pidfile /nonexistent-pid1-dir/pid1.pid -- \
		touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$(unlog "$stderr")" \
		"err: cannot create pidfile /nonexistent-pid1-dir/pid1.pid: No such file or directory"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "the pidfile's fd is not inherited by the child" {
	run -0 --separate-stderr pid1_run -- "$PID1_HELPERS/inherit"
	local plain
	plain=$(grep '^fds:' <<<"$output")
	run -0 --separate-stderr pid1_run --pidfile "$BATS_TEST_TMPDIR/pid1.pid" -- \
		"$PID1_HELPERS/inherit"
	assert_line "$plain"
}

# activated LISTEN_PID-VALUE: starts pid1 the way a socket-activating manager does: from a
# process that sets LISTEN_FDS=1 and LISTEN_PID, then execs pid1 (keeping its pid), with
# a listening fd 3. "self" stands for that process's own pid, which pid1 inherits.
activated() {
	# shellcheck disable=SC2086 # PID1_WRAPPER is a word list on purpose
	timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount-proc --kill-child \
		sh -c '
			if [ "$1" = self ]; then LISTEN_PID=$$; else LISTEN_PID=$1; fi
			LISTEN_FDS=1
			export LISTEN_PID LISTEN_FDS
			shift
			exec "$@"
		' sh "$1" $PID1_WRAPPER "$PID1" -- "$PID1_HELPERS/listenfds" \
		3<"$BATS_TEST_FILENAME"
}

@test "LISTEN_PID naming pid1 is rewritten to the child's pid; LISTEN_FDS and fd 3 pass" {
	run -0 --separate-stderr activated self
	local pid
	pid=$(sed -n 's/^pid=//p' <<<"$output")
	[ -n "$pid" ] && [ "$pid" != 1 ]
	assert_line "LISTEN_PID=$pid"
	assert_line "LISTEN_FDS=1"
	assert_line "fd3=open"
}

@test "LISTEN_PID naming another process is left alone" {
	run -0 --separate-stderr activated 4242
	assert_line "LISTEN_PID=4242"
	assert_line "LISTEN_FDS=1"
	assert_line "fd3=open"
}

@test "NOTIFY_SOCKET reaches the child unchanged" {
	NOTIFY_SOCKET=@pid1-test/notify run -0 --separate-stderr pid1_run -- \
		sh -c 'printf "%s\n" "$NOTIFY_SOCKET"'
	assert_output "@pid1-test/notify"
	NOTIFY_SOCKET=/run/pid1-test/notify run -0 --separate-stderr pid1_run -- \
		sh -c 'printf "%s\n" "$NOTIFY_SOCKET"'
	assert_output "/run/pid1-test/notify"
}

# verify_unit FILE: systemd-analyze verify, which must succeed and print nothing (it only
# warns about unknown keys and bad values, and still succeeds).
verify_unit() {
	local said rc=0
	said=$(systemd-analyze verify --man=no "$1" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] || [ -n "$said" ]; then
		echo "systemd-analyze verify $1 (status $rc):" >&2
		echo "$said" >&2
		return 1
	fi
}

@test "the systemd unit files pass systemd-analyze verify" {
	local t=$BATS_TEST_TMPDIR
	command -v systemd-analyze >/dev/null ||
		skip_or_fail "systemd-analyze not found (Debian: systemd)"
	# A known-good unit first: if even that fails, systemd-analyze cannot run here.
	printf '[Unit]\nDescription=probe\n[Service]\nExecStart=%s\n' "$PID1" >"$t/probe.service"
	run systemd-analyze verify --man=no "$t/probe.service"
	[ "$status" -eq 0 ] || skip_or_fail "systemd-analyze verify cannot run here: $output"

	local in unit
	for in in "$PID1_SRCDIR"/systemd/pid1.service.in "$PID1_SRCDIR"/systemd/pid1@.service.in; do
		unit=$(basename "$in" .in)
		sed -e "s|@SBINDIR@|$(dirname "$PID1")|g" -e "s|@SYSCONFDIR@|$t/etc|g" \
			"$in" >"$t/$unit"
		run -1 grep -n '@[A-Z]*@' "$t/$unit"
		verify_unit "$t/$unit"
	done
	# The template as an instance, with %i expanded.
	cp "$t/pid1@.service" "$t/pid1@web.service"
	verify_unit "$t/pid1@web.service"
	grep -q "^ExecStart=$(dirname "$PID1")/pid1 -c $t/etc/pid1/%i.conf" "$t/pid1@.service"
	grep -q "^KillMode=mixed" "$t/pid1@.service"
	grep -q "^Documentation=man:pid1(8) man:pid1.conf(5)" "$t/pid1.service"
}

# --- the pidfile is a path others may write to ---

@test "a pidfile that is a symbolic link is refused: exit 2, the link's target untouched" {
	local t=$BATS_TEST_TMPDIR
	echo precious >"$t/victim"
	ln -s "$t/victim" "$t/app.pid"
	run -2 --separate-stderr pid1_run --pidfile "$t/app.pid" -- touch "$t/ran"
	assert_equal "$(unlog "$stderr")" "err: cannot create pidfile $t/app.pid: it is a symbolic link"
	assert_equal "$(cat "$t/victim")" precious
	[ -L "$t/app.pid" ]
	[ ! -e "$t/ran" ]
	# A dangling link must not create its target either.
	ln -s "$t/created" "$t/dangling.pid"
	run -2 --separate-stderr pid1_run --pidfile "$t/dangling.pid" -- touch "$t/ran"
	assert_equal "$(unlog "$stderr")" "err: cannot create pidfile $t/dangling.pid: it is a symbolic link"
	[ ! -e "$t/created" ]
	[ ! -e "$t/ran" ]
}

@test "a pidfile with a second hard link, or that is no regular file, is refused untouched" {
	local t=$BATS_TEST_TMPDIR
	echo precious >"$t/victim"
	ln "$t/victim" "$t/app.pid"
	run -2 --separate-stderr pid1_run --pidfile "$t/app.pid" -- touch "$t/ran"
	assert_equal "$(unlog "$stderr")" "err: cannot create pidfile $t/app.pid: it has more than one link"
	assert_equal "$(cat "$t/victim")" precious
	[ ! -e "$t/ran" ]
	# A FIFO with no reader: refused at once, not waited on.
	mkfifo "$t/fifo.pid"
	run -2 --separate-stderr pid1_run --pidfile "$t/fifo.pid" -- touch "$t/ran"
	[[ "$(unlog "$stderr")" == "err: cannot create pidfile $t/fifo.pid: "* ]]
	mkdir "$t/dir.pid"
	run -2 --separate-stderr pid1_run --pidfile "$t/dir.pid" -- touch "$t/ran"
	[[ "$(unlog "$stderr")" == "err: cannot create pidfile $t/dir.pid: "* ]]
	[ ! -e "$t/ran" ]
}

@test "a pidfile another user created is refused untouched" {
	local t=$BATS_TEST_TMPDIR
	echo planted >"$t/app.pid"
	chown nobody "$t/app.pid"
	run -2 --separate-stderr pid1_run --pidfile "$t/app.pid" -- touch "$t/ran"
	assert_equal "$(unlog "$stderr")" "err: cannot create pidfile $t/app.pid: it is owned by another user"
	assert_equal "$(cat "$t/app.pid")" planted
	[ ! -e "$t/ran" ]
}

@test "a stale pidfile no process holds is taken over and rewritten whole" {
	local pidfile=$BATS_TEST_TMPDIR/pid1.pid
	printf '123456789\n' >"$pidfile"
	run -0 --separate-stderr pid1_run --pidfile "$pidfile" -- cat "$pidfile"
	assert_output 1
	[ ! -e "$pidfile" ]
}

@test "at exit pid1 removes only its own pidfile, not a file put in its place" {
	local pidfile=$BATS_TEST_TMPDIR/pid1.pid
	pid1_start --pidfile "$pidfile" -- "$PID1_HELPERS/sigdump" "$BATS_TEST_TMPDIR/signals"
	wait_until file_has "$BATS_TEST_TMPDIR/signals" ready
	mv "$pidfile" "$BATS_TEST_TMPDIR/moved.pid"
	echo other >"$pidfile"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	assert_equal "$(cat "$pidfile")" other
	[ -e "$BATS_TEST_TMPDIR/moved.pid" ]
}
