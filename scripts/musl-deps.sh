#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libraries pid1 links (libmd, libbsd, libconfuse) with musl-gcc, static only,
# from Debian's own source packages with Debian's patch series applied (security fixes such
# as CVE-2022-40320 in libconfuse are patches there), into a private prefix outside the
# checkout:
#
#   sh scripts/musl-deps.sh [PREFIX]       (default /var/cache/pid1-musl)
#   ./configure --enable-static-binary=musl [--with-musl-prefix=PREFIX]
#
# or for another CPU, with Debian's cross compiler and that architecture's musl-dev
# (arm64: dpkg --add-architecture arm64; apt-get install gcc-aarch64-linux-gnu musl-dev:arm64
# linux-libc-dev-arm64-cross):
#
#   sh scripts/musl-deps.sh --host=aarch64-linux-musl [PREFIX]   (/var/cache/pid1-musl-HOST)
#   ./configure --host=aarch64-linux-musl --enable-static-binary=musl
#
#   sh scripts/musl-deps.sh [--host=HOST] --check [PREFIX]
#
# checks the prefix as a run would before reusing it, and exits 1 saying why it would not.
#
# The sources come through apt-get source and a temporary deb-src list made from the
# machine's deb lines (the machine's apt state is not touched; a Debian 12 machine usually
# has no deb-src lines). apt checks each file against the signed Sources index, and
# dpkg-source -x checks the tarballs against the .dsc and applies the patch series. The
# version built is the one of the machine's libmd-dev, libbsd-dev and libconfuse-dev, so the
# static pid1 links what the dynamic one does. A mirror that lacks that version's Debian
# tarball (seen on partial mirrors) is met with the next Debian revision of the same upstream
# release from the next Debian release, and said so; never with the bare upstream tarball.
#
# What the prefix holds is distrusted before reuse: it is reused, without the network, only
# if it was built by this script against this musl, from the source versions installed now,
# every file is as the manifest written after the build says (SHA-256, links' targets, no
# file added or missing), nothing in it is writable by others, and the kernel headers it
# links to are there. Otherwise it is removed and built again.
# Needs: musl-tools dpkg-dev autoconf automake autopoint libtool flex pkg-config.
set -eu
# What the build installs must not be writable by others, or the next run would not reuse it.
umask 022
host=
check=
while :; do
	case ${1:-} in
	--host=*) host=${1#--host=} ;;
	--check) check=1 ;;
	*) break ;;
	esac
	shift
done
if [ -n "$host" ]; then
	prefix=${1:-/var/cache/pid1-musl-$host}
	cc=$host-gcc
	# Debian's name for the same CPU, whose kernel headers the cross compiler has.
	gnu=${host%-musl}-gnu
	kernel=/usr/$gnu/include
	asm=$kernel/asm
	musl_pkg=musl-dev:$(dpkg-architecture -t "$gnu" -q DEB_HOST_ARCH 2>/dev/null)
else
	prefix=${1:-/var/cache/pid1-musl}
	cc=musl-gcc
	kernel=/usr/include
	asm=$kernel/$(gcc -print-multiarch)/asm
	musl_pkg=musl-dev:$(dpkg --print-architecture)
fi
packages="libmd libbsd libconfuse"
script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

die() {
	echo "musl-deps: $*" >&2
	exit 1
}

for tool in "$cc" dpkg-source autoreconf autopoint libtoolize flex pkg-config sha256sum; do
	command -v "$tool" >/dev/null || die "$tool not found (see the Needs line in $script)"
done
[ -d "$asm" ] || die "no kernel headers in $asm (Debian: linux-libc-dev for that CPU)"

# The source version to build: the one of the machine's -dev package, or the newest.
wanted() {
	dpkg-query -W -f='${source:Version}' "$1-dev" 2>/dev/null || true
}

