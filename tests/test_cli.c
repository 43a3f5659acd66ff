/* The command line and the headless script runner, run as a user would: the barnstorm binary. */
#include "testutil.h"

static char out[65536];

static void demo_pack_checks_ready(void **state)
{
	(void)state;
	int rc = tu_run(out, sizeof(out), "check '%s/assets/demo'", tu_src());
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "Barnstorm Aarhus"));
	assert_non_null(strstr(out, "ready (0 warnings)"));
}

static void broken_pack_names_each_line(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	tu_write_str(dir, "event.ini",
		     "[event]\n"
		     "title = Broken\n"
		     "starts = 2026-12-03 19:00\n"
		     "ends = 2026-12-03 18:00\n"
		     "timezone = Europe/Copenhagen\n"
		     "colour = red\n"
		     "[kiosk]\n"
		     "pin = 12\n"
		     "[role]\n"
		     "name = Boss\n"
		     "kind = boss\n"
		     "[segment]\n"
		     "minutes = 5\n");
	int rc = tu_run(out, sizeof(out), "check '%s'", dir);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "event.ini:4: [event] ends (2026-12-03 18:00) is not after starts"));
	assert_non_null(strstr(out, "event.ini:6: unknown key 'colour' in [event]"));
	assert_non_null(strstr(out, "event.ini:8: 'pin' must be 4 to 12 digits"));
	assert_non_null(strstr(out, "event.ini:11: unknown role kind 'boss'"));
	assert_non_null(strstr(out, "event.ini:12: [segment] has no title"));
	assert_non_null(strstr(out, "no [consent] section"));
	assert_non_null(strstr(out, "not ready"));
	tu_rmtree(dir);
	free(dir);
}

static void usage_errors(void **state)
{
	(void)state;
	assert_int_equal(tu_run(out, sizeof(out), "frobnicate"), 2);
	assert_non_null(strstr(out, "unknown command 'frobnicate'"));
	assert_int_equal(tu_run(out, sizeof(out), "check"), 2);
	assert_int_equal(tu_run(out, sizeof(out), "script x --colour red"), 2);
	assert_non_null(strstr(out, "unknown option '--colour'"));
	assert_int_equal(tu_run(out, sizeof(out), "script x --size 12"), 2);
	assert_non_null(strstr(out, "WIDTHxHEIGHT"));
}

/* Runs a script (text) on the demo pack with a fresh data folder; returns the exit status. */
static int run_script(const char *text, const char *extra, char **dir_out)
{
	char *dir = tu_tempdir();
	tu_write_str(dir, "s.txt", text);
	int rc = tu_run(out, sizeof(out), "script '%s/s.txt' --pack '%s/assets/demo' --data '%s/data' "
			"--shots '%s' %s", dir, tu_src(), dir, dir, extra ? extra : "");
	if (dir_out) {
		*dir_out = dir;
	} else {
		tu_rmtree(dir);
		free(dir);
	}
	return rc;
}

static void script_errors_name_the_line(void **state)
{
	(void)state;
	assert_int_equal(run_script("expect \"Barnstorm Aarhus\"\njump 3\n", NULL, NULL), 1);
	assert_non_null(strstr(out, "s.txt:2: unknown command 'jump'"));

	assert_int_equal(run_script("\n# a comment\ntap \"Nowhere\"\n", NULL, NULL), 1);
	assert_non_null(strstr(out, "s.txt:3: no \"Nowhere\" to tap"));
	assert_non_null(strstr(out, "\"Tjek ind\"")); /* it lists what there is */

	assert_int_equal(run_script("expect \"Goodbye\"\n", NULL, NULL), 1);
	assert_non_null(strstr(out, "s.txt:1: expected \"Goodbye\" on screen"));

	assert_int_equal(run_script("wait soon\n", NULL, NULL), 1);
	assert_non_null(strstr(out, "s.txt:1: wait: 'soon' is not a duration"));

	/* clock: a sign, a number and one unit, at most 100 years. */
	static const char *const jumps[] = {"soon", "5d", "+5y", "+d", "-99999999999d", "+40000d"};
	for (size_t i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
		char script[64];
		snprintf(script, sizeof(script), "clock %s\n", jumps[i]);
		assert_int_equal(run_script(script, NULL, NULL), 1);
		assert_non_null(strstr(out, "s.txt:1: clock: '"));
		assert_non_null(strstr(out, "is not a jump like +730d"));
	}
	assert_int_equal(run_script("clock\n", NULL, NULL), 1);
	assert_non_null(strstr(out, "s.txt:1: clock takes one jump"));

	assert_int_equal(run_script("tap \"Check in\nshot x\n", NULL, NULL), 1);
	assert_non_null(strstr(out, "s.txt:1: a quoted string is not closed"));

	assert_int_equal(run_script("key Hyper\n", NULL, NULL), 1);
	assert_non_null(strstr(out, "s.txt:1: unknown key 'Hyper'"));

	assert_int_equal(run_script("shot ../escape\n", NULL, NULL), 1);
	assert_non_null(strstr(out, "not a plain file name"));
}

