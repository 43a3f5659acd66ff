#include "testutil.h"

#include "agenda.h"
#include "clock.h"
#include "pack.h"
#include "store.h"
#include "util.h"

#define MIN 60000LL
#define SEC 1000LL
/* 2026-12-03 18:00:00 UTC */
#define T0 1796320800000LL

/* A hand-made pack: Welcome 5 min, Plan 15 min (slides 1-6), Teams 10 min; 18:00-18:30. */
static void make_pack(struct pack *p)
{
	memset(p, 0, sizeof(*p));
	p->dir = xstrdup(".");
	p->title = xstrdup("Barnstorm");
	p->event_id = xstrdup("ev-test");
	p->starts_ms = T0;
	p->ends_ms = T0 + 30 * MIN;
	p->warn_seconds = 120;
	p->danger_seconds = 30;
	const char *titles[] = { "Welcome", "Plan, \"to win\"", "Teams" };
	const int minutes[] = { 5, 15, 10 };
	for (int i = 0; i < 3; i++) {
		p->segments[i].title = xstrdup(titles[i]);
		p->segments[i].minutes = minutes[i];
		p->segments[i].line = 10 + 4 * i;
	}
	p->segments[1].slide_first = 1;
	p->segments[1].slide_last = 6;
	p->nsegments = 3;
}

struct fixture {
	char *dir;
	struct clock clk;
	struct pack p;
	struct store *s;
	struct agenda *a;
};

static void fx_open(struct fixture *f)
{
	f->s = store_open(f->dir);
	assert_non_null(f->s);
	f->a = agenda_open(f->s, &f->clk, &f->p);
	assert_non_null(f->a);
}

static void fx_close(struct fixture *f)
{
	agenda_close(f->a);
	store_close(f->s);
	f->a = NULL;
	f->s = NULL;
}

static void fx_init(struct fixture *f)
{
	f->dir = tu_tempdir();
	clock_init_fake(&f->clk, T0);
	make_pack(&f->p);
	fx_open(f);
}

static void fx_release(struct fixture *f)
{
	fx_close(f);
	pack_release(&f->p);
	tu_rmtree(f->dir);
	free(f->dir);
}

static int64_t count(struct store *s, const char *sql)
{
	return store_query_int(s, sql);
}

