/* The uploader: delivers the outbox to the campaign's systems (the pack's [upload]: webhook,
 * actionnetwork or webdav) with libcurl, in order, exactly once at a receiver that honours the
 * idempotency key, without ever blocking the screen.
 *
 * The kiosk starts one background uploader for a pack and data directory:
 *
 *     struct uploader *u = uploader_start(&pack, data_dir, &clock, NULL);
 *     ...every frame or second: uploader_status(u, &st); draw st...
 *     ...a record was committed (a check-in, a commitment): uploader_wake(u);
 *     ...the organizer taps "Upload now": uploader_kick(u);
 *     uploader_stop(u);   at exit: wakes the thread, waits for it, frees everything
 *
 * The thread opens its own store connection on the data directory (one connection per thread),
 * sleeps until it is woken (uploader_wake() after every committed record), a retry is due, or a
 * long safety-net poll passes, sends what is due in batches, and records every result in the
 * outbox (sent, retry later, parked). A wake never shortens a backoff or a Retry-After and sends
 * nothing with a token the receiver refused; only uploader_kick() ("Upload now") does that. The
 * status is a snapshot copied under a mutex, so the UI never waits for the network.
 *
 * `barnstorm upload` uses upload_run(): the same code, synchronously, in the calling thread.
 *
 * Time: waits are real, except on a fake clock, where a wait moves the uploader's own copy of the
 * clock forward instead of sleeping (the thread still sleeps up to 20 ms to let kicks in), so tests
 * pass through backoffs and Retry-After instantly; with opts.hold_fake_clock the thread's clock
 * stays put instead, so what waits for a retry waits until uploader_kick().
 *
 * Targets ([upload] kind):
 *   webhook        POST {"schema":"barnstorm.v1", ...} batches to url, Authorization: Bearer TOKEN;
 *   actionnetwork  url is the API root (https://actionnetwork.org/api/v2), or an event's address
 *                  (.../api/v2/events/ID) to record attendance at that event; OSDI-API-Token;
 *   webdav         url is a folder; basic auth with [upload] user and the token as password.
 *
 * The webhook body (schema "barnstorm.v1"; the webdav files hold the same document):
 *   {"schema": "barnstorm.v1", "kiosk": KIOSK_UUID, "batch": IDEMPOTENCY_KEY,
 *    "event": {"id": ..., "title": ...},
 *    "records": [{"uuid", "kind", "person_uuid" (or null), "created_at" ("2026-12-03T18:04:05.123Z"),
 *                 "clock_synced" (bool), "payload" (the record's JSON object)}, ...]}
 * The Idempotency-Key header is "FIRST_UUID.LAST_UUID" of the batch (a record's uuid for
 * actionnetwork); a batch is pinned (outbox.h) so a retry has the same records and key. WebDAV
 * files are named barnstorm-FIRST_UUID.json, so a retried PUT replaces the same file.
 *
 * Action Network: "person" records go to the person signup helper (given_name, family_name,
 * email, phone, postcode from the payload keys first_name, last_name, email, phone, postcode);
 * "checkin" to the record attendance helper of the event in the url, or else as the tag
 * "Attended: TITLE"; "commitment" as the tags "Barnstorm role: ROLE" and "Barnstorm team: TEAM"
 * (Action Network applies only tags that exist in the account). The person is identified by
 * email: the record's own, else the person's consented "person" record, else the roster's. A
 * record with no such email, and kinds Action Network has no place for (agenda, undo, cancel),
 * count as sent without a request. A 200 without "identifiers" (e.g. an empty body) is a failure.
 *
 * Answers: 2xx accepted; 408, 429, 5xx and network errors retried later with exponential backoff
 * and jitter, at least Retry-After; other answers park the batch with the reason. After a 401 or
 * 403 the uploader sends nothing more until the token file changes or "Upload now"; the refusal
 * is kept in the store (which file, never its content), so a restarted kiosk does not try the
 * same token again, while `barnstorm upload`, like "Upload now", does.
 *
 * Rate: requests to Action Network start at least opts.an_spacing_ms apart (it allows 4 a
 * second), measured on the injected clock.
 *
 * Secrets: the token is read from the pack's token_file (relative to the pack folder; refused if
 * group or others can read it) each time a pass starts, so fixing the file needs no restart. The
 * token never appears in a status reason, an error message, a log or a request body.
 *
 * Ownership: the uploader copies what it needs from the pack, the data directory and the clock;
 * the caller may release them after uploader_start() returns. */
#ifndef BARNSTORM_UPLOAD_H
#define BARNSTORM_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

struct pack;
struct clock;
struct uploader;

enum upload_state {
	UPLOAD_OFF,          /* the pack has no [upload] */
	UPLOAD_IDLE,         /* records queued for the next pass, or the first pass not finished */
	UPLOAD_SENDING,      /* a request is in flight */
	UPLOAD_FAILING,      /* the last attempt failed, or records are parked: see reason */
	UPLOAD_WAITING_CLOCK,/* https and the clock is not synchronised yet: TLS would fail */
	UPLOAD_ALL_SENT,     /* nothing queued, nothing parked */
};

