/* Shared by the check-in screens' files only (checkin.c: the door's search, confirm and welcome;
 * walkin.c: the walk-in form; checkins.c: the organizer's view). Not for other screens. */
#ifndef BARNSTORM_SCREENS_CHECKIN_INT_H
#define BARNSTORM_SCREENS_CHECKIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "pack.h"
#include "screens/checkin.h"
#include "ui.h"

struct kiosk;

/* The pack's event id ("" without one) and the current language's code. */
const char *checkin_event_id(const struct kiosk *k);
const char *checkin_lang_code(const struct kiosk *k);
/* "Søren K." from a first name and a last initial. */
void checkin_short_name(const char *first, const char *initial, char *out, size_t size);
/* Logs what failed with err_msg() (never a name). */
void checkin_log_error(const char *what);
/* The keyboard layouts of the pack's languages; returns how many. */
int checkin_keyboard_langs(const struct kiosk *k, const char *langs[PACK_MAX_LANGS]);
/* Forgets what an attendee typed into the search. */
void checkin_search_reset(struct checkin_ui *c);
/* Moves to the welcome screen saying w (with the first name, or NULL). */
void checkin_show_welcome(struct kiosk *k, enum checkin_welcome w, const char *name);
/* Checks person_id in (committed before it returns) and shows the welcome. */
void checkin_person(struct kiosk *k, int64_t person_id, const char *method);
/* The search field, the results and the keyboard, shared by the attendee's search and the
 * organizer's "find someone". Returns the result row tapped, or -1; *enter is set when Enter was
 * pressed or tapped. */
int checkin_search_body(struct kiosk *k, struct ui_rect area, struct ui_rect field, ui_row_fn draw,
			int *enter);
/* Reads the roster import's state into roster_line for the organizer view. */
void checkin_roster_refresh(struct kiosk *k);
/* Opens the walk-in form (walkin.c). */
void checkin_walkin_begin(struct kiosk *k);

#endif
