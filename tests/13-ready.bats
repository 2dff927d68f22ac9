#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Readiness and watchdogs: ready = notify and fd:N holding back what comes after, the
# ready-timeout, the watchdog, forged and hostile notify messages, the ready file, and pid1
# speaking sd_notify to a service manager of its own. pid1 runs as the real PID 1 of a fresh
# PID namespace; orders are read off pid1's log, never timed.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $status

bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID
	S=$BATS_TEST_TMPDIR
	H=$PID1_HELPERS
	CONF=$S/pid1.conf
	# Programs running as nobody read the helpers and the test's files.
	chmod 755 "$S"
}

# A listener standing in for systemd is stopped whatever the test's end.
teardown() {
	if [ -n "${LISTENER:-}" ]; then
		kill "$LISTENER" 2>/dev/null || true
	fi
	for pid in ${ATTACKERS:-}; do
		kill "$pid" 2>/dev/null || true
	done
	if [ -n "${P:-}" ]; then
		rm -rf "$P"
	fi
	if [ -n "${PIDS_CG:-}" ]; then
		echo max >"$PIDS_CG/pids.max" || true
		while read -r pid; do
			echo "$pid" >"$PIDS_ROOT/cgroup.procs" || true
		done <"$PIDS_CG/cgroup.procs"
		rmdir "$PIDS_CG" || true
	fi
}

# line_in_log TEXT: the number of the first line of pid1's log that has TEXT.
line_in_log() {
	grep -nF -- "$1" "$S/err" | head -n 1 | cut -d: -f1
}

# assert_before A B: pid1's log has A, then B, in that order.
assert_before() {
	local a b
	a=$(line_in_log "$1")
	b=$(line_in_log "$2")
	[ -n "$a" ] || fail "not in the log: $1"
	[ -n "$b" ] || fail "not in the log: $2"
	[ "$a" -lt "$b" ] || fail "'$1' (line $a) is not before '$2' (line $b)"
}

# matches_at_least FILE REGEX N: N lines of FILE or more match REGEX.
matches_at_least() {
	[ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ]
}

