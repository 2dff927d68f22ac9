#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Several programs in one container: program sections, start order with oneshots, essential
# programs, the command line's command as the program `main`, signals to every program,
# shutdown in reverse dependency order, per-program privileges, and the -n start order.
# pid1 runs as the real PID 1 of a fresh PID namespace. Times use generous bounds.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $stderr

bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG
	S=$BATS_TEST_TMPDIR
	H=$PID1_HELPERS
	CONF=$S/pid1.conf
	# svc NAME: a longrun that notes "NAME up" in $S/events, and on SIGINT or SIGTERM
	# notes "NAME stopping", takes 0.3 s, notes "NAME stopped" and exits 0.
	cat >"$S/svc" <<-'EOF'
		#!/bin/sh
		ev=$(dirname "$0")/events
		trap 'echo "$1 stopping" >>"$ev"; sleep 0.3; echo "$1 stopped" >>"$ev"; exit 0' INT TERM
		echo "$1 up" >>"$ev"
		while :; do sleep 0.05; done
	EOF
	chmod +x "$S/svc"
}

# events_have TEXT: $S/events has the line TEXT.
events_have() {
	file_has "$S/events" "$1"
}

# line_of TEXT: the line number of TEXT in $S/events (empty when missing).
line_of() {
	grep -nxF -- "$1" "$S/events" | head -n 1 | cut -d: -f1
}

@test "programs start in dependency order: a oneshot exits 0 before its dependants start" {
	write_conf <<-EOF
		program migrate {
			command = { "sh", "-c", "sleep 0.5; echo 'migrate done' >>$S/events" }
			type = oneshot
		}
		program web {
			command = { "$S/svc", "web" }
			after = { migrate, php }
		}
		program php { command = { "$S/svc", "php" } }
	EOF
	pid1_start -c "$CONF"
	wait_until events_have "web up"
	# php waits for nothing: it runs while migrate still does.
	[ "$(line_of 'php up')" -lt "$(line_of 'migrate done')" ] || fail "$(cat "$S/events")"
	[ "$(line_of 'migrate done')" -lt "$(line_of 'web up')" ] || fail "$(cat "$S/events")"
	send_to_pid1 TERM
	pid1_wait
	# No essential program ended: nothing decides the code but the signal, handled cleanly.
	[ "$status" -eq 0 ] || fail "status $status: $(cat "$S/err")"
	refute [ -s "$S/out" ]
}

@test "a failing oneshot stops start-up: what is up gets the ladder, pid1 exits with its code" {
	write_conf <<-EOF
		program php { command = { "$S/svc", "php" } }
		program migrate {
			command = { "sh", "-c", "while [ ! -s $S/events ]; do sleep 0.05; done; exit 5" }
			type = oneshot
			after = { php }
		}
		program web {
			command = { "$S/svc", "web" }
			after = { migrate }
		}
	EOF
	run -5 --separate-stderr pid1_run -c "$CONF"
	assert [ "$(line_of 'php stopped')" -gt 0 ]
	refute events_have "web up"
	[[ "$stderr" == *"shutdown begins: start-up failed: migrate failed"* ]] || fail "$stderr"
	[[ "$stderr" == *"migrate["*"] exited with status 5"* ]] || fail "$stderr"
}

@test "a oneshot killed by a signal fails start-up with 128+N, never 0" {
	write_conf <<-EOF
		program setup {
			command = { "sh", "-c", "kill -USR2 \$\$" }
			type = oneshot
		}
		program web {
			command = { "$S/svc", "web" }
			after = { setup }
		}
	EOF
	run -140 --separate-stderr pid1_run -c "$CONF"
	refute events_have "web up"
}

@test "a program whose command does not exist stops start-up with 127" {
	write_conf <<-EOF
		program php { command = { "$S/svc", "php" } }
		program web {
			command = { "$S/no-such-program" }
			after = { php }
		}
	EOF
	run -127 --separate-stderr pid1_run -v -c "$CONF"
	[[ "$stderr" == *"no-such-program"* ]] || fail "$stderr"
	# php was up: it got the ladder (and ended by it, whether or not its trap was set).
	[[ "$stderr" == *"shutdown begins: start-up failed: web could not be started"* ]] ||
		fail "$stderr"
	[[ "$stderr" == *"php["*"] exited"* || "$stderr" == *"php["*"] killed"* ]] ||
		fail "$stderr"
}

