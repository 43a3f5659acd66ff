/* The uploader (see upload.h): the only module that includes curl/curl.h.
 *
 * One "engine" does the work for both the background thread and `barnstorm upload`: it owns a
 * store connection, a curl easy handle (reused, so a pass keeps its connection alive) and the
 * token read at the start of a pass. A pass sends batch after batch while records are due and
 * stops at the first failure, so delivery stays in order. */
#include "upload.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "outbox.h"
#include "pack.h"
#include "store.h"
#include "util.h"

#include <curl/curl.h>
#include <jansson.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TOKEN_MAX 4096
#define REPLY_MAX (256 * 1024)  /* a receiver's answer beyond this is cut (and not trusted) */
#define BODY_MAX (64 * 1024 * 1024)
#define REASON_MAX 256
#define CLOCK_REASON "waiting for the clock: it is not synchronised yet, and TLS needs it"

enum target_kind { TARGET_NONE, TARGET_WEBHOOK, TARGET_AN, TARGET_WEBDAV };

/* What a pass needs from the pack, copied so the pack may be released. */
struct target {
	enum target_kind kind;
	char kind_name[16];
	char *url;          /* webhook: the POST address; an: the API root; webdav: the folder, '/' */
	char *host;         /* for messages */
	char *an_event;     /* actionnetwork: the event id from the url, or NULL */
	char *token_path;   /* pack dir + token_file */
	char *token_name;   /* token_file as written in the pack, for messages */
	char *user;
	char *event_id;
	char *event_title;
	int https;
	char config_error[REASON_MAX]; /* "" when the configuration is usable */
};

/* Outcome of one request. */
enum outcome { SENT, RETRY, PARK, STOPPED };

struct reply {
	long status;
	long retry_after_s;
	char *body;         /* NUL-terminated, at most REPLY_MAX bytes */
	size_t len;
	int toobig;
};

struct engine {
	struct target t;
	struct upload_opts o;
	struct clock clock;     /* the engine's own copy; a fake one moves only by waits */
	struct clock wall;      /* a real clock for real waits */
	struct store *store;
	CURL *curl;
	char token[TOKEN_MAX];
	int have_token;
	char kiosk_id[37];
	int folder_ready;       /* webdav: MKCOL done in this pass */
	uint32_t rng;
	atomic_int *stop;       /* may be NULL */
	struct uploader *u;     /* NULL for upload_run() */
	int64_t requests;
	int64_t records_sent;
	char reason[REASON_MAX];      /* the last failure, scrubbed */
	int blocked;                  /* the last pass stopped for something waiting cannot fix */
	int unreachable;              /* the last failure was "cannot reach" (offline) */
	int auth_refused;             /* the last answer was 401 or 403 */
	uint64_t refused_token_hash;  /* nonzero: the receiver refused this token (401/403) */
	int64_t last_request_at;      /* spacing_now() of the last request's start; 0: none yet */
};

struct uploader {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	atomic_int stop;
	int kicked;             /* under lock: "Upload now" */
	int woken;              /* under lock: a record was committed */
	int retry_parked;       /* under lock */
	char *data_dir;
	struct engine e;
	struct upload_status status; /* under lock */
};

/* ---- Small helpers ---- */

const char *upload_state_name(enum upload_state s)
{
	switch (s) {
	case UPLOAD_OFF: return "off";
	case UPLOAD_IDLE: return "idle";
	case UPLOAD_SENDING: return "sending";
	case UPLOAD_FAILING: return "failing";
	case UPLOAD_WAITING_CLOCK: return "waiting for the clock";
	case UPLOAD_ALL_SENT: return "all sent";
	}
	return "?";
}

void upload_opts_default(struct upload_opts *o)
{
	o->batch = 100;
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 60000;
	o->low_speed_limit = 100;
	o->low_speed_time_s = 20;
	o->backoff_base_ms = 2000;
	o->backoff_max_ms = 10 * 60 * 1000;
	o->max_wait_ms = 60 * 60 * 1000;
	o->poll_ms = 60000;
	o->an_spacing_ms = 300;
	o->hold_fake_clock = 0;
	o->run_budget_ms = 30000;
}

int64_t upload_backoff_ms(const struct upload_opts *o, int attempts, long retry_after_s,
			  uint32_t rnd)
{
	int64_t d = o->backoff_base_ms > 0 ? o->backoff_base_ms : 1;
	for (int i = 1; i < attempts && d < o->backoff_max_ms; i++)
		d *= 2;
	if (d > o->backoff_max_ms)
		d = o->backoff_max_ms;
	/* "Equal jitter": half fixed, half random, so kiosks that failed together spread out but
	 * none retries at once. */
	d = d / 2 + (int64_t)(rnd % (uint32_t)(d / 2 + 1));
	if (retry_after_s > 0 && retry_after_s * 1000 > d)
		d = (int64_t)retry_after_s * 1000;
	if (d > o->max_wait_ms)
		d = o->max_wait_ms;
	return d < 0 ? 0 : d;
}