@test "a program that becomes ready late holds back what comes after it (ready = notify)" {
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "sleep 1; exec $H/sdnotify 'READY=1\nSTATUS=accepting' sleep 100" }
			ready = notify
		}
		program app {
			command = { "sh", "-c", "echo started >$S/app; exec sleep 100" }
			after = { db }
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until [ -f "$S/app" ]
	assert_before "db[" "ready after"
	assert_before "ready after" "app["
	log_has "db: status: accepting"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "ready = fd:N: a newline on fd N is readiness, and fd N is a pipe" {
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "readlink /proc/self/fd/5 >$S/fd5; sleep 1; echo >&5; exec 5>&-; exec sleep 100" }
			ready = fd:5
		}
		program app {
			command = { "sh", "-c", "echo started >$S/app; exec sleep 100" }
			after = { db }
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until [ -f "$S/app" ]
	assert_before "db[" "db[2] ready after"
	assert_before "ready after" "app["
	grep -q '^pipe:' "$S/fd5"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "ready-timeout: a program never ready is a failed start; what comes after never starts" {
	write_conf <<-EOF
		program db {
			command = { "sleep", "100" }
			ready = notify
			ready-timeout = 500ms
		}
		program app {
			command = { "sh", "-c", "echo started >$S/app; exec sleep 100" }
			after = { db }
		}
		program bystander {
			command = { "sleep", "100" }
		}
	EOF
	run -130 pid1_run -c "$CONF"
	echo "$output" >"$S/err"
	log_has "db[2] not ready within its ready-timeout of 500ms: stopping it"
	log_has "start-up failed: db was not ready in time"
	log_has "exiting with code 130 (the exit code of db)"
	[ ! -e "$S/app" ]
}

# ctl ARGS...: pid1 ctl on the control socket of the pid1 the test started.
ctl() {
	PID1_RUNTIME_DIR=$(pid1_runtime_dir) "$PID1" ctl -t 10 "$@"
}

# sleeps_through WHAT: pid1, left alone for 2 s, wakes up twice at most (WHAT names the moment).
sleeps_through() {
	local before after
	sleep 0.3
	before=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$PID1_PID/status")
	sleep 2
	after=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$PID1_PID/status")
	assert_between "voluntary context switches $1" $((after - before)) 0 3
}

@test "a program that waits says so at notice level, shows waiting in the status, and starts once ready" {
	write_conf <<-EOF
		program redis {
			command = { "sh", "-c", "while [ ! -e $S/go ]; do sleep 0.05; done; exec $H/sdnotify READY=1 sleep 100" }
			ready = notify
		}
		program migrate {
			command = { "sh", "-c", "while [ ! -e $S/go ]; do sleep 0.05; done" }
			type = oneshot
			ready-timeout = 1h
		}
		program app {
			command = { "sh", "-c", "echo started >$S/app; exec sleep 100" }
			after = { redis }
		}
		program worker {
			command = { "sh", "-c", "echo started >$S/worker; exec sleep 100" }
			after = { migrate, redis }
		}
	EOF
	# The default level: notice.
	pid1_start -c "$CONF"
	wait_until [ "$(ctl status | awk '$1 == "redis" { print $2 }')" = starting ]
	# Waiting, pid1 sleeps until the first notice is due: no polling.
	sleeps_through "while app waits"

	run -0 ctl status
	assert_line --regexp '^app +waiting +- +- +0 +no +waits for redis$'
	assert_line --regexp '^worker +waiting +- +- +0 +no +waits for migrate, redis$'
	assert_line --regexp '^redis +starting +[0-9]+ .* no +-$'
	run -0 ctl --json status
	echo "$output" | python3 -c '
import json, sys
d = {p["name"]: p for p in json.load(sys.stdin)["programs"]}
assert d["app"]["state"] == "waiting" and d["app"]["waits_for"] == ["redis"], d
assert d["worker"]["waits_for"] == ["migrate", "redis"], d
assert d["app"]["last_exit"] is None and d["worker"]["last_exit"] is None, d
assert d["redis"]["waits_for"] == [] and d["migrate"]["waits_for"] == [], d
'
	# About 10 s after the start, one line each, naming whom and what that one does.
	wait_until log_has "app waits for redis to be ready: 10s"
	wait_until log_has "worker waits for migrate to finish, redis to be ready: 10s"
	grep -qE 'notice: app waits for redis to be ready: 10s \(redis\[[0-9]+\] is running but has not said READY=1, no ready-timeout\)$' "$S/err"
	grep -qE 'to be ready: 10s \(migrate\[[0-9]+\] is still running, ready-timeout 1h; redis\[[0-9]+\] is running but has not said READY=1, no ready-timeout\)$' "$S/err"
	[ ! -e "$S/app" ] && [ ! -e "$S/worker" ]

	touch "$S/go"
	wait_until [ -f "$S/app" ]
	wait_until [ -f "$S/worker" ]
	wait_until log_has "worker starts after waiting"
	log_has "app starts after waiting"
	run -0 ctl status
	assert_line --regexp '^app +running +[0-9]+ .* yes +-$'
	refute_output --partial "waits for"
	run -0 ctl --json status
	echo "$output" | python3 -c '
import json, sys
assert all(p["waits_for"] == [] for p in json.load(sys.stdin)["programs"])
'
	# Nothing waits any more: no notice is due, so no wake-up either.
	sleeps_through "once nothing waits"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
	[ "$(grep -c 'waits for' "$S/err")" -eq 2 ]
}

@test "ready-timeout with a restart policy: the hung program is stopped and restarted" {
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "echo run >>$S/runs; exec sleep 100" }
			ready = fd:3
			ready-timeout = 300ms
			restart = on-failure
		}
		restart { delay = 100ms }
	EOF
	pid1_start -v -c "$CONF"
	wait_until has_lines_at_least "$S/runs" 3
	log_has "not ready within its ready-timeout of 300ms: stopping it"
	log_has "restarting db in"
	send_to_pid1 TERM
	pid1_wait
}

@test "a hung program that ignores its stop signal gets the ladder's next step after the grace" {
	write_conf <<-EOF
		program db {
			command = { "$H/stubborn", "TERM" }
			essential = true
			ready = notify
			ready-timeout = 200ms
		}
		shutdown {
			step SIGTERM { grace = 300ms }
			step SIGKILL { grace = 1s }
		}
	EOF
	run -137 pid1_run -v -c "$CONF"
	echo "$output" >"$S/err"
	assert_before "not ready within its ready-timeout" "db[2] still running 300ms after step 1 of its ladder: SIGKILL"
}

@test "watchdog: a program that stops petting it is hung, stopped and restarted" {
	# Ready at once, one sign of life, then silence.
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "echo run >>$S/runs; exec $H/sdnotify READY=1 $H/sdnotify WATCHDOG=1 sleep 100" }
			ready = notify
			watchdog = 400ms
			restart = always
		}
		restart { delay = 100ms }
	EOF
	pid1_start -v -c "$CONF"
	wait_until has_lines_at_least "$S/runs" 2
	log_has "db[2] hung: no sign of life within its watchdog of 400ms: stopping it"
	assert_before "db[2] ready after" "db[2] hung"
	send_to_pid1 TERM
	pid1_wait
}

