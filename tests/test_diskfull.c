/* The kiosk on a full data partition, on a REAL full file system: a small tmpfs mounted as the
 * data folder inside a private mount namespace (unshare -m as root, else unshare -rm in a user
 * namespace; skipped with the reason when neither is allowed), filled to the last block with dd.
 *
 * - store: a write on the full disk fails with the plain message and raises store_is_full(); the
 *   failed transaction is rolled back, what was committed stays; after space is freed the next
 *   commit that writes clears the flag.
 * - running: the kiosk has the database open (as on the Pi, where the disk fills while it runs),
 *   a check-in fails with the kind message, the organizer screens show the banner; once space is
 *   freed the same person checks in, and the copy of the data folder has both check-ins once and
 *   their outbox records.
 * - starting on a full disk: the error screen says the storage is full; nothing is lost.
 *
 * No timing: the scripts run on the fake clock; the shell waits for events (a FIFO), not time. */
#define _GNU_SOURCE /* unshare(2) and CLONE_NEW* for the store test's own namespace */
#include "testutil.h"

#include "store.h"
#include "util.h"

#include <sched.h>
#include <sys/mount.h>

#define TMPFS_KB 2048

struct fx {
	char *dir;         /* temp folder: scripts, the tmpfs mount point data/, shots, the copy */
	char data[1024];
	char copy[1024];
	char shots[1024];
	char pack[1024];
	char bin[1024];
	char out[65536];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = tu_tempdir();
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	snprintf(f->copy, sizeof(f->copy), "%s/copy", f->dir);
	snprintf(f->shots, sizeof(f->shots), "%s/shots", f->dir);
	snprintf(f->pack, sizeof(f->pack), "%s/assets/demo", tu_src());
	const char *bin = getenv("BARNSTORM_BIN");
	char *abs = realpath(bin && *bin ? bin : "build/asan/barnstorm", NULL);
	assert_non_null(abs);
	snprintf(f->bin, sizeof(f->bin), "%s", abs);
	free(abs);
	assert_int_equal(mkdir(f->data, 0700), 0);
	assert_int_equal(mkdir(f->shots, 0700), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	/* Mounts made without a private namespace (see namespace_cmd) are still here. */
	for (int i = 0; i < 8 && umount2(f->data, MNT_DETACH) == 0; i++)
		;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The unshare command line that may mount a tmpfs here ("unshare -m" or "unshare -rm"), or NULL
 * with the reason printed as a TAP comment. */
static const char *namespace_cmd(struct fx *f)
{
	/* The last two: in a chroot (as CI may run us) "/" is no mount point, so unshare cannot make
	 * it private, and user namespaces are refused; there a root user mounts with the parent's
	 * propagation, or straight in this namespace, and teardown() unmounts. */
	static const char *const tries[] = {"unshare -m", "unshare -rm",
					    "unshare -m --propagation unchanged", ""};
	char cmd[2048];
	if (system("command -v sqlite3 >/dev/null 2>&1") != 0) {
		printf("# skipped: the sqlite3 shell is not installed (Debian package sqlite3)\n");
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
		if (!*tries[i] && geteuid() != 0)
			continue;
		snprintf(cmd, sizeof(cmd), "%s sh -c 'mount -t tmpfs -o size=64k tmpfs \"%s\" && "
			 "umount \"%s\"' 2>&1", tries[i], f->data, f->data);
		if (tu_capture(cmd, f->out, sizeof(f->out)) == 0)
			return tries[i];
	}
	f->out[strcspn(f->out, "\n")] = '\0';
	printf("# skipped: cannot mount a tmpfs (neither unshare -m nor unshare -rm is allowed "
	       "here, and not root): %s\n", f->out);
	return NULL;
}

/* Runs body with sh inside a new mount namespace where f->data is a TMPFS_KB tmpfs, in f->dir,
 * with $B the barnstorm binary and $P the pack; stdout and stderr into f->out. */
static int in_namespace(struct fx *f, const char *ns, const char *body)
{
	tu_write_str(f->dir, "body.sh", body);
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "cd '%s' && B='%s' P='%s' %s sh -c 'mount -t tmpfs -o size=%dk "
		 "tmpfs data && exec sh ./body.sh' 2>&1", f->dir, f->bin, f->pack, ns, TMPFS_KB);
	int rc = tu_capture(cmd, f->out, sizeof(f->out));
	/* The scripts' results as TAP comments, for prove -v. */
	for (const char *p = f->out; *p;) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		printf("# %.*s\n", n, p);
		p += n + (nl != NULL);
	}
	fflush(stdout);
	return rc;
}

