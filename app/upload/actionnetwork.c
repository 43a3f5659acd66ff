/* The Action Network target: one record per request, people to the person signup helper,
 * check-ins to the record attendance helper (or a tag), commitments as tags (see upload.h). */
#include "upload/engine.h"
#include "store.h"
#include "util.h"

#include <string.h>

static const char *jstr(json_t *o, const char *k1, const char *k2)
{
	const char *v = json_string_value(json_object_get(o, k1));
	if ((!v || !*v) && k2)
		v = json_string_value(json_object_get(o, k2));
	return v && *v ? v : NULL;
}

/* The person's email for Action Network: from the record itself, else from the person's latest
 * "person" record (written only with consent), else from the roster (the campaign's own list).
 * Copies into out[size] ("" when unknown) and returns 0; -1 with err_msg() when the store failed,
 * which must not pass for "unknown" (the record would count as sent without a request). */
static int an_email(struct engine *e, const struct outbox_record *r, json_t *payload,
		    char *out, size_t size)
{
	out[0] = '\0';
	const char *v = jstr(payload, "email", NULL);
	if (v) {
		str_copy(out, size, v);
		return 0;
	}
	if (!r->person_uuid[0])
		return 0;
	struct store_stmt *st = store_stmt(e->store,
		"SELECT payload FROM outbox WHERE kind = 'person' AND person_uuid = ?1 "
		"ORDER BY id DESC LIMIT 1");
	if (!st)
		return -1;
	store_bind_text(st, 1, r->person_uuid);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		json_t *p = json_loads(store_col_text(st, 0), 0, NULL);
		if (p && (v = jstr(p, "email", NULL)))
			str_copy(out, size, v);
		json_decref(p);
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	if (out[0])
		return 0;
	st = store_stmt(e->store, "SELECT email FROM person WHERE uuid = ?1 AND source = 'roster' "
				  "AND email IS NOT NULL");
	if (!st)
		return -1;
	store_bind_text(st, 1, r->person_uuid);
	rc = store_step(st);
	if (rc == STORE_ROW)
		str_copy(out, size, store_col_text(st, 0));
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* {"person": {...}} for the helpers from a person payload (only what it carries). */
static json_t *an_person(json_t *payload, const char *email)
{
	json_t *p = json_object();
	const char *v;
	if ((v = jstr(payload, "first_name", "given_name")))
		json_object_set_new(p, "given_name", json_string(v));
	if ((v = jstr(payload, "last_name", "family_name")))
		json_object_set_new(p, "family_name", json_string(v));
	if (email && *email) {
		json_t *a = json_array(), *m = json_object();
		json_object_set_new(m, "address", json_string(email));
		json_array_append_new(a, m);
		json_object_set_new(p, "email_addresses", a);
	}
	if ((v = jstr(payload, "phone", NULL))) {
		json_t *a = json_array(), *m = json_object();
		json_object_set_new(m, "number", json_string(v));
		json_array_append_new(a, m);
		json_object_set_new(p, "phone_numbers", a);
	}
	if ((v = jstr(payload, "postcode", "postal_code"))) {
		json_t *a = json_array(), *m = json_object();
		json_object_set_new(m, "postal_code", json_string(v));
		json_array_append_new(a, m);
		json_object_set_new(p, "postal_addresses", a);
	}
	return p;
}

static void add_tag(json_t *tags, const char *prefix, const char *v)
{
	if (!v || !*v)
		return;
	char t[256];
	str_fmt(t, sizeof(t), "%s%s", prefix, v);
	json_array_append_new(tags, json_string(t));
}

/* 1 when an Action Network answer names what it created: {"identifiers": ["..."]}. */
static int an_reply_ok(const struct reply *r)
{
	if (r->toobig || r->len == 0)
		return 0;
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	json_t *ids = json_object_get(j, "identifiers");
	int ok = json_is_array(ids) && json_array_size(ids) > 0 &&
		 json_is_string(json_array_get(ids, 0));
	json_decref(j);
	return ok;
}

/* One record to Action Network: people through the person signup helper, check-ins through the
 * record attendance helper (or a tag when the pack names no event), commitments as tags. Kinds
 * with nothing to say there, and records whose person cannot be identified (no email given with
 * consent), are accepted without a request (*skipped = 1). */
enum outcome upload_send_an(struct engine *e, const struct outbox_record *r, long *retry_after,
			    int *skipped)
{
	*skipped = 0;
	json_t *payload = upload_payload_json(r->payload);
	json_t *body = NULL;
	char url[2200];
	char email[320];
	enum outcome out = SENT;

	if (an_email(e, r, payload, email, sizeof(email)) < 0) {
		str_fmt(e->reason, sizeof(e->reason), "cannot look up the email of person %s: %s",
			r->person_uuid, err_msg());
		out = RETRY;
		goto out;
	}
	int is_person = strcmp(r->kind, "person") == 0;
	int is_checkin = strcmp(r->kind, "checkin") == 0;
	int is_commit = strcmp(r->kind, "commitment") == 0;
	if ((!is_person && !is_checkin && !is_commit) || !email[0]) {
		*skipped = 1;
		goto out;
	}
	body = json_object();
	json_object_set_new(body, "person", an_person(is_person ? payload : NULL, email));
	if (is_checkin && e->t.an_event) {
		str_fmt(url, sizeof(url), "%s/events/%s/attendances/", e->t.url, e->t.an_event);
	} else {
		str_fmt(url, sizeof(url), "%s/people/", e->t.url);
		json_t *tags = json_array();
		if (is_checkin)
			add_tag(tags, "Attended: ", e->t.event_title);
		if (is_commit) {
			add_tag(tags, "Barnstorm role: ", jstr(payload, "role", NULL));
			add_tag(tags, "Barnstorm team: ", jstr(payload, "team", NULL));
		}
		if (json_array_size(tags) > 0)
			json_object_set_new(body, "add_tags", tags);
		else
			json_decref(tags);
	}
	char *text = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
	struct request q = { "POST", url, text, strlen(text), "application/json", r->uuid };
	struct reply rep;
	int rc = upload_http(e, &q, &rep);
	free(text);
	if (rc == -2) {
		out = STOPPED;
	} else {
		out = upload_classify(e, &rep);
		*retry_after = rep.retry_after_s;
		if (out == SENT && !an_reply_ok(&rep)) {
			/* Action Network answers 200 with an empty body when a helper failed. */
			str_fmt(e->reason, sizeof(e->reason), "HTTP %ld from %s without %s (%s): will "
				"retry", rep.status, e->t.host, is_checkin && e->t.an_event ?
				"an attendance" : "a person", rep.len ? "no identifiers" : "empty body");
			out = RETRY;
		}
	}
	upload_reply_release(&rep);
out:
	memset(email, 0, sizeof(email));
	json_decref(body);
	json_decref(payload);
	return out;
}