@test "a hung program that is stopped gets SIGCONT after its stop signal, so its trap runs" {
	# Ready, then it stops itself: only SIGCONT lets its TERM trap run before the grace ends.
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "trap 'echo clean >$S/clean; exit 0' TERM; echo >&4; kill -STOP \\$\\$; sleep 100" }
			ready = fd:4
			watchdog = 300ms
		}
		shutdown {
			step SIGTERM { grace = 20s }
			step SIGKILL { grace = 1s }
		}
	EOF
	pid1_start -v -c "$CONF" -- sleep 100
	wait_until log_has "hung: no sign of life"
	wait_until [ -s "$S/clean" ]
	run ! log_has "still running"
	send_to_pid1 TERM
	pid1_wait
}

@test "WATCHDOG=trigger: the program is hung at once, without a watchdog key" {
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "echo run >>$S/runs; exec $H/sdnotify READY=1 sh -c 'while [ ! -e $S/trigger ]; do sleep 0.05; done; rm $S/trigger; exec $H/sdnotify WATCHDOG=trigger sleep 100'" }
			ready = notify
			restart = always
		}
		restart { delay = 100ms }
	EOF
	pid1_start -v -c "$CONF"
	wait_until log_has "db[2] ready after"
	touch "$S/trigger"
	wait_until has_lines_at_least "$S/runs" 2
	assert_before "db[2] hung, as it said (WATCHDOG=trigger): stopping it" "restarting db"
	send_to_pid1 TERM
	pid1_wait
}

@test "the watchdog's period reaches the program as WATCHDOG_USEC, and a newline on fd N pets it" {
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "echo \$WATCHDOG_USEC \$NOTIFY_SOCKET >$S/env; while :; do echo >&4; sleep 0.1; done" }
			ready = fd:4
			watchdog = 500ms
		}
		program n {
			command = { "sh", "-c", "echo \$WATCHDOG_USEC \$WATCHDOG_PID \$\$ \$NOTIFY_SOCKET >$S/env2; exec sleep 100" }
			ready = notify
			watchdog = 2s
			ready-timeout = 10s
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until [ -s "$S/env2" ]
	# Petted by newlines: no hang in three periods.
	sleep 1.5
	run ! log_has "hung"
	# fd:N gets no socket; notify gets pid1's, abstract, and its own pid as WATCHDOG_PID.
	[ "$(cat "$S/env")" = "" ]
	read -r usec wpid self sock <"$S/env2"
	[ "$usec" = 2000000 ] && [ "$wpid" = "$self" ]
	[[ "$sock" == @* ]]
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "a forged READY=1 from another process, as root or as nobody, is ignored" {
	# Somewhere nobody can reach: the test's own directory is root's alone.
	P=$(mktemp -d /tmp/pid1-ready.XXXXXX)
	chmod 1777 "$P"
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "echo \$NOTIFY_SOCKET >$P/addr; chmod 644 $P/addr; while [ ! -e $S/forged ]; do sleep 0.05; done; exec $H/sdnotify READY=1 sleep 100" }
			ready = notify
		}
		program forger {
			command = { "sh", "-c", "while [ ! -s $P/addr ]; do sleep 0.05; done; $H/sdnotify -a \$(cat $P/addr) READY=1 && echo >$P/sent.root; exec sleep 100" }
		}
		program forger2 {
			command = { "sh", "-c", "while [ ! -s $P/addr ]; do sleep 0.05; done; $H/sdnotify -a \$(cat $P/addr) READY=1 && echo >$P/sent.nobody; exec sleep 100" }
			user = nobody
		}
		program app {
			command = { "sh", "-c", "echo started >$S/app; exec sleep 100" }
			after = { db }
		}
	EOF
	pid1_start -v -v -c "$CONF"
	wait_until [ -f "$P/sent.root" ] && wait_until [ -f "$P/sent.nobody" ]
	wait_until matches_at_least "$S/err" 'no program with ready = notify sent it' 2
	[ ! -e "$S/app" ]
	# A forger outside the namespace, too: its pid is not even visible to pid1.
	"$H/sdnotify" -a "$(cat "$P/addr")" READY=1
	wait_until matches_at_least "$S/err" 'from pid 0 .*no program with ready = notify' 1
	[ ! -e "$S/app" ]
	touch "$S/forged"
	wait_until [ -f "$S/app" ]
	assert_before "no program with ready = notify sent it" "db[2] ready after"
	send_to_pid1 TERM
	pid1_wait
	rm -rf "$P"
	[ "$status" -eq 0 ]
}

