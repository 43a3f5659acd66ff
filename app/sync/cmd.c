/* barnstorm sync --pack DIR --data DIR [--listen ADDR:PORT] [--peer HOST:PORT]... [--once]
 *                [--timeout MS] [--interval MS] [--no-discover]
 * Runs the replication from the command line: serves peers with --listen, exchanges with every
 * --peer; --once exchanges until a round moves nothing and exits 0 (both sides have everything),
 * 1 when a peer failed. Without --once it runs until SIGTERM or SIGINT and, unless the pack says
 * `discover = no` or --no-discover is given, also exchanges with the stations of the room it
 * finds over mDNS (sync/discovery.c). --once takes the --peer list only. */
#include "commands.h"
#include "cli.h"
#include "store.h"
#include "sync.h"
#include "util.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define ONCE_ROUNDS 8

static int usage(const char *msg, const char *arg)
{
	fprintf(stderr, "barnstorm sync: %s%s%s%s\nusage: barnstorm sync --pack DIR --data DIR "
		"[--listen ADDR:PORT] [--peer HOST:PORT]... [--once] [--timeout MS] [--interval MS] "
		"[--no-discover]\n",
		msg, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return 2;
}

static int once(const char *data, const struct sync_key *k, char **peers, int npeers,
		int timeout_ms)
{
	struct store *s = store_open(data);
	if (!s) {
		fprintf(stderr, "barnstorm sync: %s\n", err_msg());
		return 1;
	}
	int rc = 1;
	for (int round = 0; round < ONCE_ROUNDS; round++) {
		int moved = 0, failed = 0;
		for (int i = 0; i < npeers; i++) {
			struct sync_stats st;
			if (sync_exchange(s, k, peers[i], timeout_ms, &st) < 0) {
				fprintf(stderr, "barnstorm sync: %s\n", err_msg());
				failed = 1;
				continue;
			}
			if (st.pulled || st.pushed)
				printf("peer '%s': %d records in, %d out\n", peers[i], st.pulled, st.pushed);
			moved += st.pulled + st.pushed;
		}
		if (failed)
			goto out;
		if (!moved) {
			printf("in step with %d peer%s\n", npeers, npeers == 1 ? "" : "s");
			rc = 0;
			goto out;
		}
	}
	fprintf(stderr, "barnstorm sync: still moving records after %d rounds (stations writing "
		"meanwhile?)\n", ONCE_ROUNDS);
out:
	store_close(s);
	return rc;
}

int cmd_sync(int argc, char **argv)
{
	const char *pack = NULL, *data = NULL, *listen = NULL;
	char *peers[16];
	int npeers = 0, is_once = 0, no_discover = 0;
	long timeout_ms = 5000, interval_ms = 2000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--once")) {
			is_once = 1;
			continue;
		}
		if (!strcmp(a, "--no-discover")) {
			no_discover = 1;
			continue;
		}
		if (!v)
			return usage("missing value after", a);
		if (!strcmp(a, "--pack"))
			pack = v;
		else if (!strcmp(a, "--data"))
			data = v;
		else if (!strcmp(a, "--listen"))
			listen = v;
		else if (!strcmp(a, "--peer")) {
			if (npeers == (int)ARRAY_SIZE(peers))
				return usage("too many --peer, at most 16:", v);
			peers[npeers++] = argv[i + 1];
		} else if (!strcmp(a, "--timeout")) {
			if (str_to_int(v, 100, 600000, &timeout_ms) < 0)
				return usage("--timeout takes milliseconds (100..600000), not", v);
		} else if (!strcmp(a, "--interval")) {
			if (str_to_int(v, 50, 3600000, &interval_ms) < 0)
				return usage("--interval takes milliseconds (50..3600000), not", v);
		} else {
			return usage("unknown argument", a);
		}
		i++;
	}
	if (!pack || !data)
		return usage("--pack DIR and --data DIR are required", NULL);
	if (!listen && !npeers)
		return usage("nothing to do: give --listen ADDR:PORT or --peer HOST:PORT", NULL);
	struct sync_key key;
	int discover = 0;
	if (sync_key_from_pack(pack, &key) < 0 ||
	    (!no_discover && !is_once && sync_discover_from_pack(pack, &discover) < 0)) {
		fprintf(stderr, "barnstorm sync: %s\n", err_msg());
		return 1;
	}
	/* The worker serves too when it runs: discovery announces the port it serves. */
	int worker = !is_once && (npeers || discover);
	/* Make the store (and its station id) exist before any thread opens it. */
	struct store *s = store_open(data);
	char self[SYNC_ID_LEN];
	if (!s || sync_station_id(s, self) < 0) {
		fprintf(stderr, "barnstorm sync: %s\n", err_msg());
		store_close(s);
		return 1;
	}
	store_close(s);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* SIGTERM/SIGINT are taken by sigwait below, in this thread only. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	int rc = 0;
	struct sync_server *srv = NULL;
	if (listen && !worker) {
		srv = sync_server_open(data, &key, listen, NULL, NULL);
		if (!srv) {
			fprintf(stderr, "barnstorm sync: %s\n", err_msg());
			curl_global_cleanup();
			return 1;
		}
		printf("station %.8s listening on port %d\n", self, sync_server_port(srv));
		fflush(stdout);
	}
	if (is_once) {
		if (npeers)
			rc = once(data, &key, peers, npeers, (int)timeout_ms);
	} else {
		struct sync *y = NULL;
		if (worker) {
			struct sync_cfg cfg;
			memset(&cfg, 0, sizeof(cfg));
			cfg.data_dir = data;
			cfg.key = key;
			cfg.listen = listen;
			cfg.peers = (const char *const *)peers;
			cfg.npeers = npeers;
			cfg.interval_ms = (int)interval_ms;
			cfg.timeout_ms = (int)timeout_ms;
			y = sync_start(&cfg, NULL, NULL);
			if (!y) {
				fprintf(stderr, "barnstorm sync: %s\n", err_msg());
				rc = 1;
			} else if (discover) {
				sync_discover(y);
			}
			if (y && listen) {
				struct sync_status st;
				sync_status(y, &st);
				printf("station %.8s listening on port %d\n", self, st.port);
				fflush(stdout);
			}
		}
		if (!rc) {
			int sig;
			sigwait(&sigs, &sig);
		}
		sync_stop(y);
	}
	sync_server_close(srv);
	curl_global_cleanup();
	return rc;
}
