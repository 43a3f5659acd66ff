/* A station's role in the room (core/station.h), through the real binary on the demo pack: an
 * organizer picks it behind the PIN, it survives a restart, and the idle screen follows it. */
#include "testutil.h"

#include "store.h"
#include "util.h"

static int run(struct tu_fx *f, const char *name, const char *script)
{
	return tu_run_script(f->out, sizeof(f->out), f->dir, name, script, f->pack, f->data,
			     f->shots, "800x480", "en");
}

static const char LOGIN[] = "tap \"Organizer\"\ntype \"4821\"\nkey Return\n";

static int64_t checkins(struct tu_fx *f)
{
	struct store *s = store_open(f->data);
	assert_non_null(s);
	int64_t n = store_query_int(s, "SELECT count(*) FROM checkin");
	store_close(s);
	return n;
}

/* The stage: kept across a restart; its idle screen leads to the meeting and takes no scans. */
static void stage_role_survives_a_restart(void **state)
{
	struct tu_fx *f = *state;
	char script[2048];
	snprintf(script, sizeof(script),
		 "%stap \"This station\"\n"
		 "expect \"What does this kiosk do in the room?\"\n"
		 "tap \"Stage\"\n"
		 "type \"Scenen\"\n"
		 "tap \"Save\"\n"
		 "expect \"Saved. The idle screen follows the role.\"\n", LOGIN);
	assert_int_equal(run(f, "set.txt", script), 0);
	static const char after[] =
		"expect \"Meeting\"\n"
		"expect \"Scenen\"\n"
		"expect \"The meeting starts at 19:00.\"\n"
		"expect-not \"Check in\"\n"
		"scan \"RSVP-1002\"\n"
		"expect \"Meeting\"\n"
		"tap \"Meeting\"\n"
		"type \"4821\"\n"
		"key Return\n"
		"expect \"Start\"\n";
	assert_int_equal(run(f, "after.txt", after), 0);
	assert_int_equal(checkins(f), 0); /* a scan is the door's business */
}

/* A door shows what the meeting is doing; a sign-up table leads to sign-up and the board. */
static void door_and_signup_idle(void **state)
{
	struct tu_fx *f = *state;
	char script[2048];
	snprintf(script, sizeof(script),
		 /* The meeting is started while the kiosk does everything: a door does not run it. */
		 "%stap \"Meeting\"\ntap \"Start\"\ntap \"Back\"\n"
		 "tap \"This station\"\ntap \"Door\"\ntap \"Save\"\ntap \"Back\"\n"
		 "tap \"Meeting\"\nexpect \"Run from the stage\"\nexpect-not \"Pause\"\n"
		 "tap \"Back\"\ntap \"Lock\"\n"
		 "expect \"Check in\"\n"
		 "expect \"Now: Velkommen\"\n"
		 "scan \"RSVP-1002\"\n"
		 "expect \"Welcome, Åsa!\"\n"
		 "wait 7s\n"
		 "%stap \"This station\"\ntap \"Sign-up table\"\ntap \"Save\"\ntap \"Back\"\ntap \"Lock\"\n"
		 "expect \"Sign up\"\n"
		 "expect \"Board\"\n"
		 "expect-not \"Check in\"\n",
		 LOGIN, LOGIN);
	assert_int_equal(run(f, "roles.txt", script), 0);
	assert_int_equal(checkins(f), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(stage_role_survives_a_restart, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(door_and_signup_idle, tu_fx_setup, tu_fx_teardown),
	};
	return RUN_TESTS(tests);
}
