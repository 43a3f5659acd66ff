#include "testutil.h"

#include "clock.h"
#include "people.h"
#include "people/index.h"
#include "store.h"
#include "util.h"

#define EVENT "ev-1"

static int setup(void **state)
{
	*state = tu_db_open(1764784800000); /* 2025-12-03 18:00 UTC */
	return 0;
}

static int teardown(void **state)
{
	tu_db_close(*state);
	return 0;
}

static int64_t add(struct tu_db *f, const char *ext, const char *first, const char *last,
		   const char *email, const char *phone, const char *postcode)
{
	struct people_in p = { ext, first, last, email, phone, postcode };
	int64_t id = 0;
	assert_int_equal(store_tx_begin(f->s), 0);
	int rc = people_upsert(f->s, &f->c, &p, &id);
	assert_int_equal(store_tx_commit(f->s), 0);
	assert_true(rc >= 0);
	return id;
}

static int64_t q(struct tu_db *f, const char *sql)
{
	return store_query_int(f->s, sql);
}

static void roster(struct tu_db *f)
{
	add(f, "R1", "Søren", "Kierkegaard", "soren.k@example.dk", "+45 12 34 56 78", "8000");
	add(f, "R2", "Åsa", "Öberg", "asa.oberg@example.se", "+46 70 123 45 67", "21145");
	add(f, "R3", "Mærsk", "Møller", "", "", "");
	add(f, "R4", "Sofie", "Sørensen", "sofie@example.dk", "", "8200");
	add(f, "R5", "Anne", "Hansen-Jensen", "", "", "");
	add(f, "R6", "Marie Louise", "Holm", "", "", "");
	add(f, "R7", "Aase", "Soeren", "", "", "");
	add(f, "R8", "Peter", "Sorensen", "", "", "");
}

static int find(struct people_result *r, int n, const char *first)
{
	for (int i = 0; i < n; i++)
		if (strcmp(r[i].first_name, first) == 0)
			return i;
	return -1;
}

static void search_folds_and_ignores_order(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	int n = people_search(f->s, EVENT, "soren", r, 10);
	assert_true(find(r, n, "Søren") >= 0);
	n = people_search(f->s, EVENT, "oberg asa", r, 10);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].first_name, "Åsa");
	assert_string_equal(r[0].last_initial, "Ö");
	n = people_search(f->s, EVENT, "ÅSA ÖBERG", r, 10);
	assert_int_equal(n, 1);
	/* "ae" and "æ" both match æ. */
	n = people_search(f->s, EVENT, "maer", r, 10);
	assert_true(find(r, n, "Mærsk") >= 0);
	n = people_search(f->s, EVENT, "mær", r, 10);
	assert_true(find(r, n, "Mærsk") >= 0);
	/* "oe" for ø and "aa" for å, both ways. */
	n = people_search(f->s, EVENT, "soeren", r, 10);
	assert_true(find(r, n, "Søren") >= 0);
	n = people_search(f->s, EVENT, "åse", r, 10);
	assert_true(find(r, n, "Aase") >= 0);
	n = people_search(f->s, EVENT, "aasa", r, 10);
	assert_true(find(r, n, "Åsa") >= 0);
	/* Double names: each part, and the whole. */
	n = people_search(f->s, EVENT, "jensen", r, 10);
	assert_true(find(r, n, "Anne") >= 0);
	n = people_search(f->s, EVENT, "hansen-jen", r, 10);
	assert_true(find(r, n, "Anne") >= 0);
	n = people_search(f->s, EVENT, "louise", r, 10);
	assert_true(find(r, n, "Marie Louise") >= 0);
	n = people_search(f->s, EVENT, "marie louise holm", r, 10);
	assert_int_equal(n, 1);
	/* The email's local part. */
	n = people_search(f->s, EVENT, "kierk", r, 10);
	assert_true(find(r, n, "Søren") >= 0);
	n = people_search(f->s, EVENT, "oberg@", r, 10); /* '@' separates: "oberg" */
	assert_true(find(r, n, "Åsa") >= 0);
	/* Words that match nobody together. */
	assert_int_equal(people_search(f->s, EVENT, "søren öberg", r, 10), 0);
}

