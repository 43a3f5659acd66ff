#include "testutil.h"

#include "clock.h"
#include "commands.h"
#include "export.h"
#include "pack.h"
#include "people.h"
#include "phone_intl.h"
#include "summary.h"
#include "summary_png.h"
#include "store.h"
#include "util.h"

#include <jansson.h>

#define BOM "\xEF\xBB\xBF"
#define PEOPLE_HEADER BOM "uuid,external_id,first_name,last_name,email,phone,postcode,lang,source," \
	"consent_version,consent_at,created_at\r\n"
#define CHECKINS_HEADER BOM "uuid,event,person_uuid,external_id,first_name,last_name,at,method," \
	"clock_synced,undone_at\r\n"

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static char *slurp(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *t = file_read(path, 1 << 20, NULL);
	assert_non_null(t);
	return t;
}

static void exports_csv_and_json(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char data[1024], out[1024];
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	struct store *s = store_open(data);
	assert_non_null(s);
	struct clock c;
	clock_init_fake(&c, 1764784800123);
	struct people_in p = { "R1", "Søren", "Kierkegaard, \"SK\"", "s@example.dk", "12345678",
			       "8000" };
	struct people_in evil = { "R2", "=HYPERLINK(\"x\")", "Berg", "e@example.dk", NULL, NULL };
	int64_t id, id2;
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(people_upsert(s, &c, &p, &id), PEOPLE_INSERTED);
	assert_int_equal(people_upsert(s, &c, &evil, &id2), PEOPLE_INSERTED);
	assert_int_equal(store_tx_commit(s), 0);
	int64_t cid;
	assert_int_equal(people_checkin(s, &c, "ev", id, "search", &cid), 0);
	assert_int_equal(people_checkin(s, &c, "ev", id2, "scan", NULL), 0);
	assert_int_equal(people_checkin_undo(s, &c, cid), 0);
	struct people_walkin w1 = { "Karin", "Lund", "karin@example.dk", NULL, "8200", "da", 0, NULL };
	struct people_walkin w2 = { "Ny", "Person", "ny@example.dk", NULL, NULL, "da", 1, "v1" };
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(s, &c, "ev", &w1, &e, &r), 0);
	assert_int_equal(people_walkin(s, &c, "ev", &w2, &e, &r), 0);
	assert_int_equal(store_exec(s,
		"INSERT INTO commitment(uuid, event, person_id, role, role_kind, team, details, "
		"created_at, updated_at) VALUES ('c-1', 'ev', 1, 'Host', 'host', 'Nord', "
		"'{\"day\":\"Tue\"}', 1, 1);"
		"INSERT INTO agenda_log(uuid, event, segment, title, what, at) VALUES ('a-1', 'ev', 0, "
		"'Velkommen', 'start', 5)"), 0);
	struct export_summary sum;
	assert_int_equal(export_write(s, NULL, "/nonexistent/dir", &sum), -1);
	assert_non_null(strstr(err_msg(), "/nonexistent/dir/"));
	store_close(s);

	char pack[1024];
	snprintf(pack, sizeof(pack), "%s/assets/demo", tu_src());
	char *argv[] = { "export", "--data", data, "--out", out, "--pack", pack, NULL };
	assert_int_equal(cmd_export(7, argv), 0);

	char *people = slurp(out, "people.csv");
	assert_true(starts_with(people, PEOPLE_HEADER));
	/* Quoting, and no contact details without consent (roster rows and Karin). */
	assert_non_null(strstr(people, ",R1,Søren,\"Kierkegaard, \"\"SK\"\"\",,,,,roster,,,"
				       "2025-12-03T19:00:00+01:00\r\n"));
	assert_non_null(strstr(people, ",Karin,L,,,,da,walkin,,,"));
	assert_null(strstr(people, "karin@"));
	assert_non_null(strstr(people, ",Ny,Person,ny@example.dk,,,da,walkin,v1,"
				       "2025-12-03T19:00:00+01:00,"));
	/* A formula typed by someone is defused. */
	assert_non_null(strstr(people, ",\"'=HYPERLINK(\"\"x\"\")\",Berg,"));
	free(people);

	char *checkins = slurp(out, "checkins.csv");
	assert_true(starts_with(checkins, CHECKINS_HEADER));
	assert_non_null(strstr(checkins, ",search,yes,2025-12-03T19:00:00+01:00\r\n"));
	assert_non_null(strstr(checkins, ",scan,yes,\r\n"));
	free(checkins);

	char path[1024];
	snprintf(path, sizeof(path), "%s/results.json", out);
	json_error_t jerr;
	json_t *js = json_load_file(path, 0, &jerr);
	if (!js)
		fail_msg("results.json: %s line %d", jerr.text, jerr.line);
	assert_int_equal(json_array_size(json_object_get(js, "people")), 4);
	assert_int_equal(json_array_size(json_object_get(js, "checkins")), 4);
	assert_int_equal(json_array_size(json_object_get(js, "commitments")), 1);
	assert_int_equal(json_array_size(json_object_get(js, "agenda_log")), 1);
	json_t *cm = json_array_get(json_object_get(js, "commitments"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(cm, "details"),
							      "day")), "Tue");
	json_t *karin = json_array_get(json_object_get(js, "people"), 2);
	assert_string_equal(json_string_value(json_object_get(karin, "first_name")), "Karin");
	assert_true(json_is_null(json_object_get(karin, "email")));
	assert_true(json_is_null(json_object_get(karin, "postcode")));
	json_decref(js);
	/* No temporary files are left behind. */
	snprintf(path, sizeof(path), "%s/.people.csv.tmp", out);
	assert_int_equal(access(path, F_OK), -1);
	/* Exporting again replaces the files. */
	assert_int_equal(cmd_export(7, argv), 0);
	char *argv2[] = { "export", "--data", data, NULL };
	assert_int_equal(cmd_export(3, argv2), 2);
	tu_rmtree(dir);
	free(dir);
}

