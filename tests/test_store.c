#include "testutil.h"

#include "store.h"
#include "util.h"

static void opens_creates_and_migrates(void **state)
{
	(void)state;
	char *top = tu_tempdir();
	char dir[1024];
	/* Parents are created too (the default data folder may be new). */
	snprintf(dir, sizeof(dir), "%s/share/barnstorm", top);
	struct store *s = store_open(dir);
	assert_non_null(s);
	assert_int_equal(store_query_int(s, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM person"), 0);
	/* WAL with synchronous=FULL (2) for data people typed. */
	struct store_stmt *st = store_stmt(s, "PRAGMA journal_mode");
	assert_int_equal(store_step(st), STORE_ROW);
	assert_string_equal(store_col_text(st, 0), "wal");
	store_reset(st);
	assert_int_equal(store_query_int(s, "PRAGMA synchronous"), 2);
	store_close(s);
	/* Reopening keeps the version and the data. */
	s = store_open(dir);
	assert_non_null(s);
	assert_true(store_integrity_ok(s));
	store_close(s);
	tu_rmtree(top);
	free(top);
}

static void meta_roundtrip_and_rollback(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	struct store *s = store_open(dir);
	char v[64];
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(store_meta_set(s, "k", "one"), 0);
	assert_int_equal(store_tx_commit(s), 0);
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(store_meta_set(s, "k", "two"), 0);
	store_tx_rollback(s);
	assert_int_equal(store_meta_get(s, "k", v, sizeof(v)), 0);
	assert_string_equal(v, "one");
	store_close(s);
	tu_rmtree(dir);
	free(dir);
}

static void refuses_newer_database(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	struct store *s = store_open(dir);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", store_schema_version() + 1);
	assert_int_equal(store_exec(s, sql), 0);
	store_close(s);
	assert_null(store_open(dir));
	assert_non_null(strstr(err_msg(), "newer version"));
	tu_rmtree(dir);
	free(dir);
}

static void refuses_unwritable_and_garbage(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char sub[1024];
	snprintf(sub, sizeof(sub), "%s/file", dir);
	tu_write_str(dir, "file", "not a dir");
	assert_null(store_open(sub));
	assert_non_null(strstr(err_msg(), "is not a directory"));
	/* A file that is not a database. */
	snprintf(sub, sizeof(sub), "%s/d", dir);
	mkdir(sub, 0700);
	tu_write_str(sub, "barnstorm.db", "garbage garbage garbage garbage garbage garbage garbage garbage"
					  "garbage garbage garbage garbage garbage garbage garbage garbage");
	assert_null(store_open(sub));
	assert_non_null(strstr(err_msg(), "barnstorm.db"));
	if (geteuid() != 0) {
		snprintf(sub, sizeof(sub), "%s/ro", dir);
		mkdir(sub, 0500);
		assert_null(store_open(sub));
		assert_non_null(strstr(err_msg(), "not writable"));
	}
	tu_rmtree(dir);
	free(dir);
}

static mode_t mode_of(const char *path)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 07777;
}

/* Attendee data is political opinion: the folder, the database and its -wal/-shm are the owner's
 * only, whatever umask the kiosk inherited, and a folder or file left open by an older version is
 * closed. So are exports and screenshots of the binary. */
static void owner_only_whatever_the_umask(void **state)
{
	(void)state;
	mode_t old = umask(022);
	char *dir = tu_tempdir();
	char data[1100], path[1200];
	snprintf(data, sizeof(data), "%s/a/data", dir);
	struct store *s = store_open(data);
	assert_non_null(s);
	assert_int_equal(store_meta_save(s, "k", "v"), 0);
	assert_int_equal(mode_of(data), 0700);
	snprintf(path, sizeof(path), "%s/barnstorm.db", data);
	assert_int_equal(mode_of(path), 0600);
	snprintf(path, sizeof(path), "%s/barnstorm.db-wal", data);
	assert_int_equal(mode_of(path), 0600);
	store_close(s);
	/* Opened by hand wide: closed again on the next start. */
	assert_int_equal(chmod(data, 0755), 0);
	snprintf(path, sizeof(path), "%s/barnstorm.db", data);
	assert_int_equal(chmod(path, 0644), 0);
	s = store_open(data);
	assert_non_null(s);
	assert_int_equal(mode_of(data), 0700);
	assert_int_equal(mode_of(path), 0600);
	store_close(s);
	/* The binary's export, started with umask 022. */
	char out[4096];
	assert_int_equal(tu_run(out, sizeof(out), "export --data '%s' --out '%s/x/out'", data, dir), 0);
	snprintf(path, sizeof(path), "%s/x/out", dir);
	assert_int_equal(mode_of(path), 0700);
	snprintf(path, sizeof(path), "%s/x/out/people.csv", dir);
	assert_int_equal(mode_of(path), 0600);
	umask(old);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opens_creates_and_migrates),
		cmocka_unit_test(meta_roundtrip_and_rollback),
		cmocka_unit_test(refuses_newer_database),
		cmocka_unit_test(refuses_unwritable_and_garbage),
		cmocka_unit_test(owner_only_whatever_the_umask),
	};
	return RUN_TESTS(tests);
}
