#include "testutil.h"

#include "clock.h"
#include "pack.h"
#include "store.h"
#include "teams.h"
#include "util.h"

#include <jansson.h>

#define T0 1796320800000LL /* 2026-12-03 18:00 UTC */

struct fixture {
	char *dir;
	struct store *s;
	struct clock c;
	struct pack *p;
};

/* A pack built by hand (pack_load is tested elsewhere): three roles, three teams. */
static struct pack *make_pack(int with_printer)
{
	struct pack *p = calloc(1, sizeof(*p));
	p->title = "Barnstorm Aarhus";
	p->event_id = "aarhus-2026-12-03";
	p->starts_text = "2026-12-03 19:00";
	str_copy(p->langs[0], sizeof(p->langs[0]), "da");
	str_copy(p->langs[1], sizeof(p->langs[1]), "en");
	p->nlangs = 2;
	p->roles[0] = (struct pack_role){.name = "Holdleder", .kind = ROLE_LEADER};
	p->roles[1] = (struct pack_role){.name = "Vært for ugentlig telefonbank", .kind = ROLE_HOST,
					 .asks = {ASK_DAY, ASK_TIME, ASK_PLACE}, .nasks = 3};
	p->roles[2] = (struct pack_role){.name = "Medlem", .kind = ROLE_MEMBER,
					 .asks = {ASK_TEXT}, .nasks = 1};
	p->nroles = 3;
	p->teams[0] = (struct pack_team){.name = "Aarhus C", .postcodes = {"8000"}, .npostcodes = 1,
					 .qr = "https://example.org/join/aarhus-c?ref={person}"};
	p->teams[1] = (struct pack_team){.name = "Aarhus N", .postcodes = {"82*", "8200"},
					 .npostcodes = 2,
					 .qr = "https://chat.example.org/{team}/{role}?n={first_name}"
					       "&e={event}"};
	p->teams[2] = (struct pack_team){.name = "Østjylland", .postcodes = {"8*", "821*"},
					 .npostcodes = 2};
	p->nteams = 3;
	if (with_printer)
		p->printer = "file:/dev/null";
	return p;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->dir = tu_tempdir();
	f->s = store_open(f->dir);
	assert_non_null(f->s);
	clock_init_fake(&f->c, T0);
	f->p = make_pack(1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->p);
	free(f);
	return 0;
}

/* Inserts a person (and checks them in) directly: people.c is another module. */
static int64_t add_person(struct fixture *f, const char *first, const char *last,
			  const char *postcode, const char *lang, int checkin)
{
	char uuid[37];
	uuid_v4(uuid);
	assert_int_equal(store_tx_begin(f->s), 0);
	struct store_stmt *st = store_stmt(f->s,
		"INSERT INTO person(uuid, first_name, last_name, postcode, lang, source, created_at,"
		" updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'walkin', ?6, ?6)");
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, first);
	store_bind_text(st, 3, last);
	store_bind_text(st, 4, postcode);
	store_bind_text(st, 5, lang);
	store_bind_int(st, 6, clock_now(&f->c));
	assert_int_equal(store_step(st), STORE_DONE);
	store_reset(st);
	int64_t id = store_last_id(f->s);
	if (checkin) {
		char cu[37];
		uuid_v4(cu);
		st = store_stmt(f->s, "INSERT INTO checkin(uuid, event, person_id, at, clock_synced,"
				      " method) VALUES (?1, ?2, ?3, ?4, 1, 'search')");
		store_bind_text(st, 1, cu);
		store_bind_text(st, 2, f->p->event_id);
		store_bind_int(st, 3, id);
		store_bind_int(st, 4, clock_now(&f->c));
		assert_int_equal(store_step(st), STORE_DONE);
		store_reset(st);
	}
	assert_int_equal(store_tx_commit(f->s), 0);
	return id;
}

static int64_t count(struct fixture *f, const char *sql)
{
	return store_query_int(f->s, sql);
}

