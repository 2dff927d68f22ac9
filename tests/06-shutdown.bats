#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The shutdown ladder, seen from outside: what starts it, which signal reaches whom and when,
# how it ends early or is cut short, what pid1 exits with, what it logs, and that pid1 keeps
# reaping during the ladder and sleeps when idle. pid1 always runs as the real PID 1 of a
# fresh PID namespace. Times are measured with `date +%s%N` and compared with generous bounds.
# shellcheck disable=SC2016,SC2154,SC2030,SC2031 # sh -c scripts are single-quoted; bats sets
# $stderr; each test is a subshell of its own, so PID1_PID set in one is meant to stay there

bats_require_minimum_version 1.5.0
load lib/pid1

# A ladder of 1 s steps, so that tests walking past step 1 stay short.
SHORT_STEPS='step SIGINT { grace = 1s }
	step SIGTERM { grace = 1s }
	step SIGKILL { grace = 1s }'

# ns_init_under PID: prints the descendant of PID that is PID 1 of its own namespace (its
# NSpid line ends in 1 and has more than one pid). Fails when there is none yet.
ns_init_under() {
	local p
	for p in $(pgrep -P "$1"); do
		if awk '$1 == "NSpid:" && NF >= 3 && $NF == 1 { ok = 1 } END { exit !ok }' \
			"/proc/$p/status" 2>/dev/null; then
			echo "$p"
			return 0
		fi
		ns_init_under "$p" && return 0
	done
	return 1
}

ns_init_found() {
	ns_init_under "$PID1_OUTER" >/dev/null
}

# start_pid1 ARGS...: pid1_start, then PID1_PID made certain. While timeout and unshare are
# still exec'ing, pid1_start's walk by parent and name can land on another process of the
# tree; the namespace's PID 1 is the one process that is always pid1.
start_pid1() {
	pid1_start "$@"
	wait_until ns_init_found
	PID1_PID=$(ns_init_under "$PID1_OUTER")
}

# stderr_has TEXT: the stderr of the last `run --separate-stderr` has TEXT.
stderr_has() {
	grep -qF -- "$1" <<<"$stderr"
}

# stdout_ready: the main child (stubborn) has said "ready" on pid1's stdout.
stdout_ready() {
	file_has "$BATS_TEST_TMPDIR/out" ready
}

# pid1_has_one_child: every orphan pid1 adopted has been reaped; only the main child is left.
pid1_has_one_child() {
	[ "$(count_children "$PID1_PID")" -eq 1 ]
}

# ctxt_switches PID: the voluntary context switches of PID so far.
ctxt_switches() {
	awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$1/status"
}

setup() {
	unset PID1_CONFIG
	H=$PID1_HELPERS
	S=$BATS_TEST_TMPDIR
	# flusher FILE SIG...: traps SIGs; on one it takes a moment to flush, writes "flushed"
	# to FILE and exits 4. Writes FILE.up once the trap is set.
	cat >"$S/flusher" <<-'EOF'
		#!/bin/sh
		f=$1
		shift
		trap 'sleep 0.3; echo flushed >"$f"; exit 4' "$@"
		echo up >"$f.up"
		while :; do sleep 0.1; done
	EOF
	# stamp FILE: on SIGINT or SIGTERM writes the time (date +%s%N) to FILE and exits 0.
	cat >"$S/stamp" <<-'EOF'
		#!/bin/sh
		f=$1
		trap 'date +%s%N >"$f"; exit 0' INT TERM
		echo up >"$f.up"
		while :; do sleep 0.1; done
	EOF
	# orphaner FILE: on SIGINT leaves 5 orphans behind (their report goes to FILE) and
	# carries on; only a stronger signal ends it.
	cat >"$S/orphaner" <<-'EOF'
		#!/bin/sh
		f=$1
		trap '"$PID1_HELPERS/orphans" 5 >"$f"' INT
		echo up >"$f.up"
		while :; do sleep 0.1; done
	EOF
	chmod +x "$S/flusher" "$S/stamp" "$S/orphaner"
}