static void walks_every_segment_through_every_state(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	struct agenda_view v;

	agenda_view(f.a, &v);
	assert_int_equal(v.phase, AGENDA_NOT_STARTED);
	assert_int_equal(v.segment, 0);
	assert_string_equal(v.title, "Welcome");
	assert_int_equal(v.remaining_ms, 5 * MIN);
	assert_int_equal(v.projected_end_ms, T0 + 30 * MIN);
	assert_int_equal(v.next, 1);
	assert_int_equal(agenda_pause(f.a), -1);
	assert_int_equal(agenda_back(f.a), -1);

	clock_advance(&f.clk, 2 * MIN); /* the meeting starts 2 minutes late */
	int64_t start = T0 + 2 * MIN;
	assert_int_equal(agenda_start(f.a), 0);
	assert_int_equal(agenda_start(f.a), -1);
	assert_non_null(strstr(err_msg(), "already started"));
	agenda_view(f.a, &v);
	assert_int_equal(v.phase, AGENDA_RUNNING);
	assert_int_equal(v.level, AGENDA_NORMAL);
	assert_int_equal(v.meeting_started_at, start);
	assert_int_equal(v.schedule_ms, 0);
	assert_int_equal(v.projected_end_ms, start + 30 * MIN);
	assert_int_equal(v.end_margin_ms, -2 * MIN);
	assert_string_equal(v.next_title, "Plan, \"to win\"");
	assert_int_equal(v.next_minutes, 15);

	/* Segment 0 (5 min): warning at 2:00 left, danger at 0:30, overtime below 0. */
	clock_advance(&f.clk, 3 * MIN - 1);
	assert_int_equal(agenda_remaining_ms(f.a), 2 * MIN + 1);
	assert_int_equal(agenda_level(f.a), AGENDA_NORMAL);
	clock_advance(&f.clk, 1);
	assert_int_equal(agenda_level(f.a), AGENDA_WARNING);
	clock_advance(&f.clk, 90 * SEC - 1);
	assert_int_equal(agenda_level(f.a), AGENDA_WARNING);
	clock_advance(&f.clk, 1);
	assert_int_equal(agenda_remaining_ms(f.a), 30 * SEC);
	assert_int_equal(agenda_level(f.a), AGENDA_DANGER);
	clock_advance(&f.clk, 30 * SEC);
	assert_int_equal(agenda_remaining_ms(f.a), 0);
	assert_int_equal(agenda_level(f.a), AGENDA_DANGER);
	clock_advance(&f.clk, 1);
	assert_int_equal(agenda_level(f.a), AGENDA_OVERTIME);
	clock_advance(&f.clk, 20 * SEC - 1);
	agenda_view(f.a, &v);
	assert_int_equal(v.remaining_ms, -20 * SEC);
	assert_int_equal(v.elapsed_ms, 5 * MIN + 20 * SEC);
	/* 20 s over: the projected end moves on from now while overtime, but the figures are whole
	 * minutes, rounded, so they agree with each other: still on schedule, 30 min after start. */
	assert_int_equal(v.schedule_ms, 0);
	assert_int_equal(v.projected_end_ms, start + 30 * MIN);

	/* Segment 1 (15 min). */
	assert_int_equal(agenda_next(f.a), 0);
	agenda_view(f.a, &v);
	assert_int_equal(v.segment, 1);
	assert_int_equal(v.slide_first, 1);
	assert_int_equal(v.slide_last, 6);
	assert_int_equal(v.remaining_ms, 15 * MIN);
	assert_int_equal(v.level, AGENDA_NORMAL);
	assert_int_equal(v.schedule_ms, 0);
	clock_advance(&f.clk, 13 * MIN);
	assert_int_equal(agenda_level(f.a), AGENDA_WARNING);
	clock_advance(&f.clk, 90 * SEC);
	assert_int_equal(agenda_level(f.a), AGENDA_DANGER);
	/* Finished 30 s early: 10 s ahead now, on schedule to the minute. */
	assert_int_equal(agenda_next(f.a), 0);
	assert_int_equal(agenda_schedule_ms(f.a), 0);

	/* Segment 2 (10 min), the last. */
	agenda_view(f.a, &v);
	assert_int_equal(v.segment, 2);
	assert_int_equal(v.next, -1);
	assert_null(v.next_title);
	clock_advance(&f.clk, 10 * MIN + 5 * SEC);
	assert_int_equal(agenda_level(f.a), AGENDA_OVERTIME);
	assert_int_equal(agenda_next(f.a), 0);
	agenda_view(f.a, &v);
	assert_int_equal(v.phase, AGENDA_FINISHED);
	assert_int_equal(v.segment, 3);
	assert_string_equal(v.title, "");
	assert_int_equal(v.level, AGENDA_NORMAL);
	int64_t end = start + 5 * MIN + 20 * SEC + 14 * MIN + 30 * SEC + 10 * MIN + 5 * SEC;
	/* Ended 29:55 after the start: 30 min, rounded, 2 min after the pack's end. */
	assert_int_equal(end, start + 29 * MIN + 55 * SEC);
	assert_int_equal(v.projected_end_ms, start + 30 * MIN);
	assert_int_equal(v.schedule_ms, 0);
	assert_int_equal(v.end_margin_ms, -2 * MIN);
	assert_int_equal(agenda_next(f.a), -1);
	assert_non_null(strstr(err_msg(), "ended"));

	/* Log: a start and an end per segment, each with its outbox record. */
	assert_int_equal(count(f.s, "SELECT count(*) FROM agenda_log WHERE what = 'start'"), 3);
	assert_int_equal(count(f.s, "SELECT count(*) FROM agenda_log WHERE what = 'end'"), 3);
	assert_int_equal(count(f.s, "SELECT count(*) FROM outbox WHERE kind = 'agenda'"), 6);
	assert_int_equal(count(f.s, "SELECT count(*) FROM outbox WHERE kind = 'agenda' AND "
				    "payload LIKE '%\"what\":\"end\"%' AND payload LIKE '%elapsed_ms%'"), 3);
	fx_release(&f);
}