static void search_needs_two_letters_and_is_safe(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	assert_int_equal(people_search(f->s, EVENT, "", r, 10), 0);
	assert_int_equal(people_search(f->s, EVENT, "s", r, 10), 0);
	assert_int_equal(people_search(f->s, EVENT, "  ", r, 10), 0);
	assert_int_equal(people_search(f->s, EVENT, "s k", r, 10), 0);
	assert_true(people_search(f->s, EVENT, "so", r, 10) > 0);
	/* A one-letter second word narrows: Søren K. */
	int n = people_search(f->s, EVENT, "so k", r, 10);
	assert_int_equal(n, 1);
	/* Typed invalid UTF-8, SQL and LIKE characters are just text. */
	assert_int_equal(people_search(f->s, EVENT, "\xff\xfe\xc3", r, 10), 0);
	assert_int_equal(people_search(f->s, EVENT, "'; DROP TABLE person; --", r, 10), 0);
	assert_int_equal(people_search(f->s, EVENT, "%%__%%", r, 10), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), 8);
	/* max is honoured. */
	assert_int_equal(people_search(f->s, EVENT, "so", r, 1), 1);
}

static void search_ranks_sensibly(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	/* "soren": exact first name Søren before last name Soeren (Aase) and prefix Sørensen. */
	int n = people_search(f->s, EVENT, "soren", r, 10);
	assert_true(n >= 3);
	assert_string_equal(r[0].first_name, "Søren");
	assert_true(find(r, n, "Aase") < find(r, n, "Sofie"));
	/* A checked-in person goes last and is flagged. */
	assert_int_equal(people_checkin(f->s, &f->c, EVENT, r[0].id, "search", NULL), 0);
	n = people_search(f->s, EVENT, "soren", r, 10);
	assert_string_equal(r[n - 1].first_name, "Søren");
	assert_true(r[n - 1].checked_in);
	assert_false(r[0].checked_in);
	/* Other events do not count. */
	n = people_search(f->s, "other", "soren", r, 10);
	assert_string_equal(r[0].first_name, "Søren");
	assert_false(r[0].checked_in);
}

static void hints_are_masked(void **state)
{
	struct tu_db *f = *state;
	struct people_result r[PEOPLE_SEARCH_MAX];
	roster(f);
	int64_t id = add(f, NULL, "Bo", "Berg", "bo.berg@gmail.dk", "87654321", NULL);
	assert_int_equal(people_get(f->s, EVENT, id, &r[0]), 1);
	assert_string_equal(r[0].hint, "b***@g***.dk");
	assert_string_equal(r[0].hint2, "** ** ** 21");
	int n = people_search(f->s, EVENT, "søren", r, 10);
	assert_string_equal(r[find(r, n, "Søren")].hint, "8***");
	assert_string_equal(r[find(r, n, "Søren")].hint2, "s***@e***.dk");
	assert_int_equal(people_get(f->s, EVENT, 999999, &r[0]), 0);
}

