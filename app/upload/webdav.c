/* The webdav target: the folder is created with MKCOL (and its parents when the server asks),
 * then each batch is PUT as barnstorm-FIRST_UUID.json, so a retried PUT replaces the same file. */
#include "upload/engine.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* MKCOL url; 0 when the folder is there afterwards (201, or 405: it existed), -2 when stopping,
 * else the HTTP status (0 on a transport error) with *r filled. */
static long mkcol(struct engine *e, const char *url, struct reply *r)
{
	struct request mk = { "MKCOL", url, NULL, 0, NULL, NULL };
	if (upload_http(e, &mk, r) == -2)
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
			upload_reply_release(&r);
			st = mkcol(e, parent, &r);
			free(parent);
		}
		if (st != -2) {
			upload_reply_release(&r);
			st = mkcol(e, e->t.url, &r);
		}
	}
	enum outcome out = SENT;
	if (st == -2) {
		out = STOPPED;
	} else if (st != 0) {
		out = upload_classify(e, &r); /* never SENT: 2xx made st 0 */
		*retry_after = r.retry_after_s;
		char msg[REASON_MAX];
		str_fmt(msg, sizeof(msg), "cannot create the folder: %s", e->reason);
		str_copy(e->reason, sizeof(e->reason), msg);
	} else {
		e->folder_ready = 1;
	}
	upload_reply_release(&r);
	return out;
}

enum outcome upload_send_webdav(struct engine *e, const struct outbox_batch *b,
				long *retry_after)
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
	enum outcome out = upload_send_document(e, b, "PUT", url, retry_after);
	free(url);
	return out;
}
