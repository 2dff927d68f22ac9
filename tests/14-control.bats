#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The control socket and `pid1 ctl`: every command, one program stopped, started and
# restarted while the others keep running, restart in place by a signal rule, who may
# connect, clients that say nothing, flood or come in crowds, and the runtime directory's
# refusals of what an attacker could plant there; a client that trusts no directory another
# user controls, nor the bytes of a reply.
bats_require_minimum_version 1.5.0
load lib/pid1

setup() {
	export PID1_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	CONF=$BATS_TEST_TMPDIR/pid1.conf
}

teardown() {
	if [ -n "${PID1_OUTER:-}" ] && kill -0 "$PID1_PID" 2>/dev/null; then
		send_to_pid1 TERM
		pid1_wait
	fi
	if [ -n "${PUBLIC_DIR:-}" ]; then
		rm -rf "$PUBLIC_DIR"
	fi
	for pid in ${ATTACKERS:-}; do
		kill "$pid" 2>/dev/null || true
	done
	if [ -n "${NOBODY_PID:-}" ]; then
		kill -TERM "$NOBODY_PID" 2>/dev/null || true
		wait "$NOBODY_PID" || true
		rm -rf /tmp/pid1-65534
	fi
	if [ -n "${FAKE_PID:-}" ]; then
		kill -TERM "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" || true
	fi
	if [ -n "${FAKE_DIR:-}" ]; then
		rm -rf "$FAKE_DIR"
	fi
}

# web (restarted always, quickly) and db (essential), both sleeping; extra lines appended.
two_programs() {
	{
		echo 'restart { delay = 100ms }'
		echo 'program web { command = { "sleep", "1000" } restart = always }'
		echo 'program db { command = { "sleep", "1000" } essential = true }'
		printf '%s\n' "$@"
	} >"$CONF"
}

# restarted NAME OLDPID: NAME runs again, under another pid.
restarted() {
	[ "$(pid_of "$1")" != "$2" ] && state_is "$1" running
}

# start_two: pid1 with two_programs' config, once both run and the socket answers.
start_two() {
	two_programs "$@"
	pid1_start -c "$CONF"
	wait_until state_is web running
	wait_until state_is db running
}

