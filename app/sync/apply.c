/* Applying another station's record to the domain tables, with the same SQL shapes as
 * people/checkin.c, teams.c and agenda.c, and the merge rules of README.md "Stations". Nothing
 * here writes the outbox: a peer's record is uploaded by the station that made it. */
#include "sync/internal.h"
#include "people.h"
#include "people/internal.h"
#include "people/index.h"
#include "store.h"
#include "textnorm.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int sync_is_uuid(const char *s)
{
	static const char SHAPE[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	for (int i = 0; i < 36; i++) {
		char c = s[i];
		if (SHAPE[i] == '-') {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
			return 0;
		}
	}
	return s[36] == '\0';
}

/* ---- reading a payload: every field checked for type and size ---- */

/* A string member of at most max bytes of valid UTF-8; NULL (no error) when absent or null and
 * !required. On error *bad is set, and err_msg() names the first bad field of the payload. */
static const char *get_str(json_t *o, const char *key, size_t max, int required, int *bad)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required && !*bad) {
			*bad = 1;
			err_set("field '%s' is missing", key);
		}
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		if (!*bad)
			err_set("field '%s' is not a text of at most %zu bytes", key, max);
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

static const char *get_uuid(json_t *o, const char *key, int required, int *bad)
{
	const char *u = get_str(o, key, 36, required, bad);
	if (u && !sync_is_uuid(u)) {
		if (!*bad)
			err_set("field '%s' is not a uuid", key);
		*bad = 1;
		return NULL;
	}
	return u;
}

static int64_t get_int(json_t *o, const char *key, int *bad)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		if (!*bad)
			err_set("field '%s' is not a whole number of at least 0", key);
		*bad = 1;
		return 0;
	}
	return json_integer_value(v);
}

/* ---- people ---- */

static int64_t id_by(struct store *s, const char *sql, const char *v)
{
	struct store_stmt *st = store_stmt(s, sql);
	if (!st)
		return -1;
	store_bind_text(st, 1, v);
	int rc = store_step(st);
	int64_t id = rc == STORE_ROW ? store_col_int(st, 0) : 0;
	store_reset(st);
	return rc < 0 ? -1 : id;
}

static int alias(struct store *s, const char *uuid, int64_t id)
{
	struct store_stmt *st = store_stmt(s,
		"INSERT OR IGNORE INTO sync_person(uuid, person_id) VALUES (?1, ?2)");
	if (!st)
		return -1;
	store_bind_text(st, 1, uuid);
	store_bind_int(st, 2, id);
	int rc = store_step(st);
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* The local person a peer's person uuid stands for: the same uuid, a uuid merged before, or the
 * same external id (a roster person has another uuid on each station). 0 when none. */
static int64_t person_resolve(struct store *s, const char *uuid, const char *ext)
{
	int64_t id = id_by(s, "SELECT id FROM person WHERE uuid = ?1", uuid);
	if (id)
		return id;
	id = id_by(s, "SELECT person_id FROM sync_person WHERE uuid = ?1", uuid);
	if (id || !ext || !ext[0])
		return id;
	id = people_find_external(s, ext);
	return id > 0 && alias(s, uuid, id) < 0 ? -1 : id;
}

static int64_t person_insert(struct store *s, const char *uuid, const char *ext, const char *first,
			     const char *last, const char *email, const char *phone,
			     const char *postcode, const char *lang, const char *source,
			     const char *cv, int64_t cat, int64_t created, int64_t dup_of)
{
	struct store_stmt *st = store_stmt(s,
		"INSERT INTO person(uuid, external_id, first_name, last_name, email, phone, postcode, "
		"lang, source, consent_version, consent_at, created_at, updated_at, duplicate_of) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)");
	if (!st)
		return -1;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, ext && ext[0] ? ext : NULL);
	store_bind_text(st, 3, first);
	store_bind_text(st, 4, last ? last : "");
	store_bind_text(st, 5, email);
	store_bind_text(st, 6, phone);
	store_bind_text(st, 7, postcode);
	store_bind_text(st, 8, lang);
	store_bind_text(st, 9, source);
	store_bind_text(st, 10, cv);
	if (cv)
		store_bind_int(st, 11, cat);
	else
		store_bind_null(st, 11);
	store_bind_int(st, 12, created);
	if (dup_of)
		store_bind_int(st, 13, dup_of);
	else
		store_bind_null(st, 13);
	int rc = store_step(st);
	store_reset(st);
	if (rc < 0)
		return -1;
	int64_t id = store_last_id(s);
	if (people_index_touch(s, id) < 0)
		return -1;
	return id;
}

