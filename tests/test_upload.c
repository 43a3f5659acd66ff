/* The uploader against real servers on 127.0.0.1, started and stopped by this test:
 * tests/receiver.py (webhook and Action Network shapes, failing on purpose a third of the time)
 * and Debian's nginx with its WebDAV module. Backoffs and Retry-After run on a fake clock, so
 * only the injected slow answers cost real time (bounded by short request timeouts). */
#include "testutil.h"

#include "clock.h"
#include "commands.h"
#include "outbox.h"
#include "pack.h"
#include "store.h"
#include "upload.h"
#include "util.h"

#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#define T0 1764000000000LL
#define TOKEN "tok-3f9a1c77e2b54d0a9c8e"

/* Splits text in place into lines (the banned-function list includes the libc tokenizer). */
static char *next_line(char **cur)
{
	char *s = *cur;
	if (!s || !*s)
		return NULL;
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = s + strlen(s);
	}
	return s;
}

/* Starts tests/receiver.py in mode with this test's token; waits (bounded) until it listens. */
static struct tu_server receiver_start(const char *dir, const char *mode, const char *log,
				       const char *extra)
{
	return tu_receiver_start(dir, mode, TOKEN, log, extra, 0);
}

static int can_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	int ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* ---- Fixture: a data dir with a store, a pack struct, a token file ---- */

struct fx {
	char *dir;
	char data[1024];
	char log[1024];
	char url[256];
	struct pack pack;
	struct clock c;
	struct upload_opts o;
	struct tu_server srv;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->dir = tu_tempdir();
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/received.jsonl", f->dir);
	f->pack.dir = f->dir;
	f->pack.title = "Barnstorm Aarhus";
	f->pack.event_id = "aarhus-2026-12-03";
	f->pack.upload_token_file = "token.txt";
	tu_write_str(f->dir, "token.txt", TOKEN "\n");
	char path[1100];
	snprintf(path, sizeof(path), "%s/token.txt", f->dir);
	chmod(path, 0600);
	clock_init_fake(&f->c, T0);
	upload_opts_default(&f->o);
	f->o.batch = 7;
	f->o.connect_timeout_ms = 2000;
	f->o.timeout_ms = 500;
	f->o.run_budget_ms = 24LL * 3600 * 1000; /* fake time: costs nothing */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tu_stop_pid(f->srv.pid);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void set_target(struct fx *f, const char *kind, const char *url)
{
	f->pack.upload_kind = (char *)kind;
	str_copy(f->url, sizeof(f->url), url);
	f->pack.upload_url = f->url;
}

/* Queues n records for `people` people, interleaved; payloads say which person and sequence
 * (from first_seq on). */
static void queue_from(struct fx *f, int first_seq, int n, int people, const char *kind)
{
	struct store *s = store_open(f->data);
	assert_non_null(s);
	assert_int_equal(store_tx_begin(s), 0);
	for (int i = first_seq; i < first_seq + n; i++) {
		char person[37], json[256];
		snprintf(person, sizeof(person), "00000000-0000-4000-8000-%012d", i % people);
		snprintf(json, sizeof(json), "{\"seq\": %d, \"first_name\": \"Søren\", "
			 "\"email\": \"p%d@example.org\", \"role\": \"host\", \"team\": \"North\"}",
			 i, i % people);
		assert_int_equal(outbox_add(s, &f->c, kind, person, json, NULL), 0);
	}
	assert_int_equal(store_tx_commit(s), 0);
	store_close(s);
}

static void queue(struct fx *f, int n, int people, const char *kind)
{
	queue_from(f, 0, n, people, kind);
}

static struct outbox_counts counts(struct fx *f)
{
	struct store *s = store_open(f->data);
	assert_non_null(s);
	struct outbox_counts c;
	assert_int_equal(outbox_counts(s, &c), 0);
	store_close(s);
	return c;
}

/* Runs upload_run until it succeeds (each run gives up after its budget); at most `tries`. */
static void run_until_sent(struct fx *f, int tries, int64_t *requests)
{
	int64_t total = 0;
	for (int i = 0; i < tries; i++) {
		int64_t sent, req;
		struct upload_status st;
		int rc = upload_run(&f->pack, f->data, &f->c, &f->o, &st, &sent, &req);
		total += req;
		if (rc == 0) {
			if (requests)
				*requests = total;
			return;
		}
		print_message("# run %d: %s\n", i, err_msg());
	}
	fail_msg("still not sent after %d runs", tries);
}

/* Checks that the receiver log has each queued record exactly once and in order per person. */
static void check_exactly_once(struct fx *f, int n, int people)
{
	char *text = tu_read_all(f->log);
	assert_non_null(text);
	int *seen = calloc((size_t)n, sizeof(int));
	int *last_seq = malloc((size_t)people * sizeof(int));
	for (int i = 0; i < people; i++)
		last_seq[i] = -1;
	int lines = 0;
	char *cur = text, *line;
	while ((line = next_line(&cur)) != NULL) {
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		json_t *payload = json_object_get(j, "payload");
		int seq = (int)json_integer_value(json_object_get(payload, "seq"));
		assert_true(seq >= 0 && seq < n);
		seen[seq]++;
		int person = seq % people;
		assert_true(seq > last_seq[person]); /* in order per person */
		last_seq[person] = seq;
		assert_string_equal(json_string_value(json_object_get(
			json_object_get(j, "event"), "id")), "aarhus-2026-12-03");
		json_decref(j);
		lines++;
	}
	for (int i = 0; i < n; i++)
		if (seen[i] != 1)
			fail_msg("record %d arrived %d times", i, seen[i]);
	assert_int_equal(lines, n);
	free(seen);
	free(last_seq);
	free(text);
}

/* ---- Tests ---- */

static void test_backoff(void **state)
{
	(void)state;
	struct upload_opts o;
	upload_opts_default(&o);
	/* Grows exponentially with jitter within [d/2, d]. */
	for (int a = 1; a <= 6; a++) {
		int64_t d = o.backoff_base_ms << (a - 1);
		int64_t lo = upload_backoff_ms(&o, a, 0, 0), hi = upload_backoff_ms(&o, a, 0, 0xffffffffu);
		assert_true(lo >= d / 2 && lo <= d);
		assert_true(hi >= d / 2 && hi <= d);
	}
	/* Capped; Retry-After is a floor; max_wait is a ceiling. */
	assert_true(upload_backoff_ms(&o, 40, 0, 12345) <= o.backoff_max_ms);
	assert_true(upload_backoff_ms(&o, 1, 120, 0) == 120000);
	assert_true(upload_backoff_ms(&o, 1, 86400, 0) == o.max_wait_ms);
	o.max_wait_ms = 50;
	assert_true(upload_backoff_ms(&o, 5, 10, 7) == 50);
	assert_string_equal(upload_state_name(UPLOAD_WAITING_CLOCK), "waiting for the clock");
}

static void test_webhook_flaky(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "webhook", f->log,
				"--seed 7 --fail-rate 0.34 --slow-seconds 0.8 --retry-after 3");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	queue(f, 90, 4, "checkin");
	int64_t requests = 0;
	run_until_sent(f, 10, &requests);
	check_exactly_once(f, 90, 4);
	struct outbox_counts c = counts(f);
	assert_int_equal(c.queued, 0);
	assert_int_equal(c.sent, 90);
	assert_int_equal(c.parked, 0);
	assert_true(c.last_success_at > 0);
	print_message("# webhook: 90 records in %lld requests with failures injected\n",
		      (long long)requests);
	assert_true(requests > 13); /* some failed and were retried */

