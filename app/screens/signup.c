#include "kiosk.h"
#include "screens/signup.h"
#include "core/event.h"
#include "screens/screens.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* An id for the renderer's image cache that no other screen uses. */
#define QR_IMAGE_ID 0x5349474e55505152ULL

static const char *const WEEKDAYS[7] = {
	N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
	N_("Saturday"), N_("Sunday"),
};

static const char *const WEEKDAYS_SHORT[7] = {
	N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"),
};

/* What a role is, on the badge beside it; indexed by enum role_kind. */
static const char *const KIND_LABELS[3] = {N_("Leader"), N_("Host"), N_("Member")};

/* Times most weekly events start at; any other is typed. */
static const char *const TIME_PRESETS[] = {"10:00", "17:00", "18:00", "19:00", "20:00"};

#define MID_DOT " \xC2\xB7 "

void signup_open(struct kiosk *k)
{
	struct signup_ui *s = k->signup = xcalloc(1, sizeof(*k->signup));
	s->opened = 1;
	s->last_frame = s->board_last_frame = -2;
	s->board = xcalloc(1, sizeof(*s->board));
}

void signup_close(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	if (!s)
		return;
	free(s->board);
	free(s);
	k->signup = NULL;
}

void signup_clock_moved(struct kiosk *k, int64_t delta_ms)
{
	if (k->signup->board_page_at)
		k->signup->board_page_at += delta_ms;
}

void signup_begin_self_service(struct kiosk *k)
{
	if (!k->pack.self_service) {
		kiosk_require_pin(k, SCREEN_SIGNUP);
		return;
	}
	k->signup->self_pending = 1;
	kiosk_go(k, SCREEN_SIGNUP);
}

/* ---- small helpers ---- */

/* The name as lists show it (people.h: namesakes are told apart). */
static void short_name(const struct people_result *r, char *out, size_t size)
{
	str_copy(out, size, r->display[0] ? r->display : r->first_name);
}

/* The header of the steps about one person: title_fmt (translated) takes the short name.
 * Returns what screen_header() returns: nonzero when Back was pressed. */
static int person_header(struct kiosk *k, const char *title_fmt, struct ui_rect *body)
{
	char name[PEOPLE_NAME_MAX + 16], title[PEOPLE_NAME_MAX + 64];
	short_name(&k->signup->person, name, sizeof(name));
	str_fmt(title, sizeof(title), title_fmt, name);
	return screen_header(k, title, tr(k, "Back"), body);
}

/* "Tuesday 19:00, Folkets Hus" and the free text after a line break (or ", " when !multiline). */
static void details_words(struct kiosk *k, const struct commit_details *d, char *out, size_t size,
			  int multiline)
{
	int day = d->day[0] ? teams_weekday_parse(d->day) : -1;
	const char *parts[3] = {day >= 0 ? tr(k, WEEKDAYS[day]) : "", d->time, d->place};
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < 3; i++) {
		if (!parts[i][0])
			continue;
		int w = str_fmt(out + n, size - n, "%s%s", n == 0 ? "" : i == 2 ? ", " : " ", parts[i]);
		if (w < 0)
			return;
		n += (size_t)w;
	}
	if (d->text[0])
		str_fmt(out + n, size - n, "%s%s", n ? (multiline ? "\n" : ", ") : "", d->text);
}

/* One line for a list: "Role · Team · Tuesday 19:00, Folkets Hus". */
static void commitment_line(struct kiosk *k, const struct commitment *cm, char *out, size_t size)
{
	char det[TEAMS_PLACE_MAX + TEAMS_TEXT_MAX + 64];
	details_words(k, &cm->d, det, sizeof(det), 0);
	str_fmt(out, size, "%s%s%s%s%s", cm->role_name, cm->team_name[0] ? MID_DOT : "",
		cm->team_name, det[0] ? MID_DOT : "", det);
}

static int role_asks(const struct pack *p, int role, enum ask_kind a)
{
	if (role < 0 || role >= p->nroles)
		return 0;
	for (int i = 0; i < p->roles[role].nasks; i++)
		if (p->roles[role].asks[i] == a)
			return 1;
	return 0;
}

static int role_asks_anything(const struct pack *p, int role)
{
	return role >= 0 && role < p->nroles && p->roles[role].nasks > 0;
}

/* Drops the details the role does not ask for (after the role changed). */
static void keep_asked(const struct pack *p, int role, struct commit_details *d)
{
	if (!role_asks(p, role, ASK_DAY))
		d->day[0] = '\0';
	if (!role_asks(p, role, ASK_TIME))
		d->time[0] = '\0';
	if (!role_asks(p, role, ASK_PLACE))
		d->place[0] = '\0';
	if (!role_asks(p, role, ASK_TEXT))
		d->text[0] = '\0';
}

static void set_error(struct signup_ui *s, const char *msg)
{
	str_copy(s->error, sizeof(s->error), msg);
}

static void go_step(struct signup_ui *s, enum signup_step step)
{
	s->step = step;
	s->error[0] = '\0';
	s->cancel_id = 0;
}

static void reset_flow(struct signup_ui *s)
{
	/* Nothing of the last person stays on screen for the next one. */
	memset(s->query, 0, sizeof(s->query));
	memset(s->searched, 0, sizeof(s->searched));
	memset(&s->person, 0, sizeof(s->person));
	memset(&s->d, 0, sizeof(s->d));
	memset(&s->kb, 0, sizeof(s->kb));
	s->nresults = s->results_scroll = 0;
	s->nlist = s->list_total = s->list_scroll = 0;
	s->edit_id = 0;
	s->role = s->team = s->suggested = -1;
	s->link_state = SIGNUP_LINK_NONE;
	s->link[0] = '\0';
	go_step(s, SIGNUP_FIND);
}

/* Leaves the flow: organizers to their menu, attendees to the door. */
static void leave(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	int self = s->self_service;
	reset_flow(s);
	s->self_service = 0;
	if (self)
		kiosk_reset_to_idle(k);
	else
		kiosk_go(k, SCREEN_ORGANIZER);
}

