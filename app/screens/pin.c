#include "kiosk.h"
#include "screens.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* Lockout after three wrong PINs: 30 s, doubling each further miss, at most 15 minutes. The count
 * and the end of the lockout live in the store, so pulling the plug does not reset them. */
#define PIN_FREE_TRIES 3
#define PIN_LOCK_FIRST_MS 30000

static void save(struct kiosk *k)
{
	char v[64];
	if (!k->store)
		return;
	str_fmt(v, sizeof(v), "%d %lld", k->pin.fails, (long long)k->pin.locked_until);
	/* The lockout holds in memory either way; a restart would forget it, so say why. */
	if (store_meta_save(k->store, "pin_lock", v) < 0)
		fprintf(stderr, "barnstorm: the PIN lockout is not saved: %s\n", err_msg());
}

static int pin_equal(const char *a, const char *b)
{
	/* Constant time in the entered length, so timing says nothing about the digits. */
	size_t la = strlen(a), lb = strlen(b);
	unsigned diff = (unsigned)(la ^ lb);
	for (size_t i = 0; i < la; i++)
		diff |= (unsigned)(a[i] ^ b[i < lb ? i : 0]);
	return diff == 0;
}

static void check(struct kiosk *k)
{
	struct kiosk_pin *pin = &k->pin;
	int64_t now = clock_now(&k->clock);
	if (k->pack.pin && pin_equal(pin->entered, k->pack.pin)) {
		pin->fails = 0;
		pin->locked_until = 0;
		pin->wrong = 0;
		save(k);
		memset(pin->entered, 0, sizeof(pin->entered));
		kiosk_go(k, pin->then);
		return;
	}
	pin->fails++;
	pin->wrong = 1;
	memset(pin->entered, 0, sizeof(pin->entered));
	if (pin->fails >= PIN_FREE_TRIES) {
		int64_t lock = PIN_LOCK_FIRST_MS;
		for (int i = PIN_FREE_TRIES; i < pin->fails && lock < PIN_LOCK_MAX_MS; i++)
			lock *= 2;
		if (lock > PIN_LOCK_MAX_MS)
			lock = PIN_LOCK_MAX_MS;
		pin->locked_until = now + lock;
	}
	save(k);
}

void screen_pin(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct kiosk_pin *pin = &k->pin;
	struct ui_rect body;
	if (screen_header(k, tr(k, "Organizer PIN"), tr(k, "Cancel"), &body)) {
		memset(pin->entered, 0, sizeof(pin->entered));
		pin->wrong = 0;
		kiosk_go(k, SCREEN_IDLE);
		return;
	}
	int64_t now = clock_now(&k->clock);
	struct ui_rect msg = ui_cut_top(&body, ui_line_h(ui, UI_BODY));
	if (pin->locked_until > now) {
		int64_t left = (pin->locked_until - now + 999) / 1000;
		char text[128];
		str_fmt(text, sizeof(text), tr(k, "Too many wrong PINs. Try again in %lld:%02lld."),
			(long long)(left / 60), (long long)(left % 60));
		ui_label(ui, text, msg, UI_BODY, 1, UI_BAD, UI_CENTER);
		/* Redraw when the shown seconds change. */
		kiosk_wake_at(k, now + ((pin->locked_until - now - 1) % 1000) + 1);
		ui_input_clear(ui); /* no typing into a locked pad */
		return;
	}
	if (pin->wrong)
		ui_label(ui, tr(k, "Wrong PIN. Try again."), msg, UI_BODY, 1, UI_BAD, UI_CENTER);
	else
		ui_label(ui, tr(k, "Enter the organizer PIN"), msg, UI_BODY, 0, UI_FG, UI_CENTER);
	ui_cut_top(&body, ui_px(ui, 8));
	int w = ui_px(ui, 360);
	struct ui_rect pad = ui_center(body, w, body.h);
	int ok = 0;
	ui_pinpad(ui, pad, pin->entered, sizeof(pin->entered), &ok, tr(k, "OK"));
	if (ok && pin->entered[0])
		check(k);
}
