/* The search index of app/people/: every person's search tokens (textnorm.h: "f:soren",
 * "l:oberg", "e:soren", ...) in memory, per store connection, for search.c. Not part of
 * people.h's API.
 *
 * Shape. A segment is a sorted table of the distinct tokens in one string arena, for each token
 * the people who have it (ascending id: the order the person_token table's primary key gave),
 * and for each person its tokens (for scoring). The index is a base segment of the whole
 * person table plus a small delta segment of the people written since; base entries of people
 * in the delta are skipped. A prefix is a binary search in the token table; a range is walked
 * in (token, id) order across both segments.
 *
 * Freshness. Every write of a person's first name, last name or email sets person.rev to one
 * more than the highest given (people_index_touch()), in the writer's transaction. A bulk load
 * (the roster import) is given one rev of its own, kept in meta as person_bulk_rev, and its
 * new people keep rev 0, so the partial index person_rev (rev > 0) is not sorted again for
 * every roster (people_index_load_rev()). Writers are serialised by SQLite, so revs grow in commit
 * order and a reader that has seen everything up to rev R finds every later change with the
 * indexed range `rev > R`, or a bulk load after R, whichever connection, thread or process
 * wrote it. people_index_of() asks that once per search (two index seeks when nothing changed)
 * and folds up to PEOPLE_INDEX_DELTA_MAX changed people into the delta. More than that, or a
 * bulk load (an import), starts a rebuild of the base in a
 * thread of its own, on its own connection and read snapshot, and the searches meanwhile use
 * the index as it was (the people of the old roster, with their current details: search.c
 * reads each hit's row) until the new base is swapped in at the first search after it is done.
 * Only the very first search of a connection waits for a base (about 0.1 s per 100,000 people
 * on a PC).
 *
 * Memory: about 70 bytes per person plus the distinct tokens; twice the base while a rebuild
 * runs. Freed with the store (store_close()). */
#ifndef BARNSTORM_PEOPLE_INDEX_H
#define BARNSTORM_PEOPLE_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct people_index;
struct people_index_seg;

/* Changed people folded into the delta; more start a rebuild of the base. */
#define PEOPLE_INDEX_DELTA_MAX 2048

/* The index of s's connection, created on first use (the first call waits for the first
 * build) and brought up to date with what other connections committed. NULL with err_msg()
 * on a database error. The pointer stays valid until the next call on s or store_close(). */
struct people_index *people_index_of(struct store *s);

/* How many tokens in [lo, hi) (byte order), counting at most cap. */
int people_index_count(const struct people_index *ix, const char *lo, const char *hi, int cap);

/* A walk over the tokens in [lo, hi), in (token, id) order. */
struct people_index_cursor {
	const struct people_index *ix;
	struct {
		const struct people_index_seg *seg;
		uint32_t e, end;  /* entries left: [e, end) */
		uint32_t t;       /* the token of entry e */
	} part[2];                /* base, delta */
};
void people_index_range(const struct people_index *ix, const char *lo, const char *hi,
			struct people_index_cursor *c);
/* The next person id of the walk: 1, or 0 at its end. */
int people_index_next(struct people_index_cursor *c, int64_t *id);

/* Person id's tokens into toks[max] (pointers into the index, valid as the index is); the
 * count, 0 when the index does not know the person. */
int people_index_tokens(const struct people_index *ix, int64_t id, const char **toks, int max);

/* Marks person id's searchable details as changed, in the caller's transaction: sets its rev
 * (above). 0, or -1 with err_msg(). */
int people_index_touch(struct store *s, int64_t id);
/* The rev to give n people a load inserts together, in the caller's transaction: one more than
 * the highest when a delta holds them; else 0, and the load is marked in meta so that every
 * index rebuilds (above). -1 with err_msg() on error. */
int64_t people_index_load_rev(struct store *s, int64_t n);

struct people_index_stats {
	int64_t people;       /* in the base and the delta */
	int64_t tokens;       /* entries (a person's token) */
	int64_t distinct;     /* distinct token strings */
	size_t bytes;         /* heap held by the index */
	double build_ms;      /* the last full build, in its thread */
};
/* Waits for a build under way, brings the index up to date and fills *out. 0, or -1. */
int people_index_stats(struct store *s, struct people_index_stats *out);

#endif