@test "a flood of forged messages neither holds pid1 nor keeps the real READY=1 out" {
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "echo \$NOTIFY_SOCKET >$S/addr; while [ ! -e $S/flooded ]; do sleep 0.05; done; exec $H/sdnotify READY=1 sleep 100" }
			ready = notify
		}
		program flood {
			command = { "sh", "-c", "while [ ! -s $S/addr ]; do sleep 0.05; done; $H/sdnotify -c 20000 -a \$(cat $S/addr) 'READY=1\nWATCHDOG=1' & sleep 0.5; touch $S/flooded; wait; echo >$S/done; exec sleep 100" }
		}
		program app {
			command = { "sh", "-c", "echo started >$S/app; exec sleep 100" }
			after = { db }
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until [ -f "$S/done" ]
	wait_until [ -f "$S/app" ]
	# Still answering: a signal is acted on at once.
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "oversized, binary and fd-carrying datagrams are dropped whole, and passed fds closed" {
	: >"$S/marker"
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "exec $H/sdnotify -n 5000 $H/sdnotify -z sh -c '$H/sdnotify -f $S/marker READY=1; echo >$S/sent; exec sleep 100'" }
			ready = notify
		}
	EOF
	pid1_start -v -v -c "$CONF"
	wait_until [ -f "$S/sent" ]
	wait_until log_has "a datagram of 5000 bytes dropped"
	log_has "notify: a message from db dropped: not text"
	run ! log_has "ready after"
	# The passed fds were closed: pid1 holds nothing open on the marker.
	run ! sh -c "ls -l /proc/$PID1_PID/fd | grep -F '$S/marker'"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "a STATUS= line is escaped and cut before it reaches the log" {
	cat >"$S/status.sh" <<-EOF
		#!/bin/sh
		exec $H/sdnotify "\$(printf 'STATUS=\\033[2J%0300d' 0)" sleep 100
	EOF
	chmod +x "$S/status.sh"
	write_conf <<-EOF
		program db {
			command = { "$S/status.sh" }
			ready = notify
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until log_has 'db: status: \033[2J0000'
	# No raw escape byte, and at most 127 bytes of status.
	run ! grep -q $'\033' "$S/err"
	local status_text
	status_text=$(grep -F 'db: status: ' "$S/err" | sed 's/.*db: status: //')
	[ "${#status_text}" -le 127 ]
	send_to_pid1 TERM
	pid1_wait
}

@test "the ready file exists exactly while every essential program is ready" {
	mkdir -m 755 "$S/run"
	# A link planted at the name beforehand is removed, never followed.
	echo keep >"$S/victim"
	ln -s "$S/victim" "$S/run/ready"
	write_conf <<-EOF
		ready-file = $S/run/ready
		program db {
			command = { "sh", "-c", "while [ ! -e $S/go ]; do sleep 0.05; done; rm $S/go; exec $H/sdnotify READY=1 sh -c 'while [ ! -e $S/quit ] && [ ! -e $S/stopping ]; do sleep 0.05; done; rm -f $S/quit; [ ! -e $S/stopping ] || exec $H/sdnotify STOPPING=1 sleep 100'" }
			ready = notify
			essential = true
			restart = always
		}
		program other {
			command = { "sleep", "100" }
		}
		restart { delay = 100ms }
	EOF
	pid1_start -v -c "$CONF"
	wait_until [ ! -L "$S/run/ready" ]
	[ ! -e "$S/run/ready" ]
	[ "$(cat "$S/victim")" = keep ]
	touch "$S/go"
	wait_until [ -f "$S/run/ready" ] || { cat "$S/err"; ls -la "$S/run"; false; }
	[ ! -L "$S/run/ready" ]
	# Readiness lost: db ends (and is restarted, not ready yet).
	touch "$S/quit"
	wait_until [ ! -e "$S/run/ready" ]
	touch "$S/go"
	wait_until [ -f "$S/run/ready" ]
	# Lost again when db says it is stopping, before it ends.
	touch "$S/stopping"
	wait_until [ ! -e "$S/run/ready" ] || { cat "$S/err"; ls -la "$S/run"; false; }
	send_to_pid1 TERM
	pid1_wait
	[ ! -e "$S/run/ready" ]
	[ "$(cat "$S/victim")" = keep ]
}

@test "a ready file in a directory others may write to is refused before anything starts" {
	mkdir -m 777 "$S/open"
	mkdir -m 1777 "$S/sticky"
	for dir in open sticky; do
		write_conf <<-EOF
			ready-file = $S/$dir/ready
			program db {
				command = { "sh", "-c", "echo started >$S/db" }
			}
		EOF
		run -2 pid1_run -c "$CONF"
		[[ "$output" == *"cannot use ready-file $S/$dir/ready: its directory is writable by others"* ]]
		[ ! -e "$S/db" ]
	done
}

@test "a ready file's missing directory is created, pid1's alone, even inside one others may write to" {
	mkdir -m 1777 "$S/scratch"
	write_conf <<-EOF
		ready-file = $S/scratch/pid1/ready
	EOF
	pid1_start -c "$CONF" -- sleep 100
	wait_until [ -f "$S/scratch/pid1/ready" ]
	[ $((0$(stat -c %a "$S/scratch/pid1") & 022)) -eq 0 ]
	send_to_pid1 TERM
	pid1_wait
	[ ! -e "$S/scratch/pid1/ready" ]
}

@test "a ready file's path through another user's directory is refused: a link there cannot redirect it" {
	# nobody's directory holds a link to a directory of root's that has a file of that name.
	mkdir -m 755 "$S/victim" "$S/victim/pid1" "$S/owned"
	echo keep >"$S/victim/pid1/ready"
	ln -s "$S/victim" "$S/owned/link"
	chown -h nobody "$S/owned" "$S/owned/link"
	write_conf <<-EOF
		ready-file = $S/owned/link/pid1/ready
		program db {
			command = { "sh", "-c", "echo started >$S/db" }
		}
	EOF
	run -2 pid1_run -c "$CONF"
	[[ "$output" == *"cannot use ready-file $S/owned/link/pid1/ready: $S/owned is another user's or others may write to it"* ]]
	[ "$(cat "$S/victim/pid1/ready")" = keep ]
	[ ! -e "$S/db" ]
}

@test "under a service manager pid1 sends READY=1, STATUS=, WATCHDOG=1 and STOPPING=1" {
	"$H/sdlisten" "$S/sd.sock" >"$S/sd" 3>&- &
	LISTENER=$!
	wait_until [ -S "$S/sd.sock" ]
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "sleep 0.5; echo \"[\$NOTIFY_SOCKET]\" >$S/dbenv; exec $H/sdnotify READY=1 sleep 100" }
			ready = notify
			essential = true
		}
		program app {
			command = { "sh", "-c", "echo \"[\$NOTIFY_SOCKET][\$WATCHDOG_USEC]\" >$S/appenv; exec sleep 100" }
			after = { db }
		}
	EOF
	NOTIFY_SOCKET=$S/sd.sock WATCHDOG_USEC=400000 pid1_start -c "$CONF"
	wait_until grep -q '^READY=1|STATUS=1 of 1 essential programs ready$' "$S/sd"
	grep -q '^STATUS=0 of 1 essential programs ready; not ready: db$' "$S/sd"
	# Half the period: a few pets within a second.
	wait_until matches_at_least "$S/sd" '^WATCHDOG=1$' 3
	send_to_pid1 TERM
	pid1_wait
	# The listener may still be printing what pid1 sent last.
	wait_until grep -q '^STOPPING=1|STATUS=stopping$' "$S/sd"
	kill "$LISTENER"
	assert_before_in "$S/sd" "READY=1" "STOPPING=1"
	# The programs never see pid1's own socket: app none, db pid1's.
	[ "$(cat "$S/appenv")" = "[][]" ]
	[[ "$(cat "$S/dbenv")" == "[@"* ]]
}