teardown() {
	local f
	# Processes a test started outside any namespace of pid1's.
	for f in "$S/bystander.pid" "$S/daemon.pid"; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	# A test that failed half-way may leave pid1 running: end it, and the namespace with it.
	if [ -n "${PID1_PID:-}" ] && pid1_alive; then
		kill -KILL "$PID1_PID" 2>/dev/null || true
	fi
	if [ -n "${PID1_OUTER:-}" ]; then
		wait "$PID1_OUTER" 2>/dev/null || true
	fi
	if [ -f "$BATS_TEST_TMPDIR/err" ]; then
		sed 's/^/# stderr: /' "$BATS_TEST_TMPDIR/err"
	fi
}

@test "SIGTERM from outside starts the ladder at its SIGTERM step: SIGTERM reaches every process" {
	# The main child and a process in another session: a forwarded signal would reach
	# only the child; the ladder's step reaches all. SIGINT, before SIGTERM on the
	# ladder, is skipped: docker stop and the kubelet promise SIGTERM.
	start_pid1 sh -c 'setsid -f "$0" "$1.other"; exec "$0" "$1"' "$H/sigdump" "$S/sig"
	wait_until file_has "$S/sig" ready
	wait_until file_has "$S/sig.other" ready
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	file_has "$S/sig" SIGTERM
	file_has "$S/sig.other" SIGTERM
	run ! file_has "$S/sig" SIGINT
	run ! file_has "$S/sig.other" SIGINT
	log_has "shutdown begins: SIGTERM; scope all, 3 steps, from step 2"
	log_has "shutdown step 2/3: SIGTERM to all"
	run ! log_has "shutdown step 1/3"
}

@test "enter = first: SIGTERM starts the ladder at its first step, SIGINT" {
	write_conf <<-'EOF'
		shutdown { enter = first }
	EOF
	start_pid1 -c "$CONF" "$H/sigdump" "$S/sig"
	wait_until file_has "$S/sig" ready
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	file_has "$S/sig" SIGINT
	run ! file_has "$S/sig" SIGTERM
	log_has "shutdown step 1/3: SIGINT to all"
}

@test "a program that handles only SIGTERM exits 0 after its clean-up when pid1 gets SIGTERM" {
	# SIGINT left at its default would kill it at once (exit 130), its clean-up never run.
	start_pid1 sh -c 'trap "sleep 0.3; echo cleaned >\"\$0\"; exit 0" TERM; echo ready
		while :; do sleep 0.05; done' "$S/cleanup"
	wait_until stdout_ready
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	file_has "$S/cleanup" cleaned
}

@test "a signal that is not on the ladder starts it at the first step" {
	write_conf <<-'EOF'
		signal SIGHUP { action = shutdown }
	EOF
	start_pid1 -c "$CONF" "$H/sigdump" "$S/sig"
	wait_until file_has "$S/sig" ready
	send_to_pid1 HUP
	pid1_wait
	[ "$status" -eq 0 ]
	file_has "$S/sig" SIGINT
	log_has "shutdown step 1/3: SIGINT to all"
}

@test "SIGINT from outside starts the ladder: SIGINT reaches every process" {
	start_pid1 sh -c 'setsid -f "$0" "$1.other"; exec "$0" "$1"' "$H/sigdump" "$S/sig"
	wait_until file_has "$S/sig" ready
	wait_until file_has "$S/sig.other" ready
	send_to_pid1 INT
	pid1_wait
	[ "$status" -eq 0 ]
	file_has "$S/sig" SIGINT
	file_has "$S/sig.other" SIGINT
	log_has "shutdown begins: SIGINT"
}

@test "a child that exits on SIGINT ends the ladder after step 1, long before its grace" {
	start_pid1 -v "$H/sigdump" "$S/sig"
	wait_until file_has "$S/sig" ready
	local t0
	t0=$(now_ms)
	send_to_pid1 INT
	pid1_wait
	assert_between "time to exit with a 4 s grace" $(($(now_ms) - t0)) 0 3000
	[ "$status" -eq 0 ]
	log_has "shutdown step 1/3: SIGINT to all (1 process), waiting up to 4s"
	log_has "shutdown step 1 ended"
	log_has ": nothing is left in scope"
	run ! log_has "shutdown step 2/3"
}