static void suggests_from_postcode(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(teams_suggest(f->p, "8000"), 0);
	assert_int_equal(teams_suggest(f->p, " 80 00 "), 0);
	/* Exact beats any prefix; the longest prefix wins among prefixes. */
	assert_int_equal(teams_suggest(f->p, "8200"), 1);
	assert_int_equal(teams_suggest(f->p, "8210"), 2);
	assert_int_equal(teams_suggest(f->p, "8250"), 1);
	assert_int_equal(teams_suggest(f->p, "8600"), 2);
	assert_int_equal(teams_suggest(f->p, "2100"), -1);
	assert_int_equal(teams_suggest(f->p, ""), -1);
	assert_int_equal(teams_suggest(f->p, NULL), -1);
	int64_t nopc = add_person(f, "Ida", "", NULL, NULL, 1);
	int64_t pc = add_person(f, "Bo", "Berg", "8000", NULL, 1);
	assert_int_equal(teams_suggest_person(f->s, f->p, nopc), -1);
	assert_int_equal(teams_suggest_person(f->s, f->p, pc), 0);
	assert_int_equal(teams_suggest_person(f->s, f->p, 9999), -1);
}

static void details_validated(void **state)
{
	struct fixture *f = *state;
	struct commit_details d = {"Tirsdag", " 9.30 ", "Folkets Hus", ""};
	assert_int_equal(teams_check_details(f->p, 1, &d), 0);
	assert_string_equal(d.day, "tuesday");
	assert_string_equal(d.time, "09:30");
	struct commit_details sv = {"lördag", "19:00", "Folkets Park", ""};
	assert_int_equal(teams_check_details(f->p, 1, &sv), 0);
	assert_string_equal(sv.day, "saturday");
	/* What the role asks for (day, time, place) must be there: a yes without them is not a
	 * commitment yet. */
	struct commit_details no_place = {"lördag", "19:00", "  ", ""};
	assert_int_equal(teams_check_details(f->p, 1, &no_place), -1);
	assert_non_null(strstr(err_msg(), "needs a place"));
	struct commit_details no_day = {"", "19:00", "Folkets Park", ""};
	assert_int_equal(teams_check_details(f->p, 1, &no_day), -1);
	assert_non_null(strstr(err_msg(), "needs a day"));
	struct commit_details bad_day = {"someday", "", "", ""};
	assert_int_equal(teams_check_details(f->p, 1, &bad_day), -1);
	assert_string_equal(err_msg(), "day 'someday' is not a weekday name");
	struct commit_details bad_time = {"", "25:00", "", ""};
	assert_int_equal(teams_check_details(f->p, 1, &bad_time), -1);
	assert_string_equal(err_msg(), "time '25:00' is not HH:MM");
	struct commit_details t2 = {"", "7pm", "", ""};
	assert_int_equal(teams_check_details(f->p, 1, &t2), -1);
	struct commit_details unasked = {"", "", "Kælderen", ""};
	assert_int_equal(teams_check_details(f->p, 0, &unasked), -1);
	assert_string_equal(err_msg(), "role 'Holdleder' does not ask for a place");
	struct commit_details empty = {"", "", "", ""};
	assert_int_equal(teams_check_details(f->p, 1, &empty), -1); /* asks, so required */
	assert_int_equal(teams_check_details(f->p, 2, &empty), 0);  /* a text is optional */
	assert_int_equal(teams_check_details(f->p, 7, &empty), -1);
	assert_non_null(strstr(err_msg(), "no role number 7"));
	assert_int_equal(teams_weekday_parse("SØNDAG"), -1); /* only ASCII folds */
	assert_int_equal(teams_weekday_parse("Søndag"), 6);
	assert_string_equal(teams_weekday_key(0), "monday");
}

