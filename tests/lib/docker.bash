# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# A private Docker daemon for a bats file: its own data root, exec root, socket, containerd
# namespace and cgroup parent, vfs storage and no network set-up, so it touches nothing of
# the machine's Docker. Call docker_vars and start_dockerd from setup_file and stop_dockerd
# from teardown_file; dk is its client.

# docker_vars: where the daemon keeps everything, and which client talks to it.
docker_vars() {
	local sbin
	DOCKERD_JOB=
	DOCKERD_PID=
	# A short path: a unix socket's path has to fit in 108 bytes.
	DOCKER_ROOT=$(mktemp -d /tmp/pid1-docker.XXXXXX)
	DOCKER_SOCK=$DOCKER_ROOT/docker.sock
	CGROUP_NAME=${DOCKER_ROOT##*/}
	# The client that came with the daemon (Debian: dockerd in /usr/sbin, docker in
	# /usr/bin), not another one earlier in PATH.
	sbin=$(dirname "$(command -v dockerd || echo /usr/sbin/dockerd)")
	for DOCKER_CLI in "$sbin/docker" "${sbin%/*}/bin/docker" docker; do
		[ ! -x "$DOCKER_CLI" ] || break
	done
	export DOCKERD_JOB DOCKERD_PID DOCKER_ROOT DOCKER_SOCK CGROUP_NAME DOCKER_CLI
}

# dk ARGS...: the docker client of the private daemon, bounded in time: DK_TIMEOUT seconds
# (60 unless set, e.g. for a build).
dk() {
	DOCKER_CONFIG=$DOCKER_ROOT/client timeout -k 5 "${DK_TIMEOUT:-60}" "$DOCKER_CLI" \
		-H "unix://$DOCKER_SOCK" "$@"
}

# start_dockerd [OPTION...]: starts the private daemon with OPTIONs after its own (so that
# one given again, e.g. --storage-driver=overlay2, wins) and waits for it to answer; sets DOCKERD_PID, or SKIP_REASON and RUNTIME_BROKEN with the daemon's last
# error when it does not come up. A timeout bounds its life in case teardown_file never runs.
# Its own empty config file, so /etc/docker/daemon.json cannot clash with the flags.
# shellcheck disable=SC2034 # SKIP_REASON and RUNTIME_BROKEN are read by the calling file
start_dockerd() {
	local start deadline=$((SECONDS + 60)) log=$DOCKER_ROOT/dockerd.log
	mkdir -p "$DOCKER_ROOT/data" "$DOCKER_ROOT/exec" "$DOCKER_ROOT/client"
	echo '{}' >"$DOCKER_ROOT/daemon.json"
	start=$(now_ms)
	timeout -k 10 900 dockerd --config-file "$DOCKER_ROOT/daemon.json" \
		--data-root "$DOCKER_ROOT/data" --exec-root "$DOCKER_ROOT/exec" \
		--pidfile "$DOCKER_ROOT/dockerd.pid" -H "unix://$DOCKER_SOCK" \
		--containerd-namespace pid1-test --containerd-plugins-namespace pid1-test-plugins \
		--cgroup-parent "/$CGROUP_NAME" \
		--storage-driver=vfs --iptables=false --ip-masq=false --bridge=none \
		"$@" </dev/null >"$log" 2>&1 3>&- &
	DOCKERD_JOB=$!
	until dk version >/dev/null 2>&1; do
		if ! kill -0 "$DOCKERD_JOB" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
			SKIP_REASON="dockerd does not start here: $(grep -E 'level=(error|fatal)' \
				"$log" | tail -n 3 | tr '\n' ' ')"
			RUNTIME_BROKEN=1
			return 0
		fi
		sleep 0.05
	done
	DOCKERD_PID=$(cat "$DOCKER_ROOT/dockerd.pid")
	export DOCKERD_JOB DOCKERD_PID
	echo "# dockerd answered after $(($(now_ms) - start)) ms" >&3
}

# gone PID: the process no longer runs.
gone() {
	! kill -0 "$1" 2>/dev/null
}

# stop_dockerd: containers first, so that dockerd has nothing to wait for, then the daemon
# (the timeout in front of it passes the SIGTERM on; dockerd stops its containerd), whatever
# it left mounted, the cgroups made for the containers and the files.
stop_dockerd() {
	local ids mnt
	if [ -n "$DOCKERD_PID" ]; then
		ids=$(dk ps -aq 2>/dev/null) || true
		# shellcheck disable=SC2086 # one word per container
		[ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1 || true
	fi
	if [ -n "$DOCKERD_JOB" ]; then
		kill -TERM "$DOCKERD_JOB" 2>/dev/null || true
		WAIT_SECONDS=30 wait_until gone "$DOCKERD_JOB" || kill -KILL "$DOCKERD_JOB" || true
		if [ -n "$DOCKERD_PID" ] && ! gone "$DOCKERD_PID"; then
			kill -KILL "$DOCKERD_PID" || true
		fi
	fi
	# Deepest first; the fifth field of mountinfo is the mount point.
	awk -v root="$DOCKER_ROOT/" 'index($5, root) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r mnt; do
		umount -l "$mnt" || true
	done
	umount -l "$DOCKER_ROOT/data" 2>/dev/null || true
	# The cgroups, deepest first: BuildKit makes one of its own (buildkit) inside.
	find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$CGROUP_NAME*" 2>/dev/null | sort -r |
		xargs -r rmdir 2>/dev/null || true
	rm -rf "$DOCKER_ROOT"
}

# debian_rootfs [PACKAGE...]: sets DEBIAN_ROOTFS to a tarball of Debian 12 (mmdebstrap's
# apt variant of bookworm, with the PACKAGEs), for `dk import` to stand in for a registry
# image. It is made once and kept for a week under $PID1_TEST_CACHE (/var/tmp/pid1-test-cache),
# named after the mmdebstrap command, so every file and every run of the suite shares it; a
# lock keeps two files from making it at once. Needs Debian's mirror; on failure prints the
# command and mmdebstrap's last lines on stderr and returns 1.
debian_rootfs() {
	local cache=${PID1_TEST_CACHE:-/var/tmp/pid1-test-cache} cmd key start
	cmd=(mmdebstrap --quiet --variant=apt --format=tar)
	[ "$#" -eq 0 ] || cmd+=(--include="$(IFS=,; echo "$*")")
	cmd+=(bookworm)
	key=$(printf '%s\n' "${cmd[@]}" | sha256sum | cut -c 1-16)
	DEBIAN_ROOTFS=$cache/debian-$key.tar
	mkdir -p "$cache" || return 1
	start=$(now_ms)
	(
		flock 9
		if [ -z "$(find "$DEBIAN_ROOTFS" -mtime -7 2>/dev/null)" ]; then
			echo "# ${cmd[*]}" >&3
			rm -f "$DEBIAN_ROOTFS" "$DEBIAN_ROOTFS.part"
			# Only 0-2 open: mmdebstrap hands apt a pipe on the lowest free fd and names
			# it in a dash command, which takes fds 0-9 only (bats leaves several open).
			close_fds_above 2 timeout -k 10 900 "${cmd[@]}" "$DEBIAN_ROOTFS.part" \
				>"$DEBIAN_ROOTFS.log" 2>&1 && mv "$DEBIAN_ROOTFS.part" "$DEBIAN_ROOTFS"
		fi
	) 9>"$DEBIAN_ROOTFS.lock" || true
	if [ ! -f "$DEBIAN_ROOTFS" ]; then
		echo "${cmd[*]}: $(tail -n 3 "$DEBIAN_ROOTFS.log" 2>/dev/null | tr '\n' ' ')" >&2
		return 1
	fi
	echo "# Debian rootfs $DEBIAN_ROOTFS ready after $(($(now_ms) - start)) ms" >&3
}