	/* The document carries the schema, the kiosk and each record's uuid, kind and time. */
	char *text = tu_read_all(f->log), *cur = text;
	json_t *j = json_loads(next_line(&cur), 0, NULL);
	assert_int_equal(strlen(json_string_value(json_object_get(j, "uuid"))), 36);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "checkin");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "payload"),
							      "first_name")), "Søren");
	json_decref(j);
	free(text);
}

/* The uploading process is killed mid-upload; a second one finishes: nothing lost, nothing twice. */
static void test_killed_mid_upload(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "webhook", f->log,
				"--seed 11 --fail-rate 0.3 --slow-seconds 0.6 --retry-after 1");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	f->o.batch = 5;
	queue(f, 300, 6, "commitment");

	for (int round = 0; round < 2; round++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct upload_opts o = f->o;
			upload_run(&f->pack, f->data, &f->c, &o, NULL, NULL, NULL);
			_exit(0);
		}
		/* Kill it once some (but not all) records have arrived. */
		for (int i = 0; i < 1000; i++) {
			char *t = tu_read_all(f->log);
			int lines = 0;
			for (char *p = t; p && *p; p++)
				lines += *p == '\n';
			free(t);
			if (lines >= 60 * (round + 1))
				break;
			tu_sleep_ms(10);
		}
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	struct outbox_counts c = counts(f);
	print_message("# after two kills: %lld sent, %lld queued\n", (long long)c.sent,
		      (long long)c.queued);
	assert_true(c.queued > 0);
	run_until_sent(f, 10, NULL);
	check_exactly_once(f, 300, 6);
}

/* A batch of one record is pinned too: the receiver stored it but the answer was lost (the kiosk
 * died, or the connection dropped), and newer records arrived before the retry. The retry must
 * carry the same single record under the same key, not a bigger batch under a new key. */
static void test_single_record_batch_pinned(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "webhook", f->log, "--script drop_after");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	queue(f, 1, 1, "checkin");
	f->o.run_budget_ms = 0;
	struct upload_status st;
	assert_int_equal(upload_run(&f->pack, f->data, &f->c, &f->o, &st, NULL, NULL), -1);
	assert_int_equal(st.failing, 1);
	/* Stored once already; three more records queue up behind it. */
	char *text = tu_read_all(f->log);
	assert_non_null(text);
	free(text);
	queue_from(f, 1, 3, 1, "checkin");
	f->o.run_budget_ms = 24LL * 3600 * 1000;
	run_until_sent(f, 1, NULL);
	check_exactly_once(f, 4, 1);
}

