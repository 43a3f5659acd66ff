/* Stations (app/sync/): three `barnstorm sync` servers on 127.0.0.1 converge; a wrong key,
 * garbage, truncated, replayed and oversized bodies are refused with nothing applied; a peer
 * that hangs times out; a station killed during a sync has nothing half-applied; the merge rules
 * of README "Stations" (two doors, walk-ins, undo anywhere, cancel wins) hold whatever order
 * records arrive in; records from peers never reach the upload queue. */
#include "testutil.h"

#include "clock.h"
#include "outbox.h"
#include "pack.h"
#include "upload.h"
#include "people.h"
#include "store.h"
#include "sync.h"
#include "sync/internal.h"
#include "teams.h"
#include "util.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>

#define EVENT "barnstorm-2026"
#define KEY_A "24259d5891d084e8cfb4701840bae5c5fa182e489a8f2f162c11e6c79c0ea39b"
#define KEY_B "db932ee505fbf50caa1fda0166b23d663f6e55e6a37eed35baecaa597c700d7c"
#define T0 1790000000000LL

struct station {
	char *dir;      /* holds data/ and pack/ */
	char data[600];
	char pack[600];
	int port;
	pid_t pid;
};

static void station_init(struct station *st, const char *key)
{
	memset(st, 0, sizeof(*st));
	st->dir = tu_tempdir();
	snprintf(st->data, sizeof(st->data), "%s/data", st->dir);
	snprintf(st->pack, sizeof(st->pack), "%s/pack", st->dir);
	assert_int_equal(mkdir(st->pack, 0700), 0);
	char ini[300];
	snprintf(ini, sizeof(ini), "[event]\ntitle = Barnstorm\n\n[stations]\nkey = %s\n", key);
	tu_write_str(st->pack, "event.ini", ini);
	struct store *s = store_open(st->data);
	assert_non_null(s);
	store_close(s);
}

static void station_release(struct station *st)
{
	tu_stop_pid(st->pid);
	tu_rmtree(st->dir);
	free(st->dir);
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t n = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &n);
	close(fd);
	return ntohs(a.sin_port);
}

static int can_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void serve(struct station *st)
{
	const char *bin = getenv("BARNSTORM_BIN");
	st->port = free_port();
	char listen[64];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", st->port);
	char *argv[] = {(char *)(bin && *bin ? bin : "build/asan/barnstorm"), "sync", "--pack",
			st->pack, "--data", st->data, "--listen", listen, NULL};
	st->pid = tu_spawn(argv, 0);
	for (int i = 0; i < 500 && !can_connect(st->port); i++)
		tu_sleep_ms(20);
	assert_true(can_connect(st->port));
}

/* `barnstorm sync --once` on st with the peers; the exit status, output in out. */
static int once(struct station *st, char *out, size_t size, const char *extra,
		struct station *p1, struct station *p2)
{
	char peers[200] = "";
	if (p1)
		snprintf(peers, sizeof(peers), "--peer 127.0.0.1:%d", p1->port);
	if (p2)
		snprintf(peers + strlen(peers), sizeof(peers) - strlen(peers),
			 " --peer 127.0.0.1:%d", p2->port);
	int rc = tu_run(out, size, "sync --pack '%s' --data '%s' %s --once %s", st->pack, st->data,
			peers, extra ? extra : "");
	if (rc)
		fprintf(stderr, "# sync --once: %d\n%s\n", rc, out);
	return rc;
}

static void walkin(const char *data, const char *first, const char *last, const char *email,
		   int64_t at)
{
	struct store *s = store_open(data);
	assert_non_null(s);
	struct clock c;
	clock_init_fake(&c, at);
	struct people_walkin w = {first, last, email, NULL, "2200", "da", 1, "v1"};
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(s, &c, EVENT, &w, &e, &r), 0);
	store_close(s);
}

static int64_t q(const char *data, const char *sql)
{
	struct store *s = store_open(data);
	assert_non_null(s);
	int64_t v = store_query_int(s, sql);
	store_close(s);
	return v;
}

/* The export's file, its lines sorted (the row order follows local ids). */
static char *sorted_export(const char *data, const char *dir, const char *file)
{
	char out[4096], cmd[2000];
	assert_int_equal(tu_run(out, sizeof(out), "export --data '%s' --out '%s'", data, dir), 0);
	snprintf(cmd, sizeof(cmd), "sort '%s/%s'", dir, file);
	char *buf = malloc(1 << 20);
	assert_int_equal(tu_capture(cmd, buf, 1 << 20), 0);
	return buf;
}

/* Station data's first walk-in signs up as a leader (cancelled when cancel). */
static void commit_first(const char *data, int cancel)
{
	struct pack p;
	memset(&p, 0, sizeof(p));
	p.title = "Barnstorm";
	p.event_id = EVENT;
	p.roles[0] = (struct pack_role){.name = "Holdleder", .kind = ROLE_LEADER};
	p.nroles = 1;
	struct store *s = store_open(data);
	assert_non_null(s);
	struct clock c;
	clock_init_fake(&c, T0 + 30000);
	int64_t pid = store_query_int(s, "SELECT min(id) FROM person");
	int64_t id;
	assert_int_equal(teams_commit_add(s, &c, &p, pid, 0, -1, NULL, &id), 0);
	if (cancel) {
		clock_advance(&c, 1000);
		assert_int_equal(teams_commit_cancel(s, &c, &p, id), 0);
	}
	store_close(s);
}

