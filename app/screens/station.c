#include "kiosk.h"
#include "core/event.h"
#include "screens/screens.h"
#include "screens/station.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The screen's state: the choice being made, saved with "Save". */
struct station_ui {
	struct station edit;
	int64_t since;        /* k->screen_since when the edit was started */
	struct ui_keyboard kb;
	char msg[256];
	int msg_bad;
};

void station_open(struct kiosk *k)
{
	k->station = xcalloc(1, sizeof(*k->station));
}

void station_close(struct kiosk *k)
{
	free(k->station);
	k->station = NULL;
}

static const struct {
	const char *label;
	const char *what;
} ROLES[STATION_NROLES] = {
	[STATION_ALL] = {N_("Everything"), N_("The door, the meeting and sign-up on one kiosk.")},
	[STATION_DOOR] = {N_("Door"), N_("Check-in, walk-ins and the scanner.")},
	[STATION_STAGE] = {N_("Stage"), N_("The facilitator's timer and the projector.")},
	[STATION_SIGNUP] = {N_("Sign-up table"), N_("Commitments, the board and the printer.")},
};

void screen_station(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct station_ui *s = k->station;
	if (!k->event) {
		kiosk_go(k, SCREEN_IDLE);
		return;
	}
	if (s->since != k->screen_since) {
		/* Entered: start from what is kept. */
		s->since = k->screen_since;
		s->edit = *event_station(k->event);
		memset(&s->kb, 0, sizeof(s->kb));
		s->msg[0] = '\0';
	}
	struct ui_rect body;
	if (screen_header(k, tr(k, "This station"), tr(k, "Back"), &body)) {
		kiosk_go(k, SCREEN_ORGANIZER);
		return;
	}
	int gap = ui_px(ui, 10);
	ui_label(ui, tr(k, "What does this kiosk do in the room?"),
		 ui_cut_top(&body, ui_line_h(ui, UI_BODY)), UI_BODY, 1, UI_FG, UI_LEFT);
	ui_cut_top(&body, ui_px(ui, 6));
	/* The four roles, two by two, each with what it means. */
	int cell_h = ui_px(ui, 50) + ui_line_h(ui, UI_SMALL);
	struct ui_rect grid = ui_cut_top(&body, 2 * cell_h + gap);
	for (int i = 0; i < STATION_NROLES; i++) {
		struct ui_rect cell = ui_col(ui_row(grid, i / 2, 2, gap), i % 2, 2, gap);
		struct ui_rect b = ui_cut_top(&cell, ui_px(ui, 50));
		if (ui_button(ui, tr(k, ROLES[i].label), b,
			      (int)s->edit.role == i ? UI_SELECTED : UI_SECONDARY))
			s->edit.role = (enum station_role)i;
		ui_label(ui, tr(k, ROLES[i].what), cell, UI_SMALL, 0, UI_MUTED, UI_LEFT);
	}
	ui_cut_top(&body, gap);
	/* The name, so organizers can tell "Door 1" from "Door 2". */
	struct ui_rect row = ui_cut_top(&body, ui_px(ui, 52));
	struct ui_rect save = ui_cut_right(&row, ui_px(ui, 200));
	ui_cut_right(&row, gap);
	ui_text_field(ui, s->edit.name, tr(k, "Name, e.g. Door 2"), row, 1, 0);
	if (s->msg[0]) {
		ui_cut_top(&body, ui_px(ui, 4));
		ui_label(ui, s->msg, ui_cut_top(&body, ui_line_h(ui, UI_SMALL)), UI_SMALL, 1,
			 s->msg_bad ? UI_BAD : UI_OK, UI_LEFT);
	}
	ui_cut_top(&body, ui_px(ui, 6));
	const char *langs[PACK_MAX_LANGS];
	int nl = 0;
	for (int i = 0; i < k->pack.nlangs && i < PACK_MAX_LANGS; i++)
		langs[nl++] = k->pack.langs[i];
	/* A physical keyboard first, then the on-screen one. */
	ui_edit(ui, s->edit.name, sizeof(s->edit.name));
	int enter = ui_keyboard(ui, &s->kb, langs, nl, body, s->edit.name, sizeof(s->edit.name), 1,
				tr(k, "OK")) == 2;
	if (ui_button(ui, tr(k, "Save"), save, UI_PRIMARY) || enter) {
		if (event_set_station(k->event, &s->edit) < 0) {
			str_fmt(s->msg, sizeof(s->msg), tr(k, "Not saved: %s"), err_msg());
			s->msg_bad = 1;
		} else {
			s->edit = *event_station(k->event);
			str_copy(s->msg, sizeof(s->msg), tr(k, "Saved. The idle screen follows the role."));
			s->msg_bad = 0;
		}
	}
}