static uint32_t rng_next(uint32_t *s)
{
	/* xorshift32: jitter needs spread, not secrecy. */
	uint32_t x = *s ? *s : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

/* Replaces every occurrence of secret in msg[size] with "[token]" so no message carries it. */
static void scrub(char *msg, size_t size, const char *secret)
{
	size_t sl = secret ? strlen(secret) : 0;
	if (sl == 0)
		return;
	char out[1024];
	size_t o = 0;
	for (const char *p = msg; *p && o + 1 < sizeof(out);) {
		if (strncmp(p, secret, sl) == 0) {
			const char *r = "[token]";
			for (; *r && o + 1 < sizeof(out); r++)
				out[o++] = *r;
			p += sl;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	str_copy(msg, size, out);
}

/* A short printable excerpt of a reply for a message (control characters become spaces). */
static void excerpt(const char *body, size_t len, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 4 < size && o < 120; i++) {
		unsigned char ch = (unsigned char)body[i];
		out[o++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	if (o > 0 && o < len)
		out[o++] = '.', out[o++] = '.', out[o++] = '.';
	out[o] = '\0';
	str_trim(out);
	/* Never end inside a UTF-8 sequence. */
	size_t n = strlen(out);
	while (n > 0 && !utf8_valid(out, n))
		out[--n] = '\0';
}

/* ---- Configuration ---- */

static void target_release(struct target *t)
{
	free(t->url);
	free(t->host);
	free(t->an_event);
	free(t->token_path);
	free(t->token_name);
	free(t->user);
	free(t->event_id);
	free(t->event_title);
	memset(t, 0, sizeof(*t));
}

static char *host_of(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n); /* never show user:password@ */
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	return xstrndup(p, n);
}

static int url_ok(const char *u)
{
	if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
		return 0;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	return strlen(u) < 2000;
}

static void target_init(struct target *t, const struct pack *p)
{
	memset(t, 0, sizeof(*t));
	if (!p->upload_kind || !*p->upload_kind)
		return;
	str_copy(t->kind_name, sizeof(t->kind_name), p->upload_kind);
	if (strcmp(p->upload_kind, "webhook") == 0)
		t->kind = TARGET_WEBHOOK;
	else if (strcmp(p->upload_kind, "actionnetwork") == 0)
		t->kind = TARGET_AN;
	else if (strcmp(p->upload_kind, "webdav") == 0)
		t->kind = TARGET_WEBDAV;
	else {
		t->kind = TARGET_WEBHOOK; /* something to show; config_error stops every pass */
		str_fmt(t->config_error, sizeof(t->config_error),
			"[upload] kind '%.40s' is not webhook, actionnetwork or webdav", p->upload_kind);
	}
	t->event_id = xstrdup(p->event_id ? p->event_id : "");
	t->event_title = xstrdup(p->title ? p->title : "");
	t->user = p->upload_user ? xstrdup(p->upload_user) : NULL;
	const char *url = p->upload_url ? p->upload_url : "";
	if (!url_ok(url)) {
		if (!t->config_error[0])
			str_fmt(t->config_error, sizeof(t->config_error),
				"[upload] url '%.80s' is not an http:// or https:// address", url);
		t->url = xstrdup("");
		t->host = xstrdup("");
	} else {
		t->https = strncmp(url, "https://", 8) == 0;
		t->host = host_of(url);
		size_t n = strlen(url);
		while (n > 0 && url[n - 1] == '/')
			n--;
		if (t->kind == TARGET_AN) {
			/* .../events/ID names the event to record attendance at. */
			const char *ev = NULL;
			for (const char *q = url; (q = strstr(q, "/events/")) != NULL; q++)
				ev = q;
			if (ev && ev + 8 < url + n && !memchr(ev + 8, '/', (size_t)(url + n - ev - 8))) {
				t->an_event = xstrndup(ev + 8, (size_t)(url + n - ev - 8));
				n = (size_t)(ev - url);
			}
		}
		t->url = xmalloc(n + 2);
		memcpy(t->url, url, n);
		t->url[n] = '\0';
		if (t->kind == TARGET_WEBDAV) {
			t->url[n] = '/';
			t->url[n + 1] = '\0';
		}
	}
	if (!p->upload_token_file || !*p->upload_token_file) {
		if (!t->config_error[0])
			str_copy(t->config_error, sizeof(t->config_error),
				 "[upload] has no token_file: the receiver needs a token");
		t->token_path = xstrdup("");
		t->token_name = xstrdup("");
	} else {
		const char *tf = p->upload_token_file;
		t->token_name = xstrdup(tf);
		if (tf[0] == '/' || !p->dir) {
			t->token_path = xstrdup(tf);
		} else {
			size_t n = strlen(p->dir) + strlen(tf) + 2;
			t->token_path = xmalloc(n);
			str_fmt(t->token_path, n, "%s/%s", p->dir, tf);
		}
	}
	if (t->kind == TARGET_WEBDAV && !t->config_error[0] &&
	    (!t->user || !*t->user || strchr(t->user, ':')))
		str_copy(t->config_error, sizeof(t->config_error),
			 "[upload] kind = webdav needs user = NAME (without ':')");
}

/* Reads the token file into e->token. Refuses a file that group or others can read. */
static int load_token(struct engine *e)
{
	const char *path = e->t.token_path;
	struct stat sb;
	e->have_token = 0;
	if (stat(path, &sb) < 0)
		return err_set("cannot read token file '%s': %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return err_set("token file '%s' is not a regular file", path);
	if (sb.st_mode & 077)
		return err_set("token file '%s' can be read by others (mode %03o); make it private: "
			       "chmod 600 '%s'", path, (unsigned)(sb.st_mode & 0777), path);
	size_t len;
	char *data = file_read(path, TOKEN_MAX - 1, &len);
	if (!data) {
		/* err_msg() is the buffer err_set() writes into: copy the cause out first. */
		char why[1024];
		str_copy(why, sizeof(why), err_msg());
		return err_set("cannot read token file '%s': %s", path, why);
	}
	int bad = strlen(data) != len; /* a NUL inside */
	str_trim(data);
	if (!*data)
		bad = 1;
	for (const char *q = data; *q && !bad; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			bad = 1; /* one line only: a newline would split an HTTP header */
	if (bad) {
		memset(data, 0, len);
		free(data);
		return err_set("token file '%s' must hold the token on one line", path);
	}
	str_copy(e->token, sizeof(e->token), data);
	memset(data, 0, len);
	free(data);
	e->have_token = 1;
	return 0;
}

/* The kiosk's stable id (meta kiosk_id), created on first use. */
static int kiosk_id(struct engine *e)
{
	if (store_meta_get(e->store, "kiosk_id", e->kiosk_id, sizeof(e->kiosk_id)) < 0)
		return -1;
	if (e->kiosk_id[0])
		return 0;
	uuid_v4(e->kiosk_id);
	if (store_tx_begin(e->store) < 0)
		return -1;
	if (store_meta_set(e->store, "kiosk_id", e->kiosk_id) < 0) {
		store_tx_rollback(e->store);
		return -1;
	}
	return store_tx_commit(e->store);
}

/* ---- HTTP ---- */

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
	struct reply *r = ud;
	size_t len = size * n;
	size_t room = REPLY_MAX - r->len;
	if (len > room) {
		r->toobig = 1;
		len = room;
	}
	memcpy(r->body + r->len, ptr, len);
	r->len += len;
	r->body[r->len] = '\0';
	return size * n; /* keep reading (and discarding) so the connection stays usable */
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	const atomic_int *stop = ud;
	return stop && atomic_load(stop) ? 1 : 0;
}

struct request {
	const char *method;  /* "POST", "PUT", "MKCOL" */
	const char *url;
	const char *body;    /* NULL: none */
	size_t len;
	const char *content_type;
	const char *idem_key;
};

/* The clock request spacing is measured on: the engine's own fake clock, else a monotonic one. */
static int64_t spacing_now(struct engine *e)
{
	return e->clock.fake ? clock_mono(&e->clock) : clock_mono(&e->wall);
}

/* Keeps at least opts.an_spacing_ms between the starts of two requests to Action Network, which
 * allows 4 requests per second per key. On a fake clock the wait moves the engine's clock
 * (whatever hold_fake_clock says: it is part of sending, not a retry); a real wait is cut short by
 * stop. */
static void space_request(struct engine *e)
{
	int64_t gap = e->t.kind == TARGET_AN ? e->o.an_spacing_ms : 0;
	if (gap > 0 && e->last_request_at) {
		int64_t d = e->last_request_at + gap - spacing_now(e);
		if (d > gap)
			d = gap; /* a clock that went back must not stall us */
		if (d > 0 && e->clock.fake) {
			clock_advance(&e->clock, d);
		} else {
			while (d > 0 && !(e->stop && atomic_load(e->stop))) {
				int64_t step = d < 50 ? d : 50;
				struct timespec ts = { 0, (long)step * 1000000L };
				while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
					;
				d -= step;
			}
		}
	}
	e->last_request_at = spacing_now(e);
	if (e->last_request_at == 0)
		e->last_request_at = 1;
}

/* One request. 0 with r filled (r->status 0 on a transport error, with e->reason set), or
 * STOPPED via -2 when the uploader is stopping. */
static int http(struct engine *e, const struct request *q, struct reply *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	char line[TOKEN_MAX + 64];
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->body = xmalloc(REPLY_MAX + 1);
	r->body[0] = '\0';
	CURL *c = e->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, q->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, e->o.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, e->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, e->o.low_speed_limit);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, e->o.low_speed_time_s);
	/* TLS is always verified against the system CA bundle (libcurl's built-in default). */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "barnstorm/1");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, e->stop);
	if (strcmp(q->method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	if (q->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->len);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		if (strcmp(q->method, "GET") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	}
	h = curl_slist_append(h, "Expect:");
	if (q->content_type) {
		str_fmt(line, sizeof(line), "Content-Type: %s", q->content_type);
		h = curl_slist_append(h, line);
	}
	if (q->idem_key) {
		str_fmt(line, sizeof(line), "Idempotency-Key: %s", q->idem_key);
		h = curl_slist_append(h, line);
	}
	if (e->t.kind == TARGET_WEBHOOK) {
		str_fmt(line, sizeof(line), "Authorization: Bearer %s", e->token);
		h = curl_slist_append(h, line);
	} else if (e->t.kind == TARGET_AN) {
		str_fmt(line, sizeof(line), "OSDI-API-Token: %s", e->token);
		h = curl_slist_append(h, line);
	} else if (e->t.kind == TARGET_WEBDAV) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, e->t.user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, e->token);
	}
	memset(line, 0, sizeof(line));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);

	space_request(e);
	e->requests++;
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		ret = -2;
		goto out;
	}
	if (rc != CURLE_OK) {
		const char *what = "bad answer from";
		if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
		    rc == CURLE_COULDNT_RESOLVE_PROXY)
			what = "cannot reach", e->unreachable = 1;
		else if (rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING ||
			 rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR)
			what = "no answer from";
		str_fmt(e->reason, sizeof(e->reason), "%s %s: %s", what, e->t.host,
			errbuf[0] ? errbuf : curl_easy_strerror(rc));
		size_t n = strlen(e->reason);
		if (n && e->reason[n - 1] == '\n')
			e->reason[n - 1] = '\0';
		scrub(e->reason, sizeof(e->reason), e->token);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_off_t ra = 0;
	if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		r->retry_after_s = ra > 86400 ? 86400 : (long)ra;
