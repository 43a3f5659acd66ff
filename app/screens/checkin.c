#include "kiosk.h"
#include "core/event.h"
#include "screens/checkin.h"
#include "screens/checkin_int.h"
#include "people.h"
#include "roster.h"
#include "screens.h"
#include "store.h"
#include "textnorm.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* How long the welcome stays before the door is ready for the next person. */
#define WELCOME_MS 6000
/* A message that asks the attendee to do something else stays a little longer. */
#define NOTICE_MS 10000


/* ---- small helpers ---- */

static struct checkin_ui *st(struct kiosk *k)
{
	return k->checkin;
}

const char *checkin_event_id(const struct kiosk *k)
{
	return k->pack.event_id ? k->pack.event_id : "";
}

const char *checkin_lang_code(const struct kiosk *k)
{
	return k->pack.nlangs > 0 ? k->pack.langs[k->lang] : "en";
}

/* "Søren K." from a first name and a last initial. */
void checkin_short_name(const char *first, const char *initial, char *out, size_t size)
{
	if (initial && *initial)
		str_fmt(out, size, "%s %s.", first, initial);
	else
		str_copy(out, size, first);
}

void checkin_log_error(const char *what)
{
	/* The domain's messages name tables and files, never a person's details. */
	fprintf(stderr, "barnstorm: check-in: %s: %s\n", what, err_msg());
}

/* The pack's languages for the on-screen keyboard (æ ø å ä ö as the event needs). */
int checkin_keyboard_langs(const struct kiosk *k, const char *langs[PACK_MAX_LANGS])
{
	int n = 0;
	for (int i = 0; i < k->pack.nlangs && i < PACK_MAX_LANGS; i++)
		langs[n++] = k->pack.langs[i];
	return n;
}

/* ---- the roster import, as the organizer view tells it ---- */

/* What the last import said, kept in the store's meta as numbers and English reasons so the
 * organizer view can show it in whatever language the organizer reads. Format:
 * "imported merged unchanged rejected first_line\tfirst_reason\tstopped". */
static void roster_line_from_meta(struct kiosk *k, const char *v)
{
	struct checkin_ui *c = st(k);
	long imp = 0, mer = 0, unch = 0, rej = 0, line = 0;
	char reason[128] = "", stopped[200] = "";
	if (sscanf(v, "%ld %ld %ld %ld %ld", &imp, &mer, &unch, &rej, &line) != 5) {
		c->roster_line[0] = '\0';
		return;
	}
	const char *t1 = strchr(v, '\t');
	if (t1) {
		const char *t2 = strchr(t1 + 1, '\t');
		size_t n = t2 ? (size_t)(t2 - t1 - 1) : strlen(t1 + 1);
		if (n >= sizeof(reason))
			n = sizeof(reason) - 1;
		memcpy(reason, t1 + 1, n);
		reason[n] = '\0';
		if (t2)
			str_copy(stopped, sizeof(stopped), t2 + 1);
	}
	char base[CHECKIN_MSG_MAX];
	/* TRANSLATORS: counts of the roster import, shown to organizers */
	str_fmt(base, sizeof(base), tr(k, "Roster: new %ld, updated %ld, unchanged %ld, rejected %ld"),
		imp, mer, unch, rej);
	c->roster_problem = rej > 0 || stopped[0];
	if (stopped[0])
		str_fmt(c->roster_line, sizeof(c->roster_line), "%s. %s", base, stopped);
	else if (rej > 0 && reason[0])
		/* TRANSLATORS: the first rejected row of the roster, e.g. "line 17: no first name" */
		str_fmt(c->roster_line, sizeof(c->roster_line), tr(k, "%s (first: line %ld: %s)"), base,
			line, reason);
	else
		str_copy(c->roster_line, sizeof(c->roster_line), base);
}

