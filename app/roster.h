/* Roster import: a CSV file of people (from Excel in Danish/Swedish locale or an organizing
 * platform's export) into the person table through people_upsert().
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
 * with rows before the limit kept. Memory does not grow with the file: the file is streamed
 * and committed in transactions of 5,000 rows. A bad row never loses a good one.
 *
 * Importing the same file twice changes nothing (all rows count as unchanged). */
#ifndef BARNSTORM_ROSTER_H
#define BARNSTORM_ROSTER_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct clock;
struct pack;

#define ROSTER_MAX_REASONS 1000       /* rejected rows listed one by one; the rest counted */
#define ROSTER_FIELD_MAX 1024         /* bytes */
#define ROSTER_FILE_MAX (200L * 1024 * 1024)
#define ROSTER_ROWS_MAX 2000000L

struct roster_reject {
	long line;          /* 1-based physical line where the row starts */
	char reason[96];    /* "no first name", "invalid email 'x@'", ... */
};

struct roster_report {
	long imported;      /* new people */
	long merged;        /* known people with new details */
	long unchanged;     /* known people, nothing new */
	long rejected;      /* all rejected rows (more than nreasons when many) */
	struct roster_reject *reasons; /* the first ROSTER_MAX_REASONS; owned, see release */
	int nreasons;
	char delimiter;     /* what was detected */
	int bom;            /* 1 when the file started with a UTF-8 BOM */
	int cp1252_fields;  /* fields that were decoded as Windows-1252 */
	char stopped[256];  /* "" or why the import stopped early (a limit), rows before it kept */
};

void roster_report_init(struct roster_report *r);
void roster_report_release(struct roster_report *r);

/* Imports the CSV file at path. pack (may be NULL) gives the [roster] column map. Returns 0
 * when the file was read (even if every row was rejected or a limit stopped it: see *r), -1
 * with err_msg() when it could not be read at all (missing, unreadable, no header line, no
 * recognisable name column) or on a database error. */
int roster_import(struct store *s, const struct clock *c, const char *path,
		  const struct pack *pack, struct roster_report *r);

/* The same from memory (for the fuzzer and tests); name is used in messages. */
int roster_import_mem(struct store *s, const struct clock *c, const char *name,
		      const void *data, size_t len, const struct pack *pack,
		      struct roster_report *r);

/* Prints the report as the import command does: "NAME: 200 imported, 0 merged, 0 unchanged,
 * 3 rejected" then "NAME:17: rejected: no first name" lines, to f (a FILE *). */
void roster_report_print(const struct roster_report *r, const char *name, void *f);

#endif
