/* The per-origin change log, the version vector, pull and apply (sync.h). A station's own
 * records are the outbox's (origin, seq) columns; other stations' are sync_record's. */
#include "sync/internal.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t sync_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sync_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sync_station_id(struct store *s, char *out)
{
	char v[64];
	if (store_meta_get(s, "station_id", v, sizeof(v)) < 0)
		return -1;
	if (!sync_is_uuid(v))
		return err_set("the station id in '%s' is missing or damaged", store_path(s));
	str_copy(out, SYNC_ID_LEN, v);
	return 0;
}

int sync_about_ok(const char *name, const char *role)
{
	/* A role's shape only: which roles there are is core/station.c's to say (a newer station's
	 * role is shown without a label there, not refused here). */
	if (strlen(role) >= SYNC_ROLE_MAX || strlen(name) >= SYNC_NAME_MAX)
		return 0;
	for (const char *c = role; *c; c++)
		if (*c < 'a' || *c > 'z')
			return 0;
	/* A label on a screen: no control characters (jansson has checked the UTF-8). */
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		if (*c < 0x20 || *c == 0x7F)
			return 0;
	return 1;
}

int sync_about_self(struct store *s, struct sync_about *out)
{
	memset(out, 0, sizeof(*out));
	char name[128], role[32];
	if (sync_station_id(s, out->id) < 0 || store_meta_get(s, "station_name", name, sizeof(name)) < 0 ||
	    store_meta_get(s, "station_role", role, sizeof(role)) < 0)
		return -1;
	/* What core/station.c saved; anything else (a hand-edited database) is not told. */
	if (sync_about_ok(name, role)) {
		str_copy(out->name, sizeof(out->name), name);
		str_copy(out->role, sizeof(out->role), role);
	}
	return 0;
}

int64_t sync_vector_lack(const struct sync_vector *a, const struct sync_vector *b,
			 const char *skip)
{
	int64_t n = 0;
	for (int i = 0; i < a->n; i++) {
		if (skip && !strcmp(a->e[i].origin, skip))
			continue;
		int64_t d = a->e[i].seq - sync_vector_seq(b, a->e[i].origin);
		if (d > 0)
			n += d;
	}
	return n;
}

