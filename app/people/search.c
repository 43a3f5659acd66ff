/* People: the search at the door and at the sign-up table (people.h, "Search"). */
#include "people.h"
#include "people/internal.h"
#include "clock.h"
#include "i18n.h"
#include "outbox.h"
#include "store.h"
#include "textnorm.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>


/* A search looks at no more than this many candidate people (bounded time per keystroke even
 * when a two-letter prefix matches a tenth of a 100,000-person roster). */
#define SEARCH_SCAN_MAX 2000
/* Choosing the driving word counts at most this many of each word's tokens. */
#define COUNT_CAP 300
#define SEEN_SLOTS 16384 /* power of two, above the most ids one search can see */
#define SET_MAX 6000    /* tokens collected for the two-word set (< SEEN_SLOTS / 2) */
#define SET_ITER_MAX 256 /* a set this small is scored person by person */

/* ---- search ---- */

/* Per-word match quality, lower is better: exact first name, exact last name, exact email,
 * then the same three as prefixes. */
static int match_score(const char *tok, const char *word)
{
	static const char kinds[] = "fle";
	const char *k = strchr(kinds, tok[0]);
	size_t n = strlen(word);
	if (!k || tok[1] != ':' || strncmp(tok + 2, word, n) != 0)
		return -1;
	return (int)(k - kinds) + (tok[2 + n] ? 3 : 0);
}

struct hit {
	int64_t id;
	int score;
	struct people_result r;
	char key[TEXTNORM_WORD_MAX]; /* folded first name, for a stable order */
};

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->r.checked_in != y->r.checked_in)
		return x->r.checked_in - y->r.checked_in;
	if (x->score != y->score)
		return x->score - y->score;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int same_display(const struct people_result *a, const struct people_result *b)
{
	return !strcmp(a->first_name, b->first_name) && !strcmp(a->last_initial, b->last_initial);
}

/* People who look the same in a list ("Søren K." twice) stand together where the first of them
 * ranks, the ones already checked in first: a Søren who has checked in and searches again finds
 * his own row, never below the other Søren's (who would then be checked in by mistake). Checked-in
 * people without a namesake still go after the others. n is at most PEOPLE_SEARCH_MAX. */
static void keep_namesakes_together(struct hit *h, int n, struct people_result *out)
{
	char placed[PEOPLE_SEARCH_MAX] = {0};
	int o = 0;
	for (int i = 0; i < n; i++) {
		if (placed[i])
			continue;
		for (int pass = 1; pass >= 0; pass--)
			for (int j = i; j < n; j++)
				if (!placed[j] && h[j].r.checked_in == pass && same_display(&h[i].r, &h[j].r)) {
					out[o++] = h[j].r;
					placed[j] = 1;
				}
	}
}

/* Namesakes next to each other (keep_namesakes_together) get as many letters of the last name as
 * make their rows differ ("Søren Kie.", "Søren Kjæ."), up to PEOPLE_TELL_APART_CHARS: the least
 * that tells two people apart, shown only because both matched what was typed. */
static void tell_apart(struct people_result *r, int n)
{
	for (int i = 0; i < n;) {
		int j = i + 1;
		while (j < n && same_display(&r[i], &r[j]))
			j++;
		if (j - i > 1) {
			int chars = 2;
			for (; chars < PEOPLE_TELL_APART_CHARS; chars++) {
				int clash = 0;
				for (int a = i; a < j && !clash; a++)
					for (int b = a + 1; b < j && !clash; b++) {
						people_display(&r[a], chars);
						people_display(&r[b], chars);
						clash = !strcmp(r[a].display, r[b].display);
					}
				if (!clash)
					break;
			}
			for (int a = i; a < j; a++)
				people_display(&r[a], chars);
		}
		i = j;
	}
}

/* The upper bound of a prefix range: the prefix with its last byte + 1 (bytes of UTF-8 are at
 * most 0xF4, so this never overflows). */
