#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Per-thread like SDL_GetError(): the UI, uploader and printer threads each have their own. */
static _Thread_local char last_error[1024];

void bug_at(const char *file, int line, const char *msg)
{
	fprintf(stderr, "BUG: %s:%d: %s\n", file, line, msg);
	abort();
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("barnstorm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

int err_set(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return -1;
}

const char *err_msg(void)
{
	return last_error[0] ? last_error : "unknown error";
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		BUG("out of memory");
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		BUG("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		BUG("out of memory");
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = xmalloc(len + 1);
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

int str_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);
	if (size == 0)
		BUG("str_copy into an empty buffer");
	if (len >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		/* Do not leave half a UTF-8 sequence at the end. */
		size_t end = size - 1;
		while (end > 0 && ((unsigned char)dst[end - 1] & 0xC0) == 0x80)
			end--;
		if (end > 0 && ((unsigned char)dst[end - 1] & 0xC0) == 0xC0)
			dst[end - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

int str_fmt(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

int str_to_int(const char *s, long min, long max, long *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

char *str_trim(char *s)
{
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
		s[--len] = '\0';
	size_t lead = strspn(s, " \t\r\n");
	if (lead)
		memmove(s, s + lead, len - lead + 1);
	return s;
}

/* Decodes the sequence at s, of which at most avail bytes may be read, into *cp and its length
 * into *len; returns 1. A bad lead byte, a byte that does not continue the sequence (a NUL
 * included) or the end of avail returns 0 with *len the bytes to skip, stopping before the byte
 * that broke the sequence. Overlong forms and surrogates decode: utf8_valid() rejects them. */
static int utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp, size_t *len)
{
	unsigned c = s[0];
	size_t n;
	if (c < 0x80) {
		*cp = c;
		*len = 1;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 1; *cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 2; *cp = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		n = 3; *cp = c & 0x07;
	} else {
		*len = 1;
		return 0;
	}
	for (size_t i = 1; i <= n; i++) {
		if (i >= avail || (s[i] & 0xC0) != 0x80) {
			*len = i;
			return 0;
		}
		*cp = (*cp << 6) | (s[i] & 0x3F);
	}
	*len = n + 1;
	return 1;
}

int utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *e = s + len;
	while (s < e) {
		/* ASCII, the most of any roster: eight bytes at a time. */
		uint64_t w;
		while (e - s >= 8 && (memcpy(&w, s, 8), (w & 0x8080808080808080ull) == 0))
			s += 8;
		if (s < e && *s < 0x80) {
			s++;
			continue;
		}
		if (s == e)
			break;
		uint32_t cp;
		size_t n;
		if (!utf8_decode(s, (size_t)(e - s), &cp, &n))
			return 0;
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		s += n;
	}
	return 1;
}

uint32_t utf8_next(const char **str)
{
	uint32_t cp;
	size_t n;
	/* The string ends at its NUL, which never continues a sequence: no length is needed. */
	int ok = utf8_decode((const unsigned char *)*str, SIZE_MAX, &cp, &n);
	*str += n;
	return ok ? cp : 0xFFFD;
}

int utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Windows-1252 0x80..0x9F; the rest of the upper half is Latin-1. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

char *cp1252_to_utf8(const char *s, size_t len)
{
	char *out = xmalloc(len * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp = c < 0x80 ? c : c < 0xA0 ? cp1252_high[c - 0x80] : c;
		o += (size_t)utf8_put(cp, out + o);
	}
	out[o] = '\0';
	return out;
}

char *file_read(const char *path, size_t limit, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap >= limit) {
				err_set("'%s' is larger than %zu bytes", path, limit);
				goto fail;
			}
			cap = cap * 2 > limit ? limit : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				err_set("cannot read '%s': %s", path, strerror(errno));
				goto fail;
			}
			break;
		}
	}
	/* One byte past the limit tells a full file from a file that is too large. */
	if (len == cap && cap >= limit && fgetc(f) != EOF) {
		err_set("'%s' is larger than %zu bytes", path, limit);
		goto fail;
	}
	fclose(f);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

int file_write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	if (str_fmt(tmp, sizeof(tmp), "%s.tmp", path) < 0)
		return err_set("path too long: '%s'", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set("cannot create '%s': %s", tmp, strerror(errno));
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set("cannot write '%s': %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		err_set("cannot write '%s': %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		err_set("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void uuid_v4(char out[37])
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			BUG("getrandom failed");
		}
		got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

int dir_make(const char *dir)
{
	char path[4096];
	if (str_copy(path, sizeof(path), dir) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}