# A python client: ARGS are a mode and its arguments (see the script).
clients() {
	python3 - "$PID1_RUNTIME_DIR/control" "$@" <<'EOF'
import os, socket, sys, time
path, mode = sys.argv[1], sys.argv[2]

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s

def reply(s, limit=10):
    s.settimeout(limit)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")

if mode == "send":  # send BYTES: one request as given, print the reply
    s = conn()
    s.sendall(sys.argv[3].encode().decode("unicode_escape").encode("latin-1"))
    print(reply(s), end="")
elif mode == "oversize":
    s = conn()
    s.sendall(b"x" * 300)
    print(reply(s), end="")
elif mode == "silent":  # how long until pid1 hangs up on a client that says nothing
    s = conn()
    t = time.monotonic()
    data = reply(s, 20)
    print("dropped after %.1f s%s" % (time.monotonic() - t, (": " + data) if data else ""))
elif mode == "stale":  # a socket file nobody listens on any more
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()
elif mode == "deaf":  # listens, never accepts, until killed
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    print("listening", flush=True)
    time.sleep(60)
elif mode == "storm":  # storm PID1_PID FILE: a silent client, a flood and 100 at once,
    # while signals go through pid1 to sigdump, whose FILE shows their round trip.
    pid1, dump = int(sys.argv[3]), sys.argv[4]

    def trip():
        before = open(dump).read().count("SIGUSR1")
        t = time.monotonic()
        os.kill(pid1, 10)
        while open(dump).read().count("SIGUSR1") == before:
            if time.monotonic() - t > 5:
                print("signal lost"); sys.exit(1)
            time.sleep(0.0005)
        return (time.monotonic() - t) * 1000

    def summary(trips):
        trips.sort()
        return "median %.2f max %.2f" % (trips[len(trips) // 2], trips[-1])

    quiet = [trip() for _ in range(20)]
    silent = conn()
    flood = conn()
    flood.setblocking(False)
    crowd = []
    for _ in range(100):
        try:
            crowd.append(conn())
        except OSError as e:
            crowd.append(e)
    sent = 0
    chunk = b"y" * 65536
    trips = []
    for i in range(20):
        try:
            sent += flood.send(chunk)
        except OSError:
            pass
        trips.append(trip())
    busy = held = 0
    for c in crowd:
        if isinstance(c, OSError):
            continue
        c.setblocking(False)
        try:
            data = c.recv(4096)
        except BlockingIOError:
            held += 1
            continue
        busy += data.startswith(b"error busy")
    print("round trip ms, quiet: " + summary(quiet))
    print("round trip ms, storm: " + summary(trips))
    print("crowd: %d refused busy, %d held" % (busy, held))
    print("flood: pid1 took %d bytes" % sent)
EOF
}

@test "status prints a table of every program, --json the same as JSON" {
	start_two
	run -0 "$PID1" ctl status
	assert_line --index 0 --regexp '^PROGRAM +STATE +PID +UPTIME +RESTARTS +READY +LAST EXIT$'
	assert_line --regexp '^web +running +[0-9]+ +[0-9]+s +0 +yes +-$'
	assert_line --regexp '^db +running +[0-9]+ +[0-9]+s +0 +yes +-$'
	run -0 "$PID1" ctl --json status
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)["programs"]
assert [p["name"] for p in d] == ["web", "db"], d
for p in d:
    assert p["state"] == "running" and p["ready"] is True and p["restarts"] == 0, p
    assert isinstance(p["pid"], int) and isinstance(p["uptime_ms"], int), p
    assert p["last_exit"] is None, p
'
	run -0 "$PID1" ctl version
	assert_output --partial "protocol pid1/1"
}

@test "stop, start and restart one program while the others keep running" {
	start_two
	local db web
	db=$(pid_of db)
	web=$(pid_of web)
	# Answered once it is ready again: for ready = started, once its exec was seen.
	run -0 "$PID1" ctl restart web
	assert_output --regexp '^web restarted, ready \(pid [0-9]+\)$'
	state_is web running
	[ "$(pid_of web)" != "$web" ] || fail "web kept pid $web"
	[ "$(pid_of db)" = "$db" ] || fail "db changed pid"
	# A restart on request is not one the policy counted.
	[ "$(field_of web 5)" = 0 ]

	run -0 "$PID1" ctl stop web
	assert_output "web stopped"
	# Not restarted, although restart = always with a 100ms back-off.
	sleep 0.5
	state_is web stopped
	[ "$(pid_of web)" = - ]
	[ "$(pid_of db)" = "$db" ] || fail "db changed pid"
	run -1 "$PID1" ctl stop nosuch
	assert_output "pid1 ctl: no program nosuch"

	run -0 "$PID1" ctl start web
	assert_output --regexp '^web started, ready \(pid [0-9]+\)$'
	state_is web running
	web=$(pid_of web)
	run -0 "$PID1" ctl start web
	assert_output "web already running, ready (pid $web)"
	[ "$(pid_of db)" = "$db" ] || fail "db changed pid"
}

@test "options go before or after the command and its arguments; -- ends them" {
	start_two
	local web
	run -0 "$PID1" ctl status --json
	echo "$output" | python3 -c 'import json, sys; assert len(json.load(sys.stdin)["programs"]) == 2'
	POSIXLY_CORRECT=1 run -0 "$PID1" ctl status -s "$PID1_RUNTIME_DIR/control" --json
	echo "$output" | python3 -c 'import json, sys; assert len(json.load(sys.stdin)["programs"]) == 2'
	run -0 "$PID1" ctl restart -t 20 web
	assert_output --regexp '^web restarted, ready \(pid [0-9]+\)$'
	web=$(pid_of web)
	run -0 "$PID1" ctl start web --timeout=20
	assert_output "web already running, ready (pid $web)"
	run -0 "$PID1" ctl -- status
	assert_line --index 0 --regexp '^PROGRAM +STATE'
	# After --, a word that looks like an option is an argument, for pid1 to judge.
	run -1 "$PID1" ctl status -- --json
	assert_output "pid1 ctl: status takes 0 arguments"
	run -2 "$PID1" ctl status --bogus
	assert_line --index 0 "pid1 ctl: unknown option '--bogus'"
	assert_line --index 1 --partial "usage: pid1 ctl"
	run -2 "$PID1" ctl restart web -x
	assert_line --index 0 "pid1 ctl: unknown option '-x'"
	run -2 "$PID1" ctl restart web -t
	assert_line --index 0 "pid1 ctl: option -t (--timeout) needs an argument"
	run -2 "$PID1" ctl status --json=yes
	assert_line --index 0 "pid1 ctl: option '--json=yes' takes no argument"
	run -2 "$PID1" ctl stop web -t 0
	assert_line --index 0 "pid1 ctl: bad timeout '0' (seconds, up to 3600)"
	run -0 "$PID1" ctl status -h
	assert_line --index 0 --partial "usage: pid1 ctl"
	[ "$(pid_of web)" = "$web" ] || fail "a refused request restarted web"
}

@test "start and restart answer once the program is ready (ready = notify), else say it is still starting" {
	local S=$BATS_TEST_TMPDIR H=$PID1_HELPERS
	# web says READY=1 two seconds after it starts; each start is a line in starts, and each
	# READY=1 one in readies, written before it is sent.
	cat >"$CONF" <<EOF
program web {
	command = { "sh", "-c", "echo >>$S/starts; sleep 2; echo >>$S/readies; exec $H/sdnotify READY=1 sleep 1000" }
	ready = notify
}
program db { command = { "sleep", "1000" } essential = true }
EOF
	pid1_start -c "$CONF"
	wait_until state_is web running
	has_lines_at_least "$S/readies" 1
	# Its line in readies comes before its READY=1: the answer after both.
	run -0 "$PID1" ctl restart web
	assert_output --regexp '^web restarted, ready \(pid [0-9]+\)$'
	has_lines_at_least "$S/readies" 2
	[ "$(field_of web 6)" = yes ]

	# Not ready within -t: said so, with an exit code of its own; web goes on starting.
	run -3 "$PID1" ctl restart web -t 1
	assert_output "web restarted, not ready after 1s (still starting)"
	has_lines_at_least "$S/starts" 3
	# A start of a program still starting waits for its READY=1 too.
	run -0 "$PID1" ctl start web
	assert_output --regexp '^web started, ready \(pid [0-9]+\)$'
	has_lines_at_least "$S/readies" 3

	run -0 "$PID1" ctl stop web
	assert_output "web stopped"
	run -3 "$PID1" ctl -t 0.5 start web
	assert_output "web started, not ready after 500ms (still starting)"
	wait_until state_is web running
	has_lines_at_least "$S/readies" 4
	state_is db running
}

@test "a start or restart whose program ends before it is ready fails saying how; a stop not over within -t says so" {
	local S=$BATS_TEST_TMPDIR H=$PID1_HELPERS
	cat >"$CONF" <<EOF
shutdown { step SIGTERM { grace = 60s } }
program web {
	command = { "sh", "-c", "if [ -e $S/fail ]; then exit 3; fi; exec $H/sdnotify READY=1 sleep 1000" }
	ready = notify
}
program job { command = { "sh", "-c", "sleep 1; echo >>$S/jobs; exit \$(cat $S/code)" } type = oneshot }
program stubborn { command = { "$H/stubborn", "SIGTERM" } }
program db { command = { "sleep", "1000" } essential = true }
EOF
	echo 0 >"$S/code"
	pid1_start -c "$CONF"
	wait_until state_is web running
	wait_until state_is job "done"
	wait_until state_is stubborn running

	touch "$S/fail"
	run -1 "$PID1" ctl restart web
	assert_output "pid1 ctl: web ended before it was ready: exited with status 3; it is ended"
	rm "$S/fail"
	run -0 "$PID1" ctl start web
	assert_output --regexp '^web started, ready \(pid [0-9]+\)$'

	# A oneshot is ready once it has exited 0.
	run -0 "$PID1" ctl start job
	assert_output "job started, ready (exited with status 0)"
	has_lines_at_least "$S/jobs" 2
	echo 1 >"$S/code"
	run -1 "$PID1" ctl restart job
	assert_output "pid1 ctl: job ended before it was ready: exited with status 1; it is ended"

	# SIGTERM ignored, a minute's grace: the stop goes on after the answer.
	run -3 "$PID1" ctl stop -t 1 stubborn
	assert_output "stubborn not stopped after 1s (still stopping)"
	state_is stubborn stopping
	run -0 "$PID1" ctl signal stubborn KILL
	wait_until state_is stubborn stopped
	state_is db running
}

@test "an essential program stopped on request does not end pid1; ready says not ready" {
	start_two
	run -0 "$PID1" ctl ready
	assert_output "1 of 1 essential programs ready"
	run -0 "$PID1" ctl stop db
	run -1 "$PID1" ctl ready
	assert_output "pid1 ctl: not ready: 0 of 1 essential programs ready; not ready: db"
	kill -0 "$PID1_PID"
	state_is web running
	run -0 "$PID1" ctl start db
	run -0 "$PID1" ctl ready
}

@test "stop runs the program's own ladder: its stop-signal, then the next step after its grace" {
	cat >"$CONF" <<EOF
shutdown {
	step SIGTERM { grace = 300ms }
	step SIGKILL { grace = 2s }
}
program web { command = { "$PID1_HELPERS/stubborn", "SIGUSR1", "SIGTERM" } stop-signal = SIGUSR1 }
program db { command = { "sleep", "1000" } }
log { level = info }
EOF
	pid1_start -c "$CONF"
	wait_until state_is web running
	local t0
	t0=$(now_ms)
	run -0 "$PID1" ctl stop web
	assert_output "web stopped"
	assert_between "the stop" $(($(now_ms) - t0)) 300 5000
	grep -q 'web\[[0-9]*\] stopping on request: SIGUSR1 first' "$BATS_TEST_TMPDIR/err"
	grep -q 'web\[[0-9]*\] still running 300ms after step 1 of its ladder: SIGKILL' \
		"$BATS_TEST_TMPDIR/err"
	state_is db running
}

@test "signal NAME SIG reaches that program alone" {
	cat >"$CONF" <<EOF
program web { command = { "$PID1_HELPERS/sigdump", "$BATS_TEST_TMPDIR/web" } }
program db { command = { "$PID1_HELPERS/sigdump", "$BATS_TEST_TMPDIR/db" } }
EOF
	pid1_start -c "$CONF"
	wait_until file_has "$BATS_TEST_TMPDIR/web" ready
	wait_until file_has "$BATS_TEST_TMPDIR/db" ready
	run -0 "$PID1" ctl signal web USR1
	assert_output --regexp '^SIGUSR1 sent to web \(pid [0-9]+\)$'
	run -0 "$PID1" ctl signal db SIGUSR2
	wait_until file_has "$BATS_TEST_TMPDIR/db" SIGUSR2
	wait_until file_has "$BATS_TEST_TMPDIR/web" SIGUSR1
	run ! file_has "$BATS_TEST_TMPDIR/db" SIGUSR1
	run -1 "$PID1" ctl signal web NOSUCH
	assert_output "pid1 ctl: unknown signal NOSUCH"
}

@test "a signal rule with action = restart restarts its programs in place" {
	start_two 'signal SIGHUP { action = restart  programs = { web } }'
	local db web
	db=$(pid_of db)
	web=$(pid_of web)
	send_to_pid1 HUP
	wait_until restarted web "$web"
	[ "$(pid_of db)" = "$db" ] || fail "db changed pid"
	grep -q 'restart of web requested by SIGHUP' "$BATS_TEST_TMPDIR/err"
	[ "$(field_of web 5)" = 0 ]
	kill -0 "$PID1_PID"
}

@test "log-level changes pid1's level; shutdown runs the ladder and pid1 exits" {
	start_two
	run ! grep -q ' info: ' "$BATS_TEST_TMPDIR/err"
	run -0 "$PID1" ctl log-level info
	assert_output "log level info"
	run -0 "$PID1" ctl restart web
	grep -q 'info: web\[[0-9]*\] started' "$BATS_TEST_TMPDIR/err"
	run -1 "$PID1" ctl log-level loud
	run -0 "$PID1" ctl shutdown
	assert_output "shutting down"
	pid1_wait
	grep -q 'shutdown begins: requested by pid1 ctl' "$BATS_TEST_TMPDIR/err"
	# The socket is gone with pid1.
	[ ! -e "$PID1_RUNTIME_DIR/control" ]
}

@test "pid1 ctl with no pid1 says so and exits 1 at once; a pid1 that never answers times out" {
	local t0
	t0=$(now_ms)
	run -1 "$PID1" ctl status
	assert_output "pid1 ctl: no pid1 is listening on $PID1_RUNTIME_DIR/control (No such file or directory)"
	mkdir -p "$PID1_RUNTIME_DIR"
	clients stale
	run -1 "$PID1" ctl ready
	assert_output "pid1 ctl: no pid1 is listening on $PID1_RUNTIME_DIR/control (Connection refused)"
	# Bounds a shared machine keeps: nothing here waits for a timeout.
	assert_between "failing" $(($(now_ms) - t0)) 0 10000
	rm "$PID1_RUNTIME_DIR/control"
	# Not on bats' fd 3, which bats waits for at the end of the file: the listener sleeps 60 s.
	clients deaf >"$BATS_TEST_TMPDIR/deaf" 3>&- &
	local deaf=$!
	wait_until file_has "$BATS_TEST_TMPDIR/deaf" listening
	t0=$(now_ms)
	run -1 "$PID1" ctl -t 1 status
	# The listener is python, a child of the background subshell.
	pkill -P "$deaf" || true
	# The subshell may have ended with its listener already.
	kill "$deaf" 2>/dev/null || true
	assert_output "pid1 ctl: $PID1_RUNTIME_DIR/control: no reply in time"
	# At least its -t; and not the listener's 60 s, which it would wait without one.
	assert_between "the timeout" $(($(now_ms) - t0)) 1000 30000
	run -2 "$PID1" ctl
	assert_output --partial "usage: pid1 ctl"
}

# A path cut to fit PATH_MAX could name another socket, one someone else put there.
@test "pid1 ctl refuses a socket path too long to hold, never trying a shorter one" {
	local long
	long=$PID1_RUNTIME_DIR/$(printf 'x%.0s' $(seq 5000))
	run -2 "$PID1" ctl -s "$long" status
	assert_line "pid1 ctl: the control socket's path is too long"
	PID1_RUNTIME_DIR=$long run -2 "$PID1" ctl status
	assert_line "pid1 ctl: the control socket's path is too long"
}

@test "an oversize request, or one of another protocol, is refused" {
	start_two
	run -0 clients oversize
	assert_output "error request too long (at most 256 bytes)"
	run -0 clients send 'hello\n'
	assert_output --partial "error unsupported protocol"
	run -0 clients send 'pid1/1 status now please\n'
	assert_output "error status takes 0 arguments"
	run -0 clients send 'pid1/1 stop \x01\n'
	assert_output "error request has a byte that is not printable"
	# The wait after a name is a duration of an hour at most.
	run -0 clients send 'pid1/1 restart web soon\n'
	assert_output "error bad wait soon (a duration from 1ms to 1h)"
	run -0 clients send 'pid1/1 start web 2h\n'
	assert_output "error bad wait 2h (a duration from 1ms to 1h)"
	run -0 clients send 'pid1/1 stop web 5s more\n'
	assert_output "error stop takes 1 argument and an optional wait"
	run -0 clients send 'pid1/1 start web 1500ms\n'
	assert_output --regexp '^ok web already running, ready \(pid [0-9]+\)$'
	run -0 "$PID1" ctl ready
}

# A directory nobody may reach the socket in but through the permissions under test.
public_dir() {
	PUBLIC_DIR=$(mktemp -d /tmp/pid1-ctl.XXXXXX)
	chmod 755 "$PUBLIC_DIR"
	export PID1_RUNTIME_DIR=$PUBLIC_DIR/run
}

@test "a client that is neither root nor pid1's user is refused" {
	public_dir
	start_two
	run -1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PID1" ctl status
	assert_output --partial "Permission denied"
	# With the file's mode opened up, pid1's own check still refuses it.
	chmod 666 "$PID1_RUNTIME_DIR/control"
	run -1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PID1" ctl stop db
	assert_output "pid1 ctl: permission denied: only root, pid1's user or its control-group"
	state_is db running
	grep -q 'control: refused a client (uid 65534' "$BATS_TEST_TMPDIR/err"
}

@test "the members of control-group may use the socket" {
	public_dir
	start_two 'control-group = "users"'
	[ "$(stat -c %a:%G "$PID1_RUNTIME_DIR/control")" = 660:users ]
	run -0 setpriv --reuid=nobody --regid=nogroup --groups=users "$PID1" ctl ready
	run -0 setpriv --reuid=nobody --regid=users --clear-groups "$PID1" ctl status
	assert_line --regexp '^db +running'
	run -1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PID1" ctl status
}

@test "a silent client, a flood and 100 clients at once leave forwarding and reaping working" {
	cat >"$CONF" <<EOF
program web { command = { "$PID1_HELPERS/sigdump", "$BATS_TEST_TMPDIR/dump" } }
program orphans { command = { "$PID1_HELPERS/orphans", "200" } type = oneshot }
EOF
	pid1_start -c "$CONF"
	wait_until file_has "$BATS_TEST_TMPDIR/dump" ready
	wait_until state_is orphans "done"
	run -0 clients storm "$PID1_PID" "$BATS_TEST_TMPDIR/dump"
	printf '# %s\n' "${lines[@]}" >&3
	assert_line --regexp '^crowd: (9[1-9]|100) refused busy, [0-9]+ held$'
	assert_line --regexp '^round trip ms, storm: median [0-9.]+ max [0-9.]+$'
	# A client that says nothing, held while 200 more orphans are reaped, then dropped.
	clients silent >"$BATS_TEST_TMPDIR/silent" &
	local silent=$!
	run -0 "$PID1" ctl restart orphans
	wait_until state_is orphans "done"
	wait_until no_zombie_children "$PID1_PID"
	wait "$silent"
	run cat "$BATS_TEST_TMPDIR/silent"
	assert_output --regexp '^dropped after [4-9]\.[0-9] s$'
	run -0 "$PID1" ctl ready
}

@test "a second pid1 never takes a live control socket over; a stale one is replaced" {
	mkdir -p "$PID1_RUNTIME_DIR"
	clients stale
	start_two
	run -0 pid1_run -- true
	assert_output --partial "another process is listening on it"
	assert_output --partial "pid1 ctl reaches pid1 on @pid1-control-"
	# The first one still answers.
	run -0 "$PID1" ctl status
	assert_line --regexp '^web +running'
}

@test "a symlink or someone else's directory as the runtime directory is refused" {
	mkdir "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$BATS_TEST_TMPDIR/link"
	printf 'runtime-dir = "%s"\n' "$BATS_TEST_TMPDIR/link" >"$CONF"
	run -2 pid1_run -c "$CONF" -- touch "$BATS_TEST_TMPDIR/started"
	assert_output --partial "control socket: $BATS_TEST_TMPDIR/link: is a symlink: refused"
	[ ! -e "$BATS_TEST_TMPDIR/started" ]
	[ ! -e "$BATS_TEST_TMPDIR/elsewhere/control" ]
	# Without the key (the variable), pid1 warns and runs on, on its abstract socket.
	PID1_RUNTIME_DIR=$BATS_TEST_TMPDIR/link run -0 pid1_run -- true
	assert_output --partial "warning: control socket: $BATS_TEST_TMPDIR/link: is a symlink: refused; PID1_RUNTIME_DIR names it"
	[ ! -e "$BATS_TEST_TMPDIR/elsewhere/control" ]

	mkdir "$BATS_TEST_TMPDIR/theirs"
	chown nobody "$BATS_TEST_TMPDIR/theirs"
	printf 'runtime-dir = "%s"\n' "$BATS_TEST_TMPDIR/theirs" >"$CONF"
	run -2 pid1_run -c "$CONF" -- true
	assert_output --partial "owned by uid 65534 or writable by others"
}

@test "a runtime directory reached through another user's directory is refused: a link there cannot redirect it" {
	local T=$BATS_TEST_TMPDIR
	mkdir -m 755 "$T/victim" "$T/owned"
	ln -s "$T/victim" "$T/owned/link"
	chown -h nobody "$T/owned" "$T/owned/link"
	printf 'runtime-dir = "%s"\n' "$T/owned/link/pid1" >"$CONF"
	run -2 pid1_run -c "$CONF" -- touch "$T/started"
	assert_output --partial "control socket: $T/owned: another user's or others may write to it, so what is under it could be swapped: refused"
	[ ! -e "$T/started" ]
	[ ! -e "$T/victim/pid1" ]
}

@test "a symlink planted as the control socket is refused" {
	mkdir -m 755 "$PID1_RUNTIME_DIR"
	ln -s "$BATS_TEST_TMPDIR/target" "$PID1_RUNTIME_DIR/control"
	printf 'control = yes\n' >"$CONF"
	run -2 pid1_run_plain -c "$CONF" -- true
	assert_output --partial "$PID1_RUNTIME_DIR/control: exists and is not a socket: refused"
	[ ! -e "$BATS_TEST_TMPDIR/target" ]
	# As PID 1 its abstract socket serves: a warning, and pid1 runs on.
	run -0 pid1_run -c "$CONF" -- true
	assert_output --partial "warning: control socket: $PID1_RUNTIME_DIR/control: exists and is not a socket: refused"
	[ ! -e "$BATS_TEST_TMPDIR/target" ]
}

@test "the socket is on as PID 1 or with control = yes, off as a plain process or with no" {
	run -0 pid1_run_plain -- true
	[ ! -e "$PID1_RUNTIME_DIR" ]
	printf 'control = no\n' >"$CONF"
	run -0 pid1_run -c "$CONF" -- true
	[ ! -e "$PID1_RUNTIME_DIR" ]
	printf 'control = yes\n' >"$CONF"
	# shellcheck disable=SC2016 # expanded by the program's shell
	run -0 pid1_run_plain -c "$CONF" -- sh -c 'test -S "$PID1_RUNTIME_DIR/control"'
	[ "$(stat -c %a "$PID1_RUNTIME_DIR")" = 755 ]
	# A name pid1ctl runs the client too.
	ln -s "$PID1" "$BATS_TEST_TMPDIR/pid1ctl"
	run -1 "$BATS_TEST_TMPDIR/pid1ctl" status
	assert_output --partial "no pid1 is listening"
}

@test "main restarted on request starts in the directory pid1 started in, long after letting go of it" {
	mkdir "$BATS_TEST_TMPDIR/app"
	cd "$BATS_TEST_TMPDIR/app"
	# shellcheck disable=SC2016 # expanded by the program's shell
	pid1_start -- sh -c 'pwd >>"$0"; exec sleep 1000' "$BATS_TEST_TMPDIR/pwd"
	wait_until state_is main running
	# Nothing can start again by itself (no restart policy): pid1 has left the directory.
	wait_until pid1_cwd_is /
	run -0 "$PID1" ctl restart main
	wait_until has_lines "$BATS_TEST_TMPDIR/pwd" 2 "$BATS_TEST_TMPDIR/app"
	pid1_cwd_is /
}

pid1_cwd_is() {
	[ "$(readlink "/proc/$PID1_PID/cwd")" = "$1" ]
}

@test "pid1 and pid1 ctl run by another user than root meet in /tmp/pid1-UID" {
	local dir=/tmp/pid1-65534
	# A config file nobody may read.
	public_dir
	unset PID1_RUNTIME_DIR
	local conf=$PUBLIC_DIR/pid1.conf
	printf 'control = yes\nprogram web { command = { "sleep", "1000" } }\n' >"$conf"
	chmod 644 "$conf"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$PID1" -c "$conf" \
		>"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	NOBODY_PID=$!
	wait_until setpriv --reuid=nobody --regid=nogroup --clear-groups "$PID1" ctl ready
	run -0 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PID1" ctl status
	assert_line --regexp '^web +running'
	[ "$(stat -c %U:%a "$dir")" = nobody:755 ]
	[ "$(stat -c %U:%a "$dir/control")" = nobody:600 ]
	# Root's pid1 ctl looks in /run/pid1, and says where it looked (a /run of its own, so
	# that no other pid1 on this machine can answer).
	# shellcheck disable=SC2016 # expanded by the inner shell
	run -1 unshare --mount sh -c 'mount -t tmpfs tmpfs /run && exec "$0" ctl status' "$PID1"
	assert_output --partial "/run/pid1/control"
}

@test "a program that ignores every step of its ladder gets SIGKILL after the last grace" {
	cat >"$CONF" <<EOF2
shutdown { step SIGTERM { grace = 200ms } }
program web { command = { "$PID1_HELPERS/stubborn", "SIGTERM" } }
EOF2
	pid1_start -c "$CONF"
	wait_until state_is web running
	local t0
	t0=$(now_ms)
	run -0 "$PID1" ctl stop web
	assert_output "web stopped"
	assert_between "the stop" $(($(now_ms) - t0)) 200 5000
	grep -q 'web\[[0-9]*\] still running 200ms after step 1 of its ladder: SIGKILL' \
		"$BATS_TEST_TMPDIR/err"
}

@test "as a container's init, the default socket /run/pid1/control answers pid1 ctl entered into it" {
	# A container of our own: PID and mount namespaces, a fresh /run, no PID1_RUNTIME_DIR,
	# and pid1 ctl entered the way docker exec enters (nsenter).
	printf 'program web { command = { "sleep", "1000" } }\n' >"$CONF"
	# shellcheck disable=SC2016 # expanded by the container's shell
	env -u PID1_RUNTIME_DIR timeout -k 5 "$PID1_TIMEOUT" \
		unshare --pid --fork --mount --mount-proc --kill-child \
		sh -c 'mount -t tmpfs tmpfs /run && exec "$0" "$@"' "$PID1" -c "$CONF" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	# shellcheck disable=SC2030 # read by teardown in this test's own subshell
	PID1_OUTER=$!
	wait_until pid1_found
	PID1_PID=$(pid1_outer_child)
	in_container() {
		nsenter -t "$PID1_PID" -m -p env -u PID1_RUNTIME_DIR "$PID1" ctl "$@"
	}
	wait_until in_container ready
	run -0 in_container status
	assert_line --regexp '^web +running +[0-9]+ '
	run -0 nsenter -t "$PID1_PID" -m stat -c %a "/run/pid1" "/run/pid1/control"
	assert_output "$(printf '755\n600')"
	# Outside the container, /run/pid1 is not this pid1's.
	[ ! -e /run/pid1/control ] || [ "$(stat -c %i /run/pid1/control)" != "$(nsenter -t "$PID1_PID" -m stat -c %i /run/pid1/control)" ]
	# The client asking for the shutdown is in its scope, yet reads the answer.
	run -0 in_container shutdown
	assert_output "shutting down"
	pid1_wait
}

# read_only_init [VAR=VALUE...] [-- SETUP]: pid1 (with $INIT_CONF, else $CONF) as PID 1 of a container of
# our own, PID and mount namespaces, where /run is an empty read-only tmpfs and /tmp is
# read-only, as under docker run --read-only; VARs in its environment, no PID1_RUNTIME_DIR
# unless given. SETUP, a shell snippet, runs in the container first (sh is PID 1 until it
# execs pid1, whose words follow in "$@"), and PID1_AS (an array, e.g. setpriv's words) runs
# in front of pid1. Sets PID1_OUTER and PID1_PID.
read_only_init() {
	local vars=() setup=:
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		vars+=("$1")
		shift
	done
	[ "$#" -eq 0 ] || setup=$2
	# shellcheck disable=SC2016 # expanded by the container's shell
	env -u PID1_RUNTIME_DIR "${vars[@]}" timeout -k 5 "$PID1_TIMEOUT" \
		unshare --pid --fork --mount --mount-proc --kill-child \
		sh -c "$setup"'
		mount -t tmpfs -o ro tmpfs /run && mount -o bind,ro /tmp /tmp && exec "$@"' \
		sh "${PID1_AS[@]}" "$PID1" -c "${INIT_CONF:-$CONF}" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	# shellcheck disable=SC2030 # read by teardown in this test's own subshell
	PID1_OUTER=$!
	wait_until pid1_found
	PID1_PID=$(pid1_outer_child)
}

# in_init CMD...: CMD entered into read_only_init's container as docker exec enters one.
in_init() {
	nsenter -t "$PID1_PID" -m -p env -u PID1_RUNTIME_DIR "$@"
}

# as_user UID CMD...: CMD as UID, its group the same, no other groups.
as_user() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}

