/* The event pack: a folder with event.ini, an optional roster.csv and an optional slides/ folder.
 * pack_load() parses event.ini with libinih into a validated model and collects every problem as
 * a diagnostic "event.ini:LINE: message" instead of stopping at the first.
 *
 * Ownership: struct pack owns every string and array in it; pack_release() frees them. A struct
 * diags owns its messages; diags_release() frees them. */
#ifndef BARNSTORM_PACK_H
#define BARNSTORM_PACK_H

#include <stdint.h>

#define PACK_MAX_LANGS 4
#define PACK_MAX_PEERS 16    /* [stations] peers */
#define PACK_ADDR_MAX 64     /* bytes of HOST:PORT, with NUL */
#define PACK_MAX_SEGMENTS 64
#define PACK_MAX_ROLES 16
#define PACK_MAX_TEAMS 64
#define PACK_MAX_ASKS 8
#define PACK_MAX_POSTCODES 64
#define PACK_MAX_MESSAGES 8
#define PACK_MAX_BULLETS 8
#define PACK_MAX_COLUMNS 16

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag {
	enum diag_level level;
	char *file;  /* "event.ini", "roster.csv", "slides/deck.pdf" */
	int line;    /* 0 when the problem is not on one line */
	char *msg;
};

struct diags {
	struct diag *items;
	int n, cap;
	int errors, warnings;
};

void diags_init(struct diags *d);
void diags_release(struct diags *d);
void diags_add(struct diags *d, enum diag_level level, const char *file, int line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Sorts by file and line (stable). */
void diags_sort(struct diags *d);
/* One diagnostic as "file:line: message" (warnings as "file:line: warning: message"). */
int diag_format(const struct diag *dg, char *out, int size);

/* Text in each of the pack's languages. */
struct pack_text {
	char *text[PACK_MAX_LANGS]; /* indexed like pack.langs; NULL when not given */
};

enum role_kind { ROLE_LEADER, ROLE_HOST, ROLE_MEMBER };

/* What a role asks for. */
enum ask_kind { ASK_DAY, ASK_TIME, ASK_PLACE, ASK_TEXT };

struct pack_segment {
	char *title;
	char *note;        /* NULL if none */
	int minutes;
	int slide_first;   /* 1-based; 0 when the segment has no slides */
	int slide_last;
	int line;          /* where the [segment] starts, for messages */
};

struct pack_role {
	char *name;
	enum role_kind kind;
	enum ask_kind asks[PACK_MAX_ASKS];
	int nasks;
	int line;
};

struct pack_team {
	char *name;
	char *postcodes[PACK_MAX_POSTCODES]; /* exact codes or prefixes ending in '*' */
	int npostcodes;
	char *lead;       /* a known lead's name, NULL if none */
	char *qr;         /* link template with {person} {team} {role} {event} ..., NULL if none */
	int line;
};

/* A text slide written in the pack: [slide] title = ..., bullet = ... (repeated). */
struct pack_text_slide {
	char *title;
	char *bullets[PACK_MAX_BULLETS];
	int nbullets;
	int line;
};

#define PACK_DEFAULT_VOLUME 70
#define PACK_DEFAULT_TIMES_UP_SECONDS 10

struct pack {
	char *dir;            /* the pack folder as given */

	/* [event] */
	char *title;
	char *venue;
	char *starts_text;    /* "2026-12-03 19:00" as written */
	char *ends_text;
	int64_t starts_ms;    /* UTC, converted with timezone */
	int64_t ends_ms;
	char *timezone;       /* "Europe/Copenhagen" */
	char langs[PACK_MAX_LANGS][8]; /* "da", "en"; the first is the default */
	int nlangs;
	char *event_id;       /* a stable id for this event: [event] id, or derived from title+start */

	/* [kiosk] */
	char *pin;            /* digits, at least 4; never logged or shown */
	int rotate;           /* [kiosk] rotate: 0, 90, 180, 270 degrees (a panel mounted turned) */
	int self_service;     /* [signup] self_service = yes */

	/* [consent] */
	char *consent_version;
	struct pack_text consent;

	/* [segment] ... */
	struct pack_segment segments[PACK_MAX_SEGMENTS];
	int nsegments;
	int warn_seconds;     /* [agenda] warn = 120 */
	int danger_seconds;   /* [agenda] danger = 30 */
	int sound_off;        /* [agenda] sound = off: no audible cues (default on) */
	int volume;           /* [agenda] volume = 0-100 (default PACK_DEFAULT_VOLUME) */
	int volume_given;     /* volume was in the pack (0 is a volume) */
	int times_up_seconds; /* [agenda] times_up_seconds: "Time's up" clears after (default 10) */
	struct pack_text messages[PACK_MAX_MESSAGES]; /* [signal] text per language */
	int nmessages;
	struct pack_text_slide text_slides[PACK_MAX_SEGMENTS];
	int ntext_slides;

	/* [role], [team], [targets] */
	struct pack_role roles[PACK_MAX_ROLES];
	int nroles;
	struct pack_team teams[PACK_MAX_TEAMS];
	int nteams;
	int leader_target_min, leader_target_max; /* percent of those checked in */
	int host_target_min, host_target_max;

	/* [print] */
	char *printer;        /* NULL: no printer */
	int print_width;      /* dots: 384 or 576 */

	/* [upload] */
	/* [stations]: several kiosks in one room (sync.h). NULL key: this kiosk is alone. */
	char *stations_key;   /* 64 hex digits; never printed */
	char *stations_listen;/* ADDR:PORT to serve; NULL: 0.0.0.0:7420 */
	char station_peers[PACK_MAX_PEERS][PACK_ADDR_MAX]; /* HOST:PORT each */
	int nstation_peers;
	int stations_discover;  /* [stations] discover: find the room's stations over mDNS (yes) */
	char *upload_kind;    /* NULL: no upload; "webhook", "actionnetwork", "webdav" */
	char *upload_url;
	char *upload_token_file; /* relative to the pack folder */
	char *upload_user;    /* webdav basic auth user */

	/* [roster] column = header name, for headers the importer does not know */
	char *roster_map_field[PACK_MAX_COLUMNS];
	char *roster_map_header[PACK_MAX_COLUMNS];
	int nroster_map;
};

/* Loads DIR/event.ini into *p. Returns 0 when the pack can be used (warnings allowed), -1 when
 * it has errors; either way every problem is added to *d and *p holds what could be read (release
 * it). A missing or unreadable folder or file is an error diagnostic too. */
int pack_load(const char *dir, struct pack *p, struct diags *d);
void pack_release(struct pack *p);

/* Index of lang in p->langs, or -1. */
int pack_lang_index(const struct pack *p, const char *lang);
/* The text in lang, falling back to the pack's first language, then any; "" if none. */
const char *pack_text_get(const struct pack *p, const struct pack_text *t, const char *lang);

const char *role_kind_name(enum role_kind k);
const char *ask_kind_name(enum ask_kind k);

struct tm;
/* A UTC time as local time in the pack's timezone. The process keeps the zone of the last pack
 * loaded (pack_load sets TZ once, before threads start), so this does no I/O. */
void pack_local_time(const struct pack *p, int64_t ms, struct tm *out);
/* Formats a UTC time as local time in the pack's timezone with strftime's fmt. */
int pack_format_time(const struct pack *p, int64_t ms, const char *fmt, char *out, int size);

#endif
