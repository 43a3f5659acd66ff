#include "export.h"
#include "agenda.h"
#include "pack.h"
#include "cli.h"
#include "commands.h"
#include "store.h"
#include "util.h"

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

/* ms since the epoch as "2026-12-03T18:00:00.000Z"; "" for 0/NULL. */
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

static const char SQL_AGENDA[] =
	"SELECT uuid, event, segment, title, what, at, value FROM agenda_log ORDER BY id";

/* A CSV file of one query: header line, then one line a row written by row(). */
static int write_csv(struct store *s, const char *dir, const char *name, const char *sql,
		     const char *header, void (*row)(FILE *f, struct store_stmt *st), long *count)
{
	struct outfile o;
	if (out_open(&o, dir, name) < 0)
		return -1;
	struct store_stmt *st = store_stmt(s, sql);
	if (!st) {
		out_abort(&o);
		return -1;
	}
	fputs(header, o.f);
	long n = 0;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		row(o.f, st);
		n++;
	}
	store_reset(st);
	if (rc < 0) {
		out_abort(&o);
		return -1;
	}
	*count = n;
	return out_close(&o);
}

static void people_csv_row(FILE *f, struct store_stmt *st)
{
	char t1[32], t2[32];
	iso_time(store_col_int(st, 10), store_col_is_null(st, 10), t1);
	iso_time(store_col_int(st, 11), 0, t2);
	for (int i = 0; i < 10; i++)
		csv_field(f, store_col_text(st, i), i != 0 && i != 5, 0);
	csv_field(f, t1, 0, 0);
	csv_field(f, t2, 0, 1);
}

static void checkins_csv_row(FILE *f, struct store_stmt *st)
{
	char at[32], undone[32];
	iso_time(store_col_int(st, 6), 0, at);
	iso_time(store_col_int(st, 9), store_col_is_null(st, 9), undone);
	for (int i = 0; i < 6; i++)
		csv_field(f, store_col_text(st, i), i >= 3, 0);
	csv_field(f, at, 0, 0);
	csv_field(f, store_col_text(st, 7), 0, 0);
	csv_field(f, store_col_int(st, 8) ? "yes" : "no", 0, 0);
	csv_field(f, undone, 0, 1);
}

static int write_people_csv(struct store *s, const char *dir, long *count)
{
	return write_csv(s, dir, "people.csv", SQL_PEOPLE,
			 "uuid,external_id,first_name,last_name,email,phone,postcode,lang,source,"
			 "consent_version,consent_at,created_at\r\n", people_csv_row, count);
}

static int write_checkins_csv(struct store *s, const char *dir, long *count)
{
	return write_csv(s, dir, "checkins.csv", SQL_CHECKINS,
			 "uuid,event,person_uuid,external_id,first_name,last_name,at,method,"
			 "clock_synced,undone_at\r\n", checkins_csv_row, count);
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

int export_write(struct store *s, const char *dir, struct export_summary *sum)
{
	struct export_summary tmp;
	memset(&tmp, 0, sizeof(tmp));
	/* One read transaction: the three files describe the same moment. */
	if (store_exec(s, "BEGIN") < 0)
		return -1;
	int rc = -1;
	if (write_people_csv(s, dir, &tmp.people) < 0 ||
	    write_checkins_csv(s, dir, &tmp.checkins) < 0 ||
	    write_results_json(s, dir, &tmp) < 0)
		goto out;
	rc = 0;
out:
	store_tx_rollback(s);
	if (rc == 0 && sum)
		*sum = tmp;
	return rc;
}

/* barnstorm export --data DIR --out DIR */
int cmd_export(int argc, char **argv)
{
	struct cli cli;
	if (cli_parse(argc, argv, "data out pack", 0, &cli) < 0)
		return 2;
	if (!cli.out) {
		fprintf(stderr, "barnstorm export: --out DIR is required\n");
		return 2;
	}
	if (dir_make(cli.out) < 0) {
		fprintf(stderr, "barnstorm export: cannot create '%s': %s\n", cli.out, strerror(errno));
		return 1;
	}
	struct store *s = store_open(cli_data_dir(&cli));
	if (!s) {
		fprintf(stderr, "barnstorm export: %s\n", err_msg());
		return 1;
	}
	struct export_summary sum;
	int rc = export_write(s, cli.out, &sum);
	if (rc < 0) {
		fprintf(stderr, "barnstorm export: %s\n", err_msg());
		store_close(s);
		return 1;
	}
	printf("%s: people.csv (%ld people), checkins.csv (%ld check-ins), results.json "
	       "(%ld commitments, %ld agenda entries)\n", cli.out, sum.people, sum.checkins,
	       sum.commitments, sum.agenda_log);
	/* agenda.csv sets the log against the planned agenda, which lives in the pack: --pack, or
	 * the pack the kiosk last ran with on this data folder. */
	char known[1024] = "";
	const char *pack_dir = cli.pack;
	if (!pack_dir && store_meta_get(s, "pack_dir", known, sizeof(known)) == 0 && known[0])
		pack_dir = known;
	if (pack_dir) {
		struct pack p;
		struct diags d;
		diags_init(&d);
		pack_load(pack_dir, &p, &d);
		if (p.event_id && agenda_export_csv(s, &p, cli.out) == 0) {
			printf("%s: agenda.csv (the meeting of '%s')\n", cli.out, p.event_id);
		} else {
			fprintf(stderr, "barnstorm export: agenda.csv not written: %s\n",
				p.event_id ? err_msg() : "the pack cannot be read");
			rc = -1;
		}
		pack_release(&p);
		diags_release(&d);
	} else {
		printf("%s: agenda.csv skipped: give --pack DIR to set the meeting log against its "
		       "agenda\n", cli.out);
	}
	store_close(s);
	return rc < 0 ? 1 : 0;
}