/* A copy of the uploader's state for a screen. Plain values: no pointers, no secrets. */
struct upload_status {
	enum upload_state state;
	char kind[16];            /* "webhook", "actionnetwork", "webdav", "" when off */
	int64_t queued;           /* records not yet accepted (including failing ones) */
	int64_t failing;          /* queued records that failed at least once */
	int64_t sent;
	int64_t parked;           /* refused by the receiver (other 4xx): will not be retried */
	int64_t last_success_at;  /* ms since the epoch, UTC; 0 when never */
	int64_t next_attempt_at;  /* when the next retry is due (ms, UTC); 0 when none pending */
	char reason[256];         /* the last failure or park reason, "" when none; no secrets */
};

/* Tuning knobs; upload_opts_default() gives the production values. Tests shorten the timeouts
 * and cap every wait (max_wait_ms) so they never sleep for a real backoff. */
struct upload_opts {
	int batch;                /* records per request (webhook, webdav); 100 */
	long connect_timeout_ms;  /* 10 s */
	long timeout_ms;          /* the whole request; 60 s */
	long low_speed_limit;     /* bytes/s below which ... */
	long low_speed_time_s;    /* ... for this long the request is abandoned; 100 B/s for 20 s */
	int64_t backoff_base_ms;  /* first retry after about this long; 2000 */
	int64_t backoff_max_ms;   /* exponential growth stops here; 10 min */
	int64_t max_wait_ms;      /* no wait (backoff or Retry-After) is ever longer; 1 h */
	int64_t poll_ms;          /* the thread looks at the outbox at least this often even when
				     nobody wakes it (a safety net); 60 s */
	int64_t run_budget_ms;    /* upload_run(): no retry is waited for beyond this; 30 s */
	int64_t an_spacing_ms;    /* actionnetwork: at least this long between the starts of two
				     requests (Action Network allows 4 per second); 300 */
	int hold_fake_clock;      /* tests: on a fake clock the thread never moves its clock to
				     reach a retry (only the spacing above does); 0 */
	/* Called on the uploader's thread whenever the status a screen shows changed; must be
	 * thread-safe and must not call uploader_*. NULL: nobody is told. */
	void (*changed)(void *ctx);
	void *changed_ctx;
};

void upload_opts_default(struct upload_opts *o);

/* Starts the background uploader (its store connection is opened here, then used only by the
 * thread). opts may be NULL for the defaults. A bad configuration does not fail here: it becomes a
 * FAILING status with the reason, rechecked every pass. NULL with err_msg() only when the data
 * directory's store cannot be opened or the thread cannot be created. A pack without [upload]
 * gives an uploader whose state is UPLOAD_OFF (it still counts the outbox). */
struct uploader *uploader_start(const struct pack *p, const char *data_dir, const struct clock *c,
				const struct upload_opts *opts);
/* Copies the current status into *out. Never blocks on the network. */
void uploader_status(struct uploader *u, struct upload_status *out);
/* "A record was committed: look soon." Wakes the thread, which sends what is due. Never shortens a
 * backoff or a Retry-After, and sends nothing while the receiver's refusal of the token (401/403)
 * blocks: then the pass only rereads the token file, and a changed token is used. Cheap enough
 * to call after every check-in. */
void uploader_wake(struct uploader *u);
/* "Upload now" (the organizer's button): wakes the thread and makes every queued record due at
 * once (clears backoff and a refused token's block). Not for every record: see uploader_wake(). */
void uploader_kick(struct uploader *u);
/* "Retry refused records": parked records are queued again (e.g. after the token was fixed). */
void uploader_retry_parked(struct uploader *u);
/* Stops the thread (an in-flight request is abandoned within about a second), joins it and frees
 * the uploader. NULL is allowed. */
void uploader_stop(struct uploader *u);

/* Sends what is queued now, synchronously: batches until the outbox is empty, retrying failed
 * requests with backoff until opts->run_budget_ms has passed. Fills *out (may be NULL) and the
 * number of records accepted and requests made. 0 when nothing remains queued, -1 with err_msg()
 * (the reason, scrubbed of secrets) otherwise. */
int upload_run(const struct pack *p, const char *data_dir, const struct clock *c,
	       const struct upload_opts *opts, struct upload_status *out,
	       int64_t *records_sent, int64_t *requests);

/* "idle", "sending", "failing", "waiting for the clock", "all sent", "off". */
const char *upload_state_name(enum upload_state s);

/* The retry delay after `attempts` failures (1 = the first): exponential from base to max with
 * full jitter from `rnd` (any 32-bit value), never less than retry_after_s seconds when the
 * server gave one, never more than max_wait_ms. */
int64_t upload_backoff_ms(const struct upload_opts *o, int attempts, long retry_after_s,
			  uint32_t rnd);

/* host[:port] of a url, without user, password, path or query (a webhook's path can be a
 * secret), for showing where results go; "" when the url cannot be parsed. */
void upload_url_host(const char *url, char *out, size_t size);

#endif