/* ---- a paged grid of buttons ---- */

struct grid {
	struct ui_rect area;
	int cols, rows, gap, cell_h, first, per_page;
};

/* Lays out count cells in cols columns, rows at least min_h and at most max_h high, with page
 * buttons on the right when they do not all fit; *page is kept in range. */
static void grid_layout(struct ui *ui, struct grid *g, struct ui_rect r, int count, int cols,
			int min_h, int max_h, int *page)
{
	g->gap = ui_px(ui, 8);
	g->cols = cols;
	int fit = (r.h + g->gap) / (min_h + g->gap);
	if (fit < 1)
		fit = 1;
	int needed = (count + cols - 1) / cols;
	g->rows = needed < fit ? (needed > 0 ? needed : 1) : fit;
	g->per_page = g->rows * cols;
	if (count > g->per_page) {
		struct ui_rect side = ui_cut_right(&r, ui_px(ui, 72));
		ui_cut_right(&r, g->gap);
		int pages = (count + g->per_page - 1) / g->per_page;
		if (*page >= pages)
			*page = pages - 1;
		struct ui_rect up = ui_row(side, 0, 2, g->gap), down = ui_row(side, 1, 2, g->gap);
		if (*page > 0) {
			if (ui_button(ui, "\xE2\x96\xB2", up, UI_SECONDARY)) /* ▲ */
				(*page)--;
		} else {
			ui_button_disabled(ui, "\xE2\x96\xB2", up);
		}
		if (*page < pages - 1) {
			if (ui_button(ui, "\xE2\x96\xBC", down, UI_SECONDARY)) /* ▼ */
				(*page)++;
		} else {
			ui_button_disabled(ui, "\xE2\x96\xBC", down);
		}
	} else {
		*page = 0;
	}
	g->cell_h = (r.h - (g->rows - 1) * g->gap) / g->rows;
	if (g->cell_h > max_h)
		g->cell_h = max_h;
	g->first = *page * g->per_page;
	g->area = r;
}

/* The cell of item i, or 0 when it is not on this page. */
static int grid_cell(const struct grid *g, int i, struct ui_rect *out)
{
	int j = i - g->first;
	if (j < 0 || j >= g->per_page)
		return 0;
	struct ui_rect row = {g->area.x, g->area.y + (j / g->cols) * (g->cell_h + g->gap), g->area.w,
			      g->cell_h};
	*out = ui_col(row, j % g->cols, g->cols, g->gap);
	return 1;
}

/* ---- step: find a person ---- */

static void search(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	str_copy(s->searched, sizeof(s->searched), s->query);
	s->results_scroll = 0;
	s->error[0] = '\0';
	struct people_result *tmp = s->found;
	int n = people_search(k->store, k->pack.event_id ? k->pack.event_id : "", s->query, tmp,
			      PEOPLE_SEARCH_MAX);
	if (n < 0) {
		set_error(s, err_msg());
		n = 0;
	}
	/* Only checked-in people can sign up: they come first, in the search's order. */
	int o = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++)
			if ((tmp[i].checked_in == 0) == pass)
				s->results[o++] = tmp[i];
	s->nresults = o;
}

static void load_list(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	int n = teams_commit_list(k->store, &k->pack, s->person.id, s->list, SIGNUP_LIST_MAX);
	if (n < 0) {
		set_error(s, err_msg());
		n = 0;
	}
	s->list_total = n;
	s->nlist = n < SIGNUP_LIST_MAX ? n : SIGNUP_LIST_MAX;
}

/* Starts choosing a new commitment (edit_id 0) or changing one. */
static void start_choice(struct kiosk *k, const struct commitment *cm)
{
	struct signup_ui *s = k->signup;
	memset(&s->d, 0, sizeof(s->d));
	s->time_typed[0] = '\0';
	s->role_page = s->team_page = 0;
	s->suggested = teams_suggest_person(k->store, &k->pack, s->person.id);
	s->has_postcode = people_has_postcode(k->store, s->person.id) == 1;
	if (cm) {
		s->edit_id = cm->id;
		s->role = cm->role;
		s->team = cm->team;
		s->d = cm->d;
		int preset = 0;
		for (size_t i = 0; i < ARRAY_SIZE(TIME_PRESETS); i++)
			preset |= !strcmp(cm->d.time, TIME_PRESETS[i]);
		if (!preset)
			str_copy(s->time_typed, sizeof(s->time_typed), cm->d.time);
	} else {
		s->edit_id = 0;
		s->role = -1;
		s->team = s->suggested;
	}
	go_step(s, SIGNUP_ROLE);
}

static void choose_person(struct kiosk *k, const struct people_result *r)
{
	struct signup_ui *s = k->signup;
	s->person = *r;
	s->list_scroll = 0;
	load_list(k);
	if (s->list_total > 0)
		go_step(s, SIGNUP_PERSON);
	else
		start_choice(k, NULL);
}

static void draw_result(struct ui *ui, void *ctx, int index, struct ui_rect r)
{
	struct kiosk *k = ctx;
	struct signup_ui *s = k->signup;
	const struct people_result *p = &s->results[index];
	char name[PEOPLE_NAME_MAX + 16];
	short_name(p, name, sizeof(name));
	struct ui_rect b = ui_cut_left(&r, r.w * 3 / 5);
	ui_cut_left(&r, ui_px(ui, 12));
	if (p->checked_in) {
		if (ui_button(ui, name, b, UI_SECONDARY))
			s->tapped_row = index;
		ui_label(ui, p->hint, r, UI_BODY, 0, UI_MUTED, UI_LEFT);
	} else {
		ui_button_disabled(ui, name, b);
		ui_label(ui, tr(k, "not checked in"), r, UI_BODY, 0, UI_MUTED, UI_LEFT);
	}
}

