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

/* Schema 4 to 5: the two indexes on the external id become one, person_rev becomes partial;
 * the people, ids that differ only in case among them, stay as they were. */
static void migrates_person_indexes_from_4(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	struct store *s = store_open(dir);
	assert_non_null(s);
	/* Back to schema 4's indexes, with people in it. */
	assert_int_equal(store_exec(s,
		"DROP INDEX person_external;"
		"CREATE UNIQUE INDEX person_external ON person(external_id) WHERE external_id IS NOT NULL;"
		"CREATE INDEX person_external_nocase ON person(external_id COLLATE NOCASE)"
		"  WHERE external_id IS NOT NULL;"
		"DROP INDEX person_rev; CREATE INDEX person_rev ON person(rev);"
		"INSERT INTO person(uuid, external_id, first_name, source, created_at, updated_at, rev)"
		"  VALUES ('u1', 'ab-1', 'Ann', 'roster', 0, 0, 1), ('u2', 'AB-1', 'Bo', 'roster', 0, 0, 2),"
		"  ('u3', NULL, 'Cy', 'walkin', 0, 0, 3);"
		"PRAGMA user_version = 4;"), 0);
	store_close(s);
	s = store_open(dir);
	assert_non_null(s);
	assert_int_equal(store_query_int(s, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM person"), 3);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
				      " AND name = 'person_external_nocase'"), 0);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM sqlite_master WHERE name = "
		"'person_external' AND sql LIKE '%external_id COLLATE NOCASE, external_id%'"), 1);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM sqlite_master WHERE name = "
		"'person_rev' AND sql LIKE '%WHERE rev > 0'"), 1);
	assert_true(store_integrity_ok(s));
	store_close(s);
	tu_rmtree(dir);
	free(dir);
}

/* store_rows_set(): the caller's rows as a table SQL reads: values of each type, the row
 * number's constraints (whole, fractional, NULL, out of range), ORDER BY it, and rows that
 * change or go away. */
static const char *const ROW_NAME[] = {"Ada", "", "Cleo", "Dan", "Eve"};

static int row_value(void *ctx, int64_t row, int col, const char **text, int64_t *num)
{
	(void)ctx;
	if (col == 1) {
		if (!ROW_NAME[row - 1][0])
			return STORE_V_NULL;
		*text = ROW_NAME[row - 1];
		return STORE_V_TEXT;
	}
	*num = row * 10;
	return STORE_V_INT;
}

static void rows_table_reads_caller_rows(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	struct store *s = store_open(dir);
	assert_non_null(s);
	struct store_rows src = { "name TEXT, n INTEGER", 5, row_value, NULL };
	assert_int_equal(store_rows_set(s, "caller_rows", &src), 0);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM caller_rows"), 5);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM caller_rows WHERE name IS NULL"), 1);
	assert_int_equal(store_query_int(s, "SELECT sum(n) FROM caller_rows"), 150);
	assert_int_equal(store_query_int(s, "SELECT n FROM caller_rows WHERE name = 'Cleo'"), 30);
	static const struct { const char *where; int64_t count; } Q[] = {
		{"seq = 3", 1}, {"seq = 2.5", 0}, {"seq = 0", 0}, {"seq = 6", 0}, {"seq = -1", 0},
		{"seq = NULL", 0}, {"seq = 'x'", 0}, {"seq > 2", 3}, {"seq >= 2", 4},
		{"seq < 2", 1}, {"seq <= 2", 2}, {"seq > 2.5", 3}, {"seq >= 2.5", 3},
		{"seq < 2.5", 2}, {"seq <= 2.5", 2}, {"seq >= 2 AND seq < 4", 2},
		{"seq > 9223372036854775807", 0}, {"seq < -9223372036854775807", 0},
		{"seq <= 9223372036854775807", 5}, {"seq > -5", 5}, {"rowid = 4", 1},
	};
	for (size_t i = 0; i < sizeof(Q) / sizeof(Q[0]); i++) {
		char sql[160];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM caller_rows WHERE %s", Q[i].where);
		if (store_query_int(s, sql) != Q[i].count)
			fail_msg("%s: %lld rows, not %lld", Q[i].where, (long long)store_query_int(s, sql),
				 (long long)Q[i].count);
	}
	struct store_stmt *st = store_stmt(s, "SELECT seq, n FROM caller_rows WHERE seq >= ?1 ORDER BY seq");
	assert_non_null(st);
	store_bind_int(st, 1, 3);
	for (int64_t want = 3; want <= 5; want++) {
		assert_int_equal(store_step(st), STORE_ROW);
		assert_int_equal(store_col_int(st, 0), want);
		assert_int_equal(store_col_int(st, 1), want * 10);
	}
	assert_int_equal(store_step(st), STORE_DONE);
	store_reset(st);
	/* It joins like any table, and writes from it land in a real one. */
	assert_int_equal(store_exec(s, "CREATE TEMP TABLE copy AS SELECT seq, name FROM caller_rows"
				       " WHERE name IS NOT NULL"), 0);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM temp.copy JOIN caller_rows USING (seq)"), 4);
	/* Fewer rows; then none; then back. */
	src.count = 2;
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM caller_rows"), 2);
	assert_int_equal(store_rows_set(s, "caller_rows", NULL), 0);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM caller_rows"), 0);
	src.count = 5;
	assert_int_equal(store_rows_set(s, "caller_rows", &src), 0);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM caller_rows WHERE seq > 1"), 4);
	/* The columns of a name are fixed once it is defined. */
	struct store_rows other = { "x TEXT", 1, row_value, NULL };
	assert_int_equal(store_rows_set(s, "caller_rows", &other), -1);
	assert_non_null(strstr(err_msg(), "cannot change"));
	store_close(s);
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
		cmocka_unit_test(rows_table_reads_caller_rows),
		cmocka_unit_test(migrates_person_indexes_from_4),
	};
	return RUN_TESTS(tests);
}
