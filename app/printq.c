#include "printq.h"
#include "clock.h"
#include "escpos.h"
#include "pack.h"
#include "printer.h"
#include "store.h"
#include "teams.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETRY_MAX 64
#define FEED_LINES 4

struct printq {
	const struct pack *pack;
	const struct clock *clock;
	struct clock real;      /* for the thread's waits, whatever cfg->clock is */
	char *target;
	int width, timeout_ms;
	void (*labels)(void *ctx, const char *lang, struct slip_labels *out);
	void *labels_ctx;
	void (*changed)(void *ctx);
	void *changed_ctx;
	struct store *store;    /* the thread's own connection */
	struct slip *slip;      /* the thread's fonts */

	pthread_t thread;
	pthread_mutex_t mu;     /* guards everything below */
	pthread_cond_t cv;
	int stop, kick, retry_all;
	int64_t retry[RETRY_MAX];
	int nretry;
	struct printq_status st;
	int store_failed;       /* st.last_error is a store failure, cleared once the store works */

	/* The thread's own: a job that went to the printer (or failed there) whose result could not
	 * be written. It is recorded before anything else and never sent to the printer again. */
	int64_t unrecorded_job;
	int unrecorded_failed;
	char unrecorded_error[256];
};

static const char *const WEEKDAYS_EN[7] = {"Monday", "Tuesday", "Wednesday", "Thursday",
					   "Friday", "Saturday", "Sunday"};

void printq_labels_en(struct slip_labels *out)
{
	out->commits_to = "commits to:";
	out->team = "Team:";
	out->scan = "Scan with your phone";
	out->open_link = "Open this link:";
	for (int i = 0; i < 7; i++)
		out->weekdays[i] = WEEKDAYS_EN[i];
}

static void labels_fill(struct slip_labels *lb)
{
	struct slip_labels en;
	printq_labels_en(&en);
	if (!lb->commits_to)
		lb->commits_to = en.commits_to;
	if (!lb->team)
		lb->team = en.team;
	if (!lb->scan)
		lb->scan = en.scan;
	if (!lb->open_link)
		lb->open_link = en.open_link;
	for (int i = 0; i < 7; i++)
		if (!lb->weekdays[i])
			lb->weekdays[i] = en.weekdays[i];
}

/* The event's date as the pack wrote it ("2026-12-03"), else today in UTC: pack_format_time()
 * switches TZ for the whole process, which a second thread must not do. */
