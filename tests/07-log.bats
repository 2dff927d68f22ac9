#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Logging: the line format on stderr and in a file, levels and -v/-q, a file that is
# rotated away, syslog through a real rsyslogd, and a stderr that is closed or stuck,
# which must never stop pid1 from reaping.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $stderr
bats_require_minimum_version 1.5.0
load lib/pid1

# 2026-11-23T08:47:00.123Z pid1[1]: notice: message
LINE_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z pid1\[1\]: (err|warning|notice|info|debug): .+$'

# Run as pid1's child: leaves orphans that exit at once, waits (at most 20 s) until pid1
# has reaped them all, then exits 7 so the exit code shows pid1 passed it on.
REAPED='
"$ORPHANS" 50 || exit 1
i=0
while :; do
	left=$(cat /proc/[0-9]*/stat 2>/dev/null | grep -c "(orphans)")
	[ "$left" = 0 ] && break
	i=$((i + 1))
	[ "$i" -lt 400 ] || break
	sleep 0.05
done
echo "left=$left"
exit 7
'

setup() {
	unset PID1_CONFIG
	export ORPHANS=$PID1_HELPERS/orphans
	PID1_OUTER='' STRACE_PID='' W=''
}

teardown() {
	if [ -n "$STRACE_PID" ]; then
		kill "$STRACE_PID" 2>/dev/null || true
		wait "$STRACE_PID" 2>/dev/null || true
	fi
	# A test that failed half-way may leave pid1 stuck. While its unshare is still one of
	# our jobs, PID1_PID is still pid1: end it, and the namespace with it.
	if [ -n "$PID1_OUTER" ] && jobs -p | grep -qx "$PID1_OUTER"; then
		kill -KILL "$PID1_PID" 2>/dev/null || true
		# A late_reader still waiting reads on to the end of the pipe.
		touch "$BATS_TEST_TMPDIR/go"
		wait "$PID1_OUTER" 2>/dev/null || true
	fi
	[ -z "$W" ] || rm -rf "$W"
}

# shared_dir: a directory in $W that an unprivileged child may write (the test's temporary
# directory is root's alone).
shared_dir() {
	W=$(mktemp -d /tmp/pid1-log.XXXXXX)
	chmod 0777 "$W"
}

# write_conf NAME LOG-SECTION-BODY: a config file holding only a log section.
write_conf() {
	printf 'log {\n%s\n}\n' "$2" >"$BATS_TEST_TMPDIR/$1"
}

# all_lines_match TEXT: every line of TEXT has the log line format, and there is one.
all_lines_match() {
	local line n=0
	while IFS= read -r line; do
		if ! [[ $line =~ $LINE_RE ]]; then
			echo "not a log line: '$line'" >&2
			return 1
		fi
		n=$((n + 1))
	done <<<"$1"
	[ "$n" -gt 0 ] && [ -n "$1" ]
}

@test "stderr lines carry a UTC timestamp with milliseconds, pid1[1] and the level" {
	# A time zone far from UTC: the stamp must still be UTC.
	TZ=JST-9 run -0 --separate-stderr pid1_run -v -v -- true
	all_lines_match "$stderr"
	local stamp now
	stamp=$(sed -n '1s/^\([^.]*\)\..*/\1/p' <<<"$stderr")
	now=$(date -u +%s)
	stamp=$(date -u -d "${stamp}Z" +%s)
	[ $((now - stamp)) -ge 0 ] && [ $((now - stamp)) -lt 120 ]
}

@test "pid1 writes nothing on stdout, even at debug level" {
	run -0 --separate-stderr pid1_run -v -v -- sh -c 'echo from-child'
	assert_output "from-child"
	[ -n "$stderr" ]
}

@test "the default level is notice: no info or debug lines, which -v -v shows" {
	run -0 --separate-stderr pid1_run -- "$ORPHANS" 3
	[[ $stderr != *': info: '* && $stderr != *': debug: '* ]]

	run -0 --separate-stderr pid1_run -v -v -- "$ORPHANS" 3
	[[ $stderr == *'Z pid1[1]: debug: '* ]]
}

