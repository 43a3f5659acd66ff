/* Sign-up: the commit flow (SCREEN_SIGNUP, signup.c) and the live board (SCREEN_BOARD, board.c).
 *
 * The commit flow, one step at a time on one screen: find a checked-in person (search as at the
 * door, on-screen keyboard) -> the person's commitments (when they have any: Edit, Cancel, Add)
 * -> role -> team (suggested from the postcode, changeable) -> the details the role asks for
 * (day, time, place, text) -> confirm. "Confirm" writes the commitment with teams_commit_add()
 * (or _edit) -- in the store, in the outbox and, with a printer, as a print job -- and only then
 * shows the confirmation: the first name, the commitment in words, the team link's QR code drawn
 * on screen (from qr.h into an ARGB image owned here) and the slip's print status with "Retry".
 *
 * It is reached from the organizer menu (behind the PIN). When the pack says [signup]
 * self_service = yes, signup_begin_self_service() opens it for attendees without the PIN: then
 * existing commitments can be seen but not edited or cancelled, "Done" and inactivity lead back
 * to the idle screen.
 *
 * The board is meant for the projector during the sign-up segment: every team with its leads,
 * hosts and members, and bars for the room's leaders and hosts against the targets. It reads the
 * store when entered and whenever the event core says commitments, check-ins or people changed
 * (event_version); with more teams than fit it turns pages every BOARD_PAGE_MS.
 *
 * The print queue belongs to the event core (core/event.h); the confirmation reads its job with
 * printq_job_of() again when the core says printing changed.
 *
 * Memory: struct signup_ui (fixed arrays) and the board (struct board, about 250 KB) are allocated
 * by signup_open() and freed by signup_close(). Nothing is allocated per frame. */
#ifndef BARNSTORM_SCREENS_SIGNUP_H
#define BARNSTORM_SCREENS_SIGNUP_H

#include <stdint.h>

#include "people.h"
#include "printq.h"
#include "qr.h"
#include "teams.h"
#include "ui.h"

struct kiosk;

#define SIGNUP_QUERY_MAX 128
#define SIGNUP_LIST_MAX 16                    /* a person's commitments listed */
#define SIGNUP_QR_MAX (177 + 2 * QR_QUIET)    /* modules per side of the largest symbol */
#define SIGNUP_ATTENDEE_IDLE_MS 90000         /* self-service: back to idle when left alone */
#define BOARD_PAGE_MS 10000

enum signup_step {
	SIGNUP_FIND,     /* search for a checked-in person */
	SIGNUP_PERSON,   /* the person's commitments: Edit, Cancel, Add */
	SIGNUP_ROLE,
	SIGNUP_TEAM,
	SIGNUP_DETAILS,
	SIGNUP_CONFIRM,
	SIGNUP_DONE      /* the confirmation with the QR code and the print status */
};

enum signup_field { SIGNUP_FIELD_NONE, SIGNUP_FIELD_TIME, SIGNUP_FIELD_PLACE, SIGNUP_FIELD_TEXT };

/* What the confirmation can show of the team's link. */
enum signup_link {
	SIGNUP_LINK_NONE,     /* no team, or the team has no template */
	SIGNUP_LINK_QR,       /* encoded: qr_img is valid */
	SIGNUP_LINK_TEXT,     /* too long for a QR code (on screen): shown as text */
	SIGNUP_LINK_BROKEN    /* the template does not expand (unknown placeholder, longer than
				 TEAMS_LINK_MAX): link_error says so */
};

/* The feature's UI state, kept in struct kiosk. */
struct signup_ui {
	int opened;

	/* the flow */
	enum signup_step step;
	int self_service;             /* this visit came through signup_begin_self_service() */
	int self_pending;             /* set by signup_begin_self_service() for the next entry */
	int last_frame;               /* k->frames when the screen last ran: detects a new visit */
	char error[512];              /* shown on the current step; "" for none */

	char query[SIGNUP_QUERY_MAX];
	char searched[SIGNUP_QUERY_MAX]; /* the query results[] answer */
	struct ui_keyboard kb;
	struct people_result found[PEOPLE_SEARCH_MAX];   /* the search's answer, in its order */
	struct people_result results[PEOPLE_SEARCH_MAX]; /* the same, checked-in people first */
	int nresults, results_scroll, tapped_row;

	struct people_result person;  /* the person signing up */
	struct commitment list[SIGNUP_LIST_MAX]; /* their active commitments */
	int nlist, list_total, list_scroll;
	int64_t tapped_edit, tapped_cancel; /* set by the list rows this frame */
	int64_t cancel_id;            /* the cancel dialog is open for this commitment; 0 none */

	int64_t edit_id;              /* changing this commitment; 0 for a new one */
	int role, team;               /* choices: indexes into the pack; team -1 = no team */
	int suggested;                /* teams_suggest_person(); -1 none */
	int has_postcode;
	int role_page, team_page;
	struct commit_details d;
	char time_typed[8];
	enum signup_field focus;

	/* the confirmation */
	struct commitment done;       /* as stored */
	int64_t done_job;             /* its latest print job; 0 none */
	char job_state[12];           /* "queued", "printed", "failed"; "" none */
	char job_error[256];
	struct printq_status seen;    /* the printer's status when job_state was read */
	uint64_t job_seen;            /* event_version(EVENT_PRINT) when job_state was read */
	enum signup_link link_state;
	char link[TEAMS_LINK_MAX];
	char link_error[512];         /* SIGNUP_LINK_BROKEN: the sentence to show */
	int qr_size;                  /* modules per side, quiet zone included */
	uint32_t qr_px[SIGNUP_QR_MAX * SIGNUP_QR_MAX]; /* ARGB, one pixel per module */
	struct ui_image qr_img;

	/* the board */
	struct board *board;          /* owned */
	int board_ok;
	char board_error[256];
	uint64_t board_seen;          /* event_version() of what the board shows */
	int board_last_frame;
	int board_page;
	int64_t board_page_at;
};

/* Called when the kiosk has loaded a usable pack and store, and before they are released. */
void signup_open(struct kiosk *k);
void signup_close(struct kiosk *k);
void signup_clock_moved(struct kiosk *k, int64_t delta_ms);
/* For a "Sign up" button on the idle screen: opens the flow for attendees without the PIN when
 * the pack allows self-service, else asks for the PIN first. */
void signup_begin_self_service(struct kiosk *k);
void screen_signup(struct kiosk *k);
void screen_board(struct kiosk *k);

#endif
