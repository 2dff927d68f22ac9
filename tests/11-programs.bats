#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Several programs in one container: program sections, start order with oneshots, essential
# programs, the command line's command as the program `main` (and in after lists), signals to
# every program and to named ones, shutdown in reverse dependency order, on-child-exit = wait
# for programs that daemonize, per-program privileges, the terminal for one program, the
# program's name in every log line, and what -n says of the start order and the worst-case
# stop time. pid1 runs as the real PID 1 of a fresh PID namespace. Times use generous bounds.
# shellcheck disable=SC2016,SC2154 # sh -c scripts are single-quoted; bats sets $stderr

bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	unset PID1_CONFIG
	S=$BATS_TEST_TMPDIR
	H=$PID1_HELPERS
	CONF=$S/pid1.conf
	# daemonize: forks a daemon that notes "trapped" in $S/daemon once its TERM trap is set,
	# then "TERM" on SIGTERM; it leaves orphans for pid1 to reap (a shell that starts a
	# sleep and exits) and exits 0 by itself once $S/stop exists. The first process waits
	# for "trapped", so the daemon cannot miss a signal, and exits with code $1.
	cat >"$S/daemonize" <<-'EOF'
		#!/bin/sh
		d=$(dirname "$0")
		sh -c '
			trap "echo TERM >>$0/daemon; exit 0" TERM
			echo trapped >>$0/daemon
			while [ ! -e $0/stop ]; do
				sh -c "sleep 0.05 & exit 0"
				sleep 0.05
			done
			echo "exits by itself" >>$0/daemon' "$d" &
		until grep -qx trapped "$d/daemon" 2>/dev/null; do sleep 0.02; done
		exit "$1"
	EOF
	chmod +x "$S/daemonize"
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