@test "a child that ignores SIGINT gets SIGTERM after SIGINT's 4 s grace and exits 143" {
	start_pid1 "$H/stubborn" INT
	wait_until stdout_ready
	local t0
	t0=$(now_ms)
	send_to_pid1 INT
	pid1_wait
	assert_between "time to SIGTERM" $(($(now_ms) - t0)) 3800 7000
	[ "$status" -eq 143 ]
	log_has "shutdown step 2/3: SIGTERM to all"
}

@test "a child that traps SIGTERM after ignoring SIGINT exits with its own code" {
	write_conf <<-EOF
		shutdown {
			$SHORT_STEPS
		}
	EOF
	# The shell's sleeps inherit the ignored SIGINT; SIGTERM ends them and runs the trap.
	start_pid1 -c "$CONF" sh -c 'trap "" INT; trap "exit 7" TERM; echo ready
		while :; do sleep 0.1; done'
	wait_until stdout_ready
	local t0
	t0=$(now_ms)
	send_to_pid1 INT
	pid1_wait
	assert_between "time to SIGTERM with a 1 s grace" $(($(now_ms) - t0)) 900 4000
	[ "$status" -eq 7 ]
}

@test "a child that ignores everything is SIGKILLed after SIGINT and SIGTERM graces, exit 137" {
	start_pid1 "$H/stubborn" all
	wait_until stdout_ready
	local t0
	t0=$(now_ms)
	send_to_pid1 INT
	pid1_wait
	assert_between "time to SIGKILL" $(($(now_ms) - t0)) 7800 11000
	[ "$status" -eq 137 ]
	log_has "shutdown step 3/3: SIGKILL to all (1 process), waiting up to 1s"
}

@test "each step is logged at notice level with its signal, scope, processes left and grace" {
	# Two processes that ignore SIGINT: step 1 times out, step 2 ends them both.
	start_pid1 -v sh -c '"$0" INT >"$1" & exec "$0" INT' "$H/stubborn" "$S/second"
	wait_until stdout_ready
	wait_until file_has "$S/second" ready
	send_to_pid1 INT
	pid1_wait
	[ "$status" -eq 143 ]
	log_has "notice: shutdown begins: SIGINT; scope all, 3 steps, from step 1"
	log_has "notice: shutdown step 1/3: SIGINT to all (2 processes), waiting up to 4s"
	log_has "shutdown step 1 timed out after 4"
	log_has "notice: shutdown step 2/3: SIGTERM to all (2 processes), waiting up to 4s"
	log_has "shutdown step 2 ended"
	log_has ": nothing is left in scope"
	run ! log_has "shutdown step 3/3"
	log_has "exiting with code 143"
}

@test "a daemonized grandchild that flushes on SIGINT finishes before pid1 exits" {
	# The grandchild takes 0.3 s to flush after the signal; the main child exits at once.
	start_pid1 sh -c 'setsid -f "$0" "$1" INT TERM; exec "$2" "$3"' \
		"$S/flusher" "$S/flushed" "$H/sigdump" "$S/sig"
	wait_until file_has "$S/flushed.up" up
	wait_until file_has "$S/sig" ready
	send_to_pid1 TERM
	pid1_wait
	file_has "$S/flushed" flushed
	[ "$status" -eq 0 ]
}

@test "a double-forked grandchild that ignores SIGINT gets SIGTERM and flushes" {
	write_conf <<-EOF
		shutdown {
			$SHORT_STEPS
		}
	EOF
	# Started with '&', the grandchild ignores SIGINT: only step 2 reaches it, after the
	# main child has long gone.
	start_pid1 -c "$CONF" sh -c '( setsid "$0" "$1" TERM & ); exec "$2" "$3"' \
		"$S/flusher" "$S/flushed" "$H/sigdump" "$S/sig"
	wait_until file_has "$S/flushed.up" up
	wait_until file_has "$S/sig" ready
	send_to_pid1 TERM
	pid1_wait
	file_has "$S/flushed" flushed
	[ "$status" -eq 0 ]
	log_has "shutdown step 2/3: SIGTERM to all"
}

