/* Serving peers: the only file that includes microhttpd.h.
 *
 * The protocol (one POST each; every body below is sealed with the room's key, see seal.c):
 *   POST /sync/v1/hello          -> 200, 32 hex digits: a fresh session (not sealed: it is no
 *                                   secret, it only makes every later request unique)
 *   POST /sync/v1  {"v":1, "dir":"req", "session":S, "n":N, "from":STATION, "op":OP, ...}
 *        op "vector"                                  -> {"vector": {...}, "name": LABEL,
 *                                                        "role": "door"|...|""}
 *        op "pull", "origin", "after", "max"          -> {"records": [...], "more": bool}
 *        op "push", "records": [one origin's page]    -> {"added": K, "have": SEQ}
 *   the answer: {"v":1, "dir":"resp", "session":S, "n":N, "station":ID, "ok":true, ...}
 *        or {"ok": false, "error": "..."} (status 422), both sealed.
 * Replay: a session lives 120 s after its last use and takes each request number N once, in
 * increasing order, so a recorded request does nothing when sent again; the answer echoes S and N
 * so the client knows it is the answer to this request, and "dir" keeps an answer from being
 * sent back as a request. No clock is compared: a Pi without network time may be hours off.
 * Bounds: bodies of SYNC_BODY_MAX (413 past it, refused before it is read when announced),
 * 10 s without progress closes a connection, 16 connections (4 from one address), 64 sessions. Requests that fail to
 * open are answered in plain text (403) with what failed, never with anything from the store. */
#include "sync/internal.h"
#include "store.h"
#include "util.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SESSIONS 64
#define SESSION_IDLE_MS 120000

struct session {
	unsigned char id[16];
	int64_t last_n;
	int64_t used_at;   /* monotonic ms; 0: free */
};

struct sync_server {
	struct MHD_Daemon *d;
	struct store *s;
	struct sync_key key;
	char self[SYNC_ID_LEN];
	int port;
	void (*changed)(void *ctx, unsigned tables);
	void *ctx;
	struct session sess[SESSIONS];
};

struct req {
	char *buf;
	size_t len, cap;
	int toobig;
};

