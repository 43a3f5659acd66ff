#include "agenda.h"
#include "clock.h"
#include "outbox.h"
#include "pack.h"
#include "store.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_PER_MIN 60000LL
#define HALF_MIN 30000LL
#define ADJUST_MAX_MS (600 * MS_PER_MIN)   /* a segment cannot be made longer by more than this */
#define LOG_ROWS_MAX 2                      /* an operation writes at most "end" + "start" */
#define CSV_MAX (1024 * 1024)               /* agenda.csv: 64 segments never come close */
#define SIGNALS_FIELD_MAX 2048              /* the signals column of one segment */

/* The stored state (see agenda.h for the meaning of the columns). */
struct agenda_st {
	int segment;
	int started;        /* started_at is set */
	int64_t started_at;
	int paused;         /* paused_at is set */
	int64_t paused_at;
	int64_t adjust_ms;
};

struct agenda {
	struct store *s;
	const struct clock *c;
	const struct pack *p;
	struct agenda_st st;
	int64_t meeting_started_at;
	char signal[AGENDA_SIGNAL_MAX];
	int has_signal;
	int64_t signal_at;
	int speaker_active;
	int64_t speaker_until;
};

struct log_row {
	int segment;
	const char *what;
	char value[AGENDA_SIGNAL_MAX + 64];
	int has_value;
};

static const char *event_id(const struct pack *p)
{
	return p->event_id ? p->event_id : "";
}

static const char *seg_title(const struct pack *p, int i)
{
	if (i < 0 || i >= p->nsegments || !p->segments[i].title)
		return "";
	return p->segments[i].title;
}

static int64_t seg_ms(const struct pack *p, int i)
{
	if (i < 0 || i >= p->nsegments)
		return 0;
	return p->segments[i].minutes * MS_PER_MIN;
}

static enum agenda_phase phase_of(const struct agenda *a, const struct agenda_st *st)
{
	if (!st->started)
		return AGENDA_NOT_STARTED;
	if (st->segment >= a->p->nsegments)
		return AGENDA_FINISHED;
	return st->paused ? AGENDA_PAUSED : AGENDA_RUNNING;
}

static int64_t elapsed_of(const struct agenda *a, const struct agenda_st *st, int64_t now)
{
	int64_t e;
	switch (phase_of(a, st)) {
	case AGENDA_RUNNING:
		e = now - st->started_at;
		break;
	case AGENDA_PAUSED:
		e = st->paused_at - st->started_at;
		break;
	default:
		return 0;
	}
	/* The wall clock can step backwards (time synchronisation); never show negative time. */
	return e < 0 ? 0 : e;
}

/* ---- loading and persisting ---- */

