#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The config file: bad files are refused with PATH:LINE and the reason before any child runs,
# good ones print back to themselves with -n, and the rules change what the child receives.

# shellcheck disable=SC2154 # stderr and stderr_lines are set by run --separate-stderr
bats_require_minimum_version 1.5.0
load lib/pid1

GOOD=$PID1_SRCDIR/tests/conf/good
BAD=$PID1_SRCDIR/tests/conf/bad

setup() {
	unset PID1_CONFIG
	CONF=$BATS_TEST_TMPDIR/pid1.conf
}

# conf TEXT: writes TEXT to $CONF.
conf() {
	printf '%s\n' "$@" >"$CONF"
}

# refused FILE: pid1 -n -c FILE exits 2 with exactly one line on stderr and none on stdout,
# and no raw control byte in it.
refused() {
	run -2 --separate-stderr pid1_run -n -c "$1"
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 1
	if LC_ALL=C grep -q '[[:cntrl:]]' <<<"$stderr"; then
		fail "raw control bytes in: $stderr"
	fi
	assert [ ${#stderr} -lt 1024 ]
}

@test "every file in tests/conf/bad is refused with its line and reason" {
	local f expect n=0
	for f in "$BAD"/*.conf; do
		expect=$(sed -n '1s/^# expect: //p' "$f")
		[ -n "$expect" ] || fail "$f: first line is not '# expect: :LINE: fragment'"
		refused "$f"
		[[ "$(unlog "$stderr")" == "err: $f$expect"* ]] ||
			fail "$f: expected 'err: $f$expect', got '$stderr'"
		n=$((n + 1))
	done
	assert [ "$n" -ge 30 ]
}

@test "every file in tests/conf/good passes -n and prints a config that prints the same" {
	local f printed=$BATS_TEST_TMPDIR/printed.conf
	for f in "$GOOD"/*.conf; do
		run -0 --separate-stderr pid1_run -n -c "$f"
		assert_equal "$stderr" ""
		printf '%s\n' "$output" >"$printed"
		run -0 --separate-stderr pid1_run -n -c "$printed"
		assert_equal "$stderr" ""
		diff -u "$printed" <(printf '%s\n' "$output") ||
			fail "$f: the printed config does not print back the same"
	done
}

@test "-n prints durations with units and signal names, quoting names with '+'" {
	conf 'signal "SIGRTMIN+3" { action = rewrite to = 10 }' \
		'shutdown { delay = 1500ms step term { grace = 120 } }'
	run -0 pid1_run -n -c "$CONF"
	assert_line 'signal "SIGRTMIN+3" { action = rewrite to = SIGUSR1 }'
	assert_line $'\tdelay = 1500ms'
	assert_line $'\tstep SIGTERM { grace = 2m }'
	# Steps in the file replace the whole built-in ladder.
	refute_line --partial 'step SIGKILL'
}

@test "-n prints the supervision settings, restart durations with units" {
	conf 'user = nobody' 'umask = 27' 'env = { "LANG=C.UTF-8" }' \
		'restart { policy = on-failure delay = 1500ms window = 120 }'
	run -0 pid1_run -n -c "$CONF"
	assert_line 'user = "nobody"'
	assert_line 'group = ""'
	assert_line 'umask = 027'
	assert_line 'env = { "LANG=C.UTF-8" }'
	assert_line 'unset-env = { }'
	assert_line $'\tpolicy = on-failure'
	assert_line $'\tdelay = 1500ms'
	assert_line $'\tmax-delay = 30s'
	assert_line $'\twindow = 2m'
}

@test "the ladder's entry step is printed by -n: received by default, first when set" {
	run -0 pid1_run -n
	assert_line $'\tenter = received'
	conf 'shutdown {' '	enter = first' '}'
	run -0 pid1_run -n -c "$CONF"
	assert_line $'\tenter = first'
	conf 'shutdown { enter = SIGTERM }'
	refused "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:1: invalid value 'SIGTERM' for option 'enter' (one of: received, first)"
}

@test "-n accepts users and groups this machine does not have" {
	# They are looked up when pid1 starts a child, so a config can be checked anywhere.
	conf 'user = pid1-no-such-user' 'group = pid1-no-such-group'
	run -0 --separate-stderr pid1_run -n -c "$CONF"
	assert_equal "$stderr" ""
	assert_line 'user = "pid1-no-such-user"'
	assert_line 'group = "pid1-no-such-group"'
}

@test "subreaper = true registers as PID 1 too; not PID 1, pid1 registers whatever it says" {
	conf 'subreaper = true'
	run -0 --separate-stderr pid1_run -vv -c "$CONF" -- true
	assert_regex "$stderr" "registered as child subreaper as asked, although PID 1"
	conf 'subreaper = false'
	run -0 --separate-stderr pid1_run -vv -c "$CONF" -- true
	[[ $stderr != *"registered as child subreaper"* ]] || fail "registered as PID 1: $stderr"
	run -0 --separate-stderr timeout -k 5 30 "$PID1" -vv -c "$CONF" -- true
	assert_regex "$stderr" "not PID 1 \(pid [0-9]+\): registered as child subreaper"
}

@test "warn-on-reap comes from the file or from -w" {
	run -0 pid1_run -n
	assert_line 'warn-on-reap = false'
	run -0 pid1_run -n -w
	assert_line 'warn-on-reap = true'
	conf 'warn-on-reap = yes'
	run -0 pid1_run -n -c "$CONF"
	assert_line 'warn-on-reap = true'
}

@test "the shipped etc/pid1.conf parses and changes nothing" {
	run -0 pid1_run -n -c "$PID1_SRCDIR/etc/pid1.conf"
	local shipped=$output
	run -0 pid1_run -n
	assert_equal "$shipped" "$output"
}

@test "an empty config file is valid and gives the defaults" {
	: >"$CONF"
	run -0 pid1_run -n -c "$CONF"
	local empty=$output
	run -0 pid1_run -n
	assert_equal "$empty" "$output"
	assert_line 'forward-to = child'
	assert_line $'\tstep SIGINT { grace = 4s }'
}

@test "a missing config file is refused" {
	refused "$BATS_TEST_TMPDIR/nonexistent.conf"
	assert_equal "$(unlog "$stderr")" "err: cannot open $BATS_TEST_TMPDIR/nonexistent.conf: No such file or directory"
}

@test "an unreadable config file is refused" {
	# Root reads any file, so the unreadable case runs pid1 as nobody.
	command -v setpriv >/dev/null || skip_or_fail "setpriv not installed"
	local dir
	dir=$(mktemp -d /tmp/pid1-conf.XXXXXX)
	chmod 755 "$dir"
	conf 'forward-to = group'
	install -m 000 "$CONF" "$dir/secret.conf"
	cp "$PID1" "$dir/pid1"
	chmod 755 "$dir/pid1"
	run -2 setpriv --reuid=65534 --regid=65534 --clear-groups "$dir/pid1" -n -c "$dir/secret.conf"
	rm -rf "$dir"
	assert_equal "$(unlog "$output")" "err: cannot open $dir/secret.conf: Permission denied"
}

@test "as root, a config file not owned by root is refused" {
	[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
	conf 'forward-to = group'
	chown 65534 "$CONF"
	refused "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF: must be owned by root and not writable by group or others"
}

@test "as root, a config file writable by group or others is refused" {
	[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
	conf 'forward-to = group'
	chmod 664 "$CONF"
	refused "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF: must be owned by root and not writable by group or others"
	chmod 646 "$CONF"
	refused "$CONF"
	chmod 644 "$CONF"
	run -0 pid1_run -n -c "$CONF"
}

@test "as root, a config file in a directory others can change is refused" {
	[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
	local top=$BATS_TEST_TMPDIR/top dir=$BATS_TEST_TMPDIR/top/dir
	mkdir -p "$dir"
	conf 'forward-to = group'
	cp "$CONF" "$dir/pid1.conf"
	run -0 pid1_run -n -c "$dir/pid1.conf"
	# Whoever can rename entries in any directory up to / can swap the file.
	chmod 0777 "$top"
	refused "$dir/pid1.conf"
	assert_equal "$(unlog "$stderr")" "err: $dir/pid1.conf: directory $top must be owned by root and not writable by group or others"
	chmod 0775 "$top"
	refused "$dir/pid1.conf"
	chmod 0755 "$top"
	chown 65534 "$dir"
	refused "$dir/pid1.conf"
	assert_equal "$(unlog "$stderr")" "err: $dir/pid1.conf: directory $dir must be owned by root and not writable by group or others"
	chown 0 "$dir"
	# A sticky directory of root's, such as /tmp, keeps others from renaming root's files.
	chmod 1777 "$dir"
	run -0 pid1_run -n -c "$dir/pid1.conf"
	chown 65534 "$dir"
	refused "$dir/pid1.conf"
	chown 0 "$dir"
	chmod 0755 "$dir"
	# A symbolic link in a directory others can change could be pointed elsewhere.
	mkdir "$BATS_TEST_TMPDIR/open"
	chmod 0777 "$BATS_TEST_TMPDIR/open"
	ln -s "$dir/pid1.conf" "$BATS_TEST_TMPDIR/open/pid1.conf"
	refused "$BATS_TEST_TMPDIR/open/pid1.conf"
	assert_equal "$(unlog "$stderr")" "err: $BATS_TEST_TMPDIR/open/pid1.conf: directory $BATS_TEST_TMPDIR/open must be owned by root and not writable by group or others"
	ln -s "$dir/pid1.conf" "$top/link.conf"
	run -0 pid1_run -n -c "$top/link.conf"
}

@test "as root, a config file on a read-only mount is accepted whatever its directory's mode" {
	[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
	# Kubernetes mounts a ConfigMap in a directory of mode 0777, read-only.
	local dir=$BATS_TEST_TMPDIR/configmap
	mkdir "$dir"
	conf 'forward-to = group'
	# shellcheck disable=SC2016 # expanded by the inner sh
	run -0 unshare --mount --propagation private sh -c '
		mount -t tmpfs -o mode=0777 tmpfs "$1" && cp "$2" "$1/pid1.conf" &&
			mount -o remount,ro "$1" && "$3" -n -c "$1/pid1.conf"' sh "$dir" "$CONF" "$PID1"
	assert_line 'forward-to = group'
}

@test "a directory, a FIFO or a device as config file is refused" {
	refused "$BATS_TEST_TMPDIR"
	assert_equal "$(unlog "$stderr")" "err: $BATS_TEST_TMPDIR: not a regular file"
	# A FIFO with no writer must not hang pid1.
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	refused "$BATS_TEST_TMPDIR/fifo"
	assert_equal "$(unlog "$stderr")" "err: $BATS_TEST_TMPDIR/fifo: not a regular file"
	refused /dev/null
}

@test "a 10 MB config file is refused in one line" {
	head -c 10M /dev/zero | tr '\0' x >"$CONF"
	refused "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF: larger than 1 MiB, not a config file"
}

@test "a 900 kB word is named in one short line" {
	head -c 900K /dev/zero | tr '\0' x >"$CONF"
	refused "$CONF"
	assert_regex "$(unlog "$stderr")" "^err: $CONF:1: unknown option 'x+\\.\\.\\.$"
}

@test "binary garbage is refused in one escaped line" {
	# The start of pid1's own executable: an ELF header, NUL bytes and everything else,
	# under the size limit whatever the build (an ASan pid1 is over 1 MiB).
	head -c 65536 "$PID1" >"$CONF"
	refused "$CONF"
	assert_regex "$(unlog "$stderr")" "^err: $CONF:1: "
	# Escape sequences and control bytes from the file never reach the terminal raw.
	printf 'a\033[31mred\001\377 = 1\n' >"$CONF"
	refused "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:1: unknown option 'a\\033[31mred\\001\\377'"
}

@test "50000 levels of nested braces are refused without a crash" {
	# shellcheck disable=SC2046 # one word per level, on purpose
	printf 'shutdown {%.0s' $(seq 50000) >"$CONF"
	refused "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:1: unknown option 'shutdown' in section 'shutdown'"
	# shellcheck disable=SC2046
	printf '{%.0s' $(seq 50000) >"$CONF"
	refused "$CONF"
	# shellcheck disable=SC2046
	printf 'shutdown {%s' "$(printf 'step SIGTERM {%.0s' $(seq 50000))" >"$CONF"
	refused "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:1: unknown option 'step' in section 'step SIGTERM'"
}

@test "an unterminated string is refused" {
	conf 'forward-to = group' 'pidfile = "/run/pid1.pid' 'subreaper = true'
	refused "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:4: premature end of file"
}

@test "\$PID1_CONFIG is read when -c is absent, and -c beats it" {
	conf 'forward-to = group'
	PID1_CONFIG=$CONF run -0 pid1_run -n
	assert_line 'forward-to = group'
	printf 'forward-to = all\n' >"$BATS_TEST_TMPDIR/other.conf"
	PID1_CONFIG=$CONF run -0 pid1_run -n -c "$BATS_TEST_TMPDIR/other.conf"
	assert_line 'forward-to = all'
	PID1_CONFIG=$BATS_TEST_TMPDIR/missing.conf run -2 pid1_run -n
	assert_output --partial "cannot open $BATS_TEST_TMPDIR/missing.conf"
}

@test "the child is never started on a bad config" {
	local marker=$BATS_TEST_TMPDIR/marker
	conf 'forward-to = child' 'signal SIGKILL { action = ignore }'
	run -2 pid1_run -c "$CONF" -- touch "$marker"
	assert_output --partial "$CONF:2: SIGKILL cannot be caught"
	assert [ ! -e "$marker" ]
	conf "command = { \"touch\", \"$marker\" }" 'frobnicate = 1'
	run -2 pid1_run -c "$CONF"
	assert [ ! -e "$marker" ]
}

@test "a restart window that cannot hold limit restarts is refused before anything starts" {
	# window = 0 counted no restart, so limit never stopped a crash loop (#11).
	local marker=$BATS_TEST_TMPDIR/marker
	conf 'restart {' '	policy = always' '	limit = 2' '	window = 0' '}'
	run -2 --separate-stderr pid1_run -c "$CONF" -- touch "$marker"
	assert_equal "$(unlog "$stderr")" "err: $CONF:5: window 0s counts no restart, so limit never applies in section 'restart'"
	assert [ ! -e "$marker" ]
	# Nor may the back-off alone take longer than the window to reach limit.
	conf 'restart { delay = 1s max-delay = 1m limit = 4 window = 14s }'
	run -2 --separate-stderr pid1_run -c "$CONF" -- touch "$marker"
	assert_equal "$(unlog "$stderr")" "err: $CONF:1: limit 4 is never reached within window 14s: the back-off alone spreads 4 restarts over 14s in section 'restart'"
	assert [ ! -e "$marker" ]
	conf 'restart { delay = 1s max-delay = 1m limit = 4 window = 15s }'
	run -0 pid1_run -n -c "$CONF"
}

@test "the command from the config file runs when none is given" {
	conf 'command = { "/bin/sh", "-c", "exit 7" }'
	run -7 pid1_run -c "$CONF"
}

@test "a rewritten signal arrives as the new one" {
	local dump=$BATS_TEST_TMPDIR/dump
	conf 'signal SIGUSR1 { action = rewrite to = SIGUSR2 }'
	pid1_start -c "$CONF" -- "$PID1_HELPERS/sigdump" "$dump"
	wait_until file_has "$dump" ready
	send_to_pid1 USR1
	wait_until file_has "$dump" SIGUSR2
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	run grep -c SIGUSR1 "$dump"
	assert_output 0
}

@test "an ignored signal never arrives" {
	local dump=$BATS_TEST_TMPDIR/dump
	conf 'signal SIGUSR1 { action = ignore }'
	pid1_start -c "$CONF" -- "$PID1_HELPERS/sigdump" "$dump"
	wait_until file_has "$dump" ready
	send_to_pid1 USR1
	# SIGUSR2 is forwarded after SIGUSR1 was handled: once it is seen, SIGUSR1 had its chance.
	send_to_pid1 USR2
	wait_until file_has "$dump" SIGUSR2
	send_to_pid1 TERM
	pid1_wait
	run grep -c SIGUSR1 "$dump"
	assert_output 0
}

@test "forward-to = group reaches every process in the child's group" {
	local a=$BATS_TEST_TMPDIR/a b=$BATS_TEST_TMPDIR/b
	conf 'forward-to = group'
	pid1_start -c "$CONF" -- sh -c "'$PID1_HELPERS/sigdump' '$a' & exec '$PID1_HELPERS/sigdump' '$b'"
	wait_until file_has "$a" ready
	wait_until file_has "$b" ready
	send_to_pid1 HUP
	wait_until file_has "$a" SIGHUP
	wait_until file_has "$b" SIGHUP
	send_to_pid1 TERM
	pid1_wait
}

@test "SIGRTMIN+3 is forwarded when a rule says so" {
	local dump=$BATS_TEST_TMPDIR/dump
	conf 'signal "SIGRTMIN+3" { action = forward }' 'signal SIGHUP { action = ignore }'
	pid1_start -c "$CONF" -- "$PID1_HELPERS/sigdump" "$dump"
	wait_until file_has "$dump" ready
	send_to_pid1 RTMIN+3
	wait_until file_has "$dump" SIGRTMIN+3
	send_to_pid1 TERM
	pid1_wait
}

@test "NUL bytes in comments are refused too, on their own line, wherever the line breaks" {
	local n
	# Every place in the 16 bytes a comment is read by at a time, and past them.
	for n in 0 1 7 14 15 16 17 31 32 33; do
		printf 'forward-to = group\n#%*s\0 tail\nsubreaper = true\n' "$n" "" >"$CONF"
		refused "$CONF"
		assert_equal "$(unlog "$stderr")" "err: $CONF:2: NUL byte: not a text file"
	done
	printf '/* a\n b\0 */\n' >"$CONF"
	refused "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:2: NUL byte: not a text file"
}

@test "a file of nothing but comments and blanks is the defaults, as an empty one" {
	local want
	: >"$CONF"
	run -0 pid1_run -n -c "$CONF"
	want=$(grep -v '^#' <<<"$output")
	for text in '# one\n\n  # two\n\t\n' '/* a\nb */ \n// c\n' '#x' "$(cat "$PID1_SRCDIR/etc/pid1.conf")"; do
		printf '%b' "$text" >"$CONF"
		run -0 pid1_run -n -c "$CONF"
		assert_equal "$(grep -v '^#' <<<"$output")" "$want"
	done
}

# instructions ARGS...: how many instructions pid1 ARGS -- true runs, by callgrind, as PID 1.
instructions() {
	local out=$BATS_TEST_TMPDIR/cg
	rm -f "$out".*
	unshare --pid --fork --mount-proc valgrind --vgdb=no --tool=callgrind --callgrind-out-file="$out.%p" \
		"$PID1" "$@" -- true >/dev/null 2>&1
	awk '/^summary:/ { print $2 }' "$out.1"
}

@test "start-up with the shipped config, all comments, costs under 50,000 instructions more than none" {
	[ -z "$PID1_WRAPPER" ] || skip "PID1_WRAPPER ($PID1_WRAPPER) would be counted, not pid1"
	command -v valgrind >/dev/null || skip_or_fail "valgrind not found (Debian: valgrind)"
	grep -q __asan_init "$PID1" && skip "ASan build: valgrind cannot run it"
	local none with
	none=$(instructions)
	with=$(instructions -c "$PID1_SRCDIR/etc/pid1.conf")
	[ -n "$none" ] && [ -n "$with" ] || fail "callgrind gave no count"
	# libconfuse's schema alone, built and freed, is over 150,000.
	[ $((with - none)) -lt 50000 ] || fail "$none without the config, $with with it"
}
