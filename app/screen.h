/* The contract between the loop (kiosk.c) and the screens (app/screens/): the screens' names, and
 * the two tables the loop dispatches through. The loop includes this header and never a screen's;
 * the screens include kiosk.h for the state they read. The tables live in screens/table.c.
 *
 * A feature (check-in, meeting, sign-up, results) is a group of screens with state of its own:
 * open() allocates it once the event core is open (struct kiosk holds an opaque pointer), close()
 * frees it, clock_moved() shifts the wall-clock stamps it keeps when the clock is set. */
#ifndef BARNSTORM_SCREEN_H
#define BARNSTORM_SCREEN_H

#include <stdint.h>

struct kiosk;
struct ui;

enum screen {
	SCREEN_ERROR,      /* the pack is broken or the store cannot be opened */
	SCREEN_IDLE,       /* event, "Check in", language switch */
	SCREEN_PIN,        /* PIN pad in front of the organizer screens */
	SCREEN_ORGANIZER,  /* the organizer menu */
	SCREEN_SEARCH,     /* check-in: search as you type (screens/checkin.c) */
	SCREEN_CONFIRM,    /* check-in: "Is this you?" */
	SCREEN_WELCOME,    /* check-in: welcome, back to idle after a few seconds */
	SCREEN_WALKIN,     /* check-in: the walk-in form with consent */
	SCREEN_CHECKINS,   /* organizer: counts and the list of check-ins with undo */
	SCREEN_FACILITATOR,/* meeting: the facilitator's timer (screens/meeting.c) */
	SCREEN_AUDIENCE,   /* meeting: the audience view, full screen on this display */
	SCREEN_SIGNUP,     /* sign-up: the commit flow (screens/signup.c) */
	SCREEN_BOARD,      /* sign-up: the live board of teams and targets */
	SCREEN_RESULTS,    /* results: upload status and export (screens/results.c) */
	SCREEN_STATION,    /* organizer: this station's role and name (screens/station.c) */
	SCREEN_STATIONS,   /* organizer: the room's other stations and the exchange with them */
	SCREEN_COUNT
};

/* What happens to a screen nobody touches. */
enum screen_stay {
	SCREEN_STAYS,      /* meant to run unattended (idle, welcome, timer, audience, board) */
	SCREEN_ATTENDEE,   /* back to idle after KIOSK_ATTENDEE_IDLE_MS */
	SCREEN_ORGANIZER_LOCK, /* locks (back to idle) after KIOSK_ORGANIZER_IDLE_MS */
};

struct screen_def {
	const char *name;               /* for logs and the script runner */
	void (*ui)(struct kiosk *k);    /* every frame: reads the state, declares widgets, acts */
	enum screen_stay stay;
	int scans;                      /* a barcode scan here is a check-in (the door's screens) */
};

struct feature_def {
	const char *name;
	void (*open)(struct kiosk *k);
	void (*close)(struct kiosk *k);
	void (*clock_moved)(struct kiosk *k, int64_t delta_ms); /* may be NULL */
	void (*forget)(struct kiosk *k); /* back to idle: wipe what an attendee typed; may be NULL */
	void (*scan)(struct kiosk *k, const char *code); /* a scanner's code; may be NULL */
};

extern const struct screen_def SCREEN_DEFS[SCREEN_COUNT];
/* NULL-terminated, in the order they open (closed in reverse). */
extern const struct feature_def *const FEATURE_DEFS[];
/* Draws the audience view into a second display's frame (the meeting feature). */
void screens_projector(struct kiosk *k, struct ui *ui);

#endif