static int load(struct agenda *a)
{
	struct store_stmt *st = store_stmt(a->s,
		"SELECT segment, started_at, paused_at, adjust_ms FROM agenda_state WHERE event = ?1");
	if (!st)
		return -1;
	store_bind_text(st, 1, event_id(a->p));
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		int64_t seg = store_col_int(st, 0);
		a->st.segment = seg < 0 ? 0 : seg > a->p->nsegments ? a->p->nsegments : (int)seg;
		a->st.started = !store_col_is_null(st, 1);
		a->st.started_at = store_col_int(st, 1);
		a->st.paused = !store_col_is_null(st, 2);
		a->st.paused_at = store_col_int(st, 2);
		a->st.adjust_ms = store_col_int(st, 3);
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	st = store_stmt(a->s, "SELECT min(at) FROM agenda_log WHERE event = ?1 AND what = 'start'");
	if (!st)
		return -1;
	store_bind_text(st, 1, event_id(a->p));
	rc = store_step(st);
	if (rc == STORE_ROW && !store_col_is_null(st, 0))
		a->meeting_started_at = store_col_int(st, 0);
	store_reset(st);
	if (rc < 0)
		return -1;
	/* The start was logged on the clock of its time; later clock moves shift it like the state. */
	st = store_stmt(a->s, "SELECT coalesce(sum(CAST(value AS INTEGER)), 0) FROM agenda_log "
			      "WHERE event = ?1 AND what = 'clock'");
	if (!st)
		return -1;
	store_bind_text(st, 1, event_id(a->p));
	rc = store_step(st);
	if (rc == STORE_ROW && a->meeting_started_at)
		a->meeting_started_at += store_col_int(st, 0);
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

static int write_state(struct agenda *a, const struct agenda_st *ns, int64_t now)
{
	struct store_stmt *st = store_stmt(a->s,
		"INSERT INTO agenda_state(event, segment, running, started_at, paused_at, adjust_ms, "
		"updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(event) DO UPDATE SET "
		"segment = excluded.segment, running = excluded.running, "
		"started_at = excluded.started_at, paused_at = excluded.paused_at, "
		"adjust_ms = excluded.adjust_ms, updated_at = excluded.updated_at");
	if (!st)
		return -1;
	store_bind_text(st, 1, event_id(a->p));
	store_bind_int(st, 2, ns->segment);
	store_bind_int(st, 3, phase_of(a, ns) == AGENDA_RUNNING);
	if (ns->started)
		store_bind_int(st, 4, ns->started_at);
	else
		store_bind_null(st, 4);
	if (ns->paused)
		store_bind_int(st, 5, ns->paused_at);
	else
		store_bind_null(st, 5);
	store_bind_int(st, 6, ns->adjust_ms);
	store_bind_int(st, 7, now);
	int rc = store_step(st);
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

static int write_log(struct agenda *a, const struct log_row *r, int64_t now)
{
	char uuid[37];
	uuid_v4(uuid);
	const char *title = seg_title(a->p, r->segment);
	struct store_stmt *st = store_stmt(a->s,
		"INSERT INTO agenda_log(uuid, event, segment, title, what, at, value) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!st)
		return -1;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, event_id(a->p));
	store_bind_int(st, 3, r->segment);
	store_bind_text(st, 4, title);
	store_bind_text(st, 5, r->what);
	store_bind_int(st, 6, now);
	store_bind_text(st, 7, r->has_value ? r->value : NULL);
	int rc = store_step(st);
	store_reset(st);
	if (rc < 0)
		return -1;

	json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:I}", "uuid", uuid, "event",
			      event_id(a->p), "segment_number", r->segment + 1, "title", title,
			      "what", r->what, "at", (json_int_t)now);
	if (!o)
		return err_set("cannot build the agenda record of '%s'", title);
	json_object_set_new(o, "value", r->has_value ? json_string(r->value) : json_null());
	char *payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!payload)
		return err_set("cannot build the agenda record of '%s'", title);
	rc = outbox_add(a->s, a->c, "agenda", NULL, payload, NULL);
	free(payload);
	return rc;
}

/* Writes the new state and its log rows in one transaction; adopts the state only on commit. */
static int commit(struct agenda *a, const struct agenda_st *ns, const struct log_row *rows,
		  int nrows, int64_t now)
{
	if (store_tx_begin(a->s) < 0)
		return -1;
	if (ns && write_state(a, ns, now) < 0)
		goto fail;
	for (int i = 0; i < nrows; i++)
		if (write_log(a, &rows[i], now) < 0)
			goto fail;
	if (store_tx_commit(a->s) < 0)
		goto fail;
	if (ns) {
		a->st = *ns;
		if (!a->meeting_started_at && ns->started)
			a->meeting_started_at = now;
	}
	return 0;
fail:;
	char msg[512];
	str_copy(msg, sizeof(msg), err_msg());
	store_tx_rollback(a->s);
	return err_set("cannot record the meeting log: %s", msg);
}

