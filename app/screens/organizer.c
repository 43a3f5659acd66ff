#include "kiosk.h"
#include "screens.h"
#include "util.h"

/* The organizer menu behind the PIN. It lists only what works; features add their entries. */
void screen_organizer(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct ui_rect body;
	if (screen_header(k, tr(k, "Organizer"), tr(k, "Lock"), &body)) {
		kiosk_reset_to_idle(k);
		return;
	}
	/* The pack's state in one line; a full disk matters more, and its banner takes the place. */
	if (!screen_full_banner(k, &body)) {
		char line[512];
		if (k->diags.warnings)
			str_fmt(line, sizeof(line),
				trn(k, "%s: ready, %d warning (see barnstorm check)",
				    "%s: ready, %d warnings (see barnstorm check)", k->diags.warnings),
				k->pack.title, k->diags.warnings);
		else
			str_fmt(line, sizeof(line), tr(k, "%s: ready"), k->pack.title);
		ui_label(ui, line, ui_cut_top(&body, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_MUTED,
			 UI_LEFT);
	}
	ui_cut_top(&body, ui_px(ui, 12));

	static const struct {
		const char *label;
		enum screen to;
	} entries[] = {
		{N_("Check-ins"), SCREEN_CHECKINS},
		{N_("Meeting"), SCREEN_FACILITATOR},
		{N_("Sign-up"), SCREEN_SIGNUP},
		{N_("Board"), SCREEN_BOARD},
		{N_("Upload and export"), SCREEN_RESULTS},
		{N_("This station"), SCREEN_STATION},
		{N_("Stations"), SCREEN_STATIONS},
	};
	int gap = ui_px(ui, 12);
	int n = (int)ARRAY_SIZE(entries) + 1;
	int rows = (n + 1) / 2;
	struct ui_rect grid = ui_cut_top(&body, rows * ui_px(ui, 84) + (rows - 1) * gap);
	for (int i = 0; i < n; i++) {
		struct ui_rect cell = ui_col(ui_row(grid, i / 2, rows, gap), i % 2, 2, gap);
		if (i == n - 1) {
			if (ui_button(ui, tr(k, "Back to check-in"), cell, UI_PRIMARY))
				kiosk_reset_to_idle(k);
		} else if (ui_button(ui, tr(k, entries[i].label), cell, UI_SECONDARY)) {
			kiosk_go(k, entries[i].to);
		}
	}
}
