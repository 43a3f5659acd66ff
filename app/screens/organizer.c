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
	/* The pack's state in one line. */
	char line[512];
	if (k->diags.warnings)
		str_fmt(line, sizeof(line), trn(k, "%s: ready, %d warning (see barnstorm check)",
						"%s: ready, %d warnings (see barnstorm check)", k->diags.warnings),
			k->pack.title, k->diags.warnings);
	else
		str_fmt(line, sizeof(line), tr(k, "%s: ready"), k->pack.title);
	ui_label(ui, line, ui_cut_top(&body, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_MUTED, UI_LEFT);
	ui_cut_top(&body, ui_px(ui, 12));

	int gap = ui_px(ui, 12);
	struct ui_rect grid = ui_cut_top(&body, ui_px(ui, 200));
	struct ui_rect row0 = ui_row(grid, 0, 2, gap);
	if (ui_button(ui, tr(k, "Back to check-in"), ui_col(row0, 0, 2, gap), UI_PRIMARY))
		kiosk_reset_to_idle(k);
}