static void row_end(const struct agenda *a, struct log_row *r, int64_t now)
{
	int64_t planned = seg_ms(a->p, a->st.segment) + a->st.adjust_ms;
	r->segment = a->st.segment;
	r->what = "end";
	r->has_value = 1;
	str_fmt(r->value, sizeof(r->value), "{\"elapsed_ms\":%lld,\"planned_ms\":%lld}",
		(long long)elapsed_of(a, &a->st, now), (long long)planned);
}

/* The last "end" of segment i, if it ran before: its elapsed and planned ms. 1 found, 0 not,
 * -1 error. */
static int last_end(struct agenda *a, int i, int64_t *elapsed, int64_t *planned)
{
	struct store_stmt *st = store_stmt(a->s,
		"SELECT value FROM agenda_log WHERE event = ?1 AND segment = ?2 AND what = 'end' "
		"ORDER BY id DESC LIMIT 1");
	if (!st)
		return -1;
	store_bind_text(st, 1, event_id(a->p));
	store_bind_int(st, 2, i);
	int rc = store_step(st), found = 0;
	if (rc == STORE_ROW) {
		json_t *o = json_loads(store_col_text(st, 0), 0, NULL);
		json_t *e = json_object_get(o, "elapsed_ms"), *pl = json_object_get(o, "planned_ms");
		if (json_is_integer(e) && json_is_integer(pl)) {
			*elapsed = json_integer_value(e);
			*planned = json_integer_value(pl);
			found = 1;
		}
		json_decref(o);
	}
	store_reset(st);
	return rc < 0 ? -1 : found;
}

/* The state of segment i starting now: fresh, or continued where it last ended. */
static int enter_segment(struct agenda *a, int i, int64_t now, struct agenda_st *ns,
			 struct log_row *r)
{
	int64_t elapsed = 0, planned = 0;
	int found = last_end(a, i, &elapsed, &planned);
	if (found < 0)
		return -1;
	memset(ns, 0, sizeof(*ns));
	ns->segment = i;
	ns->started = 1;
	ns->started_at = now - (found ? elapsed : 0);
	ns->adjust_ms = found ? planned - seg_ms(a->p, i) : 0;
	r->segment = i;
	r->what = "start";
	r->has_value = found;
	str_copy(r->value, sizeof(r->value), "continued");
	return 0;
}

/* ---- lifecycle ---- */

struct agenda *agenda_open(struct store *s, const struct clock *c, const struct pack *p)
{
	struct agenda *a = xcalloc(1, sizeof(*a));
	a->s = s;
	a->c = c;
	a->p = p;
	if (load(a) < 0) {
		char msg[512];
		str_copy(msg, sizeof(msg), err_msg());
		free(a);
		err_set("cannot load the agenda of '%s': %s", event_id(p), msg);
		return NULL;
	}
	return a;
}

void agenda_close(struct agenda *a)
{
	free(a);
}

/* ---- operations ---- */

int agenda_start(struct agenda *a)
{
	if (a->p->nsegments <= 0)
		return err_set("the agenda has no segments");
	if (a->st.started)
		return err_set("the meeting has already started");
	int64_t now = clock_now(a->c);
	struct agenda_st ns;
	struct log_row r;
	if (enter_segment(a, 0, now, &ns, &r) < 0)
		return -1;
	return commit(a, &ns, &r, 1, now);
}

int agenda_pause(struct agenda *a)
{
	if (phase_of(a, &a->st) != AGENDA_RUNNING)
		return err_set("the timer is not running");
	int64_t now = clock_now(a->c);
	struct agenda_st ns = a->st;
	ns.paused = 1;
	ns.paused_at = now;
	struct log_row r = { .segment = a->st.segment, .what = "pause" };
	return commit(a, &ns, &r, 1, now);
}

