/* The door as an attendee meets it, through the real binary and scripts on the demo pack: the
 * walk-in form's keyboard, Back within the flow, and "Still there?" before a timeout wipes what
 * was typed; the idle screen's hint that a code can be scanned. */
#include "testutil.h"

#include "store.h"
#include "util.h"


static int run(struct tu_fx *f, const char *name, const char *script, const char *size)
{
	return tu_run_script(f->out, sizeof(f->out), f->dir, name, script, f->pack, f->data,
			     f->shots, size, "en");
}

/* The email field has "@" and "." on the letters; Back to the search and "I'm new" again keeps
 * what was typed; a new attendee gets an empty form. */
static void walkin_form_keeps_typing_within_the_flow(void **state)
{
	struct tu_fx *f = *state;
	static const char *const SIZES[] = {"800x480", "1920x1080"};
	for (size_t i = 0; i < ARRAY_SIZE(SIZES); i++) {
		char script[2048];
		snprintf(script, sizeof(script),
			 "expect \"Or scan the code on your ticket.\"\n"
			 "shot idle-%s\n"
			 "tap \"Check in\"\n"
			 "tap \"I'm new\"\n"
			 "type \"Mette\"\n"
			 "tap \"Last name\"\n"
			 "type \"Dam\"\n"
			 "tap \"Email\"\n"
			 "type \"mette\"\n"
			 "tap \"@\"\n"
			 "type \"example\"\n"
			 "tap \".\"\n"
			 "type \"dk\"\n"
			 "expect \"mette@example.dk\"\n"
			 "shot walkin-email-%s\n"
			 "tap \"Back\"\n"
			 "expect \"Type your first or last name\"\n"
			 "tap \"I'm new\"\n"
			 "expect \"Mette\"\n"
			 "expect \"mette@example.dk\"\n"
			 "tap \"Back\"\n"
			 "tap \"Back\"\n" /* to idle: the attendee has gone */
			 "tap \"Check in\"\n"
			 "tap \"I'm new\"\n"
			 "expect-not \"mette@example.dk\"\n"
			 "expect-not \"Mette\"\n",
			 SIZES[i], SIZES[i]);
		assert_int_equal(run(f, "form.txt", script, SIZES[i]), 0);
	}
}

/* Before the attendee timeout wipes a half-filled form, the screen asks; "Yes, I'm here"
 * keeps it, silence wipes it. */
static void still_there_before_the_timeout(void **state)
{
	struct tu_fx *f = *state;
	static const char script[] =
		"tap \"Check in\"\n"
		"tap \"I'm new\"\n"
		"type \"Mette\"\n"
		"wait 60s\n"
		"expect-not \"Yes, I'm here\"\n"
		"wait 15s\n"
		"expect \"Still there? Starting over in 15 seconds.\"\n"
		"shot still-there\n"
		"tap \"Yes, I'm here\"\n"
		"expect-not \"Yes, I'm here\"\n"
		"expect \"Mette\"\n"
		"wait 80s\n"
		"expect \"Yes, I'm here\"\n"
		"expect \"Mette\"\n" /* still behind the question */
		"wait 11s\n"
		"expect \"Welcome! Tap to check in.\"\n"
		"tap \"Check in\"\n"
		"tap \"I'm new\"\n"
		"expect-not \"Mette\"\n";
	assert_int_equal(run(f, "still.txt", script, "800x480"), 0);
	/* Nothing was stored for the walk-in who walked away. */
	struct store *s = store_open(f->data);
	assert_non_null(s);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM person WHERE source = 'walkin'"), 0);
	store_close(s);
}

/* The organizer sees what each roster column was read as before the doors open, a column that is
 * not used among them. */
static void roster_report_on_the_organizer_screen(void **state)
{
	struct tu_fx *f = *state;
	/* A copy of the demo pack whose roster has a column nobody reads. */
	char pack[1100], cmd[2400];
	snprintf(pack, sizeof(pack), "%s/pack", f->dir);
	snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && sed -i '1s/\\r$/;Shoe size\\r/; 2,$s/\\r$/;42\\r/' "
		 "'%s/roster.csv'", f->pack, pack, pack);
	assert_int_equal(system(cmd), 0);
	str_copy(f->pack, sizeof(f->pack), pack);
	static const char script[] =
		"tap \"Organizer\"\n"
		"type \"4821\"\n"
		"key Return\n"
		"tap \"Check-ins\"\n"
		"tap \"Roster report\"\n"
		"expect \"column 6 'RSVP': registration id (RSVP)\"\n"
		"expect \"column 7 'Shoe size': ignored\"\n"
		"shot roster-report\n"
		"tap \"Close\"\n"
		"expect \"Find someone\"\n";
	assert_int_equal(run(f, "report.txt", script, "800x480"), 0);
}

/* A scan while a text field has focus is a scan, not typing into the field: here on the walk-in
 * form, with the code printed as a link on the ticket, in lower case. */
static void scan_into_a_focused_field_is_a_scan(void **state)
{
	struct tu_fx *f = *state;
	static const char script[] =
		"tap \"Check in\"\n"
		"tap \"I'm new\"\n"
		"type \"Å\"\n"
		"scan \"https://tickets.example.org/rsvp/rsvp-1002?src=mail\"\n"
		"expect \"Welcome, Åsa!\"\n"
		"expect-not \"rsvp-1002\"\n"
		"wait 7s\n"
		/* And typed by a person into the search, a code is just text. */
		"tap \"Check in\"\n"
		"type \"RSVP\"\n"
		"expect \"RSVP\"\n";
	assert_int_equal(run(f, "scanform.txt", script, "800x480"), 0);
	struct store *s = store_open(f->data);
	assert_non_null(s);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM checkin c JOIN person p ON "
					    "p.id = c.person_id WHERE p.external_id = 'RSVP-1002' AND "
					    "c.method = 'scan'"), 1);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM person WHERE source = 'walkin'"), 0);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(walkin_form_keeps_typing_within_the_flow, tu_fx_setup,
						tu_fx_teardown),
		cmocka_unit_test_setup_teardown(still_there_before_the_timeout, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(roster_report_on_the_organizer_screen, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(scan_into_a_focused_field_is_a_scan, tu_fx_setup, tu_fx_teardown),
	};
	return RUN_TESTS(tests);
}
