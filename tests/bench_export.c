/* Export benchmark: `barnstorm export` of a meeting with N people (10,000 by default, BENCH_PEOPLE=N
 * for another size), 80 % checked in over an hour and a half, half of them committed: the time of
 * the whole export (CSV files, barnstorm.xlsx, results.json, agenda.csv, summary.png) and of the
 * summary alone, the size of each file, and the peak memory of the process. Prints figures;
 * asserts nothing about time. */
#include "clock.h"
#include "export.h"
#include "pack.h"
#include "people.h"
#include "store.h"
#include "summary.h"
#include "util.h"

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

static const char *const TEAMS[] = {"Aarhus C", "Aarhus N", "Aarhus V og Brabrand",
				    "Viby og Højbjerg", "Risskov og Egå", "Resten af Østjylland"};
static const char *const KINDS[] = {"leader", "host", "member"};

static void fill(struct store *s, const struct pack *p, long n)
{
	struct clock c;
	clock_init_fake(&c, p->starts_ms - 3600000);
	unsigned x = 7;
	if (store_tx_begin(s) < 0)
		die("%s", err_msg());
	for (long i = 0; i < n; i++) {
		char ext[32], email[64], phone[16];
		snprintf(ext, sizeof(ext), "RSVP-%ld", i);
		snprintf(email, sizeof(email), "p%ld@example.dk", i);
		snprintf(phone, sizeof(phone), i % 2 ? "2%07ld" : "070%07ld", i % 10000000);
		struct people_in in = {ext, "Søren", "Kierkegaard", email, phone, "8000"};
		int64_t id;
		if (people_upsert(s, &c, &in, &id) < 0)
			die("%s", err_msg());
	}
	if (store_tx_commit(s) < 0)
		die("%s", err_msg());
	/* Check-ins and commitments straight into their tables: the export reads, it does not care
	 * how they came. */
	struct store_stmt *ci = store_stmt(s,
		"INSERT INTO checkin(uuid, event, person_id, at, clock_synced, method) "
		"VALUES (?1, ?2, ?3, ?4, 1, 'search')");
	struct store_stmt *cm = store_stmt(s,
		"INSERT INTO commitment(uuid, event, person_id, role, role_kind, team, details, lang, "
		"created_at, updated_at) VALUES (?1, ?2, ?3, 'Vært', ?4, ?5, "
		"'{\"day\":\"tuesday\",\"time\":\"19:00\",\"place\":\"Folkets Hus\"}', 'da', ?6, ?6)");
	if (!ci || !cm || store_tx_begin(s) < 0)
		die("%s", err_msg());
	for (long i = 0; i < n; i++) {
		char uuid[37];
		x = x * 1103515245u + 12345u;
		if (i % 5 != 4) {
			uuid_v4(uuid);
			store_bind_text(ci, 1, uuid);
			store_bind_text(ci, 2, p->event_id);
			store_bind_int(ci, 3, i + 1);
			store_bind_int(ci, 4, p->starts_ms - 3600000 + (int64_t)((x >> 8) % 5400) * 1000);
			if (store_step(ci) < 0)
				die("%s", err_msg());
			store_reset(ci);
		}
		if (i % 2 == 0) {
			uuid_v4(uuid);
			store_bind_text(cm, 1, uuid);
			store_bind_text(cm, 2, p->event_id);
			store_bind_int(cm, 3, i + 1);
			store_bind_text(cm, 4, KINDS[(x >> 4) % 3]);
			store_bind_text(cm, 5, TEAMS[(x >> 12) % ARRAY_SIZE(TEAMS)]);
			store_bind_int(cm, 6, p->starts_ms + 5400000);
			if (store_step(cm) < 0)
				die("%s", err_msg());
			store_reset(cm);
		}
	}
	if (store_tx_commit(s) < 0)
		die("%s", err_msg());
}

int main(void)
{
	const char *src = getenv("BARNSTORM_SRC");
	const char *env = getenv("BENCH_PEOPLE");
	long n = env ? strtol(env, NULL, 10) : 10000;
	char dir[] = "/tmp/barnstorm-bench-export.XXXXXX", pack_dir[1024], out[1100];
	if (!mkdtemp(dir))
		die("cannot make a temporary folder");
	snprintf(pack_dir, sizeof(pack_dir), "%s/assets/demo", src ? src : ".");
	snprintf(out, sizeof(out), "%s/out", dir);
	struct pack p;
	struct diags d;
	diags_init(&d);
	if (pack_load(pack_dir, &p, &d) < 0)
		die("cannot load the demo pack '%s'", pack_dir);
	struct store *s = store_open(dir);
	if (!s)
		die("%s", err_msg());
	fill(s, &p, n);
	if (dir_make(out) < 0)
		die("cannot make '%s'", out);

	struct export_opts o = {&p, NULL, 0};
	struct export_summary sum;
	double t0 = now_s();
	if (export_write(s, &o, out, &sum) < 0)
		die("%s", err_msg());
	double t1 = now_s();
	struct summary *sm = xmalloc(sizeof(*sm));
	if (summary_read(s, &p, sm) < 0)
		die("%s", err_msg());
	double t2 = now_s();
	printf("export of %ld people, %ld check-ins, %ld commitments: %.2f s (summary figures alone "
	       "%.1f ms)\n", sum.people, sum.checkins, sum.commitments, t1 - t0, (t2 - t1) * 1000);
	static const char *const files[] = {"people.csv", "checkins.csv", "commitments.csv",
					    "agenda.csv", "barnstorm.xlsx", "summary.png",
					    "results.json"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char path[1200];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", out, files[i]);
		if (stat(path, &st) == 0)
			printf("  %-16s %8.1f KB\n", files[i], (double)st.st_size / 1024);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("  peak memory of the process: %.1f MB\n", (double)ru.ru_maxrss / 1024);
	free(sm);
	store_close(s);
	pack_release(&p);
	diags_release(&d);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return 0;
}
