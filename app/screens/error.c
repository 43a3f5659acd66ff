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
	/* With a good pack the store failed to open: most likely a full disk on the Pi's data
	 * partition, which deserves words a volunteer can act on rather than the pack's hint. */
	int store_failed = k->pack_ok && !k->store;
	int full = store_failed && k->store_full;
	const char *title = full ? tr(k, "The kiosk's storage is full") : k->error_title;
	const char *hint = full ? tr(k, "Everything saved before is safe. Free some space or use a larger "
				     "card, then tap \xE2\x80\x9CTry again\xE2\x80\x9D.")
		: store_failed ? tr(k, "Check the data folder named above, then try again.")
		: tr(k, "Fix the event pack (check it with: barnstorm check PACK), then try again.");
	struct ui_rect foot = ui_cut_bottom(&body, ui_px(ui, 64));
	ui_label(ui, title, ui_cut_top(&body, ui_line_h(ui, UI_HEADING)), UI_HEADING, 1, UI_BAD,
		 UI_LEFT);
	ui_cut_top(&body, ui_px(ui, 8));
	for (int i = 0; i < k->nerror_lines; i++) {
		int used = ui_text_wrapped(ui, k->error_lines[i], body, UI_SMALL, 0, UI_FG, UI_LEFT);
		ui_cut_top(&body, used + ui_px(ui, 4));
		if (body.h < ui_line_h(ui, UI_SMALL))
			break;
	}
	struct ui_rect hint_r = foot;
	struct ui_rect again = ui_cut_right(&hint_r, ui_px(ui, 220));
	ui_text_wrapped(ui, hint, ui_inset(hint_r, ui_px(ui, 4)), UI_SMALL, full, full ? UI_FG : UI_MUTED,
			UI_LEFT);
	if (ui_button(ui, tr(k, "Try again"), again, UI_PRIMARY))
		kiosk_reload(k);
}