static void test_actionnetwork(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "actionnetwork", f->log,
				"--seed 3 --fail-rate 0.34 --slow-seconds 0.8 --retry-after 2");
	char url[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v2/events/ev-42", f->srv.port);
	set_target(f, "actionnetwork", url);

	/* A person with consent, their check-in and commitment; an agenda record (not for AN); a
	 * check-in of someone without consent (no email anywhere: accepted, nothing sent). */
	struct store *s = store_open(f->data);
	assert_non_null(s);
	const char *pu = "11111111-1111-4111-8111-111111111111";
	char u_person[37], u_checkin[37], u_commit[37];
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(outbox_add(s, &f->c, "person", pu, "{\"first_name\":\"Mette\","
		"\"last_name\":\"Holm\",\"email\":\"mette@example.org\",\"phone\":\"+4512345678\","
		"\"postcode\":\"8000\"}", u_person), 0);
	assert_int_equal(outbox_add(s, &f->c, "checkin", pu, "{\"method\":\"search\"}", u_checkin), 0);
	assert_int_equal(outbox_add(s, &f->c, "commitment", pu, "{\"role\":\"Host\",\"team\":"
		"\"Aarhus C\"}", u_commit), 0);
	assert_int_equal(outbox_add(s, &f->c, "agenda", NULL, "{\"what\":\"start\"}", NULL), 0);
	assert_int_equal(outbox_add(s, &f->c, "checkin", "22222222-2222-4222-8222-222222222222",
				    "{\"method\":\"walkin\"}", NULL), 0);
	assert_int_equal(store_tx_commit(s), 0);
	store_close(s);
	/* And more people, so the injected failures hit something. */
	queue(f, 24, 24, "person");

	run_until_sent(f, 10, NULL);
	struct outbox_counts c = counts(f);
	assert_int_equal(c.queued, 0);
	assert_int_equal(c.sent, 29);

	char *text = tu_read_all(f->log), *cur = text, *line;
	int n = 0, person = 0, att = 0, commit = 0;
	for (; (line = next_line(&cur)) != NULL; n++) {
		json_t *j = json_loads(line, 0, NULL);
		const char *key = json_string_value(json_object_get(j, "key"));
		const char *path = json_string_value(json_object_get(j, "path"));
		json_t *body = json_object_get(j, "body");
		json_t *p = json_object_get(body, "person");
		if (strcmp(key, u_person) == 0) {
			person++;
			assert_string_equal(path, "/api/v2/people/");
			assert_string_equal(json_string_value(json_object_get(p, "given_name")), "Mette");
			assert_string_equal(json_string_value(json_object_get(p, "family_name")), "Holm");
			assert_string_equal(json_string_value(json_object_get(json_array_get(
				json_object_get(p, "postal_addresses"), 0), "postal_code")), "8000");
		} else if (strcmp(key, u_checkin) == 0) {
			att++;
			assert_string_equal(path, "/api/v2/events/ev-42/attendances/");
			assert_string_equal(json_string_value(json_object_get(json_array_get(
				json_object_get(p, "email_addresses"), 0), "address")),
					    "mette@example.org");
		} else if (strcmp(key, u_commit) == 0) {
			commit++;
			assert_string_equal(path, "/api/v2/people/");
			json_t *tags = json_object_get(body, "add_tags");
			assert_string_equal(json_string_value(json_array_get(tags, 0)),
					    "Barnstorm role: Host");
			assert_string_equal(json_string_value(json_array_get(tags, 1)),
					    "Barnstorm team: Aarhus C");
			/* A commitment adds no contact details of its own. */
			assert_null(json_object_get(p, "phone_numbers"));
		}
		json_decref(j);
	}
	free(text);
	assert_int_equal(person, 1);
	assert_int_equal(att, 1);
	assert_int_equal(commit, 1);
	assert_int_equal(n, 3 + 24); /* every person once; agenda and the anonymous check-in: none */
}

static void test_actionnetwork_no_event_tags(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "actionnetwork", f->log, "");
	char url[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v2/", f->srv.port);
	set_target(f, "actionnetwork", url);
	queue(f, 1, 1, "checkin");
	run_until_sent(f, 1, NULL);
	char *text = tu_read_all(f->log);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "path")), "/api/v2/people/");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_object_get(j, "body"), "add_tags"), 0)), "Attended: Barnstorm Aarhus");
	json_decref(j);
	free(text);
}

/* Action Network's "200 with an empty body" is a failure, retried. */
static void test_actionnetwork_empty_200(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "actionnetwork", f->log, "--always 200");
	char url[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v2", f->srv.port);
	set_target(f, "actionnetwork", url);
	queue(f, 2, 2, "person");
	f->o.run_budget_ms = 0;
	struct upload_status st;
	assert_int_equal(upload_run(&f->pack, f->data, &f->c, &f->o, &st, NULL, NULL), -1);
	assert_non_null(strstr(err_msg(), "without a person"));
	assert_int_equal(st.queued, 2);
	assert_int_equal(st.failing, 1);
	assert_int_equal(st.state, UPLOAD_FAILING);
}

/* The store fails while looking up a person's email: the record is retried, not counted as sent
 * without a request (as a record of someone without an email is). */