@test "when the main child exits, the ladder runs on what remains; the exit code is the child's" {
	# The grandchild is still busy when the child exits; pid1 exiting then would kill it.
	run -3 --separate-stderr pid1_run sh -c 'setsid -f "$0" "$1" INT TERM
		until [ -e "$1.up" ]; do sleep 0.05; done; exit 3' "$S/flusher" "$S/flushed"
	file_has "$S/flushed" flushed
	stderr_has "shutdown begins: main exited with status 3 while other processes remain"
}

@test "a main child killed by a signal before the others gives 128+N" {
	run -138 --separate-stderr pid1_run sh -c 'setsid -f "$0" "$1" INT TERM
		until [ -e "$1.up" ]; do sleep 0.05; done; kill -USR1 $$' "$S/flusher" "$S/flushed"
	file_has "$S/flushed" flushed
}

@test "on-child-exit = exit: pid1 exits at once when the main child exits" {
	write_conf <<-'EOF'
		shutdown {
			on-child-exit = exit
		}
	EOF
	# A grandchild that ignores everything would keep the default ladder busy for 9 s.
	local t0
	t0=$(now_ms)
	run -3 --separate-stderr pid1_run -c "$CONF" sh -c '"$0" all >"$1" &
		until grep -q ready "$1" 2>/dev/null; do sleep 0.05; done; exit 3' \
		"$H/stubborn" "$S/stubborn"
	assert_between "time to exit" $(($(now_ms) - t0)) 0 5000
	file_has "$S/stubborn" ready
	[[ $stderr != *"shutdown begins"* ]]
}

@test "delay = 1s: nothing is signalled during the delay" {
	write_conf <<-'EOF'
		shutdown {
			delay = 1s
		}
	EOF
	start_pid1 -c "$CONF" "$S/stamp" "$S/stamped"
	wait_until file_has "$S/stamped.up" up
	local t0 t1
	t0=$(date +%s%N)
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	t1=$(cat "$S/stamped")
	assert_between "time from SIGTERM to the first step" $(((t1 - t0) / 1000000)) 900 4000
}

@test "a second SIGINT during step 1 skips to step 2 at once" {
	start_pid1 "$H/stubborn" INT
	wait_until stdout_ready
	send_to_pid1 INT
	wait_until log_has "shutdown step 1/3: SIGINT"
	repeat_gap
	local t0
	t0=$(now_ms)
	send_to_pid1 INT
	pid1_wait
	assert_between "time from the second SIGINT to exit" $(($(now_ms) - t0)) 0 2000
	[ "$status" -eq 143 ]
	log_has "SIGINT during shutdown: skipping to the next step"
}

@test "on-repeat = kill: a second SIGINT sends SIGKILL at once" {
	write_conf <<-'EOF'
		shutdown {
			on-repeat = kill
		}
	EOF
	start_pid1 -c "$CONF" "$H/stubborn" all
	wait_until stdout_ready
	send_to_pid1 INT
	wait_until log_has "shutdown step 1/3: SIGINT"
	repeat_gap
	local t0
	t0=$(now_ms)
	send_to_pid1 INT
	pid1_wait
	assert_between "time from the second SIGINT to exit" $(($(now_ms) - t0)) 0 2000
	[ "$status" -eq 137 ]
	log_has "SIGKILL to all"
	log_has "SIGINT during shutdown: killing now"
}

@test "scope = child: only the main child gets the ladder's signals" {
	write_conf <<-'EOF'
		shutdown {
			scope = child
		}
	EOF
	start_pid1 -c "$CONF" sh -c '"$0" "$1.other" & exec "$0" "$1"' "$H/sigdump" "$S/sig"
	wait_until file_has "$S/sig" ready
	wait_until file_has "$S/sig.other" ready
	send_to_pid1 INT
	pid1_wait
	[ "$status" -eq 0 ]
	file_has "$S/sig" SIGINT
	run ! file_has "$S/sig.other" SIGINT
	run ! file_has "$S/sig.other" SIGTERM
	log_has "SIGINT to the child (1 process), waiting up to 4s"
}

