#include "export.h"
#include "agenda.h"
#include "pack.h"
#include "cli.h"
#include "commands.h"
#include "store.h"
#include "phone_intl.h"
#include "summary.h"
#include "summary_png.h"
#include "util.h"
#include "xlsx.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A file being written: DIR/.NAME.tmp, renamed to DIR/NAME when complete. */
struct outfile {
	FILE *f;
	char tmp[4096];
	char path[4096];
};

static int out_open(struct outfile *o, const char *dir, const char *name)
{
	if (str_fmt(o->path, sizeof(o->path), "%s/%s", dir, name) < 0 ||
	    str_fmt(o->tmp, sizeof(o->tmp), "%s/.%s.tmp", dir, name) < 0)
		return err_set("export folder name '%s' is too long", dir);
	o->f = fopen(o->tmp, "wb");
	if (!o->f)
		return err_set("cannot write '%s': %s", o->tmp, strerror(errno));
	return 0;
}

/* Completes the file: flush, fsync, rename over the old one. On failure the old file stays. */
static int out_close(struct outfile *o)
{
	int bad = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
	int err = errno;
	if (fclose(o->f) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	o->f = NULL;
	if (bad) {
		unlink(o->tmp);
		return err_set("cannot write '%s': %s", o->path, strerror(err));
	}
	if (rename(o->tmp, o->path) < 0) {
		err = errno;
		unlink(o->tmp);
		return err_set("cannot write '%s': %s", o->path, strerror(err));
	}
	return 0;
}

static void out_abort(struct outfile *o)
{
	if (o->f) {
		fclose(o->f);
		o->f = NULL;
		unlink(o->tmp);
	}
}

/* One CSV field (RFC 4180). guard: free text typed by the public, defused against formulas. */
static void csv_field(FILE *f, const char *v, int guard, int last)
{
	int quote = strpbrk(v, ",\"\r\n") != NULL;
	int defuse = guard && v[0] && strchr("=+-@\t\r", v[0]);
	if (quote)
		fputc('"', f);
	if (defuse)
		fputc('\'', f);
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
	fputs(last ? "\r\n" : ",", f);
}

/* UTF-8's byte order mark: without it Excel reads a CSV file in the machine's code page. */
static const char BOM[] = "\xEF\xBB\xBF";

/* ms since the epoch as "2026-12-03T18:00:00.000Z" (results.json); "" for NULL. */
static void iso_time(int64_t ms, int is_null, char out[32])
{
	if (is_null) {
		out[0] = '\0';
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char buf[24];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	str_fmt(out, 32, "%s.%03dZ", buf, (int)(ms % 1000));
}

/* The event's local time of ms (UTC without a pack). */
static void local_tm(const struct pack *p, int64_t ms, struct tm *tm)
{
	if (p) {
		pack_local_time(p, ms, tm);
	} else {
		time_t t = (time_t)(ms / 1000);
		gmtime_r(&t, tm);
		tm->tm_gmtoff = 0;
	}
}

/* "2026-12-03T19:04:05+01:00": the time as the room's clock showed it, and the offset that
 * makes it exact. */
static void local_iso(const struct tm *tm, char out[32])
{
	char buf[24];
	long off = tm->tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	if (!strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", tm)) {
		out[0] = '\0';
		return;
	}
	str_fmt(out, 32, "%s%c%02ld:%02ld", buf, sign, off / 3600, off / 60 % 60);
}

/* Contact details leave the kiosk only for people who consented. */
static const char SQL_PEOPLE[] =
	"SELECT uuid, coalesce(external_id, ''), first_name, last_name, "
	"CASE WHEN consent_version IS NOT NULL THEN coalesce(email, '') ELSE '' END, "
	"CASE WHEN consent_version IS NOT NULL THEN coalesce(phone, '') ELSE '' END, "
	"CASE WHEN consent_version IS NOT NULL THEN coalesce(postcode, '') ELSE '' END, "
	"coalesce(lang, ''), source, coalesce(consent_version, ''), consent_at, created_at "
	"FROM person ORDER BY id";

static const char SQL_CHECKINS[] =
	"SELECT c.uuid, c.event, p.uuid, coalesce(p.external_id, ''), p.first_name, p.last_name, "
	"c.at, c.method, c.clock_synced, c.undone_at FROM checkin c "
	"JOIN person p ON p.id = c.person_id ORDER BY c.id";

static const char SQL_COMMITMENTS[] =
	"SELECT c.uuid, c.event, p.uuid, c.role, c.role_kind, c.team, c.details, c.lang, "
	"c.created_at, c.updated_at, c.cancelled_at FROM commitment c "
	"JOIN person p ON p.id = c.person_id ORDER BY c.id";

/* The details are JSON ({"day", "time", "place", "text"}, teams.h); one that does not parse is
 * kept whole in "text" rather than lost. */
#define DETAIL(key) \
	"CASE WHEN json_valid(c.details) THEN coalesce(json_extract(c.details, '$." key "'), '') " \
	"ELSE '' END"
static const char SQL_COMMITMENTS_CSV[] =
	"SELECT p.first_name || ' ' || p.last_name, c.role, c.role_kind, coalesce(c.team, ''), "
	DETAIL("day") ", " DETAIL("time") ", " DETAIL("place") ", "
	"CASE WHEN json_valid(c.details) THEN coalesce(json_extract(c.details, '$.text'), '') "
	"ELSE coalesce(c.details, '') END, "
	"c.created_at, c.cancelled_at, p.uuid, c.uuid FROM commitment c "
	"JOIN person p ON p.id = c.person_id ORDER BY c.id";

static const char SQL_AGENDA[] =
	"SELECT uuid, event, segment, title, what, at, value FROM agenda_log ORDER BY id";

/* ---- The tables: each query once, into its CSV file and its sheet of the workbook ---- */

enum ckind {
	C_TEXT,   /* written by the kiosk (uuids, methods) */
	C_GUARD,  /* typed by someone: defused against formulas in the CSV */
	C_TIME,   /* ms since the epoch; NULL is empty */
	C_PHONE,  /* as stored; exported in international form */
	C_YESNO,
};

struct column {
	const char *name;
	enum ckind kind;
};

struct table {
	const char *csv;
	const char *sheet;
	const char *sql;
	const struct column *cols; /* one per result column, in order */
	int ncols;
};

static const struct column PEOPLE_COLS[] = {
	{"uuid", C_TEXT}, {"external_id", C_GUARD}, {"first_name", C_GUARD},
	{"last_name", C_GUARD}, {"email", C_GUARD}, {"phone", C_PHONE}, {"postcode", C_GUARD},
	{"lang", C_GUARD}, {"source", C_GUARD}, {"consent_version", C_GUARD},
	{"consent_at", C_TIME}, {"created_at", C_TIME},
};

static const struct column CHECKINS_COLS[] = {
	{"uuid", C_TEXT}, {"event", C_TEXT}, {"person_uuid", C_TEXT}, {"external_id", C_GUARD},
	{"first_name", C_GUARD}, {"last_name", C_GUARD}, {"at", C_TIME}, {"method", C_TEXT},
	{"clock_synced", C_YESNO}, {"undone_at", C_TIME},
};

static const struct column COMMITMENTS_COLS[] = {
	{"person", C_GUARD}, {"role", C_GUARD}, {"kind", C_TEXT}, {"team", C_GUARD},
	{"day", C_GUARD}, {"time", C_GUARD}, {"place", C_GUARD}, {"text", C_GUARD},
	{"created", C_TIME}, {"cancelled", C_TIME}, {"person_uuid", C_TEXT}, {"uuid", C_TEXT},
};

static const struct table TABLES[] = {
	{"people.csv", "People", SQL_PEOPLE, PEOPLE_COLS, (int)ARRAY_SIZE(PEOPLE_COLS)},
	{"checkins.csv", "Check-ins", SQL_CHECKINS, CHECKINS_COLS, (int)ARRAY_SIZE(CHECKINS_COLS)},
	{"commitments.csv", "Commitments", SQL_COMMITMENTS_CSV, COMMITMENTS_COLS,
	 (int)ARRAY_SIZE(COMMITMENTS_COLS)},
};

static void table_row(FILE *f, struct xlsx *x, const struct pack *p, const struct table *t,
		      struct store_stmt *st)
{
	char buf[64];
	struct tm tm;
	for (int i = 0; i < t->ncols; i++) {
		const char *v = store_col_text(st, i);
		int last = i == t->ncols - 1;
		switch (t->cols[i].kind) {
		case C_TEXT:
		case C_GUARD:
			csv_field(f, v, t->cols[i].kind == C_GUARD, last);
			xlsx_text(x, i, v);
			break;
		case C_PHONE:
			phone_intl(v, buf, sizeof(buf));
			csv_field(f, buf, 0, last);
			xlsx_text(x, i, buf); /* text: a number would lose the + */
			break;
		case C_YESNO:
			v = store_col_int(st, i) ? "yes" : "no";
			csv_field(f, v, 0, last);
			xlsx_text(x, i, v);
			break;
		case C_TIME:
			buf[0] = '\0';
			if (!store_col_is_null(st, i)) {
				local_tm(p, store_col_int(st, i), &tm);
				local_iso(&tm, buf);
				xlsx_time(x, i, &tm);
			}
			csv_field(f, buf, 0, last);
			break;
		}
	}
	xlsx_next_row(x);
}

static int write_table(struct store *s, struct xlsx *x, const struct pack *p, const char *dir,
		       const struct table *t, long *count)
{
	const char *headers[XLSX_MAX_COLS];
	struct outfile o;
	if (out_open(&o, dir, t->csv) < 0)
		return -1;
	struct store_stmt *st = store_stmt(s, t->sql);
	if (!st) {
		out_abort(&o);
		return -1;
	}
	fputs(BOM, o.f);
	for (int i = 0; i < t->ncols; i++) {
		headers[i] = t->cols[i].name;
		csv_field(o.f, t->cols[i].name, 0, i == t->ncols - 1);
	}
	if (xlsx_sheet(x, t->sheet, headers, t->ncols) < 0) {
		out_abort(&o);
		return -1;
	}
	long n = 0;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		table_row(o.f, x, p, t, st);
		n++;
	}
	store_reset(st);
	/* A read error is an error, not the end of the rows: no short file passes for whole. */
	if (rc < 0) {
		out_abort(&o);
		return -1;
	}
	*count = n;
	return out_close(&o);
}

/* ---- agenda.csv ---- */

/* agenda.c writes agenda.csv (RFC 4180, no BOM, times "2026-12-03T18:00:00Z"); this reads it back
 * and writes it again the way the other files are, times local with their offset, and fills the
 * Agenda sheet from the same fields. Until agenda_export_csv() formats local times itself. */
#define AGENDA_MAX_FIELDS 16
#define AGENDA_CSV_MAX (4 << 20)

/* Splits the next record of an RFC 4180 text at *pos into fields (unquoted in place). Returns
 * the field count, 0 at the end. */
static int csv_record(char *text, size_t len, size_t *pos, char *fields[AGENDA_MAX_FIELDS])
{
	size_t i = *pos, o = *pos;
	int n = 0;
	if (i >= len)
		return 0;
	for (;;) {
		int quoted = text[i] == '"';
		if (quoted)
			i++;
		char *start = text + o;
		while (i < len) {
			if (quoted && text[i] == '"') {
				if (i + 1 < len && text[i + 1] == '"') {
					text[o++] = '"';
					i += 2;
					continue;
				}
				quoted = 0;
				i++;
				continue;
			}
			if (!quoted && (text[i] == ',' || text[i] == '\r' || text[i] == '\n'))
				break;
			text[o++] = text[i++];
		}
		char sep = i < len ? text[i] : '\n';
		text[o] = '\0';
		if (n < AGENDA_MAX_FIELDS)
			fields[n++] = start;
		i++;
		o = i;
		if (sep == ',')
			continue;
		if (sep == '\r' && i < len && text[i] == '\n')
			i++;
		*pos = i;
		return n;
	}
}

/* "2026-12-03T18:00:00Z" as ms, or -1 when v is not one. */
static int64_t parse_utc(const char *v)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	char z = 0;
	int used = 0;
	if (strlen(v) != 20 || sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon,
				      &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z,
				      &used) != 7 || z != 'Z' || used != 20)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000;
}