int agenda_resume(struct agenda *a)
{
	if (phase_of(a, &a->st) != AGENDA_PAUSED)
		return err_set("the timer is not paused");
	int64_t now = clock_now(a->c);
	int64_t paused = now - a->st.paused_at;
	if (paused < 0)
		paused = 0;
	struct agenda_st ns = a->st;
	ns.paused = 0;
	ns.paused_at = 0;
	ns.started_at += paused;
	struct log_row r = { .segment = a->st.segment, .what = "resume", .has_value = 1 };
	str_fmt(r.value, sizeof(r.value), "%lld", (long long)paused);
	return commit(a, &ns, &r, 1, now);
}

int agenda_next(struct agenda *a)
{
	enum agenda_phase ph = phase_of(a, &a->st);
	if (ph == AGENDA_NOT_STARTED)
		return agenda_start(a);
	if (ph == AGENDA_FINISHED)
		return err_set("the meeting has ended");
	int64_t now = clock_now(a->c);
	struct agenda_st ns;
	struct log_row rows[LOG_ROWS_MAX];
	row_end(a, &rows[0], now);
	int i = a->st.segment + 1;
	if (i >= a->p->nsegments) {
		memset(&ns, 0, sizeof(ns));
		ns.segment = a->p->nsegments;
		ns.started = 1;
		ns.started_at = now;
		return commit(a, &ns, rows, 1, now);
	}
	if (enter_segment(a, i, now, &ns, &rows[1]) < 0)
		return -1;
	return commit(a, &ns, rows, 2, now);
}

int agenda_back(struct agenda *a)
{
	enum agenda_phase ph = phase_of(a, &a->st);
	if (ph == AGENDA_NOT_STARTED)
		return err_set("the meeting has not started");
	if (ph != AGENDA_FINISHED && a->st.segment == 0)
		return err_set("this is the first segment");
	int64_t now = clock_now(a->c);
	struct agenda_st ns;
	struct log_row rows[LOG_ROWS_MAX];
	int n = 0;
	if (ph != AGENDA_FINISHED)
		row_end(a, &rows[n++], now);
	int i = (ph == AGENDA_FINISHED ? a->p->nsegments : a->st.segment) - 1;
	if (enter_segment(a, i, now, &ns, &rows[n++]) < 0)
		return -1;
	return commit(a, &ns, rows, n, now);
}

int agenda_adjust(struct agenda *a, int64_t delta_ms)
{
	enum agenda_phase ph = phase_of(a, &a->st);
	if (ph != AGENDA_RUNNING && ph != AGENDA_PAUSED)
		return err_set("the timer is not running");
	int64_t adj = a->st.adjust_ms + delta_ms;
	if (seg_ms(a->p, a->st.segment) + adj < 0)
		return err_set("the segment cannot be shorter than 0 minutes");
	if (adj > ADJUST_MAX_MS)
		return err_set("the segment cannot be extended by more than %lld minutes",
			       ADJUST_MAX_MS / MS_PER_MIN);
	int64_t now = clock_now(a->c);
	struct agenda_st ns = a->st;
	ns.adjust_ms = adj;
	struct log_row r = { .segment = a->st.segment, .what = "adjust", .has_value = 1 };
	str_fmt(r.value, sizeof(r.value), "%lld", (long long)delta_ms);
	return commit(a, &ns, &r, 1, now);
}

int agenda_signal(struct agenda *a, const char *message)
{
	if (!message || !*message)
		return err_set("the signal has no message");
	if (strlen(message) >= AGENDA_SIGNAL_MAX || !utf8_valid(message, strlen(message)))
		return err_set("the signal message is too long or not UTF-8");
	int64_t now = clock_now(a->c);
	struct log_row r = { .segment = a->st.segment, .what = "signal", .has_value = 1 };
	str_copy(r.value, sizeof(r.value), message);
	if (commit(a, NULL, &r, 1, now) < 0)
		return -1;
	str_copy(a->signal, sizeof(a->signal), message);
	a->has_signal = 1;
	a->signal_at = now;
	return 0;
}

void agenda_signal_clear(struct agenda *a)
{
	a->has_signal = 0;
	a->signal[0] = '\0';
}