/* A person record: a walk-in who consented (or a known person who consented at a door). */
static int apply_person(struct store *s, json_t *o)
{
	int bad = 0;
	const char *uuid = get_uuid(o, "uuid", 1, &bad);
	const char *ext = get_str(o, "external_id", 200, 0, &bad);
	const char *first = get_str(o, "first_name", PEOPLE_NAME_MAX - 1, 1, &bad);
	const char *last = get_str(o, "last_name", PEOPLE_NAME_MAX - 1, 0, &bad);
	const char *email = get_str(o, "email", 319, 0, &bad);
	const char *phone_in = get_str(o, "phone", 31, 0, &bad);
	/* Records carry +45.../+46...; people keep the form the door's matching uses. */
	char phone_norm[32];
	const char *phone = phone_in;
	if (phone_in && people_phone_norm(phone_in, phone_norm, sizeof(phone_norm)) == 0)
		phone = phone_norm;
	const char *postcode = get_str(o, "postcode", 7, 0, &bad);
	const char *lang = get_str(o, "lang", 15, 0, &bad);
	const char *source = get_str(o, "source", 16, 1, &bad);
	int64_t created = get_int(o, "created_at", &bad);
	const char *cv = NULL;
	int64_t cat = 0;
	json_t *consent = json_object_get(o, "consent");
	if (!bad && consent && !json_is_null(consent)) {
		if (!json_is_object(consent))
			return err_set("field 'consent' is not an object");
		cv = get_str(consent, "version", 64, 1, &bad);
		cat = get_int(consent, "at", &bad);
	}
	if (bad)
		return -1;
	if (strcmp(source, "walkin") && strcmp(source, "roster"))
		return err_set("field 'source' is neither 'walkin' nor 'roster'");
	int64_t id = person_resolve(s, uuid, ext);
	int64_t dup_of = 0;
	if (id < 0)
		return -1;
	if (!id && (email || phone)) {
		/* The door's merge rule: the same email or phone is the same person only when the
		 * names agree; otherwise a new person marked as a possible duplicate. */
		int64_t other = people_person_find(s, NULL, email ? email : "", phone ? phone : "");
		if (other < 0)
			return -1;
		if (other > 0) {
			int agree = people_names_agree(s, other, first, last ? last : "");
			if (agree < 0)
				return -1;
			if (agree) {
				id = other;
				if (alias(s, uuid, id) < 0)
					return -1;
			} else {
				dup_of = other;
			}
		}
	}
	if (!id)
		return person_insert(s, uuid, ext, first, last, email, phone, postcode, lang, source,
				     cv, cat, created, dup_of) < 0 ? -1 : 1;
	/* Known here: fill in what is missing, never overwrite a detail (so the order two doors'
	 * records arrive in does not change who a person is); consent: the earliest given. */
	struct store_stmt *st = store_stmt(s,
		"UPDATE person SET email = coalesce(email, ?2), phone = coalesce(phone, ?3), "
		"postcode = coalesce(postcode, ?4), lang = coalesce(lang, ?5), "
		"consent_version = CASE WHEN ?6 IS NOT NULL AND (consent_at IS NULL OR ?7 < consent_at) "
		"  THEN ?6 ELSE consent_version END, "
		"consent_at = CASE WHEN ?6 IS NOT NULL AND (consent_at IS NULL OR ?7 < consent_at) "
		"  THEN ?7 ELSE consent_at END, "
		"updated_at = max(updated_at, ?8) WHERE id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	store_bind_text(st, 2, email);
	store_bind_text(st, 3, phone);
	store_bind_text(st, 4, postcode);
	store_bind_text(st, 5, lang);
	store_bind_text(st, 6, cv);
	store_bind_int(st, 7, cat);
	store_bind_int(st, 8, cv ? cat : created);
	int rc = store_step(st);
	store_reset(st);
	if (rc < 0)
		return -1;
	/* The email may be new: the door's search finds the person by it too. */
	return people_index_touch(s, id) < 0 ? -1 : 1;
}

/* ---- check-ins ----
 *
 * Every check-in record is a row. Of one person's check-ins at one event that are not undone,
 * the one with the earliest time, then the smallest uuid, is the check-in (undone_at NULL);
 * the others are kept, marked merged_into it, with undone_at set to their own time so that
 * every count and the once-only index see one. The rule depends only on the set of records,
 * so every station ends with the same winner whatever order they arrived in. */

/* Re-decides the winner among person pid's live check-ins at event. */
static int checkin_resolve(struct store *s, const char *event, int64_t pid)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT uuid FROM checkin WHERE event = ?1 AND person_id = ?2 AND "
		"(undone_at IS NULL OR merged_into IS NOT NULL) ORDER BY at, uuid LIMIT 1");
	if (!st)
		return -1;
	store_bind_text(st, 1, event);
	store_bind_int(st, 2, pid);
	int rc = store_step(st);
	char win[SYNC_ID_LEN] = "";
	if (rc == STORE_ROW)
		str_copy(win, sizeof(win), store_col_text(st, 0));
	store_reset(st);
	if (rc != STORE_ROW)
		return rc < 0 ? -1 : 0;
	/* Demote first, then promote: the once-only index allows one row without undone_at. */
	st = store_stmt(s,
		"UPDATE checkin SET undone_at = at, merged_into = ?3 WHERE event = ?1 AND person_id = ?2 "
		"AND (undone_at IS NULL OR merged_into IS NOT NULL) AND uuid <> ?3");
	if (!st)
		return -1;
	store_bind_text(st, 1, event);
	store_bind_int(st, 2, pid);
	store_bind_text(st, 3, win);
	rc = store_step(st);
	store_reset(st);
	if (rc < 0)
		return -1;
	st = store_stmt(s, "UPDATE checkin SET undone_at = NULL, merged_into = NULL WHERE uuid = ?1");
	if (!st)
		return -1;
	store_bind_text(st, 1, win);
	rc = store_step(st);
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int sync_checkins_repair(struct store *s)
{
	/* A winner undone at this station's own door leaves its merged check-ins waiting. */
	struct store_stmt *st = store_stmt(s,
		"SELECT DISTINCT l.event, l.person_id FROM checkin l JOIN checkin w "
		"ON w.uuid = l.merged_into WHERE w.undone_at IS NOT NULL AND w.merged_into IS NULL "
		"LIMIT 100");
	if (!st)
		return -1;
	char ev[100][128];
	int64_t pid[100];
	int n = 0, rc;
	while ((rc = store_step(st)) == STORE_ROW && n < 100) {
		str_copy(ev[n], sizeof(ev[n]), store_col_text(st, 0));
		pid[n++] = store_col_int(st, 1);
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (checkin_resolve(s, ev[i], pid[i]) < 0)
			return -1;
	return 0;
}

static int apply_checkin(struct store *s, json_t *o)
{
	int bad = 0;
	const char *uuid = get_uuid(o, "uuid", 1, &bad);
	const char *event = get_str(o, "event", 127, 1, &bad);
	const char *person = get_uuid(o, "person", 1, &bad);
	const char *ext = get_str(o, "external_id", 200, 0, &bad);
	const char *first = get_str(o, "first_name", PEOPLE_NAME_MAX - 1, 1, &bad);
	const char *li = get_str(o, "last_initial", 7, 0, &bad);
	const char *method = get_str(o, "method", 31, 1, &bad);
	int64_t at = get_int(o, "at", &bad);
	json_t *sy = json_object_get(o, "clock_synced");
	if (!bad && !json_is_boolean(sy))
		return err_set("field 'clock_synced' is not true or false");
	if (bad)
		return -1;
	int64_t have = id_by(s, "SELECT id FROM checkin WHERE uuid = ?1", uuid);
	if (have)
		return have < 0 ? -1 : 1;
	int64_t pid = person_resolve(s, person, ext);
	if (pid < 0)
		return -1;
	if (!pid) {
		/* A walk-in who gave no consent travels as first name and last initial only. */
		pid = person_insert(s, person, ext, first, li, NULL, NULL, NULL, NULL, "walkin", NULL,
				    0, at, 0);
		if (pid < 0)
			return -1;
	}
	/* In as "live, not decided" (merged into itself), then decided with the others. */
	struct store_stmt *st = store_stmt(s,
		"INSERT INTO checkin(uuid, event, person_id, at, clock_synced, method, undone_at, "
		"merged_into) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4, ?1)");
	if (!st)
		return -1;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, event);
	store_bind_int(st, 3, pid);
	store_bind_int(st, 4, at);
	store_bind_int(st, 5, json_is_true(sy));
	store_bind_text(st, 6, method);
	int rc = store_step(st);
	store_reset(st);
	if (rc < 0 || checkin_resolve(s, event, pid) < 0)
		return -1;
	return 1;
}