# What the prefix is built from, apart from the sources: this script, musl, the CPU and the
# prefix itself (its path is written into the .pc files), and the versions wanted.
recipe="$(sha256sum <"$script" | cut -d' ' -f1) musl $(dpkg-query -W -f='${Version}' "$musl_pkg")"
recipe="$recipe ${host:-native} $prefix"
for p in $packages; do
	recipe="$recipe $p=$(wanted "$p")"
done

# manifest: every file and link in the prefix but itself, with its SHA-256 or its target.
manifest() {
	(cd "$prefix" && find . ! -name . ! -name .manifest | LC_ALL=C sort |
		while IFS= read -r f; do
			if [ -L "$f" ]; then
				echo "link $(readlink "$f") $f"
			elif [ -f "$f" ]; then
				echo "file $(sha256sum <"$f" | cut -d' ' -f1) $f"
			elif [ -d "$f" ]; then
				echo "dir - $f"
			else
				echo "other - $f"
			fi
		done)
}

# stale: why the prefix may not be reused, or nothing.
stale() {
	[ -d "$prefix" ] || {
		echo "$prefix does not exist"
		return
	}
	if ! [ -f "$prefix/.built-from" ] || ! [ -f "$prefix/.manifest" ]; then
		echo "$prefix has no record of its build"
		return
	fi
	[ "$(head -n 1 "$prefix/.built-from")" = "$recipe" ] || {
		echo "$prefix was built by another script, musl, prefix or source version"
		return
	}
	bad=$(find "$prefix" ! -type l \( ! -user "$(id -u)" -o -perm /022 \) | head -n 1)
	[ -z "$bad" ] || {
		echo "$bad is writable by others or not owned by uid $(id -u)"
		return
	}
	[ -d "$prefix/kernel-include/asm/" ] || {
		echo "$prefix/kernel-include/asm leads nowhere"
		return
	}
	now=$(manifest)
	if [ "$now" != "$(cat "$prefix/.manifest")" ]; then
		echo "$prefix differs from its manifest:"
		echo "$now" | diff "$prefix/.manifest" - | grep '^[<>]' | head -n 5
	fi
}

why=$(stale)
if [ -n "$check" ]; then
	[ -z "$why" ] || die "$why"
	echo "musl-deps: $prefix is as built"
	exit 0
fi
if [ -z "$why" ]; then
	echo "musl-deps: $prefix is up to date"
	exit 0
fi
echo "musl-deps: building again: $why"

work=$(mktemp -d "${TMPDIR:-/tmp}/pid1-musl.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
start=$(date +%s)

# A private apt configuration: the machine's deb lines turned into deb-src lines, and the
# Debian archive's for the next release too (see "partial mirrors" at the top).
codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
case $codename in
bullseye) next=bookworm ;;
bookworm) next=trixie ;;
trixie) next=forky ;;
*) next= ;;
esac
mkdir -p "$work/apt/lists/partial" "$work/apt/sources.list.d" "$work/src"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	case $f in
	*.sources) sed -e 's/^Types:.*/Types: deb-src/' \
		-e "${next:+/^Suites:\(.* \)*$codename\( .*\)*\$/s/\$/ $next/}" \
		"$f" >"$work/apt/sources.list.d/${f##*/}" ;;
	*) sed -n -e 's/^deb /deb-src /p' "$f" >"$work/apt/sources.list.d/${f##*/}"
		[ -z "$next" ] || sed -n "s/^deb \([^ ]*\) $codename /deb-src \1 $next /p" "$f" \
			>>"$work/apt/sources.list.d/${f##*/}" ;;
	esac
done
: >"$work/apt/sources.list"
aptq() {
	"$@" -q -o Dir::Etc::SourceList="$work/apt/sources.list" \
		-o Dir::Etc::SourceParts="$work/apt/sources.list.d" \
		-o Dir::State::Lists="$work/apt/lists" -o Dir::Cache::srcpkgcache= \
		-o Dir::Cache::pkgcache= -o APT::Sandbox::User=root
}
aptq apt-get update >/dev/null || die "apt-get update on the deb-src list failed"