static void phone_and_email_rules(void **state)
{
	(void)state;
	char out[32];
	static const char *const ok[][2] = {
		{"+45 12 34 56 78", "12345678"}, {"0045 12345678", "12345678"},
		{"12 34 56 78", "12345678"}, {"4512345678", "12345678"},
		{"+46 70 123 45 67", "0701234567"}, {"0046701234567", "0701234567"},
		{"070-123 45 67", "0701234567"}, {"+46 (0)70 123 45 67", "0701234567"},
		{"+49 30 1234567", "+49301234567"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(people_phone_norm(ok[i][0], out, sizeof(out)), 0);
		assert_string_equal(out, ok[i][1]);
	}
	static const char *const bad[] = {"", "123", "abc", "12345678x", "+45 1234", "++4512345678",
					  "1234567890123456789012345678901234567890", "+0 123"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(people_phone_norm(bad[i], out, sizeof(out)), -1);
	assert_true(people_email_valid("a.b+c@example.co.uk"));
	assert_true(people_email_valid("søren@eksempel.dk"));
	static const char *const bad_email[] = {"", "a", "a@", "@b.dk", "a@b", "a@b.", "a b@c.dk",
						"a@@b.dk", "a..b@c.dk", ".a@b.dk", "a@-b.dk", "a@b.d",
						"a@b.123", "a@b..dk", "a\xff@b.dk"};
	for (size_t i = 0; i < ARRAY_SIZE(bad_email); i++)
		assert_false(people_email_valid(bad_email[i]));
}

static void merge_rules(void **state)
{
	struct tu_db *f = *state;
	struct people_in p = { "R1", "Søren", "K", "S@Example.DK", "12345678", "8000" };
	int64_t a, b;
	assert_int_equal(store_tx_begin(f->s), 0);
	assert_int_equal(people_upsert(f->s, &f->c, &p, &a), PEOPLE_INSERTED);
	/* Same again: unchanged. */
	assert_int_equal(people_upsert(f->s, &f->c, &p, &b), PEOPLE_UNCHANGED);
	assert_int_equal(a, b);
	/* By external id, with a new postcode: merged. */
	struct people_in p2 = { "R1", "Søren", "K", "", "", "8200" };
	assert_int_equal(people_upsert(f->s, &f->c, &p2, &b), PEOPLE_MERGED);
	assert_int_equal(a, b);
	/* No id, email in another case: the same person. */
	struct people_in p3 = { NULL, "Søren", "Kierkegaard", "s@example.dk", NULL, NULL };
	assert_int_equal(people_upsert(f->s, &f->c, &p3, &b), PEOPLE_MERGED);
	assert_int_equal(a, b);
	/* By phone written with +45. */
	struct people_in p4 = { NULL, "Søren", NULL, NULL, "+45 12 34 56 78", NULL };
	assert_int_equal(people_upsert(f->s, &f->c, &p4, &b), PEOPLE_UNCHANGED);
	assert_int_equal(a, b);
	/* Another id with the same email (a shared family address): two people. */
	struct people_in p5 = { "R2", "Regine", "K", "s@example.dk", NULL, NULL };
	assert_int_equal(people_upsert(f->s, &f->c, &p5, &b), PEOPLE_INSERTED);
	assert_true(a != b);
	/* Bad rows are refused and change nothing. */
	struct people_in bad1 = { NULL, "", "X", "x@example.dk", NULL, NULL };
	assert_int_equal(people_upsert(f->s, &f->c, &bad1, NULL), PEOPLE_INVALID);
	assert_non_null(strstr(err_msg(), "no first name"));
	struct people_in bad2 = { NULL, "X", "Y", "x@", NULL, NULL };
	assert_int_equal(people_upsert(f->s, &f->c, &bad2, NULL), PEOPLE_INVALID);
	assert_non_null(strstr(err_msg(), "invalid email"));
	struct people_in bad3 = { NULL, "X", "Y", NULL, "12", NULL };
	assert_int_equal(people_upsert(f->s, &f->c, &bad3, NULL), PEOPLE_INVALID);
	struct people_in bad4 = { NULL, "X\x01", "Y", NULL, NULL, NULL };
	assert_int_equal(people_upsert(f->s, &f->c, &bad4, NULL), PEOPLE_INVALID);
	assert_int_equal(store_tx_commit(f->s), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE postcode = '8200' AND "
			      "last_name = 'Kierkegaard' AND email = 's@example.dk'"), 1);
	/* Tokens follow the new last name. */
	struct people_result r[4];
	assert_int_equal(people_search(f->s, EVENT, "kierke", r, 4), 1);
}

static void checkin_twice_and_undo(void **state)
{
	struct tu_db *f = *state;
	roster(f);
	int64_t id = people_find_external(f->s, " R2 ");
	assert_true(id > 0);
	assert_int_equal(people_find_external(f->s, "nope"), 0);
	assert_int_equal(people_find_external(f->s, ""), 0);
	int64_t cid = 0, cid2 = 0;
	assert_int_equal(people_checkin(f->s, &f->c, EVENT, id, "scan", &cid), PEOPLE_CHECKIN_OK);
	assert_int_equal(people_checkin(f->s, &f->c, EVENT, id, "search", &cid2),
			 PEOPLE_CHECKIN_ALREADY);
	assert_int_equal(cid, cid2);
	assert_int_equal(q(f, "SELECT count(*) FROM checkin"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE kind = 'checkin'"), 1);
	assert_int_equal(people_checkin(f->s, &f->c, EVENT, 424242, "search", NULL), -1);
	struct people_counts c;
	assert_int_equal(people_counts(f->s, EVENT, &c), 0);
	assert_int_equal(c.checked_in, 1);
	assert_int_equal(c.walkins, 0);
	assert_int_equal(c.not_arrived, 7);
	struct people_checkin_row rows[8];
	clock_advance(&f->c, 60000);
	int64_t other = people_find_external(f->s, "R1");
	assert_int_equal(people_checkin(f->s, &f->c, EVENT, other, "search", NULL), 0);
	assert_int_equal(people_recent(f->s, EVENT, 0, rows, 8), 2);
	assert_string_equal(rows[0].first_name, "Søren"); /* newest first */
	assert_string_equal(rows[1].first_name, "Åsa");
	assert_string_equal(rows[1].method, "scan");
	assert_int_equal(people_recent(f->s, EVENT, 1, rows, 8), 1);
	/* Undo: gone from the counts and the list, an outbox record; twice answers 1. */
	assert_int_equal(people_checkin_undo(f->s, &f->c, cid), 0);
	assert_int_equal(people_checkin_undo(f->s, &f->c, cid), 1);
	assert_int_equal(people_checkin_undo(f->s, &f->c, 99999), -1);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE kind = 'checkin_undo'"), 1);
	assert_int_equal(people_counts(f->s, EVENT, &c), 0);
	assert_int_equal(c.checked_in, 1);
	assert_int_equal(people_recent(f->s, EVENT, 0, rows, 8), 1);
	/* After an undo the person can check in again. */
	assert_int_equal(people_checkin(f->s, &f->c, EVENT, id, "search", NULL), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM checkin WHERE undone_at IS NULL"), 2);
	assert_true(store_integrity_ok(f->s));
}

static void walkin_validation(void **state)
{
	(void)state;
	struct people_walkin_errors e;
	struct people_walkin w = { "", "", "not-an-email", "12", "80", "da", 1, "v1" };
	assert_int_equal(people_walkin_validate(&w, &e), 5);
	assert_string_equal(e.first_name, "Please enter your first name.");
	assert_string_equal(e.last_name, "Please enter your last name.");
	assert_non_null(e.email);
	assert_non_null(e.phone);
	assert_non_null(e.postcode);
	struct people_walkin w2 = { "Bo", "Berg", NULL, NULL, "123 45", "sv", 1, "v1" };
	assert_int_equal(people_walkin_validate(&w2, &e), 1);
	assert_string_equal(e.email, "Please enter an email address or a phone number.");
	w2.consent = 0; /* without consent contact details are not needed */
	assert_int_equal(people_walkin_validate(&w2, &e), 0);
	struct people_walkin w3 = { "B\xff", "Berg", "bo@example.dk", NULL, NULL, NULL, 1, "v1" };
	assert_int_equal(people_walkin_validate(&w3, &e), 1);
	assert_non_null(e.first_name);
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	struct people_walkin w4 = { longname, "Berg", "bo@example.dk", NULL, NULL, NULL, 1, "v1" };
	assert_int_equal(people_walkin_validate(&w4, &e), 1);
	assert_string_equal(e.first_name, "The name is too long.");
}

static void walkin_without_consent_keeps_no_contact(void **state)
{
	struct tu_db *f = *state;
	struct people_walkin w = { "Karin", "Lund", "karin@example.dk", "+45 87654321", "8000",
				   "da", 0, "v1" };
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(f->s, &f->c, EVENT, &w, &e, &r), 0);
	assert_false(r.merged);
	assert_false(r.already);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Karin' AND "
			      "last_name = 'L' AND email IS NULL AND phone IS NULL AND postcode IS NULL "
			      "AND consent_version IS NULL AND source = 'walkin'"), 1);
	/* Nor is the email searchable: the index holds no email word of anyone. */
	const struct people_index *ix = people_index_of(f->s);
	assert_non_null(ix);
	assert_int_equal(people_index_count(ix, "e:", "e;", 10), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE kind = 'person'"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE kind = 'checkin' AND "
			      "payload NOT LIKE '%karin@%' AND payload NOT LIKE '%8765%' AND "
			      "payload NOT LIKE '%Lund%'"), 1);
	struct people_counts c;
	assert_int_equal(people_counts(f->s, EVENT, &c), 0);
	assert_int_equal(c.checked_in, 1);
	assert_int_equal(c.walkins, 1);
	struct people_result res[4];
	assert_int_equal(people_search(f->s, EVENT, "karin", res, 4), 1);
	assert_string_equal(res[0].last_initial, "L");
	assert_string_equal(res[0].hint, "");
	assert_true(res[0].checked_in);
	/* Invalid input writes nothing. */
	struct people_walkin bad = { "", "", "x", NULL, NULL, NULL, 1, "v1" };
	assert_int_equal(people_walkin(f->s, &f->c, EVENT, &bad, &e, &r), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), 1);
}