static int apply_checkin_undo(struct store *s, json_t *o)
{
	int bad = 0;
	const char *cuuid = get_uuid(o, "checkin", 1, &bad);
	int64_t at = get_int(o, "at", &bad);
	if (bad)
		return -1;
	struct store_stmt *st = store_stmt(s, "SELECT event, person_id FROM checkin WHERE uuid = ?1");
	if (!st)
		return -1;
	store_bind_text(st, 1, cuuid);
	int rc = store_step(st);
	char event[128];
	int64_t pid = 0;
	if (rc == STORE_ROW) {
		str_copy(event, sizeof(event), store_col_text(st, 0));
		pid = store_col_int(st, 1);
	}
	store_reset(st);
	if (rc != STORE_ROW)
		return rc < 0 ? -1 : 0;   /* the check-in has not arrived: wait for it */
	/* An undo applies to the check-in it names; two undos of one: the earlier time. */
	st = store_stmt(s,
		"UPDATE checkin SET undone_at = CASE WHEN merged_into IS NULL AND undone_at IS NOT NULL "
		"THEN min(undone_at, ?2) ELSE ?2 END, merged_into = NULL WHERE uuid = ?1");
	if (!st)
		return -1;
	store_bind_text(st, 1, cuuid);
	store_bind_int(st, 2, at);
	rc = store_step(st);
	store_reset(st);
	if (rc < 0 || checkin_resolve(s, event, pid) < 0)
		return -1;
	return 1;
}