out:
	/* The header list held the token: wipe it before freeing. */
	for (struct curl_slist *l = h; l; l = l->next)
		memset(l->data, 0, strlen(l->data));
	curl_slist_free_all(h);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	return ret;
}

static void reply_release(struct reply *r)
{
	free(r->body);
	r->body = NULL;
}

/* Classifies a finished request: 2xx SENT; 408, 429, 5xx, transport errors RETRY; others PARK.
 * Sets e->reason for anything but SENT. */
static enum outcome classify(struct engine *e, const struct reply *r)
{
	e->auth_refused = 0;
	if (r->status == 0)
		return RETRY; /* e->reason set by http() */
	if (r->status >= 200 && r->status < 300)
		return SENT;
	char ex[160];
	excerpt(r->body, r->len, ex, sizeof(ex));
	e->auth_refused = r->status == 401 || r->status == 403;
	if (e->auth_refused) {
		str_fmt(e->reason, sizeof(e->reason), "HTTP %ld from %s: the receiver refused the token "
			"in '%s'", r->status, e->t.host, e->t.token_name);
	} else if (r->status == 408 || r->status == 429 || r->status >= 500) {
		if (r->retry_after_s > 0)
			str_fmt(e->reason, sizeof(e->reason), "HTTP %ld from %s (retry after %ld s)%s%s",
				r->status, e->t.host, r->retry_after_s, ex[0] ? ": " : "", ex);
		else
			str_fmt(e->reason, sizeof(e->reason), "HTTP %ld from %s%s%s", r->status,
				e->t.host, ex[0] ? ": " : "", ex);
	} else {
		str_fmt(e->reason, sizeof(e->reason), "HTTP %ld from %s%s%s", r->status, e->t.host,
			ex[0] ? ": " : "", ex);
	}
	scrub(e->reason, sizeof(e->reason), e->token);
	if (r->status == 408 || r->status == 429 || r->status >= 500)
		return RETRY;
	return PARK;
}