@test "a READY=1 the service manager's full queue refused is sent again, not lost" {
	"$H/sdlisten" "$S/sd.sock" >"$S/sd" 3>&- &
	LISTENER=$!
	wait_until [ -S "$S/sd.sock" ]
	# The manager is busy: its queue is full, as anyone who may write to it can make it.
	kill -STOP "$LISTENER"
	timeout 1 "$H/sdnotify" -c 100 -a "$S/sd.sock" FILL=1 || true
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "exec $H/sdnotify READY=1 sh -c 'echo >$S/ready; exec sleep 100'" }
			ready = notify
		}
	EOF
	NOTIFY_SOCKET=$S/sd.sock pid1_start -v -v -c "$CONF"
	wait_until [ -f "$S/ready" ]
	wait_until log_has "db[2] ready after"
	wait_until log_has "cannot notify the service manager"
	kill -CONT "$LISTENER"
	wait_until grep -q '^READY=1|STATUS=1 of 1 programs ready$' "$S/sd"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

# assert_before_in FILE A B: FILE has a line with A before one with B.
assert_before_in() {
	local a b
	a=$(grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1)
	b=$(grep -nF -- "$3" "$1" | head -n 1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}

@test "one program and no readiness key: an inherited NOTIFY_SOCKET passes through, as before" {
	NOTIFY_SOCKET=/run/elsewhere run -0 pid1_run sh -c 'echo "[$NOTIFY_SOCKET]"'
	[ "$output" = "[/run/elsewhere]" ]
}

@test "readiness without a watchdog adds no wake-ups" {
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "exec $H/sdnotify READY=1 sh -c 'echo >$S/ready; exec sleep 100'" }
			ready = notify
		}
	EOF
	pid1_start -c "$CONF"
	wait_until [ -f "$S/ready" ]
	sleeps_through "once db is ready"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "--sd-notify: with one command pid1 tells NOTIFY_SOCKET itself, and the command gets none" {
	"$H/sdlisten" "$S/sd.sock" >"$S/sd" 3>&- &
	LISTENER=$!
	wait_until [ -S "$S/sd.sock" ]
	NOTIFY_SOCKET=$S/sd.sock pid1_start --sd-notify -- sh -c "echo \"[\$NOTIFY_SOCKET]\" >$S/env; exec sleep 100"
	wait_until grep -q '^READY=1|STATUS=1 of 1 essential programs ready$' "$S/sd"
	wait_until [ -s "$S/env" ]
	[ "$(cat "$S/env")" = "[]" ]
	send_to_pid1 TERM
	pid1_wait
	wait_until grep -q '^STOPPING=1' "$S/sd"
	kill "$LISTENER"
}

