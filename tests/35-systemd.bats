#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pid1 under systemd for real: systemd boots as PID 1 of a Docker container made from a Debian
# rootfs (mmdebstrap, shared with other files through debian_rootfs), the static pid1 goes to
# /usr/sbin/pid1 and the unit files, with the paths make gives them for --prefix=/usr
# --sysconfdir=/etc, to /etc/systemd/system. Each test then drives pid1 with systemctl and reads
# what happened from systemd itself (MainPID, unit state) and from the journal. The private
# dockerd comes from lib/docker; the container has no network.
#
# Where systemd cannot boot in a container, the tests are a SKIP that shows the docker run
# command and its error, even in strict mode; a missing package fails in strict mode (CI).
# On every machine, 08-service.bats checks the units with systemd-analyze verify.

bats_require_minimum_version 1.5.0
load lib/pid1
load lib/docker

# What systemd needs to boot in a container here: it mounts cgroups (SYS_ADMIN), wants /run
# and /run/lock on tmpfs, and manages the host's cgroup tree. --privileged is not enough on
# machines whose capability bounding set lacks CAP_SYS_RESOURCE.
SD_OPTS=(--network none --security-opt apparmor=unconfined --cap-add SYS_ADMIN
	--tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns=host)

# A server that starts a daemon the old way, by a double fork into a session of its own, then
# serves in the foreground. Both note their pids and clean up on SIGTERM; the server takes a
# second to do it.
# shellcheck disable=SC2016 # for the container's shell
WEB='#!/bin/sh
dir=/run/pid1-test
mkdir -p "$dir"
rm -f "$dir"/*
(setsid sh -c "trap \"echo cleaned >$dir/daemon-clean; exit 0\" TERM
	echo \$\$ >$dir/daemon.pid
	while :; do sleep 0.1; done" &)
trap "sleep 1; echo cleaned >$dir/web-clean; exit 0" TERM
echo $$ >"$dir/web.pid"
echo web ready
while :; do sleep 0.1; done'

# A socket-activated server: for each connection, a line saying whether what systemd passed
# reached it as sd_listen_fds() wants (LISTEN_FDS=1, LISTEN_PID its own pid, fd 3 listening).
ECHO='import os, socket
fds, pid = os.environ.get("LISTEN_FDS"), os.environ.get("LISTEN_PID")
verdict = "ok" if fds == "1" and pid == str(os.getpid()) else "bad"
listener = socket.socket(fileno=3)
while True:
    conn, _ = listener.accept()
    conn.sendall(("%s LISTEN_FDS=%s LISTEN_PID=%s pid=%d ppid=%d\n" % (
        verdict, fds, pid, os.getpid(), os.getppid())).encode())
    conn.close()'

# The client for it, run in the container.
CONNECT='import socket
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect("/run/pid1-echo.sock")
print(s.makefile().readline(), end="")'

# make_units DIR SBINDIR SYSCONFDIR: the unit files with their paths filled in as Makefile.am's
# sed does; fails if a placeholder is left.
make_units() {
	local unit
	for unit in pid1.service pid1@.service; do
		sed -e "s|@SBINDIR[@]|$2|g" -e "s|@SYSCONFDIR[@]|$3|g" \
			"$PID1_SRCDIR/systemd/$unit.in" >"$1/$unit"
		! grep -n '@[A-Z_]*@' "$1/$unit" || return 1
	done
}

# sd ARGS...: runs a command in the systemd container.
sd() {
	dk exec "$SD" "$@"
}

# boot_systemd: imports the rootfs and boots systemd in it; on failure sets SKIP_REASON with
# the command and its error, and RUNTIME_BROKEN.
boot_systemd() {
	local err=$BATS_FILE_TMPDIR/boot.err state start
	local cmd="docker run ${SD_OPTS[*]} IMAGE /lib/systemd/systemd"
	start=$(now_ms)
	if ! dk import "$DEBIAN_ROOTFS" pid1-debian-systemd >/dev/null 2>"$err" ||
		! dk run -d --name "$SD" "${SD_OPTS[@]}" pid1-debian-systemd \
			/lib/systemd/systemd >/dev/null 2>>"$err"; then
		SKIP_REASON="systemd cannot boot in a container here: $cmd: $(tr '\n' ' ' <"$err")"
		RUNTIME_BROKEN=1
		return 0
	fi
	# systemctl talks to systemd on its private socket, once systemd has made it. degraded:
	# booted, with some unit failed; pid1's units can still be tested.
	# shellcheck disable=SC2016 # for the container's shell
	state=$(sd timeout 50 sh -c 'until [ -S /run/systemd/private ]; do sleep 0.05; done
		systemctl is-system-running --wait' 2>&1) || true
	case $state in
	running | degraded) ;;
	*)
		SKIP_REASON="systemd does not boot in a container here: $cmd: systemctl \
is-system-running says '$state'; $(dk logs --tail 5 "$SD" 2>&1 | tr '\n' ' ')"
		RUNTIME_BROKEN=1
		return 0
		;;
	esac
	echo "# systemd $state after $(($(now_ms) - start)) ms (import and boot)" >&3
}

# install_pid1: the static pid1, the units, the test's programs and their configs, owned by
# root and not writable by others, as pid1 wants its config; then systemd reloads.
install_pid1() {
	local stage=$BATS_FILE_TMPDIR/stage
	mkdir -p "$stage/usr/sbin" "$stage/usr/local/bin" "$stage/etc/pid1" \
		"$stage/etc/systemd/system"
	cp "$STATIC_PID1" "$stage/usr/sbin/pid1"
	make_units "$stage/etc/systemd/system" /usr/sbin /etc
	printf '%s\n' "$WEB" >"$stage/usr/local/bin/pid1-test-web"
	printf '%s\n' "$ECHO" >"$stage/usr/local/bin/pid1-test-echo"
	printf '%s\n' '[Socket]' 'ListenStream=/run/pid1-echo.sock' \
		>"$stage/etc/systemd/system/pid1@echo.socket"
	cat >"$stage/etc/pid1/web.conf" <<-'EOF'
		command = { "/usr/local/bin/pid1-test-web" }
		warn-on-reap = true
	EOF
	cat >"$stage/etc/pid1/echo.conf" <<-'EOF'
		command = { "/usr/bin/python3", "/usr/local/bin/pid1-test-echo" }
	EOF
	cat >"$stage/etc/pid1/stubborn.conf" <<-'EOF'
		command = { "/bin/sh", "-c",
			"trap '' INT TERM; echo ready >/run/stubborn; while :; do sleep 0.1; done" }
	EOF
	cat >"$stage/etc/pid1/sleep.conf" <<-'EOF'
		command = { "/bin/sleep", "infinity" }
	EOF
	cat >"$stage/etc/pid1/reload.conf" <<-'EOF'
		control = yes
		program one { command = { "/bin/sleep", "infinity" } }
	EOF
	cp "$stage/etc/pid1/sleep.conf" "$stage/etc/pid1.conf"
	chmod -R u=rwX,go=rX "$stage"
	chmod 755 "$stage/usr/sbin/pid1" "$stage/usr/local/bin/pid1-test-web"
	tar -C "$stage" --owner=0 --group=0 -cf - etc usr | dk cp - "$SD:/"
	sd systemctl daemon-reload
}

# Bats cannot skip from setup_file, so each container test skips (or fails, in strict mode)
# with the reason worked out here through need_systemd.
setup_file() {
	SKIP_REASON=
	RUNTIME_BROKEN=
	STATIC_PID1=
	SD=pid1-systemd-$$
	export SKIP_REASON RUNTIME_BROKEN STATIC_PID1 SD DEBIAN_ROOTFS
	docker_vars
	if ! command -v dockerd >/dev/null || ! command -v "$DOCKER_CLI" >/dev/null; then
		SKIP_REASON="dockerd is not installed (Debian: apt-get install docker.io)"
	elif ! command -v mmdebstrap >/dev/null; then
		SKIP_REASON="mmdebstrap is not installed (Debian: apt-get install mmdebstrap)"
	elif ! command -v readelf >/dev/null; then
		SKIP_REASON="readelf is not installed (Debian: binutils)"
	else
		find_static
	fi
	[ -z "$SKIP_REASON" ] || return 0
	if ! debian_rootfs systemd systemd-sysv dbus python3-minimal 2>"$BATS_FILE_TMPDIR/rootfs.err"
	then
		SKIP_REASON="cannot make a Debian rootfs: $(tr '\n' ' ' <"$BATS_FILE_TMPDIR/rootfs.err")"
		return 0
	fi
	start_dockerd
	[ -n "$RUNTIME_BROKEN" ] || boot_systemd
	if [ -n "$RUNTIME_BROKEN" ]; then
		echo "# $SKIP_REASON" >&3
		return 0
	fi
	install_pid1
}

teardown_file() {
	stop_dockerd
}

# need_systemd: the test needs the container; skip or fail as setup_file found.
need_systemd() {
	[ -z "${RUNTIME_BROKEN:-}" ] || skip "$SKIP_REASON"
	[ -z "$SKIP_REASON" ] || skip_or_fail "$SKIP_REASON"
	# The journal from here on is this test's. (Not --after-cursor: with a match, systemd 252's
	# journalctl skips the first entry that matches.)
	SINCE=$(sd date +%s.%6N)
}

teardown() {
	[ -z "${SINCE:-}" ] && return 0
	sd systemctl stop pid1.service 'pid1@*.service' 'pid1@*.socket' >/dev/null 2>&1 || true
	sd systemctl reset-failed >/dev/null 2>&1 || true
}

# journal ARGS...: the messages logged since the test began that match ARGS (journalctl's).
journal() {
	sd journalctl --no-pager -q -o cat --since "@$SINCE" "$@"
}

# in_journal TEXT ARGS...: a message containing TEXT is among journal ARGS.
in_journal() {
	local text=$1
	shift
	journal "$@" | grep -qF -- "$text"
}

# wait_file FILE: waits, inside the container, until FILE exists.
wait_file() {
	# shellcheck disable=SC2016 # for the container's shell
	sd timeout 20 sh -c 'until [ -e "$1" ]; do sleep 0.05; done' _ "$1"
}

# main_pid UNIT: the pid systemd holds for UNIT's main process.
main_pid() {
	sd systemctl show -p MainPID --value "$1"
}

# cmdline PID: the command line of a process in the container, arguments joined by spaces.
cmdline() {
	sd cat "/proc/$1/cmdline" | tr '\0' ' '
}

# stop_unit UNIT: systemctl stop inside the container; STOP_MS is how long it took.
stop_unit() {
	# shellcheck disable=SC2016 # for the container's shell
	STOP_MS=$(sd bash -c 's=$(date +%s%N); systemctl stop "$1";
		echo $((($(date +%s%N) - s) / 1000000))' _ "$1")
	echo "# systemctl stop $1 took $STOP_MS ms" >&3
}

# stopped_cleanly UNIT: systemd's journal says UNIT stopped as it should, not failed (the
# unit may be unloaded by now, so systemctl show would say little); $output is UNIT's journal.
stopped_cleanly() {
	WAIT_SECONDS=10 wait_until in_journal 'Deactivated successfully' -u "$1"
	run -0 journal -u "$1"
	refute_output --partial 'Failed with result'
}

# start_web: starts pid1@web and waits for its server and daemon.
start_web() {
	sd systemctl start pid1@web
	wait_file /run/pid1-test/web.pid
	wait_file /run/pid1-test/daemon.pid
}

@test "systemctl start pid1@web runs pid1 -c /etc/pid1/web.conf with the command as its child" {
	need_systemd
	start_web
	run -0 sd systemctl is-active pid1@web
	assert_output active
	local main
	main=$(main_pid pid1@web)
	run -0 cmdline "$main"
	assert_output --regexp '^/usr/sbin/pid1 -c /etc/pid1/web\.conf '
	# shellcheck disable=SC2016 # for the container's shell
	run -0 sd sh -c 'awk "/^PPid:/ { print \$2 }" /proc/$(cat /run/pid1-test/web.pid)/status'
	assert_output "$main"
	# The command's own output reaches the journal too, under the unit's name.
	WAIT_SECONDS=10 wait_until in_journal 'web ready' -u pid1@web -t pid1-web
	# Type=notify: the start waited for pid1's READY=1, and the status line is pid1's.
	run -0 sd systemctl show -p Type --value pid1@web
	assert_output notify
	run -0 sd systemctl show -p StatusText --value pid1@web
	assert_output "1 of 1 essential programs ready"
}

@test "systemctl stop runs pid1's ladder: the command cleans up, the unit stops in time" {
	need_systemd
	start_web
	stop_unit pid1@web
	run -0 sd cat /run/pid1-test/web-clean
	assert_output cleaned
	# The clean-up takes a second; SIGKILL would have come after the 4 s grace.
	assert_between "systemctl stop (ms)" "$STOP_MS" 1000 4000
	stopped_cleanly pid1@web
	assert_output --partial 'shutdown step 2/3: SIGTERM to all'
	refute_output --partial 'SIGKILL'
}

@test "pid1's lines reach the journal under the unit, at their syslog priorities" {
	need_systemd
	start_web
	stop_unit pid1@web
	# notice (5): the ladder; warning (4): the daemon reaped, as warn-on-reap asks.
	WAIT_SECONDS=10 wait_until in_journal 'shutdown begins: SIGTERM' -u pid1@web -p 5..5
	WAIT_SECONDS=10 wait_until in_journal 'reaped zombie' -u pid1@web -p 4..4
	run -0 journal -u pid1@web -p 4..4
	refute_output --partial 'shutdown'
	run -0 journal -u pid1@web -t pid1 -o verbose
	assert_output --partial 'SYSLOG_FACILITY=3'
}

@test "a daemon that double-forks stays in pid1's tree and gets pid1's SIGTERM at stop" {
	need_systemd
	start_web
	local main daemon
	main=$(main_pid pid1@web)
	daemon=$(sd cat /run/pid1-test/daemon.pid)
	# Its parent exited: pid1, the subreaper, adopted it (not systemd, PID 1).
	# shellcheck disable=SC2016 # for awk
	run -0 sd awk '/^PPid:/ { print $2 }' "/proc/$daemon/status"
	assert_output "$main"
	stop_unit pid1@web
	run -0 sd cat /run/pid1-test/daemon-clean
	assert_output cleaned
	run -1 sd test -e "/proc/$daemon"
}

@test "a command ignoring SIGTERM gets pid1's SIGKILL step, inside TimeoutStopSec" {
	need_systemd
	sd systemctl start pid1@stubborn
	wait_file /run/stubborn
	stop_unit pid1@stubborn
	# The SIGTERM step's grace is 4 s; systemd's own SIGKILL would come after 30 s.
	assert_between "systemctl stop (ms)" "$STOP_MS" 4000 8000
	run -0 journal -u pid1@stubborn
	assert_output --partial 'shutdown step 3/3: SIGKILL to all'
	# systemd's own timeout, not pid1's step (which warns that it timed out).
	refute_output --partial "State 'stop-sigterm' timed out"
	run -0 sd systemctl show -p ExecMainStatus pid1@stubborn
	assert_output ExecMainStatus=137
}

@test "a command SIGTERM ends exits 143 through pid1, which the unit counts as success" {
	need_systemd
	sd systemctl start pid1@sleep
	stop_unit pid1@sleep
	stopped_cleanly pid1@sleep
	# By the process, not the unit: the last lines may come after pid1 is gone, when the
	# journal can no longer tell its unit.
	WAIT_SECONDS=10 wait_until in_journal 'exiting with code 143' -t pid1
}

@test "socket activation: the command gets the socket as fd 3, with LISTEN_PID its own" {
	need_systemd
	sd systemctl start pid1@echo.socket
	run -0 sd python3 -c "$CONNECT"
	assert_output --regexp '^ok LISTEN_FDS=1 LISTEN_PID=([0-9]+) pid=\1 ppid=[0-9]+$'
	# The socket started pid1, and the answer came from pid1's child.
	local main
	main=$(main_pid pid1@echo.service)
	assert_output --regexp " ppid=$main\$"
	run -0 cmdline "$main"
	assert_output --regexp '^/usr/sbin/pid1 -c /etc/pid1/echo\.conf '
}

@test "pid1.service runs pid1 -c /etc/pid1.conf and logs to the journal at notice" {
	need_systemd
	sd systemctl start pid1.service
	run -0 cmdline "$(main_pid pid1.service)"
	assert_output --regexp '^/usr/sbin/pid1 -c /etc/pid1\.conf( |$)'
	stop_unit pid1.service
	WAIT_SECONDS=10 wait_until in_journal 'shutdown begins: SIGTERM' -u pid1.service -p 5..5
	stopped_cleanly pid1.service
}

@test "systemctl reload reads the file again through pid1 ctl reload: a program is added" {
	need_systemd
	sd systemctl start pid1@reload
	# shellcheck disable=SC2016 # for the container's shell
	sd sh -c 'printf "%s\n" "control = yes" \
		"program one { command = { \"/bin/sleep\", \"infinity\" } }" \
		"program two { command = { \"/bin/sleep\", \"9999\" } }" >/etc/pid1/reload.conf'
	run -0 sd systemctl reload pid1@reload
	WAIT_SECONDS=10 wait_until in_journal 'reload: two added' -u pid1@reload
	run -0 sd env PID1_RUNTIME_DIR=/run/pid1-reload /usr/sbin/pid1 ctl status
	assert_output --regexp 'two[[:space:]]+running'
	run -0 sd systemctl is-active pid1@reload
}
