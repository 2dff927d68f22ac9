# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Helpers shared by the bats files: run pid1 as the real PID 1 of a fresh PID namespace,
# wait for conditions with a deadline, count zombies, signal pid1 from outside.

: "${PID1_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${PID1:=$PID1_SRCDIR/build/src/pid1}"
: "${PID1_HELPERS:=$(dirname "$PID1")/../tests/helpers}"
export PID1 PID1_HELPERS PID1_SRCDIR
# Valgrind or another wrapper in front of pid1, e.g. PID1_WRAPPER="valgrind -q".
: "${PID1_WRAPPER:=}"
# Seconds before a hung run is killed; generous because CI machines are shared.
: "${PID1_TIMEOUT:=60}"

# pid1 as PID 1 listens on a control socket in its runtime directory: each test has its own,
# so that runs at the same time never meet at the host's /run/pid1.
pid1_runtime_dir() {
	echo "${PID1_RUNTIME_DIR:-${BATS_TEST_TMPDIR:-/tmp}/pid1-run}"
}

bats_load_library bats-support
bats_load_library bats-assert

# pid1_run ARGS...: pid1 as PID 1 of a new PID namespace, in the foreground, for `run`.
pid1_run() {
	# shellcheck disable=SC2086 # PID1_WRAPPER is a word list on purpose
	PID1_RUNTIME_DIR=$(pid1_runtime_dir) \
		timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount-proc --kill-child \
		$PID1_WRAPPER "$PID1" "$@"
}

# pid1_start ARGS...: the same in the background. Sets PID1_OUTER (the unshare process)
# and, once it exists, PID1_PID (pid1's pid as seen from outside). Output goes to
# $BATS_TEST_TMPDIR/out (or the file PID1_STDOUT names) and err. Closes fd 3 so bats
# does not wait on it.
pid1_start() {
	# shellcheck disable=SC2086
	PID1_RUNTIME_DIR=$(pid1_runtime_dir) \
		timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount-proc --kill-child \
		$PID1_WRAPPER "$PID1" "$@" >"${PID1_STDOUT:-$BATS_TEST_TMPDIR/out}" \
		2>"$BATS_TEST_TMPDIR/err" 3>&- &
	PID1_OUTER=$!
	wait_until pid1_found
	PID1_PID=$(pid1_outer_child)
	export PID1_OUTER PID1_PID
}