void checkin_roster_refresh(struct kiosk *k)
{
	struct checkin_ui *c = st(k);
	struct importer_status im;
	c->roster_line[0] = '\0';
	c->roster_problem = 0;
	c->roster_seen = event_version(k->event, EVENT_BIT(EVENT_IMPORT));
	if (!event_import_status(k->event, &im) || (im.state == IMPORTER_DONE && im.no_file))
		return;
	switch (im.state) {
	case IMPORTER_IDLE:
	case IMPORTER_CHECKING:
		str_copy(c->roster_line, sizeof(c->roster_line), tr(k, "Roster: checking roster.csv\xE2\x80\xA6"));
		break;
	case IMPORTER_IMPORTING:
		if (im.saving)
			/* TRANSLATORS: the roster import's last step; the door keeps the old roster until then */
			str_fmt(c->roster_line, sizeof(c->roster_line), tr(k, "Roster: saving %ld people\xE2\x80\xA6"),
				im.rows);
		else
			str_fmt(c->roster_line, sizeof(c->roster_line),
				tr(k, "Roster: reading roster.csv, %d %% (%ld rows)\xE2\x80\xA6"),
				im.total > 0 ? (int)(im.bytes * 100 / im.total) : 0, im.rows);
		break;
	case IMPORTER_DONE:
		roster_line_from_meta(k, im.result);
		break;
	case IMPORTER_FAILED:
		/* Never blocks the door: walk-ins still work; the organizer view says why. */
		str_copy(c->roster_line, sizeof(c->roster_line), im.error);
		c->roster_problem = 1;
		break;
	}
}

void checkin_open(struct kiosk *k)
{
	k->checkin = xcalloc(1, sizeof(*k->checkin));
	k->checkin->opened = 1;
	k->checkin->tapped = -1;
	checkin_roster_refresh(k);
}

void checkin_close(struct kiosk *k)
{
	/* Wipe what attendees typed before the memory goes back. */
	if (k->checkin)
		memset(k->checkin, 0, sizeof(*k->checkin));
	free(k->checkin);
	k->checkin = NULL;
}

void checkin_forget(struct kiosk *k)
{
	struct checkin_ui *c = st(k);
	checkin_search_reset(c);
	memset(c->field, 0, sizeof(c->field));
	memset(&c->errors, 0, sizeof(c->errors));
	c->consent = 0;
	c->step = 0;
	c->show_errors = 0;
}

void checkin_clock_moved(struct kiosk *k, int64_t delta_ms)
{
	/* The organizer view knows it was entered by screen_since: not a new entry. */
	if (k->checkin->org_since == k->screen_since)
		k->checkin->org_since += delta_ms;
}

/* ---- checking in ---- */

void checkin_search_reset(struct checkin_ui *c)
{
	c->query[0] = '\0';
	c->searched[0] = '\0';
	c->searched_valid = 0;
	c->nresults = 0;
	c->short_query = 1;
	c->result_scroll = 0;
	c->tapped = -1;
	memset(&c->kb, 0, sizeof(c->kb));
}

void checkin_show_welcome(struct kiosk *k, enum checkin_welcome w, const char *name)
{
	struct checkin_ui *c = st(k);
	c->welcome = w;
	str_copy(c->welcome_name, sizeof(c->welcome_name), name ? name : "");
	c->scan_in[0] = '\0';
	/* What this attendee typed is not kept on screen for the next one. */
	checkin_forget(k);
	memset(&c->chosen, 0, sizeof(c->chosen));
	kiosk_go(k, SCREEN_WELCOME);
}

/* Checks a person in and moves to the welcome. people_checkin() has committed when it returns,
 * so the welcome is drawn only for a check-in that is in the database. */
void checkin_person(struct kiosk *k, int64_t person_id, const char *method)
{
	int rc = people_checkin(k->store, &k->clock, checkin_event_id(k), person_id, method, NULL);
	if (rc < 0) {
		checkin_log_error("check-in");
		checkin_show_welcome(k, CHECKIN_WELCOME_FAILED, NULL);
		return;
	}
	struct people_result p;
	if (people_get(k->store, checkin_event_id(k), person_id, &p) != 1)
		p.first_name[0] = '\0';
	checkin_show_welcome(k, rc == PEOPLE_CHECKIN_ALREADY ? CHECKIN_WELCOME_ALREADY : CHECKIN_WELCOME_OK,
		p.first_name);
}

/* Looks a scanned or typed code up as an external id. 1: handled (welcome or failure shown),
 * 0: not a known code. */
static int try_code(struct kiosk *k, const char *code)
{
	int64_t id = people_find_code(k->store, code);
	if (id < 0) {
		checkin_log_error("looking up a scanned code");
		checkin_show_welcome(k, CHECKIN_WELCOME_FAILED, NULL);
		return 1;
	}
	if (id == 0)
		return 0;
	checkin_person(k, id, "scan");
	return 1;
}

