/* The uploader's engine (see engine.h): configuration, the token, passes over the outbox, and the
 * synchronous upload_run() behind `barnstorm upload`. */
#include "upload/engine.h"
#include "cli.h"
#include "commands.h"
#include "pack.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

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
	/* Which file this was, not what it says: no trace of the secret goes into the store. */
	str_fmt(e->token_id, sizeof(e->token_id), "%llu %llu %lld %lld.%09ld",
		(unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino, (long long)sb.st_size,
		(long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec);
	e->have_token = 1;
	return 0;
}

#define REFUSED_KEY "upload_token_refused"

/* Remembers (id) or forgets ("") the token file the receiver refused, in meta too. */
static int set_refused(struct engine *e, const char *id)
{
	if (store_tx_begin(e->store) < 0)
		return -1;
	if (store_meta_set(e->store, REFUSED_KEY, id) < 0) {
		store_tx_rollback(e->store);
		return -1;
	}
	if (store_tx_commit(e->store) < 0)
		return -1;
	str_copy(e->refused_token, sizeof(e->refused_token), id);
	return 0;
}

int upload_token_unblock(struct engine *e)
{
	return e->refused_token[0] ? set_refused(e, "") : 0;
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

/* Sends due batches until none is due, a request fails, or stop. 1 when everything due went,
 * 0 when something failed (e->reason), -1 on a local error (err_msg()). */
int upload_pass(struct engine *e)
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
		if (outbox_next_batch(e->store, upload_now(e), max, &b) < 0) {
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
			if (e->refused_token[0] && strcmp(e->refused_token, e->token_id) == 0) {
				str_fmt(e->reason, sizeof(e->reason), "%s refused the token in '%s': "
					"fix it, then tap Upload now", e->t.host, e->t.token_name);
				ret = 0;
				e->blocked = 1;
				goto out;
			}
			/* The token file changed since it was refused: try it. */
			if (e->refused_token[0] && set_refused(e, "") < 0) {
				ret = -1;
				goto out;
			}
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
		upload_publish(e, UPLOAD_SENDING);
		ids = xmalloc((size_t)b.n * sizeof(*ids));
		for (int i = 0; i < b.n; i++)
			ids[i] = b.items[i].id;
		long retry_after = 0;
		enum outcome out;
		if (e->t.kind == TARGET_AN) {
			int skipped;
			out = upload_send_an(e, &b.items[0], &retry_after, &skipped);
		} else if (e->t.kind == TARGET_WEBDAV) {
			out = upload_send_webdav(e, &b, &retry_after);
		} else {
			out = upload_send_webhook(e, &b, &retry_after);
		}
		if (out == STOPPED)
			goto out;
		if (upload_settle(e, ids, b.n, out, retry_after, b.items[0].attempts) < 0) {
			ret = -1;
			goto out;
		}
		if (out == PARK && e->auth_refused && set_refused(e, e->token_id) < 0) {
			ret = -1;
			goto out;
		}
		free(ids);
		ids = NULL;
		outbox_batch_release(&b);
		if (out == RETRY || (out == PARK && e->auth_refused)) {
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
	upload_transport_reset(e); /* drops libcurl's copy of the basic-auth password */
	return ret;
}

int upload_engine_open(struct engine *e, const struct pack *p, const char *data_dir,
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
	if (upload_transport_open(e) < 0) {
		target_release(&e->t);
		return -1;
	}
	e->store = store_open(data_dir);
	if (!e->store || store_meta_get(e->store, REFUSED_KEY, e->refused_token,
					(int)sizeof(e->refused_token)) < 0) {
		store_close(e->store);
		upload_transport_close(e);
		target_release(&e->t);
		return -1;
	}
	return 0;
}

void upload_engine_close(struct engine *e)
{
	store_close(e->store);
	upload_transport_close(e);
	target_release(&e->t);
	memset(e->token, 0, sizeof(e->token));
}

/* The status from the outbox and the engine's last reason. */
int upload_compute_status(struct engine *e, enum upload_state forced, struct upload_status *st)
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

int upload_run(const struct pack *p, const char *data_dir, const struct clock *c,
	       const struct upload_opts *opts, struct upload_status *out,
	       int64_t *records_sent, int64_t *requests)
{
	struct engine e;
	int ret = -1;
	if (upload_engine_open(&e, p, data_dir, c, opts) < 0)
		return -1;
	if (e.t.kind == TARGET_NONE) {
		err_set("the pack has no [upload] section: nothing to send to");
		goto out;
	}
	/* "Send what is queued now": backoffs from earlier runs do not apply. */
	if (outbox_make_due(e.store) < 0 || upload_token_unblock(&e) < 0)
		goto out;
	int64_t start = e.clock.fake ? upload_now(&e) : clock_mono(&e.wall);
	for (;;) {
		e.reason[0] = '\0';
		int rc = upload_pass(&e);
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
		int64_t wait = oc.next_attempt_at - upload_now(&e);
		int64_t spent = (e.clock.fake ? upload_now(&e) : clock_mono(&e.wall)) - start;
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
	if (upload_compute_status(&e, UPLOAD_IDLE, &st) < 0)
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
	upload_engine_close(&e);
	return ret;
}

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