/* ---- Bodies ---- */

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
static json_t *payload_json(const char *text)
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
	json_object_set_new(o, "payload", payload_json(r->payload));
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

/* ---- Targets ---- */

/* Sends the batch as one JSON document to url, keyed so that the receiver can drop a retry it
 * already has. */
static enum outcome send_document(struct engine *e, const struct outbox_batch *b,
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
	int rc = http(e, &q, &r);
	free(body);
	enum outcome out = rc == -2 ? STOPPED : classify(e, &r);
	*retry_after = r.retry_after_s;
	reply_release(&r);
	return out;
}

static enum outcome send_webhook(struct engine *e, const struct outbox_batch *b, long *retry_after)
{
	return send_document(e, b, "POST", e->t.url, retry_after);
}

/* MKCOL url; 0 when the folder is there afterwards (201, or 405: it existed), -2 when stopping,
 * else the HTTP status (0 on a transport error) with *r filled. */
static long mkcol(struct engine *e, const char *url, struct reply *r)
{
	struct request mk = { "MKCOL", url, NULL, 0, NULL, NULL };
	if (http(e, &mk, r) == -2)
		return -2;
	if (r->status == 405 || (r->status >= 200 && r->status < 300))
		return 0;
	return r->status;
}

/* Makes sure the folder exists: MKCOL it; when the server answers 409 (a parent is missing),
 * MKCOL each parent from the top, ignoring their answers (the top levels of a Nextcloud address
 * are not ours to create), then the folder again. */
