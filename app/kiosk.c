#include "kiosk.h"
#include "agenda.h"
#include "check.h"
#include "cli.h"
#include "commands.h"
#include "core/event.h"
#include "display.h"
#include "platform.h"
#include "render.h"
#include "screen.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* The longest the loop sleeps: it wakes to ping the systemd watchdog (no redraw). */
#define MAX_SLEEP_MS 5000

void kiosk_fail(struct kiosk *k, const char *title)
{
	str_copy(k->error_title, sizeof(k->error_title), title);
	k->nerror_lines = 0;
	diags_sort(&k->diags);
	for (int i = 0; i < k->diags.n && k->nerror_lines < KIOSK_ERROR_LINES; i++) {
		if (k->diags.items[i].level != DIAG_ERROR)
			continue;
		diag_format(&k->diags.items[i], k->error_lines[k->nerror_lines++], sizeof(k->error_lines[0]));
	}
	kiosk_go(k, SCREEN_ERROR);
}

static void fail_with(struct kiosk *k, const char *title, const char *line)
{
	str_copy(k->error_title, sizeof(k->error_title), title);
	str_copy(k->error_lines[0], sizeof(k->error_lines[0]), line);
	k->nerror_lines = 1;
	kiosk_go(k, SCREEN_ERROR);
}

static void load_pin_lock(struct kiosk *k)
{
	char v[64];
	long long until = 0;
	int fails = 0;
	if (store_meta_get(k->store, "pin_lock", v, sizeof(v)) == 0 && v[0] &&
	    sscanf(v, "%d %lld", &fails, &until) == 2) {
		k->pin.fails = fails;
		k->pin.locked_until = until;
		/* Stored on the clock of its time: after the clock was set back (a restart across a
		 * network time fix) a lockout never lasts longer than the longest one. */
		int64_t now = clock_now(&k->clock);
		if (until > now + PIN_LOCK_MAX_MS)
			k->pin.locked_until = now + PIN_LOCK_MAX_MS;
	}
}

/* `barnstorm export` without --pack finds the pack this data folder was last used with. */
static void remember_pack(struct kiosk *k)
{
	char *abs = realpath(k->pack_dir, NULL);
	if (!abs)
		return;
	if (store_meta_save(k->store, "pack_dir", abs) < 0)
		fprintf(stderr, "barnstorm: cannot remember the pack folder: %s\n", err_msg());
	free(abs);
}

/* The event core's notify: any thread. The loop sees the flag or the display's wake-up. */
static void event_changed(void *ctx)
{
	struct kiosk *k = ctx;
	k->changed = 1;
	if (k->display)
		display_wake();
}

static void load(struct kiosk *k)
{
	diags_init(&k->diags);
	k->pack_ok = pack_load(k->pack_dir, &k->pack, &k->diags) == 0;
	if (k->pack_ok) {
		check_pack(&k->pack, &k->diags, 0);
		k->pack_ok = k->diags.errors == 0;
	}
	const char *codes[PACK_MAX_LANGS];
	for (int i = 0; i < k->pack.nlangs; i++)
		codes[i] = k->pack.langs[i];
	k->i18n = i18n_open(paths_locale(), codes, k->pack.nlangs);
	k->default_lang = 0;
	if (k->opt_lang[0]) {
		int li = pack_lang_index(&k->pack, k->opt_lang);
		if (li >= 0)
			k->default_lang = li;
	}
	k->lang = k->default_lang;
	if (k->clock.fake && k->clock.fake_ms == 0)
		clock_init_fake(&k->clock, k->pack.starts_ms ? k->pack.starts_ms - 30 * 60 * 1000
							     : 1796310000000LL);
	if (!k->pack_ok) {
		kiosk_fail(k, tr(k, "The event pack has errors"));
		return;
	}
	char roster[1200];
	str_fmt(roster, sizeof(roster), "%s/roster.csv", k->pack.dir ? k->pack.dir : k->pack_dir);
	struct event_opts eo = {
		.pack = &k->pack,
		.data_dir = k->data_dir,
		.clock = &k->clock,
		.i18n = k->i18n,
		.notify = event_changed,
		.notify_ctx = k,
		.roster_path = roster,
		/* The kiosk opens at once and imports in the background; scripts and tests (on a
		 * fake clock) want the roster there before their first line. */
		.import_now = k->clock.fake,
	};
	/* Whether the disk is full is asked once here, not by the error screen on every frame. */
	k->event = event_open(&eo, &k->store_full);
	if (!k->event) {
		fail_with(k, tr(k, "The data folder cannot be used"), err_msg());
		return;
	}
	k->store = event_store(k->event);
	load_pin_lock(k);
	remember_pack(k);
	for (int i = 0; FEATURE_DEFS[i]; i++)
		FEATURE_DEFS[i]->open(k);
	k->features_open = 1;
	kiosk_go(k, SCREEN_IDLE);
}

