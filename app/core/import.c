#include "core/import.h"
#include "roster.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct importer {
	/* Set by importer_start(), then read only. */
	char *roster_path;
	char *data_dir;
	char *event;
	void (*changed)(void *ctx);
	void *ctx;
	struct importer_config cfg;   /* the strings point at the copies above */
	pthread_t thread;
	atomic_int cancel;

	pthread_mutex_t lock;         /* guards st */
	struct importer_status st;
};

const char *importer_state_name(enum importer_state s)
{
	static const char *const names[] = { "idle", "checking", "importing", "done", "failed" };
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

void importer_result_init(struct importer_result *r)
{
	memset(r, 0, sizeof(*r));
	roster_report_init(&r->report);
}

void importer_result_release(struct importer_result *r)
{
	roster_report_release(&r->report);
}

/* Keeps a reason to one line without tabs, so the meta format stays parseable. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\t' || *s == '\n' || *s == '\r')
			*s = ' ';
}

void importer_result_line(const struct roster_report *r, char *out, size_t size)
{
	char reason[128] = "", stopped[200] = "";
	long line = 0;
	if (r->nreasons > 0) {
		str_copy(reason, sizeof(reason), r->reasons[0].reason);
		line = r->reasons[0].line;
	}
	str_copy(stopped, sizeof(stopped), r->stopped);
	one_line(reason);
	one_line(stopped);
	str_fmt(out, size, "%ld %ld %ld %ld %ld\t%s\t%s", r->imported, r->merged, r->unchanged,
		r->rejected, line, reason, stopped);
}

/* The file's signature, as screens/checkin.c has always written it. */
static int signature(const struct importer_config *cfg, char *out, size_t size)
{
	struct stat sb;
	if (stat(cfg->roster_path, &sb) < 0)
		return err_set("cannot open '%s': %s", cfg->roster_path, strerror(errno));
	str_fmt(out, size, "%s %lld %lld.%09ld", cfg->event ? cfg->event : "",
		(long long)sb.st_size, (long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec);
	return 0;
}

/* ---- the work, shared by the thread and importer_run() ---- */

struct job {
	const struct importer_config *cfg;
	struct importer *im;          /* NULL for importer_run() */
	const char *sig;
};

static void notify(struct importer *im)
{
	if (im && im->changed)
		im->changed(im->ctx);
}

static void on_progress(void *ctx, const struct roster_progress *p)
{
	struct job *j = ctx;
	struct importer *im = j->im;
	if (!im)
		return;
	pthread_mutex_lock(&im->lock);
	im->st.saving = p->saving;
	im->st.rows = p->rows;
	im->st.merged = p->merged;
	im->st.bytes = p->bytes;
	im->st.total = p->total;
	pthread_mutex_unlock(&im->lock);
	notify(im);
}

static int on_cancelled(void *ctx)
{
	struct job *j = ctx;
	return j->im && atomic_load(&j->im->cancel);
}

/* In the merge transaction: the signature, the result line and the report go with the roster. */
static int on_before_commit(void *ctx, struct store *s, const struct roster_report *r)
{
	struct job *j = ctx;
	char line[512];
	char *report = xmalloc(IMPORTER_REPORT_MAX);
	const char *name = strrchr(j->cfg->roster_path, '/');
	roster_report_format(r, name ? name + 1 : j->cfg->roster_path, report, IMPORTER_REPORT_MAX);
	importer_result_line(r, line, sizeof(line));
	int rc = store_meta_set(s, IMPORTER_META_SIG, j->sig) < 0 ||
		 store_meta_set(s, IMPORTER_META_RESULT, line) < 0 ||
		 store_meta_set(s, IMPORTER_META_REPORT, report) < 0 ? -1 : 0;
	free(report);
	return rc;
}

static int run_job(struct store *s, struct job *j, struct importer_result *r)
{
	const struct importer_config *cfg = j->cfg;
	char sig[512], have[512] = "";
	if (signature(cfg, sig, sizeof(sig)) < 0)
		return -1;
	j->sig = sig;
	if (!cfg->force && store_meta_get(s, IMPORTER_META_SIG, have, sizeof(have)) == 0 &&
	    strcmp(have, sig) == 0 &&
	    store_meta_get(s, IMPORTER_META_RESULT, r->result, sizeof(r->result)) == 0 &&
	    r->result[0]) {
		r->ran = 0;
		return 0;
	}
	if (j->im) {
		pthread_mutex_lock(&j->im->lock);
		j->im->st.state = IMPORTER_IMPORTING;
		pthread_mutex_unlock(&j->im->lock);
		notify(j->im);
	}
	struct roster_hooks h = {
		.progress = on_progress, .cancelled = on_cancelled, .before_commit = on_before_commit,
		.ctx = j, .kill_after_rows = cfg->test_kill_after_rows,
		.kill_phase = cfg->test_kill_phase,
	};
	if (roster_import_ex(s, cfg->clock, cfg->roster_path, cfg->pack, &h, &r->report) < 0)
		return -1;
	r->ran = 1;
	importer_result_line(&r->report, r->result, sizeof(r->result));
	return 0;
}

int importer_run(const struct importer_config *cfg, struct importer_result *r)
{
	struct store *s = store_open(cfg->data_dir);
	if (!s)
		return -1;
	struct job j = { .cfg = cfg };
	int rc = run_job(s, &j, r);
	store_close(s);
	return rc;
}

/* ---- the thread ---- */

static void finish(struct importer *im, int rc, const struct importer_result *r)
{
	pthread_mutex_lock(&im->lock);
	if (rc < 0) {
		im->st.state = IMPORTER_FAILED;
		str_copy(im->st.error, sizeof(im->st.error), err_msg());
	} else {
		im->st.state = IMPORTER_DONE;
		im->st.ran = r->ran;
		im->st.no_file = r->no_file;
		str_copy(im->st.result, sizeof(im->st.result), r->result);
		im->st.nproblems = 0;
		for (int i = 0; i < r->report.nreasons && i < IMPORTER_PROBLEMS; i++)
			str_fmt(im->st.problems[im->st.nproblems++], sizeof(im->st.problems[0]),
				"line %ld: %s", r->report.reasons[i].line, r->report.reasons[i].reason);
	}
	pthread_mutex_unlock(&im->lock);
	notify(im);
}

static void *run_thread(void *arg)
{
	struct importer *im = arg;
	struct importer_result r;
	importer_result_init(&r);
	int rc = -1;
	struct stat sb;
	if (stat(im->cfg.roster_path, &sb) < 0 && errno == ENOENT) {
		r.no_file = 1;
		finish(im, 0, &r);
		importer_result_release(&r);
		return NULL;
	}
	struct store *s = store_open(im->cfg.data_dir);
	if (s) {
		struct job j = { .cfg = &im->cfg, .im = im };
		rc = run_job(s, &j, &r);
		store_close(s);
	}
	finish(im, rc, &r);
	importer_result_release(&r);
	return NULL;
}

struct importer *importer_start(const struct importer_config *cfg, void (*changed)(void *ctx),
				void *ctx)
{
	struct importer *im = xcalloc(1, sizeof(*im));
	im->roster_path = xstrdup(cfg->roster_path);
	im->data_dir = xstrdup(cfg->data_dir);
	im->event = xstrdup(cfg->event ? cfg->event : "");
	im->cfg = *cfg;
	im->cfg.roster_path = im->roster_path;
	im->cfg.data_dir = im->data_dir;
	im->cfg.event = im->event;
	im->changed = changed;
	im->ctx = ctx;
	atomic_init(&im->cancel, 0);
	pthread_mutex_init(&im->lock, NULL);
	im->st.state = IMPORTER_CHECKING;
	int rc = pthread_create(&im->thread, NULL, run_thread, im);
	if (rc != 0) {
		err_set("cannot start the roster import: %s", strerror(rc));
		pthread_mutex_destroy(&im->lock);
		free(im->roster_path);
		free(im->data_dir);
		free(im->event);
		free(im);
		return NULL;
	}
	return im;
}

void importer_status(struct importer *im, struct importer_status *out)
{
	pthread_mutex_lock(&im->lock);
	*out = im->st;
	pthread_mutex_unlock(&im->lock);
}

void importer_stop(struct importer *im)
{
	if (!im)
		return;
	atomic_store(&im->cancel, 1);
	pthread_join(im->thread, NULL);
	pthread_mutex_destroy(&im->lock);
	free(im->roster_path);
	free(im->data_dir);
	free(im->event);
	free(im);
}