void checkin_begin(struct kiosk *k)
{
	checkin_forget(k); /* a new attendee: nothing of the last one */
	kiosk_go(k, SCREEN_SEARCH);
}

void checkin_scan(struct kiosk *k, const char *code)
{
	struct checkin_ui *c = st(k);
	if (!k->store)
		return;
	char clean[512]; /* a link printed on a ticket is long; the code is found in it */
	str_copy(clean, sizeof(clean), code);
	str_trim(clean);
	if (!clean[0] || try_code(k, clean))
		return;
	/* Shown back to the attendee: printable ASCII only, whatever the scanner sent. */
	size_t n = 0;
	for (const char *p = clean; *p && n + 1 < sizeof(c->scanned); p++)
		c->scanned[n++] = *p >= 0x20 && *p < 0x7F ? *p : '?';
	c->scanned[n] = '\0';
	checkin_show_welcome(k, CHECKIN_WELCOME_UNKNOWN, NULL);
	str_copy(c->welcome_name, sizeof(c->welcome_name), c->scanned);
}

/* ---- search ---- */

/* Runs the search when the query changed since the last one. */
static void search_update(struct kiosk *k)
{
	struct checkin_ui *c = st(k);
	/* The same query again, unless people or check-ins changed (a roster saved in the
	 * background, a check-in at the other door). */
	uint64_t v = event_version(k->event, EVENT_BIT(EVENT_PEOPLE) | EVENT_BIT(EVENT_CHECKINS));
	if (c->searched_valid && !strcmp(c->searched, c->query) && v == c->people_seen)
		return;
	c->people_seen = v;
	str_copy(c->searched, sizeof(c->searched), c->query);
	c->searched_valid = 1;
	c->result_scroll = 0;
	char words[TEXTNORM_QUERY_WORDS][TEXTNORM_WORD_MAX];
	int nw = textnorm_query(c->query, words, TEXTNORM_QUERY_WORDS);
	int longest = 0;
	for (int i = 0; i < nw; i++) {
		int n = textnorm_chars(words[i]);
		if (n > longest)
			longest = n;
	}
	c->short_query = longest < 2;
	c->nresults = 0;
	c->search_failed = 0;
	if (c->short_query)
		return;
	int n = people_search(k->store, checkin_event_id(k), c->query, c->results, PEOPLE_SEARCH_MAX);
	if (n < 0) {
		/* Not "no one found": that would send a roster member to the walk-in form. */
		checkin_log_error("search");
		c->search_failed = 1;
		return;
	}
	c->nresults = n;
}

/* Draws a tappable row: a button under the row (so it records its label for scripts and
 * answers taps), covered by the row's own left-aligned layout. */
static int row_button(struct ui *ui, const char *label, struct ui_rect r, struct ui_rect *inner)
{
	int tapped = ui_button(ui, label, r, UI_SECONDARY);
	int pressed = ui->pointer_down && ui->active && ui_contains(r, ui->pointer_x, ui->pointer_y);
	int t = ui_px(ui, 2) > 0 ? ui_px(ui, 2) : 1;
	ui_fill(ui, ui_inset(r, t), pressed ? UI_LINE : UI_PANEL);
	*inner = ui_inset(r, ui_px(ui, 14));
	return tapped;
}

/* Two rows with the same name ("Søren K.") show the second hint as well, so Søren Kierkegaard
 * can tell himself from Søren Kjær without opening both. */
static int same_as_another(const struct checkin_ui *c, int index)
{
	const struct people_result *p = &c->results[index];
	for (int i = 0; i < c->nresults; i++) {
		const struct people_result *o = &c->results[i];
		if (i != index && !strcmp(o->first_name, p->first_name) &&
		    !strcmp(o->last_initial, p->last_initial))
			return 1;
	}
	return 0;
}