static void slip_date(const struct pack *p, int64_t now_ms, char out[16])
{
	if (p->starts_text && strlen(p->starts_text) >= 10) {
		memcpy(out, p->starts_text, 10);
		out[10] = '\0';
		return;
	}
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	if (strftime(out, 16, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}

int printq_render(struct slip *sl, const struct pack *p, const struct commitment *cm,
		  const struct slip_labels *lb_in, int64_t now_ms, struct slip_raster *out,
		  int *link_as_text)
{
	struct slip_labels lb = *lb_in;
	labels_fill(&lb);
	char what[TEAMS_NAME_MAX + 128], team[TEAMS_NAME_MAX + 64], date[16];
	char details[TEAMS_PLACE_MAX + TEAMS_TEXT_MAX + 64];
	char *link = xmalloc(TEAMS_LINK_MAX);
	str_fmt(what, sizeof(what), "%s\n%s", lb.commits_to, cm->role_name);
	team[0] = '\0';
	if (cm->team_name[0])
		str_fmt(team, sizeof(team), "%s %s", lb.team, cm->team_name);
	/* "Tuesday 19:00, Folkets Hus" then the free text on its own line. */
	int day = cm->d.day[0] ? teams_weekday_parse(cm->d.day) : -1;
	const char *parts[3] = {day >= 0 ? lb.weekdays[day] : "", cm->d.time, cm->d.place};
	size_t n = 0;
	details[0] = '\0';
	for (int i = 0; i < 3; i++) {
		if (!parts[i][0])
			continue;
		int w = str_fmt(details + n, sizeof(details) - n, "%s%s",
				n == 0 ? "" : i == 2 ? ", " : " ", parts[i]);
		if (w > 0)
			n += (size_t)w;
	}
	if (cm->d.text[0] && n < sizeof(details))
		str_fmt(details + n, sizeof(details) - n, "%s%s", n ? "\n" : "", cm->d.text);
	slip_date(p, now_ms, date);
	/* A bad template prints the slip without a code rather than no slip at all. */
	if (teams_link(p, cm, link, TEAMS_LINK_MAX) != 0)
		link[0] = '\0';
	struct slip_content c = {
		.title = p->title,
		.first_name = cm->first_name,
		.commitment = what,
		.team = team,
		.details = details,
		.link = link,
		.scan_hint = lb.scan,
		.link_hint = lb.open_link,
		.date = date,
	};
	int rc = slip_render(sl, &c, out, link_as_text);
	free(link);
	return rc;
}

/* Asks for the status: 0 with *st, 1 when the printer did not answer in time, -1 on error. */
static int query_status(struct printer *pr, int timeout_ms, struct escpos_status *st)
{
	uint8_t reply[3];
	int r = printer_write(pr, escpos_status_req, sizeof(escpos_status_req), timeout_ms);
	if (r == 0)
		r = printer_read(pr, reply, sizeof(reply), timeout_ms);
	if (r == 0 && escpos_parse_status(reply, st) < 0)
		return 1; /* an answer that is not a status: treat as no answer */
	return r;
}

int printq_send(const char *target, const uint8_t *data, size_t len, int timeout_ms)
{
	struct printer *pr = printer_open(target, timeout_ms);
	struct escpos_status st;
	int answers = 0;
	if (!pr)
		return -1;
	if (printer_can_read(pr)) {
		/* Ask first, so "paper out" is said instead of a job that vanishes. Printers that
		 * do not answer get a short wait, then the job. */
		int r = query_status(pr, timeout_ms < 1500 ? timeout_ms : 1500, &st);
		if (r < 0)
			goto fail;
		if (r == 0 && escpos_status_problem(&st)) {
			err_set("printer '%s': %s", target, escpos_status_problem(&st));
			goto fail;
		}
		answers = r == 0;
	}
	if (printer_write(pr, data, len, timeout_ms) < 0)
		goto fail;
	if (answers) {
		/* DLE EOT is answered on receipt, so a printer that answered before the job and is
		 * silent now has stopped taking bytes: the slip did not print. */
		int r = query_status(pr, timeout_ms, &st);
		if (r < 0)
			goto fail;
		if (r == 1) {
			err_set("printer '%s': stalled: no answer within %d ms after the job was sent",
				target, timeout_ms);
			goto fail;
		}
		if (escpos_status_problem(&st)) {
			err_set("printer '%s': %s during the job", target, escpos_status_problem(&st));
			goto fail;
		}
	}
	return printer_close(pr, timeout_ms);
fail:;
	char msg[512];
	str_copy(msg, sizeof(msg), err_msg());
	printer_close(pr, 0);
	return err_set("%s", msg);
}

/* The thread. */

/* The status changed: whoever shows it reads it again (called outside the mutex). */
static void tell(struct printq *q)
{
	if (q->changed)
		q->changed(q->changed_ctx);
}

/* Shows a store failure (err_msg()) as the queue's last error: "print queue: WHAT: why". */
static void store_failure(struct printq *q, const char *what)
{
	char msg[sizeof(q->st.last_error)];
	str_fmt(msg, sizeof(msg), "print queue: %s: %s", what, err_msg());
	pthread_mutex_lock(&q->mu);
	str_copy(q->st.last_error, sizeof(q->st.last_error), msg);
	q->st.last_error_job = 0;
	q->store_failed = 1;
	pthread_mutex_unlock(&q->mu);
	tell(q);
}

/* Counts the jobs into the status; 0, or -1 with err_msg() (the counts stay as they were). */
static int set_counts(struct printq *q)
{
	struct store_stmt *st = store_stmt(q->store,
		"SELECT coalesce(sum(state = 'queued'), 0), coalesce(sum(state = 'failed'), 0)"
		" FROM print_job");
	if (!st)
		return -1;
	int rc = store_step(st);
	int queued = 0, failed = 0;
	if (rc == STORE_ROW) {
		queued = (int)store_col_int(st, 0);
		failed = (int)store_col_int(st, 1);
	}
	store_reset(st);
	if (rc != STORE_ROW)
		return rc < 0 ? -1 : err_set("print queue: counting the jobs gave no row");
	pthread_mutex_lock(&q->mu);
	int moved = q->st.queued != queued || q->st.failed != failed;
	q->st.queued = queued;
	q->st.failed = failed;
	pthread_mutex_unlock(&q->mu);
	if (moved)
		tell(q);
	return 0;
}

/* Queues failed jobs again in one transaction: all of them, and/or ids[0..n-1]. 0, or -1 with
 * err_msg() and nothing changed. */
static int apply_retries(struct printq *q, const int64_t *ids, int n, int all)
{
	if (store_tx_begin(q->store) < 0)
		return -1;
	struct store_stmt *one = store_stmt(q->store,
		"UPDATE print_job SET state = 'queued' WHERE id = ?1 AND state = 'failed'");
	struct store_stmt *every = one ? store_stmt(q->store,
		"UPDATE print_job SET state = 'queued' WHERE state = 'failed'") : NULL;
	if (!one || !every)
		goto fail;
	if (all) {
		int rc = store_step(every);
		store_reset(every);
		if (rc < 0)
			goto fail;
	}
	for (int i = 0; i < n; i++) {
		store_bind_int(one, 1, ids[i]);
		int rc = store_step(one);
		store_reset(one);
		if (rc < 0)
			goto fail;
	}
	return store_tx_commit(q->store); /* rolls back itself when it fails */
fail:;
	char msg[512];
	str_copy(msg, sizeof(msg), err_msg());
	store_tx_rollback(q->store);
	return err_set("%s", msg);
}

static int finish_job(struct printq *q, int64_t job, const char *error)
{
	if (store_tx_begin(q->store) < 0)
		return -1;
	struct store_stmt *st = store_stmt(q->store,
		"UPDATE print_job SET state = ?2, attempts = attempts + 1, last_error = ?3,"
		" printed_at = ?4 WHERE id = ?1");
	if (!st) {
		store_tx_rollback(q->store);
		return -1;
	}
	store_bind_int(st, 1, job);
	store_bind_text(st, 2, error ? "failed" : "printed");
	store_bind_text(st, 3, error);
	if (error)
		store_bind_null(st, 4);
	else
		store_bind_int(st, 4, clock_now(q->clock));
	int rc = store_step(st);
	store_reset(st);
	if (rc < 0) {
		store_tx_rollback(q->store);
		return -1;
	}
	return store_tx_commit(q->store);
}

static int print_job(struct printq *q, int64_t commitment_id)
{
	struct commitment *cm = xcalloc(1, sizeof(*cm));
	struct slip_raster r = {0, 0, NULL};
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc = -1;
	if (teams_commit_get(q->store, q->pack, commitment_id, cm) < 0)
		goto out;
	struct slip_labels lb;
	memset(&lb, 0, sizeof(lb));
	if (q->labels)
		q->labels(q->labels_ctx, cm->lang, &lb);
	if (printq_render(q->slip, q->pack, cm, &lb, clock_now(q->clock), &r, NULL) < 0)
		goto out;
	bytes = escpos_encode(&r, FEED_LINES, &len);
	rc = printq_send(q->target, bytes, len, q->timeout_ms);
out:
	free(bytes);
	slip_raster_release(&r);
	free(cm);
	return rc;
}

/* Takes the next queued job of an active commitment: 1 if there was one, 0 if none, -1 with
 * err_msg() when the store failed (never read as "none"). */
static int next_job(struct printq *q, int64_t *job, int64_t *commitment_id)
{
	struct store_stmt *st = store_stmt(q->store,
		"SELECT j.id, j.commitment_id FROM print_job j JOIN commitment c"
		" ON c.id = j.commitment_id WHERE j.state = 'queued' AND c.cancelled_at IS NULL"
		" ORDER BY j.id LIMIT 1");
	if (!st)
		return -1;
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		*job = store_col_int(st, 0);
		*commitment_id = store_col_int(st, 1);
	}
	store_reset(st);
	return rc < 0 ? -1 : rc == STORE_ROW;
}

/* Waits for a kick, a retry request (unless retries_wake is 0: they are the ones the store just
 * refused) or the poll. */
static void wait_for_work(struct printq *q, int retries_wake)
{
	int64_t until = clock_mono(&q->real) + PRINTQ_POLL_MS;
	struct timespec ts = {(time_t)(until / 1000), (long)(until % 1000) * 1000000L};
	pthread_mutex_lock(&q->mu);
	while (!q->stop && !q->kick && !(retries_wake && (q->nretry || q->retry_all))) {
		if (pthread_cond_timedwait(&q->cv, &q->mu, &ts) != 0)
			break;
	}
	q->kick = 0;
	pthread_mutex_unlock(&q->mu);
}

static void *run(void *arg)
{
	struct printq *q = arg;
	while (1) {
		int64_t ids[RETRY_MAX];
		pthread_mutex_lock(&q->mu);
		int stop = q->stop, n = q->nretry, all = q->retry_all;
		memcpy(ids, q->retry, sizeof(ids[0]) * (size_t)n);
		q->nretry = 0;
		q->retry_all = 0;
		pthread_mutex_unlock(&q->mu);
		if (stop)
			break;
		if ((n || all) && apply_retries(q, ids, n, all) < 0) {
			store_failure(q, "cannot queue the failed jobs again");
			/* The organizer asked: ask the store again after the wait. */
			pthread_mutex_lock(&q->mu);
			for (int i = 0; i < n; i++)
				if (q->nretry < RETRY_MAX)
					q->retry[q->nretry++] = ids[i];
				else
					q->retry_all = 1;
			q->retry_all |= all;
			pthread_mutex_unlock(&q->mu);
			wait_for_work(q, 0);
			continue;
		}
		if (set_counts(q) < 0) {
			store_failure(q, "cannot count the jobs");
			wait_for_work(q, 1);
			continue;
		}
		if (q->unrecorded_job) {
			if (finish_job(q, q->unrecorded_job,
				       q->unrecorded_failed ? q->unrecorded_error : NULL) < 0) {
				char what[64];
				str_fmt(what, sizeof(what), "cannot record job %lld",
					(long long)q->unrecorded_job);
				store_failure(q, what);
				wait_for_work(q, 1);
				continue;
			}
			q->unrecorded_job = 0;
		}
		int64_t job, cid;
		int got = next_job(q, &job, &cid);
		if (got < 0) {
			store_failure(q, "cannot read the next job");
			wait_for_work(q, 1);
			continue;
		}
		pthread_mutex_lock(&q->mu);
		if (q->store_failed) {
			/* The store works again: its old failure is no longer news. */
			q->store_failed = 0;
			q->st.last_error[0] = '\0';
		}
		pthread_mutex_unlock(&q->mu);
		if (!got) {
			wait_for_work(q, 1);
			continue;
		}
		pthread_mutex_lock(&q->mu);
		q->st.printing = 1;
		q->st.printing_job = job;
		pthread_mutex_unlock(&q->mu);
		tell(q);

		int rc = print_job(q, cid);
		char msg[256];
		str_copy(msg, sizeof(msg), rc < 0 ? err_msg() : "");
		int failed_store = 0;
		if (finish_job(q, job, rc < 0 ? msg : NULL) < 0) {
			/* The row still says 'queued': keep the result to write later rather than
			 * print the slip again, and say why the counts lag. */
			q->unrecorded_job = job;
			q->unrecorded_failed = rc < 0;
			str_copy(q->unrecorded_error, sizeof(q->unrecorded_error), msg);
			char why[200];
			str_copy(why, sizeof(why), err_msg());
			str_fmt(msg, sizeof(msg), "print queue: cannot record job %lld: %s",
				(long long)job, why);
			failed_store = 1;
		}

		pthread_mutex_lock(&q->mu);
		q->st.printing = 0;
		q->st.printing_job = 0;
		if (rc == 0)
			q->st.printed++;
		str_copy(q->st.last_error, sizeof(q->st.last_error), msg);
		q->st.last_error_job = msg[0] ? job : 0;
		q->store_failed = failed_store;
		pthread_mutex_unlock(&q->mu);
		tell(q);
		if (failed_store)
			wait_for_work(q, 1); /* not a tight loop over a job that cannot be recorded */
	}
	return NULL;
}

struct printq *printq_open(const struct printq_config *cfg)
{
	const struct pack *p = cfg->pack;
	const char *target = cfg->target ? cfg->target : p->printer;
	if (!target || !*target) {
		err_set("no printer in the pack ([print] printer)");
		return NULL;
	}
	if (printer_check_target(target) < 0)
		return NULL;
	int width = cfg->width ? cfg->width : p->print_width ? p->print_width : 384;
	struct slip *sl = slip_open(width);
	if (!sl)
		return NULL;
	struct store *s = store_open(cfg->data_dir);
	if (!s) {
		slip_close(sl);
		return NULL;
	}
	struct printq *q = xcalloc(1, sizeof(*q));
	q->pack = p;
	q->clock = cfg->clock;
	clock_init_real(&q->real);
	q->target = xstrdup(target);
	q->width = width;
	q->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : PRINTQ_TIMEOUT_MS;
	q->labels = cfg->labels;
	q->labels_ctx = cfg->labels_ctx;
	q->changed = cfg->changed;
	q->changed_ctx = cfg->changed_ctx;
	q->store = s;
	q->slip = sl;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	/* Waits are measured on the monotonic clock, like clock_mono(). */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&q->thread, NULL, run, q) != 0) {
		err_set("cannot start the print thread");
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		store_close(s);
		slip_close(sl);
		free(q->target);
		free(q);
		return NULL;
	}
	return q;
}