static int is_int(const char *v)
{
	if (*v == '-')
		v++;
	if (!*v)
		return 0;
	for (; *v; v++)
		if (*v < '0' || *v > '9')
			return 0;
	return 1;
}

static int rewrite_agenda(struct xlsx *x, const struct pack *p, const char *dir)
{
	char path[4096];
	if (str_fmt(path, sizeof(path), "%s/agenda.csv", dir) < 0)
		return err_set("the export folder '%s' has too long a name", dir);
	size_t len;
	char *text = file_read(path, AGENDA_CSV_MAX, &len);
	if (!text)
		return -1;
	struct outfile o;
	if (out_open(&o, dir, "agenda.csv") < 0) {
		free(text);
		return -1;
	}
	fputs(BOM, o.f);
	char *fields[AGENDA_MAX_FIELDS], buf[32];
	size_t pos = 0;
	int n, row = 0, rc = 0;
	while (rc == 0 && (n = csv_record(text, len, &pos, fields)) > 0) {
		if (row++ == 0) {
			rc = xlsx_sheet(x, "Agenda", (const char *const *)fields, n);
			for (int i = 0; i < n; i++)
				csv_field(o.f, fields[i], 0, i == n - 1);
			continue;
		}
		for (int i = 0; i < n; i++) {
			int64_t ms = parse_utc(fields[i]);
			const char *v = fields[i];
			if (ms >= 0) {
				struct tm tm;
				local_tm(p, ms, &tm);
				local_iso(&tm, buf);
				v = buf;
				xlsx_time(x, i, &tm);
			} else if (i > 0 && is_int(v) && strlen(v) < 16) {
				xlsx_int(x, i, strtoll(v, NULL, 10));
			} else {
				xlsx_text(x, i, v);
			}
			csv_field(o.f, v, 0, i == n - 1); /* agenda.c defused what needed it */
		}
		xlsx_next_row(x);
	}
	free(text);
	if (rc < 0) {
		out_abort(&o);
		return -1;
	}
	return out_close(&o);
}