/* "name=value" from the results the body wrote into f->out; -1 when missing. */
static long result(struct fx *f, const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), "\n%s=", name);
	char *hay = f->out;
	char first[64];
	snprintf(first, sizeof(first), "%s=", name);
	const char *p = strncmp(hay, first, strlen(first)) == 0 ? hay + strlen(first) : NULL;
	if (!p) {
		p = strstr(hay, key);
		if (!p)
			return -1;
		p += strlen(key);
	}
	return strtol(p, NULL, 10);
}

static int64_t q(struct store *s, const char *sql)
{
	int64_t v = store_query_int(s, sql);
	assert_true(v >= 0);
	return v;
}

/* Check-ins (not undone) of the roster person with this external id, and that person's outbox
 * records of kind checkin. */
static void assert_checked_in_once(struct store *s, const char *ext)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM checkin c JOIN person p ON p.id = c.person_id "
		 "WHERE p.external_id = '%s' AND c.undone_at IS NULL", ext);
	assert_int_equal(q(s, sql), 1);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM outbox o JOIN person p ON p.uuid = o.person_uuid "
		 "WHERE p.external_id = '%s' AND o.kind = 'checkin'", ext);
	assert_int_equal(q(s, sql), 1);
}

static void assert_copy_intact(struct fx *f)
{
	struct store *s = store_open(f->copy);
	if (!s)
		fail_msg("the copied data folder does not open: %s", err_msg());
	assert_true(store_integrity_ok(s));
	assert_checked_in_once(s, "RSVP-1001");
	assert_checked_in_once(s, "RSVP-1002");
	assert_int_equal(q(s, "SELECT count(*) FROM checkin"), 2);
	store_close(s);
}

/* Person A (Søren, RSVP-1001) at the door. */
static const char CHECKIN_A[] =
	"tap \"Check in\"\n"
	"type \"soren kier\"\n"
	"tap \"Søren K.\"\n"
	"tap \"Yes, check me in\"\n"
	"expect \"Welcome, Søren!\"\n";

/* Person B (Åsa Öberg, RSVP-1002) on the full disk: the kind message, then the organizer. */
static const char CHECKIN_B_FULL[] =
	"tap \"Check in\"\n"
	"type \"oberg asa\"\n"
	"tap \"Åsa Ö.\"\n"
	"tap \"Yes, check me in\"\n"
	"expect \"Something went wrong\"\n"
	"expect \"You are not checked in yet. Please ask an organizer for help.\"\n"
	"shot \"failed\"\n"
	"tap \"Done\"\n"
	"tap \"Organizer\"\n"
	"type \"4821\"\n"
	"key Return\n"
	"expect \"Storage full: new check-ins and sign-ups are not being saved\"\n"
	"expect \"Everything saved before is safe. Export to a USB stick now (Upload and export), "
	"then free some space or use a larger card.\"\n"
	"shot \"organizer_full\"\n"
	"tap \"Check-ins\"\n"
	"expect \"Storage full: new check-ins and sign-ups are not being saved\"\n"
	"expect \"Søren K.\"\n"
	"shot \"checkins_full\"\n";

/* Person B again once there is room, and the organizer menu without the banner. */
static const char CHECKIN_B_OK[] =
	"tap \"Check in\"\n"
	"type \"oberg asa\"\n"
	"tap \"Åsa Ö.\"\n"
	"tap \"Yes, check me in\"\n"
	"expect \"Welcome, Åsa!\"\n"
	"tap \"Done\"\n"
	"tap \"Organizer\"\n"
	"type \"4821\"\n"
	"key Return\n"
	"expect \"Barnstorm Aarhus: ready\"\n";

