#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libraries pid1 links (libmd, libbsd, libconfuse) with musl-gcc, static only,
# from Debian's own source packages, into a private prefix outside the checkout:
#
#   sh scripts/musl-deps.sh [PREFIX]       (default /var/cache/pid1-musl)
#   ./configure --enable-static-binary=musl [--with-musl-prefix=PREFIX]
#
# or for another CPU, with Debian's cross compiler and that architecture's musl-dev
# (arm64: dpkg --add-architecture arm64; apt-get install gcc-aarch64-linux-gnu musl-dev:arm64):
#
#   sh scripts/musl-deps.sh --host=aarch64-linux-musl [PREFIX]   (/var/cache/pid1-musl-HOST)
#   ./configure --host=aarch64-linux-musl --enable-static-binary=musl
#
# The sources come through apt-get source and a temporary deb-src list (the machine's apt
# state is not touched); apt checks each file against the signed Sources index, and the
# upstream tarball is checked here too. A prefix built by the same script against the same
# musl is reused without going to the network; remove it to pick up newer sources.
# Needs: musl-tools dpkg-dev autoconf automake autopoint libtool flex pkg-config.
set -eu
host=
case ${1:-} in
--host=*)
	host=${1#--host=}
	shift
	;;
esac
if [ -n "$host" ]; then
	prefix=${1:-/var/cache/pid1-musl-$host}
	cc=$host-gcc
	# Debian's name for the same CPU, whose kernel headers the cross compiler has.
	gnu=${host%-musl}-gnu
	kernel=/usr/$gnu/include
	musl_pkg=musl-dev:$(dpkg-architecture -t "$gnu" -q DEB_HOST_ARCH 2>/dev/null)
else
	prefix=${1:-/var/cache/pid1-musl}
	cc=musl-gcc
	kernel=/usr/include
	musl_pkg=musl-dev
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

# What the prefix is built from, apart from the source versions: this script and musl.
recipe=$(sha256sum <"$script" | cut -d' ' -f1)
recipe="$recipe musl $(dpkg-query -W -f='${Version}' "$musl_pkg") ${host:-native}"
if [ -f "$prefix/.stamp" ] && [ "$(head -n 1 "$prefix/.stamp")" = "$recipe" ]; then
	echo "musl-deps: $prefix is up to date"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pid1-musl.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
start=$(date +%s)

# A private apt configuration: the machine's deb lines turned into deb-src lines.
mkdir -p "$work/apt/lists/partial" "$work/apt/sources.list.d" "$work/src"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	case $f in
	*.sources) sed 's/^Types:.*/Types: deb-src/' "$f" >"$work/apt/sources.list.d/${f##*/}" ;;
	*) sed -n 's/^deb /deb-src /p' "$f" >"$work/apt/sources.list.d/${f##*/}" ;;
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

# Each package: its version, the source files and their SHA-256 from the Sources index.
versions=
cd "$work/src"
for p in $packages; do
	aptq apt-cache showsrc --only-source "$p" >"$work/$p.showsrc" ||
		die "no source package $p in the deb-src index"
	v=$(awk '/^Version:/ { print $2; exit }' "$work/$p.showsrc")
	versions="$versions $p=$v"
	# The Debian diff may be missing on a mirror (apt-get then exits non-zero): the build
	# needs only the upstream tarball, checked below whatever apt-get said.
	aptq apt-get source --download-only "$p=$v" >/dev/null 2>"$work/$p.err" ||
		echo "musl-deps: apt-get source $p=$v: $(tail -n 1 "$work/$p.err")" >&2
	orig=$(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 }
		on && $3 ~ /\.orig\.tar\./ && $3 !~ /\.asc$/ { print $3; exit }' "$work/$p.showsrc")
	sum=$(awk -v f="$orig" '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 }
		on && $3 == f { print $1; exit }' "$work/$p.showsrc")
	[ -f "${orig:-/}" ] || die "$p: upstream tarball ${orig:-?} not downloaded"
	[ "$(sha256sum <"$orig" | cut -d' ' -f1)" = "$sum" ] ||
		die "$p: $orig does not match the SHA-256 of the Sources index"
	mkdir "$p"
	tar -xf "$orig" -C "$p" --strip-components=1
done
# musl-gcc sees only musl's headers; libbsd needs the kernel's (linux/, asm/).
rm -rf "$prefix"
mkdir -p "$prefix/kernel-include" "$prefix/lib/pkgconfig"
if [ -n "$host" ]; then
	asm=$kernel/asm
else
	asm=$kernel/$(gcc -print-multiarch)/asm
fi
[ -d "$asm" ] || die "no kernel headers in $asm (Debian: linux-libc-dev for that CPU)"
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
printf '%s\n%s\n' "$recipe" "$versions" >"$prefix/.stamp"
echo "musl-deps: built$versions into $prefix in $(($(date +%s) - start))s"