@test "-q hides notice lines and keeps warnings; -q -q hides warnings too" {
	# -w makes every orphan reaped a warning.
	run -0 --separate-stderr pid1_run -q -w -- "$ORPHANS" 3
	[[ $stderr == *'Z pid1[1]: warning: '* ]]
	[[ $stderr != *': notice: '* && $stderr != *': info: '* && $stderr != *': debug: '* ]]

	run -0 --separate-stderr pid1_run -q -q -w -- "$ORPHANS" 3
	[[ $stderr != *': warning: '* && $stderr != *': notice: '* ]]
}

@test "a long log line is cut to PIPE_BUF bytes, marked, and still ends the line" {
	local long
	long=$(printf 'x%.0s' $(seq 6000))
	run --separate-stderr pid1_run -v -v -- "$long"
	[ "$status" -ne 0 ]
	local line cut=0
	while IFS= read -r line; do
		# Each line plus its newline fits in one atomic pipe write.
		[ "${#line}" -le 4095 ]
		[[ $line == *... ]] && [ "${#line}" -eq 4095 ] && cut=1
	done <<<"$stderr"
	[ "$cut" = 1 ]
}

@test "the file target gets the lines in the stderr format, and nothing goes to stderr" {
	write_conf log.conf "targets = { file }
file = \"$BATS_TEST_TMPDIR/pid1.log\""
	run -0 --separate-stderr pid1_run -c "$BATS_TEST_TMPDIR/log.conf" -v -v -- true
	[ -z "$output" ]
	[ -z "$stderr" ]
	all_lines_match "$(cat "$BATS_TEST_TMPDIR/pid1.log")"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/pid1.log")" = 640 ]
}

@test "the file target follows a rotation: after mv, a new file gets the later lines" {
	local log=$BATS_TEST_TMPDIR/pid1.log
	write_conf log.conf "targets = { file }
file = \"$log\""
	pid1_start -c "$BATS_TEST_TMPDIR/log.conf" -v -v -- \
		"$PID1_HELPERS/sigdump" "$BATS_TEST_TMPDIR/signals"
	wait_until file_has "$BATS_TEST_TMPDIR/signals" ready
	wait_until test -s "$log"
	mv "$log" "$log.1"
	# The shutdown is logged: signal, ladder step, child exit, pid1 exit.
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	all_lines_match "$(cat "$log.1")"
	all_lines_match "$(cat "$log")"
	[ "$(stat -c %a "$log")" = 640 ]
}

@test "a log file that cannot be opened stops pid1 with status 2 before the child runs" {
	write_conf log.conf 'targets = { file }
file = "/nonexistent-pid1-dir/pid1.log"'
	run -2 --separate-stderr pid1_run -c "$BATS_TEST_TMPDIR/log.conf" -- \
		touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$(unlog "$stderr")" \
		"err: cannot open log file /nonexistent-pid1-dir/pid1.log: No such file or directory"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "log targets leave no fd behind in the child" {
	run -0 --separate-stderr pid1_run -- "$PID1_HELPERS/inherit"
	local plain
	plain=$(grep '^fds:' <<<"$output")
	write_conf log.conf "targets = { stderr, syslog, file }
file = \"$BATS_TEST_TMPDIR/pid1.log\""
	run -0 --separate-stderr pid1_run -c "$BATS_TEST_TMPDIR/log.conf" -v -v -- \
		"$PID1_HELPERS/inherit"
	assert_line "$plain"
}

# closed_stderr ARGS...: pid1_run with stderr closed.
closed_stderr() {
	pid1_run "$@" 2>&-
}

@test "a closed stderr does not stop pid1 from reaping or passing on the exit code" {
	# valgrind itself exits 127 when started with stderr closed.
	[ -z "$PID1_WRAPPER" ] || skip "PID1_WRAPPER ($PID1_WRAPPER) needs an open stderr"
	run -7 closed_stderr -v -v -- sh -c "$REAPED"
	assert_output "orphaned 50
left=0"
}

# fill_pipe FIFO: writes to FIFO, through an open file description of its own, until the
# pipe is full.
fill_pipe() {
	dd if=/dev/zero of="$1" bs=4096 count=4096 oflag=nonblock 2>/dev/null || true
	# Full: not even one more byte goes in.
	if dd if=/dev/zero of="$1" bs=1 count=1 oflag=nonblock 2>/dev/null; then
		echo "fill_pipe: $1 is not full" >&2
		return 1
	fi
}

