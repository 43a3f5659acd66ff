/* Teams and commitments: the domain side of the sign-up flow and the live board.
 *
 * Roles and teams come from the pack (p->roles, p->teams). A commitment is one person taking one
 * role (by index into p->roles) in one team (index into p->teams, or -1 for none) with the details
 * the role asks for. Adding, editing and cancelling each happen in one store transaction together
 * with an outbox record ("commitment", or "commitment_cancel") and, when the pack names a printer,
 * a print_job row; so when teams_commit_add() returns 0 the commitment is on disk and queued for
 * upload, whatever the printer does. The store keeps role and team by name, so a commitment still
 * reads back after the pack changes (index -1 then). After an add or edit, call printq_kick() so
 * the slip prints at once (the queue would find the job within PRINTQ_POLL_MS anyway).
 *
 * Links: a team's `qr` template expands {person} (the person's uuid), {team}, {role}, {event} and
 * {first_name}, each percent-encoded. pack check calls teams_check_template().
 *
 * Strings in the structs below are copies, cut at a UTF-8 boundary if longer than their array. */
#ifndef BARNSTORM_TEAMS_H
#define BARNSTORM_TEAMS_H

#include <stdint.h>

#include "pack.h"

struct store;
struct clock;

#define TEAMS_NAME_MAX 128   /* role, team, person names (bytes, with NUL) */
#define TEAMS_PLACE_MAX 128
#define TEAMS_TEXT_MAX 512
#define TEAMS_LINK_MAX 4096  /* an expanded link; longer is an error */

/* What a role asks for. Only the fields the role asks for may be non-empty; an asked field may be
 * left empty ("not decided yet"). day is an English weekday key ("tuesday", see teams_weekday_*),
 * time is "HH:MM" (24 h). */
struct commit_details {
	char day[12];
	char time[8];
	char place[TEAMS_PLACE_MAX];
	char text[TEAMS_TEXT_MAX];
};

struct commitment {
	int64_t id;
	char uuid[37];
	int64_t person_id;
	char person_uuid[37];
	char first_name[TEAMS_NAME_MAX];
	char last_name[TEAMS_NAME_MAX];
	char role_name[TEAMS_NAME_MAX];
	int role;                /* index into p->roles; -1 if the pack no longer has it */
	enum role_kind kind;
	char team_name[TEAMS_NAME_MAX]; /* "" for no team */
	int team;                /* index into p->teams; -1 for none or unknown */
	struct commit_details d;
	char lang[8];            /* the person's language (else the pack's first) */
	int64_t created_at, updated_at;
	int64_t cancelled_at;    /* 0 while active */
};

/* Weekdays: 0 = Monday .. 6 = Sunday. The key is the stored English name ("monday"). parse
 * accepts English, Danish and Swedish names in any case ("tirsdag", "Tisdag"); -1 otherwise. */
const char *teams_weekday_key(int day);
int teams_weekday_parse(const char *s);

/* The team suggested for a postcode: the first team listing it exactly, else the team with the
 * longest matching prefix ("80*"). -1 when postcode is NULL/empty or no team covers it: the
 * organizer picks. Spaces in the postcode are ignored ("211 45" matches "21145"). */
int teams_suggest(const struct pack *p, const char *postcode);
/* The suggestion for a stored person (their postcode); -1 as above or if not found. */
int teams_suggest_person(struct store *s, const struct pack *p, int64_t person_id);

/* Checks details against what role `role` asks: -1 with err_msg() naming the field and the bad
 * value ("time '25:00' is not HH:MM") or the missing one ("role 'Host' needs a place": the day,
 * time and place a role asks for are required, its text is not); normalises day to its key and
 * time to "HH:MM". */
int teams_check_details(const struct pack *p, int role, struct commit_details *d);

/* Adds a commitment for person_id (a row of table person). role indexes p->roles, team
 * p->teams or -1. d may be NULL (no details). On success sets *id_out (may be NULL) and returns
 * 0; -1 with err_msg() and nothing written. */
