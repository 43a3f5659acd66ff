/* Stations find each other (app/sync/discovery.c): the room id, the TXT record checked as
 * hostile input, the worker's bounded list of discovered peers, and then for real: stations
 * with no peers configured find the room's others through avahi-daemon and converge, while a
 * station with another key is never taken as a peer.
 *
 * The real part needs root: the test moves itself into new network and mount namespaces
 * (unshare), where tests/mdns-room starts a D-Bus and an avahi-daemon of its own on the loopback
 * interface only, so no multicast leaves the machine and a machine's own avahi-daemon is
 * neither seen nor disturbed. Elsewhere it is skipped, saying why; under CI (CI=true, as root)
 * it must run (it does under qemu-user too, in make test-arm64). */
#define _GNU_SOURCE  /* unshare() */
#include "testutil.h"

#include "clock.h"
#include "people.h"
#include "store.h"
#include "sync.h"
#include "util.h"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

#define EVENT "barnstorm-2026"
#define KEY_A "24259d5891d084e8cfb4701840bae5c5fa182e489a8f2f162c11e6c79c0ea39b"
#define KEY_B "db932ee505fbf50caa1fda0166b23d663f6e55e6a37eed35baecaa597c700d7c"
#define T0 1790000000000LL

static char *room_dir;            /* tests/mdns-room's folder, when the room is up */
static char room_why[512] = "";   /* why not */

/* ---- the room id ---- */

static void test_room_id(void **state)
{
	(void)state;
	struct sync_key a, b;
	assert_int_equal(sync_key_parse(KEY_A, &a), 0);
	assert_int_equal(sync_key_parse(KEY_B, &b), 0);
	char ra[SYNC_ROOM_LEN], ra2[SYNC_ROOM_LEN], rb[SYNC_ROOM_LEN];
	sync_room_id(&a, ra);
	sync_room_id(&a, ra2);
	sync_room_id(&b, rb);
	assert_int_equal(strlen(ra), SYNC_ROOM_LEN - 1);
	assert_string_equal(ra, ra2);         /* every station of the room says the same */
	assert_string_not_equal(ra, rb);      /* another room another */
	for (int i = 0; ra[i]; i++)
		assert_non_null(strchr("0123456789abcdef", ra[i]));
	/* Not a piece of the key, in either direction. */
	assert_null(strstr(KEY_A, ra));
	char half[17];
	memcpy(half, KEY_A, 16);
	half[16] = '\0';
	assert_null(strstr(ra, half));
}

/* ---- the TXT record ---- */

static int parse(struct sync_announce *an, int n, ...)
{
	const unsigned char *item[16];
	size_t len[16];
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *s = va_arg(ap, const char *);
		item[i] = (const unsigned char *)s;
		len[i] = strlen(s);
	}
	va_end(ap);
	return sync_txt_parse(n, item, len, an);
}

#define ROOM "room=0123456789abcdef0123456789abcdef"
#define ID "id=0b6f7c1e-3d2a-4c55-9a8e-2f1d3c4b5a69"

