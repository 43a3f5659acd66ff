/* This station's part in the room: a barnstorm runs on several kiosks sharing one event (doors,
 * the stage, sign-up tables), each the same program with a role an organizer picks behind the
 * PIN. The role and the station's name are kept in the store's meta, so they survive a restart.
 *
 *   all     everything on one kiosk (the default, one kiosk at the door)
 *   door    check-in, walk-ins, the scanner; the idle screen is the door's
 *   stage   the facilitator's screen and the projector; the idle screen shows the meeting
 *   signup  commitments, the board, the printer; the idle screen leads to sign-up
 *
 * The role decides what a station shows first and what its idle screen offers; an organizer
 * behind the PIN can still open every screen. */
#ifndef BARNSTORM_CORE_STATION_H
#define BARNSTORM_CORE_STATION_H

struct store;

enum station_role { STATION_ALL, STATION_DOOR, STATION_STAGE, STATION_SIGNUP, STATION_NROLES };

#define STATION_NAME_MAX 40  /* bytes of a station's name, with NUL */

struct station {
	enum station_role role;
	char name[STATION_NAME_MAX];  /* "Door 2"; "" until an organizer names it */
};

/* "all", "door", "stage", "signup": the key kept in meta. */
const char *station_role_key(enum station_role r);
/* The role for a key, or -1. */
int station_role_parse(const char *key);

/* Reads the station's role and name (STATION_ALL and "" when never set). 0, or -1 with
 * err_msg() when the store fails (then *out is the default). */
int station_load(struct store *s, struct station *out);
/* Keeps the role and name (trimmed, cut at a character boundary) in one transaction. 0, or -1
 * with err_msg() and nothing changed. */
int station_save(struct store *s, const struct station *st);

/* Which screens a role starts on: 1 when the door's idle screen and its scanner belong here. */
int station_is_door(enum station_role r);
/* 1 when this station may start, pause and move the meeting on: the agenda has one writer, the
 * stage (or the one kiosk doing everything); a door or a sign-up table shows it read-only. */
int station_runs_agenda(enum station_role r);

#endif