/* The kiosk starts on the full disk: the error screen in plain words, also after "Try again". */
static const char START_FULL[] =
	"expect \"The kiosk cannot start\"\n"
	"expect \"The kiosk's storage is full\"\n"
	"expect \"the data folder 'data' is full (no space left on the device): nothing new can "
	"be saved\"\n"
	"expect \"Everything saved before is safe. Free some space or use a larger card, then tap "
	"“Try again”.\"\n"
	"shot \"start_full\"\n"
	"tap \"Try again\"\n"
	"expect \"The kiosk's storage is full\"\n";

/* Runs script NAME (a file in the folder) at 800x480 in English, records NAME=status and shows
 * what it printed, indented. */
#define RUN(name) "$B script " name ".txt --pack \"$P\" --data data --shots shots --size 800x480 " \
	"--lang en >" name ".out 2>&1; echo " name "=$?; sed 's/^/  /' " name ".out\n"
/* Fills the tmpfs to its last block and records how much is left (0 expected). */
#define FILL "dd if=/dev/zero of=data/filler bs=4k 2>/dev/null; " \
	"echo avail=$(df -k --output=avail data | tail -n 1 | tr -d ' ')\n"

/* The way to mount here (see namespace_cmd), with the scripts a.txt, name and d.txt written;
 * NULL when the test must be skipped. */
static const char *prepare(struct fx *f, const char *name, const char *script)
{
	const char *ns = namespace_cmd(f);
	if (ns) {
		tu_write_str(f->dir, "a.txt", CHECKIN_A);
		tu_write_str(f->dir, name, script);
		tu_write_str(f->dir, "d.txt", CHECKIN_B_OK);
	}
	return ns;
}

/* A checked in on a disk with room, the disk filled, B checked in after freeing it, the data
 * copied out intact. */
static void assert_recovered(struct fx *f)
{
	assert_int_equal(result(f, "a"), 0);
	assert_int_equal(result(f, "avail"), 0);
	assert_int_equal(result(f, "d"), 0);
	assert_int_equal(result(f, "copied"), 0);
	assert_copy_intact(f);
}

static void test_full_while_running(void **state)
{
	struct fx *f = *state;
	const char *ns = prepare(f, "b.txt", CHECKIN_B_FULL);
	if (!ns) {
		skip();
		return;
	}
	/* The kiosk on the Pi has its database open when the disk fills: its -wal and -shm files
	 * exist. A second connection (the sqlite3 shell reading a FIFO) keeps them between the
	 * scripts, as the running kiosk would. `.system` tells through a second FIFO when it has
	 * opened the database; `read` blocks until then. */
	const char *body =
		RUN("a")
		"mkfifo hold ready\n"
		"sqlite3 data/barnstorm.db <hold >held.out 2>&1 &\n"
		"exec 9>hold\n"
		"printf 'SELECT count(*) FROM checkin;\\n.system echo open >ready\\n' >&9\n"
		"echo holder=$(timeout 60 cat ready)\n"
		FILL
		RUN("b")
		"rm data/filler\n"
		RUN("d")
		"exec 9>&-; wait\n"
		"mkdir copy && cp -a data/. copy/; echo copied=$?\n";
	assert_int_equal(in_namespace(f, ns, body), 0);
	assert_recovered(f);
	assert_non_null(strstr(f->out, "holder=open"));
	assert_int_equal(result(f, "b"), 0);
	/* The log names the folder and the cause. */
	char *log = NULL;
	char path[1100];
	snprintf(path, sizeof(path), "%s/b.out", f->dir);
	log = tu_read_all(path);
	assert_non_null(log);
	assert_non_null(strstr(log, "the data folder 'data' is full (no space left on the device)"));
	free(log);
}

static void test_start_on_full_disk(void **state)
{
	struct fx *f = *state;
	const char *ns = prepare(f, "c.txt", START_FULL);
	if (!ns) {
		skip();
		return;
	}
	const char *body =
		RUN("a")
		FILL
		RUN("c")
		"rm data/filler\n"
		RUN("d")
		"mkdir copy && cp -a data/. copy/; echo copied=$?\n";
	assert_int_equal(in_namespace(f, ns, body), 0);
	assert_recovered(f);
	assert_int_equal(result(f, "c"), 0);
}