static void empty_store_exports_headers(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	struct store *s = store_open(dir);
	struct export_summary sum;
	assert_int_equal(export_write(s, NULL, dir, &sum), 0);
	assert_int_equal(sum.people, 0);
	char *t = slurp(dir, "checkins.csv");
	assert_string_equal(t, CHECKINS_HEADER);
	free(t);
	char path[1024];
	snprintf(path, sizeof(path), "%s/results.json", dir);
	json_t *js = json_load_file(path, 0, NULL);
	assert_non_null(js);
	assert_int_equal(json_array_size(json_object_get(js, "people")), 0);
	json_decref(js);
	store_close(s);
	tu_rmtree(dir);
	free(dir);
}

/* ---- The issue #14 failures: each of these failed on the export before ---- */

#define DEMO_EVENT "barnstorm-aarhus-2026-12-03"
#define DEMO_START 1796320800000LL /* 2026-12-03 19:00 in Copenhagen, 18:00Z */

/* A data folder with people, check-ins, commitments and a meeting log of the demo event. */
static void demo_data(const char *data)
{
	struct store *s = store_open(data);
	assert_non_null(s);
	struct clock c;
	clock_init_fake(&c, DEMO_START - 10 * 60000 + 5000);
	struct people_walkin sv = { "Åsa", "Öberg", NULL, "+46 70 111 22 33", NULL, "sv", 1, "v1" };
	struct people_walkin dk = { "Søren", "Kierkegaard", NULL, "12345678", NULL, "da", 1, "v1" };
	struct people_walkin no = { "Nils", "Holm", NULL, "+46 70 999 88 77", NULL, "sv", 0, NULL };
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(s, &c, DEMO_EVENT, &sv, &e, &r), 0);
	clock_init_fake(&c, DEMO_START + 4 * 60000 + 5000);
	assert_int_equal(people_walkin(s, &c, DEMO_EVENT, &dk, &e, &r), 0);
	assert_int_equal(people_walkin(s, &c, DEMO_EVENT, &no, &e, &r), 0);
	assert_int_equal(store_exec(s,
		"INSERT INTO commitment(uuid, event, person_id, role, role_kind, team, details, "
		"created_at, updated_at) VALUES ('c-1', '" DEMO_EVENT "', 1, "
		"'Vært for ugentlig telefonbank', 'host', 'Aarhus C', "
		"'{\"day\":\"tuesday\",\"time\":\"19:00\",\"place\":\"Folkets Hus\"}', "
		"1796325900000, 1796325900000);"
		"INSERT INTO commitment(uuid, event, person_id, role, role_kind, team, details, "
		"created_at, updated_at, cancelled_at) VALUES ('c-2', '" DEMO_EVENT "', 2, "
		"'Holdleder', 'leader', 'Aarhus N', '{\"text\":\"=SUM(A1)\"}', "
		"1796325960000, 1796325960000, 1796326020000);"
		"INSERT INTO agenda_log(uuid, event, segment, title, what, at, value) VALUES "
		"('a-1', '" DEMO_EVENT "', 0, 'Velkommen og dagsorden', 'start', 1796320800000, NULL),"
		"('a-2', '" DEMO_EVENT "', 0, 'Velkommen og dagsorden', 'end', 1796321100000, "
		"'{\"elapsed_ms\":300000,\"planned_ms\":300000}'),"
		"('a-3', '" DEMO_EVENT "', 1, 'Hvorfor', 'signal', 1796321200000, "
		"'Tak, \"Mette\"\r\nsæt jer')"), 0);
	store_close(s);
}