void kiosk_init(struct kiosk *k, const struct kiosk_opts *o)
{
	memset(k, 0, sizeof(*k));
	str_copy(k->pack_dir, sizeof(k->pack_dir), o->pack_dir);
	str_copy(k->data_dir, sizeof(k->data_dir), o->data_dir);
	if (o->lang)
		str_copy(k->opt_lang, sizeof(k->opt_lang), o->lang);
	if (o->fake_clock)
		clock_init_fake(&k->clock, o->fake_start_ms);
	else
		clock_init_real(&k->clock);
	ui_init(&k->ui, NULL, NULL);
	load(k);
	k->dirty = 1;
}

static void unload(struct kiosk *k)
{
	if (k->features_open) {
		int n = 0;
		while (FEATURE_DEFS[n])
			n++;
		while (n-- > 0)
			FEATURE_DEFS[n]->close(k);
		k->features_open = 0;
	}
	event_close(k->event);
	k->event = NULL;
	k->store = NULL;
	i18n_close(k->i18n);
	k->i18n = NULL;
	pack_release(&k->pack);
	diags_release(&k->diags);
}

void kiosk_release(struct kiosk *k)
{
	unload(k);
	free(k->ui2);
	k->ui2 = NULL;
}

void kiosk_reload(struct kiosk *k)
{
	unload(k);
	load(k);
	k->dirty = 1;
}

void kiosk_attach(struct kiosk *k, struct display *d, struct render *r)
{
	k->display = d;
	k->render = r;
	k->ui.measure = render_measure;
	k->ui.measure_ctx = r;
	k->dirty = 1;
}

void kiosk_attach_audience(struct kiosk *k, struct display *d, struct render *r)
{
	k->display2 = d;
	k->render2 = r;
	if (!k->ui2)
		k->ui2 = xmalloc(sizeof(*k->ui2));
	ui_init(k->ui2, render_measure, r);
	k->dirty = 1;
}

void kiosk_go(struct kiosk *k, enum screen s)
{
	k->screen = s;
	k->screen_since = clock_now(&k->clock);
	k->dirty = 1;
}

void kiosk_wake_at(struct kiosk *k, int64_t ms)
{
	if (!k->wake_at || ms < k->wake_at)
		k->wake_at = ms;
}

void kiosk_require_pin(struct kiosk *k, enum screen then)
{
	memset(k->pin.entered, 0, sizeof(k->pin.entered));
	k->pin.wrong = 0;
	k->pin.then = then;
	kiosk_go(k, SCREEN_PIN);
}

void kiosk_set_lang(struct kiosk *k, int lang)
{
	if (lang >= 0 && lang < k->pack.nlangs)
		k->lang = lang;
	k->dirty = 1;
}

void kiosk_reset_to_idle(struct kiosk *k)
{
	/* The attendee is done or gone: nothing they typed stays in memory for the next one. */
	for (int i = 0; k->features_open && FEATURE_DEFS[i]; i++)
		if (FEATURE_DEFS[i]->forget)
			FEATURE_DEFS[i]->forget(k);
	k->lang = k->default_lang;
	kiosk_go(k, SCREEN_IDLE);
}

/* ---- a barcode scanner is a keyboard ----
 * A USB scanner types its code and Enter within a few milliseconds a character; a person types
 * far slower. Typed text is held back for KIOSK_SCAN_GAP_MS before the screen gets it: text that
 * ends in Enter while still held, at least KIOSK_SCAN_MIN characters typed that fast, is a scan,
 * handed to the feature that takes scans (check-in) on the screens that take them, and never
 * typed into the field that has focus. Anything else reaches the screen as typed. */

void kiosk_typed(struct kiosk *k)
{
	if (!k->held[0])
		return;
	ui_input_text(&k->ui, k->held);
	k->held[0] = '\0';
	k->held_chars = 0;
	k->dirty = 1;
}