int sync_vector_get(struct store *s, struct sync_vector *v)
{
	memset(v, 0, sizeof(*v));
	char self[SYNC_ID_LEN];
	if (sync_station_id(s, self) < 0)
		return -1;
	struct store_stmt *st = store_stmt(s,
		"SELECT coalesce(max(seq), 0) FROM outbox WHERE origin = ?1");
	if (!st)
		return -1;
	store_bind_text(st, 1, self);
	int rc = store_step(st);
	if (rc != STORE_ROW) {
		store_reset(st);
		return rc < 0 ? -1 : err_set("cannot read the outbox of '%s'", store_path(s));
	}
	str_copy(v->e[0].origin, SYNC_ID_LEN, self);
	v->e[0].seq = store_col_int(st, 0);
	v->n = 1;
	store_reset(st);
	st = store_stmt(s, "SELECT origin, max(seq) FROM sync_record GROUP BY origin ORDER BY origin");
	if (!st)
		return -1;
	while ((rc = store_step(st)) == STORE_ROW) {
		if (v->n == SYNC_ORIGINS_MAX) {
			store_reset(st);
			return err_set("'%s' holds records of more than %d stations", store_path(s),
				       SYNC_ORIGINS_MAX);
		}
		str_copy(v->e[v->n].origin, SYNC_ID_LEN, store_col_text(st, 0));
		v->e[v->n].seq = store_col_int(st, 1);
		v->n++;
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int64_t sync_vector_seq(const struct sync_vector *v, const char *origin)
{
	for (int i = 0; i < v->n; i++)
		if (!strcmp(v->e[i].origin, origin))
			return v->e[i].seq;
	return 0;
}

void sync_page_release(struct sync_page *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->items[i].payload);
	free(p->items);
	p->items = NULL;
	p->n = 0;
	p->more = 0;
}

/* A record from a row of "SELECT origin, seq, uuid, kind, coalesce(person_uuid, ''), payload,
 * created_at, clock_synced" (the outbox and sync_record alike). */
static void record_of_row(struct store_stmt *st, struct sync_record *r)
{
	str_copy(r->origin, sizeof(r->origin), store_col_text(st, 0));
	r->seq = store_col_int(st, 1);
	str_copy(r->uuid, sizeof(r->uuid), store_col_text(st, 2));
	str_copy(r->kind, sizeof(r->kind), store_col_text(st, 3));
	str_copy(r->person_uuid, sizeof(r->person_uuid), store_col_text(st, 4));
	r->payload = xstrdup(store_col_text(st, 5));
	r->created_at = store_col_int(st, 6);
	r->clock_synced = (int)store_col_int(st, 7);
}

int sync_pull(struct store *s, const char *origin, int64_t after, int max, struct sync_page *p)
{
	memset(p, 0, sizeof(*p));
	if (max < 1 || max > SYNC_PAGE_MAX)
		BUG("sync_pull: max out of range");
	char self[SYNC_ID_LEN];
	if (sync_station_id(s, self) < 0)
		return -1;
	/* One more than asked tells whether there is more. */
	struct store_stmt *st = !strcmp(origin, self) ?
		store_stmt(s, "SELECT origin, seq, uuid, kind, coalesce(person_uuid, ''), payload, "
			      "created_at, clock_synced FROM outbox WHERE origin = ?1 AND seq > ?2 "
			      "ORDER BY seq LIMIT ?3") :
		store_stmt(s, "SELECT origin, seq, uuid, kind, coalesce(person_uuid, ''), payload, "
			      "created_at, clock_synced FROM sync_record WHERE origin = ?1 AND seq > ?2 "
			      "ORDER BY seq LIMIT ?3");
	if (!st)
		return -1;
	store_bind_text(st, 1, origin);
	store_bind_int(st, 2, after);
	store_bind_int(st, 3, max + 1);
	p->items = xcalloc((size_t)max, sizeof(*p->items));
	int rc;
	size_t bytes = 0;
	while ((rc = store_step(st)) == STORE_ROW) {
		size_t len = strlen(store_col_text(st, 5));
		if (p->n == max || (p->n > 0 && bytes + len > SYNC_PAGE_BYTES)) {
			p->more = 1;
			break;
		}
		bytes += len;
		struct sync_record *r = &p->items[p->n++];
		record_of_row(st, r);
	}
	store_reset(st);
	if (rc < 0) {
		sync_page_release(p);
		return -1;
	}
	return 0;
}

/* The (origin, seq) a uuid is held under, here or in the outbox: 1 found, 0 not, -1 error. */
static int uuid_held(struct store *s, const char *uuid, char *origin, int64_t *seq)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT origin, seq FROM sync_record WHERE uuid = ?1 UNION ALL "
		"SELECT origin, seq FROM outbox WHERE uuid = ?1 LIMIT 1");
	if (!st)
		return -1;
	store_bind_text(st, 1, uuid);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		str_copy(origin, SYNC_ID_LEN, store_col_text(st, 0));
		*seq = store_col_int(st, 1);
	}
	store_reset(st);
	return rc < 0 ? -1 : rc == STORE_ROW;
}

/* Applies the records that wait for another (oldest first) until a pass applies none. */
static int apply_waiting(struct store *s)
{
	for (int pass = 0; pass < 16; pass++) {
		struct sync_page w;
		memset(&w, 0, sizeof(w));
		struct store_stmt *st = store_stmt(s,
			"SELECT origin, seq, uuid, kind, coalesce(person_uuid, ''), payload, created_at, "
			"clock_synced FROM sync_record WHERE applied = 0 ORDER BY origin, seq LIMIT 1000");
		if (!st)
			return -1;
		w.items = xcalloc(1000, sizeof(*w.items));
		int rc;
		while ((rc = store_step(st)) == STORE_ROW) {
			struct sync_record *r = &w.items[w.n++];
			record_of_row(st, r);
		}
		store_reset(st);
		int progress = 0;
		for (int i = 0; rc >= 0 && i < w.n; i++) {
			int a = sync_apply_record(s, &w.items[i]);
			if (a < 0) {
				/* Stored records were checked when they came; a failure here is the
				 * database's, not the record's. */
				rc = -1;
				break;
			}
			if (a == 0)
				continue;
			progress++;
			struct store_stmt *u = store_stmt(s,
				"UPDATE sync_record SET applied = 1 WHERE origin = ?1 AND seq = ?2");
			if (!u) {
				rc = -1;
				break;
			}
			store_bind_text(u, 1, w.items[i].origin);
			store_bind_int(u, 2, w.items[i].seq);
			rc = store_step(u);
			store_reset(u);
		}
		sync_page_release(&w);
		if (rc < 0)
			return -1;
		if (!progress)
			return 0;
	}
	return 0;
}

