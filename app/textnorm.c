#include "textnorm.h"
#include "util.h"

#include <string.h>

/* Latin Extended-A (U+0100..U+017F) to its base letter; '1' is ij, '2' is oe. */
static const char LATIN_EXT_A[129] =
	"aaaaaa" "cccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh" "iiiiiiiiii" "11" "jj" "kkk"
	"llllllllll" "nnnnnnnnn" "oooooo" "22" "rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww"
	"yyy" "zzzzzz" "s";

/* Latin-1 upper half (U+00C0..U+00FF) in lowercase ASCII for the PRIMARY spelling, with
 * '*' for a letter that needs a string and '-' for a symbol (× ÷) that separates words. */
static const char LATIN1[65] =
	"aaaaa**ceeeeiiii" "dnooooo-*uuuuy**" "aaaaa**ceeeeiiii" "dnooooo-*uuuuy*y";

static int put(char *out, const char *s)
{
	size_t n = strlen(s);
	memcpy(out, s, n);
	return (int)n;
}

/* What one code point folds to: out gets 0-3 bytes. Returns -1 for a word separator, 0 to drop
 * it, else the number of bytes. prev is the previous folded ASCII letter (for combining marks
 * in the ALT spelling). */
static int fold_cp(uint32_t cp, enum textnorm_spelling sp, char prev, char *out)
{
	int alt = sp == TEXTNORM_ALT;
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z') {
			out[0] = (char)(cp + 32);
			return 1;
		}
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			out[0] = (char)cp;
			return 1;
		}
		if (cp <= ' ' || strchr("-._,;:/+&()[]{}<>|\\!?@#=*~^%$", (int)cp))
			return -1;
		return 0; /* ' " ` and the like: dropped inside a word */
	}
	if (cp >= 0xC0 && cp <= 0xFF) {
		uint32_t lc = cp | 0x20; /* the lowercase row */
		switch (lc) {
		case 0xE4: /* ä */
			return put(out, alt ? "ae" : "a");
		case 0xE5: /* å */
			return put(out, alt ? "aa" : "a");
		case 0xE6: /* æ */
			return put(out, "ae");
		case 0xF6: /* ö */
		case 0xF8: /* ø */
			return put(out, alt ? "oe" : "o");
		case 0xFC: /* ü */
			return put(out, alt ? "ue" : "u");
		case 0xFE: /* þ */
			return put(out, "th");
		default:
			break;
		}
		if (cp == 0xDF)
			return put(out, "ss");
		char c = LATIN1[cp - 0xC0];
		if (c == '-')
			return -1;
		out[0] = c;
		return 1;
	}
	if (cp >= 0x100 && cp <= 0x17F) {
		char c = LATIN_EXT_A[cp - 0x100];
		if (c == '1')
			return put(out, "ij");
		if (c == '2')
			return put(out, "oe");
		out[0] = c;
		return 1;
	}
	if (cp >= 0x218 && cp <= 0x21B) { /* Romanian ș ț */
		out[0] = cp < 0x21A ? 's' : 't';
		return 1;
	}
	if (cp >= 0x300 && cp <= 0x36F) { /* combining marks */
		if (alt && cp == 0x30A && prev == 'a') { /* a + ring = å */
			out[0] = 'a';
			return 1;
		}
		if (alt && cp == 0x308 && (prev == 'a' || prev == 'o' || prev == 'u')) {
			out[0] = 'e';
			return 1;
		}
		return 0;
	}
	if (cp == 0xFFFD || cp == 0xFEFF || (cp >= 0x200B && cp <= 0x200F))
		return 0; /* invalid input, BOM, zero-width characters */
	if ((cp >= 0x2000 && cp <= 0x206F) || cp == 0xA0 || cp == 0x3000)
		return -1; /* spaces, dashes and general punctuation */
	if (cp >= 0x80 && cp < 0xC0)
		return -1; /* Latin-1 symbols and the no-break space */
	/* Greek and Cyrillic capitals to lowercase; other scripts as they are. */
	if ((cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F))
		cp += 0x20;
	else if (cp >= 0x400 && cp <= 0x40F)
		cp += 0x50;
	return utf8_put(cp, out);
}

