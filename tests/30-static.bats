#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The static build (configure --enable-static-binary) alone in a tree that holds nothing but
# a static busybox: no libc, no libconfuse, no libbsd. pid1 runs there as PID 1 of a fresh PID
# namespace, chrooted, the way a container runtime starts an init it has bind-mounted in, and
# must still load its config, forward signals, run its ladder, reap and report exit codes.
#
# The static binary is $PID1_STATIC, else $PID1 when that build is static. Without either the
# file is skipped, except in strict mode (CI), where it configures and builds one itself.

bats_require_minimum_version 1.5.0
load lib/pid1

# What the tests need is worked out once; bats cannot skip from setup_file, so each test's
# setup skips with the reason (or fails, in strict mode).
setup_file() {
	SKIP_REASON=
	BUSYBOX=${PID1_BUSYBOX:-/bin/busybox}
	STATIC_PID1=
	find_static_tree
	export SKIP_REASON STATIC_PID1 BUSYBOX
}

# A short ladder, so that a test that walks down it takes seconds, and a rewrite that only
# the config file can ask for, so that a test can tell the file was read.
write_tree_conf() {
	cat >"$ROOT/etc/pid1.conf" <<-'EOF'
		# pid1.conf for a tree with no libraries in it
		signal SIGUSR2 { action = rewrite  to = SIGHUP }
		shutdown {
		    step SIGINT  { grace = 1s }
		    step SIGTERM { grace = 1s }
		    step SIGKILL { grace = 1s }
		}
	EOF
}

# A fresh tree for each test: busybox with a link for each applet, the static pid1 as /pid1,
# mount points for /proc and /dev/null, and the config. Nothing else: no /lib, no /usr.
setup() {
	local applet
	[ -z "$SKIP_REASON" ] || skip_or_fail "$SKIP_REASON"
	ROOT=$BATS_TEST_TMPDIR/root
	mkdir -p "$ROOT"/bin "$ROOT"/dev "$ROOT"/etc "$ROOT"/proc "$ROOT"/tmp
	cp "$BUSYBOX" "$ROOT/bin/busybox"
	for applet in $("$BUSYBOX" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$ROOT/bin/$applet"
	done
	: >"$ROOT/dev/null"
	cp "$STATIC_PID1" "$ROOT/pid1"
	write_tree_conf
}

# in_tree ARGS...: /pid1 ARGS as PID 1 of a new PID and mount namespace, chrooted into
# $ROOT, with that namespace's /proc and the host's /dev/null mounted in (busybox sh opens
# /dev/null for background jobs). The mounts go away with the namespace.
in_tree() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount --kill-child sh -c '
		root=$1
		shift
		mount -t proc proc "$root/proc" &&
			mount --bind /dev/null "$root/dev/null" &&
			exec chroot "$root" /pid1 "$@"' in_tree "$ROOT" "$@"
}

# tree_start ARGS...: in_tree in the background, as pid1_start does: sets PID1_OUTER and,
# once /pid1 has been exec'd, PID1_PID (its pid outside); output in $BATS_TEST_TMPDIR/out
# and err.
tree_start() {
	in_tree "$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	PID1_OUTER=$!
	wait_until tree_pid1_found
	export PID1_OUTER PID1_PID
}

# parent_of PID: its parent's pid, from /proc (after the last ')', as the name may hold one).
parent_of() {
	local rest state ppid
	rest=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	read -r state ppid _ <<<"$rest"
	echo "$ppid"
}

# tree_pid1_found: a process named pid1 descends from $PID1_OUTER; sets PID1_PID to it.
# Until the exec the pid belongs to sh or chroot, and a signal would not reach pid1.
tree_pid1_found() {
	local p a
	for p in $(pgrep -x pid1); do
		a=$p
		while [ -n "$a" ] && [ "$a" -gt 1 ]; do
			if [ "$a" = "$PID1_OUTER" ]; then
				PID1_PID=$p
				return 0
			fi
			a=$(parent_of "$a")
		done
	done
	return 1
}

