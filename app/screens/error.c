#include "kiosk.h"
#include "screens.h"

/* Shown instead of exiting when the pack or the store is broken: the volunteer at the door sees
 * what is wrong and where, and the kiosk stays up (systemd would only restart it into the same
 * error). */
void screen_error(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct ui_rect body;
	screen_header(k, tr(k, "The kiosk cannot start"), NULL, &body);
	struct ui_rect foot = ui_cut_bottom(&body, ui_px(ui, 64));
	ui_label(ui, k->error_title, ui_cut_top(&body, ui_line_h(ui, UI_HEADING)), UI_HEADING, 1,
		 UI_BAD, UI_LEFT);
	ui_cut_top(&body, ui_px(ui, 8));
	for (int i = 0; i < k->nerror_lines; i++) {
		int used = ui_text_wrapped(ui, k->error_lines[i], body, UI_SMALL, 0, UI_FG, UI_LEFT);
		ui_cut_top(&body, used + ui_px(ui, 4));
		if (body.h < ui_line_h(ui, UI_SMALL))
			break;
	}
	struct ui_rect hint = foot;
	struct ui_rect again = ui_cut_right(&hint, ui_px(ui, 220));
	ui_text_wrapped(ui, tr(k, "Fix the event pack (check it with: barnstorm check PACK), then try again."),
			ui_inset(hint, ui_px(ui, 4)), UI_SMALL, 0, UI_MUTED, UI_LEFT);
	if (ui_button(ui, tr(k, "Try again"), again, UI_PRIMARY))
		kiosk_reload(k);
}