static void draw_result(struct ui *ui, void *ctx, int index, struct ui_rect r)
{
	struct kiosk *k = ctx;
	struct checkin_ui *c = st(k);
	const struct people_result *p = &c->results[index];
	const char *name = p->display; /* "Søren K.", or "Søren Kie." beside another Søren K. */
	struct ui_rect in;
	if (row_button(ui, name, r, &in))
		c->tapped = index;
	if (p->checked_in) {
		const char *done = tr(k, "Already checked in");
		int w = ui_text_w(ui, UI_SMALL, 1, done) + ui_px(ui, 4);
		if (w > in.w / 3)
			w = in.w / 3;
		struct ui_rect right = ui_cut_right(&in, w);
		ui_label(ui, done, right, UI_SMALL, 1, UI_OK, UI_RIGHT);
		ui_cut_right(&in, ui_px(ui, 8));
	}
	int nw = ui_text_w(ui, UI_BUTTON, 1, name);
	if (nw > in.w * 2 / 3)
		nw = in.w * 2 / 3;
	ui_label(ui, name, ui_cut_left(&in, nw), UI_BUTTON, 1, UI_FG, UI_LEFT);
	ui_cut_left(&in, ui_px(ui, 16));
	char hint[2 * PEOPLE_HINT_MAX + 8];
	if (p->hint2[0] && same_as_another(c, index))
		str_fmt(hint, sizeof(hint), "%s \xC2\xB7 %s", p->hint, p->hint2);
	else
		str_copy(hint, sizeof(hint), p->hint);
	if (hint[0])
		ui_label(ui, hint, in, UI_BODY, 0, UI_MUTED, UI_LEFT);
}

static void choose(struct kiosk *k, int index)
{
	struct checkin_ui *c = st(k);
	/* Read again: the "Is this you?" screen shows one more hint. */
	int rc = people_get(k->store, checkin_event_id(k), c->results[index].id, &c->chosen);
	if (rc < 0)
		checkin_log_error("reading a person");
	if (rc != 1)
		c->chosen = c->results[index];
	/* The name as the list told namesakes apart. */
	str_copy(c->chosen.display, sizeof(c->chosen.display), c->results[index].display);
	kiosk_go(k, SCREEN_CONFIRM);
}

void checkin_walkin_begin(struct kiosk *k);

/* Enter on the search: a code from a barcode scanner used here, or the only result. */
static void search_enter(struct kiosk *k)
{
	struct checkin_ui *c = st(k);
	char code[CHECKIN_QUERY_MAX];
	str_copy(code, sizeof(code), c->query);
	str_trim(code);
	if (strlen(code) >= 3 && !strchr(code, ' ') && try_code(k, code))
		return;
	if (c->nresults == 1)
		choose(k, 0);
}

/* The search field, the results and the keyboard, shared by the attendee's search and the
 * organizer's "find someone". Returns the result row tapped, or -1; *enter is set when Enter was
 * pressed or tapped. */
int checkin_search_body(struct kiosk *k, struct ui_rect area, struct ui_rect field, ui_row_fn draw,
		       int *enter)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	*enter = 0;
	/* A physical keyboard first, then the on-screen one (which does not echo into text_in
	 * before ui_edit reads it). */
	ui_edit(ui, c->query, sizeof(c->query));
	if (ui_key(ui, UI_KEY_ENTER))
		*enter = 1;
	int gap = ui_px(ui, 8);
	struct ui_rect kb = ui_cut_bottom(&area, ui_px(ui, 196));
	ui_cut_bottom(&area, gap);
	const char *langs[PACK_MAX_LANGS];
	int nl = checkin_keyboard_langs(k, langs);
	if (ui_keyboard(ui, &c->kb, langs, nl, kb, c->query, sizeof(c->query), 1, tr(k, "OK")) == 2)
		*enter = 1;
	/* The query may have changed this frame; the list shows the new results. */
	search_update(k);
	ui_text_field(ui, c->query, tr(k, "Type your first or last name"), field, 1, 0);
	c->tapped = -1;
	if (c->short_query) {
		ui_text_wrapped(ui, tr(k, "Type at least 2 letters of your name."), ui_inset(area, gap),
				UI_BODY, 0, UI_MUTED, UI_CENTER);
		return -1;
	}
	if (c->search_failed) {
		struct ui_rect t = ui_inset(area, gap);
		ui_label(ui, tr(k, "The search is not working right now."),
			 ui_cut_top(&t, ui_line_h(ui, UI_HEADING)), UI_HEADING, 1, UI_BAD, UI_CENTER);
		ui_text_wrapped(ui, tr(k, "Please ask an organizer for help."), t, UI_BODY, 0, UI_MUTED,
				UI_CENTER);
		return -1;
	}
	if (c->nresults == 0) {
		struct ui_rect t = ui_inset(area, gap);
		ui_label(ui, tr(k, "No one found with that name."), ui_cut_top(&t, ui_line_h(ui, UI_HEADING)),
			 UI_HEADING, 1, UI_FG, UI_CENTER);
		ui_text_wrapped(ui, tr(k, "Check the spelling, or tap \xE2\x80\x9CI'm new\xE2\x80\x9D."), t,
				UI_BODY, 0, UI_MUTED, UI_CENTER);
		return -1;
	}
	int row_h = ui_px(ui, 64);
	if (c->nresults * row_h > area.h) {
		/* More than fit: say how many, so nobody takes the first "Søren K." for the only one. */
		char more[160];
		if (c->nresults >= PEOPLE_SEARCH_MAX)
			str_fmt(more, sizeof(more), tr(k, "%d or more found. Type more of your name."),
				PEOPLE_SEARCH_MAX);
		else
			str_fmt(more, sizeof(more), trn(k, "%d found. Scroll to see all.",
							"%d found. Scroll to see all.", c->nresults),
				c->nresults);
		ui_label(ui, more, ui_cut_bottom(&area, ui_line_h(ui, UI_SMALL)), UI_SMALL, 1, UI_FG,
			 UI_CENTER);
	}
	ui_list(ui, area, c->nresults, row_h, &c->result_scroll, draw, k, "\xE2\x96\xB2", "\xE2\x96\xBC");
	return c->tapped;
}