@test "MAINPID= from the program lets a daemon that forked away to pid1 say READY=1" {
	# The daemon's parent exits at once, so the daemon is pid1's child, outside db's tree.
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "sh -c 'sh -c \"while [ ! -e $S/go ]; do sleep 0.05; done; exec $H/sdnotify READY=1 sleep 100\" & echo \$! >$S/daemon'; while [ ! -s $S/daemon ]; do sleep 0.05; done; exec $H/sdnotify MAINPID=\$(cat $S/daemon) sleep 100" }
			ready = notify
		}
		program app {
			command = { "sh", "-c", "echo started >$S/app; exec sleep 100" }
			after = { db }
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until [ -s "$S/daemon" ]
	wait_until log_has "db: main pid $(cat "$S/daemon")"
	touch "$S/go"
	wait_until [ -f "$S/app" ]
	assert_before "db: main pid" "db[2] ready after"
	send_to_pid1 TERM
	pid1_wait
}

@test "MAINPID= no longer counts once the process it named has ended and its pid is reused" {
	# db names a daemon that forked away to pid1, then the daemon ends.
	cat >"$S/db.sh" <<-EOF
		#!/bin/sh
		( sh -c 'while [ ! -e $S/die ]; do sleep 0.05; done' & echo \$! >$S/daemon.tmp )
		mv $S/daemon.tmp $S/daemon
		echo "\$NOTIFY_SOCKET" >$S/addr
		exec $H/sdnotify MAINPID=\$(cat $S/daemon) sleep 100
	EOF
	# Then a process of nobody's is given the daemon's pid (ns_last_pid makes it certain,
	# where an attacker would fork until it comes round) and says READY=1 for db.
	cat >"$S/reuse.sh" <<-EOF
		#!/bin/sh
		while [ ! -e $S/die ]; do sleep 0.05; done
		X=\$(cat $S/daemon) A=\$(cat $S/addr)
		while [ -e /proc/\$X ]; do sleep 0.05; done
		for i in 1 2 3 4 5 6 7 8 9 10; do
			echo \$((X - 1)) >/proc/sys/kernel/ns_last_pid
			setpriv --reuid=65534 --regid=65534 --clear-groups $H/sdnotify -a "\$A" READY=1 sleep 100 &
			[ "\$!" != "\$X" ] || { echo >$S/sent; exec sleep 100; }
			kill \$!
		done
	EOF
	chmod +x "$S/db.sh" "$S/reuse.sh"
	write_conf <<-EOF
		program db {
			command = { "$S/db.sh" }
			ready = notify
		}
		program reuse {
			command = { "$S/reuse.sh" }
		}
		program app {
			command = { "sh", "-c", "echo started >$S/app; exec sleep 100" }
			after = { db }
		}
	EOF
	pid1_start -v -v -c "$CONF"
	wait_until [ -s "$S/daemon" ]
	wait_until log_has "db: main pid $(cat "$S/daemon")"
	touch "$S/die"
	wait_until [ -f "$S/sent" ]
	wait_until log_has "from pid $(cat "$S/daemon") (uid 65534) dropped"
	[ ! -e "$S/app" ]
	run ! log_has "ready after"
	send_to_pid1 TERM
	pid1_wait
}