@test "a longrun that ends before it is ready stops start-up with its code: ready = notify" {
	# web waits for db, which can never be ready now: pid1 must not wait for ever.
	write_conf <<-EOF
		program db {
			command = { "sh", "-c", "sleep 0.3; exit 7" }
			ready = notify
		}
		program web {
			command = { "sleep", "1000" }
			after = { db }
			essential = true
		}
	EOF
	PID1_TIMEOUT=20 run -7 --separate-stderr pid1_run -c "$CONF" -- "$S/svc" main
	# main was up: it got the ladder, and the log says why.
	[[ "$stderr" == *"shutdown begins: start-up failed: db ended before it was ready"* ]] ||
		fail "$stderr"
	[[ "$stderr" == *"exiting with code 7 (the exit code of db)"* ]] || fail "$stderr"
}

@test "a longrun that ends for good before it is ready stops start-up once its restarts run out" {
	local mode
	# restart = on-failure with its limit reached, for both ready modes that wait for a word.
	for mode in notify fd:3; do
		write_conf <<-EOF
			restart { delay = 100ms  limit = 2 }
			program db {
				command = { "sh", "-c", "exit 5" }
				ready = $mode
				restart = on-failure
			}
			program web {
				command = { "$S/svc", "web" }
				after = { db }
			}
		EOF
		PID1_TIMEOUT=20 run -5 --separate-stderr pid1_run -c "$CONF"
		[[ "$stderr" == *"db restarted 2 times within 1m: giving up on restarts"* ]] ||
			fail "$mode: $stderr"
		[[ "$stderr" == *"exiting with code 5 (the exit code of db)"* ]] ||
			fail "$mode: $stderr"
		refute events_have "web up"
	done
}

@test "the command-line command is the essential program main beside the config's programs" {
	write_conf <<-EOF
		program helper { command = { "$S/svc", "helper" } }
	EOF
	run -7 --separate-stderr pid1_run -v -c "$CONF" -- \
		sh -c 'while [ ! -s "$0" ]; do sleep 0.05; done; exit 7' "$S/events"
	# main ended, so the container ended: the helper got the ladder.
	assert [ "$(line_of 'helper stopped')" -gt 0 ]
	[[ "$stderr" == *"main["*"] started"* ]] || fail "$stderr"
	[[ "$stderr" == *"main["*"] exited with status 7"* ]] || fail "$stderr"
	[[ "$stderr" == *"shutdown begins: main child exited while other processes remain"* ]] ||
		fail "$stderr"
	[[ "$stderr" == *"exiting with code 7 (the exit code of main)"* ]] || fail "$stderr"
}

@test "an essential program's end ends pid1 with its code: 128+N for a signal, remaps apply" {
	write_conf <<-EOF
		program helper { command = { "$S/svc", "helper" } }
		program web {
			command = { "sh", "-c", "while [ ! -s $S/events ]; do sleep 0.05; done; kill -9 \$\$" }
			essential = true
		}
	EOF
	run -137 --separate-stderr pid1_run -c "$CONF"
	[[ "$stderr" == *"web["*"] killed by SIGKILL"* ]] || fail "$stderr"
	assert [ "$(line_of 'helper stopped')" -gt 0 ]
	echo 'exit-code 137 { as = 3 }' >>"$CONF"
	: >"$S/events"
	run -3 --separate-stderr pid1_run -c "$CONF"
}

@test "a non-essential program that ends follows its restart policy and nothing else stops" {
	write_conf <<-EOF
		restart { delay = 100ms }
		program flaky {
			command = { "sh", "-c", "echo run >>$S/flaky; exit 1" }
			restart = on-failure
		}
		program once { command = { "sh", "-c", "echo once >>$S/once; exit 4" } }
	EOF
	pid1_start -c "$CONF" -- "$S/svc" main
	wait_until has_lines "$S/flaky" 3 run
	wait_until log_has "restarting flaky in"
	# once has restart = no by default: it stays down, and nothing else stops.
	assert_equal "$(count_lines "$S/once" once)" 1
	events_have "main up"
	refute log_has "shutdown begins"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	log_has "once["
	log_has "exited with status 4"
}

