#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pid1 in a restricted container: without capabilities (docker run --cap-drop ALL, the
# Kubernetes restricted profile), or as a user other than root. pid1 runs as the real PID 1
# of a fresh PID namespace; capabilities are dropped with setpriv, and processes of another
# user are put into its namespace from outside with nsenter, as docker exec -u does.
# shellcheck disable=SC2016,SC2154,SC2086 # sh -c scripts are single-quoted; bats sets
# $stderr; AS_NOBODY and NOCAPS are word lists on purpose

bats_require_minimum_version 1.5.0
load lib/pid1

# No capability at all, as root: what --cap-drop ALL leaves.
NOCAPS="setpriv --inh-caps=-all --bounding-set=-all"

setup() {
	S=$BATS_TEST_TMPDIR
	command -v setpriv >/dev/null || skip_or_fail "setpriv is not installed (util-linux)"
	command -v nsenter >/dev/null || skip_or_fail "nsenter is not installed (util-linux)"
}

# enter_as USER CMD: runs the shell command CMD as USER in pid1's PID namespace, from
# outside, in the background, as docker exec -u does; what it prints goes to $S/entered.
enter_as() {
	nsenter --target "$PID1_PID" --pid -- \
		setpriv --reuid="$1" --regid="$1" --clear-groups sh -c "$2" >>"$S/entered" 3>&- &
}

# entered N: N lines were printed by what enter_as ran.
entered() {
	[ "$(wc -l <"$S/entered" 2>/dev/null || echo 0)" -ge "$1" ]
}

@test "a process of another user that pid1 without CAP_KILL cannot signal does not hold the ladder" {
	# One process outside pid1's tree (its parent is nsenter, outside the namespace), one
	# adopted by pid1 once its shell exits: neither can pid1 signal.
	PID1_WRAPPER=$NOCAPS pid1_start -- sleep 1000
	enter_as 65534 'echo $$; exec sleep 1000'
	enter_as 65534 'sleep 1000 & echo $!'
	wait_until entered 2
	local a b t0 t1
	a=$(sed -n 1p "$S/entered")
	b=$(sed -n 2p "$S/entered")
	t0=$(now_ms)
	send_to_pid1 TERM
	pid1_wait
	t1=$(now_ms)
	# sleep ends on SIGTERM: 143, and the ladder's graces (4 s each) are not waited out.
	[ "$status" -eq 143 ] || fail "exit $status: $(cat "$S/err")"
	run ! grep -F "exhausted" "$S/err"
	run -0 grep -E "warning: cannot signal 2 processes: ($a|$b) \(uid 65534\), ($a|$b) \(uid 65534\): pid1 runs as uid 0 without CAP_KILL; the shutdown does not wait for them" "$S/err"
	# Said once, though the ladder counts what is left at each step and each reap.
	[ "$(grep -c "cannot signal" "$S/err")" -eq 1 ]
	echo "# the shutdown took $((t1 - t0)) ms" >&3
}

@test "a non-root pid1 does not wait for a root process it cannot signal" {
	PID1_WRAPPER="setpriv --reuid=65534 --regid=65534 --clear-groups" pid1_start -- sleep 1000
	enter_as 0 'echo $$; exec sleep 1000'
	wait_until entered 1
	local a
	a=$(cat "$S/entered")
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 143 ] || fail "exit $status: $(cat "$S/err")"
	run ! grep -F "exhausted" "$S/err"
	grep -qF "warning: cannot signal 1 process: $a (uid 0): pid1 runs as uid 65534 without CAP_KILL; the shutdown does not wait for it" "$S/err" ||
		fail "$(cat "$S/err")"
}

# nobody_dir: W, root's, holds the config; D in it is anyone's, for what programs leave; the
# runtime directory in it is nobody's, as pid1 run as nobody would make it in /run.
nobody_dir() {
	W=$(mktemp -d /tmp/pid1-restricted.XXXXXX)
	chmod 0755 "$W"
	D=$W/data
	mkdir -m 0777 "$D"
	mkdir -m 0700 "$W/run"
	chown nobody: "$W/run"
	export PID1_RUNTIME_DIR=$W/run
	CONF=$W/pid1.conf
}

teardown() {
	[ -z "${W:-}" ] || rm -rf "$W"
}

AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"

# nproc N: pid1 (run as nobody) may have at most N processes of its user. Only a process of
# pid1's own user may change its limits without CAP_SYS_RESOURCE.
nproc() {
	$AS_NOBODY prlimit --pid "$PID1_PID" --nproc="$1":
}

count_in_log() {
	grep -c -- "$1" "$S/err" || true
}

logged_times() {
	[ "$(count_in_log "$2")" -ge "$1" ]
}