# A pid1 that froze must not outlive its test: its namespace goes with it.
teardown() {
	if [ -n "${PID1_PID:-}" ] && kill -0 "$PID1_PID" 2>/dev/null; then
		kill -KILL "$PID1_PID" 2>/dev/null || true
	fi
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
	[[ "$stderr" == *"shutdown begins: main exited with status 7 while other processes remain"* ]] ||
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
	grep -qF "SIGTERM to web, waiting up to" "$S/err" || fail "$(cat "$S/err")"
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
	repeat_gap
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
	assert_equal "$(unlog "$stderr")" "err: $CONF:4: 'after' makes a cycle: a -> b -> a"
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

# send_twice SIG: SIG to pid1 twice, as timeout(1) or a terminal may deliver it: the second
# once the first is no longer pending, so the kernel cannot merge them into one.
send_twice() {
	local bit
	bit=$((1 << ($(kill -l "$1") - 1)))
	send_to_pid1 "$1"
	while [ $((0x$(awk '$1 == "ShdPnd:" { print $2 }' "/proc/$PID1_PID/status") & bit)) -ne 0 ]; do
		:
	done
	send_to_pid1 "$1"
}

# web_ignores_quit [AFTER]: the config is a slow ladder (SIGTERM, then SIGINT, 30 s each,
# then SIGKILL) and web, which records its signals, ignores its stop-signal SIGQUIT and ends
# on SIGINT (after AFTER, if given), then stdin.
web_ignores_quit() {
	{
		cat <<-EOF
			shutdown {
				step SIGTERM { grace = 30s }
				step SIGINT { grace = 30s }
				step SIGKILL { grace = 1s }
			}
			program web {
				command = { "$H/sigdump", "$S/web", "INT" }
				${1:+after = { $1 \}}
				stop-signal = QUIT
			}
		EOF
		cat
	} | write_conf
}

# Each step's grace is long: a program that has the CPU only now and then (a loaded machine)
# must not meet a step that is not its own. db left unscheduled past a short grace would get
# step 2's SIGINT, and with both pending the kernel hands over the lower number first, so
# its file would read "SIGINT SIGUSR2" though SIGUSR2 was sent first. A second SIGTERM moves
# web on to step 2 instead of a grace run out.
@test "stop-signal: a program's own first signal at shutdown, then the ladder's later steps" {
	web_ignores_quit db <<-EOF
		program db {
			command = { "$H/sigdump", "$S/db", "USR2" }
			stop-signal = SIGUSR2
		}
		program plain { command = { "$H/sigdump", "$S/plain" } }
	EOF
	pid1_start -v -c "$CONF"
	wait_until file_has "$S/db" ready
	wait_until file_has "$S/plain" ready
	wait_until file_has "$S/web" ready
	send_to_pid1 TERM
	wait_until file_has "$S/web" SIGQUIT
	repeat_gap
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	# web ignores its SIGQUIT, so the next step's SIGINT ends it; SIGTERM never reaches it.
	assert_equal "$(signals_of web)" "SIGQUIT SIGINT "
	# Level 0 has a stage of its own: db gets its SIGUSR2 alone, plain the ladder's SIGTERM.
	assert_equal "$(signals_of db)" "SIGUSR2 "
	assert_equal "$(signals_of plain)" "SIGTERM "
	log_has "SIGQUIT to web, its stop-signal"
	# Whom each step reached, in words: web's step had no one but web, who got its own.
	log_has "shutdown step 1/3: waiting up to 30s for web"
	run ! log_has "no other program"
	log_has "shutdown step 2/3: SIGINT to web, waiting up to 30s"
	log_has "shutdown step 1/3: SIGTERM to plain, waiting up to 30s"
	# Nothing was left once level 0 ended: no step to an empty scope, no grace for nobody.
	log_has "level 0 has stopped"
	run ! log_has "SIGTERM to all"
	run ! log_has "0 processes"
	log_has "shutdown finished: nothing left in scope"
}

@test "a shutdown signal delivered twice at once counts once: no step is skipped" {
	web_ignores_quit </dev/null
	pid1_start -v -c "$CONF"
	wait_until file_has "$S/web" ready
	send_twice TERM
	# Once pid1 has taken the second, as a copy or (wrongly) as a repeat:
	wait_until grep -qE "SIGTERM (again after|during shutdown)" "$BATS_TEST_TMPDIR/err"
	wait_until file_has "$S/web" SIGQUIT
	# web got its own signal and not the next step's, which is 30 s away.
	assert_equal "$(signals_of web)" "SIGQUIT "
	run ! log_has "skipping to the next step"
	log_has "the same request delivered twice, not a repeat"
	# A second SIGTERM a moment later is a repeat, as a person's second Ctrl-C.
	repeat_gap
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	assert_equal "$(signals_of web)" "SIGQUIT SIGINT "
	log_has "SIGTERM during shutdown: skipping to the next step"
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

@test "a shutdown signal delivered twice at once does not cut the stop hooks short" {
	web_and_hang 1s </dev/null
	pid1_start -v -c "$CONF"
	wait_until events_have "web up"
	send_twice TERM
	pid1_wait
	assert_equal "$status" 0
	# The hook ran until its timeout; a repeat would have left it to the ladder at once.
	log_has "stop hook hang["
	log_has "outlived its timeout of 1s: killed"
	run ! log_has "during the stop hooks"
	log_has "SIGTERM again after"
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
	log_has "running 2 stop hooks first"
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
	wait_until log_has "running 2 stop hooks first"
	repeat_gap
	send_to_pid1 TERM
	pid1_wait
	! events_have "later ran" || fail "a hook ran after the cut: $(cat "$S/events")"
	log_has "SIGTERM during the stop hooks: on to the ladder"
}

# slow_path: a PATH of 3000 missing directories before the real ones. execvp tries each
# in turn, so a child spends a long while between its switch to the program's user and its
# exec: the moment a process of that user can stop it there is easy to hit.
slow_path() {
	local i p=
	for i in $(seq 1 3000); do
		p="$p/nonexistent/d$i:"
	done
	echo "$p/usr/bin:/bin"
}

# ctl_field NAME COLUMN: a column of NAME's line in `pid1 ctl status`, or nothing within 5 s.
ctl_field() {
	"$PID1" ctl -t 5 status 2>/dev/null | awk -v n="$1" -v c="$2" '$1 == n { print $c }'
}

# ctl_state_is NAME STATE: pid1 ctl status answers, with NAME in STATE.
ctl_state_is() {
	[ "$(ctl_field "$1" 2)" = "$2" ]
}

# ctl_lists NAME: pid1 ctl status answers, with a line for NAME.
ctl_lists() {
	[ -n "$(ctl_field "$1" 2)" ]
}

# stopped_under PID: some descendant of PID (outside view) is stopped.
stopped_under() {
	local p
	for p in $(descendants "$1"); do
		[ "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)" = T ] && return 0
	done
	return 1
}

@test "on-child-exit = ladder (the default): a daemon left by the command gets the ladder" {
	# SIGTERM first, with a long grace: the daemon acts on it even when it gets the CPU only
	# now and then, rather than meeting SIGKILL 4 s after a SIGINT it ignores.
	write_conf <<-EOF
		shutdown {
			step SIGTERM { grace = 30s }
			step SIGKILL { grace = 1s }
		}
	EOF
	run -3 pid1_run -c "$CONF" -- "$S/daemonize" 3
	file_has "$S/daemon" TERM || fail "$(cat "$S/daemon") $output"
}

@test "on-child-exit = wait: pid1 outlives a daemonizing command, reaps, exits with its code" {
	write_conf <<-EOF
		shutdown { on-child-exit = wait }
	EOF
	pid1_start -v -c "$CONF" -- "$S/daemonize" 3
	wait_until log_has "main exited with status 3: waiting for the processes it left"
	# The daemon's orphans come and go: pid1 reaps each, and is still there.
	local i
	for i in 1 2 3 4 5; do
		wait_until no_zombies_under "$PID1_PID"
		sleep 0.1
	done
	kill -0 "$PID1_PID"
	refute file_has "$S/daemon" TERM
	touch "$S/stop"
	pid1_wait
	assert_equal "$status" 3
	file_has "$S/daemon" "exits by itself"
	refute file_has "$S/daemon" TERM
	log_has "exiting with code 3"
}

@test "on-child-exit = wait: a shutdown signal still runs the ladder on what is left" {
	write_conf <<-EOF
		shutdown { on-child-exit = wait }
	EOF
	pid1_start -v -c "$CONF" -- "$S/daemonize" 4
	wait_until log_has "waiting for the processes it left"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 4
	file_has "$S/daemon" TERM
}

@test "on-child-exit = wait, not PID 1: the daemon is waited for through the subreaper" {
	write_conf <<-EOF
		shutdown { on-child-exit = wait }
	EOF
	# shellcheck disable=SC2086 # PID1_WRAPPER is a word list on purpose
	timeout -k 5 "$PID1_TIMEOUT" $PID1_WRAPPER "$PID1" -v -c "$CONF" -- "$S/daemonize" 5 \
		>"$S/out" 2>"$S/err" 3>&- &
	PID1_OUTER=$!
	wait_until log_has "waiting for the processes it left"
	local pid
	pid=$(pgrep -P "$PID1_OUTER")
	kill -0 "$pid"
	touch "$S/stop"
	pid1_wait
	assert_equal "$status" 5
	file_has "$S/daemon" "exits by itself"
}

@test "on-child-exit = wait: with programs, nothing restarts and pid1 ends with the last" {
	write_conf <<-EOF
		shutdown { on-child-exit = wait }
		restart { delay = 100ms }
		program web {
			restart = always
			command = { "sh", "-c", "echo up >>$S/web; until [ -e $S/stop ]; do sleep 0.05; done" }
		}
	EOF
	pid1_start -v -c "$CONF" -- "$S/daemonize" 6
	wait_until log_has "waiting for the processes it left"
	touch "$S/stop"
	pid1_wait
	assert_equal "$status" 6
	# web ended after main: no restart for it, once the container is over.
	[ "$(grep -c up "$S/web")" -eq 1 ] || fail "$(cat "$S/err")"
}

@test "after = { main }: a program starts after the command and is stopped before it" {
	write_conf <<-EOF
		program web {
			command = { "$S/svc", "web" }
			after = { main }
		}
	EOF
	pid1_start -v -c "$CONF" -- "$S/svc" main
	wait_until events_have "web up"
	wait_until events_have "main up"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	[ "$(line_of 'web stopped')" -lt "$(line_of 'main stopping')" ] || fail "$(cat "$S/events")"
	# main was started first; web waited for it.
	[ "$(grep -n 'main\[.*started' "$S/err" | cut -d: -f1)" -lt \
		"$(grep -n 'web\[.*started' "$S/err" | cut -d: -f1)" ] || fail "$(cat "$S/err")"
	run -0 "$PID1" -n -c "$CONF" -- true
	assert_output --partial "start order (each level starts together, once the one before is up): 0: main; 1: web"
}

@test "after = { main } with no command, main in a stop hook's list, a section named main: errors" {
	write_conf <<-EOF
		program web {
			command = { "$S/svc", "web" }
			after = { main }
		}
	EOF
	run -2 --separate-stderr pid1_run -c "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:4: program 'web' is after 'main', but no command is given"
	refute [ -e "$S/events" ]
	run -0 "$PID1" -n -c "$CONF"
	assert_output --partial "0: main (no command given: needed); 1: web"

	cat >"$CONF" <<-EOF
		program bye {
			command = { "true" }
			type = oneshot
			when = stop
			after = { main }
		}
	EOF
	run -2 --separate-stderr pid1_run -c "$CONF" -- true
	assert_equal "$(unlog "$stderr")" "err: $CONF:6: program 'bye' is after 'main', which runs at start-up"

	cat >"$CONF" <<-EOF
		program main { command = { "$S/svc", "other" } }
	EOF
	run -2 --separate-stderr pid1_run -c "$CONF" -- "$S/svc" main
	assert_equal "$(unlog "$stderr")" "err: $CONF:1: program name 'main' is reserved for the command"
	refute [ -e "$S/events" ]
}

@test "signal rules may name programs: SIGHUP reaches web only, SIGUSR1 every program" {
	write_conf <<-EOF
		signal SIGHUP { action = forward  programs = { web } }
		signal SIGUSR2 { action = rewrite  to = SIGWINCH  programs = { main, web } }
		program web { command = { "$H/sigdump", "$S/web" } }
		program db { command = { "$H/sigdump", "$S/db" } }
	EOF
	pid1_start -v -c "$CONF" -- "$H/sigdump" "$S/main"
	wait_until file_has "$S/web" ready
	wait_until file_has "$S/db" ready
	wait_until file_has "$S/main" ready
	send_to_pid1 HUP
	wait_until file_has "$S/web" SIGHUP
	send_to_pid1 USR2
	wait_until file_has "$S/web" SIGWINCH
	wait_until file_has "$S/main" SIGWINCH
	send_to_pid1 USR1
	wait_until file_has "$S/db" SIGUSR1
	wait_until file_has "$S/web" SIGUSR1
	wait_until file_has "$S/main" SIGUSR1
	# Signals are delivered in order: USR1 came after HUP and USR2 to every program.
	refute file_has "$S/db" SIGHUP
	refute file_has "$S/main" SIGHUP
	refute file_has "$S/db" SIGWINCH
	log_has "received SIGHUP: forwarded to child of web"
	log_has "received SIGUSR2: rewritten to SIGWINCH and sent to child of main, web"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
}

@test "signal rules naming programs: unknown names and a wrong action are refused with file:line" {
	cat >"$CONF" <<-EOF
		program web { command = { "true" } }
		signal SIGHUP {
			programs = { web, nosuch }
		}
	EOF
	run -2 --separate-stderr pid1_run -c "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:4: signal SIGHUP is for 'nosuch', which is not a program"
	cat >"$CONF" <<-EOF
		program web { command = { "true" } }
		signal SIGHUP { action = shutdown  programs = { web } }
	EOF
	run -2 --separate-stderr pid1_run -c "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:2: 'programs' needs action 'forward', 'rewrite' or 'restart' in section 'signal SIGHUP'"
	# -n prints the list, and the print loads back the same.
	write_conf <<-EOF
		signal SIGHUP { programs = { web, main } }
		program web { command = { "true" } }
	EOF
	run -0 "$PID1" -n -c "$CONF"
	assert_line "signal SIGHUP { action = forward programs = { web, main } }"
	echo "$output" >"$S/printed.conf"
	run -0 "$PID1" -n -c "$S/printed.conf"
	assert_line "signal SIGHUP { action = forward programs = { web, main } }"
}

@test "signal rules naming programs: an empty list is refused, not taken for every program" {
	cat >"$CONF" <<-EOF
		program web { command = { "sleep", "100" } }
		signal SIGHUP {
			programs = { }
		}
	EOF
	run -2 --separate-stderr pid1_run -c "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:4: 'programs' names no program in section 'signal SIGHUP' (leave it out for every program)"
	run -2 "$PID1" -n -c "$CONF"
}

@test "every start, exit, restart, give-up, hook and ladder step names its program in the log" {
	write_conf <<-EOF
		restart { delay = 50ms  limit = 1  window = 1m }
		shutdown { step SIGTERM { grace = 5s }  step SIGKILL { grace = 1s } }
		program flaky {
			command = { "sh", "-c", "echo run >>$S/flaky; exit 1" }
			restart = on-failure
		}
		program db {
			command = { "$H/sigdump", "$S/db", "USR2" }
			stop-signal = SIGUSR2
		}
		program web {
			command = { "$S/svc", "web" }
			after = { db }
		}
		program bye {
			command = { "sh", "-c", "exit 3" }
			type = oneshot
			when = stop
		}
	EOF
	pid1_start -v -c "$CONF" -- "$S/svc" main
	wait_until events_have "web up"
	wait_until events_have "main up"
	wait_until file_has "$S/db" ready
	wait_until log_has "flaky restarted 1 times within 1m: giving up on restarts"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
	local line
	for line in "main[" "] started" "web[" "] started" "db[" "] started" \
		"flaky[" "] exited with status 1 after" \
		"restarting flaky in 50ms (restart 1, 1 within the window)" \
		"warning: stop hook bye failed: exited with status 3" \
		"shutdown step 1/2: SIGTERM to web, waiting up to 5s" \
		"shutdown step 1: SIGUSR2 to db, its stop-signal" \
		"shutdown step 1/2: SIGTERM to main, waiting up to 5s" \
		"] exited with status 0 after"; do
		log_has "$line" || fail "no '$line' in: $(cat "$S/err")"
	done
	grep -qE 'web\[[0-9]+\] exited with status 0 after' "$S/err" || fail "$(cat "$S/err")"
	grep -qE 'db\[[0-9]+\] exited with status 0 after' "$S/err" || fail "$(cat "$S/err")"
	grep -qE 'main\[[0-9]+\] exited with status 0 after' "$S/err" || fail "$(cat "$S/err")"
	grep -qE 'bye\[[0-9]+\] started' "$S/err" || fail "$(cat "$S/err")"
}

@test "the log names the program that cannot be started, and what is left at each scope step" {
	write_conf <<-EOF
		shutdown { step SIGTERM { grace = 5s }  step SIGKILL { grace = 1s } }
		program nope {
			command = { "/nonexistent/cmd" }
			after = { web }
		}
		program web { command = { "$S/svc", "web" } }
	EOF
	run -127 --separate-stderr pid1_run -c "$CONF" -- "$S/svc" main
	[[ "$stderr" == *"err: nope: /nonexistent/cmd: No such file or directory"* ]] ||
		fail "$stderr"
	[[ "$stderr" == *"shutdown step 1/2: SIGTERM to all (main, web"*"), waiting up to 5s"* ]] ||
		fail "$stderr"
}

@test "-n prints the worst-case stop time: delay, stop hooks, one ladder per stage" {
	write_conf <<-EOF
		shutdown {
			delay = 2s
			step SIGINT { grace = 1s }
			step SIGTERM { grace = 3s }
			step SIGKILL { grace = 1s }
		}
		program db { command = { "true" } stop-signal = SIGQUIT }
		program web { command = { "true" } after = { db } }
		program api { command = { "true" } after = { web } }
		program drain { command = { "true" } type = oneshot when = stop timeout = 4s }
		program flush {
			command = { "true" }
			type = oneshot
			when = stop
			timeout = 2s
			after = { drain }
		}
	EOF
	# Stages: api (2), web (1), db alone for its stop-signal (0), the whole scope: 4 ladders.
	run -0 "$PID1" -n -c "$CONF"
	assert_line "# worst-case stop time: 28s (delay 2s, stop hooks 6s, 4 ladders of 5s)"
	assert_line "# from SIGTERM (docker stop, Kubernetes), entering at its step: 24s"
	# A real shutdown runs as many ladders, each stage's first step once, but the whole
	# scope's: it comes only for what the levels leave behind, and here they leave nothing.
	sed -e "s|\"true\" } stop-signal|\"$H/sigdump\", \"$S/db\", \"QUIT\" } stop-signal|" \
		-e "s|{ \"true\" } after = { db }|{ \"$H/sigdump\", \"$S/web\" } after = { db }|" \
		-e "s|{ \"true\" } after = { web }|{ \"$H/sigdump\", \"$S/api\" } after = { web }|" \
		-e 's/delay = 2s/delay = 0s/' "$CONF" >"$S/run.conf"
	pid1_start -c "$S/run.conf" -- "$H/sigdump" "$S/main"
	wait_until file_has "$S/api" ready
	wait_until file_has "$S/db" ready
	wait_until file_has "$S/main" ready
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$(grep -c 'shutdown step 2/3: SIGTERM to' "$S/err")" 3
	run ! log_has "SIGTERM to all"
	# Without the stop-signal, level 0 goes with the whole scope: one ladder fewer.
	sed -i 's/ stop-signal = SIGQUIT//' "$CONF"
	run -0 "$PID1" -n -c "$CONF"
	assert_line "# worst-case stop time: 23s (delay 2s, stop hooks 6s, 3 ladders of 5s)"
	# enter = first: SIGTERM starts at the first step too.
	sed -i 's/delay = 2s/delay = 2s enter = first/' "$CONF"
	run -0 "$PID1" -n -c "$CONF"
	refute_line --partial "# from SIGTERM"
	# A lone command: one ladder, the built-in one.
	run -0 "$PID1" -n
	assert_line "# worst-case stop time: 9s (delay 0s, stop hooks 0s, 1 ladder of 9s)"
	assert_line "# from SIGTERM (docker stop, Kubernetes), entering at its step: 5s"
}

# fg_to: $S/fg FILE [AFTER], a script that writes to FILE "yes" when it runs in the
# terminal's foreground process group, else "no", then waits for the signal that ends it.
# With AFTER it first waits for that file: the program that takes the terminal writes it
# after the hand-over, and until then pid1's own group, which the others share, has it.
fg_to() {
	printf '%s\n' '#!/bin/sh' \
		'while [ -n "$2" ] && [ ! -s "$2" ]; do sleep 0.02; done' \
		'set -- "$1" $(sed "s/.*) //" /proc/$$/stat)' \
		'if [ "$4" = "$7" ]; then echo yes >"$1.tmp"; else echo no >"$1.tmp"; fi' \
		'mv "$1.tmp" "$1"' \
		'exec sleep 100' >"$S/fg"
	chmod +x "$S/fg"
}

# A ptyrun check step that waits until both programs have written their answer.
both_written() {
	echo "check:i=0; until [ -s $S/web.fg ] && [ -s $S/main.fg ]; do
		i=\$((i + 1)); [ \$i -lt 400 ] || exit 1; sleep 0.05; done"
}

@test "tty = true: that program, not main, is the terminal's foreground and gets Ctrl-C" {
	fg_to
	write_conf <<-EOF
		program web {
			command = { "$S/fg", "$S/web.fg" }
			tty = true
			essential = true
		}
	EOF
	# shellcheck disable=SC2086
	run pty_drive 15 "$(both_written)" 'send:\x03' \
		'wait' -- unshare --pid --fork --mount-proc --kill-child $PID1_WRAPPER \
		"$PID1" -c "$CONF" -- "$S/fg" "$S/main.fg" "$S/web.fg"
	assert_success
	assert_equal "$(cat "$S/web.fg")" yes
	assert_equal "$(cat "$S/main.fg")" no
	# Ctrl-C reached web alone; web is essential, so the container ended with its code.
	assert_line "ptyrun: exit 130"
}

@test "tty: without it main has the terminal; two programs with tty = true are an error" {
	fg_to
	write_conf <<-EOF
		program web { command = { "$S/fg", "$S/web.fg", "$S/main.fg" } }
	EOF
	# shellcheck disable=SC2086
	run pty_drive 15 "$(both_written)" 'send:\x03' \
		'wait' -- unshare --pid --fork --mount-proc --kill-child $PID1_WRAPPER \
		"$PID1" -c "$CONF" -- "$S/fg" "$S/main.fg"
	assert_success
	assert_equal "$(cat "$S/web.fg")" no
	assert_equal "$(cat "$S/main.fg")" yes

	cat >"$CONF" <<-EOF
		program web { command = { "true" } tty = true }
		program db {
			command = { "true" }
			tty = true
		}
	EOF
	run -2 --separate-stderr pid1_run -c "$CONF"
	assert_equal "$(unlog "$stderr")" "err: $CONF:5: programs 'web' and 'db' both have tty = true: a terminal has one foreground"
	write_conf <<-EOF
		program web { command = { "true" } tty = true }
	EOF
	run -0 "$PID1" -n -c "$CONF"
	assert_line --partial "tty = true"
}

@test "ten programs running: pid1 sleeps, no wake-up in 3 s" {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		echo "program p$i { command = { \"$H/sigdump\", \"$S/p$i\" } }"
	done | write_conf
	pid1_start -c "$CONF" -- "$H/sigdump" "$S/main"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		wait_until file_has "$S/p$i" ready
	done
	sleep 0.3
	local before after
	before=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$PID1_PID/status")
	sleep 3
	after=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$PID1_PID/status")
	assert_equal "voluntary context switches while idle: $((after - before))" \
		"voluntary context switches while idle: 0"
	send_to_pid1 TERM
	pid1_wait
	assert_equal "$status" 0
}

@test "forward-to = all: a signal rule that names programs still reaches those alone" {
	write_conf <<-EOF
		forward-to = all
		signal SIGHUP { programs = { web } }
		program web { command = { "$H/sigdump", "$S/web" } }
		program db { command = { "$H/sigdump", "$S/db" } }
	EOF
	pid1_start -c "$CONF" -- "$H/sigdump" "$S/main"
	wait_until file_has "$S/web" ready
	wait_until file_has "$S/db" ready
	wait_until file_has "$S/main" ready
	send_to_pid1 HUP
	wait_until file_has "$S/web" SIGHUP
	# USR1 goes to everything after HUP was handled: its arrival closes the window.
	send_to_pid1 USR1
	wait_until file_has "$S/db" SIGUSR1
	wait_until file_has "$S/main" SIGUSR1
	refute file_has "$S/db" SIGHUP
	refute file_has "$S/main" SIGHUP
	send_to_pid1 TERM
	pid1_wait
}

# Linux frees a pid once no process uses it as a pid, group or session id: when a program
# and all it left in its group are gone, the number can lead a stranger's group. Here one
# entered from outside (as docker exec would) takes it, made certain with ns_last_pid where
# an attacker would fork until it comes round.
@test "scope group: a program's group number, freed and taken by a stranger's group, is never signalled" {
	write_conf <<-EOF
		shutdown {
			scope = group
			step SIGTERM { grace = 5s }
			step SIGKILL { grace = 1s }
		}
		program short {
			command = { "sh", "-c", "echo \$\$ >$S/short" }
		}
	EOF
	pid1_start -v -c "$CONF" -- sleep 100
	wait_until [ -s "$S/short" ]
	local g
	g=$(cat "$S/short")
	wait_until log_has "short[$g] exited"
	cat >"$S/stranger.sh" <<-EOF
		trap 'echo signalled >$S/stranger.sig; exit 0' INT TERM
		echo \$\$ >$S/stranger.tmp
		mv $S/stranger.tmp $S/stranger
		while :; do sleep 0.05; done
	EOF
	nsenter -t "$PID1_PID" -p -m sh -c "
		for i in 1 2 3 4 5 6 7 8 9 10; do
			echo $((g - 1)) >/proc/sys/kernel/ns_last_pid
			setsid sh $S/stranger.sh &
			[ \"\$!\" != $g ] || { wait; exit 0; }
			kill \$!
		done" >/dev/null 2>&1 &
	local entered=$!
	wait_until [ -s "$S/stranger" ]
	[ "$(cat "$S/stranger")" = "$g" ] || skip "pid $g was taken before the stranger could have it"
	local t0
	t0=$(now_ms)
	send_to_pid1 TERM
	pid1_wait
	kill "$entered" 2>/dev/null || true
	wait "$entered" || true
	[ ! -e "$S/stranger.sig" ] || fail "the stranger's group $g was signalled as short's"
	# Nothing of pid1's was left: no grace waited out for the stranger.
	assert_between "the shutdown" $(($(now_ms) - t0)) 0 4000
}

@test "a program's user stopping its processes before they exec cannot freeze pid1" {
	# The attacker, as nobody, stops every process of its user, over and over: the programs
	# after it, as nobody too, are caught between fork and exec. pid1 must still reap (the
	# oneshot tick ends meanwhile), answer pid1 ctl, and shut down on SIGTERM.
	# shellcheck disable=SC2030 # the test's own copy, for its pid1 ctl calls
	export PID1_RUNTIME_DIR=$S/run
	{
		echo 'shutdown { step SIGTERM { grace = 1s }  step SIGKILL { grace = 1s } }'
		echo "env = { \"PATH=$(slow_path)\" }"
		echo 'program attacker {'
		echo '	command = { "sh", "-c", "while :; do kill -s STOP -- -1; done" }'
		echo '	user = nobody'
		echo '}'
		echo 'program tick { command = { "sh", "-c", "sleep 2" } type = oneshot }'
		for i in $(seq 1 20); do
			echo "program v$i { command = { \"sleep\", \"1000\" } user = nobody after = { attacker } }"
		done
	} | write_conf
	PID1_TIMEOUT=60 pid1_start -v -c "$CONF"
	WAIT_SECONDS=30 wait_until ctl_state_is tick "done"
	wait_until no_zombies_under "$PID1_PID"
	# Every victim has a process: pid1 went on spawning while earlier ones were held.
	[ "$(ctl_field v20 3)" -gt 0 ] || fail "$("$PID1" ctl -t 5 status)"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 0 ] || fail "status $status: $(tail -n 20 "$S/err")"
	grep -q "shutdown begins" "$S/err" || fail "$(tail -n 20 "$S/err")"
}

@test "a leftover process of the command's user stopping its restart before exec cannot freeze pid1" {
	# The command, as nobody, leaves behind a process that stops every process of nobody
	# still named pid1: a child between fork and exec. One whose exec won the race is
	# continued, exits 1 and is restarted: each restart is one more chance for the attacker.
	# shellcheck disable=SC2031 # the test's own copy, for its pid1 ctl calls
	export PID1_RUNTIME_DIR=$S/run
	write_conf <<-EOF
		shutdown { step SIGTERM { grace = 1s }  step SIGKILL { grace = 1s } }
		restart { delay = 100ms }
	EOF
	PATH=$(slow_path) PID1_TIMEOUT=60 pid1_start -v -c "$CONF" --user nobody --restart always \
		-- sh -c '(while :; do
			for d in /proc/[0-9]*; do
				read -r c <"$d/comm" && [ "$c" = pid1 ] && kill -s STOP "${d#/proc/}"
				read -r _ c t _ <"$d/stat" && [ "$c$t" = "(sh)T" ] && kill -s CONT "${d#/proc/}"
			done 2>/dev/null
		done) & exit 1'
	WAIT_SECONDS=30 wait_until stopped_under "$PID1_PID"
	# Still answering and reaping: the first run's end was seen, the restart is under way.
	WAIT_SECONDS=30 wait_until ctl_lists main
	grep -qE 'main\[[0-9]+\] exited with status 1' "$S/err" || fail "$(tail -n 20 "$S/err")"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -ne 124 ] || fail "pid1 did not end: $(tail -n 20 "$S/err")"
	grep -q "shutdown begins" "$S/err" || fail "$(tail -n 20 "$S/err")"
}