static void test_actionnetwork_email_lookup_fails(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "actionnetwork", f->log, "");
	char url[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v2", f->srv.port);
	set_target(f, "actionnetwork", url);
	struct store *s = store_open(f->data);
	assert_non_null(s);
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(outbox_add(s, &f->c, "checkin", "33333333-3333-4333-8333-333333333333",
				    "{\"method\":\"search\"}", NULL), 0);
	assert_int_equal(store_tx_commit(s), 0);
	assert_int_equal(store_exec(s, "ALTER TABLE person RENAME TO person_away"), 0);
	store_close(s);
	f->o.run_budget_ms = 0;
	struct upload_status st;
	assert_int_equal(upload_run(&f->pack, f->data, &f->c, &f->o, &st, NULL, NULL), -1);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.failing, 1);
	assert_non_null(strstr(st.reason, "cannot look up the email of person 33333333"));
	assert_non_null(strstr(st.reason, "person"));
}

/* ---- WebDAV with nginx ---- */

static struct tu_server nginx_start(const char *dir)
{
	char conf[4096], path[1100], www[1100];
	snprintf(www, sizeof(www), "%s/www", dir);
	mkdir(www, 0755);
	tu_write_str(dir, "htpasswd", "kiosk:{PLAIN}" TOKEN "\n");
	struct tu_server s = { 0, 0 };
	for (int attempt = 0; attempt < 3 && !s.port; attempt++) {
		int port = tu_free_port();
		snprintf(conf, sizeof(conf),
			 "daemon off;\n%s"
			 "pid %s/nginx.pid;\nerror_log %s/nginx-error.log;\n"
			 "events { worker_connections 64; }\n"
			 "http {\n access_log %s/nginx-access.log;\n"
			 " client_body_temp_path %s/nb; proxy_temp_path %s/np; fastcgi_temp_path %s/nf;\n"
			 " uwsgi_temp_path %s/nu; scgi_temp_path %s/ns;\n"
			 " server {\n  listen 127.0.0.1:%d;\n  root %s;\n"
			 "  location /dav/ { dav_methods PUT MKCOL; create_full_put_path on;\n"
			 "   auth_basic \"barnstorm\"; auth_basic_user_file %s/htpasswd;\n"
			 "   client_max_body_size 64m; }\n }\n}\n",
			 geteuid() == 0 ? "user root;\n" : "", dir, dir, dir, dir, dir, dir, dir, dir,
			 port, www, dir);
		tu_write_str(dir, "nginx.conf", conf);
		snprintf(path, sizeof(path), "%s/nginx.conf", dir);
		char elog[1100];
		snprintf(elog, sizeof(elog), "%s/nginx-start.log", dir);
		/* /usr/sbin is not on a normal user's PATH on Debian. */
		char *nginx = access("/usr/sbin/nginx", X_OK) == 0 ? "/usr/sbin/nginx" : "nginx";
		char *argv[] = { nginx, "-p", (char *)dir, "-e", elog, "-c", path, NULL };
		pid_t pid = tu_spawn(argv, 0);
		for (int i = 0; i < 250; i++) {
			if (can_connect(port)) {
				s.pid = pid;
				s.port = port;
				break;
			}
			if (waitpid(pid, NULL, WNOHANG) == pid) {
				pid = 0;
				break;
			}
			tu_sleep_ms(20);
		}
		if (!s.port && pid)
			tu_stop_pid(pid);
	}
	if (!s.port)
		fail_msg("nginx did not start (see %s/nginx-start.log)", dir);
	return s;
}

static void test_webdav_nginx(void **state)
{
	struct fx *f = *state;
	f->srv = nginx_start(f->dir);
	char url[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/dav/barnstorm/results", f->srv.port);
	set_target(f, "webdav", url);
	f->pack.upload_user = "kiosk";
	queue(f, 17, 3, "checkin");
	int64_t requests = 0;
	run_until_sent(f, 1, &requests);
	/* MKCOL answers 409 (no parent): MKCOL /dav/, /dav/barnstorm/, the folder; 3 PUTs. */
	assert_int_equal(requests, 1 + 3 + 3);

	/* Three files, named by their first record, holding 7 + 7 + 3 records in order. */
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "ls %s/www/dav/barnstorm/results/ | wc -l", f->dir);
	FILE *p = popen(cmd, "r");
	int files = 0;
	assert_int_equal(fscanf(p, "%d", &files), 1);
	pclose(p);
	assert_int_equal(files, 3);

	struct store *s = store_open(f->data);
	struct store_stmt *st = store_stmt(s, "SELECT uuid FROM outbox WHERE id IN (1, 8, 15) "
					      "ORDER BY id");
	int expect_n[3] = { 7, 7, 3 }, k = 0, seq = 0;
	while (store_step(st) == STORE_ROW) {
		char path[1400];
		snprintf(path, sizeof(path), "%s/www/dav/barnstorm/results/barnstorm-%s.json", f->dir,
			 store_col_text(st, 0));
		char *text = tu_read_all(path);
		assert_non_null(text);
		json_t *doc = json_loads(text, 0, NULL);
		assert_non_null(doc);
		assert_string_equal(json_string_value(json_object_get(doc, "schema")), "barnstorm.v1");
		json_t *recs = json_object_get(doc, "records");
		assert_int_equal(json_array_size(recs), expect_n[k]);
		for (size_t i = 0; i < json_array_size(recs); i++)
			assert_int_equal(json_integer_value(json_object_get(json_object_get(
				json_array_get(recs, i), "payload"), "seq")), seq++);
		assert_null(strstr(text, TOKEN));
		json_decref(doc);
		free(text);
		k++;
	}
	store_reset(st);
	store_close(s);
	assert_int_equal(k, 3);

	/* A second run with the folder there (MKCOL answers 405) and a wrong password: parked. */
	queue(f, 2, 1, "checkin");
	tu_write_str(f->dir, "token.txt", "wrong-password\n");
	struct upload_status stt;
	f->o.run_budget_ms = 0;
	assert_int_equal(upload_run(&f->pack, f->data, &f->c, &f->o, &stt, NULL, NULL), 0);
	assert_int_equal(stt.parked, 2);
	assert_non_null(strstr(stt.reason, "HTTP 401"));
	assert_non_null(strstr(stt.reason, "token.txt"));
	assert_null(strstr(stt.reason, "wrong-password"));
}

