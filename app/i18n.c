#include "i18n.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LANGS 4
#define MO_LIMIT (4u << 20)

struct catalog {
	char code[8];
	char *data;      /* the whole .mo file, NULL for English or a missing catalog */
	size_t len;
	uint32_t n;
	uint32_t orig, trans; /* offsets of the two string tables */
	int swap;        /* the file's byte order differs from ours */
};

struct i18n {
	struct catalog cat[MAX_LANGS];
	int n;
	int complete;
	char error[512];
};

static uint32_t rd32(const struct catalog *c, uint32_t off)
{
	uint32_t v;
	memcpy(&v, c->data + off, 4);
	return c->swap ? __builtin_bswap32(v) : v;
}

/* Validates the header and every table entry once, so lookups need no bounds checks. */
static int mo_load(struct catalog *c, const char *path)
{
	size_t len;
	char *data = file_read(path, MO_LIMIT, &len);
	if (!data)
		return -1;
	c->data = data;
	c->len = len;
	uint32_t magic;
	if (len < 28)
		goto bad;
	memcpy(&magic, data, 4);
	if (magic == 0x950412de)
		c->swap = 0;
	else if (magic == 0xde120495)
		c->swap = 1;
	else
		goto bad;
	c->n = rd32(c, 8);
	c->orig = rd32(c, 12);
	c->trans = rd32(c, 16);
	if (c->n > 100000 || c->orig > len || c->trans > len || (uint64_t)c->n * 8 > len - c->orig ||
	    (uint64_t)c->n * 8 > len - c->trans)
		goto bad;
	for (uint32_t i = 0; i < c->n; i++) {
		for (int t = 0; t < 2; t++) {
			uint32_t base = t ? c->trans : c->orig;
			uint32_t slen = rd32(c, base + i * 8), soff = rd32(c, base + i * 8 + 4);
			if (soff > len || slen >= len - soff || data[soff + slen] != '\0')
				goto bad;
		}
	}
	return 0;
bad:
	free(c->data);
	c->data = NULL;
	return err_set("'%s' is not a valid message catalog", path);
}

struct i18n *i18n_open(const char *dir, const char *const codes[], int n)
{
	struct i18n *t = xcalloc(1, sizeof(*t));
	t->complete = 1;
	for (int i = 0; i < n && t->n < MAX_LANGS; i++) {
		struct catalog *c = &t->cat[t->n++];
		str_copy(c->code, sizeof(c->code), codes[i]);
		if (!strcmp(codes[i], "en"))
			continue;
		char path[4096];
		str_fmt(path, sizeof(path), "%s/%s.mo", dir, codes[i]);
		if (mo_load(c, path) < 0) {
			t->complete = 0;
			str_copy(t->error, sizeof(t->error), err_msg());
		}
	}
	return t;
}

void i18n_close(struct i18n *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++)
		free(t->cat[i].data);
	free(t);
}

int i18n_index(const struct i18n *t, const char *code)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->cat[i].code, code))
			return i;
	return -1;
}

const char *i18n_code(const struct i18n *t, int lang)
{
	return lang >= 0 && lang < t->n ? t->cat[lang].code : "en";
}

const char *i18n_name(const char *code)
{
	if (!strcmp(code, "da"))
		return "Dansk";
	if (!strcmp(code, "sv"))
		return "Svenska";
	return "English";
}

/* Binary search over the sorted originals; returns the entry index or -1. */
static long mo_find(const struct catalog *c, const char *msgid)
{
	long lo = 0, hi = (long)c->n - 1;
	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		const char *s = c->data + rd32(c, c->orig + (uint32_t)mid * 8 + 4);
		int cmp = strcmp(msgid, s);
		if (cmp == 0)
			return mid;
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

static const char *mo_lookup(const struct i18n *t, int lang, const char *msgid, int form)
{
	if (lang < 0 || lang >= t->n || !t->cat[lang].data)
		return NULL;
	const struct catalog *c = &t->cat[lang];
	long i = mo_find(c, msgid);
	if (i < 0)
		return NULL;
	uint32_t len = rd32(c, c->trans + (uint32_t)i * 8);
	const char *s = c->data + rd32(c, c->trans + (uint32_t)i * 8 + 4);
	const char *end = s + len;
	/* Plural forms are NUL-separated inside one translation. */
	for (int f = 0; f < form; f++) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));
		if (!nul || nul >= end)
			return NULL;
		s = nul + 1;
	}
	return *s ? s : NULL;
}

const char *i18n_get(const struct i18n *t, int lang, const char *msgid)
{
	const char *s = mo_lookup(t, lang, msgid, 0);
	return s ? s : msgid;
}

const char *i18n_nget(const struct i18n *t, int lang, const char *singular, const char *plural,
		      long n)
{
	int form = n != 1;
	const char *s = mo_lookup(t, lang, singular, form);
	return s ? s : form ? plural : singular;
}

int i18n_complete(const struct i18n *t)
{
	if (!t->complete)
		err_set("%s", t->error);
	return t->complete;
}
