/* The uploader's background thread (see upload.h): it sleeps until woken, a retry is due or the
 * safety-net poll passes, runs a pass, and publishes a status snapshot under a mutex. */
#include "upload/engine.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct uploader {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	atomic_int stop;
	int kicked;             /* under lock: "Upload now" */
	int woken;              /* under lock: a record was committed */
	int retry_parked;       /* under lock */
	char *data_dir;
	struct engine e;
	struct upload_status status; /* under lock */
};

void upload_publish(struct engine *e, enum upload_state forced)
{
	if (!e->u)
		return;
	struct upload_status st;
	int moved;
	if (upload_compute_status(e, forced, &st) < 0) {
		pthread_mutex_lock(&e->u->lock);
		moved = e->u->status.state != UPLOAD_FAILING;
		e->u->status.state = UPLOAD_FAILING;
		str_copy(e->u->status.reason, sizeof(e->u->status.reason), err_msg());
		pthread_mutex_unlock(&e->u->lock);
	} else {
		pthread_mutex_lock(&e->u->lock);
		moved = memcmp(&e->u->status, &st, sizeof(st)) != 0;
		e->u->status = st;
		pthread_mutex_unlock(&e->u->lock);
	}
	/* Whoever shows the status reads it again: no screen polls the uploader. */
	if (moved && e->o.changed)
		e->o.changed(e->o.changed_ctx);
}

/* How long to wait before the next pass: until the oldest record is due, at most poll_ms. */
static int64_t next_wait(struct engine *e)
{
	struct outbox_counts c;
	int64_t w = e->o.poll_ms;
	if (outbox_counts(e->store, &c) == 0 && c.next_attempt_at > 0) {
		int64_t d = c.next_attempt_at - upload_now(e);
		/* A fake clock jumps straight to the due time; a real one still polls meanwhile
		 * for new records. */
		if (d < w || (e->clock.fake && d > 0))
			w = d;
	}
	if (w > e->o.max_wait_ms)
		w = e->o.max_wait_ms;
	return w < 0 ? 0 : w;
}

static void *run_thread(void *arg)
{
	struct uploader *u = arg;
	struct engine *e = &u->e;
	upload_publish(e, UPLOAD_IDLE);
	while (!atomic_load(&u->stop)) {
		pthread_mutex_lock(&u->lock);
		int kicked = u->kicked, unpark = u->retry_parked;
		/* A wake needs nothing of its own: the pass below sends what is due, and a record
		 * waiting for a backoff or Retry-After, or a refused token, is not. */
		u->kicked = u->retry_parked = u->woken = 0;
		pthread_mutex_unlock(&u->lock);
		if (unpark && outbox_requeue_parked(e->store) < 0)
			str_copy(e->reason, sizeof(e->reason), err_msg());
		if (kicked) {
			if (upload_token_unblock(e) < 0 || outbox_make_due(e->store) < 0)
				str_copy(e->reason, sizeof(e->reason), err_msg());
		}
		if (e->t.kind != TARGET_NONE) {
			e->reason[0] = '\0';
			if (upload_pass(e) < 0)
				str_copy(e->reason, sizeof(e->reason), err_msg());
		}
		upload_publish(e, UPLOAD_IDLE);

		int64_t w = next_wait(e);
		if (e->clock.fake) {
			/* A fake clock: move it instead of sleeping (unless a test holds it), but still
			 * let a kick, a wake or stop in. */
			if (!e->o.hold_fake_clock)
				clock_advance(&e->clock, w);
			w = w < 20 ? w : 20;
		}
		int64_t until = clock_mono(&e->wall) + w;
		struct timespec ts = { (time_t)(until / 1000), (long)(until % 1000) * 1000000L };
		pthread_mutex_lock(&u->lock);
		while (!atomic_load(&u->stop) && !u->kicked && !u->woken && !u->retry_parked) {
			if (pthread_cond_timedwait(&u->wake, &u->lock, &ts) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&u->lock);
	}
	return NULL;
}

struct uploader *uploader_start(const struct pack *p, const char *data_dir, const struct clock *c,
				const struct upload_opts *opts)
{
	struct uploader *u = xcalloc(1, sizeof(*u));
	pthread_condattr_t ca;
	u->data_dir = xstrdup(data_dir);
	if (upload_engine_open(&u->e, p, data_dir, c, opts) < 0) {
		/* Still give the screen an uploader that says what is wrong. */
		char msg[REASON_MAX];
		str_copy(msg, sizeof(msg), err_msg());
		free(u->data_dir);
		free(u);
		err_set("%s", msg);
		return NULL;
	}
	u->e.stop = &u->stop;
	u->e.u = u;
	pthread_mutex_init(&u->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* waits must not jump with the wall clock */
	pthread_cond_init(&u->wake, &ca);
	pthread_condattr_destroy(&ca);
	u->status.state = u->e.t.kind == TARGET_NONE ? UPLOAD_OFF : UPLOAD_IDLE;
	str_copy(u->status.kind, sizeof(u->status.kind), u->e.t.kind_name);
	int rc = pthread_create(&u->thread, NULL, run_thread, u);
	if (rc != 0) {
		upload_engine_close(&u->e);
		pthread_mutex_destroy(&u->lock);
		pthread_cond_destroy(&u->wake);
		free(u->data_dir);
		free(u);
		err_set("cannot start the upload thread: %s", strerror(rc));
		return NULL;
	}
	return u;
}

void uploader_status(struct uploader *u, struct upload_status *out)
{
	pthread_mutex_lock(&u->lock);
	*out = u->status;
	pthread_mutex_unlock(&u->lock);
}

void uploader_kick(struct uploader *u)
{
	pthread_mutex_lock(&u->lock);
	u->kicked = 1;
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
}

void uploader_wake(struct uploader *u)
{
	pthread_mutex_lock(&u->lock);
	u->woken = 1;
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
}

void uploader_retry_parked(struct uploader *u)
{
	pthread_mutex_lock(&u->lock);
	u->retry_parked = 1;
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
}

void uploader_stop(struct uploader *u)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	atomic_store(&u->stop, 1);
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
	pthread_join(u->thread, NULL);
	upload_engine_close(&u->e);
	pthread_mutex_destroy(&u->lock);
	pthread_cond_destroy(&u->wake);
	free(u->data_dir);
	free(u);
}