void screen_search(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	if (!k->store) {
		kiosk_go(k, SCREEN_IDLE);
		return;
	}
	/* No title bar: every pixel goes to the name, the results and the keyboard. */
	int gap = ui_px(ui, 8);
	struct ui_rect area = ui_inset((struct ui_rect){0, 0, ui->w, ui->h}, gap);
	struct ui_rect top = ui_cut_top(&area, ui_px(ui, 56));
	ui_cut_top(&area, gap);
	struct ui_rect back = ui_cut_left(&top, ui_px(ui, 120));
	ui_cut_left(&top, gap);
	struct ui_rect fresh = ui_cut_right(&top, ui_px(ui, 170));
	ui_cut_right(&top, gap);
	if (ui_button(ui, tr(k, "Back"), back, UI_SECONDARY) || ui_key(ui, UI_KEY_ESCAPE)) {
		checkin_forget(k);
		kiosk_go(k, SCREEN_IDLE);
		return;
	}
	int enter;
	int tapped = checkin_search_body(k, area, top, draw_result, &enter);
	/* "I'm new" stands out when the name is not found. */
	int none = !c->short_query && !c->search_failed && c->nresults == 0;
	if (ui_button(ui, tr(k, "I'm new"), fresh, none ? UI_PRIMARY : UI_SECONDARY)) {
		checkin_walkin_begin(k);
		return;
	}
	if (tapped >= 0)
		choose(k, tapped);
	else if (enter)
		search_enter(k);
}

/* ---- confirm ---- */

void screen_confirm(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	struct ui_rect body;
	if (screen_header(k, tr(k, "Is this you?"), tr(k, "Back"), &body) || !c->chosen.id) {
		kiosk_go(k, SCREEN_SEARCH);
		return;
	}
	int gap = ui_px(ui, 12);
	struct ui_rect btns = ui_cut_bottom(&body, ui_px(ui, 84));
	const char *name = c->chosen.display;
	ui_cut_top(&body, ui_px(ui, 16));
	ui_label(ui, name, ui_cut_top(&body, ui_line_h(ui, UI_TITLE)), UI_TITLE, 1, UI_FG, UI_CENTER);
	ui_cut_top(&body, gap);
	if (c->chosen.hint[0])
		ui_label(ui, c->chosen.hint, ui_cut_top(&body, ui_line_h(ui, UI_HEADING)), UI_HEADING, 0,
			 UI_MUTED, UI_CENTER);
	if (c->chosen.hint2[0])
		ui_label(ui, c->chosen.hint2, ui_cut_top(&body, ui_line_h(ui, UI_HEADING)), UI_HEADING, 0,
			 UI_MUTED, UI_CENTER);
	if (c->chosen.checked_in) {
		/* Nothing to do: no "check me in" to tap by mistake for a namesake. */
		ui_cut_top(&body, gap);
		ui_label(ui, tr(k, "You are already checked in."), ui_cut_top(&body, ui_line_h(ui, UI_BODY)),
			 UI_BODY, 1, UI_OK, UI_CENTER);
		if (ui_button(ui, tr(k, "Not me, go back"), ui_col(btns, 0, 2, gap), UI_SECONDARY)) {
			kiosk_go(k, SCREEN_SEARCH);
			return;
		}
		if (ui_button(ui, tr(k, "Done"), ui_col(btns, 1, 2, gap), UI_PRIMARY) ||
		    ui_key(ui, UI_KEY_ENTER)) {
			checkin_search_reset(c);
			kiosk_reset_to_idle(k);
		}
		return;
	}
	if (ui_button(ui, tr(k, "No, go back"), ui_col(btns, 0, 2, gap), UI_SECONDARY)) {
		kiosk_go(k, SCREEN_SEARCH);
		return;
	}
	if (ui_button(ui, tr(k, "Yes, check me in"), ui_col(btns, 1, 2, gap), UI_PRIMARY) ||
	    ui_key(ui, UI_KEY_ENTER))
		checkin_person(k, c->chosen.id, "search");
}