static void hold_text(struct kiosk *k, const char *text)
{
	int64_t now = clock_mono(&k->clock);
	if (k->held[0] && now - k->held_last > KIOSK_SCAN_GAP_MS)
		kiosk_typed(k);
	size_t have = strlen(k->held), add = strlen(text);
	if (have + add >= sizeof(k->held)) {
		kiosk_typed(k); /* longer than any code: typing, or a scanner gone mad */
		have = 0;
		if (add >= sizeof(k->held)) {
			ui_input_text(&k->ui, text);
			k->dirty = 1;
			return;
		}
	}
	memcpy(k->held + have, text, add + 1);
	for (const char *p = text; *p;) {
		utf8_next(&p);
		k->held_chars++;
	}
	k->held_last = now;
	/* Wake to hand it over if nothing follows. */
	kiosk_wake_at(k, clock_now(&k->clock) + KIOSK_SCAN_GAP_MS + 1);
}

/* Enter: 1 when it ended a scanner's burst (handled), 0 when it is a key for the screen. */
static int scan_enter(struct kiosk *k)
{
	int64_t now = clock_mono(&k->clock);
	int burst = k->held[0] && k->held_chars >= KIOSK_SCAN_MIN && now - k->held_last <= KIOSK_SCAN_GAP_MS;
	/* The door's screens take scans, on the stations that are a door. */
	int door = k->event && station_is_door(event_station(k->event)->role);
	if (!burst || !SCREEN_DEFS[k->screen].scans || !k->features_open || !door) {
		kiosk_typed(k);
		return 0;
	}
	char code[sizeof(k->held)];
	str_copy(code, sizeof(code), k->held);
	k->held[0] = '\0';
	k->held_chars = 0;
	for (int i = 0; FEATURE_DEFS[i]; i++)
		if (FEATURE_DEFS[i]->scan) {
			FEATURE_DEFS[i]->scan(k, code);
			break;
		}
	k->last_input = clock_now(&k->clock);
	k->dirty = 1;
	return 1;
}

void kiosk_event(struct kiosk *k, const struct display_event *ev)
{
	struct ui *ui = &k->ui;
	if (ev->kind == DISPLAY_TEXT) {
		hold_text(k, ev->text);
		k->last_input = clock_now(&k->clock);
		return;
	}
	if (ev->kind == DISPLAY_KEY && ev->key == UI_KEY_ENTER && scan_enter(k))
		return;
	if (ev->kind != DISPLAY_POINTER_MOVE && ev->kind != DISPLAY_WAKE && ev->kind != DISPLAY_NONE)
		kiosk_typed(k); /* a tap or a key after typing: the typing comes first */
	switch (ev->kind) {
	case DISPLAY_POINTER_DOWN:
		ui->pointer_x = ev->x;
		ui->pointer_y = ev->y;
		ui->pointer_down = 1;
		ui->pointer_pressed = 1;
		break;
	case DISPLAY_POINTER_UP:
		ui->pointer_x = ev->x;
		ui->pointer_y = ev->y;
		ui->pointer_down = 0;
		ui->pointer_released = 1;
		break;
	case DISPLAY_POINTER_MOVE:
		ui->pointer_x = ev->x;
		ui->pointer_y = ev->y;
		return; /* no hover states: nothing to redraw */
	case DISPLAY_TEXT:
		ui_input_text(ui, ev->text);
		break;
	case DISPLAY_KEY:
		ui_input_key(ui, ev->key, ev->ch);
		break;
	case DISPLAY_QUIT:
		k->quit = 1;
		return;
	case DISPLAY_RESIZE:
	case DISPLAY_EXPOSE:
	case DISPLAY_WAKE:
	case DISPLAY_NONE:
		break;
	}
	k->last_input = clock_now(&k->clock);
	k->dirty = 1;
}

/* Screens an attendee leaves behind go back to idle; organizer screens lock. The facilitator's
 * screen, the audience view and the board stay up: they are meant to run unattended. Returns 1
 * when an attendee's screen is in its last KIOSK_STILL_THERE_MS: the frame asks "Still there?"
 * before what they typed is wiped. */
static int idle_timeout(struct kiosk *k)
{
	int64_t limit;
	enum screen_stay stay = SCREEN_DEFS[k->screen].stay;
	switch (stay) {
	case SCREEN_ATTENDEE:
		limit = KIOSK_ATTENDEE_IDLE_MS;
		break;
	case SCREEN_ORGANIZER_LOCK:
		limit = KIOSK_ORGANIZER_IDLE_MS;
		break;
	default:
		return 0;
	}
	int64_t since = k->last_input > k->screen_since ? k->last_input : k->screen_since;
	int64_t now = clock_now(&k->clock);
	if (now - since >= limit) {
		kiosk_reset_to_idle(k);
		return 0;
	}
	kiosk_wake_at(k, since + limit);
	if (stay != SCREEN_ATTENDEE)
		return 0;
	if (now < since + limit - KIOSK_STILL_THERE_MS) {
		kiosk_wake_at(k, since + limit - KIOSK_STILL_THERE_MS);
		return 0;
	}
	kiosk_wake_at(k, now + 1000 - (now - since) % 1000); /* the seconds left, counting down */
	return 1;
}