@test "scope = group: the child's process group gets the signals, another session does not" {
	write_conf <<-'EOF'
		shutdown {
			scope = group
		}
	EOF
	start_pid1 -c "$CONF" sh -c '"$0" "$1.group" & setsid -f "$0" "$1.other"; exec "$0" "$1"' \
		"$H/sigdump" "$S/sig"
	wait_until file_has "$S/sig" ready
	wait_until file_has "$S/sig.group" ready
	wait_until file_has "$S/sig.other" ready
	send_to_pid1 INT
	pid1_wait
	[ "$status" -eq 0 ]
	file_has "$S/sig" SIGINT
	file_has "$S/sig.group" SIGINT
	run ! file_has "$S/sig.other" SIGINT
	run ! file_has "$S/sig.other" SIGTERM
	log_has "SIGINT to the child's group (2 processes), waiting up to 4s"
}

@test "exit-code 143 { as = 0 } turns a SIGTERM death into 0" {
	write_conf <<-EOF
		shutdown {
			$SHORT_STEPS
		}
		exit-code 143 { as = 0 }
	EOF
	start_pid1 -v -c "$CONF" "$H/stubborn" INT
	wait_until stdout_ready
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	log_has "143 remapped"
}

@test "-e 143 turns a SIGTERM death into 0, and leaves other codes alone" {
	run -0 pid1_run -e 143 sh -c 'kill -TERM $$'
	run -137 pid1_run -e 143 sh -c 'kill -KILL $$'
}

@test "pid1 keeps reaping orphans while the ladder runs" {
	# Step 1's grace is long so that a loaded machine cannot reach step 2 on its own.
	write_conf <<-EOF
		shutdown {
			step SIGINT { grace = 60s }
			step SIGTERM { grace = 4s }
			step SIGKILL { grace = 1s }
		}
	EOF
	start_pid1 -c "$CONF" "$S/orphaner" "$S/orphans"
	wait_until file_has "$S/orphans.up" up
	send_to_pid1 INT
	# Step 1's SIGINT makes the child leave 5 orphans to pid1; step 2 is a minute away.
	# Live or zombie, they stay pid1's children until reaped.
	wait_until file_has "$S/orphans" "orphaned 5"
	WAIT_SECONDS=3 wait_until pid1_has_one_child
	pid1_alive
	run ! log_has "shutdown step 2/3"
	# A second SIGINT moves on to step 2, which ends the child.
	repeat_gap
	send_to_pid1 INT
	pid1_wait
	[ "$status" -eq 143 ]
}