/* results.json's commitments, each as compact JSON, sorted (the file's order follows ids). */
static char *sorted_commitments(const char *dir)
{
	char path[800];
	snprintf(path, sizeof(path), "%s/results.json", dir);
	json_t *j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	json_t *a = json_object_get(j, "commitments");
	assert_true(json_is_array(a));
	size_t n = json_array_size(a);
	char **items = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		items[i] = json_dumps(json_array_get(a, i), JSON_COMPACT | JSON_SORT_KEYS);
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (strcmp(items[k], items[i]) < 0) {
				char *x = items[i];
				items[i] = items[k];
				items[k] = x;
			}
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	char *out = calloc(len, 1);
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(items[i]);
		memcpy(out + at, items[i], l);
		out[at + l] = '\n';
		at += l + 1;
		free(items[i]);
	}
	free(items);
	json_decref(j);
	return out;
}

static void test_three_stations_converge(void **state)
{
	(void)state;
	struct station st[3];
	const char *names[3][2] = {{"Søren", "Kjær"}, {"Åsa", "Öberg"}, {"Kalle", "Anka"}};
	for (int i = 0; i < 3; i++) {
		station_init(&st[i], KEY_A);
		serve(&st[i]);
		char email[64];
		for (int k = 0; k < 2; k++) {
			snprintf(email, sizeof(email), "p%d.%d@example.org", i, k);
			walkin(st[i].data, names[i][0], k ? "Second" : names[i][1], email,
			       T0 + i * 1000 + k);
		}
		commit_first(st[i].data, i == 1);
	}
	char out[8192];
	assert_int_equal(once(&st[0], out, sizeof(out), NULL, &st[1], &st[2]), 0);
	assert_non_null(strstr(out, "in step with 2 peers"));
	char *ref_p = NULL, *ref_c = NULL, *ref_m = NULL;
	for (int i = 0; i < 3; i++) {
		char dir[700];
		snprintf(dir, sizeof(dir), "%s/export", st[i].dir);
		char *p = sorted_export(st[i].data, dir, "people.csv");
		char *c = sorted_export(st[i].data, dir, "checkins.csv");
		char *m = sorted_commitments(dir);
		assert_int_equal(q(st[i].data, "SELECT count(*) FROM checkin WHERE undone_at IS NULL"), 6);
		assert_int_equal(q(st[i].data, "SELECT count(*) FROM person"), 6);
		assert_int_equal(q(st[i].data, "SELECT count(*) FROM commitment"), 3);
		assert_int_equal(q(st[i].data, "SELECT count(*) FROM commitment WHERE cancelled_at IS NULL"), 2);
		if (!ref_p) {
			ref_p = p;
			ref_c = c;
			ref_m = m;
		} else {
			assert_string_equal(p, ref_p);
			assert_string_equal(c, ref_c);
			assert_string_equal(m, ref_m);
			free(p);
			free(c);
			free(m);
		}
	}
	free(ref_p);
	free(ref_c);
	free(ref_m);
	/* Exactly once upstream: each outbox holds its own records (2 people, 2 check-ins, a
	 * commitment, and at station 1 its cancel); the others' are kept apart. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(q(st[i].data, "SELECT count(*) FROM outbox"), i == 1 ? 6 : 5);
		assert_int_equal(q(st[i].data, "SELECT count(*) FROM sync_record"), i == 1 ? 10 : 11);
	}
	/* Running again moves nothing. */
	assert_int_equal(once(&st[1], out, sizeof(out), NULL, &st[0], &st[2]), 0);
	assert_null(strstr(out, "records in"));
	for (int i = 0; i < 3; i++)
		station_release(&st[i]);
}

static void test_wrong_key(void **state)
{
	(void)state;
	struct station a, w;
	station_init(&a, KEY_A);
	station_init(&w, KEY_B);
	walkin(a.data, "Søren", "Kjær", "s@example.org", T0);
	walkin(w.data, "Mallory", "X", "m@example.org", T0);
	serve(&a);
	char out[8192];
	assert_int_equal(once(&w, out, sizeof(out), NULL, &a, NULL), 1);
	assert_non_null(strstr(out, "refused"));
	assert_non_null(strstr(out, "does not open with this room's key"));
	assert_null(strstr(out, KEY_B));
	assert_int_equal(q(a.data, "SELECT count(*) FROM sync_record"), 0);
	assert_int_equal(q(w.data, "SELECT count(*) FROM sync_record"), 0);
	assert_int_equal(q(a.data, "SELECT count(*) FROM person"), 1);
	station_release(&a);
	station_release(&w);
}

static size_t raw_len;  /* bytes of the last raw_post() answer, headers and all */

