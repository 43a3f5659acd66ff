/* The event at a glance (summary.c): the figures from a store, and the picture's words and limits
 * drawn with the UI core alone (a fixed-width measure, no SDL). summary.png and the results
 * screen are looked at in test_export.c and test_results_screens.c. */
#include "testutil.h"

#include "clock.h"
#include "pack.h"
#include "people.h"
#include "store.h"
#include "summary.h"
#include "ui.h"
#include "util.h"

#define DEMO_START 1796320800000LL /* 2026-12-03 19:00 in Copenhagen */

struct fx {
	char *dir;
	struct pack p;
	struct diags d;
	struct store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->dir = tu_tempdir();
	char pack[1024];
	snprintf(pack, sizeof(pack), "%s/assets/demo", tu_src());
	diags_init(&f->d);
	assert_int_equal(pack_load(pack, &f->p, &f->d), 0);
	f->s = store_open(f->dir);
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->s);
	pack_release(&f->p);
	diags_release(&f->d);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* A walk-in checked in at ms. */
static void arrive(struct fx *f, const char *first, int64_t ms)
{
	struct clock c;
	clock_init_fake(&c, ms);
	struct people_walkin w = {first, "Hansen", NULL, NULL, NULL, "da", 0, NULL};
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(f->s, &c, f->p.event_id, &w, &e, &r), 0);
}

static void figures(void **state)
{
	struct fx *f = *state;
	struct summary *sm = malloc(sizeof(*sm));
	/* Nobody yet: no bars, targets of nothing. */
	assert_int_equal(summary_read(f->s, &f->p, sm), 0);
	assert_int_equal(sm->nbins, 0);
	assert_int_equal(sm->checked_in, 0);
	assert_int_equal(sm->start_bin, -1);

	arrive(f, "Anna", DEMO_START - 10 * 60000 + 5000);   /* 18:50:05 */
	arrive(f, "Bo", DEMO_START + 4 * 60000);             /* 19:04 */
	arrive(f, "Carl", DEMO_START + 4 * 60000 + 30000);   /* 19:04:30 */
	arrive(f, "Dorte", DEMO_START - 86400000LL);         /* the day before: a test at home */
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO commitment(uuid, event, person_id, role, role_kind, team, created_at,"
		 " updated_at, cancelled_at) VALUES"
		 " ('c1', '%s', 1, 'Vært', 'host', 'Aarhus C', 1, 1, NULL),"
		 " ('c2', '%s', 2, 'Holdleder', 'leader', 'Aarhus N', 1, 1, 2),"
		 " ('c3', '%s', 3, 'Holdmedlem', 'member', '', 1, 1, NULL),"
		 " ('c4', '%s', 1, 'Vært', 'host', 'Aarhus C', 1, 1, NULL)",
		 f->p.event_id, f->p.event_id, f->p.event_id, f->p.event_id);
	assert_int_equal(store_exec(f->s, sql), 0);
	assert_int_equal(summary_read(f->s, &f->p, sm), 0);
	assert_int_equal(sm->checked_in, 4);
	assert_int_equal(sm->committed, 2);  /* the leader cancelled */
	/* 18:50 (with the day before counted in), 18:55, 19:00. */
	assert_int_equal(sm->nbins, 3);
	assert_int_equal(sm->arrivals[0], 2);
	assert_int_equal(sm->arrivals[1], 0);
	assert_int_equal(sm->arrivals[2], 2);
	assert_int_equal(sm->start_bin, 2);
	assert_string_equal(sm->bin_label[0], "18:50"); /* the first bar says when */
	assert_string_equal(sm->bin_label[2], "");      /* 19:00 too close to it */
	assert_int_equal(sm->hosts.have, 1);            /* one person, two host commitments */
	assert_int_equal(sm->leaders.have, 0);
	assert_int_equal(sm->hosts.min, 3);             /* 70 % of 4, rounded up */
	assert_string_equal(sm->teams[0].name, "Aarhus C");
	assert_int_equal(sm->teams[0].kind[ROLE_HOST], 1);
	assert_int_equal(sm->teams[1].kind[ROLE_LEADER], 0);
	/* The pack's teams, then "no team" because someone committed without one. */
	assert_int_equal(sm->nteams, f->p.nteams + 1);
	assert_string_equal(sm->teams[f->p.nteams].name, "");
	assert_int_equal(sm->teams[f->p.nteams].kind[ROLE_MEMBER], 1);

	/* An undone check-in is no arrival. */
	assert_int_equal(store_exec(f->s, "UPDATE checkin SET undone_at = 1 WHERE person_id = 2"), 0);
	assert_int_equal(summary_read(f->s, &f->p, sm), 0);
	assert_int_equal(sm->checked_in, 3);
	assert_int_equal(sm->arrivals[2], 1);

	/* A long evening: at most SUMMARY_MAX_BINS bars, the last ones kept. */
	for (int i = 0; i < 60; i++) {
		char name[16];
		snprintf(name, sizeof(name), "P%d", i);
		arrive(f, name, DEMO_START - 60 * 60000 + (int64_t)i * 3 * 60000);
	}
	assert_int_equal(summary_read(f->s, &f->p, sm), 0);
	assert_int_equal(sm->nbins, SUMMARY_MAX_BINS);
	int total = 0;
	for (int i = 0; i < sm->nbins; i++)
		total += sm->arrivals[i];
	assert_int_equal(total, sm->checked_in);

	/* A read that fails is an error, not an empty event. */
	assert_int_equal(store_exec(f->s, "DROP TABLE commitment"), 0);
	assert_int_equal(summary_read(f->s, &f->p, sm), -1);
	free(sm);
}

