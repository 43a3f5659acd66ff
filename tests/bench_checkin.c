/* Check-in benchmark: roster import of 100,000 generated rows against the sqlite3 CLI's .import
 * of the same file, and search latency per keystroke over those 100,000 people against a naive
 * full-scan LIKE '%...%' query. Prints figures; asserts nothing about time. */
#include "clock.h"
#include "people.h"
#include "people/index.h"
#include "roster.h"
#include "store.h"
#include "util.h"
#include "roster_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROWS 100000



static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* a benchmark measures real time */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}



static const char SQL_NAIVE[] =
	"SELECT id, first_name, last_name FROM person "
	"WHERE first_name || ' ' || last_name || ' ' || coalesce(email, '') LIKE ?1 "
	"ORDER BY first_name LIMIT 8";

int main(void)
{
	const char *base = getenv("TMPDIR");
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/barnstorm-bench.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir))
		die("cannot create a temporary folder");
	char csv[1024], cmd[4096], naive_dir[1024];
	snprintf(csv, sizeof(csv), "%s/roster.csv", dir);
	snprintf(naive_dir, sizeof(naive_dir), "%s/cli.db", dir);
	roster_generate(csv, ROWS);

	struct store *s = store_open(dir);
	if (!s)
		die("%s", err_msg());
	struct clock c;
	clock_init_real(&c);
	struct roster_report r;
	roster_report_init(&r);
	/* Experiment: a larger SQLite page cache than the default 2 MB. */
	if (getenv("BENCH_CACHE_MB")) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%s000", getenv("BENCH_CACHE_MB"));
		store_exec(s, pragma);
		printf("(page cache set to %s MB)\n", getenv("BENCH_CACHE_MB"));
	}
	double t0 = now_s();
	if (roster_import(s, &c, csv, NULL, &r) < 0)
		die("%s", err_msg());
	double t_import = now_s() - t0;
	printf("import of %d rows: %.2f s (%ld imported, %ld rejected)\n", ROWS, t_import,
	       r.imported, r.rejected);
	roster_report_release(&r);
	t0 = now_s();
	if (roster_import(s, &c, csv, NULL, &r) < 0)
		die("%s", err_msg());
	printf("re-import (all unchanged): %.2f s (%ld unchanged)\n", now_s() - t0, r.unchanged);
	roster_report_release(&r);

	/* The sqlite3 CLI with the same durability settings, into a plain table. */
	snprintf(cmd, sizeof(cmd),
		 "sqlite3 '%s' -cmd 'PRAGMA journal_mode=WAL' -cmd 'PRAGMA synchronous=FULL' "
		 "-cmd '.mode csv' -cmd '.separator ;' '.import \"%s\" roster' >/dev/null", naive_dir,
		 csv);
	t0 = now_s();
	int rc = system(cmd);
	double t_cli = now_s() - t0;
	if (rc != 0)
		printf("sqlite3 CLI .import: failed (is sqlite3 installed?)\n");
	else
		printf("sqlite3 CLI .import of the same file: %.2f s (ours: %.1fx that; ours also "
		       "validates, normalises, merges and indexes search tokens)\n", t_cli,
		       t_import / t_cli);

	if (getenv("BENCH_QUERY")) {
		/* Profiling aid: one query many times. */
		struct people_result pr[8];
		t0 = now_s();
		for (int i = 0; i < 1000; i++)
			people_search(s, "bench", getenv("BENCH_QUERY"), pr, 8);
		printf("\"%s\" x1000: %.3f ms each\n", getenv("BENCH_QUERY"), (now_s() - t0));
	}
	/* The search index of this connection: its first search waits for the build (at the door:
	 * the second letter typed, once per start; later imports are built in the background). */
	struct people_index_stats ist;
	t0 = now_s();
	if (people_index_stats(s, &ist) < 0)
		die("%s", err_msg());
	printf("search index: built in %.0f ms (waited %.0f ms), %.1f MB for %lld people\n",
	       ist.build_ms, (now_s() - t0) * 1e3, ist.bytes / 1e6, (long long)ist.people);
	/* Typing, one keystroke at a time. */
	static const char *const typed[] = {
		"søren kierkegaard", "anne hansen", "oberg asa", "ærø", "aero", "marie louise", "jens n",
		"sorensen", "ahmed ali", "kowalski", "lars", "bjorn", "an",
	};
	double lat[512], nv[512], worst = 0;
	int nlat = 0, nnv = 0;
	char worst_text[128] = "";
	struct people_result res[8];
	for (size_t t = 0; t < ARRAY_SIZE(typed); t++) {
		const char *w = typed[t];
		size_t len = strlen(w);
		for (size_t k = 1; k <= len; k++) {
			if (k < len && (((unsigned char)w[k]) & 0xC0) == 0x80)
				continue; /* the middle of a character */
			char prefix[128];
			memcpy(prefix, w, k);
			prefix[k] = '\0';
			t0 = now_s();
			int n = people_search(s, "bench", prefix, res, 8);
			double dt = now_s() - t0;
			if (n < 0)
				die("%s", err_msg());
			if (nlat < (int)ARRAY_SIZE(lat))
				lat[nlat++] = dt;
			if (dt > worst) {
				worst = dt;
				str_copy(worst_text, sizeof(worst_text), prefix);
			}
			/* The naive query on the same keystroke. */
			char like[160];
			snprintf(like, sizeof(like), "%%%s%%", prefix);
			struct store_stmt *st = store_stmt(s, SQL_NAIVE);
			t0 = now_s();
			store_bind_text(st, 1, like);
			while (store_step(st) == STORE_ROW)
				;
			store_reset(st);
			if (nnv < (int)ARRAY_SIZE(nv))
				nv[nnv++] = now_s() - t0;
		}
		printf("  \"%s\": %d results for the whole text\n", w, people_search(s, "bench", w, res, 8));
	}
	qsort(lat, (size_t)nlat, sizeof(double), cmp_double);
	qsort(nv, (size_t)nnv, sizeof(double), cmp_double);
	printf("search per keystroke over %d people (%d keystrokes): median %.3f ms, worst %.3f ms\n",
	       ROWS, nlat, lat[nlat / 2] * 1e3, lat[nlat - 1] * 1e3);
	printf("  (the slowest keystroke was \"%s\")\n", worst_text);
	printf("naive LIKE '%%...%%' full scan, same keystrokes: median %.3f ms, worst %.3f ms "
	       "(%.0fx slower at the median, %.0fx at the worst)\n", nv[nnv / 2] * 1e3,
	       nv[nnv - 1] * 1e3, nv[nnv / 2] / lat[nlat / 2], nv[nnv - 1] / lat[nlat - 1]);
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return 0;
}
