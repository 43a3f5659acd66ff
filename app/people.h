/* People and check-in: the domain side of the door. Plain C over the store: people/ owns the
 * writes to person and checkin (the roster importer goes through people_bulk_*, which merges
 * by people_upsert()'s rules; export.c only reads).
 *
 * Search. Every person has search tokens: normalised (textnorm.h) words of the first name,
 * the last name and the email's local part, each prefixed with its kind ("f:soren", "l:oberg",
 * "e:soren"), plus the whole of a double name ("f:marielouise", "l:hansenjensen"). A query is
 * split into words; each word must be a prefix of one of the person's tokens, in any order.
 * The tokens live in memory, per store connection (people/index.h: built from the person table
 * in a thread, kept up to date with what any connection commits); a lookup is a binary search
 * for a prefix range (never LIKE), and a hit's details are read from the person row. Nothing
 * is listed until the longest word has two letters. Ranking: an exact word before a prefix, a first-name match before a last-name match
 * before an email match; people already checked in go after the others (and are flagged),
 * except that people who look the same in the list (same first name and last initial) stand
 * together where the first of them ranks, the ones checked in first.
 * Bound: a search reads at most 2,000 tokens per tier of its driving word, so a very common
 * two-letter prefix combined with a rare second word may list fewer people until one more
 * letter is typed. Two-word queries (the usual "first last") intersect a set of the rarer
 * word's people with a walk of the other's tokens in order.
 *
 * Check-in. people_checkin() writes the checkin row and an outbox "checkin" record in one
 * transaction; when it returns PEOPLE_CHECKIN_OK the row is committed (durable: WAL + FULL), so
 * the welcome screen may be drawn. A second check-in answers PEOPLE_CHECKIN_ALREADY and writes
 * nothing.
 *
 * Walk-ins. Without consent the person is stored and checked in with only the first name and the
 * last initial: email, phone and postcode are neither stored nor uploaded (they are still used,
 * in memory only, to recognise a known person). With consent the details, the consent version
 * and the time are stored and an outbox "person" record carries them.
 *
 * Merging (roster import and walk-ins): a person is the same person when the external id
 * matches, else the email (case-insensitive), else the phone (normalised, see people_phone_norm).
 * An email or phone match is not taken when both sides have different external ids (two RSVPs
 * sharing a family email are two people). A walk-in is merged only when the names agree too
 * (first and last, folded as textnorm.h's collapsed spelling); otherwise the walk-in is a new
 * person with duplicate_of set to the known one, shown to organizers in the check-ins view, and
 * nothing of the known person is shown to the walk-in.
 *
 * Every function takes the store first, returns -1 with err_msg() on a database error, and uses
 * no heap memory the caller must free unless it says so. Strings in result structs are copied
 * into fixed arrays (names are cut at a character boundary when too long). */
#ifndef BARNSTORM_PEOPLE_H
#define BARNSTORM_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct clock;

#define PEOPLE_NAME_MAX 128     /* bytes of a first or last name, with NUL */
#define PEOPLE_HINT_MAX 64
#define PEOPLE_SEARCH_MAX 50    /* most results one search returns */

/* One search result or one looked-up person, for the lists and the "Is this you?" screen. */
struct people_result {
	int64_t id;
	char first_name[PEOPLE_NAME_MAX];
	char last_initial[8];          /* the first character of the last name (UTF-8), "" if none */
	char hint[PEOPLE_HINT_MAX];    /* masked: postcode "8***", else email "s***@g***.dk", else
					  phone "** ** ** 78"; "" if nothing is known */
	char hint2[PEOPLE_HINT_MAX];   /* another masked detail for the confirm screen, or "" */
	int checked_in;                /* checked in for the event asked about (not undone) */
	int walkin;                    /* came in as a walk-in (source 'walkin') */
	char display[PEOPLE_NAME_MAX + 32]; /* what a list shows: "Søren K.", or for namesakes in
					  the same search as many letters of the last name as
					  tell them apart ("Søren Kie.", "Søren Kjæ.") */
	char last_start[24];           /* the last name's first characters (for display only) */
};

/* Searches for query (as typed: any case, diacritics, word order). Fills out[0..max-1]
 * (max <= PEOPLE_SEARCH_MAX) and returns the count (0 for fewer than 2 letters), or -1.
 * event: the event whose check-ins set checked_in. */
int people_search(struct store *s, const char *event, const char *query,
		  struct people_result *out, int max);