/* Without the pack there is no agenda to set the log against: the sheet says so. */
static int empty_agenda_sheet(struct xlsx *x)
{
	static const char *const headers[] = {"agenda"};
	if (xlsx_sheet(x, "Agenda", headers, 1) < 0)
		return -1;
	xlsx_text(x, 0, "The pack was not given: export with --pack DIR for the agenda.");
	xlsx_next_row(x);
	return 0;
}

static json_t *text_or_null(struct store_stmt *st, int col)
{
	return store_col_is_null(st, col) ? json_null() : json_string(store_col_text(st, col));
}

static json_t *time_or_null(struct store_stmt *st, int col)
{
	if (store_col_is_null(st, col))
		return json_null();
	char t[32];
	iso_time(store_col_int(st, col), 0, t);
	return json_string(t);
}

/* Writes one array member: ",\n" between members. */
static int json_member(FILE *f, json_t *o, long *n)
{
	if (!o)
		return err_set("cannot build a JSON record (invalid UTF-8 in the database?)");
	char *js = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!js)
		return err_set("cannot build a JSON record");
	fputs(*n ? ",\n    " : "\n    ", f);
	fputs(js, f);
	free(js);
	(*n)++;
	return 0;
}

/* How one column becomes a JSON value. */
enum jkind {
	J_TEXT,		/* NULL -> null */
	J_SET,		/* "" -> null: the people query coalesces its optional columns to "" */
	J_STRING,	/* always a string (names are never null) */
	J_TIME,		/* ISO time, NULL -> null */
	J_INT,
	J_BOOL,
	J_JSON,		/* stored JSON text, kept as text when it does not parse */
};

