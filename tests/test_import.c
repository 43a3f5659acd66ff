#include "testutil.h"

#include "clock.h"
#include "core/import.h"
#include "people.h"
#include "people/index.h"
#include "roster.h"
#include "store.h"
#include "util.h"

#include <pthread.h>

#define OLD_ROWS 3000
#define NEW_ROWS 5000

struct fx {
	char *dir;
	char old_csv[1024], new_csv[1024];
	struct clock c;
};

/* A roster of rows people; version 2 changes every postcode of the first rows (so merging
 * changes people) and adds people after them. */
static void write_roster(const char *path, int rows, int version)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs("Fornavn;Efternavn;E-mail;Mobil;Postnummer;Billetnummer\r\n", f);
	for (int i = 0; i < rows; i++)
		fprintf(f, "Navn%d;Holm%d;p%d@example.dk;;%d;R%d\r\n", i, i % 97, i,
			version == 1 ? 1000 + i % 9000 : 2000 + i % 7000, i);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->dir = tu_tempdir();
	snprintf(f->old_csv, sizeof(f->old_csv), "%s/old.csv", f->dir);
	snprintf(f->new_csv, sizeof(f->new_csv), "%s/new.csv", f->dir);
	write_roster(f->old_csv, OLD_ROWS, 1);
	write_roster(f->new_csv, NEW_ROWS, 2);
	clock_init_fake(&f->c, 1764784800000);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct importer_config config(struct fx *f, const char *csv)
{
	struct importer_config cfg = {
		.roster_path = csv, .data_dir = f->dir, .event = "e1", .clock = &f->c,
	};
	return cfg;
}

static int64_t q(struct fx *f, const char *sql)
{
	struct store *s = store_open(f->dir);
	assert_non_null(s);
	int64_t v = store_query_int(s, sql);
	store_close(s);
	return v;
}

static void meta(struct fx *f, const char *key, char *out, int size)
{
	struct store *s = store_open(f->dir);
	assert_non_null(s);
	assert_int_equal(store_meta_get(s, key, out, size), 0);
	store_close(s);
}

static void run_ok(struct fx *f, const char *csv, int expect_ran)
{
	struct importer_config cfg = config(f, csv);
	struct importer_result r;
	importer_result_init(&r);
	if (importer_run(&cfg, &r) < 0)
		fail_msg("%s", err_msg());
	assert_int_equal(r.ran, expect_ran);
	importer_result_release(&r);
}

/* The same file is imported once; the signature, result line and report are stored with it. */
static void signature_skips_and_meta(void **state)
{
	struct fx *f = *state;
	run_ok(f, f->old_csv, 1);
	run_ok(f, f->old_csv, 0);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), OLD_ROWS);
	char v[IMPORTER_REPORT_MAX];
	meta(f, IMPORTER_META_SIG, v, sizeof(v));
	assert_true(strncmp(v, "e1 ", 3) == 0);
	meta(f, IMPORTER_META_RESULT, v, sizeof(v));
	assert_true(strncmp(v, "3000 0 0 0 0\t", 13) == 0);
	meta(f, IMPORTER_META_REPORT, v, sizeof(v));
	assert_non_null(strstr(v, "old.csv: column 6 'Billetnummer': registration id (RSVP)"));
	/* Forced (the CLI): imported again, all unchanged. */
	struct importer_config cfg = config(f, f->old_csv);
	cfg.force = 1;
	struct importer_result r;
	importer_result_init(&r);
	assert_int_equal(importer_run(&cfg, &r), 0);
	assert_int_equal(r.ran, 1);
	assert_int_equal(r.report.unchanged, OLD_ROWS);
	importer_result_release(&r);
	/* A missing file fails with its name. */
	struct importer_config missing = config(f, "/nonexistent/roster.csv");
	importer_result_init(&r);
	assert_int_equal(importer_run(&missing, &r), -1);
	assert_non_null(strstr(err_msg(), "/nonexistent/roster.csv"));
	importer_result_release(&r);
}

/* ---- the worker thread ---- */