static void pause_resume_and_adjust(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	assert_int_equal(agenda_adjust(f.a, MIN), -1); /* not started */
	assert_int_equal(agenda_next(f.a), 0);         /* next before the start starts */
	clock_advance(&f.clk, MIN);
	assert_int_equal(agenda_resume(f.a), -1);
	assert_int_equal(agenda_pause(f.a), 0);
	assert_int_equal(agenda_phase(f.a), AGENDA_PAUSED);
	clock_advance(&f.clk, 10 * MIN);
	assert_int_equal(agenda_remaining_ms(f.a), 4 * MIN);
	assert_int_equal(agenda_elapsed_ms(f.a), MIN);
	/* Paused 10 minutes: the meeting is 10 minutes behind. */
	assert_int_equal(agenda_schedule_ms(f.a), -10 * MIN);
	assert_int_equal(agenda_projected_end_ms(f.a), T0 + 40 * MIN + 1 * MIN - MIN);
	assert_int_equal(agenda_adjust(f.a, MIN), 0); /* adjust while paused */
	assert_int_equal(agenda_remaining_ms(f.a), 5 * MIN);
	assert_int_equal(agenda_resume(f.a), 0);
	clock_advance(&f.clk, 30 * SEC);
	assert_int_equal(agenda_remaining_ms(f.a), 4 * MIN + 30 * SEC);
	assert_int_equal(agenda_elapsed_ms(f.a), 90 * SEC);
	assert_int_equal(agenda_adjust(f.a, -MIN), 0);
	assert_int_equal(agenda_adjust(f.a, -MIN), 0);
	assert_int_equal(agenda_remaining_ms(f.a), 2 * MIN + 30 * SEC);
	assert_int_equal(agenda_level(f.a), AGENDA_NORMAL);
	assert_int_equal(agenda_adjust(f.a, -MIN), 0);
	assert_int_equal(agenda_level(f.a), AGENDA_WARNING);
	/* Planned 5 + 1 - 3 = 3 minutes; 3 more would go below 0. */
	assert_int_equal(agenda_adjust(f.a, -4 * MIN), -1);
	assert_non_null(strstr(err_msg(), "shorter than 0"));
	assert_int_equal(agenda_adjust(f.a, -3 * MIN), 0);
	assert_int_equal(agenda_level(f.a), AGENDA_OVERTIME);
	assert_int_equal(count(f.s, "SELECT count(*) FROM agenda_log WHERE what = 'adjust'"), 5);
	assert_int_equal(count(f.s, "SELECT sum(value) FROM agenda_log WHERE what = 'adjust'"), -5 * MIN);
	assert_int_equal(count(f.s, "SELECT value FROM agenda_log WHERE what = 'resume'"), 10 * MIN);
	fx_release(&f);
}

static void back_continues_the_previous_segment(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	assert_int_equal(agenda_start(f.a), 0);
	assert_int_equal(agenda_back(f.a), -1);
	assert_non_null(strstr(err_msg(), "first segment"));
	clock_advance(&f.clk, 4 * MIN);
	assert_int_equal(agenda_adjust(f.a, MIN), 0);
	assert_int_equal(agenda_next(f.a), 0); /* by mistake */
	clock_advance(&f.clk, 30 * SEC);
	assert_int_equal(agenda_back(f.a), 0);
	struct agenda_view v;
	agenda_view(f.a, &v);
	assert_int_equal(v.segment, 0);
	assert_int_equal(v.elapsed_ms, 4 * MIN);
	assert_int_equal(v.adjust_ms, MIN);
	assert_int_equal(v.remaining_ms, 2 * MIN);
	clock_advance(&f.clk, 2 * MIN);
	assert_int_equal(agenda_next(f.a), 0);
	agenda_view(f.a, &v);
	assert_int_equal(v.segment, 1);
	assert_int_equal(v.elapsed_ms, 30 * SEC); /* continues where it was */
	assert_int_equal(count(f.s, "SELECT count(*) FROM agenda_log WHERE what = 'start' "
				    "AND value = 'continued'"), 2);
	/* Back after the end reopens the last segment. */
	assert_int_equal(agenda_next(f.a), 0);
	clock_advance(&f.clk, MIN);
	assert_int_equal(agenda_next(f.a), 0);
	assert_int_equal(agenda_phase(f.a), AGENDA_FINISHED);
	clock_advance(&f.clk, MIN);
	assert_int_equal(agenda_back(f.a), 0);
	agenda_view(f.a, &v);
	assert_int_equal(v.phase, AGENDA_RUNNING);
	assert_int_equal(v.segment, 2);
	assert_int_equal(v.elapsed_ms, MIN);
	fx_release(&f);
}

