/* People: the search at the door and at the sign-up table (people.h, "Search"). */
#include "people.h"
#include "people/internal.h"
#include "people/index.h"
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
static int word_count(const struct people_index *ix, const char *word, int cap)
{
	int total = 0;
	for (const char *k = "fle"; *k && total < cap; k++) {
		char lo[TEXTNORM_TOKEN_MAX], hi[TEXTNORM_TOKEN_MAX];
		str_fmt(lo, sizeof(lo), "%c:%s", *k, word);
		range_end(lo, hi, sizeof(hi));
		total += people_index_count(ix, lo, hi, cap - total);
	}
	return total;
}

/* The best per-word scores of person id into best[nw] (99: the word matches none of its
 * tokens). */
static void person_best(const struct people_index *ix, int64_t id,
			char words[][TEXTNORM_WORD_MAX], int nw, int *best)
{
	const char *toks[TEXTNORM_TOKENS_MAX];
	int n = people_index_tokens(ix, id, toks, TEXTNORM_TOKENS_MAX);
	for (int i = 0; i < nw; i++)
		best[i] = 99;
	for (int t = 0; t < n; t++)
		for (int i = 0; i < nw; i++) {
			int sc = match_score(toks[t], words[i]);
			if (sc >= 0 && sc < best[i])
				best[i] = sc;
		}
}

/* Scores person id against every query word: the sum of the best per-word scores, -1 when a
 * word matches none of its tokens. */
static int person_score(const struct people_index *ix, int64_t id,
			char words[][TEXTNORM_WORD_MAX], int nw)
{
	int best[TEXTNORM_QUERY_WORDS];
	person_best(ix, id, words, nw, best);
	int sum = 0;
	for (int i = 0; i < nw; i++) {
		if (best[i] == 99)
			return -1;
		sum += best[i];
	}
	return sum;
}

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
 * SET_MAX such tokens (the word is too common to be worth it). */
static int id_set_of(const struct people_index *ix, const char *word, int64_t *set, int64_t *ids,
		     int *nids)
{
	int rows = 0;
	*nids = 0;
	for (const char *k = "fle"; *k; k++) {
		char lo[TEXTNORM_TOKEN_MAX], hi[TEXTNORM_TOKEN_MAX];
		str_fmt(lo, sizeof(lo), "%c:%s", *k, word);
		range_end(lo, hi, sizeof(hi));
		struct people_index_cursor c;
		int64_t id;
		people_index_range(ix, lo, hi, &c);
		while (rows < SET_MAX + 1 && people_index_next(&c, &id)) {
			if (seen_add(set, id)) {
				if (*nids < SET_ITER_MAX)
					ids[*nids] = id;
				(*nids)++;
			}
			rows++;
		}
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
static int search_small_set(const struct people_index *ix, const int64_t *ids, int nids,
			    char words[][TEXTNORM_WORD_MAX], int nw, struct hit *hits, int max)
{
	struct hit *c = xcalloc((size_t)nids, sizeof(*c));
	int n = 0;
	for (int i = 0; i < nids; i++) {
		int score = person_score(ix, ids[i], words, nw);
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

/* The driving word's candidates in one tier, with the other words checked: what the scan of
 * the person_token table returned, in the same order and under the same bounds, so the lists
 * are the ones people saw before (see people.h, "Bound"). insql: how many of the other words
 * (the first ones of other[]) a candidate must match to be counted as seen. */
static void scan_tier(const struct people_index *ix, const char *lo, const char *hi,
		      char words[][TEXTNORM_WORD_MAX], int nw, const int *other, int insql,
		      const int64_t *filter, int64_t *seen, int *nseen, int tier, struct hit *hits,
		      int *nhits, int max)
{
	struct people_index_cursor c;
	int64_t id;
	int rows = 0;
	people_index_range(ix, lo, hi, &c);
	while (*nhits < max && *nseen < SEEN_SLOTS / 2 && rows < SEARCH_SCAN_MAX &&
	       people_index_next(&c, &id)) {
		rows++;
		/* With a set (two words) nothing is checked before it (insql is 0). */
		if (filter && !seen_has(filter, id))
			continue;
		int best[TEXTNORM_QUERY_WORDS];
		if (nw > 1) {
			person_best(ix, id, words, nw, best);
			int pass = 1;
			for (int k = 0; k < insql; k++)
				pass &= best[other[k]] != 99;
			if (!pass)
				continue;
		}
		if (!seen_add(seen, id))
			continue;
		(*nseen)++;
		int score = tier;
		if (nw > 1) {
			score = 0;
			for (int i = 0; i < nw && score >= 0; i++)
				score = best[i] == 99 ? -1 : score + best[i];
		}
		if (score < 0)
			continue;
		hits[*nhits].id = id;
		hits[*nhits].score = score;
		(*nhits)++;
	}
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
	const struct people_index *ix = people_index_of(s);
	if (!ix)
		return -1;
	/* Two words: collect the people matching the rarer one into a set, then walk the other in
	 * tier order and keep those in the set. */
	int64_t *filter = NULL;
	int64_t set_ids[SET_ITER_MAX];
	int nset = 0;
	if (nw == 2) {
		/* The longer word is usually the rarer; the other drives (it needs two letters). */
		int w = textnorm_chars(words[0]) >= textnorm_chars(words[1]) ? 0 : 1;
		if (textnorm_chars(words[1 - w]) >= 2) {
			filter = xcalloc(SEEN_SLOTS, sizeof(*filter));
			if (id_set_of(ix, words[w], filter, set_ids, &nset) == 0) {
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
			int cnt = word_count(ix, words[i], COUNT_CAP);
			/* Counts stop at the cap; between two capped words the longer is rarer. */
			if (best < 0 || cnt < best ||
			    (cnt == best && textnorm_chars(words[i]) > textnorm_chars(words[drive]))) {
				best = cnt;
				drive = i;
			}
		}
	}
	/* A candidate of the driving word must match up to two other words to be counted against
	 * the bounds (as the scan of the table did), the rest when it is scored. */
	int other[TEXTNORM_QUERY_WORDS], nother = 0;
	for (int i = 0; i < nw; i++)
		if (i != drive)
			other[nother++] = i;
	int insql = filter ? 0 : nother < 2 ? nother : 2;
	int64_t *seen = xcalloc(SEEN_SLOTS, sizeof(*seen));
	struct hit *hits = xcalloc((size_t)max, sizeof(*hits));
	int nhits = 0, nseen = 0, ret = -1;
	/* Few people match the set word: score them all, no scan (and no scan bound). */
	int small = filter && nset <= SET_ITER_MAX;
	if (small)
		nhits = search_small_set(ix, set_ids, nset, words, nw, hits, max);
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
		scan_tier(ix, lo, hi, words, nw, other, insql, filter, seen, &nseen, tier, hits,
			  &nhits, max);
	}
	/* The index may know a person a moment longer than the table does (a rebuild under way);
	 * the row is the truth. */
	int n = 0;
	for (int i = 0; i < nhits; i++) {
		int rc = people_get(s, event, hits[i].id, &hits[n].r);
		if (rc < 0)
			goto out;
		if (rc == 0)
			continue;
		hits[n].id = hits[i].id;
		hits[n].score = hits[i].score;
		textnorm_fold(hits[n].r.first_name, TEXTNORM_PRIMARY, hits[n].key,
			      sizeof(hits[n].key));
		n++;
	}
	qsort(hits, (size_t)n, sizeof(*hits), hit_cmp);
	keep_namesakes_together(hits, n, out);
	tell_apart(out, n);
	ret = n;
out:
	free(filter);
	free(seen);
	free(hits);
	return ret;
}