# fill_fifo FIFO: opens FIFO for reading (fd in $FIFO_FD) without ever reading, then writes
# until the pipe is full.
fill_fifo() {
	mkfifo "$1"
	exec {FIFO_FD}<>"$1"
	fill_pipe "$1"
}

# start_reader FIFO FILE: empties the full FIFO, then copies what comes next to FILE in the
# background ($READER). The reader gets its own read-only fd, opened here while pid1 still
# writes: a cat that opened the fifo itself could come late, find no writer left and wait
# forever. The test's read-write $FIFO_FD is the last writer: closed only once pid1 is gone,
# so cat ends.
start_reader() {
	local rd
	dd if="$1" of=/dev/null bs=65536 count=4096 iflag=nonblock 2>/dev/null || true
	exec {rd}<"$1"
	cat <&"$rd" >"$2" {FIFO_FD}<&- &
	READER=$!
	exec {rd}<&-
}

# stuck_stderr FIFO ARGS...: pid1_run with stderr on a full pipe.
stuck_stderr() {
	local fifo=$1
	shift
	pid1_run "$@" 2>"$fifo"
}

@test "a full stderr pipe does not stop pid1 from reaping or passing on the exit code" {
	fill_fifo "$BATS_TEST_TMPDIR/fifo"
	run -7 stuck_stderr "$BATS_TEST_TMPDIR/fifo" -v -v -- sh -c "$REAPED"
	assert_output "orphaned 50
left=0"
	exec {FIFO_FD}<&-
}

@test "lines dropped on a stuck stderr are counted and reported once it drains" {
	local t=$BATS_TEST_TMPDIR
	fill_fifo "$t/fifo"
	timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount-proc --kill-child \
		"$PID1" -v -v -- "$PID1_HELPERS/sigdump" "$t/signals" \
		>"$t/out" 2>"$t/fifo" 3>&- {FIFO_FD}<&- &
	PID1_OUTER=$!
	wait_until pid1_found
	PID1_PID=$(pid1_outer_child)
	export PID1_OUTER PID1_PID
	wait_until file_has "$t/signals" ready
	# Logged while the pipe was full, so dropped: the start, the spawn, this signal.
	send_to_pid1 USR1
	wait_until file_has "$t/signals" SIGUSR1
	start_reader "$t/fifo" "$t/err"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	exec {FIFO_FD}<&-
	wait "$READER"
	grep -Eq '^[-0-9T:.]+Z pid1\[1\]: warning: [1-9][0-9]* log lines dropped$' "$t/err"
	# After the note, lines come through again.
	[ "$(grep -c 'pid1\[1\]' "$t/err")" -ge 2 ]
}

# syslog_run PID1-ARGS...: runs pid1 (as PID 1 of a new PID namespace) in a private mount
# namespace whose /dev/log belongs to a fresh rsyslogd. rsyslogd writes each message to
# $BATS_TEST_TMPDIR/syslog as "facility.priority tag message", and each datagram as it came
# to syslog.raw. pid1's status, stdout and
# stderr are left in status, out and err.
syslog_run() {
	local t=$BATS_TEST_TMPDIR
	command -v rsyslogd >/dev/null || skip_or_fail "rsyslogd not found (Debian: rsyslog)"
	command -v logger >/dev/null || skip_or_fail "logger not found (Debian: bsdutils)"
	mkdir -p "$t/rsyslog"
	cat >"$t/rsyslog.conf" <<-EOF
		global(workDirectory="$t/rsyslog")
		module(load="imuxsock" SysSock.Name="/dev/log" SysSock.UsePIDFromSystem="off")
		template(name="pid1test" type="string"
		         string="%syslogfacility-text%.%syslogpriority-text% %syslogtag%%msg%\n")
		*.* action(type="omfile" file="$t/syslog" template="pid1test")
		template(name="pid1raw" type="string" string="%rawmsg%\n")
		*.* action(type="omfile" file="$t/syslog.raw" template="pid1raw")
	EOF
	cat >"$t/inside.sh" <<-'EOF'
		set -u
		t=$1
		shift
		# A /dev of our own, so /dev/log is the socket of this test's rsyslogd.
		mkdir "$t/dev"
		mount -t tmpfs -o mode=0755 tmpfs "$t/dev" || exit 90
		for n in null zero full random urandom; do
			touch "$t/dev/$n"
			mount --bind "/dev/$n" "$t/dev/$n" || exit 91
		done
		mount --rbind "$t/dev" /dev || exit 92
		rsyslogd -n -f "$t/rsyslog.conf" -i "$t/rsyslogd.pid" \
			</dev/null >"$t/rsyslogd.out" 2>&1 &
		rs=$!
		i=0
		until [ -S /dev/log ]; do
			i=$((i + 1))
			if [ "$i" -gt 400 ]; then
				cat "$t/rsyslogd.out" >&2
				exit 93
			fi
			sleep 0.05
		done
		st=0
		timeout -k 5 60 unshare --pid --fork --mount-proc --kill-child \
			$PID1_WRAPPER "$PID1" "$@" >"$t/out" 2>"$t/err" || st=$?
		echo "$st" >"$t/status"
		# The marker comes after pid1's datagrams on the same socket: once rsyslogd
		# wrote it, it wrote them.
		logger -u /dev/log -t pid1-test-marker end
		i=0
		until grep -q pid1-test-marker "$t/syslog" 2>/dev/null; do
			i=$((i + 1))
			[ "$i" -lt 400 ] || break
			sleep 0.05
		done
		kill "$rs"
		wait "$rs"
		exit 0
	EOF
	PID1_WRAPPER=$PID1_WRAPPER run -0 unshare --mount --propagation private \
		bash "$t/inside.sh" "$t" "$@"
	grep -q pid1-test-marker "$t/syslog"
	status=$(cat "$t/status")
}

