/* Check-in: the organizer's counts and list of check-ins, with undo and "check in on
 * someone's behalf" (SCREEN_CHECKINS). */
#include "kiosk.h"
#include "core/event.h"
#include "screens/checkin.h"
#include "screens/checkin_int.h"
#include "people.h"
#include "screens.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static struct checkin_ui *st(struct kiosk *k)
{
	return k->checkin;
}

/* ---- organizer: counts, check-ins, undo, check in on someone's behalf ---- */

static void org_refresh(struct kiosk *k)
{
	struct checkin_ui *c = st(k);
	if (people_counts(k->store, checkin_event_id(k), &c->counts) < 0) {
		checkin_log_error("counting check-ins");
		memset(&c->counts, 0, sizeof(c->counts));
	}
	c->npage = 0;
	c->page_offset = -1; /* read the page again when it is drawn */
}

/* Reads the page of check-ins starting at the list's scroll position when it moved. */
static void org_page(struct kiosk *k, int offset, int rows)
{
	struct checkin_ui *c = st(k);
	if (rows > CHECKIN_PAGE_MAX)
		rows = CHECKIN_PAGE_MAX;
	if (c->page_offset == offset)
		return;
	int n = people_recent(k->store, checkin_event_id(k), offset, c->page, rows);
	if (n < 0) {
		checkin_log_error("listing check-ins");
		n = 0;
	}
	c->npage = n;
	c->page_offset = offset;
}

static const char *method_name(struct kiosk *k, const char *m)
{
	if (!strcmp(m, "search"))
		return tr(k, "by name");
	if (!strcmp(m, "scan"))
		return tr(k, "scanned code");
	if (!strcmp(m, "walkin"))
		return tr(k, "new, at the door");
	if (!strcmp(m, "organizer"))
		return tr(k, "by an organizer");
	return m;
}

static void draw_checkin_row(struct ui *ui, void *ctx, int index, struct ui_rect r)
{
	struct kiosk *k = ctx;
	struct checkin_ui *c = st(k);
	int i = index - c->page_offset;
	if (c->page_offset < 0 || i < 0 || i >= c->npage)
		return; /* the page is read again before the next frame */
	const struct people_checkin_row *row = &c->page[i];
	ui_fill(ui, r, UI_PANEL);
	struct ui_rect in = ui_inset(r, ui_px(ui, 6));
	struct ui_rect undo = ui_cut_right(&in, ui_px(ui, 130));
	if (ui_button(ui, tr(k, "Undo"), undo, UI_SECONDARY)) {
		c->undo_id = row->checkin_id;
		checkin_short_name(row->first_name, row->last_initial, c->undo_name, sizeof(c->undo_name));
	}
	if (row->possible_duplicate) {
		/* Its email or phone is someone else's under another name: the organizer decides. */
		ui_cut_right(&in, ui_px(ui, 6));
		const char *label = tr(k, "Not a duplicate");
		/* As wide as its words (in every language), no ellipsis. */
		int bw = ui_text_w(ui, UI_BUTTON, 1, label) + ui_px(ui, 28);
		struct ui_rect keep = ui_cut_right(&in, bw < in.w / 2 ? bw : in.w / 2);
		if (ui_button(ui, label, keep, UI_SECONDARY)) {
			if (people_not_duplicate(k->store, row->person_id) < 0)
				checkin_log_error("clearing a possible duplicate");
			c->page_offset = -1;
		}
	}
	ui_cut_left(&in, ui_px(ui, 8));
	char when[16] = "";
	pack_format_time(&k->pack, row->at, "%H:%M", when, sizeof(when));
	ui_label(ui, when, ui_cut_left(&in, ui_px(ui, 70)), UI_BODY, 0, UI_MUTED, UI_LEFT);
	char name[PEOPLE_NAME_MAX + 16];
	checkin_short_name(row->first_name, row->last_initial, name, sizeof(name));
	struct ui_rect nm = ui_cut_left(&in, in.w * 11 / 20);
	ui_label(ui, name, nm, UI_BODY, 1, UI_FG, UI_LEFT);
	if (row->possible_duplicate)
		ui_label(ui, tr(k, "possible duplicate"), in, UI_SMALL, 1, UI_BAD, UI_LEFT);
	else
		ui_label(ui, method_name(k, row->method), in, UI_SMALL, 0, UI_MUTED, UI_LEFT);
}