@test "a start that cannot fork is retried with the back-off, not counted against the restart limit" {
	nobody_dir
	cat >"$CONF" <<-EOF
		restart { policy = on-failure delay = 100ms max-delay = 200ms limit = 2 window = 60s }
		program web {
			command = { "/bin/sh", "-c",
				"echo run >>$D/runs; [ -e $D/go ] && exec sleep 1000; until [ -e $D/go ]; do sleep 0.05; done; exit 1" }
		}
	EOF
	chmod 0644 "$CONF"
	local hard
	PID1_WRAPPER=$AS_NOBODY pid1_start -c "$CONF"
	wait_until file_has "$D/runs" run
	hard=$(awk '/^Max processes/ { print $4 }' "/proc/$PID1_PID/limits")
	nproc 1
	touch "$D/go"
	# More failed starts than the limit allows restarts: web is not given up on.
	wait_until logged_times 4 "web could not be started: Resource temporarily unavailable; trying again in"
	run -0 $AS_NOBODY "$PID1" ctl status
	assert_line --regexp "^web +backoff +- +- +1 +no +could not be started: Resource temporarily unavailable$"
	nproc "$hard"
	wait_until has_lines "$D/runs" 2 run
	run -0 $AS_NOBODY "$PID1" ctl status
	assert_line --regexp "^web +running +[0-9]+ +[^ ]+ +1 +yes +exited with status 1$"
	send_to_pid1 TERM
	pid1_wait
	run ! grep -F "giving up" "$S/err"
	[ "$(count_in_log "restarting web in")" -eq 1 ] || fail "$(cat "$S/err")"
}

@test "a stop hook that cannot fork says so, not that it exited with status 1" {
	nobody_dir
	cat >"$CONF" <<-EOF
		program web { command = { "sleep", "1000" } essential = true }
		program bye { command = { "/bin/true" } type = oneshot when = stop }
	EOF
	chmod 0644 "$CONF"
	PID1_WRAPPER=$AS_NOBODY pid1_start -c "$CONF"
	wait_until pid1_alive
	# pid1 and web: no third process of nobody's.
	nproc 2
	send_to_pid1 TERM
	pid1_wait
	grep -qF "warning: stop hook bye failed: could not be started: Resource temporarily unavailable" "$S/err" ||
		fail "$(cat "$S/err")"
	run ! grep -F "exited with status 1" "$S/err"
}

@test "a program whose user pid1 lacks the capabilities for is refused with 2 before anything starts" {
	write_conf <<-EOF
		program first { command = { "touch", "$S/started" } type = oneshot }
		program web { command = { "sleep", "1000" } user = nobody after = { first } }
	EOF
	PID1_WRAPPER=$NOCAPS run -2 --separate-stderr pid1_run -c "$CONF"
	assert_equal "$(unlog "$stderr")" "err: program 'web': user 'nobody' needs CAP_SETGID, CAP_SETUID and CAP_KILL, which pid1 lacks"
	[ ! -e "$S/started" ]
	# Allowed to change ids but not to signal another user, pid1 could never stop it.
	PID1_WRAPPER="setpriv --inh-caps=-kill --bounding-set=-kill" run -2 --separate-stderr \
		pid1_run -c "$CONF"
	assert_equal "$(unlog "$stderr")" "err: program 'web': user 'nobody' needs CAP_KILL, which pid1 lacks"
	# A group alone needs CAP_SETGID, for setgroups.
	write_conf <<-EOF
		program web { command = { "true" } group = nogroup }
	EOF
	PID1_WRAPPER=$NOCAPS run -2 --separate-stderr pid1_run -c "$CONF"
	assert_equal "$(unlog "$stderr")" "err: program 'web': group 'nogroup' needs CAP_SETGID, which pid1 lacks"
}

@test "a program of pid1's own user needs no capability" {
	nobody_dir
	cat >"$CONF" <<-EOF
		program web { command = { "sh", "-c", "id -u >$D/uid" } type = oneshot essential = true user = nobody }
	EOF
	chmod 0644 "$CONF"
	PID1_WRAPPER=$AS_NOBODY run -0 pid1_run -c "$CONF"
	assert_equal "$(cat "$D/uid")" "$(id -u nobody)"
}

@test "pid1 -n warns of a program it could not start as its user with the capabilities it has" {
	write_conf <<-EOF
		program web { command = { "sleep", "1000" } user = nobody }
	EOF
	PID1_WRAPPER=$NOCAPS run -0 --separate-stderr pid1_run -n -c "$CONF"
	assert_line "# warning: program 'web': user 'nobody' needs CAP_SETGID, CAP_SETUID and CAP_KILL, which pid1 lacks here: started so, pid1 would exit 2"
	# With every capability, nothing to say.
	run -0 "$PID1" -n -c "$CONF"
	refute_line --partial "warning"
}

@test "with scope group, a member of a program's group that pid1 cannot signal does not hold the ladder" {
	# pid1 may change ids (main does) but not signal another user: main's shell starts a
	# process of nobody's in its own process group, then sleeps.
	write_conf <<-EOF
		shutdown { scope = group }
	EOF
	PID1_WRAPPER="setpriv --inh-caps=-kill --bounding-set=-kill" pid1_start -c "$CONF" -- \
		sh -c "setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000 & echo \$! >$S/theirs; exec sleep 1000"
	wait_until test -s "$S/theirs"
	send_to_pid1 TERM
	pid1_wait
	[ "$status" -eq 143 ] || fail "exit $status: $(cat "$S/err")"
	run ! grep -F "exhausted" "$S/err"
	grep -qF "warning: cannot signal 1 process: $(cat "$S/theirs") (uid 65534)" "$S/err" ||
		fail "$(cat "$S/err")"
}
