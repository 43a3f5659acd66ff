/* The meeting's layout, checked on what the UI recorded (struct ui's widgets and draw commands)
 * with the real renderer's font measurements: at 800x480, 1280x720 and 1920x1080, in da, sv
 * and en, with every combination of the audience view's bands ("Time's up", a signal), over a
 * slide and over the title card, with long titles, notes and signals:
 *
 *   - every labelled widget lies inside the screen;
 *   - on the audience view no two labels overlap (the title is never under a band);
 *   - no text is cut with "…" (on the facilitator's screen too).
 *
 * And the facilitator's figures as the real loop draws them: it redraws only when asked to
 * (kiosk_wake_at), so a figure that changes between two redraws is stale until the next tap. */
#include "testutil.h"

#include "agenda.h"
#include "display.h"
#include "kiosk.h"
#include "pack.h"
#include "render.h"
#include "screens/meeting.h"
#include "ui.h"
#include "util.h"

#define MIN 60000LL
#define SEC 1000LL

/* Long, but what a real pack holds: a two-line title, a note, a signal of a sentence. */
static const char LONG_PACK[] =
	"[event]\ntitle = Barnstorm Aarhus: organisering af frivillige i hele Østjylland\n"
	"starts = 2026-12-03 19:00\nends = 2026-12-03 20:30\ntimezone = Europe/Copenhagen\n"
	"languages = da, sv, en\n\n[kiosk]\npin = 4821\n\n"
	"[consent]\nversion = 1\nda = Ja.\nsv = Ja.\nen = Yes.\n\n"
	"[agenda]\nwarn = 120\ndanger = 30\n\n"
	"[segment]\ntitle = Hvorfor vi er her: historier fra rummet om organisering og fællesskab\n"
	"minutes = 5\nnote = Husk: ét spørgsmål ad gangen, og hold tiden. Sluttidspunktet 20:30 "
	"står fast, også når vi er bagud.\n\n"
	"[segment]\ntitle = Planen for at vinde: samtaler, telefonbanker og hold i hvert postnummer\n"
	"minutes = 20\nslides = 1-2\n\n"
	"[segment]\ntitle = Tak\nminutes = 5\n\n"
	"[signal]\nda = Husk: ét spørgsmål ad gangen, og vent på mikrofonen\n"
	"sv = Kom ihåg: en fråga i taget, och vänta på mikrofonen\n"
	"en = Remember: one question at a time, and wait for the microphone\n\n"
	"[slide]\ntitle = Planen for at vinde i hele kommunen\n"
	"bullet = 10.000 samtaler med vælgere før valget\n\n"
	"[slide]\ntitle = Sådan gør vi\nbullet = Vært for en ugentlig telefonbank\n";

struct fx {
	char *dir;
	char pack[1024];
	char data[1024];
	struct kiosk *k;
	struct display *d;
	struct render *r;
};

static void fx_open(struct fx *f, const char *ini, const char *lang, int w, int h)
{
	memset(f, 0, sizeof(*f));
	f->dir = tu_tempdir();
	snprintf(f->pack, sizeof(f->pack), "%s/pack", f->dir);
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	assert_int_equal(mkdir(f->pack, 0700), 0);
	tu_write_str(f->pack, "event.ini", ini);
	f->k = xcalloc(1, sizeof(*f->k));
	struct kiosk_opts o = {.pack_dir = f->pack, .data_dir = f->data, .lang = lang,
			       .fake_clock = 1};
	kiosk_init(f->k, &o);
	assert_true(f->k->pack_ok);
	struct display_opts dopt = {.offscreen = 1, .width = w, .height = h};
	f->d = display_open(&dopt);
	assert_non_null(f->d);
	f->r = render_open(display_renderer(f->d));
	assert_non_null(f->r);
	kiosk_attach(f->k, f->d, f->r);
	kiosk_go(f->k, SCREEN_FACILITATOR);
	f->k->dirty = 1;
	kiosk_frame(f->k);
}

static void fx_close(struct fx *f)
{
	kiosk_release(f->k);
	render_close(f->r);
	display_close(f->d);
	free(f->k);
	tu_rmtree(f->dir);
	free(f->dir);
}

static void frame(struct kiosk *k)
{
	k->dirty = 1;
	kiosk_frame(k);
}

static void tap(struct kiosk *k, const char *label)
{
	const struct ui_widget *w = ui_find(&k->ui, label, 1);
	if (!w)
		fail_msg("no \"%s\" to tap", label);
	k->ui.pointer_x = w->r.x + w->r.w / 2;
	k->ui.pointer_y = w->r.y + w->r.h / 2;
	k->ui.pointer_pressed = k->ui.pointer_released = 1;
	kiosk_frame(k);
	k->ui.pointer_pressed = k->ui.pointer_released = 0;
}

/* As the real loop: the clock moves on to each redraw a screen asked for, up to `to`; the
 * frame at `to` is drawn only if draw_at_end. */
