/* The event core: one owner for everything an event keeps and every thread that works on it.
 *
 *     screens (draw, call domain functions, read state; no SQL, no threads)
 *         ▲ change notifications                    │ domain calls (people, teams, agenda...)
 *         │                                         ▼
 *     event core ── store (the UI thread's SQLite connection), agenda, slides
 *         └── workers: uploader (upload.h), print queue (printq.h), slide renderer (slides.h),
 *             roster import (core/import.h), the exchange with other stations (sync.h); each
 *             with its own store connection where it needs one
 *
 * event_open() opens the store in the data folder and starts the workers the pack asks for;
 * event_close() stops them (each within about a second) and closes the store. The pack, the clock
 * and the catalogs are borrowed: they must outlive the event.
 *
 * One notification path. The store reports every committed transaction with the tables it wrote
 * (store_on_commit), and the workers report their status changes. The core turns both into:
 *   - wake-ups of the workers that need them: a committed outbox record wakes the uploader (which
 *     never shortens its backoff for it) and the stations' exchange, a print job wakes the print
 *     queue; no screen "kicks"; records that arrive from other stations wake the screens only
 *     (only the station that made a record uploads it);
 *   - a version per topic (event_version) that a screen compares with the one it last read, to
 *     read again only what changed;
 *   - the owner's notify callback, from any thread, so the loop draws a frame (the kiosk pushes a
 *     display wake-up). Nothing polls.
 *
 * Threads: every function here is for the UI thread, except that notify may be called on any. */
#ifndef BARNSTORM_CORE_EVENT_H
#define BARNSTORM_CORE_EVENT_H

#include <stdint.h>

#include "core/import.h"
#include "core/station.h"
#include "printq.h"
#include "sync.h"
#include "upload.h"

struct agenda;
struct clock;
struct i18n;
struct pack;
struct slides;
struct store;

/* What changed; a screen asks for the versions of the topics it shows. */
enum event_topic {
	EVENT_PEOPLE,      /* person rows: roster import, walk-ins */
	EVENT_CHECKINS,    /* check-ins and undos */
	EVENT_COMMITMENTS, /* commitments and cancels */
	EVENT_AGENDA,      /* the meeting's state and log */
	EVENT_UPLOAD,      /* the outbox and the uploader's status */
	EVENT_PRINT,       /* print jobs and the printer's status */
	EVENT_SLIDES,      /* a slide page was rendered */
	EVENT_IMPORT,      /* the roster import's progress or result */
	EVENT_STATION,     /* this station's role or name */
	EVENT_SYNC,        /* the exchange with the other stations of the room */
	EVENT_NTOPICS
};
#define EVENT_BIT(t) (1u << (t))

struct event_opts {
	const struct pack *pack;   /* borrowed; a pack that passed check_pack() */
	const char *data_dir;
	const struct clock *clock; /* borrowed */
	const struct i18n *i18n;   /* borrowed; the slips' words in each person's language */
	/* Called after anything changed, on whichever thread saw it; must be thread-safe and must
	 * not call back into the event (the kiosk pushes a display wake-up). May be NULL. */
	void (*notify)(void *ctx);
	void *notify_ctx;
	const struct upload_opts *upload; /* NULL: the defaults */
	const char *roster_path;   /* the pack's roster.csv (it need not exist); NULL: no import */
	/* Import the roster before event_open() returns instead of in the background: for scripts
	 * and tests, whose first line should see the roster. The kiosk never waits for it. */
	int import_now;
};

struct event;

/* Opens the store and starts the workers. NULL with err_msg() when the store cannot be opened;
 * *disk_full (may be NULL) is then 1 when the data folder's disk is full. A worker that cannot
 * start is not fatal: its screen shows event_upload_status()'s or event_printer_error()'s reason. */
struct event *event_open(const struct event_opts *o, int *disk_full);
/* Stops every worker, closes the store and frees ev. NULL is allowed. */
void event_close(struct event *ev);

/* This station's role and name (core/station.h), as kept in the store. */
const struct station *event_station(const struct event *ev);
/* An organizer changed them: saved, then every screen is told (EVENT_STATION). 0, or -1 with
 * err_msg() and nothing changed. */
int event_set_station(struct event *ev, const struct station *st);

/* The UI thread's store connection, for domain calls (people_*, teams_*, ...). Owned by ev. */
struct store *event_store(struct event *ev);
/* The meeting (agenda.h), or NULL with the reason in event_agenda_problem(). Owned by ev. */
struct agenda *event_agenda(struct event *ev);
const char *event_agenda_problem(const struct event *ev);

/* The slides rendered at w x h (opened at the first call, resized when the size changes), or NULL
 * with the reason in *why (a static or owned string, valid until the next call). Owned by ev. */
struct slides *event_slides(struct event *ev, int w, int h, const char **why);

/* The version of a set of topics (EVENT_BIT(...) | ...): it grows whenever one of them changes. */
uint64_t event_version(const struct event *ev, unsigned topics);
/* Marks topics changed and notifies, as a commit would (for changes outside the store). */
void event_touch(struct event *ev, unsigned topics);

/* Upload: where results go and how it goes. Never waits for the network. */
void event_upload_status(struct event *ev, struct upload_status *out);
/* "webhook", "actionnetwork", "webdav"; "" without [upload]. host[:port] of the url, never its
 * user, password or path. */
const char *event_upload_kind(const struct event *ev);
const char *event_upload_host(const struct event *ev);
/* The organizer's "Upload now" (clears backoff and a refused token's block) and "Retry refused". */
void event_upload_now(struct event *ev);
/* 1 while an uploader runs (the pack has [upload] and it could start). */
int event_has_uploader(const struct event *ev);
void event_upload_retry_parked(struct event *ev);

/* The roster import: 1 with *out filled, 0 when the pack has no roster to import. While it runs
 * the door works on the roster the store has; the new one appears whole when it is saved. */
int event_import_status(struct event *ev, struct importer_status *out);

/* The last roster import's whole report as `barnstorm import` prints it (every column with what
 * it was read as, rejected rows, warnings), one line each, into out[size]; "" when none. 0, or
 * -1 with err_msg(). */
int event_roster_report(struct event *ev, char *out, int size);

/* Stations (sync.h): 1 with *out filled while this kiosk exchanges with the room's other
 * stations ([stations] key in the pack), 0 when it is alone; *why (may be NULL) then says why a
 * configured exchange could not start ("" when none is configured). */
int event_sync_status(struct event *ev, struct sync_status *out, const char **why);
/* Asks for an exchange with every station now (thread-safe; nothing when alone). */
void event_sync_now(struct event *ev);
/* Undoes a check-in (people_checkin_undo) and settles which check-in counts when the person was
 * also checked in at another door (sync_repair). Returns what people_checkin_undo() does. */
int event_undo_checkin(struct event *ev, int64_t checkin_id);

/* Printing: 1 with *out filled while a print queue runs, 0 without one. */
int event_print_status(struct event *ev, struct printq_status *out);
/* Why the printer cannot be used ("" when it can, or when the pack names none). */
const char *event_printer_error(const struct event *ev);
int event_has_printer(const struct event *ev);
void event_print_retry(struct event *ev, int64_t job_id);
/* The words on a slip in a person's language from the catalogs (English without one); the print
 * queue's labels callback. Thread-safe: the catalogs are read-only once open. */
void event_slip_labels(const struct i18n *t, const char *lang, struct slip_labels *out);

#endif