static void hex_of(const unsigned char *b, size_t n, char *out)
{
	static const char H[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = H[b[i] >> 4];
		out[2 * i + 1] = H[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const void *body,
			      size_t len, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result plain(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char line[600];
	str_fmt(line, sizeof(line), "%s\n", msg);
	return answer(c, status, line, strlen(line), "text/plain; charset=utf-8");
}

static struct session *session_new(struct sync_server *srv)
{
	int64_t now = sync_mono_ms();
	struct session *pick = &srv->sess[0];
	for (int i = 0; i < SESSIONS; i++) {
		struct session *x = &srv->sess[i];
		if (!x->used_at || now - x->used_at > SESSION_IDLE_MS) {
			pick = x;
			break;
		}
		if (x->used_at < pick->used_at)
			pick = x;
	}
	sync_random(pick->id, sizeof(pick->id));
	pick->last_n = 0;
	pick->used_at = now;
	return pick;
}

static struct session *session_find(struct sync_server *srv, const char *hex)
{
	int64_t now = sync_mono_ms();
	char h[33];
	for (int i = 0; i < SESSIONS; i++) {
		struct session *x = &srv->sess[i];
		if (!x->used_at || now - x->used_at > SESSION_IDLE_MS)
			continue;
		hex_of(x->id, sizeof(x->id), h);
		if (!strcmp(h, hex))
			return x;
	}
	return NULL;
}

/* The sealed answer to request (session, n): body members of `o` plus the envelope. */
static enum MHD_Result sealed(struct sync_server *srv, struct MHD_Connection *c, unsigned status,
			      json_t *o, const char *session, json_int_t n)
{
	json_object_set_new(o, "v", json_integer(1));
	json_object_set_new(o, "dir", json_string("resp"));
	json_object_set_new(o, "session", json_string(session));
	json_object_set_new(o, "n", json_integer(n));
	json_object_set_new(o, "station", json_string(srv->self));
	char *js = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!js)
		return plain(c, 500, "cannot write the answer");
	size_t len;
	unsigned char *box = sync_seal(&srv->key, js, strlen(js), &len);
	free(js);
	enum MHD_Result r = answer(c, status, box, len, "application/octet-stream");
	free(box);
	return r;
}

static json_t *refused(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

/* One opened request; returns the answer's members. */
static json_t *serve(struct sync_server *srv, json_t *q, unsigned *status)
{
	const char *op = json_string_value(json_object_get(q, "op"));
	const char *from = json_string_value(json_object_get(q, "from"));
	*status = 422;
	if (!from || !sync_is_uuid(from))
		return refused("'from' is not a station id");
	if (!strcmp(from, srv->self))
		return refused("the peer has this station's own id (a copied data folder?)");
	if (!op)
		return refused("'op' is missing");
	if (!strcmp(op, "vector")) {
		struct sync_vector v;
		if (sync_vector_get(srv->s, &v) < 0)
			return refused(err_msg());
		/* Who answers, for the organizer's Stations screen at the other end. */
		struct sync_about me;
		if (sync_about_self(srv->s, &me) < 0)
			return refused(err_msg());
		*status = 200;
		return json_pack("{s:b, s:o, s:s, s:s}", "ok", 1, "vector", sync_wire_vector(&v),
				 "name", me.name, "role", me.role);
	}
	if (!strcmp(op, "pull")) {
		const char *origin = json_string_value(json_object_get(q, "origin"));
		json_t *after = json_object_get(q, "after"), *max = json_object_get(q, "max");
		if (!origin || !sync_is_uuid(origin))
			return refused("'origin' is not a station id");
		if (!json_is_integer(after) || json_integer_value(after) < 0)
			return refused("'after' is not a whole number");
		if (!json_is_integer(max) || json_integer_value(max) < 1 ||
		    json_integer_value(max) > SYNC_PAGE_MAX)
			return refused("'max' is not between 1 and 500");
		struct sync_page p;
		if (sync_pull(srv->s, origin, json_integer_value(after), (int)json_integer_value(max),
			      &p) < 0)
			return refused(err_msg());
		json_t *o = json_pack("{s:b, s:o, s:b}", "ok", 1, "records", sync_wire_records(&p),
				      "more", p.more);
		sync_page_release(&p);
		*status = 200;
		return o;
	}
	if (!strcmp(op, "push")) {
		struct sync_page p;
		if (sync_wire_parse_records(json_object_get(q, "records"), &p) < 0)
			return refused(err_msg());
		int added = 0;
		int rc = p.n ? sync_apply(srv->s, &p, sync_wall_ms(), &added) : 0;
		char origin[SYNC_ID_LEN] = "";
		if (p.n)
			str_copy(origin, sizeof(origin), p.items[0].origin);
		sync_page_release(&p);
		if (rc < 0)
			return refused(err_msg());
		struct sync_vector v;
		if (sync_vector_get(srv->s, &v) < 0)
			return refused(err_msg());
		if (added && srv->changed)
			srv->changed(srv->ctx, STORE_T_PERSON | STORE_T_CHECKIN | STORE_T_COMMITMENT |
					       STORE_T_AGENDA);
		*status = 200;
		return json_pack("{s:b, s:i, s:I}", "ok", 1, "added", added, "have",
				 (json_int_t)sync_vector_seq(&v, origin));
	}
	return refused("unknown 'op'");
}

static enum MHD_Result on_request(struct sync_server *srv, struct MHD_Connection *c,
				  const char *url, struct req *rq)
{
	if (!strcmp(url, "/sync/v1/hello")) {
		struct session *x = session_new(srv);
		char h[33];
		hex_of(x->id, sizeof(x->id), h);
		return answer(c, 200, h, 32, "text/plain");
	}
	if (strcmp(url, "/sync/v1"))
		return plain(c, 404, "no such path (this is a barnstorm station: /sync/v1)");
	if (rq->toobig) {
		char m[128];
		str_fmt(m, sizeof(m), "the body is larger than %d bytes", SYNC_BODY_MAX);
		return plain(c, 413, m);
	}
	size_t n;
	char *js = sync_open(&srv->key, (unsigned char *)rq->buf, rq->len, &n);
	if (!js)
		return plain(c, 403, err_msg());
	json_error_t je;
	json_t *q = json_loadb(js, n, JSON_REJECT_DUPLICATES, &je);
	free(js);
	if (!json_is_object(q)) {
		json_decref(q);
		return plain(c, 400, "the request is not a JSON object");
	}
	const char *sid = json_string_value(json_object_get(q, "session"));
	const char *dir = json_string_value(json_object_get(q, "dir"));
	json_t *nj = json_object_get(q, "n");
	enum MHD_Result ret;
	if (!dir || strcmp(dir, "req") || !json_is_integer(nj) || !sid) {
		ret = plain(c, 400, "the request has no 'dir', 'session' or 'n'");
		goto out;
	}
	struct session *x = session_find(srv, sid);
	if (!x) {
		ret = plain(c, 409, "unknown or expired session: start again with /sync/v1/hello");
		goto out;
	}
	if (json_integer_value(nj) <= x->last_n) {
		ret = plain(c, 409, "request number already used in this session (a replay?)");
		goto out;
	}
	x->last_n = json_integer_value(nj);
	x->used_at = sync_mono_ms();
	unsigned status;
	json_t *o = serve(srv, q, &status);
	ret = sealed(srv, c, status, o, sid, json_integer_value(nj));
out:
	json_decref(q);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *data,
			       size_t *size, void **con_cls)
{
	struct sync_server *srv = cls;
	(void)version;
	struct req *rq = *con_cls;
	if (!rq) {
		if (strcmp(method, "POST"))
			return plain(c, 405, "only POST");
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		long v;
		if (cl && (str_to_int(cl, 0, SYNC_BODY_MAX, &v) < 0)) {
			char m[128];
			str_fmt(m, sizeof(m), "the body is larger than %d bytes", SYNC_BODY_MAX);
			return plain(c, 413, m);
		}
		rq = xcalloc(1, sizeof(*rq));
		*con_cls = rq;
		return MHD_YES;
	}
	if (*size) {
		if (!rq->toobig) {
			if (rq->len + *size > SYNC_BODY_MAX) {
				rq->toobig = 1;
				free(rq->buf);
				rq->buf = NULL;
				rq->len = rq->cap = 0;
			} else {
				if (rq->len + *size > rq->cap) {
					rq->cap = rq->len + *size + 4096;
					rq->buf = xrealloc(rq->buf, rq->cap);
				}
				memcpy(rq->buf + rq->len, data, *size);
				rq->len += *size;
			}
		}
		*size = 0;
		return MHD_YES;
	}
	return on_request(srv, c, url, rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct req *rq = *con_cls;
	if (rq) {
		free(rq->buf);
		free(rq);
	}
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;  /* connection chatter from the network is not the kiosk's log */
}

static int parse_addr(const char *listen, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	long port;
	if (!colon || (size_t)(colon - listen) >= sizeof(host) ||
	    str_to_int(colon + 1, 0, 65535, &port) < 0)
		return err_set("cannot listen on '%s': give ADDR:PORT, e.g. 0.0.0.0:7420", listen);
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) != 1)
		return err_set("cannot listen on '%s': '%s' is not an IPv4 address", listen, host);
	return 0;
}

struct sync_server *sync_server_open(const char *data_dir, const struct sync_key *k,
				     const char *listen, void (*changed)(void *ctx, unsigned tables),
				     void *ctx)
{
	struct sockaddr_in sa;
	if (parse_addr(listen, &sa) < 0)
		return NULL;
	struct sync_server *srv = xcalloc(1, sizeof(*srv));
	srv->key = *k;
	srv->changed = changed;
	srv->ctx = ctx;
	srv->s = store_open(data_dir);
	if (!srv->s || sync_station_id(srv->s, srv->self) < 0)
		goto fail;
	srv->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				  handler, srv,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)4,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
				  MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
				  MHD_OPTION_END);
	if (!srv->d) {
		err_set("cannot listen on '%s' (address in use, or not this machine's?)", listen);
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : ntohs(sa.sin_port);
	return srv;
fail:
	store_close(srv->s);
	free(srv);
	return NULL;
}

int sync_server_port(const struct sync_server *srv)
{
	return srv->port;
}

void sync_server_close(struct sync_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->d);
	store_close(srv->s);
	sync_wipe(&srv->key, sizeof(srv->key));
	free(srv);
}