/* Starts building s's search index in the background (people/index.h) so the first keystroke
 * does not wait for it, and asks for ready(ctx) each time a rebuild finishes (a new roster: from
 * the builder's thread, so it may only set flags or post an event), so a screen showing results
 * of the old index searches again. ready may be NULL. 0, or -1 with err_msg(). */
int people_search_prepare(struct store *s, void (*ready)(void *ctx), void *ctx);

/* One person by id: 1 found (filled), 0 not found, -1 error. */
int people_get(struct store *s, const char *event, int64_t id, struct people_result *out);
/* 1 when person id has a postcode (teams can be suggested from it), 0 when not or no such person,
 * -1 with err_msg() when the store fails. */
int people_has_postcode(struct store *s, int64_t id);

/* The RSVP code in what a scanner sent: the text itself, or from a link printed on a ticket the
 * value of ?ref= (code, rsvp, ticket, id, registration) or else the last word of the path
 * (https://example.org/rsvp/CODE). 0 with out[size] filled, -1 when there is none. */
int people_code_from_scan(const char *scanned, char *out, size_t size);
/* A person by a scanned code (people_code_from_scan), exact first, then without regard to case
 * (0 when two codes differ only in case): the id, 0 when unknown, -1 on error. */
int64_t people_find_code(struct store *s, const char *scanned);
/* A person by external id (an RSVP code scanned at the door; trimmed, exact): the id, 0 when
 * unknown, -1 on error. */
int64_t people_find_external(struct store *s, const char *external_id);

enum people_checkin_status {
	PEOPLE_CHECKIN_OK = 0,      /* committed */
	PEOPLE_CHECKIN_ALREADY = 1  /* was already checked in; nothing written */
};

/* Checks person_id in for event with method "search", "scan", "walkin" or "organizer" in one
 * transaction with its outbox "checkin" record. PEOPLE_CHECKIN_OK or PEOPLE_CHECKIN_ALREADY, or
 * -1 (unknown person, database error). checkin_id_out (may be NULL) gets the checkin row id. */
int people_checkin(struct store *s, const struct clock *c, const char *event, int64_t person_id,
		   const char *method, int64_t *checkin_id_out);

/* Undoes a check-in (sets undone_at, outbox "checkin_undo"). 0, 1 when it was already undone,
 * -1 on error or an unknown id. */
int people_checkin_undo(struct store *s, const struct clock *c, int64_t checkin_id);

/* Walk-in registration, as typed on the form. NULL or "" for a field not given. */
struct people_walkin {
	const char *first_name;
	const char *last_name;
	const char *email;
	const char *phone;
	const char *postcode;
	const char *lang;            /* UI language, e.g. "da"; may be NULL */
	int consent;                 /* 1: the consent box was ticked */
	const char *consent_version; /* the pack's [consent] version (required when consent) */
};

/* Validation problems per field: NULL when the field is fine, else a message in English
 * (a gettext msgid: the screen shows tr(msg)). */
struct people_walkin_errors {
	const char *first_name;
	const char *last_name;
	const char *email;
	const char *phone;
	const char *postcode;
	int count;                  /* how many fields have a message */
};

/* Validates a walk-in form: fills *e and returns e->count. Rules: a first name (1-100
 * characters, valid UTF-8, no control characters); a last name; an email or a phone (at least
 * one); email syntax; a plausible phone (see people_phone_norm); postcode 4 or 5 digits
 * (spaces allowed, "123 45"), optional. */
int people_walkin_validate(const struct people_walkin *w, struct people_walkin_errors *e);

struct people_walkin_result {
	int64_t person_id;
	int64_t checkin_id;
	int merged;                 /* 1: it was a known person (same email or phone, and the
				     * same name) */
	int possible_duplicate;     /* 1: the email or phone is a known person's, the name is not:
				     * stored as a new person marked duplicate_of that one */
	int already;                /* 1: that person was already checked in */
};

/* Registers and checks in a walk-in in one transaction. Returns 0 on success (*r filled),
 * 1 when the form does not validate (*e filled, nothing written), -1 on a database error.
 * A known email or phone merges into that person (details updated only with consent). */
int people_walkin(struct store *s, const struct clock *c, const char *event,
		  const struct people_walkin *w, struct people_walkin_errors *e,
		  struct people_walkin_result *r);

struct people_counts {
	int checked_in;       /* people checked in for the event now (undone ones not counted) */
	int walkins;          /* of those, how many came as walk-ins */
	int not_arrived;      /* roster people not checked in */
};
int people_counts(struct store *s, const char *event, struct people_counts *out);

