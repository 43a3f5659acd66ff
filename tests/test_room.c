/* A room: three kiosks (door, stage, sign-up table) in this process, each with its own data
 * folder and the demo pack with one [stations] key, exchanging over 127.0.0.1 through the event
 * core's exchange worker, as the kiosk runs it. A person checked in at the door can sign up at
 * the table; the commitment reaches the stage; each record goes upstream only from the station
 * that made it. The waits poll the stores with a generous bound: only a broken exchange fails. */
#include "testutil.h"

#include "agenda.h"
#include "core/event.h"
#include "core/station.h"
#include "kiosk.h"
#include "people.h"
#include "screens/checkin.h"
#include "teams.h"
#include "util.h"

#define OTHER_KEY "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY "6d2b0f4e8a1c3d5f7091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"

struct room {
	char *dir;
	char pack[3][1100], data[3][1100];
	int port[3];
	struct kiosk *k[3];
};

enum { DOOR, STAGE, TABLE };

/* Three stations; the third has another key when other_key is set. */
static void room_open_keys(struct room *r, int other_key)
{
	memset(r, 0, sizeof(*r));
	r->dir = tu_tempdir();
	for (int i = 0; i < 3; i++)
		r->port[i] = tu_free_port();
	for (int i = 0; i < 3; i++) {
		snprintf(r->pack[i], sizeof(r->pack[i]), "%s/pack%d", r->dir, i);
		snprintf(r->data[i], sizeof(r->data[i]), "%s/data%d", r->dir, i);
		char cmd[3000];
		snprintf(cmd, sizeof(cmd),
			 "cp -r '%s/assets/demo' '%s' && printf '\\n[stations]\\nkey = %s\\n"
			 "listen = 127.0.0.1:%d\\npeers = 127.0.0.1:%d, 127.0.0.1:%d\\n' >> '%s/event.ini'",
			 tu_src(), r->pack[i], other_key && i == TABLE ? OTHER_KEY : KEY, r->port[i], r->port[(i + 1) % 3], r->port[(i + 2) % 3],
			 r->pack[i]);
		assert_int_equal(system(cmd), 0);
		r->k[i] = xcalloc(1, sizeof(*r->k[i]));
		struct kiosk_opts o = {.pack_dir = r->pack[i], .data_dir = r->data[i], .lang = "en",
				       .fake_clock = 1};
		kiosk_init(r->k[i], &o);
		assert_int_equal(r->k[i]->screen, SCREEN_IDLE); /* the pack with [stations] is ready */
		struct station st = {.role = i == DOOR ? STATION_DOOR : i == STAGE ? STATION_STAGE
										 : STATION_SIGNUP};
		snprintf(st.name, sizeof(st.name), "%s", i == DOOR ? "Door 1" : i == STAGE ? "Stage"
											: "Table");
		assert_int_equal(event_set_station(r->k[i]->event, &st), 0);
	}
}

static void room_open(struct room *r)
{
	room_open_keys(r, 0);
}

static void room_close(struct room *r)
{
	for (int i = 0; i < 3; i++) {
		if (!r->k[i])
			continue; /* a station the test stopped */
		kiosk_release(r->k[i]);
		free(r->k[i]);
	}
	tu_rmtree(r->dir);
	free(r->dir);
}

/* Polls sql on station i's own connection until it answers want; fails after a minute. */
static void wait_for(struct room *r, int i, const char *sql, int64_t want)
{
	int64_t v = -2;
	for (int n = 0; n < 1200; n++) {
		v = store_query_int(r->k[i]->store, sql);
		if (v == want)
			return;
		tu_sleep_ms(50);
	}
	fail_msg("station %d: '%s' is %lld, not %lld", i, sql, (long long)v, (long long)want);
}

