#!/bin/sh
# SPDX-License-Identifier: MIT
# README's promise on a machine that has never seen pid1: in a fresh Debian 12 root that
# mmdebstrap makes (the apt variant: the essential packages and apt, nothing else),
# `sh quickstart.sh demo` must install what it needs, build pid1 and run the demo as PID 1,
# and `sh quickstart.sh install check` must install every command and file that the stages
# use (`verify check`, the lists in quickstart.sh). This machine's own packages are what it
# distrusts: a package installed here by hand, or pulled in as a Recommends, hides a gap
# that a new user's machine would show.
#
# The packages come from the machine's apt cache where it has them, linked (copied where
# the root is on another file system) into the root, and what the root downloads is linked
# back for the next run. Needs root, mmdebstrap, git and Debian's mirror.
set -eu

# --in-root ROOT COMMAND...: COMMAND as root in the tree copied into ROOT, with nothing of
# this machine's environment. ROOT is bind-mounted onto itself in a mount namespace of the
# command's own, so that in the root, / is a mount point as on a machine: unshare
# --mount-proc (the demo) makes / private and fails where it is not.
if [ "${1:-}" = --in-root ]; then
	shift
	# shellcheck disable=SC2016 # for the inner shells
	exec unshare --mount sh -c 'r=$1 && shift && mount --rbind "$r" "$r" && exec chroot "$r" env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
		sh -c '"'"'cd /root/pid1 && exec "$@"'"'"' sh "$@"' sh "$@"
fi
cd "$(dirname "$0")/.."
self=$PWD/.ci/fresh-root.sh
archives=/var/cache/apt/archives
# mmdebstrap makes the root in TMPDIR: /var/tmp is on the apt cache's file system more often
# than /tmp.
TMPDIR=${TMPDIR:-/var/tmp}
export TMPDIR
work=$(mktemp -d "$TMPDIR/pid1-fresh-root.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The files git tracks, as they are in the work tree: what a clone would hold.
mkdir "$work/pid1"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work/pid1"

# in_root COMMAND...: the hook that runs COMMAND there.
in_root() {
	echo "sh '$self' --in-root \"\$1\" $*"
}

start=$(date +%s)
# apt's progress goes to a log, shown if something fails; the demo's output is shown always.
# shellcheck disable=SC2016 # $1 is for the hooks' shell: the root's path
mmdebstrap --quiet --mode=root --variant=apt --format=null --skip=essential/unlink \
	--setup-hook='mkdir -p "$1'"$archives"'"' \
	--setup-hook='for f in '"$archives"'/*.deb; do
		[ ! -f "$f" ] || ln "$f" "$1$f" 2>/dev/null || cp "$f" "$1$f"; done' \
	--customize-hook="copy-in $work/pid1 /root" \
	--customize-hook="$(in_root sh quickstart.sh demo)" \
	--customize-hook="$(in_root sh quickstart.sh verify demo)" \
	--customize-hook="$(in_root sh quickstart.sh install check)" \
	--customize-hook="$(in_root sh quickstart.sh verify check)" \
	--customize-hook='for f in "$1'"$archives"'"/*.deb; do
		[ ! -f "$f" ] || [ -e "'"$archives"'/${f##*/}" ] ||
		ln "$f" "'"$archives"'/" 2>/dev/null || cp "$f" "'"$archives"'/"; done' \
	bookworm /dev/null >"$work/log" 2>&1 || {
	tail -n 60 "$work/log"
	echo "fresh-root: failed; the lines above end the log of mmdebstrap and its hooks" >&2
	exit 1
}
grep '^quickstart: ' "$work/log"
sed -n '/^=== pid1 as PID 1/,/exiting with code/p' "$work/log"
echo "fresh-root: in a new Debian 12 root, the demo ran and every command and file the" \
	"stages use was installed, in $(($(date +%s) - start))s"
