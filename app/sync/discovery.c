/* Finding the room's other stations with mDNS/DNS-SD (sync.h "Finding the room's other
 * stations").
 *
 * Through avahi-daemon's client library rather than an mDNS responder of our own: Raspberry Pi
 * OS already runs avahi-daemon (it answers for hostname.local), and only one program on a
 * machine can own port 5353 well. The daemon does the hard parts (probing, announcing, name
 * conflicts, caching, interfaces coming and going); we publish one service and browse for it.
 *
 * Everything here runs on avahi's threaded poll (its own thread; the callbacks hold its lock).
 * What a station announces is hostile until checked: names and TXT strings are bounded and
 * validated, a station of another room or this station itself is never a peer, and at most
 * SEEN_MAX services are remembered. */
#include "sync/internal.h"
#include "util.h"

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/thread-watch.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ROOM_LABEL "barnstorm room id v1"
#define TXT_MAX 8               /* strings in a TXT record of ours: v, room, id and room to grow */
#define TXT_ITEM_MAX 64         /* bytes of one: "id=" and a uuid is the longest */
#define NAME_MAX_LEN 64         /* a DNS label (63) and its NUL */
#define SEEN_MAX (2 * SYNC_PEERS_MAX) /* services remembered (a station on two interfaces: two) */

void sync_room_id(const struct sync_key *k, char out[SYNC_ROOM_LEN])
{
	unsigned char h[(SYNC_ROOM_LEN - 1) / 2];
	/* Keyed BLAKE2b of a fixed label: the same for every station with this key, and without
	 * the key neither the key nor another room's id can be worked out from it. */
	crypto_generichash(h, sizeof(h), (const unsigned char *)ROOM_LABEL, strlen(ROOM_LABEL),
			   k->k, sizeof(k->k));
	static const char HEX[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof(h); i++) {
		out[2 * i] = HEX[h[i] >> 4];
		out[2 * i + 1] = HEX[h[i] & 15];
	}
	out[SYNC_ROOM_LEN - 1] = '\0';
	sodium_memzero(h, sizeof(h));
}

static int is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int sync_txt_parse(int n, const unsigned char *const item[], const size_t len[],
		   struct sync_announce *out)
{
	memset(out, 0, sizeof(*out));
	if (n > TXT_MAX)
		return err_set("the TXT record has %d strings (at most %d)", n, TXT_MAX);
	int version = 0;
	for (int i = 0; i < n; i++) {
		if (len[i] >= TXT_ITEM_MAX)
			return err_set("TXT string %d: %zu bytes (at most %d)", i + 1, len[i],
				       TXT_ITEM_MAX - 1);
		char s[TXT_ITEM_MAX];
		memcpy(s, item[i], len[i]);
		s[len[i]] = '\0';
		if (strlen(s) != len[i])
			return err_set("TXT string %d holds a NUL byte", i + 1);
		for (size_t j = 0; j < len[i]; j++)
			if (s[j] < 0x21 || s[j] > 0x7e)
				return err_set("TXT string %d: a character that is not printable ASCII",
					       i + 1);
		const char *eq = strchr(s, '=');
		const char *v = eq ? eq + 1 : "";
		size_t kl = eq ? (size_t)(eq - s) : len[i];
		if (kl == 1 && s[0] == 'v') {
			if (version)
				return err_set("TXT: v given twice");
			if (strcmp(v, "1"))
				return err_set("TXT: version '%s', not 1", v);
			version = 1;
		} else if (kl == 4 && !strncmp(s, "room", 4)) {
			if (out->room[0])
				return err_set("TXT: room given twice");
			if (strlen(v) != SYNC_ROOM_LEN - 1 || !is_lower_hex(v, SYNC_ROOM_LEN - 1))
				return err_set("TXT: the room id is not %d hex digits", SYNC_ROOM_LEN - 1);
			str_copy(out->room, sizeof(out->room), v);
		} else if (kl == 2 && !strncmp(s, "id", 2)) {
			if (out->station[0])
				return err_set("TXT: id given twice");
			if (strlen(v) != SYNC_ID_LEN - 1 || !sync_is_uuid(v))
				return err_set("TXT: the station id is not a uuid");
			str_copy(out->station, sizeof(out->station), v);
		}
		/* Other keys are a later version's: ignored. */
	}
	if (!version)
		return err_set("TXT: no version (v=1)");
	if (!out->room[0])
		return err_set("TXT: no room id");
	if (!out->station[0])
		return err_set("TXT: no station id");
	return 0;
}