/* Calls fold_cp over in; writes folded words separated by single spaces. */
size_t textnorm_fold(const char *in, enum textnorm_spelling sp, char *out, size_t size)
{
	size_t o = 0;
	int need_space = 0;
	char prev = 0;
	if (size == 0)
		BUG("textnorm_fold: no room");
	while (*in) {
		char buf[4];
		int n = fold_cp(utf8_next(&in), sp, prev, buf);
		if (n < 0) {
			need_space = o > 0;
			prev = 0;
			continue;
		}
		if (n == 0)
			continue;
		if (o + (size_t)n + (need_space ? 1 : 0) >= size)
			break;
		if (need_space) {
			out[o++] = ' ';
			need_space = 0;
		}
		memcpy(out + o, buf, (size_t)n);
		o += (size_t)n;
		prev = buf[n - 1];
	}
	out[o] = '\0';
	if (sp == TEXTNORM_COLLAPSED) {
		/* "aa" -> "a", "oe" -> "o", in place (the string only gets shorter). */
		size_t r = 0, w = 0;
		while (r < o) {
			if ((out[r] == 'a' && out[r + 1] == 'a') || (out[r] == 'o' && out[r + 1] == 'e')) {
				out[w++] = out[r];
				r += 2;
			} else {
				out[w++] = out[r++];
			}
		}
		out[w] = '\0';
		o = w;
	}
	return o;
}

/* Copies word [s, s+n) into dst[TEXTNORM_WORD_MAX], cut at a UTF-8 boundary. */
static void word_copy(char *dst, const char *s, size_t n)
{
	if (n >= TEXTNORM_WORD_MAX) {
		n = TEXTNORM_WORD_MAX - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int textnorm_words(const char *in, enum textnorm_spelling sp, char words[][TEXTNORM_WORD_MAX],
		   int max)
{
	char buf[1024];
	textnorm_fold(in, sp, buf, sizeof(buf));
	int n = 0;
	const char *p = buf;
	while (*p && n < max) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		word_copy(words[n++], p, len);
		p += len;
		if (*p == ' ')
			p++;
	}
	return n;
}

int textnorm_query(const char *query, char words[][TEXTNORM_WORD_MAX], int max)
{
	return textnorm_words(query, TEXTNORM_PRIMARY, words, max);
}

int textnorm_chars(const char *word)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)word; *p; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

void textnorm_tokens_init(struct textnorm_tokens *t)
{
	t->n = 0;
}

static void token_add(struct textnorm_tokens *t, char kind, const char *word)
{
	char tok[TEXTNORM_TOKEN_MAX];
	if (!word[0] || t->n == TEXTNORM_TOKENS_MAX)
		return;
	tok[0] = kind;
	tok[1] = ':';
	word_copy(tok + 2, word, strlen(word));
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->tok[i], tok) == 0)
			return;
	memcpy(t->tok[t->n++], tok, sizeof(tok));
}

/* Adds the words of text and, when there are several, all of them joined. */
static void tokens_words(struct textnorm_tokens *t, char kind, const char *text)
{
	static const enum textnorm_spelling sps[] = {
		TEXTNORM_PRIMARY, TEXTNORM_ALT, TEXTNORM_COLLAPSED
	};
	/* ALT differs from PRIMARY only for letters outside ASCII (ø, å, a + ring, ...): for an
	 * ASCII text (most email addresses) it would add nothing, at a third of the cost. */
	int ascii = 1;
	for (const unsigned char *p = (const unsigned char *)text; *p && ascii; p++)
		ascii = *p < 0x80;
	for (size_t s = 0; s < ARRAY_SIZE(sps); s++) {
		if (ascii && sps[s] == TEXTNORM_ALT)
			continue;
		char words[8][TEXTNORM_WORD_MAX];
		char whole[TEXTNORM_WORD_MAX];
		int n = textnorm_words(text, sps[s], words, (int)ARRAY_SIZE(words));
		size_t wl = 0;
		whole[0] = '\0';
		for (int i = 0; i < n; i++) {
			token_add(t, kind, words[i]);
			size_t l = strlen(words[i]);
			if (wl + l < sizeof(whole)) {
				memcpy(whole + wl, words[i], l + 1);
				wl += l;
			}
		}
		if (n > 1)
			token_add(t, kind, whole);
	}
}

void textnorm_tokens_name(struct textnorm_tokens *t, char kind, const char *name)
{
	if (name)
		tokens_words(t, kind, name);
}

void textnorm_tokens_email(struct textnorm_tokens *t, const char *email)
{
	char local[256];
	if (!email || !*email)
		return;
	const char *at = strrchr(email, '@');
	size_t n = at ? (size_t)(at - email) : strlen(email);
	if (n >= sizeof(local))
		n = sizeof(local) - 1;
	memcpy(local, email, n);
	local[n] = '\0';
	tokens_words(t, 'e', local);
}
