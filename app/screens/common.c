#include "kiosk.h"
#include "agenda_seen.h"
#include "screens.h"
#include "store.h"
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

/* Lines text needs at width w; wrapped, with a tenth spare for where the words break. */
static int lines_for(struct ui *ui, enum ui_font f, int bold, const char *text, int w)
{
	int tw = ui_text_w(ui, f, bold, text);
	return tw <= w || w <= 0 ? 1 : tw * 11 / 10 / w + 1;
}

int screen_full_banner(struct kiosk *k, struct ui_rect *area)
{
	if (!k->store || !store_is_full(k->store))
		return 0;
	struct ui *ui = &k->ui;
	const char *what = tr(k, "Storage full: new check-ins and sign-ups are not being saved");
	const char *todo = tr(k, "Everything saved before is safe. Export to a USB stick now (Upload "
			      "and export), then free some space or use a larger card.");
	int pad = ui_px(ui, 10);
	int w = area->w - 2 * pad;
	int h1 = lines_for(ui, UI_BODY, 1, what, w) * ui_line_h(ui, UI_BODY);
	int h2 = lines_for(ui, UI_SMALL, 0, todo, w) * ui_line_h(ui, UI_SMALL);
	int h = h1 + ui_px(ui, 2) + h2 + 2 * pad;
	struct ui_rect banner = ui_cut_top(area, h);
	ui_fill(ui, banner, UI_BAD);
	struct ui_rect in = ui_inset(banner, pad);
	ui_text_wrapped(ui, what, ui_cut_top(&in, h1), UI_BODY, 1, UI_WHITE, UI_LEFT);
	ui_cut_top(&in, ui_px(ui, 2));
	ui_text_wrapped(ui, todo, in, UI_SMALL, 0, UI_WHITE, UI_LEFT);
	return h;
}

int screen_meeting_line(struct kiosk *k, char *line, size_t size)
{
	/* From the meeting log: at a door it was written by the stage and copied here. */
	struct agenda_seen v;
	if (!k->pack.nsegments || agenda_seen(k->store, k->pack.event_id, k->pack.nsegments, &v) < 0)
		return -1;
	char at[16] = "";
	switch (v.phase) {
	case SEEN_NOT_STARTED:
		if (!k->pack.starts_ms ||
		    pack_format_time(&k->pack, k->pack.starts_ms, "%H:%M", at, sizeof(at)) < 0)
			return -1;
		str_fmt(line, size, tr(k, "The meeting starts at %s."), at);
		break;
	case SEEN_RUNNING:
		str_fmt(line, size, tr(k, "Now: %s"), v.title);
		break;
	case SEEN_PAUSED:
		str_fmt(line, size, tr(k, "Paused: %s"), v.title);
		break;
	default:
		str_copy(line, size, tr(k, "The meeting has ended."));
		break;
	}
	return 0;
}
