#include "kiosk.h"
#include "screens.h"
#include "util.h"

#include <string.h>
#include <time.h>

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
	if (!p->starts_ms) {
		out[0] = '\0';
		return;
	}
	struct tm start;
	char from[8], to[8];
	pack_local_time(p, p->starts_ms, &start);
	pack_format_time(p, p->starts_ms, "%H:%M", from, sizeof(from));
	pack_format_time(p, p->ends_ms, "%H:%M", to, sizeof(to));
	char date[64];
	/* TRANSLATORS: day, month name, year, e.g. "3 December 2026" */
	str_fmt(date, sizeof(date), tr(k, "%ld %s %ld"), (long)start.tm_mday, tr(k, MONTHS[start.tm_mon]),
		(long)start.tm_year + 1900);
	/* TRANSLATORS: date, start time, end time */
	str_fmt(out, (size_t)size, tr(k, "%s, %s\xE2\x80\x93%s"), date, from, to);
}
