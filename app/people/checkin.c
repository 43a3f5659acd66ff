/* People: check-in and walk-in transactions, and the organizer's view of them (people.h). */
#include "people.h"
#include "phone_intl.h"
#include "people/internal.h"
#include "people/index.h"
#include "clock.h"
#include "i18n.h"
#include "outbox.h"
#include "store.h"
#include "textnorm.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---- check-in ---- */

static char *checkin_payload(const char *uuid, const char *event, const char *person_uuid,
			     const char *ext, const char *first, const char *last, int64_t at,
			     int synced, const char *method)
{
	char li[8];
	people_first_char(last, li);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:I, s:b, s:s}",
			      "uuid", uuid, "event", event, "person", person_uuid,
			      "external_id", people_or_null(ext), "first_name", first, "last_initial", li,
			      "at", (json_int_t)at, "clock_synced", synced, "method", method);
	if (!o) {
		err_set("cannot build the check-in record");
		return NULL;
	}
	char *js = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!js)
		err_set("cannot build the check-in record");
	return js;
}

/* Steps st, whose ?1 is the id, to its one row, which the caller reads and then resets.
 * Without a row (or on an error) st is reset and -1 returned: "no WHAT with id N".
 * st may be NULL: store_stmt() failed and set the error. */
static int row_by_id(struct store_stmt *st, int64_t id, const char *what)
{
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	int rc = store_step(st);
	if (rc != STORE_ROW) {
		store_reset(st);
		/* A failed step is the store's error, not a missing row. */
		return rc < 0 ? -1 : err_set("no %s with id %lld", what, (long long)id);
	}
	return 0;
}

/* Inside a transaction: checks the person in unless already. */
static int checkin_tx(struct store *s, const struct clock *c, const char *event, int64_t pid,
		      const char *method, int64_t *checkin_id)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT id FROM checkin WHERE event = ?1 AND person_id = ?2 AND undone_at IS NULL");
	if (!st)
		return -1;
	store_bind_text(st, 1, event);
	store_bind_int(st, 2, pid);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		if (checkin_id)
			*checkin_id = store_col_int(st, 0);
		store_reset(st);
		return PEOPLE_CHECKIN_ALREADY;
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	st = store_stmt(s, "SELECT uuid, external_id, first_name, last_name FROM person WHERE id = ?1");
	if (row_by_id(st, pid, "person") < 0)
		return -1;
	char uuid[37];
	uuid_v4(uuid);
	int64_t now = clock_now(c);
	int synced = clock_synchronised(c);
	char *js = checkin_payload(uuid, event, store_col_text(st, 0), store_col_text(st, 1),
				   store_col_text(st, 2), store_col_text(st, 3), now, synced, method);
	char person_uuid[37];
	str_copy(person_uuid, sizeof(person_uuid), store_col_text(st, 0));
	store_reset(st);
	if (!js)
		return -1;
	int ret = -1;
	st = store_stmt(s, "INSERT INTO checkin(uuid, event, person_id, at, clock_synced, method) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		goto out;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, event);
	store_bind_int(st, 3, pid);
	store_bind_int(st, 4, now);
	store_bind_int(st, 5, synced);
	store_bind_text(st, 6, method);
	rc = store_step(st);
	store_reset(st);
	if (rc < 0)
		goto out;
	if (checkin_id)
		*checkin_id = store_last_id(s);
	if (outbox_add(s, c, "checkin", person_uuid, js, NULL) < 0)
		goto out;
	ret = PEOPLE_CHECKIN_OK;
out:
	free(js);
	return ret;
}

int people_checkin(struct store *s, const struct clock *c, const char *event, int64_t person_id,
		   const char *method, int64_t *checkin_id_out)
{
	int64_t cid = 0;
	if (store_tx_begin(s) < 0)
		return -1;
	int rc = checkin_tx(s, c, event, person_id, method, &cid);
	if (rc == PEOPLE_CHECKIN_OK) {
		if (store_tx_commit(s) < 0)
			return -1;
	} else {
		store_tx_rollback(s);
	}
	if (rc >= 0 && checkin_id_out)
		*checkin_id_out = cid;
	return rc;
}

