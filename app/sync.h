/* Stations: several kiosks in one room share one event (issue #13).
 *
 * Every fact a station records is already an outbox record with a uuid. Migration 3 gives each
 * station a random id (meta "station_id") and stamps each local outbox record with
 * (origin = that id, seq = the next number of that station's own sequence). Stations exchange
 * those records like CouchDB replication, not consensus: for each origin a station holds a
 * contiguous prefix of that origin's records, the highest seq it has is its entry in the
 * version vector, and it pulls "origin O's records after seq N, at most M" from any peer (a
 * record travels through any station, so a door that cannot reach the stage still gets the
 * stage's records through another door). A station keeps working alone.
 *
 * Records from other stations are kept in sync_record, never in the outbox: only the creating
 * station uploads a record upstream. Each page of records is applied in one transaction into
 * the domain tables (person, checkin, commitment, agenda_log) by the merge rules of README.md
 * "Stations"; a record whose subject has not arrived yet (an undo before its check-in) waits
 * in sync_record and is applied when it can be.
 *
 * Between stations everything travels over HTTP (libmicrohttpd serves, libcurl fetches) in
 * bodies sealed with the pack's [stations] key (libsodium crypto_secretbox). See sync/wire.c for
 * the protocol and its bounds.
 *
 * Threads: a struct store is used by one thread; the server and the worker each open their
 * own store on the data folder. Nothing here logs keys or attendee names. */
#ifndef BARNSTORM_SYNC_H
#define BARNSTORM_SYNC_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define SYNC_KEY_BYTES 32
#define SYNC_ID_LEN 37          /* a uuid and its NUL */
#define SYNC_ORIGINS_MAX 64     /* stations in one room; a vector with more is refused */
#define SYNC_PAGE_MAX 500       /* records in one page */
#define SYNC_PAYLOAD_MAX 16384  /* bytes of one record's JSON payload */
#define SYNC_PAGE_BYTES (512 * 1024) /* payload bytes in one page (at least one record) */
/* A body: a page's payloads escaped in JSON (at worst 6 bytes for one) plus the envelope. */
#define SYNC_BODY_MAX (4 * 1024 * 1024)

/* ---- The key (sync/config.c) ---- */

struct sync_key {
	unsigned char k[SYNC_KEY_BYTES];
};

/* 64 hex digits into *out. -1 with err_msg() (which never quotes the key) otherwise. */
int sync_key_parse(const char *hex, struct sync_key *out);
/* Reads [stations] key from PACK/event.ini. -1 with err_msg() ("'DIR/event.ini' line N: ...")
 * when the file, the section or a valid key is missing. */
int sync_key_from_pack(const char *pack_dir, struct sync_key *out);

/* ---- The change log and the version vector (sync/log.c) ---- */

/* This station's id (meta station_id, made by migration 3) into out[SYNC_ID_LEN]. */
int sync_station_id(struct store *s, char *out);

struct sync_vector {
	int n;
	struct {
		char origin[SYNC_ID_LEN];
		int64_t seq;         /* the highest seq held of this origin */
	} e[SYNC_ORIGINS_MAX];
};

/* Every origin this store holds records of (its own first) and the highest seq of each. */
int sync_vector_get(struct store *s, struct sync_vector *v);
/* The seq held of origin in v, 0 when none. */
int64_t sync_vector_seq(const struct sync_vector *v, const char *origin);

struct sync_record {
	char origin[SYNC_ID_LEN];
	int64_t seq;
	char uuid[SYNC_ID_LEN];
	char kind[24];
	char person_uuid[SYNC_ID_LEN];  /* "" when none */
	char *payload;                   /* owned */
	int64_t created_at;
	int clock_synced;
};

/* Owns its records; sync_page_release() frees them. */
struct sync_page {
	struct sync_record *items;
	int n;
	int more;   /* the origin has records after the last one in this page */
};

void sync_page_release(struct sync_page *p);
/* Origin's records with seq > after, in seq order, at most max (1..SYNC_PAGE_MAX) and about
 * SYNC_PAGE_BYTES of payload (always at least one record): "pull". */
int sync_pull(struct store *s, const char *origin, int64_t after, int max, struct sync_page *p);

/* "apply": stores a page of one origin's records received from a peer and applies them to the
 * domain tables in one transaction; records already held (by origin and seq) are skipped, so a
 * page may be applied any number of times. Refused as a whole (-1, err_msg() says which record
 * and what) when a record is malformed, claims this station's own origin, is not in seq order,
 * leaves a gap after what is held, or reuses a uuid held under another (origin, seq).
 * *added (may be NULL) is the number of new records. */