struct watch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct importer *im;
	int calls;
	int done;
	/* What the door saw from its own connection while the worker ran. */
	struct store *door;
	int64_t old_count;
	int wrote_while_reading;     /* a check-in-like write succeeded while the file was read */
	int saw_half;                /* a count other than the old one while merging */
	int saw_saving;
};

static void on_changed(void *ctx)
{
	struct watch *w = ctx;
	struct importer_status st;
	/* The lock also waits for importer_start() to have returned w->im. */
	pthread_mutex_lock(&w->lock);
	importer_status(w->im, &st);
	if (w->door && st.state == IMPORTER_IMPORTING) {
		if (!st.saving && !w->wrote_while_reading) {
			/* The worker holds no write lock while it reads the file. The busy timeout
			 * (5 s) would turn a held lock into a failure here, on this thread. */
			if (store_tx_begin(w->door) == 0 && store_meta_set(w->door, "door", "1") == 0 &&
			    store_tx_commit(w->door) == 0)
				w->wrote_while_reading = 1;
		}
		if (st.saving && st.merged > 0) {
			int64_t n = store_query_int(w->door, "SELECT count(*) FROM person");
			if (n == w->old_count)
				w->saw_saving = 1;   /* the old roster, while the new one is written */
			else if (n != NEW_ROWS)
				w->saw_half = 1;
		}
	}
	w->calls++;
	if (st.state == IMPORTER_DONE || st.state == IMPORTER_FAILED)
		w->done = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void wait_done(struct watch *w)
{
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static void worker_imports_while_the_door_works(void **state)
{
	struct fx *f = *state;
	run_ok(f, f->old_csv, 1);
	struct watch w = { .old_count = OLD_ROWS };
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	w.door = store_open(f->dir);
	assert_non_null(w.door);
	struct importer_config cfg = config(f, f->new_csv);
	/* Held until the importer pointer is known to the callback. */
	pthread_mutex_lock(&w.lock);
	w.im = importer_start(&cfg, on_changed, &w);
	assert_non_null(w.im);
	pthread_mutex_unlock(&w.lock);
	wait_done(&w);
	struct importer_status st;
	importer_status(w.im, &st);
	assert_int_equal(st.state, IMPORTER_DONE);
	assert_int_equal(st.ran, 1);
	assert_int_equal(st.rows, NEW_ROWS);
	assert_true(st.bytes > 0 && st.bytes == st.total);
	assert_true(strncmp(st.result, "2000 3000 0 0 0\t", 16) == 0);
	assert_true(w.calls >= NEW_ROWS / ROSTER_PROGRESS_ROWS);
	assert_true(w.wrote_while_reading);
	assert_true(w.saw_saving);
	assert_false(w.saw_half);
	importer_stop(w.im);
	store_close(w.door);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), NEW_ROWS);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE external_id = 'R7' AND "
			      "postcode = '2007'"), 1);

	/* Started again on the same file: done by signature, nothing read. */
	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	pthread_mutex_lock(&w.lock);
	w.im = importer_start(&cfg, on_changed, &w);
	pthread_mutex_unlock(&w.lock);
	wait_done(&w);
	importer_status(w.im, &st);
	assert_int_equal(st.state, IMPORTER_DONE);
	assert_int_equal(st.ran, 0);
	assert_int_equal(st.rows, 0);
	importer_stop(w.im);
}