/* One service instance as avahi reported it: a station may show on several interfaces. */
struct seen {
	char name[NAME_MAX_LEN];
	AvahiIfIndex iface;
	AvahiProtocol proto;
	char station[SYNC_ID_LEN];   /* "" until resolved as a station of this room */
	char addr[SYNC_ADDR_LEN];
};

struct sync_discovery {
	struct sync *y;
	AvahiThreadedPoll *tp;
	AvahiClient *client;
	AvahiEntryGroup *group;
	AvahiServiceBrowser *browser;
	char name[NAME_MAX_LEN];     /* our service's name; another on a conflict */
	char room[SYNC_ROOM_LEN];
	char self[SYNC_ID_LEN];
	int port;                    /* 0: browse only */
	int said_down;               /* said that avahi-daemon is not there (once until it is) */
	struct seen seen[SEEN_MAX];
	int nseen;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char m[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	fprintf(stderr, "barnstorm: stations: discovery: %s\n", m);
}

/* Hands the addresses of this room's stations now seen to the worker. By address, not by
 * station id: the room id and a station id are public, so anyone on the network can announce
 * them; such an impostor only adds a peer whose sealed exchange fails, and cannot hide a real
 * station by claiming its id. (A station seen on two interfaces is exchanged with twice; an
 * exchange is idempotent.) */
static void hand_over(struct sync_discovery *d)
{
	char addr[SYNC_PEERS_MAX][SYNC_ADDR_LEN];
	int n = 0;
	for (int i = 0; i < d->nseen && n < SYNC_PEERS_MAX; i++) {
		if (!d->seen[i].station[0])
			continue;
		int dup = 0;
		for (int j = 0; j < n && !dup; j++)
			dup = !strcmp(addr[j], d->seen[i].addr);
		if (!dup)
			str_copy(addr[n++], SYNC_ADDR_LEN, d->seen[i].addr);
	}
	sync_peers_discovered(d->y, (const char (*)[SYNC_ADDR_LEN])addr, n);
}

static struct seen *find_seen(struct sync_discovery *d, const char *name, AvahiIfIndex iface,
			      AvahiProtocol proto)
{
	for (int i = 0; i < d->nseen; i++)
		if (d->seen[i].iface == iface && d->seen[i].proto == proto &&
		    !strcmp(d->seen[i].name, name))
			return &d->seen[i];
	return NULL;
}

static void on_resolved(AvahiServiceResolver *r, AvahiIfIndex iface, AvahiProtocol proto,
			AvahiResolverEvent event, const char *name, const char *type,
			const char *domain, const char *host, const AvahiAddress *a, uint16_t port,
			AvahiStringList *txt, AvahiLookupResultFlags flags, void *ctx)
{
	(void)type, (void)domain, (void)host, (void)flags;
	struct sync_discovery *d = ctx;
	struct seen *s = name ? find_seen(d, name, iface, proto) : NULL;
	if (event != AVAHI_RESOLVER_FOUND || !s || !a || a->proto != AVAHI_PROTO_INET || !port)
		goto done;  /* gone meanwhile, not resolvable (a timeout), or not IPv4 */
	const unsigned char *item[TXT_MAX];
	size_t len[TXT_MAX];
	int n = 0, too_many = 0;
	for (AvahiStringList *l = txt; l; l = avahi_string_list_get_next(l)) {
		if (n == TXT_MAX) {
			too_many = 1;
			break;
		}
		item[n] = avahi_string_list_get_text(l);
		len[n++] = avahi_string_list_get_size(l);
	}
	struct sync_announce an;
	if (too_many || sync_txt_parse(n, item, len, &an) < 0)
		goto done;  /* not a station of ours: another program's, or a hostile one */
	if (strcmp(an.room, d->room) || !strcmp(an.station, d->self))
		goto done;  /* another room's station, or this one */
	char ip[AVAHI_ADDRESS_STR_MAX];
	if (!avahi_address_snprint(ip, sizeof(ip), a))
		goto done;
	if (str_fmt(s->addr, sizeof(s->addr), "%s:%u", ip, (unsigned)port) < 0)
		goto done;
	str_copy(s->station, sizeof(s->station), an.station);
	hand_over(d);
done:
	avahi_service_resolver_free(r);
}

static void on_browse(AvahiServiceBrowser *b, AvahiIfIndex iface, AvahiProtocol proto,
		      AvahiBrowserEvent event, const char *name, const char *type,
		      const char *domain, AvahiLookupResultFlags flags, void *ctx)
{
	(void)b, (void)flags;
	struct sync_discovery *d = ctx;
	switch (event) {
	case AVAHI_BROWSER_NEW: {
		if (!name || strlen(name) >= NAME_MAX_LEN || find_seen(d, name, iface, proto))
			return;
		if (d->nseen == SEEN_MAX)
			return;  /* a room of more stations than we exchange with, or a flood */
		struct seen *s = &d->seen[d->nseen++];
		memset(s, 0, sizeof(*s));
		str_copy(s->name, sizeof(s->name), name);
		s->iface = iface;
		s->proto = proto;
		/* IPv4 addresses only: a venue network always has them, and a link-local IPv6
		 * address needs its interface, which HOST:PORT cannot carry. */
		if (!avahi_service_resolver_new(d->client, iface, proto, name, type, domain,
						AVAHI_PROTO_INET, 0, on_resolved, d))
			d->nseen--;
		return;
	}
	case AVAHI_BROWSER_REMOVE: {
		struct seen *s = name ? find_seen(d, name, iface, proto) : NULL;
		if (!s)
			return;
		int had = s->station[0] != '\0';
		*s = d->seen[--d->nseen];
		if (had)
			hand_over(d);
		return;
	}
	case AVAHI_BROWSER_FAILURE:
		say("browsing failed: %s", avahi_strerror(avahi_client_errno(d->client)));
		return;
	case AVAHI_BROWSER_CACHE_EXHAUSTED:
	case AVAHI_BROWSER_ALL_FOR_NOW:
		return;
	}
}

static void publish(struct sync_discovery *d, AvahiClient *c);

static void on_group(AvahiEntryGroup *g, AvahiEntryGroupState state, void *ctx)
{
	struct sync_discovery *d = ctx;
	if (state == AVAHI_ENTRY_GROUP_COLLISION) {
		/* Another service has our name (a station id's first digits are not unique
		 * enough, or a copy of this data folder): take the next name and publish again. */
		char *alt = avahi_alternative_service_name(d->name);
		if (alt) {
			str_copy(d->name, sizeof(d->name), alt);
			avahi_free(alt);
		}
		avahi_entry_group_reset(g);
		publish(d, avahi_entry_group_get_client(g));
	} else if (state == AVAHI_ENTRY_GROUP_FAILURE) {
		say("cannot publish this station: %s",
		    avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
	}
}

static void publish(struct sync_discovery *d, AvahiClient *c)
{
	if (!d->port)
		return;
	if (!d->group && !(d->group = avahi_entry_group_new(c, on_group, d))) {
		say("cannot publish this station: %s", avahi_strerror(avahi_client_errno(c)));
		return;
	}
	if (!avahi_entry_group_is_empty(d->group))
		return;
	char room[8 + SYNC_ROOM_LEN], id[8 + SYNC_ID_LEN];
	str_fmt(room, sizeof(room), "room=%s", d->room);
	str_fmt(id, sizeof(id), "id=%s", d->self);
	int rc = avahi_entry_group_add_service(d->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
					       d->name, SYNC_SERVICE, NULL, NULL,
					       (uint16_t)d->port, "v=1", room, id, NULL);
	if (rc == AVAHI_ERR_COLLISION) {
		on_group(d->group, AVAHI_ENTRY_GROUP_COLLISION, d);
		return;
	}
	if (rc >= 0)
		rc = avahi_entry_group_commit(d->group);
	if (rc < 0)
		say("cannot publish this station: %s", avahi_strerror(rc));
}

static void forget_all(struct sync_discovery *d)
{
	int had = 0;
	for (int i = 0; i < d->nseen; i++)
		had |= d->seen[i].station[0] != '\0';
	d->nseen = 0;
	if (had)
		hand_over(d);
}

static void on_client(AvahiClient *c, AvahiClientState state, void *ctx)
{
	struct sync_discovery *d = ctx;
	d->client = c;  /* also called from inside avahi_client_new(), before it returns */
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
		if (d->said_down)
			say("%s", "avahi-daemon is back: finding this room's stations again");
		d->said_down = 0;
		publish(d, c);
		if (!d->browser &&
		    !(d->browser = avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
							     SYNC_SERVICE, NULL, 0, on_browse, d)))
			say("cannot browse for stations: %s", avahi_strerror(avahi_client_errno(c)));
		break;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		/* The host name changes: publish again once the daemon runs. */
		if (d->group)
			avahi_entry_group_reset(d->group);
		break;
	case AVAHI_CLIENT_CONNECTING:
		if (!d->said_down)
			say("%s", "avahi-daemon is not running: exchanging with the configured peers "
			    "only, until it starts");
		d->said_down = 1;
		break;
	case AVAHI_CLIENT_FAILURE:
		/* The daemon went away (restarted): start over and wait for it (NO_FAIL). */
		d->group = NULL;     /* freed with the client */
		d->browser = NULL;
		forget_all(d);
		if (avahi_client_errno(c) == AVAHI_ERR_DISCONNECTED) {
			avahi_client_free(c);
			d->client = NULL;
			int err = 0;
			if (!avahi_client_new(avahi_threaded_poll_get(d->tp), AVAHI_CLIENT_NO_FAIL,
					      on_client, d, &err)) {
				d->client = NULL;
				say("lost avahi-daemon: %s", avahi_strerror(err));
			}
		} else {
			say("avahi-daemon failed: %s", avahi_strerror(avahi_client_errno(c)));
		}
		break;
	}
}