static void test_txt(void **state)
{
	(void)state;
	struct sync_announce an;
	assert_int_equal(parse(&an, 3, "v=1", ROOM, ID), 0);
	assert_string_equal(an.room, "0123456789abcdef0123456789abcdef");
	assert_string_equal(an.station, "0b6f7c1e-3d2a-4c55-9a8e-2f1d3c4b5a69");
	/* Any order, and keys of a later version are ignored. */
	assert_int_equal(parse(&an, 4, ID, "later=thing", ROOM, "v=1"), 0);
	static const struct {
		int n;
		const char *a, *b, *c, *d;
		const char *why;
	} bad[] = {
		{2, ROOM, ID, NULL, NULL, "no version"},
		{3, "v=2", ROOM, ID, NULL, "version '2'"},
		{2, "v=1", ID, NULL, NULL, "no room id"},
		{2, "v=1", ROOM, NULL, NULL, "no station id"},
		{3, "v=1", "room=0123456789ABCDEF0123456789ABCDEF", ID, NULL, "not 32 hex digits"},
		{3, "v=1", "room=0123", ID, NULL, "not 32 hex digits"},
		{3, "v=1", ROOM, "id=../../etc/passwd", NULL, "not a uuid"},
		{4, "v=1", ROOM, ID, ROOM, "room given twice"},
		{4, "v=1", ROOM, ID, ID, "id given twice"},
		{3, "v=1", ROOM, "id=0b6f7c1e 3d2a 4c55 9a8e 2f1d3c4b5a69", NULL, "not printable"},
		{3, "v=1", ROOM, "id=0b6f7c1e-3d2a-4c55-9a8e-2f1d3c4b5a69-and-a-lot-more-besides-this",
		 NULL, "bytes (at most"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = parse(&an, bad[i].n, bad[i].a, bad[i].b, bad[i].c, bad[i].d);
		if (rc != -1 || !strstr(err_msg(), bad[i].why)) {
			fprintf(stderr, "# case %zu: %d '%s', expected '%s'\n", i, rc, err_msg(),
				bad[i].why);
			fail();
		}
	}
	/* Bytes from the network: a NUL inside a string, and too many strings. */
	const unsigned char nul[] = "id=0b6f7c1e\0-3d2a";
	const unsigned char *item[9] = {(const unsigned char *)"v=1", (const unsigned char *)ROOM, nul};
	size_t len[9] = {3, strlen(ROOM), sizeof(nul) - 1};
	assert_int_equal(sync_txt_parse(3, item, len, &an), -1);
	assert_non_null(strstr(err_msg(), "NUL"));
	for (int i = 0; i < 9; i++) {
		item[i] = (const unsigned char *)"x=y";
		len[i] = 3;
	}
	assert_int_equal(sync_txt_parse(9, item, len, &an), -1);
	assert_non_null(strstr(err_msg(), "strings"));
}

/* ---- the worker's peer list ---- */

static void test_peer_list(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	struct store *s = store_open(dir);
	assert_non_null(s);
	store_close(s);
	struct sync_key k;
	assert_int_equal(sync_key_parse(KEY_A, &k), 0);
	/* Configured peers that refuse at once (port 1), and rounds an hour apart. */
	const char *conf[] = {"127.0.0.1:1", "127.0.0.2:1"};
	struct sync_cfg cfg = {dir, k, NULL, conf, 2, 3600000, 500};
	struct sync *y = sync_start(&cfg, NULL, NULL);
	assert_non_null(y);
	struct sync_status st;
	char found[SYNC_PEERS_MAX + 4][SYNC_ADDR_LEN];
	str_copy(found[0], SYNC_ADDR_LEN, "127.0.0.3:1");
	str_copy(found[1], SYNC_ADDR_LEN, "127.0.0.2:1");  /* also configured: once */
	str_copy(found[2], SYNC_ADDR_LEN, "127.0.0.4:1");
	sync_peers_discovered(y, (const char (*)[SYNC_ADDR_LEN])found, 3);
	sync_status(y, &st);
	assert_int_equal(st.npeer, 4);
	assert_int_equal(st.peers, 4);
	assert_string_equal(st.peer[0].addr, "127.0.0.1:1");
	assert_string_equal(st.peer[1].addr, "127.0.0.2:1");
	assert_string_equal(st.peer[2].addr, "127.0.0.3:1");
	assert_string_equal(st.peer[3].addr, "127.0.0.4:1");
	/* .3 vanished: dropped; the configured ones stay whatever discovery says. */
	str_copy(found[0], SYNC_ADDR_LEN, "127.0.0.4:1");
	sync_peers_discovered(y, (const char (*)[SYNC_ADDR_LEN])found, 1);
	sync_status(y, &st);
	assert_int_equal(st.npeer, 3);
	assert_string_equal(st.peer[2].addr, "127.0.0.4:1");
	sync_peers_discovered(y, NULL, 0);
	sync_status(y, &st);
	assert_int_equal(st.npeer, 2);
	assert_string_equal(st.peer[1].addr, "127.0.0.2:1");
	/* More than there is room for: bounded by SYNC_PEERS_MAX. */
	for (int i = 0; i < SYNC_PEERS_MAX + 4; i++)
		str_fmt(found[i], SYNC_ADDR_LEN, "127.0.1.%d:1", i + 1);
	sync_peers_discovered(y, (const char (*)[SYNC_ADDR_LEN])found, SYNC_PEERS_MAX + 4);
	sync_status(y, &st);
	assert_int_equal(st.npeer, SYNC_PEERS_MAX);
	assert_string_equal(st.peer[0].addr, "127.0.0.1:1");
	assert_string_equal(st.peer[SYNC_PEERS_MAX - 1].addr, "127.0.1.14:1");
	sync_stop(y);
	tu_rmtree(dir);
	free(dir);
}

/* ---- for real, through avahi-daemon ---- */

static void walkin(const char *data, const char *first, const char *email, int64_t at)
{
	struct store *s = store_open(data);
	assert_non_null(s);
	struct clock c;
	clock_init_fake(&c, at);
	struct people_walkin w = {first, "Doe", email, NULL, "2200", "da", 1, "v1"};
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(s, &c, EVENT, &w, &e, &r), 0);
	store_close(s);
}

