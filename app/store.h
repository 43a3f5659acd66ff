/* The store: the one module that includes sqlite3.h. It owns the database file `barnstorm.db` in
 * the data directory, creates and upgrades its schema by numbered migrations (PRAGMA
 * user_version), and refuses a database written by a newer version of the kiosk.
 *
 * Durability: WAL with synchronous=FULL, so a write that store_tx_commit() returned 0 for survives
 * a pulled power plug. Every write happens inside store_tx_begin()/store_tx_commit().
 *
 * Domain modules keep their own SQL and run it through cached prepared statements:
 *
 *     struct store_stmt *st = store_stmt(s, "SELECT first_name FROM person WHERE id = ?1");
 *     store_bind_int(st, 1, id);
 *     while (store_step(st) == STORE_ROW) use(store_col_text(st, 0));
 *     store_reset(st);
 *
 * store_stmt() caches by the SQL text, so the same literal is prepared once per connection. The
 * statements belong to the store and are finalized by store_close(). A store is used by one thread
 * at a time; a background thread opens its own store on the same directory.
 *
 * The schema (see SCHEMA in store.c) is shared by all modules:
 *   meta(key, value)                        settings such as the PIN lockout
 *   person(id, uuid, external_id, first_name, last_name, email, phone, postcode, lang, source,
 *          consent_version, consent_at, created_at, updated_at, duplicate_of, rev)
 *   checkin(id, uuid, event, person_id, at, clock_synced, method, undone_at)
 *   commitment(id, uuid, event, person_id, role, role_kind, team, details, lang, created_at,
 *              updated_at, cancelled_at)
 *   agenda_state(event, segment, running, started_at, paused_at, adjust_ms, updated_at)
 *   agenda_log(id, uuid, event, segment, title, what, at, value)
 *   outbox(id, uuid, kind, person_uuid, payload, created_at, clock_synced, state, attempts,
 *          next_attempt_at, last_error, sent_at)
 *   print_job(id, commitment_id, state, attempts, last_error, created_at, printed_at)
 * Times are milliseconds since the Unix epoch, UTC. */
#ifndef BARNSTORM_STORE_H
#define BARNSTORM_STORE_H

#include <stdint.h>

struct store;
struct store_stmt;

#define STORE_ROW 1
#define STORE_DONE 0

/* The schema version this build writes. */
int store_schema_version(void);

/* Opens (creating if needed) DIR/barnstorm.db and migrates it. NULL with err_msg() on failure:
 * an unwritable directory, a corrupt file, or a database from a newer version. */
struct store *store_open(const char *dir);
void store_close(struct store *s);
/* The database file's path. */
const char *store_path(const struct store *s);
/* One value a domain module keeps with this connection (the people search index, which is
 * per connection because a store is used by one thread): NULL until set. store_close() calls
 * release(ext) first, while the database is still open. */
void *store_ext(struct store *s);
void store_set_ext(struct store *s, void *ext, void (*release)(void *ext));

/* A failed statement inside a transaction leaves it to the caller to roll back; a failed commit
 * rolls back itself. Either way everything committed before stays as it was. */
int store_tx_begin(struct store *s);
int store_tx_commit(struct store *s);
void store_tx_rollback(struct store *s);

/* What a committed transaction wrote, as bits of the tables it touched. */
#define STORE_T_PERSON     0x01u
#define STORE_T_CHECKIN    0x02u
#define STORE_T_COMMITMENT 0x04u
#define STORE_T_AGENDA     0x08u  /* agenda_state, agenda_log */
#define STORE_T_OUTBOX     0x10u
#define STORE_T_PRINT      0x20u  /* print_job */
#define STORE_T_META       0x40u
#define STORE_T_OTHER      0x80u
typedef void (*store_commit_fn)(void *ctx, unsigned tables);
/* Calls fn(ctx, tables) on this connection's thread after each store_tx_commit() that wrote rows,
 * once the data is durable: the one path by which a committed record wakes the uploader and the
 * screens that show it. fn NULL removes it. fn must not use the store. */
void store_on_commit(struct store *s, store_commit_fn fn, void *ctx);
/* Sets one meta key in a transaction of its own; -1 with err_msg() (nothing changed) on failure. */
int store_meta_save(struct store *s, const char *key, const char *value);

