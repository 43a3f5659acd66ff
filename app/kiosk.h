/* The kiosk: one state, one loop, many small screens. kiosk_init() loads the pack and the catalogs
 * and opens the event core (core/event.h: the store and every background worker); kiosk_event()
 * turns a display event into UI input; kiosk_frame() calls the current screen's function, which
 * reads the state and declares its widgets, then draws. The loop (cmd_run) blocks in
 * display_wait() and draws only when something changed: input, a time the screen asked to be
 * woken at, or a change the event core announced (a commit, a worker's status).
 *
 * Screens live in app/screens/ and are dispatched through the tables of screen.h; this header
 * includes none of them. A screen moves to another with kiosk_go(); it asks for a redraw at a
 * later time with kiosk_wake_at(). */
#ifndef BARNSTORM_KIOSK_H
#define BARNSTORM_KIOSK_H

#include <stdint.h>

#include "clock.h"
#include "i18n.h"
#include "pack.h"
#include "screen.h"
#include "ui.h"

struct display;
struct display_event;
struct event;
struct render;
struct store;
struct checkin_ui;
struct meeting_ui;
struct signup_ui;
struct results_ui;
struct station_ui;

#define KIOSK_PIN_MAX 13
/* An attendee who walks away from the search or the form: back to the idle screen. */
#define KIOSK_ATTENDEE_IDLE_MS 90000
/* The organizer screens lock themselves when nobody touches them. */
#define KIOSK_ORGANIZER_IDLE_MS (10 * 60000)
/* A barcode scanner: characters at most this far apart, at least KIOSK_SCAN_MIN of them, ended
 * by Enter. A person's typing reaches the screen this much later. */
#define KIOSK_SCAN_GAP_MS 35
#define KIOSK_SCAN_MIN 4
/* The last part of KIOSK_ATTENDEE_IDLE_MS, in which the screen asks "Still there?". */
#define KIOSK_STILL_THERE_MS 20000
#define KIOSK_ERROR_LINES 12

/* The longest PIN lockout (it doubles from 30 s after three wrong PINs up to this). */
#define PIN_LOCK_MAX_MS (15 * 60 * 1000)

struct kiosk_pin {
	char entered[KIOSK_PIN_MAX];
	int fails;              /* wrong PINs in a row, kept in the store across restarts */
	int64_t locked_until;   /* clock ms; 0 when not locked */
	enum screen then;       /* where a right PIN leads */
	int wrong;              /* the last attempt was wrong: say so */
};

struct kiosk {
	struct pack pack;
	struct diags diags;
	int pack_ok;
	int store_full;         /* the store could not open because its disk is full (error screen) */
	struct event *event;    /* the event core: store, agenda, slides, workers; NULL on the error
				 * screen */
	struct store *store;    /* event_store(event), for the screens' domain calls; borrowed */
	_Atomic int changed;    /* the event core announced a change (set on any thread) */
	char data_dir[1024];
	struct clock clock;
	struct i18n *i18n;
	int lang;               /* index into the pack's languages */
	int default_lang;

	struct ui ui;
	struct render *render;
	struct display *display;
	/* The audience view on a second display (a projector), when there is one. */
	struct ui *ui2;
	struct render *render2;
	struct display *display2;

	enum screen screen;
	int64_t screen_since;   /* clock ms when the screen was entered */
	int64_t wake_at;        /* clock ms of the next timed redraw; 0: none */
	int dirty;              /* draw a frame */
	int skip_render;        /* scripts: declare frames (state, timers) without drawing them */
	int quit;