int sync_apply(struct store *s, const struct sync_page *p, int64_t now, int *added);
/* (now: the wall clock in ms, kept as each new record's received_at.) */

/* After an undo at this station's own door of a check-in that won a merge, makes the other
 * door's check-in of that person the check-in (README "Stations"), in its own transaction.
 * sync_apply() and sync_exchange() do it first; the event core may call it after a local undo
 * so the door shows the right count at once. 0, or -1 with err_msg(). */
int sync_repair(struct store *s);

/* ---- One exchange with a peer (sync/client.c) ---- */

#define SYNC_NAME_MAX 40        /* bytes of a station's name with NUL (core/station.h's) */
#define SYNC_ROLE_MAX 8         /* "all", "door", "stage", "signup": core/station.h's keys */

/* What a station tells about itself when asked for its vector: the organizer's label for it and
 * its role (meta station_name, station_role), never anything about attendees. */
struct sync_about {
	char id[SYNC_ID_LEN];        /* "" until it answered */
	char name[SYNC_NAME_MAX];    /* "" when unnamed, or from a station that does not say */
	char role[SYNC_ROLE_MAX];    /* "" likewise */
};

/* This station's own sync_about from its store. 0, or -1 with err_msg(). */
int sync_about_self(struct store *s, struct sync_about *out);

/* How far apart two vectors are: the records a holds that b lacks (origins in skip not
 * counted; skip may be NULL). */
int64_t sync_vector_lack(const struct sync_vector *a, const struct sync_vector *b,
			 const char *skip);

struct sync_stats {
	int pulled;     /* records received and new here */
	int pushed;     /* records sent that were new there */
	/* Filled once the peer answered with its vector (peer.id non-empty), even when the
	 * exchange failed later. */
	struct sync_about peer;
	struct sync_vector peer_has; /* after a whole exchange: what the peer holds (all of this
					station's records and its own) */
};

/* Pulls what the peer ("HOST:PORT") has and this store lacks, then pushes what it lacks; every
 * request is bounded by timeout_ms. 0, or -1 with err_msg() naming the peer and what failed. */
int sync_exchange(struct store *s, const struct sync_key *k, const char *peer, int timeout_ms,
		  struct sync_stats *st);

/* ---- Serving peers (sync/server.c) ---- */

struct sync_server;
/* Listens on "ADDR:PORT" (port 0: any; see sync_server_port) for peers, in a thread of
 * libmicrohttpd's with its own store on data_dir. changed(ctx, tables) is called on that thread
 * after a push from a peer committed (the STORE_T_* bits); it may be NULL. NULL with err_msg()
 * on failure. */
struct sync_server *sync_server_open(const char *data_dir, const struct sync_key *k,
				     const char *listen, void (*changed)(void *ctx, unsigned tables),
				     void *ctx);
int sync_server_port(const struct sync_server *srv);
void sync_server_close(struct sync_server *srv);

/* ---- The background worker for the event core (sync/worker.c) ---- */

struct sync_cfg {
	const char *data_dir;
	struct sync_key key;
	const char *listen;          /* "ADDR:PORT", or NULL: do not serve */
	const char *const *peers;    /* "HOST:PORT" each; copied */
	int npeers;
	int interval_ms;             /* exchange with every peer at least this often (0: 5000) */
	int timeout_ms;              /* per request (0: 5000) */
};

#define SYNC_PEERS_MAX 16       /* peers one station exchanges with */

/* One peer as the last rounds saw it, for the organizer's Stations screen. */
struct sync_peer_status {
	char addr[64];               /* "HOST:PORT" as configured */
	int ok;                      /* the last exchange with it succeeded */
	int64_t since_ok_ms;         /* how long ago the last success was; -1: never */
	int64_t pulled, pushed;      /* records moved in the last successful exchange */
	int key_refused;             /* it answered, but not with this room's key */
	char error[160];             /* the last failure, "" after a success; no names, no key */
	struct sync_about about;     /* who answered there (id "" until one did) */
	/* Once about.id is set: records held here that it lacks (as of its last answer, plus what
	 * arrived here since), and records it held then that this station lacks. */
	int64_t they_lack, we_lack;
};

