/* One exchange with a peer over HTTP with libcurl (protocol: server.c). Every answer is opened
 * with the room's key and must echo this request's session and number, so neither a stranger
 * nor a recording of an earlier answer is believed. */
#include "sync/internal.h"
#include "store.h"
#include "util.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int sync_client_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 :
	       err_set("cannot initialise libcurl");
}

void sync_client_cleanup(void)
{
	curl_global_cleanup();
}

struct conn {
	CURL *curl;
	const struct sync_key *k;
	const char *peer;
	char self[SYNC_ID_LEN];
	char peer_id[SYNC_ID_LEN];
	char session[33];
	int64_t n;
	int timeout_ms;
	/* the answer body, with a ceiling */
	char *buf;
	size_t len;
	int toobig;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct conn *c = ud;
	size_t n = size * nmemb;
	if (c->len + n > SYNC_BODY_MAX) {
		c->toobig = 1;
		return 0;
	}
	c->buf = xrealloc(c->buf, c->len + n + 1);
	memcpy(c->buf + c->len, ptr, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return n;
}

/* POSTs body to path; the answer is in c->buf/len. Returns the HTTP status or -1. */
static long post(struct conn *c, const char *path, const void *body, size_t len)
{
	char url[400];
	if (str_fmt(url, sizeof(url), "http://%s%s", c->peer, path) < 0)
		return err_set("peer '%s': the address is too long", c->peer);
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
	c->toobig = 0;
	CURL *h = c->curl;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->timeout_ms < 3000 ? c->timeout_ms : 3000));
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SYNC_BODY_MAX);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/octet-stream");
	hd = curl_slist_append(hd, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	CURLcode rc = curl_easy_perform(h);
	curl_slist_free_all(hd);
	if (c->toobig)
		return err_set("peer '%s' %s: the answer is larger than %d bytes", c->peer, path,
			       SYNC_BODY_MAX);
	if (rc != CURLE_OK)
		return err_set("peer '%s' %s: %s", c->peer, path, curl_easy_strerror(rc));
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

static int hello(struct conn *c)
{
	long st = post(c, "/sync/v1/hello", NULL, 0);
	if (st < 0)
		return -1;
	if (st != 200 || c->len != 32)
		return err_set("peer '%s' is not a barnstorm station (hello answered %ld)", c->peer, st);
	for (int i = 0; i < 32; i++)
		if (!strchr("0123456789abcdef", c->buf[i]))
			return err_set("peer '%s' answered hello with something that is not a session",
				       c->peer);
	memcpy(c->session, c->buf, 32);
	c->session[32] = '\0';
	c->n = 0;
	return 0;
}

/* Sends q (consumed) with the envelope; returns the opened answer with "ok": true, or NULL with
 * err_msg() saying what the peer or the way there said. */
static json_t *call(struct conn *c, json_t *q)
{
	c->n++;
	json_object_set_new(q, "v", json_integer(1));
	json_object_set_new(q, "dir", json_string("req"));
	json_object_set_new(q, "session", json_string(c->session));
	json_object_set_new(q, "n", json_integer(c->n));
	json_object_set_new(q, "from", json_string(c->self));
	char *js = json_dumps(q, JSON_COMPACT);
	const char *op = json_string_value(json_object_get(q, "op"));
	char opname[16];
	str_copy(opname, sizeof(opname), op ? op : "?");
	json_decref(q);
	if (!js) {
		err_set("cannot write the request");
		return NULL;
	}
	size_t len;
	unsigned char *box = sync_seal(c->k, js, strlen(js), &len);
	free(js);
	long st = post(c, "/sync/v1", box, len);
	free(box);
	if (st < 0)
		return NULL;
	if (st != 200 && st != 422) {
		/* Plain-text refusals (wrong key, replay, too large) say what; keep one line. */
		char m[200] = "";
		if (c->buf) {
			str_copy(m, sizeof(m), c->buf);
			m[strcspn(m, "\r\n")] = '\0';
			if (!utf8_valid(m, strlen(m)))
				m[0] = '\0';
		}
		err_set("peer '%s' refused '%s' (%ld): %s", c->peer, opname, st, m[0] ? m : "no reason given");
		return NULL;
	}
	size_t n;
	char *plain = sync_open(c->k, (unsigned char *)c->buf, c->len, &n);
	if (!plain) {
		char m[300];
		str_copy(m, sizeof(m), err_msg());
		err_set("peer '%s' answer to '%s': %s", c->peer, opname, m);
		return NULL;
	}
	json_error_t je;
	json_t *a = json_loadb(plain, n, JSON_REJECT_DUPLICATES, &je);
	free(plain);
	const char *dir = json_string_value(json_object_get(a, "dir"));
	const char *sid = json_string_value(json_object_get(a, "session"));
	const char *station = json_string_value(json_object_get(a, "station"));
	json_t *nj = json_object_get(a, "n");
	if (!json_is_object(a) || !dir || strcmp(dir, "resp") || !sid || strcmp(sid, c->session) ||
	    !json_is_integer(nj) || json_integer_value(nj) != c->n || !station ||
	    !sync_is_uuid(station)) {
		json_decref(a);
		err_set("peer '%s' answer to '%s' is not the answer to this request (a replay?)",
			c->peer, opname);
		return NULL;
	}
	if (c->peer_id[0] && strcmp(c->peer_id, station)) {
		json_decref(a);
		err_set("peer '%s' changed its station id during an exchange", c->peer);
		return NULL;
	}
	str_copy(c->peer_id, sizeof(c->peer_id), station);
	if (!json_is_true(json_object_get(a, "ok"))) {
		const char *e = json_string_value(json_object_get(a, "error"));
		char m[400];
		str_copy(m, sizeof(m), e ? e : "no reason given");
		json_decref(a);
		err_set("peer '%s' refused '%s': %s", c->peer, opname, m);
		return NULL;
	}
	return a;
}

static int pull_origin(struct conn *c, struct store *s, const char *origin, int64_t want,
		       struct sync_stats *stats)
{
	for (;;) {
		struct sync_vector mv;
		if (sync_vector_get(s, &mv) < 0)
			return -1;
		int64_t have = sync_vector_seq(&mv, origin);
		if (have >= want)
			return 0;
		json_t *a = call(c, json_pack("{s:s, s:s, s:I, s:i}", "op", "pull", "origin", origin,
					      "after", (json_int_t)have, "max", SYNC_PAGE_MAX));
		if (!a)
			return -1;
		struct sync_page p;
		int rc = sync_wire_parse_records(json_object_get(a, "records"), &p);
		json_decref(a);
		if (rc < 0) {
			char m[400];
			str_copy(m, sizeof(m), err_msg());
			return err_set("peer '%s' pull: %s", c->peer, m);
		}
		if (p.n == 0) {
			sync_page_release(&p);
			return err_set("peer '%s' said it holds origin '%s' up to %lld but sent nothing "
				       "after %lld", c->peer, origin, (long long)want, (long long)have);
		}
		if (strcmp(p.items[0].origin, origin)) {
			sync_page_release(&p);
			return err_set("peer '%s' pull: records of another origin than asked", c->peer);
		}
		int added = 0;
		rc = sync_apply(s, &p, sync_wall_ms(), &added);
		sync_page_release(&p);
		if (rc < 0) {
			char m[600];
			str_copy(m, sizeof(m), err_msg());
			return err_set("peer '%s' pull: %s", c->peer, m);
		}
		if (!added)
			return err_set("peer '%s' pull of origin '%s' after %lld brought nothing new",
				       c->peer, origin, (long long)have);
		stats->pulled += added;
	}
}

static int push_origin(struct conn *c, struct store *s, const char *origin, int64_t theirs,
		       int64_t mine, struct sync_stats *stats)
{
	while (theirs < mine) {
		struct sync_page p;
		if (sync_pull(s, origin, theirs, SYNC_PAGE_MAX, &p) < 0)
			return -1;
		if (p.n == 0) {
			sync_page_release(&p);
			return 0;
		}
		json_t *a = call(c, json_pack("{s:s, s:o}", "op", "push", "records",
					      sync_wire_records(&p)));
		sync_page_release(&p);
		if (!a)
			return -1;
		json_t *have = json_object_get(a, "have"), *added = json_object_get(a, "added");
		int64_t h = json_is_integer(have) ? json_integer_value(have) : -1;
		int64_t ad = json_is_integer(added) ? json_integer_value(added) : 0;
		json_decref(a);
		if (h <= theirs)
			return err_set("peer '%s' took no record of origin '%s' after %lld", c->peer,
				       origin, (long long)theirs);
		if (ad > 0 && ad <= SYNC_PAGE_MAX)
			stats->pushed += (int)ad;
		theirs = h;
	}
	return 0;
}

/* Sets origin's seq in v (added when room is left). */
static void vector_set(struct sync_vector *v, const char *origin, int64_t seq)
{
	for (int i = 0; i < v->n; i++)
		if (!strcmp(v->e[i].origin, origin)) {
			v->e[i].seq = seq;
			return;
		}
	if (v->n == SYNC_ORIGINS_MAX)
		return;
	str_copy(v->e[v->n].origin, SYNC_ID_LEN, origin);
	v->e[v->n++].seq = seq;
}

int sync_exchange(struct store *s, const struct sync_key *k, const char *peer, int timeout_ms,
		  struct sync_stats *stats)
{
	struct conn c;
	memset(&c, 0, sizeof(c));
	memset(stats, 0, sizeof(*stats));
	c.k = k;
	c.peer = peer;
	c.timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	if (sync_station_id(s, c.self) < 0 || sync_repair(s) < 0)
		return -1;
	c.curl = curl_easy_init();
	if (!c.curl)
		return err_set("cannot initialise libcurl");
	int ret = -1;
	struct sync_vector pv, mv;
	if (hello(&c) < 0)
		goto out;
	json_t *a = call(&c, json_pack("{s:s}", "op", "vector"));
	if (!a)
		goto out;
	int rc = sync_wire_parse_vector(json_object_get(a, "vector"), &pv);
	/* Its name and role are shown to the organizer: optional (an older station does not
	 * send them) and dropped unless they look like what core/station.c keeps. */
	const char *name = json_string_value(json_object_get(a, "name"));
	const char *role = json_string_value(json_object_get(a, "role"));
	if (rc == 0) {
		str_copy(stats->peer.id, sizeof(stats->peer.id), c.peer_id);
		if (name && role && sync_about_ok(name, role)) {
			str_copy(stats->peer.name, sizeof(stats->peer.name), name);
			str_copy(stats->peer.role, sizeof(stats->peer.role), role);
		}
		stats->peer_has = pv;
	}
	json_decref(a);
	if (rc < 0) {
		char m[300];
		str_copy(m, sizeof(m), err_msg());
		err_set("peer '%s' vector: %s", peer, m);
		goto out;
	}
	if (sync_vector_get(s, &mv) < 0)
		goto out;
	if (sync_vector_seq(&pv, c.self) > sync_vector_seq(&mv, c.self)) {
		err_set("peer '%s' holds %lld records made here, this station only %lld: was this "
			"data folder restored from an older copy?", peer,
			(long long)sync_vector_seq(&pv, c.self), (long long)sync_vector_seq(&mv, c.self));
		goto out;
	}
	for (int i = 0; i < pv.n; i++)
		if (strcmp(pv.e[i].origin, c.self) && pull_origin(&c, s, pv.e[i].origin,
								 pv.e[i].seq, stats) < 0)
			goto out;
	if (sync_vector_get(s, &mv) < 0)
		goto out;
	for (int i = 0; i < mv.n; i++) {
		if (!strcmp(mv.e[i].origin, c.peer_id))
			continue;
		if (push_origin(&c, s, mv.e[i].origin, sync_vector_seq(&pv, mv.e[i].origin),
				mv.e[i].seq, stats) < 0)
			goto out;
	}
	/* Both hold everything now (what arrived meanwhile goes in the next round). */
	for (int i = 0; i < mv.n; i++)
		if (sync_vector_seq(&stats->peer_has, mv.e[i].origin) < mv.e[i].seq)
			vector_set(&stats->peer_has, mv.e[i].origin, mv.e[i].seq);
	ret = 0;
out:
	free(c.buf);
	curl_easy_cleanup(c.curl);
	return ret;
}
