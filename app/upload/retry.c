/* The uploader's retry policy (see upload.h, "Answers"): which answers are retried and which
 * park a batch, how long a retry waits, and how a batch's outcome is recorded in the outbox. */
#include "upload/engine.h"
#include "util.h"

#include <string.h>

int64_t upload_backoff_ms(const struct upload_opts *o, int attempts, long retry_after_s,
			  uint32_t rnd)
{
	int64_t d = o->backoff_base_ms > 0 ? o->backoff_base_ms : 1;
	for (int i = 1; i < attempts && d < o->backoff_max_ms; i++)
		d *= 2;
	if (d > o->backoff_max_ms)
		d = o->backoff_max_ms;
	/* "Equal jitter": half fixed, half random, so kiosks that failed together spread out but
	 * none retries at once. */
	d = d / 2 + (int64_t)(rnd % (uint32_t)(d / 2 + 1));
	if (retry_after_s > 0 && retry_after_s * 1000 > d)
		d = (int64_t)retry_after_s * 1000;
	if (d > o->max_wait_ms)
		d = o->max_wait_ms;
	return d < 0 ? 0 : d;
}

uint32_t upload_rng_next(uint32_t *s)
{
	/* xorshift32: jitter needs spread, not secrecy. */
	uint32_t x = *s ? *s : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* Classifies a finished request: 2xx SENT; 408, 429, 5xx, transport errors RETRY; others PARK.
 * Sets e->reason for anything but SENT. */
enum outcome upload_classify(struct engine *e, const struct reply *r)
{
	e->auth_refused = 0;
	if (r->status == 0)
		return RETRY; /* e->reason set by upload_http() */
	if (r->status >= 200 && r->status < 300)
		return SENT;
	char ex[160];
	upload_excerpt(r->body, r->len, ex, sizeof(ex));
	e->auth_refused = r->status == 401 || r->status == 403;
	if (e->auth_refused) {
		str_fmt(e->reason, sizeof(e->reason), "HTTP %ld from %s: the receiver refused the token "
			"in '%s'", r->status, e->t.host, e->t.token_name);
	} else if (r->status == 408 || r->status == 429 || r->status >= 500) {
		if (r->retry_after_s > 0)
			str_fmt(e->reason, sizeof(e->reason), "HTTP %ld from %s (retry after %ld s)%s%s",
				r->status, e->t.host, r->retry_after_s, ex[0] ? ": " : "", ex);
		else
			str_fmt(e->reason, sizeof(e->reason), "HTTP %ld from %s%s%s", r->status,
				e->t.host, ex[0] ? ": " : "", ex);
	} else {
		str_fmt(e->reason, sizeof(e->reason), "HTTP %ld from %s%s%s", r->status, e->t.host,
			ex[0] ? ": " : "", ex);
	}
	upload_scrub(e->reason, sizeof(e->reason), e->token);
	if (r->status == 408 || r->status == 429 || r->status >= 500)
		return RETRY;
	return PARK;
}

/* Records the result of one batch. */
int upload_settle(struct engine *e, const int64_t *ids, int n, enum outcome out, long retry_after,
		  int attempts)
{
	switch (out) {
	case SENT:
		e->records_sent += n;
		return outbox_mark_sent(e->store, ids, n, upload_now(e));
	case RETRY: {
		int64_t d = upload_backoff_ms(&e->o, attempts + 1, retry_after, upload_rng_next(&e->rng));
		return outbox_mark_retry(e->store, ids, n, upload_now(e) + d, e->reason);
	}
	case PARK:
		return outbox_park(e->store, ids, n, e->reason);
	case STOPPED:
		break;
	}
	return 0;
}