static void step_find(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	struct ui *ui = &k->ui;
	struct ui_rect body;
	if (screen_header(k, tr(k, "Sign-up: who is signing up?"), tr(k, "Back"), &body)) {
		leave(k);
		return;
	}
	int gap = ui_px(ui, 8);
	struct ui_rect field = ui_cut_top(&body, ui_px(ui, 52));
	ui_cut_top(&body, gap);
	struct ui_rect kbd = ui_cut_bottom(&body, ui_px(ui, 204));
	ui_cut_bottom(&body, gap);

	const char *langs[PACK_MAX_LANGS];
	for (int i = 0; i < k->pack.nlangs; i++)
		langs[i] = k->pack.langs[i];
	int enter = ui_key(ui, UI_KEY_ENTER);
	ui_edit(ui, s->query, sizeof(s->query));
	if (ui_keyboard(ui, &s->kb, langs, k->pack.nlangs, kbd, s->query, sizeof(s->query), 1,
			tr(k, "Search")) == 2)
		enter = 1;
	ui_text_field(ui, s->query, tr(k, "Type the name of a checked-in person"), field, 1, 0);
	if (strcmp(s->query, s->searched))
		search(k);

	int checked = 0, first = -1;
	for (int i = 0; i < s->nresults; i++)
		if (s->results[i].checked_in && checked++ == 0)
			first = i;
	if (s->error[0]) {
		ui_text_wrapped(ui, s->error, body, UI_BODY, 0, UI_BAD, UI_LEFT);
	} else if (s->nresults == 0) {
		size_t letters = 0;
		for (const char *p = s->query; *p; utf8_next(&p))
			letters++;
		ui_text_wrapped(ui, letters < 2 ? tr(k, "Type at least two letters of the name.")
						: tr(k, "Nobody by that name. Only people who have checked in can sign up."),
				body, UI_BODY, 0, UI_MUTED, UI_LEFT);
	} else {
		s->tapped_row = -1;
		int row = ui_list(ui, body, s->nresults, ui_px(ui, 56), &s->results_scroll, draw_result, k,
				  "\xE2\x96\xB2", "\xE2\x96\xBC");
		if (s->tapped_row >= 0)
			row = s->tapped_row;
		if (row >= 0 && row < s->nresults && s->results[row].checked_in) {
			choose_person(k, &s->results[row]);
			return;
		}
	}
	/* Enter with one checked-in match takes it, as a scanner or a quick typist expects. */
	if (enter && checked == 1)
		choose_person(k, &s->results[first]);
}

/* ---- step: the person's commitments ---- */

static void draw_commitment(struct ui *ui, void *ctx, int index, struct ui_rect r)
{
	struct kiosk *k = ctx;
	struct signup_ui *s = k->signup;
	const struct commitment *cm = &s->list[index];
	char line[TEAMS_NAME_MAX * 2 + TEAMS_PLACE_MAX + TEAMS_TEXT_MAX + 64];
	commitment_line(k, cm, line, sizeof(line));
	ui_fill(ui, r, UI_PANEL);
	struct ui_rect in = ui_inset(r, ui_px(ui, 4));
	if (!s->self_service) {
		struct ui_rect cancel = ui_cut_right(&in, ui_px(ui, 130));
		ui_cut_right(&in, ui_px(ui, 8));
		struct ui_rect edit = ui_cut_right(&in, ui_px(ui, 110));
		ui_cut_right(&in, ui_px(ui, 8));
		if (ui_button(ui, tr(k, "Edit"), edit, UI_SECONDARY))
			s->tapped_edit = cm->id;
		if (ui_button(ui, tr(k, "Cancel"), cancel, UI_DANGER))
			s->tapped_cancel = cm->id;
	}
	ui_cut_left(&in, ui_px(ui, 8));
	ui_text_wrapped(ui, line, in, UI_BODY, 0, UI_FG, UI_LEFT);
}

static const struct commitment *find_listed(const struct signup_ui *s, int64_t id)
{
	for (int i = 0; i < s->nlist; i++)
		if (s->list[i].id == id)
			return &s->list[i];
	return NULL;
}