# Each package: the wanted version's source package, or the next Debian revision of the same
# upstream release; unpacked by dpkg-source, which applies the patch series.
built=
cd "$work/src"
for p in $packages; do
	want=$(wanted "$p")
	[ -n "$want" ] ||
		want=$(aptq apt-cache showsrc --only-source "$p" | awk '/^Version:/ { print $2; exit }')
	[ -n "$want" ] || die "no source package $p in the deb-src index"
	upstream=${want#*:}
	upstream=${upstream%-*}
	v=
	for c in $want $(aptq apt-cache showsrc --only-source "$p" | awk '/^Version:/ { print $2 }' |
		sort -u | while read -r later; do
			u=${later#*:}
			[ "${u%-*}" = "$upstream" ] && dpkg --compare-versions "$later" gt "$want" &&
				echo "$later"
		done | sort -V); do
		mkdir "$work/src/$p.$c"
		if (cd "$work/src/$p.$c" && aptq apt-get source --download-only "$p=$c") \
			>/dev/null 2>"$work/$p.err"; then
			v=$c
			break
		fi
		echo "musl-deps: apt-get source $p=$c: $(grep '^E:' "$work/$p.err" | head -n 1)" >&2
	done
	[ -n "$v" ] || die "$p: no complete source package for $want or a later Debian revision"
	[ "$v" = "$want" ] || echo "musl-deps: $p: building $v, as $want is incomplete on the mirror" >&2
	dpkg-source -q -x "$work/src/$p.$v/${p}_${v#*:}.dsc" "$work/src/$p" >"$work/$p.log" 2>&1 || {
		cat "$work/$p.log"
		die "$p: dpkg-source -x failed"
	}
	built="$built
source $p $v"
	if [ -f "$p/debian/patches/series" ]; then
		# The patches quilt applied, in order, each with its SHA-256.
		[ -f "$p/.pc/applied-patches" ] || die "$p: its patch series was not applied"
		while read -r patch; do
			built="$built
patch $p $(sha256sum <"$p/debian/patches/$patch" | cut -d' ' -f1) $patch"
		done <"$p/.pc/applied-patches"
	fi
done
# musl-gcc sees only musl's headers; libbsd needs the kernel's (linux/, asm/).
rm -rf "$prefix"
mkdir -p "$prefix/kernel-include" "$prefix/lib/pkgconfig"
chmod 755 "$prefix"
ln -s "$kernel/linux" "$kernel/asm-generic" "$prefix/kernel-include/"
ln -s "$asm" "$prefix/kernel-include/asm"

export CC="$cc"
export CFLAGS="-Os -fno-asynchronous-unwind-tables -fno-unwind-tables -ffunction-sections -fdata-sections -idirafter $prefix/kernel-include"
export CPPFLAGS="-I$prefix/include"
export LDFLAGS="-L$prefix/lib"
export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig"
export PKG_CONFIG_PATH=
for p in $packages; do
	echo "musl-deps: building $p"
	cd "$work/src/$p"
	extra=
	[ "$p" = libconfuse ] && extra="--disable-nls --disable-examples"
	[ -x configure ] || autoreconf -fi >"$work/$p.log" 2>&1 || {
		tail -n 20 "$work/$p.log"
		die "$p: autoreconf failed"
	}
	[ -z "$host" ] || extra="$extra --host=$host"
	# shellcheck disable=SC2086 # one word per option
	{ ./configure -q --prefix="$prefix" --disable-shared --enable-static $extra &&
		make -j"$(nproc)" && make install; } >>"$work/$p.log" 2>&1 || {
		tail -n 30 "$work/$p.log"
		die "$p: build failed"
	}
done
# Static only: libbsd installs a libbsd.so linker script even so, naming a library not built.
rm -f "$prefix"/lib/*.so "$prefix"/lib/*.la
printf '%s%s\n' "$recipe" "$built" >"$prefix/.built-from"
manifest >"$prefix/.manifest"
echo "musl-deps: built $(grep '^source' "$prefix/.built-from" | cut -d' ' -f2- | tr '\n' ' ')into" \
	"$prefix in $(($(date +%s) - start))s"