int people_checkin_undo(struct store *s, const struct clock *c, int64_t checkin_id)
{
	if (store_tx_begin(s) < 0)
		return -1;
	struct store_stmt *st = store_stmt(s,
		"SELECT c.uuid, c.event, p.uuid, c.undone_at IS NOT NULL FROM checkin c "
		"JOIN person p ON p.id = c.person_id WHERE c.id = ?1");
	if (row_by_id(st, checkin_id, "check-in") < 0)
		goto fail;
	if (store_col_int(st, 3)) {
		store_reset(st);
		store_tx_rollback(s);
		return 1;
	}
	int64_t now = clock_now(c);
	char person_uuid[37];
	str_copy(person_uuid, sizeof(person_uuid), store_col_text(st, 2));
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b}", "checkin", store_col_text(st, 0),
			      "event", store_col_text(st, 1), "person", person_uuid,
			      "at", (json_int_t)now, "clock_synced", clock_synchronised(c));
	store_reset(st);
	char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!js) {
		err_set("cannot build the undo record");
		goto fail;
	}
	st = store_stmt(s, "UPDATE checkin SET undone_at = ?2 WHERE id = ?1");
	int rc = -1;
	if (st) {
		store_bind_int(st, 1, checkin_id);
		store_bind_int(st, 2, now);
		rc = store_step(st);
		store_reset(st);
	}
	if (rc < 0 || outbox_add(s, c, "checkin_undo", person_uuid, js, NULL) < 0) {
		free(js);
		goto fail;
	}
	free(js);
	return store_tx_commit(s);
fail:
	store_tx_rollback(s);
	return -1;
}

/* ---- walk-ins ---- */

char *people_payload_json(struct store *s, int64_t person_id)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT uuid, external_id, first_name, last_name, email, phone, postcode, lang, "
		"source, consent_version, consent_at, created_at FROM person WHERE id = ?1");
	if (row_by_id(st, person_id, "person") < 0)
		return NULL;
	/* The campaign gets the number it can dial from anywhere: +45..., +46... (stored in the
	 * national form the door's matching uses). */
	char phone[40] = "";
	if (!store_col_is_null(st, 5) && phone_intl(store_col_text(st, 5), phone, sizeof(phone)) < 0)
		phone[0] = '\0';
	json_t *o = json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:I}",
			      "uuid", store_col_text(st, 0),
			      "external_id", people_or_null(store_col_text(st, 1)),
			      "first_name", store_col_text(st, 2),
			      "last_name", store_col_text(st, 3),
			      "email", people_or_null(store_col_text(st, 4)),
			      "phone", people_or_null(phone),
			      "postcode", people_or_null(store_col_text(st, 6)),
			      "lang", people_or_null(store_col_text(st, 7)),
			      "source", store_col_text(st, 8),
			      "created_at", (json_int_t)store_col_int(st, 11));
	if (o && !store_col_is_null(st, 9))
		json_object_set_new(o, "consent",
				    json_pack("{s:s, s:I}", "version", store_col_text(st, 9),
					      "at", (json_int_t)store_col_int(st, 10)));
	store_reset(st);
	char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!js)
		err_set("cannot build the person record");
	return js;
}

static int person_outbox(struct store *s, const struct clock *c, int64_t id)
{
	char *js = people_payload_json(s, id);
	if (!js)
		return -1;
	struct store_stmt *st = store_stmt(s, "SELECT uuid FROM person WHERE id = ?1");
	int rc = -1;
	if (st) {
		store_bind_int(st, 1, id);
		int step = store_step(st);
		if (step == STORE_ROW) {
			char uuid[37];
			str_copy(uuid, sizeof(uuid), store_col_text(st, 0));
			store_reset(st);
			rc = outbox_add(s, c, "person", uuid, js, NULL);
		} else {
			store_reset(st);
			if (step == STORE_DONE)
				err_set("no person with id %lld", (long long)id);
		}
	}
	free(js);
	return rc;
}

/* The same name, as people write it: first and last name equal after folding case, accents and
 * the Nordic spellings (Åsa = Aasa = Asa; Öberg = Oeberg = Oberg). 1, 0, or -1 on error. */