# pid1_alive_or_explain: pid1 still runs, else fail showing its exit status and log.
pid1_alive_or_explain() {
	kill -0 "$PID1_PID" 2>/dev/null && return 0
	pid1_wait
	fail "pid1 exited early with status $status: $(cat "$BATS_TEST_TMPDIR/err")"
}

# children_of PID: one line "pid state" for each child of PID (outside view), zombies too.
children_of() {
	local s rest state ppid
	for s in /proc/[0-9]*/stat; do
		rest=$(sed 's/.*) //' "$s" 2>/dev/null) || continue
		read -r state ppid _ <<<"$rest"
		if [ "$ppid" = "$1" ]; then
			s=${s#/proc/}
			echo "${s%/stat} $state"
		fi
	done
}

# only_one_child: pid1 has exactly one child left, the main one; every orphan is reaped.
only_one_child() {
	[ "$(children_of "$PID1_PID" | wc -l)" -eq 1 ]
}

# size_of FILE: "N bytes, M stripped".
size_of() {
	local stripped=$BATS_TEST_TMPDIR/stripped
	strip -o "$stripped" "$1" 2>/dev/null || cp "$1" "$stripped"
	echo "$(stat -c %s "$1") bytes, $(stat -c %s "$stripped") stripped"
}

@test "the static binary has no interpreter and needs no shared library" {
	run readelf -lW "$STATIC_PID1"
	assert_success
	refute_output --partial 'program interpreter'
	run readelf -dW "$STATIC_PID1"
	refute_output --partial '(NEEDED)'
	run ldd "$STATIC_PID1"
	assert_output --partial 'not a dynamic executable'
	if command -v file >/dev/null; then
		run file -L "$STATIC_PID1"
		assert_output --regexp 'static(ally linked|-pie linked)'
	fi
	echo "# static pid1:  $(size_of "$STATIC_PID1")" >&3
	if [ -x "$PID1" ] && ! is_static "$PID1"; then
		echo "# dynamic pid1: $(size_of "$PID1")" >&3
	fi
}

# Zeros that a static initializer drags into .data are bytes of the file; a table that
# starts as -1 (an fd) belongs in .bss, set at run time. glibc's own .data is about 8 KiB.
@test "the static binary carries no large initialized data: tables start zeroed in .bss" {
	run -0 size -A "$STATIC_PID1"
	local data
	data=$(awk '$1 == ".data" { print $2 }' <<<"$output")
	echo "# .data: $data bytes" >&3
	[ -n "$data" ]
	((data < 16384))
}

@test "runs as PID 1 in a tree without libraries and exits with the child's code" {
	run find "$ROOT" -name 'lib*' -o -name '*.so*'
	assert_output ''
	# shellcheck disable=SC2016 # for the child shell
	run -3 --separate-stderr in_tree -c /etc/pid1.conf -- /bin/sh -c '
		tr "\0" " " </proc/1/cmdline
		echo
		echo "child $$"
		exit 3'
	assert_line --index 0 --regexp '^/pid1 -c /etc/pid1\.conf -- /bin/sh -c'
	refute_line 'child 1'
	assert_line --regexp '^child [0-9]+$'
}

@test "loads and checks its config with libconfuse linked in" {
	run -0 in_tree -n -c /etc/pid1.conf
	assert_output --partial SIGUSR2
	assert_output --partial SIGHUP
	# The example the Dockerfile copies into its image.
	cp "$PID1_SRCDIR/examples/pid1.conf" "$ROOT/etc/example.conf"
	run -0 in_tree -n -c /etc/example.conf
	assert_output --partial 'delay = 3s'
	printf 'signal SIGFOO { action = ignore }\n' >"$ROOT/etc/bad.conf"
	run -2 in_tree -n -c /etc/bad.conf
	assert_output --partial '/etc/bad.conf:1:'
}

@test "reports 127 for a missing command and 126 for one it cannot execute" {
	run -127 in_tree -c /etc/pid1.conf -- /no/such/program
	assert_output --partial /no/such/program
	run -126 in_tree -c /etc/pid1.conf -- /etc/pid1.conf
	assert_output --partial 'Permission denied'
}

@test "switches to a --user named in /etc/passwd, or numeric, with no NSS libraries" {
	echo 'app:x:1000:1000::/:/bin/sh' >"$ROOT/etc/passwd"
	printf '%s\n' 'app:x:1000:' 'audio:x:29:app,other' 'video:x:44:other' 'staff:x:50:app' \
		>"$ROOT/etc/group"
	run -0 --separate-stderr in_tree --user app -- /bin/id -u -n
	assert_output app
	# Supplementary groups come from /etc/group as login would set them; a group by name.
	run -0 --separate-stderr in_tree --user app -- /bin/id -G
	assert_output '1000 29 50'
	run -0 --separate-stderr in_tree --user app:video -- /bin/id -g
	assert_output 44
	# shellcheck disable=SC2016 # for the child shell
	run -0 --separate-stderr in_tree --user 4242:4343 -- /bin/sh -c 'echo "$(id -u) $(id -g)"'
	assert_output '4242 4343'
	run -2 in_tree --user nosuchuser -- /bin/true
	assert_output --partial nosuchuser
}

@test "forwards SIGUSR1, rewrites SIGUSR2 as the config says, SIGTERM starts the ladder" {
	tree_start -c /etc/pid1.conf -- /bin/sh -c '
		trap "echo SIGUSR1 >>/tmp/sigs" USR1
		trap "echo SIGUSR2 >>/tmp/sigs" USR2
		trap "echo SIGHUP >>/tmp/sigs" HUP
		trap "echo SIGTERM >>/tmp/sigs" TERM
		trap "echo SIGINT >>/tmp/sigs; exit 0" INT
		echo ready >/tmp/ready
		while :; do sleep 0.05; done'
	wait_until file_has "$ROOT/tmp/ready" ready
	send_to_pid1 USR1
	wait_until file_has "$ROOT/tmp/sigs" SIGUSR1
	send_to_pid1 USR2
	wait_until file_has "$ROOT/tmp/sigs" SIGHUP
	# SIGINT enters the ladder at its first step: the child must get that SIGINT.
	send_to_pid1 INT
	pid1_wait
	[ "$status" -eq 0 ] || fail "pid1 exited $status, expected 0 ($(cat "$BATS_TEST_TMPDIR/err"))"
	run cat "$ROOT/tmp/sigs"
	assert_output "$(printf 'SIGUSR1\nSIGHUP\nSIGINT')"
	run grep -c 'shutdown step 1/3: SIGINT' "$BATS_TEST_TMPDIR/err"
	assert_output 1
}

@test "reaps every orphan busybox leaves behind, with no libc around it" {
	# shellcheck disable=SC2016 # for the child shell
	tree_start -c /etc/pid1.conf -- /bin/sh -c '
		i=0
		while [ $i -lt 100 ]; do
			(sleep 0.1 &)
			i=$((i + 1))
		done
		echo spawned >/tmp/spawned
		exec sleep 60'
	wait_until file_has "$ROOT/tmp/spawned" spawned
	# Each orphan is pid1's child until reaped: one child left means all were reaped.
	wait_until only_one_child
	run children_of "$PID1_PID"
	refute_output --regexp ' Z$'
	pid1_alive_or_explain
	# sleep keeps SIGINT at its default, so the ladder's first step kills it: 128 + 2.
	send_to_pid1 INT
	pid1_wait
	[ "$status" -eq 130 ] || fail "pid1 exited $status, expected 130"
}

@test "ends a child that ignores SIGINT and SIGTERM with the config's short ladder" {
	tree_start -c /etc/pid1.conf -- /bin/sh -c '
		trap "" INT TERM
		echo ready >/tmp/ready
		while :; do sleep 0.05; done'
	wait_until file_has "$ROOT/tmp/ready" ready
	local start took
	start=$(now_ms)
	# SIGINT enters the ladder at its first step: both graces run.
	send_to_pid1 INT
	pid1_wait
	took=$(($(now_ms) - start))
	[ "$status" -eq 137 ] || fail "pid1 exited $status, expected 137"
	# Two graces of 1 s before SIGKILL; the built-in 4 s ones would take 8 s.
	[ "$took" -ge 1800 ] || fail "the ladder took ${took} ms, less than its two graces"
	[ "$took" -lt 7000 ] || fail "the ladder took ${took} ms: the config's graces were not used"
}
