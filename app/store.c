#include "store.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Numbered migrations: MIGRATIONS[i] upgrades a database from user_version i to i + 1. Append
 * only; never edit one that has shipped. */
static const char *const MIGRATIONS[] = {
	/* 1: the first schema. */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE person("
	"  id INTEGER PRIMARY KEY,"
	"  uuid TEXT NOT NULL UNIQUE,"
	"  external_id TEXT,"
	"  first_name TEXT NOT NULL,"
	"  last_name TEXT NOT NULL DEFAULT '',"
	"  email TEXT, phone TEXT, postcode TEXT, lang TEXT,"
	"  source TEXT NOT NULL CHECK (source IN ('roster', 'walkin')),"
	"  consent_version TEXT, consent_at INTEGER,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX person_external ON person(external_id) WHERE external_id IS NOT NULL;"
	"CREATE INDEX person_email ON person(email) WHERE email IS NOT NULL;"
	"CREATE INDEX person_phone ON person(phone) WHERE phone IS NOT NULL;"
	"CREATE TABLE person_token(token TEXT NOT NULL, person_id INTEGER NOT NULL"
	"  REFERENCES person(id) ON DELETE CASCADE, PRIMARY KEY(token, person_id)) WITHOUT ROWID;"
	"CREATE INDEX person_token_person ON person_token(person_id);"
	"CREATE TABLE checkin("
	"  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, event TEXT NOT NULL,"
	"  person_id INTEGER NOT NULL REFERENCES person(id),"
	"  at INTEGER NOT NULL, clock_synced INTEGER NOT NULL,"
	"  method TEXT NOT NULL, undone_at INTEGER);"
	"CREATE UNIQUE INDEX checkin_once ON checkin(event, person_id) WHERE undone_at IS NULL;"
	"CREATE TABLE commitment("
	"  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, event TEXT NOT NULL,"
	"  person_id INTEGER NOT NULL REFERENCES person(id),"
	"  role TEXT NOT NULL, role_kind TEXT NOT NULL, team TEXT,"
	"  details TEXT NOT NULL DEFAULT '{}', lang TEXT,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, cancelled_at INTEGER);"
	"CREATE INDEX commitment_event ON commitment(event, person_id);"
	"CREATE TABLE agenda_state("
	"  event TEXT PRIMARY KEY, segment INTEGER NOT NULL DEFAULT 0,"
	"  running INTEGER NOT NULL DEFAULT 0, started_at INTEGER, paused_at INTEGER,"
	"  adjust_ms INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);"
	"CREATE TABLE agenda_log("
	"  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, event TEXT NOT NULL,"
	"  segment INTEGER NOT NULL, title TEXT NOT NULL, what TEXT NOT NULL,"
	"  at INTEGER NOT NULL, value TEXT);"
	"CREATE TABLE outbox("
	"  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
	"  person_uuid TEXT, payload TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL, clock_synced INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'parked')),"
	"  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT, sent_at INTEGER);"
	"CREATE INDEX outbox_pending ON outbox(state, id);"
	"CREATE TABLE print_job("
	"  id INTEGER PRIMARY KEY, commitment_id INTEGER NOT NULL REFERENCES commitment(id),"
	"  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'printed', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
	"  created_at INTEGER NOT NULL, printed_at INTEGER);",
	/* 2: a walk-in who gave a known email or phone under another name is a new person marked
	 * as a possible duplicate of the known one, for the organizers to resolve; and codes are
	 * matched without regard to case. */
	"ALTER TABLE person ADD COLUMN duplicate_of INTEGER REFERENCES person(id);"
	/* A scanned code matches its RSVP id whatever the case the scanner sends. */
	"CREATE INDEX person_external_nocase ON person(external_id COLLATE NOCASE)"
	"  WHERE external_id IS NOT NULL;",
	/* 3: stations (app/sync/). This station gets a random id; every local outbox record gets
	 * (origin, seq), this station's id and the next number of its own sequence, by a trigger so
	 * no writer can forget it (existing records are numbered 1, 2, ... in id order). Records from other
	 * stations live in sync_record, never in the outbox, so the uploader cannot send them.
	 * sync_person maps a peer's uuid for a person to the local row it was merged with (a
	 * roster person has a different uuid on each station). A check-in that lost the merge of
	 * one person checked in at two doors is kept as a row, marked merged_into the winner. */
	"INSERT OR IGNORE INTO meta(key, value) VALUES ('station_id',"
	"  lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||"
	"  substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random() % 4), 1) ||"
	"  substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))));"
	"ALTER TABLE outbox ADD COLUMN origin TEXT;"
	"ALTER TABLE outbox ADD COLUMN seq INTEGER;"
	"UPDATE outbox SET origin = (SELECT value FROM meta WHERE key = 'station_id'), seq = n.rn"
	"  FROM (SELECT id AS nid, row_number() OVER (ORDER BY id) AS rn FROM outbox) AS n"
	"  WHERE outbox.id = n.nid;"
	"CREATE UNIQUE INDEX outbox_origin_seq ON outbox(origin, seq);"
	"CREATE TRIGGER outbox_station_seq AFTER INSERT ON outbox WHEN NEW.origin IS NULL BEGIN"
	"  UPDATE outbox SET origin = (SELECT value FROM meta WHERE key = 'station_id'),"
	"   seq = (SELECT coalesce(max(seq), 0) + 1 FROM outbox"
	"          WHERE origin = (SELECT value FROM meta WHERE key = 'station_id'))"
	"  WHERE id = NEW.id;"
	"END;"
	"CREATE TABLE sync_record("
	"  origin TEXT NOT NULL, seq INTEGER NOT NULL, uuid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
	"  person_uuid TEXT, payload TEXT NOT NULL, created_at INTEGER NOT NULL,"
	"  clock_synced INTEGER NOT NULL, received_at INTEGER NOT NULL,"
	"  applied INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(origin, seq)) WITHOUT ROWID;"
	"CREATE INDEX sync_record_waiting ON sync_record(applied) WHERE applied = 0;"
	"CREATE TABLE sync_person(uuid TEXT PRIMARY KEY, person_id INTEGER NOT NULL"
	"  REFERENCES person(id) ON DELETE CASCADE) WITHOUT ROWID;"
	"ALTER TABLE checkin ADD COLUMN merged_into TEXT;",
	/* 4: the search index lives in memory (people/index.h), built from person; person_token
	 * goes. rev says which people changed since an index was read: every write of a name or
	 * an email sets it to one more than the highest, so `rev > R` finds what is new. */
	"ALTER TABLE person ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX person_rev ON person(rev);"
	"DROP TABLE person_token;",
	/* 5: fewer indexes for a roster import to sort. One index finds an external id both
	 * exactly and whatever its case (a scanner's capitals): (id COLLATE NOCASE, id) is unique
	 * exactly when the id is, so it keeps the constraint and replaces two indexes. A bulk
	 * load's people get rev 0 and the load one rev of its own in meta (person_bulk_rev), so
	 * person_rev holds only people changed one by one (people/index.h). */
	"DROP INDEX person_external;"
	"DROP INDEX person_external_nocase;"
	"CREATE UNIQUE INDEX person_external ON person(external_id COLLATE NOCASE, external_id)"
	"  WHERE external_id IS NOT NULL;"
	"DROP INDEX person_rev;"
	"CREATE INDEX person_rev ON person(rev) WHERE rev > 0;",
};

#define STMT_CACHE_MAX 256
#define STORE_ROWS_TABLES 4 /* store_rows_set() tables per connection */

struct store_stmt {
	sqlite3_stmt *st;
	const char *key; /* the caller's pointer: the fast path for the usual string literal */
	char *sql;       /* our copy of the text, so a caller's buffer may go away */
	struct store *s;
};

struct store {
	sqlite3 *db;
	char *path;
	char *dir;
	struct store_stmt stmts[STMT_CACHE_MAX];
	int nstmts;
	int full;              /* the last write failed for want of space (store_is_full) */
	int64_t tx_changes;    /* sqlite3_total_changes64() at store_tx_begin() */
	unsigned tx_tables;    /* STORE_T_* bits of the tables the open transaction wrote */
	store_commit_fn on_commit;
	void *on_commit_ctx;
	void *ext;             /* store_set_ext() */
	void (*ext_release)(void *ext);
	struct rows_mod *rows[STORE_ROWS_TABLES]; /* store_rows_set(): owned by SQLite's modules */
	int nrows;
};

int store_schema_version(void)
{
	return (int)ARRAY_SIZE(MIGRATIONS);
}

/* A full disk: SQLite says SQLITE_FULL when a write() fails with ENOSPC, but growing the -shm
 * file, ftruncate() and fsync() report it as an I/O error with the OS's errno underneath, and a
 * user quota as EDQUOT. */
static int rc_is_full(struct store *s, int rc)
{
	if ((rc & 0xff) == SQLITE_FULL)
		return 1;
	if ((rc & 0xff) != SQLITE_IOERR && (rc & 0xff) != SQLITE_CANTOPEN)
		return 0;
	int e = sqlite3_system_errno(s->db);
	return e == ENOSPC || e == EDQUOT;
}

/* The message for a failed call that returned rc; a full disk is said in plain words, because
 * it reaches the volunteer at the door, and it raises store_is_full(). */
static int db_fail(struct store *s, int rc, const char *what, const char *detail)
{
	if (rc_is_full(s, rc)) {
		s->full = 1;
		return err_set("the data folder '%s' is full (no space left on the device): nothing "
			       "new can be saved", s->dir);
	}
	return err_set("%s '%s': %s", what, s->path, detail ? detail : sqlite3_errmsg(s->db));
}

static int db_error(struct store *s, int rc, const char *what)
{
	return db_fail(s, rc, what, NULL);
}

int store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		db_fail(s, rc, "database", msg);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int64_t store_query_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		db_error(s, rc, "cannot query");
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		db_error(s, rc, "cannot query");
	sqlite3_finalize(st);
	return v;
}

