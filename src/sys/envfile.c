// SPDX-License-Identifier: MIT
/*
 * A program's environment from files (see envfile.h), read by pid1 at each start so that a
 * restart sees a rotated secret. Distrusted: the files and the paths to them. Each is opened
 * as the config file is (sys/safefile.c: never blocking, a regular file only, as root one
 * only root can change) and read up to ENVFILE_MAX_BYTES. Values may be secrets: no message
 * made here ever holds one, only names, files and lines.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/envfile.h"
#include "sys/safefile.h"

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

static const char nomem[] = "out of memory";

/* Adds name (nlen bytes), and "=value" unless value is NULL, to l. Returns 0 or -1. */
static int add(struct envlist *l, const char *name, size_t nlen, const char *value, size_t vlen)
{
	char **v, *s;

	if (l->n + 2 > l->cap) {
		v = reallocarray(l->v, l->cap == 0 ? 16 : l->cap * 2, sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = l->cap == 0 ? 16 : l->cap * 2;
	}
	s = malloc(nlen + (value != NULL ? vlen + 1 : 0) + 1);
	if (s == NULL)
		return -1;
	memcpy(s, name, nlen);
	s[nlen] = '\0';
	if (value != NULL) {
		s[nlen] = '=';
		memcpy(s + nlen + 1, value, vlen);
		s[nlen + 1 + vlen] = '\0';
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

void envlist_free(struct envlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The value at buf[*i], up to the end of its line (or of its closing quote's), into val;
 * *i and *line move past it. Returns its length, or -1 with *why set.
 */
static ssize_t value(const char *buf, size_t len, size_t *i, int *line, char *val, const char **why)
{
	size_t n = 0, keep = 0;
	char quote = '\0';

	if (*i < len && (buf[*i] == '\'' || buf[*i] == '"'))
		quote = buf[(*i)++];
	for (; *i < len && (quote != 0 || buf[*i] != '\n'); (*i)++) {
		char c = buf[*i], next = '\0';

		if (*i + 1 < len)
			next = buf[*i + 1];
		if (c == quote)
			break;
		if (c == '\\' && quote != '\'' && next == '\n') {
			/* A line continued: the backslash and the newline are dropped. */
			(*i)++;
			(*line)++;
			continue;
		}
		if (c == '\\' && quote == 0 && *i + 1 < len) {
			c = buf[++(*i)];
			keep = n + 1; /* an escaped blank is not trimmed */
		} else if (c == '\\' && quote == '"' && strchr("\"\\`$", next) != NULL && next) {
			c = buf[++(*i)];
		}
		*line += c == '\n';
		val[n++] = c;
	}
	if (quote == 0) {
		while (n > keep && blank(val[n - 1]))
			n--;
		return (ssize_t)n;
	}
	if (*i >= len) {
		*why = "no closing quote";
		return -1;
	}
	for ((*i)++; *i < len && blank(buf[*i]); (*i)++)
		;
	if (*i < len && buf[*i] != '\n') {
		*why = "text after the closing quote";
		return -1;
	}
	return (ssize_t)n;
}

/* One assignment at buf[*i], its name's first byte. Returns 0, or -1 with *why set. */
static int assignment(const char *buf, size_t len, size_t *i, int *line, struct envlist *out,
		      const char **why)
{
	size_t name = *i, nlen = strspn(buf + name, NAME_CHARS);
	ssize_t vlen;
	char *val;
	int rc;

	*i += nlen;
	while (*i < len && blank(buf[*i]))
		(*i)++;
	if (*i >= len || buf[*i] != '=') {
		*why = memchr(buf + name, '=', strcspn(buf + name, "\n")) != NULL
			   ? "not a variable name before '='"
			   : "not NAME=value";
		return -1;
	}
	if (nlen == 0 || (buf[name] >= '0' && buf[name] <= '9')) {
		*why = "not a variable name before '='";
		return -1;
	}
	for ((*i)++; *i < len && (buf[*i] == ' ' || buf[*i] == '\t'); (*i)++)
		;
	/* The value is never longer than what is left of the file. */
	val = malloc(len - *i + 1);
	if (val == NULL) {
		*why = nomem;
		return -1;
	}
	vlen = value(buf, len, i, line, val, why);
	rc = vlen < 0 ? -1 : add(out, buf + name, nlen, val, (size_t)vlen);
	if (rc < 0 && vlen >= 0)
		*why = nomem;
	free(val);
	return rc;
}

int envfile_parse(const char *buf, size_t len, struct envlist *out, int *line, const char **why)
{
	const char *nul = memchr(buf, '\0', len);
	size_t i = 0;

	*line = 1;
	if (nul != NULL) {
		for (; buf + i < nul; i++)
			*line += buf[i] == '\n';
		*why = "a NUL byte";
		return -1;
	}
	while (i < len) {
		int start = *line;

		while (i < len && blank(buf[i]))
			i++;
		if (i < len && (buf[i] == '#' || buf[i] == ';'))
			i += strcspn(buf + i, "\n");
		if (i < len && buf[i] == '\n') {
			i++;
			(*line)++;
			continue;
		}
		if (i >= len)
			break;
		/* Shell-style files written for `. file` too: "export NAME=value". */
		if (strncmp(buf + i, "export", 6) == 0 && blank(buf[i + 6]))
			for (i += 6; i < len && blank(buf[i]); i++)
				;
		if (assignment(buf, len, &i, line, out, why) < 0) {
			if (*why != nomem)
				*line = start;
			return -1;
		}
	}
	return 0;
}

/* Opens and reads path whole; NULL with err filled. *missing: it does not exist. */
static char *slurp(const char *path, size_t *len, bool *missing, char *err, size_t errlen)
{
	char why[PATH_MAX + 100];
	int fd = safefile_open(path, why, sizeof(why));
	char *buf;

	*missing = fd == -1 && errno == ENOENT;
	if (fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path, why);
		return NULL;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return NULL;
	}
	buf = safefile_read(fd, ENVFILE_MAX_BYTES, len);
	if (buf == NULL)
		snprintf(err, errlen, "%s: %s", path,
			 errno == EFBIG ? "larger than " ENVFILE_MAX_TEXT : strerror(errno));
	close(fd);
	return buf;
}

/* One env-file, "-" before an optional one. Returns 0, or -1 with err filled. */
static int load_file(const char *spec, struct envlist *out, char *err, size_t len)
{
	bool optional = spec[0] == '-', missing;
	const char *path = spec + optional, *why;
	size_t n;
	char *buf = slurp(path, &n, &missing, err, len);
	int line, rc;

	if (buf == NULL)
		return optional && missing ? 0 : -1;
	rc = envfile_parse(buf, n, out, &line, &why);
	if (rc < 0 && why == nomem)
		snprintf(err, len, "%s: %s", path, why);
	else if (rc < 0)
		snprintf(err, len, "%s:%d: %s", path, line, why);
	free(buf);
	return rc;
}

/*
 * One variable of an env-dir, as s6-envdir reads it: an empty file removes it, else its
 * first line is its value, without trailing blanks, with each NUL byte a newline.
 */
static int load_entry(const char *dir, const char *name, struct envlist *out, char *err, size_t len)
{
	char path[PATH_MAX];
	size_t n, i;
	char *buf, *nl;
	bool missing;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		snprintf(err, len, "%s: name too long", dir);
		return -1;
	}
	buf = slurp(path, &n, &missing, err, len);
	if (buf == NULL)
		return -1;
	if (n == 0) {
		rc = add(out, name, strlen(name), NULL, 0);
	} else {
		nl = memchr(buf, '\n', n);
		if (nl != NULL)
			n = (size_t)(nl - buf);
		for (i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = '\n';
		while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
			n--;
		rc = add(out, name, strlen(name), buf, n);
	}
	if (rc < 0)
		snprintf(err, len, "%s: %s", path, nomem);
	free(buf);
	return rc;
}

/* A name s6-envdir takes: not hidden, no '='. */
static bool entry_name(const char *name)
{
	return name[0] != '.' && strchr(name, '=') == NULL;
}

/* An env-dir, "-" before an optional one. Returns 0, or -1 with err filled. */
static int load_dir(const char *spec, struct envlist *out, char *err, size_t len)
{
	bool optional = spec[0] == '-';
	const char *dir = spec + optional;
	size_t count = 0;
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	/* O_DIRECTORY: a FIFO in its place is refused before it could block the open. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		if (optional && errno == ENOENT)
			return 0;
		snprintf(err, len, "cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
		if (!entry_name(e->d_name))
			continue;
		if (++count > ENVFILE_DIR_ENTRIES) {
			snprintf(err, len, "%s: more than %d variables", dir, ENVFILE_DIR_ENTRIES);
			rc = -1;
		} else {
			rc = load_entry(dir, e->d_name, out, err, len);
		}
	}
	if (rc == 0 && errno != 0) {
		snprintf(err, len, "cannot read %s: %s", dir, strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}

/* The value the child would see for name (nlen bytes) so far, or NULL. */
static const char *lookup(const struct privs_conf *conf, const struct envlist *l, const char *name,
			  size_t nlen)
{
	const struct privs_conf *c;
	char **p;
	size_t i;

	for (i = l->n; i-- > 0;)
		if (strncmp(l->v[i], name, nlen) == 0 &&
		    (l->v[i][nlen] == '=' || l->v[i][nlen] == '\0'))
			return l->v[i][nlen] == '=' ? l->v[i] + nlen + 1 : NULL;
	for (c = conf; c != NULL; c = c->outer)
		for (p = c->unset_env; p != NULL && *p != NULL; p++)
			if (strlen(*p) == nlen && strncmp(*p, name, nlen) == 0)
				return NULL;
	for (p = environ; p != NULL && *p != NULL; p++)
		if (strncmp(*p, name, nlen) == 0 && (*p)[nlen] == '=')
			return *p + nlen + 1;
	return NULL;
}

/*
 * NAME from the file NAME_FILE names, as the entrypoints of Docker's official images do it:
 * both set is an error, the file's trailing newlines are dropped, NAME_FILE is removed.
 */
static int file_env(const struct privs_conf *conf, const char *name, struct envlist *out, char *err,
		    size_t len)
{
	char var[PRIVS_NAME_MAX + 8];
	size_t nlen = strlen(name), n;
	const char *path, *set;
	bool missing;
	char *buf;
	int rc;

	if ((size_t)snprintf(var, sizeof(var), "%s_FILE", name) >= sizeof(var)) {
		snprintf(err, len, "file-env: name too long");
		return -1;
	}
	path = lookup(conf, out, var, strlen(var));
	if (path == NULL || path[0] == '\0')
		return 0;
	set = lookup(conf, out, name, nlen);
	if (set != NULL && set[0] != '\0') {
		snprintf(err, len, "both %s and %s are set", name, var);
		return -1;
	}
	/* path points into the list's strings, which stay put, or into environ. */
	buf = slurp(path, &n, &missing, err, len);
	if (buf == NULL)
		return -1;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	if (memchr(buf, '\0', n) != NULL) {
		snprintf(err, len, "%s: the file %s names holds a NUL byte", var, var);
		rc = -1;
	} else {
		rc = add(out, name, nlen, buf, n) < 0 || add(out, var, strlen(var), NULL, 0) < 0
			 ? -1
			 : 0;
		if (rc < 0)
			snprintf(err, len, "%s: %s", var, nomem);
	}
	free(buf);
	return rc;
}

/* One level's files: its env-dir, then its env-files in order. */
static int load_level(const struct privs_conf *c, struct envlist *out, char *err, size_t len)
{
	char **p;

	if (c->env_dir != NULL && load_dir(c->env_dir, out, err, len) < 0)
		return -1;
	for (p = c->env_file; p != NULL && *p != NULL; p++)
		if (load_file(*p, out, err, len) < 0)
			return -1;
	return 0;
}

static bool names_files(const struct privs_conf *c)
{
	return c != NULL && (c->env_file != NULL || c->env_dir != NULL || c->file_env != NULL);
}

void envfile_free(char **list)
{
	char **p;

	for (p = list; p != NULL && *p != NULL; p++)
		free(*p);
	free(list);
}

/* Adds a copy of each entry of list to l. Returns 0 or -1. */
static int add_all(struct envlist *l, char *const *list)
{
	for (; list != NULL && *list != NULL; list++)
		if (add(l, *list, strlen(*list), NULL, 0) < 0)
			return -1;
	return 0;
}

int envfile_build(const struct privs_conf *conf, char **const *exported, char ***out, char *err,
		  size_t len)
{
	const struct privs_conf *levels[] = {conf->outer, conf};
	/* A program without env of its own has the top level's, which oneshots may override. */
	bool own_env = conf->outer != NULL && conf->env != conf->outer->env;
	struct envlist l = {NULL, 0, 0};
	size_t i;
	char **p;

	envfile_free(*out);
	*out = NULL;
	if (!names_files(conf) && !names_files(conf->outer) &&
	    (exported == NULL || exported[0] == NULL))
		return 0;
	if (conf->outer != NULL && load_level(conf->outer, &l, err, len) < 0)
		goto fail;
	if (!own_env && add_all(&l, conf->env) < 0)
		goto nomem;
	for (i = 0; exported != NULL && exported[i] != NULL; i++)
		if (add_all(&l, exported[i]) < 0)
			goto nomem;
	if (own_env && add_all(&l, conf->env) < 0)
		goto nomem;
	if (load_level(conf, &l, err, len) < 0)
		goto fail;
	for (i = 0; i < 2; i++)
		for (p = levels[i] != NULL ? levels[i]->file_env : NULL; p != NULL && *p != NULL;
		     p++)
			if (file_env(conf, *p, &l, err, len) < 0)
				goto fail;
	/* An empty list still means "files were read": env must not apply a second time. */
	if (l.v == NULL && (l.v = calloc(1, sizeof(*l.v))) == NULL)
		goto nomem;
	*out = l.v;
	return 0;
nomem:
	snprintf(err, len, "%s", nomem);
fail:
	envlist_free(&l);
	return -1;
}
