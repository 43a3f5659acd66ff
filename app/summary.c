#include "summary.h"
#include "i18n.h"
#include "store.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Figures ---- */

#define WINDOW_BEFORE_MS (60 * 60 * 1000)
#define WINDOW_AFTER_MS (120 * 60 * 1000)

static int64_t floor_bin(int64_t ms)
{
	return ms - ((ms % SUMMARY_BIN_MS) + SUMMARY_BIN_MS) % SUMMARY_BIN_MS;
}

/* min(at), max(at) and count(*) of the check-ins standing now between lo and hi. */
static int span(struct store *s, const char *event, int64_t lo, int64_t hi, int64_t out[3])
{
	struct store_stmt *st = store_stmt(s,
		"SELECT min(at), max(at), count(*) FROM checkin WHERE event = ?1 AND undone_at IS NULL"
		" AND at BETWEEN ?2 AND ?3");
	if (!st)
		return -1;
	store_bind_text(st, 1, event);
	store_bind_int(st, 2, lo);
	store_bind_int(st, 3, hi);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		for (int i = 0; i < 3; i++)
			out[i] = store_col_int(st, i);
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* Arrivals: the check-ins standing now, by time. The bars span the arrivals inside the window
 * (a check-in tested at home the day before does not stretch the chart; it counts in the first
 * bar), then a second pass counts. */
static int read_arrivals(struct store *s, const struct pack *p, struct summary *out)
{
	const char *event = p->event_id ? p->event_id : "";
	int64_t lo = p->starts_ms - WINDOW_BEFORE_MS, hi = p->starts_ms + WINDOW_AFTER_MS - 1;
	int64_t all[3] = {0, 0, 0}, in[3] = {0, 0, 0};
	out->start_bin = -1;
	if (span(s, event, INT64_MIN, INT64_MAX, all) < 0 || span(s, event, lo, hi, in) < 0)
		return -1;
	if (all[2] == 0)
		return 0;
	int64_t first = in[0], last = in[1];
	if (in[2] == 0) /* everyone came outside the window: chart the edge they came nearest */
		first = last = all[1] < lo ? lo : hi;
	out->bins_from = floor_bin(first);
	int64_t bins = (floor_bin(last) - out->bins_from) / SUMMARY_BIN_MS + 1;
	if (bins > SUMMARY_MAX_BINS) {
		out->bins_from = floor_bin(last) - (SUMMARY_MAX_BINS - 1) * (int64_t)SUMMARY_BIN_MS;
		bins = SUMMARY_MAX_BINS;
	}
	out->nbins = (int)bins;
	if (p->starts_ms >= out->bins_from &&
	    p->starts_ms < out->bins_from + bins * SUMMARY_BIN_MS)
		out->start_bin = (int)((p->starts_ms - out->bins_from) / SUMMARY_BIN_MS);

	int rc;
	struct store_stmt *st;
	st = store_stmt(s, "SELECT at FROM checkin WHERE event = ?1 AND undone_at IS NULL");
	if (!st)
		return -1;
	store_bind_text(st, 1, event);
	while ((rc = store_step(st)) == STORE_ROW) {
		int64_t b = (store_col_int(st, 0) - out->bins_from) / SUMMARY_BIN_MS;
		if (store_col_int(st, 0) < out->bins_from || b < 0)
			b = 0;
		if (b >= bins)
			b = bins - 1;
		out->arrivals[b]++;
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	/* The first bar says when the chart starts; then the half hours, not closer than four
	 * bars to the label before (the labels must not run into each other). */
	for (int i = 0, labelled = -4; i < out->nbins; i++) {
		int64_t at = out->bins_from + (int64_t)i * SUMMARY_BIN_MS;
		char mm[4];
		out->bin_label[i][0] = '\0';
		int half = pack_format_time(p, at, "%M", mm, sizeof(mm)) == 0 &&
			   (!strcmp(mm, "00") || !strcmp(mm, "30"));
		if ((i == 0 || half) && i - labelled >= 4) {
			pack_format_time(p, at, "%H:%M", out->bin_label[i], sizeof(out->bin_label[i]));
			labelled = i;
		}
	}
	return 0;
}

int summary_read(struct store *s, const struct pack *p, struct summary *out)
{
	struct summary *sm = xcalloc(1, sizeof(*sm));
	struct board *b = xmalloc(sizeof(*b));
	int rc = -1;
	if (read_arrivals(s, p, sm) < 0 || teams_board(s, p, b) < 0)
		goto out;
	sm->checked_in = b->checked_in;
	sm->committed = b->committed;
	sm->leaders = b->leaders;
	sm->hosts = b->hosts;
	for (int t = 0; t < b->nteams && t <= PACK_MAX_TEAMS; t++) {
		const struct board_team *bt = &b->teams[t];
		int any = bt->kind[0].count + bt->kind[1].count + bt->kind[2].count;
		if (t == b->nteams - 1 && !any)
			continue; /* "no team" only when someone committed without one */
		struct summary_team *st = &sm->teams[sm->nteams++];
		st->name = bt->name;
		for (int k = 0; k < 3; k++)
			st->kind[k] = bt->kind[k].count;
	}
	*out = *sm;
	rc = 0;
out:
	free(b);
	free(sm);
	return rc;
}

/* ---- The picture ---- */

struct words {
	const struct i18n *t;
	int lang;
};

/* Named like the kiosk's tr() and trn() so xgettext (make pot) finds the strings. */
static const char *tr(const struct words *w, const char *msgid)
{
	return w->t ? i18n_get(w->t, w->lang, msgid) : msgid;
}

static const char *trn(const struct words *w, const char *one, const char *many, long n)
{
	return w->t ? i18n_nget(w->t, w->lang, one, many, n) : n == 1 ? one : many;
}

/* The colours of leads, hosts and members, as on the board. */
static const struct ui_color *const KIND_COLOR[3] = {&UI_ACCENT, &UI_OK, &UI_MUTED};
static const char *const KIND_NAME[3] = {N_("Leads"), N_("Hosts"), N_("Members")};

static void draw_arrivals(struct ui *ui, const struct summary *sm, struct ui_rect r,
			  const struct words *w)
{
	int lh = ui_line_h(ui, UI_SMALL);
	ui_label(ui, tr(w, "Arrivals per 5 minutes"), ui_cut_top(&r, ui_line_h(ui, UI_BODY)),
		 UI_BODY, 1, UI_FG, UI_LEFT);
	ui_cut_top(&r, ui_px(ui, 4));
	if (sm->nbins <= 0) {
		ui_text_wrapped(ui, tr(w, "Nobody has checked in yet."), r, UI_SMALL, 0, UI_MUTED,
				UI_LEFT);
		return;
	}
	struct ui_rect axis = ui_cut_bottom(&r, lh);
	ui_cut_top(&r, lh); /* room for the tallest bar's number */
	int max = 1;
	for (int i = 0; i < sm->nbins; i++)
		if (sm->arrivals[i] > max)
			max = sm->arrivals[i];
	/* A few bars stay bar-shaped: no wider than this, from the left. */
	int slot = r.w / sm->nbins;
	if (slot > ui_px(ui, 48))
		slot = ui_px(ui, 48);
	if (slot < 1)
		return;
	int gap = slot >= 6 ? ui_px(ui, 2) : 0;
	if (gap < 1 && slot >= 4)
		gap = 1;
	int x0 = r.x;
	char num[16];
	/* Every bar's number when they all fit above their bars, else only the peak's: numbers on
	 * some bars and not on others would read as if the others had none. */
	int all_fit = 1, peak = 0;
	for (int i = 0; i < sm->nbins; i++) {
		str_fmt(num, sizeof(num), "%d", sm->arrivals[i]);
		if (ui_text_w(ui, UI_SMALL, 0, num) > slot)
			all_fit = 0;
		if (sm->arrivals[i] > sm->arrivals[peak])
			peak = i;
	}
	for (int i = 0; i < sm->nbins; i++) {
		int x = x0 + i * slot;
		if (i == sm->start_bin) /* where the meeting starts: a line through the chart */
			ui_fill(ui, (struct ui_rect){x - 1, r.y - lh, ui_px(ui, 2), r.h + lh}, UI_WARN);
		int n = sm->arrivals[i];
		int h = n ? (int)((int64_t)r.h * n / max) : 0;
		if (n && h < 2)
			h = 2;
		if (h)
			ui_fill(ui, (struct ui_rect){x + gap / 2, r.y + r.h - h, slot - gap, h}, UI_ACCENT);
		str_fmt(num, sizeof(num), "%d", n);
		if (n && (all_fit || i == peak)) {
			int tw = ui_text_w(ui, UI_SMALL, 0, num);
			int tx = x + slot / 2 - tw / 2;
			if (tx < r.x)
				tx = r.x;
			ui_label(ui, num, (struct ui_rect){tx, r.y + r.h - h - lh, tw, lh}, UI_SMALL, 0,
				 UI_FG, UI_LEFT);
		}
		if (sm->bin_label[i][0]) {
			int tw = ui_text_w(ui, UI_SMALL, 0, sm->bin_label[i]);
			int lx = x - tw / 2;
			if (lx < axis.x)
				lx = axis.x;
			if (lx + tw > axis.x + axis.w)
				lx = axis.x + axis.w - tw;
			ui_label(ui, sm->bin_label[i], (struct ui_rect){lx, axis.y, tw, lh}, UI_SMALL, 0,
				 UI_MUTED, UI_LEFT);
		}
	}
	ui_fill(ui, (struct ui_rect){r.x, r.y + r.h, r.w, ui_px(ui, 1) > 0 ? ui_px(ui, 1) : 1},
		UI_LINE);
}

/* "Leaders 5 (target 8–15)" over a bar: filled to what we have, green from the target's lower
 * end, with ticks where the target range starts and ends. */
static void draw_target(struct ui *ui, const char *name, const struct board_target *t,
			struct ui_rect *r, const struct words *w)
{
	char line[160];
	if (t->min == t->max)
		/* TRANSLATORS: "Hosts: 1 (target 2)"; the name, how many, the target */
		str_fmt(line, sizeof(line), tr(w, "%s: %d (target %d)"), name, t->have, t->min);
	else
		/* TRANSLATORS: "Leaders: 5 (target 8–15)"; the name, how many, the range */
		str_fmt(line, sizeof(line), tr(w, "%s: %d (target %d\xE2\x80\x93%d)"), name,
			t->have, t->min, t->max);
	struct ui_color c = t->have >= t->min ? UI_OK : UI_WARN;
	ui_label(ui, line, ui_cut_top(r, ui_line_h(ui, UI_BODY)), UI_BODY, 1, UI_FG, UI_LEFT);
	struct ui_rect bar = ui_cut_top(r, ui_px(ui, 18));
	ui_fill(ui, bar, UI_BG);
	ui_frame_rect(ui, bar, 1, UI_LINE);
	int top = t->max > t->have ? t->max : t->have;
	top += top / 8 + 1;
	int fill = (int)((int64_t)bar.w * t->have / top);
	if (fill > 0)
		ui_fill(ui, (struct ui_rect){bar.x, bar.y, fill, bar.h}, c);
	int tick = ui_px(ui, 3) > 2 ? ui_px(ui, 3) : 2;
	int xs[2] = {bar.x + (int)((int64_t)bar.w * t->min / top),
		     bar.x + (int)((int64_t)bar.w * t->max / top)};
	for (int i = 0; i < 2; i++)
		ui_fill(ui, (struct ui_rect){xs[i] - tick / 2, bar.y - ui_px(ui, 3), tick,
					     bar.h + 2 * ui_px(ui, 3)}, UI_FG);
	ui_cut_top(r, ui_px(ui, 10));
}

static void draw_teams(struct ui *ui, const struct summary *sm, struct ui_rect r,
		       const struct words *w)
{
	int lh = ui_line_h(ui, UI_SMALL), gap = ui_px(ui, 6);
	ui_label(ui, tr(w, "Commitments per team"), ui_cut_top(&r, ui_line_h(ui, UI_BODY)), UI_BODY,
		 1, UI_FG, UI_LEFT);
	/* The legend: a swatch and a word per kind. */
	struct ui_rect legend = ui_cut_top(&r, lh);
	for (int k = 0; k < 3; k++) {
		struct ui_rect cell = ui_col(legend, k, 3, gap);
		int sw = lh * 2 / 3;
		ui_fill(ui, (struct ui_rect){cell.x, cell.y + (lh - sw) / 2, sw, sw}, *KIND_COLOR[k]);
		cell.x += sw + ui_px(ui, 4);
		cell.w -= sw + ui_px(ui, 4);
		ui_label(ui, tr(w, KIND_NAME[k]), cell, UI_SMALL, 0, UI_MUTED, UI_LEFT);
	}
	ui_cut_top(&r, ui_px(ui, 4));
	int max = 1;
	for (int t = 0; t < sm->nteams; t++) {
		int n = sm->teams[t].kind[0] + sm->teams[t].kind[1] + sm->teams[t].kind[2];
		if (n > max)
			max = n;
	}
	/* The names as wide as the longest needs, up to a little over half the row. */
	int name_w = 0;
	for (int t = 0; t < sm->nteams; t++) {
		const char *nm = sm->teams[t].name[0] ? sm->teams[t].name : tr(w, "No team");
		int tw = ui_text_w(ui, UI_SMALL, 0, nm) + ui_px(ui, 8);
		if (tw > name_w)
			name_w = tw;
	}
	if (name_w > r.w * 11 / 20)
		name_w = r.w * 11 / 20;
	int row_h = lh + ui_px(ui, 4);
	int rows = row_h > 0 ? r.h / row_h : 0;
	char num[16], more[64];
	for (int t = 0; t < sm->nteams && rows > 0; t++, rows--) {
		struct ui_rect row = ui_cut_top(&r, row_h);
		if (rows == 1 && t < sm->nteams - 1) {
			int left = sm->nteams - t;
			str_fmt(more, sizeof(more), trn(w, "and %d more team", "and %d more teams", left),
				left);
			ui_label(ui, more, row, UI_SMALL, 0, UI_MUTED, UI_LEFT);
			break;
		}
		const struct summary_team *st = &sm->teams[t];
		int n = st->kind[0] + st->kind[1] + st->kind[2];
		struct ui_rect name = ui_cut_left(&row, name_w);
		ui_label(ui, st->name[0] ? st->name : tr(w, "No team"), name, UI_SMALL, 0, UI_FG,
			 UI_LEFT);
		str_fmt(num, sizeof(num), "%d", n);
		struct ui_rect count = ui_cut_right(&row, ui_text_w(ui, UI_SMALL, 1, "0000"));
		ui_label(ui, num, count, UI_SMALL, 1, n ? UI_FG : UI_MUTED, UI_RIGHT);
		struct ui_rect bar = ui_inset(row, ui_px(ui, 2));
		int x = bar.x;
		for (int k = 0; k < 3; k++) {
			int wk = (int)((int64_t)bar.w * st->kind[k] / max);
			if (wk > 0)
				ui_fill(ui, (struct ui_rect){x, bar.y, wk, bar.h}, *KIND_COLOR[k]);
			x += wk;
		}
	}
}

void summary_draw(struct ui *ui, const struct summary *sm, struct ui_rect r,
		  const struct i18n *t, int lang)
{
	struct words w = {t, lang};
	char a[96], b[96], line[224];
	int gap = ui_px(ui, 16);
	str_fmt(a, sizeof(a), trn(&w, "%d checked in", "%d checked in", sm->checked_in),
		sm->checked_in);
	str_fmt(b, sizeof(b), trn(&w, "%d committed", "%d committed", sm->committed),
		sm->committed);
	str_fmt(line, sizeof(line), "%s \xC2\xB7 %s", a, b);
	ui_label(ui, line, ui_cut_top(&r, ui_line_h(ui, UI_HEADING)), UI_HEADING, 1, UI_FG, UI_LEFT);
	ui_cut_top(&r, ui_px(ui, 8));
	struct ui_rect left = ui_cut_left(&r, (r.w - gap) / 2);
	ui_cut_left(&r, gap);
	draw_arrivals(ui, sm, left, &w);
	draw_target(ui, tr(&w, "Leaders"), &sm->leaders, &r, &w);
	draw_target(ui, tr(&w, "Hosts"), &sm->hosts, &r, &w);
	draw_teams(ui, sm, r, &w);
}