@test "programs due to start when start-up fails are never counted as running by the ladder" {
	# pid1 runs as nobody so that RLIMIT_NPROC binds it. base lowers pid1's limit to 1 (a
	# process of pid1's own user may), then says it is ready: x and y fall due together, x's
	# fork fails, start-up fails, and y, due but never forked, must not hold the ladder's
	# first step for its grace (60 s) before base, which runs, is signalled.
	local w
	w=$(mktemp -d /tmp/pid1-due.XXXXXX)
	chmod 0777 "$w"
	# Where nobody may read it.
	CONF=$w/pid1.conf
	cat >"$CONF" <<-EOF
		shutdown {
			step SIGINT { grace = 60s }
			step SIGTERM { grace = 60s }
			step SIGKILL { grace = 1s }
		}
		program base {
			command = { "/bin/sh", "-c",
				"until [ -e $w/go ]; do sleep 0.05; done; prlimit --pid 1 --nproc=1: && echo >&3; exec sleep 1000" }
			ready = fd:3
		}
		program x { command = { "/bin/sleep", "1000" } after = { base } essential = true }
		program y { command = { "/bin/sleep", "1000" } after = { base } essential = true }
	EOF
	chmod 0644 "$CONF"
	PID1_WRAPPER="setpriv --reuid=nobody --regid=nogroup --clear-groups" \
		pid1_start -v -c "$CONF"
	touch "$w/go"
	wait_until log_has "x could not be started: Resource temporarily unavailable"
	WAIT_SECONDS=30 wait_until pid1_gone || fail "pid1 still waits: $(cat "$S/err")"
	pid1_wait
	[ "$status" -ne 0 ]
	run ! grep -E 'SIGINT to .*\by\b' "$S/err"
	rm -rf "$w"
}