@test "under a read-only root, pid1 ctl entered into the container reaches PID 1 on its abstract socket; nothing warns" {
	# pid1 as uid 1000, as in a pod with runAsUser: 1000, its config where it may read it.
	public_dir
	# shellcheck disable=SC2034 # read by read_only_init
	local INIT_CONF=$PUBLIC_DIR/pid1.conf
	printf 'program web { command = { "sleep", "1000" } }\n' >"$INIT_CONF"
	chmod 644 "$INIT_CONF"
	PID1_AS=(setpriv --reuid=1000 --regid=1000 --clear-groups)
	read_only_init
	wait_until in_init "$PID1" ctl ready
	# Its own user and root (docker exec -u 0) both find it, neither /tmp/pid1-1000 nor
	# /run/pid1 being there.
	run -0 in_init setpriv --reuid=1000 --regid=1000 --clear-groups "$PID1" ctl status
	assert_line --regexp '^web +running +[0-9]+ '
	run -0 in_init "$PID1" ctl status
	assert_line --regexp '^web +running +[0-9]+ '
	# Another user of the container is refused by pid1 itself: the name has no file mode.
	run -1 in_init setpriv --reuid=4242 --regid=4242 --clear-groups "$PID1" ctl stop web
	assert_output --partial "pid1 ctl: permission denied: only root, pid1's user or its control-group"
	run -0 in_init "$PID1" ctl log-level info
	grep -q 'control: refused a client (uid 4242' "$BATS_TEST_TMPDIR/err"
	# The default place is read-only and the abstract socket serves: no warning.
	run ! grep -E ' (warning|err): ' "$BATS_TEST_TMPDIR/err"
	# Not ctl shutdown: pid1, which may not signal root's client, does not wait for it, and
	# the kernel kills what is left in the namespace once PID 1 has gone, the client too.
	kill -TERM "$PID1_PID"
	pid1_wait
}