/* ---- Bad inputs ---- */

static void expect_failure(struct fx *f, const char *want_in_reason, struct upload_status *st)
{
	f->o.run_budget_ms = 0;
	int rc = upload_run(&f->pack, f->data, &f->c, &f->o, st, NULL, NULL);
	if (want_in_reason && !strstr(st->reason, want_in_reason))
		fail_msg("reason '%s' lacks '%s' (err '%s')", st->reason, want_in_reason, err_msg());
	assert_null(strstr(st->reason, TOKEN));
	assert_null(strstr(err_msg(), TOKEN));
	(void)rc;
}

static void test_server_times_out(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "webhook", f->log, "--hang");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	queue(f, 3, 1, "checkin");
	f->o.timeout_ms = 400;
	struct upload_status st;
	expect_failure(f, "no answer from 127.0.0.1", &st);
	assert_non_null(strstr(st.reason, "timed out"));
	assert_int_equal(st.queued, 3);
	assert_int_equal(st.failing, 3);
	assert_int_equal(st.state, UPLOAD_FAILING);
}

static void test_401_parks_without_token(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "webhook", f->log, "");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	tu_write_str(f->dir, "token.txt", "not-the-token\n");
	queue(f, 10, 2, "checkin");
	struct upload_status st;
	f->o.run_budget_ms = 0;
	assert_int_equal(upload_run(&f->pack, f->data, &f->c, &f->o, &st, NULL, NULL), -1);
	assert_non_null(strstr(st.reason, "HTTP 401"));
	assert_non_null(strstr(st.reason, "refused the token"));
	assert_null(strstr(st.reason, "not-the-token"));
	/* Only the first batch is parked: the next ones wait for a better token. */
	assert_int_equal(st.parked, 7);
	assert_int_equal(st.queued, 3);

	/* Fixed token, the parked records retried: all arrive. */
	tu_write_str(f->dir, "token.txt", TOKEN "\n");
	struct store *s = store_open(f->data);
	assert_int_equal(outbox_requeue_parked(s), 0);
	store_close(s);
	run_until_sent(f, 1, NULL);
	check_exactly_once(f, 10, 2);
}

static void test_garbage_reply(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "webhook", f->log, "--garbage");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	queue(f, 2, 1, "checkin");
	struct upload_status st;
	expect_failure(f, "bad answer from 127.0.0.1", &st);
	assert_int_equal(st.failing, 2);
	assert_int_equal(st.parked, 0);
}

static void test_500_and_422(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "webhook", f->log, "--always 503");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	queue(f, 2, 1, "checkin");
	struct upload_status st;
	char want[128];
	snprintf(want, sizeof(want), "HTTP 503 from 127.0.0.1:%d: {\"error\": \"always 503\"}",
		 f->srv.port);
	expect_failure(f, want, &st);
	assert_int_equal(st.failing, 2);
	tu_stop_pid(f->srv.pid);
	f->srv = receiver_start(f->dir, "webhook", f->log, "--always 422");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	expect_failure(f, "HTTP 422", &st);
	assert_int_equal(st.parked, 2);
	assert_int_equal(st.queued, 0);
}

static void test_token_file_problems(void **state)
{
	struct fx *f = *state;
	set_target(f, "webhook", "http://127.0.0.1:9/hook");
	queue(f, 1, 1, "checkin");
	char path[1100], msg[2400];
	snprintf(path, sizeof(path), "%s/token.txt", f->dir);
	chmod(path, 0644);
	struct upload_status st;
	expect_failure(f, "can be read by others", &st);
	snprintf(msg, sizeof(msg), "chmod 600 '%s'", path);
	assert_non_null(strstr(st.reason, msg));
	assert_non_null(strstr(err_msg(), msg));

	unlink(path);
	expect_failure(f, "cannot read token file", &st);
	assert_non_null(strstr(st.reason, path));

	tu_write_str(f->dir, "token.txt", "two\nlines\n");
	chmod(path, 0600);
	expect_failure(f, "on one line", &st);
	assert_int_equal(st.queued, 1);
}

