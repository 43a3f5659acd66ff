/* Roster import benchmark: our import of 100,000 and 1,000,000 generated rows against the
 * sqlite3 CLI's .import of the same files (same durability settings, into a plain table), with
 * the cost per row at both sizes (linear means the 1M figure is close to the 100k one) and the
 * bytes each wrote (/proc/self/io write_bytes; the CLI's from its own /proc entry via `sh -c`).
 * Also the bounded-memory check that was the 1,000,000-row test in test_roster.c. Prints
 * figures; asserts nothing about time. BENCH_ROWS=N runs that size only; BENCH_RUNS=N (3)
 * repeats the smaller size and reports the medians. After each import, the search index a new
 * connection builds from the roster: its build time and bytes. */
#include "clock.h"
#include "core/import.h"
#include "people.h"
#include "people/index.h"
#include "roster.h"
#include "store.h"
#include "util.h"
#include "roster_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>



static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* a benchmark measures real time */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* write_bytes of /proc/self/io: what this process caused to be written to storage. -1 when
 * the kernel does not say (no task I/O accounting). */
static long long write_bytes(const char *proc_io)
{
	FILE *f = fopen(proc_io, "r");
	if (!f)
		return -1;
	char line[128];
	long long v = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "write_bytes: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}



static long maxrss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

struct figures {
	double ours, cli;
	long long ours_bytes, cli_bytes;
	double index_ms;
	size_t index_bytes;
};

static void one_size(const char *base, long rows, int run, struct figures *fig)
{
	char dir[1024], csv[1200], cli_db[1200], cmd[4096];
	snprintf(dir, sizeof(dir), "%s/n%ld.%d", base, rows, run);
	if (mkdir(dir, 0700) < 0)
		die("cannot create %s", dir);
	snprintf(csv, sizeof(csv), "%s/roster.csv", dir);
	snprintf(cli_db, sizeof(cli_db), "%s/cli.db", dir);
	roster_generate(csv, rows);

	struct clock c;
	clock_init_real(&c);
	struct importer_result r;
	importer_result_init(&r);
	struct importer_config cfg = { .roster_path = csv, .data_dir = dir, .event = "bench",
				       .clock = &c };
	long rss0 = maxrss_mb();
	long long w0 = write_bytes("/proc/self/io");
	double t0 = now_s();
	if (importer_run(&cfg, &r) < 0)
		die("%s", err_msg());
	fig->ours = now_s() - t0;
	long long w1 = write_bytes("/proc/self/io");
	fig->ours_bytes = w0 >= 0 && w1 >= 0 ? w1 - w0 : -1;
	printf("%ld rows: ours %.0f ms, %.0f rows/s, %.2f us/row, %.1f MB written, maxrss %ld -> "
	       "%ld MB (%ld imported, %ld rejected)\n", rows, fig->ours * 1e3, rows / fig->ours,
	       fig->ours * 1e6 / rows, fig->ours_bytes / 1e6, rss0, maxrss_mb(), r.report.imported,
	       r.report.rejected);
	if (r.report.imported != rows)
		die("expected %ld imported", rows);
	importer_result_release(&r);

	/* The same file again: nothing changes, by signature. */
	t0 = now_s();
	if (importer_run(&cfg, &r) < 0)
		die("%s", err_msg());
	printf("%ld rows: again (same signature): %.1f ms, imported %d\n", rows,
	       (now_s() - t0) * 1e3, r.ran);
	importer_result_release(&r);

	/* The sqlite3 CLI with the same durability settings, into a plain table; the shell reports
	 * its own write_bytes after the CLI (a child's I/O is added to its parent on exit). */
	snprintf(cmd, sizeof(cmd),
		 "sh -c 'sqlite3 \"%s\" -cmd \"PRAGMA journal_mode=WAL\" -cmd \"PRAGMA "
		 "synchronous=FULL\" -cmd \".mode csv\" -cmd \".separator ;\" \".import %s roster\" "
		 ">/dev/null && grep write_bytes /proc/$$/io'", cli_db, csv);
	t0 = now_s();
	FILE *p = popen(cmd, "r");
	char line[128] = "";
	long long cb = -1;
	if (p && fgets(line, sizeof(line), p))
		sscanf(line, "write_bytes: %lld", &cb);
	int rc = p ? pclose(p) : -1;
	fig->cli = now_s() - t0;
	fig->cli_bytes = cb;
	if (rc != 0)
		printf("%ld rows: sqlite3 CLI .import failed (is sqlite3 installed?)\n", rows);
	else
		printf("%ld rows: sqlite3 CLI .import %.0f ms, %.2f us/row, %.1f MB written; ours is "
		       "%.2fx that\n", rows, fig->cli * 1e3, fig->cli * 1e6 / rows, cb / 1e6,
		       fig->ours / fig->cli);

	/* The search index of a connection opened after the import: built in its thread from the
	 * person table, which the first search of the connection waits for. */
	struct store *s = store_open(dir);
	if (!s)
		die("%s", err_msg());
	struct people_index_stats ist;
	t0 = now_s();
	if (people_index_stats(s, &ist) < 0)
		die("%s", err_msg());
	fig->index_ms = ist.build_ms;
	fig->index_bytes = ist.bytes;
	printf("%ld rows: search index built in %.0f ms (first search waited %.0f ms), %.1f MB "
	       "(%.0f bytes/person), %lld tokens, %lld distinct\n", rows, ist.build_ms,
	       (now_s() - t0) * 1e3, ist.bytes / 1e6, (double)ist.bytes / (double)rows,
	       (long long)ist.tokens, (long long)ist.distinct);
	struct people_result res[4];
	if (people_search(s, "e", "kierkegaard", res, 4) < 1)
		die("search after import found nothing");
	store_close(s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Runs one size `runs` times and keeps the median of ours and of the CLI's, each on its own:
 * the two cores are shared, and a single run of either side can be off by half. */
static void size_runs(const char *base, long rows, int runs, struct figures *med)
{
	double ours[9], cli[9], ix[9];
	if (runs > 9)
		runs = 9;
	for (int i = 0; i < runs; i++) {
		struct figures f = {0};
		one_size(base, rows, i, &f);
		ours[i] = f.ours;
		cli[i] = f.cli;
		ix[i] = f.index_ms;
		if (i == 0)
			*med = f;
	}
	qsort(ours, (size_t)runs, sizeof(double), cmp_double);
	qsort(cli, (size_t)runs, sizeof(double), cmp_double);
	qsort(ix, (size_t)runs, sizeof(double), cmp_double);
	med->ours = ours[runs / 2];
	med->cli = cli[runs / 2];
	med->index_ms = ix[runs / 2];
	if (runs > 1)
		printf("%ld rows, median of %d runs: ours %.0f ms, sqlite3 CLI .import %.0f ms; ours is "
		       "%.2fx that; search index build %.0f ms, %.1f MB\n", rows, runs, med->ours * 1e3,
		       med->cli * 1e3, med->ours / med->cli, med->index_ms, med->index_bytes / 1e6);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char base[512];
	snprintf(base, sizeof(base), "%s/barnstorm-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base))
		die("cannot create a temporary folder");
	long only = getenv("BENCH_ROWS") ? strtol(getenv("BENCH_ROWS"), NULL, 10) : 0;
	/* BENCH_RUNS: runs of the 100,000-row size (or of BENCH_ROWS); 1,000,000 runs once. */
	int runs = getenv("BENCH_RUNS") ? (int)strtol(getenv("BENCH_RUNS"), NULL, 10) : 3;
	if (runs < 1)
		runs = 1;
	struct figures small = {0}, big = {0};
	size_runs(base, only ? only : 100000, runs, &small);
	if (!only)
		size_runs(base, 1000000, 1, &big);
	if (!only)
		printf("cost per row at 1M / at 100k (median): ours %.2fx, CLI %.2fx\n",
		       (big.ours / 1e6) / (small.ours / 1e5), (big.cli / 1e6) / (small.cli / 1e5));
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", base);
	return 0;
}
