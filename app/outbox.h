/* The outbox: every fact the kiosk records (a new person with consent, a check-in, a commitment, a
 * meeting log entry) is also written here, in the same transaction that records it, as a JSON
 * payload with its own UUID and time. The uploader delivers the outbox in order, exactly once.
 *
 * Kinds: "person", "checkin", "checkin_undo", "commitment", "commitment_cancel", "agenda". */
#ifndef BARNSTORM_OUTBOX_H
#define BARNSTORM_OUTBOX_H

#include <stdint.h>

struct store;
struct clock;

/* Adds one record. Must be called inside the caller's store transaction. person_uuid may be NULL.
 * payload is a JSON object (UTF-8); the record's uuid is written to uuid_out[37] if not NULL.
 * 0, or -1 with err_msg(). */
int outbox_add(struct store *s, const struct clock *c, const char *kind,
	       const char *person_uuid, const char *payload, char *uuid_out);

/* ---- The delivery side (used by the uploader; see upload.h) ----
 *
 * Records are delivered in id order, which keeps every person's records in order. A batch is the
 * longest run of queued records from the oldest one on that are due (next_attempt_at <= now): when
 * the oldest queued record waits for a retry, nothing after it is sent either. Parked records
 * (refused by the receiver) are skipped for good.
 *
 * A batch is pinned in meta ("outbox_batch" = "FIRST_ID LAST_ID") by outbox_pin() before it is
 * sent, and cleared when it is marked sent or parked; outbox_next_batch() rebuilds a pinned batch
 * exactly, so a batch retried after a failure or a killed process has the same records and the
 * same idempotency key even if newer records were queued meanwhile. */

struct outbox_record {
	int64_t id;
	char uuid[37];
	char kind[24];
	char person_uuid[37];  /* "" when the record is not about a person */
	char *payload;         /* owned: the JSON object as stored */
	int64_t created_at;    /* ms since the epoch, UTC */
	int clock_synced;
	int attempts;
};

/* Owns its records and their payloads; outbox_batch_release() frees them. */
struct outbox_batch {
	struct outbox_record *items;
	int n;
	int64_t next_due;      /* when n == 0: when the oldest queued record is due (0: none queued) */
};

#define OUTBOX_BATCH_MAX 1000

/* Fills *b with up to max (<= OUTBOX_BATCH_MAX) due records in id order; now < 0 ignores
 * next_attempt_at (everything queued is due). A pinned batch comes back as it was pinned (its
 * records that are still queued). 0 (b->n may be 0), or -1 with err_msg(). */
int outbox_next_batch(struct store *s, int64_t now, int max, struct outbox_batch *b);
void outbox_batch_release(struct outbox_batch *b);

/* Pins the batch [first_id, last_id] (see above); in its own transaction. */
int outbox_pin(struct store *s, int64_t first_id, int64_t last_id);

/* Marks the records with ids[0..n-1] sent at `now`, stores now as the last success time, and
 * clears the pin; one transaction. */
int outbox_mark_sent(struct store *s, const int64_t *ids, int n, int64_t now);
/* Counts one more failed attempt for each record and makes them due again at next_at; reason is
 * kept as the last error (it must hold no secret). One transaction; the pin stays. */
int outbox_mark_retry(struct store *s, const int64_t *ids, int n, int64_t next_at,
		      const char *reason);
/* Parks the records (the receiver refused them; they are not retried) with the reason, and
 * clears the pin. One transaction. */
int outbox_park(struct store *s, const int64_t *ids, int n, const char *reason);
/* "Upload now": every queued record is due at once. */
int outbox_make_due(struct store *s);
/* Queues every parked record again, due at once, with its attempts reset. */
int outbox_requeue_parked(struct store *s);

struct outbox_counts {
	int64_t queued;          /* state queued (including failing) */
	int64_t failing;         /* queued with attempts > 0 */
	int64_t sent;
	int64_t parked;
	int64_t next_attempt_at; /* of the oldest queued record when it waits for a retry, else 0 */
	int64_t last_success_at; /* 0 when never */
	char last_error[256];    /* of the oldest failing or the newest parked record; "" if none */
};

int outbox_counts(struct store *s, struct outbox_counts *out);

#endif