/* ---- commitments: one row per record; a cancel wins over any edit ---- */

static int apply_commitment(struct store *s, json_t *o)
{
	int bad = 0;
	const char *uuid = get_uuid(o, "uuid", 1, &bad);
	const char *event = get_str(o, "event", 127, 1, &bad);
	const char *person = get_uuid(o, "person", 1, &bad);
	const char *role = get_str(o, "role", 200, 1, &bad);
	const char *kind = get_str(o, "role_kind", 16, 1, &bad);
	const char *team = get_str(o, "team", 200, 0, &bad);
	const char *lang = get_str(o, "lang", 15, 0, &bad);
	/* A roster person has another uuid here: the roster id finds them. */
	const char *ext = get_str(o, "person_external_id", 200, 0, &bad);
	int64_t created = get_int(o, "created_at", &bad);
	int64_t updated = get_int(o, "updated_at", &bad);
	json_t *details = json_object_get(o, "details");
	if (!bad && !json_is_object(details))
		return err_set("field 'details' is not an object");
	if (bad)
		return -1;
	char *dj = json_dumps(details, JSON_COMPACT);
	if (!dj)
		return err_set("field 'details' cannot be written back");
	int ret = -1;
	int64_t have = id_by(s, "SELECT id FROM commitment WHERE uuid = ?1", uuid);
	if (have < 0)
		goto out;
	if (have) {
		/* An edit made at some station: the newest wins, a cancelled one stays cancelled. */
		struct store_stmt *st = store_stmt(s,
			"UPDATE commitment SET role = ?2, role_kind = ?3, team = ?4, details = ?5, "
			"updated_at = ?6 WHERE id = ?1 AND cancelled_at IS NULL AND updated_at < ?6");
		if (!st)
			goto out;
		store_bind_int(st, 1, have);
		store_bind_text(st, 2, role);
		store_bind_text(st, 3, kind);
		store_bind_text(st, 4, team);
		store_bind_text(st, 5, dj);
		store_bind_int(st, 6, updated);
		int rc = store_step(st);
		store_reset(st);
		ret = rc < 0 ? -1 : 1;
		goto out;
	}
	int64_t pid = person_resolve(s, person, ext);
	if (pid <= 0) {
		ret = pid < 0 ? -1 : 0;   /* the person's records have not arrived: wait */
		goto out;
	}
	struct store_stmt *st = store_stmt(s,
		"INSERT INTO commitment(uuid, event, person_id, role, role_kind, team, details,"
		" lang, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	if (!st)
		goto out;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, event);
	store_bind_int(st, 3, pid);
	store_bind_text(st, 4, role);
	store_bind_text(st, 5, kind);
	store_bind_text(st, 6, team);
	store_bind_text(st, 7, dj);
	store_bind_text(st, 8, lang);
	store_bind_int(st, 9, created);
	store_bind_int(st, 10, updated);
	int rc = store_step(st);
	store_reset(st);
	ret = rc < 0 ? -1 : 1;
out:
	free(dj);
	return ret;
}