int teams_commit_add(struct store *s, const struct clock *c, const struct pack *p,
		     int64_t person_id, int role, int team, const struct commit_details *d,
		     int64_t *id_out);
/* Changes role, team and details of an active commitment (outbox "commitment" again with the same
 * uuid, and a new print job when printing). */
int teams_commit_edit(struct store *s, const struct clock *c, const struct pack *p, int64_t id,
		      int role, int team, const struct commit_details *d);
/* Cancels it (outbox "commitment_cancel"); its unprinted print jobs are dropped. -1 if it does not
 * exist or is already cancelled. */
int teams_commit_cancel(struct store *s, const struct clock *c, const struct pack *p, int64_t id);
/* Reads one commitment (also a cancelled one). 0, or -1 with err_msg() if not found. */
int teams_commit_get(struct store *s, const struct pack *p, int64_t id, struct commitment *out);
/* A person's active commitments in p's event, oldest first, at most max into out[]. Returns the
 * number found (may exceed max: only max are filled), or -1. */
int teams_commit_list(struct store *s, const struct pack *p, int64_t person_id,
		      struct commitment *out, int max);

/* The link for a commitment: its team's template expanded. 0 with the link in out[size]; 1 with
 * out = "" when there is none (no team, or the team has no template); -1 with err_msg() on a bad
 * template or a link longer than size-1. */
int teams_link(const struct pack *p, const struct commitment *cm, char *out, int size);

/* The values a template may use; NULL counts as "". */
struct teams_link_vars {
	const char *person;      /* uuid */
	const char *team;
	const char *role;
	const char *event;
	const char *first_name;
};
/* Expands tmpl into out[size], percent-encoding each value (RFC 3986 unreserved kept). -1 with
 * err_msg() on an unknown placeholder ("unknown placeholder '{name}' in link template; known:
 * {person} {team} {role} {event} {first_name}"), an unclosed '{', or a result too long. */
int teams_expand(const char *tmpl, const struct teams_link_vars *v, char *out, int size);
/* For pack check: 0 if tmpl only uses known placeholders, else -1 with the reason in err[errsize]
 * (also in err_msg()). */
int teams_check_template(const char *tmpl, char *err, int errsize);

/* The live board. A person with several commitments of one kind in one team is listed once. */
#define BOARD_MAX_NAMES 32   /* names listed per team and kind; `count` keeps counting */
#define BOARD_NAME_MAX 48    /* "Anna K." */

struct board_list {
	int count;                                /* people */
	int nnames;                               /* <= BOARD_MAX_NAMES */
	char names[BOARD_MAX_NAMES][BOARD_NAME_MAX]; /* first name + last initial, by time */
};

struct board_team {
	const char *name;        /* the pack's team name (borrowed from the pack), or "" for none */
	struct board_list kind[3]; /* indexed by enum role_kind: leads, hosts, members */
};

struct board_target {
	int have;                /* distinct people with an active commitment of this kind */
	int min, max;            /* targets as people: ceil(pct * checked_in / 100) */
	int min_pct, max_pct;    /* the pack's percentages, or the defaults */
	int to_go;               /* max(0, min - have): "12 to go" */
};

/* About 250 KB: allocate it once (xmalloc), not on the stack. */
struct board {
	int checked_in;          /* people checked in now (not undone) */
	int committed;           /* distinct people with any active commitment */
	struct board_team teams[PACK_MAX_TEAMS + 1]; /* p->teams in order, then "no team" last */
	int nteams;              /* p->nteams + 1 */
	struct board_target leaders, hosts;
};

/* Fills *b for p's event from the store. 0 or -1 with err_msg(). */
int teams_board(struct store *s, const struct pack *p, struct board *b);
/* The defaults when the pack leaves a target at 0. */
#define TEAMS_LEADER_MIN_PCT 10
#define TEAMS_LEADER_MAX_PCT 20
#define TEAMS_HOST_MIN_PCT 70
#define TEAMS_HOST_MAX_PCT 80

#endif