static void restart_mid_meeting_resumes_exactly(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	assert_int_equal(agenda_start(f.a), 0);
	clock_advance(&f.clk, 5 * MIN + 10 * SEC);
	assert_int_equal(agenda_next(f.a), 0);
	clock_advance(&f.clk, 3 * MIN);
	assert_int_equal(agenda_adjust(f.a, 2 * MIN), 0);
	struct agenda_view before, after;
	agenda_view(f.a, &before);

	/* The kiosk dies; it comes back 45 s later. */
	fx_close(&f);
	clock_advance(&f.clk, 45 * SEC);
	fx_open(&f);
	agenda_view(f.a, &after);
	assert_int_equal(after.phase, AGENDA_RUNNING);
	assert_int_equal(after.segment, 1);
	assert_int_equal(after.remaining_ms, before.remaining_ms - 45 * SEC);
	assert_int_equal(after.remaining_ms, 14 * MIN - 45 * SEC);
	assert_int_equal(after.meeting_started_at, T0);
	assert_int_equal(after.schedule_ms, before.schedule_ms);
	assert_int_equal(after.projected_end_ms, before.projected_end_ms);

	/* Paused across a restart stays paused with the same time. */
	assert_int_equal(agenda_pause(f.a), 0);
	int64_t rem = agenda_remaining_ms(f.a);
	fx_close(&f);
	clock_advance(&f.clk, 10 * MIN);
	fx_open(&f);
	assert_int_equal(agenda_phase(f.a), AGENDA_PAUSED);
	assert_int_equal(agenda_remaining_ms(f.a), rem);
	assert_int_equal(agenda_resume(f.a), 0);
	clock_advance(&f.clk, 1 * SEC);
	assert_int_equal(agenda_remaining_ms(f.a), rem - SEC);
	fx_release(&f);
}

/* A Pi starts without network on a clock two years behind; mid-meeting the network time arrives. */
static void clock_set_mid_meeting_keeps_the_timers(void **state)
{
	(void)state;
	const int64_t JUMP = 730LL * 24 * 60 * MIN;
	struct fixture f;
	fx_init(&f);
	assert_int_equal(agenda_clock_moved(f.a, JUMP), 0); /* before the start: nothing to move */
	assert_int_equal(count(f.s, "SELECT count(*) FROM agenda_log WHERE what = 'clock'"), 0);
	assert_int_equal(agenda_start(f.a), 0);
	clock_advance(&f.clk, 2 * MIN);
	assert_int_equal(agenda_speaker_start(f.a, 60), 0);
	clock_advance(&f.clk, 10 * SEC);
	struct agenda_view before, after;
	agenda_view(f.a, &before);

	clock_jump(&f.clk, JUMP);
	assert_int_equal(agenda_clock_moved(f.a, JUMP), 0);
	agenda_view(f.a, &after);
	assert_int_equal(after.remaining_ms, before.remaining_ms);
	assert_int_equal(after.speaker_remaining_ms, before.speaker_remaining_ms);
	assert_int_equal(after.schedule_ms, before.schedule_ms);
	assert_int_equal(after.meeting_started_at, T0 + JUMP);
	assert_int_equal(after.projected_end_ms, before.projected_end_ms + JUMP);
	assert_int_equal(count(f.s, "SELECT count(*) FROM agenda_log WHERE what = 'clock' AND "
				    "value = '63072000000'"), 1);
	assert_int_equal(count(f.s, "SELECT count(*) FROM outbox WHERE payload LIKE "
				    "'%\"what\":\"clock\"%'"), 1);

	/* A restart afterwards resumes on the new clock, with the meeting's start moved too. */
	fx_close(&f);
	clock_advance(&f.clk, 5 * SEC);
	fx_open(&f);
	agenda_view(f.a, &after);
	assert_int_equal(after.remaining_ms, before.remaining_ms - 5 * SEC);
	assert_int_equal(after.meeting_started_at, T0 + JUMP);
	assert_int_equal(after.schedule_ms, before.schedule_ms);

	/* Paused: the pause keeps its length when the clock is set back. */
	assert_int_equal(agenda_pause(f.a), 0);
	int64_t rem = agenda_remaining_ms(f.a);
	clock_advance(&f.clk, 30 * SEC);
	clock_jump(&f.clk, -3 * 60 * MIN);
	assert_int_equal(agenda_clock_moved(f.a, -3 * 60 * MIN), 0);
	assert_int_equal(agenda_resume(f.a), 0);
	assert_int_equal(agenda_remaining_ms(f.a), rem);
	fx_release(&f);
}