static void draw_org_result(struct ui *ui, void *ctx, int index, struct ui_rect r)
{
	struct kiosk *k = ctx;
	struct checkin_ui *c = st(k);
	const struct people_result *p = &c->results[index];
	ui_fill(ui, r, UI_PANEL);
	struct ui_rect in = ui_inset(r, ui_px(ui, 6));
	struct ui_rect act = ui_cut_right(&in, ui_px(ui, 170));
	if (p->checked_in)
		ui_label(ui, tr(k, "Checked in"), act, UI_BODY, 1, UI_OK, UI_CENTER);
	else if (ui_button(ui, tr(k, "Check in"), act, UI_PRIMARY))
		c->tapped = index;
	ui_cut_left(&in, ui_px(ui, 8));
	char name[PEOPLE_NAME_MAX + 16];
	checkin_short_name(p->first_name, p->last_initial, name, sizeof(name));
	struct ui_rect nm = ui_cut_left(&in, in.w * 2 / 5);
	ui_label(ui, name, nm, UI_BODY, 1, UI_FG, UI_LEFT);
	char hint[2 * PEOPLE_HINT_MAX + 8];
	if (p->hint2[0])
		str_fmt(hint, sizeof(hint), "%s \xC2\xB7 %s", p->hint, p->hint2);
	else
		str_copy(hint, sizeof(hint), p->hint);
	if (hint[0])
		ui_label(ui, hint, in, UI_SMALL, 0, UI_MUTED, UI_LEFT);
}

static void org_message(struct checkin_ui *c, int bad, const char *fmt, const char *name)
{
	str_fmt(c->org_msg, sizeof(c->org_msg), fmt, name);
	c->org_msg_bad = bad;
}

static void org_search(struct kiosk *k, struct ui_rect area)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	int gap = ui_px(ui, 8);
	struct ui_rect field = ui_cut_top(&area, ui_px(ui, 52));
	ui_cut_top(&area, gap);
	if (c->org_msg[0]) {
		ui_label(ui, c->org_msg, ui_cut_top(&area, ui_line_h(ui, UI_BODY)), UI_BODY, 1,
			 c->org_msg_bad ? UI_BAD : UI_OK, UI_LEFT);
		ui_cut_top(&area, ui_px(ui, 4));
	}
	int enter;
	/* The rows' buttons set c->tapped through draw_org_result. */
	int tapped = checkin_search_body(k, area, field, draw_org_result, &enter);
	if (tapped < 0 && enter && c->nresults == 1 && !c->results[0].checked_in)
		tapped = 0;
	if (tapped < 0)
		return;
	const struct people_result *p = &c->results[tapped];
	char name[PEOPLE_NAME_MAX + 16];
	checkin_short_name(p->first_name, p->last_initial, name, sizeof(name));
	int rc = people_checkin(k->store, &k->clock, checkin_event_id(k), p->id, "organizer", NULL);
	if (rc < 0) {
		checkin_log_error("organizer check-in");
		org_message(c, 1, tr(k, "%s could not be checked in. See the log."), name);
	} else if (rc == PEOPLE_CHECKIN_ALREADY) {
		org_message(c, 0, tr(k, "%s was already checked in."), name);
	} else {
		org_message(c, 0, tr(k, "%s is checked in."), name);
	}
	c->searched_valid = 0; /* show the new state of the row */
	org_refresh(k);
	k->dirty = 1;
}

/* ---- the roster report: every column and what it was read as, rejected rows, warnings ---- */