static void add_edit_cancel_with_outbox_and_print_jobs(void **state)
{
	struct fixture *f = *state;
	int64_t pid = add_person(f, "Søren", "Ågaard", "8000", "da", 1);
	struct commit_details d = {"tirsdag", "19:00", "Folkets Hus", ""};
	int64_t id = 0;
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, pid, 1, 0, &d, &id), 0);
	assert_true(id > 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'commitment'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM print_job WHERE state = 'queued'"), 1);

	struct commitment cm;
	assert_int_equal(teams_commit_get(f->s, f->p, id, &cm), 0);
	assert_string_equal(cm.first_name, "Søren");
	assert_string_equal(cm.role_name, "Vært for ugentlig telefonbank");
	assert_int_equal(cm.role, 1);
	assert_int_equal(cm.kind, ROLE_HOST);
	assert_int_equal(cm.team, 0);
	assert_string_equal(cm.d.day, "tuesday");
	assert_string_equal(cm.d.place, "Folkets Hus");
	assert_string_equal(cm.lang, "da");
	assert_int_equal(cm.created_at, T0);
	assert_int_equal(cm.cancelled_at, 0);

	/* The outbox payload says everything the receiver needs. */
	struct store_stmt *st = store_stmt(f->s, "SELECT payload, person_uuid FROM outbox ORDER BY id");
	assert_int_equal(store_step(st), STORE_ROW);
	json_t *o = json_loads(store_col_text(st, 0), 0, NULL);
	assert_non_null(o);
	assert_string_equal(store_col_text(st, 1), cm.person_uuid);
	assert_string_equal(json_string_value(json_object_get(o, "uuid")), cm.uuid);
	assert_string_equal(json_string_value(json_object_get(o, "role_kind")), "host");
	assert_string_equal(json_string_value(json_object_get(o, "team")), "Aarhus C");
	assert_string_equal(json_string_value(json_object_get(o, "event")), "aarhus-2026-12-03");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "details"),
							       "time")), "19:00");
	json_decref(o);
	store_reset(st);

	/* Edit: same uuid, new record, new print job. */
	clock_advance(&f->c, 60000);
	assert_int_equal(teams_commit_edit(f->s, &f->c, f->p, id, 0, -1, NULL), 0);
	assert_int_equal(teams_commit_get(f->s, f->p, id, &cm), 0);
	assert_int_equal(cm.kind, ROLE_LEADER);
	assert_int_equal(cm.team, -1);
	assert_string_equal(cm.team_name, "");
	assert_string_equal(cm.d.day, "");
	assert_int_equal(cm.updated_at, T0 + 60000);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'commitment'"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM print_job"), 2);
	/* A bad edit changes nothing. */
	struct commit_details bad = {"", "", "", "hi"};
	assert_int_equal(teams_commit_edit(f->s, &f->c, f->p, id, 0, 0, &bad), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 2);

	struct commitment list[4];
	int64_t id2;
	struct commit_details txt = {"", "", "", "Bager kage"};
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, pid, 2, 2, &txt, &id2), 0);
	assert_int_equal(teams_commit_list(f->s, f->p, pid, list, 4), 2);
	assert_int_equal(list[0].id, id);
	assert_int_equal(list[1].id, id2);
	assert_string_equal(list[1].d.text, "Bager kage");
	assert_int_equal(teams_commit_list(f->s, f->p, pid, list, 1), 2);

	/* Cancel: a cancel record, unprinted jobs dropped, no longer listed. */
	assert_int_equal(store_exec(f->s, "UPDATE print_job SET state = 'printed' WHERE id = 1"), 0);
	assert_int_equal(teams_commit_cancel(f->s, &f->c, f->p, id), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'commitment_cancel'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM print_job WHERE commitment_id = 1"), 1);
	assert_int_equal(teams_commit_list(f->s, f->p, pid, list, 4), 1);
	assert_int_equal(teams_commit_cancel(f->s, &f->c, f->p, id), -1);
	assert_non_null(strstr(err_msg(), "already cancelled"));
	assert_int_equal(teams_commit_edit(f->s, &f->c, f->p, id, 0, 0, NULL), -1);
	assert_int_equal(teams_commit_cancel(f->s, &f->c, f->p, 999), -1);
	assert_non_null(strstr(err_msg(), "no commitment with id 999"));
}

static void bad_adds_write_nothing(void **state)
{
	struct fixture *f = *state;
	int64_t pid = add_person(f, "Ida", "", NULL, NULL, 1);
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, pid, 5, 0, NULL, NULL), -1);
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, pid, 0, 3, NULL, NULL), -1);
	assert_non_null(strstr(err_msg(), "no team number 3"));
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, 4242, 0, 0, NULL, NULL), -1);
	assert_string_equal(err_msg(), "no person with id 4242");
	struct commit_details d = {"", "24:00", "", ""};
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, pid, 1, 0, &d, NULL), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM commitment"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 0);
	/* No printer in the pack: no print job, and the person's language falls back. */
	f->p->printer = NULL;
	int64_t id;
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, pid, 0, -1, NULL, &id), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM print_job"), 0);
	struct commitment cm;
	assert_int_equal(teams_commit_get(f->s, f->p, id, &cm), 0);
	assert_string_equal(cm.lang, "da");
}

