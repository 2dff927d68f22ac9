#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# scripts/musl-deps.sh, the libraries the musl static pid1 links: built from Debian's source
# packages with their patch series, and a prefix that changed after its build is never
# reused. Run by CI after the stage that builds the prefix (MUSL_DEPS_PREFIX, default
# /var/cache/pid1-musl); some tests change the prefix and put it back, one rebuilds it.
# What it distrusts: the cached prefix, which anything running as root may have changed.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

: "${MUSL_DEPS_PREFIX:=/var/cache/pid1-musl}"
: "${MUSL_DEPS_SCRIPT:=$BATS_TEST_DIRNAME/../../scripts/musl-deps.sh}"

setup() {
	P=$MUSL_DEPS_PREFIX
	[ -f "$P/lib/libconfuse.a" ] || fail "no libraries in $P: run $MUSL_DEPS_SCRIPT first"
	SAVED=$BATS_TEST_TMPDIR/saved
	mkdir -p "$SAVED"
}

# Whatever a test changed in the prefix is put back, even when it fails half-way.
teardown() {
	[ ! -f "$SAVED/libconfuse.a" ] || cp "$SAVED/libconfuse.a" "$P/lib/libconfuse.a"
	[ ! -f "$SAVED/confuse.h" ] || cp "$SAVED/confuse.h" "$P/include/confuse.h"
	rm -f "$P/include/stray.h"
	chmod 755 "$P/lib"
}

# tilde PREFIX: the output of cfg_tilde_expand("~root/x") with PREFIX's libconfuse, linked
# with musl and a malloc that hands out memory full of 'x' (as reused heap memory may be), and
# a getpwnam that knows "root" only. Before CVE-2022-40320's fix, libconfuse passes getpwnam
# the user name unterminated ("rootx"), so the name is not found and "~root/x" comes back.
tilde() {
	cat >"$BATS_TEST_TMPDIR/tilde.c" <<'EOF'
#include <confuse.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

static char arena[1 << 20];
static size_t used;

void *malloc(size_t n)
{
	char *p;

	used = (used + 15) & ~(size_t)15;
	if (used + 16 + n + 1 > sizeof(arena))
		return NULL;
	memcpy(arena + used, &n, sizeof(n));
	p = arena + used + 16;
	memset(p, 'x', n);
	p[n] = 0; /* a bound for what reads past the end */
	used += 16 + n + 1;
	return p;
}

void free(void *p)
{
	(void)p;
}

void *calloc(size_t m, size_t n)
{
	void *p = malloc(m * n);

	return p ? memset(p, 0, m * n) : p;
}

void *realloc(void *p, size_t n)
{
	void *q = malloc(n);
	size_t old;

	if (q && p) {
		memcpy(&old, (char *)p - 16, sizeof(old));
		memcpy(q, p, old < n ? old : n);
	}
	return q;
}

static struct passwd root = { .pw_name = "root", .pw_dir = "/root" };

struct passwd *getpwnam(const char *name)
{
	return strcmp(name, "root") ? NULL : &root;
}

struct passwd *getpwuid(uid_t uid)
{
	return uid ? NULL : &root;
}

int main(void)
{
	char *e = cfg_tilde_expand("~root/x");

	puts(e ? e : "(null)");
	return 0;
}
EOF
	musl-gcc -static -I"$1/include" "$BATS_TEST_TMPDIR/tilde.c" -L"$1/lib" -lconfuse \
		-o "$BATS_TEST_TMPDIR/tilde" || return 1
	"$BATS_TEST_TMPDIR/tilde"
}

@test "the cached libconfuse has Debian's fix for CVE-2022-40320 (cfg_tilde_expand)" {
	run -0 tilde "$P"
	assert_output /root/x
}

@test "the prefix records the source versions and the patch series it was built with" {
	run -0 grep -E '^source (libmd|libbsd|libconfuse) [0-9]' "$P/.built-from"
	assert_equal "${#lines[@]}" 3
	run -0 grep -c -E '^patch libconfuse [0-9a-f]{64} CVE-2022-40320\.patch$' "$P/.built-from"
	assert_output 1
}

@test "--check: a changed library, a changed or added header, or a prefix others can write is refused" {
	run -0 sh "$MUSL_DEPS_SCRIPT" --check "$P"

	cp "$P/lib/libconfuse.a" "$SAVED/"
	printf x >>"$P/lib/libconfuse.a"
	run -1 sh "$MUSL_DEPS_SCRIPT" --check "$P"
	assert_output --partial "differs from its manifest"
	assert_output --partial "./lib/libconfuse.a"
	cp "$SAVED/libconfuse.a" "$P/lib/libconfuse.a"

	cp "$P/include/confuse.h" "$SAVED/"
	sed -i 's/cfg_tilde_expand/cfg_tilde_expanse/' "$P/include/confuse.h"
	run -1 sh "$MUSL_DEPS_SCRIPT" --check "$P"
	assert_output --partial "./include/confuse.h"
	cp "$SAVED/confuse.h" "$P/include/confuse.h"

	: >"$P/include/stray.h"
	run -1 sh "$MUSL_DEPS_SCRIPT" --check "$P"
	assert_output --partial "./include/stray.h"
	rm "$P/include/stray.h"

	chmod 777 "$P/lib"
	run -1 sh "$MUSL_DEPS_SCRIPT" --check "$P"
	assert_output --partial "$P/lib is writable by others"
	chmod 755 "$P/lib"

	run -0 sh "$MUSL_DEPS_SCRIPT" --check "$P"
}

@test "a prefix changed after its build is built again, not reused" {
	printf x >>"$P/lib/libconfuse.a"
	run -0 sh "$MUSL_DEPS_SCRIPT" "$P"
	assert_line --partial "musl-deps: building again: $P differs from its manifest"
	assert_line --regexp '^musl-deps: built libmd .* into'
	run -0 sh "$MUSL_DEPS_SCRIPT" --check "$P"
	run -0 tilde "$P"
	assert_output /root/x
}
