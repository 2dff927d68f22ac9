#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Process groups. With programs, each one leads a group of its own: its stop (pid1 ctl stop and
# restart, the ladder of a hung program, the shutdown's stage for its level) reaches what it
# started and waits for it, and a signal to pid1's own group reaches pid1 alone. A group number
# the kernel hands to a stranger once the program's group is gone is never signalled.
# pid1 runs as the real PID 1 of a fresh PID namespace. Times use generous bounds.
# shellcheck disable=SC2016 # sh -c scripts are single-quoted
bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG
	export PID1_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	S=$BATS_TEST_TMPDIR
	H=$PID1_HELPERS
}

teardown() {
	if [ -n "${PID1_OUTER:-}" ] && kill -0 "$PID1_PID" 2>/dev/null; then
		send_to_pid1 KILL
		pid1_wait
	fi
	if [ -n "${ENTERED:-}" ]; then
		kill "$ENTERED" 2>/dev/null || true
		wait "$ENTERED" || true
	fi
	if [ -n "${T:-}" ]; then
		rm -rf "$T"
	fi
}

# count_of WORD...: how many of pid1's descendants run exactly the command WORD...
count_of() {
	local want p n=0
	want=$(printf '%s\n' "$@")
	for p in $(descendants "$PID1_PID"); do
		[ "$({ tr '\0' '\n' <"/proc/$p/cmdline"; } 2>/dev/null)" = "$want" ] && n=$((n + 1))
	done
	echo "$n"
}

counted() {
	local n=$1
	shift
	[ "$(count_of "$@")" = "$n" ]
}

state_of() {
	"$PID1" ctl status | awk -v n="$1" '$1 == n { print $2 }'
}

# A program whose shell waits for a child it started, as most wrappers do: the child is in
# the program's group, not its process, so a stop of the program alone leaves it behind.
@test "ctl stop and restart reach what a program started, and the stop waits for it" {
	write_conf <<-EOF
		shutdown {
			step SIGTERM { grace = 10s }
			step SIGKILL { grace = 2s }
		}
		program web { command = { "sh", "-c", "sleep 1001 & wait" } }
		program db { command = { "sleep", "1000" } }
	EOF
	pid1_start -c "$CONF"
	wait_until counted 1 sleep 1001
	run -0 "$PID1" ctl restart web
	run -0 "$PID1" ctl restart web
	wait_until counted 1 sleep 1001
	# Each restart stopped the sleep it started before: one is left, not three.
	sleep 0.3
	assert_equal "$(count_of sleep 1001)" 1
	run -0 "$PID1" ctl stop web
	assert_output "web stopped"
	assert_equal "$(count_of sleep 1001)" 0
	assert_equal "$(state_of db)" running
}

@test "a hung program's ladder reaches what it started, and its end waits for it" {
	write_conf <<-EOF
		shutdown {
			step SIGTERM { grace = 10s }
			step SIGKILL { grace = 2s }
		}
		program web {
			command = { "sh", "-c", "sleep 1002 & wait" }
			ready = notify
			ready-timeout = 300ms
		}
	EOF
	pid1_start -c "$CONF" -- sleep 1000
	wait_until log_has "not ready within its ready-timeout"
	wait_until [ "$(state_of web)" = ended ]
	assert_equal "$(count_of sleep 1002)" 0
}

# pid1 leads its own group here (setsid), as when a shell or timeout(1) started it: a signal
# to that group, such as timeout's or a terminal's Control-C, is for pid1 to act on as
# configured (here: ignore SIGHUP), so that the programs hear only what pid1 sends them, and
# the ladder's steps in their order.
@test "a signal to pid1's own process group reaches pid1 alone, not its programs" {
	write_conf <<-EOF
		signal SIGHUP { action = ignore }
		program web { command = { "$H/sigdump", "$S/web" } }
	EOF
	PID1_WRAPPER=setsid pid1_start -c "$CONF" -- "$H/sigdump" "$S/main"
	wait_until file_has "$S/web" ready
	wait_until file_has "$S/main" ready
	[ "$(awk '{ print $5 }' "/proc/$PID1_PID/stat")" = "$PID1_PID" ] ||
		fail "pid1 does not lead its own group"
	kill -HUP -- "-$PID1_PID"
	# Sent after the group's HUP, which was queued before kill returned: USR1 comes later.
	send_to_pid1 USR1
	wait_until file_has "$S/web" SIGUSR1
	wait_until file_has "$S/main" SIGUSR1
	run ! file_has "$S/web" SIGHUP
	run ! file_has "$S/main" SIGHUP
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
}