@test "idle pid1 sleeps: no wake-ups in 2 s" {
	start_pid1 "$H/sigdump" "$S/sig"
	wait_until file_has "$S/sig" ready
	local before after
	before=$(ctxt_switches "$PID1_PID")
	# The measuring window: pid1 is left alone and its wake-ups are counted.
	sleep 2
	after=$(ctxt_switches "$PID1_PID")
	assert_between "voluntary context switches while idle" $((after - before)) 0 2
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "not PID 1, scope all reaches every descendant of pid1 and no other process" {
	# SIGUSR1 first: a shell started with & ignores SIGINT and could not trap it.
	write_conf <<-EOF
		shutdown { step SIGUSR1 { grace = 1s }  step SIGKILL { grace = 1s } }
	EOF
	# A bystander outside pid1's tree, which must never hear of the ladder.
	sh -c 'echo $$ >$0.pid; trap "echo USR1 >>$0; exit 0" USR1; echo up >>$0
		while :; do sleep 0.05; done' "$S/bystander" >/dev/null 2>&1 3>&- &
	# The child leaves a daemon in a session of its own: an orphan that pid1, a subreaper
	# here, adopts. Only the walk of /proc for pid1's descendants can find it.
	# shellcheck disable=SC2086 # PID1_WRAPPER is a word list on purpose
	timeout -k 5 "$PID1_TIMEOUT" $PID1_WRAPPER "$PID1" -c "$CONF" -- sh -c '
		setsid sh -c "echo \$\$ >\$0.pid; trap \"echo USR1 >>\$0; exit 0\" USR1
			echo up >>\$0; while :; do sleep 0.05; done" "$0" &
		exec sleep 60' "$S/daemon" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	PID1_OUTER=$!
	wait_until file_has "$S/daemon" up
	wait_until file_has "$S/bystander" up
	# Not timeout itself: it would pass the signal on twice (to pid1 and to its group).
	PID1_PID=$(pgrep -P "$PID1_OUTER")
	send_to_pid1 TERM
	pid1_wait
	# sleep keeps SIGUSR1 at its default: the first step ends it, 128 + 10.
	[ "$status" -eq 138 ] || fail "pid1 exited $status"
	run cat "$S/daemon"
	assert_output "$(printf 'up\nUSR1')"
	run cat "$S/bystander"
	assert_output up
}

# --- the ladder after restarts and failed starts, and for processes pid1 did not start ---

# A child that fails its first run; later runs trap SIGINT and SIGTERM, take 1 s to clean
# up, then write "cleaned" to FILE. Its runs are counted in FILE.runs.
write_second_run_cleaner() {
	cat >"$S/second" <<-'EOF'
		#!/bin/sh
		f=$1
		echo run >>"$f.runs"
		[ "$(wc -l <"$f.runs")" -gt 1 ] || exit 1
		trap 'sleep 1; echo cleaned >"$f"; exit 0' INT TERM
		echo up >"$f.up"
		while :; do sleep 0.05; done
	EOF
	chmod +x "$S/second"
}

@test "after a restart, the ladder waits for the new child's clean-up" {
	write_second_run_cleaner
	start_pid1 -v --restart on-failure -- "$S/second" "$S/clean"
	wait_until file_has "$S/clean.up" up
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ] || fail "pid1 exited $status: $(cat "$S/err")"
	file_has "$S/clean" cleaned
	log_has "shutdown step 2 ended"
	log_has ": nothing is left in scope"
}

@test "not PID 1: after a restart, the ladder waits for the new child's clean-up" {
	write_second_run_cleaner
	# shellcheck disable=SC2086 # PID1_WRAPPER is a word list on purpose
	timeout -k 5 "$PID1_TIMEOUT" $PID1_WRAPPER "$PID1" --restart on-failure -- \
		"$S/second" "$S/clean" >"$S/out" 2>"$S/err" 3>&- &
	PID1_OUTER=$!
	wait_until file_has "$S/clean.up" up
	PID1_PID=$(pgrep -P "$PID1_OUTER")
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ] || fail "pid1 exited $status: $(cat "$S/err")"
	file_has "$S/clean" cleaned
}

@test "a restart that cannot exec counts as an exit: retried, then the ladder for the rest" {
	# The first run leaves a daemon and takes its own execute bit away, so the restarts
	# fail with 126. The daemon must still get the ladder and finish its clean-up.
	write_conf <<-'EOF'
		restart { policy = on-failure  delay = 100ms  limit = 2  window = 60s }
	EOF
	cat >"$S/app" <<-'EOF'
		#!/bin/sh
		setsid "$0.daemon" "$1" &
		until [ -e "$1.up" ]; do sleep 0.05; done
		chmod -x "$0"
		exit 1
	EOF
	cat >"$S/app.daemon" <<-'EOF'
		#!/bin/sh
		trap 'sleep 0.5; echo cleaned >"$1"; exit 0' INT TERM
		echo up >"$1.up"
		while :; do sleep 0.05; done
	EOF
	chmod +x "$S/app" "$S/app.daemon"
	run -126 --separate-stderr pid1_run -v -c "$CONF" -- "$S/app" "$S/daemon"
	file_has "$S/daemon" cleaned
	[ "$(grep -c 'restarting main in' <<<"$stderr")" -eq 2 ] || fail "$stderr"
	stderr_has "Permission denied"
	stderr_has "shutdown begins: main exited with status 126 while other processes remain"
}