@test "a message of many MAINPID= lines costs pid1 one check, not one per line" {
	# 250 lines naming a pid that does not exist, sent 10000 times by db's own process.
	cat >"$S/db.sh" <<-EOF
		#!/bin/sh
		M=\$(for i in \$(seq 250); do echo MAINPID=3999999; done)
		exec $H/sdnotify -c 10000 "\$M" sh -c 'echo >$S/sent; exec sleep 100'
	EOF
	chmod +x "$S/db.sh"
	write_conf <<-EOF
		program db {
			command = { "$S/db.sh" }
			ready = notify
		}
	EOF
	pid1_start -c "$CONF"
	WAIT_SECONDS=120 wait_until [ -f "$S/sent" ]
	# pid1's own CPU time (user + system, in clock ticks), whatever the machine's load.
	local ticks hz
	ticks=$(awk '{ print $14 + $15 }' "/proc/$PID1_PID/stat")
	hz=$(getconf CLK_TCK)
	echo "pid1 used $ticks ticks of $hz per second" >&3
	[ "$ticks" -lt $((2 * hz)) ]
	send_to_pid1 TERM
	pid1_wait
}

# waiting_db: a directory P that nobody can reach (the test's own directory is root's alone),
# and the config of one program, db, with ready = notify: it writes its NOTIFY_SOCKET to
# $P/addr, waits for $P/now, sends READY=1 from its own process, then writes $P/sent.
waiting_db() {
	P=$(mktemp -d /tmp/pid1-ready.XXXXXX)
	chmod 1777 "$P"
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "echo \$NOTIFY_SOCKET >$P/addr; chmod 644 $P/addr; while [ ! -e $P/now ]; do sleep 0.05; done; exec $H/sdnotify READY=1 sh -c 'echo >$P/sent; exec sleep 1000'" }
			ready = notify
		}
	EOF
}

# linger_attack: pid1 with a program waiting on ready = notify, and a nobody
# process that is no program of pid1's passing the notify socket a TCP socket whose last
# close would block for 40 s, bare and in flight inside a unix socket. pid1 must go on
# answering `pid1 ctl`, take the program's READY=1 and act on SIGTERM at once. $P/attack
# says what the kernel did.
linger_attack() {
	waiting_db
	pid1_start -v -v -c "$CONF"
	wait_until [ -s "$P/addr" ]
	local how n=0
	# Stopped while the attacks are made, pid1 reads the fds once the attacker has let go of
	# its own copies: pid1's close would be the last, the one that lingers.
	send_to_pid1 STOP
	for how in -n "-u -n"; do
		# Not on bats' fd 3: a killed attacker's exit waits out its linger (40 s), and bats
		# waits for every holder of fd 3 before it ends the file.
		# shellcheck disable=SC2086 # how is one or two words on purpose
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$H/lingerfd" $how "$(cat "$P/addr")" >>"$P/attack" 2>&1 3>&- &
		ATTACKERS="${ATTACKERS:-} $!"
		n=$((n + 1))
		wait_until has_lines_at_least "$P/attack" "$n"
	done
	send_to_pid1 CONT
	PID1_RUNTIME_DIR=$(pid1_runtime_dir) run -0 "$PID1" ctl -t 10 status
	assert_line --regexp '^db +'
	# The program's own READY=1, behind the attacks, still counts.
	touch "$P/now"
	wait_until log_has "db[2] ready after"
	send_to_pid1 TERM
	wait_until pid1_gone
	pid1_wait
}

@test "a lingering socket passed to the notify socket never holds pid1: the kernel refuses it" {
	[ "$(uname -r | awk -F. '{ print ($1 > 6 || ($1 == 6 && $2 >= 16)) }')" = 1 ] ||
		skip_or_fail "SO_PASSRIGHTS needs Linux 6.16 or later"
	linger_attack
	run cat "$P/attack"
	assert_output $'refused: Operation not permitted\nrefused: Operation not permitted'
}

@test "where the kernel cannot refuse fds, a passed lingering socket is closed by a process of its own" {
	PID1_WRAPPER="$H/nopassrights" linger_attack
	run cat "$P/attack"
	assert_output $'sent\nsent'
	log_has "notify: a datagram with fds left to a process of its own"
}