/* A full data partition. Any call that fails because the disk (or the user's quota) is full --
 * SQLITE_FULL, or an I/O error with ENOSPC/EDQUOT underneath, also while store_open() creates
 * the -wal and -shm files -- sets err_msg() to "the data folder 'DIR' is full (no space left on
 * the device): nothing new can be saved". store_is_full() is 1 from such a failure on this
 * connection until a store_tx_commit() that wrote rows finds the disk with room again
 * (more than STORE_MIN_FREE free, probed at each such commit), so the organizer screens can say
 * so while it lasts. What was committed before is never touched. */
int store_is_full(const struct store *s);
/* Less than this many bytes free for the kiosk's user in the data folder's file system: the
 * store cannot open its -shm and -wal files or write a check-in. */
#define STORE_MIN_FREE (256 * 1024)
/* 1 when the file system that holds dir has less than STORE_MIN_FREE bytes available (statvfs),
 * 0 otherwise or when it cannot tell. For explaining a store_open() that failed, when there is no
 * store to ask store_is_full(). */
int store_dir_full(const char *dir);

/* Runs one or more statements without results (for tests and migrations). */
int store_exec(struct store *s, const char *sql);

/* A cached prepared statement for this SQL text; NULL with err_msg() if it does not compile. */
struct store_stmt *store_stmt(struct store *s, const char *sql);
void store_bind_int(struct store_stmt *st, int idx, int64_t v);
/* Binds a copy of the text; NULL binds SQL NULL. */
void store_bind_text(struct store_stmt *st, int idx, const char *v);
void store_bind_null(struct store_stmt *st, int idx);
/* STORE_ROW, STORE_DONE, or -1 with err_msg() (e.g. a constraint failed). */
int store_step(struct store_stmt *st);
/* Column values of the current row; text is "" for NULL and valid until the next step/reset. */
int64_t store_col_int(struct store_stmt *st, int col);
const char *store_col_text(struct store_stmt *st, int col);
int store_col_is_null(struct store_stmt *st, int col);
/* Ends a statement's use: resets it and clears its bindings. */
void store_reset(struct store_stmt *st);
/* Rowid of the last insert and rows changed by the last statement on this connection. */
int64_t store_last_id(struct store *s);
int store_changes(struct store *s);

/* One integer from a query with no parameters (e.g. a count); -1 on error. */
int64_t store_query_int(struct store *s, const char *sql);

/* meta table: a setting by key. store_meta_get copies into out[size], "" if unset. */
int store_meta_get(struct store *s, const char *key, char *out, int size);
int store_meta_set(struct store *s, const char *key, const char *value);

/* A read-only table over rows the caller holds in memory, which SQL reads as NAME (e.g. to
 * INSERT ... SELECT a staged roster without copying it into a TEMP table first). Column 0 is
 * the row number, 1..count, also the rowid; constraints on it (=, <, <=, >, >=) and ORDER BY it
 * are answered without a scan or a sort. value() gives column col (>= 1) of row (1-based):
 * STORE_V_TEXT with *text, which must stay as it is while these rows are set (SQLite reads it
 * without a copy), STORE_V_TEXT_COPY with *text that SQLite copies at once (a value made for
 * the call), STORE_V_INT with *num, or STORE_V_NULL.
 * decl lists the columns after the row number (which is named seq), as in CREATE TABLE:
 * "ext TEXT, touched INT".
 * store_rows_set() the first time for a NAME defines it on this connection; later calls give
 * the same NAME (with the same decl) new rows. src NULL: the table is empty until set again.
 * The caller keeps src and its rows alive while set. -1 with err_msg() on failure. */
#define STORE_V_NULL 0
#define STORE_V_TEXT 1
#define STORE_V_INT  2
#define STORE_V_TEXT_COPY 3
struct store_rows {
	const char *decl;
	int64_t count;
	int (*value)(void *ctx, int64_t row, int col, const char **text, int64_t *num);
	void *ctx;
};
int store_rows_set(struct store *s, const char *name, const struct store_rows *src);

/* PRAGMA integrity_check == "ok": 1, else 0. */
int store_integrity_ok(struct store *s);

#endif
