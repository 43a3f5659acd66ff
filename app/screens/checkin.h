/* Check-in at the door: search as you type, "Is this you?", the welcome, the walk-in form with
 * consent, the barcode scanner, and the organizer's list of check-ins with counts and undo.
 *
 * The domain work is people.h (search, check-in, walk-ins) and roster.h (the pack's roster.csv);
 * these screens only show it. Durability: every check-in and registration is committed by
 * people_checkin()/people_walkin() before the screen moves to the welcome, so a welcome that was
 * drawn is always in the database.
 *
 * No SQL per frame: the search runs when the query changes, the organizer's counts and page of
 * check-ins are read when the screen is entered and after each action. All state is fixed-size
 * and lives in struct checkin_ui, allocated by checkin_open() (struct kiosk points to it). */
#ifndef BARNSTORM_SCREENS_CHECKIN_H
#define BARNSTORM_SCREENS_CHECKIN_H

#include <stdint.h>

#include "people.h"
#include "ui.h"

struct kiosk;

#define CHECKIN_QUERY_MAX 96      /* bytes of a typed search */
#define CHECKIN_PAGE_MAX 24       /* organizer rows read at once (one screen page) */
#define CHECKIN_MSG_MAX 320

/* What the welcome screen says. */
enum checkin_welcome {
	CHECKIN_WELCOME_OK,       /* checked in now */
	CHECKIN_WELCOME_NEW,      /* a walk-in checked in for the first time */
	CHECKIN_WELCOME_ALREADY,  /* was already checked in: kind message, nothing written */
	CHECKIN_WELCOME_UNKNOWN,  /* a scanned code that is not in the roster */
	CHECKIN_WELCOME_FAILED    /* the database refused: ask an organizer */
};

/* Walk-in form fields, in focus order. */
enum checkin_field {
	CHECKIN_FIRST, CHECKIN_LAST, CHECKIN_EMAIL, CHECKIN_PHONE, CHECKIN_POSTCODE,
	CHECKIN_NFIELDS
};

/* The feature's UI state, kept in struct kiosk. */
struct checkin_ui {
	int opened;
	char roster_line[CHECKIN_MSG_MAX];  /* the last roster import, for the organizer view */
	int roster_problem;                 /* 1: the line reports rejected rows or a failure */
	uint64_t roster_seen;               /* event_version(EVENT_IMPORT) of roster_line */
	uint64_t people_seen;               /* event_version(PEOPLE, CHECKINS) of the results */

	/* search */
	int64_t search_since;               /* kiosk screen_since when the state was last reset */
	char query[CHECKIN_QUERY_MAX];
	char searched[CHECKIN_QUERY_MAX];   /* the query results[] answer */
	int searched_valid;
	struct people_result results[PEOPLE_SEARCH_MAX];
	int nresults;
	int short_query;                    /* fewer than 2 letters typed */
	int search_failed;                  /* the store failed: say so, not "no one found" */
	int result_scroll;
	int tapped;                         /* row tapped in this frame's list, or -1 */
	struct ui_keyboard kb;

	/* confirm and welcome */
	struct people_result chosen;
	enum checkin_welcome welcome;
	char welcome_name[PEOPLE_NAME_MAX];
	char scanned[64];                   /* the unknown code, shown back */
	char scan_in[64];                   /* a scanner's burst typed during the welcome */

	/* walk-in */
	int64_t walkin_since;
	char field[CHECKIN_NFIELDS][PEOPLE_NAME_MAX];
	int focus;
	int step;                           /* 0: details, 1: consent */
	int consent;
	int show_errors;                    /* after the first "Next": messages update as typed */
	struct people_walkin_errors errors;

	/* organizer view */
	int64_t org_since;
	struct people_counts counts;
	struct people_checkin_row page[CHECKIN_PAGE_MAX];
	int page_offset, npage;
	int list_scroll;
	int64_t undo_id;                    /* check-in waiting for the undo confirmation; 0: none */
	char undo_name[PEOPLE_NAME_MAX + 16];
	int org_searching;                  /* 1: the "find someone" mode with the keyboard */
	int org_report;                     /* 1: the roster report is open */
	char report[8192];                  /* its text (IMPORTER_REPORT_MAX) */
	int report_line[256];               /* where each line starts */
	int nreport_lines, report_scroll;
	char org_msg[CHECKIN_MSG_MAX];
	int org_msg_bad;
};

/* Called when the kiosk has loaded a usable pack and store, and before they are released. The
 * roster import belongs to the event core (core/import.h); the organizer view tells its state. */
void checkin_open(struct kiosk *k);
void checkin_close(struct kiosk *k);
void checkin_clock_moved(struct kiosk *k, int64_t delta_ms);
/* Wipes the search and the walk-in form (the attendee left, or the kiosk went back to idle). */
void checkin_forget(struct kiosk *k);
/* The idle screen's "Check in": starts a new attendee's search. */
void checkin_begin(struct kiosk *k);
/* A code from a barcode scanner (or the script's scan "CODE") on the idle screen: looks it up
 * as an RSVP/external id and checks that person in, with the same welcome. */
void checkin_scan(struct kiosk *k, const char *code);
void screen_search(struct kiosk *k);
void screen_confirm(struct kiosk *k);
void screen_welcome(struct kiosk *k);
void screen_walkin(struct kiosk *k);
void screen_checkins(struct kiosk *k);

#endif
