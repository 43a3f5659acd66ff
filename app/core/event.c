#include "core/event.h"
#include "agenda.h"
#include "clock.h"
#include "i18n.h"
#include "outbox.h"
#include "pack.h"
#include "people.h"
#include "slides.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct event {
	const struct pack *pack;
	const struct clock *clock;
	const struct i18n *i18n;
	char *data_dir;
	void (*notify)(void *ctx);
	void *notify_ctx;

	struct store *store;
	struct station station;
	struct agenda *agenda;
	char agenda_problem[512];

	struct slides *slides;
	int slides_w, slides_h;
	int slides_failed;
	char slides_error[512];

	struct uploader *uploader;
	char upload_kind[32];
	char upload_host[128];
	char upload_error[256];   /* why the uploader could not start */

	struct printq *printq;
	char printer_error[256];

	struct sync *sync;              /* the exchange with the room's other stations; NULL alone */
	char sync_error[256];           /* why a configured exchange could not start */

	struct importer *_Atomic importer; /* the background roster import; NULL when none (set
					    * after the worker may already report) */
	int imported_now;               /* import_now: the import ran before event_open() returned */
	struct importer_status import_done; /* ... and its outcome */

	/* Written by any thread (commits on the UI thread, workers' status on theirs). */
	_Atomic uint64_t versions[EVENT_NTOPICS];
};

/* The slip's words in the person's language; runs on the print thread (the catalogs are
 * read-only once open, and dgettext is thread-safe). */
static const char *const WEEKDAYS[7] = {
	N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
	N_("Saturday"), N_("Sunday"),
};

void event_slip_labels(const struct i18n *t, const char *lang, struct slip_labels *out)
{
	int li = t ? i18n_index(t, lang) : -1;
	memset(out, 0, sizeof(*out));
	if (li < 0)
		return; /* NULL fields: English */
	/* Marked with N_(): the catalogs must have them, or a Danish slip says "Team:". */
	out->commits_to = i18n_get(t, li, N_("commits to:"));
	out->team = i18n_get(t, li, N_("Team:"));
	out->scan = i18n_get(t, li, N_("Scan with your phone"));
	out->open_link = i18n_get(t, li, N_("Open this link:"));
	for (int i = 0; i < 7; i++)
		out->weekdays[i] = i18n_get(t, li, WEEKDAYS[i]);
}

static void slip_labels(void *ctx, const char *lang, struct slip_labels *out)
{
	event_slip_labels(ctx, lang, out);
}

void event_touch(struct event *ev, unsigned topics)
{
	for (int t = 0; t < EVENT_NTOPICS; t++)
		if (topics & EVENT_BIT(t))
			atomic_fetch_add(&ev->versions[t], 1);
	if (topics && ev->notify)
		ev->notify(ev->notify_ctx);
}

uint64_t event_version(const struct event *ev, unsigned topics)
{
	uint64_t v = 0;
	for (int t = 0; t < EVENT_NTOPICS; t++)
		if (topics & EVENT_BIT(t))
			v += atomic_load(&((struct event *)ev)->versions[t]);
	return v;
}

/* The screens' topics of the tables a transaction wrote (the domain tables only). */
static unsigned topics_of(unsigned tables)
{
	static const struct { unsigned table; int topic; } MAP[] = {
		{STORE_T_PERSON, EVENT_PEOPLE}, {STORE_T_CHECKIN, EVENT_CHECKINS},
		{STORE_T_COMMITMENT, EVENT_COMMITMENTS}, {STORE_T_AGENDA, EVENT_AGENDA},
	};
	unsigned topics = 0;
	for (size_t i = 0; i < ARRAY_SIZE(MAP); i++)
		if (tables & MAP[i].table)
			topics |= EVENT_BIT(MAP[i].topic);
	return topics;
}