struct sync_discovery *sync_discovery_start(struct sync *y, const struct sync_key *k,
					    const char *self, int port)
{
	struct sync_discovery *d = xcalloc(1, sizeof(*d));
	d->y = y;
	d->port = port;
	sync_room_id(k, d->room);
	str_copy(d->self, sizeof(d->self), self);
	str_fmt(d->name, sizeof(d->name), "barnstorm %.8s", self);
	if (!(d->tp = avahi_threaded_poll_new())) {
		say("%s", "cannot start avahi's thread: out of memory");
		free(d);
		return NULL;
	}
	/* NO_FAIL: without a daemon (yet) the client waits for one rather than failing, so a
	 * station that booted before avahi-daemon, or whose daemon restarts, finds the room. */
	int err = 0;
	AvahiClient *c = avahi_client_new(avahi_threaded_poll_get(d->tp), AVAHI_CLIENT_NO_FAIL,
					  on_client, d, &err);
	if (!c) {
		/* No system D-Bus at all (a container): nothing to wait for. */
		say("not available (%s): exchanging with the configured peers only",
		    avahi_strerror(err));
		avahi_threaded_poll_free(d->tp);
		free(d);
		return NULL;
	}
	d->client = c;
	if (avahi_threaded_poll_start(d->tp) < 0) {
		say("%s", "cannot start avahi's thread");
		avahi_client_free(c);
		avahi_threaded_poll_free(d->tp);
		free(d);
		return NULL;
	}
	return d;
}

void sync_discovery_stop(struct sync_discovery *d)
{
	if (!d)
		return;
	avahi_threaded_poll_stop(d->tp);
	if (d->client)
		avahi_client_free(d->client);  /* and its group, browser and resolvers */
	avahi_threaded_poll_free(d->tp);
	free(d);
}
