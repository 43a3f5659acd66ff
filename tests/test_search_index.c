/* The in-memory search index (app/people/index.h): it follows what other connections commit,
 * a changed or merged person is found by the new details only, a large import is swapped in
 * while the old index keeps answering, and a failed read is an error, never "no match". */
#include "testutil.h"

#include "clock.h"
#include "people.h"
#include "people/index.h"
#include "store.h"
#include "util.h"

#include <pthread.h>

#define EVENT "ev-1"

static int setup(void **state)
{
	*state = tu_db_open(1764784800000); /* 2025-12-03 18:00 UTC */
	return 0;
}

static int teardown(void **state)
{
	tu_db_close(*state);
	return 0;
}

static int64_t add(struct store *s, const struct clock *c, const char *ext, const char *first,
		   const char *last, const char *email, const char *phone)
{
	struct people_in p = { ext, first, last, email, phone, NULL };
	int64_t id = 0;
	assert_int_equal(store_tx_begin(s), 0);
	assert_true(people_upsert(s, c, &p, &id) >= 0);
	assert_int_equal(store_tx_commit(s), 0);
	return id;
}

static int search(struct store *s, const char *query, struct people_result *r)
{
	return people_search(s, EVENT, query, r, PEOPLE_SEARCH_MAX);
}

static void roster(struct tu_db *f)
{
	add(f->s, &f->c, "R1", "Søren", "Kierkegaard", "soren.k@example.dk", "+45 12 34 56 78");
	add(f->s, &f->c, "R2", "Åsa", "Öberg", "asa.oberg@example.se", NULL);
	add(f->s, &f->c, "R3", "Sofie", "Lund", NULL, "+45 87 65 43 21");
}

/* The kiosk searches on its connection; the import worker, the stations' sync and the CLI
 * write on theirs. */
static void follows_other_connections(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	assert_int_equal(search(f->s, "soren", r), 1);
	struct store *other = store_open(f->dir);
	assert_non_null(other);
	add(other, &f->c, "R4", "Søren", "Holm", NULL, NULL);
	assert_int_equal(search(f->s, "soren", r), 2);
	assert_int_equal(search(f->s, "holm soren", r), 1);
	assert_string_equal(r[0].display, "Søren H.");
	/* Written on this connection too (a walk-in at this door). */
	add(f->s, &f->c, "R5", "Søren", "Dahl", NULL, NULL);
	assert_int_equal(search(f->s, "soren", r), 3);
	/* A name changed elsewhere: found by the new one only. */
	add(other, &f->c, "R3", "Bent", "Lund", NULL, NULL);
	assert_int_equal(search(f->s, "sofie", r), 0);
	assert_int_equal(search(f->s, "bent lu", r), 1);
	assert_string_equal(r[0].first_name, "Bent");
	/* And changed again: the delta keeps the latest. */
	add(other, &f->c, "R3", "Bo", "Lund", NULL, NULL);
	assert_int_equal(search(f->s, "bent", r), 0);
	assert_int_equal(search(f->s, "bo lund", r), 1);
	store_close(other);
}

/* A walk-in who gives a known phone under the same name is that person: the email they add
 * is searchable from then on, at every connection. */
static void merged_person_found_by_new_email(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	assert_int_equal(search(f->s, "sofiesen", r), 0);
	struct store *door = store_open(f->dir);
	assert_non_null(door);
	struct people_walkin w = { "Sofie", "Lund", "sofiesen@example.dk", "+45 87654321",
				   NULL, "da", 1, "v1" };
	struct people_walkin_errors e;
	struct people_walkin_result wr;
	assert_int_equal(people_walkin(door, &f->c, EVENT, &w, &e, &wr), 0);
	assert_true(wr.merged);
	store_close(door);
	assert_int_equal(search(f->s, "sofiesen", r), 1);
	assert_int_equal(r[0].id, wr.person_id);
	assert_true(r[0].checked_in);
	/* Nobody else came of it. */
	assert_int_equal(search(f->s, "sofie", r), 1);
}

/* An import on another connection (the import worker's) of n people "Zed Zander" with emails
 * zedI@example.dk, and one more row (a change to a known person) when also is set. */
