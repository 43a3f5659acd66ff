/* JSON forms of what stations exchange (jansson), with every field checked: what comes from the
 * network is hostile until it has passed here.
 *
 * A record: {"origin": UUID, "seq": N, "uuid": UUID, "kind": "checkin", "person": UUID or "",
 *            "payload": "JSON text as stored", "created_at": MS, "clock_synced": 0|1}
 * A vector: {"ORIGIN-UUID": SEQ, ...} */
#include "sync/internal.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

json_t *sync_wire_records(const struct sync_page *p)
{
	json_t *a = json_array();
	for (int i = 0; i < p->n; i++) {
		const struct sync_record *r = &p->items[i];
		json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:i}",
						   "origin", r->origin, "seq", (json_int_t)r->seq,
						   "uuid", r->uuid, "kind", r->kind,
						   "person", r->person_uuid, "payload", r->payload,
						   "created_at", (json_int_t)r->created_at,
						   "clock_synced", r->clock_synced ? 1 : 0));
	}
	return a;
}

static int bad_field(int i, const char *field, const char *what)
{
	return err_set("record %d: '%s' %s", i + 1, field, what);
}

static const char *str_field(json_t *o, const char *key, size_t max)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static int kind_ok(const char *k)
{
	size_t n = strlen(k);
	if (n < 1 || n > 23)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || k[i] == '_'))
			return 0;
	return 1;
}

int sync_wire_parse_records(json_t *arr, struct sync_page *p)
{
	memset(p, 0, sizeof(*p));
	if (!json_is_array(arr))
		return err_set("'records' is not a list");
	size_t n = json_array_size(arr);
	if (n > SYNC_PAGE_MAX)
		return err_set("'records' has %zu records (at most %d a page)", n, SYNC_PAGE_MAX);
	p->items = xcalloc(n ? n : 1, sizeof(*p->items));
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		struct sync_record *r = &p->items[i];
		int ii = (int)i;
		const char *s;
		if (!json_is_object(o)) {
			err_set("record %d is not an object", ii + 1);
			goto fail;
		}
		if (!(s = str_field(o, "origin", 36)) || !sync_is_uuid(s)) {
			bad_field(ii, "origin", "is not a uuid");
			goto fail;
		}
		str_copy(r->origin, sizeof(r->origin), s);
		json_t *v = json_object_get(o, "seq");
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			bad_field(ii, "seq", "is not a whole number of at least 1");
			goto fail;
		}
		r->seq = json_integer_value(v);
		if (!(s = str_field(o, "uuid", 36)) || !sync_is_uuid(s)) {
			bad_field(ii, "uuid", "is not a uuid");
			goto fail;
		}
		str_copy(r->uuid, sizeof(r->uuid), s);
		if (!(s = str_field(o, "kind", 23)) || !kind_ok(s)) {
			bad_field(ii, "kind", "is not a kind (a-z and _, at most 23)");
			goto fail;
		}
		str_copy(r->kind, sizeof(r->kind), s);
		if (!(s = str_field(o, "person", 36)) || (s[0] && !sync_is_uuid(s))) {
			bad_field(ii, "person", "is neither a uuid nor \"\"");
			goto fail;
		}
		str_copy(r->person_uuid, sizeof(r->person_uuid), s);
		if (!(s = str_field(o, "payload", SYNC_PAYLOAD_MAX))) {
			bad_field(ii, "payload", "is not a text of at most 16384 bytes");
			goto fail;
		}
		r->payload = xstrdup(s);
		p->n = ii + 1;
		v = json_object_get(o, "created_at");
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			bad_field(ii, "created_at", "is not a time");
			goto fail;
		}
		r->created_at = json_integer_value(v);
		v = json_object_get(o, "clock_synced");
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1) {
			bad_field(ii, "clock_synced", "is not 0 or 1");
			goto fail;
		}
		r->clock_synced = (int)json_integer_value(v);
	}
	p->n = (int)n;
	return 0;
fail:
	sync_page_release(p);
	return -1;
}

json_t *sync_wire_vector(const struct sync_vector *v)
{
	json_t *o = json_object();
	for (int i = 0; i < v->n; i++)
		json_object_set_new(o, v->e[i].origin, json_integer(v->e[i].seq));
	return o;
}

int sync_wire_parse_vector(json_t *obj, struct sync_vector *v)
{
	memset(v, 0, sizeof(*v));
	if (!json_is_object(obj))
		return err_set("'vector' is not an object");
	if (json_object_size(obj) > SYNC_ORIGINS_MAX)
		return err_set("'vector' names %zu stations (at most %d)", json_object_size(obj),
			       SYNC_ORIGINS_MAX);
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		if (!sync_is_uuid(key))
			return err_set("'vector' has a key that is not a station id");
		if (!json_is_integer(val) || json_integer_value(val) < 0)
			return err_set("'vector' of station '%s' is not a whole number", key);
		str_copy(v->e[v->n].origin, SYNC_ID_LEN, key);
		v->e[v->n].seq = json_integer_value(val);
		v->n++;
	}
	return 0;
}
