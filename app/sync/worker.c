/* The background worker the event core starts (sync.h): serves peers and exchanges with each
 * peer when woken (a local outbox write) and every interval, on its own thread and store.
 *
 * The peer list is the configured peers first, then the ones discovery found (sync/discovery.c,
 * on avahi's thread): it changes under mu, so each round exchanges with a copy of it and files
 * each result under the peer's address, wherever that peer is in the list by then. */
#include "sync/internal.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PEERS_MAX SYNC_PEERS_MAX

struct sync {
	struct sync_cfg cfg;
	char peers[PEERS_MAX][SYNC_ADDR_LEN]; /* under mu; the first cfg.npeers are configured */
	struct sync_discovery *disc;   /* owned by the thread */
	int discover;                  /* under mu: sync_discover() asked for it */
	int publish_port;              /* the port discovery announces; 0: none */
	struct sync_server *srv;
	void (*changed)(void *ctx, unsigned tables);
	void *ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int woken, stopping;
	struct sync_status st;   /* under mu */
	int64_t peer_ok_at[PEERS_MAX]; /* sync_mono_ms() of each peer's last success; 0 never */
	struct sync_vector peer_has[PEERS_MAX]; /* under mu: what each held at its last answer */
};

/* Where peer addr is in the list now, or -1. Under mu. */
static int peer_index(const struct sync *y, const char *addr)
{
	for (int i = 0; i < y->st.npeer; i++)
		if (!strcmp(y->peers[i], addr))
			return i;
	return -1;
}

void sync_peers_discovered(struct sync *y, const char (*addr)[SYNC_ADDR_LEN], int n)
{
	pthread_mutex_lock(&y->mu);
	int was = y->st.npeer, w = y->cfg.npeers, added = 0;
	/* Keep the discovered peers still seen, with what is known of them, in their order. */
	for (int i = y->cfg.npeers; i < was; i++) {
		int still = 0;
		for (int j = 0; j < n && !still; j++)
			still = !strcmp(addr[j], y->peers[i]);
		if (!still)
			continue;
		if (w != i) {
			memcpy(y->peers[w], y->peers[i], SYNC_ADDR_LEN);
			y->st.peer[w] = y->st.peer[i];
			y->peer_ok_at[w] = y->peer_ok_at[i];
			y->peer_has[w] = y->peer_has[i];
		}
		w++;
	}
	int kept = w;
	/* Then the new ones, while there is room; one also configured is exchanged with once. */
	for (int j = 0; j < n && w < PEERS_MAX; j++) {
		int known = 0;
		for (int i = 0; i < kept && !known; i++)
			known = !strcmp(addr[j], y->peers[i]);
		for (int i = kept; i < w && !known; i++)
			known = !strcmp(addr[j], y->peers[i]);
		if (known || !addr[j][0])
			continue;
		str_copy(y->peers[w], SYNC_ADDR_LEN, addr[j]);
		memset(&y->st.peer[w], 0, sizeof(y->st.peer[w]));
		str_copy(y->st.peer[w].addr, sizeof(y->st.peer[w].addr), addr[j]);
		y->peer_ok_at[w] = 0;
		memset(&y->peer_has[w], 0, sizeof(y->peer_has[w]));
		w++;
		added = 1;
	}
	for (int i = w; i < was; i++) {
		y->peers[i][0] = '\0';
		memset(&y->st.peer[i], 0, sizeof(y->st.peer[i]));
		y->peer_ok_at[i] = 0;
		memset(&y->peer_has[i], 0, sizeof(y->peer_has[i]));
	}
	y->st.npeer = y->st.peers = w;
	if (added) {    /* a station that just appeared is exchanged with at once */
		y->woken = 1;
		pthread_cond_signal(&y->cv);
	}
	pthread_mutex_unlock(&y->mu);
}

/* How far behind each peer is against what this station holds now (a silent peer falls
 * further behind with every record made or received here), and the stations heard of only
 * through others. Takes mu. */