/* The reason for an unreadable token file keeps file_read()'s own message intact (it used to be
 * formatted from err_msg() into the buffer err_msg() lives in, and came out garbled). */
static void test_token_file_too_large_reason(void **state)
{
	struct fx *f = *state;
	set_target(f, "webhook", "http://127.0.0.1:9/hook");
	queue(f, 1, 1, "checkin");
	char path[1100], want[2400];
	snprintf(path, sizeof(path), "%s/token.txt", f->dir);
	char *big = malloc(9000);
	memset(big, 'x', 9000);
	tu_write(f->dir, "token.txt", big, 9000);
	free(big);
	chmod(path, 0600);
	struct upload_status st;
	f->o.run_budget_ms = 0;
	assert_int_equal(upload_run(&f->pack, f->data, &f->c, &f->o, &st, NULL, NULL), -1);
	snprintf(want, sizeof(want), "cannot read token file '%s': '%s' is larger than 4095 bytes",
		 path, path);
	/* The status reason is cut at 255 bytes: compare what fits. */
	if (strncmp(st.reason, want, sizeof(st.reason) - 1) != 0)
		fail_msg("reason '%s', want '%s'", st.reason, want);
	assert_non_null(strstr(err_msg(), want));
}

static void test_waits_for_clock(void **state)
{
	struct fx *f = *state;
	set_target(f, "webhook", "https://127.0.0.1:9/hook");
	queue(f, 1, 1, "checkin");
	f->c.fake_synced = 0;
	struct upload_status st;
	int64_t req = -1;
	f->o.run_budget_ms = 0;
	assert_int_equal(upload_run(&f->pack, f->data, &f->c, &f->o, &st, NULL, &req), -1);
	assert_int_equal(req, 0);
	assert_int_equal(st.state, UPLOAD_WAITING_CLOCK);
	assert_non_null(strstr(st.reason, "waiting for the clock: it is not synchronised"));
	assert_non_null(strstr(err_msg(), "waiting for the clock"));
}

/* ---- The background thread ---- */

static void test_thread(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "webhook", f->log,
				"--seed 5 --fail-rate 0.34 --slow-seconds 0.8 --retry-after 30");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	queue(f, 40, 3, "checkin");
	f->o.poll_ms = 200;
	struct uploader *u = uploader_start(&f->pack, f->data, &f->c, &f->o);
	assert_non_null(u);
	struct upload_status st;
	int saw_failing = 0;
	for (int i = 0; i < 3000; i++) {
		uploader_status(u, &st);
		saw_failing |= st.state == UPLOAD_FAILING;
		if (st.state == UPLOAD_ALL_SENT)
			break;
		tu_sleep_ms(10);
	}
	assert_int_equal(st.state, UPLOAD_ALL_SENT);
	assert_int_equal(st.sent, 40);
	assert_string_equal(st.kind, "webhook");
	assert_true(st.last_success_at >= T0);
	print_message("# thread: saw failing: %d\n", saw_failing);

	/* New records while running; a kick sends them without waiting for the poll. */
	queue(f, 5, 1, "checkin");
	uploader_kick(u);
	for (int i = 0; i < 3000; i++) {
		uploader_status(u, &st);
		if (st.state == UPLOAD_ALL_SENT && st.sent == 45)
			break;
		tu_sleep_ms(10);
	}
	assert_int_equal(st.sent, 45);
	uploader_stop(u);
}

static int count_lines(const char *path)
{
	char *t = tu_read_all(path);
	int lines = 0;
	for (char *p = t; p && *p; p++)
		lines += *p == '\n';
	free(t);
	return lines;
}

/* Waits (bounded, for the thread) until cond holds on a fresh status. */
#define WAIT_STATUS(u, st, cond)                                        \
	do {                                                            \
		for (int i_ = 0; i_ < 1000; i_++) {                     \
			uploader_status((u), &(st));                    \
			if (cond)                                       \
				break;                                  \
			tu_sleep_ms(10);                                \
		}                                                       \
		if (!(cond))                                            \
			fail_msg("timed out waiting for %s (state %s, reason '%s')", #cond, \
				 upload_state_name((st).state), (st).reason); \
	} while (0)

/* Replaces the token file at once, so the thread never reads it half written. */
static void token_replace(struct fx *f, const char *token)
{
	char tmp[1100], path[1100];
	tu_write_str(f->dir, "token.tmp", token);
	snprintf(tmp, sizeof(tmp), "%s/token.tmp", f->dir);
	snprintf(path, sizeof(path), "%s/token.txt", f->dir);
	chmod(tmp, 0600);
	assert_int_equal(rename(tmp, path), 0);
}

/* 429 with Retry-After: 600. Check-ins wake the uploader twelve times: nothing is sent before the
 * retry is due (the thread's fake clock is held, so it never is); "Upload now" sends once. */