static void report_open(struct kiosk *k)
{
	struct checkin_ui *c = st(k);
	c->org_report = 1;
	c->report_scroll = 0;
	c->nreport_lines = 0;
	if (event_roster_report(k->event, c->report, sizeof(c->report)) < 0) {
		checkin_log_error("reading the roster report");
		str_copy(c->report, sizeof(c->report), err_msg());
	}
	/* Lines in place: each ends at its newline, which becomes a NUL. */
	char *p = c->report;
	while (*p && c->nreport_lines < (int)ARRAY_SIZE(c->report_line)) {
		c->report_line[c->nreport_lines++] = (int)(p - c->report);
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	k->dirty = 1;
}

static void draw_report_line(struct ui *ui, void *ctx, int index, struct ui_rect r)
{
	struct checkin_ui *c = ctx;
	const char *line = c->report + c->report_line[index];
	/* "roster.csv: column 6 'RSVP': registration id (RSVP)": the file name is known here. */
	const char *colon = strstr(line, ": ");
	if (colon && !strncmp(line, "roster.csv", 10))
		line = colon + 2;
	int bad = strstr(line, "ignored") || strstr(line, "warning") || !strncmp(line, "line ", 5) ||
		  (strstr(line, " rejected") && !strstr(line, " 0 rejected"));
	ui_label(ui, line, r, UI_SMALL, 0, bad ? UI_BAD : UI_FG, UI_LEFT);
}

static void org_report(struct kiosk *k, struct ui_rect area)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	struct ui_rect bar = ui_cut_top(&area, ui_px(ui, 52));
	ui_cut_top(&area, ui_px(ui, 8));
	if (ui_button(ui, tr(k, "Close"), ui_cut_right(&bar, ui_px(ui, 180)), UI_SECONDARY) ||
	    ui_key(ui, UI_KEY_ESCAPE)) {
		c->org_report = 0;
		k->dirty = 1;
		return;
	}
	ui_label(ui, tr(k, "Roster report"), bar, UI_HEADING, 1, UI_FG, UI_LEFT);
	if (!c->nreport_lines) {
		ui_label(ui, tr(k, "No roster has been imported yet."),
			 ui_cut_top(&area, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_MUTED, UI_LEFT);
		return;
	}
	ui_list(ui, area, c->nreport_lines, ui_line_h(ui, UI_SMALL) + ui_px(ui, 6), &c->report_scroll,
		draw_report_line, c, "\xE2\x96\xB2", "\xE2\x96\xBC");
}

static void org_list(struct kiosk *k, struct ui_rect area)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	int gap = ui_px(ui, 8);

	/* Three counts, large enough to read from the facilitator's spot. */
	struct ui_rect tiles = ui_cut_top(&area, ui_px(ui, 76));
	const struct {
		int n;
		const char *what;
	} count[3] = {
		{c->counts.checked_in, N_("checked in")},
		{c->counts.walkins, N_("of them new at the door")},
		{c->counts.not_arrived, N_("registered, not arrived")},
	};
	for (int i = 0; i < 3; i++) {
		struct ui_rect t = ui_col(tiles, i, 3, gap);
		ui_fill(ui, t, UI_PANEL);
		struct ui_rect in = ui_inset(t, ui_px(ui, 6));
		char num[16];
		str_fmt(num, sizeof(num), "%d", count[i].n);
		ui_label(ui, num, ui_cut_top(&in, ui_line_h(ui, UI_HEADING)), UI_HEADING, 1,
			 i == 0 ? UI_OK : UI_FG, UI_CENTER);
		ui_label(ui, tr(k, count[i].what), in, UI_SMALL, 0, UI_MUTED, UI_CENTER);
	}
	ui_cut_top(&area, ui_px(ui, 6));
	if (event_version(k->event, EVENT_BIT(EVENT_IMPORT)) != c->roster_seen)
		checkin_roster_refresh(k);
	const char *roster = c->roster_line[0] ? c->roster_line : tr(k, "No roster.csv in the pack.");
	ui_label(ui, roster, ui_cut_top(&area, ui_line_h(ui, UI_SMALL)), UI_SMALL, 0,
		 c->roster_problem ? UI_BAD : UI_MUTED, UI_LEFT);
	ui_cut_top(&area, ui_px(ui, 6));

	struct ui_rect bar = ui_cut_top(&area, ui_px(ui, 52));
	ui_cut_top(&area, gap);
	if (ui_button(ui, tr(k, "Find someone"), ui_cut_left(&bar, ui_px(ui, 240)), UI_SECONDARY)) {
		c->org_searching = 1;
		c->org_msg[0] = '\0';
		checkin_search_reset(c);
		k->dirty = 1;
		return;
	}
	ui_cut_left(&bar, ui_px(ui, 12));
	const char *report = tr(k, "Roster report");
	int rw = ui_text_w(ui, UI_BUTTON, 1, report) + ui_px(ui, 28);
	if (ui_button(ui, report, ui_cut_right(&bar, rw > ui_px(ui, 240) ? rw : ui_px(ui, 240)),
		      UI_SECONDARY)) {
		report_open(k);
		return;
	}
	ui_cut_right(&bar, ui_px(ui, 12));
	if (c->org_msg[0])
		ui_label(ui, c->org_msg, bar, UI_BODY, 1, c->org_msg_bad ? UI_BAD : UI_OK, UI_LEFT);

	if (c->counts.checked_in == 0) {
		ui_label(ui, tr(k, "No one has checked in yet."), ui_cut_top(&area, ui_line_h(ui, UI_BODY)),
			 UI_BODY, 0, UI_MUTED, UI_CENTER);
		return;
	}
	int row_h = ui_px(ui, 56);
	int visible = area.h / row_h;
	if (visible < 1)
		visible = 1;
	if (visible > CHECKIN_PAGE_MAX)
		visible = CHECKIN_PAGE_MAX;
	/* ui_list clamps the scroll; read the page for where it will show, then draw. */
	int scroll = c->list_scroll;
	if (scroll > c->counts.checked_in - visible)
		scroll = c->counts.checked_in - visible;
	if (scroll < 0)
		scroll = 0;
	org_page(k, scroll, visible);
	ui_list(ui, area, c->counts.checked_in, row_h, &c->list_scroll, draw_checkin_row, k,
		"\xE2\x96\xB2", "\xE2\x96\xBC");
	if (c->list_scroll != scroll)
		k->dirty = 1; /* paged: read the new page in the next frame */
}