@test "a restart whose fork fails for want of processes is retried with the back-off" {
	# pid1 runs as nobody, so RLIMIT_NPROC binds it: with the limit at 1 the restart's fork
	# gets EAGAIN; once it is lifted, the next retry starts the child.
	local w
	w=$(mktemp -d /tmp/pid1-nproc.XXXXXX)
	chmod 0777 "$w"
	cat >"$w/app" <<-'EOF'
		#!/bin/sh
		echo run >>"$1/runs"
		[ "$(wc -l <"$1/runs")" -gt 1 ] && exit 0
		echo up >"$1/up"
		until [ -e "$1/go" ]; do sleep 0.05; done
		exit 1
	EOF
	chmod 0755 "$w/app"
	PID1_WRAPPER="setpriv --reuid=nobody --regid=nogroup --clear-groups" \
		start_pid1 -v --restart on-failure -- "$w/app" "$w"
	wait_until file_has "$w/up" up
	# Only a process of pid1's own user may change its limits without CAP_SYS_RESOURCE.
	local as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups" hard
	hard=$(awk '/^Max processes/ { print $4 }' "/proc/$PID1_PID/limits")
	$as_nobody prlimit --pid "$PID1_PID" --nproc=1:
	touch "$w/go"
	wait_until log_has "main could not be started: Resource temporarily unavailable; trying again"
	$as_nobody prlimit --pid "$PID1_PID" --nproc="$hard":
	pid1_wait
	[ "$status" -eq 0 ] || fail "pid1 exited $status: $(cat "$S/err")"
	assert_equal "$(wc -l <"$w/runs")" 2
	# The fork that failed was no run: one restart, after the exit 1.
	[ "$(grep -c 'restarting main in' "$S/err")" -eq 1 ]
	rm -rf "$w"
}

@test "as PID 1, the ladder waits for a process entered with nsenter, not only for its children" {
	start_pid1 -v "$H/sigdump" "$S/sig"
	wait_until file_has "$S/sig" ready
	# Like docker exec: in pid1's namespaces, but its parent is outside them.
	nsenter -t "$PID1_PID" -p -m sh -c 'trap "sleep 1; echo cleaned >$0; exit 0" TERM
		echo up >$0.up; while :; do sleep 0.05; done' "$S/entered" >/dev/null 2>&1 3>&- &
	wait_until file_has "$S/entered.up" up
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	file_has "$S/entered" cleaned
	log_has "shutdown step 2 ended"
	log_has ": nothing is left in scope"
}

@test "a stopped process gets SIGCONT after each step's signal, so it can act on it" {
	start_pid1 "$S/flusher" "$S/flushed" TERM
	wait_until file_has "$S/flushed.up" up
	kill -STOP "$(pgrep -P "$PID1_PID")"
	send_to_pid1 TERM
	pid1_wait
	# Without SIGCONT the flusher would sleep through SIGTERM's grace into SIGKILL (137).
	[ "$status" -eq 4 ] || fail "pid1 exited $status: $(cat "$S/err")"
	file_has "$S/flushed" flushed
}

# budget_conf BUDGET: a config with that shutdown budget and a ladder of 10 s steps, from stdin
# any more sections.
budget_conf() {
	write_conf <<-EOF
		shutdown {
			budget = $1
			step SIGINT { grace = 10s }
			step SIGTERM { grace = 10s }
			step SIGKILL { grace = 10s }
		}
		$(cat)
	EOF
}

