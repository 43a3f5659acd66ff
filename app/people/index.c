/* People: the in-memory search index (people/index.h). */
#include "people/index.h"
#include "people.h"
#include "store.h"
#include "textnorm.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Beyond these the index refuses to grow (32-bit offsets): a roster of tens of millions. */
#define ENTRIES_MAX 0x7fffffffu
#define ARENA_MAX 0x7fffffffu

/* ---- a segment ---- */

struct people_index_seg {
	uint32_t npeople;
	int64_t *ids;           /* [npeople], ascending */
	uint32_t *ptok_start;   /* [npeople + 1]: person p's tokens are ptok[ptok_start[p]..] */
	uint32_t *ptok;         /* token numbers */
	uint32_t ntok;          /* distinct tokens, numbered in byte order */
	uint32_t *tok_off;      /* [ntok]: the token's string in arena */
	uint32_t *post_start;   /* [ntok + 1]: token t's people are post[post_start[t]..] */
	uint32_t *post;         /* person numbers, ascending within a token */
	char *arena;
	unsigned char *gone;    /* [npeople] (base only): 1 when the delta has this person */
	size_t bytes;
};

static void seg_free(struct people_index_seg *g)
{
	if (!g)
		return;
	free(g->ids);
	free(g->ptok_start);
	free(g->ptok);
	free(g->tok_off);
	free(g->post_start);
	free(g->post);
	free(g->arena);
	free(g->gone);
	free(g);
}

static const char *seg_tok(const struct people_index_seg *g, uint32_t t)
{
	return g->arena + g->tok_off[t];
}