static int64_t people(const char *data)
{
	struct store *s = store_open(data);
	assert_non_null(s);
	int64_t n = store_query_int(s, "SELECT count(*) FROM person");
	store_close(s);
	return n;
}

static void room_needed(void)
{
	if (room_dir)
		return;
	if (getenv("CI")) {
		fprintf(stderr, "# CI must run discovery for real: %s\n", room_why);
		fail();
	}
	fprintf(stderr, "# skipped: %s\n", room_why);
	skip();
}

static void test_stations_find_each_other(void **state)
{
	(void)state;
	room_needed();
	struct sync_key ka, kb;
	assert_int_equal(sync_key_parse(KEY_A, &ka), 0);
	assert_int_equal(sync_key_parse(KEY_B, &kb), 0);
	/* Two stations of room A and one of room B, none with a peer configured, each serving on
	 * every address of this network namespace (only the loopback interface is there). */
	char *dir[3];
	struct sync *y[3];
	for (int i = 0; i < 3; i++) {
		dir[i] = tu_tempdir();
		struct store *s = store_open(dir[i]);
		assert_non_null(s);
		store_close(s);
	}
	walkin(dir[0], "Anna", "anna@example.org", T0);
	walkin(dir[1], "Bea", "bea@example.org", T0 + 1);
	walkin(dir[2], "Carl", "carl@example.org", T0 + 2);
	for (int i = 0; i < 3; i++) {
		struct sync_cfg cfg = {dir[i], i < 2 ? ka : kb, "0.0.0.0:0", NULL, 0, 300, 2000};
		y[i] = sync_start(&cfg, NULL, NULL);
		assert_non_null(y[i]);
		sync_discover(y[i]);
	}
	int done = 0;
	for (int t = 0; t < 300 && !done; t++) {   /* at most 30 s; it takes about 1 */
		done = people(dir[0]) == 2 && people(dir[1]) == 2;
		if (!done)
			tu_sleep_ms(100);
	}
	struct sync_status st[3];
	for (int i = 0; i < 3; i++)
		sync_status(y[i], &st[i]);
	if (!done) {
		fprintf(stderr, "# not converged: %lld and %lld people; peers %d, %d, %d\n",
			(long long)people(dir[0]), (long long)people(dir[1]), st[0].npeer, st[1].npeer,
			st[2].npeer);
		char cmd[700];
		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' '%s/avahi.log' >&2", room_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# (no avahi log)\n");
	}
	assert_true(done);
	/* Each of room A has exactly the other as its peer, at the port it serves. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(st[i].npeer, 1);
		char want[32];
		snprintf(want, sizeof(want), ":%d", st[1 - i].port);
		const char *addr = st[i].peer[0].addr;
		assert_string_equal(addr + strlen(addr) - strlen(want), want);
	}
	/* Room B's station was seen by everyone and taken by no one. */
	assert_int_equal(st[2].npeer, 0);
	assert_int_equal(people(dir[2]), 1);
	for (int i = 0; i < 3; i++) {
		sync_stop(y[i]);
		tu_rmtree(dir[i]);
		free(dir[i]);
	}
}