# The pid (outside view) of pid1: the descendant of PID1_OUTER that is PID 1 of its own
# namespace (the last NSpid field is 1). Walking the children files is fast and, unlike
# pgrep, cannot pick a process that merely starts at the same moment.
pid1_outer_child() {
	local queue=("$PID1_OUTER") p c kids
	while [ "${#queue[@]}" -gt 0 ]; do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		if [ "$p" != "$PID1_OUTER" ] &&
			awk '/^NSpid:/ { exit !(NF > 2 && $NF == 1) }' "/proc/$p/status" 2>/dev/null; then
			echo "$p"
			return 0
		fi
		kids=$(cat /proc/"$p"/task/*/children 2>/dev/null)
		for c in $kids; do
			queue+=("$c")
		done
	done
	return 1
}

pid1_found() {
	[ -n "$(pid1_outer_child)" ]
}

# pid1_wait: waits for the background pid1 to exit; its exit status becomes $status.
pid1_wait() {
	local rc=0
	wait "$PID1_OUTER" || rc=$?
	# shellcheck disable=SC2034 # read by the caller, as with bats' run
	status=$rc
}

# send_to_pid1 SIG: sends a signal to the background pid1 from outside its namespace.
send_to_pid1() {
	kill -s "$1" "$PID1_PID"
}

# traced PID: a tracer (strace) is attached to PID.
traced() {
	awk '/^TracerPid:/ { exit !($2 != 0) }' "/proc/$1/status"
}

# wait_until CMD...: polls CMD every 50 ms until it succeeds; fails after $WAIT_SECONDS (20).
wait_until() {
	local deadline=$((SECONDS + ${WAIT_SECONDS:-20}))
	until "$@"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "wait_until: timed out waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# pty_drive SECONDS STEP... -- CMD...: CMD as the foreground job of a new pseudo-terminal,
# driven by the steps (see tests/helpers/ptyrun.py), each step given SECONDS.
pty_drive() {
	local seconds=$1
	shift
	command -v python3 >/dev/null || skip_or_fail "python3 is needed to drive a terminal"
	timeout -k 5 $((seconds * 2 + 10)) env TERM=dumb PTYRUN_TIMEOUT="$seconds" \
		python3 "$PID1_SRCDIR/tests/helpers/ptyrun.py" "$@"
}

# file_has FILE TEXT: the file exists and has a line equal to TEXT.
file_has() {
	[ -f "$1" ] && grep -qxF -- "$2" "$1"
}

# descendants PID: every descendant of PID (outside view), one a line, parents first.
descendants() {
	local queue=("$1") p c
	while [ "${#queue[@]}" -gt 0 ]; do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		# shellcheck disable=SC2013 # the file is one line of pids
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
			echo "$c"
			queue+=("$c")
		done
	done
}

# zombies_under PID: zombies among the descendants of PID (outside view). The command in
# stat may hold spaces and ')', so the state is read after the last ')'.
zombies_under() {
	local p n=0
	for p in $(descendants "$1"); do
		[ "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)" = Z ] &&
			n=$((n + 1))
	done
	echo "$n"
}

# count_children PID: how many processes, zombies included, have PID (outside view) as parent.
count_children() {
	pgrep -c -P "$1" || true
}

# zombie_children PID: children of PID (outside view) that exited and wait to be reaped.
zombie_children() {
	pgrep -c -r Z -P "$1" || true
}

# no_zombies_under PID, no_zombie_children PID: the same, for wait_until.
no_zombies_under() {
	[ "$(zombies_under "$1")" -eq 0 ]
}

no_zombie_children() {
	[ "$(zombie_children "$1")" -eq 0 ]
}

# pid1_alive: the background pid1 has not exited yet. pid1_gone: its unshare has ended.
pid1_alive() {
	kill -0 "$PID1_PID" 2>/dev/null
}

pid1_gone() {
	! kill -0 "$PID1_OUTER" 2>/dev/null
}

# cpu_ticks PID: the CPU time PID has used so far (user + system, fields 14 and 15 of stat,
# in clock ticks). The command may hold spaces and ')': fields are counted after the last ')'.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# skip_or_fail REASON: a skip, unless PID1_TEST_STRICT=1 (CI) where it is a failure.
skip_or_fail() {
	if [ "${PID1_TEST_STRICT:-0}" = 1 ]; then
		fail "unexpected skip in strict mode: $1"
	fi
	skip "$1"
}

# pid1_run_plain ARGS...: pid1 as an ordinary process of the test's own PID namespace, not
# PID 1, for `run`: it must then make itself a subreaper to be given the orphans.
pid1_run_plain() {
	# shellcheck disable=SC2086
	timeout -k 5 "$PID1_TIMEOUT" $PID1_WRAPPER "$PID1" "$@"
}

# close_fds_above N CMD...: runs CMD (a command or a function) in a subshell where every fd
# above N is closed; bats and the shell that started it leave several open.
close_fds_above() (
	local limit=$1 fd
	shift
	for fd in /proc/"$BASHPID"/fd/*; do
		fd=${fd##*/}
		# The listing's own fd is gone by now; close only what is still open.
		if [ "$fd" -gt "$limit" ] && [ -e "/proc/$BASHPID/fd/$fd" ]; then
			exec {fd}>&-
		fi
	done
	"$@"
)

# count_lines FILE TEXT: how many lines of FILE are exactly TEXT (0 when FILE is missing).
count_lines() {
	local n
	n=$(grep -cxF -- "$2" "$1" 2>/dev/null) || true
	echo "${n:-0}"
}

# has_lines FILE N TEXT: FILE has at least N lines equal to TEXT; for wait_until.
has_lines() {
	[ "$(count_lines "$1" "$3")" -ge "$2" ]
}

# has_lines_at_least FILE N: FILE exists and has N lines or more; for wait_until.
has_lines_at_least() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

