/* The outbox's delivery side: batches in order, due times, pins, sent/retry/park, counts. */
#include "testutil.h"

#include "clock.h"
#include "outbox.h"
#include "store.h"
#include "util.h"

#define T0 1764000000000LL

static int setup(void **state)
{
	*state = tu_db_open(T0);
	return 0;
}

static int teardown(void **state)
{
	tu_db_close(*state);
	return 0;
}

static void add(struct tu_db *f, int n, const char *person)
{
	assert_int_equal(store_tx_begin(f->s), 0);
	for (int i = 0; i < n; i++) {
		char json[64];
		snprintf(json, sizeof(json), "{\"i\": %d}", i);
		assert_int_equal(outbox_add(f->s, &f->c, "checkin", person, json, NULL), 0);
	}
	assert_int_equal(store_tx_commit(f->s), 0);
}

static void ids_of(const struct outbox_batch *b, int64_t *ids)
{
	for (int i = 0; i < b->n; i++)
		ids[i] = b->items[i].id;
}

static void test_batches_in_order(void **state)
{
	struct tu_db *f = *state;
	add(f, 25, "p1");
	struct outbox_batch b;
	assert_int_equal(outbox_next_batch(f->s, T0, 10, &b), 0);
	assert_int_equal(b.n, 10);
	for (int i = 0; i < b.n; i++)
		assert_int_equal(b.items[i].id, i + 1);
	assert_string_equal(b.items[0].kind, "checkin");
	assert_string_equal(b.items[0].person_uuid, "p1");
	assert_string_equal(b.items[3].payload, "{\"i\": 3}");
	assert_int_equal(b.items[0].created_at, T0);
	assert_int_equal(b.items[0].clock_synced, 1);
	int64_t ids[OUTBOX_BATCH_MAX];
	ids_of(&b, ids);
	assert_int_equal(outbox_mark_sent(f->s, ids, b.n, T0 + 5), 0);
	outbox_batch_release(&b);

	assert_int_equal(outbox_next_batch(f->s, T0, 100, &b), 0);
	assert_int_equal(b.n, 15);
	assert_int_equal(b.items[0].id, 11);
	outbox_batch_release(&b);

	struct outbox_counts c;
	assert_int_equal(outbox_counts(f->s, &c), 0);
	assert_int_equal(c.queued, 15);
	assert_int_equal(c.sent, 10);
	assert_int_equal(c.parked, 0);
	assert_int_equal(c.failing, 0);
	assert_int_equal(c.last_success_at, T0 + 5);
	assert_string_equal(c.last_error, "");
}

static void test_retry_blocks_later_records(void **state)
{
	struct tu_db *f = *state;
	add(f, 5, "p1");
	struct outbox_batch b;
	assert_int_equal(outbox_next_batch(f->s, T0, 2, &b), 0);
	int64_t ids[2];
	ids_of(&b, ids);
	assert_int_equal(outbox_mark_retry(f->s, ids, 2, T0 + 1000, "HTTP 500 from x"), 0);
	outbox_batch_release(&b);

	/* Not due yet: nothing goes, not even the later records (order per person). */
	assert_int_equal(outbox_next_batch(f->s, T0 + 999, 10, &b), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.next_due, T0 + 1000);
	struct outbox_counts c;
	assert_int_equal(outbox_counts(f->s, &c), 0);
	assert_int_equal(c.failing, 2);
	assert_int_equal(c.queued, 5);
	assert_int_equal(c.next_attempt_at, T0 + 1000);
	assert_string_equal(c.last_error, "HTTP 500 from x");

	/* Due: the failed records first, and the batch stops before nothing due. */
	assert_int_equal(outbox_next_batch(f->s, T0 + 1000, 10, &b), 0);
	assert_int_equal(b.n, 5);
	assert_int_equal(b.items[0].attempts, 1);
	assert_int_equal(b.items[2].attempts, 0);
	outbox_batch_release(&b);

	/* now < 0 ignores due times; make_due clears them. */
	assert_int_equal(outbox_next_batch(f->s, -1, 10, &b), 0);
	assert_int_equal(b.n, 5);
	outbox_batch_release(&b);
	assert_int_equal(outbox_make_due(f->s), 0);
	assert_int_equal(outbox_next_batch(f->s, T0, 10, &b), 0);
	assert_int_equal(b.n, 5);
	outbox_batch_release(&b);
}