/* The same with `barnstorm sync --listen` and no --peer: the command follows the pack's
 * `discover` (yes when absent), and --no-discover turns it off. */
static void test_sync_command_finds_the_room(void **state)
{
	(void)state;
	room_needed();
	char *dir = tu_tempdir();
	char pack[700], data[3][700];
	snprintf(pack, sizeof(pack), "%s/pack", dir);
	assert_int_equal(mkdir(pack, 0700), 0);
	tu_write_str(pack, "event.ini", "[event]\ntitle = x\n[stations]\nkey = " KEY_A "\n");
	static const char *const WHO[] = {"Anna", "Bea", "Carl"};
	for (int i = 0; i < 3; i++) {
		snprintf(data[i], sizeof(data[i]), "%s/data%d", dir, i);
		char email[64];
		snprintf(email, sizeof(email), "%s@example.org", WHO[i]);
		walkin(data[i], WHO[i], email, T0 + i);
	}
	char *bin = getenv("BARNSTORM_BIN");
	assert_non_null(bin);
	pid_t pid[3];
	for (int i = 0; i < 3; i++) {
		char *argv[] = {bin, "sync", "--pack", pack, "--data", data[i], "--listen", "0.0.0.0:0",
				"--interval", "300", i == 2 ? "--no-discover" : NULL, NULL};
		pid[i] = tu_spawn(argv, 0);
	}
	int done = 0;
	for (int t = 0; t < 300 && !done; t++) {
		done = people(data[0]) == 2 && people(data[1]) == 2;
		if (!done)
			tu_sleep_ms(100);
	}
	tu_sleep_ms(500);  /* time enough for the third to be found, were it announced */
	for (int i = 0; i < 3; i++)
		tu_stop_pid(pid[i]);
	assert_true(done);
	/* The third does not look, and does not announce itself: nobody found it. */
	assert_int_equal(people(data[0]), 2);
	assert_int_equal(people(data[2]), 1);
	tu_rmtree(dir);
	free(dir);
}

/* A station whose avahi-daemon is not there says so once and keeps working with its
 * configured peers: `barnstorm sync` in a process of its own (libdbus reads the bus address
 * once per process), pointed at a system bus that does not exist. */
static void test_no_daemon_is_not_fatal(void **state)
{
	(void)state;
	char *dir[2];
	for (int i = 0; i < 2; i++) {
		dir[i] = tu_tempdir();
		struct store *s = store_open(dir[i]);
		assert_non_null(s);
		store_close(s);
	}
	walkin(dir[1], "Bea", "bea@example.org", T0);
	struct sync_key k;
	assert_int_equal(sync_key_parse(KEY_A, &k), 0);
	struct sync_cfg cb = {dir[1], k, "127.0.0.1:0", NULL, 0, 300, 2000};
	struct sync *yb = sync_start(&cb, NULL, NULL);
	assert_non_null(yb);
	struct sync_status st;
	sync_status(yb, &st);
	char peer[64], pack[700], data[700], log[700], bus[700];
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", st.port);
	snprintf(pack, sizeof(pack), "%s/pack", dir[0]);
	snprintf(data, sizeof(data), "%s/data", dir[0]);
	snprintf(log, sizeof(log), "%s/stderr", dir[0]);
	snprintf(bus, sizeof(bus), "unix:path=%s/no-such-bus", dir[0]);
	assert_int_equal(mkdir(pack, 0700), 0);
	tu_write_str(pack, "event.ini", "[event]\ntitle = x\n[stations]\nkey = " KEY_A "\n");
	const char *bin = getenv("BARNSTORM_BIN");
	assert_non_null(bin);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int null = open("/dev/null", O_RDWR);
		if (fd < 0 || null < 0)
			_exit(127);
		dup2(null, 0);
		dup2(null, 1);
		dup2(fd, 2);
		setenv("DBUS_SYSTEM_BUS_ADDRESS", bus, 1);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(bin, bin, "sync", "--pack", pack, "--data", data, "--peer", peer, "--interval",
		      "200", (char *)NULL);
		_exit(127);
	}
	int done = 0;
	char *said = NULL;
	for (int t = 0; t < 300 && !done; t++) {
		free(said);
		said = tu_read_all(log);
		done = said && strstr(said, "discovery") && access(data, F_OK) == 0 &&
		       people(data) == 1;
		if (!done)
			tu_sleep_ms(50);
	}
	tu_sleep_ms(500);  /* rounds more: still said once */
	tu_stop_pid(pid);
	sync_stop(yb);
	free(said);
	said = tu_read_all(log);
	if (!done)
		fprintf(stderr, "# it said: %s\n", said ? said : "(nothing)");
	assert_true(done);
	int n = 0;
	for (const char *p = said; (p = strstr(p, "discovery:")); p++)
		n++;
	assert_int_equal(n, 1);
	assert_non_null(strstr(said, "configured peers only"));
	free(said);
	for (int i = 0; i < 2; i++) {
		tu_rmtree(dir[i]);
		free(dir[i]);
	}
}

