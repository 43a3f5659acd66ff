#include "kiosk.h"
#include "core/event.h"
#include "screens.h"
#include "screens/checkin.h"
#include "screens/signup.h"
#include "util.h"

#include <string.h>

/* The meeting as the room sees it, in one line, for the door and the stage: what is on now. It
 * changes only when the agenda does (the event core redraws then), so no timed redraws. */
static void meeting_line(struct kiosk *k, struct ui_rect *mid)
{
	struct ui *ui = &k->ui;
	char line[300];
	if (screen_meeting_line(k, line, sizeof(line)) < 0)
		return;
	ui_label(ui, line, ui_cut_top(mid, ui_line_h(ui, UI_BODY)), UI_BODY, 1, UI_FG, UI_CENTER);
}

/* The idle screen follows the station's role (core/station.h): the door's "Check in" (all, door),
 * the stage's meeting, or the sign-up table. Idle means idle: nothing here changes with time, so
 * no timed redraws. */
void screen_idle(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	const struct pack *p = &k->pack;
	enum station_role role = k->event ? event_station(k->event)->role : STATION_ALL;
	struct ui_rect all = ui_inset((struct ui_rect){0, 0, ui->w, ui->h}, ui_px(ui, 16));
	/* A scanner's code is taken by the kiosk before any screen sees it (kiosk.c). */

	/* Top: language switch on the right. */
	struct ui_rect top = ui_cut_top(&all, ui_px(ui, 56));
	int n = p->nlangs;
	int bw = ui_px(ui, 130);
	struct ui_rect langs = ui_cut_right(&top, n * bw + (n - 1) * ui_px(ui, 8));
	for (int i = 0; i < n; i++) {
		struct ui_rect b = ui_col(langs, i, n, ui_px(ui, 8));
		if (ui_button(ui, i18n_name(p->langs[i]), b, i == k->lang ? UI_SELECTED : UI_SECONDARY))
			kiosk_set_lang(k, i);
	}

	/* Bottom: a quiet way in for organizers, and the station's name where it has one. */
	struct ui_rect bottom = ui_cut_bottom(&all, ui_px(ui, 56));
	if (ui_button(ui, tr(k, "Organizer"), ui_cut_left(&bottom, ui_px(ui, 200)), UI_QUIET))
		kiosk_require_pin(k, SCREEN_ORGANIZER);
	/* Packs that let attendees sign themselves up offer it beside the door (not at a door
	 * that only checks people in). */
	if (k->pack.self_service && role == STATION_ALL &&
	    ui_button(ui, tr(k, "Sign up"), ui_cut_right(&bottom, ui_px(ui, 240)), UI_SECONDARY))
		signup_begin_self_service(k);
	if (k->event && event_station(k->event)->name[0])
		ui_label(ui, event_station(k->event)->name, bottom, UI_SMALL, 0, UI_MUTED, UI_CENTER);

	/* Middle: the event and the station's big button. */
	struct ui_rect mid = all;
	ui_cut_top(&mid, ui_px(ui, 8));
	ui_label(ui, p->title ? p->title : "", ui_cut_top(&mid, ui_line_h(ui, UI_TITLE)), UI_TITLE, 1,
		 UI_FG, UI_CENTER);
	if (p->venue)
		ui_label(ui, p->venue, ui_cut_top(&mid, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_MUTED,
			 UI_CENTER);
	char when[128];
	screen_event_when(k, when, sizeof(when));
	ui_label(ui, when, ui_cut_top(&mid, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_MUTED, UI_CENTER);
	ui_cut_top(&mid, ui_px(ui, 20));
	struct ui_rect btn = ui_center(ui_cut_top(&mid, ui_px(ui, 110)), ui_px(ui, 440), ui_px(ui, 110));
	ui_cut_top(&mid, ui_px(ui, 12));
	switch (role) {
	case STATION_STAGE:
		if (ui_button(ui, tr(k, "Meeting"), btn, UI_PRIMARY))
			kiosk_require_pin(k, SCREEN_FACILITATOR);
		meeting_line(k, &mid);
		break;
	case STATION_SIGNUP: {
		struct ui_rect b1 = ui_col(btn, 0, 2, ui_px(ui, 12)), b2 = ui_col(btn, 1, 2, ui_px(ui, 12));
		if (ui_button(ui, tr(k, "Sign up"), b1, UI_PRIMARY))
			signup_begin_self_service(k);
		if (ui_button(ui, tr(k, "Board"), b2, UI_SECONDARY))
			kiosk_require_pin(k, SCREEN_BOARD);
		break;
	}
	default:
		if (ui_button(ui, tr(k, "Check in"), btn, UI_PRIMARY))
			checkin_begin(k);
		ui_label(ui, tr(k, "Welcome! Tap to check in."),
			 ui_cut_top(&mid, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_FG, UI_CENTER);
		/* A scanner works here without a tap: say so. */
		ui_label(ui, tr(k, "Or scan the code on your ticket."),
			 ui_cut_top(&mid, ui_line_h(ui, UI_SMALL)), UI_SMALL, 0, UI_MUTED, UI_CENTER);
		if (role == STATION_DOOR) {
			ui_cut_top(&mid, ui_px(ui, 8));
			meeting_line(k, &mid);
		}
		break;
	}
}