/* The question over an attendee's screen before the timeout wipes it. */
static void still_there(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	int64_t since = k->last_input > k->screen_since ? k->last_input : k->screen_since;
	int64_t left = (since + KIOSK_ATTENDEE_IDLE_MS - clock_now(&k->clock) + 999) / 1000;
	char q[256];
	str_fmt(q, sizeof(q), tr(k, "Still there? Starting over in %lld seconds."), (long long)left);
	int a = ui_confirm(ui, q, tr(k, "Yes, I'm here"), tr(k, "Start over"));
	ui->modal_depth = 0;
	if (a == 1) {
		k->last_input = clock_now(&k->clock);
		k->dirty = 1;
	} else if (a == 0) {
		kiosk_reset_to_idle(k);
	}
}

/* The projector's frame: the audience view, drawn with its own UI state and renderer. */
static void audience_frame(struct kiosk *k)
{
	struct ui *ui = k->ui2;
	int w, h;
	display_size(k->display2, &w, &h);
	display_begin(k->display2);
	ui_begin(ui, w, h);
	/* Fonts that cannot be reopened at a new scale keep the old ones: never exit at the door. */
	if (render_set_scale(k->render2, ui->scale) < 0)
		fprintf(stderr, "barnstorm: audience view: %s\n", err_msg());
	screens_projector(k, ui);
	ui_end(ui);
	render_frame(k->render2, ui, UI_BLACK);
	display_present(k->display2);
	ui_input_clear(ui);
}

static void frame_once(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	int w = 800, h = 480;
	if (k->display)
		display_size(k->display, &w, &h);
	if (k->display)
		display_begin(k->display);
	k->wake_at = 0;
	if (k->held[0]) /* typed text waiting to be handed over (hold_text) */
		kiosk_wake_at(k, clock_now(&k->clock) + k->held_last + KIOSK_SCAN_GAP_MS + 1 -
				 clock_mono(&k->clock));
	ui_begin(ui, w, h);
	if (k->render && render_set_scale(k->render, ui->scale) < 0)
		fprintf(stderr, "barnstorm: %s\n", err_msg());
	int ask = idle_timeout(k);
	enum screen shown = k->screen;
	if (ask)
		ui->modal_depth = 1; /* the screen behind the question takes no taps */
	SCREEN_DEFS[k->screen].ui(k);
	if (ask && k->screen == shown)
		still_there(k);
	ui->modal_depth = 0;
	ui_end(ui);
	if (k->render && !k->skip_render)
		render_frame(k->render, ui, UI_BG);
	if (k->display && !k->skip_render)
		display_present(k->display);
	ui_input_clear(ui);
	k->frames++;
	if (k->display2 && k->render2 && k->ui2 && k->features_open && !k->skip_render)
		audience_frame(k);
}

void kiosk_frame(struct kiosk *k)
{
	/* Input changes the state while the frame that reads it is being declared, so a frame
	 * with input is followed by one without, which shows the new state; a screen change or a
	 * tap may ask for one more. */
	for (int i = 0; i < 3; i++) {
		struct ui *ui = &k->ui;
		int had_input = ui->pointer_pressed || ui->pointer_released || ui->text_in[0] || ui->nkeys;
		enum screen before = k->screen;
		k->dirty = 0;
		frame_once(k);
		if (!had_input && !ui->tapped_any && k->screen == before && !k->dirty)
			break;
	}
	k->dirty = 0;
}

int kiosk_timeout(const struct kiosk *k)
{
	if (!k->wake_at)
		return -1;
	int64_t left = k->wake_at - clock_now(&k->clock);
	return left < 0 ? 0 : left > 86400000 ? 86400000 : (int)left;
}