static void walkin_with_consent_and_merge(void **state)
{
	struct tu_db *f = *state;
	roster(f);
	struct people_walkin w = { "Ny", "Person", "NY@example.dk", "", "8210", "da", 1, "2026-11" };
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(f->s, &f->c, EVENT, &w, &e, &r), 0);
	assert_false(r.merged);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE email = 'ny@example.dk' AND "
			      "postcode = '8210' AND consent_version = '2026-11' AND consent_at = "
			      "1764784800000 AND last_name = 'Person'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE kind = 'person' AND "
			      "json_extract(payload, '$.consent.version') = '2026-11' AND "
			      "json_extract(payload, '$.email') = 'ny@example.dk'"), 1);
	/* A known person (by phone) registering as new: merged and checked in, no duplicate. */
	int64_t persons = q(f, "SELECT count(*) FROM person");
	struct people_walkin w2 = { "Aasa", "Oberg", NULL, "0046701234567", NULL, "sv", 0, NULL };
	assert_int_equal(people_walkin(f->s, &f->c, EVENT, &w2, &e, &r), 0);
	assert_true(r.merged);
	assert_int_equal(r.person_id, people_find_external(f->s, "R2"));
	assert_int_equal(q(f, "SELECT count(*) FROM person"), persons);
	/* Without consent the known person's details are not touched. */
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE external_id = 'R2' AND "
			      "first_name = 'Åsa' AND consent_version IS NULL"), 1);
	/* Again (same email, consent this time): already checked in, consent recorded. */
	struct people_walkin w3 = { "Åsa", "Öberg", "ASA.OBERG@example.se", NULL, NULL, "sv", 1,
				    "2026-11" };
	assert_int_equal(people_walkin(f->s, &f->c, EVENT, &w3, &e, &r), 0);
	assert_true(r.merged);
	assert_true(r.already);
	assert_int_equal(q(f, "SELECT count(*) FROM checkin"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE external_id = 'R2' AND "
			      "consent_version = '2026-11'"), 1);
	struct people_counts c;
	assert_int_equal(people_counts(f->s, EVENT, &c), 0);
	assert_int_equal(c.checked_in, 2);
	assert_int_equal(c.walkins, 1);
	char *js = people_payload_json(f->s, r.person_id);
	assert_non_null(js);
	assert_non_null(strstr(js, "\"external_id\":\"R2\""));
	free(js);
}

