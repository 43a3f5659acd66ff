/* Export of what the kiosk recorded, for the organizer (a USB stick, or `barnstorm export --data
 * DIR --out DIR`):
 *   people.csv    one row per person (contact details only for people who gave consent)
 *   checkins.csv  one row per check-in, undone ones included with their undone_at
 *   results.json  {"exported_at", "people": [...], "checkins": [...], "commitments": [...],
 *                  "agenda_log": [...]}
 * The CSV files are UTF-8 without a BOM, RFC 4180 (header row, CRLF, fields quoted when they
 * hold , " CR or LF, quotes doubled). Text typed by the public that starts with = + - @ gets a
 * leading ' so a spreadsheet does not run it as a formula. Times are ISO 8601 UTC.
 *
 * Each file is streamed to a temporary file in the same folder, fsync'ed and renamed, so a
 * pulled stick or a crash leaves either the old file or the new one, and memory does not grow
 * with the number of people. */
#ifndef BARNSTORM_EXPORT_H
#define BARNSTORM_EXPORT_H

struct store;

struct export_summary {
	long people;
	long checkins;
	long commitments;
	long agenda_log;
};

/* Writes the three files into dir (which must exist). sum may be NULL. 0, or -1 with
 * err_msg() naming the file. */
int export_write(struct store *s, const char *dir, struct export_summary *sum);

#endif