static int migrate(struct store *s)
{
	int64_t have = store_query_int(s, "PRAGMA user_version");
	int want = store_schema_version();
	if (have < 0)
		return -1;
	if (have > want)
		return err_set("'%s' was written by a newer version of barnstorm (schema %lld, this "
			       "one knows up to %d); use that version or another data directory",
			       s->path, (long long)have, want);
	for (int v = (int)have; v < want; v++) {
		char bump[64];
		str_fmt(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
		if (store_tx_begin(s) < 0)
			return -1;
		if (store_exec(s, MIGRATIONS[v]) < 0 || store_exec(s, bump) < 0) {
			char msg[1024];
			str_copy(msg, sizeof(msg), err_msg());
			store_tx_rollback(s);
			return err_set("cannot upgrade '%s' to schema %d: %s", s->path, v + 1, msg);
		}
		if (store_tx_commit(s) < 0)
			return -1;
	}
	return 0;
}

/* The data folder and the database hold political opinion (GDPR art. 9): owner only, however
 * the kiosk was started (an inherited umask of 022, a folder made by hand). Only what is ours is
 * changed. */
static void owner_only(const char *path, mode_t want)
{
	struct stat sb;
	if (stat(path, &sb) == 0 && sb.st_uid == geteuid() && (sb.st_mode & 0077))
		chmod(path, (sb.st_mode & 07700) | want);
}

struct store *store_open(const char *dir)
{
	struct stat sb;
	if (stat(dir, &sb) < 0) {
		if (errno != ENOENT || dir_make(dir) < 0) {
			err_set("cannot create data directory '%s': %s", dir, strerror(errno));
			return NULL;
		}
	} else if (!S_ISDIR(sb.st_mode)) {
		err_set("data directory '%s' is not a directory", dir);
		return NULL;
	}
	if (access(dir, W_OK) < 0) {
		err_set("data directory '%s' is not writable: %s", dir, strerror(errno));
		return NULL;
	}
	struct store *s = xcalloc(1, sizeof(*s));
	size_t n = strlen(dir) + sizeof("/barnstorm.db");
	s->path = xmalloc(n);
	str_fmt(s->path, n, "%s/barnstorm.db", dir);
	s->dir = xstrdup(dir);
	int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (s->db)
			db_error(s, rc, "cannot open database");
		else
			err_set("cannot open database '%s': out of memory", s->path);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_extended_result_codes(s->db, 1);
	/* Probe the file: a corrupt or foreign file fails here with a clear message. */
	if (store_query_int(s, "SELECT count(*) FROM sqlite_schema") < 0)
		goto fail;
	/* People typed this data: WAL + FULL survives power loss; foreign keys guard references. */
	if (store_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			  "PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000;") < 0)
		goto fail;
	if (migrate(s) < 0)
		goto fail;
	owner_only(dir, 0700);
	static const char *const SUFFIX[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < ARRAY_SIZE(SUFFIX); i++) {
		char f[4200];
		if (str_fmt(f, sizeof(f), "%s%s", s->path, SUFFIX[i]) >= 0)
			owner_only(f, 0600);
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->ext_release)
		s->ext_release(s->ext);
	for (int i = 0; i < s->nstmts; i++) {
		sqlite3_finalize(s->stmts[i].st);
		free(s->stmts[i].sql);
	}
	if (s->db)
		sqlite3_close(s->db);
	free(s->path);
	free(s->dir);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

void *store_ext(struct store *s)
{
	return s->ext;
}

void store_set_ext(struct store *s, void *ext, void (*release)(void *ext))
{
	s->ext = ext;
	s->ext_release = release;
}

/* SQLite tells every row written (sqlite3_update_hook); the bits say which tables a transaction
 * touched, so a listener hears "check-ins changed" without any module announcing it. */
static const struct { const char *name; unsigned bit; } TABLE_BITS[] = {
	{"person", STORE_T_PERSON}, {"checkin", STORE_T_CHECKIN},
	{"commitment", STORE_T_COMMITMENT}, {"agenda_state", STORE_T_AGENDA},
	{"agenda_log", STORE_T_AGENDA}, {"outbox", STORE_T_OUTBOX}, {"print_job", STORE_T_PRINT},
	{"meta", STORE_T_META},
};

static void row_written(void *ctx, int op, const char *db, const char *table, sqlite3_int64 rowid)
{
	struct store *s = ctx;
	(void)op;
	(void)db;
	(void)rowid;
	for (size_t i = 0; i < ARRAY_SIZE(TABLE_BITS); i++)
		if (!strcmp(table, TABLE_BITS[i].name)) {
			s->tx_tables |= TABLE_BITS[i].bit;
			return;
		}
	s->tx_tables |= STORE_T_OTHER;
}

void store_on_commit(struct store *s, store_commit_fn fn, void *ctx)
{
	s->on_commit = fn;
	s->on_commit_ctx = ctx;
	sqlite3_update_hook(s->db, fn ? row_written : NULL, fn ? s : NULL);
}

int store_tx_begin(struct store *s)
{
	/* IMMEDIATE takes the write lock now, so a busy database fails here, not mid-transaction. */
	if (store_exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	s->tx_changes = sqlite3_total_changes64(s->db);
	s->tx_tables = 0;
	return 0;
}

int store_tx_commit(struct store *s)
{
	if (store_exec(s, "COMMIT") < 0) {
		char msg[1024];
		str_copy(msg, sizeof(msg), err_msg());
		store_tx_rollback(s);
		return err_set("%s", msg);
	}
	/* Only a commit that wrote rows proves there is room again, and only while the disk has
	 * room for more than this one small write: a PIN reset that fits in the last free page
	 * must not tell the organizers "ready" while every check-in at the door fails. */
	int wrote = sqlite3_total_changes64(s->db) != s->tx_changes;
	if (wrote)
		s->full = store_dir_full(s->dir);
	unsigned tables = s->tx_tables;
	s->tx_tables = 0;
	if (wrote && tables && s->on_commit)
		s->on_commit(s->on_commit_ctx, tables);
	return 0;
}

int store_is_full(const struct store *s)
{
	return s->full;
}

int store_dir_full(const char *dir)
{
	struct statvfs vs;
	if (statvfs(dir, &vs) < 0)
		return 0;
	/* f_bavail: what an unprivileged user (the kiosk's) may still use; ext4 keeps 5 % for root. */
	return (uint64_t)vs.f_bavail * vs.f_frsize < STORE_MIN_FREE;
}

void store_tx_rollback(struct store *s)
{
	s->tx_tables = 0;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

struct store_stmt *store_stmt(struct store *s, const char *sql)
{
	for (int i = 0; i < s->nstmts; i++)
		if (s->stmts[i].key == sql && strcmp(s->stmts[i].sql, sql) == 0)
			return &s->stmts[i];
	for (int i = 0; i < s->nstmts; i++)
		if (strcmp(s->stmts[i].sql, sql) == 0)
			return &s->stmts[i];
	if (s->nstmts == STMT_CACHE_MAX)
		BUG("more distinct SQL statements than STMT_CACHE_MAX");
	struct store_stmt *st = &s->stmts[s->nstmts];
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->st, NULL);
	if (rc != SQLITE_OK) {
		db_error(s, rc, "cannot prepare statement on");
		return NULL;
	}
	st->key = sql;
	st->sql = xstrdup(sql);
	st->s = s;
	s->nstmts++;
	return st;
}

void store_bind_int(struct store_stmt *st, int idx, int64_t v)
{
	if (sqlite3_bind_int64(st->st, idx, v) != SQLITE_OK)
		BUG("bad bind index");
}

void store_bind_text(struct store_stmt *st, int idx, const char *v)
{
	int rc = v ? sqlite3_bind_text(st->st, idx, v, -1, SQLITE_TRANSIENT)
		   : sqlite3_bind_null(st->st, idx);
	if (rc != SQLITE_OK)
		BUG("bad bind index");
}

void store_bind_null(struct store_stmt *st, int idx)
{
	if (sqlite3_bind_null(st->st, idx) != SQLITE_OK)
		BUG("bad bind index");
}

int store_step(struct store_stmt *st)
{
	int rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return STORE_ROW;
	if (rc == SQLITE_DONE)
		return STORE_DONE;
	db_error(st->s, rc, "database");
	return -1;
}

int64_t store_col_int(struct store_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

const char *store_col_text(struct store_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st->st, col);
	return t ? (const char *)t : "";
}

int store_col_is_null(struct store_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

void store_reset(struct store_stmt *st)
{
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
}

int64_t store_last_id(struct store *s)
{
	return sqlite3_last_insert_rowid(s->db);
}

int store_changes(struct store *s)
{
	return sqlite3_changes(s->db);
}

int store_meta_get(struct store *s, const char *key, char *out, int size)
{
	struct store_stmt *st = store_stmt(s, "SELECT value FROM meta WHERE key = ?1");
	if (!st)
		return -1;
	store_bind_text(st, 1, key);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		str_copy(out, (size_t)size, store_col_text(st, 0));
	else
		out[0] = '\0';
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
	struct store_stmt *st = store_stmt(s, "INSERT INTO meta(key, value) VALUES (?1, ?2) "
					      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (!st)
		return -1;
	store_bind_text(st, 1, key);
	store_bind_text(st, 2, value);
	int rc = store_step(st);
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_meta_save(struct store *s, const char *key, const char *value)
{
	if (store_tx_begin(s) < 0)
		return -1;
	if (store_meta_set(s, key, value) < 0) {
		store_tx_rollback(s);
		return -1;
	}
	return store_tx_commit(s);
}

/* ---- store_rows_set(): an eponymous virtual table over the caller's rows ---- */

struct rows_mod {
	char name[64];
	char *decl;
	const struct store_rows *src;
};

struct rows_vtab {
	sqlite3_vtab base;
	struct rows_mod *mod;
};

struct rows_cursor {
	sqlite3_vtab_cursor base;
	int64_t row, last;
};

static void rows_mod_free(void *p)
{
	struct rows_mod *m = p;
	free(m->decl);
	free(m);
}

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
			sqlite3_vtab **out, char **err)
{
	(void)argc;
	(void)argv;
	struct rows_mod *m = aux;
	char *sql = sqlite3_mprintf("CREATE TABLE x(seq INTEGER, %s)", m->decl);
	int rc = sql ? sqlite3_declare_vtab(db, sql) : SQLITE_NOMEM;
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		*err = sqlite3_mprintf("%s: bad columns '%s'", m->name, m->decl);
		return rc;
	}
	struct rows_vtab *v = sqlite3_malloc(sizeof(*v));
	if (!v)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof(*v));
	v->mod = m;
	*out = &v->base;
	return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* Constraints on seq are passed to xFilter in order, their operators 3 bits each in idxNum. */
enum { ROWS_EQ = 1, ROWS_GT, ROWS_GE, ROWS_LT, ROWS_LE };

static int rows_best_index(sqlite3_vtab *vt, sqlite3_index_info *ix)
{
	struct rows_vtab *v = (struct rows_vtab *)vt;
	int64_t n = v->mod->src ? v->mod->src->count : 0;
	int argv = 0, ops = 0, eq = 0, bounded = 0;
	for (int i = 0; i < ix->nConstraint && argv < 8; i++) {
		const struct sqlite3_index_constraint *c = &ix->aConstraint[i];
		if (!c->usable || (c->iColumn != 0 && c->iColumn != -1))
			continue;
		int op;
		switch (c->op) {
		case SQLITE_INDEX_CONSTRAINT_EQ: op = ROWS_EQ; eq = 1; break;
		case SQLITE_INDEX_CONSTRAINT_GT: op = ROWS_GT; bounded = 1; break;
		case SQLITE_INDEX_CONSTRAINT_GE: op = ROWS_GE; bounded = 1; break;
		case SQLITE_INDEX_CONSTRAINT_LT: op = ROWS_LT; bounded = 1; break;
		case SQLITE_INDEX_CONSTRAINT_LE: op = ROWS_LE; bounded = 1; break;
		default: continue;
		}
		ix->aConstraintUsage[i].argvIndex = ++argv;
		ix->aConstraintUsage[i].omit = 1;
		ops |= op << (3 * (argv - 1));
	}
	ix->idxNum = ops;
	if (ix->nOrderBy == 1 && (ix->aOrderBy[0].iColumn == 0 || ix->aOrderBy[0].iColumn == -1) &&
	    !ix->aOrderBy[0].desc)
		ix->orderByConsumed = 1;
	int64_t rows = eq ? 1 : bounded ? n / 4 + 1 : n + 1;
	ix->estimatedRows = rows;
	ix->estimatedCost = (double)rows;
	if (eq)
		ix->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
	return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	(void)vt;
	struct rows_cursor *c = sqlite3_malloc(sizeof(*c));
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cur, int num, const char *str, int argc,
		       sqlite3_value **argv)
{
	(void)str;
	struct rows_cursor *c = (struct rows_cursor *)cur;
	struct rows_vtab *v = (struct rows_vtab *)cur->pVtab;
	int64_t lo = 1, hi = v->mod->src ? v->mod->src->count : 0;
	for (int i = 0; i < argc; i++) {
		int op = (num >> (3 * i)) & 7;
		int t = sqlite3_value_numeric_type(argv[i]);
		if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
			hi = 0;   /* seq compared with NULL or text: nothing */
			break;
		}
		/* Whole bounds: seq > 2.5 is seq >= 3. No row is outside 1..hi, so a value clamped
		 * to 0..hi + 1 selects the same rows. */
		int64_t fl, ce;
		if (t == SQLITE_INTEGER) {
			int64_t x = sqlite3_value_int64(argv[i]);
			fl = ce = x < 0 ? 0 : x > hi + 1 ? hi + 1 : x;
		} else {
			double d = sqlite3_value_double(argv[i]), top = (double)(hi + 1);
			d = !(d >= 0) ? 0 : d > top ? top : d;   /* and NaN, which SQLite never gives */
			fl = (int64_t)floor(d);
			ce = (int64_t)ceil(d);
		}
		int64_t a = lo, b = hi;
		switch (op) {
		case ROWS_EQ: a = ce; b = fl; break;   /* not whole: ce > fl, nothing */
		case ROWS_GT: a = fl + 1; break;
		case ROWS_GE: a = ce; break;
		case ROWS_LT: b = ce - 1; break;
		case ROWS_LE: b = fl; break;
		}
		lo = a > lo ? a : lo;
		hi = b < hi ? b : hi;
	}
	c->row = lo;
	c->last = hi;
	return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur)
{
	((struct rows_cursor *)cur)->row++;
	return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur)
{
	struct rows_cursor *c = (struct rows_cursor *)cur;
	return c->row > c->last;
}

static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct rows_cursor *c = (struct rows_cursor *)cur;
	const struct store_rows *src = ((struct rows_vtab *)cur->pVtab)->mod->src;
	if (col == 0 || !src) {
		sqlite3_result_int64(ctx, c->row);
		return SQLITE_OK;
	}
	const char *text = NULL;
	int64_t num = 0;
	switch (src->value(src->ctx, c->row, col, &text, &num)) {
	case STORE_V_TEXT:
		sqlite3_result_text(ctx, text, -1, SQLITE_STATIC);
		break;
	case STORE_V_TEXT_COPY:
		sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
		break;
	case STORE_V_INT:
		sqlite3_result_int64(ctx, num);
		break;
	default:
		sqlite3_result_null(ctx);
	}
	return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *out)
{
	*out = ((struct rows_cursor *)cur)->row;
	return SQLITE_OK;
}

static const sqlite3_module ROWS_MODULE = {
	.iVersion = 0,
	.xCreate = NULL, /* eponymous only: read as NAME, never CREATE VIRTUAL TABLE'd */
	.xConnect = rows_connect,
	.xBestIndex = rows_best_index,
	.xDisconnect = rows_disconnect,
	.xDestroy = rows_disconnect,
	.xOpen = rows_open,
	.xClose = rows_close,
	.xFilter = rows_filter,
	.xNext = rows_next,
	.xEof = rows_eof,
	.xColumn = rows_column,
	.xRowid = rows_rowid,
};

int store_rows_set(struct store *s, const char *name, const struct store_rows *src)
{
	for (int i = 0; i < s->nrows; i++)
		if (!strcmp(s->rows[i]->name, name)) {
			if (src && strcmp(src->decl, s->rows[i]->decl))
				return err_set("rows '%s': its columns cannot change", name);
			s->rows[i]->src = src;
			return 0;
		}
	if (!src)
		return 0;
	if (s->nrows == STORE_ROWS_TABLES)
		return err_set("rows '%s': at most %d such tables", name, STORE_ROWS_TABLES);
	struct rows_mod *m = xcalloc(1, sizeof(*m));
	if (str_copy(m->name, sizeof(m->name), name) < 0) {
		free(m);
		return err_set("rows '%.20s...': name too long", name);
	}
	m->decl = xstrdup(src->decl);
	m->src = src;
	/* SQLite owns m from here, even when this fails: rows_mod_free() runs either way. */
	int rc = sqlite3_create_module_v2(s->db, name, &ROWS_MODULE, m, rows_mod_free);
	if (rc != SQLITE_OK)
		return err_set("rows '%s': %s", name, sqlite3_errmsg(s->db));
	s->rows[s->nrows++] = m;
	return 0;
}

int store_integrity_ok(struct store *s)
{
	sqlite3_stmt *st;
	int ok = 0;
	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	return ok;
}