@test "with no essential program pid1 runs until signalled, idle without wake-ups" {
	write_conf <<-EOF
		program a { command = { "true" } }
		program b { command = { "$S/svc", "b" } }
		program c { command = { "$S/svc", "c" } }
	EOF
	pid1_start -c "$CONF"
	wait_until events_have "c up"
	wait_until events_have "b up"
	sleep 0.3
	local before after
	before=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$PID1_PID/status")
	sleep 2
	after=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$PID1_PID/status")
	assert_between "voluntary context switches while idle" $((after - before)) 0 2
	kill -0 "$PID1_PID"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
}

@test "a forwarded signal reaches every running program" {
	write_conf <<-EOF
		program one { command = { "$H/sigdump", "$S/one" } }
		program two { command = { "$H/sigdump", "$S/two" } }
	EOF
	pid1_start -c "$CONF"
	wait_until file_has "$S/one" ready
	wait_until file_has "$S/two" ready
	send_to_pid1 USR1
	wait_until file_has "$S/one" SIGUSR1
	wait_until file_has "$S/two" SIGUSR1
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
}

@test "forward-to = group: each program's own process group gets the signal" {
	write_conf <<-EOF
		forward-to = group
		program one { command = { "sh", "-c", "$H/sigdump $S/one & exec $H/sigdump $S/one2" } }
		program two { command = { "$H/sigdump", "$S/two" } }
	EOF
	pid1_start -c "$CONF"
	wait_until file_has "$S/one2" ready
	wait_until file_has "$S/one" ready
	wait_until file_has "$S/two" ready
	send_to_pid1 USR1
	wait_until file_has "$S/one" SIGUSR1
	wait_until file_has "$S/one2" SIGUSR1
	wait_until file_has "$S/two" SIGUSR1
	send_to_pid1 TERM
	pid1_wait
}

@test "shutdown stops what comes after a program before the program itself" {
	write_conf <<-EOF
		program db { command = { "$S/svc", "db" } }
		program app {
			command = { "$S/svc", "app" }
			after = { db }
		}
		program web {
			command = { "$S/svc", "web" }
			after = { app }
		}
	EOF
	pid1_start -c "$CONF"
	wait_until events_have "web up"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	# Each level is stopped, and gone, before the next one down hears anything.
	[ "$(line_of 'web stopped')" -lt "$(line_of 'app stopping')" ] || fail "$(cat "$S/events")"
	[ "$(line_of 'app stopped')" -lt "$(line_of 'db stopping')" ] || fail "$(cat "$S/events")"
	grep -qF "SIGTERM to web, 1 process left" "$S/err" || fail "$(cat "$S/err")"
}

@test "on-repeat = kill: a second shutdown signal kills every level at once" {
	write_conf <<-EOF
		shutdown {
			on-repeat = kill
			step SIGTERM { grace = 30s }
			step SIGKILL { grace = 1s }
		}
		program db { command = { "sh", "-c", "trap '' INT TERM; echo db up >>$S/events; while :; do sleep 0.05; done" } }
		program web {
			command = { "sh", "-c", "trap '' INT TERM; echo web up >>$S/events; while :; do sleep 0.05; done" }
			after = { db }
		}
	EOF
	pid1_start -c "$CONF"
	wait_until events_have "web up"
	send_to_pid1 TERM
	wait_until log_has "SIGTERM to web"
	local t0
	t0=$(now_ms)
	send_to_pid1 TERM
	pid1_wait
	# Both levels got SIGKILL with the second signal; neither waited out a 30 s grace.
	assert_between "ms from the second SIGTERM to pid1's exit" $(($(now_ms) - t0)) 0 5000
	log_has "killing now"
	log_has "SIGKILL to all"
}

@test "each program has its own user and environment, defaults from the top level" {
	write_conf <<-EOF
		env = { "WHO=top" }
		program own {
			command = { "sh", "-c", "echo own \$WHO \$(id -u)" }
			env = { "WHO=own" }
			user = nobody
		}
		program inherits { command = { "sh", "-c", "echo inherits \$WHO \$(id -u)" } }
	EOF
	pid1_start -c "$CONF"
	wait_until file_has "$S/out" "inherits top 0"
	wait_until file_has "$S/out" "own own $(id -u nobody)"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
}

