/* Check-in: the walk-in form with consent (SCREEN_WALKIN). */
#include "kiosk.h"
#include "screens/checkin.h"
#include "screens/checkin_int.h"
#include "people.h"
#include "screens.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static struct checkin_ui *st(struct kiosk *k)
{
	return k->checkin;
}

/* ---- walk-in ---- */

static const char *const FIELD_LABEL[CHECKIN_NFIELDS] = {
	N_("First name"), N_("Last name"), N_("Email"), N_("Phone"), N_("Postcode"),
};

/* Which keyboard page and capitals suit a field. */
static int field_digits(int f)
{
	return f == CHECKIN_PHONE || f == CHECKIN_POSTCODE;
}

static int field_caps(int f)
{
	return f == CHECKIN_FIRST || f == CHECKIN_LAST;
}

static void walkin_focus(struct checkin_ui *c, int f)
{
	c->focus = f;
	c->kb.symbols = field_digits(f);
	c->kb.shift = 0;
	c->kb.email = f == CHECKIN_EMAIL; /* "@" and "." beside the letters */
}

/* Copies a typed word with its first letter capitalised ("soren" -> "Soren", "øst" -> "Øst"):
 * ASCII and the Latin-1 letters of the Nordic keyboards. */
static void cap_first(char *out, size_t size, const char *word)
{
	str_copy(out, size, word);
	unsigned char *u = (unsigned char *)out;
	if (u[0] >= 'a' && u[0] <= 'z')
		u[0] = (unsigned char)(u[0] - 'a' + 'A');
	else if (u[0] == 0xC3 && u[1] >= 0xA0 && u[1] <= 0xBE && u[1] != 0xB7)
		u[1] = (unsigned char)(u[1] - 0x20); /* à..þ -> À..Þ, not ÷ */
}

void checkin_walkin_begin(struct kiosk *k)
{
	struct checkin_ui *c = st(k);
	/* Back from the form and "I'm new" again: what was typed is still there. */
	for (int f = 0; f < CHECKIN_NFIELDS; f++)
		if (c->field[f][0]) {
			walkin_focus(c, c->focus);
			kiosk_go(k, SCREEN_WALKIN);
			return;
		}
	memset(c->field, 0, sizeof(c->field));
	memset(&c->errors, 0, sizeof(c->errors));
	c->step = 0;
	c->consent = 0;
	c->show_errors = 0;
	/* A name typed into the search is very likely the walk-in's name: keep the typing. */
	char words[2][PEOPLE_NAME_MAX];
	int n = 0;
	const char *p = c->query;
	while (*p && n < 2) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (!len)
			break;
		if (len >= PEOPLE_NAME_MAX)
			len = PEOPLE_NAME_MAX - 1;
		memcpy(words[n], p, len);
		words[n][len] = '\0';
		n++;
		p += strcspn(p, " ");
	}
	if (n > 0)
		cap_first(c->field[CHECKIN_FIRST], sizeof(c->field[0]), words[0]);
	if (n > 1)
		cap_first(c->field[CHECKIN_LAST], sizeof(c->field[0]), words[1]);
	checkin_search_reset(c);
	walkin_focus(c, n == 0 ? CHECKIN_FIRST : n == 1 ? CHECKIN_LAST : CHECKIN_EMAIL);
	kiosk_go(k, SCREEN_WALKIN);
}

static int has_consent_text(const struct kiosk *k)
{
	const char *t = pack_text_get(&k->pack, &k->pack.consent, checkin_lang_code(k));
	return k->pack.consent_version && *k->pack.consent_version && t && *t;
}

static struct people_walkin walkin_form(const struct kiosk *k)
{
	const struct checkin_ui *c = k->checkin;
	struct people_walkin w = {
		.first_name = c->field[CHECKIN_FIRST],
		.last_name = c->field[CHECKIN_LAST],
		.email = c->field[CHECKIN_EMAIL],
		.phone = c->field[CHECKIN_PHONE],
		.postcode = c->field[CHECKIN_POSTCODE],
		.lang = checkin_lang_code(k),
		.consent = c->consent && has_consent_text(k),
		.consent_version = k->pack.consent_version,
	};
	return w;
}

static const char *field_error(const struct people_walkin_errors *e, int f)
{
	switch (f) {
	case CHECKIN_FIRST: return e->first_name;
	case CHECKIN_LAST: return e->last_name;
	case CHECKIN_EMAIL: return e->email;
	case CHECKIN_PHONE: return e->phone;
	case CHECKIN_POSTCODE: return e->postcode;
	default: return NULL;
	}
}

