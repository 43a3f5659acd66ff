/* The agenda: the meeting timer, the facilitator's operations on it, and the meeting log.
 *
 * Time is never counted by ticking: the remaining time of a segment is computed from the clock and
 * the stored start time, so a restart of the kiosk resumes exactly where the meeting is. The state
 * lives in one agenda_state row per event (segment, running, started_at, paused_at, adjust_ms) and
 * is loaded once by agenda_open() into struct agenda; the queries below read only that struct and
 * the clock (no SQL per frame). Each operation writes, in ONE store transaction, the new state,
 * its agenda_log rows (what = start, end, pause, resume, adjust, signal) and one outbox "agenda"
 * record per log row; the in-memory state changes only when the transaction committed.
 *
 * Segments are numbered from 0 (pack order). A meeting is NOT STARTED (segment 0 shown, timer
 * full), RUNNING, PAUSED (timer frozen), or FINISHED (after "next" on the last segment).
 *
 * Meaning of the stored columns: started_at is the *effective* start of the current segment (moved
 * forward by the length of each pause, so elapsed = now - started_at excludes pauses); paused_at is
 * set while paused; adjust_ms is the +/- minutes added to the current segment's planned length;
 * segment == number of segments means finished, started_at then holds the finish time.
 *
 * Log values: "end" has {"elapsed_ms":N,"planned_ms":N} (planned includes adjustments), "adjust"
 * the signed delta in ms, "resume" the paused ms, "signal" the message shown, "start" NULL, or
 * "continued" when the segment had run before (after agenda_back(), or "next" after a "back"): it
 * then continues with the elapsed time and adjustments it had when it last ended.
 *
 * Ownership: struct agenda borrows the store, the clock and the pack; they must outlive it.
 * agenda_close() frees the struct only. Used from the UI thread only. */
#ifndef BARNSTORM_AGENDA_H
#define BARNSTORM_AGENDA_H

#include <stdint.h>

struct store;
struct clock;
struct pack;
struct diags;

#define AGENDA_DEFAULT_WARN_SECONDS 120
#define AGENDA_DEFAULT_DANGER_SECONDS 30
#define AGENDA_SIGNAL_MAX 256 /* bytes of a signal message, NUL included */

enum agenda_phase { AGENDA_NOT_STARTED, AGENDA_RUNNING, AGENDA_PAUSED, AGENDA_FINISHED };

/* The colour of the countdown. WARNING when remaining <= warn seconds, DANGER when remaining
 * <= danger seconds, OVERTIME when remaining < 0. NORMAL before the start and after the end. */
enum agenda_level { AGENDA_NORMAL, AGENDA_WARNING, AGENDA_DANGER, AGENDA_OVERTIME };

struct agenda;

/* Everything the facilitator and audience screens show, computed at one instant. The strings
 * point into the pack or the agenda and stay valid until the next operation or agenda_close(). */
struct agenda_view {
	int64_t now;
	enum agenda_phase phase;
	enum agenda_level level;
	int nsegments;
	int segment;              /* current index; nsegments when finished */
	const char *title;        /* current segment's title; "" when finished or no segments */
	const char *note;         /* NULL if none */
	int slide_first, slide_last; /* current segment's slide range (1-based), 0 if none */
	int64_t planned_ms;       /* minutes * 60000 + adjust_ms */
	int64_t adjust_ms;
	int64_t elapsed_ms;       /* in this segment, pauses excluded */
	int64_t remaining_ms;     /* planned - elapsed; negative = overtime */
	int next;                 /* index of the next segment, -1 if none */
	const char *next_title;   /* NULL if none */
	int next_minutes;
	int64_t meeting_started_at; /* actual start of the meeting, 0 before */
	/* The schedule, all from agenda_schedule_at() at `now` (whole minutes, so they agree). */
	int64_t starts_ms;        /* when the meeting starts or started (see struct agenda_schedule) */
	int64_t schedule_ms;      /* > 0 ahead of, < 0 behind the plan counted from the start */
	int64_t projected_end_ms; /* when the meeting will end at this pace, to the minute */
	int64_t ends_ms;          /* the pack's fixed end time, 0 if none */
	int64_t end_margin_ms;    /* ends_ms - projected_end_ms (> 0 early, < 0 late); 0 if no end */
	int64_t schedule_changes_at; /* the next instant one of these figures changes, 0 = not by
				      * itself: redraw then */
	const char *signal;       /* the message on the audience view, NULL if none */
	int64_t signal_at;
	int speaker_active;       /* a speaker timer runs, or ran out less than the pack's
				   * times_up_seconds ago and was not stopped */
	int64_t speaker_remaining_ms; /* negative once "Time's up" */
	int64_t speaker_clears_at; /* when "Time's up" goes by itself (clock ms); 0 if no timer */
};