static void room_count(struct sync *y, struct store *s)
{
	struct sync_vector mine;
	char self[SYNC_ID_LEN];
	if (sync_vector_get(s, &mine) < 0 || sync_station_id(s, self) < 0)
		return; /* the next round counts again; the exchange's own error is shown */
	pthread_mutex_lock(&y->mu);
	for (int i = 0; i < y->st.npeer; i++) {
		struct sync_peer_status *ps = &y->st.peer[i];
		if (!ps->about.id[0])
			continue;
		ps->they_lack = sync_vector_lack(&mine, &y->peer_has[i], ps->about.id);
		ps->we_lack = sync_vector_lack(&y->peer_has[i], &mine, self);
	}
	y->st.nother = 0;
	for (int o = 0; o < mine.n; o++) {
		int peer = !strcmp(mine.e[o].origin, self);
		for (int i = 0; i < y->st.npeer && !peer; i++)
			peer = !strcmp(mine.e[o].origin, y->st.peer[i].about.id);
		if (peer)
			continue;
		str_copy(y->st.other[y->st.nother].id, SYNC_ID_LEN, mine.e[o].origin);
		y->st.other[y->st.nother++].seq = mine.e[o].seq;
	}
	pthread_mutex_unlock(&y->mu);
}

static void *run(void *arg)
{
	struct sync *y = arg;
	struct store *s = store_open(y->cfg.data_dir);
	int discovering = 0;
	pthread_mutex_lock(&y->mu);
	if (!s)
		str_copy(y->st.last_error, sizeof(y->st.last_error), err_msg());
	while (!y->stopping) {
		if (y->discover && !discovering && s) {
			discovering = 1;   /* tried once: it waits for avahi-daemon by itself */
			pthread_mutex_unlock(&y->mu);
			char self[SYNC_ID_LEN];
			if (sync_station_id(s, self) == 0)
				y->disc = sync_discovery_start(y, &y->cfg.key, self, y->publish_port);
			else
				fprintf(stderr, "barnstorm: stations: discovery: %s\n", err_msg());
			pthread_mutex_lock(&y->mu);
		}
		char peers[PEERS_MAX][SYNC_ADDR_LEN];
		int npeers = y->st.npeer;
		memcpy(peers, y->peers, sizeof(peers));
		pthread_mutex_unlock(&y->mu);
		int ok = 0;
		int64_t in = 0, out = 0;
		char last[256] = "";
		for (int i = 0; s && i < npeers; i++) {
			struct sync_stats ss;
			memset(&ss, 0, sizeof(ss));
			int good = sync_exchange(s, &y->cfg.key, peers[i], y->cfg.timeout_ms, &ss) == 0;
			char why[160] = "";
			if (good)
				ok++;
			else {
				str_copy(last, sizeof(last), err_msg());
				str_copy(why, sizeof(why), err_msg());
			}
			in += ss.pulled;
			out += ss.pushed;
			pthread_mutex_lock(&y->mu);
			int at = peer_index(y, peers[i]);
			if (at < 0) {   /* discovery dropped it meanwhile */
				pthread_mutex_unlock(&y->mu);
				continue;
			}
			struct sync_peer_status *ps = &y->st.peer[at];
			ps->ok = good;
			str_copy(ps->error, sizeof(ps->error), why);
			ps->key_refused = !good && strstr(why, "key") != NULL;
			if (good) {
				y->peer_ok_at[at] = sync_mono_ms();
				ps->pulled = ss.pulled;
				ps->pushed = ss.pushed;
			}
			if (ss.peer.id[0])     /* it answered with its vector */
				ps->about = ss.peer;
			/* What it holds is known for sure after a whole exchange: everything here. A
			 * failed one keeps the count of the last whole one (with what came since). */
			if (good)
				y->peer_has[at] = ss.peer_has;
			pthread_mutex_unlock(&y->mu);
		}
		if (s)
			room_count(y, s);
		if (in && y->changed)
			y->changed(y->ctx, STORE_T_PERSON | STORE_T_CHECKIN | STORE_T_COMMITMENT |
					   STORE_T_AGENDA);
		pthread_mutex_lock(&y->mu);
		if (s) {
			y->st.peers_ok = ok;
			y->st.records_in += in;
			y->st.records_out += out;
			str_copy(y->st.last_error, sizeof(y->st.last_error), last);
			if (ok == npeers)
				y->st.last_ok_at = sync_mono_ms();
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += y->cfg.interval_ms / 1000;
		until.tv_nsec += (long)(y->cfg.interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!y->woken && !y->stopping)
			if (pthread_cond_timedwait(&y->cv, &y->mu, &until) == ETIMEDOUT)
				break;
		y->woken = 0;
	}
	pthread_mutex_unlock(&y->mu);
	sync_discovery_stop(y->disc);  /* its callbacks take mu: not held here */
	store_close(s);
	return NULL;
}

static void server_changed(void *ctx, unsigned tables)
{
	struct sync *y = ctx;
	pthread_mutex_lock(&y->mu);
	y->st.records_in++;
	pthread_mutex_unlock(&y->mu);
	if (y->changed)
		y->changed(y->ctx, tables);
}

struct sync *sync_start(const struct sync_cfg *cfg, void (*changed)(void *ctx, unsigned tables),
			void *ctx)
{
	if (cfg->npeers < 0 || cfg->npeers > PEERS_MAX) {
		err_set("%d peers (at most %d)", cfg->npeers, PEERS_MAX);
		return NULL;
	}
	struct sync *y = xcalloc(1, sizeof(*y));
	y->cfg = *cfg;
	y->cfg.data_dir = xstrdup(cfg->data_dir);
	y->cfg.listen = NULL;
	y->cfg.peers = NULL;
	if (!y->cfg.interval_ms)
		y->cfg.interval_ms = 5000;
	if (!y->cfg.timeout_ms)
		y->cfg.timeout_ms = 5000;
	for (int i = 0; i < cfg->npeers; i++)
		if (str_copy(y->peers[i], SYNC_ADDR_LEN, cfg->peers[i]) < 0) {
			err_set("peer '%.32s...' is longer than %d characters", cfg->peers[i],
				SYNC_ADDR_LEN - 1);
			free((char *)y->cfg.data_dir);
			sync_wipe(&y->cfg.key, sizeof(y->cfg.key));
			free(y);
			return NULL;
		}
	y->changed = changed;
	y->ctx = ctx;
	y->st.peers = cfg->npeers;
	y->st.npeer = cfg->npeers;
	for (int i = 0; i < cfg->npeers; i++)
		str_copy(y->st.peer[i].addr, sizeof(y->st.peer[i].addr), cfg->peers[i]);
	pthread_mutex_init(&y->mu, NULL);
	pthread_cond_init(&y->cv, NULL);
	if (sync_client_init() < 0)
		goto fail_curl;
	if (cfg->listen) {
		y->srv = sync_server_open(cfg->data_dir, &cfg->key, cfg->listen, server_changed, y);
		if (!y->srv)
			goto fail;
		y->st.serving = 1;
		y->st.port = sync_server_port(y->srv);
		/* Served on a loopback address, no other machine could reach it: not announced. */
		int loopback = !strncmp(cfg->listen, "127.", 4) || !strncmp(cfg->listen, "localhost:", 10);
		y->publish_port = loopback ? 0 : y->st.port;
	}
	if (pthread_create(&y->thread, NULL, run, y) != 0) {
		err_set("cannot start the stations thread");
		sync_server_close(y->srv);
		goto fail;
	}
	return y;
fail:
	sync_client_cleanup();
fail_curl:
	free((char *)y->cfg.data_dir);
	pthread_mutex_destroy(&y->mu);
	pthread_cond_destroy(&y->cv);
	sync_wipe(&y->cfg.key, sizeof(y->cfg.key));
	free(y);
	return NULL;
}

void sync_discover(struct sync *y)
{
	pthread_mutex_lock(&y->mu);
	y->discover = 1;
	y->woken = 1;
	pthread_cond_signal(&y->cv);
	pthread_mutex_unlock(&y->mu);
}

void sync_wake(struct sync *y)
{
	pthread_mutex_lock(&y->mu);
	y->woken = 1;
	pthread_cond_signal(&y->cv);
	pthread_mutex_unlock(&y->mu);
}

void sync_status(struct sync *y, struct sync_status *out)
{
	pthread_mutex_lock(&y->mu);
	*out = y->st;
	int64_t now = sync_mono_ms();
	for (int i = 0; i < out->npeer; i++)
		out->peer[i].since_ok_ms = y->peer_ok_at[i] ? now - y->peer_ok_at[i] : -1;
	pthread_mutex_unlock(&y->mu);
}

void sync_stop(struct sync *y)
{
	if (!y)
		return;
	pthread_mutex_lock(&y->mu);
	y->stopping = 1;
	pthread_cond_signal(&y->cv);
	pthread_mutex_unlock(&y->mu);
	pthread_join(y->thread, NULL);
	sync_server_close(y->srv);
	sync_client_cleanup();
	free((char *)y->cfg.data_dir);
	pthread_mutex_destroy(&y->mu);
	pthread_cond_destroy(&y->cv);
	sync_wipe(&y->cfg.key, sizeof(y->cfg.key));
	free(y);
}