static void script_file_problems(void **state)
{
	(void)state;
	assert_int_equal(tu_run(out, sizeof(out), "script /nonexistent/s.txt --pack '%s/assets/demo' "
				"--data /tmp", tu_src()), 2);
	assert_non_null(strstr(out, "cannot open '/nonexistent/s.txt'"));
	char *dir = tu_tempdir();
	tu_write(dir, "bin.txt", "tap \"\xff\xfe\"\n", 9);
	assert_int_equal(tu_run(out, sizeof(out), "script '%s/bin.txt' --pack '%s/assets/demo' "
				"--data '%s/d'", dir, tu_src(), dir), 2);
	assert_non_null(strstr(out, "not a UTF-8 text file"));
	tu_rmtree(dir);
	free(dir);
}

/* PNG width and height from the IHDR chunk. */
static void png_size(const char *path, int *w, int *h)
{
	unsigned char b[24];
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(b, 1, sizeof(b), f), sizeof(b));
	fclose(f);
	assert_memory_equal(b, "\x89PNG\r\n\x1a\n", 8);
	*w = b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19];
	*h = b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23];
}

static void language_switch_changes_the_whole_screen(void **state)
{
	(void)state;
	char *dir;
	/* Danish first (the pack's first language), then English on one tap. */
	assert_int_equal(run_script("expect \"Tjek ind\"\nexpect \"Arrangør\"\nshot da\n"
				    "tap \"English\"\nexpect \"Welcome! Tap to check in.\"\nshot en\n",
				    "--size 1920x1080", &dir),
			 0);
	char path[1024];
	int w, h;
	snprintf(path, sizeof(path), "%s/en.png", dir);
	png_size(path, &w, &h);
	assert_int_equal(w, 1920);
	assert_int_equal(h, 1080);
	tu_rmtree(dir);
	free(dir);
	/* After the switch the Danish text is gone. */
	assert_int_equal(run_script("tap \"English\"\nexpect \"Tjek ind\"\n", NULL, NULL), 1);
	/* --lang picks the starting language. */
	assert_int_equal(run_script("expect \"Welcome! Tap to check in.\"\n", "--lang en", NULL), 0);
}

static void pin_lockout_grows_and_survives_a_restart(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	tu_write_str(dir, "wrong.txt",
		     "tap \"Organizer\"\n"
		     "type \"1111\"\nkey Return\nexpect \"Wrong PIN\"\n"
		     "type \"2222\"\nkey Return\n"
		     "type \"3333\"\nkey Return\n"
		     "expect \"Try again in 0:30\"\n"
		     "tap \"5\"\n" /* the pad is gone while locked */);
	int rc = tu_run(out, sizeof(out), "script '%s/wrong.txt' --pack '%s/assets/demo' --data '%s/data' --lang en",
			dir, tu_src(), dir);
	if (!strstr(out, "wrong.txt:10: no \"5\" to tap"))
		fprintf(stderr, "# %s\n", out);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "wrong.txt:10: no \"5\" to tap"));
	/* The same data folder after a restart (the fake clock starts at the same time): still
	 * locked; after 30 s one more wrong PIN locks for a minute; the right PIN opens. */
	tu_write_str(dir, "again.txt",
		     "tap \"Organizer\"\n"
		     "expect \"Try again in 0:3\"\n"
		     "wait 31s\n"
		     "type \"9999\"\nkey Return\n"
		     "expect \"Try again in 1:00\"\n"
		     "wait 61s\n"
		     "tap \"4\"\ntap \"8\"\ntap \"2\"\ntap \"1\"\ntap \"OK\"\n"
		     "expect \"Back to check-in\"\n"
		     "tap \"Lock\"\n"
		     "expect \"Welcome! Tap to check in.\"\n");
	rc = tu_run(out, sizeof(out), "script '%s/again.txt' --pack '%s/assets/demo' --data '%s/data' --lang en",
		    dir, tu_src(), dir);
	if (rc != 0)
		fprintf(stderr, "# %s\n", out);
	assert_int_equal(rc, 0);
	tu_rmtree(dir);
	free(dir);
}