# repeat_gap: a pause between two shutdown signals meant as two. pid1 takes one that comes
# within 250 ms of the one that last counted for the same signal delivered twice; call this
# once pid1 has shown it acted on the first (a line in its log), whose time it counts from.
repeat_gap() {
	sleep 0.3
}

# now_ms: wall-clock milliseconds, for measuring how long something took.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# assert_between WHAT VALUE LOW HIGH: LOW <= VALUE < HIGH, else fail saying what was measured.
assert_between() {
	if [ "$2" -lt "$3" ] || [ "$2" -ge "$4" ]; then
		fail "$1 was $2, expected at least $3 and less than $4"
	fi
}

# is_static FILE: an ELF executable with no program interpreter and no shared libraries.
is_static() {
	[ -f "$1" ] && readelf -h "$1" >/dev/null 2>&1 &&
		! readelf -lW "$1" | grep -q 'program interpreter' &&
		! readelf -dW "$1" | grep -q '(NEEDED)'
}

# build_static: configures and builds a static pid1 out of tree; sets STATIC_PID1.
build_static() {
	local dir=$BATS_FILE_TMPDIR/build-static
	mkdir -p "$dir"
	echo "# building a static pid1 in $dir" >&3
	if ! (cd "$dir" && "$PID1_SRCDIR/configure" -q --enable-static-binary &&
		make -j2 src/pid1) >"$dir/build.log" 2>&1; then
		tail -n 30 "$dir/build.log" >&2
		fail "the static build failed (log above)"
	fi
	# shellcheck disable=SC2034 # read by the calling test file
	STATIC_PID1=$dir/src/pid1
}

# find_static: sets STATIC_PID1 to the static pid1 to test: $PID1_STATIC, else $PID1 when
# that build is static, else, in strict mode (CI), one built here; or sets SKIP_REASON.
# shellcheck disable=SC2034 # both are read by the calling test file
find_static() {
	if [ -n "${PID1_STATIC:-}" ]; then
		STATIC_PID1=$PID1_STATIC
	elif is_static "$PID1"; then
		STATIC_PID1=$PID1
	elif [ "${PID1_TEST_STRICT:-0}" = 1 ]; then
		build_static
	else
		SKIP_REASON="no static pid1: set PID1_STATIC to one (configure --enable-static-binary)"
	fi
}

# find_static_tree: what a tree of static busybox and static pid1 needs: readelf, a static
# busybox at $BUSYBOX and a static pid1 (find_static); sets SKIP_REASON when one is missing.
# shellcheck disable=SC2034 # read by the calling test file
find_static_tree() {
	if ! command -v readelf >/dev/null; then
		SKIP_REASON="readelf is not installed (Debian: binutils)"
	elif ! is_static "$BUSYBOX"; then
		SKIP_REASON="no static busybox at $BUSYBOX (Debian: apt-get install busybox-static)"
	else
		find_static
	fi
}

# field_of NAME COLUMN: a column of NAME's line in the status table; pid_of NAME, state_is NAME STATE.
field_of() {
	"$PID1" ctl status | awk -v n="$1" -v c="$2" '$1 == n { print $c }'
}

pid_of() {
	field_of "$1" 3
}

state_is() {
	[ "$(field_of "$1" 2)" = "$2" ]
}

# write_conf: the test's config file, CONF ($BATS_TEST_TMPDIR/pid1.conf), from stdin; pid1 -n
# must accept it.
write_conf() {
	CONF=$BATS_TEST_TMPDIR/pid1.conf
	cat >"$CONF"
	if ! "$PID1" -n -c "$CONF" >/dev/null 2>"$BATS_TEST_TMPDIR/conf-err"; then
		fail "pid1 -n rejects the config: $(cat "$BATS_TEST_TMPDIR/conf-err")"
	fi
}

# unlog TEXT: TEXT with each line's timestamp and "pid1[PID]: " taken off, so that a line pid1
# logs, errors before start-up included, reads "err: message".
unlog() {
	sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z pid1\[[0-9]+\]: //' <<<"$1"
}

# log_has TEXT: pid1's log, as pid1_start and pid1_run keep it, has TEXT.
log_has() {
	grep -qF -- "$1" "$BATS_TEST_TMPDIR/err"
}