struct demo {
	char *dir;
	char data[1024], out[1024], pack[1024];
};

static void demo_export(struct demo *d)
{
	d->dir = tu_tempdir();
	snprintf(d->data, sizeof(d->data), "%s/data", d->dir);
	snprintf(d->out, sizeof(d->out), "%s/out", d->dir);
	snprintf(d->pack, sizeof(d->pack), "%s/assets/demo", tu_src());
	demo_data(d->data);
	char *argv[] = { "export", "--data", d->data, "--out", d->out, "--pack", d->pack, NULL };
	assert_int_equal(cmd_export(7, argv), 0);
}

static void demo_release(struct demo *d)
{
	tu_rmtree(d->dir);
	free(d->dir);
}

static void commitments_csv(void **state)
{
	(void)state;
	struct demo d;
	demo_export(&d);
	char *t = slurp(d.out, "commitments.csv");
	assert_true(starts_with(t, BOM "person,role,kind,team,day,time,place,text,created,cancelled,"
			     "person_uuid,uuid\r\n"));
	assert_non_null(strstr(t, "\r\nÅsa Öberg,Vært for ugentlig telefonbank,host,Aarhus C,"
				  "tuesday,19:00,Folkets Hus,,2026-12-03T20:25:00+01:00,,"));
	/* A cancelled one is there with when; a formula typed as a detail is defused. */
	assert_non_null(strstr(t, "\r\nSøren Kierkegaard,Holdleder,leader,Aarhus N,,,,'=SUM(A1),"
				  "2026-12-03T20:26:00+01:00,2026-12-03T20:27:00+01:00,"));
	free(t);
	demo_release(&d);
}

