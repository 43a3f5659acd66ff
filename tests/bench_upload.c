/* 10,000 queued records delivered to the local receiver (tests/receiver.py, no failures
 * injected): wall time, requests and records per second, for two batch sizes. Prints figures;
 * asserts nothing about time. */
#include "clock.h"
#include "outbox.h"
#include "pack.h"
#include "store.h"
#include "upload.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RECORDS 10000
#define TOKEN "bench-token-5c1e0d7a"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void run(const char *cmd)
{
	if (system(cmd) != 0)
		fprintf(stderr, "bench_upload: '%s' failed\n", cmd);
}

static int bench(const char *src, int batch)
{
	char tmpl[] = "/tmp/barnstorm-bench.XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir)
		die("cannot create a temporary folder");
	char data[512], path[512], portfile[512], log[512], cmd[2048];
	str_fmt(data, sizeof(data), "%s/data", dir);
	str_fmt(path, sizeof(path), "%s/token.txt", dir);
	if (file_write_atomic(path, TOKEN "\n", strlen(TOKEN) + 1) < 0 || chmod(path, 0600) < 0)
		die("%s", err_msg());
	str_fmt(portfile, sizeof(portfile), "%s/port", dir);
	str_fmt(log, sizeof(log), "%s/received.jsonl", dir);

	struct clock c;
	clock_init_real(&c);
	struct store *s = store_open(data);
	if (!s)
		die("%s", err_msg());
	store_tx_begin(s);
	for (int i = 0; i < RECORDS; i++) {
		char person[37], json[512];
		uuid_v4(person);
		str_fmt(json, sizeof(json), "{\"event\":\"bench\",\"method\":\"search\",\"first_name\":"
			"\"Person %d\",\"last_name\":\"Benchmark\",\"email\":\"p%d@example.org\","
			"\"postcode\":\"8000\",\"consent_version\":\"2026-11\"}", i, i);
		if (outbox_add(s, &c, i % 3 ? "checkin" : "person", person, json, NULL) < 0)
			die("%s", err_msg());
	}
	store_tx_commit(s);
	store_close(s);

	pid_t pid = fork();
	if (pid == 0) {
		char script[512];
		str_fmt(script, sizeof(script), "%s/tests/receiver.py", src);
		execlp("python3", "python3", script, "--mode", "webhook", "--token", TOKEN, "--log",
		       log, "--port-file", portfile, (char *)NULL);
		_exit(127);
	}
	int port = 0;
	for (int i = 0; i < 500 && !port; i++) {
		char *p = file_read(portfile, 64, NULL);
		if (p) {
			port = (int)strtol(p, NULL, 10);
			free(p);
		} else {
			sleep_ms(20);
		}
	}
	if (!port) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		die("receiver.py did not start");
	}

	char url[128];
	str_fmt(url, sizeof(url), "http://127.0.0.1:%d/hook", port);
	struct pack pk;
	memset(&pk, 0, sizeof(pk));
	pk.dir = dir;
	pk.title = "Bench";
	pk.event_id = "bench";
	pk.upload_kind = "webhook";
	pk.upload_url = url;
	pk.upload_token_file = "token.txt";
	struct upload_opts o;
	upload_opts_default(&o);
	o.batch = batch;

	int64_t t0 = clock_mono(&c), sent = 0, requests = 0;
	int rc = upload_run(&pk, data, &c, &o, NULL, &sent, &requests);
	int64_t ms = clock_mono(&c) - t0;
	if (rc < 0)
		fprintf(stderr, "bench_upload: %s\n", err_msg());
	printf("upload webhook, batch %4d: %lld records in %lld requests, %.2f s, %.0f records/s, "
	       "%.1f ms/request\n", batch, (long long)sent, (long long)requests, (double)ms / 1000.0,
	       ms > 0 ? (double)sent * 1000.0 / (double)ms : 0.0,
	       requests > 0 ? (double)ms / (double)requests : 0.0);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run(cmd);
	return rc;
}

int main(void)
{
	const char *src = getenv("BARNSTORM_SRC");
	if (!src || !*src)
		src = ".";
	int rc = bench(src, 100);
	rc |= bench(src, 500);
	return rc ? 1 : 0;
}