struct jfield {
	const char *key;
	int col;
	enum jkind kind;
};

/* One array of results.json: the query and the member each row becomes. */
struct jsection {
	const char *name;
	const char *sql;
	const struct jfield *fields;
	int nfields;
};

static const struct jfield PEOPLE_JSON[] = {
	{ "uuid", 0, J_SET }, { "external_id", 1, J_SET }, { "first_name", 2, J_STRING },
	{ "last_name", 3, J_STRING }, { "email", 4, J_SET }, { "phone", 5, J_SET },
	{ "postcode", 6, J_SET }, { "lang", 7, J_SET }, { "source", 8, J_SET },
	{ "consent_version", 9, J_SET }, { "consent_at", 10, J_TIME }, { "created_at", 11, J_TIME },
};

static const struct jfield CHECKINS_JSON[] = {
	{ "uuid", 0, J_TEXT }, { "event", 1, J_TEXT }, { "person", 2, J_TEXT }, { "at", 6, J_TIME },
	{ "method", 7, J_TEXT }, { "clock_synced", 8, J_BOOL }, { "undone_at", 9, J_TIME },
};

static const struct jfield COMMITMENTS_JSON[] = {
	{ "uuid", 0, J_TEXT }, { "event", 1, J_TEXT }, { "person", 2, J_TEXT },
	{ "role", 3, J_TEXT }, { "role_kind", 4, J_TEXT }, { "team", 5, J_TEXT },
	{ "details", 6, J_JSON }, { "lang", 7, J_TEXT }, { "created_at", 8, J_TIME },
	{ "updated_at", 9, J_TIME }, { "cancelled_at", 10, J_TIME },
};

