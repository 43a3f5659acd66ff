/* The roster import worker: imports the pack's roster.csv in a background thread, so the door
 * opens at once and keeps working on the roster it has while the new one is read.
 *
 *     struct importer_config cfg = { .pack = &pack, .roster_path = "PACK/roster.csv",
 *                                    .data_dir = dir, .event = pack.event_id, .clock = &clock };
 *     struct importer *im = importer_start(&cfg, wake_ui, ui);  // wake_ui(ui) from the thread
 *     ...on wake or every frame: importer_status(im, &st); draw st...
 *     importer_stop(im);        // at exit: cancels promptly, joins, frees
 *
 * Deciding. The thread opens its own store connection on the data directory and compares the
 * file's signature (event id, size, modification time to the nanosecond) with the meta key
 * 'roster_sig'. When they match, nothing is read: the state becomes DONE with the result of the
 * import that wrote the signature (meta 'roster_result'). So a database that already has this
 * roster never imports it again, whichever process imported it.
 *
 * Importing (roster.h): the rows are read into a TEMP staging table of the worker's connection
 * (no lock on the database: check-ins go on), then merged into the person table in one
 * transaction that also writes 'roster_sig', 'roster_result' and 'roster_report'. Readers on
 * other connections (WAL) are never blocked and see the old roster or the whole new one. A
 * writer (a check-in) waits for that last transaction: it is most of the import's time (about
 * 0.5 s of 0.75 s at 100,000 new people on a PC, people_bulk_*; not measured on a Pi, where the
 * whole import took 15-35 s before the bulk merge), so on a Pi a very big roster can still
 * outlast the store's 5 s busy timeout. The kiosk's search sees the new roster once its index
 * is rebuilt in the background (people/index.h), a moment after the commit.
 *
 * Killed at any point (SIGKILL, power loss): the staging table vanishes with the connection and
 * the merge transaction is rolled back by SQLite, so the signature is not written and the next
 * start imports the file again from the beginning. Importing is idempotent (people_upsert), so
 * nobody is ever duplicated.
 *
 * Meta keys written, all in the merge transaction:
 *   roster_sig     "EVENT SIZE MTIME_S.MTIME_NS"
 *   roster_result  "imported merged unchanged rejected first_line\tfirst_reason\tstopped", as
 *                  screens/checkin.c reads it
 *   roster_report  the whole report as `barnstorm import` prints it (columns, rejected rows,
 *                  warnings), cut at IMPORTER_REPORT_MAX bytes, for the organizer screen
 *
 * Threads: importer_start(), importer_status() and importer_stop() are called from one thread
 * (the UI's). changed(ctx) is called from the worker thread, without the status lock held,
 * whenever the status changes (state, every ROSTER_PROGRESS_ROWS rows, the result): it must be
 * thread-safe and quick (e.g. SDL_PushEvent()).
 *
 * Ownership: the config's strings are copied; the pack (its [roster] column map) and the clock
 * are borrowed and must outlive importer_stop(). */
#ifndef BARNSTORM_CORE_IMPORT_H
#define BARNSTORM_CORE_IMPORT_H

#include "roster.h"

#include <stdint.h>

struct pack;
struct clock;
struct importer;

#define IMPORTER_META_SIG "roster_sig"
#define IMPORTER_META_RESULT "roster_result"
#define IMPORTER_META_REPORT "roster_report"
#define IMPORTER_REPORT_MAX 8192
#define IMPORTER_PROBLEMS 5        /* rejected rows' first lines kept in the status */

enum importer_state {
	IMPORTER_IDLE,       /* not started yet */
	IMPORTER_CHECKING,   /* opening the store, comparing the signature */
	IMPORTER_IMPORTING,  /* reading the file, then saving (see status.saving) */
	IMPORTER_DONE,       /* imported now, or already by signature (status.ran says which) */
	IMPORTER_FAILED,     /* see status.error; the person table is as it was */
};

struct importer_config {
	const struct pack *pack;   /* the [roster] column map; may be NULL */
	const char *roster_path;   /* the CSV file */
	const char *data_dir;      /* the store's directory */
	const char *event;         /* part of the signature; NULL is "" */
	const struct clock *clock;
	int force;                 /* import even when the signature matches (the CLI) */
	/* Kill tests (struct roster_hooks): SIGKILL after this many rows read (phase 1), merged
	 * (phase 2), or before the final commit (phase 3). 0: off. */
	long test_kill_after_rows;
	int test_kill_phase;
};

/* A copy of the worker's state for a screen. Plain values. */
struct importer_status {
	enum importer_state state;
	int ran;                    /* DONE: 1 imported now, 0 the signature matched or no file */
	int no_file;                /* DONE: there is no roster file (not an error: walk-ins only) */
	int saving;                 /* IMPORTING: 0 reading the file, 1 merging */
	long rows;                  /* data rows read */
	long merged;                /* rows merged (while saving) */
	long long bytes, total;     /* of the file read, for a progress bar */
	char result[512];           /* DONE: the 'roster_result' line (see above) */
	char problems[IMPORTER_PROBLEMS][128]; /* DONE: "line 17: no first name", ... */
	int nproblems;
	char error[256];            /* FAILED: why ("cannot open 'roster.csv': ...") */
};

/* The synchronous result (importer_run). */
struct importer_result {
	int ran;                    /* 1 imported, 0 skipped: the signature matched */
	int no_file;                /* the roster file does not exist (importer_start() only: for
				       importer_run() that is an error) */
	struct roster_report report;/* when ran; owned, see importer_result_release() */
	char result[512];           /* the 'roster_result' line (also when skipped) */
};

void importer_result_init(struct importer_result *r);
void importer_result_release(struct importer_result *r);

/* Starts the worker thread. NULL with err_msg() only when the thread cannot be created. A missing
 * roster file is DONE with no_file set (a pack without a roster is fine); every other problem
 * (no store, an unreadable or bad file) becomes a FAILED status. changed may be NULL. */
struct importer *importer_start(const struct importer_config *cfg, void (*changed)(void *ctx),
				void *ctx);
/* Copies the current status into *out. Never waits for the import. */
void importer_status(struct importer *im, struct importer_status *out);
/* Cancels a running import (within ROSTER_PROGRESS_ROWS rows: milliseconds), joins the thread
 * and frees everything. A cancelled import changed nothing. NULL is allowed. */
void importer_stop(struct importer *im);

/* The same work synchronously in the calling thread, for `barnstorm import`, scripts and tests.
 * 0 when imported or skipped (r->ran says which; rows may have been rejected: see r->report),
 * -1 with err_msg() when the store or the file could not be read, or on a database error. */
int importer_run(const struct importer_config *cfg, struct importer_result *r);

/* The 'roster_result' line of a report (see above), into out[size]. */
void importer_result_line(const struct roster_report *r, char *out, size_t size);

/* "idle", "checking", "importing", "done", "failed". */
const char *importer_state_name(enum importer_state s);

#endif