static void import_zeds(struct tu_db *f, int n, const struct people_in *also)
{
	struct store *worker = store_open(f->dir);
	assert_non_null(worker);
	struct people_bulk *b = people_bulk_begin(worker, &f->c);
	assert_non_null(b);
	for (int i = 0; i < n; i++) {
		char ext[16], email[48];
		snprintf(ext, sizeof(ext), "N%d", i);
		snprintf(email, sizeof(email), "zed%d@example.dk", i);
		struct people_in p = { ext, "Zed", "Zander", email, NULL, NULL };
		assert_int_equal(people_bulk_add(b, &p), 0);
	}
	if (also)
		assert_int_equal(people_bulk_add(b, also), 0);
	assert_int_equal(store_tx_begin(worker), 0);
	assert_int_equal(people_bulk_finish(b, NULL, NULL), 0);
	assert_int_equal(store_tx_commit(worker), 0);
	store_close(worker);
}

/* An import of more people than the delta takes is built into a new index in the background;
 * until it is swapped in, searches answer from the old one, without an error and with every
 * hit's details read fresh from the table. */
static void import_swaps_while_old_index_answers(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	assert_int_equal(search(f->s, "soren", r), 1);
	struct people_index_stats st0;
	assert_int_equal(people_index_stats(f->s, &st0), 0);
	assert_int_equal(st0.people, 3);

	int n = PEOPLE_INDEX_DELTA_MAX + 100;
	/* ... and Søren's email changed in the same import. */
	struct people_in upd = { "R1", "Søren", "Kierkegaard", "ksoren@other.se", NULL, NULL };
	import_zeds(f, n, &upd);

	/* The first search after the commit starts the rebuild and answers from the old index:
	 * the old roster, with the row's current details. */
	assert_int_equal(search(f->s, "zed", r), 0);
	/* From here on the new index may be in (the thread is quick): either way Søren is found
	 * once, with what is stored now. */
	assert_int_equal(search(f->s, "soren", r), 1);
	assert_string_equal(r[0].hint, "k***@o***.se");
	/* Swapped in once built. */
	struct people_index_stats st;
	assert_int_equal(people_index_stats(f->s, &st), 0);
	assert_int_equal(st.people, 3 + n);
	assert_int_equal(search(f->s, "zed", r), PEOPLE_SEARCH_MAX);
	assert_int_equal(search(f->s, "zed4099", r), 0);
	assert_int_equal(search(f->s, "zed2099", r), 1);
	assert_int_equal(search(f->s, "ksoren", r), 1);
	assert_string_equal(r[0].first_name, "Søren");
	assert_int_equal(search(f->s, "asa oberg", r), 1);
	/* Small changes after the swap go to the delta again. */
	add(f->s, &f->c, "R9", "Zed", "Other", NULL, NULL);
	assert_int_equal(search(f->s, "zed other", r), 1);
}

/* A load the delta can hold is folded in at the next search, like one change; one that it
 * cannot hold (its people keep rev 0, the load one rev in meta) makes the index rebuild, and a
 * change after it is newer than the load. */
