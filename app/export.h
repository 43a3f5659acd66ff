/* Export of what the kiosk recorded, for the organizer (a USB stick, or `barnstorm export --data
 * DIR --out DIR`):
 *   people.csv       one row per person (contact details only for people who gave consent)
 *   checkins.csv     one row per check-in, undone ones included with their undone_at
 *   commitments.csv  one row per commitment: person, role, kind, team, day, time, place, text,
 *                    created, cancelled (then person_uuid, uuid for joining the other files)
 *   agenda.csv       the meeting set against its agenda (agenda.h; needs the pack)
 *   barnstorm.xlsx   the same four tables as sheets People, Check-ins, Commitments, Agenda, with
 *                    real date cells in the event's local time (xlsx.h)
 *   summary.png      the event at a glance, as on the results screen (summary.h; needs the pack)
 *   results.json     {"format", "people", "checkins", "commitments", "agenda_log"}, times in UTC
 *                    with milliseconds (a machine format, like the upload)
 * The CSV files are UTF-8 with a byte order mark (so Excel reads "Søren", not "SÃ¸ren"), RFC 4180
 * (comma, header row, CRLF, fields quoted when they hold , " CR or LF, quotes doubled). Text typed
 * by the public that starts with = + - @ gets a leading ' so a spreadsheet does not run it. Times
 * are the event's local time with its offset, 2026-12-03T19:04:05+01:00 (UTC, +00:00, without a
 * pack); phone numbers are in international form (phone_intl.h).
 *
 * Each file is streamed to a temporary file in the same folder, fsync'ed and renamed, so a
 * pulled stick or a crash leaves either the old file or the new one, and memory does not grow
 * with the number of people. */
#ifndef BARNSTORM_EXPORT_H
#define BARNSTORM_EXPORT_H

struct i18n;
struct pack;
struct store;

struct export_summary {
	long people;
	long checkins;
	long commitments;
	long agenda_log;
};

struct export_opts {
	const struct pack *pack;  /* the event's: its time zone, agenda and teams. NULL: times in
				   * UTC, and no agenda.csv or summary.png */
	const struct i18n *i18n;  /* the words of summary.png, in language `lang`; NULL: English */
	int lang;
};

/* Writes the files into dir (which must exist). o and sum may be NULL. 0, or -1 with err_msg()
 * naming the file. */
int export_write(struct store *s, const struct export_opts *o, const char *dir,
		 struct export_summary *sum);

#endif