/* Times as the room's clock showed them, with the offset; the BOM in every CSV file. */
static void csv_local_time_and_bom(void **state)
{
	(void)state;
	struct demo d;
	demo_export(&d);
	static const char *const files[] = {"people.csv", "checkins.csv", "commitments.csv",
					    "agenda.csv"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *t = slurp(d.out, files[i]);
		if (!starts_with(t, BOM))
			fail_msg("%s has no byte order mark", files[i]);
		assert_null(strstr(t, "Z,"));
		assert_null(strstr(t, "Z\r\n"));
		free(t);
	}
	char *t = slurp(d.out, "checkins.csv");
	assert_non_null(strstr(t, ",Åsa,Öberg,2026-12-03T18:50:05+01:00,walkin,yes,\r\n"));
	free(t);
	/* The 19:00 start reads 19:00, not 18:00Z. */
	t = slurp(d.out, "agenda.csv");
	assert_true(starts_with(t, BOM "event,segment,title,planned_minutes,"));
	assert_non_null(strstr(t, "," DEMO_EVENT ",1,Velkommen og dagsorden,5,0,"
				  "2026-12-03T19:00:00+01:00,2026-12-03T19:05:00+01:00,300,0,\r\n")
			|| strstr(t, "\r\n" DEMO_EVENT ",1,Velkommen og dagsorden,5,0,"
				  "2026-12-03T19:00:00+01:00,2026-12-03T19:05:00+01:00,300,0,\r\n"));
	/* A field with a comma, quotes and a line break is read back and quoted again. */
	assert_non_null(strstr(t, ",\"Tak, \"\"Mette\"\"\r\nsæt jer\"\r\n"));
	free(t);
	demo_release(&d);
}