# pids_cgroup: a pids cgroup of the test's own, PIDS_CG, in PIDS_ROOT (cgroup v1 or v2); the
# teardown empties and removes it.
pids_cgroup() {
	if [ -f /sys/fs/cgroup/pids/cgroup.procs ]; then
		PIDS_ROOT=/sys/fs/cgroup/pids
	elif [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] &&
		grep -qw pids /sys/fs/cgroup/cgroup.subtree_control; then
		PIDS_ROOT=/sys/fs/cgroup
	else
		skip_or_fail "no pids cgroup controller to keep pid1 from starting processes"
	fi
	PIDS_CG=$(mktemp -d "$PIDS_ROOT/pid1-ready.XXXXXX")
}

@test "where no process can be started to take passed fds, pid1 rests, then takes what follows" {
	pids_cgroup
	waiting_db
	: >"$P/file"
	chmod 644 "$P/file"
	PID1_WRAPPER="$H/nopassrights" pid1_start -v -v -c "$CONF"
	wait_until [ -s "$P/addr" ]
	# pid1 alone in a cgroup it fills: it can start no process, its programs still can.
	echo "$PID1_PID" >"$PIDS_CG/cgroup.procs"
	cat "$PIDS_CG/pids.current" >"$PIDS_CG/pids.max"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$H/sdnotify" -a "$(cat "$P/addr")" -f "$P/file" READY=1
	wait_until log_has "notify: cannot start a process to take passed fds"
	# The datagram stays at the head of the queue; waking at once for it, again and again,
	# would use pid1's whole share of a CPU.
	local before after hz
	hz=$(getconf CLK_TCK)
	before=$(cpu_ticks "$PID1_PID")
	sleep 3
	after=$(cpu_ticks "$PID1_PID")
	echo "pid1 used $((after - before)) ticks of $hz per second in 3 s" >&3
	[ $((after - before)) -lt $((hz / 2)) ]
	# db's READY=1 waits in the queue behind it.
	touch "$P/now"
	wait_until [ -f "$P/sent" ]
	run ! log_has "db[2] ready after"
	# Processes may start again: the datagram is taken, and only it; the READY=1 counts.
	echo max >"$PIDS_CG/pids.max"
	wait_until log_has "db[2] ready after"
	log_has "notify: a datagram with fds left to a process of its own"
	PID1_RUNTIME_DIR=$(pid1_runtime_dir) run -0 "$PID1" ctl -t 10 status
	assert_line --regexp '^db +running +[0-9]+ +[0-9]+s +0 +yes +-$'
	[ "$(grep -cF "cannot start a process to take passed fds" "$S/err")" = 1 ]
	send_to_pid1 TERM
	wait_until pid1_gone
	pid1_wait
	[ "$status" -eq 0 ]
}

@test "a flood from a process that is no program's costs pid1 one walk of /proc, not one a message" {
	command -v strace >/dev/null || skip_or_fail "strace is not installed"
	# Somewhere the flood, as nobody, can reach: the test's own directory is root's alone.
	P=$(mktemp -d /tmp/pid1-ready.XXXXXX)
	chmod 1777 "$P"
	# chain.sh N CMD...: CMD runs N processes below this one, each waiting for its child.
	cat >"$P/chain.sh" <<-'EOF'
		#!/bin/sh
		n=$1
		shift
		if [ "$n" -gt 0 ]; then "$0" $((n - 1)) "$@"; else exec "$@"; fi
	EOF
	chmod 755 "$P/chain.sh"
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "echo \$NOTIFY_SOCKET >$P/addr; chmod 644 $P/addr; while [ ! -e $P/flooded ]; do sleep 0.05; done; exec $H/sdnotify READY=1 sleep 1000" }
			ready = notify
		}
		program flood {
			command = { "sh", "-c", "while [ ! -e $P/go ]; do sleep 0.05; done; $P/chain.sh 30 $H/sdnotify -c 500 -a \$(cat $P/addr) READY=1 && echo >$P/flooded; exec sleep 1000" }
			user = nobody
		}
	EOF
	pid1_start -v -c "$CONF"
	wait_until [ -s "$P/addr" ]
	# musl's open() is the open system call, glibc's openat: both are counted.
	strace -q -p "$PID1_PID" -e trace=open,openat -o "$S/trace" &
	local tracer=$!
	wait_until traced "$PID1_PID"
	touch "$P/go"
	# db's READY=1 comes after the whole flood: once it counts, pid1 has read every message.
	WAIT_SECONDS=120 wait_until log_has "db[2] ready after"
	kill "$tracer"
	wait "$tracer" || true
	local reads
	reads=$(grep -c '/stat"' "$S/trace" || true)
	echo "pid1 opened /proc/PID/stat $reads times for 500 messages" >&3
	# At least the one walk that finds the sender a stranger; far fewer than one a message.
	[ "$reads" -ge 1 ] && [ "$reads" -lt 100 ]
	send_to_pid1 TERM
	pid1_wait
}