static void signals_and_speaker_timer(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	struct agenda_view v;
	assert_int_equal(agenda_start(f.a), 0);
	assert_int_equal(agenda_signal(f.a, "Please wrap up"), 0);
	agenda_view(f.a, &v);
	assert_string_equal(v.signal, "Please wrap up");
	assert_int_equal(v.signal_at, T0);
	assert_int_equal(agenda_signal(f.a, ""), -1);
	assert_int_equal(agenda_signal(f.a, "\xff\xfe"), -1);
	agenda_signal_clear(f.a);
	agenda_view(f.a, &v);
	assert_null(v.signal);
	assert_int_equal(agenda_speaker_start(f.a, 0), -1);
	assert_int_equal(agenda_speaker_start(f.a, 60), 0);
	clock_advance(&f.clk, 59 * SEC);
	agenda_view(f.a, &v);
	assert_true(v.speaker_active);
	assert_int_equal(v.speaker_remaining_ms, SEC);
	clock_advance(&f.clk, 2 * SEC);
	agenda_view(f.a, &v);
	assert_true(v.speaker_remaining_ms < 0); /* "Time's up" */
	agenda_speaker_stop(f.a);
	agenda_view(f.a, &v);
	assert_false(v.speaker_active);
	assert_int_equal(count(f.s, "SELECT count(*) FROM agenda_log WHERE what = 'signal'"), 2);
	assert_int_equal(count(f.s, "SELECT count(*) FROM outbox WHERE payload LIKE "
				    "'%\"value\":\"Please wrap up\"%'"), 1);
	fx_release(&f);
}

static void exports_actual_durations(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	assert_int_equal(agenda_start(f.a), 0);
	clock_advance(&f.clk, 5 * MIN + 30 * SEC); /* 30 s over */
	assert_int_equal(agenda_signal(f.a, "Please wrap up"), 0);
	assert_int_equal(agenda_signal(f.a, "=cmd"), 0);
	assert_int_equal(agenda_next(f.a), 0);
	clock_advance(&f.clk, 2 * MIN);
	assert_int_equal(agenda_pause(f.a), 0);
	clock_advance(&f.clk, 5 * MIN); /* not counted */
	assert_int_equal(agenda_resume(f.a), 0);
	assert_int_equal(agenda_adjust(f.a, MIN), 0);
	clock_advance(&f.clk, 10 * MIN);
	assert_int_equal(agenda_next(f.a), 0);
	clock_advance(&f.clk, 1 * MIN);
	assert_int_equal(agenda_signal(f.a, "=1+1"), 0); /* a spreadsheet must not run it */

	assert_int_equal(agenda_export_csv(f.s, &f.p, f.dir), 0);
	char path[1024];
	snprintf(path, sizeof(path), "%s/agenda.csv", f.dir);
	size_t len;
	char *csv = file_read(path, 1 << 20, &len);
	assert_non_null(csv);
	const char *want =
		"event,segment,title,planned_minutes,adjust_seconds,actual_start,actual_end,"
		"duration_seconds,overtime_seconds,signals\r\n"
		"ev-test,1,Welcome,5,0,2026-12-03T18:00:00Z,2026-12-03T18:05:30Z,330,30,"
		"Please wrap up | =cmd\r\n"
		"ev-test,2,\"Plan, \"\"to win\"\"\",15,60,2026-12-03T18:05:30Z,2026-12-03T18:22:30Z,"
		"720,0,\r\n"
		"ev-test,3,Teams,10,0,2026-12-03T18:22:30Z,,,,\"'=1+1\"\r\n";
	assert_string_equal(csv, want);
	free(csv);
	assert_int_equal(agenda_export_csv(f.s, &f.p, "/nonexistent/dir"), -1);
	assert_non_null(strstr(err_msg(), "agenda.csv"));
	fx_release(&f);
}