# Linux frees a pid once no process uses it as a pid, group or session id: when a program
# and all it left in its group are gone, the number can lead a stranger's group. Here a user
# entered from outside (as docker exec would) takes it, made certain with ns_last_pid where
# an attacker would fork until it comes round, and is left to pid1 as an orphan, so that it
# descends from pid1 as everything in the namespace does.
@test "forward-to = group: a program's group number, taken by a stranger's group, is never signalled" {
	write_conf <<-EOF
		forward-to = group
		program short {
			command = { "sh", "-c", "echo \$\$ >$S/short" }
		}
	EOF
	pid1_start -v -c "$CONF" -- "$H/sigdump" "$S/main"
	wait_until [ -s "$S/short" ]
	wait_until file_has "$S/main" ready
	local g
	g=$(cat "$S/short")
	wait_until log_has "short[$g] exited"
	# The stranger runs as nobody and notes in a directory of its own what reached it.
	T=$(mktemp -d /tmp/pid1-stranger.XXXXXX)
	chown nobody "$T"
	cat >"$T/stranger.sh" <<-EOF
		trap 'echo signalled >$T/sig' HUP
		echo \$\$ >$T/tmp
		mv $T/tmp $T/pid
		while :; do sleep 0.05; done
	EOF
	chmod 755 "$T" "$T/stranger.sh"
	# The entered shell exits once its child has the number: the child is left to pid1.
	nsenter -t "$PID1_PID" -p -m sh -c "
		for i in 1 2 3 4 5 6 7 8 9 10; do
			echo $((g - 1)) >/proc/sys/kernel/ns_last_pid
			setpriv --reuid=nobody --regid=nogroup --clear-groups \
				setsid sh $T/stranger.sh </dev/null >/dev/null 2>&1 &
			[ \"\$!\" != $g ] || exit 0
			kill \$!
			wait
		done" >/dev/null 2>&1 &
	ENTERED=$!
	wait_until [ -s "$T/pid" ]
	[ "$(cat "$T/pid")" = "$g" ] || skip "pid $g was taken before the stranger could have it"
	wait "$ENTERED" || true
	ENTERED=
	send_to_pid1 HUP
	wait_until file_has "$S/main" SIGHUP
	# USR1 after HUP: once main has it, pid1 has long handled HUP.
	send_to_pid1 USR1
	wait_until file_has "$S/main" SIGUSR1
	[ ! -e "$T/sig" ] || fail "the stranger's group $g was signalled as short's"
	send_to_pid1 TERM
	pid1_wait
}

# web comes after db, and left a child that ignores SIGTERM: the shutdown's stage for web's
# level reaches that child too and waits for it (here until SIGKILL) before db hears anything.
@test "the shutdown stops a level's groups, not only its programs, before the next level" {
	printf '%s\n' '#!/bin/sh' "sh -c 'trap \"\" TERM; exec sleep 1003' &" 'wait' >"$S/web"
	printf '%s\n' '#!/bin/sh' \
		"trap 'pgrep -xf \"sleep 1003\" >/dev/null && echo alive >$S/db.saw; exit 0' TERM" \
		'echo up >'"$S/db.up" 'while :; do sleep 0.05; done' >"$S/db"
	chmod +x "$S/web" "$S/db"
	write_conf <<-EOF
		shutdown {
			step SIGTERM { grace = 1s }
			step SIGKILL { grace = 5s }
		}
		program db { command = { "$S/db" } }
		program web { command = { "$S/web" } after = { db } }
	EOF
	pid1_start -c "$CONF"
	wait_until [ -s "$S/db.up" ]
	wait_until counted 1 sleep 1003
	send_to_pid1 TERM
	pid1_wait
	[ ! -e "$S/db.saw" ] || fail "db was stopped while web's child still ran"
}
