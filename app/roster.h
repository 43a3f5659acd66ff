/* Roster import: a CSV file of people (from Excel in Danish/Swedish locale or an organizing
 * platform's export) into the person table through the people module's bulk merge
 * (people_bulk_*: people_upsert()'s rules, set-based where no row can merge).
 *
 * Parsing uses libcsv, fed one physical line at a time so that every record has a line number
 * and a runaway quoted field (an unbalanced quote) can be rejected and parsing restarted at the
 * next line instead of swallowing the rest of the file.
 *
 * Detected: the delimiter (';', ',' or tab, from the header line), a UTF-8 BOM, CRLF or LF line
 * ends. Encoding is decided per field: valid UTF-8 is taken as it is, anything else is
 * Windows-1252 (what Excel's plain "CSV" writes), so a file mixing both still imports.
 * Headers are recognised in English, Danish and Swedish with their usual synonyms, and the
 * pack's [roster] section maps any other header to a field (first_name, last_name, name,
 * email, phone, postcode, external_id). A "name" column is split on its last space.
 *
 * Limits (each stops or rejects with a message that says so): a field over 1 KiB rejects its
 * row; a record over 16 KiB or 64 lines (an unbalanced quote) rejects the row and parsing
 * resumes on the line after its start; a file over 200 MB or 2,000,000 rows stops the import
 * with rows before the limit kept. The file is streamed, each row normalised, into memory
 * (about the row's own text plus 9 bytes; bench_import: 138 MB at most for the whole import of
 * 1,000,000 rows, 61 MB at 100,000), so the limits bound memory too. A bad row never loses a
 * good one.
 *
 * Importing the same file twice changes nothing (all rows count as unchanged). */
#ifndef BARNSTORM_ROSTER_H
#define BARNSTORM_ROSTER_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct clock;
struct pack;
struct roster_report;

#define ROSTER_MAX_REASONS 1000       /* rejected rows listed one by one; the rest counted */
#define ROSTER_FIELD_MAX 1024         /* bytes */
#define ROSTER_FILE_MAX (200L * 1024 * 1024)
#define ROSTER_ROWS_MAX 2000000L

struct roster_reject {
	long line;          /* 1-based physical line where the row starts */
	char reason[96];    /* "no first name", "invalid email 'x@'", ... */
};

/* One column of the header line and what it was read as. */
struct roster_column {
	char header[64];    /* as written (cut at a character boundary) */
	char as[48];        /* "first name", "registration id (RSVP)", ..., or "ignored" */
};

/* Progress of a running import, for a progress bar (see struct roster_hooks). */
struct roster_progress {
	int saving;         /* 0 while reading the file, 1 while merging into the person table */
	long rows;          /* data rows read */
	long long bytes;    /* bytes of the file read ... */
	long long total;    /* ... of its size */
	long merged;        /* rows merged so far (while saving) */
};

/* For a background import (core/import.h); all members may be 0/NULL. */
struct roster_hooks {
	/* Called every ROSTER_PROGRESS_ROWS lines read and rows saved, at the switch from reading
	 * to saving, and after the commit. */
	void (*progress)(void *ctx, const struct roster_progress *p);
	/* Polled as often: 1 stops the import; roster_import_ex() returns -1 ("cancelled") and the
	 * person table is as it was. */
	int (*cancelled)(void *ctx);
	/* Runs inside the final transaction, after the roster was merged and before the commit
	 * (e.g. to record the file's signature with it); -1 rolls it all back. */
	int (*before_commit)(void *ctx, struct store *s, const struct roster_report *r);
	void *ctx;
	/* Kill tests: the process sends itself SIGKILL after this many rows were read (phase 1)
	 * or merged (phase 2), or just before the final commit (phase 3). 0: off. */
	long kill_after_rows;
	int kill_phase;
};

#define ROSTER_PROGRESS_ROWS 5000
#define ROSTER_MAX_COLUMNS 64         /* columns listed in the report; more are counted */

struct roster_report {
	long imported;      /* new people */
	long merged;        /* known people with new details */
	long unchanged;     /* known people, nothing new */
	long rejected;      /* all rejected rows (more than nreasons when many) */
	struct roster_reject *reasons; /* the first ROSTER_MAX_REASONS; owned, see release */
	int nreasons;
	long warned;        /* rows kept without a field (an invalid email or phone) */
	struct roster_reject *warnings; /* the first ROSTER_MAX_REASONS of those; owned */
	int nwarnings;
	struct roster_column columns[ROSTER_MAX_COLUMNS]; /* the header line, in order */
	int ncolumns;       /* listed; total_columns counts them all */
	int total_columns;
	int has_id;         /* a column was read as the registration id (RSVP) */
	char delimiter;     /* what was detected */
	int bom;            /* 1 when the file started with a UTF-8 BOM */
	int cp1252_fields;  /* fields that were decoded as Windows-1252 */
	char stopped[256];  /* "" or why the import stopped early (a limit), rows before it kept */
};

void roster_report_init(struct roster_report *r);
void roster_report_release(struct roster_report *r);

/* Imports the CSV file at path in two steps: the rows are read into memory (nothing is written
 * while reading, so a killed import leaves nothing behind and the person table is not locked
 * meanwhile), then merged by people_upsert()'s rules in one
 * transaction (people_bulk_finish()), so other connections see the old roster or the whole
 * new one, never a part.
 * A row with an invalid email or phone is kept without that field (a warning names its line).
 * Rows are rejected with their line (no first name, an unclosed quote, ...).
 *
 * roster_import_ex() is the same with hooks (may be NULL) for progress, cancelling and the
 * final transaction.
 *
 * pack (may be NULL) gives the [roster] column map. Returns 0 when the file was read (even if
 * every row was rejected or a limit stopped it: see *r), -1 with err_msg() when it could not be
 * read at all (missing, unreadable, no header line, no recognisable name column), when it was
 * cancelled, or on a database error; then the person table is as it was. */
int roster_import(struct store *s, const struct clock *c, const char *path,
		  const struct pack *pack, struct roster_report *r);
int roster_import_ex(struct store *s, const struct clock *c, const char *path,
		     const struct pack *pack, const struct roster_hooks *h,
		     struct roster_report *r);

/* The same from memory (for the fuzzer and tests); name is used in messages. */
int roster_import_mem(struct store *s, const struct clock *c, const char *name,
		      const void *data, size_t len, const struct pack *pack,
		      struct roster_report *r);

/* Prints the report as the import command does: "NAME: 200 imported, 0 merged, 3 rejected",
 * the columns ("NAME: column 3 'Billetnummer': registration id (RSVP)", "... ignored"), a
 * warning when no column holds the registration id, then "NAME:17: rejected: no first name"
 * and "NAME:9: warning: ..." lines, to f (a FILE *). */
void roster_report_print(const struct roster_report *r, const char *name, void *f);

/* The same report into buf[size] (cut at a line boundary when too long), for the organizer
 * screen. Returns the length. */
size_t roster_report_format(const struct roster_report *r, const char *name, char *buf,
			    size_t size);

#endif