static void test_wake_keeps_retry_after(void **state)
{
	struct fx *f = *state;
	char extra[1200], reqlog[1100];
	snprintf(reqlog, sizeof(reqlog), "%s/requests.log", f->dir);
	snprintf(extra, sizeof(extra), "--always 429 --retry-after 600 --request-log '%s'", reqlog);
	f->srv = receiver_start(f->dir, "webhook", f->log, extra);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	queue(f, 1, 1, "checkin");
	f->o.hold_fake_clock = 1;
	struct uploader *u = uploader_start(&f->pack, f->data, &f->c, &f->o);
	assert_non_null(u);
	struct upload_status st;
	WAIT_STATUS(u, st, st.failing == 1 && st.state == UPLOAD_FAILING);
	assert_true(st.next_attempt_at >= T0 + 600000);
	assert_non_null(strstr(st.reason, "HTTP 429"));
	for (int i = 0; i < 12; i++) {
		queue_from(f, 1 + i, 1, 1, "checkin");
		uploader_wake(u);
	}
	assert_int_equal(count_lines(reqlog), 1);
	/* The organizer's "Upload now" does send, once: the same 429 puts it back to waiting. */
	uploader_kick(u);
	for (int i = 0; i < 1000 && count_lines(reqlog) < 2; i++)
		tu_sleep_ms(10);
	WAIT_STATUS(u, st, st.state == UPLOAD_FAILING && st.queued == 13);
	uploader_stop(u);
	assert_int_equal(count_lines(reqlog), 2);
	assert_int_equal(counts(f).queued, 13);
}

/* 401: the first batch is parked, and check-ins that wake the uploader send nothing with the
 * refused token (they used to park one batch each); a fixed token file is used at the next wake. */
static void test_wake_after_refused_token(void **state)
{
	struct fx *f = *state;
	char extra[1200], reqlog[1100];
	snprintf(reqlog, sizeof(reqlog), "%s/requests.log", f->dir);
	snprintf(extra, sizeof(extra), "--request-log '%s'", reqlog);
	f->srv = receiver_start(f->dir, "webhook", f->log, extra);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	token_replace(f, "not-the-token\n");
	f->o.batch = 1;
	queue(f, 1, 1, "checkin");
	struct uploader *u = uploader_start(&f->pack, f->data, &f->c, &f->o);
	assert_non_null(u);
	struct upload_status st;
	WAIT_STATUS(u, st, st.parked == 1);
	for (int i = 0; i < 5; i++) {
		queue_from(f, 1 + i, 1, 1, "checkin");
		uploader_wake(u);
		tu_sleep_ms(30); /* let the thread look: it must still send nothing */
	}
	uploader_status(u, &st);
	assert_int_equal(st.parked, 1);
	assert_int_equal(count_lines(reqlog), 1);
	assert_non_null(strstr(st.reason, "refused the token"));
	assert_null(strstr(st.reason, "not-the-token"));

	token_replace(f, TOKEN "\n");
	uploader_wake(u);
	WAIT_STATUS(u, st, st.queued == 0 && st.sent == 5);
	uploader_stop(u);
	assert_int_equal(st.parked, 1);
	assert_int_equal(count_lines(reqlog), 1 + 5);
}

/* The refusal outlives the uploader (a restart of the kiosk): the next one sends nothing with the
 * same token file until "Upload now" or a changed file. */
static void test_refused_token_survives_restart(void **state)
{
	struct fx *f = *state;
	char extra[1200], reqlog[1100];
	snprintf(reqlog, sizeof(reqlog), "%s/requests.log", f->dir);
	snprintf(extra, sizeof(extra), "--request-log '%s'", reqlog);
	f->srv = receiver_start(f->dir, "webhook", f->log, extra);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	token_replace(f, "not-the-token\n");
	f->o.batch = 1;
	queue(f, 3, 1, "checkin");
	struct uploader *u = uploader_start(&f->pack, f->data, &f->c, &f->o);
	assert_non_null(u);
	struct upload_status st;
	WAIT_STATUS(u, st, st.parked == 1 && strstr(st.reason, "fix it, then tap Upload now"));
	uploader_stop(u);
	assert_int_equal(count_lines(reqlog), 1);

	u = uploader_start(&f->pack, f->data, &f->c, &f->o);
	assert_non_null(u);
	uploader_wake(u);
	WAIT_STATUS(u, st, strstr(st.reason, "fix it, then tap Upload now") != NULL);
	assert_int_equal(st.parked, 1);
	assert_int_equal(count_lines(reqlog), 1);
	/* "Upload now" tries the token once more: refused again, one more batch parked. */
	uploader_kick(u);
	WAIT_STATUS(u, st, st.parked == 2 && strstr(st.reason, "fix it, then tap Upload now"));
	assert_int_equal(count_lines(reqlog), 2);
	uploader_stop(u);

	/* A fixed token file is used without anyone tapping anything. */
	token_replace(f, TOKEN "\n");
	u = uploader_start(&f->pack, f->data, &f->c, &f->o);
	WAIT_STATUS(u, st, st.queued == 0 && st.sent == 1);
	uploader_stop(u);
	assert_int_equal(count_lines(reqlog), 3);
}