static int measure(void *ctx, enum ui_font font, int bold, const char *text, size_t len)
{
	(void)ctx;
	(void)bold;
	(void)text;
	return (int)len * UI_FONT_PX[font] / 2;
}

/* Many teams at 800x480: the ones that fit, then "and N more teams"; nothing overflows. */
static void drawing_fits(void **state)
{
	(void)state;
	struct summary *sm = calloc(1, sizeof(*sm));
	struct ui *ui = calloc(1, sizeof(*ui));
	static char names[PACK_MAX_TEAMS][16];
	sm->checked_in = 120;
	sm->committed = 80;
	sm->nbins = SUMMARY_MAX_BINS;
	for (int i = 0; i < sm->nbins; i++)
		sm->arrivals[i] = i * 3;
	str_copy(sm->bin_label[0], sizeof(sm->bin_label[0]), "18:00");
	sm->leaders = (struct board_target){.have = 5, .min = 12, .max = 24};
	sm->hosts = (struct board_target){.have = 90, .min = 84, .max = 96};
	sm->nteams = PACK_MAX_TEAMS;
	for (int t = 0; t < sm->nteams; t++) {
		snprintf(names[t], sizeof(names[t]), "Team %d", t);
		sm->teams[t].name = names[t];
		sm->teams[t].kind[t % 3] = t;
	}
	ui_init(ui, measure, NULL);
	ui_begin(ui, 800, 480);
	summary_draw(ui, sm, (struct ui_rect){0, 0, 800, 400}, NULL, 0);
	ui_end(ui);
	assert_int_equal(ui->overflow, 0);
	assert_true(ui_has_text(ui, "120 checked in"));
	assert_true(ui_has_text(ui, "Leaders: 5 (target 12\xE2\x80\x93" "24)"));
	assert_true(ui_has_text(ui, "Team 0"));
	assert_true(ui_has_text(ui, "more teams"));
	assert_false(ui_has_text(ui, "Team 63"));
	/* The peak's number only: 105 does not fit a 36th of 400 px. */
	assert_true(ui_has_text(ui, "105"));
	assert_false(ui_has_text(ui, "102"));
	free(ui);
	free(sm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(figures, setup, teardown),
		cmocka_unit_test(drawing_fits),
	};
	return RUN_TESTS(tests);
}