/* Two "Søren K.": the one who checked in and searches again is never ranked below the other,
 * and the two stand together. */
static void namesakes_stay_together_checked_in_first(void **state)
{
	struct tu_db *f = *state;
	roster(f);
	int64_t kjaer = add(f, "R9", "Søren", "Kjær", "sk@example.dk", "", "8300");
	int64_t kierkegaard = people_find_external(f->s, "R1");
	assert_int_equal(people_checkin(f->s, &f->c, EVENT, kierkegaard, "search", NULL),
			 PEOPLE_CHECKIN_OK);
	struct people_result r[PEOPLE_SEARCH_MAX];
	int n = people_search(f->s, EVENT, "soren", r, PEOPLE_SEARCH_MAX);
	assert_true(n >= 3);
	int a = -1, b = -1;
	for (int i = 0; i < n; i++) {
		if (r[i].id == kierkegaard)
			a = i;
		if (r[i].id == kjaer)
			b = i;
	}
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(b, a + 1);
	assert_true(r[a].checked_in);
	assert_false(r[b].checked_in);
	/* Their masked hints are the same ("8***", "s***@e***.dk"): the rows tell them apart by as
	 * many letters of the last name as it takes, and no more. */
	assert_string_equal(r[a].display, "Søren Ki.");
	assert_string_equal(r[b].display, "Søren Kj.");
	/* Alone in a search, a person is "Søren K." as before. */
	n = people_search(f->s, EVENT, "kjaer", r, PEOPLE_SEARCH_MAX);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].display, "Søren K.");
}