int agenda_speaker_start(struct agenda *a, int seconds)
{
	if (seconds < 1 || seconds > 3600)
		return err_set("a speaker timer of %d seconds; expected 1 to 3600", seconds);
	int64_t now = clock_now(a->c);
	struct log_row r = { .segment = a->st.segment, .what = "signal", .has_value = 1 };
	str_fmt(r.value, sizeof(r.value), "Speaker timer %d s", seconds);
	if (commit(a, NULL, &r, 1, now) < 0)
		return -1;
	a->speaker_active = 1;
	a->speaker_until = now + seconds * 1000LL;
	return 0;
}

void agenda_speaker_stop(struct agenda *a)
{
	a->speaker_active = 0;
}

int agenda_clock_moved(struct agenda *a, int64_t delta_ms)
{
	enum agenda_phase ph = phase_of(a, &a->st);
	if (delta_ms == 0 || (ph != AGENDA_RUNNING && ph != AGENDA_PAUSED))
		return 0;
	struct agenda_st ns = a->st;
	ns.started_at += delta_ms;
	if (ns.paused)
		ns.paused_at += delta_ms;
	struct log_row r = { .segment = a->st.segment, .what = "clock", .has_value = 1 };
	str_fmt(r.value, sizeof(r.value), "%lld", (long long)delta_ms);
	if (commit(a, &ns, &r, 1, clock_now(a->c)) < 0)
		return -1;
	a->meeting_started_at += delta_ms;
	a->speaker_until += delta_ms;
	return 0;
}

/* ---- queries ---- */

static int64_t remaining_at(const struct agenda *a, int64_t now)
{
	if (phase_of(a, &a->st) == AGENDA_FINISHED)
		return 0;
	return seg_ms(a->p, a->st.segment) + a->st.adjust_ms - elapsed_of(a, &a->st, now);
}

static enum agenda_level level_at(const struct agenda *a, int64_t now)
{
	enum agenda_phase ph = phase_of(a, &a->st);
	if (ph != AGENDA_RUNNING && ph != AGENDA_PAUSED)
		return AGENDA_NORMAL;
	int64_t warn = a->p->warn_seconds > 0 ? a->p->warn_seconds : AGENDA_DEFAULT_WARN_SECONDS;
	int64_t danger = a->p->danger_seconds > 0 ? a->p->danger_seconds
						  : AGENDA_DEFAULT_DANGER_SECONDS;
	int64_t rem = remaining_at(a, now);
	if (rem < 0)
		return AGENDA_OVERTIME;
	if (rem <= danger * 1000)
		return AGENDA_DANGER;
	if (rem <= warn * 1000)
		return AGENDA_WARNING;
	return AGENDA_NORMAL;
}

static int times_up_s(const struct pack *p)
{
	return p->times_up_seconds > 0 ? p->times_up_seconds : PACK_DEFAULT_TIMES_UP_SECONDS;
}

static int64_t planned_before(const struct pack *p, int i)
{
	int64_t t = 0;
	for (int k = 0; k < i && k < p->nsegments; k++)
		t += seg_ms(p, k);
	return t;
}

static int64_t floor_min(int64_t ms)
{
	int64_t r = ms % MS_PER_MIN;
	return ms - (r < 0 ? r + MS_PER_MIN : r);
}

