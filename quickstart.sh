#!/bin/sh
# SPDX-License-Identifier: MIT
# Sets up a fresh Debian machine for pid1 (as root), builds it, and then either runs the
# demo (`sh quickstart.sh demo`) or the whole test suite (`sh quickstart.sh check`).
# `sh quickstart.sh check` is what CI runs: every stage must pass.
set -eu
cd "$(dirname "$0")"
what=${1:-demo}

# Packages: build, tests, the inits we compare with, the tools the suite drives, and what
# builds and checks the Debian package; musl-tools and what builds the libraries of the musl
# static build from Debian's sources (scripts/musl-deps.sh).
PACKAGES="build-essential autoconf automake pkg-config libconfuse-dev libbsd-dev
bats bats-assert bats-support util-linux clang-tidy clang-format procps psmisc python3 mandoc valgrind clang
cppcheck shellcheck rsyslog busybox-static runc tini dumb-init catatonit docker.io podman
systemd bsdutils xz-utils binutils manpages manpages-dev passwd file lld
git debhelper dh-autoreconf lintian strace mmdebstrap
musl-tools dpkg-dev autopoint flex libtool"
# The arm64 static build: Debian's cross compiler and arm64 musl, run under qemu-user.
ARM64_PACKAGES="gcc-aarch64-linux-gnu musl-dev:arm64 qemu-user-static"

install_packages() {
	missing=
	packages=$PACKAGES
	if [ "$(dpkg --print-architecture)" = arm64 ]; then
		packages="$packages musl-dev"
	else
		packages="$packages $ARM64_PACKAGES"
	fi
	for p in $packages; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "quickstart: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "quickstart: installing$missing"
	case $missing in
	*:arm64*) dpkg --add-architecture arm64 ;;
	esac
	apt-get update -q
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

# build DIR [configure options...]: an out-of-tree build in DIR.
build() {
	dir=$1
	shift
	[ -x configure ] || ./autogen.sh
	mkdir -p "$dir"
	(cd "$dir" && ../configure -q "$@" && make -j"$(nproc)" >/dev/null)
}

stage() {
	echo
	echo "=== $* ==="
}

case $what in
demo)
	install_packages
	build build
	stage "pid1 as PID 1 of a new PID namespace, built-in defaults, a child that leaves orphans"
	# -vv: debug level, so each orphan reaped is shown.
	exec unshare --pid --fork --mount-proc build/src/pid1 -vv -- sh examples/demo.sh
	;;
check)
	install_packages
	exec sh .ci/stages.sh
	;;
*)
	echo "usage: sh quickstart.sh [demo|check]" >&2
	exit 2
	;;
esac
