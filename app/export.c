#include "export.h"
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

static int write_people_csv(struct store *s, const char *dir, long *count)
{
	struct outfile o;
	if (out_open(&o, dir, "people.csv") < 0)
		return -1;
	struct store_stmt *st = store_stmt(s, SQL_PEOPLE);
	if (!st) {
		out_abort(&o);
		return -1;
	}
	fputs("uuid,external_id,first_name,last_name,email,phone,postcode,lang,source,"
	      "consent_version,consent_at,created_at\r\n", o.f);
	long n = 0;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		char t1[32], t2[32];
		iso_time(store_col_int(st, 10), store_col_is_null(st, 10), t1);
		iso_time(store_col_int(st, 11), 0, t2);
		for (int i = 0; i < 10; i++)
			csv_field(o.f, store_col_text(st, i), i != 0 && i != 5, 0);
		csv_field(o.f, t1, 0, 0);
		csv_field(o.f, t2, 0, 1);
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

static int write_checkins_csv(struct store *s, const char *dir, long *count)
{
	struct outfile o;
	if (out_open(&o, dir, "checkins.csv") < 0)
		return -1;
	struct store_stmt *st = store_stmt(s, SQL_CHECKINS);
	if (!st) {
		out_abort(&o);
		return -1;
	}
	fputs("uuid,event,person_uuid,external_id,first_name,last_name,at,method,clock_synced,"
	      "undone_at\r\n", o.f);
	long n = 0;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		char at[32], undone[32];
		iso_time(store_col_int(st, 6), 0, at);
		iso_time(store_col_int(st, 9), store_col_is_null(st, 9), undone);
		for (int i = 0; i < 6; i++)
			csv_field(o.f, store_col_text(st, i), i >= 3, 0);
		csv_field(o.f, at, 0, 0);
		csv_field(o.f, store_col_text(st, 7), 0, 0);
		csv_field(o.f, store_col_int(st, 8) ? "yes" : "no", 0, 0);
		csv_field(o.f, undone, 0, 1);
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

static void json_section(FILE *f, const char *name, int first)
{
	fprintf(f, "%s\n  \"%s\": [", first ? "" : ",", name);
}

static int write_results_json(struct store *s, const char *dir, struct export_summary *sum)
{
	struct outfile o;
	if (out_open(&o, dir, "results.json") < 0)
		return -1;
	int rc = 0;
	long n;
	fputs("{\n  \"format\": \"barnstorm-results-1\",", o.f);

	struct store_stmt *st = store_stmt(s, SQL_PEOPLE);
	if (!st)
		goto fail;
	json_section(o.f, "people", 1);
	n = 0;
	while (rc == 0 && store_step(st) == STORE_ROW) {
		json_t *p = json_object();
		static const char *const keys[] = { "uuid", "external_id", "first_name", "last_name",
						    "email", "phone", "postcode", "lang", "source",
						    "consent_version" };
		for (int i = 0; i < 10; i++) {
			const char *v = store_col_text(st, i);
			json_object_set_new(p, keys[i], *v || i == 2 || i == 3 ? json_string(v)
									: json_null());
		}
		json_object_set_new(p, "consent_at", time_or_null(st, 10));
		json_object_set_new(p, "created_at", time_or_null(st, 11));
		rc = json_member(o.f, p, &n);
	}
	store_reset(st);
	fputs("\n  ]", o.f);
	if (rc < 0)
		goto fail;
	sum->people = n;

	st = store_stmt(s, SQL_CHECKINS);
	if (!st)
		goto fail;
	json_section(o.f, "checkins", 0);
	n = 0;
	while (rc == 0 && store_step(st) == STORE_ROW) {
		json_t *p = json_object();
		json_object_set_new(p, "uuid", text_or_null(st, 0));
		json_object_set_new(p, "event", text_or_null(st, 1));
		json_object_set_new(p, "person", text_or_null(st, 2));
		json_object_set_new(p, "at", time_or_null(st, 6));
		json_object_set_new(p, "method", text_or_null(st, 7));
		json_object_set_new(p, "clock_synced", json_boolean(store_col_int(st, 8)));
		json_object_set_new(p, "undone_at", time_or_null(st, 9));
		rc = json_member(o.f, p, &n);
	}
	store_reset(st);
	fputs("\n  ]", o.f);
	if (rc < 0)
		goto fail;
	sum->checkins = n;

	st = store_stmt(s, SQL_COMMITMENTS);
	if (!st)
		goto fail;
	json_section(o.f, "commitments", 0);
	n = 0;
	while (rc == 0 && store_step(st) == STORE_ROW) {
		json_t *p = json_object();
		json_object_set_new(p, "uuid", text_or_null(st, 0));
		json_object_set_new(p, "event", text_or_null(st, 1));
		json_object_set_new(p, "person", text_or_null(st, 2));
		json_object_set_new(p, "role", text_or_null(st, 3));
		json_object_set_new(p, "role_kind", text_or_null(st, 4));
		json_object_set_new(p, "team", text_or_null(st, 5));
		json_t *details = json_loads(store_col_text(st, 6), JSON_REJECT_DUPLICATES, NULL);
		json_object_set_new(p, "details", details ? details : text_or_null(st, 6));
		json_object_set_new(p, "lang", text_or_null(st, 7));
		json_object_set_new(p, "created_at", time_or_null(st, 8));
		json_object_set_new(p, "updated_at", time_or_null(st, 9));
		json_object_set_new(p, "cancelled_at", time_or_null(st, 10));
		rc = json_member(o.f, p, &n);
	}
	store_reset(st);
	fputs("\n  ]", o.f);
	if (rc < 0)
		goto fail;
	sum->commitments = n;

	st = store_stmt(s, SQL_AGENDA);
	if (!st)
		goto fail;
	json_section(o.f, "agenda_log", 0);
	n = 0;
	while (rc == 0 && store_step(st) == STORE_ROW) {
		json_t *p = json_object();
		json_object_set_new(p, "uuid", text_or_null(st, 0));
		json_object_set_new(p, "event", text_or_null(st, 1));
		json_object_set_new(p, "segment", json_integer(store_col_int(st, 2)));
		json_object_set_new(p, "title", text_or_null(st, 3));
		json_object_set_new(p, "what", text_or_null(st, 4));
		json_object_set_new(p, "at", time_or_null(st, 5));
		json_object_set_new(p, "value", text_or_null(st, 6));
		rc = json_member(o.f, p, &n);
	}
	store_reset(st);
	fputs("\n  ]\n}\n", o.f);
	if (rc < 0)
		goto fail;
	sum->agenda_log = n;
	return out_close(&o);
fail:
	out_abort(&o);
	return -1;
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
	if (cli_parse(argc, argv, "data out", 0, &cli) < 0)
		return 2;
	if (!cli.out) {
		fprintf(stderr, "barnstorm export: --out DIR is required\n");
		return 2;
	}
	if (mkdir(cli.out, 0755) < 0 && errno != EEXIST) {
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
	store_close(s);
	if (rc < 0) {
		fprintf(stderr, "barnstorm export: %s\n", err_msg());
		return 1;
	}
	printf("%s: people.csv (%ld people), checkins.csv (%ld check-ins), results.json "
	       "(%ld commitments, %ld agenda entries)\n", cli.out, sum.people, sum.checkins,
	       sum.commitments, sum.agenda_log);
	return 0;
}