/* One raw HTTP POST: claimed Content-Length, then len bytes; the status (or -1) and the body. */
static int raw_post(int port, const char *path, const void *body, size_t len, size_t claimed,
		    char *resp, size_t rsize)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	char head[300];
	int n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", path, claimed);
	if (write(fd, head, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	if (len && write(fd, body, len) < 0) {
		close(fd);
		return -1;
	}
	if (len < claimed)
		shutdown(fd, SHUT_WR);  /* truncated: the server sees the end before the length */
	size_t got = 0;
	struct pollfd pf = {fd, POLLIN, 0};
	while (got + 1 < rsize && poll(&pf, 1, 5000) > 0) {
		ssize_t r = read(fd, resp + got, rsize - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	resp[got] = '\0';
	raw_len = got;
	close(fd);
	int status = -1;
	sscanf(resp, "HTTP/1.%*d %d", &status);
	return status;
}

static char *body_of(char *resp)
{
	char *b = strstr(resp, "\r\n\r\n");
	return b ? b + 4 : resp;
}

static unsigned char *sealed_request(const struct sync_key *k, const char *session, int n,
				     const char *op_json, size_t *len)
{
	char js[2000];
	snprintf(js, sizeof(js), "{\"v\":1,\"dir\":\"req\",\"session\":\"%s\",\"n\":%d,"
		 "\"from\":\"11111111-2222-4333-8444-555555555555\",%s}", session, n, op_json);
	return sync_seal(k, js, strlen(js), len);
}

static void test_hostile_bodies(void **state)
{
	(void)state;
	struct station a;
	station_init(&a, KEY_A);
	walkin(a.data, "Søren", "Kjær", "s@example.org", T0);
	serve(&a);
	struct sync_key k;
	assert_int_equal(sync_key_parse(KEY_A, &k), 0);
	static char resp[1 << 16];

	/* Garbage. */
	unsigned char junk[300];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	assert_int_equal(raw_post(a.port, "/sync/v1", junk, sizeof(junk), sizeof(junk), resp,
				  sizeof(resp)), 403);
	assert_non_null(strstr(body_of(resp), "does not open"));
	assert_int_equal(raw_post(a.port, "/sync/v1", junk, 10, 10, resp, sizeof(resp)), 403);
	assert_non_null(strstr(body_of(resp), "too short"));

	/* A valid request, then the same bytes again (a replay), then cut short. */
	assert_int_equal(raw_post(a.port, "/sync/v1/hello", NULL, 0, 0, resp, sizeof(resp)), 200);
	char session[33];
	snprintf(session, sizeof(session), "%.32s", body_of(resp));
	size_t len;
	unsigned char *req = sealed_request(&k, session, 1, "\"op\":\"vector\"", &len);
	assert_int_equal(raw_post(a.port, "/sync/v1", req, len, len, resp, sizeof(resp)), 200);
	assert_int_equal(raw_post(a.port, "/sync/v1", req, len, len, resp, sizeof(resp)), 409);
	assert_non_null(strstr(body_of(resp), "replay"));
	assert_int_equal(raw_post(a.port, "/sync/v1", req, len / 2, len, resp, sizeof(resp)), -1);
	free(req);
	/* A flipped bit. */
	req = sealed_request(&k, session, 2, "\"op\":\"vector\"", &len);
	req[len - 3] ^= 1;
	assert_int_equal(raw_post(a.port, "/sync/v1", req, len, len, resp, sizeof(resp)), 403);
	free(req);
	/* An unknown session. */
	req = sealed_request(&k, "0123456789abcdef0123456789abcdef", 1, "\"op\":\"vector\"", &len);
	assert_int_equal(raw_post(a.port, "/sync/v1", req, len, len, resp, sizeof(resp)), 409);
	free(req);

	/* Oversized: refused from the announced length, before the body is read. */
	assert_int_equal(raw_post(a.port, "/sync/v1", junk, 10, (size_t)SYNC_BODY_MAX + 1, resp,
				  sizeof(resp)), 413);

	/* Sealed, but a record that lies: refused as a whole, nothing applied. */
	const char *bad[] = {
		"\"op\":\"push\",\"records\":[{\"origin\":\"aaaaaaaa-2222-4333-8444-555555555555\","
		"\"seq\":1,\"uuid\":\"bbbbbbbb-2222-4333-8444-555555555555\",\"kind\":\"checkin\","
		"\"person\":\"\",\"payload\":\"{\\\"uuid\\\":7}\",\"created_at\":1,\"clock_synced\":1}]",
		"\"op\":\"push\",\"records\":[{\"origin\":\"aaaaaaaa-2222-4333-8444-555555555555\","
		"\"seq\":5,\"uuid\":\"bbbbbbbb-2222-4333-8444-555555555555\",\"kind\":\"agenda\","
		"\"person\":\"\",\"payload\":\"{}\",\"created_at\":1,\"clock_synced\":1}]",
		"\"op\":\"push\",\"records\":[{\"origin\":\"not-a-uuid\"}]",
		"\"op\":\"pull\",\"origin\":\"aaaaaaaa-2222-4333-8444-555555555555\",\"after\":0,"
		"\"max\":100000",
	};
	const char *why[] = {"field 'uuid' is not a text", "a gap after seq 0", "'origin' is not a uuid",
			     "'max' is not between"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		req = sealed_request(&k, session, 10 + (int)i, bad[i], &len);
		assert_int_equal(raw_post(a.port, "/sync/v1", req, len, len, resp, sizeof(resp)), 422);
		free(req);
		char *b = strstr(resp, "\r\n\r\n");
		assert_non_null(b);
		size_t blen = raw_len - (size_t)(b + 4 - resp), n;
		/* The refusal is sealed too; it says what and where. */
		char *plain = sync_open(&k, (unsigned char *)b + 4, blen, &n);
		assert_non_null(plain);
		if (!strstr(plain, why[i]))
			fprintf(stderr, "# %s\n", plain);
		assert_non_null(strstr(plain, why[i]));
		free(plain);
	}
	assert_int_equal(q(a.data, "SELECT count(*) FROM sync_record"), 0);
	assert_int_equal(q(a.data, "SELECT count(*) FROM checkin"), 1);
	station_release(&a);
}

static void test_peer_hangs(void **state)
{
	(void)state;
	struct station a;
	station_init(&a, KEY_A);
	/* A socket that listens but never answers: the handshake completes in the kernel. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {0};
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	socklen_t n = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &n);
	struct station hang = {0};
	hang.port = ntohs(sa.sin_port);
	char out[4096];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(once(&a, out, sizeof(out), "--timeout 800", &hang, NULL), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms < 5000);
	assert_non_null(strstr(out, "Timeout"));
	close(fd);
	station_release(&a);
}

/* Every record held is applied whole: each check-in record is a row, nothing in between. */
static void assert_consistent(const char *data)
{
	struct store *s = store_open(data);
	assert_non_null(s);
	assert_true(store_integrity_ok(s));
	assert_int_equal(store_query_int(s,
		"SELECT count(*) FROM sync_record r WHERE r.kind = 'checkin' AND NOT EXISTS "
		"(SELECT 1 FROM checkin c WHERE c.uuid = json_extract(r.payload, '$.uuid'))"), 0);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM checkin") -
			 store_query_int(s, "SELECT count(*) FROM sync_record WHERE kind = 'checkin'"),
			 store_query_int(s, "SELECT count(*) FROM outbox WHERE kind = 'checkin'"));
	store_close(s);
}

static void test_kill_during_sync(void **state)
{
	(void)state;
	struct station a, b;
	station_init(&a, KEY_A);
	station_init(&b, KEY_A);
	const int N = 1500;
	struct store *s = store_open(a.data);
	assert_non_null(s);
	struct clock c;
	clock_init_fake(&c, T0);
	for (int i = 0; i < N; i++) {
		char first[32], email[64];
		snprintf(first, sizeof(first), "Person%d", i);
		snprintf(email, sizeof(email), "p%d@example.org", i);
		struct people_walkin w = {first, "Test", email, NULL, NULL, NULL, 1, "v1"};
		struct people_walkin_errors e;
		struct people_walkin_result r;
		assert_int_equal(people_walkin(s, &c, EVENT, &w, &e, &r), 0);
		clock_advance(&c, 10);
	}
	store_close(s);
	serve(&a);
	/* b pulls from a in its own process; kill it part-way, several times. */
	const char *bin = getenv("BARNSTORM_BIN");
	char peer[64];
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", a.port);
	int64_t before = 0;
	for (int round = 0; round < 3; round++) {
		char *argv[] = {(char *)(bin && *bin ? bin : "build/asan/barnstorm"), "sync", "--pack",
				b.pack, "--data", b.data, "--peer", peer, "--once", NULL};
		pid_t pid = tu_spawn(argv, 1);
		tu_sleep_ms(400 + round * 300);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		assert_consistent(b.data);
		int64_t held = q(b.data, "SELECT count(*) FROM sync_record");
		assert_true(held >= before);
		assert_true(held % 2 == 0 || held == 2 * N); /* a person and a check-in per walk-in,
							       * in one transaction per page */
		before = held;
	}
	char out[4096];
	assert_int_equal(once(&b, out, sizeof(out), NULL, &a, NULL), 0);
	assert_consistent(b.data);
	assert_int_equal(q(b.data, "SELECT count(*) FROM checkin WHERE undone_at IS NULL"), N);
	station_release(&a);
	station_release(&b);
}

/* ---- merge rules, in one process: pages passed from store to store ---- */

/* Everything `from` holds that `to` lacks, origin by origin. */
static void pass(struct store *from, struct store *to)
{
	struct sync_vector fv, tv;
	char self[SYNC_ID_LEN];
	assert_int_equal(sync_station_id(to, self), 0);
	assert_int_equal(sync_vector_get(from, &fv), 0);
	for (int i = 0; i < fv.n; i++) {
		if (!strcmp(fv.e[i].origin, self))
			continue;
		for (;;) {
			assert_int_equal(sync_vector_get(to, &tv), 0);
			struct sync_page p;
			assert_int_equal(sync_pull(from, fv.e[i].origin,
						   sync_vector_seq(&tv, fv.e[i].origin), 100, &p), 0);
			int n = p.n;
			if (n)
				assert_int_equal(sync_apply(to, &p, 0, NULL), 0);
			sync_page_release(&p);
			if (!n)
				break;
		}
	}
}

static int64_t roster_person(struct store *s, const char *ext, const char *first, const char *last)
{
	struct clock c;
	clock_init_fake(&c, T0);
	struct people_in in = {ext, first, last, NULL, NULL, NULL};
	int64_t id;
	assert_int_equal(store_tx_begin(s), 0);
	assert_true(people_upsert(s, &c, &in, &id) >= 0);
	assert_int_equal(store_tx_commit(s), 0);
	return id;
}

static char *active_checkin(struct store *s)
{
	struct store_stmt *st = store_stmt(s, "SELECT uuid FROM checkin WHERE undone_at IS NULL");
	char *u = NULL;
	if (store_step(st) == STORE_ROW)
		u = strdup(store_col_text(st, 0));
	store_reset(st);
	return u;
}

struct two {
	char *dir[3];
	struct store *s[3];
};

static struct two *two_open(void)
{
	struct two *t = calloc(1, sizeof(*t));
	for (int i = 0; i < 3; i++) {
		t->dir[i] = tu_tempdir();
		t->s[i] = store_open(t->dir[i]);
		assert_non_null(t->s[i]);
	}
	return t;
}

static void two_close(struct two *t)
{
	for (int i = 0; i < 3; i++) {
		store_close(t->s[i]);
		tu_rmtree(t->dir[i]);
		free(t->dir[i]);
	}
	free(t);
}

static void test_same_person_two_doors_same_second(void **state)
{
	(void)state;
	struct two *t = two_open();
	struct clock c;
	clock_init_fake(&c, T0);  /* both doors, the same millisecond */
	for (int i = 0; i < 2; i++) {
		int64_t id = roster_person(t->s[i], "R-17", "Søren", "Kjær");
		assert_int_equal(people_checkin(t->s[i], &c, EVENT, id, "search", NULL), PEOPLE_CHECKIN_OK);
	}
	pass(t->s[0], t->s[1]);
	pass(t->s[1], t->s[0]);
	char *w0 = active_checkin(t->s[0]), *w1 = active_checkin(t->s[1]);
	assert_non_null(w0);
	assert_string_equal(w0, w1);  /* the same winner at both doors */
	for (int i = 0; i < 2; i++) {
		struct people_counts pc;
		assert_int_equal(people_counts(t->s[i], EVENT, &pc), 0);
		assert_int_equal(pc.checked_in, 1);
		assert_int_equal(store_query_int(t->s[i], "SELECT count(*) FROM checkin"), 2);
		assert_int_equal(store_query_int(t->s[i],
			"SELECT count(*) FROM checkin WHERE merged_into IS NOT NULL"), 1);
		assert_int_equal(store_query_int(t->s[i], "SELECT count(*) FROM person"), 1);
	}
	/* A third door that hears of both in the other order agrees. */
	pass(t->s[1], t->s[2]);
	pass(t->s[0], t->s[2]);
	char *w2 = active_checkin(t->s[2]);
	assert_string_equal(w0, w2);
	/* The winner undone at a door: the other door's check-in becomes the check-in, at all. */
	int64_t cid = store_query_int(t->s[0], "SELECT id FROM checkin WHERE undone_at IS NULL");
	clock_advance(&c, 5000);
	assert_int_equal(people_checkin_undo(t->s[0], &c, cid), 0);
	assert_int_equal(sync_repair(t->s[0]), 0);
	pass(t->s[0], t->s[1]);
	pass(t->s[0], t->s[2]);
	char *after[3];
	for (int i = 0; i < 3; i++) {
		struct people_counts pc;
		assert_int_equal(people_counts(t->s[i], EVENT, &pc), 0);
		assert_int_equal(pc.checked_in, 1);
		after[i] = active_checkin(t->s[i]);
		assert_non_null(after[i]);
		assert_string_not_equal(after[i], w0);
		if (i)
			assert_string_equal(after[i], after[0]);
	}
	for (int i = 0; i < 3; i++)
		free(after[i]);
	free(w0);
	free(w1);
	free(w2);
	two_close(t);
}

static void test_walkins_follow_the_door_rule(void **state)
{
	(void)state;
	struct two *t = two_open();
	walkin(t->dir[0], "Åsa", "Öberg", "asa@example.org", T0);
	walkin(t->dir[1], "Aasa", "Oeberg", "asa@example.org", T0 + 5);
	walkin(t->dir[1], "Bo", "Ek", "bo@example.org", T0 + 6);
	walkin(t->dir[0], "Mallory", "Ek", "bo@example.org", T0 + 7);  /* another name, same email */
	pass(t->s[0], t->s[1]);
	pass(t->s[1], t->s[0]);
	for (int i = 0; i < 2; i++) {
		/* Åsa once (names agree); Bo and Mallory two people, Mallory marked. */
		assert_int_equal(store_query_int(t->s[i], "SELECT count(*) FROM person"), 3);
		assert_int_equal(store_query_int(t->s[i],
			"SELECT count(*) FROM person WHERE duplicate_of IS NOT NULL"), 1);
		struct people_counts pc;
		assert_int_equal(people_counts(t->s[i], EVENT, &pc), 0);
		assert_int_equal(pc.checked_in, 3);
	}
	two_close(t);
}

static void test_undo_applies_wherever(void **state)
{
	(void)state;
	struct two *t = two_open();
	struct clock c;
	clock_init_fake(&c, T0);
	int64_t id = roster_person(t->s[0], "R-1", "Kalle", "Anka");
	roster_person(t->s[1], "R-1", "Kalle", "Anka");
	roster_person(t->s[2], "R-1", "Kalle", "Anka");
	assert_int_equal(people_checkin(t->s[0], &c, EVENT, id, "search", NULL), PEOPLE_CHECKIN_OK);
	pass(t->s[0], t->s[1]);
	/* Door B undoes the check-in made at door A. */
	int64_t cid = store_query_int(t->s[1], "SELECT id FROM checkin");
	clock_advance(&c, 1000);
	assert_int_equal(people_checkin_undo(t->s[1], &c, cid), 0);
	/* C hears B's undo before A's check-in: the undo waits, then applies. */
	pass(t->s[1], t->s[2]);  /* B holds A's records too, so send B's origin alone first */
	pass(t->s[1], t->s[0]);
	for (int i = 0; i < 3; i++) {
		struct people_counts pc;
		assert_int_equal(people_counts(t->s[i], EVENT, &pc), 0);
		assert_int_equal(pc.checked_in, 0);
	}
	two_close(t);
}

static void test_undo_waits_for_its_checkin(void **state)
{
	(void)state;
	struct two *t = two_open();
	struct clock c;
	clock_init_fake(&c, T0);
	int64_t id = roster_person(t->s[0], "R-1", "Kalle", "Anka");
	roster_person(t->s[2], "R-1", "Kalle", "Anka");
	assert_int_equal(people_checkin(t->s[0], &c, EVENT, id, "search", NULL), PEOPLE_CHECKIN_OK);
	pass(t->s[0], t->s[1]);
	int64_t cid = store_query_int(t->s[1], "SELECT id FROM checkin");
	assert_int_equal(people_checkin_undo(t->s[1], &c, cid), 0);
	/* Only B's own origin to C: the undo arrives first. */
	char b_id[SYNC_ID_LEN];
	assert_int_equal(sync_station_id(t->s[1], b_id), 0);
	struct sync_page p;
	assert_int_equal(sync_pull(t->s[1], b_id, 0, 100, &p), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(sync_apply(t->s[2], &p, 0, NULL), 0);
	assert_int_equal(sync_apply(t->s[2], &p, 0, NULL), 0);  /* twice: nothing changes */
	sync_page_release(&p);
	assert_int_equal(store_query_int(t->s[2], "SELECT count(*) FROM sync_record WHERE applied = 0"), 1);
	pass(t->s[0], t->s[2]);
	assert_int_equal(store_query_int(t->s[2], "SELECT count(*) FROM sync_record WHERE applied = 0"), 0);
	assert_int_equal(store_query_int(t->s[2], "SELECT count(*) FROM checkin WHERE undone_at IS NULL"), 0);
	two_close(t);
}

/* A hand-made page of one origin's records (commitments: no pack needed). */
static void page_of(struct sync_page *p, const char *origin, int first_seq, const char *const *kinds,
		    const char *const *payloads, int n)
{
	p->items = calloc((size_t)n, sizeof(*p->items));
	p->n = n;
	p->more = 0;
	for (int i = 0; i < n; i++) {
		struct sync_record *r = &p->items[i];
		snprintf(r->origin, sizeof(r->origin), "%s", origin);
		r->seq = first_seq + i;
		uuid_v4(r->uuid);
		snprintf(r->kind, sizeof(r->kind), "%s", kinds[i]);
		r->payload = strdup(payloads[i]);
		r->created_at = T0;
	}
}

static void test_commitment_cancel_wins(void **state)
{
	(void)state;
	struct two *t = two_open();
	int64_t pid = roster_person(t->s[0], "R-9", "Ida", "Holm");
	roster_person(t->s[1], "R-9", "Ida", "Holm");
	struct clock c;
	clock_init_fake(&c, T0);
	assert_int_equal(people_checkin(t->s[0], &c, EVENT, pid, "search", NULL), PEOPLE_CHECKIN_OK);
	pass(t->s[0], t->s[1]);
	char puuid[64];
	struct store_stmt *st = store_stmt(t->s[0], "SELECT uuid FROM person");
	assert_int_equal(store_step(st), STORE_ROW);
	snprintf(puuid, sizeof(puuid), "%s", store_col_text(st, 0));
	store_reset(st);
	char made[600], edit[600], cancel[300];
	const char *cu = "c0ffee00-1111-4222-8333-444455556666";
	snprintf(made, sizeof(made), "{\"uuid\":\"%s\",\"event\":\"%s\",\"person\":\"%s\",\"role\":"
		 "\"Host\",\"role_kind\":\"host\",\"team\":null,\"details\":{},\"lang\":\"da\","
		 "\"created_at\":%lld,\"updated_at\":%lld}", cu, EVENT, puuid, T0, T0);
	snprintf(edit, sizeof(edit), "{\"uuid\":\"%s\",\"event\":\"%s\",\"person\":\"%s\",\"role\":"
		 "\"Leader\",\"role_kind\":\"leader\",\"team\":\"Nord\",\"details\":{},\"lang\":\"da\","
		 "\"created_at\":%lld,\"updated_at\":%lld}", cu, EVENT, puuid, T0, T0 + 5000);
	snprintf(cancel, sizeof(cancel), "{\"uuid\":\"%s\",\"event\":\"%s\",\"person\":\"%s\","
		 "\"cancelled_at\":%lld}", cu, EVENT, puuid, T0 + 1000);
	/* Station X made it and cancelled it; station Y edited it later by the wall clock. The
	 * stores receive them in opposite orders. */
	const char *X = "aaaaaaaa-0000-4000-8000-000000000001", *Y = "aaaaaaaa-0000-4000-8000-000000000002";
	const char *k1[] = {"commitment", "commitment_cancel"}, *p1[] = {made, cancel};
	const char *k2[] = {"commitment"}, *p2[] = {edit};
	struct sync_page px, py;
	page_of(&px, X, 1, k1, p1, 2);
	page_of(&py, Y, 1, k2, p2, 1);
	assert_int_equal(sync_apply(t->s[0], &px, 0, NULL), 0);
	assert_int_equal(sync_apply(t->s[0], &py, 0, NULL), 0);
	assert_int_equal(sync_apply(t->s[1], &py, 0, NULL), 0);  /* the edit first: it waits */
	assert_int_equal(sync_apply(t->s[1], &px, 0, NULL), 0);
	sync_page_release(&px);
	sync_page_release(&py);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_query_int(t->s[i], "SELECT count(*) FROM commitment"), 1);
		assert_int_equal(store_query_int(t->s[i],
			"SELECT count(*) FROM commitment WHERE cancelled_at IS NOT NULL"), 1);
		assert_int_equal(store_query_int(t->s[i], "SELECT count(*) FROM outbox WHERE kind LIKE 'commit%'"), 0);
	}
	two_close(t);
}

/* A partition: check-ins on both sides (one person at both), then reconnect over HTTP with the
 * server in this process; the upload queue of each side holds only its own records. */
static void test_partition_then_reconnect(void **state)
{
	(void)state;
	struct two *t = two_open();
	char pack[1200];
	snprintf(pack, sizeof(pack), "%s", t->dir[2]);
	struct sync_key k;
	assert_int_equal(sync_key_parse(KEY_A, &k), 0);
	struct clock c;
	for (int i = 0; i < 2; i++) {
		clock_init_fake(&c, T0 + i * 60000);  /* clocks a minute apart */
		int64_t id = roster_person(t->s[i], "R-5", "Søren", "Kjær");
		assert_int_equal(people_checkin(t->s[i], &c, EVENT, id, "search", NULL), PEOPLE_CHECKIN_OK);
	}
	walkin(t->dir[0], "Anna", "A", "anna@example.org", T0 + 1);
	walkin(t->dir[1], "Bea", "B", "bea@example.org", T0 + 2);
	int64_t own0 = store_query_int(t->s[0], "SELECT count(*) FROM outbox");
	int64_t own1 = store_query_int(t->s[1], "SELECT count(*) FROM outbox");
	struct sync_server *srv = sync_server_open(t->dir[1], &k, "127.0.0.1:0", NULL, NULL);
	assert_non_null(srv);
	char peer[64];
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", sync_server_port(srv));
	struct sync_stats ss;
	assert_int_equal(sync_exchange(t->s[0], &k, peer, 5000, &ss), 0);
	assert_int_equal(ss.pulled, own1);
	assert_int_equal(ss.pushed, own0);
	assert_int_equal(sync_exchange(t->s[0], &k, peer, 5000, &ss), 0);
	assert_int_equal(ss.pulled + ss.pushed, 0);
	sync_server_close(srv);
	for (int i = 0; i < 2; i++) {
		struct people_counts pc;
		assert_int_equal(people_counts(t->s[i], EVENT, &pc), 0);
		assert_int_equal(pc.checked_in, 3);
		/* Exactly once upstream: the uploader's view holds this station's records only. */
		struct outbox_batch b;
		assert_int_equal(outbox_next_batch(t->s[i], -1, OUTBOX_BATCH_MAX, &b), 0);
		assert_int_equal(b.n, i ? own1 : own0);
		char self[SYNC_ID_LEN];
		assert_int_equal(sync_station_id(t->s[i], self), 0);
		outbox_batch_release(&b);
		assert_int_equal(store_query_int(t->s[i], "SELECT count(*) FROM outbox WHERE origin IS NULL "
						 "OR origin <> (SELECT value FROM meta WHERE key = 'station_id')"), 0);
	}
	/* The earlier clock's check-in (door 0) is the check-in at both. */
	char *w0 = active_checkin(t->s[0]), *w1 = active_checkin(t->s[1]);
	assert_string_equal(w0, w1);
	free(w0);
	free(w1);
	two_close(t);
}

/* Exactly once upstream, through the real uploader to tests/receiver.py: after two stations
 * exchanged everything, each uploads; every record reaches the receiver once, from the station
 * that made it, and never from the one that received it. */
static void test_upstream_exactly_once(void **state)
{
	(void)state;
	struct two *t = two_open();
	walkin(t->dir[0], "Anna", "A", "anna@example.org", T0);
	walkin(t->dir[0], "Ali", "A", "ali@example.org", T0 + 1);
	walkin(t->dir[1], "Bea", "B", "bea@example.org", T0 + 2);
	pass(t->s[0], t->s[1]);
	pass(t->s[1], t->s[0]);
	const char *token = "sync-test-token-77a1";
	tu_write_str(t->dir[2], "token.txt", token);
	char tokpath[700];
	snprintf(tokpath, sizeof(tokpath), "%s/token.txt", t->dir[2]);
	chmod(tokpath, 0600);
	char *sent_by[2];
	for (int i = 0; i < 2; i++) {
		char log[700], url[128];
		snprintf(log, sizeof(log), "%s/received-%d.jsonl", t->dir[2], i);
		struct tu_server srv = tu_receiver_start(t->dir[2], "webhook", token, log, NULL, 1);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", srv.port);
		struct pack pk;
		memset(&pk, 0, sizeof(pk));
		pk.dir = t->dir[2];
		pk.title = "Barnstorm";
		pk.event_id = EVENT;
		pk.upload_token_file = "token.txt";
		pk.upload_kind = "webhook";
		pk.upload_url = url;
		struct clock c;
		clock_init_fake(&c, T0 + 60000);
		struct upload_opts o;
		upload_opts_default(&o);
		o.run_budget_ms = 3600 * 1000;
		int64_t n, req;
		assert_int_equal(upload_run(&pk, t->dir[i], &c, &o, NULL, &n, &req), 0);
		assert_int_equal(n, store_query_int(t->s[i], "SELECT count(*) FROM outbox"));
		tu_stop_pid(srv.pid);
		sent_by[i] = tu_read_all(log);
		assert_non_null(sent_by[i]);
	}
	/* Each station's own records, in its log; the other's never. */
	for (int i = 0; i < 2; i++) {
		struct store_stmt *st = store_stmt(t->s[i], "SELECT uuid FROM outbox");
		int n = 0;
		while (store_step(st) == STORE_ROW) {
			const char *u = store_col_text(st, 0);
			assert_non_null(strstr(sent_by[i], u));
			assert_null(strstr(sent_by[1 - i], u));
			n++;
		}
		store_reset(st);
		assert_true(n >= 2);
	}
	free(sent_by[0]);
	free(sent_by[1]);
	two_close(t);
}

/* The worker as the event core will run it: woken by store_on_commit, it pushes a new check-in
 * to the peer; it reports through its callback and sync_status; sync_stop ends it. */
struct seen {
	pthread_mutex_t mu;
	unsigned tables;
};

static void on_changed(void *ctx, unsigned tables)
{
	struct seen *w = ctx;
	pthread_mutex_lock(&w->mu);
	w->tables |= tables;
	pthread_mutex_unlock(&w->mu);
}

static void wake_on_outbox(void *ctx, unsigned tables)
{
	if (tables & STORE_T_OUTBOX)
		sync_wake(ctx);
}

static void test_worker(void **state)
{
	(void)state;
	struct two *t = two_open();
	struct sync_key k;
	assert_int_equal(sync_key_parse(KEY_A, &k), 0);
	walkin(t->dir[1], "Bea", "B", "bea@example.org", T0);
	/* B serves through a worker of its own (no peers); A's worker has B as its peer. */
	struct sync_cfg cb = {t->dir[1], k, "127.0.0.1:0", NULL, 0, 60000, 30000};
	struct seen seen_b = {PTHREAD_MUTEX_INITIALIZER, 0}, seen_a = {PTHREAD_MUTEX_INITIALIZER, 0};
	struct sync *yb = sync_start(&cb, on_changed, &seen_b);
	assert_non_null(yb);
	struct sync_status st;
	sync_status(yb, &st);
	assert_int_equal(st.serving, 1);
	char peer[64];
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", st.port);
	const char *peers[] = {peer};
	struct sync_cfg ca = {t->dir[0], k, NULL, peers, 1, 60000, 30000};
	struct sync *ya = sync_start(&ca, on_changed, &seen_a);
	assert_non_null(ya);
	store_on_commit(t->s[0], wake_on_outbox, ya);
	walkin(t->dir[0], "Anna", "A", "anna@example.org", T0 + 1);  /* another connection: */
	sync_wake(ya);                                               /* wake it as a commit would */
	struct clock c;
	clock_init_fake(&c, T0 + 2);
	int64_t id = roster_person(t->s[0], "R-3", "Carl", "C");
	assert_int_equal(people_checkin(t->s[0], &c, EVENT, id, "search", NULL), PEOPLE_CHECKIN_OK);
	/* Done when both stores hold all three and A's worker has counted what it pulled: the
	 * count follows the commit, so a store that holds Bea is not yet the report of it. The
	 * bound is generous for a slow emulated CPU; a healthy run ends within milliseconds. */
	int arrived = 0;
	for (int i = 0; i < 6000 && !arrived; i++) {
		sync_status(ya, &st);
		arrived = store_query_int(t->s[1], "SELECT count(*) FROM checkin") == 3 &&
			  store_query_int(t->s[0], "SELECT count(*) FROM checkin") == 3 &&
			  st.records_in >= 2;
		if (!arrived)
			tu_sleep_ms(10);
	}
	assert_true(arrived);
	sync_status(ya, &st);
	assert_int_equal(st.peers, 1);
	assert_int_equal(st.serving, 0);
	assert_true(st.records_in >= 2);  /* Bea: person and check-in */
	sync_status(yb, &st);
	assert_int_equal(st.serving, 1);
	store_on_commit(t->s[0], NULL, NULL);
	sync_stop(ya);
	sync_stop(yb);
	assert_true(seen_a.tables & STORE_T_CHECKIN);
	assert_true(seen_b.tables & STORE_T_CHECKIN);
	two_close(t);
}

static void test_key_parse(void **state)
{
	(void)state;
	struct sync_key k;
	assert_int_equal(sync_key_parse(KEY_A, &k), 0);
	assert_int_equal(sync_key_parse("abc", &k), -1);
	assert_non_null(strstr(err_msg(), "not 64 hex digits"));
	char bad[65];
	memcpy(bad, KEY_A, 65);
	bad[10] = 'g';
	assert_int_equal(sync_key_parse(bad, &k), -1);
	assert_null(strstr(err_msg(), KEY_A));
	char *dir = tu_tempdir();
	assert_int_equal(sync_key_from_pack(dir, &k), -1);
	tu_write_str(dir, "event.ini", "[event]\ntitle = x\n");
	assert_int_equal(sync_key_from_pack(dir, &k), -1);
	assert_non_null(strstr(err_msg(), "no [stations] key"));
	tu_rmtree(dir);
	free(dir);
}

/* A station's name and role, which the other stations show their organizer, are hostile text
 * from a peer: bounded, no control characters, a role of lower-case letters only. A station
 * whose stored name is not fit to show (a hand-edited database) tells nothing of itself. */
static void peer_about_is_bounded(void **state)
{
	(void)state;
	assert_true(sync_about_ok("Door 2", "door"));
	assert_true(sync_about_ok("", ""));
	assert_true(sync_about_ok("Scène ☺", "stage"));
	assert_true(sync_about_ok("Table", "newrole"));       /* a later version's role: its shape */
	assert_false(sync_about_ok("Door\x01", "door"));
	assert_false(sync_about_ok("Door\x1b[2J", "door"));
	assert_false(sync_about_ok("Door\x7f", "door"));
	assert_false(sync_about_ok("Door", "DOOR"));
	assert_false(sync_about_ok("Door", "door;x"));
	assert_false(sync_about_ok("Door", "doorsdoor"));     /* longer than SYNC_ROLE_MAX - 1 */
	char name[SYNC_NAME_MAX + 1];
	memset(name, 'x', SYNC_NAME_MAX);
	name[SYNC_NAME_MAX] = '\0';
	assert_false(sync_about_ok(name, "door"));
	name[SYNC_NAME_MAX - 1] = '\0';
	assert_true(sync_about_ok(name, "door"));

	struct two *t = two_open();
	struct sync_key k;
	assert_int_equal(sync_key_parse(KEY_A, &k), 0);
	assert_int_equal(store_meta_save(t->s[1], "station_name", "Door\x1b[2J"), 0);
	assert_int_equal(store_meta_save(t->s[1], "station_role", "door"), 0);
	struct sync_server *srv = sync_server_open(t->dir[1], &k, "127.0.0.1:0", NULL, NULL);
	assert_non_null(srv);
	char peer[64];
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", sync_server_port(srv));
	struct sync_stats ss;
	memset(&ss, 0, sizeof(ss));
	assert_int_equal(sync_exchange(t->s[0], &k, peer, 5000, &ss), 0);
	assert_true(sync_is_uuid(ss.peer.id));
	assert_string_equal(ss.peer.name, "");
	assert_string_equal(ss.peer.role, "");
	assert_int_equal(store_meta_save(t->s[1], "station_name", "Door 2"), 0);
	memset(&ss, 0, sizeof(ss));
	assert_int_equal(sync_exchange(t->s[0], &k, peer, 5000, &ss), 0);
	assert_string_equal(ss.peer.name, "Door 2");
	assert_string_equal(ss.peer.role, "door");
	sync_server_close(srv);
	two_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(peer_about_is_bounded),
		cmocka_unit_test(test_same_person_two_doors_same_second),
		cmocka_unit_test(test_walkins_follow_the_door_rule),
		cmocka_unit_test(test_undo_applies_wherever),
		cmocka_unit_test(test_undo_waits_for_its_checkin),
		cmocka_unit_test(test_commitment_cancel_wins),
		cmocka_unit_test(test_partition_then_reconnect),
		cmocka_unit_test(test_upstream_exactly_once),
		cmocka_unit_test(test_worker),
		cmocka_unit_test(test_three_stations_converge),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_hostile_bodies),
		cmocka_unit_test(test_peer_hangs),
		cmocka_unit_test(test_kill_during_sync),
	};
	return RUN_TESTS(tests);
}