/* One line of the organizer's list of check-ins. */
struct people_checkin_row {
	int64_t checkin_id;
	int64_t person_id;
	int64_t at;                      /* ms since the epoch, UTC */
	char first_name[PEOPLE_NAME_MAX];
	char last_initial[8];
	char method[16];
	int walkin;
	int possible_duplicate;          /* a walk-in with a known email or phone under another name */
};

/* The event's check-ins that are not undone, newest first, skipping `offset`; fills at most max
 * rows and returns how many, or -1. */
int people_recent(struct store *s, const char *event, int offset,
		  struct people_checkin_row *out, int max);
/* An organizer decided that a possible duplicate is a different person: clears the mark. 0, or
 * -1 with err_msg(). */
int people_not_duplicate(struct store *s, int64_t person_id);

/* ---- for the roster importer and export ---- */

/* A person as read from a roster row. Every string may be NULL or "". Email and phone are
 * normalised here (lowercase; people_phone_norm). */
struct people_in {
	const char *external_id;
	const char *first_name;
	const char *last_name;
	const char *email;
	const char *phone;
	const char *postcode;
};

enum people_upsert_status {
	PEOPLE_INSERTED = 0,
	PEOPLE_MERGED = 1,     /* a known person got new or changed details */
	PEOPLE_UNCHANGED = 2,  /* a known person, nothing new */
	PEOPLE_INVALID = -2    /* the row is not acceptable; err_msg() says why ("no first name",
				  "invalid email 'x@'"); nothing written */
};

/* Inserts or merges a roster person; must run inside the caller's transaction. Non-empty
 * fields overwrite the stored ones; empty fields never erase. Returns a people_upsert_status,
 * PEOPLE_INVALID, or -1 on a database error. id_out (may be NULL) gets the person's id. */
int people_upsert(struct store *s, const struct clock *c, const struct people_in *p,
		  int64_t *id_out);

/* Bulk merge of a whole roster, for the importer: the same result as people_upsert() called
 * for each row in order (people.h's merge rules), at a fraction of the cost. Runs inside the
 * caller's transaction.
 *
 * people_bulk_begin() returns NULL with err_msg() on a database error. people_bulk_add()
 * normalises a row and keeps it in memory (0, or PEOPLE_INVALID with err_msg()); it may
 * run before that transaction, while a file is still being read: it writes nothing. SQL reads
 * the rows where they are, as the table people_bulk of this connection (store_rows_set()).
 * people_bulk_finish() then marks every row
 * that shares an external id, an email or a phone with another row or with a stored person
 * (into an empty table, when a hash of the keys seen while adding shows that no two rows
 * share one, nothing is marked without asking SQLite);
 * the other rows cannot merge with anything, so they are inserted set-based (secondary
 * indexes rebuilt when the load is large; one person.rev for all, see people/index.h), and
 * the marked rows go through people_upsert()'s merge one by one, in file order. People the
 * bulk path inserts get uuids that sort by time (a v7 layout with a counter), so the uuid
 * index is appended to, and lower ids than new people among the marked rows; nothing else
 * differs from row-by-row upserts.
 *
 * row (may be NULL) is called once per row finished with its people_upsert_status; returning
 * -1 stops finish(), which then returns -1 (the caller rolls back). people_bulk_finish() frees
 * b whatever it returns; people_bulk_abort() frees one that is not finished (NULL is fine).
 * Both leave people_bulk empty. */
struct people_bulk;
struct people_bulk *people_bulk_begin(struct store *s, const struct clock *c);
int people_bulk_add(struct people_bulk *b, const struct people_in *p);
int people_bulk_finish(struct people_bulk *b, int (*row)(void *ctx, int status), void *ctx);
void people_bulk_abort(struct people_bulk *b);

/* Normalises a phone number for matching and storage: keeps digits; "+45", "0045" and a
 * leading "45" before 8 digits are dropped (Danish numbers are 8 digits); "+46"/"0046" become
 * the Swedish trunk "0" ("+46 70 123 45 67" -> "0701234567"); other country codes are kept as
 * "+CC...". Returns 0 and writes out[size], or -1 when the number is not plausible (letters,
 * too few or too many digits). */
int people_phone_norm(const char *in, char *out, int size);

/* 1 when email is a plausible address (one @, a dotted domain, no spaces, sane lengths). */
int people_email_valid(const char *email);

/* The person's outbox "person" JSON (details and consent) as a new string the caller frees;
 * NULL on error. */
char *people_payload_json(struct store *s, int64_t person_id);

#endif