static void range_end(const char *lo, char *hi, size_t size)
{
	str_copy(hi, size, lo);
	size_t n = strlen(hi);
	hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
}

/* Bounded count of tokens with this prefix in any kind: how selective a word is. */
static int word_count(struct store *s, const char *word, int cap)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT count(*) FROM (SELECT 1 FROM person_token WHERE token >= ?1 AND token < ?2 "
		"LIMIT ?3)");
	if (!st)
		return -1;
	int total = 0;
	for (const char *k = "fle"; *k && total < cap; k++) {
		char lo[TEXTNORM_TOKEN_MAX], hi[TEXTNORM_TOKEN_MAX];
		str_fmt(lo, sizeof(lo), "%c:%s", *k, word);
		range_end(lo, hi, sizeof(hi));
		store_bind_text(st, 1, lo);
		store_bind_text(st, 2, hi);
		store_bind_int(st, 3, cap - total);
		if (store_step(st) != STORE_ROW) {
			store_reset(st);
			return -1;
		}
		total += (int)store_col_int(st, 0);
		store_reset(st);
	}
	return total;
}

/* Scores person id against every query word from its tokens: the sum of the best per-word
 * scores, -1 when a word matches none of them, -2 with err_msg() when the store failed. */
static int person_score(struct store *s, int64_t id, char words[][TEXTNORM_WORD_MAX], int nw)
{
	int best[TEXTNORM_QUERY_WORDS];
	for (int i = 0; i < nw; i++)
		best[i] = 99;
	struct store_stmt *st = store_stmt(s, "SELECT token FROM person_token WHERE person_id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *tok = store_col_text(st, 0);
		for (int i = 0; i < nw; i++) {
			int sc = match_score(tok, words[i]);
			if (sc >= 0 && sc < best[i])
				best[i] = sc;
		}
	}
	store_reset(st);
	if (rc < 0)
		return -2; /* the store failed: not "no match" (-1) */
	int sum = 0;
	for (int i = 0; i < nw; i++) {
		if (best[i] == 99)
			return -1;
		sum += best[i];
	}
	return sum;
}

/* The driving word's token range ?1..?2, at most ?3 rows of it, and up to two more words
 * ?4..?5, ?6..?7 that must prefix one of the same person's tokens (any kind: "f:" cut off). */
static const char *const SQL_SCAN[3] = {
	"SELECT person_id FROM person_token WHERE token >= ?1 AND token < ?2 LIMIT ?3",
	"SELECT a.person_id FROM (SELECT person_id FROM person_token WHERE token >= ?1 AND "
	"token < ?2 LIMIT ?3) a WHERE EXISTS (SELECT 1 FROM person_token b WHERE "
	"b.person_id = a.person_id AND substr(b.token, 3) >= ?4 AND substr(b.token, 3) < ?5)",
	"SELECT a.person_id FROM (SELECT person_id FROM person_token WHERE token >= ?1 AND "
	"token < ?2 LIMIT ?3) a WHERE EXISTS (SELECT 1 FROM person_token b WHERE "
	"b.person_id = a.person_id AND substr(b.token, 3) >= ?4 AND substr(b.token, 3) < ?5) "
	"AND EXISTS (SELECT 1 FROM person_token b WHERE b.person_id = a.person_id AND "
	"substr(b.token, 3) >= ?6 AND substr(b.token, 3) < ?7)",
};

/* Open-addressing set of person ids seen during one search. */
static int seen_add(int64_t *set, int64_t id)
{
	size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 40) & (SEEN_SLOTS - 1);
	while (set[h]) {
		if (set[h] == id)
			return 0;
		h = (h + 1) & (SEEN_SLOTS - 1);
	}
	set[h] = id;
	return 1;
}

static int seen_has(const int64_t *set, int64_t id)
{
	size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 40) & (SEEN_SLOTS - 1);
	while (set[h]) {
		if (set[h] == id)
			return 1;
		h = (h + 1) & (SEEN_SLOTS - 1);
	}
	return 0;
}

