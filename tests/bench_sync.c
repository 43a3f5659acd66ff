/* Stations over loopback: how long from a check-in committed at one door until it is in the
 * other door's database (the worker woken by store_on_commit pushes it), median and worst of
 * 200; and how long a station that missed 10,000 records takes to catch up in one exchange.
 * Prints figures; asserts nothing about time. */
#include "clock.h"
#include "people.h"
#include "store.h"
#include "sync.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENT "bench"
#define KEY "5f0e9d8c7b6a59483726150f1e2d3c4b5a69788796a5b4c3d2e1f00112233445"
#define LATENCY_N 200
#define CATCHUP_RECORDS 10000

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *tempdir(void)
{
	char tmpl[] = "/tmp/barnstorm-bench.XXXXXX";
	char *d = mkdtemp(tmpl);
	if (!d)
		die("cannot create a temporary folder");
	return xstrdup(d);
}

static void rmtree(const char *dir)
{
	char cmd[600];
	str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_sync: cannot remove '%s'\n", dir);
}

static void walkin(struct store *s, struct clock *c, int i)
{
	char first[32], email[64];
	str_fmt(first, sizeof(first), "Person%d", i);
	str_fmt(email, sizeof(email), "p%d@example.org", i);
	struct people_walkin w = {first, "Bench", email, NULL, NULL, NULL, 1, "v1"};
	struct people_walkin_errors e;
	struct people_walkin_result r;
	if (people_walkin(s, c, EVENT, &w, &e, &r) != 0)
		die("walk-in failed: %s", err_msg());
	if (c->fake)
		clock_advance(c, 10);
}

static void wake(void *ctx, unsigned tables)
{
	if (tables & STORE_T_OUTBOX)
		sync_wake(ctx);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void latency(struct sync_key *k)
{
	char *da = tempdir(), *db = tempdir();
	struct store *a = store_open(da), *b = store_open(db);
	if (!a || !b)
		die("%s", err_msg());
	struct sync_server *srv = sync_server_open(db, k, "127.0.0.1:0", NULL, NULL);
	if (!srv)
		die("%s", err_msg());
	char peer[64];
	str_fmt(peer, sizeof(peer), "127.0.0.1:%d", sync_server_port(srv));
	const char *peers[] = {peer};
	struct sync_cfg cfg = {da, *k, NULL, peers, 1, 60000, 5000};
	struct sync *y = sync_start(&cfg, NULL, NULL);
	if (!y)
		die("%s", err_msg());
	store_on_commit(a, wake, y);
	struct clock c;
	clock_init_real(&c);
	double t[LATENCY_N];
	for (int i = 0; i < LATENCY_N; i++) {
		double t0 = now_ms();
		walkin(a, &c, i);
		for (;;) {
			int64_t n = store_query_int(b, "SELECT count(*) FROM checkin");
			if (n == i + 1)
				break;
			if (now_ms() - t0 > 10000)
				die("check-in %d did not arrive in 10 s", i);
			struct timespec ts = {0, 200000};
			nanosleep(&ts, NULL);
		}
		t[i] = now_ms() - t0;
	}
	store_on_commit(a, NULL, NULL);
	sync_stop(y);
	sync_server_close(srv);
	qsort(t, LATENCY_N, sizeof(t[0]), cmp);
	printf("commit to visible on a peer (loopback, %d walk-ins): median %.1f ms, worst %.1f ms\n",
	       LATENCY_N, t[LATENCY_N / 2], t[LATENCY_N - 1]);
	store_close(a);
	store_close(b);
	rmtree(da);
	rmtree(db);
	free(da);
	free(db);
}

static void catchup(struct sync_key *k)
{
	char *da = tempdir(), *db = tempdir();
	struct store *a = store_open(da), *b = store_open(db);
	if (!a || !b)
		die("%s", err_msg());
	struct clock c;
	clock_init_fake(&c, 1790000000000LL);
	for (int i = 0; i < CATCHUP_RECORDS / 2; i++)   /* a person and a check-in each */
		walkin(a, &c, i);
	struct sync_server *srv = sync_server_open(da, k, "127.0.0.1:0", NULL, NULL);
	if (!srv)
		die("%s", err_msg());
	char peer[64];
	str_fmt(peer, sizeof(peer), "127.0.0.1:%d", sync_server_port(srv));
	double t0 = now_ms();
	struct sync_stats st;
	if (sync_exchange(b, k, peer, 30000, &st) < 0)
		die("%s", err_msg());
	double dt = now_ms() - t0;
	printf("catch-up of %d records in one exchange (pages of %d): %.0f ms (%.0f records/s); "
	       "%lld check-ins visible\n", st.pulled, SYNC_PAGE_MAX, dt, st.pulled / (dt / 1e3),
	       (long long)store_query_int(b, "SELECT count(*) FROM checkin"));
	sync_server_close(srv);
	store_close(a);
	store_close(b);
	rmtree(da);
	rmtree(db);
	free(da);
	free(db);
}

int main(void)
{
	struct sync_key k;
	if (sync_key_parse(KEY, &k) < 0)
		die("%s", err_msg());
	latency(&k);
	catchup(&k);
	return 0;
}