static int walkin_validate(struct kiosk *k)
{
	struct checkin_ui *c = st(k);
	struct people_walkin w = walkin_form(k);
	return people_walkin_validate(&w, &c->errors);
}

static void walkin_submit(struct kiosk *k)
{
	struct checkin_ui *c = st(k);
	struct people_walkin w = walkin_form(k);
	struct people_walkin_errors e;
	struct people_walkin_result r;
	int rc = people_walkin(k->store, &k->clock, checkin_event_id(k), &w, &e, &r);
	if (rc == 1) {
		/* E.g. consent given but no way to contact: back to the fields, with the messages. */
		c->errors = e;
		c->show_errors = 1;
		c->step = 0;
		for (int f = 0; f < CHECKIN_NFIELDS; f++) {
			if (field_error(&e, f)) {
				walkin_focus(c, f);
				break;
			}
		}
		k->dirty = 1;
		return;
	}
	if (rc < 0) {
		checkin_log_error("walk-in registration");
		memset(c->field, 0, sizeof(c->field));
		checkin_show_welcome(k, CHECKIN_WELCOME_FAILED, NULL);
		return;
	}
	/* Committed: the welcome may be drawn. The stored first name wins for a known person. */
	struct people_result p;
	char name[PEOPLE_NAME_MAX];
	str_copy(name, sizeof(name), c->field[CHECKIN_FIRST]);
	str_trim(name);
	if (r.merged && people_get(k->store, checkin_event_id(k), r.person_id, &p) == 1 && p.first_name[0])
		str_copy(name, sizeof(name), p.first_name);
	memset(c->field, 0, sizeof(c->field));
	c->consent = 0;
	checkin_show_welcome(k, r.already ? CHECKIN_WELCOME_ALREADY :
		   r.merged ? CHECKIN_WELCOME_OK : CHECKIN_WELCOME_NEW, name);
}

/* "Next" on the details: to the consent step, or straight to check-in without a consent text. */
static void walkin_next(struct kiosk *k)
{
	struct checkin_ui *c = st(k);
	if (walkin_validate(k) > 0) {
		c->show_errors = 1;
		for (int f = 0; f < CHECKIN_NFIELDS; f++) {
			if (field_error(&c->errors, f)) {
				walkin_focus(c, f);
				break;
			}
		}
		return;
	}
	if (has_consent_text(k)) {
		c->step = 1;
		k->dirty = 1;
	} else {
		walkin_submit(k);
	}
}

static void walkin_details(struct kiosk *k, struct ui_rect area)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	int gap = ui_px(ui, 8);
	int changed = 0, enter = 0, next_field = 0;

	/* A physical keyboard types into the focused field; Tab moves on, Enter is "Next". */
	changed |= ui_edit(ui, c->field[c->focus], sizeof(c->field[0]));
	if (ui_key(ui, UI_KEY_TAB))
		next_field = 1;
	if (ui_key(ui, UI_KEY_ENTER))
		enter = 1;
	struct ui_rect kb = ui_cut_bottom(&area, ui_px(ui, 196));
	ui_cut_bottom(&area, gap);
	const char *langs[PACK_MAX_LANGS];
	int nl = checkin_keyboard_langs(k, langs);
	int kr = ui_keyboard(ui, &c->kb, langs, nl, kb, c->field[c->focus], sizeof(c->field[0]),
			     field_caps(c->focus), "\xE2\x86\xB5"); /* ↵: next field */
	if (kr == 1)
		changed = 1;
	else if (kr == 2)
		enter = 1;
	if (changed && c->show_errors)
		walkin_validate(k);

	/* Two rows of three: names and postcode, then email, phone and the button. Above each
	 * field its label, or in red what is wrong with it. */
	static const int order[2][3] = {
		{CHECKIN_FIRST, CHECKIN_LAST, CHECKIN_POSTCODE},
		{CHECKIN_EMAIL, CHECKIN_PHONE, -1},
	};
	int field_h = ui_px(ui, 48);
	int label_h = 2 * ui_line_h(ui, UI_SMALL);
	int block = label_h + field_h;
	int top = area.y + (area.h - 2 * block - gap) / 2;
	if (top < area.y)
		top = area.y;
	int tapped_field = -1, next = 0;
	for (int row = 0; row < 2; row++) {
		struct ui_rect line = {area.x, top + row * (block + gap), area.w, block};
		for (int col = 0; col < 3; col++) {
			struct ui_rect cell = ui_col(line, col, 3, gap);
			struct ui_rect lab = ui_cut_top(&cell, label_h);
			int f = order[row][col];
			if (f < 0) {
				next = ui_button(ui, has_consent_text(k) ? tr(k, "Next") : tr(k, "Check in"),
						 cell, UI_PRIMARY);
				continue;
			}
			const char *err = c->show_errors ? field_error(&c->errors, f) : NULL;
			if (err) {
				ui_text_wrapped(ui, tr(k, err), lab, UI_SMALL, 1, UI_BAD, UI_LEFT);
			} else {
				struct ui_rect l = lab;
				ui_label(ui, tr(k, FIELD_LABEL[f]), ui_cut_bottom(&l, ui_line_h(ui, UI_SMALL)),
					 UI_SMALL, 1, UI_MUTED, UI_LEFT);
			}
			if (ui_text_field(ui, c->field[f], tr(k, FIELD_LABEL[f]), cell, f == c->focus, 0))
				tapped_field = f;
			if (err && f != c->focus)
				ui_frame_rect(ui, cell, ui_px(ui, 2), UI_BAD);
		}
	}
	if (tapped_field >= 0) {
		walkin_focus(c, tapped_field);
		return;
	}
	if (next) {
		walkin_next(k);
		return;
	}
	if (enter || next_field) {
		/* Enter moves through the fields in their order on screen, then on to the next step. */
		static const int seq[] = {CHECKIN_FIRST, CHECKIN_LAST, CHECKIN_POSTCODE, CHECKIN_EMAIL,
					  CHECKIN_PHONE};
		int i = 0;
		while (i < CHECKIN_NFIELDS && seq[i] != c->focus)
			i++;
		if (i + 1 < CHECKIN_NFIELDS)
			walkin_focus(c, seq[i + 1]);
		else if (enter)
			walkin_next(k);
		else
			walkin_focus(c, seq[0]);
	}
}