static const struct jfield AGENDA_JSON[] = {
	{ "uuid", 0, J_TEXT }, { "event", 1, J_TEXT }, { "segment", 2, J_INT },
	{ "title", 3, J_TEXT }, { "what", 4, J_TEXT }, { "at", 5, J_TIME }, { "value", 6, J_TEXT },
};

static json_t *json_field(struct store_stmt *st, const struct jfield *fl)
{
	const char *v;
	json_t *j;
	switch (fl->kind) {
	case J_TEXT:
		return text_or_null(st, fl->col);
	case J_SET:
		v = store_col_text(st, fl->col);
		return *v ? json_string(v) : json_null();
	case J_STRING:
		return json_string(store_col_text(st, fl->col));
	case J_TIME:
		return time_or_null(st, fl->col);
	case J_INT:
		return json_integer(store_col_int(st, fl->col));
	case J_BOOL:
		return json_boolean(store_col_int(st, fl->col));
	case J_JSON:
		j = json_loads(store_col_text(st, fl->col), JSON_REJECT_DUPLICATES, NULL);
		return j ? j : text_or_null(st, fl->col);
	}
	BUG("unknown JSON field kind");
}

/* Writes  "name": [ ...rows... ]  counting the rows into *count. */
static int json_section(FILE *f, struct store *s, const struct jsection *sec, int first,
			long *count)
{
	struct store_stmt *st = store_stmt(s, sec->sql);
	if (!st)
		return -1;
	fprintf(f, "%s\n  \"%s\": [", first ? "" : ",", sec->name);
	int rc = 0, step;
	long n = 0;
	while (rc == 0 && (step = store_step(st)) == STORE_ROW) {
		json_t *p = json_object();
		for (int i = 0; i < sec->nfields; i++)
			json_object_set_new(p, sec->fields[i].key, json_field(st, &sec->fields[i]));
		rc = json_member(f, p, &n);
	}
	/* A read error is an error, not the end of the rows: no short file passes for whole. */
	if (rc == 0 && step < 0)
		rc = -1;
	store_reset(st);
	fputs("\n  ]", f);
	if (rc < 0)
		return -1;
	*count = n;
	return 0;
}

static int write_results_json(struct store *s, const char *dir, struct export_summary *sum)
{
	static const struct jsection sections[] = {
		{ "people", SQL_PEOPLE, PEOPLE_JSON, (int)ARRAY_SIZE(PEOPLE_JSON) },
		{ "checkins", SQL_CHECKINS, CHECKINS_JSON, (int)ARRAY_SIZE(CHECKINS_JSON) },
		{ "commitments", SQL_COMMITMENTS, COMMITMENTS_JSON,
		  (int)ARRAY_SIZE(COMMITMENTS_JSON) },
		{ "agenda_log", SQL_AGENDA, AGENDA_JSON, (int)ARRAY_SIZE(AGENDA_JSON) },
	};
	long *counts[] = { &sum->people, &sum->checkins, &sum->commitments, &sum->agenda_log };
	struct outfile o;
	if (out_open(&o, dir, "results.json") < 0)
		return -1;
	fputs("{\n  \"format\": \"barnstorm-results-1\",", o.f);
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		if (json_section(o.f, s, &sections[i], i == 0, counts[i]) < 0) {
			out_abort(&o);
			return -1;
		}
	}
	fputs("\n}\n", o.f);
	return out_close(&o);
}

static int write_summary_png(struct store *s, const struct export_opts *o, const char *dir)
{
	char path[4096];
	if (str_fmt(path, sizeof(path), "%s/summary.png", dir) < 0)
		return err_set("the export folder '%s' has too long a name", dir);
	/* "Barnstorm Aarhus, 2026-12-03 19:00, Europe/Copenhagen": what the picture is of. */
	char caption[512], when[32] = "";
	const struct pack *p = o->pack;
	pack_format_time(p, p->starts_ms, "%Y-%m-%d %H:%M", when, sizeof(when));
	str_fmt(caption, sizeof(caption), "%s, %s%s%s", p->title ? p->title : p->event_id, when,
		p->timezone ? ", " : "", p->timezone ? p->timezone : "");
	struct summary *sm = xmalloc(sizeof(*sm));
	int rc = summary_read(s, p, sm);
	if (rc == 0)
		rc = summary_png(sm, o->i18n, o->lang, caption, SUMMARY_PNG_W, SUMMARY_PNG_H, path);
	free(sm);
	return rc;
}