static void run_until(struct kiosk *k, int64_t to, int draw_at_end)
{
	while (k->wake_at && k->wake_at <= to) {
		int64_t now = clock_now(&k->clock);
		if (k->wake_at > now)
			clock_advance(&k->clock, k->wake_at - now);
		frame(k);
	}
	int64_t now = clock_now(&k->clock);
	if (to > now)
		clock_advance(&k->clock, to - now);
	if (draw_at_end)
		frame(k);
}

static int overlap(struct ui_rect a, struct ui_rect b)
{
	return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* The checks on the last frame; `what` names the case in a failure. */
static void check_frame(const struct ui *ui, const char *what, int no_overlap)
{
	for (int i = 0; i < ui->nwidgets; i++) {
		const struct ui_widget *w = &ui->widgets[i];
		if (!w->text || !*w->text || w->r.w <= 0 || w->r.h <= 0)
			continue;
		if (w->r.x < 0 || w->r.y < 0 || w->r.x + w->r.w > ui->w || w->r.y + w->r.h > ui->h)
			fail_msg("%s: \"%s\" at %d,%d %dx%d is outside the %dx%d screen", what, w->text,
				 w->r.x, w->r.y, w->r.w, w->r.h, ui->w, ui->h);
		for (int j = i + 1; no_overlap && j < ui->nwidgets; j++) {
			const struct ui_widget *o = &ui->widgets[j];
			if (o->text && *o->text && o->r.w > 0 && o->r.h > 0 && overlap(w->r, o->r))
				fail_msg("%s: \"%s\" (%d,%d %dx%d) overlaps \"%s\" (%d,%d %dx%d)", what,
					 w->text, w->r.x, w->r.y, w->r.w, w->r.h, o->text, o->r.x,
					 o->r.y, o->r.w, o->r.h);
		}
	}
	for (int i = 0; i < ui->ncmds; i++) {
		const struct ui_cmd *c = &ui->cmds[i];
		if (c->kind != UI_CMD_TEXT || !c->text)
			continue;
		/* A lone "…" is the small copy's "slide still rendering"; anything else was cut. */
		if (strstr(c->text, "\xE2\x80\xA6") && strcmp(c->text, "\xE2\x80\xA6"))
			fail_msg("%s: \"%s\" is cut", what, c->text);
		if (c->r.x < 0 || c->r.y < 0 || c->r.x + c->r.w > ui->w || c->r.y + c->r.h > ui->h)
			fail_msg("%s: the text \"%s\" is drawn outside the screen", what, c->text);
	}
	assert_false(ui->overflow);
}

/* Both screens in the state the kiosk is in now. */
static void check_both(struct kiosk *k, const char *what)
{
	char name[256];
	kiosk_go(k, SCREEN_FACILITATOR);
	frame(k);
	snprintf(name, sizeof(name), "%s, facilitator", what);
	check_frame(&k->ui, name, 0);
	kiosk_go(k, SCREEN_AUDIENCE);
	frame(k);
	snprintf(name, sizeof(name), "%s, audience view", what);
	check_frame(&k->ui, name, 1);
	kiosk_go(k, SCREEN_FACILITATOR);
	frame(k);
}

/* Every band combination at one moment; the signal on and off with its button. */
static void check_bands(struct kiosk *k, const char *what, int times_up)
{
	char name[256];
	const char *lang = k->pack.langs[k->lang];
	const char *sig = pack_text_get(&k->pack, &k->pack.messages[0], lang);
	snprintf(name, sizeof(name), "%s, %s", what, times_up ? "time's up" : "no bands");
	check_both(k, name);
	tap(k, sig);
	snprintf(name, sizeof(name), "%s, %s + signal", what, times_up ? "time's up" : "no band");
	check_both(k, name);
	assert_true(ui_has_text(&k->ui, sig));
	tap(k, sig);
}

static void every_size_language_and_band(void **state)
{
	(void)state;
	static const int sizes[][2] = {{800, 480}, {1280, 720}, {1920, 1080}};
	static const char *const langs[] = {"da", "sv", "en"};
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (size_t l = 0; l < sizeof(langs) / sizeof(langs[0]); l++) {
			char what[128];
			struct fx f;
			fx_open(&f, LONG_PACK, langs[l], sizes[s][0], sizes[s][1]);
			struct kiosk *k = f.k;
			snprintf(what, sizeof(what), "%dx%d %s, not started", sizes[s][0], sizes[s][1],
				 langs[l]);
			check_bands(k, what, 0);
			tap(k, tr(k, "Start"));
			for (int seg = 0; seg < 2; seg++) {
				/* Over the title card (segment 1) and over a text slide (segment 2). */
				snprintf(what, sizeof(what), "%dx%d %s, segment %d", sizes[s][0],
					 sizes[s][1], langs[l], seg + 1);
				check_bands(k, what, 0);
				tap(k, tr(k, "Speaker 60 s"));
				run_until(k, clock_now(&k->clock) + 60 * SEC, 1);
				check_bands(k, what, 1);
				/* Overtime: the corner turns red, the end moves. */
				run_until(k, clock_now(&k->clock) + 25 * MIN, 1);
				snprintf(what, sizeof(what), "%dx%d %s, segment %d overtime", sizes[s][0],
					 sizes[s][1], langs[l], seg + 1);
				check_bands(k, what, 0);
				tap(k, tr(k, "Next"));
			}
			tap(k, tr(k, "End meeting"));
			snprintf(what, sizeof(what), "%dx%d %s, ended", sizes[s][0], sizes[s][1], langs[l]);
			check_bands(k, what, 0);
			fx_close(&f);
		}
	}
}