static void zero_segments_keeps_working(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	fx_close(&f);
	pack_release(&f.p);
	make_pack(&f.p);
	for (int i = 0; i < f.p.nsegments; i++) {
		free(f.p.segments[i].title);
		f.p.segments[i].title = NULL;
	}
	f.p.nsegments = 0;
	fx_open(&f);
	struct agenda_view v;
	agenda_view(f.a, &v);
	assert_int_equal(v.nsegments, 0);
	assert_string_equal(v.title, "");
	assert_int_equal(v.next, -1);
	assert_int_equal(agenda_start(f.a), -1);
	assert_non_null(strstr(err_msg(), "no segments"));
	assert_int_equal(agenda_next(f.a), -1);
	assert_int_equal(agenda_signal(f.a, "Please wrap up"), 0);
	fx_release(&f);
}

static int has_diag(const struct diags *d, enum diag_level lv, int line, const char *text)
{
	for (int i = 0; i < d->n; i++)
		if (d->items[i].level == lv && d->items[i].line == line &&
		    strstr(d->items[i].msg, text))
			return 1;
	return 0;
}

static void check_names_the_problems(void **state)
{
	(void)state;
	struct pack p;
	struct diags d;
	make_pack(&p);
	diags_init(&d);
	agenda_check(&p, &d);
	assert_int_equal(d.n, 0); /* 30 minutes in 30 */
	diags_release(&d);

	p.segments[2].minutes = 15; /* 35 minutes in 30 */
	p.segments[1].minutes = 700;
	diags_init(&d);
	agenda_check(&p, &d);
	assert_true(has_diag(&d, DIAG_ERROR, 14, "'Plan, \"to win\"' has 700 minutes"));
	diags_release(&d);
	p.segments[1].minutes = 15;
	diags_init(&d);
	agenda_check(&p, &d);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	assert_true(has_diag(&d, DIAG_WARNING, 10, "add up to 35 minutes, 5 minutes more"));
	diags_release(&d);

	p.ends_ms = 0; /* no fixed end: nothing to compare */
	diags_init(&d);
	agenda_check(&p, &d);
	assert_int_equal(d.n, 0);
	diags_release(&d);

	for (int i = 0; i < p.nsegments; i++) {
		free(p.segments[i].title);
		p.segments[i].title = NULL;
	}
	p.nsegments = 0;
	diags_init(&d);
	agenda_check(&p, &d);
	/* A check-in-only event needs no agenda: a warning, not an error. */
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	assert_true(has_diag(&d, DIAG_WARNING, 0, "no segments"));
	diags_release(&d);
	pack_release(&p);
}

/* ---- the one schedule model ---- */

/* One instant of the table: an operation (or none), then the three figures the facilitator
 * reads, in minutes: projected end after T0 (18:00), behind (> 0) the plan, late (> 0) against
 * the pack's end (18:30). */
enum op { OP_NONE, OP_START, OP_PAUSE, OP_RESUME, OP_PLUS, OP_MINUS, OP_NEXT };
struct instant {
	int64_t at;         /* ms after T0 */
	enum op op;
	enum agenda_phase phase;
	int end_min, behind_min, late_min;
};

