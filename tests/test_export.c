#include "testutil.h"

#include "clock.h"
#include "commands.h"
#include "export.h"
#include "people.h"
#include "store.h"
#include "util.h"

#include <jansson.h>

#define PEOPLE_HEADER "uuid,external_id,first_name,last_name,email,phone,postcode,lang,source," \
	"consent_version,consent_at,created_at\r\n"
#define CHECKINS_HEADER "uuid,event,person_uuid,external_id,first_name,last_name,at,method," \
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
	assert_int_equal(export_write(s, "/nonexistent/dir", &sum), -1);
	assert_non_null(strstr(err_msg(), "/nonexistent/dir/"));
	store_close(s);

	char *argv[] = { "export", "--data", data, "--out", out, NULL };
	assert_int_equal(cmd_export(5, argv), 0);

	char *people = slurp(out, "people.csv");
	assert_true(starts_with(people, PEOPLE_HEADER));
	/* Quoting, and no contact details without consent (roster rows and Karin). */
	assert_non_null(strstr(people, ",R1,Søren,\"Kierkegaard, \"\"SK\"\"\",,,,,roster,,,"
				       "2025-12-03T18:00:00.123Z\r\n"));
	assert_non_null(strstr(people, ",Karin,L,,,,da,walkin,,,"));
	assert_null(strstr(people, "karin@"));
	assert_non_null(strstr(people, ",Ny,Person,ny@example.dk,,,da,walkin,v1,"
				       "2025-12-03T18:00:00.123Z,"));
	/* A formula typed by someone is defused. */
	assert_non_null(strstr(people, ",\"'=HYPERLINK(\"\"x\"\")\",Berg,"));
	free(people);

	char *checkins = slurp(out, "checkins.csv");
	assert_true(starts_with(checkins, CHECKINS_HEADER));
	assert_non_null(strstr(checkins, ",search,yes,2025-12-03T18:00:00.123Z\r\n"));
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
	assert_int_equal(cmd_export(5, argv), 0);
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
	assert_int_equal(export_write(s, dir, &sum), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exports_csv_and_json),
		cmocka_unit_test(empty_store_exports_headers),
	};
	return RUN_TESTS(tests);
}
