/* Sign-up: the live board of teams and targets (SCREEN_BOARD), for the projector during the
 * sign-up segment; see screens/signup.h. */
#include "kiosk.h"
#include "core/event.h"
#include "screens/signup.h"
#include "screens/screens.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define EM_DASH " \xE2\x80\x94 "

/* The board's headings for the same kinds. */
static const char *const KIND_PLURALS[3] = {N_("Leads"), N_("Hosts"), N_("Members")};

/* ---- the board ---- */

static void board_refresh(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	s->board_ok = teams_board(k->store, &k->pack, s->board) == 0;
	if (!s->board_ok)
		str_copy(s->board_error, sizeof(s->board_error), err_msg());
}

/* "34 hosts — 12 to go" over a bar with the target range marked, and the range under it. */
static void target_bar(struct kiosk *k, struct ui_rect r, const struct board_target *t, int leaders)
{
	struct ui *ui = &k->ui;
	char who[128], togo[128], line[300], range[200];
	if (leaders)
		str_fmt(who, sizeof(who), trn(k, "%d leader", "%d leaders", t->have), t->have);
	else
		str_fmt(who, sizeof(who), trn(k, "%d host", "%d hosts", t->have), t->have);
	if (t->to_go > 0)
		str_fmt(togo, sizeof(togo), trn(k, "%d to go", "%d to go", t->to_go), t->to_go);
	else
		str_copy(togo, sizeof(togo), tr(k, "target reached"));
	str_fmt(line, sizeof(line), "%s" EM_DASH "%s", who, togo);
	str_fmt(range, sizeof(range), tr(k, "target %d\xE2\x80\x93%d (%d\xE2\x80\x93%d %%)"), t->min,
		t->max, t->min_pct, t->max_pct);
	/* Smaller rather than cut, in languages with longer words. */
	struct ui_rect head = ui_cut_top(&r, ui_line_h(ui, UI_HEADING));
	enum ui_font f = ui_text_w(ui, UI_HEADING, 1, line) <= head.w ? UI_HEADING : UI_BODY;
	ui_label(ui, line, head, f, 1, UI_FG, UI_LEFT);
	ui_label(ui, range, ui_cut_bottom(&r, ui_line_h(ui, UI_SMALL)), UI_SMALL, 0, UI_MUTED, UI_LEFT);
	struct ui_rect bar = ui_inset(r, ui_px(ui, 4));
	bar.x = r.x;
	bar.w = r.w;
	int scale = t->max > t->have ? t->max : t->have;
	if (scale < 1)
		scale = 1;
	ui_fill(ui, bar, UI_PANEL);
	int fw = (int)((int64_t)bar.w * t->have / scale);
	ui_fill(ui, (struct ui_rect){bar.x, bar.y, fw, bar.h},
		t->have >= t->min && t->have > 0 ? UI_OK : UI_WARN);
	ui_frame_rect(ui, bar, ui_px(ui, 2) > 0 ? ui_px(ui, 2) : 1, UI_LINE);
	/* Marks at the low and the high end of the target. */
	int mw = ui_px(ui, 3) > 0 ? ui_px(ui, 3) : 1;
	int xmin = bar.x + (int)((int64_t)bar.w * t->min / scale);
	int xmax = bar.x + (int)((int64_t)bar.w * t->max / scale);
	ui_fill(ui, (struct ui_rect){xmin - mw / 2, r.y, mw, r.h}, UI_FG);
	if (t->max != t->min)
		ui_fill(ui, (struct ui_rect){xmax - mw, r.y, mw, r.h}, UI_MUTED);
}

static void board_names(struct kiosk *k, const struct board_list *l, enum role_kind kind,
			char *out, size_t size)
{
	size_t n = 0;
	int w = str_fmt(out, size, "%s (%d): ", tr(k, KIND_PLURALS[kind]), l->count);
	if (w < 0)
		return;
	n = (size_t)w;
	if (l->count == 0) {
		str_fmt(out + n, size - n, "\xE2\x80\x94");
		return;
	}
	for (int i = 0; i < l->nnames; i++) {
		w = str_fmt(out + n, size - n, "%s%s", i ? ", " : "", l->names[i]);
		if (w < 0)
			return;
		n += (size_t)w;
	}
	if (l->count > l->nnames)
		str_fmt(out + n, size - n, ", \xE2\x80\xA6");
}

static void team_card(struct kiosk *k, const struct board_team *t, struct ui_rect r)
{
	struct ui *ui = &k->ui;
	ui_fill(ui, r, UI_PANEL);
	ui_fill(ui, ui_cut_left(&r, ui_px(ui, 5)), UI_ACCENT);
	struct ui_rect in = ui_inset(r, ui_px(ui, 6));
	/* A long team name ("Aarhus V og Brabrand") takes a second line rather than an ellipsis. */
	const char *name = t->name[0] ? t->name : tr(k, "No team");
	int rows = ui_text_w(ui, UI_BODY, 1, name) > in.w ? 2 : 1;
	struct ui_rect head = ui_cut_top(&in, ui_line_h(ui, UI_BODY) * rows);
	ui_text_wrapped(ui, name, head, UI_BODY, 1, UI_FG, UI_LEFT);
	ui_cut_top(&in, ui_px(ui, 2));
	/* Each kind gets a line, then the lines left go to the kinds whose names need them. */
	char names[3][BOARD_MAX_NAMES * (BOARD_NAME_MAX + 2) + 64];
	int lh = ui_line_h(ui, UI_SMALL), lines = in.h / lh, need[3], give[3] = {1, 1, 1};
	for (int kind = 0; kind < 3; kind++) {
		board_names(k, &t->kind[kind], (enum role_kind)kind, names[kind], sizeof(names[kind]));
		/* Wrapping at words costs some width: count 15 % more. */
		int64_t w = (int64_t)ui_text_w(ui, UI_SMALL, 0, names[kind]) * 115 / 100;
		need[kind] = in.w > 0 ? (int)((w + in.w - 1) / in.w) : 1;
	}
	for (int left = lines - 3; left > 0; left--) {
		int best = -1;
		for (int kind = 0; kind < 3; kind++)
			if (need[kind] > give[kind] && (best < 0 || need[kind] - give[kind] >
								      need[best] - give[best]))
				best = kind;
		if (best < 0)
			break;
		give[best]++;
	}
	for (int kind = 0; kind < 3; kind++) {
		struct ui_rect part = ui_cut_top(&in, give[kind] * lh);
		ui_text_wrapped(ui, names[kind], part, UI_SMALL, 0,
				t->kind[kind].count ? UI_FG : UI_MUTED, UI_LEFT);
	}
}