int people_names_agree(struct store *s, int64_t id, const char *first, const char *last)
{
	struct store_stmt *st = store_stmt(s, "SELECT first_name, last_name FROM person WHERE id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	int rc = store_step(st);
	int agree = 0;
	if (rc == STORE_ROW) {
		char a[PEOPLE_NAME_MAX], b[PEOPLE_NAME_MAX];
		const char *theirs[2] = {store_col_text(st, 0), store_col_text(st, 1)};
		const char *ours[2] = {first, last};
		agree = 1;
		for (int i = 0; i < 2 && agree; i++) {
			textnorm_fold(theirs[i], TEXTNORM_COLLAPSED, a, sizeof(a));
			textnorm_fold(ours[i], TEXTNORM_COLLAPSED, b, sizeof(b));
			agree = !strcmp(a, b);
		}
	}
	store_reset(st);
	return rc < 0 ? -1 : agree;
}

int people_walkin(struct store *s, const struct clock *c, const char *event,
		  const struct people_walkin *w, struct people_walkin_errors *e,
		  struct people_walkin_result *r)
{
	if (people_walkin_validate(w, e) > 0)
		return 1;
	if (w->consent && people_is_blank(w->consent_version))
		return err_set("consent given but the pack has no consent version");
	char first[PEOPLE_NAME_MAX], last[PEOPLE_NAME_MAX], email[320] = "", phone[32] = "";
	char postcode[8] = "", li[8];
	people_trimmed(w->first_name, first, sizeof(first));
	people_trimmed(w->last_name, last, sizeof(last));
	if (!people_is_blank(w->email)) {
		people_trimmed(w->email, email, sizeof(email));
		people_ascii_lower(email);
	}
	if (!people_is_blank(w->phone))
		people_phone_norm(w->phone, phone, sizeof(phone));
	if (!people_is_blank(w->postcode))
		people_postcode_norm(w->postcode, postcode);
	people_first_char(last, li);
	int64_t now = clock_now(c);
	struct people_walkin_result res;
	memset(&res, 0, sizeof(res));
	if (store_tx_begin(s) < 0)
		return -1;
	int64_t id = people_person_find(s, NULL, email, phone);
	if (id < 0)
		goto fail;
	/* A known email or phone under another name is not that person (someone typed a
	 * partner's email, or a typo hit a stranger's): a new person, marked for the organizers. */
	int64_t dup_of = 0;
	if (id > 0) {
		int agree = people_names_agree(s, id, first, last);
		if (agree < 0)
			goto fail;
		if (!agree) {
			dup_of = id;
			id = 0;
		}
	}
	struct store_stmt *st;
	if (id > 0) {
		res.merged = 1;
		if (w->consent) {
			/* A known person who consents: keep their name, fill in new details. */
			st = store_stmt(s,
				"UPDATE person SET email = coalesce(?2, email), phone = coalesce(?3, phone), "
				"postcode = coalesce(?4, postcode), lang = coalesce(?5, lang), "
				"consent_version = ?6, consent_at = ?7, updated_at = ?7 WHERE id = ?1");
			if (!st)
				goto fail;
			store_bind_int(st, 1, id);
			store_bind_text(st, 2, people_or_null(email));
			store_bind_text(st, 3, people_or_null(phone));
			store_bind_text(st, 4, people_or_null(postcode));
			store_bind_text(st, 5, people_or_null(w->lang));
			store_bind_text(st, 6, w->consent_version);
			store_bind_int(st, 7, now);
			int rc = store_step(st);
			store_reset(st);
			if (rc < 0)
				goto fail;
			/* The email may be new: search by it too. */
			if (people_index_touch(s, id) < 0)
				goto fail;
			if (person_outbox(s, c, id) < 0)
				goto fail;
		}
	} else {
		char uuid[37];
		uuid_v4(uuid);
		st = store_stmt(s,
			"INSERT INTO person(uuid, first_name, last_name, email, phone, postcode, lang, "
			"source, consent_version, consent_at, created_at, updated_at, duplicate_of) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'walkin', ?8, ?9, ?10, ?10, ?11)");
		if (!st)
			goto fail;
		store_bind_text(st, 1, uuid);
		store_bind_text(st, 2, first);
		if (w->consent) {
			store_bind_text(st, 3, last);
			store_bind_text(st, 4, people_or_null(email));
			store_bind_text(st, 5, people_or_null(phone));
			store_bind_text(st, 6, people_or_null(postcode));
			store_bind_text(st, 8, w->consent_version);
			store_bind_int(st, 9, now);
		} else {
			/* No consent: first name and last initial only; nothing to contact them by. */
			store_bind_text(st, 3, li);
		}
		store_bind_text(st, 7, people_or_null(w->lang));
		store_bind_int(st, 10, now);
		if (dup_of)
			store_bind_int(st, 11, dup_of);
		else
			store_bind_null(st, 11);
		int rc = store_step(st);
		store_reset(st);
		if (rc < 0)
			goto fail;
		id = store_last_id(s);
		if (people_index_touch(s, id) < 0)
			goto fail;
		if (w->consent && person_outbox(s, c, id) < 0)
			goto fail;
	}
	res.person_id = id;
	res.possible_duplicate = dup_of != 0;
	int rc = checkin_tx(s, c, event, id, "walkin", &res.checkin_id);
	if (rc < 0)
		goto fail;
	res.already = rc == PEOPLE_CHECKIN_ALREADY;
	if (store_tx_commit(s) < 0)
		return -1;
	*r = res;
	return 0;
fail:
	store_tx_rollback(s);
	return -1;
}

/* ---- organizer view ---- */

int people_counts(struct store *s, const char *event, struct people_counts *out)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT (SELECT count(*) FROM checkin WHERE event = ?1 AND undone_at IS NULL), "
		"(SELECT count(*) FROM checkin c JOIN person p ON p.id = c.person_id "
		" WHERE c.event = ?1 AND c.undone_at IS NULL AND p.source = 'walkin'), "
		"(SELECT count(*) FROM person p WHERE p.source = 'roster' AND NOT EXISTS "
		" (SELECT 1 FROM checkin c WHERE c.event = ?1 AND c.person_id = p.id "
		"  AND c.undone_at IS NULL))");
	if (!st)
		return -1;
	store_bind_text(st, 1, event);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		out->checked_in = (int)store_col_int(st, 0);
		out->walkins = (int)store_col_int(st, 1);
		out->not_arrived = (int)store_col_int(st, 2);
	}
	store_reset(st);
	return rc == STORE_ROW ? 0 : -1;
}