static void templates(void **state)
{
	struct fixture *f = *state;
	char out[256], err[256];
	struct teams_link_vars v = {"0b6f-AB", "Aarhus N", "Vært for ugentlig telefonbank",
				    "ev 1", "Søren Ø"};
	assert_int_equal(teams_expand("https://x.org/{team}/{role}?p={person}&n={first_name}"
				      "&e={event}", &v, out, sizeof(out)), 0);
	assert_string_equal(out, "https://x.org/Aarhus%20N/V%C3%A6rt%20for%20ugentlig%20"
				 "telefonbank?p=0b6f-AB&n=S%C3%B8ren%20%C3%98&e=ev%201");
	assert_int_equal(teams_expand("https://x.org/{nmae}", &v, out, sizeof(out)), -1);
	assert_string_equal(err_msg(), "unknown placeholder '{nmae}' in link template; known: "
				       "{person} {team} {role} {event} {first_name}");
	assert_string_equal(out, "");
	assert_int_equal(teams_check_template("https://x.org/{person", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'{' without '}'"));
	assert_int_equal(teams_check_template("https://x.org/}", err, sizeof(err)), -1);
	assert_int_equal(teams_check_template("https://x.org/{Person}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'{Person}'"));
	assert_int_equal(teams_check_template("https://x.org/{person}/{team}", err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	/* Too long for the buffer. */
	assert_int_equal(teams_expand("https://x.org/{role}{role}{role}{role}{role}{role}{role}",
				      &v, out, 64), -1);
	assert_non_null(strstr(err_msg(), "longer than 63 bytes"));

	/* Links of commitments. */
	int64_t pid = add_person(f, "Anna Sofie", "Lund", "8200", "en", 1);
	int64_t id;
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, pid, 0, 1, NULL, &id), 0);
	struct commitment cm;
	assert_int_equal(teams_commit_get(f->s, f->p, id, &cm), 0);
	char link[TEAMS_LINK_MAX];
	assert_int_equal(teams_link(f->p, &cm, link, sizeof(link)), 0);
	assert_string_equal(link, "https://chat.example.org/Aarhus%20N/Holdleder?n=Anna%20Sofie"
				  "&e=aarhus-2026-12-03");
	cm.team = 2; /* no template */
	assert_int_equal(teams_link(f->p, &cm, link, sizeof(link)), 1);
	assert_string_equal(link, "");
	cm.team = -1;
	assert_int_equal(teams_link(f->p, &cm, link, sizeof(link)), 1);
	cm.team = 0;
	assert_int_equal(teams_link(f->p, &cm, link, sizeof(link)), 0);
	char want[128];
	snprintf(want, sizeof(want), "https://example.org/join/aarhus-c?ref=%s", cm.person_uuid);
	assert_string_equal(link, want);
	f->p->teams[0].qr = "https://example.org/{oops}";
	assert_int_equal(teams_link(f->p, &cm, link, sizeof(link)), -1);
	assert_non_null(strstr(err_msg(), "team 'Aarhus N'") || strstr(err_msg(), "'{oops}'"));
}

/* 65 people check in; 50 of them commit by script; the board must agree with the store. */
static void board_matches_store(void **state)
{
	struct fixture *f = *state;
	int64_t ids[65];
	for (int i = 0; i < 65; i++) {
		char first[32], last[32];
		snprintf(first, sizeof(first), "Person%02d", i);
		snprintf(last, sizeof(last), "%cLast", 'A' + i % 26);
		ids[i] = add_person(f, first, i % 10 == 0 ? "" : last, NULL, NULL, 1);
	}
	/* Someone checked in then undone: not counted. */
	int64_t gone = add_person(f, "Gone", "", NULL, NULL, 1);
	char sql[128];
	snprintf(sql, sizeof(sql), "UPDATE checkin SET undone_at = 1 WHERE person_id = %lld",
		 (long long)gone);
	assert_int_equal(store_exec(f->s, sql), 0);
	/* 8 leaders, 34 hosts, 8 members; person 0 also hosts twice (counted once). */
	for (int i = 0; i < 50; i++) {
		int role = i < 8 ? 0 : i < 42 ? 1 : 2;
		int team = i % 4 == 3 ? -1 : i % 4;
		struct commit_details d = {"monday", "19:00", "Folkets Hus", ""};
		assert_int_equal(teams_commit_add(f->s, &f->c, f->p, ids[i], role, team,
						  role == 1 ? &d : NULL, NULL), 0);
		clock_advance(&f->c, 1000);
	}
	struct commit_details when = {"monday", "19:00", "Folkets Hus", ""};
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, ids[0], 1, 0, &when, NULL), 0);
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, ids[0], 1, 0, &when, NULL), 0);
	/* A cancelled one does not count. */
	int64_t cid;
	assert_int_equal(teams_commit_add(f->s, &f->c, f->p, ids[60], 0, 0, NULL, &cid), 0);
	assert_int_equal(teams_commit_cancel(f->s, &f->c, f->p, cid), 0);

	struct board *b = xmalloc(sizeof(*b));
	assert_int_equal(teams_board(f->s, f->p, b), 0);
	assert_int_equal(b->checked_in, 65);
	assert_int_equal(b->committed, 50);
	assert_int_equal(b->nteams, 4);
	assert_int_equal(b->leaders.have, 8);
	assert_int_equal(b->leaders.min_pct, 10);
	assert_int_equal(b->leaders.min, 7);
	assert_int_equal(b->leaders.max, 13);
	assert_int_equal(b->leaders.to_go, 0);
	assert_int_equal(b->hosts.have, 35); /* 34 + person 0 */
	assert_int_equal(b->hosts.min, 46);
	assert_int_equal(b->hosts.max, 52);
	assert_int_equal(b->hosts.to_go, 11);

	/* Per team and kind, against the store. */
	for (int t = 0; t < b->nteams; t++) {
		for (int k = 0; k < 3; k++) {
			static const char *kinds[] = {"leader", "host", "member"};
			char q[300];
			if (t < f->p->nteams)
				snprintf(q, sizeof(q), "SELECT count(DISTINCT person_id) FROM commitment "
					 "WHERE cancelled_at IS NULL AND role_kind = '%s' AND team = '%s'",
					 kinds[k], f->p->teams[t].name);
			else
				snprintf(q, sizeof(q), "SELECT count(DISTINCT person_id) FROM commitment "
					 "WHERE cancelled_at IS NULL AND role_kind = '%s' AND team IS NULL",
					 kinds[k]);
			assert_int_equal(b->teams[t].kind[k].count, count(f, q));
			assert_int_equal(b->teams[t].kind[k].nnames,
					 b->teams[t].kind[k].count < BOARD_MAX_NAMES
						 ? b->teams[t].kind[k].count : BOARD_MAX_NAMES);
		}
	}
	assert_string_equal(b->teams[0].name, "Aarhus C");
	assert_string_equal(b->teams[3].name, "");
	/* Names: first name + last initial, in commitment order; person 0 has no last name. */
	assert_string_equal(b->teams[0].kind[ROLE_LEADER].names[0], "Person00");
	assert_string_equal(b->teams[1].kind[ROLE_LEADER].names[0], "Person01 B.");
	assert_string_equal(b->teams[0].kind[ROLE_HOST].names[0], "Person08 I.");

	/* Targets from the pack override the defaults. */
	f->p->host_target_min = 50;
	f->p->host_target_max = 60;
	assert_int_equal(teams_board(f->s, f->p, b), 0);
	assert_int_equal(b->hosts.min, 33);
	assert_int_equal(b->hosts.to_go, 0);
	free(b);
}

static void empty_board(void **state)
{
	struct fixture *f = *state;
	struct board *b = xmalloc(sizeof(*b));
	assert_int_equal(teams_board(f->s, f->p, b), 0);
	assert_int_equal(b->checked_in, 0);
	assert_int_equal(b->hosts.min, 0);
	assert_int_equal(b->hosts.to_go, 0);
	assert_int_equal(b->teams[0].kind[0].count, 0);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(suggests_from_postcode, setup, teardown),
		cmocka_unit_test_setup_teardown(details_validated, setup, teardown),
		cmocka_unit_test_setup_teardown(add_edit_cancel_with_outbox_and_print_jobs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_adds_write_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(templates, setup, teardown),
		cmocka_unit_test_setup_teardown(board_matches_store, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_board, setup, teardown),
	};
	return RUN_TESTS(tests);
}