# RFC 3164 has the receiver stamp a message that carries no timestamp: pid1 sends none, so
# it needs no time zone code, and the log shows the daemon's own clock and zone.
@test "a syslog datagram is <PRI>ident[pid]: message, the timestamp left to syslogd" {
	local t=$BATS_TEST_TMPDIR
	syslog_run -v --log-target syslog -- true
	[ "$status" -eq 0 ]
	run -0 grep 'pid1\[1\]' "$t/syslog.raw"
	assert_line --regexp '^<3[0-9]>pid1\[1\]: '
	refute_line --regexp '^<[0-9]+>[A-Z][a-z]{2} [ 0-9][0-9] '
}

@test "the syslog target sends every line to syslogd with its level as priority" {
	local t=$BATS_TEST_TMPDIR
	syslog_run -v -v --log-target stderr --log-target syslog -- /nonexistent-pid1/cmd
	[ "$status" -eq 127 ]
	all_lines_match "$(cat "$t/err")"
	# Each stderr line "... pid1[1]: LEVEL: MSG" arrives as "daemon.LEVEL pid1[1]: MSG".
	sed -E 's/^[^ ]+ pid1\[1\]: ([a-z]+): /daemon.\1 pid1[1]: /' "$t/err" >"$t/expected"
	grep '^[a-z0-9]*\.[a-z]* pid1\[' "$t/syslog" >"$t/received" || true
	diff -u "$t/expected" "$t/received"
	# At least two levels, so the priority really follows the level.
	[ "$(cut -d' ' -f1 "$t/received" | sort -u | wc -l)" -ge 2 ]
}

@test "the syslog target alone writes nothing on stderr; facility and ident come from the file" {
	local t=$BATS_TEST_TMPDIR
	write_conf log.conf 'targets = { syslog }
facility = local3
ident = myapp'
	# A failing child is logged at notice; the start line at info.
	syslog_run -c "$t/log.conf" -v -v -- sh -c 'exit 3'
	[ "$status" -eq 3 ]
	[ ! -s "$t/err" ]
	grep -q '^local3\.notice myapp\[1\]: ' "$t/syslog"
	grep -q '^local3\.info myapp\[1\]: ' "$t/syslog"
	[ "$(grep -c '^daemon\.' "$t/syslog")" = 0 ]
}

# fds_on PID TARGET: how many of PID's fds are open on TARGET (as readlink shows it).
fds_on() {
	local fd n=0
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd")" = "$2" ] && n=$((n + 1))
	done
	echo "$n"
}