/* The one schedule model (see agenda.h). */
void agenda_schedule_at(const struct agenda *a, int64_t now, struct agenda_schedule *s)
{
	const struct pack *p = a->p;
	int64_t total = planned_before(p, p->nsegments);
	int64_t raw, start;
	int moving = 0;        /* raw moves with the clock */
	int64_t waits_until = 0;
	memset(s, 0, sizeof(*s));
	switch (phase_of(a, &a->st)) {
	case AGENDA_NOT_STARTED:
		start = now;
		if (p->starts_ms > now) {
			start = p->starts_ms;
			waits_until = p->starts_ms;
		} else {
			moving = 1;
		}
		raw = start + total;
		break;
	case AGENDA_FINISHED:
		s->started = 1;
		start = a->meeting_started_at ? a->meeting_started_at : a->st.started_at;
		raw = a->st.started_at;
		break;
	default: {
		s->started = 1;
		int i = a->st.segment;
		int64_t rem = remaining_at(a, now);
		start = a->meeting_started_at ? a->meeting_started_at : a->st.started_at;
		raw = now + (rem > 0 ? rem : 0) + total - planned_before(p, i + 1);
		if (phase_of(a, &a->st) == AGENDA_PAUSED || rem <= 0)
			moving = 1;
		else
			waits_until = now + rem; /* overtime starts: the end moves from then on */
		break;
	}
	}
	s->start_ms = start;
	s->projected_end_ms = floor_min(raw + HALF_MIN);
	s->behind_min = (int)((s->projected_end_ms - floor_min(start + total + HALF_MIN)) / MS_PER_MIN);
	if (p->ends_ms) {
		s->has_end = 1;
		s->late_min = (int)((s->projected_end_ms - floor_min(p->ends_ms + HALF_MIN)) / MS_PER_MIN);
	}
	/* When raw + HALF_MIN reaches the next whole minute, raw moving with the clock from now
	 * or from when it starts to (overtime, the pack's start time). */
	if (moving)
		s->changes_at = now + s->projected_end_ms + MS_PER_MIN - (raw + HALF_MIN);
	else if (waits_until > now)
		s->changes_at = waits_until + s->projected_end_ms + MS_PER_MIN - (raw + HALF_MIN);
}

void agenda_view(const struct agenda *a, struct agenda_view *v)
{
	const struct pack *p = a->p;
	int64_t now = clock_now(a->c);
	memset(v, 0, sizeof(*v));
	v->now = now;
	v->phase = phase_of(a, &a->st);
	v->level = level_at(a, now);
	v->nsegments = p->nsegments;
	v->segment = v->phase == AGENDA_NOT_STARTED ? 0 : a->st.segment;
	v->title = seg_title(p, v->segment);
	if (v->segment < p->nsegments) {
		const struct pack_segment *sg = &p->segments[v->segment];
		v->note = sg->note;
		v->slide_first = sg->slide_first;
		v->slide_last = sg->slide_last;
		v->adjust_ms = v->phase == AGENDA_NOT_STARTED ? 0 : a->st.adjust_ms;
		v->planned_ms = seg_ms(p, v->segment) + v->adjust_ms;
		v->elapsed_ms = elapsed_of(a, &a->st, now);
		v->remaining_ms = v->phase == AGENDA_NOT_STARTED ? v->planned_ms
								  : remaining_at(a, now);
	}
	v->next = agenda_next_segment(a);
	if (v->next >= 0) {
		v->next_title = seg_title(p, v->next);
		v->next_minutes = p->segments[v->next].minutes;
	}
	v->meeting_started_at = a->meeting_started_at;
	struct agenda_schedule sc;
	agenda_schedule_at(a, now, &sc);
	v->starts_ms = sc.start_ms;
	v->schedule_ms = -(int64_t)sc.behind_min * MS_PER_MIN;
	v->projected_end_ms = sc.projected_end_ms;
	v->ends_ms = p->ends_ms;
	v->end_margin_ms = -(int64_t)sc.late_min * MS_PER_MIN;
	v->schedule_changes_at = sc.changes_at;
	if (a->has_signal) {
		v->signal = a->signal;
		v->signal_at = a->signal_at;
	}
	if (a->speaker_active) {
		int64_t clears = a->speaker_until + (int64_t)times_up_s(p) * 1000;
		if (now < clears) {
			v->speaker_active = 1;
			v->speaker_remaining_ms = a->speaker_until - now;
			v->speaker_clears_at = clears;
		}
	}
}

enum agenda_phase agenda_phase(const struct agenda *a)
{
	return phase_of(a, &a->st);
}