/* The one schedule model: every figure the screens show about where the meeting stands comes
 * from here, so "Projected end 20:31 (1 min late)" and "1 min behind" never disagree, whatever
 * the phase or the instant.
 *
 *   start     = the actual start once started; before it, the pack's start time, or now if that
 *               has passed (or the pack has none): the meeting can start no earlier than now.
 *   raw end   = before the start: start + the planned total; running or paused: now + what is
 *               left of the current segment (0 in overtime) + the planned minutes after it;
 *               finished: when it finished.
 *   projected = raw end cut to the whole minute, as a clock shows it (20:30:40 reads 20:30).
 *   behind    = projected - (start + planned total) cut to the minute, in whole minutes.
 *   late      = projected - the pack's end, in whole minutes (0 without an end).
 *
 * Adjustments (+1/-1 min) count as behind/ahead: they move the end. changes_at is the first
 * instant after `now` at which the figures change by themselves: raw end + 30 s reaching the
 * next whole minute while raw moves with the clock (paused, in overtime, not started after the
 * pack's start time), counted from when it starts moving (overtime, the pack's start) if it
 * stands still now; a screen redraws then. */
struct agenda_schedule {
	int started;
	int64_t start_ms;
	int64_t projected_end_ms;
	int behind_min;           /* > 0 behind, < 0 ahead */
	int late_min;             /* > 0 late, < 0 early; 0 when the pack has no end time */
	int has_end;
	int64_t changes_at;
};
void agenda_schedule_at(const struct agenda *a, int64_t now, struct agenda_schedule *s);

/* Loads the agenda of pack p (event p->event_id) from the store; a new event starts NOT STARTED.
 * NULL with err_msg() when the store cannot be read. */
struct agenda *agenda_open(struct store *s, const struct clock *c, const struct pack *p);
void agenda_close(struct agenda *a);

/* Operations. Each returns 0, or -1 with err_msg() saying why (e.g. "the meeting has not started",
 * or a store error), in which case nothing changed. */
int agenda_start(struct agenda *a);   /* NOT STARTED -> RUNNING at segment 0 */
int agenda_pause(struct agenda *a);   /* RUNNING -> PAUSED */
int agenda_resume(struct agenda *a);  /* PAUSED -> RUNNING; the pause does not count */
/* Ends the current segment and starts the next one (running, even if paused); on the last
 * segment it finishes the meeting. Before the start it is the same as agenda_start(). */
int agenda_next(struct agenda *a);
/* Ends the current segment and resumes the previous one where it ended (its elapsed time and
 * adjustments restored), e.g. after "next" by mistake. After the end it reopens the last one. */
int agenda_back(struct agenda *a);
/* Adds delta_ms (e.g. +60000 / -60000) to the current segment's planned length; the planned
 * length cannot go below 0. Only while RUNNING or PAUSED. */
int agenda_adjust(struct agenda *a, int64_t delta_ms);
/* Shows message on the audience view ("Please wrap up", "Let's take this offline - thank you!",
 * a pack [signal] text; already translated) and logs it. Replaces any message shown. */
int agenda_signal(struct agenda *a, const char *message);
/* Hides the message (not logged). */
void agenda_signal_clear(struct agenda *a);
/* Starts a speaker timer of `seconds` (1..3600), logged as a signal "Speaker timer N s". When it
 * runs out the view's speaker_remaining_ms goes negative: show "Time's up". */
int agenda_speaker_start(struct agenda *a, int seconds);
void agenda_speaker_stop(struct agenda *a);
/* The wall clock was set delta_ms forward (or back) while the meeting ran, e.g. when a Pi that
 * started without network gets the network time: the stored start times move with it so the
 * remaining time, the speaker timer and the projected end stay as they were. Logged as "clock"
 * with the delta in ms (and uploaded like the other log rows). Nothing to do before the start or
 * after the finish. */
int agenda_clock_moved(struct agenda *a, int64_t delta_ms);

/* The whole view at clock_now(). Cheap: no SQL, no allocation. */
void agenda_view(const struct agenda *a, struct agenda_view *v);

/* Single queries, each at clock_now(), for callers that need just one figure. */
enum agenda_phase agenda_phase(const struct agenda *a);
int agenda_segment(const struct agenda *a);         /* nsegments when finished */
int agenda_next_segment(const struct agenda *a);    /* -1 if none */
int64_t agenda_remaining_ms(const struct agenda *a);
int64_t agenda_elapsed_ms(const struct agenda *a);
enum agenda_level agenda_level(const struct agenda *a);
int64_t agenda_schedule_ms(const struct agenda *a);
int64_t agenda_projected_end_ms(const struct agenda *a);

/* Writes DIR/agenda.csv (UTF-8, RFC 4180: comma, CRLF, quoted when needed, atomically) with one
 * row per segment of the meeting log of p->event_id: event, segment (1-based), title,
 * planned_minutes, adjust_minutes, actual_start, actual_end (ISO 8601 UTC, empty if never
 * started/ended), duration_seconds (pauses excluded), overtime_seconds, signals (the messages shown
 * during the segment, separated by " | "). Needs no struct agenda. 0, or -1 with err_msg(). */
int agenda_export_csv(struct store *s, const struct pack *p, const char *dir);

/* `barnstorm check`: 0 segments (error), a segment's minutes outside 1..600 (error naming the
 * [segment] line), segments adding up to more than the meeting (warning saying by how much).
 * (pack_load() already checks [agenda] warn/danger.) */
void agenda_check(const struct pack *p, struct diags *d);

#endif
