/* The background worker the event core starts (sync.h): serves peers and exchanges with each
 * peer when woken (a local outbox write) and every interval, on its own thread and store. */
#include "sync/internal.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PEERS_MAX SYNC_PEERS_MAX

struct sync {
	struct sync_cfg cfg;
	char *peers[PEERS_MAX];
	struct sync_server *srv;
	void (*changed)(void *ctx, unsigned tables);
	void *ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int woken, stopping;
	struct sync_status st;   /* under mu */
	int64_t peer_ok_at[PEERS_MAX]; /* sync_mono_ms() of each peer's last success; 0 never */
};

static void *run(void *arg)
{
	struct sync *y = arg;
	struct store *s = store_open(y->cfg.data_dir);
	pthread_mutex_lock(&y->mu);
	if (!s)
		str_copy(y->st.last_error, sizeof(y->st.last_error), err_msg());
	while (!y->stopping) {
		pthread_mutex_unlock(&y->mu);
		int ok = 0;
		int64_t in = 0, out = 0;
		char last[256] = "";
		for (int i = 0; s && i < y->cfg.npeers; i++) {
			struct sync_stats ss;
			memset(&ss, 0, sizeof(ss));
			int good = sync_exchange(s, &y->cfg.key, y->peers[i], y->cfg.timeout_ms, &ss) == 0;
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
			struct sync_peer_status *ps = &y->st.peer[i];
			ps->ok = good;
			str_copy(ps->error, sizeof(ps->error), why);
			ps->key_refused = !good && strstr(why, "key") != NULL;
			if (good) {
				y->peer_ok_at[i] = sync_mono_ms();
				ps->pulled = ss.pulled;
				ps->pushed = ss.pushed;
			}
			pthread_mutex_unlock(&y->mu);
		}
		if (in && y->changed)
			y->changed(y->ctx, STORE_T_PERSON | STORE_T_CHECKIN | STORE_T_COMMITMENT |
					   STORE_T_AGENDA);
		pthread_mutex_lock(&y->mu);
		if (s) {
			y->st.peers_ok = ok;
			y->st.records_in += in;
			y->st.records_out += out;
			str_copy(y->st.last_error, sizeof(y->st.last_error), last);
			if (ok == y->cfg.npeers)
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
		y->peers[i] = xstrdup(cfg->peers[i]);
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
	for (int i = 0; i < cfg->npeers; i++)
		free(y->peers[i]);
	free((char *)y->cfg.data_dir);
	pthread_mutex_destroy(&y->mu);
	pthread_cond_destroy(&y->cv);
	sync_wipe(&y->cfg.key, sizeof(y->cfg.key));
	free(y);
	return NULL;
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
	for (int i = 0; i < y->cfg.npeers; i++)
		free(y->peers[i]);
	free((char *)y->cfg.data_dir);
	pthread_mutex_destroy(&y->mu);
	pthread_cond_destroy(&y->cv);
	sync_wipe(&y->cfg.key, sizeof(y->cfg.key));
	free(y);
}