@test "shutdown budget: a ladder of 20 s from SIGTERM fits in 4 s, its SIGKILL at the scaled time" {
	budget_conf 4s </dev/null
	# Ignores SIGTERM (noting when it came): only the ladder's SIGKILL ends it.
	start_pid1 -c "$CONF" sh -c 'trap "date +%s%N >\"\$0\"" TERM; echo up >"$0.up"
		while :; do sleep 0.05; done' "$S/term"
	wait_until file_has "$S/term.up" up
	local t0
	t0=$(now_ms)
	send_to_pid1 TERM
	pid1_wait
	assert_between "time to exit" $(($(now_ms) - t0)) 1500 4000
	[ "$status" -eq 137 ]
	wait_until test -s "$S/term"
	assert_between "time to SIGTERM" $(($(cat "$S/term") / 1000000 - t0)) 0 1500
	log_has "shutdown budget 4s: graces scaled to 18% of the configured 20s"
	# 10 s scaled to 1.8 s; the cutoff may take a millisecond off the last.
	grep -q 'shutdown step 2/3: SIGTERM to all (.*), waiting up to 1800ms' "$S/err"
	grep -q 'shutdown step 3/3: SIGKILL to all (.*), waiting up to 1[78][0-9][0-9]ms' "$S/err"
}

@test "shutdown budget: a level's program that ignores SIGTERM still gets SIGKILL before the budget ends" {
	write_conf <<-EOF
		shutdown {
			budget = 3s
			step SIGTERM { grace = 30s }
			step SIGKILL { grace = 30s }
		}
		program web { command = { "$H/sigdump", "$S/web", "USR2" } after = { main } }
	EOF
	start_pid1 -c "$CONF" "$H/sigdump" "$S/main"
	wait_until file_has "$S/web" ready
	wait_until file_has "$S/main" ready
	local t0
	t0=$(now_ms)
	send_to_pid1 TERM
	pid1_wait
	assert_between "time to exit" $(($(now_ms) - t0)) 0 3000
	[ "$status" -eq 0 ] || fail "pid1 exited $status: $(cat "$S/err")"
	file_has "$S/web" SIGTERM
	file_has "$S/main" SIGTERM
	log_has "graces scaled to 2% of the configured 2m"
	grep -q 'web\[[0-9]*\] killed by SIGKILL' "$S/err"
}

@test "shutdown budget: a stop hook that hangs gives up its share, and pid1 is done within the budget" {
	budget_conf 3s <<-EOF
		program drain { command = { "sleep", "100" } type = oneshot when = stop timeout = 1m }
	EOF
	start_pid1 -c "$CONF" "$H/sigdump" "$S/main"
	wait_until file_has "$S/main" ready
	local t0
	t0=$(now_ms)
	send_to_pid1 TERM
	pid1_wait
	assert_between "time to exit" $(($(now_ms) - t0)) 1500 3000
	log_has "shutdown budget 3s: the stop hooks' share is spent after"
	file_has "$S/main" SIGTERM
}

@test "shutdown budget: a worst case over it is a warning at start-up; PID1_SHUTDOWN_BUDGET wins over the key" {
	write_conf <<-'EOF'
		shutdown {
			budget = 30s
		}
	EOF
	run -0 --separate-stderr pid1_run -c "$CONF" true
	[[ $stderr != *budget* ]]
	PID1_SHUTDOWN_BUDGET=2 run -0 --separate-stderr pid1_run -c "$CONF" true
	stderr_has "warning: worst-case stop time 9s is over the shutdown budget 2s (1800ms once"
	stderr_has "to 20% from the first step"
	PID1_SHUTDOWN_BUDGET=2s run -0 "$PID1" -n -c "$CONF"
	assert_line $'\tbudget = 2s'
	assert_line "# shutdown budget 2s: the final SIGKILL by 1800ms at the latest, pid1 gone by 1900ms"
	assert_line "# from the first step: graces scaled to 20% of the configured 9s: delay 0s, stop hooks 0s, SIGINT 800ms, SIGTERM 800ms, SIGKILL 200ms"
	assert_line "# from SIGTERM: graces scaled to 36% of the configured 5s: delay 0s, stop hooks 0s, SIGTERM 1440ms, SIGKILL 360ms"
	run -0 "$PID1" -n -c "$CONF"
	assert_line "# from the first step: the configured 9s fits, times as configured"
	PID1_SHUTDOWN_BUDGET=soon run -2 --separate-stderr "$PID1" -n -c "$CONF"
	stderr_has "err: PID1_SHUTDOWN_BUDGET='soon' is not a duration"
}