/* Every transaction the UI thread commits: wake the workers that carry it on, then the screens. */
static void committed(void *ctx, unsigned tables)
{
	struct event *ev = ctx;
	unsigned topics = topics_of(tables);
	if (tables & STORE_T_OUTBOX) {
		topics |= EVENT_BIT(EVENT_UPLOAD);
		if (ev->uploader)
			uploader_wake(ev->uploader); /* never shortens a backoff or a Retry-After */
		if (ev->sync)
			sync_wake(ev->sync); /* the other stations see it within a round trip */
	}
	if (tables & STORE_T_PRINT) {
		topics |= EVENT_BIT(EVENT_PRINT);
		if (ev->printq)
			printq_kick(ev->printq);
	}
	event_touch(ev, topics);
}

/* Records from another station were applied (on the exchange's threads): the screens that show
 * them read again. Not the uploader: a peer's records are never uploaded from here. */
static void sync_changed(void *ctx, unsigned tables)
{
	event_touch(ctx, topics_of(tables) | EVENT_BIT(EVENT_SYNC));
}

static void start_sync(struct event *ev)
{
	const struct pack *p = ev->pack;
	if (!p->stations_key)
		return;
	struct sync_cfg cfg = {
		.data_dir = ev->data_dir,
		.listen = p->stations_listen ? p->stations_listen : "0.0.0.0:7420",
		.npeers = p->nstation_peers,
	};
	const char *peers[PACK_MAX_PEERS];
	for (int i = 0; i < p->nstation_peers; i++)
		peers[i] = p->station_peers[i];
	cfg.peers = peers;
	if (sync_key_parse(p->stations_key, &cfg.key) < 0) {
		str_copy(ev->sync_error, sizeof(ev->sync_error), err_msg());
		return;
	}
	ev->sync = sync_start(&cfg, sync_changed, ev);
	if (!ev->sync)
		str_copy(ev->sync_error, sizeof(ev->sync_error), err_msg());
	else if (p->stations_discover)
		sync_discover(ev->sync);
	memset(&cfg.key, 0, sizeof(cfg.key));
}

/* Status changes reported by the workers, on their threads. */
static void search_ready(void *ctx)
{
	event_touch(ctx, EVENT_BIT(EVENT_PEOPLE));
}

static void upload_changed(void *ctx)
{
	event_touch(ctx, EVENT_BIT(EVENT_UPLOAD));
}

static void print_changed(void *ctx)
{
	event_touch(ctx, EVENT_BIT(EVENT_PRINT));
}

/* The import worker's progress; when the new roster is saved, the people changed too (written on
 * the worker's connection, so the store's commit hook on ours did not see it). */
static void import_changed(void *ctx)
{
	struct event *ev = ctx;
	unsigned topics = EVENT_BIT(EVENT_IMPORT);
	struct importer *im = atomic_load(&ev->importer);
	struct importer_status st;
	/* Before importer_start() has returned the pointer is not there yet: say people may have
	 * changed too, which costs a search at most. */
	if (!im)
		topics |= EVENT_BIT(EVENT_PEOPLE);
	else if (importer_status(im, &st), st.state == IMPORTER_DONE && st.ran)
		topics |= EVENT_BIT(EVENT_PEOPLE);
	event_touch(ev, topics);
}

static void start_import(struct event *ev, const struct event_opts *o)
{
	if (!o->roster_path)
		return;
	struct importer_config cfg = {
		.pack = ev->pack,
		.roster_path = o->roster_path,
		.data_dir = ev->data_dir,
		.event = ev->pack->event_id,
		.clock = ev->clock,
	};
	if (o->import_now) {
		struct importer_result r;
		importer_result_init(&r);
		struct importer_status *st = &ev->import_done;
		memset(st, 0, sizeof(*st));
		struct stat sb;
		if (stat(o->roster_path, &sb) < 0 && errno == ENOENT) {
			st->state = IMPORTER_DONE;
			st->no_file = 1;
		} else if (importer_run(&cfg, &r) < 0) {
			st->state = IMPORTER_FAILED;
			str_copy(st->error, sizeof(st->error), err_msg());
		} else {
			st->state = IMPORTER_DONE;
			st->ran = r.ran;
			str_copy(st->result, sizeof(st->result), r.result);
		}
		importer_result_release(&r);
		ev->imported_now = 1;
		return;
	}
	struct importer *im = importer_start(&cfg, import_changed, ev);
	atomic_store(&ev->importer, im);
	if (!im) {
		ev->imported_now = 1;
		ev->import_done.state = IMPORTER_FAILED;
		str_copy(ev->import_done.error, sizeof(ev->import_done.error), err_msg());
	}
}

