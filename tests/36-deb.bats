#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pid1 the way Debian users install it: debian/ builds pid1_VERSION_ARCH.deb with
# dpkg-buildpackage from a copy of the tracked files (the source tree stays as it is, and
# runs do not share a build), lintian has nothing to warn about, and the package installs on
# this very machine, runs pid1 as PID 1, and purges without a trace.
#
# The install is skipped (a failure in strict mode) when a pid1 package is installed already
# or a file the package ships exists: those belong to someone else and are never touched.
# One run at a time installs (a lock under /run/lock); teardown_file purges what it installed.

bats_require_minimum_version 1.5.0
load lib/pid1

# The files of the package every user relies on, as dpkg -c names them.
SHIPPED=(
	./usr/sbin/pid1
	./usr/share/man/man8/pid1.8.gz
	./usr/share/man/man5/pid1.conf.5.gz
	./lib/systemd/system/pid1.service
	./lib/systemd/system/pid1@.service
	./etc/pid1.conf
)

# missing_tool: the reason a tool the build or a test needs is absent, or nothing.
missing_tool() {
	local tool pkg
	for tool in git:git dpkg-buildpackage:dpkg-dev dh:debhelper dh_autoreconf:dh-autoreconf \
		lintian:lintian; do
		pkg=${tool#*:}
		tool=${tool%%:*}
		if ! command -v "$tool" >/dev/null; then
			echo "$tool is not installed (Debian: apt-get install $pkg)"
			return
		fi
	done
}

# copy_tree DIR: the files git tracks, as they are in the work tree, copied into DIR.
copy_tree() {
	mkdir -p "$1"
	git -C "$PID1_SRCDIR" ls-files -z | (cd "$PID1_SRCDIR" && tar --null -T - -cf -) |
		tar -xf - -C "$1"
}

# tree_state DIR: every path under DIR with the checksum of each file.
tree_state() {
	(cd "$1" && find . -path ./.git -prune -o -print | LC_ALL=C sort |
		while IFS= read -r f; do
			if [ -f "$f" ] && [ ! -L "$f" ]; then
				echo "$f $(sha256sum <"$f" | cut -d ' ' -f 1)"
			else
				echo "$f"
			fi
		done)
}

# build_deb: dpkg-buildpackage in $SRC, timed; the .deb and .changes land in its parent.
# make check's MAKEFLAGS would reach debian/rules' make and its variables override ours.
build_deb() {
	local start log=$BATS_FILE_TMPDIR/build.log
	start=$(now_ms)
	if ! (cd "$SRC" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		dpkg-buildpackage -us -uc -b) >"$log" 2>&1 3>&-; then
		tail -n 40 "$log" >&2
		echo "dpkg-buildpackage failed (log above, in full in $log)" >&2
		return 1
	fi
	echo "# built ${DEB##*/} ($(stat -c %s "$DEB") bytes) in $(($(now_ms) - start)) ms" >&3
}

# The snapshot that install and purge are compared on: every path with pid1 in its name
# where a package puts files or dpkg and deb-systemd-helper keep their state. Not all of
# /var/lib: container images there may hold a pid1 of their own.
pid1_paths() {
	local roots=(/etc /usr /var/lib/dpkg /var/lib/systemd)
	[ -L /lib ] || roots+=(/lib)
	find "${roots[@]}" -xdev -name '*pid1*' 2>/dev/null | LC_ALL=C sort
}

# pkg_status: dpkg's word for the pid1 package here; not-installed when dpkg knows none.
pkg_status() {
	# shellcheck disable=SC2016 # dpkg-query's field, not the shell's
	dpkg-query -W -f '${db:Status-Status}\n' pid1 2>/dev/null || echo not-installed
}

# install_guard: the reason this machine cannot take the package, or nothing.
install_guard() {
	local f status
	status=$(pkg_status)
	if [ "$status" != not-installed ]; then
		echo "a pid1 package is on this machine already ($status): purge it to run these tests"
		return
	fi
	while read -r f; do
		if [ -e "${f#.}" ] || [ -L "${f#.}" ]; then
			echo "${f#.} exists already: installing the package would overwrite it"
			return
		fi
	done < <(dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $6 }')
}

# What the tests need is built once; bats cannot skip from setup_file, so each test's setup
# skips with the reason (or fails, in strict mode). A failed build fails the file.
setup_file() {
	SKIP_REASON=$(missing_tool)
	INSTALL_SKIP=
	SRC=$BATS_FILE_TMPDIR/src
	export SKIP_REASON INSTALL_SKIP SRC
	[ -z "$SKIP_REASON" ] || return 0
	if ! git -C "$PID1_SRCDIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		SKIP_REASON="$PID1_SRCDIR is not a git checkout: the package is built from its tracked files"
		return 0
	fi
	copy_tree "$SRC"
	if ! (cd "$SRC" && dpkg-checkbuilddeps) >"$BATS_FILE_TMPDIR/deps" 2>&1; then
		SKIP_REASON=$(tr '\n' ' ' <"$BATS_FILE_TMPDIR/deps")
		return 0
	fi
	VERSION=$(cd "$SRC" && dpkg-parsechangelog -S Version)
	ARCH=$(dpkg --print-architecture)
	DEB=$BATS_FILE_TMPDIR/pid1_${VERSION}_$ARCH.deb
	CHANGES=$BATS_FILE_TMPDIR/pid1_${VERSION}_$ARCH.changes
	UNPACKED=$BATS_FILE_TMPDIR/unpacked
	export VERSION DEB CHANGES UNPACKED
	tree_state "$SRC" >"$BATS_FILE_TMPDIR/src.before"
	git -C "$PID1_SRCDIR" status --porcelain --ignored >"$BATS_FILE_TMPDIR/git.before"
	build_deb
	dpkg-deb -x "$DEB" "$UNPACKED"
	# Held until the file ends: no other run installs or purges pid1 meanwhile.
	local lockdir=/run/lock
	[ -d "$lockdir" ] || lockdir=/tmp
	exec {DEB_LOCK}>"$lockdir/pid1-deb-test.lock"
	if ! flock -w 600 "$DEB_LOCK"; then
		INSTALL_SKIP="another run of this file kept the install lock for 10 minutes"
	else
		INSTALL_SKIP=$(install_guard)
	fi
	export DEB_LOCK
}

# Purges what this file installed, even when a test failed half-way.
teardown_file() {
	if [ -f "$BATS_FILE_TMPDIR/installed" ]; then
		dpkg --purge pid1 >/dev/null 2>&1 || true
	fi
	if [ -n "${DEB_LOCK:-}" ]; then
		exec {DEB_LOCK}>&-
	fi
}

setup() {
	[ -z "$SKIP_REASON" ] || skip_or_fail "$SKIP_REASON"
}

# installed: installs the package once for the tests that use it, noting what was there.
installed() {
	[ -z "$INSTALL_SKIP" ] || skip_or_fail "$INSTALL_SKIP"
	[ ! -f "$BATS_FILE_TMPDIR/installed" ] || return 0
	pid1_paths >"$BATS_FILE_TMPDIR/paths.before"
	touch "$BATS_FILE_TMPDIR/installed"
	run dpkg -i "$DEB"
	[ "$status" -eq 0 ] || fail "dpkg -i failed: $output"
}

@test "the package's version is configure.ac's with a Debian revision" {
	local upstream
	upstream=$(sed -n 's/^AC_INIT(\[pid1\], \[\([^]]*\)\].*/\1/p' "$PID1_SRCDIR/configure.ac")
	[ -n "$upstream" ] || fail "no version in configure.ac's AC_INIT"
	[[ $VERSION == "$upstream"-[0-9]* ]] || fail "debian/changelog says $VERSION, configure.ac $upstream"
	[ -f "$DEB" ]
}

@test "the build changes nothing in the source tree and debian/rules clean undoes it all" {
	run git -C "$PID1_SRCDIR" status --porcelain --ignored
	assert_output "$(cat "$BATS_FILE_TMPDIR/git.before")"
	(cd "$SRC" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES debian/rules clean) \
		>"$BATS_FILE_TMPDIR/clean.log" 2>&1 3>&- || fail "debian/rules clean failed"
	run diff "$BATS_FILE_TMPDIR/src.before" <(tree_state "$SRC")
	assert_success
}

@test "lintian finds no error or warning, and every override is still needed" {
	run lintian --fail-on error,warning --pedantic -I -E "$CHANGES"
	echo "$output" | grep -E '^[A-Z]: ' | sed 's/^/# lintian: /' >&3 || true
	assert_success
	refute_output --regexp '^[EW]: '
	refute_output --partial 'unused-override'
	refute_output --partial 'mismatched-override'
	# The overrides in effect, so that none hides a new tag unnoticed.
	run lintian --show-overrides "$DEB"
	assert_line 'O: pid1: statically-linked-binary [usr/sbin/pid1]'
}

@test "the package ships the static binary, both man pages, both units and the config" {
	local f
	run -0 dpkg-deb -c "$DEB"
	for f in "${SHIPPED[@]}"; do
		assert_line --regexp " ${f//./\\.}\$"
	done
	is_static "$UNPACKED/usr/sbin/pid1" || fail "/usr/sbin/pid1 is not a static executable"
	run -0 dpkg-deb -f "$DEB" Built-Using
	assert_output --regexp '^glibc \(= '
	# The units run the packaged binary and config, not /usr/local's.
	run -0 grep -h '^ExecStart=' "$UNPACKED"/lib/systemd/system/pid1{,@}.service
	assert_line 'ExecStart=/usr/sbin/pid1 -c /etc/pid1.conf --log-target syslog --sd-notify'
	assert_line 'ExecStart=/usr/sbin/pid1 -c /etc/pid1/%i.conf --log-target syslog --sd-notify'
}

@test "dpkg -i installs it and pid1 -n reads the shipped /etc/pid1.conf" {
	local defaults
	installed
	# shellcheck disable=SC2016 # dpkg-query's fields, not the shell's
	run -0 dpkg-query -W -f '${db:Status-Status} ${Version}' pid1
	assert_output "installed $VERSION"
	run -0 /usr/sbin/pid1 -n
	assert_output --partial 'step SIGTERM { grace = 4s }'
	defaults=$output
	# The config as shipped changes nothing: the same as the built-in defaults.
	run -0 /usr/sbin/pid1 -n -c /etc/pid1.conf
	assert_output "$defaults"
}

@test "the installed pid1 runs as PID 1 of a new PID namespace and exits with the child's code" {
	installed
	# shellcheck disable=SC2016 # for the child shell
	run -3 timeout -k 5 "$PID1_TIMEOUT" unshare --pid --fork --mount-proc --kill-child \
		/usr/sbin/pid1 -- sh -c 'tr "\0" " " </proc/1/cmdline; exit 3'
	assert_output --partial '/usr/sbin/pid1 -- sh -c'
}

@test "dpkg -s lists /etc/pid1.conf as a conffile, and no unit is enabled or started" {
	installed
	run -0 dpkg-query -s pid1
	assert_line --regexp "^ /etc/pid1\.conf $(md5sum </etc/pid1.conf | cut -d ' ' -f 1)\$"
	run find /etc -path '*systemd*' -name 'pid1*'
	assert_output ''
	if [ -d /run/systemd/system ]; then
		run systemctl is-active pid1.service
		assert_output inactive
	fi
}

@test "removing keeps an edited /etc/pid1.conf, and purging leaves nothing behind" {
	installed
	echo '# edited' >>/etc/pid1.conf
	run -0 dpkg --remove pid1
	[ ! -e /usr/sbin/pid1 ] || fail "/usr/sbin/pid1 is still there after dpkg --remove"
	run -0 tail -n 1 /etc/pid1.conf
	assert_output '# edited'
	run -0 pkg_status
	assert_output config-files
	run -0 dpkg --purge pid1
	rm -f "$BATS_FILE_TMPDIR/installed"
	run diff "$BATS_FILE_TMPDIR/paths.before" <(pid1_paths)
	assert_success
	run -0 pkg_status
	assert_output not-installed
}
