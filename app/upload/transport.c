/* One HTTP request with libcurl for the uploader (see engine.h): the only file that includes
 * curl/curl.h. */
#include "upload/engine.h"
#include "util.h"

#include <curl/curl.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct transport {
	CURL *curl;
};

int upload_transport_open(struct engine *e)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set("cannot initialise libcurl");
	CURL *c = curl_easy_init();
	if (!c) {
		curl_global_cleanup();
		return err_set("cannot initialise libcurl");
	}
	e->tr = xcalloc(1, sizeof(*e->tr));
	e->tr->curl = c;
	return 0;
}

void upload_transport_close(struct engine *e)
{
	if (!e->tr)
		return;
	curl_easy_cleanup(e->tr->curl);
	curl_global_cleanup();
	free(e->tr);
	e->tr = NULL;
}

void upload_transport_reset(struct engine *e)
{
	curl_easy_reset(e->tr->curl);
}

/* Replaces every occurrence of secret in msg[size] with "[token]" so no message carries it. */
void upload_scrub(char *msg, size_t size, const char *secret)
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

/* A short printable upload_excerpt of a reply for a message (control characters become spaces). */
void upload_excerpt(const char *body, size_t len, char *out, size_t size)
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
int upload_http(struct engine *e, const struct request *q, struct reply *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	char line[TOKEN_MAX + 64];
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->body = xmalloc(REPLY_MAX + 1);
	r->body[0] = '\0';
	CURL *c = e->tr->curl;
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
		upload_scrub(e->reason, sizeof(e->reason), e->token);
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

void upload_reply_release(struct reply *r)
{
	free(r->body);
	r->body = NULL;
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