static void slide_ready(void *ctx, int page)
{
	(void)page;
	event_touch(ctx, EVENT_BIT(EVENT_SLIDES));
}

static void start_uploader(struct event *ev, const struct upload_opts *opts)
{
	const struct pack *p = ev->pack;
	if (!p->upload_kind)
		return;
	str_copy(ev->upload_kind, sizeof(ev->upload_kind), p->upload_kind);
	if (p->upload_url)
		upload_url_host(p->upload_url, ev->upload_host, sizeof(ev->upload_host));
	struct upload_opts o;
	if (opts)
		o = *opts;
	else
		upload_opts_default(&o);
	o.changed = upload_changed;
	o.changed_ctx = ev;
	ev->uploader = uploader_start(p, ev->data_dir, ev->clock, &o);
	if (!ev->uploader)
		str_copy(ev->upload_error, sizeof(ev->upload_error), err_msg());
}

static void start_printq(struct event *ev)
{
	const struct pack *p = ev->pack;
	if (!p->printer || !p->printer[0])
		return;
	struct printq_config cfg = {
		.data_dir = ev->data_dir,
		.pack = p,
		.clock = ev->clock,
		.labels = slip_labels,
		.labels_ctx = (void *)ev->i18n,
		.changed = print_changed,
		.changed_ctx = ev,
	};
	ev->printq = printq_open(&cfg);
	if (!ev->printq)
		str_copy(ev->printer_error, sizeof(ev->printer_error), err_msg());
}

struct event *event_open(const struct event_opts *o, int *disk_full)
{
	if (disk_full)
		*disk_full = 0;
	struct store *s = store_open(o->data_dir);
	if (!s) {
		if (disk_full)
			*disk_full = store_dir_full(o->data_dir);
		return NULL;
	}
	struct event *ev = xcalloc(1, sizeof(*ev));
	ev->pack = o->pack;
	ev->clock = o->clock;
	ev->i18n = o->i18n;
	ev->data_dir = xstrdup(o->data_dir);
	ev->notify = o->notify;
	ev->notify_ctx = o->notify_ctx;
	ev->store = s;
	if (station_load(s, &ev->station) < 0)
		fprintf(stderr, "barnstorm: this station's role cannot be read, using 'all': %s\n",
			err_msg());
	ev->agenda = agenda_open(s, o->clock, o->pack);
	if (!ev->agenda)
		str_copy(ev->agenda_problem, sizeof(ev->agenda_problem), err_msg());
	start_uploader(ev, o->upload);
	start_printq(ev);
	start_import(ev, o);
	start_sync(ev);
	/* The door's first keystroke finds the roster's index built (or being built) already;
	 * a new roster's index, when ready, redraws the results that came from the old one. */
	if (people_search_prepare(s, search_ready, ev) < 0)
		fprintf(stderr, "barnstorm: the search index cannot be built yet: %s\n", err_msg());
	store_on_commit(s, committed, ev);
	return ev;
}

void event_close(struct event *ev)
{
	if (!ev)
		return;
	/* Workers stop first: they may still report a change, which only counts and notifies. */
	if (ev->slides)
		slides_set_notify(ev->slides, NULL, NULL);
	slides_close(ev->slides);
	importer_stop(ev->importer);
	sync_stop(ev->sync);
	printq_close(ev->printq);
	uploader_stop(ev->uploader);
	store_on_commit(ev->store, NULL, NULL);
	agenda_close(ev->agenda);
	store_close(ev->store);
	free(ev->data_dir);
	free(ev);
}

const struct station *event_station(const struct event *ev)
{
	return &ev->station;
}

int event_set_station(struct event *ev, const struct station *st)
{
	if (station_save(ev->store, st) < 0)
		return -1;
	/* Read back what was kept (trimmed, cut), so the screens show the stored name. */
	if (station_load(ev->store, &ev->station) < 0)
		return -1;
	event_touch(ev, EVENT_BIT(EVENT_STATION));
	return 0;
}

struct store *event_store(struct event *ev)
{
	return ev->store;
}