void screen_board(struct kiosk *k)
{
	struct signup_ui *s = k->signup;
	struct ui *ui = &k->ui;
	if (!s->opened || !k->store) {
		kiosk_go(k, SCREEN_IDLE);
		return;
	}
	int64_t now = clock_now(&k->clock);
	int fresh = s->board_last_frame != k->frames - 1;
	s->board_last_frame = k->frames;
	if (fresh) {
		s->board_page = 0;
		s->board_page_at = now;
	}
	/* Read again only when a commitment, a check-in or a person changed, here or elsewhere. */
	uint64_t v = event_version(k->event, EVENT_BIT(EVENT_COMMITMENTS) | EVENT_BIT(EVENT_CHECKINS) |
					       EVENT_BIT(EVENT_PEOPLE));
	if (fresh || v != s->board_seen) {
		s->board_seen = v;
		board_refresh(k);
	}

	struct ui_rect body;
	char title[512];
	str_fmt(title, sizeof(title), "%s" EM_DASH "%s", tr(k, "Board"), k->pack.title ? k->pack.title : "");
	if (screen_header(k, title, tr(k, "Back"), &body)) {
		kiosk_go(k, SCREEN_ORGANIZER);
		return;
	}
	if (!s->board_ok) {
		ui_text_wrapped(ui, s->board_error, body, UI_BODY, 0, UI_BAD, UI_LEFT);
		return;
	}
	const struct board *b = s->board;
	char line[256];
	str_fmt(line, sizeof(line), tr(k, "%d checked in, %d signed up"), b->checked_in, b->committed);
	ui_label(ui, line, ui_cut_top(&body, ui_line_h(ui, UI_SMALL)), UI_SMALL, 0, UI_MUTED, UI_LEFT);
	/* The two targets side by side. */
	int gap = ui_px(ui, 16);
	struct ui_rect bars = ui_cut_top(&body, ui_line_h(ui, UI_HEADING) + ui_px(ui, 26) +
					       ui_line_h(ui, UI_SMALL));
	target_bar(k, ui_col(bars, 0, 2, gap), &b->leaders, 1);
	target_bar(k, ui_col(bars, 1, 2, gap), &b->hosts, 0);
	ui_cut_top(&body, ui_px(ui, 12));

	/* The teams, and "No team" only when someone is in it. */
	int idx[PACK_MAX_TEAMS + 1], n = 0;
	for (int t = 0; t < b->nteams; t++) {
		const struct board_team *bt = &b->teams[t];
		if (t < b->nteams - 1 || bt->kind[0].count + bt->kind[1].count + bt->kind[2].count)
			idx[n++] = t;
	}
	if (n == 0)
		return;
	gap = ui_px(ui, 10);
	int max_cols = (body.w + gap) / (ui_px(ui, 185) + gap);
	int max_rows = (body.h + gap) / (ui_px(ui, 120) + gap);
	if (max_cols < 1)
		max_cols = 1;
	if (max_rows < 1)
		max_rows = 1;
	int pages = 1, rows, cols;
	if (n > max_cols * max_rows) {
		/* More teams than fit: a footer with the page and a button; pages also turn by
		 * themselves, since nobody taps a projector. */
		struct ui_rect foot = ui_cut_bottom(&body, ui_px(ui, 48));
		ui_cut_bottom(&body, ui_px(ui, 6));
		max_rows = (body.h + gap) / (ui_px(ui, 120) + gap);
		if (max_rows < 1)
			max_rows = 1;
		rows = max_rows;
		cols = max_cols;
		pages = (n + rows * cols - 1) / (rows * cols);
		struct ui_rect nb = ui_cut_right(&foot, ui_px(ui, 200));
		if (ui_button(ui, tr(k, "Next page"), nb, UI_SECONDARY) ||
		    now - s->board_page_at >= BOARD_PAGE_MS) {
			s->board_page = (s->board_page + 1) % pages;
			s->board_page_at = now;
		}
		kiosk_wake_at(k, s->board_page_at + BOARD_PAGE_MS);
		if (s->board_page >= pages)
			s->board_page = 0;
		str_fmt(line, sizeof(line), tr(k, "Teams, page %d of %d"), s->board_page + 1, pages);
		ui_label(ui, line, foot, UI_BODY, 0, UI_MUTED, UI_LEFT);
	} else {
		/* Few teams: as many rows as fit, then wide cards (names wrap less). */
		s->board_page = 0;
		rows = n < max_rows ? n : max_rows;
		cols = (n + rows - 1) / rows;
	}
	int per = rows * cols, first = s->board_page * per;
	for (int i = 0; i < per && first + i < n; i++) {
		struct ui_rect row = ui_row(body, i / cols, rows, gap);
		team_card(k, &b->teams[idx[first + i]], ui_col(row, i % cols, cols, gap));
	}
}