# late_reader FILE: reads nothing until $BATS_TEST_TMPDIR/go exists, then empties the pipe on
# stdin (through a non-blocking open file description of its own), says so by creating
# $BATS_TEST_TMPDIR/drained, and copies the rest to FILE.
late_reader() {
	until [ -e "$BATS_TEST_TMPDIR/go" ]; do
		sleep 0.05
	done
	dd if=/proc/self/fd/0 of=/dev/null bs=65536 count=4096 iflag=nonblock 2>/dev/null || true
	touch "$BATS_TEST_TMPDIR/drained"
	exec cat >"$1"
}

@test "a stderr pipe pid1 may not reopen is never waited for: lines are dropped, counted, reported" {
	[ -z "$PID1_WRAPPER" ] || skip "PID1_WRAPPER ($PID1_WRAPPER) would be traced, not pid1"
	command -v strace >/dev/null || skip_or_fail "strace not found (Debian: strace)"
	command -v setpriv >/dev/null || skip_or_fail "setpriv not found (Debian: util-linux)"
	local t=$BATS_TEST_TMPDIR pipe
	shared_dir
	# stderr is a pipe root made (mode 0600) and pid1 runs as nobody: it cannot open the
	# pipe again through /proc and has only the blocking open file description its child
	# shares. Nobody reads the pipe until the test says so.
	(
		set -o pipefail
		timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount-proc --kill-child \
			setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$PID1" -v -v -- "$PID1_HELPERS/sigdump" "$W/signals" 2>&1 >"$t/out" |
			late_reader "$t/err"
	) 3>&- &
	PID1_OUTER=$!
	wait_until pid1_found
	PID1_PID=$(pid1_outer_child)
	wait_until file_has "$W/signals" ready
	pipe=$(readlink "/proc/$PID1_PID/fd/2")
	[[ $pipe == pipe:* ]]
	assert_equal "$(fds_on "$PID1_PID" "$pipe")" 1
	# The race, made wide: pid1's next write to the pipe is held at its entry, after
	# poll() found room, while another writer (the child could) fills the pipe.
	strace -qq -p "$PID1_PID" -o "$t/trace" -P "$pipe" -e trace=write,pwritev2 \
		-e signal=none -e inject=write,pwritev2:delay_enter=3000000 3>&- &
	STRACE_PID=$!
	wait_until traced "$PID1_PID"
	send_to_pid1 USR1
	wait_until grep -Eq '^(write|pwritev2)\(2, ' "$t/trace"
	fill_pipe "/proc/$PID1_PID/fd/2"
	# A blocking write would never return from the full pipe.
	WAIT_SECONDS=10 wait_until grep -Eq '^(write|pwritev2)\(2, .*\) += ' "$t/trace"
	kill "$STRACE_PID"
	wait "$STRACE_PID" || true
	STRACE_PID=
	# Still at work with the pipe full: a signal is passed on (and its line dropped).
	send_to_pid1 USR2
	wait_until file_has "$W/signals" SIGUSR2
	touch "$t/go"
	wait_until test -e "$t/drained"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	# At least the USR1 and USR2 lines were dropped; the first line after the drain says so.
	[ "$(grep -c 'received SIGUSR2' "$t/err")" = 0 ]
	head -n 1 "$t/err" |
		grep -Eq '^[-0-9T:.]+Z pid1\[1\]: warning: ([2-9]|[1-9][0-9]+) log lines dropped$'
	all_lines_match "$(cat "$t/err")"
}

# start_log_child LOG ARGS...: pid1_start logging to LOG and stderr at info level, with
# sigdump as the child writing to $BATS_TEST_TMPDIR/signals; waits until it runs.
start_log_child() {
	local log=$1
	shift
	pid1_start -v --log-target stderr --log-file "$log" "$@" -- \
		"$PID1_HELPERS/sigdump" "$BATS_TEST_TMPDIR/signals"
	wait_until file_has "$BATS_TEST_TMPDIR/signals" ready
	wait_until test -s "$log"
}

# forwarded_lines FILE N: FILE has at least N "received SIGUSR1: forwarded" lines.
forwarded_lines() {
	local n
	n=$(grep -c 'received SIGUSR1: forwarded' "$1" 2>/dev/null) || true
	[ "${n:-0}" -ge "$2" ]
}

# usr1_logged FILE N: sends SIGUSR1 to pid1 and waits until FILE has N such lines.
usr1_logged() {
	send_to_pid1 USR1
	wait_until forwarded_lines "$1" "$2"
}