struct agenda *event_agenda(struct event *ev)
{
	return ev->agenda;
}

const char *event_agenda_problem(const struct event *ev)
{
	return ev->agenda_problem;
}

struct slides *event_slides(struct event *ev, int w, int h, const char **why)
{
	*why = ev->slides_error;
	if (ev->slides_failed || w <= 0 || h <= 0)
		return ev->slides;
	if (!ev->slides) {
		ev->slides = slides_open(ev->pack, w, h);
		if (!ev->slides) {
			ev->slides_failed = 1;
			str_copy(ev->slides_error, sizeof(ev->slides_error), err_msg());
			return NULL;
		}
		slides_set_notify(ev->slides, slide_ready, ev);
	} else if (w != ev->slides_w || h != ev->slides_h) {
		slides_set_size(ev->slides, w, h);
	}
	ev->slides_w = w;
	ev->slides_h = h;
	return ev->slides;
}

/* ---- upload ---- */

const char *event_upload_kind(const struct event *ev)
{
	return ev->upload_kind;
}

const char *event_upload_host(const struct event *ev)
{
	return ev->upload_host;
}

void event_upload_status(struct event *ev, struct upload_status *out)
{
	if (ev->uploader) {
		uploader_status(ev->uploader, out);
		return;
	}
	/* Without an uploader the records stay queued for an export or a later pack with [upload]:
	 * count them here. */
	memset(out, 0, sizeof(*out));
	struct outbox_counts c;
	if (outbox_counts(ev->store, &c) == 0) {
		out->queued = c.queued;
		out->failing = c.failing;
		out->sent = c.sent;
		out->parked = c.parked;
		out->last_success_at = c.last_success_at;
	} else {
		out->state = UPLOAD_FAILING;
		str_copy(out->reason, sizeof(out->reason), err_msg());
		return;
	}
	if (ev->upload_error[0]) {
		out->state = UPLOAD_FAILING;
		str_copy(out->reason, sizeof(out->reason), ev->upload_error);
	} else {
		out->state = UPLOAD_OFF;
	}
}

int event_has_uploader(const struct event *ev)
{
	return ev->uploader != NULL;
}

void event_upload_now(struct event *ev)
{
	if (ev->uploader)
		uploader_kick(ev->uploader);
}

void event_upload_retry_parked(struct event *ev)
{
	if (ev->uploader)
		uploader_retry_parked(ev->uploader);
}

/* ---- the roster import ---- */

int event_import_status(struct event *ev, struct importer_status *out)
{
	if (ev->imported_now) {
		*out = ev->import_done;
		return 1;
	}
	if (!ev->importer)
		return 0;
	importer_status(ev->importer, out);
	return 1;
}

int event_roster_report(struct event *ev, char *out, int size)
{
	return store_meta_get(ev->store, IMPORTER_META_REPORT, out, size);
}

/* ---- stations ---- */

int event_sync_status(struct event *ev, struct sync_status *out, const char **why)
{
	if (why)
		*why = ev->sync_error;
	if (!ev->sync)
		return 0;
	sync_status(ev->sync, out);
	return 1;
}

void event_sync_now(struct event *ev)
{
	if (ev->sync)
		sync_wake(ev->sync);
}

int event_undo_checkin(struct event *ev, int64_t checkin_id)
{
	int rc = people_checkin_undo(ev->store, ev->clock, checkin_id);
	/* The check-in undone may have been the one that counted for someone also checked in at
	 * another door: that one counts now. */
	if (rc >= 0 && ev->sync && sync_repair(ev->store) < 0)
		fprintf(stderr, "barnstorm: stations: %s\n", err_msg());
	return rc;
}

/* ---- printing ---- */

int event_print_status(struct event *ev, struct printq_status *out)
{
	if (!ev->printq)
		return 0;
	printq_status(ev->printq, out);
	return 1;
}

const char *event_printer_error(const struct event *ev)
{
	return ev->printer_error;
}

int event_has_printer(const struct event *ev)
{
	return ev->printq != NULL;
}

void event_print_retry(struct event *ev, int64_t job_id)
{
	if (ev->printq)
		printq_retry(ev->printq, job_id);
}