static void door_table_stage(void **state)
{
	(void)state;
	struct room r;
	room_open(&r);
	struct sync_status st;
	assert_int_equal(event_sync_status(r.k[DOOR]->event, &st, NULL), 1);
	assert_true(st.serving);
	assert_int_equal(st.npeer, 2);

	/* Åsa's code is scanned at the door. */
	checkin_scan(r.k[DOOR], "RSVP-1002");
	assert_int_equal(r.k[DOOR]->screen, SCREEN_WELCOME);
	static const char CHECKED[] = "SELECT count(*) FROM checkin c JOIN person p ON p.id = "
				      "c.person_id WHERE p.external_id = 'RSVP-1002' AND c.undone_at IS NULL";
	/* The sign-up table finds her checked in (its own roster row, merged by roster id). */
	wait_for(&r, TABLE, CHECKED, 1);
	struct people_result found[PEOPLE_SEARCH_MAX];
	int n = people_search(r.k[TABLE]->store, r.k[TABLE]->pack.event_id, "asa oberg", found,
			      PEOPLE_SEARCH_MAX);
	assert_true(n >= 1);
	assert_true(found[0].checked_in);

	/* She commits at the table; the stage has it for the board. */
	assert_int_equal(teams_commit_add(r.k[TABLE]->store, &r.k[TABLE]->clock, &r.k[TABLE]->pack,
					  found[0].id, 0, 0, NULL, NULL), 0);
	wait_for(&r, STAGE, "SELECT count(*) FROM commitment WHERE cancelled_at IS NULL", 1);
	wait_for(&r, DOOR, "SELECT count(*) FROM commitment WHERE cancelled_at IS NULL", 1);
	wait_for(&r, STAGE, CHECKED, 1);

	/* Exactly once upstream: each record is in the outbox of the station that made it only. */
	assert_int_equal(store_query_int(r.k[DOOR]->store,
					 "SELECT count(*) FROM outbox WHERE kind = 'checkin'"), 1);
	for (int i = STAGE; i <= TABLE; i++)
		assert_int_equal(store_query_int(r.k[i]->store,
						 "SELECT count(*) FROM outbox WHERE kind = 'checkin'"), 0);
	assert_int_equal(store_query_int(r.k[TABLE]->store,
					 "SELECT count(*) FROM outbox WHERE kind = 'commitment'"), 1);
	assert_int_equal(store_query_int(r.k[STAGE]->store,
					 "SELECT count(*) FROM outbox WHERE kind = 'commitment'"), 0);

	/* The stage starts the meeting; the door's idle screen says what is on. */
	kiosk_reset_to_idle(r.k[DOOR]);
	kiosk_frame(r.k[DOOR]);
	assert_true(ui_has_text(&r.k[DOOR]->ui, "The meeting starts at 19:00."));
	assert_int_equal(agenda_start(event_agenda(r.k[STAGE]->event)), 0);
	wait_for(&r, DOOR, "SELECT count(*) FROM agenda_log WHERE what = 'start'", 1);
	kiosk_frame(r.k[DOOR]);
	assert_true(ui_has_text(&r.k[DOOR]->ui, "Now: Velkommen og dagsorden"));
	assert_int_equal(agenda_pause(event_agenda(r.k[STAGE]->event)), 0);
	wait_for(&r, DOOR, "SELECT count(*) FROM agenda_log WHERE what = 'pause'", 1);
	kiosk_frame(r.k[DOOR]);
	assert_true(ui_has_text(&r.k[DOOR]->ui, "Paused: Velkommen og dagsorden"));
	/* The agenda has one writer: the door's Meeting screen shows the stage's meeting and has
	 * nothing that writes; the stage's has its controls. */
	kiosk_go(r.k[DOOR], SCREEN_FACILITATOR);
	kiosk_frame(r.k[DOOR]);
	assert_true(ui_has_text(&r.k[DOOR]->ui, "Run from the stage"));
	assert_true(ui_has_text(&r.k[DOOR]->ui, "Paused: Velkommen og dagsorden"));
	static const char *const WRITES[] = {"Start", "Resume", "Pause", "Next", "Previous", "+1 min",
					     "Please wrap up", "Audience view"};
	for (size_t i = 0; i < sizeof(WRITES) / sizeof(WRITES[0]); i++)
		assert_null(ui_find(&r.k[DOOR]->ui, WRITES[i], 0));
	kiosk_go(r.k[STAGE], SCREEN_FACILITATOR);
	kiosk_frame(r.k[STAGE]);
	assert_non_null(ui_find(&r.k[STAGE]->ui, "Resume", 1));
	assert_false(ui_has_text(&r.k[STAGE]->ui, "Run from the stage"));
	kiosk_reset_to_idle(r.k[STAGE]);
	kiosk_reset_to_idle(r.k[DOOR]);

	/* The door's Stations screen says both others are in step. */
	for (int tries = 0; tries < 1200; tries++) {
		assert_int_equal(event_sync_status(r.k[DOOR]->event, &st, NULL), 1);
		if (st.peers_ok == 2)
			break;
		tu_sleep_ms(50);
	}
	assert_int_equal(st.peers_ok, 2);
	kiosk_go(r.k[DOOR], SCREEN_STATIONS);
	kiosk_frame(r.k[DOOR]);
	assert_true(ui_has_text(&r.k[DOOR]->ui, "This station: Door 1 (Door)"));
	/* Each peer by the name and role it gave itself, not by address alone. */
	char line[200];
	snprintf(line, sizeof(line), "Stage \xC2\xB7 127.0.0.1:%d", r.port[STAGE]);
	assert_true(ui_has_text(&r.k[DOOR]->ui, line));
	snprintf(line, sizeof(line), "Sign-up table \xC2\xB7 127.0.0.1:%d", r.port[TABLE]);
	assert_true(ui_has_text(&r.k[DOOR]->ui, line));
	assert_true(ui_has_text(&r.k[DOOR]->ui, "Table"));
	assert_false(ui_has_text(&r.k[DOOR]->ui, "It lacks"));

	/* In step: the door's last answer from each holds everything the door has. */
	for (int tries = 0, ok = 0; tries < 1200 && !ok; tries++) {
		assert_int_equal(event_sync_status(r.k[DOOR]->event, &st, NULL), 1);
		ok = st.npeer == 2;
		for (int i = 0; i < st.npeer; i++)
			ok &= st.peer[i].about.id[0] && st.peer[i].they_lack == 0 && st.peer[i].ok;
		if (!ok) {
			/* The stage may have pushed to the door: the door asks itself. */
			event_sync_now(r.k[DOOR]->event);
			tu_sleep_ms(50);
		}
	}
	char stage_id[SYNC_ID_LEN] = "";
	for (int i = 0; i < st.npeer; i++) {
		assert_int_equal(st.peer[i].they_lack, 0);
		if (!strcmp(st.peer[i].about.name, "Stage"))
			snprintf(stage_id, sizeof(stage_id), "%s", st.peer[i].about.id);
	}
	assert_true(stage_id[0]);
	/* The stage goes away; two more check-ins at the door: the stage is behind by every record
	 * the door holds now that is not the stage's own (counted against what the door holds),
	 * the table by none. */
	kiosk_release(r.k[STAGE]);
	free(r.k[STAGE]);
	r.k[STAGE] = NULL;
	char held[300];
	snprintf(held, sizeof(held), "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM "
		 "sync_record WHERE origin <> '%s')", stage_id);
	int64_t before = store_query_int(r.k[DOOR]->store, held);
	checkin_scan(r.k[DOOR], "RSVP-1001");
	kiosk_reset_to_idle(r.k[DOOR]);
	checkin_scan(r.k[DOOR], "RSVP-1003");
	kiosk_reset_to_idle(r.k[DOOR]);
	int64_t made = -1;
	assert_true(store_query_int(r.k[DOOR]->store, "SELECT count(*) FROM outbox") - before >= 0);
	int si = -1, ti = -1;
	for (int tries = 0; tries < 1200; tries++) {
		assert_int_equal(event_sync_status(r.k[DOOR]->event, &st, NULL), 1);
		made = store_query_int(r.k[DOOR]->store, held) - before;
		for (int i = 0; i < st.npeer; i++) {
			if (!strcmp(st.peer[i].about.name, "Stage"))
				si = i;
			if (!strcmp(st.peer[i].about.name, "Table"))
				ti = i;
		}
		if (si >= 0 && ti >= 0 && st.peer[si].they_lack >= made && made >= 2 &&
		    st.peer[ti].they_lack == 0 && !st.peer[si].ok)
			break;
		tu_sleep_ms(50);
	}
	assert_true(si >= 0 && ti >= 0);
	assert_string_equal(st.peer[si].about.role, "stage");
	assert_string_equal(st.peer[ti].about.role, "signup");
	/* At least what was made since it went (the count is against the stage's last answer to
	 * the door itself, so it may also hold what the stage got from the table meanwhile). */
	assert_true(made >= 2);
	assert_true(st.peer[si].they_lack >= made);
	assert_int_equal(st.peer[ti].they_lack, 0);
	assert_int_equal(st.peer[ti].we_lack, 0);
	kiosk_go(r.k[DOOR], SCREEN_STATIONS);
	clock_advance(&r.k[DOOR]->clock, 5000); /* the screen reads the status every 5 s */
	kiosk_frame(r.k[DOOR]);
	assert_int_equal(event_sync_status(r.k[DOOR]->event, &st, NULL), 1);
	snprintf(line, sizeof(line), "It lacks %lld records from here.", (long long)st.peer[si].they_lack);
	assert_true(ui_has_text(&r.k[DOOR]->ui, line));
	room_close(&r);
}

/* A station given another room's key is refused, and the Stations screen says so; nothing of
 * it is applied. */
static void wrong_key_is_shown(void **state)
{
	(void)state;
	struct room r;
	room_open_keys(&r, 1);
	checkin_scan(r.k[DOOR], "RSVP-1001");
	struct sync_status st;
	int refused = 0;
	for (int tries = 0; tries < 1200 && !refused; tries++) {
		assert_int_equal(event_sync_status(r.k[DOOR]->event, &st, NULL), 1);
		for (int i = 0; i < st.npeer; i++)
			refused |= st.peer[i].key_refused;
		if (!refused)
			tu_sleep_ms(50);
	}
	assert_true(refused);
	kiosk_go(r.k[DOOR], SCREEN_STATIONS);
	kiosk_frame(r.k[DOOR]);
	assert_true(ui_has_text(&r.k[DOOR]->ui,
				"Key does not match: check [stations] key in both packs."));
	assert_int_equal(store_query_int(r.k[TABLE]->store, "SELECT count(*) FROM checkin"), 0);
	room_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(door_table_stage),
		cmocka_unit_test(wrong_key_is_shown),
	};
	return RUN_TESTS(tests);
}
