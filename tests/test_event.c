/* The event core (core/event.h): one owner for the store and the workers, and one notification
 * path from a committed record to whoever shows or carries it. Also the screens' side of it:
 * a store that fails is said so, never read as "no match". */
#include "testutil.h"

#include "core/event.h"
#include "display.h"
#include "i18n.h"
#include "kiosk.h"
#include "pack.h"
#include "people.h"
#include "screens/checkin.h"
#include "util.h"


static int notified;

static void count_notify(void *ctx)
{
	(void)ctx;
	notified++;
}

/* A check-in committed on the core's store changes the check-in and upload topics and notifies
 * once; nothing else (no screen, no kick) is involved. A rolled-back write notifies nothing. */
static void commit_notifies_by_topic(void **state)
{
	struct tu_fx *f = *state;
	struct pack p;
	struct diags d;
	diags_init(&d);
	assert_int_equal(pack_load(f->pack, &p, &d), 0);
	struct clock c;
	clock_init_fake(&c, p.starts_ms);
	struct event_opts o = {.pack = &p, .data_dir = f->data, .clock = &c, .notify = count_notify};
	struct event *ev = event_open(&o, NULL);
	assert_non_null(ev);
	struct store *s = event_store(ev);

	/* A walk-in: a person, a check-in and outbox records in one transaction. */
	struct people_walkin w = {.first_name = "Alma", .last_name = "Berg",
				  .email = "alma@example.org", .consent = 1,
				  .consent_version = "v1"};
	struct people_walkin_errors e;
	struct people_walkin_result r;
	uint64_t people = event_version(ev, EVENT_BIT(EVENT_PEOPLE));
	uint64_t checkins = event_version(ev, EVENT_BIT(EVENT_CHECKINS));
	uint64_t upload = event_version(ev, EVENT_BIT(EVENT_UPLOAD));
	uint64_t agenda = event_version(ev, EVENT_BIT(EVENT_AGENDA));
	uint64_t commitments = event_version(ev, EVENT_BIT(EVENT_COMMITMENTS));
	notified = 0;
	assert_int_equal(people_walkin(s, &c, p.event_id, &w, &e, &r), 0);
	assert_int_equal(notified, 1);
	assert_true(event_version(ev, EVENT_BIT(EVENT_PEOPLE)) > people);
	assert_true(event_version(ev, EVENT_BIT(EVENT_CHECKINS)) > checkins);
	assert_true(event_version(ev, EVENT_BIT(EVENT_UPLOAD)) > upload);
	assert_int_equal(event_version(ev, EVENT_BIT(EVENT_AGENDA)), agenda);
	assert_int_equal(event_version(ev, EVENT_BIT(EVENT_COMMITMENTS)), commitments);

	/* A transaction that is rolled back tells nobody. */
	notified = 0;
	checkins = event_version(ev, EVENT_BIT(EVENT_CHECKINS));
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(store_exec(s, "UPDATE checkin SET method = method"), 0);
	store_tx_rollback(s);
	assert_int_equal(notified, 0);
	assert_int_equal(event_version(ev, EVENT_BIT(EVENT_CHECKINS)), checkins);

	/* The same check-in again writes nothing: no notification. */
	assert_int_equal(people_checkin(s, &c, p.event_id, r.person_id, "search", NULL),
			 PEOPLE_CHECKIN_ALREADY);
	assert_int_equal(notified, 0);

	event_close(ev);
	pack_release(&p);
	diags_release(&d);
}

/* A database error during the search at the door is shown as one, not as "No one found" (which
 * would send a roster member to the walk-in form and record them twice). */
static void search_error_is_not_no_match(void **state)
{
	struct tu_fx *f = *state;
	struct kiosk *k = xcalloc(1, sizeof(*k));
	struct kiosk_opts o = {.pack_dir = f->pack, .data_dir = f->data, .lang = "en", .fake_clock = 1};
	kiosk_init(k, &o);
	assert_int_equal(k->screen, SCREEN_IDLE);
	checkin_begin(k);
	kiosk_frame(k);
	assert_int_equal(k->screen, SCREEN_SEARCH);

	struct display_event ev = {.kind = DISPLAY_TEXT};
	str_copy(ev.text, sizeof(ev.text), "zq");
	kiosk_event(k, &ev);
	kiosk_typed(k); /* typed by a person: handed over now, not held as a scanner's burst */
	kiosk_frame(k);
	assert_true(ui_has_text(&k->ui, "No one found with that name."));

	/* What the search index reads goes away under the kiosk (a damaged file, say). */
	struct store *s = store_open(f->data);
	assert_non_null(s);
	assert_int_equal(store_exec(s, "ALTER TABLE person RENAME COLUMN rev TO rev_gone"), 0);
	store_close(s);
	str_copy(ev.text, sizeof(ev.text), "x");
	kiosk_event(k, &ev);
	kiosk_typed(k); /* typed by a person: handed over now, not held as a scanner's burst */
	kiosk_frame(k);
	assert_true(ui_has_text(&k->ui, "The search is not working right now."));
	assert_false(ui_has_text(&k->ui, "No one found with that name."));
	kiosk_release(k);
	free(k);
}

/* Every word on a slip is in the attendee's language (a Danish slip said "commits to:" and
 * "Team:" in English: the words were not in the catalogs). */
static void slip_words_in_the_attendees_language(void **state)
{
	(void)state;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/build/locale", tu_src());
	const char *codes[] = {"da", "sv", "en"};
	struct i18n *t = i18n_open(dir, codes, 3);
	assert_non_null(t);
	struct slip_labels da, sv, en;
	event_slip_labels(t, "da", &da);
	event_slip_labels(t, "sv", &sv);
	event_slip_labels(t, "en", &en);
	assert_string_equal(da.team, "Hold:");
	assert_string_equal(sv.team, "Lag:");
	assert_string_equal(da.commits_to, "siger ja til:");
	assert_string_equal(sv.commits_to, "säger ja till:");
	assert_string_equal(da.open_link, "Åbn dette link:");
	assert_string_equal(sv.scan, "Skanna med din telefon");
	assert_string_equal(da.weekdays[1], "Tirsdag");
	assert_string_equal(en.team, "Team:");
	i18n_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(commit_notifies_by_topic, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(search_error_is_not_no_match, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test(slip_words_in_the_attendees_language),
	};
	return RUN_TESTS(tests);
}