static void schedule_agrees_at_every_instant(void **state)
{
	(void)state;
	/* Welcome 5, Plan 15, Teams 10: 30 min planned, 18:00-18:30. The clock starts 20 minutes
	 * before the meeting. */
	static const struct instant table[] = {
		/* before the start: it starts at 18:00 and ends at 18:30, not "30 min early" */
		{-20 * MIN, OP_NONE, AGENDA_NOT_STARTED, 30, 0, 0},
		{-1, OP_NONE, AGENDA_NOT_STARTED, 30, 0, 0},
		/* past the start time, not started: the end moves with the clock */
		{29 * SEC, OP_NONE, AGENDA_NOT_STARTED, 30, 0, 0},
		{30 * SEC, OP_NONE, AGENDA_NOT_STARTED, 31, 0, 1},
		{2 * MIN, OP_START, AGENDA_RUNNING, 32, 0, 2},
		/* in a segment: the end stands still */
		{3 * MIN, OP_NONE, AGENDA_RUNNING, 32, 0, 2},
		{3 * MIN, OP_PAUSE, AGENDA_PAUSED, 32, 0, 2},
		/* paused: 1:29 of pause is 1 min, 1:30 is 2 (rounded), and all three move together */
		{4 * MIN + 29 * SEC, OP_NONE, AGENDA_PAUSED, 33, 1, 3},
		{4 * MIN + 30 * SEC, OP_NONE, AGENDA_PAUSED, 34, 2, 4},
		{4 * MIN + 40 * SEC, OP_NONE, AGENDA_PAUSED, 34, 2, 4},
		/* resumed: the figures it showed a moment ago, not one more */
		{4 * MIN + 40 * SEC, OP_RESUME, AGENDA_RUNNING, 34, 2, 4},
		{6 * MIN, OP_NONE, AGENDA_RUNNING, 34, 2, 4},
		/* +1 min / -1 min move the end by a minute */
		{6 * MIN, OP_PLUS, AGENDA_RUNNING, 35, 3, 5},
		{6 * MIN, OP_MINUS, AGENDA_RUNNING, 34, 2, 4},
		{6 * MIN, OP_PLUS, AGENDA_RUNNING, 35, 3, 5},
		/* the segment (6 min, 1:40 paused) ends at 18:09:40, the end projected 18:34:40; in
		 * overtime it moves with the clock and reads 18:36 from 18:35:30 */
		{9 * MIN + 40 * SEC, OP_NONE, AGENDA_RUNNING, 35, 3, 5},
		{10 * MIN + 29 * SEC, OP_NONE, AGENDA_RUNNING, 35, 3, 5},
		{10 * MIN + 30 * SEC, OP_NONE, AGENDA_RUNNING, 36, 4, 6},
		/* -1 min in overtime: still over, the end as it was */
		{10 * MIN + 30 * SEC, OP_MINUS, AGENDA_RUNNING, 36, 4, 6},
		{10 * MIN + 30 * SEC, OP_NEXT, AGENDA_RUNNING, 36, 4, 6},
		{24 * MIN, OP_NEXT, AGENDA_RUNNING, 34, 2, 4},   /* Plan 1:30 short */
		/* after the end: when it ended */
		{40 * MIN, OP_NEXT, AGENDA_FINISHED, 40, 8, 10},
		{90 * MIN, OP_NONE, AGENDA_FINISHED, 40, 8, 10},
	};
	struct fixture f;
	f.dir = tu_tempdir();
	clock_init_fake(&f.clk, T0 - 20 * MIN);
	make_pack(&f.p);
	fx_open(&f);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct instant *t = &table[i];
		int64_t now = clock_now(&f.clk);
		assert_true(T0 + t->at >= now);
		clock_advance(&f.clk, T0 + t->at - now);
		int rc = 0;
		switch (t->op) {
		case OP_NONE: break;
		case OP_START: rc = agenda_start(f.a); break;
		case OP_PAUSE: rc = agenda_pause(f.a); break;
		case OP_RESUME: rc = agenda_resume(f.a); break;
		case OP_PLUS: rc = agenda_adjust(f.a, MIN); break;
		case OP_MINUS: rc = agenda_adjust(f.a, -MIN); break;
		case OP_NEXT: rc = agenda_next(f.a); break;
		}
		assert_int_equal(rc, 0);
		struct agenda_view v;
		agenda_view(f.a, &v);
		struct agenda_schedule sc;
		agenda_schedule_at(f.a, v.now, &sc);
		print_message("# row %zu: %+lld s: end %+lld min, behind %d, late %d\n", i,
			      (long long)(t->at / SEC), (long long)((sc.projected_end_ms - T0) / MIN),
			      sc.behind_min, sc.late_min);
		assert_int_equal(v.phase, t->phase);
		/* What the screen shows (the view) and the model say the same... */
		assert_int_equal(v.projected_end_ms, T0 + t->end_min * MIN);
		assert_int_equal(v.schedule_ms, -t->behind_min * MIN);
		assert_int_equal(v.end_margin_ms, -t->late_min * MIN);
		assert_int_equal(sc.projected_end_ms, T0 + t->end_min * MIN);
		assert_int_equal(sc.behind_min, t->behind_min);
		assert_int_equal(sc.late_min, t->late_min);
		/* ...and late = shown end - 18:30, in whole minutes of the shown time. */
		assert_int_equal(v.projected_end_ms % MIN, 0);
		assert_int_equal(sc.late_min, (int)((sc.projected_end_ms - f.p.ends_ms) / MIN));
		/* The figures hold until changes_at, and change there (a screen redraws then). */
		if (sc.changes_at) {
			assert_true(sc.changes_at > v.now);
			struct agenda_schedule b, c;
			agenda_schedule_at(f.a, sc.changes_at - 1, &b);
			agenda_schedule_at(f.a, sc.changes_at, &c);
			assert_int_equal(b.projected_end_ms, sc.projected_end_ms);
			assert_int_equal(b.behind_min, sc.behind_min);
			assert_true(c.projected_end_ms != sc.projected_end_ms || c.started != sc.started ||
				    v.phase == AGENDA_NOT_STARTED);
		}
	}
	/* Before the start the view says when it starts. */
	fx_release(&f);
}