static enum outcome webdav_folder(struct engine *e, long *retry_after)
{
	struct reply r;
	long st = mkcol(e, e->t.url, &r);
	if (st == 409) {
		const char *path = strstr(e->t.url, "://");
		path = path ? strchr(path + 3, '/') : NULL;
		size_t n = strlen(e->t.url);
		for (const char *q = path ? strchr(path + 1, '/') : NULL; q && (size_t)(q - e->t.url) <
		     n - 1 && st != -2; q = strchr(q + 1, '/')) {
			char *parent = xstrndup(e->t.url, (size_t)(q - e->t.url + 1));
			reply_release(&r);
			st = mkcol(e, parent, &r);
			free(parent);
		}
		if (st != -2) {
			reply_release(&r);
			st = mkcol(e, e->t.url, &r);
		}
	}
	enum outcome out = SENT;
	if (st == -2) {
		out = STOPPED;
	} else if (st != 0) {
		out = classify(e, &r); /* never SENT: 2xx made st 0 */
		*retry_after = r.retry_after_s;
		char msg[REASON_MAX];
		str_fmt(msg, sizeof(msg), "cannot create the folder: %s", e->reason);
		str_copy(e->reason, sizeof(e->reason), msg);
	} else {
		e->folder_ready = 1;
	}
	reply_release(&r);
	return out;
}

static enum outcome send_webdav(struct engine *e, const struct outbox_batch *b, long *retry_after)
{
	if (!e->folder_ready) {
		enum outcome out = webdav_folder(e, retry_after);
		if (out != SENT)
			return out;
	}
	/* Named by the batch's first record: a retried PUT replaces the same file. */
	size_t n = strlen(e->t.url) + 64;
	char *url = xmalloc(n);
	str_fmt(url, n, "%sbarnstorm-%s.json", e->t.url, b->items[0].uuid);
	enum outcome out = send_document(e, b, "PUT", url, retry_after);
	free(url);
	return out;
}

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
static enum outcome send_an_one(struct engine *e, const struct outbox_record *r, long *retry_after,
				int *skipped)
{
	*skipped = 0;
	json_t *payload = payload_json(r->payload);
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
	int rc = http(e, &q, &rep);
	free(text);
	if (rc == -2) {
		out = STOPPED;
	} else {
		out = classify(e, &rep);
		*retry_after = rep.retry_after_s;
		if (out == SENT && !an_reply_ok(&rep)) {
			/* Action Network answers 200 with an empty body when a helper failed. */
			str_fmt(e->reason, sizeof(e->reason), "HTTP %ld from %s without %s (%s): will "
				"retry", rep.status, e->t.host, is_checkin && e->t.an_event ?
				"an attendance" : "a person", rep.len ? "no identifiers" : "empty body");
			out = RETRY;
		}
	}
	reply_release(&rep);
out:
	memset(email, 0, sizeof(email));
	json_decref(body);
	json_decref(payload);
	return out;
}

/* ---- Passes ---- */

static void publish(struct engine *e, enum upload_state forced);

static int64_t now_ms(struct engine *e)
{
	return clock_now(&e->clock);
}

/* Records the result of one batch. */
static int settle(struct engine *e, const int64_t *ids, int n, enum outcome out, long retry_after,
		  int attempts)
{
	switch (out) {
	case SENT:
		e->records_sent += n;
		return outbox_mark_sent(e->store, ids, n, now_ms(e));
	case RETRY: {
		int64_t d = upload_backoff_ms(&e->o, attempts + 1, retry_after, rng_next(&e->rng));
		return outbox_mark_retry(e->store, ids, n, now_ms(e) + d, e->reason);
	}
	case PARK:
		return outbox_park(e->store, ids, n, e->reason);
	case STOPPED:
		break;
	}
	return 0;
}

/* Sends due batches until none is due, a request fails, or stop. 1 when everything due went,
 * 0 when something failed (e->reason), -1 on a local error (err_msg()). */