@test "a log directory that group, others or another user may write stops pid1 with status 2" {
	local t=$BATS_TEST_TMPDIR mode
	for mode in 0770 0703 1777; do
		mkdir -m "$mode" "$t/d$mode"
		run -2 --separate-stderr pid1_run --log-file "$t/d$mode/pid1.log" -- touch "$t/ran"
		assert_equal "$(unlog "$stderr")" "err: log directory $t/d$mode is writable by group or others"
		[ ! -e "$t/d$mode/pid1.log" ] && [ ! -e "$t/ran" ]
	done
	mkdir -m 0755 "$t/theirs"
	chown nobody "$t/theirs"
	run -2 --separate-stderr pid1_run --log-file "$t/theirs/pid1.log" -- touch "$t/ran"
	assert_equal "$(unlog "$stderr")" "err: log directory $t/theirs is owned by uid $(id -u nobody), \
neither root nor pid1's uid 0"
	[ ! -e "$t/theirs/pid1.log" ] && [ ! -e "$t/ran" ]
}

@test "a log file that is a link, a directory or another user's stops pid1 with status 2" {
	local t=$BATS_TEST_TMPDIR d=$BATS_TEST_TMPDIR/logs
	mkdir -m 0755 "$d"
	echo secret >"$t/victim"
	cp -p "$t/victim" "$t/victim.orig"
	# refused WHY: pid1 does not start, saying the log file WHY.
	refused() {
		run -2 --separate-stderr pid1_run --log-file "$d/pid1.log" -- touch "$t/ran"
		assert_equal "$(unlog "$stderr")" "err: log file $d/pid1.log $1"
		[ ! -e "$t/ran" ]
		cmp "$t/victim" "$t/victim.orig"
		rm -rf "$d/pid1.log"
	}
	ln -s "$t/victim" "$d/pid1.log"
	refused "is a symbolic link"
	ln -s "$t/created" "$d/pid1.log"
	refused "is a symbolic link"
	[ ! -e "$t/created" ]
	ln "$t/victim" "$d/pid1.log"
	refused "has 2 links, not one"
	mkdir "$d/pid1.log"
	refused "is not a regular file or a FIFO"
	install -o nobody -m 0644 /dev/null "$d/pid1.log"
	refused "is owned by uid $(id -u nobody), not by pid1's uid 0"
}

@test "rotation never follows a link planted under the log's name and says so once" {
	local t=$BATS_TEST_TMPDIR d=$BATS_TEST_TMPDIR/logs
	mkdir -m 0755 "$d"
	echo secret >"$t/victim"
	cp -p "$t/victim" "$t/victim.orig"
	start_log_child "$d/pid1.log"
	mv "$d/pid1.log" "$d/pid1.log.1"
	# Each name is refused; the lines go on to the renamed file.
	ln -s "$t/victim" "$d/pid1.log"
	usr1_logged "$d/pid1.log.1" 1
	rm "$d/pid1.log"
	ln -s "$t/created" "$d/pid1.log"
	usr1_logged "$d/pid1.log.1" 2
	rm "$d/pid1.log"
	ln "$t/victim" "$d/pid1.log"
	usr1_logged "$d/pid1.log.1" 3
	cmp "$t/victim" "$t/victim.orig"
	[ "$(stat -c %h "$t/victim")" = 2 ]
	[ ! -e "$t/created" ]
	# The name free again: a new file takes the next lines.
	rm "$d/pid1.log"
	usr1_logged "$d/pid1.log" 1
	[ "$(stat -c %a "$d/pid1.log")" = 640 ]
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	cmp "$t/victim" "$t/victim.orig"
	[ "$(grep -c 'still writing to the file opened before' "$t/err")" = 1 ]
	grep -Eq ': warning: log file [^ ]+/pid1\.log is a symbolic link; still writing to the file opened before$' \
		"$t/err"
	all_lines_match "$(cat "$d/pid1.log.1")"
	all_lines_match "$(cat "$d/pid1.log")"
}

@test "the log directory is resolved once: a link to it pointed elsewhere later does not move the log" {
	local t=$BATS_TEST_TMPDIR
	mkdir -m 0755 "$t/a" "$t/b"
	ln -s a "$t/current"
	start_log_child "$t/current/pid1.log"
	ln -sfn b "$t/current"
	mv "$t/a/pid1.log" "$t/a/pid1.log.1"
	usr1_logged "$t/a/pid1.log" 1
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	[ ! -e "$t/b/pid1.log" ]
}