@test "a bad program section is refused with file:line and exit 2, and nothing runs" {
	cat >"$CONF" <<-EOF
		program a {
			command = { "sh", "-c", "echo ran >>$S/ran" }
			after = { b }
		}
		program b {
			command = { "sh", "-c", "echo ran >>$S/ran" }
			after = { a }
		}
	EOF
	run -2 --separate-stderr pid1_run -c "$CONF"
	assert_equal "$stderr" "pid1: $CONF:4: 'after' makes a cycle: a -> b -> a"
	refute [ -e "$S/ran" ]
}

@test "-n prints the programs and the start order, and the print loads back" {
	write_conf <<-EOF
		program web {
			command = { "nginx" }
			after = { migrate, php }
			essential = true
		}
		program migrate {
			command = { "migrate" }
			type = oneshot
		}
		program php { command = { "php-fpm" } }
	EOF
	run -0 --separate-stderr pid1_run -n -c "$CONF" -- server
	assert_line 'command = { "server" }'
	assert_line 'program web {'
	assert_line $'\tafter = { "migrate", "php" }'
	assert_line $'\ttype = oneshot'
	assert_line '# start order (each level starts together, once the one before is up): 0: main, migrate, php; 1: web'
	printf '%s\n' "$output" >"$S/printed.conf"
	run -0 --separate-stderr pid1_run -n -c "$S/printed.conf"
	assert_line 'program web {'
}

@test "the multi-program example in examples/ runs: migration, then server and worker" {
	local ex=$BATS_TEST_TMPDIR/example
	mkdir -p "$ex"
	sed "s|/tmp/pid1-example|$ex|g" "$PID1_SRCDIR/examples/programs.conf" >"$CONF"
	pid1_start -c "$CONF"
	wait_until file_has "$ex/log" "server up"
	wait_until file_has "$ex/log" "worker up"
	[ "$(grep -nxF 'migrated' "$ex/log" | cut -d: -f1)" -lt \
		"$(grep -nxF 'server up' "$ex/log" | cut -d: -f1)" ]
	send_to_pid1 TERM
	pid1_wait
	# The server is essential: it handled SIGTERM and exited 0, so pid1 does too.
	assert_equal "$status" 0
	file_has "$ex/log" "server stopped"
}

# signals_of NAME: the signals $S/NAME recorded, SIGCONT (sent after each step) left out.
signals_of() {
	grep -v -e '^ready$' -e '^SIGCONT$' "$S/$1" | tr '\n' ' '
}

@test "stop-signal: a program's own first signal at shutdown, then the ladder's later steps" {
	write_conf <<-EOF
		shutdown {
			step SIGTERM { grace = 300ms }
			step SIGINT { grace = 5s }
			step SIGKILL { grace = 1s }
		}
		program db {
			command = { "$H/sigdump", "$S/db", "USR2" }
			stop-signal = SIGUSR2
		}
		program plain { command = { "$H/sigdump", "$S/plain" } }
		program web {
			command = { "$H/sigdump", "$S/web", "INT" }
			after = { db }
			stop-signal = QUIT
		}
	EOF
	pid1_start -c "$CONF"
	wait_until file_has "$S/db" ready
	wait_until file_has "$S/plain" ready
	wait_until file_has "$S/web" ready
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	# web ignores its SIGQUIT, so the next step's SIGINT ends it; SIGTERM never reaches it.
	assert_equal "$(signals_of web)" "SIGQUIT SIGINT "
	# Level 0 has a stage of its own: db gets its SIGUSR2 alone, plain the ladder's SIGTERM.
	assert_equal "$(signals_of db)" "SIGUSR2 "
	assert_equal "$(signals_of plain)" "SIGTERM "
	log_has "SIGQUIT to web, its stop-signal"
}

@test "stop-signal: -n prints it and the printed config parses back" {
	write_conf <<-EOF
		program web {
			command = { "web" }
			stop-signal = 3
		}
	EOF
	run -0 "$PID1" -n -c "$CONF"
	[[ "$output" == *"stop-signal = SIGQUIT"* ]] || fail "$output"
	echo "$output" >"$S/printed.conf"
	run -0 "$PID1" -n -c "$S/printed.conf"
}

