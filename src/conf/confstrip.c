// SPDX-License-Identifier: MIT
/*
 * Stripping the config file's comments before libconfuse reads it, fast, because a shipped
 * config is mostly comments: libconfuse's own comment handling miscounts lines, and a file
 * with nothing else need not be parsed at all.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "conf/confstrip.h"

/*
 * The length of the rest of the line at s, up to its '\n' or the first NUL byte, sixteen
 * bytes at a time: a commented config file is mostly comments, and this is where reading it
 * goes. s lies in a buffer that ends in CONFSTRIP_PAD zero bytes.
 */
#if defined(__SSE2__)
static size_t line_rest(const char *s)
{
	const __m128i newlines = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	size_t i;
	int hit;

	for (i = 0;; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));

		/* One bit per byte that is a newline or a NUL, the lowest address lowest. */
		hit = _mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, newlines), _mm_cmpeq_epi8(v, zero)));
		if (hit != 0)
			return i + (size_t)__builtin_ctz((unsigned)hit);
	}
}
#else
/* Sixteen bytes compared at once where the CPU can (NEON); GCC and clang both. */
typedef unsigned char bytes16 __attribute__((vector_size(16)));

static size_t line_rest(const char *s)
{
	const bytes16 newlines = {'\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n',
				  '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n'};
	const bytes16 zero = {0};
	uint64_t half[2];
	size_t i = 0;
	bytes16 v, hit;

	for (;; i += sizeof(v)) {
		memcpy(&v, s + i, sizeof(v));
		hit = (bytes16)(v == newlines) | (bytes16)(v == zero);
		memcpy(half, &hit, sizeof(half));
		if ((half[0] | half[1]) != 0)
			break;
	}
	/* Each byte found is 0xff in hit: the first one's place, from its lowest address. */
	if (half[0] == 0) {
		half[0] = half[1];
		i += sizeof(half[0]);
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return i + (size_t)__builtin_ctzll(half[0]) / 8;
#else
	return i + (size_t)__builtin_clzll(half[0]) / 8;
#endif
}
#endif

/* Bytes that end an unquoted word in libconfuse's lexer. */
static bool ends_word(char c)
{
	switch (c) {
	case '\0':
	case ' ':
	case '#':
	case '"':
	case '\'':
	case '\t':
	case '\n':
	case '\r':
	case '=':
	case '{':
	case '}':
	case '(':
	case ')':
	case '+':
	case ',':
	case '*':
		return true;
	default:
		return false;
	}
}

/* Index just past the string opening at buf[i] ('"' or '\''), as libconfuse scans it. */
static size_t string_end(const char *buf, size_t len, size_t i)
{
	const char *brace;
	char quote = buf[i];

	for (i++; i < len; i++) {
		if (buf[i] == '\\') {
			i++;
		} else if (buf[i] == quote) {
			return i + 1;
		} else if (quote == '"' && buf[i] == '$' && i + 1 < len && buf[i + 1] == '{') {
			/* "${NAME}" is one token to libconfuse even when NAME holds a quote. */
			brace = memchr(buf + i, '}', len - i);
			if (brace != NULL)
				i = (size_t)(brace - buf);
		}
	}
	return len;
}

ssize_t confstrip(char *buf, size_t len, int *line, bool *blank)
{
	size_t r = 0, w = 0, end;
	bool in_word = false;
	const char *close;
	int lineno = 1;

	while (r < len) {
		bool slash = !in_word && buf[r] == '/' && r + 1 < len;

		/* A commented file is mostly comments, and newlines and blanks: those first. */
		if (buf[r] == '#' || (slash && buf[r + 1] == '/')) {
			r += line_rest(buf + r);
			if (r < len && buf[r] == '\0') {
				/* A NUL byte: kept for the caller to find, and the rest dropped. */
				buf[w++] = '\0';
				return (ssize_t)w;
			}
			in_word = false;
			continue;
		}
		if (buf[r] == '\n' || buf[r] == ' ' || buf[r] == '\t') {
			lineno += buf[r] == '\n';
			buf[w++] = buf[r++];
			in_word = false;
			continue;
		}
		end = r + 1;
		if (buf[r] == '"' || buf[r] == '\'') {
			end = string_end(buf, len, r);
		} else if (!in_word && buf[r] == '$' && r + 1 < len && buf[r + 1] == '{' &&
			   (close = memchr(buf + r, '}', len - r)) != NULL) {
			end = (size_t)(close - buf) + 1; /* ${NAME} */
		} else if (slash && buf[r + 1] == '*') {
			close = memmem(buf + r + 2, len - r - 2, "*/", 2);
			if (close == NULL) {
				*line = lineno;
				return -1;
			}
			/* A space where the comment was, then its newlines. */
			buf[w++] = ' ';
			for (; buf + r < close; r++) {
				if (buf[r] == '\0')
					buf[w++] = '\0';
				if (buf[r] == '\n') {
					buf[w++] = '\n';
					lineno++;
				}
			}
			r += 2;
			in_word = false;
			continue;
		}
		*blank = false;
		in_word = end == r + 1 && !ends_word(buf[r]);
		for (; r < end; r++) {
			lineno += buf[r] == '\n';
			buf[w++] = buf[r];
		}
	}
	return (ssize_t)w;
}
