/* The webhook target and the barnstorm.v1 document (webdav PUTs the same document): one JSON
 * document per batch, keyed "FIRST_UUID.LAST_UUID" so the receiver can drop a retry it has. */
#include "upload/engine.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void iso_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		str_copy(out, 32, "1970-01-01T00:00:00.000Z");
		return;
	}
	char base[24];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	str_fmt(out, 32, "%s.%03dZ", base, (int)(ms % 1000 + 1000) % 1000);
}

/* The payload as JSON (a stored payload that does not parse is sent as null: the record still
 * arrives, with its uuid, and the receiver sees the problem). New reference. */
json_t *upload_payload_json(const char *text)
{
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	return j ? j : json_null();
}

static json_t *record_json(const struct outbox_record *r)
{
	char at[32];
	iso_time(r->created_at, at);
	json_t *o = json_object();
	json_object_set_new(o, "uuid", json_string(r->uuid));
	json_object_set_new(o, "kind", json_string(r->kind));
	json_object_set_new(o, "person_uuid", r->person_uuid[0] ? json_string(r->person_uuid)
								 : json_null());
	json_object_set_new(o, "created_at", json_string(at));
	json_object_set_new(o, "clock_synced", json_boolean(r->clock_synced));
	json_object_set_new(o, "payload", upload_payload_json(r->payload));
	return o;
}

/* The webhook/webdav document for a batch; a new string the caller frees, or NULL when too big. */
static char *batch_document(struct engine *e, const struct outbox_batch *b, const char *key)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema", json_string("barnstorm.v1"));
	json_object_set_new(doc, "kiosk", json_string(e->kiosk_id));
	json_object_set_new(doc, "batch", json_string(key));
	json_t *ev = json_object();
	json_object_set_new(ev, "id", json_string(e->t.event_id));
	json_object_set_new(ev, "title", json_string(e->t.event_title));
	json_object_set_new(doc, "event", ev);
	json_t *recs = json_array();
	for (int i = 0; i < b->n; i++)
		json_array_append_new(recs, record_json(&b->items[i]));
	json_object_set_new(doc, "records", recs);
	char *s = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (s && strlen(s) > BODY_MAX) {
		free(s);
		s = NULL;
	}
	return s;
}

static void batch_key(const struct outbox_batch *b, char out[80])
{
	/* Stable across retries: the batch is pinned (outbox.h), so its ends never change. */
	str_fmt(out, 80, "%s.%s", b->items[0].uuid, b->items[b->n - 1].uuid);
}

/* Sends the batch as one JSON document to url, keyed so that the receiver can drop a retry it
 * already has. */
enum outcome upload_send_document(struct engine *e, const struct outbox_batch *b,
				  const char *method, const char *url, long *retry_after)
{
	char key[80];
	batch_key(b, key);
	char *body = batch_document(e, b, key);
	if (!body) {
		str_copy(e->reason, sizeof(e->reason), "a batch of records is too large to send");
		return PARK;
	}
	struct request q = { method, url, body, strlen(body), "application/json", key };
	struct reply r;
	int rc = upload_http(e, &q, &r);
	free(body);
	enum outcome out = rc == -2 ? STOPPED : upload_classify(e, &r);
	*retry_after = r.retry_after_s;
	upload_reply_release(&r);
	return out;
}

enum outcome upload_send_webhook(struct engine *e, const struct outbox_batch *b,
				 long *retry_after)
{
	return upload_send_document(e, b, "POST", e->t.url, retry_after);
}