static void step_person(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	struct ui *ui = &k->ui;
	struct ui_rect body;
	ui->modal_depth = s->cancel_id != 0;
	int back = person_header(k, tr(k, "Commitments: %s"), &body);
	if (back && !s->cancel_id) {
		go_step(s, SIGNUP_FIND);
		return;
	}
	int gap = ui_px(ui, 12);
	struct ui_rect bottom = ui_cut_bottom(&body, ui_px(ui, 64));
	ui_cut_bottom(&body, gap);
	if (s->error[0]) {
		ui_label(ui, s->error, ui_cut_top(&body, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_BAD,
			 UI_LEFT);
		ui_cut_top(&body, ui_px(ui, 4));
	}
	if (s->list_total > s->nlist) {
		char more[128];
		str_fmt(more, sizeof(more), tr(k, "Showing the first %d of %d commitments."), s->nlist,
			s->list_total);
		ui_label(ui, more, ui_cut_bottom(&body, ui_line_h(ui, UI_SMALL)), UI_SMALL, 0, UI_MUTED,
			 UI_LEFT);
	}
	s->tapped_edit = s->tapped_cancel = 0;
	if (s->nlist == 0)
		ui_label(ui, tr(k, "No commitments yet."), ui_cut_top(&body, ui_line_h(ui, UI_BODY)),
			 UI_BODY, 0, UI_MUTED, UI_LEFT);
	else
		ui_list(ui, body, s->nlist, ui_px(ui, 72), &s->list_scroll, draw_commitment, k,
			"\xE2\x96\xB2", "\xE2\x96\xBC");

	struct ui_rect left = ui_col(bottom, 0, 2, gap), right = ui_col(bottom, 1, 2, gap);
	if (ui_button(ui, s->self_service ? tr(k, "Done") : tr(k, "New person"), left, UI_SECONDARY)) {
		if (s->self_service) {
			ui->modal_depth = 0;
			leave(k);
			return;
		}
		reset_flow(s);
	}
	if (ui_button(ui, tr(k, "Add a commitment"), right, UI_PRIMARY))
		start_choice(k, NULL);

	if (s->tapped_edit) {
		const struct commitment *cm = find_listed(s, s->tapped_edit);
		if (cm)
			start_choice(k, cm);
	}
	if (s->tapped_cancel)
		s->cancel_id = s->tapped_cancel;
	ui->modal_depth = 0;
	if (s->step == SIGNUP_PERSON && s->cancel_id) {
		const struct commitment *cm = find_listed(s, s->cancel_id);
		char line[TEAMS_NAME_MAX * 2 + TEAMS_PLACE_MAX + TEAMS_TEXT_MAX + 64];
		char q[sizeof(line) + 256];
		if (!cm) {
			s->cancel_id = 0;
			return;
		}
		commitment_line(k, cm, line, sizeof(line));
		str_fmt(q, sizeof(q), tr(k, "Cancel %s's commitment?\n%s"), s->person.first_name, line);
		ui->modal_depth = 1;
		int a = ui_confirm(ui, q, tr(k, "Cancel it"), tr(k, "Keep it"));
		ui->modal_depth = 0;
		if (a == 1) {
			if (teams_commit_cancel(k->store, &k->clock, &k->pack, s->cancel_id) < 0)
				set_error(s, err_msg());
			s->cancel_id = 0;
			load_list(k);
		} else if (a == 0) {
			s->cancel_id = 0;
		}
	}
}

/* ---- step: role ---- */

static void after_role(struct kiosk *k);
static void after_team(struct kiosk *k);

static struct ui_color kind_color(enum role_kind kind)
{
	return kind == ROLE_LEADER ? UI_ACCENT : kind == ROLE_HOST ? UI_OK : UI_MUTED;
}

static void step_role(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	struct ui *ui = &k->ui;
	const struct pack *p = &k->pack;
	struct ui_rect body;
	if (person_header(k, tr(k, "%s: choose a role"), &body)) {
		go_step(s, s->list_total > 0 ? SIGNUP_PERSON : SIGNUP_FIND);
		return;
	}
	if (p->nroles == 0) {
		ui_text_wrapped(ui, tr(k, "The event pack has no roles to sign up for ([role] in event.ini)."),
				body, UI_BODY, 0, UI_BAD, UI_LEFT);
		return;
	}
	int cols = p->nroles <= 5 ? 1 : 2;
	struct grid g;
	grid_layout(ui, &g, body, p->nroles, cols, ui_px(ui, 56), ui_px(ui, 80), &s->role_page);
	for (int i = 0; i < p->nroles; i++) {
		struct ui_rect cell;
		if (!grid_cell(&g, i, &cell))
			continue;
		struct ui_rect badge = ui_cut_left(&cell, ui_px(ui, 110));
		ui_cut_left(&cell, ui_px(ui, 8));
		enum role_kind kind = p->roles[i].kind;
		ui_fill(ui, ui_inset(badge, ui_px(ui, 6)), kind_color(kind));
		ui_label(ui, tr(k, KIND_LABELS[kind]), badge, UI_SMALL, 1, UI_WHITE, UI_CENTER);
		if (ui_button(ui, p->roles[i].name, cell, i == s->role ? UI_SELECTED : UI_SECONDARY)) {
			if (s->role != i)
				keep_asked(p, i, &s->d);
			s->role = i;
			if (!role_asks(p, i, ASK_TIME))
				s->time_typed[0] = '\0';
			after_role(k);
			return;
		}
	}
}

static void after_role(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	if (k->pack.nteams > 0)
		go_step(s, SIGNUP_TEAM);
	else
		after_team(k);
}

/* ---- step: team ---- */

static void after_team(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	if (role_asks_anything(&k->pack, s->role)) {
		const struct pack *p = &k->pack;
		s->focus = role_asks(p, s->role, ASK_PLACE)  ? SIGNUP_FIELD_PLACE
			   : role_asks(p, s->role, ASK_TEXT) ? SIGNUP_FIELD_TEXT
			   : role_asks(p, s->role, ASK_TIME) ? SIGNUP_FIELD_TIME
							     : SIGNUP_FIELD_NONE;
		s->kb.symbols = s->focus == SIGNUP_FIELD_TIME;
		go_step(s, SIGNUP_DETAILS);
	} else {
		go_step(s, SIGNUP_CONFIRM);
	}
}

static void step_team(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	struct ui *ui = &k->ui;
	const struct pack *p = &k->pack;
	struct ui_rect body;
	if (person_header(k, tr(k, "%s: choose a team"), &body)) {
		go_step(s, SIGNUP_ROLE);
		return;
	}
	/* Why this team is suggested, or why none is. */
	char line[512];
	struct ui_color color = UI_FG;
	if (s->suggested >= 0) {
		str_fmt(line, sizeof(line), tr(k, "Suggested from the postcode: %s"),
			p->teams[s->suggested].name);
	} else if (!s->has_postcode) {
		str_fmt(line, sizeof(line), tr(k, "We have no postcode for %s: pick a team."),
			s->person.first_name);
		color = UI_MUTED;
	} else {
		str_fmt(line, sizeof(line), tr(k, "No team covers %s's postcode: pick a team."),
			s->person.first_name);
		color = UI_MUTED;
	}
	ui_label(ui, line, ui_cut_top(&body, ui_line_h(ui, UI_BODY)), UI_BODY, 1, color, UI_LEFT);
	ui_cut_top(&body, ui_px(ui, 8));

	/* The suggested team first, then the pack's order, then "No team". */
	int order[PACK_MAX_TEAMS + 1], n = 0;
	if (s->suggested >= 0)
		order[n++] = s->suggested;
	for (int t = 0; t < p->nteams; t++)
		if (t != s->suggested)
			order[n++] = t;
	order[n++] = -1;
	struct grid g;
	grid_layout(ui, &g, body, n, n <= 8 ? 2 : 3, ui_px(ui, 56), ui_px(ui, 80), &s->team_page);
	for (int i = 0; i < n; i++) {
		struct ui_rect cell;
		if (!grid_cell(&g, i, &cell))
			continue;
		int t = order[i];
		const char *label = t >= 0 ? p->teams[t].name : tr(k, "No team");
		enum ui_style st = t == s->team && (s->edit_id || s->team != s->suggested) ? UI_SELECTED
				   : t >= 0 && t == s->suggested ? UI_PRIMARY
								 : UI_SECONDARY;
		if (ui_button(ui, label, cell, st)) {
			s->team = t;
			after_team(k);
			return;
		}
		if (t >= 0 && t == s->suggested) {
			/* "Suggested" in the cell's corner, so it stays marked while others are picked. */
			int lh = ui_line_h(ui, UI_SMALL);
			struct ui_rect tag = {cell.x + ui_px(ui, 6), cell.y + ui_px(ui, 2), cell.w / 2, lh};
			ui_label(ui, tr(k, "Suggested"), tag, UI_SMALL, 0,
				 st == UI_SECONDARY ? UI_MUTED : UI_WHITE, UI_LEFT);
		}
	}
}

/* ---- step: details ---- */

static int check_details(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	struct commit_details d = s->d;
	if (s->time_typed[0])
		str_copy(d.time, sizeof(d.time), s->time_typed);
	if (teams_check_details(&k->pack, s->role, &d) < 0) {
		/* In words for the person at the table, in their language. */
		if (strstr(err_msg(), "needs a day"))
			set_error(s, tr(k, "Choose a day."));
		else if (strstr(err_msg(), "needs a time"))
			set_error(s, tr(k, "Choose a time."));
		else if (strstr(err_msg(), "needs a place"))
			set_error(s, tr(k, "Type where it happens."));
		else if (!strncmp(err_msg(), "time", 4))
			set_error(s, tr(k, "Check the time: hours and minutes, like 19:00."));
		else
			set_error(s, err_msg());
		return -1;
	}
	s->d = d;
	return 0;
}

static void step_details(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	struct ui *ui = &k->ui;
	const struct pack *p = &k->pack;
	struct ui_rect body;
	if (person_header(k, tr(k, "%s: when and where?"), &body)) {
		go_step(s, p->nteams > 0 ? SIGNUP_TEAM : SIGNUP_ROLE);
		return;
	}
	int ask_day = role_asks(p, s->role, ASK_DAY), ask_time = role_asks(p, s->role, ASK_TIME);
	int ask_place = role_asks(p, s->role, ASK_PLACE), ask_text = role_asks(p, s->role, ASK_TEXT);
	int typing = ask_time || ask_place || ask_text;
	int gap = ui_px(ui, 6), row_h = ui_px(ui, 48);

	/* One line: the role, or what is wrong. */
	struct ui_rect msg = ui_cut_top(&body, ui_px(ui, 24));
	ui_label(ui, s->error[0] ? s->error : p->roles[s->role].name, msg, UI_SMALL, s->error[0] != 0,
		 s->error[0] ? UI_BAD : UI_MUTED, UI_LEFT);

	struct ui_rect kbd = {0, 0, 0, 0}, next = {0, 0, 0, 0};
	if (typing) {
		kbd = ui_cut_bottom(&body, ui_px(ui, 204));
	} else {
		next = ui_cut_bottom(&body, ui_px(ui, 64));
		next = ui_cut_right(&next, ui_px(ui, 240));
	}
	ui_cut_bottom(&body, gap);

	if (ask_day) {
		struct ui_rect row = ui_cut_top(&body, row_h);
		ui_cut_top(&body, gap);
		for (int d = 0; d < 7; d++) {
			int on = teams_weekday_parse(s->d.day) == d;
			if (ui_button(ui, tr(k, WEEKDAYS_SHORT[d]), ui_col(row, d, 7, gap),
				      on ? UI_SELECTED : UI_SECONDARY)) {
				if (on)
					s->d.day[0] = '\0';
				else
					str_copy(s->d.day, sizeof(s->d.day), teams_weekday_key(d));
				s->error[0] = '\0';
			}
		}
	}
	if (ask_time) {
		struct ui_rect row = ui_cut_top(&body, row_h);
		ui_cut_top(&body, gap);
		int np = (int)ARRAY_SIZE(TIME_PRESETS);
		struct ui_rect field = ui_cut_right(&row, row.w * 2 / 7);
		ui_cut_right(&row, gap);
		for (int i = 0; i < np; i++) {
			int on = !s->time_typed[0] && !strcmp(s->d.time, TIME_PRESETS[i]);
			if (ui_button(ui, TIME_PRESETS[i], ui_col(row, i, np, gap),
				      on ? UI_SELECTED : UI_SECONDARY)) {
				if (on) {
					s->d.time[0] = '\0';
				} else {
					str_copy(s->d.time, sizeof(s->d.time), TIME_PRESETS[i]);
					s->time_typed[0] = '\0';
				}
				s->error[0] = '\0';
			}
		}
		if (ui_text_field(ui, s->time_typed, tr(k, "Other time"), field,
				  s->focus == SIGNUP_FIELD_TIME, 0)) {
			s->focus = SIGNUP_FIELD_TIME;
			s->kb.symbols = 1;
		}
	}
	if (ask_place || ask_text) {
		struct ui_rect row = ui_cut_top(&body, row_h);
		struct ui_rect pf = row, tf = row;
		if (ask_place && ask_text) {
			pf = ui_col(row, 0, 2, gap);
			tf = ui_col(row, 1, 2, gap);
		}
		if (ask_place && ui_text_field(ui, s->d.place, tr(k, "Place, e.g. an address"), pf,
					       s->focus == SIGNUP_FIELD_PLACE, 0)) {
			s->focus = SIGNUP_FIELD_PLACE;
			s->kb.symbols = 0;
		}
		if (ask_text && ui_text_field(ui, s->d.text, tr(k, "Note"), tf,
					      s->focus == SIGNUP_FIELD_TEXT, 0)) {
			s->focus = SIGNUP_FIELD_TEXT;
			s->kb.symbols = 0;
		}
	}

	int done = ui_key(ui, UI_KEY_ENTER);
	if (typing) {
		char *buf = s->d.place;
		size_t cap = sizeof(s->d.place);
		if (s->focus == SIGNUP_FIELD_TIME) {
			buf = s->time_typed;
			cap = sizeof(s->time_typed);
		} else if (s->focus == SIGNUP_FIELD_TEXT) {
			buf = s->d.text;
			cap = sizeof(s->d.text);
		}
		const char *langs[PACK_MAX_LANGS];
		for (int i = 0; i < p->nlangs; i++)
			langs[i] = p->langs[i];
		int changed = ui_edit(ui, buf, cap);
		int r = ui_keyboard(ui, &s->kb, langs, p->nlangs, kbd, buf, cap,
				    s->focus == SIGNUP_FIELD_PLACE, tr(k, "Next"));
		if (r == 2)
			done = 1;
		if (changed || r == 1) {
			s->error[0] = '\0';
			if (s->focus == SIGNUP_FIELD_TIME)
				s->d.time[0] = '\0'; /* a typed time replaces the preset */
		}
	} else if (ui_button(ui, tr(k, "Next"), next, UI_PRIMARY)) {
		done = 1;
	}
	if (done && check_details(k) == 0)
		go_step(s, SIGNUP_CONFIRM);
}

/* ---- step: confirm, and the commit ---- */

static void qr_build(struct signup_ui *s)
{
	struct qr q;
	if (qr_encode(s->link, &q) < 0) {
		s->link_state = SIGNUP_LINK_TEXT;
		str_copy(s->link_error, sizeof(s->link_error), err_msg());
		return;
	}
	if (q.size > SIGNUP_QR_MAX)
		BUG("QR symbol larger than version 40");
	for (int y = 0; y < q.size; y++)
		for (int x = 0; x < q.size; x++)
			s->qr_px[y * q.size + x] = qr_dark(&q, x, y) ? 0xFF000000u : 0xFFFFFFFFu;
	s->qr_size = q.size;
	qr_release(&q);
	s->qr_img.id = QR_IMAGE_ID;
	s->qr_img.version++;
	s->qr_img.w = s->qr_img.h = s->qr_size;
	s->qr_img.pitch = s->qr_size * 4;
	s->qr_img.px = (const uint8_t *)s->qr_px;
	s->qr_img.smooth = 0;
	s->link_state = SIGNUP_LINK_QR;
}

static void read_job(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	s->done_job = 0;
	s->job_state[0] = s->job_error[0] = '\0';
	s->job_seen = event_version(k->event, EVENT_BIT(EVENT_PRINT));
	event_print_status(k->event, &s->seen);
	struct printq_job job;
	int rc = printq_job_of(k->store, s->done.id, &job);
	if (rc < 0) {
		/* Not "no slip": the store could not say. */
		str_copy(s->job_state, sizeof(s->job_state), "failed");
		str_copy(s->job_error, sizeof(s->job_error), err_msg());
		return;
	}
	if (rc == 1) {
		s->done_job = job.id;
		str_copy(s->job_state, sizeof(s->job_state), job.state);
		str_copy(s->job_error, sizeof(s->job_error), job.error);
	}
}

static void show_done(struct kiosk *k, int64_t id)
{
	struct signup_ui *s = k->signup;
	if (teams_commit_get(k->store, &k->pack, id, &s->done) < 0) {
		set_error(s, err_msg());
		return;
	}
	s->link_error[0] = '\0';
	int r = teams_link(&k->pack, &s->done, s->link, sizeof(s->link));
	if (r < 0) {
		/* Why, in a buffer of our own: teams_link()'s message is built from err_msg() itself. */
		const char *tmpl = s->done.team >= 0 ? k->pack.teams[s->done.team].qr : NULL;
		char why[256];
		s->link_state = SIGNUP_LINK_BROKEN;
		if (tmpl && teams_check_template(tmpl, why, sizeof(why)) < 0)
			str_fmt(s->link_error, sizeof(s->link_error),
				tr(k, "No QR code: the team's link template is broken (%s)."), why);
		else
			str_fmt(s->link_error, sizeof(s->link_error),
				tr(k, "No QR code: this team's link would be longer than %d bytes."),
				TEAMS_LINK_MAX - 1);
	} else if (r == 1) {
		s->link_state = SIGNUP_LINK_NONE;
	} else {
		qr_build(s);
	}
	read_job(k);
	go_step(s, SIGNUP_DONE);
}

static void commit(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	int64_t id = s->edit_id;
	int rc = s->edit_id ? teams_commit_edit(k->store, &k->clock, &k->pack, s->edit_id, s->role,
						s->team, &s->d)
			    : teams_commit_add(k->store, &k->clock, &k->pack, s->person.id, s->role,
					       s->team, &s->d, &id);
	if (rc < 0) {
		char msg[512];
		if (store_is_full(k->store))
			/* In words for whoever stands at the screen; the organizer sees the banner. */
			str_copy(msg, sizeof(msg), tr(k, "Not saved: the kiosk's storage is full. "
						       "Please tell an organizer."));
		else
			str_fmt(msg, sizeof(msg), tr(k, "Not saved: %s"), err_msg());
		set_error(s, msg);
		return;
	}
	/* On disk and in the outbox: the commit itself told the print queue, the uploader and the
	 * board (core/event.h). */
	s->edit_id = 0;
	load_list(k);
	show_done(k, id);
}

static void step_confirm(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	struct ui *ui = &k->ui;
	const struct pack *p = &k->pack;
	struct ui_rect body;
	if (screen_header(k, s->edit_id ? tr(k, "Confirm the change") : tr(k, "Confirm"),
			  tr(k, "Back"), &body)) {
		go_step(s, role_asks_anything(p, s->role) ? SIGNUP_DETAILS
			   : p->nteams > 0		  ? SIGNUP_TEAM
							  : SIGNUP_ROLE);
		return;
	}
	int gap = ui_px(ui, 12);
	struct ui_rect bottom = ui_cut_bottom(&body, ui_px(ui, 72));
	ui_cut_bottom(&body, gap);
	char name[PEOPLE_NAME_MAX + 16], line[1024];
	short_name(&s->person, name, sizeof(name));
	str_fmt(line, sizeof(line), tr(k, "%s commits to:"), name);
	ui_label(ui, line, ui_cut_top(&body, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_MUTED, UI_LEFT);
	ui_cut_top(&body, ui_px(ui, 4));
	struct ui_rect role = ui_cut_top(&body, ui_line_h(ui, UI_HEADING) * 2);
	int used = ui_text_wrapped(ui, p->roles[s->role].name, role, UI_HEADING, 1, UI_FG, UI_LEFT);
	body.y -= role.h - used;
	body.h += role.h - used;
	ui_cut_top(&body, ui_px(ui, 8));
	if (s->team >= 0)
		str_fmt(line, sizeof(line), tr(k, "Team: %s"), p->teams[s->team].name);
	else
		str_copy(line, sizeof(line), tr(k, "No team"));
	ui_label(ui, line, ui_cut_top(&body, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_FG, UI_LEFT);
	char det[TEAMS_PLACE_MAX + TEAMS_TEXT_MAX + 64];
	details_words(k, &s->d, det, sizeof(det), 1);
	if (det[0]) {
		ui_cut_top(&body, ui_px(ui, 4));
		int h = ui_text_wrapped(ui, det, body, UI_BODY, 0, UI_FG, UI_LEFT);
		ui_cut_top(&body, h);
	}
	if (s->error[0]) {
		ui_cut_top(&body, ui_px(ui, 8));
		ui_text_wrapped(ui, s->error, body, UI_BODY, 1, UI_BAD, UI_LEFT);
	}
	struct ui_rect ok = ui_cut_right(&bottom, bottom.w / 2);
	if (ui_button(ui, s->edit_id ? tr(k, "Save the change") : tr(k, "Confirm"), ok, UI_PRIMARY) ||
	    ui_key(ui, UI_KEY_ENTER))
		commit(k);
}

/* ---- step: done ---- */

static void print_status(struct kiosk *k, struct ui_rect *area)
{
	struct signup_ui *s = k->signup;
	struct ui *ui = &k->ui;
	char line[512];
	struct ui_color color = UI_MUTED;
	int retry = 0;
	if (event_version(k->event, EVENT_BIT(EVENT_PRINT)) != s->job_seen)
		read_job(k);
	if (!s->done_job) {
		if (!k->pack.printer || !k->pack.printer[0])
			return;
		str_copy(line, sizeof(line), tr(k, "No slip for this commitment."));
	} else if (!event_has_printer(k->event)) {
		str_fmt(line, sizeof(line), tr(k, "The printer cannot be used: %s"),
			event_printer_error(k->event));
		color = UI_BAD;
	} else if (!strcmp(s->job_state, "printed")) {
		str_copy(line, sizeof(line), tr(k, "Slip printed."));
		color = UI_OK;
	} else if (!strcmp(s->job_state, "failed")) {
		str_fmt(line, sizeof(line), tr(k, "Saved, but the slip did not print: %s"), s->job_error);
		color = UI_BAD;
		retry = 1;
	} else {
		str_copy(line, sizeof(line), s->seen.printing && s->seen.printing_job == s->done_job
						     ? tr(k, "Printing the slip\xE2\x80\xA6")
						     : tr(k, "The slip is waiting for the printer."));
	}
	/* A failure says why, which takes a few lines, with "Retry" beside it. */
	int lines = retry ? 4 : 2;
	struct ui_rect row = ui_cut_bottom(area, ui_line_h(ui, UI_SMALL) * lines);
	ui_cut_bottom(area, ui_px(ui, 8));
	if (retry) {
		struct ui_rect b = ui_cut_right(&row, ui_px(ui, 150));
		b = ui_center(b, b.w, ui_px(ui, 52));
		ui_cut_right(&row, ui_px(ui, 8));
		if (ui_button(ui, tr(k, "Retry"), b, UI_PRIMARY)) {
			event_print_retry(k->event, s->done_job);
			str_copy(s->job_state, sizeof(s->job_state), "queued");
		}
	}
	ui_text_wrapped(ui, line, row, UI_SMALL, 1, color, UI_LEFT);
}

/* A link has no spaces to wrap at: break it wherever the line is full. */
static void wrap_chars(struct ui *ui, const char *text, struct ui_rect r, enum ui_font f)
{
	int lh = ui_line_h(ui, f);
	char line[512];
	const char *p = text;
	while (*p && r.h >= lh) {
		/* The most characters (up to the buffer) that fit in r.w. */
		size_t n = 0, fit = 0;
		while (p[n] && n + 4 < sizeof(line)) {
			const char *q = p + n;
			utf8_next(&q);
			size_t next = (size_t)(q - p);
			memcpy(line, p, next);
			line[next] = '\0';
			if (ui_text_w(ui, f, 0, line) > r.w && fit > 0)
				break;
			fit = n = next;
		}
		if (fit == 0)
			break;
		if (r.h < 2 * lh && p[fit]) {
			ui_label(ui, p, ui_cut_top(&r, lh), f, 0, UI_FG, UI_LEFT); /* cut with "…" */
			break;
		}
		memcpy(line, p, fit);
		line[fit] = '\0';
		ui_label(ui, line, ui_cut_top(&r, lh), f, 0, UI_FG, UI_LEFT);
		p += fit;
	}
}

static void draw_link(struct kiosk *k, struct ui_rect r)
{
	struct signup_ui *s = k->signup;
	struct ui *ui = &k->ui;
	if (s->link_state == SIGNUP_LINK_QR) {
		/* Whole pixels per module (nearest neighbour), quiet zone included, and a hint. */
		struct ui_rect img = r;
		struct ui_rect hint = ui_cut_bottom(&img, ui_line_h(ui, UI_SMALL));
		int side = img.w < img.h ? img.w : img.h;
		int m = side / s->qr_size;
		if (m >= 2) {
			int px = m * s->qr_size;
			struct ui_rect at = ui_center(img, px, px);
			ui_image(ui, &s->qr_img, at);
			hint.y = at.y + at.h;
			ui_label(ui, tr(k, "Scan with your phone"), hint, UI_SMALL, 0, UI_MUTED, UI_CENTER);
			return;
		}
		/* Too dense to scan from this screen: fall through to the text. */
	}
	char msg[512];
	struct ui_color color = UI_FG;
	if (s->link_state == SIGNUP_LINK_BROKEN) {
		str_copy(msg, sizeof(msg), s->link_error);
		color = UI_BAD;
	} else {
		str_copy(msg, sizeof(msg), tr(k, "This link is too long for a QR code. Open it:"));
	}
	int h = ui_text_wrapped(ui, msg, r, UI_BODY, 1, color, UI_LEFT);
	ui_cut_top(&r, h + ui_px(ui, 8));
	if (s->link_state != SIGNUP_LINK_BROKEN)
		wrap_chars(ui, s->link, r, UI_SMALL);
}

static void step_done(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	struct ui *ui = &k->ui;
	struct ui_rect body;
	const struct commitment *cm = &s->done;
	if (screen_header(k, tr(k, "Signed up"), tr(k, "Back"), &body)) {
		load_list(k);
		go_step(s, SIGNUP_PERSON);
		return;
	}
	int gap = ui_px(ui, 16);
	struct ui_rect text = body;
	if (s->link_state != SIGNUP_LINK_NONE) {
		int w = s->link_state == SIGNUP_LINK_QR ? (body.h < body.w * 9 / 20 ? body.h : body.w * 9 / 20)
							: body.w / 2;
		struct ui_rect left = ui_cut_left(&text, w);
		ui_cut_left(&text, gap);
		draw_link(k, left);
	}
	struct ui_rect buttons = ui_cut_bottom(&text, ui_px(ui, 56) * 2 + ui_px(ui, 8));
	ui_cut_bottom(&text, ui_px(ui, 8));
	if (ui_button(ui, tr(k, "Another commitment"), ui_row(buttons, 0, 2, ui_px(ui, 8)),
		      UI_SECONDARY)) {
		start_choice(k, NULL);
		return;
	}
	if (ui_button(ui, s->self_service ? tr(k, "Done") : tr(k, "New person"),
		      ui_row(buttons, 1, 2, ui_px(ui, 8)), UI_PRIMARY)) {
		if (s->self_service)
			leave(k);
		else
			reset_flow(s);
		return;
	}
	print_status(k, &text);

	char line[1024];
	str_fmt(line, sizeof(line), tr(k, "Thank you, %s!"), cm->first_name);
	ui_label(ui, line, ui_cut_top(&text, ui_line_h(ui, UI_HEADING)), UI_HEADING, 1, UI_FG, UI_LEFT);
	ui_cut_top(&text, ui_px(ui, 6));
	str_fmt(line, sizeof(line), tr(k, "%s commits to:"), cm->first_name);
	ui_label(ui, line, ui_cut_top(&text, ui_line_h(ui, UI_SMALL)), UI_SMALL, 0, UI_MUTED, UI_LEFT);
	struct ui_rect role = ui_cut_top(&text, ui_line_h(ui, UI_BODY) * 2);
	int used = ui_text_wrapped(ui, cm->role_name, role, UI_BODY, 1, UI_FG, UI_LEFT);
	text.y -= role.h - used;
	text.h += role.h - used;
	if (cm->team_name[0]) {
		str_fmt(line, sizeof(line), tr(k, "Team: %s"), cm->team_name);
		ui_label(ui, line, ui_cut_top(&text, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_FG, UI_LEFT);
	}
	details_words(k, &cm->d, line, sizeof(line), 1);
	if (line[0])
		ui_text_wrapped(ui, line, text, UI_BODY, 0, UI_FG, UI_LEFT);
}

/* ---- the screen ---- */

void screen_signup(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	if (!s->opened || !k->store) {
		kiosk_go(k, SCREEN_IDLE);
		return;
	}
	if (s->last_frame != k->frames - 1) {
		/* A new visit: from the organizer menu, or an attendee's self-service. */
		reset_flow(s);
		s->self_service = s->self_pending;
		s->self_pending = 0;
	}
	s->last_frame = k->frames;
	if (s->self_service) {
		/* kiosk.c gives organizer screens ten minutes; an attendee who walks away, less. */
		int64_t since = k->last_input > k->screen_since ? k->last_input : k->screen_since;
		int64_t now = clock_now(&k->clock);
		if (now - since >= SIGNUP_ATTENDEE_IDLE_MS) {
			leave(k);
			return;
		}
		kiosk_wake_at(k, since + SIGNUP_ATTENDEE_IDLE_MS);
	}
	switch (s->step) {
	case SIGNUP_FIND: step_find(k); break;
	case SIGNUP_PERSON: step_person(k); break;
	case SIGNUP_ROLE: step_role(k); break;
	case SIGNUP_TEAM: step_team(k); break;
	case SIGNUP_DETAILS: step_details(k); break;
	case SIGNUP_CONFIRM: step_confirm(k); break;
	case SIGNUP_DONE: step_done(k); break;
	}
	k->ui.modal_depth = 0;
}