# web_and_hang TIMEOUT: the config is the longrun web, a stop hook hang that never ends on
# its own and is killed after TIMEOUT, then stdin.
web_and_hang() {
	{
		cat <<-EOF
			program web { command = { "$S/svc", "web" } }
			program hang {
				command = { "sleep", "100" }
				type = oneshot
				when = stop
				timeout = $1
			}
		EOF
		cat
	} | write_conf
}

@test "stop hooks run at shutdown, in their order, before any program gets a signal" {
	write_conf <<-EOF
		program web { command = { "$S/svc", "web" } }
		program second {
			command = { "sh", "-c", "echo second ran >>$S/events" }
			type = oneshot
			when = stop
			after = { first }
		}
		program first {
			command = { "sh", "-c", "sleep 0.2; echo first ran >>$S/events" }
			type = oneshot
			when = stop
		}
	EOF
	pid1_start -c "$CONF"
	wait_until events_have "web up"
	sleep 0.3
	! events_have "first ran" || fail "a stop hook ran at start-up: $(cat "$S/events")"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	[ "$(line_of 'first ran')" -lt "$(line_of 'second ran')" ] || fail "$(cat "$S/events")"
	[ "$(line_of 'second ran')" -lt "$(line_of 'web stopping')" ] || fail "$(cat "$S/events")"
	log_has "2 stop hooks first"
}

@test "a stop hook that hangs is killed at its timeout, a failing one is logged, shutdown goes on" {
	web_and_hang 300ms <<-EOF
		program fail {
			command = { "sh", "-c", "exit 3" }
			type = oneshot
			when = stop
		}
	EOF
	pid1_start -c "$CONF"
	wait_until events_have "web up"
	local t0
	t0=$(now_ms)
	send_to_pid1 TERM
	pid1_wait
	assert_between "ms from SIGTERM to pid1's exit" $(($(now_ms) - t0)) 250 5000
	# A failing hook is pid1's news, not its exit code: the programs decide that.
	assert_equal "$status" 0
	events_have "web stopped"
	log_has "outlived its timeout of 300ms: killed"
	log_has "warning: stop hook fail failed: exited with status 3"
}

@test "stop hooks: -n prints them and what they add to the shutdown, and it parses back" {
	write_conf <<-EOF
		program web { command = { "web" } }
		program drain {
			command = { "drain" }
			type = oneshot
			when = stop
			timeout = 3s
		}
		program flush {
			command = { "flush" }
			type = oneshot
			when = stop
			after = { drain }
		}
	EOF
	run -0 "$PID1" -n -c "$CONF"
	[[ "$output" == *"before the ladder (each after those it names): 0: drain; 1: flush"* ]] ||
		fail "$output"
	[[ "$output" == *"the stop hooks add at most 13s to the shutdown"* ]] || fail "$output"
	[[ "$output" == *"timeout = 10s"* ]] || fail "$output"
	echo "$output" >"$S/printed.conf"
	run -0 "$PID1" -n -c "$S/printed.conf"
}

@test "stop hooks run when the essential program ends, and a second signal cuts them short" {
	write_conf <<-EOF
		program app { command = { "sh", "-c", "sleep 0.3; exit 4" } essential = true }
		program bye {
			command = { "sh", "-c", "echo bye ran >>$S/events" }
			type = oneshot
			when = stop
		}
	EOF
	run -4 pid1_run -c "$CONF"
	events_have "bye ran"
	web_and_hang 60s <<-EOF
		program later {
			command = { "sh", "-c", "echo later ran >>$S/events" }
			type = oneshot
			when = stop
			after = { hang }
		}
	EOF
	pid1_start -c "$CONF"
	wait_until events_have "web up"
	send_to_pid1 TERM
	wait_until log_has "2 stop hooks first"
	sleep 0.2
	send_to_pid1 TERM
	pid1_wait
	! events_have "later ran" || fail "a hook ran after the cut: $(cat "$S/events")"
	log_has "SIGTERM during the stop hooks: on to the ladder"
}