/* ---- the store alone, in a child process in its own mount namespace ---- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A private mount namespace for this process, as root or as root of a new user namespace. */
static int private_mounts(void)
{
	if (unshare(CLONE_NEWNS) == 0) {
		/* In a chroot (as CI may run us) "/" is no mount point and cannot be made private:
		 * the tmpfs may then show in the parent namespace too, and teardown() unmounts it. */
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 && errno != EINVAL)
			return -1;
		return 0;
	}
	if (geteuid() == 0)
		return 0; /* root without namespaces: mount here; teardown() unmounts */
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -1;
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

static int insert_meta(struct store *s, const char *key)
{
	if (store_tx_begin(s) < 0)
		return -1;
	char value[2048];
	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	/* Several pages' worth, so the write needs new blocks in the WAL. */
	for (int i = 0; i < 8; i++) {
		char k[64];
		snprintf(k, sizeof(k), "%s.%d", key, i);
		if (store_meta_set(s, k, value) < 0) {
			store_tx_rollback(s);
			return -1;
		}
	}
	return store_tx_commit(s);
}

static off_t lseek_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) < 0 ? 0 : sb.st_size;
}

/* Exit codes of the child: 0 ok, 77 no namespace, else the step that failed. */
static int store_child(const char *data, const char *filler)
{
	if (private_mounts() < 0)
		return 77;
	char opts[64];
	snprintf(opts, sizeof(opts), "size=%dk", TMPFS_KB);
	if (mount("tmpfs", data, "tmpfs", 0, opts) < 0)
		return 77;
	struct store *s = store_open(data);
	if (!s)
		return 10;
	if (insert_meta(s, "before") < 0 || store_is_full(s))
		return 11;
	/* Fill to the last block. */
	int fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 12;
	char block[4096];
	memset(block, 0, sizeof(block));
	while (write(fd, block, sizeof(block)) > 0)
		;
	int full = errno == ENOSPC;
	close(fd);
	if (!full)
		return 13;
	if (insert_meta(s, "during") == 0)
		return 14;
	if (!strstr(err_msg(), "is full (no space left on the device): nothing new can be saved") ||
	    !strstr(err_msg(), data))
		return 15;
	if (!store_is_full(s))
		return 16;
	/* The failed transaction left nothing behind, and it is not open any more. */
	if (store_query_int(s, "SELECT count(*) FROM meta WHERE key LIKE 'during.%'") != 0 ||
	    store_query_int(s, "SELECT count(*) FROM meta WHERE key LIKE 'before.%'") != 8)
		return 17;
	/* A commit that writes nothing proves nothing: the flag stays. */
	if (store_tx_begin(s) < 0 || store_tx_commit(s) < 0 || !store_is_full(s))
		return 18;
	/* A little room (a log rotated, say): a small write fits, as a PIN reset would, but every
	 * check-in at the door may fail again at once. The flag follows the disk, not that one
	 * write: it stays while less than STORE_MIN_FREE is free. */
	if (truncate(filler, lseek_size(filler) - 32 * 1024) < 0)
		return 24;
	if (store_meta_save(s, "pin_lock", "0 0") < 0)
		return 25;
	if (!store_is_full(s))
		return 26;
	if (unlink(filler) < 0)
		return 19;
	if (insert_meta(s, "after") < 0 || store_is_full(s))
		return 20;
	if (!store_integrity_ok(s))
		return 21;
	store_close(s);
	/* Reopened (the WAL checkpointed into the file by the close): all there. */
	s = store_open(data);
	if (!s)
		return 22;
	int ok = store_integrity_ok(s) &&
		 store_query_int(s, "SELECT count(*) FROM meta WHERE key LIKE 'before.%'") == 8 &&
		 store_query_int(s, "SELECT count(*) FROM meta WHERE key LIKE 'after.%'") == 8;
	store_close(s);
	return ok ? 0 : 23;
}

static void test_store_full_flag(void **state)
{
	struct fx *f = *state;
	char filler[1100];
	snprintf(filler, sizeof(filler), "%s/filler", f->data);
	fflush(stdout);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(store_child(f->data, filler));
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		printf("# skipped: cannot mount a tmpfs in a private mount namespace here\n");
		skip();
		return;
	}
	if (WEXITSTATUS(st) != 0)
		fail_msg("the store on a full tmpfs failed at step %d (see store_child)", WEXITSTATUS(st));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_full_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_on_full_disk, setup, teardown),
	};
	return RUN_TESTS(tests);
}
