/* The uploader's parts (see upload.h for what it does), shared only by the files of app/upload/:
 *
 *   engine.c         the configuration, the token, passes over the outbox, upload_run() and
 *                    `barnstorm upload`
 *   transport.c      one HTTP request with libcurl (the only file that includes curl/curl.h),
 *                    spaced for Action Network
 *   retry.c          the retry policy: which answers are retried or parked, backoff, and
 *                    recording a batch's outcome in the outbox
 *   webhook.c        the barnstorm.v1 document, POSTed (webdav PUTs the same document)
 *   webdav.c         MKCOL the folder, PUT one file per batch
 *   actionnetwork.c  one record per request to the person signup and attendance helpers
 *   worker.c         the background thread, its wakes and its status
 *
 * One engine does the work for both the background thread and `barnstorm upload`: it owns a
 * store connection, a curl easy handle (reused, so a pass keeps its connection alive) and the
 * token read at the start of a pass. A pass sends batch after batch while records are due and
 * stops at the first failure, so delivery stays in order. */
#ifndef BARNSTORM_UPLOAD_ENGINE_H
#define BARNSTORM_UPLOAD_ENGINE_H

#include "upload.h"
#include "clock.h"
#include "outbox.h"

#include <jansson.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct pack;
struct store;
struct uploader;
struct transport;

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
	struct transport *tr;   /* the curl handle (transport.c) */
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
	char token_id[96];            /* the token file as last read: "DEV INO SIZE MTIME" */
	char refused_token[96];       /* the token_id the receiver refused (401/403), "" when none;
					 kept in meta so a restart does not try it again */
	int64_t last_request_at;      /* spacing_now() of the last request's start; 0: none yet */
};

struct request {
	const char *method;  /* "POST", "PUT", "MKCOL" */
	const char *url;
	const char *body;    /* NULL: none */
	size_t len;
	const char *content_type;
	const char *idem_key;
};

/* ---- engine.c ---- */

static inline int64_t upload_now(struct engine *e)
{
	return clock_now(&e->clock);
}

/* Opens the engine on a pack (copied), data directory and clock: 0, or -1 with err_msg(). */
int upload_engine_open(struct engine *e, const struct pack *p, const char *data_dir,
		       const struct clock *c, const struct upload_opts *o);
void upload_engine_close(struct engine *e);
/* Sends due batches until none is due, a request fails, or stop. 1 when everything due went,
 * 0 when something failed (e->reason), -1 on a local error (err_msg()). */
int upload_pass(struct engine *e);
/* Forgets a refused token ("Upload now", `barnstorm upload`): 0, or -1 with err_msg(). */
int upload_token_unblock(struct engine *e);
/* The status from the outbox and the engine's last reason; 0 or -1 with err_msg(). */
int upload_compute_status(struct engine *e, enum upload_state forced, struct upload_status *st);

/* ---- transport.c ---- */

/* The curl handle: 0, or -1 with err_msg(). */
int upload_transport_open(struct engine *e);
void upload_transport_close(struct engine *e);
/* Forgets every option of the last request (the basic-auth password among them). */
void upload_transport_reset(struct engine *e);
/* One request. 0 with r filled (r->status 0 on a transport error, with e->reason set), or -2
 * when the uploader is stopping. r->body is the caller's to release (upload_reply_release()). */
int upload_http(struct engine *e, const struct request *q, struct reply *r);
void upload_reply_release(struct reply *r);
/* Replaces every occurrence of secret in msg[size] with "[token]". */
void upload_scrub(char *msg, size_t size, const char *secret);
/* A short printable excerpt of a reply for a message. */
void upload_excerpt(const char *body, size_t len, char *out, size_t size);

/* ---- retry.c ---- */

uint32_t upload_rng_next(uint32_t *s);
/* 2xx SENT; 408, 429, 5xx, transport errors RETRY; others PARK. Sets e->reason unless SENT. */
enum outcome upload_classify(struct engine *e, const struct reply *r);
/* Records the outcome of the batch ids[0..n-1] in the outbox (retries with backoff). */
int upload_settle(struct engine *e, const int64_t *ids, int n, enum outcome out, long retry_after,
		  int attempts);

/* ---- the targets ---- */

/* The payload as JSON (null when it does not parse). New reference. */
json_t *upload_payload_json(const char *text);
/* The batch as one barnstorm.v1 document with method to url, keyed for the receiver. */
enum outcome upload_send_document(struct engine *e, const struct outbox_batch *b,
				  const char *method, const char *url, long *retry_after);
enum outcome upload_send_webhook(struct engine *e, const struct outbox_batch *b,
				 long *retry_after);
enum outcome upload_send_webdav(struct engine *e, const struct outbox_batch *b, long *retry_after);
enum outcome upload_send_an(struct engine *e, const struct outbox_record *r, long *retry_after,
			    int *skipped);

/* ---- worker.c ---- */

/* Copies the status to the thread's uploader for the screen (nothing for upload_run()). */
void upload_publish(struct engine *e, enum upload_state forced);

#endif