static void test_pin_keeps_the_batch(void **state)
{
	struct tu_db *f = *state;
	add(f, 3, "p1");
	struct outbox_batch b;
	assert_int_equal(outbox_next_batch(f->s, T0, 100, &b), 0);
	assert_int_equal(b.n, 3);
	assert_int_equal(outbox_pin(f->s, b.items[0].id, b.items[2].id), 0);
	char first[37], last[37];
	str_copy(first, sizeof(first), b.items[0].uuid);
	str_copy(last, sizeof(last), b.items[2].uuid);
	outbox_batch_release(&b);

	/* New records arrive while the batch is out (or the process was killed). */
	add(f, 4, "p2");
	assert_int_equal(outbox_next_batch(f->s, T0, 100, &b), 0);
	assert_int_equal(b.n, 3);
	assert_string_equal(b.items[0].uuid, first);
	assert_string_equal(b.items[2].uuid, last);
	int64_t ids[3];
	ids_of(&b, ids);
	outbox_batch_release(&b);

	/* A store reopened (as after a crash) sees the same pin. */
	store_close(f->s);
	f->s = store_open(f->dir);
	assert_non_null(f->s);
	assert_int_equal(outbox_next_batch(f->s, T0, 100, &b), 0);
	assert_int_equal(b.n, 3);
	outbox_batch_release(&b);

	assert_int_equal(outbox_mark_sent(f->s, ids, 3, T0), 0);
	assert_int_equal(outbox_next_batch(f->s, T0, 100, &b), 0);
	assert_int_equal(b.n, 4);
	assert_string_equal(b.items[0].person_uuid, "p2");
	outbox_batch_release(&b);
}

static void test_park_and_requeue(void **state)
{
	struct tu_db *f = *state;
	add(f, 4, NULL);
	struct outbox_batch b;
	assert_int_equal(outbox_next_batch(f->s, T0, 2, &b), 0);
	assert_string_equal(b.items[0].person_uuid, "");
	int64_t ids[2];
	ids_of(&b, ids);
	outbox_batch_release(&b);
	assert_int_equal(outbox_pin(f->s, ids[0], ids[1]), 0);
	assert_int_equal(outbox_park(f->s, ids, 2, "HTTP 422 from x: bad"), 0);

	/* Parked records are skipped; the pin is gone. */
	assert_int_equal(outbox_next_batch(f->s, T0, 10, &b), 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.items[0].id, 3);
	int64_t ids2[2];
	ids_of(&b, ids2);
	outbox_batch_release(&b);
	assert_int_equal(outbox_mark_sent(f->s, ids2, 2, T0 + 7), 0);

	struct outbox_counts c;
	assert_int_equal(outbox_counts(f->s, &c), 0);
	assert_int_equal(c.parked, 2);
	assert_int_equal(c.sent, 2);
	assert_int_equal(c.queued, 0);
	assert_string_equal(c.last_error, "HTTP 422 from x: bad");

	assert_int_equal(outbox_requeue_parked(f->s), 0);
	assert_int_equal(outbox_counts(f->s, &c), 0);
	assert_int_equal(c.parked, 0);
	assert_int_equal(c.queued, 2);
	assert_int_equal(c.failing, 0);
}

static void test_counts_empty(void **state)
{
	struct tu_db *f = *state;
	struct outbox_counts c;
	assert_int_equal(outbox_counts(f->s, &c), 0);
	assert_int_equal(c.queued + c.sent + c.parked + c.failing + c.last_success_at, 0);
	struct outbox_batch b;
	assert_int_equal(outbox_next_batch(f->s, T0, 10, &b), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.next_due, 0);
	outbox_batch_release(&b);
}

/* A pin of one record holds too: records queued after it do not join its retry (the uploader
 * pins every batch, whatever its size, so the retry keeps its idempotency key). */
static void test_pin_of_one_record(void **state)
{
	struct tu_db *f = *state;
	add(f, 1, "p1");
	struct outbox_batch b;
	assert_int_equal(outbox_next_batch(f->s, T0, 10, &b), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(outbox_pin(f->s, b.items[0].id, b.items[0].id), 0);
	int64_t id = b.items[0].id;
	assert_int_equal(outbox_mark_retry(f->s, &id, 1, T0 + 1000, "no answer"), 0);
	outbox_batch_release(&b);
	add(f, 4, "p1");
	assert_int_equal(outbox_next_batch(f->s, T0 + 1000, 10, &b), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.items[0].id, id);
	assert_int_equal(b.items[0].attempts, 1);
	assert_int_equal(outbox_mark_sent(f->s, &id, 1, T0 + 1001), 0);
	outbox_batch_release(&b);
	/* Sent: the pin is gone and the rest go together. */
	assert_int_equal(outbox_next_batch(f->s, T0 + 1001, 10, &b), 0);
	assert_int_equal(b.n, 4);
	assert_int_equal(b.items[0].id, id + 1);
	outbox_batch_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batches_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_blocks_later_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_keeps_the_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_park_and_requeue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_of_one_record, setup, teardown),
	};
	return RUN_TESTS(tests);
}