int people_recent(struct store *s, const char *event, int offset,
		  struct people_checkin_row *out, int max)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT c.id, c.person_id, c.at, c.method, p.first_name, p.last_name, p.source, "
		"p.duplicate_of IS NOT NULL "
		"FROM checkin c JOIN person p ON p.id = c.person_id "
		"WHERE c.event = ?1 AND c.undone_at IS NULL ORDER BY c.at DESC, c.id DESC "
		"LIMIT ?2 OFFSET ?3");
	if (!st)
		return -1;
	store_bind_text(st, 1, event);
	store_bind_int(st, 2, max);
	store_bind_int(st, 3, offset);
	int n = 0, rc = 0;
	while (n < max && (rc = store_step(st)) == STORE_ROW) {
		struct people_checkin_row *r = &out[n++];
		memset(r, 0, sizeof(*r));
		r->checkin_id = store_col_int(st, 0);
		r->person_id = store_col_int(st, 1);
		r->at = store_col_int(st, 2);
		people_copy_cut(r->method, sizeof(r->method), store_col_text(st, 3));
		people_copy_cut(r->first_name, sizeof(r->first_name), store_col_text(st, 4));
		people_first_char(store_col_text(st, 5), r->last_initial);
		r->walkin = strcmp(store_col_text(st, 6), "walkin") == 0;
		r->possible_duplicate = (int)store_col_int(st, 7);
	}
	store_reset(st);
	return rc < 0 ? -1 : n;
}

int people_not_duplicate(struct store *s, int64_t person_id)
{
	if (store_tx_begin(s) < 0)
		return -1;
	struct store_stmt *st = store_stmt(s, "UPDATE person SET duplicate_of = NULL WHERE id = ?1");
	if (!st) {
		store_tx_rollback(s);
		return -1;
	}
	store_bind_int(st, 1, person_id);
	int rc = store_step(st);
	store_reset(st);
	if (rc < 0) {
		store_tx_rollback(s);
		return -1;
	}
	return store_tx_commit(s);
}
