#include "outbox.h"
#include "clock.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int outbox_add(struct store *s, const struct clock *c, const char *kind,
	       const char *person_uuid, const char *payload, char *uuid_out)
{
	char uuid[37];
	uuid_v4(uuid);
	struct store_stmt *st = store_stmt(s,
		"INSERT INTO outbox(uuid, kind, person_uuid, payload, created_at, clock_synced) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		return -1;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, person_uuid);
	store_bind_text(st, 4, payload);
	store_bind_int(st, 5, clock_now(c));
	store_bind_int(st, 6, clock_synchronised(c));
	int rc = store_step(st);
	store_reset(st);
	if (rc < 0)
		return -1;
	if (uuid_out)
		str_copy(uuid_out, 37, uuid);
	return 0;
}

/* ---- Delivery ---- */

#define PIN_KEY "outbox_batch"
#define LAST_SUCCESS_KEY "upload_last_success"

/* A whole non-negative decimal int64 (str_to_int takes a long, 32 bits on armhf). */
static int parse_i64(const char *s, int64_t *out)
{
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

void outbox_batch_release(struct outbox_batch *b)
{
	for (int i = 0; i < b->n; i++)
		free(b->items[i].payload);
	free(b->items);
	b->items = NULL;
	b->n = 0;
}

/* The pinned batch's ids, or 0 0 when none. */
static int read_pin(struct store *s, int64_t *first, int64_t *last)
{
	char v[64];
	*first = *last = 0;
	if (store_meta_get(s, PIN_KEY, v, sizeof(v)) < 0)
		return -1;
	if (!v[0])
		return 0;
	char *sp = strchr(v, ' ');
	int64_t a, b;
	if (!sp)
		return 0;
	*sp = '\0';
	if (parse_i64(v, &a) < 0 || parse_i64(sp + 1, &b) < 0 || a < 1 || b < a)
		return 0; /* a damaged pin only costs the batch its old key */
	*first = a;
	*last = b;
	return 0;
}

static void fill_record(struct store_stmt *st, struct outbox_record *r)
{
	r->id = store_col_int(st, 0);
	str_copy(r->uuid, sizeof(r->uuid), store_col_text(st, 1));
	str_copy(r->kind, sizeof(r->kind), store_col_text(st, 2));
	str_copy(r->person_uuid, sizeof(r->person_uuid), store_col_text(st, 3));
	r->payload = xstrdup(store_col_text(st, 4));
	r->created_at = store_col_int(st, 5);
	r->clock_synced = (int)store_col_int(st, 6);
	r->attempts = (int)store_col_int(st, 7);
}

int outbox_next_batch(struct store *s, int64_t now, int max, struct outbox_batch *b)
{
	b->items = NULL;
	b->n = 0;
	b->next_due = 0;
	if (max < 1 || max > OUTBOX_BATCH_MAX)
		BUG("outbox_next_batch: max out of range");
	int64_t first, last;
	if (read_pin(s, &first, &last) < 0)
		return -1;
	if (!first) {
		first = 0;
		last = INT64_MAX;
	}
	/* The pinned range first; when none of it is queued any more, the usual oldest-first run. */
	for (int pass = 0; pass < 2; pass++) {
		struct store_stmt *st = store_stmt(s,
			"SELECT id, uuid, kind, person_uuid, payload, created_at, clock_synced, attempts, "
			"next_attempt_at FROM outbox WHERE state = 'queued' AND id BETWEEN ?1 AND ?2 "
			"ORDER BY id LIMIT ?3");
		if (!st)
			return -1;
		store_bind_int(st, 1, first);
		store_bind_int(st, 2, last);
		store_bind_int(st, 3, max);
		struct outbox_record *items = xcalloc((size_t)max, sizeof(*items));
		int n = 0, rc;
		while ((rc = store_step(st)) == STORE_ROW) {
			int64_t due = store_col_int(st, 8);
			if (now >= 0 && due > now) {
				if (n == 0)
					b->next_due = due;
				break; /* later records wait for this one: in order */
			}
			fill_record(st, &items[n++]);
		}
		store_reset(st);
		if (rc < 0) {
			struct outbox_batch tmp = { items, n, 0 };
			outbox_batch_release(&tmp);
			return -1;
		}
		if (n > 0 || b->next_due || (first == 0 && last == INT64_MAX)) {
			if (n == 0) {
				free(items);
				items = NULL;
			}
			b->items = items;
			b->n = n;
			return 0;
		}
		free(items);
		first = 0;
		last = INT64_MAX;
	}
	return 0;
}

int outbox_pin(struct store *s, int64_t first_id, int64_t last_id)
{
	char v[64];
	str_fmt(v, sizeof(v), "%lld %lld", (long long)first_id, (long long)last_id);
	if (store_tx_begin(s) < 0)
		return -1;
	if (store_meta_set(s, PIN_KEY, v) < 0) {
		store_tx_rollback(s);
		return -1;
	}
	return store_tx_commit(s);
}

/* Runs sql (binding ?1 = id, ?2 = a, ?3 = b) for each id, then clears the pin if asked, in one
 * transaction. */
static int update_each(struct store *s, const char *sql, const int64_t *ids, int n, int64_t a,
		       const char *b, int unpin)
{
	if (store_tx_begin(s) < 0)
		return -1;
	struct store_stmt *st = store_stmt(s, sql);
	if (!st)
		goto fail;
	for (int i = 0; i < n; i++) {
		store_bind_int(st, 1, ids[i]);
		store_bind_int(st, 2, a);
		if (b)
			store_bind_text(st, 3, b);
		int rc = store_step(st);
		store_reset(st);
		if (rc < 0)
			goto fail;
	}
	if (unpin) {
		struct store_stmt *del = store_stmt(s, "DELETE FROM meta WHERE key = '" PIN_KEY "'");
		if (!del)
			goto fail;
		int rc = store_step(del);
		store_reset(del);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	store_tx_rollback(s);
	return -1;
}

int outbox_mark_sent(struct store *s, const int64_t *ids, int n, int64_t now)
{
	if (update_each(s, "UPDATE outbox SET state = 'sent', sent_at = ?2, last_error = NULL "
			   "WHERE id = ?1 AND state = 'queued'", ids, n, now, NULL, 1) < 0)
		return -1;
	char v[32];
	str_fmt(v, sizeof(v), "%lld", (long long)now);
	if (store_meta_set(s, LAST_SUCCESS_KEY, v) < 0) {
		store_tx_rollback(s);
		return -1;
	}
	return store_tx_commit(s);
}

int outbox_mark_retry(struct store *s, const int64_t *ids, int n, int64_t next_at,
		      const char *reason)
{
	if (update_each(s, "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, "
			   "last_error = ?3 WHERE id = ?1 AND state = 'queued'",
			ids, n, next_at, reason ? reason : "", 0) < 0)
		return -1;
	return store_tx_commit(s);
}

int outbox_park(struct store *s, const int64_t *ids, int n, const char *reason)
{
	/* ?2 is unused here but bound by update_each; attempts counts the refusal too. */
	if (update_each(s, "UPDATE outbox SET state = 'parked', attempts = attempts + 1 + 0 * ?2, "
			   "last_error = ?3 WHERE id = ?1 AND state = 'queued'",
			ids, n, 0, reason ? reason : "", 1) < 0)
		return -1;
	return store_tx_commit(s);
}

int outbox_make_due(struct store *s)
{
	if (store_tx_begin(s) < 0)
		return -1;
	if (store_exec(s, "UPDATE outbox SET next_attempt_at = 0 WHERE state = 'queued' "
			  "AND next_attempt_at > 0") < 0) {
		store_tx_rollback(s);
		return -1;
	}
	return store_tx_commit(s);
}

int outbox_requeue_parked(struct store *s)
{
	if (store_tx_begin(s) < 0)
		return -1;
	if (store_exec(s, "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = 0 "
			  "WHERE state = 'parked'") < 0) {
		store_tx_rollback(s);
		return -1;
	}
	return store_tx_commit(s);
}

int outbox_counts(struct store *s, struct outbox_counts *out)
{
	struct outbox_counts c;
	memset(&c, 0, sizeof(c));
	struct store_stmt *st = store_stmt(s,
		"SELECT coalesce(sum(state = 'queued'), 0), "
		"coalesce(sum(state = 'queued' AND attempts > 0), 0), "
		"coalesce(sum(state = 'sent'), 0), coalesce(sum(state = 'parked'), 0) FROM outbox");
	if (!st)
		return -1;
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		c.queued = store_col_int(st, 0);
		c.failing = store_col_int(st, 1);
		c.sent = store_col_int(st, 2);
		c.parked = store_col_int(st, 3);
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	/* The oldest queued record decides what happens next (delivery is in order). */
	st = store_stmt(s, "SELECT next_attempt_at, attempts, coalesce(last_error, '') FROM outbox "
			   "WHERE state = 'queued' ORDER BY id LIMIT 1");
	if (!st)
		return -1;
	rc = store_step(st);
	if (rc == STORE_ROW && store_col_int(st, 1) > 0) {
		c.next_attempt_at = store_col_int(st, 0);
		str_copy(c.last_error, sizeof(c.last_error), store_col_text(st, 2));
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	if (!c.last_error[0] && c.parked > 0) {
		st = store_stmt(s, "SELECT coalesce(last_error, '') FROM outbox WHERE state = 'parked' "
				   "ORDER BY id DESC LIMIT 1");
		if (!st)
			return -1;
		rc = store_step(st);
		if (rc == STORE_ROW)
			str_copy(c.last_error, sizeof(c.last_error), store_col_text(st, 0));
		store_reset(st);
		if (rc < 0)
			return -1;
	}
	char v[32];
	int64_t ms;
	if (store_meta_get(s, LAST_SUCCESS_KEY, v, sizeof(v)) < 0)
		return -1;
	if (v[0] && parse_i64(v, &ms) == 0)
		c.last_success_at = ms;
	*out = c;
	return 0;
}