/* ---- welcome ---- */

void screen_welcome(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	int64_t now = clock_now(&k->clock);
	int notice = c->welcome == CHECKIN_WELCOME_UNKNOWN || c->welcome == CHECKIN_WELCOME_FAILED;
	int64_t until = k->screen_since + (notice ? NOTICE_MS : WELCOME_MS);
	if (now >= until) {
		memset(c->welcome_name, 0, sizeof(c->welcome_name));
		kiosk_reset_to_idle(k);
		return;
	}
	kiosk_wake_at(k, until);
	/* The next person in the queue may scan while this welcome is still up: nobody types
	 * here otherwise, so text ending in Enter is a code. */
	if (ui->text_in[0]) {
		size_t have = strlen(c->scan_in), add = strlen(ui->text_in);
		if (have + add < sizeof(c->scan_in))
			memcpy(c->scan_in + have, ui->text_in, add + 1);
	}
	if (ui_key(ui, UI_KEY_ENTER) && c->scan_in[0]) {
		char code[sizeof(c->scan_in)];
		str_copy(code, sizeof(code), c->scan_in);
		c->scan_in[0] = '\0';
		checkin_scan(k, code);
		return;
	}

	int gap = ui_px(ui, 16);
	struct ui_rect all = ui_inset((struct ui_rect){0, 0, ui->w, ui->h}, ui_px(ui, 24));
	struct ui_rect btns = ui_cut_bottom(&all, ui_px(ui, 72));
	/* A band of colour says at a glance from across the room whether it worked. */
	struct ui_color band = notice ? UI_WARN : UI_OK;
	ui_fill(ui, (struct ui_rect){0, 0, ui->w, ui_px(ui, 12)}, band);
	ui_cut_top(&all, ui_px(ui, 12));

	char title[PEOPLE_NAME_MAX + 64], line[CHECKIN_MSG_MAX];
	const char *sub = NULL;
	struct ui_color sub_color = UI_OK;
	line[0] = '\0';
	switch (c->welcome) {
	case CHECKIN_WELCOME_OK:
	case CHECKIN_WELCOME_NEW:
		if (c->welcome_name[0])
			/* TRANSLATORS: the attendee's first name */
			str_fmt(title, sizeof(title), tr(k, "Welcome, %s!"), c->welcome_name);
		else
			str_copy(title, sizeof(title), tr(k, "Welcome!"));
		sub = tr(k, "You're checked in.");
		break;
	case CHECKIN_WELCOME_ALREADY:
		if (c->welcome_name[0])
			str_fmt(title, sizeof(title), tr(k, "Hello again, %s!"), c->welcome_name);
		else
			str_copy(title, sizeof(title), tr(k, "Hello again!"));
		sub = tr(k, "You're already checked in \xE2\x80\x94 welcome back!");
		break;
	case CHECKIN_WELCOME_UNKNOWN:
		str_copy(title, sizeof(title), tr(k, "Code not found"));
		sub = tr(k, "Please search for your name instead.");
		sub_color = UI_FG;
		break;
	case CHECKIN_WELCOME_FAILED:
	default:
		str_copy(title, sizeof(title), tr(k, "Something went wrong"));
		sub = tr(k, "You are not checked in yet. Please ask an organizer for help.");
		sub_color = UI_BAD;
		break;
	}
	if (c->welcome == CHECKIN_WELCOME_OK || c->welcome == CHECKIN_WELCOME_ALREADY) {
		char from[16], to[16];
		const struct pack *p = &k->pack;
		if (p->ends_ms && pack_format_time(p, p->ends_ms, "%H:%M", to, sizeof(to)) >= 0) {
			if (p->starts_ms > now &&
			    pack_format_time(p, p->starts_ms, "%H:%M", from, sizeof(from)) >= 0)
				/* TRANSLATORS: start and end time of the meeting, e.g. 19:00, 20:30 */
				str_fmt(line, sizeof(line), tr(k, "We start at %s and finish at %s sharp."),
					from, to);
			else
				str_fmt(line, sizeof(line), tr(k, "We finish at %s sharp."), to);
		}
	} else if (c->welcome == CHECKIN_WELCOME_UNKNOWN && c->welcome_name[0]) {
		/* TRANSLATORS: the code a barcode scanner read */
		str_fmt(line, sizeof(line), tr(k, "The code %s is not on the list."), c->welcome_name);
	}

	/* The block is centred between the band and the buttons. */
	int sub_lines = ui_text_w(ui, UI_HEADING, 1, sub) > all.w ? 2 : 1;
	int panel_h = c->welcome == CHECKIN_WELCOME_NEW ?
		ui_line_h(ui, UI_HEADING) + 3 * ui_line_h(ui, UI_BODY) + ui_px(ui, 32) : 0;
	int h = ui_line_h(ui, UI_TITLE) + ui_px(ui, 8) + sub_lines * ui_line_h(ui, UI_HEADING) + gap +
		(panel_h ? panel_h : line[0] ? ui_line_h(ui, UI_BODY) : 0);
	if (h < all.h)
		ui_cut_top(&all, (all.h - h) / 2);
	ui_label(ui, title, ui_cut_top(&all, ui_line_h(ui, UI_TITLE)), UI_TITLE, 1, UI_FG, UI_CENTER);
	ui_cut_top(&all, ui_px(ui, 8));
	ui_text_wrapped(ui, sub, ui_cut_top(&all, sub_lines * ui_line_h(ui, UI_HEADING)), UI_HEADING, 1,
			sub_color, UI_CENTER);
	ui_cut_top(&all, gap);
	if (panel_h) {
		/* A first-timer leaves with something concrete: say what happens tonight. */
		struct ui_rect panel = ui_cut_top(&all, panel_h);
		ui_fill(ui, panel, UI_PANEL);
		struct ui_rect in = ui_inset(panel, ui_px(ui, 16));
		ui_label(ui, tr(k, "Your first step"), ui_cut_top(&in, ui_line_h(ui, UI_HEADING)),
			 UI_HEADING, 1, UI_FG, UI_LEFT);
		ui_text_wrapped(ui, tr(k, "Find a seat. At the end of the meeting you will choose one "
					 "concrete thing to do this week, and a team to do it with."),
				in, UI_BODY, 0, UI_FG, UI_LEFT);
	} else if (line[0]) {
		ui_label(ui, line, ui_cut_top(&all, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_MUTED,
			 UI_CENTER);
	}

	int bw = ui_px(ui, 300);
	if (c->welcome == CHECKIN_WELCOME_UNKNOWN) {
		struct ui_rect two = ui_center(btns, 2 * bw + gap, btns.h);
		if (ui_button(ui, tr(k, "Search for my name"), ui_col(two, 1, 2, gap), UI_PRIMARY)) {
			checkin_begin(k);
			return;
		}
		if (ui_button(ui, tr(k, "Done"), ui_col(two, 0, 2, gap), UI_SECONDARY))
			kiosk_reset_to_idle(k);
		return;
	}
	if (ui_button(ui, tr(k, "Done"), ui_center(btns, bw, btns.h), UI_SECONDARY) ||
	    ui_key(ui, UI_KEY_ENTER) || ui_key(ui, UI_KEY_ESCAPE)) {
		memset(c->welcome_name, 0, sizeof(c->welcome_name));
		kiosk_reset_to_idle(k);
	}
}
