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

H=$PID1_HELPERS

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
	if [ -n "${EPERM_DIR:-}" ]; then
		umount "$EPERM_DIR" 2>/dev/null || true
		rmdir "$EPERM_DIR" 2>/dev/null || true
	fi
	if [ -n "${LINGER_DIR:-}" ]; then
		rm -rf "$LINGER_DIR"
	fi
}

# repeat_runs N SCRIPT: N runs of pid1 with `bash -c SCRIPT` as the child, each bounded by a
# timeout; prints each run's exit status, one a line, and appends pid1's stderr to $S/err.
repeat_runs() {
	local i rc
	for ((i = 0; i < $1; i++)); do
		rc=0
		# shellcheck disable=SC2086
		timeout -k 1 10 unshare --pid --fork --mount-proc --kill-child \
			$PID1_WRAPPER "$PID1" -- bash -c "$2" 2>>"$S/err" || rc=$?
		echo "$rc"
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

# ticks_of PID: user + system CPU time of PID so far, in clock ticks.
ticks_of() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# startsig_runs RUNS OFFSET: RUNS start-up signals to pid1 running sleep 100 (see
# tests/helpers/startsig.c); pid1's log goes to $S/err.
startsig_runs() {
	"$H/startsig" "$1" "$2" "$PID1" -- sleep 100 2>"$S/err"
}

# summarize: startsig's lines (RUN SIGNAL DELAY_US RESULT MS) counted by signal and result,
# then how many runs took a second or more from the signal to pid1's exit.
summarize() {
	awk '{ n[$2 " " $4]++ } $5 >= 1000 { slow++ }
		END { for (k in n) print k, n[k]; print "slow", slow + 0 }' | LC_ALL=C sort
}

# descendant_named PID NAME: PID has a child or grandchild whose command is NAME.
descendant_named() {
	local c g kids grandkids
	kids=$(cat /proc/"$1"/task/*/children 2>/dev/null)
	for c in $kids; do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && return 0
		grandkids=$(cat /proc/"$c"/task/*/children 2>/dev/null)
		for g in $grandkids; do
			[ "$(cat "/proc/$g/comm" 2>/dev/null)" = "$2" ] && return 0
		done
	done
	return 1
}

# --- reaping ---

@test "a child killed with its orphan running, or leaving a killed child: 1,000 runs, none hangs" {
	# Two exits close together coalesce into one SIGCHLD: an init that reaps one child per
	# signal misses the main child's exit and hangs.
	local start=$SECONDS
	run -0 repeat_runs 500 'sleep 0.01 & kill -9 $BASHPID'
	[ "$(sort -u <<<"$output")" = 137 ] ||
		fail "exit codes other than 137: $(sort <<<"$output" | uniq -c | tr '\n' ' ')"
	run -0 repeat_runs 500 'sleep 100 & kill -9 $!; exec sleep 0.005'
	[ "$(sort -u <<<"$output")" = 0 ] ||
		fail "exit codes other than 0: $(sort <<<"$output" | uniq -c | tr '\n' ' ')"
	echo "# 1,000 runs in $((SECONDS - start)) s" >&3
}

@test "a child's own exit code 127 passes through, not taken for a command pid1 did not find" {
	run -127 --separate-stderr pid1_run -- sh -c 'exit 127'
	refute_output
	[[ $stderr == *"main[2] exited with status 127"* ]] || fail "not reported: $stderr"
	[[ $stderr != *"not found"* && $stderr != *"cannot"* ]] || fail "misreported: $stderr"
}

# --- the terminal ---

@test "under a terminal, 500 runs of pid1 -- sleep 0.1 all exit 0, never 129 (SIGHUP)" {
	# dumb-init (issue 136) gave up the terminal with TIOCNOTTY: the kernel then sends
	# SIGHUP and SIGCONT to the foreground group, and the child just started there died
	# with 129.
	cat >"$S/runs.sh" <<-'EOF'
		# runs.sh N MODE: job: a shell with job control starts pid1 as a foreground job;
		# session: pid1 leads a session of its own that has the terminal (docker run -t).
		[ "$2" = job ] && set -m
		for ((i = 0; i < $1; i++)); do
			if [ "$2" = job ]; then
				unshare --pid --fork --mount-proc --kill-child "$PID1" -- sleep 0.1
			else
				unshare --pid --fork --mount-proc --kill-child \
					setsid --ctty "$PID1" -- sleep 0.1
			fi
			rc=$?
			[ "$rc" -eq 0 ] || echo "run $i: exit $rc"
		done
		echo "runs done: $1"
	EOF
	local n pids=() start=$SECONDS
	for n in job.1 job.2 session.1 session.2; do
		pty_drive 120 'expect:^runs done' 'wait' -- \
			bash --norc --noprofile "$S/runs.sh" 125 "${n%.*}" >"$S/pty.$n" 2>&1 3>&- &
		pids+=("$!")
	done
	for n in "${pids[@]}"; do
		wait "$n" || true
	done
	for n in job.1 job.2 session.1 session.2; do
		grep -qx 'runs done: 125' "$S/pty.$n" || fail "$n: $(cat "$S/pty.$n")"
		grep -qx 'ptyrun: exit 0' "$S/pty.$n" || fail "$n: $(cat "$S/pty.$n")"
		! grep -q '^run [0-9]*: exit' "$S/pty.$n" || fail "$n: $(grep '^run' "$S/pty.$n")"
	done
	echo "# 500 runs in $((SECONDS - start)) s" >&3
}

@test "under a terminal, Ctrl-Z then Ctrl-C to the foreground child still ends pid1" {
	# The child stops on Ctrl-Z and no shell is there to resume it: Ctrl-C then waits on a
	# stopped process, and an init that does nothing about the stop hangs the container
	# (dumb-init issue 184). pid1 continues it, and says so at info level.
	# shellcheck disable=SC2086
	run pty_drive 15 'expect:^ready' 'send:\x1a' 'expect:stopped on the terminal.s Ctrl-Z' \
		'send:\x03' 'wait' \
		-- unshare --pid --fork --mount-proc --kill-child $PID1_WRAPPER "$PID1" -v \
		-- sh -c 'echo ready; exec sleep 100'
	assert_success
	assert_line --regexp '^ptyrun: exit (130|137|143)$'
}

# --- start-up ---

@test "SIGTERM or SIGINT 0-5 ms into start-up, 1,000 times: the child gets it, pid1 ends at once" {
	# A signal to a namespace's init that has neither a handler nor the signal blocked is
	# dropped by the kernel: `docker stop` right after `docker run` then waits 10 s for
	# nothing. startsig sends it from pid1's first system call in main() on, the earliest
	# a program can guard against it.
	[ -z "$PID1_WRAPPER" ] || skip "a wrapper in front of pid1 hides its main()"
	local main entry start=$SECONDS
	main=$(nm "$PID1" 2>/dev/null | awk '$2 ~ /^[Tt]$/ && $3 == "main" { print $1 }')
	[ -n "$main" ] || skip_or_fail "no symbol for main() in $PID1"
	entry=$(readelf -h "$PID1" | awk '/Entry point/ { print $4 }')
	run startsig_runs 1000 "$(printf %x $((0x$main - entry)))"
	[ "$status" -ne 77 ] || skip_or_fail "startsig cannot set a breakpoint on this machine"
	[ "$status" -eq 0 ] || fail "startsig failed: $(tail -n 5 "$S/err")"
	echo "# $(wc -l <<<"$output") runs in $((SECONDS - start)) s" >&3
	# Every TERM gives 143 and every INT 130; none is lost, none takes a second.
	run summarize <<<"$output"
	assert_output "$(printf 'INT 130 250\nTERM 143 750\nslow 0')"
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

@test "a relative pidfile or log file is resolved at start: pid1 leaves its directory, both work" {
	mkdir "$S/dir"
	pid1_start_after 'cd "$S/dir"' -v --pidfile pid --log-file log \
		-- sh -c 'trap "" USR1; while [ ! -e "$S/stop" ]; do sleep 0.05; done; exit 7'
	wait_until test -e "$S/dir/log"
	in_loop "$S/dir/log"
	cwd_is "$PID1_PID" / || fail "pid1 stayed in $(readlink "/proc/$PID1_PID/cwd")"
	# A rotation after pid1 left: the new file appears in the same directory.
	mv "$S/dir/log" "$S/dir/log.1"
	send_to_pid1 USR1
	wait_until test -e "$S/dir/log"
	touch "$S/stop"
	pid1_wait
	[ "$status" -eq 7 ] || fail "status $status: $(cat "$S/err")"
	[ ! -e "$S/dir/pid" ] || fail "the pidfile was left behind"
}

# --- degraded environments ---

@test "PR_SET_CHILD_SUBREAPER refused by seccomp: pid1 warns, runs the child, passes its code" {
	# Not PID 1: pid1 asks to be a subreaper by itself.
	# shellcheck disable=SC2086
	run -3 --separate-stderr timeout -k 5 "$PID1_TIMEOUT" "$H/nosubreaper" \
		$PID1_WRAPPER "$PID1" -- sh -c 'echo ran; exit 3'
	assert_output ran
	[[ $stderr == *"cannot register as child subreaper"*"Operation not permitted"* ]] ||
		fail "no warning: $stderr"
	# PID 1 with -s.
	# shellcheck disable=SC2086
	run -4 --separate-stderr timeout -k 5 "$PID1_TIMEOUT" \
		unshare --pid --fork --mount-proc --kill-child "$H/nosubreaper" \
		$PID1_WRAPPER "$PID1" -s -- sh -c 'echo ran; exit 4'
	assert_output ran
	[[ $stderr == *"cannot register as child subreaper"*"Operation not permitted"* ]] ||
		fail "no warning: $stderr"
}

# eperm_setup: a directory (its own tmpfs, so set-user-ID works) that nobody can read, with
# a copy of pid1 and a set-user-ID-root allroot; sets EPERM_DIR.
eperm_setup() {
	EPERM_DIR=$(mktemp -d /tmp/pid1-eperm.XXXXXX)
	chmod 755 "$EPERM_DIR"
	mount -t tmpfs -o mode=755 pid1-eperm "$EPERM_DIR"
	cp "$PID1" "$EPERM_DIR/pid1"
	cp "$H/allroot" "$EPERM_DIR/allroot"
	chown root:root "$EPERM_DIR/allroot"
	chmod 4755 "$EPERM_DIR/allroot"
}

@test "a ladder step refused with EPERM is logged once, pid1 does not spin, exits when done" {
	# pid1 runs as nobody, as PID 1; its child has made itself root (real uid too), so
	# every kill from pid1 gets EPERM.
	eperm_setup
	cat >"$EPERM_DIR/pid1.conf" <<-'EOF'
		shutdown {
			scope = child
			step SIGTERM { grace = 1s }
			step SIGKILL { grace = 1s }
		}
	EOF
	# The test's runtime directory, not /tmp/pid1-65534, which another file may be using.
	PID1_RUNTIME_DIR=$(pid1_runtime_dir) timeout -k 5 "$PID1_TIMEOUT" \
		unshare --pid --fork --mount-proc --kill-child \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$EPERM_DIR/pid1" -c "$EPERM_DIR/pid1.conf" -- "$EPERM_DIR/allroot" sleep 100 \
		>"$S/out" 2>"$S/err" 3>&- &
	PID1_OUTER=$!
	wait_until pid1_found
	PID1_PID=$(pid1_outer_child)
	wait_until descendant_named "$PID1_PID" sleep
	local start
	start=$(now_ms)
	send_to_pid1 TERM
	wait_until grep -q 'step 2/2' "$S/err"
	# A loop retrying the refused kill would have burnt a second of CPU by now.
	local ticks
	ticks=$(ticks_of "$PID1_PID")
	[ "$ticks" -le 10 ] || fail "pid1 used $ticks ticks of CPU during the ladder"
	pid1_wait
	assert_equal "$status" 137
	assert_between "run time in ms" "$(($(now_ms) - start))" 1900 6000
	assert_equal "$(grep -c 'cannot send SIGTERM to the child (1 process) (Operation not permitted), waiting up to 1s' "$S/err")" 1
	assert_equal "$(grep -c 'cannot send SIGKILL to the child (1 process) (Operation not permitted), waiting up to 1s' "$S/err")" 1
	grep -q 'outlived the shutdown ladder' "$S/err"
}

@test "not PID 1, a ladder step refused with EPERM across the /proc walk says so" {
	# As a subreaper pid1 reaches its descendants one by one: every kill refused must read
	# as EPERM, not as "nothing left to signal".
	eperm_setup
	cat >"$EPERM_DIR/pid1.conf" <<-'EOF'
		shutdown {
			step SIGTERM { grace = 1s }
			step SIGKILL { grace = 1s }
		}
	EOF
	timeout -k 5 "$PID1_TIMEOUT" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$EPERM_DIR/pid1" -c "$EPERM_DIR/pid1.conf" -- "$EPERM_DIR/allroot" sleep 100 \
		>"$S/out" 2>"$S/err" 3>&- &
	PID1_OUTER=$!
	wait_until descendant_named "$PID1_OUTER" sleep
	# Not timeout itself: it would pass the signal on twice (to pid1 and to its group).
	PID1_PID=$(pgrep -P "$PID1_OUTER")
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 137
	assert_equal "$(grep -c 'cannot send SIGTERM to all (Operation not permitted)' "$S/err")" 1
	kill -KILL "$(pgrep -f "$EPERM_DIR/allroot")" 2>/dev/null || true
}

# The attacks on inherited sockets: a directory nobody's processes can read (LINGER_DIR) with
# one they can write (out), and pid1 with fd 5 from START, a command run in the process that
# becomes pid1 (so that no one else holds fd 5). hold (COMMAND, a oneshot that never ends)
# keeps web waiting; tick closes its fd 5 and ends once $S/go exists.
PY=/usr/bin/python3

linger_setup() {
	[ -x "$PY" ] || skip_or_fail "$PY is needed for the attacker"
	LINGER_DIR=$(mktemp -d /tmp/pid1-linger.XXXXXX)
	chmod 755 "$LINGER_DIR"
	mkdir -m 700 "$LINGER_DIR/out"
	chown nobody "$LINGER_DIR/out"
	# lingering(s): SO_LINGER on for 600 s, and s's queue full of data nobody reads.
	cat >"$LINGER_DIR/lingering.py" <<'EOF'
import socket, struct

def lingering(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 600))
    s.setblocking(False)
    try:
        while True:
            s.send(b"x" * 65536)
    except BlockingIOError:
        pass
EOF
}

# linger_start HOLD_SETTINGS START...: pid1 as PID 1 as described above.
linger_start() {
	local hold=$1
	shift
	cat >"$S/conf" <<EOF
program hold { $hold type = oneshot }
program web { command = { "sleep", "1000" } after = { hold } }
program tick {
	command = { "sh", "-c", "exec 5>&-; while [ ! -e $S/go ]; do sleep 0.05; done" }
	type = oneshot
}
log { level = debug }
EOF
	PID1_RUNTIME_DIR=$S/run timeout -k 5 "$PID1_TIMEOUT" \
		unshare --pid --fork --mount-proc --kill-child "$@" "$PID1" -c "$S/conf" \
		>"$S/out" 2>"$S/err" 3>&- &
	PID1_OUTER=$!
	wait_until pid1_found
	PID1_PID=$(pid1_outer_child)
}

# linger_release: web stopped leaves nothing to start, and tick's end makes pid1 let go of
# its inherited fds; pid1 must get through that and still answer.
linger_release() {
	run -0 env PID1_RUNTIME_DIR="$S/run" "$PID1" ctl -t 20 stop web
	touch "$S/go"
	wait_until grep -q 'closed [0-9]* inherited fds*$' "$S/err"
	run -0 env PID1_RUNTIME_DIR="$S/run" "$PID1" ctl -t 20 status
	assert_line --regexp '^hold +starting'
}

# A TCP socket pid1 was given and passes on: hold, running as nobody, turns SO_LINGER on,
# leaves data unsent to a reader that never reads, and lets go of its copy.
@test "an inherited socket a program set to linger is closed without waiting" {
	linger_setup
	# The reader: accepts and never reads, holding the connection open.
	"$PY" - "$LINGER_DIR/port" >/dev/null 2>&1 3>&- <<'EOF' &
import os, socket, sys, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
with open(sys.argv[1] + ".new", "w") as f:
    f.write("%d\n" % l.getsockname()[1])
os.rename(sys.argv[1] + ".new", sys.argv[1])
c, _ = l.accept()
time.sleep(300)
EOF
	READER=$!
	cat >"$LINGER_DIR/linger.py" <<'EOF'
import socket, sys, time
from lingering import lingering
s = socket.socket(fileno=5)
lingering(s)
s.close()
open(sys.argv[1], "w").close()
time.sleep(1000)
EOF
	wait_until test -s "$LINGER_DIR/port"
	linger_start "command = { \"$PY\", \"$LINGER_DIR/linger.py\", \"$LINGER_DIR/out/done\" }
		user = nobody" \
		bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$0" && exec "$@"' "$(cat "$LINGER_DIR/port")"
	wait_until test -e "$LINGER_DIR/out/done"
	[ -S "/proc/$PID1_PID/fd/5" ] || fail "pid1 does not hold the socket"
	linger_release
	[ ! -e "/proc/$PID1_PID/fd/5" ] || fail "pid1 still holds fd 5"
	send_to_pid1 TERM
	pid1_wait
}

# A unix socket pid1 was given (socket activation) and passes on: another user connects and
# sends a lingering TCP socket over it, then lets go of both. Closing the listener would
# release the pending connection and the socket in flight in it, in pid1, last.
@test "an inherited unix socket with a lingering socket in flight is let go of, never closed last by pid1" {
	linger_setup
	linger_start 'command = { "sh", "-c", "exec 5>&-; exec sleep 1000" }' \
		"$PY" -c '
import os, socket, sys
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
l.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
l.listen(8)
os.dup2(l.fileno(), 5)
os.execv(sys.argv[2], sys.argv[2:])
' "$LINGER_DIR/activation"
	wait_until test -S "$LINGER_DIR/activation"
	# The attacker, as nobody.
	"$PY" - "$LINGER_DIR/activation" "$LINGER_DIR/out/sent" >/dev/null 2>&1 3>&- <<'EOF' &
import os, socket, sys, time
sys.path.insert(0, os.path.dirname(sys.argv[1]))
from lingering import lingering
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
t = socket.create_connection(l.getsockname())
peer, _ = l.accept()
lingering(t)
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
u.connect(sys.argv[1])
socket.send_fds(u, [b"x"], [t.fileno()])
t.close()
u.close()
open(sys.argv[2], "w").close()
time.sleep(300)
EOF
	READER=$!
	wait_until test -e "$LINGER_DIR/out/sent"
	linger_release
	[ ! -e "/proc/$PID1_PID/fd/5" ] || fail "pid1 still holds fd 5"
	send_to_pid1 TERM
	pid1_wait
}