/* Stopping at once cancels: either nothing changed or all of it did, never a part. */
static void stop_cancels_cleanly(void **state)
{
	struct fx *f = *state;
	struct importer_config cfg = config(f, f->new_csv);
	struct importer *im = importer_start(&cfg, NULL, NULL);
	assert_non_null(im);
	importer_stop(im);
	int64_t n = q(f, "SELECT count(*) FROM person");
	assert_true(n == 0 || n == NEW_ROWS);
	run_ok(f, f->new_csv, n == 0);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), NEW_ROWS);
	/* No roster file: done, nothing to import (a pack may have none). */
	struct importer_config none = config(f, "/nonexistent/roster.csv");
	im = importer_start(&none, NULL, NULL);
	struct importer_status st;
	do {
		importer_status(im, &st);
	} while (st.state != IMPORTER_FAILED && st.state != IMPORTER_DONE && usleep(1000) == 0);
	assert_int_equal(st.state, IMPORTER_DONE);
	assert_int_equal(st.no_file, 1);
	assert_int_equal(st.ran, 0);
	importer_stop(im);
	/* A bad file is a status, not a crash. */
	char bad_csv[1100];
	snprintf(bad_csv, sizeof(bad_csv), "%s/bad.csv", f->dir);
	FILE *out = fopen(bad_csv, "wb");
	assert_non_null(out);
	fputs("Noter;Tags\nx;y\n", out);
	assert_int_equal(fclose(out), 0);
	struct importer_config bad = config(f, bad_csv);
	im = importer_start(&bad, NULL, NULL);
	do {
		importer_status(im, &st);
	} while (st.state != IMPORTER_FAILED && st.state != IMPORTER_DONE && usleep(1000) == 0);
	assert_int_equal(st.state, IMPORTER_FAILED);
	assert_non_null(strstr(st.error, "no column for the first name"));
	importer_stop(im);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), NEW_ROWS);
}

/* ---- SIGKILL at any point ---- */

static void kill_at(struct fx *f, int phase, long rows)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct importer_config cfg = config(f, f->new_csv);
		cfg.test_kill_phase = phase;
		cfg.test_kill_after_rows = rows;
		struct importer_result r;
		importer_result_init(&r);
		importer_run(&cfg, &r);
		_exit(3); /* the hook did not fire */
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail_msg("phase %d row %ld: the child was not killed (status %d)", phase, rows,
			 status);
}

/* The old roster stays whole after each kill; the next run imports the new one whole. */
static void killed_import_never_shows_half(void **state)
{
	struct fx *f = *state;
	run_ok(f, f->old_csv, 1);
	char old_sig[512], sig[512];
	meta(f, IMPORTER_META_SIG, old_sig, sizeof(old_sig));
	static const struct { int phase; long rows; } points[] = {
		{1, 1}, {1, 2500}, {1, NEW_ROWS}, {2, 1}, {2, 2999}, {2, 3001}, {2, NEW_ROWS},
		{3, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(points); i++) {
		kill_at(f, points[i].phase, points[i].rows);
		struct store *s = store_open(f->dir);
		assert_non_null(s);
		assert_true(store_integrity_ok(s));
		assert_int_equal(store_query_int(s, "SELECT count(*) FROM person"), OLD_ROWS);
		assert_int_equal(store_query_int(s, "SELECT count(*) FROM person WHERE "
						    "postcode = CAST(1000 + id - 1 AS TEXT)"),
				 OLD_ROWS);
		assert_int_equal(store_meta_get(s, IMPORTER_META_SIG, sig, sizeof(sig)), 0);
		assert_string_equal(sig, old_sig);
		store_close(s);
	}
	run_ok(f, f->new_csv, 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), NEW_ROWS);
	assert_int_equal(q(f, "SELECT count(DISTINCT external_id) FROM person"), NEW_ROWS);
	assert_int_equal(q(f, "SELECT count(DISTINCT email) FROM person"), NEW_ROWS);
	/* The search knows exactly the people stored, none left over from the killed runs. */
	struct store *si = store_open(f->dir);
	assert_non_null(si);
	struct people_index_stats st;
	assert_int_equal(people_index_stats(si, &st), 0);
	assert_int_equal(st.people, NEW_ROWS);
	store_close(si);
	/* A first import killed while merging leaves an empty table, then imports whole. */
	tu_rmtree(f->dir);
	assert_int_equal(mkdir(f->dir, 0700), 0);
	write_roster(f->new_csv, NEW_ROWS, 2);
	kill_at(f, 2, 4000);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), 0);
	run_ok(f, f->new_csv, 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), NEW_ROWS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(signature_skips_and_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(worker_imports_while_the_door_works, setup, teardown),
		cmocka_unit_test_setup_teardown(stop_cancels_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_import_never_shows_half, setup, teardown),
	};
	return RUN_TESTS(tests);
}