int agenda_segment(const struct agenda *a)
{
	return a->st.started ? a->st.segment : 0;
}

int agenda_next_segment(const struct agenda *a)
{
	int i = a->st.started ? a->st.segment + 1 : 1;
	return i < a->p->nsegments ? i : -1;
}

int64_t agenda_remaining_ms(const struct agenda *a)
{
	int64_t now = clock_now(a->c);
	if (!a->st.started)
		return seg_ms(a->p, 0);
	return remaining_at(a, now);
}

int64_t agenda_elapsed_ms(const struct agenda *a)
{
	return elapsed_of(a, &a->st, clock_now(a->c));
}

enum agenda_level agenda_level(const struct agenda *a)
{
	return level_at(a, clock_now(a->c));
}

int64_t agenda_schedule_ms(const struct agenda *a)
{
	struct agenda_schedule s;
	agenda_schedule_at(a, clock_now(a->c), &s);
	return -(int64_t)s.behind_min * MS_PER_MIN;
}

int64_t agenda_projected_end_ms(const struct agenda *a)
{
	struct agenda_schedule s;
	agenda_schedule_at(a, clock_now(a->c), &s);
	return s.projected_end_ms;
}

/* ---- export ---- */

struct buf {
	char *d;
	size_t len, cap;
	int toobig;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->toobig)
		return;
	if (b->len + n + 1 > CSV_MAX) {
		b->toobig = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->d = xrealloc(b->d, cap);
		b->cap = cap;
	}
	memcpy(b->d + b->len, s, n);
	b->len += n;
	b->d[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* One RFC 4180 field; text that a spreadsheet would run as a formula gets a leading quote. */
static void csv_field(struct buf *b, const char *s, int text, int last)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	int formula = text && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@');
	if (quote || formula)
		buf_str(b, "\"");
	if (formula)
		buf_str(b, "'");
	for (const char *q = s; *q; q++) {
		if (*q == '"')
			buf_str(b, "\"");
		buf_add(b, q, 1);
	}
	if (quote || formula)
		buf_str(b, "\"");
	buf_str(b, last ? "\r\n" : ",");
}

static void iso_utc(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		out[0] = '\0';
}

/* Export figures of segment i from the log. -1 on a store error. */
struct seg_log {
	int64_t start, end;   /* 0 when never */
	int64_t elapsed, planned;
	int ended;
	char signals[SIGNALS_FIELD_MAX];
};