void kiosk_clock_moved(struct kiosk *k, int64_t delta_ms)
{
	fprintf(stderr, "barnstorm: the wall clock moved by %+lld s (network time?); timers kept\n",
		(long long)(delta_ms / 1000));
	if (k->wake_at)
		k->wake_at += delta_ms;
	/* Each feature moves the stamps it keeps (some compare with screen_since: first). */
	for (int i = 0; k->features_open && FEATURE_DEFS[i]; i++)
		if (FEATURE_DEFS[i]->clock_moved)
			FEATURE_DEFS[i]->clock_moved(k, delta_ms);
	k->screen_since += delta_ms;
	if (k->last_input)
		k->last_input += delta_ms;
	if (k->pin.locked_until)
		k->pin.locked_until += delta_ms;
	struct agenda *a = k->event ? event_agenda(k->event) : NULL;
	if (a && agenda_clock_moved(a, delta_ms) < 0)
		fprintf(stderr, "barnstorm: %s\n", err_msg());
	k->dirty = 1;
}

/* A jump of the wall clock against the monotonic one is the clock being set, not time passing. */
void kiosk_watch_clock(struct kiosk *k)
{
	int64_t offset = clock_now(&k->clock) - clock_mono(&k->clock);
	int64_t delta = offset - k->clock_offset;
	if (k->clock_watched && (delta > CLOCK_JUMP_MS || delta < -CLOCK_JUMP_MS))
		kiosk_clock_moved(k, delta);
	k->clock_offset = offset;
	k->clock_watched = 1;
}

void kiosk_step(struct kiosk *k, int max_wait_ms)
{
	kiosk_watch_clock(k);
	int timeout = kiosk_timeout(k);
	if (timeout < 0 || timeout > max_wait_ms)
		timeout = max_wait_ms;
	struct display_event ev;
	if (display_wait(k->display, timeout, &ev)) {
		kiosk_event(k, &ev);
		while (display_poll(k->display, &ev))
			kiosk_event(k, &ev);
	}
	kiosk_watch_clock(k);
	if (k->held[0] && clock_mono(&k->clock) - k->held_last > KIOSK_SCAN_GAP_MS)
		kiosk_typed(k);
	if (k->wake_at && clock_now(&k->clock) >= k->wake_at)
		k->dirty = 1;
	if (k->changed) {
		k->changed = 0;
		k->dirty = 1;
	}
	if (k->dirty)
		kiosk_frame(k);
}

/* barnstorm [run] --pack DIR --data DIR [--windowed] [--lang CODE] */
int cmd_run(int argc, char **argv)
{
	struct cli cli;
	if (cli_parse(argc, argv, "pack data windowed lang size", 0, &cli) < 0)
		return 2;
	struct kiosk *k = xcalloc(1, sizeof(*k));
	struct kiosk_opts o = {.pack_dir = cli_pack_dir(&cli), .data_dir = cli_data_dir(&cli),
			       .lang = cli.lang};
	kiosk_init(k, &o);
	struct display_opts dopt = {.fullscreen = !cli.windowed, .width = cli.width, .height = cli.height,
				    .rotation = k->pack.rotate};
	struct display *d = display_open(&dopt);
	if (!d)
		die("%s", err_msg());
	struct render *r = render_open(display_renderer(d));
	if (!r)
		die("%s", err_msg());
	kiosk_attach(k, d, r);
	/* A projector on a second output shows the audience view; if SDL cannot place a window
	 * there, the audience view stays a screen on the touch display. */
	struct display *d2 = NULL;
	struct render *r2 = NULL;
	if (!cli.windowed && display_count() > 1) {
		struct display_opts o2 = {.fullscreen = 1};
		d2 = display_open_second(d, 1, &o2);
		r2 = d2 ? render_open(display_renderer(d2)) : NULL;
		if (r2)
			kiosk_attach_audience(k, d2, r2);
		else
			fprintf(stderr, "barnstorm: audience view on this display: %s\n", err_msg());
	}
	kiosk_frame(k);
	watchdog_ready();
	/* Draw the first screen again shortly after start: a KMS/DRM display may show a frame only
	 * once its mode is set and the first page flip is done. Three cheap redraws, then idle. */
	int64_t started = clock_mono(&k->clock);
	int settle = 0;
	static const int SETTLE_MS[] = {250, 1000, 3000};
	while (!k->quit) {
		int wait = MAX_SLEEP_MS;
		if (settle < (int)ARRAY_SIZE(SETTLE_MS)) {
			int64_t due = started + SETTLE_MS[settle] - clock_mono(&k->clock);
			if (due <= 0) {
				k->dirty = 1;
				settle++;
				due = 0;
			}
			if (due < wait)
				wait = (int)due;
		}
		kiosk_step(k, wait);
		watchdog_ping();
	}
	/* Features with threads (slides, printing, upload) stop before the display they wake. */
	kiosk_release(k);
	render_close(r2);
	display_close(d2);
	render_close(r);
	display_close(d);
	free(k);
	return 0;
}