void printq_close(struct printq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	store_close(q->store);
	slip_close(q->slip);
	free(q->target);
	free(q);
}

void printq_kick(struct printq *q)
{
	pthread_mutex_lock(&q->mu);
	q->kick = 1;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void printq_status(struct printq *q, struct printq_status *out)
{
	pthread_mutex_lock(&q->mu);
	*out = q->st;
	pthread_mutex_unlock(&q->mu);
}

void printq_retry(struct printq *q, int64_t job_id)
{
	pthread_mutex_lock(&q->mu);
	if (q->nretry < RETRY_MAX)
		q->retry[q->nretry++] = job_id;
	else
		q->retry_all = 1; /* too many single requests: retrying all is a superset */
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void printq_retry_all(struct printq *q)
{
	pthread_mutex_lock(&q->mu);
	q->retry_all = 1;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

int printq_job_of(struct store *s, int64_t commitment_id, struct printq_job *out)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT id, state, last_error FROM print_job WHERE commitment_id = ?1"
		" ORDER BY id DESC LIMIT 1");
	if (!st)
		return -1;
	store_bind_int(st, 1, commitment_id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		out->id = store_col_int(st, 0);
		str_copy(out->state, sizeof(out->state), store_col_text(st, 1));
		str_copy(out->error, sizeof(out->error), store_col_text(st, 2));
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	return rc == STORE_ROW;
}
