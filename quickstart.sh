#!/bin/sh
# SPDX-License-Identifier: MIT
# Sets up a fresh Debian machine for pid1 (as root), builds it, and then either runs the
# demo (`sh quickstart.sh demo`) or the whole test suite (`sh quickstart.sh check [STAGE...]`).
# `sh quickstart.sh check` is what CI runs: every stage must pass.
#
# The package lists below are also the list of what the build and the stages use: each line
# names a package, then the commands (found in PATH) and files (a leading /) of it that are
# used. apt installs without Recommends, so what a package only recommends must have a line
# of its own; `verify` checks every command and file, and CI runs it in a fresh Debian 12
# root (.ci/fresh-root.sh) after `install`, so a package that a machine has from elsewhere
# cannot hide a gap in these lists. For CI:
#
#   sh quickstart.sh install [demo|check]   install what the demo or the stages need
#   sh quickstart.sh verify [demo|check]    check that every command and file listed is there
set -eu
cd "$(dirname "$0")"
what=${1:-demo}

# What building pid1 and running the demo need.
needs_demo() {
	cat <<EOF
build-essential gcc make cc
autoconf autoreconf autoconf
automake automake aclocal
pkg-config pkg-config
libconfuse-dev /usr/include/confuse.h
libbsd-dev /usr/include/bsd/string.h
util-linux unshare
EOF
}

# What the stages use besides: the test suite, the inits it compares with and the tools it
# drives, the linters, what builds and checks the Debian package, and the musl static builds
# (scripts/musl-deps.sh builds their libraries from Debian's source packages).
needs_check() {
	needs_demo
	# gcc -print-multiarch: the directory of this CPU's kernel headers, which musl-gcc lacks.
	multiarch=$(gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
	# clang's sanitizer and libFuzzer runtimes (the fuzz stage), which clang only recommends.
	clang_rt=$(clang --print-runtime-dir 2>/dev/null || echo /usr/lib/clang)
	cat <<EOF
bats bats
bats-assert /usr/lib/bats/bats-assert/load.bash
bats-support /usr/lib/bats/bats-support/load.bash
util-linux setpriv prlimit taskset nsenter setsid flock script
bsdutils logger
procps ps pkill
psmisc killall
python3 python3
mandoc mandoc
valgrind valgrind
clang clang
libclang-rt-dev $clang_rt/libclang_rt.fuzzer-$(uname -m).a $clang_rt/libclang_rt.asan-$(uname -m).a
clang-tidy clang-tidy
clang-format clang-format
cppcheck cppcheck
shellcheck shellcheck
rsyslog rsyslogd
busybox-static /bin/busybox
runc runc
tini tini /usr/bin/tini-static
dumb-init dumb-init
catatonit /usr/libexec/podman/catatonit
docker.io dockerd docker docker-init
podman podman conmon
systemd systemd-analyze
xz-utils xz
binutils readelf nm strip
manpages /usr/share/man/man7/signal.7.gz
manpages-dev /usr/share/man/man2/waitid.2.gz
passwd useradd
file file
lld ld.lld
strace strace
git git
debhelper dh
dh-autoreconf dh_autoreconf
dpkg-dev dpkg-buildpackage dpkg-source dpkg-architecture
lintian lintian
mmdebstrap mmdebstrap
musl-tools musl-gcc
musl-dev /usr/include/$(uname -m)-linux-musl/stdio.h
linux-libc-dev /usr/include/$multiarch/asm
autopoint autopoint
flex flex
libtool libtoolize
postgresql-15 /usr/lib/postgresql/15/bin/postgres /usr/lib/postgresql/15/bin/initdb
postgresql-client-15 /usr/lib/postgresql/15/bin/psql
redis-server redis-server
nginx nginx
EOF
	[ "$(dpkg --print-architecture)" = arm64 ] && return
	# The arm64 static build: Debian's cross compiler, its kernel headers (a package the
	# cross compiler only recommends) and arm64 musl, run under qemu-user.
	cat <<EOF
gcc-aarch64-linux-gnu aarch64-linux-gnu-gcc
linux-libc-dev-arm64-cross /usr/aarch64-linux-gnu/include/asm /usr/aarch64-linux-gnu/include/linux
musl-dev:arm64 aarch64-linux-musl-gcc /usr/lib/aarch64-linux-musl/libc.a
qemu-user-static qemu-aarch64-static
EOF
}

# needs SET: the lines of the demo's or the stages' list.
needs() {
	case $1 in
	demo) needs_demo ;;
	check) needs_check ;;
	*)
		echo "quickstart: no list '$1' (demo or check)" >&2
		exit 2
		;;
	esac
}

install_packages() {
	missing=
	for p in $(needs "$1" | cut -d' ' -f1 | sort -u); do
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
	services=
	others=
	for p in $missing; do
		case " $STARTS_SERVICE " in
		*" $p "*) services="$services $p" ;;
		*) others="$others $p" ;;
		esac
	done
	# shellcheck disable=SC2086 # one word per package
	[ -z "$others" ] || apt_install $others
	# shellcheck disable=SC2086
	[ -z "$services" ] || install_without_starting $services
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# Packages whose installation starts their service on the machine (a postgres cluster, redis
# on port 6379, nginx on port 80): tests/37-stack.bats runs its own, on ports of its own, so
# nothing of theirs should run on the machine.
STARTS_SERVICE="postgresql-15 redis-server nginx"

# install_without_starting PACKAGE...: installs them with a policy-rc.d that forbids every
# service start (invoke-rc.d and deb-systemd-invoke obey it), removed afterwards. A machine
# that has a policy-rc.d of its own keeps it, and its say.
install_without_starting() {
	policy=/usr/sbin/policy-rc.d
	if [ -e "$policy" ]; then
		apt_install "$@"
		return
	fi
	trap 'rm -f "$policy"' EXIT INT TERM
	printf '#!/bin/sh\n# quickstart.sh: no service starts while it installs packages\nexit 101\n' \
		>"$policy"
	chmod 755 "$policy"
	rc=0
	apt_install "$@" || rc=$?
	rm -f "$policy"
	trap - EXIT INT TERM
	return "$rc"
}

# verify SET: every command and file of the list is there; names each one that is not.
verify() {
	needs "$1" | {
		bad=0
		while read -r pkg items; do
			for i in $items; do
				case $i in
				/*) [ -e "$i" ] ;;
				*) command -v "$i" >/dev/null ;;
				esac || {
					echo "quickstart: $i is missing (Debian: $pkg)" >&2
					bad=1
				}
			done
		done
		exit $bad
	}
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
	install_packages demo
	build build
	stage "pid1 as PID 1 of a new PID namespace, built-in defaults, a child that leaves orphans"
	# -vv: debug level, so each orphan reaped is shown.
	exec unshare --pid --fork --mount-proc build/src/pid1 -vv -- sh examples/demo.sh
	;;
check)
	# Stage names after `check` run only those (sh .ci/stages.sh --list).
	shift
	install_packages check
	exec sh .ci/stages.sh "$@"
	;;
install | verify)
	set=${2:-check}
	case $set in
	demo | check) ;;
	*)
		echo "usage: sh quickstart.sh $what [demo|check]" >&2
		exit 2
		;;
	esac
	if [ "$what" = install ]; then
		install_packages "$set"
	else
		verify "$set"
	fi
	;;
*)
	echo "usage: sh quickstart.sh [demo|check]   (for CI: install|verify [demo|check])" >&2
	exit 2
	;;
esac
