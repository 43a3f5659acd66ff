/* The print queue: a background thread that prints slips for the rows of table print_job, so
 * the UI never waits for a printer. teams_commit_add() writes the job row in the commitment's own
 * transaction; the queue finds it (printq_kick() wakes it at once; it also looks every
 * PRINTQ_POLL_MS), renders the slip in the person's language, checks the printer's status where it
 * answers (DLE EOT: paper out, cover open, offline) and sends the ESC/POS bytes. A failure marks
 * the job 'failed' with the reason and keeps it; printq_retry() / printq_retry_all() queue it
 * again. The thread opens its own store connection on the data directory.
 *
 * printq_status() copies a mutex-protected snapshot and never waits for the printer, so the UI can
 * call it every frame. A failing store (a read or a write of print_job) is shown there too, as
 * last_error "print queue: ..." with last_error_job 0, never taken for "no jobs" or "printed". */
#ifndef BARNSTORM_PRINTQ_H
#define BARNSTORM_PRINTQ_H

#include <stddef.h>
#include <stdint.h>

#include "slip.h"

struct pack;
struct clock;
struct commitment;

#define PRINTQ_POLL_MS 2000
#define PRINTQ_TIMEOUT_MS 10000  /* default connect/write/status timeout */

/* The words on a slip in one language; the UI fills them from its catalogs. NULL fields fall back
 * to English. */
struct slip_labels {
	const char *commits_to;  /* "commits to:" */
	const char *team;        /* "Team:" */
	const char *scan;        /* "Scan with your phone" */
	const char *open_link;   /* "Open this link:" */
	const char *weekdays[7]; /* "Monday" .. "Sunday" */
};

struct printq_config {
	const char *data_dir;    /* the store's directory (the thread opens its own connection) */
	const struct pack *pack; /* borrowed: must outlive the queue (printq_close() first) */
	const char *target;      /* NULL: p->printer */
	int width;               /* dots; 0: p->print_width, else 384 */
	int timeout_ms;          /* 0: PRINTQ_TIMEOUT_MS */
	const struct clock *clock; /* for printed_at and the slip's date; must outlive the queue */
	/* Fills the labels for a language ("da", "sv", "en"); called on the print thread, so it must
	 * be thread-safe (gettext's dgettext is). NULL: English. The strings must stay valid until the
	 * next call on the same thread. */
	void (*labels)(void *ctx, const char *lang, struct slip_labels *out);
	void *labels_ctx;
	/* Called on the print thread whenever the status changed (a job started, printed or
	 * failed; the counts moved; the store failed). Must be thread-safe and must not call
	 * printq_*. May be NULL. */
	void (*changed)(void *ctx);
	void *changed_ctx;
};

struct printq_status {
	int queued;              /* jobs waiting */
	int failed;              /* jobs kept for retry */
	int printed;             /* printed since the queue started */
	int printing;            /* 1 while a job is being sent */
	int64_t printing_job;    /* its id */
	char last_error[256];    /* the last failure ("printer 'tcp://...': paper out"), "" after a
				    success */
	int64_t last_error_job;
};

struct printq;
struct store;

/* A commitment's latest print job, for the screen that shows it. */
struct printq_job {
	int64_t id;
	char state[12];          /* "queued", "printed", "failed" */
	char error[256];         /* the last failure ("" when none) */
};

/* The latest print job of a commitment (the one with the highest id), read on the caller's store
 * connection: 1 with *out filled, 0 when the commitment has none (*out untouched), -1 with
 * err_msg() when the store failed. */
int printq_job_of(struct store *s, int64_t commitment_id, struct printq_job *out);

/* Starts the thread. NULL with err_msg() if the store cannot be opened or there is no printer. */
struct printq *printq_open(const struct printq_config *cfg);
/* Stops the thread after the job in hand (bounded by the timeouts) and frees q. */
void printq_close(struct printq *q);
/* A job was added: look now. */
void printq_kick(struct printq *q);
void printq_status(struct printq *q, struct printq_status *out);
/* Queues a failed job again (done by the thread; returns at once). */
void printq_retry(struct printq *q, int64_t job_id);
void printq_retry_all(struct printq *q);

/* The pieces, for tests, the benchmark and a "print test slip" button. */

/* English labels. */
void printq_labels_en(struct slip_labels *out);
/* Lays out the slip for cm: title, name, role, team, details, the team's link and the date of
 * now_ms in the pack's timezone. link_as_text as in slip_render(). */
int printq_render(struct slip *sl, const struct pack *p, const struct commitment *cm,
		  const struct slip_labels *lb, int64_t now_ms, struct slip_raster *out,
		  int *link_as_text);
/* Sends one job to target: open; where the printer answers DLE EOT, a status check first (fails
 * with "printer 'X': paper out", "cover open", "offline"); the bytes (fails with "timed out" when
 * the printer takes nothing for timeout_ms); then, if it answered before, a second status check
 * (no answer within timeout_ms: "stalled"); close. 0 or -1 with err_msg(). A printer that never
 * answers (CUPS, file:, many USB printers) costs one short wait (at most 1.5 s) and prints. */
int printq_send(const char *target, const uint8_t *data, size_t len, int timeout_ms);

#endif