@test "a runtime directory PID1_RUNTIME_DIR names that is read-only is a warning at the default level, saying how to fix it" {
	printf 'program web { command = { "sleep", "1000" } }\n' >"$CONF"
	PID1_AS=()
	read_only_init PID1_RUNTIME_DIR=/run/app
	wait_until grep -q 'control socket' "$BATS_TEST_TMPDIR/err"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --regexp "warning: control socket: cannot create /run/app: Read-only file system; PID1_RUNTIME_DIR names it: point it at a directory only root may write \(a tmpfs\), or unset it; pid1 ctl reaches pid1 on @pid1-control-[0-9]+$"
	# The client with the same variable still reaches pid1.
	run -0 nsenter -t "$PID1_PID" -m -p env PID1_RUNTIME_DIR=/run/app "$PID1" ctl ready
}

@test "the abstract socket refuses a peer outside pid1's PID namespace, root or not" {
	printf 'program web { command = { "sleep", "1000" } }\n' >"$CONF"
	PID1_AS=()
	read_only_init
	wait_until in_init "$PID1" ctl ready
	local name
	name=pid1-control-$(stat -L -c %i "/proc/$PID1_PID/ns/pid")
	grep -q "@$name\$" /proc/net/unix
	# From outside the container, in the same network namespace (another container of a
	# pod, or the host): the name is reachable, pid1 answers nothing but the refusal.
	local cmd
	for cmd in "" "as_user 65534"; do
		# shellcheck disable=SC2086 # the command's words
		run $cmd /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\0" + sys.argv[1])
try:
    s.sendall(b"pid1/1 stop web\n")
except BrokenPipeError:
    pass  # refused at once: the reply is already there
print(s.recv(4096).decode(), end="")' "$name"
		assert_output "error permission denied: not in pid1's PID namespace"
	done
	# More of them are not worth a line each: three, then every thousandth.
	for _ in 1 2 3 4 5; do
		/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\0" + sys.argv[1])
s.recv(4096)' "$name"
	done
	run -0 in_init "$PID1" ctl status
	assert_line --regexp '^web +running +[0-9]+ '
	grep -q "notice: control: refused a client (uid 0) on @$name: outside pid1's PID namespace (1 so far)" \
		"$BATS_TEST_TMPDIR/err"
	run -0 grep -c "outside pid1's PID namespace" "$BATS_TEST_TMPDIR/err"
	assert_output 3
}