/* The people with a token starting with word (any kind) into set[SEEN_SLOTS], and the first
 * SET_ITER_MAX of them into ids[] (*nids counts them all). 1, or 0 when there are more than
 * SET_MAX such tokens (the word is too common to be worth it), -1 on error. */
static int id_set_of(struct store *s, const char *word, int64_t *set, int64_t *ids, int *nids)
{
	struct store_stmt *st = store_stmt(s, SQL_SCAN[0]);
	if (!st)
		return -1;
	int rows = 0;
	*nids = 0;
	for (const char *k = "fle"; *k; k++) {
		char lo[TEXTNORM_TOKEN_MAX], hi[TEXTNORM_TOKEN_MAX];
		str_fmt(lo, sizeof(lo), "%c:%s", *k, word);
		range_end(lo, hi, sizeof(hi));
		store_bind_text(st, 1, lo);
		store_bind_text(st, 2, hi);
		store_bind_int(st, 3, SET_MAX + 1 - rows);
		int rc;
		while ((rc = store_step(st)) == STORE_ROW) {
			int64_t id = store_col_int(st, 0);
			if (seen_add(set, id)) {
				if (*nids < SET_ITER_MAX)
					ids[*nids] = id;
				(*nids)++;
			}
			rows++;
		}
		store_reset(st);
		if (rc < 0)
			return -1;
		if (rows > SET_MAX)
			return 0;
	}
	return 1;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->score != y->score)
		return x->score - y->score;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* A small set: score every person in it and keep the best max. */
static int search_small_set(struct store *s, const int64_t *ids, int nids,
			    char words[][TEXTNORM_WORD_MAX], int nw, struct hit *hits, int max)
{
	struct hit *c = xcalloc((size_t)nids, sizeof(*c));
	int n = 0;
	for (int i = 0; i < nids; i++) {
		int score = person_score(s, ids[i], words, nw);
		if (score == -2) {
			free(c);
			return -1;
		}
		if (score >= 0) {
			c[n].id = ids[i];
			c[n].score = score;
			n++;
		}
	}
	qsort(c, (size_t)n, sizeof(*c), cand_cmp);
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++) {
		hits[i].id = c[i].id;
		hits[i].score = c[i].score;
	}
	free(c);
	return n;
}