static void phones_international(void **state)
{
	(void)state;
	struct demo d;
	demo_export(&d);
	char *t = slurp(d.out, "people.csv");
	assert_non_null(strstr(t, ",Åsa,Öberg,,+46701112233,"));
	assert_non_null(strstr(t, ",Søren,Kierkegaard,,+4512345678,"));
	assert_null(strstr(t, "0701112233"));
	/* No consent, no phone (matched whole: a random uuid may hold "999"). */
	assert_null(strstr(t, "+46709998877"));
	assert_null(strstr(t, "0709998877"));
	free(t);
	char out[64];
	assert_int_equal(phone_intl("+4798765432", out, sizeof(out)), 0);
	assert_string_equal(out, "+4798765432");
	assert_int_equal(phone_intl("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(phone_intl("0701112233", out, 5), -1);
	assert_string_equal(out, "");
	demo_release(&d);
}

/* A mistyped --data: no empty database is made and exported; it says so and fails. */
static void refuses_missing_data(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char data[1024], out[1024], db[1100];
	snprintf(data, sizeof(data), "%s/dta", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	char *argv[] = { "export", "--data", data, "--out", out, NULL };
	assert_int_equal(cmd_export(5, argv), 1);
	snprintf(db, sizeof(db), "%s/barnstorm.db", data);
	assert_int_equal(access(db, F_OK), -1);
	assert_int_equal(access(data, F_OK), -1);
	assert_int_equal(access(out, F_OK), -1);
	/* Through the binary: the message names the folder. */
	char msg[2048];
	assert_int_equal(tu_run(msg, sizeof(msg), "export --data '%s' --out '%s'", data, out), 1);
	assert_non_null(strstr(msg, "no results in '"));
	assert_non_null(strstr(msg, "/dta': there is no barnstorm.db there"));
	tu_rmtree(dir);
	free(dir);
}

static char *run_out(const char *cmd)
{
	static char buf[65536];
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	int st = pclose(p);
	if (st != 0)
		fail_msg("'%s' exited %d:\n%s", cmd, st, buf);
	return buf;
}

/* The workbook opens in LibreOffice (Debian's libreoffice-calc-nogui, headless): every sheet is
 * converted back to CSV, which shows what a person opening it sees. The sheet XML (read with
 * Python's zipfile) shows what LibreOffice's CSV cannot: date cells, the frozen row, widths. */
static void workbook_opens_in_libreoffice(void **state)
{
	(void)state;
	struct demo d;
	demo_export(&d);
	char cmd[4096], path[1200];
	snprintf(cmd, sizeof(cmd), "cd '%s' && HOME='%s' soffice -env:UserInstallation=file://%s/lo "
		 "--headless --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,"
		 "false,false,false,-1' --outdir '%s/lo' '%s/barnstorm.xlsx' 2>&1", d.dir, d.dir,
		 d.dir, d.dir, d.out);
	run_out(cmd);
	static const char *const sheets[] = {"People", "Check-ins", "Commitments", "Agenda"};
	static const char *const want[] = {
		",Åsa,Öberg,,+46701112233,,sv,walkin,v1,2026-12-03 18:50:05,2026-12-03 18:50:05\n",
		",Åsa,Öberg,2026-12-03 18:50:05,walkin,yes,\n",
		"Søren Kierkegaard,Holdleder,leader,Aarhus N,,,,=SUM(A1),2026-12-03 20:26:00,"
		"2026-12-03 20:27:00,",
		"1,Velkommen og dagsorden,5,0,2026-12-03 19:00:00,2026-12-03 19:05:00,300,0,\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(sheets); i++) {
		snprintf(path, sizeof(path), "%s/lo/barnstorm-%s.csv", d.dir, sheets[i]);
		char *t = tu_read_all(path);
		if (!t)
			fail_msg("LibreOffice wrote no sheet %s", sheets[i]);
		if (!strstr(t, want[i]))
			fail_msg("sheet %s lacks '%s':\n%.2000s", sheets[i], want[i], t);
		free(t);
	}
	snprintf(cmd, sizeof(cmd), "python3 -c \"\nimport zipfile, re\n"
		 "z = zipfile.ZipFile('%s/barnstorm.xlsx')\n"
		 "for i in range(1, 5):\n"
		 "    x = z.read('xl/worksheets/sheet%%d.xml' %% i).decode()\n"
		 "    assert 'state=\\\"frozen\\\"' in x and 'ySplit=\\\"1\\\"' in x, i\n"
		 "    assert '<cols>' in x and 'customWidth' in x, i\n"
		 "s = z.read('xl/worksheets/sheet2.xml').decode()\n"
		 "print(re.search(r'<c r=\\\"G2\\\" s=\\\"(\\d+)\\\"><v>([0-9.]+)</v>', s).group(2))\n"
		 "print(re.search(r'formatCode=\\\"(yyyy[^\\\"]*)\\\"', "
		 "z.read('xl/styles.xml').decode()).group(1))\n\" 2>&1", d.out);
	char *o = run_out(cmd);
	/* 2026-12-03 18:50:05 as an Excel serial date: a number, not a text. */
	double serial = strtod(o, NULL);
	assert_true(serial > 46359.784 && serial < 46359.785);
	assert_non_null(strstr(o, "yyyy-mm-dd hh:mm:ss"));
	demo_release(&d);
}

static int png_size(const char *path, unsigned *w, unsigned *h)
{
	unsigned char b[24];
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(b, 1, sizeof(b), f);
	fclose(f);
	if (n != sizeof(b) || memcmp(b, "\x89PNG\r\n\x1a\n", 8) || memcmp(b + 12, "IHDR", 4))
		return -1;
	*w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
	*h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
	return 0;
}

/* summary.png is there, at its size (test_summary.c checks the figures it shows). */
static void summary_png_written(void **state)
{
	(void)state;
	struct demo d;
	demo_export(&d);
	char path[1200];
	unsigned w, h;
	snprintf(path, sizeof(path), "%s/summary.png", d.out);
	assert_int_equal(png_size(path, &w, &h), 0);
	assert_int_equal(w, SUMMARY_PNG_W);
	assert_int_equal(h, SUMMARY_PNG_H);
	demo_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exports_csv_and_json),
		cmocka_unit_test(empty_store_exports_headers),
		cmocka_unit_test(commitments_csv),
		cmocka_unit_test(csv_local_time_and_bom),
		cmocka_unit_test(phones_international),
		cmocka_unit_test(refuses_missing_data),
		cmocka_unit_test(workbook_opens_in_libreoffice),
		cmocka_unit_test(summary_png_written),
	};
	return RUN_TESTS(tests);
}