static int apply_commitment_cancel(struct store *s, json_t *o)
{
	int bad = 0;
	const char *uuid = get_uuid(o, "uuid", 1, &bad);
	int64_t at = get_int(o, "cancelled_at", &bad);
	if (bad)
		return -1;
	int64_t have = id_by(s, "SELECT id FROM commitment WHERE uuid = ?1", uuid);
	if (have <= 0)
		return have < 0 ? -1 : 0;
	struct store_stmt *st = store_stmt(s,
		"UPDATE commitment SET cancelled_at = min(coalesce(cancelled_at, ?2), ?2), "
		"updated_at = max(updated_at, ?2) WHERE id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, have);
	store_bind_int(st, 2, at);
	int rc = store_step(st);
	store_reset(st);
	return rc < 0 ? -1 : 1;
}

/* ---- the agenda: one writer (the stage); the others keep its log ---- */

static int apply_agenda(struct store *s, json_t *o)
{
	int bad = 0;
	const char *uuid = get_uuid(o, "uuid", 1, &bad);
	const char *event = get_str(o, "event", 127, 1, &bad);
	int64_t segno = get_int(o, "segment_number", &bad);
	const char *title = get_str(o, "title", 400, 1, &bad);
	const char *what = get_str(o, "what", 64, 1, &bad);
	int64_t at = get_int(o, "at", &bad);
	const char *value = get_str(o, "value", 400, 0, &bad);
	if (bad)
		return -1;
	if (segno < 1 || segno > 1000)
		return err_set("field 'segment_number' is out of range");
	struct store_stmt *st = store_stmt(s,
		"INSERT OR IGNORE INTO agenda_log(uuid, event, segment, title, what, at, value) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!st)
		return -1;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, event);
	store_bind_int(st, 3, segno - 1);
	store_bind_text(st, 4, title);
	store_bind_text(st, 5, what);
	store_bind_int(st, 6, at);
	store_bind_text(st, 7, value);
	int rc = store_step(st);
	store_reset(st);
	return rc < 0 ? -1 : 1;
}

int sync_apply_record(struct store *s, const struct sync_record *r)
{
	static const struct {
		const char *kind;
		int (*fn)(struct store *s, json_t *o);
	} KINDS[] = {
		{"person", apply_person}, {"checkin", apply_checkin},
		{"checkin_undo", apply_checkin_undo}, {"commitment", apply_commitment},
		{"commitment_cancel", apply_commitment_cancel}, {"agenda", apply_agenda},
	};
	json_error_t je;
	json_t *o = json_loads(r->payload, JSON_REJECT_DUPLICATES, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return err_set("the payload is not a JSON object");
	}
	int rc = 1;   /* a kind from a newer station is kept and passed on, not applied */
	for (size_t i = 0; i < ARRAY_SIZE(KINDS); i++)
		if (!strcmp(r->kind, KINDS[i].kind)) {
			rc = KINDS[i].fn(s, o);
			break;
		}
	json_decref(o);
	return rc;
}