/* The first token >= key. */
static uint32_t seg_lower(const struct people_index_seg *g, const char *key)
{
	uint32_t lo = 0, hi = g->ntok;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (strcmp(seg_tok(g, mid), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Person id's number in g, or -1. */
static int64_t seg_find(const struct people_index_seg *g, int64_t id)
{
	uint32_t lo = 0, hi = g->npeople;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->npeople && g->ids[lo] == id ? (int64_t)lo : -1;
}

/* Builds a segment person by person (ascending ids): distinct tokens are interned in a hash
 * table as they come, then numbered in byte order by one sort of the distinct strings, and the
 * people of each token laid out by counting. No sort of all entries. */
struct seg_builder {
	struct people_index_seg *g;
	size_t cap_ids, cap_pstart, cap_ptok, cap_arena, cap_off, cap_hash;
	uint32_t *slots;        /* open addressing: token number + 1, 0 empty */
	uint32_t *hash;         /* [ntok] */
	size_t nslots;
	size_t arena_len;
	int failed;
	/* Names repeat (a roster of 100,000 has a few thousand first names): the tokens of a
	 * (kind, name) are folded once and kept here, up to NAMES_MAX names. */
	uint32_t *nslot;        /* [NAMES_SLOTS]: name number + 1 */
	struct name_ent { uint32_t hash, key, toks; uint8_t n; } *names;
	size_t nnames, cap_names;
	char *keys;             /* "f" + name, NUL-terminated */
	size_t keys_len, cap_keys;
	uint32_t *ntoks;        /* the names' token numbers */
	size_t ntoks_len, cap_ntoks;
};

#define NAMES_MAX 32768
#define NAMES_SLOTS 65536       /* power of two, twice NAMES_MAX */

static uint32_t tok_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void grow(void *pp, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return;
	size_t n = *cap ? *cap : 1024;
	while (n < need)
		n *= 2;
	*(void **)pp = xrealloc(*(void **)pp, n * elem);
	*cap = n;
}

static void builder_init(struct seg_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->g = xcalloc(1, sizeof(*b->g));
	b->nslots = 1024;
	b->slots = xcalloc(b->nslots, sizeof(*b->slots));
	b->nslot = xcalloc(NAMES_SLOTS, sizeof(*b->nslot));
}

static void rehash(struct seg_builder *b)
{
	size_t n = b->nslots * 2;
	uint32_t *s = xcalloc(n, sizeof(*s));
	for (uint32_t t = 0; t < b->g->ntok; t++) {
		size_t h = b->hash[t] & (n - 1);
		while (s[h])
			h = (h + 1) & (n - 1);
		s[h] = t + 1;
	}
	free(b->slots);
	b->slots = s;
	b->nslots = n;
}

/* The number of token tok, interned. */
static uint32_t intern(struct seg_builder *b, const char *tok)
{
	struct people_index_seg *g = b->g;
	uint32_t h = tok_hash(tok);
	size_t i = h & (b->nslots - 1);
	while (b->slots[i]) {
		uint32_t t = b->slots[i] - 1;
		if (b->hash[t] == h && !strcmp(g->arena + g->tok_off[t], tok))
			return t;
		i = (i + 1) & (b->nslots - 1);
	}
	size_t len = strlen(tok) + 1;
	if (b->arena_len + len > ARENA_MAX) {
		b->failed = 1;
		return 0;
	}
	grow(&g->arena, &b->cap_arena, b->arena_len + len, 1);
	memcpy(g->arena + b->arena_len, tok, len);
	grow(&g->tok_off, &b->cap_off, (size_t)g->ntok + 1, sizeof(uint32_t));
	grow(&b->hash, &b->cap_hash, (size_t)g->ntok + 1, sizeof(uint32_t));
	g->tok_off[g->ntok] = (uint32_t)b->arena_len;
	b->hash[g->ntok] = h;
	b->arena_len += len;
	b->slots[i] = ++g->ntok;
	if ((size_t)g->ntok * 2 > b->nslots)
		rehash(b);
	return g->ntok - 1;
}

/* Appends the tokens of a name of this kind to toks[n..TEXTNORM_TOKENS_MAX) as
 * textnorm_tokens_name() makes them (the kinds differ, so a name's tokens never repeat
 * another field's); returns the new count. */
static int name_tokens(struct seg_builder *b, char kind, const char *name, uint32_t *toks, int n)
{
	size_t len = strlen(name);
	uint32_t h = tok_hash(name) ^ (uint32_t)kind;
	size_t i = h & (NAMES_SLOTS - 1);
	while (b->nslot[i]) {
		const struct name_ent *e = &b->names[b->nslot[i] - 1];
		if (e->hash == h && b->keys[e->key] == kind && !strcmp(b->keys + e->key + 1, name)) {
			for (int k = 0; k < e->n && n < TEXTNORM_TOKENS_MAX; k++)
				toks[n++] = b->ntoks[e->toks + (uint32_t)k];
			return n;
		}
		i = (i + 1) & (NAMES_SLOTS - 1);
	}
	struct textnorm_tokens t;
	textnorm_tokens_init(&t);
	textnorm_tokens_name(&t, kind, name);
	int keep = b->nnames < NAMES_MAX && len < 256;
	if (keep) {
		grow(&b->names, &b->cap_names, b->nnames + 1, sizeof(*b->names));
		grow(&b->keys, &b->cap_keys, b->keys_len + len + 2, 1);
		grow(&b->ntoks, &b->cap_ntoks, b->ntoks_len + (size_t)t.n, sizeof(uint32_t));
		struct name_ent *e = &b->names[b->nnames];
		e->hash = h;
		e->key = (uint32_t)b->keys_len;
		e->toks = (uint32_t)b->ntoks_len;
		e->n = (uint8_t)t.n;
		b->keys[b->keys_len] = kind;
		memcpy(b->keys + b->keys_len + 1, name, len + 1);
		b->keys_len += len + 2;
		b->nslot[i] = (uint32_t)++b->nnames;
	}
	for (int k = 0; k < t.n; k++) {
		uint32_t tok = intern(b, t.tok[k]);
		if (keep)
			b->ntoks[b->ntoks_len++] = tok;
		if (n < TEXTNORM_TOKENS_MAX)
			toks[n++] = tok;
	}
	return n;
}

static void builder_add(struct seg_builder *b, int64_t id, const char *first, const char *last,
			const char *email)
{
	struct people_index_seg *g = b->g;
	uint32_t toks[TEXTNORM_TOKENS_MAX];
	if (b->failed)
		return;
	int n = name_tokens(b, 'f', first, toks, 0);
	n = name_tokens(b, 'l', last, toks, n);
	if (email && *email && n < TEXTNORM_TOKENS_MAX) {
		struct textnorm_tokens t;
		textnorm_tokens_init(&t);
		textnorm_tokens_email(&t, email);
		for (int k = 0; k < t.n && n < TEXTNORM_TOKENS_MAX; k++)
			toks[n++] = intern(b, t.tok[k]);
	}
	uint32_t at = g->npeople ? g->ptok_start[g->npeople] : 0;
	if ((size_t)at + (size_t)n > ENTRIES_MAX) {
		b->failed = 1;
		return;
	}
	grow(&g->ids, &b->cap_ids, (size_t)g->npeople + 1, sizeof(int64_t));
	grow(&g->ptok_start, &b->cap_pstart, (size_t)g->npeople + 2, sizeof(uint32_t));
	grow(&g->ptok, &b->cap_ptok, (size_t)at + (size_t)n, sizeof(uint32_t));
	if (!g->npeople)
		g->ptok_start[0] = 0;
	memcpy(g->ptok + at, toks, (size_t)n * sizeof(uint32_t));
	g->ids[g->npeople] = id;
	g->ptok_start[++g->npeople] = at + (uint32_t)n;
}

/* A token for the sort: its first 8 bytes as a big-endian number (NUL-padded) decide most
 * comparisons without touching the string. */
struct tok_sort {
	uint64_t key;
	const char *s;
	uint32_t t;
};

static int tok_sort_cmp(const void *a, const void *b)
{
	const struct tok_sort *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	/* The same 8 bytes and both longer (distinct tokens): the rest decides. */
	return strcmp(x->s + 8, y->s + 8);
}

/* Numbers the tokens in byte order and lays out the people of each. NULL with err_msg() when
 * the roster does not fit. */
static struct people_index_seg *builder_finish(struct seg_builder *b)
{
	struct people_index_seg *g = b->g;
	free(b->slots);
	free(b->hash);
	free(b->nslot);
	free(b->names);
	free(b->keys);
	free(b->ntoks);
	if (b->failed) {
		seg_free(g);
		err_set("the search index cannot hold this many people");
		return NULL;
	}
	uint32_t n = g->ntok, np = g->npeople, ne = np ? g->ptok_start[np] : 0;
	if (!np) {
		g->ptok_start = xrealloc(g->ptok_start, sizeof(uint32_t));
		g->ptok_start[0] = 0;
	}
	struct tok_sort *ts = xmalloc(((size_t)n + 1) * sizeof(*ts));
	for (uint32_t t = 0; t < n; t++) {
		const unsigned char *p = (const unsigned char *)g->arena + g->tok_off[t];
		uint64_t key = 0;
		int k = 0;
		for (; k < 8 && p[k]; k++)
			key = key << 8 | p[k];
		ts[t].key = key << (8 * (8 - k));
		ts[t].s = (const char *)p;
		ts[t].t = t;
	}
	qsort(ts, n, sizeof(*ts), tok_sort_cmp);
	uint32_t *rank = xmalloc(((size_t)n + 1) * sizeof(*rank));
	uint32_t *off = xmalloc(((size_t)n + 1) * sizeof(*off));
	for (uint32_t r = 0; r < n; r++) {
		rank[ts[r].t] = r;
		off[r] = (uint32_t)(ts[r].s - g->arena);
	}
	free(ts);
	free(g->tok_off);
	g->tok_off = off;
	g->post_start = xcalloc((size_t)n + 1, sizeof(uint32_t));
	for (uint32_t e = 0; e < ne; e++) {
		g->ptok[e] = rank[g->ptok[e]];
		g->post_start[g->ptok[e] + 1]++;
	}
	free(rank);
	for (uint32_t t = 0; t < n; t++)
		g->post_start[t + 1] += g->post_start[t];
	g->post = xmalloc(((size_t)ne + 1) * sizeof(uint32_t));
	uint32_t *fill = xmalloc(((size_t)n + 1) * sizeof(uint32_t));
	memcpy(fill, g->post_start, (size_t)n * sizeof(uint32_t));
	for (uint32_t p = 0; p < np; p++)
		for (uint32_t e = g->ptok_start[p]; e < g->ptok_start[p + 1]; e++)
			g->post[fill[g->ptok[e]]++] = p;
	free(fill);
	/* Trimmed to size: the base lives as long as the roster does. */
	g->ids = xrealloc(g->ids, ((size_t)np + 1) * sizeof(int64_t));
	g->ptok = xrealloc(g->ptok, ((size_t)ne + 1) * sizeof(uint32_t));
	g->arena = xrealloc(g->arena, b->arena_len + 1);
	g->gone = xcalloc((size_t)np + 1, 1);
	g->bytes = sizeof(*g) + ((size_t)np + 1) * (sizeof(int64_t) + sizeof(uint32_t) + 1) +
		   ((size_t)ne + 1) * 2 * sizeof(uint32_t) + ((size_t)n + 1) * 2 * sizeof(uint32_t) +
		   b->arena_len + 1;
	return g;
}

/* ---- the index ---- */

/* A changed person kept for the delta: the searchable details as stored. */
struct dperson {
	int64_t id;
	char *first, *last, *email;
};

struct people_index {
	char *dir;                      /* the store's folder: the builder opens its own store */
	struct people_index_seg *base;
	struct people_index_seg *delta; /* NULL when empty */
	struct dperson *dp;             /* [ndp], ascending ids: what the delta is built from */
	int ndp;
	int64_t rev;                    /* every change up to this rev is in base + delta */

	pthread_mutex_t lock;           /* guards the four below, shared with the builder */
	pthread_cond_t done_cv;
	int building;                   /* a builder thread runs or is not joined yet */
	int done;                       /* it finished: ready or error */
	struct people_index_seg *ready; /* its base (NULL on error) */
	int64_t ready_rev;
	char ready_err[256];
	double build_ms;
	pthread_t thread;
	int rebuilding;                 /* the build under way replaces a base */
	void (*on_ready)(void *ctx);    /* people_search_prepare(): told when a rebuild is ready */
	void *on_ready_ctx;
};

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* the build time is a real duration for the bench */
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void dp_clear(struct people_index *ix)
{
	for (int i = 0; i < ix->ndp; i++) {
		free(ix->dp[i].first);
		free(ix->dp[i].last);
		free(ix->dp[i].email);
	}
	free(ix->dp);
	ix->dp = NULL;
	ix->ndp = 0;
	seg_free(ix->delta);
	ix->delta = NULL;
}

/* The highest rev given (header): of a person changed one by one (person_rev, a partial index,
 * holds every rev > 0) or of a bulk load, whose people keep rev 0 (meta person_bulk_rev). */
#define REV_NOW_EXPR \
	"max(coalesce((SELECT rev FROM person WHERE rev > 0 ORDER BY rev DESC LIMIT 1), 0)," \
	" coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'person_bulk_rev'), 0))"
#define BULK_REV_EXPR \
	"coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'person_bulk_rev'), 0)"

/* Reads the whole person table in one read snapshot into a new base. */
static int load_base(struct store *s, struct people_index_seg **out, int64_t *rev_out)
{
	if (store_exec(s, "BEGIN") < 0)
		return -1;
	int64_t rev = store_query_int(s, "SELECT " REV_NOW_EXPR);
	struct store_stmt *st = store_stmt(s,
		"SELECT id, first_name, last_name, email FROM person ORDER BY id");
	if (rev < 0 || !st) {
		store_tx_rollback(s);
		return -1;
	}
	struct seg_builder b;
	builder_init(&b);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW)
		builder_add(&b, store_col_int(st, 0), store_col_text(st, 1), store_col_text(st, 2),
			    store_col_text(st, 3));
	store_reset(st);
	store_tx_rollback(s); /* a read transaction: nothing to keep */
	struct people_index_seg *g = builder_finish(&b);
	if (rc < 0 || !g) {
		seg_free(g);
		return -1;
	}
	*out = g;
	*rev_out = rev;
	return 0;
}

static void *build_thread(void *arg)
{
	struct people_index *ix = arg;
	double t0 = mono_ms();
	struct people_index_seg *g = NULL;
	int64_t rev = 0;
	struct store *s = store_open(ix->dir);
	int rc = s ? load_base(s, &g, &rev) : -1;
	store_close(s);
	pthread_mutex_lock(&ix->lock);
	ix->ready = rc < 0 ? NULL : g;
	ix->ready_rev = rev;
	if (rc < 0)
		str_copy(ix->ready_err, sizeof(ix->ready_err), err_msg());
	ix->build_ms = mono_ms() - t0;
	ix->done = 1;
	/* The first build answers a search that waits for it; a rebuild replaces an index that
	 * answered meanwhile, so whoever showed its results is told. */
	void (*ready)(void *) = ix->rebuilding ? ix->on_ready : NULL;
	void *ctx = ix->on_ready_ctx;
	pthread_cond_broadcast(&ix->done_cv);
	pthread_mutex_unlock(&ix->lock);
	/* After the unlock: whoever is told searches again and takes the new base. */
	if (ready)
		ready(ctx);
	return NULL;
}

static int build_start(struct people_index *ix)
{
	if (ix->building)
		return 0;
	ix->done = 0;
	ix->ready = NULL;
	ix->rebuilding = ix->base != NULL;
	int rc = pthread_create(&ix->thread, NULL, build_thread, ix);
	if (rc != 0)
		return err_set("cannot start building the search index: %s", strerror(rc));
	ix->building = 1;
	return 0;
}

/* Takes a finished build: joins its thread and swaps its base in (wait: until it finishes).
 * 0 (nothing finished, or swapped), or -1 with err_msg() when the build failed. */
static int build_take(struct people_index *ix, int wait)
{
	if (!ix->building)
		return 0;
	pthread_mutex_lock(&ix->lock);
	while (wait && !ix->done)
		pthread_cond_wait(&ix->done_cv, &ix->lock);
	int done = ix->done;
	pthread_mutex_unlock(&ix->lock);
	if (!done)
		return 0;
	pthread_join(ix->thread, NULL);
	ix->building = 0;
	if (!ix->ready)
		return err_set("%s", ix->ready_err);
	seg_free(ix->base);
	dp_clear(ix);
	ix->base = ix->ready;
	ix->ready = NULL;
	ix->rev = ix->ready_rev;
	return 0;
}

static void index_release(void *p)
{
	struct people_index *ix = p;
	if (ix->building) {
		pthread_join(ix->thread, NULL);
		seg_free(ix->ready);
	}
	seg_free(ix->base);
	dp_clear(ix);
	pthread_mutex_destroy(&ix->lock);
	pthread_cond_destroy(&ix->done_cv);
	free(ix->dir);
	free(ix);
}

static int dp_cmp(const void *a, const void *b)
{
	const struct dperson *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Rebuilds the delta from ix->dp and marks its people gone from the base. */
static void delta_rebuild(struct people_index *ix)
{
	qsort(ix->dp, (size_t)ix->ndp, sizeof(*ix->dp), dp_cmp);
	struct seg_builder b;
	builder_init(&b);
	for (int i = 0; i < ix->ndp; i++) {
		builder_add(&b, ix->dp[i].id, ix->dp[i].first, ix->dp[i].last, ix->dp[i].email);
		int64_t p = seg_find(ix->base, ix->dp[i].id);
		if (p >= 0)
			ix->base->gone[p] = 1;
	}
	seg_free(ix->delta);
	/* A delta of at most PEOPLE_INDEX_DELTA_MAX people always fits. */
	ix->delta = builder_finish(&b);
}

/* Folds the people written since ix->rev into the delta, or starts a rebuild when there are
 * too many. */
static int refresh(struct store *s, struct people_index *ix)
{
	/* One index seek when nothing changed. The highest rev below ours: people were deleted
	 * (the app never does; a test harness may), so revs may be given again: start over. */
	struct store_stmt *top = store_stmt(s, "SELECT " REV_NOW_EXPR ", " BULK_REV_EXPR);
	if (!top)
		return -1;
	int trc = store_step(top);
	int64_t max = trc == STORE_ROW ? store_col_int(top, 0) : 0;
	int64_t bulk = trc == STORE_ROW ? store_col_int(top, 1) : 0;
	store_reset(top);
	if (trc != STORE_ROW)
		return trc < 0 ? -1 : err_set("no answer from the person table");
	if (max < ix->rev)
		return build_start(ix);
	if (max == ix->rev)
		return 0;
	if (bulk > ix->rev)        /* a bulk load since: its people are not in person_rev */
		return build_start(ix);
	struct store_stmt *st = store_stmt(s,
		"SELECT id, first_name, last_name, email, rev FROM person WHERE rev > ?1 AND rev > 0 "
		"ORDER BY rev LIMIT ?2");
	if (!st)
		return -1;
	store_bind_int(st, 1, ix->rev);
	store_bind_int(st, 2, PEOPLE_INDEX_DELTA_MAX - ix->ndp + 1);
	int rc, n = 0;
	int64_t rev = ix->rev;
	struct dperson *in = NULL;
	size_t cap = 0;
	while ((rc = store_step(st)) == STORE_ROW) {
		grow(&in, &cap, (size_t)n + 1, sizeof(*in));
		in[n].id = store_col_int(st, 0);
		in[n].first = xstrdup(store_col_text(st, 1));
		in[n].last = xstrdup(store_col_text(st, 2));
		in[n].email = xstrdup(store_col_text(st, 3));
		rev = store_col_int(st, 4);
		n++;
	}
	store_reset(st);
	int ret = rc < 0 ? -1 : 0;
	if (ret == 0 && n > 0 && ix->ndp + n > PEOPLE_INDEX_DELTA_MAX) {
		ret = build_start(ix);
	} else if (ret == 0 && n > 0) {
		for (int i = 0; i < n; i++) {
			int k = 0;
			while (k < ix->ndp && ix->dp[k].id != in[i].id)
				k++;
			if (k == ix->ndp) {
				ix->dp = xrealloc(ix->dp, ((size_t)ix->ndp + 1) * sizeof(*ix->dp));
				ix->ndp++;
			} else {
				free(ix->dp[k].first);
				free(ix->dp[k].last);
				free(ix->dp[k].email);
			}
			ix->dp[k] = in[i];
			in[i].first = in[i].last = in[i].email = NULL;
		}
		delta_rebuild(ix);
		ix->rev = rev;
	}
	for (int i = 0; i < n; i++) {
		free(in[i].first);
		free(in[i].last);
		free(in[i].email);
	}
	free(in);
	return ret;
}

static struct people_index *index_get(struct store *s)
{
	struct people_index *ix = store_ext(s);
	if (!ix) {
		ix = xcalloc(1, sizeof(*ix));
		char *dir = xstrdup(store_path(s));
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		ix->dir = dir;
		pthread_mutex_init(&ix->lock, NULL);
		pthread_cond_init(&ix->done_cv, NULL);
		store_set_ext(s, ix, index_release);
	}
	return ix;
}

int people_search_prepare(struct store *s, void (*ready)(void *ctx), void *ctx)
{
	struct people_index *ix = index_get(s);
	pthread_mutex_lock(&ix->lock);
	ix->on_ready = ready;
	ix->on_ready_ctx = ctx;
	pthread_mutex_unlock(&ix->lock);
	return ix->base ? 0 : build_start(ix);
}

struct people_index *people_index_of(struct store *s)
{
	struct people_index *ix = index_get(s);
	if (!ix->base && build_start(ix) < 0)
		return NULL;
	if (build_take(ix, !ix->base) < 0)
		return NULL;
	/* While a new base is built the old one answers, as it was. */
	if (!ix->building && refresh(s, ix) < 0)
		return NULL;
	return ix;
}

int people_index_touch(struct store *s, int64_t id)
{
	struct store_stmt *st = store_stmt(s,
		"UPDATE person SET rev = " REV_NOW_EXPR " + 1 WHERE id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	int rc = store_step(st);
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int64_t people_index_load_rev(struct store *s, int64_t n)
{
	if (n <= PEOPLE_INDEX_DELTA_MAX)
		return store_query_int(s, "SELECT " REV_NOW_EXPR " + 1");
	struct store_stmt *st = store_stmt(s,
		"INSERT INTO meta(key, value) VALUES ('person_bulk_rev', " REV_NOW_EXPR " + 1)"
		" ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (!st)
		return -1;
	int rc = store_step(st);
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* ---- reading ---- */

int people_index_count(const struct people_index *ix, const char *lo, const char *hi, int cap)
{
	struct people_index_cursor c;
	int64_t id;
	int n = 0;
	people_index_range(ix, lo, hi, &c);
	while (n < cap && people_index_next(&c, &id))
		n++;
	return n;
}

void people_index_range(const struct people_index *ix, const char *lo, const char *hi,
			struct people_index_cursor *c)
{
	const struct people_index_seg *segs[2] = { ix->base, ix->delta };
	c->ix = ix;
	for (int k = 0; k < 2; k++) {
		const struct people_index_seg *g = segs[k];
		c->part[k].seg = g;
		c->part[k].e = c->part[k].end = 0;
		c->part[k].t = 0;
		if (!g || !g->ntok)
			continue;
		uint32_t t0 = seg_lower(g, lo), t1 = seg_lower(g, hi);
		if (t0 >= t1)
			continue;
		c->part[k].t = t0;
		c->part[k].e = g->post_start[t0];
		c->part[k].end = g->post_start[t1];
	}
}

/* Moves part k past entries of people the delta replaced (base only). */
static void part_skip(struct people_index_cursor *c, int k)
{
	const struct people_index_seg *g = c->part[k].seg;
	while (c->part[k].e < c->part[k].end) {
		while (g->post_start[c->part[k].t + 1] <= c->part[k].e)
			c->part[k].t++;
		if (k == 1 || !g->gone[g->post[c->part[k].e]])
			return;
		c->part[k].e++;
	}
}

int people_index_next(struct people_index_cursor *c, int64_t *id)
{
	part_skip(c, 0);
	part_skip(c, 1);
	int has0 = c->part[0].e < c->part[0].end, has1 = c->part[1].e < c->part[1].end;
	if (!has0 && !has1)
		return 0;
	int k = has0 ? 0 : 1;
	if (has0 && has1) {
		const struct people_index_seg *a = c->part[0].seg, *b = c->part[1].seg;
		int cmp = strcmp(seg_tok(a, c->part[0].t), seg_tok(b, c->part[1].t));
		if (cmp == 0) {
			int64_t ia = a->ids[a->post[c->part[0].e]], ib = b->ids[b->post[c->part[1].e]];
			cmp = ia < ib ? -1 : 1;
		}
		k = cmp < 0 ? 0 : 1;
	}
	const struct people_index_seg *g = c->part[k].seg;
	*id = g->ids[g->post[c->part[k].e]];
	c->part[k].e++;
	return 1;
}

int people_index_tokens(const struct people_index *ix, int64_t id, const char **toks, int max)
{
	const struct people_index_seg *g = NULL;
	int64_t p = ix->delta ? seg_find(ix->delta, id) : -1;
	if (p >= 0) {
		g = ix->delta;
	} else if (ix->base) {
		p = seg_find(ix->base, id);
		if (p >= 0 && !ix->base->gone[p])
			g = ix->base;
	}
	if (!g)
		return 0;
	int n = 0;
	for (uint32_t e = g->ptok_start[p]; e < g->ptok_start[p + 1] && n < max; e++)
		toks[n++] = seg_tok(g, g->ptok[e]);
	return n;
}

int people_index_stats(struct store *s, struct people_index_stats *out)
{
	struct people_index *ix = store_ext(s);
	if (ix && build_take(ix, 1) < 0)
		return -1;
	ix = people_index_of(s);
	if (!ix)
		return -1;
	memset(out, 0, sizeof(*out));
	const struct people_index_seg *segs[2] = { ix->base, ix->delta };
	for (int k = 0; k < 2; k++) {
		const struct people_index_seg *g = segs[k];
		if (!g)
			continue;
		/* People the delta replaced are counted there. */
		for (uint32_t p = 0; p < g->npeople; p++)
			if (k == 1 || !g->gone[p]) {
				out->people++;
				out->tokens += g->ptok_start[p + 1] - g->ptok_start[p];
			}
		out->distinct += g->ntok;
		out->bytes += g->bytes;
	}
	out->bytes += sizeof(*ix) + (size_t)ix->ndp * sizeof(*ix->dp);
	pthread_mutex_lock(&ix->lock);
	out->build_ms = ix->build_ms;
	pthread_mutex_unlock(&ix->lock);
	return 0;
}
