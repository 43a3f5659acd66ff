#include "kiosk.h"
#include "screens.h"
#include "util.h"

#include <string.h>

static const char *const MONTHS[12] = {
	N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
	N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
};

int screen_header(struct kiosk *k, const char *title, const char *back_label, struct ui_rect *body)
{
	struct ui *ui = &k->ui;
	struct ui_rect all = {0, 0, ui->w, ui->h};
	struct ui_rect bar = ui_cut_top(&all, ui_px(ui, 64));
	ui_fill(ui, bar, UI_FG);
	struct ui_rect in = ui_inset(bar, ui_px(ui, 8));
	int back = 0;
	if (back_label) {
		struct ui_rect b = ui_cut_left(&in, ui_px(ui, 150));
		back = ui_button(ui, back_label, b, UI_SECONDARY) || ui_key(ui, UI_KEY_ESCAPE);
		ui_cut_left(&in, ui_px(ui, 12));
	}
	ui_label(ui, title, in, UI_HEADING, 1, UI_WHITE, UI_LEFT);
	*body = ui_inset(all, ui_px(ui, 16));
	return back;
}

void screen_event_when(struct kiosk *k, char *out, int size)
{
	const struct pack *p = &k->pack;
	char day[8], month[8], year[8], from[8], to[8];
	if (!p->starts_ms || pack_format_time(p, p->starts_ms, "%d", day, sizeof(day)) < 0) {
		out[0] = '\0';
		return;
	}
	pack_format_time(p, p->starts_ms, "%m", month, sizeof(month));
	pack_format_time(p, p->starts_ms, "%Y", year, sizeof(year));
	pack_format_time(p, p->starts_ms, "%H:%M", from, sizeof(from));
	pack_format_time(p, p->ends_ms, "%H:%M", to, sizeof(to));
	long d = 1, m = 1, y = 2000;
	str_to_int(day[0] == '0' ? day + 1 : day, 1, 31, &d);
	str_to_int(month[0] == '0' ? month + 1 : month, 1, 12, &m);
	str_to_int(year, 2000, 2100, &y);
	char date[64];
	/* TRANSLATORS: day, month name, year, e.g. "3 December 2026" */
	str_fmt(date, sizeof(date), tr(k, "%ld %s %ld"), d, tr(k, MONTHS[m - 1]), y);
	/* TRANSLATORS: date, start time, end time */
	str_fmt(out, (size_t)size, tr(k, "%s, %s\xE2\x80\x93%s"), date, from, to);
}