static int seg_log_read(struct store *s, const struct pack *p, int i, struct seg_log *sl)
{
	memset(sl, 0, sizeof(*sl));
	struct store_stmt *st = store_stmt(s,
		"SELECT what, at, value FROM agenda_log WHERE event = ?1 AND segment = ?2 "
		"ORDER BY id");
	if (!st)
		return -1;
	store_bind_text(st, 1, event_id(p));
	store_bind_int(st, 2, i);
	int rc;
	size_t slen = 0;
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *what = store_col_text(st, 0);
		int64_t at = store_col_int(st, 1);
		const char *value = store_col_text(st, 2);
		if (!strcmp(what, "start") && !sl->start) {
			sl->start = at;
		} else if (!strcmp(what, "end")) {
			json_t *o = json_loads(value, 0, NULL);
			json_t *e = json_object_get(o, "elapsed_ms");
			json_t *pl = json_object_get(o, "planned_ms");
			if (json_is_integer(e) && json_is_integer(pl)) {
				sl->ended = 1;
				sl->end = at;
				sl->elapsed = json_integer_value(e);
				sl->planned = json_integer_value(pl);
			}
			json_decref(o);
		} else if (!strcmp(what, "signal") && *value) {
			size_t n = strlen(value);
			/* Bounded: later signals of a very chatty segment are left out. */
			if (slen + n + 4 < sizeof(sl->signals)) {
				if (slen) {
					memcpy(sl->signals + slen, " | ", 3);
					slen += 3;
				}
				memcpy(sl->signals + slen, value, n);
				slen += n;
				sl->signals[slen] = '\0';
			}
		}
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int agenda_export_csv(struct store *s, const struct pack *p, const char *dir)
{
	struct buf b = { 0 };
	char path[4096], num[64], t1[32], t2[32];
	int rc = -1;
	if (str_fmt(path, sizeof(path), "%s/agenda.csv", dir) < 0) {
		err_set("the export folder '%s' has too long a name", dir);
		goto out;
	}
	buf_str(&b, "event,segment,title,planned_minutes,adjust_seconds,actual_start,actual_end,"
		    "duration_seconds,overtime_seconds,signals\r\n");
	for (int i = 0; i < p->nsegments; i++) {
		struct seg_log sl;
		if (seg_log_read(s, p, i, &sl) < 0)
			goto out;
		csv_field(&b, event_id(p), 1, 0);
		str_fmt(num, sizeof(num), "%d", i + 1);
		csv_field(&b, num, 0, 0);
		csv_field(&b, seg_title(p, i), 1, 0);
		str_fmt(num, sizeof(num), "%d", p->segments[i].minutes);
		csv_field(&b, num, 0, 0);
		str_fmt(num, sizeof(num), "%lld",
			sl.ended ? (long long)((sl.planned - seg_ms(p, i)) / 1000) : 0LL);
		csv_field(&b, num, 0, 0);
		t1[0] = t2[0] = '\0';
		if (sl.start)
			iso_utc(sl.start, t1);
		if (sl.ended)
			iso_utc(sl.end, t2);
		csv_field(&b, t1, 0, 0);
		csv_field(&b, t2, 0, 0);
		num[0] = '\0';
		if (sl.ended)
			str_fmt(num, sizeof(num), "%lld", (long long)((sl.elapsed + 500) / 1000));
		csv_field(&b, num, 0, 0);
		num[0] = '\0';
		if (sl.ended) {
			int64_t over = sl.elapsed - sl.planned;
			str_fmt(num, sizeof(num), "%lld", over > 0 ? (long long)((over + 500) / 1000) : 0LL);
		}
		csv_field(&b, num, 0, 0);
		csv_field(&b, sl.signals, 1, 1);
	}
	if (b.toobig) {
		err_set("'%s' would be larger than %d bytes", path, CSV_MAX);
		goto out;
	}
	if (file_write_atomic(path, b.d, b.len) < 0)
		goto out;
	rc = 0;
out:
	free(b.d);
	return rc;
}

/* ---- check ---- */

void agenda_check(const struct pack *p, struct diags *d)
{
	if (p->nsegments <= 0) {
		/* A check-in-only event needs no agenda; the facilitator screen says the same. */
		diags_add(d, DIAG_WARNING, "event.ini", 0,
			  "the agenda has no segments; add a [segment] with a title and minutes");
		return;
	}
	int64_t total = 0;
	for (int i = 0; i < p->nsegments; i++) {
		const struct pack_segment *sg = &p->segments[i];
		/* 0 means pack_load() already said the minutes are missing or out of range. */
		if (sg->minutes != 0 && (sg->minutes < 1 || sg->minutes > 600))
			diags_add(d, DIAG_ERROR, "event.ini", sg->line,
				  "segment '%s' has %d minutes; expected 1 to 600", seg_title(p, i),
				  sg->minutes);
		else if (sg->minutes > 0)
			total += sg->minutes;
	}
	if (p->starts_ms && p->ends_ms > p->starts_ms) {
		int64_t meeting = (p->ends_ms - p->starts_ms) / MS_PER_MIN;
		if (total > meeting)
			diags_add(d, DIAG_WARNING, "event.ini", p->segments[0].line,
				  "the segments add up to %lld minutes, %lld minutes more than the "
				  "meeting (%lld minutes from start to end)",
				  (long long)total, (long long)(total - meeting), (long long)meeting);
	}
}