void screen_checkins(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	if (!k->store) {
		kiosk_go(k, SCREEN_ORGANIZER);
		return;
	}
	if (c->org_since != k->screen_since) {
		/* Entered: read the counts and the first page once, not every frame. */
		c->org_since = k->screen_since;
		c->org_searching = 0;
		c->org_report = 0;
		c->undo_id = 0;
		c->list_scroll = 0;
		c->org_msg[0] = '\0';
		org_refresh(k);
	}
	int modal = c->undo_id != 0;
	if (modal)
		ui->modal_depth = 1;
	struct ui_rect body;
	const char *title = c->org_searching ? tr(k, "Check someone in") : tr(k, "Check-ins");
	int back = screen_header(k, title, tr(k, "Back"), &body);
	if (back && !modal) {
		if (c->org_searching) {
			c->org_searching = 0;
			checkin_search_reset(c);
			k->dirty = 1;
		} else {
			kiosk_go(k, SCREEN_ORGANIZER);
		}
		ui->modal_depth = 0;
		return;
	}
	int top = ui_px(ui, 64);
	struct ui_rect area = ui_inset((struct ui_rect){0, top, ui->w, ui->h - top}, ui_px(ui, 8));
	if (screen_full_banner(k, &area))
		ui_cut_top(&area, ui_px(ui, 8));
	if (c->org_report)
		org_report(k, area);
	else if (c->org_searching)
		org_search(k, area);
	else
		org_list(k, area);
	if (!modal) {
		if (c->undo_id)
			k->dirty = 1; /* an Undo was tapped: open the question in the next frame */
		return;
	}
	char q[CHECKIN_MSG_MAX];
	/* TRANSLATORS: a first name and last initial, e.g. "Søren K." */
	str_fmt(q, sizeof(q), tr(k, "Undo the check-in of %s?"), c->undo_name);
	int a = ui_confirm(ui, q, tr(k, "Undo"), tr(k, "Cancel"));
	ui->modal_depth = 0;
	if (a < 0)
		return;
	if (a == 1) {
		int rc = event_undo_checkin(k->event, c->undo_id);
		if (rc < 0) {
			checkin_log_error("undoing a check-in");
			org_message(c, 1, tr(k, "The check-in of %s could not be undone. See the log."),
				    c->undo_name);
		} else {
			org_message(c, 0, tr(k, "The check-in of %s is undone."), c->undo_name);
		}
		org_refresh(k);
	}
	c->undo_id = 0;
	c->undo_name[0] = '\0';
	k->dirty = 1;
}