@test "a FIFO named as the log file gets the lines" {
	local t=$BATS_TEST_TMPDIR
	mkfifo -m 0600 "$t/log.fifo"
	exec {FIFO_FD}<>"$t/log.fifo"
	run -0 --separate-stderr pid1_run -v --log-file "$t/log.fifo" -- true {FIFO_FD}<&-
	dd if="$t/log.fifo" of="$t/got" bs=65536 count=16 iflag=nonblock 2>/dev/null || true
	exec {FIFO_FD}<&-
	all_lines_match "$(cat "$t/got")"
}

@test "a named FIFO pid1 may not reopen gets no lines rather than a write that could wait" {
	[ -z "$PID1_WRAPPER" ] || skip "PID1_WRAPPER ($PID1_WRAPPER) is replaced here"
	command -v setpriv >/dev/null || skip_or_fail "setpriv not found (Debian: util-linux)"
	local t=$BATS_TEST_TMPDIR
	shared_dir
	install -d -o nobody -m 0755 "$W/logs"
	# The kernel cannot write to a FIFO without waiting unless pid1 opens it again.
	mkfifo -m 0600 "$t/fifo"
	exec {FIFO_FD}<>"$t/fifo"
	PID1_WRAPPER="setpriv --reuid=nobody --regid=nogroup --clear-groups" \
		run -0 stuck_stderr "$t/fifo" -v --log-target stderr --log-file "$W/logs/pid1.log" \
		-- true {FIFO_FD}<&-
	dd if="$t/fifo" of="$t/got" bs=65536 count=16 iflag=nonblock 2>/dev/null || true
	exec {FIFO_FD}<&-
	[ ! -s "$t/got" ]
	# The file target has every line, and the count of those stderr did not get.
	grep -Eq ': warning: [1-9][0-9]* log lines were dropped because a log target was not writable$' \
		"$W/logs/pid1.log"
	all_lines_match "$(cat "$W/logs/pid1.log")"
}

@test "errors before start-up have the log's shape: timestamp, pid1[PID], level err" {
	local shape='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z pid1\[1\]: err: '
	mkdir -m 0777 "$BATS_TEST_TMPDIR/open"
	printf 'ready-file = "%s"\n' "$BATS_TEST_TMPDIR/open/ready" >"$BATS_TEST_TMPDIR/ready.conf"
	run -2 --separate-stderr pid1_run -c "$BATS_TEST_TMPDIR/ready.conf" -- \
		touch "$BATS_TEST_TMPDIR/ran"
	assert_regex "$stderr" "${shape}cannot use ready-file $BATS_TEST_TMPDIR/open/ready: "
	# A config error, and a usage error (its hint is help, not a log line).
	printf 'nope = 1\n' >"$BATS_TEST_TMPDIR/bad.conf"
	run -2 --separate-stderr pid1_run -c "$BATS_TEST_TMPDIR/bad.conf" -- true
	assert_regex "$stderr" "${shape}$BATS_TEST_TMPDIR/bad.conf:1: unknown option 'nope'\$"
	run -2 --separate-stderr pid1_run --no-such-option -- true
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" "${shape}unrecognized option '--no-such-option'\$"
	assert_equal "${stderr_lines[1]}" "Try 'pid1 --help' for more information."
	# Where the log goes to syslog alone, why pid1 cannot start still reaches stderr.
	run -2 --separate-stderr pid1_run --log-target syslog \
		--pidfile /nonexistent-pid1-dir/pid1.pid -- touch "$BATS_TEST_TMPDIR/ran"
	assert_regex "$stderr" "${shape}cannot create pidfile /nonexistent-pid1-dir/pid1.pid: No such file or directory\$"
	# So does a control socket that cannot be had where the config asks for one.
	printf 'control-group = no-such-group-pid1\n' >"$BATS_TEST_TMPDIR/group.conf"
	run -2 --separate-stderr pid1_run --log-target syslog -c "$BATS_TEST_TMPDIR/group.conf" -- \
		touch "$BATS_TEST_TMPDIR/ran"
	assert_regex "$stderr" "${shape}control-group no-such-group-pid1: no such group\$"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}