static int pass(struct engine *e)
{
	struct outbox_batch b = { NULL, 0, 0 };
	int ret = 1;
	int64_t *ids = NULL;

	e->folder_ready = 0;
	e->have_token = 0;
	e->blocked = 0;
	e->unreachable = 0;
	for (;;) {
		if (e->stop && atomic_load(e->stop))
			goto out;
		int max = e->t.kind == TARGET_AN ? 1 : e->o.batch;
		if (outbox_next_batch(e->store, now_ms(e), max, &b) < 0) {
			ret = -1;
			goto out;
		}
		if (b.n == 0)
			goto out;
		if (e->t.config_error[0]) {
			str_copy(e->reason, sizeof(e->reason), e->t.config_error);
			ret = 0;
			e->blocked = 1;
			goto out;
		}
		if (e->t.https && !clock_synchronised(&e->clock)) {
			str_copy(e->reason, sizeof(e->reason), CLOCK_REASON);
			ret = 0;
			e->blocked = 1;
			goto out;
		}
		if (!e->have_token) {
			if (load_token(e) < 0) {
				str_copy(e->reason, sizeof(e->reason), err_msg());
				ret = 0;
				e->blocked = 1;
				goto out;
			}
			if (e->refused_token_hash && e->refused_token_hash == hash_str(e->token)) {
				str_fmt(e->reason, sizeof(e->reason), "%s refused the token in '%s': "
					"fix it, then tap Upload now", e->t.host, e->t.token_name);
				ret = 0;
				e->blocked = 1;
				goto out;
			}
			e->refused_token_hash = 0;
			if (!e->kiosk_id[0] && kiosk_id(e) < 0) {
				ret = -1;
				goto out;
			}
		}
		/* Every batch, even of one record: records queued meanwhile would otherwise join a
		 * retry of it under a new key, and a receiver that stored it would store it twice. */
		if (outbox_pin(e->store, b.items[0].id, b.items[b.n - 1].id) < 0) {
			ret = -1;
			goto out;
		}
		publish(e, UPLOAD_SENDING);
		ids = xmalloc((size_t)b.n * sizeof(*ids));
		for (int i = 0; i < b.n; i++)
			ids[i] = b.items[i].id;
		long retry_after = 0;
		enum outcome out;
		if (e->t.kind == TARGET_AN) {
			int skipped;
			out = send_an_one(e, &b.items[0], &retry_after, &skipped);
		} else if (e->t.kind == TARGET_WEBDAV) {
			out = send_webdav(e, &b, &retry_after);
		} else {
			out = send_webhook(e, &b, &retry_after);
		}
		if (out == STOPPED)
			goto out;
		if (out == PARK && e->auth_refused)
			e->refused_token_hash = hash_str(e->token);
		if (settle(e, ids, b.n, out, retry_after, b.items[0].attempts) < 0) {
			ret = -1;
			goto out;
		}
		free(ids);
		ids = NULL;
		outbox_batch_release(&b);
		if (out == RETRY || (out == PARK && e->refused_token_hash)) {
			e->blocked = out == PARK;
			ret = 0;
			goto out;
		}
		if (out == PARK)
			ret = 0; /* keep going with the next records, but say so */
		else if (out == SENT && ret == 1)
			e->reason[0] = '\0';
	}
out:
	free(ids);
	outbox_batch_release(&b);
	memset(e->token, 0, sizeof(e->token));
	e->have_token = 0;
	curl_easy_reset(e->curl); /* drops libcurl's copy of the basic-auth password */
	return ret;
}

static int engine_open(struct engine *e, const struct pack *p, const char *data_dir,
		       const struct clock *c, const struct upload_opts *o)
{
	memset(e, 0, sizeof(*e));
	target_init(&e->t, p);
	if (o)
		e->o = *o;
	else
		upload_opts_default(&e->o);
	if (e->o.batch < 1)
		e->o.batch = 1;
	if (e->o.batch > OUTBOX_BATCH_MAX)
		e->o.batch = OUTBOX_BATCH_MAX;
	e->clock = *c;
	clock_init_real(&e->wall);
	char seed[37];
	uuid_v4(seed);
	e->rng = (uint32_t)hash_str(seed);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		target_release(&e->t);
		return err_set("cannot initialise libcurl");
	}
	e->curl = curl_easy_init();
	if (!e->curl) {
		curl_global_cleanup();
		target_release(&e->t);
		return err_set("cannot initialise libcurl");
	}
	e->store = store_open(data_dir);
	if (!e->store) {
		curl_easy_cleanup(e->curl);
		curl_global_cleanup();
		target_release(&e->t);
		return -1;
	}
	return 0;
}

static void engine_close(struct engine *e)
{
	store_close(e->store);
	curl_easy_cleanup(e->curl);
	curl_global_cleanup();
	target_release(&e->t);
	memset(e->token, 0, sizeof(e->token));
}

/* The status from the outbox and the engine's last reason. */
static int compute_status(struct engine *e, enum upload_state forced, struct upload_status *st)
{
	struct outbox_counts c;
	memset(st, 0, sizeof(*st));
	str_copy(st->kind, sizeof(st->kind), e->t.kind_name);
	if (outbox_counts(e->store, &c) < 0)
		return -1;
	st->queued = c.queued;
	st->failing = c.failing;
	st->sent = c.sent;
	st->parked = c.parked;
	st->last_success_at = c.last_success_at;
	st->next_attempt_at = c.next_attempt_at;
	str_copy(st->reason, sizeof(st->reason), e->reason[0] ? e->reason : c.last_error);
	if (e->t.kind == TARGET_NONE) {
		st->state = UPLOAD_OFF;
		str_copy(st->reason, sizeof(st->reason), "the pack has no [upload]");
	} else if (forced == UPLOAD_SENDING) {
		st->state = UPLOAD_SENDING;
	} else if (c.queued > 0 && e->t.https && !clock_synchronised(&e->clock)) {
		st->state = UPLOAD_WAITING_CLOCK;
		str_copy(st->reason, sizeof(st->reason), CLOCK_REASON);
	} else if (c.queued == 0 && c.parked == 0) {
		st->state = UPLOAD_ALL_SENT;
		st->reason[0] = '\0';
	} else if (c.failing > 0 || c.parked > 0 || e->reason[0]) {
		st->state = UPLOAD_FAILING;
	} else {
		st->state = forced;
	}
	return 0;
}