int people_search(struct store *s, const char *event, const char *query,
		  struct people_result *out, int max)
{
	char words[TEXTNORM_QUERY_WORDS][TEXTNORM_WORD_MAX];
	if (max > PEOPLE_SEARCH_MAX)
		max = PEOPLE_SEARCH_MAX;
	if (max <= 0 || !query)
		return 0;
	int nw = textnorm_query(query, words, TEXTNORM_QUERY_WORDS);
	int drive = -1, longest = 0;
	for (int i = 0; i < nw; i++) {
		int ch = textnorm_chars(words[i]);
		if (ch > longest) {
			longest = ch;
			drive = i;
		}
	}
	if (longest < 2)
		return 0;
	/* Two words: collect the people matching the rarer one into a set by sequential range
	 * scans, then scan the other in tier order and keep those in the set. Random lookups per
	 * candidate (the EXISTS below) cost about ten times more per row. */
	int64_t *filter = NULL;
	int64_t set_ids[SET_ITER_MAX];
	int nset = 0;
	if (nw == 2) {
		/* The longer word is usually the rarer; the other drives (it needs two letters). */
		int w = textnorm_chars(words[0]) >= textnorm_chars(words[1]) ? 0 : 1;
		if (textnorm_chars(words[1 - w]) >= 2) {
			filter = xcalloc(SEEN_SLOTS, sizeof(*filter));
			int rc = id_set_of(s, words[w], filter, set_ids, &nset);
			if (rc < 0) {
				free(filter);
				return -1;
			}
			if (rc == 0) {
				free(filter);
				filter = NULL;
			} else {
				drive = 1 - w;
			}
		}
	}
	if (nw > 1 && !filter) {
		/* Drive the scan by the word with the fewest matching tokens. */
		int best = -1;
		for (int i = 0; i < nw; i++) {
			if (textnorm_chars(words[i]) < 2)
				continue;
			int cnt = word_count(s, words[i], COUNT_CAP);
			if (cnt < 0)
				return -1;
			/* Counts stop at the cap; between two capped words the longer is rarer. */
			if (best < 0 || cnt < best ||
			    (cnt == best && textnorm_chars(words[i]) > textnorm_chars(words[drive]))) {
				best = cnt;
				drive = i;
			}
		}
	}
	/* The other words (up to two) are checked inside SQLite, the rest here. */
	int other[TEXTNORM_QUERY_WORDS], nother = 0;
	for (int i = 0; i < nw; i++)
		if (i != drive)
			other[nother++] = i;
	int insql = filter ? 0 : nother < 2 ? nother : 2;
	int64_t *seen = xcalloc(SEEN_SLOTS, sizeof(*seen));
	struct hit *hits = xcalloc((size_t)max, sizeof(*hits));
	int nhits = 0, nseen = 0, ret = -1;
	struct store_stmt *st = store_stmt(s, SQL_SCAN[insql]);
	if (!st)
		goto out;
	/* Few people match the set word: score them all, no scan (and no scan bound). */
	int small = filter && nset <= SET_ITER_MAX;
	if (small) {
		nhits = search_small_set(s, set_ids, nset, words, nw, hits, max);
		if (nhits < 0)
			goto out;
	}
	/* Tiers of the driving word: exact first/last/email, then prefix first/last/email. An exact
	 * token "f:w" is the range [f:w, f:w\x01) as no token holds a control character. */
	for (int tier = 0; !small && tier < 6 && nhits < max; tier++) {
		char lo[TEXTNORM_TOKEN_MAX + 1], hi[TEXTNORM_TOKEN_MAX + 1];
		str_fmt(lo, sizeof(lo), "%c:%s", "fle"[tier % 3], words[drive]);
		if (tier < 3) {
			str_fmt(hi, sizeof(hi), "%s\x01", lo);
		} else {
			range_end(lo, hi, sizeof(hi));
			str_fmt(lo, sizeof(lo), "%c:%s\x01", "fle"[tier % 3], words[drive]);
		}
		store_bind_text(st, 1, lo);
		store_bind_text(st, 2, hi);
		store_bind_int(st, 3, SEARCH_SCAN_MAX);
		for (int k = 0; k < insql; k++) {
			char whi[TEXTNORM_WORD_MAX];
			range_end(words[other[k]], whi, sizeof(whi));
			store_bind_text(st, 4 + 2 * k, words[other[k]]);
			store_bind_text(st, 5 + 2 * k, whi);
		}
		int rc = 0;
		while (nhits < max && nseen < SEEN_SLOTS / 2 && (rc = store_step(st)) == STORE_ROW) {
			int64_t id = store_col_int(st, 0);
			if (filter && !seen_has(filter, id))
				continue;
			if (!seen_add(seen, id))
				continue;
			nseen++;
			int score = nw > 1 ? person_score(s, id, words, nw) : tier;
			if (score == -2) {
				rc = -1;
				break;
			}
			if (score < 0)
				continue;
			hits[nhits].id = id;
			hits[nhits].score = score;
			nhits++;
		}
		store_reset(st);
		if (rc < 0)
			goto out;
	}
	for (int i = 0; i < nhits; i++) {
		if (people_get(s, event, hits[i].id, &hits[i].r) != 1)
			goto out;
		textnorm_fold(hits[i].r.first_name, TEXTNORM_PRIMARY, hits[i].key,
			      sizeof(hits[i].key));
	}
	qsort(hits, (size_t)nhits, sizeof(*hits), hit_cmp);
	keep_namesakes_together(hits, nhits, out);
	tell_apart(out, nhits);
	ret = nhits;
out:
	free(filter);
	free(seen);
	free(hits);
	return ret;
}