@test "pid1 ctl trusts no listener on the abstract name but PID 1: a squatter that took it first hears nothing" {
	printf 'program web { command = { "sleep", "1000" } }\n' >"$CONF"
	PID1_AS=()
	# Another user binds the name before pid1 starts, and notes what it hears.
	read_only_init -- "
		setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(\"\\0pid1-control-%d\" % os.stat(\"/proc/self/ns/pid\").st_ino)
s.listen(8)
print(\"listening\", flush=True)
while True:
    c, _ = s.accept()
    data = c.recv(256)
    if data:
        print(\"heard\", data, flush=True)
        c.sendall(b\"ok all ready\\n\")
    c.close()' >$BATS_TEST_TMPDIR/squatter 2>&1 &
		while ! grep -q listening $BATS_TEST_TMPDIR/squatter; do sleep 0.05; done"
	wait_until grep -q 'is held by another process' "$BATS_TEST_TMPDIR/err"
	run -1 in_init "$PID1" ctl ready
	assert_line "pid1 ctl: no pid1 is listening on /run/pid1/control (No such file or directory)"
	assert_line --regexp "^pid1 ctl: not talking to @pid1-control-[0-9]+: its listener is pid [0-9]+, not PID 1 of this namespace$"
	run ! grep -q heard "$BATS_TEST_TMPDIR/squatter"
}

# fake_pid1 DIR MODE [UID]: a listener that is not pid1 in DIR (made with MODE), run as UID
# (and its group) when given, in the background (FAKE_PID). Each request is appended to
# DIR/heard; every reply is text laced with terminal escape sequences. DIR/listening says
# it is ready.
fake_pid1() {
	FAKE_DIR=$1
	rm -rf "$FAKE_DIR"
	python3 - "$@" >/dev/null 2>&1 3>&- <<'EOF' &
import os, socket, sys
d, mode = sys.argv[1], int(sys.argv[2], 8)
if len(sys.argv) > 3:
    os.setgroups([])
    os.setgid(int(sys.argv[3]))
    os.setuid(int(sys.argv[3]))
os.umask(0)
os.mkdir(d, mode)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(d + "/control")
os.chmod(d + "/control", 0o777)
s.listen(8)
open(d + "/listening", "w").close()
esc = b"\x1b[2J\x1b]0;owned\x07\x9b31m\r\b"
while True:
    c, _ = s.accept()
    req = c.recv(256)
    with open(d + "/heard", "ab") as f:
        f.write(req)
    words = req.split()
    if b"status" in words:
        c.sendall(b"ok\nweb" + esc + b"\trunning\t7\t5000\t0\tyes\t-\n")
    elif b"stop" in words:
        c.sendall(b"error no" + esc + b"\n")
    else:
        c.sendall(b"ok all" + esc + b" ready\n")
    c.close()
EOF
	FAKE_PID=$!
	wait_until test -e "$FAKE_DIR/listening"
}

# printable TEXT: TEXT has no byte but tabs, newlines and printable ASCII.
printable() {
	! printf '%s' "$1" | LC_ALL=C grep -q $'[^\t -~]'
}

# The client of uid 4242 looks in /tmp/pid1-4242, which anyone may create first.
@test "pid1 ctl refuses a runtime directory another user made: its listener never hears a request" {
	fake_pid1 /tmp/pid1-4242 0777 65534
	[ "$(stat -c %U:%a /tmp/pid1-4242)" = nobody:777 ]
	local cmd
	for cmd in ready "stop web"; do
		# shellcheck disable=SC2086 # the command's words
		run -1 --separate-stderr env -u PID1_RUNTIME_DIR \
			setpriv --reuid=4242 --regid=4242 --clear-groups "$PID1" ctl $cmd
		assert_equal "$output" ""
		# shellcheck disable=SC2154 # set by run --separate-stderr
		assert_equal "$stderr" "pid1 ctl: not connecting to /tmp/pid1-4242/control: /tmp/pid1-4242: owned by uid 65534 or writable by others: refused"
	done
	[ ! -e /tmp/pid1-4242/heard ] || fail "the listener heard: $(cat /tmp/pid1-4242/heard)"
	# Named with -s, or reached through a symlink of the client's own, the same.
	run -1 setpriv --reuid=4242 --regid=4242 --clear-groups "$PID1" ctl \
		-s /tmp/pid1-4242/control ready
	assert_output --partial "owned by uid 65534 or writable by others: refused"
	public_dir
	mkdir -m 755 "$PUBLIC_DIR/own"
	ln -s /tmp/pid1-4242 "$PUBLIC_DIR/own/run"
	chown -h 4242 "$PUBLIC_DIR/own" "$PUBLIC_DIR/own/run"
	PID1_RUNTIME_DIR=$PUBLIC_DIR/own/run run -1 \
		setpriv --reuid=4242 --regid=4242 --clear-groups "$PID1" ctl ready
	assert_output --partial "$PUBLIC_DIR/own/run: is a symlink: refused"
	[ ! -e /tmp/pid1-4242/heard ]
}

@test "pid1 ctl prints a reply's control bytes escaped, tabs and newlines kept" {
	mkdir -m 755 "$BATS_TEST_TMPDIR/fake"
	fake_pid1 "$BATS_TEST_TMPDIR/fake/run" 0755
	# shellcheck disable=SC2030 # the test's own copy, for its pid1 ctl calls
	export PID1_RUNTIME_DIR=$BATS_TEST_TMPDIR/fake/run
	local shown='\033[2J\033]0;owned\a\23331m\r\b'
	run -0 "$PID1" ctl ready
	printable "$output" || fail "raw control bytes: $(printf '%s' "$output" | od -c)"
	assert_output "all$shown ready"
	run -1 "$PID1" ctl stop web
	printable "$output" || fail "raw control bytes: $(printf '%s' "$output" | od -c)"
	assert_output "pid1 ctl: no$shown"
	run -0 "$PID1" ctl status
	printable "$output" || fail "raw control bytes: $(printf '%s' "$output" | od -c)"
	assert_line --index 1 --regexp "^web.{30,} +running +7 +5s +0 +yes +-$"
	run -0 "$PID1" ctl --json status
	printable "$output" || fail "raw control bytes: $(printf '%s' "$output" | od -c)"
	echo "$output" | python3 -c '
import json, sys
assert json.load(sys.stdin)["programs"][0]["name"] == "web" + sys.argv[1], sys.argv[1]
' "$shown"
}

# linger_attack HOW...: pid1 with two programs and, for each HOW (lingerfd's options, one or
# more words), a nobody member of control-group who passes it a TCP socket whose last close
# would block for 40 s and stays connected. $BATS_TEST_TMPDIR/attack says what the kernel did
# with the fds, a line per HOW; ATTACKERS holds the attackers' pids, in order.
linger_attack() {
	public_dir
	local how n=0 attack=$BATS_TEST_TMPDIR/attack
	start_two 'control-group = "users"'
	# Stopped while the attacks are made, pid1 reads the fds once the attacker has let go of
	# its own copies: pid1's close would be the last, the one that lingers.
	send_to_pid1 STOP
	for how in "$@"; do
		# Not on bats' fd 3: a killed attacker's exit waits out its linger (40 s), and bats
		# waits for every holder of fd 3 before it ends the file.
		# shellcheck disable=SC2086,SC2031 # how: one or more words; the dir: set by setup()
		setpriv --reuid=nobody --regid=nogroup --groups=users \
			"$PID1_HELPERS/lingerfd" $how "$PID1_RUNTIME_DIR/control" >>"$attack" 2>&1 3>&- &
		ATTACKERS="${ATTACKERS:-} $!"
		n=$((n + 1))
		wait_until has_lines_at_least "$attack" "$n"
	done
	send_to_pid1 CONT
}

# linger_client HOW...: linger_attack; then pid1 must go on answering and act on SIGTERM at
# once. Bare and in flight inside a unix socket when no HOW is given.
linger_client() {
	if [ "$#" = 0 ]; then
		set -- -c "-u -c"
	fi
	linger_attack "$@"
	run -0 "$PID1" ctl -t 10 status
	assert_line --regexp '^db +running'
	send_to_pid1 TERM
	wait_until pid1_gone
	pid1_wait
}

@test "a lingering socket an allowed client passes never holds pid1: the kernel refuses it" {
	[ "$(uname -r | awk -F. '{ print ($1 > 6 || ($1 == 6 && $2 >= 16)) }')" = 1 ] ||
		skip_or_fail "SO_PASSRIGHTS needs Linux 6.16 or later"
	linger_client
	run cat "$BATS_TEST_TMPDIR/attack"
	assert_output $'refused: Operation not permitted\nrefused: Operation not permitted'
}

@test "where the kernel cannot refuse fds, a client that passed some is let go by a process of its own" {
	PID1_WRAPPER="$PID1_HELPERS/nopassrights" linger_client
	run cat "$BATS_TEST_TMPDIR/attack"
	assert_output $'sent\nsent'
}

@test "fds passed on out-of-band data never reach pid1's hands: it reads them inline, and lets go" {
	PID1_WRAPPER="$PID1_HELPERS/nopassrights" linger_client "-o -c"
	run cat "$BATS_TEST_TMPDIR/attack"
	assert_output 'sent'
}

# let_go_of PID: no process holds the other end of PID's unix stream socket any more: its peer
# is 0 and both ways are shut (ss marks it ---). Before that end is accepted, its peer is 0
# too, but the ways are open (<->).
let_go_of() {
	local seen
	seen=$(ss -xpeH | awk -v p="pid=$1," '$1 == "u_str" && index($0, p) { print $8, $10; exit }')
	[ "$seen" = "0 ---" ]
}

# only_programs: pid1's children are its two programs, no process of its own. Their pids as
# pid1 sees them, from the last NSpid field.
only_programs() {
	local kid kids=()
	# shellcheck disable=SC2013 # the file is one line of pids
	for kid in $(cat /proc/"$(pid1_outer_child)"/task/*/children); do
		kids+=("$(awk '/^NSpid:/ { print $NF }' "/proc/$kid/status" 2>/dev/null)")
	done
	[ "$(printf '%s\n' "${kids[@]}" | sort -n | xargs)" = \
		"$(printf '%s\n' "$(pid_of web)" "$(pid_of db)" | sort -n | xargs)" ]
}

@test "where close_range(2) fails, the process that lets go of a client holding fds still ends" {
	# A short linger: that process's exit may close the passed socket last, and waits out
	# nothing then.
	PID1_WRAPPER="$PID1_HELPERS/nopassrights -c" linger_attack "-l 1 -c"
	run cat "$BATS_TEST_TMPDIR/attack"
	assert_output 'sent'
	WAIT_SECONDS=30 wait_until let_go_of "${ATTACKERS# }"
	WAIT_SECONDS=30 wait_until only_programs
	run -0 "$PID1" ctl -t 10 status
	assert_line --regexp '^db +running'
}