static void publish(struct engine *e, enum upload_state forced)
{
	if (!e->u)
		return;
	struct upload_status st;
	if (compute_status(e, forced, &st) < 0) {
		pthread_mutex_lock(&e->u->lock);
		e->u->status.state = UPLOAD_FAILING;
		str_copy(e->u->status.reason, sizeof(e->u->status.reason), err_msg());
		pthread_mutex_unlock(&e->u->lock);
		return;
	}
	pthread_mutex_lock(&e->u->lock);
	e->u->status = st;
	pthread_mutex_unlock(&e->u->lock);
}

/* How long to wait before the next pass: until the oldest record is due, at most poll_ms. */
static int64_t next_wait(struct engine *e)
{
	struct outbox_counts c;
	int64_t w = e->o.poll_ms;
	if (outbox_counts(e->store, &c) == 0 && c.next_attempt_at > 0) {
		int64_t d = c.next_attempt_at - now_ms(e);
		/* A fake clock jumps straight to the due time; a real one still polls meanwhile
		 * for new records. */
		if (d < w || (e->clock.fake && d > 0))
			w = d;
	}
	if (w > e->o.max_wait_ms)
		w = e->o.max_wait_ms;
	return w < 0 ? 0 : w;
}

/* ---- The thread ---- */

static void *run_thread(void *arg)
{
	struct uploader *u = arg;
	struct engine *e = &u->e;
	publish(e, UPLOAD_IDLE);
	while (!atomic_load(&u->stop)) {
		pthread_mutex_lock(&u->lock);
		int kicked = u->kicked, unpark = u->retry_parked;
		/* A wake needs nothing of its own: the pass below sends what is due, and a record
		 * waiting for a backoff or Retry-After, or a refused token, is not. */
		u->kicked = u->retry_parked = u->woken = 0;
		pthread_mutex_unlock(&u->lock);
		if (unpark && outbox_requeue_parked(e->store) < 0)
			str_copy(e->reason, sizeof(e->reason), err_msg());
		if (kicked) {
			e->refused_token_hash = 0;
			if (outbox_make_due(e->store) < 0)
				str_copy(e->reason, sizeof(e->reason), err_msg());
		}
		if (e->t.kind != TARGET_NONE) {
			e->reason[0] = '\0';
			if (pass(e) < 0)
				str_copy(e->reason, sizeof(e->reason), err_msg());
		}
		publish(e, UPLOAD_IDLE);

		int64_t w = next_wait(e);
		if (e->clock.fake) {
			/* A fake clock: move it instead of sleeping (unless a test holds it), but still
			 * let a kick, a wake or stop in. */
			if (!e->o.hold_fake_clock)
				clock_advance(&e->clock, w);
			w = w < 20 ? w : 20;
		}
		int64_t until = clock_mono(&e->wall) + w;
		struct timespec ts = { (time_t)(until / 1000), (long)(until % 1000) * 1000000L };
		pthread_mutex_lock(&u->lock);
		while (!atomic_load(&u->stop) && !u->kicked && !u->woken && !u->retry_parked) {
			if (pthread_cond_timedwait(&u->wake, &u->lock, &ts) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&u->lock);
	}
	return NULL;
}

struct uploader *uploader_start(const struct pack *p, const char *data_dir, const struct clock *c,
				const struct upload_opts *opts)
{
	struct uploader *u = xcalloc(1, sizeof(*u));
	pthread_condattr_t ca;
	u->data_dir = xstrdup(data_dir);
	if (engine_open(&u->e, p, data_dir, c, opts) < 0) {
		/* Still give the screen an uploader that says what is wrong. */
		char msg[REASON_MAX];
		str_copy(msg, sizeof(msg), err_msg());
		free(u->data_dir);
		free(u);
		err_set("%s", msg);
		return NULL;
	}
	u->e.stop = &u->stop;
	u->e.u = u;
	pthread_mutex_init(&u->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* waits must not jump with the wall clock */
	pthread_cond_init(&u->wake, &ca);
	pthread_condattr_destroy(&ca);
	u->status.state = u->e.t.kind == TARGET_NONE ? UPLOAD_OFF : UPLOAD_IDLE;
	str_copy(u->status.kind, sizeof(u->status.kind), u->e.t.kind_name);
	int rc = pthread_create(&u->thread, NULL, run_thread, u);
	if (rc != 0) {
		engine_close(&u->e);
		pthread_mutex_destroy(&u->lock);
		pthread_cond_destroy(&u->wake);
		free(u->data_dir);
		free(u);
		err_set("cannot start the upload thread: %s", strerror(rc));
		return NULL;
	}
	return u;
}

void uploader_status(struct uploader *u, struct upload_status *out)
{
	pthread_mutex_lock(&u->lock);
	*out = u->status;
	pthread_mutex_unlock(&u->lock);
}

void uploader_kick(struct uploader *u)
{
	pthread_mutex_lock(&u->lock);
	u->kicked = 1;
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
}

void uploader_wake(struct uploader *u)
{
	pthread_mutex_lock(&u->lock);
	u->woken = 1;
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
}

void uploader_retry_parked(struct uploader *u)
{
	pthread_mutex_lock(&u->lock);
	u->retry_parked = 1;
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
}

void uploader_stop(struct uploader *u)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	atomic_store(&u->stop, 1);
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
	pthread_join(u->thread, NULL);
	engine_close(&u->e);
	pthread_mutex_destroy(&u->lock);
	pthread_cond_destroy(&u->wake);
	free(u->data_dir);
	free(u);
}

/* ---- Synchronous ---- */

int upload_run(const struct pack *p, const char *data_dir, const struct clock *c,
	       const struct upload_opts *opts, struct upload_status *out,
	       int64_t *records_sent, int64_t *requests)
{
	struct engine e;
	int ret = -1;
	if (engine_open(&e, p, data_dir, c, opts) < 0)
		return -1;
	if (e.t.kind == TARGET_NONE) {
		err_set("the pack has no [upload] section: nothing to send to");
		goto out;
	}
	/* "Send what is queued now": backoffs from earlier runs do not apply. */
	if (outbox_make_due(e.store) < 0)
		goto out;
	int64_t start = e.clock.fake ? now_ms(&e) : clock_mono(&e.wall);
	for (;;) {
		e.reason[0] = '\0';
		int rc = pass(&e);
		if (rc < 0)
			goto out;
		struct outbox_counts oc;
		if (outbox_counts(e.store, &oc) < 0)
			goto out;
		if (oc.queued == 0)
			break;
		if (rc == 1 && oc.next_attempt_at == 0)
			continue; /* new records arrived meanwhile */
		/* A config problem or an unsynchronised clock will not heal by waiting here. */
		/* Offline (no route, refused, no DNS) rarely heals in seconds: say so now rather
		 * than after the whole budget. */
		if (e.blocked || e.unreachable || !e.reason[0] || oc.next_attempt_at == 0)
			break;
		int64_t wait = oc.next_attempt_at - now_ms(&e);
		int64_t spent = (e.clock.fake ? now_ms(&e) : clock_mono(&e.wall)) - start;
		if (wait < 0)
			wait = 0;
		if (spent + wait > e.o.run_budget_ms)
			break;
		if (e.clock.fake) {
			clock_advance(&e.clock, wait);
		} else {
			struct timespec ts = { (time_t)(wait / 1000), (long)(wait % 1000) * 1000000L };
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
	}
	struct upload_status st;
	if (compute_status(&e, UPLOAD_IDLE, &st) < 0)
		goto out;
	if (out)
		*out = st;
	if (st.queued > 0) {
		err_set("not sent yet (%lld queued): %s", (long long)st.queued,
			st.reason[0] ? st.reason : "unknown reason");
		goto out;
	}
	ret = 0;
out:
	if (records_sent)
		*records_sent = e.records_sent;
	if (requests)
		*requests = e.requests;
	engine_close(&e);
	return ret;
}

/* ---- barnstorm upload ---- */

int cmd_upload(int argc, char **argv)
{
	struct cli cl;
	if (cli_parse(argc, argv, "pack data", 0, &cl) < 0)
		return 2;
	struct pack p;
	struct diags d;
	diags_init(&d);
	memset(&p, 0, sizeof(p));
	int rc = pack_load(cli_pack_dir(&cl), &p, &d);
	for (int i = 0; i < d.n; i++) {
		if (d.items[i].level != DIAG_ERROR)
			continue;
		char line[512];
		diag_format(&d.items[i], line, sizeof(line));
		fprintf(stderr, "barnstorm: %s/%s\n", cli_pack_dir(&cl), line);
	}
	diags_release(&d);
	if (rc < 0) {
		pack_release(&p);
		return 1;
	}
	struct clock c;
	clock_init_real(&c);
	struct upload_status st;
	int64_t sent = 0, requests = 0;
	memset(&st, 0, sizeof(st));
	rc = upload_run(&p, cli_data_dir(&cl), &c, NULL, &st, &sent, &requests);
	pack_release(&p);
	printf("sent %lld record%s in %lld request%s; %lld queued, %lld parked\n",
	       (long long)sent, sent == 1 ? "" : "s", (long long)requests, requests == 1 ? "" : "s",
	       (long long)st.queued, (long long)st.parked);
	if (rc < 0) {
		fprintf(stderr, "barnstorm: upload: %s\n", err_msg());
		return 1;
	}
	if (st.parked > 0) {
		fprintf(stderr, "barnstorm: upload: %lld record%s refused by the receiver: %s\n",
			(long long)st.parked, st.parked == 1 ? "" : "s", st.reason);
		return 1;
	}
	return 0;
}

/* host[:port] of a url, without user, password, path or query (a webhook's path can be a secret,
 * e.g. a Zapier or Apps Script address). "" when the url cannot be parsed. */
void upload_url_host(const char *url, char *out, size_t size)
{
	out[0] = '\0';
	CURLU *h = curl_url();
	if (!h)
		return;
	char *host = NULL, *port = NULL;
	if (curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
			str_fmt(out, size, "%s:%s", host, port);
		else
			str_copy(out, size, host);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(h);
}