/* A wake alone sends a new record: no poll is needed (the poll is an hour here, on a real clock). */
static void test_wake_sends_without_poll(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "webhook", f->log, "");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	struct clock real;
	clock_init_real(&real);
	f->o.poll_ms = 3600 * 1000;
	struct uploader *u = uploader_start(&f->pack, f->data, &real, &f->o);
	assert_non_null(u);
	struct upload_status st;
	WAIT_STATUS(u, st, st.state == UPLOAD_ALL_SENT);
	queue(f, 3, 1, "checkin");
	uploader_wake(u);
	WAIT_STATUS(u, st, st.state == UPLOAD_ALL_SENT && st.sent == 3);
	uploader_stop(u);
	check_exactly_once(f, 3, 1);
}

/* Action Network allows 4 requests a second: requests start at least 250 ms apart on the
 * injected clock (the fake clock moves only by waits, so sent_at shows the spacing). */
static void test_actionnetwork_spacing(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "actionnetwork", f->log, "");
	char url[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v2", f->srv.port);
	set_target(f, "actionnetwork", url);
	queue(f, 6, 6, "person");
	int64_t requests = 0;
	run_until_sent(f, 1, &requests);
	assert_int_equal(requests, 6);
	struct store *s = store_open(f->data);
	assert_non_null(s);
	struct store_stmt *st = store_stmt(s, "SELECT sent_at FROM outbox ORDER BY id");
	int64_t prev = -1;
	int n = 0;
	while (store_step(st) == STORE_ROW) {
		int64_t at = store_col_int(st, 0);
		if (prev >= 0 && at - prev < 250)
			fail_msg("records %d and %d sent %lld ms apart", n - 1, n, (long long)(at - prev));
		prev = at;
		n++;
	}
	store_reset(st);
	store_close(s);
	assert_int_equal(n, 6);
}

static void test_thread_off_and_stop_while_hanging(void **state)
{
	struct fx *f = *state;
	struct upload_status st;
	struct uploader *u = uploader_start(&f->pack, f->data, &f->c, NULL);
	assert_non_null(u);
	uploader_status(u, &st);
	assert_int_equal(st.state, UPLOAD_OFF);
	uploader_stop(u);

	/* Stop abandons a request that hangs: with a day's timeout, a stop that waited for it
	 * would hang this test (and the harness says so); no wall-clock figure is asserted. */
	f->srv = receiver_start(f->dir, "webhook", f->log, "--hang");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", f->srv.port);
	set_target(f, "webhook", url);
	queue(f, 1, 1, "checkin");
	f->o.timeout_ms = 86400000;
	f->o.low_speed_time_s = 86400;
	u = uploader_start(&f->pack, f->data, &f->c, &f->o);
	for (int i = 0; i < 6000; i++) {
		uploader_status(u, &st);
		if (st.state == UPLOAD_SENDING)
			break;
		tu_sleep_ms(10);
	}
	assert_int_equal(st.state, UPLOAD_SENDING);
	uploader_stop(u);
	assert_int_equal(counts(f).queued, 1);
}

/* ---- barnstorm upload ---- */

static void test_cmd_upload(void **state)
{
	struct fx *f = *state;
	f->srv = receiver_start(f->dir, "webhook", f->log, "");
	char ini[2048];
	snprintf(ini, sizeof(ini),
		 "[event]\ntitle = Barnstorm Aarhus\nid = aarhus-2026-12-03\n"
		 "starts = 2026-12-03 19:00\nends = 2026-12-03 20:30\n"
		 "timezone = Europe/Copenhagen\nlanguages = en\n"
		 "[kiosk]\npin = 4821\n[consent]\nversion = 1\nen = I agree\n"
		 "[segment]\ntitle = Welcome\nminutes = 10\n"
		 "[upload]\nkind = webhook\nurl = http://127.0.0.1:%d/hook\ntoken_file = token.txt\n",
		 f->srv.port);
	tu_write_str(f->dir, "event.ini", ini);
	queue(f, 12, 2, "checkin");
	char *argv[] = { "upload", "--pack", f->dir, "--data", f->data, NULL };
	assert_int_equal(cmd_upload(5, argv), 0);
	check_exactly_once(f, 12, 2);

	/* Nothing to send: still 0. The receiver gone: non-zero while anything is unsent. */
	assert_int_equal(cmd_upload(5, argv), 0);
	tu_stop_pid(f->srv.pid);
	f->srv.pid = 0;
	queue(f, 1, 1, "checkin");
	assert_int_not_equal(cmd_upload(5, argv), 0);
	assert_int_equal(counts(f).queued, 1);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test_setup_teardown(test_webhook_flaky, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_mid_upload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_record_batch_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actionnetwork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actionnetwork_no_event_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actionnetwork_empty_200, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actionnetwork_email_lookup_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_webdav_nginx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_401_parks_without_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_500_and_422, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_file_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_file_too_large_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waits_for_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake_keeps_retry_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake_after_refused_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_token_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake_sends_without_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actionnetwork_spacing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread_off_and_stop_while_hanging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_upload, setup, teardown),
	};
	return RUN_TESTS(tests);
}