int sync_repair(struct store *s)
{
	if (store_tx_begin(s) < 0)
		return -1;
	if (sync_checkins_repair(s) < 0) {
		char m[1024];
		str_copy(m, sizeof(m), err_msg());
		store_tx_rollback(s);
		return err_set("%s", m);
	}
	return store_tx_commit(s);
}

static int apply_fail(struct store *s, const char *msg)
{
	char m[1024];
	str_copy(m, sizeof(m), msg);
	store_tx_rollback(s);
	return err_set("%s", m);
}

int sync_apply(struct store *s, const struct sync_page *p, int64_t now, int *added)
{
	char self[SYNC_ID_LEN];
	int n_new = 0;
	if (sync_station_id(s, self) < 0)
		return -1;
	if (p->n > SYNC_PAGE_MAX)
		return err_set("a page of %d records (at most %d)", p->n, SYNC_PAGE_MAX);
	if (store_tx_begin(s) < 0)
		return -1;
	if (sync_checkins_repair(s) < 0)
		return apply_fail(s, err_msg());
	struct sync_vector v;
	if (p->n && sync_vector_get(s, &v) < 0)
		return apply_fail(s, err_msg());
	int64_t have = 0, last = 0;
	for (int i = 0; i < p->n; i++) {
		const struct sync_record *r = &p->items[i];
		char where[160];
		str_fmt(where, sizeof(where), "record %d (origin '%s' seq %lld)", i + 1, r->origin,
			(long long)r->seq);
		if (i == 0) {
			if (!strcmp(r->origin, self)) {
				err_set("%s: claims this station's own origin (two stations with one "
					"data folder copied?)", where);
				return apply_fail(s, err_msg());
			}
			have = last = sync_vector_seq(&v, r->origin);
			if (have == 0 && v.n >= SYNC_ORIGINS_MAX) {
				err_set("%s: more than %d stations", where, SYNC_ORIGINS_MAX);
				return apply_fail(s, err_msg());
			}
		} else if (strcmp(r->origin, p->items[0].origin)) {
			err_set("%s: a page holds one origin's records", where);
			return apply_fail(s, err_msg());
		}
		if (r->seq <= 0 || (i > 0 && r->seq <= p->items[i - 1].seq)) {
			err_set("%s: not in sequence order", where);
			return apply_fail(s, err_msg());
		}
		if (r->seq <= have)
			continue;   /* held already: a page applied twice changes nothing */
		if (r->seq != last + 1) {
			err_set("%s: a gap after seq %lld", where, (long long)last);
			return apply_fail(s, err_msg());
		}
		last = r->seq;
		char o2[SYNC_ID_LEN];
		int64_t s2;
		int held = uuid_held(s, r->uuid, o2, &s2);
		if (held < 0)
			return apply_fail(s, err_msg());
		if (held) {
			err_set("%s: its uuid is held already as origin '%s' seq %lld", where, o2,
				(long long)s2);
			return apply_fail(s, err_msg());
		}
		int a = sync_apply_record(s, r);
		if (a < 0) {
			char m[900];
			str_copy(m, sizeof(m), err_msg());
			err_set("%s (kind '%s'): %s", where, r->kind, m);
			return apply_fail(s, err_msg());
		}
		struct store_stmt *st = store_stmt(s,
			"INSERT INTO sync_record(origin, seq, uuid, kind, person_uuid, payload, created_at,"
			" clock_synced, received_at, applied) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
		if (!st)
			return apply_fail(s, err_msg());
		store_bind_text(st, 1, r->origin);
		store_bind_int(st, 2, r->seq);
		store_bind_text(st, 3, r->uuid);
		store_bind_text(st, 4, r->kind);
		store_bind_text(st, 5, r->person_uuid[0] ? r->person_uuid : NULL);
		store_bind_text(st, 6, r->payload);
		store_bind_int(st, 7, r->created_at);
		store_bind_int(st, 8, r->clock_synced);
		store_bind_int(st, 9, now);
		store_bind_int(st, 10, a);
		int rc = store_step(st);
		store_reset(st);
		if (rc < 0)
			return apply_fail(s, err_msg());
		n_new++;
	}
	if (n_new && apply_waiting(s) < 0)
		return apply_fail(s, err_msg());
	if (store_tx_commit(s) < 0)
		return -1;
	if (added)
		*added = n_new;
	return 0;
}