static void times_up_clears_by_itself(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	struct agenda_view v;
	assert_int_equal(agenda_start(f.a), 0);
	assert_int_equal(agenda_speaker_start(f.a, 60), 0);
	clock_advance(&f.clk, 60 * SEC);
	agenda_view(f.a, &v);
	assert_true(v.speaker_active);
	assert_int_equal(v.speaker_remaining_ms, 0);
	assert_int_equal(v.speaker_clears_at, clock_now(&f.clk) + 10 * SEC); /* the default */
	clock_advance(&f.clk, 10 * SEC - 1);
	agenda_view(f.a, &v);
	assert_true(v.speaker_active);
	clock_advance(&f.clk, 1);
	agenda_view(f.a, &v);
	assert_false(v.speaker_active);
	/* The pack's times_up_seconds. */
	f.p.times_up_seconds = 3;
	assert_int_equal(agenda_speaker_start(f.a, 5), 0);
	clock_advance(&f.clk, 7 * SEC);
	agenda_view(f.a, &v);
	assert_true(v.speaker_active);
	clock_advance(&f.clk, 1 * SEC);
	agenda_view(f.a, &v);
	assert_false(v.speaker_active);
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walks_every_segment_through_every_state),
		cmocka_unit_test(pause_resume_and_adjust),
		cmocka_unit_test(back_continues_the_previous_segment),
		cmocka_unit_test(restart_mid_meeting_resumes_exactly),
		cmocka_unit_test(signals_and_speaker_timer),
		cmocka_unit_test(clock_set_mid_meeting_keeps_the_timers),
		cmocka_unit_test(exports_actual_durations),
		cmocka_unit_test(zero_segments_keeps_working),
		cmocka_unit_test(check_names_the_problems),
		cmocka_unit_test(schedule_agrees_at_every_instant),
		cmocka_unit_test(times_up_clears_by_itself),
	};
	return RUN_TESTS(tests);
}