static void broken_pack_shows_the_error_screen(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char pack[1024];
	snprintf(pack, sizeof(pack), "%s/pack", dir);
	mkdir(pack, 0700);
	tu_write_str(pack, "event.ini", "[event]\ntitle = Broken\ncolour = red\n");
	tu_write_str(dir, "s.txt", "expect \"The event pack has errors\"\n"
				   "expect \"event.ini:3: unknown key 'colour' in [event]\"\n"
				   "shot error\n"
				   "tap \"Try again\"\n"
				   "expect \"event.ini:3:\"\n");
	int rc = tu_run(out, sizeof(out), "script '%s/s.txt' --pack '%s' --data '%s/data' --shots '%s'",
			dir, pack, dir, dir);
	if (rc != 0)
		fprintf(stderr, "# %s\n", out);
	assert_int_equal(rc, 0);
	/* A data "folder" that is a file: the error screen names it. */
	tu_write_str(dir, "notadir", "x");
	tu_write_str(dir, "s2.txt", "expect \"The data folder cannot be used\"\nexpect \"is not a directory\"\n");
	rc = tu_run(out, sizeof(out), "script '%s/s2.txt' --pack '%s/assets/demo' --data '%s/notadir'",
		    dir, tu_src(), dir);
	if (rc != 0)
		fprintf(stderr, "# %s\n", out);
	assert_int_equal(rc, 0);
	tu_rmtree(dir);
	free(dir);
}

static void export_writes_every_file(void **state)
{
	(void)state;
	char *dir;
	/* A kiosk run records which pack this data folder belongs to; export then needs no --pack. */
	assert_int_equal(run_script("expect \"Tjek ind\"\n", NULL, &dir), 0);
	int rc = tu_run(out, sizeof(out), "export --data '%s/data' --out '%s/out'", dir, dir);
	if (rc != 0)
		fprintf(stderr, "# %s\n", out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "agenda.csv (the meeting of 'barnstorm-aarhus-2026-12-03')"));
	static const char *const files[] = {"people.csv", "checkins.csv", "results.json", "agenda.csv"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/out/%s", dir, files[i]);
		assert_int_equal(access(path, R_OK), 0);
	}
	/* A data folder with no database (a mistyped --data) is refused, not exported empty. */
	rc = tu_run(out, sizeof(out), "export --data '%s/fresh' --out '%s/out2'", dir, dir);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "there is no barnstorm.db there"));
	assert_int_equal(tu_run(out, sizeof(out), "export --data '%s/data'", dir), 2);
	assert_non_null(strstr(out, "--out DIR is required"));
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(demo_pack_checks_ready),
		cmocka_unit_test(broken_pack_names_each_line),
		cmocka_unit_test(usage_errors),
		cmocka_unit_test(script_errors_name_the_line),
		cmocka_unit_test(script_file_problems),
		cmocka_unit_test(language_switch_changes_the_whole_screen),
		cmocka_unit_test(pin_lockout_grows_and_survives_a_restart),
		cmocka_unit_test(broken_pack_shows_the_error_screen),
		cmocka_unit_test(export_writes_every_file),
	};
	return RUN_TESTS(tests);
}