	struct kiosk_pin pin;
	char error_title[256];
	char error_lines[KIOSK_ERROR_LINES][512];
	int nerror_lines;
	int frames;             /* frames drawn, for the benchmark */
	int64_t last_input;     /* clock ms of the last tap or key, for the attendee timeout */
	char held[512];         /* typed text not handed to the screen yet: a scanner's burst
				 * ends in Enter within KIOSK_SCAN_GAP_MS (a ticket's link is long) */
	int held_chars;
	int64_t held_last;      /* clock_mono ms of its last character */
	int64_t clock_offset;   /* wall minus monotonic clock at the last step, to see the wall
				 * clock being set (kiosk_clock_moved) */
	int clock_watched;      /* clock_offset is set */
	/* Feature state, allocated and freed by each feature (screen.h's FEATURE_DEFS). */
	struct checkin_ui *checkin;
	struct meeting_ui *meeting;
	struct signup_ui *signup;
	struct results_ui *results;
	struct station_ui *station;
	int features_open;
	int fake_clock;         /* scripts: workers' waits follow the fake clock */

	char pack_dir[1024];
	char opt_lang[8];
};

/* Translates a UI string into the kiosk's current language. */
#define tr(k, s) i18n_get((k)->i18n, (k)->lang, (s))
#define trn(k, s, p, n) i18n_nget((k)->i18n, (k)->lang, (s), (p), (n))

struct kiosk_opts {
	const char *pack_dir;
	const char *data_dir;
	const char *lang;       /* NULL: the pack's first language */
	int fake_clock;         /* scripts and tests: a clock that moves only when told */
	int64_t fake_start_ms;  /* 0: 30 minutes before the event starts */
};

/* Loads everything the screens need. Never fails: a broken pack or store leads to the error
 * screen, so the kiosk at the door never just exits. Release with kiosk_release(). */
void kiosk_init(struct kiosk *k, const struct kiosk_opts *o);
void kiosk_release(struct kiosk *k);
/* Attaches the display and renderer (both owned by the caller). */
void kiosk_attach(struct kiosk *k, struct display *d, struct render *r);
/* Attaches a second display for the audience view (owned by the caller; kiosk_release() frees
 * only the UI state it allocates for it). */
void kiosk_attach_audience(struct kiosk *k, struct display *d, struct render *r);

/* Feeds one display event; marks the kiosk dirty when it matters. */
void kiosk_event(struct kiosk *k, const struct display_event *ev);
/* Hands held-back typed text to the screen now, as typing (the script runner's `type`). */
void kiosk_typed(struct kiosk *k);
/* Draws one frame (and a second one if a tap changed the state). */
void kiosk_frame(struct kiosk *k);
/* One turn of the loop: waits for input, a timed redraw or max_wait_ms, whichever comes first,
 * and draws if anything changed. Needs an attached display. */
void kiosk_step(struct kiosk *k, int max_wait_ms);
/* Milliseconds until the next timed redraw, or -1 for none. */
int kiosk_timeout(const struct kiosk *k);

void kiosk_go(struct kiosk *k, enum screen s);
/* The wall clock was set delta_ms forward or back (network time arrived): timers that count
 * from a stored wall time (screen timeouts, timed redraws, the PIN lockout, the meeting timer)
 * move with it. kiosk_step() calls it when it sees the jump; tests call it through clock_jump. */
void kiosk_clock_moved(struct kiosk *k, int64_t delta_ms);
/* Compares the wall clock with the monotonic one and calls kiosk_clock_moved() on a jump of more
 * than CLOCK_JUMP_MS. Called by kiosk_step() and the script runner. */
void kiosk_watch_clock(struct kiosk *k);
void kiosk_wake_at(struct kiosk *k, int64_t ms);
/* Opens the PIN pad, leading to `then` when the PIN is right. */
void kiosk_require_pin(struct kiosk *k, enum screen then);
/* Switches the UI language (an index into the pack's languages). */
void kiosk_set_lang(struct kiosk *k, int lang);
/* Back to the idle screen in the event's default language (after an attendee is done). */
void kiosk_reset_to_idle(struct kiosk *k);
/* Loads the pack and store again (the error screen's "Try again"). */
void kiosk_reload(struct kiosk *k);
/* Shows the error screen with a title and lines (e.g. the pack's diagnostics). */
void kiosk_fail(struct kiosk *k, const char *title);

#endif