/* "Time's up" leaves the projector by itself after the pack's times_up_seconds (default 10),
 * and the screen asks to be redrawn at that moment. */
static void times_up_clears_by_itself(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f, LONG_PACK, "en", 800, 480);
	struct kiosk *k = f.k;
	/* Paused, so the countdown does not wake the screen every second. */
	tap(k, "Start");
	tap(k, "Pause");
	tap(k, "Speaker 60 s");
	kiosk_go(k, SCREEN_AUDIENCE);
	frame(k);
	int64_t up = clock_now(&k->clock) + 60 * SEC;
	run_until(k, up, 1);
	assert_true(ui_has_text(&k->ui, "Time's up"));
	assert_int_equal(k->wake_at, up + 10 * SEC);
	run_until(k, up + 10 * SEC - 1, 1);
	assert_true(ui_has_text(&k->ui, "Time's up"));
	/* No redraw asked for by anything but "Time's up" going: the loop draws it then. */
	run_until(k, up + 10 * SEC, 0);
	assert_false(ui_has_text(&k->ui, "Time's up"));
	kiosk_go(k, SCREEN_FACILITATOR);
	frame(k);
	assert_true(ui_find(&k->ui, "Speaker 60 s", 1) != NULL);
	fx_close(&f);
}

/* The figures while paused, drawn only when the screen asked: at Resume they are what the
 * facilitator read a moment ago ("2 min behind" did turn into "3 min behind"). */
static void resume_keeps_the_figures(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f, LONG_PACK, "en", 800, 480);
	struct kiosk *k = f.k;
	int64_t t0 = clock_now(&k->clock);
	tap(k, "Start");
	run_until(k, t0 + 1 * MIN, 1);
	tap(k, "Pause");
	/* Paused for 2:40: the loop draws what it was asked to; then Resume is tapped. */
	run_until(k, t0 + 3 * MIN + 40 * SEC, 0);
	char before[2][256];
	const char *want[] = {"behind", "Projected end"};
	for (int i = 0; i < 2; i++) {
		before[i][0] = '\0';
		for (int w = 0; w < k->ui.nwidgets; w++)
			if (k->ui.widgets[w].text && strstr(k->ui.widgets[w].text, want[i]))
				snprintf(before[i], sizeof(before[i]), "%s", k->ui.widgets[w].text);
		assert_true(before[i][0]);
	}
	tap(k, "Resume");
	for (int i = 0; i < 2; i++) {
		/* "Paused · 3 min behind" reads "3 min behind" after Resume. */
		const char *dot = strstr(before[i], "\xC2\xB7 ");
		const char *after = dot ? dot + 3 : before[i];
		if (!ui_has_text(&k->ui, after))
			fail_msg("before Resume \"%s\", after it not \"%s\"", before[i], after);
	}
	/* And they agree: started 18:30 with 30 min planned, paused 2:40: 3 min behind, the end
	 * 19:03 (rounded), 87 min before the pack's 20:30. */
	assert_true(ui_has_text(&k->ui, "3 min behind"));
	assert_true(ui_has_text(&k->ui, "Projected end 19:03 (87 min early)"));
	fx_close(&f);
}

/* Before the start: when it starts, and the end counted from then. */
static void before_the_start_says_when(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f, LONG_PACK, "en", 800, 480);
	struct kiosk *k = f.k;
	/* The fake clock starts 30 minutes before 19:00. */
	assert_true(ui_has_text(&k->ui, "Not started \xC2\xB7 starts at 19:00"));
	/* 30 min planned from 19:00, not from now (18:30). */
	assert_true(ui_has_text(&k->ui, "Projected end 19:30 (60 min early)"));
	/* Waiting for the start redraws at 19:00, and then as the end moves with the clock. */
	run_until(k, clock_now(&k->clock) + 40 * MIN, 1);
	assert_true(ui_has_text(&k->ui, "Projected end 19:40 (50 min early)"));
	assert_false(ui_has_text(&k->ui, "starts at"));
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_size_language_and_band),
		cmocka_unit_test(times_up_clears_by_itself),
		cmocka_unit_test(resume_keeps_the_figures),
		cmocka_unit_test(before_the_start_says_when),
	};
	return RUN_TESTS(tests);
}