static void small_load_folds_large_load_rebuilds(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	assert_int_equal(search(f->s, "soren", r), 1);
	import_zeds(f, 10, NULL);
	assert_int_equal(search(f->s, "zed", r), 10);   /* at once: no rebuild */
	assert_int_equal(store_query_int(f->s, "SELECT count(*) FROM person WHERE rev = 0"), 0);
	struct store *w = store_open(f->dir);
	assert_non_null(w);
	struct people_bulk *b = people_bulk_begin(w, &f->c);
	for (int i = 0; i < PEOPLE_INDEX_DELTA_MAX + 1; i++) {
		char ext[16];
		snprintf(ext, sizeof(ext), "Y%d", i);
		struct people_in p = { ext, "Yrsa", "Ytterberg", NULL, NULL, NULL };
		assert_int_equal(people_bulk_add(b, &p), 0);
	}
	assert_int_equal(store_tx_begin(w), 0);
	assert_int_equal(people_bulk_finish(b, NULL, NULL), 0);
	assert_int_equal(store_tx_commit(w), 0);
	store_close(w);
	assert_int_equal(store_query_int(f->s, "SELECT count(*) FROM person WHERE rev = 0"), PEOPLE_INDEX_DELTA_MAX + 1);
	assert_true(store_query_int(f->s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'person_bulk_rev'") >
		    store_query_int(f->s, "SELECT max(rev) FROM person"));
	search(f->s, "yrsa", r);   /* starts the rebuild */
	struct people_index_stats st;
	assert_int_equal(people_index_stats(f->s, &st), 0);   /* waits for it */
	assert_int_equal(search(f->s, "yrsa", r), PEOPLE_SEARCH_MAX);
	add(f->s, &f->c, "R9", "Yrsa", "Other", NULL, NULL);
	assert_true(store_query_int(f->s, "SELECT rev FROM person WHERE external_id = 'R9'") >
		    store_query_int(f->s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'person_bulk_rev'"));
	assert_int_equal(search(f->s, "yrsa other", r), 1);
}

/* The index is built from what it reads; when that read fails the search says so. */
static void failed_read_is_an_error(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	assert_int_equal(search(f->s, "soren", r), 1);
	struct store *other = store_open(f->dir);
	assert_non_null(other);
	assert_int_equal(store_exec(other, "ALTER TABLE person RENAME COLUMN rev TO rev_gone"), 0);
	store_close(other);
	assert_int_equal(search(f->s, "soren", r), -1);
	assert_int_equal(search(f->s, "zq", r), -1);
	/* A connection opened now cannot build one either. */
	struct store *fresh = store_open(f->dir);
	assert_non_null(fresh);
	assert_int_equal(search(fresh, "soren", r), -1);
	store_close(fresh);
}

struct ready_count {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	int n;
};

static void ready_cb(void *ctx)
{
	struct ready_count *rc = ctx;
	pthread_mutex_lock(&rc->lock);
	rc->n++;
	pthread_cond_broadcast(&rc->cv);
	pthread_mutex_unlock(&rc->lock);
}

static void ready_wait(struct ready_count *rc, int n)
{
	pthread_mutex_lock(&rc->lock);
	while (rc->n < n)
		pthread_cond_wait(&rc->cv, &rc->lock);
	pthread_mutex_unlock(&rc->lock);
}

/* The event core prepares the index when it opens, so the first keystroke does not wait, and
 * is told when each build is ready: a screen that showed the old roster's results (the import
 * was swapped in while they were searched) searches again and sees the new roster. */
static void prepare_tells_when_each_build_is_ready(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	struct ready_count rc = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	assert_int_equal(people_search_prepare(f->s, ready_cb, &rc), 0);
	/* The first build is waited for by the first search: nobody saw an older index. */
	assert_int_equal(search(f->s, "soren", r), 1);

	import_zeds(f, PEOPLE_INDEX_DELTA_MAX + 10, NULL);

	/* The search that notices the import starts the rebuild; when it is ready we are told,
	 * and the search asked again finds the new roster. */
	assert_true(search(f->s, "zed", r) >= 0);
	ready_wait(&rc, 1);
	assert_int_equal(search(f->s, "zed", r), PEOPLE_SEARCH_MAX);
	/* Told nothing more while nothing is built (and never told after the store closed). */
	assert_int_equal(search(f->s, "soren", r), 1);
	pthread_mutex_lock(&rc.lock);
	assert_int_equal(rc.n, 1);
	pthread_mutex_unlock(&rc.lock);
}

/* The bytes the index holds grow with the people, not with the searches. */
static void searching_allocates_nothing_lasting(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	struct people_index_stats a, b;
	assert_int_equal(people_index_stats(f->s, &a), 0);
	for (int i = 0; i < 200; i++)
		assert_true(search(f->s, i % 2 ? "soren" : "oberg asa", r) >= 1);
	assert_int_equal(people_index_stats(f->s, &b), 0);
	assert_int_equal(a.bytes, b.bytes);
	assert_true(a.bytes > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(follows_other_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(merged_person_found_by_new_email, setup, teardown),
		cmocka_unit_test_setup_teardown(import_swaps_while_old_index_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(small_load_folds_large_load_rebuilds, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_read_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(searching_allocates_nothing_lasting, setup, teardown),
		cmocka_unit_test_setup_teardown(prepare_tells_when_each_build_is_ready, setup,
						teardown),
	};
	return RUN_TESTS(tests);
}