/* Before any thread exists (unshare refuses a threaded process a mount namespace). */
static void room_open(void)
{
	if (geteuid() != 0) {
		str_copy(room_why, sizeof(room_why), "not root: cannot make a network namespace");
		return;
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		str_fmt(room_why, sizeof(room_why), "unshare: %s", strerror(errno));
		return;
	}
	/* The new namespace's loopback interface is down, and takes no multicast by default. */
	int sock = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	str_copy(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	int up = sock >= 0 && ioctl(sock, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP | IFF_MULTICAST;
	up = up && ioctl(sock, SIOCSIFFLAGS, &ifr) == 0;
	if (sock >= 0)
		close(sock);
	if (!up) {
		str_fmt(room_why, sizeof(room_why), "bring up lo with multicast: %s", strerror(errno));
		return;
	}
	/* A /run of our own for avahi-daemon's pid file, so a machine's own daemon does not make
	 * ours refuse to start; only where our mounts stay ours (in a chroot, as on CI, "/" is
	 * not a mount point and cannot be made private: there /run is the chroot's anyway). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	    mount("barnstorm-test-run", "/run", "tmpfs", 0, "mode=0755") < 0) {
		str_fmt(room_why, sizeof(room_why), "mount a tmpfs on /run: %s", strerror(errno));
		return;
	}
	const char *src = getenv("BARNSTORM_SRC");
	char *dir = tu_tempdir();
	char cmd[1400];
	snprintf(cmd, sizeof(cmd), "'%s/tests/mdns-room' '%s' </dev/null", src ? src : ".", dir);
	int rc = system(cmd);
	if (rc != 0) {
		str_fmt(room_why, sizeof(room_why), "tests/mdns-room exited with %d (see above)", rc);
		tu_rmtree(dir);
		free(dir);
		return;
	}
	/* Where avahi-client (in this process) finds the room's bus. */
	char bus[600];
	snprintf(bus, sizeof(bus), "unix:path=%s/bus", dir);
	setenv("DBUS_SYSTEM_BUS_ADDRESS", bus, 1);
	room_dir = dir;
}

static void room_close(void)
{
	if (!room_dir)
		return;
	static const char *const PIDS[] = {"avahi.pid", "dbus.pid"};
	for (size_t i = 0; i < ARRAY_SIZE(PIDS); i++) {
		char path[700];
		snprintf(path, sizeof(path), "%s/%s", room_dir, PIDS[i]);
		FILE *f = fopen(path, "r");
		long pid = 0;
		if (f && fscanf(f, "%ld", &pid) == 1 && pid > 1)
			kill((pid_t)pid, SIGTERM);
		if (f)
			fclose(f);
	}
	tu_rmtree(room_dir);
	free(room_dir);
	room_dir = NULL;
}

int main(void)
{
	room_open();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_id),
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_peer_list),
		cmocka_unit_test(test_stations_find_each_other),
		cmocka_unit_test(test_sync_command_finds_the_room),
		cmocka_unit_test(test_no_daemon_is_not_fatal),
	};
	int rc = RUN_TESTS(tests);
	room_close();
	return rc;
}