struct sync_status {
	int serving;
	int port;                    /* the port served (useful with "ADDR:0"), 0 when not */
	int peers;
	int peers_ok;                /* peers whose last exchange succeeded */
	int64_t last_ok_at;          /* monotonic ms of the last fully successful round, 0: never */
	int64_t records_in;          /* records pulled, plus pushes received, since start */
	int64_t records_out;
	char last_error[256];        /* of the last failed exchange, "" if none; no names, no key */
	int npeer;
	struct sync_peer_status peer[SYNC_PEERS_MAX];
	/* Stations whose records this one holds but that are none of the peers: heard of only
	 * through another station. */
	int nother;
	struct {
		char id[SYNC_ID_LEN];
		int64_t seq;             /* records of it held here */
	} other[SYNC_ORIGINS_MAX];
};

struct sync;
/* Starts the server (if cfg->listen) and a thread that exchanges with every peer when woken
 * and every interval. changed(ctx, tables) is called from the worker or server thread after
 * records from peers were committed: the event core bumps its versions from it (it must only
 * set flags or post an event: it runs on another thread). NULL with err_msg() on failure. */
struct sync *sync_start(const struct sync_cfg *cfg, void (*changed)(void *ctx, unsigned tables),
			void *ctx);
/* Asks for an exchange now (e.g. from store_on_commit with STORE_T_OUTBOX); thread-safe. */
void sync_wake(struct sync *y);
void sync_status(struct sync *y, struct sync_status *out);
/* Stops the thread and the server and frees y; an exchange under way ends at its timeout. */
void sync_stop(struct sync *y);

/* ---- Finding the room's other stations (sync/discovery.c) ----
 *
 * After sync_discover(), the worker publishes its station as a DNS-SD service of SYNC_SERVICE on
 * the port it serves, through the machine's avahi-daemon (libavahi-client), and browses for the
 * same type. The TXT record says only "v=1", the room id and the station id: no names, never the
 * key. The room id is a keyed hash of a fixed label with the room's key, so stations of one room
 * recognise each other, others see a meaningless number and cannot recover the key. Discovered
 * stations of this room become peers after the configured ones (at most SYNC_PEERS_MAX in all);
 * one that vanishes is dropped. Without avahi-daemon the station says so once on stderr and
 * exchanges with its configured peers: discovery is never needed to work. */

/* Also find the room's stations over mDNS from now on (the pack's `discover`, yes by default).
 * Not a sync_cfg field so that callers that fill it in order stay as they are. Thread-safe. */
void sync_discover(struct sync *y);

#define SYNC_SERVICE "_barnstorm._tcp"
#define SYNC_ROOM_LEN 33        /* a room id: 32 hex digits and its NUL */
#define SYNC_ADDR_LEN 64        /* "HOST:PORT" of a peer and its NUL */

/* The room id of key k into out (lower-case hex). */
void sync_room_id(const struct sync_key *k, char out[SYNC_ROOM_LEN]);

/* What a station says of itself in its TXT record. */
struct sync_announce {
	char room[SYNC_ROOM_LEN];
	char station[SYNC_ID_LEN];
};
/* Checks a TXT record of n strings (item[i] of len[i] bytes, not NUL-terminated: they come from
 * the network) and fills *out. -1 with err_msg() when it is not one of ours: too many or too
 * long strings, a version other than 1, a missing, repeated or malformed room or station id. */
int sync_txt_parse(int n, const unsigned char *const item[], const size_t len[],
		   struct sync_announce *out);

/* The stations discovered now ("HOST:PORT" each, of this room, not this station) replace the
 * worker's discovered peers; configured peers stay, and so does what is known of a discovered
 * peer still in the list. Wakes the worker when a peer is new. Thread-safe. */
void sync_peers_discovered(struct sync *y, const char (*addr)[SYNC_ADDR_LEN], int n);

/* [stations] discover in PACK/event.ini: *on = 0 for "no" (yes, the default, when absent).
 * -1 with err_msg() naming the file and line when it cannot be read or is neither. */
int sync_discover_from_pack(const char *pack_dir, int *on);

struct sync_discovery;
/* Publishes station `self` of key k (port 0: browse only) and hands what it finds to y.
 * NULL when it could not start at all (said on stderr once); never fatal. */
struct sync_discovery *sync_discovery_start(struct sync *y, const struct sync_key *k,
					    const char *self, int port);
void sync_discovery_stop(struct sync_discovery *d);

#endif