static void walkin_consent(struct kiosk *k, struct ui_rect area)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	int gap = ui_px(ui, 12);
	struct ui_rect btns = ui_cut_bottom(&area, ui_px(ui, 72));
	ui_cut_bottom(&area, gap);
	ui_label(ui, tr(k, "May we keep in touch?"), ui_cut_top(&area, ui_line_h(ui, UI_HEADING)),
		 UI_HEADING, 1, UI_FG, UI_LEFT);
	ui_cut_top(&area, ui_px(ui, 8));
	/* The note and the box at the bottom, the pack's text in what is left. */
	struct ui_rect note = ui_cut_bottom(&area, 2 * ui_line_h(ui, UI_SMALL));
	ui_cut_bottom(&area, ui_px(ui, 4));
	struct ui_rect box = ui_cut_bottom(&area, ui_px(ui, 52));
	ui_cut_bottom(&area, ui_px(ui, 8));
	ui_fill(ui, area, UI_PANEL);
	ui_text_wrapped(ui, pack_text_get(&k->pack, &k->pack.consent, checkin_lang_code(k)),
			ui_inset(area, ui_px(ui, 12)), UI_BODY, 0, UI_FG, UI_LEFT);
	if (ui_checkbox(ui, tr(k, "Yes, I agree"), c->consent, box))
		c->consent = !c->consent;
	ui_text_wrapped(ui, tr(k, "Without a tick we keep only your first name and last initial, "
				  "to count who came."), note, UI_SMALL, 0, UI_MUTED, UI_LEFT);
	struct ui_rect go = ui_cut_right(&btns, ui_px(ui, 300));
	if (ui_button(ui, tr(k, "Check in"), go, UI_PRIMARY) || ui_key(ui, UI_KEY_ENTER))
		walkin_submit(k);
}

void screen_walkin(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct checkin_ui *c = st(k);
	struct ui_rect body;
	if (!k->store) {
		kiosk_go(k, SCREEN_IDLE);
		return;
	}
	const char *title = c->step == 0 ? tr(k, "I'm new: your details") : tr(k, "I'm new: consent");
	if (screen_header(k, title, tr(k, "Back"), &body)) {
		if (c->step == 1) {
			c->step = 0;
			k->dirty = 1;
		} else {
			/* Back to the search, keeping the form: "I'm new" brings it back. */
			kiosk_go(k, SCREEN_SEARCH);
		}
		return;
	}
	/* Below the bar with a narrower margin than screen_header's: the form and the keyboard
	 * need the room at 800x480. */
	int top = ui_px(ui, 64);
	struct ui_rect area = ui_inset((struct ui_rect){0, top, ui->w, ui->h - top}, ui_px(ui, 8));
	if (c->step == 0)
		walkin_details(k, area);
	else
		walkin_consent(k, ui_inset(area, ui_px(ui, 8)));
}