/* "Bob Builder" typing a roster member's email is not that member: a new person marked as a
 * possible duplicate, checked in himself; the member is not checked in. */
static void walkin_under_another_name_is_not_merged(void **state)
{
	struct tu_db *f = *state;
	roster(f);
	int64_t member = people_find_external(f->s, "R1");
	int64_t persons = q(f, "SELECT count(*) FROM person");
	struct people_walkin w = { "Bob", "Builder", "Soren.K@example.dk", "", "", "da", 1, "v1" };
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(f->s, &f->c, EVENT, &w, &e, &r), 0);
	assert_false(r.merged);
	assert_true(r.possible_duplicate);
	assert_true(r.person_id != member);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), persons + 1);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM checkin WHERE person_id = %lld",
		 (long long)member);
	assert_int_equal(q(f, sql), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM person WHERE id = %lld AND first_name = "
		 "'Bob' AND duplicate_of = %lld", (long long)r.person_id, (long long)member);
	assert_int_equal(q(f, sql), 1);
	/* The organizers see it, and can say it is someone else. */
	struct people_checkin_row rows[4];
	assert_int_equal(people_recent(f->s, EVENT, 0, rows, 4), 1);
	assert_true(rows[0].possible_duplicate);
	assert_string_equal(rows[0].first_name, "Bob");
	assert_int_equal(people_not_duplicate(f->s, r.person_id), 0);
	assert_int_equal(people_recent(f->s, EVENT, 0, rows, 4), 1);
	assert_false(rows[0].possible_duplicate);
	/* The same name, written another way, is the same person. */
	struct people_walkin w2 = { "soren", "KIERKEGAARD", "soren.k@example.dk", NULL, NULL, "da", 0, NULL };
	assert_int_equal(people_walkin(f->s, &f->c, EVENT, &w2, &e, &r), 0);
	assert_true(r.merged);
	assert_int_equal(r.person_id, member);
}

/* A scanned code: any case, or inside a link printed on a ticket. */
static void codes_from_scans(void **state)
{
	struct tu_db *f = *state;
	roster(f);
	int64_t r2 = people_find_external(f->s, "R2");
	assert_true(r2 > 0);
	assert_int_equal(people_find_code(f->s, "r2"), r2);
	assert_int_equal(people_find_code(f->s, " R2 "), r2);
	assert_int_equal(people_find_code(f->s, "https://example.org/rsvp/r2"), r2);
	assert_int_equal(people_find_code(f->s, "https://example.org/rsvp/R2/"), r2);
	assert_int_equal(people_find_code(f->s, "HTTPS://example.org/e/42?utm=x&ref=R2#top"), r2);
	assert_int_equal(people_find_code(f->s, "https://example.org/?code=r2"), r2);
	assert_int_equal(people_find_code(f->s, "https://example.org/"), 0);
	assert_int_equal(people_find_code(f->s, "https://example.org/rsvp/R3x"), 0);
	assert_int_equal(people_find_code(f->s, ""), 0);
	char out[8];
	assert_int_equal(people_code_from_scan("https://x.org/?ref=TOOLONGFORTHIS", out, sizeof(out)), -1);
	/* Two codes that differ only in case: a scan of either case cannot say which. */
	add(f, "ab-1", "Ann", "Lo", "", "", "");
	add(f, "AB-1", "Bo", "Lo", "", "", "");
	assert_int_equal(people_find_code(f->s, "Ab-1"), 0);
	assert_true(people_find_code(f->s, "ab-1") > 0);
	/* Each is found exactly, through the one index on the id (any case, then exact), which
	 * still refuses an exact duplicate. */
	int64_t ann = q(f, "SELECT id FROM person WHERE first_name = 'Ann'");
	int64_t bo = q(f, "SELECT id FROM person WHERE first_name = 'Bo'");
	assert_int_equal(people_find_external(f->s, "ab-1"), ann);
	assert_int_equal(people_find_external(f->s, "AB-1"), bo);
	assert_int_equal(people_find_external(f->s, "Ab-1"), 0);
	assert_int_equal(people_find_code(f->s, "AB-1"), bo);
	assert_int_equal(store_exec(f->s, "INSERT INTO person(uuid, external_id, first_name, source,"
				       " created_at, updated_at) VALUES ('u-x', 'AB-1', 'Cy', 'roster', 0, 0)"), -1);
	assert_non_null(strstr(err_msg(), "UNIQUE"));
	struct store_stmt *st = store_stmt(f->s, "EXPLAIN QUERY PLAN SELECT id FROM person WHERE "
					   "external_id = ?1 COLLATE NOCASE AND external_id = ?1");
	assert_non_null(st);
	assert_int_equal(store_step(st), STORE_ROW);
	assert_non_null(strstr(store_col_text(st, 3), "INDEX person_external"));
	store_reset(st);
}