int export_write(struct store *s, const struct export_opts *o, const char *dir,
		 struct export_summary *sum)
{
	static const struct export_opts none = {NULL, NULL, 0};
	struct export_summary tmp;
	char path[4096];
	struct xlsx *x = NULL;
	memset(&tmp, 0, sizeof(tmp));
	if (!o)
		o = &none;
	if (str_fmt(path, sizeof(path), "%s/barnstorm.xlsx", dir) < 0)
		return err_set("the export folder '%s' has too long a name", dir);
	/* One read transaction: the files describe the same moment. */
	if (store_exec(s, "BEGIN") < 0)
		return -1;
	int rc = -1;
	long *counts[] = {&tmp.people, &tmp.checkins, &tmp.commitments};
	x = xlsx_open(path);
	if (!x)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(TABLES); i++)
		if (write_table(s, x, o->pack, dir, &TABLES[i], counts[i]) < 0)
			goto out;
	if (write_results_json(s, dir, &tmp) < 0)
		goto out;
	if (o->pack) {
		if (agenda_export_csv(s, o->pack, dir) < 0 || rewrite_agenda(x, o->pack, dir) < 0)
			goto out;
	} else if (empty_agenda_sheet(x) < 0) {
		goto out;
	}
	rc = xlsx_close(x);
	x = NULL;
	if (rc == 0 && o->pack)
		rc = write_summary_png(s, o, dir);
out:
	xlsx_abort(x);
	store_tx_rollback(s);
	if (rc == 0 && sum)
		*sum = tmp;
	return rc;
}

/* barnstorm export --data DIR --out DIR [--pack DIR] */
int cmd_export(int argc, char **argv)
{
	struct cli cli;
	if (cli_parse(argc, argv, "data out pack", 0, &cli) < 0)
		return 2;
	if (!cli.out) {
		fprintf(stderr, "barnstorm export: --out DIR is required\n");
		return 2;
	}
	/* store_open() creates a database where there is none: a mistyped --data would export an
	 * empty new one and say nothing. Only an existing database is exported. */
	const char *data = cli_data_dir(&cli);
	char db[4096];
	struct stat sb;
	if (str_fmt(db, sizeof(db), "%s/barnstorm.db", data) < 0 || stat(db, &sb) < 0) {
		fprintf(stderr, "barnstorm export: no results in '%s': there is no barnstorm.db there "
			"(check --data)\n", data);
		return 1;
	}
	if (dir_make(cli.out) < 0) {
		fprintf(stderr, "barnstorm export: cannot create '%s': %s\n", cli.out, strerror(errno));
		return 1;
	}
	struct store *s = store_open(data);
	if (!s) {
		fprintf(stderr, "barnstorm export: %s\n", err_msg());
		return 1;
	}
	/* The pack gives the time zone, the agenda and the teams: --pack, or the pack the kiosk last
	 * ran with on this data folder. */
	char known[1024] = "";
	const char *pack_dir = cli.pack;
	if (!pack_dir && store_meta_get(s, "pack_dir", known, sizeof(known)) == 0 && known[0])
		pack_dir = known;
	struct pack p;
	struct diags d;
	int have_pack = 0, rc = 0;
	diags_init(&d);
	memset(&p, 0, sizeof(p));
	if (pack_dir) {
		pack_load(pack_dir, &p, &d);
		have_pack = p.event_id != NULL;
		if (!have_pack) {
			fprintf(stderr, "barnstorm export: the pack '%s' cannot be read: times are in "
				"UTC, and agenda.csv and summary.png are not written\n", pack_dir);
			rc = 1;
		}
	}
	struct export_opts o = {have_pack ? &p : NULL, NULL, 0};
	struct export_summary sum;
	if (export_write(s, &o, cli.out, &sum) < 0) {
		fprintf(stderr, "barnstorm export: %s\n", err_msg());
		rc = 1;
	} else {
		printf("%s: people.csv (%ld people), checkins.csv (%ld check-ins), commitments.csv "
		       "(%ld commitments), barnstorm.xlsx, results.json (%ld agenda entries)\n",
		       cli.out, sum.people, sum.checkins, sum.commitments, sum.agenda_log);
		if (have_pack)
			printf("%s: agenda.csv (the meeting of '%s'), summary.png; times in %s\n",
			       cli.out, p.event_id, p.timezone ? p.timezone : "UTC");
		else if (!pack_dir)
			printf("%s: agenda.csv and summary.png skipped, times in UTC: give --pack DIR "
			       "for the event's agenda, teams and time zone\n", cli.out);
	}
	if (pack_dir)
		pack_release(&p);
	diags_release(&d);
	store_close(s);
	return rc;
}