/* What goes upstream (and to the other stations) is a number anyone can dial: +46..., not the
 * national 070... the door matches by. */
static void payload_phone_is_international(void **state)
{
	struct tu_db *f = *state;
	struct people_walkin w = { "Åsa", "Lind", NULL, "+46 70 111 22 33", NULL, "sv", 1, "v1" };
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(f->s, &f->c, EVENT, &w, &e, &r), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE phone = '0701112233'"), 1);
	char *js = people_payload_json(f->s, r.person_id);
	assert_non_null(js);
	assert_non_null(strstr(js, "\"phone\":\"+46701112233\""));
	free(js);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE kind = 'person' AND "
			      "json_extract(payload, '$.phone') = '+46701112233'"), 1);
}

/* Enough people that common words overflow the two-word set and the scan bounds. */
static void search_many_people(void **state)
{
	struct tu_db *f = *state;
	char first[32], last[32];
	assert_int_equal(store_tx_begin(f->s), 0);
	for (int i = 0; i < 7000; i++) {
		snprintf(first, sizeof(first), i % 700 ? "Anna" : "Annabel");
		snprintf(last, sizeof(last), i % 700 ? "Berg%d" : "Zed%d", i);
		struct people_in p = { NULL, first, last, NULL, NULL, NULL };
		assert_true(people_upsert(f->s, &f->c, &p, NULL) >= 0);
	}
	assert_int_equal(store_tx_commit(f->s), 0);
	struct people_result r[PEOPLE_SEARCH_MAX];
	/* "anna" is too common for the set: the other word drives. Both orders, both paths. */
	static const char *const qs[] = { "anna zed", "zed anna", "zed an", "an zed", "annab z",
					  "anna zed zed" };
	for (size_t i = 0; i < ARRAY_SIZE(qs); i++) {
		int n = people_search(f->s, EVENT, qs[i], r, PEOPLE_SEARCH_MAX);
		if (n != 10)
			fail_msg("'%s': %d results, want 10", qs[i], n);
		for (int k = 0; k < n; k++)
			assert_string_equal(r[k].first_name, "Annabel");
	}
	/* A common prefix alone fills the page; exact "anna" before the prefix "annabel". */
	int n = people_search(f->s, EVENT, "anna", r, PEOPLE_SEARCH_MAX);
	assert_int_equal(n, PEOPLE_SEARCH_MAX);
	assert_string_equal(r[0].first_name, "Anna");
	n = people_search(f->s, EVENT, "anna berg699", r, PEOPLE_SEARCH_MAX);
	assert_int_equal(n, 11); /* Berg699, Berg6990..Berg6999 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(search_folds_and_ignores_order, setup, teardown),
		cmocka_unit_test_setup_teardown(search_needs_two_letters_and_is_safe, setup, teardown),
		cmocka_unit_test_setup_teardown(search_ranks_sensibly, setup, teardown),
		cmocka_unit_test_setup_teardown(hints_are_masked, setup, teardown),
		cmocka_unit_test(phone_and_email_rules),
		cmocka_unit_test_setup_teardown(merge_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(checkin_twice_and_undo, setup, teardown),
		cmocka_unit_test(walkin_validation),
		cmocka_unit_test_setup_teardown(walkin_without_consent_keeps_no_contact, setup,
						teardown),
		cmocka_unit_test_setup_teardown(walkin_with_consent_and_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(namesakes_stay_together_checked_in_first, setup, teardown),
		cmocka_unit_test_setup_teardown(walkin_under_another_name_is_not_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(codes_from_scans, setup, teardown),
		cmocka_unit_test_setup_teardown(payload_phone_is_international, setup, teardown),
		cmocka_unit_test_setup_teardown(search_many_people, setup, teardown),
	};
	return RUN_TESTS(tests);
}
