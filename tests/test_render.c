/* The renderer on SDL's offscreen driver with the software renderer: text the fonts cannot draw
 * (zero-width characters, a lone soft hyphen, emoji, unassigned code points, invalid UTF-8) is
 * measured and drawn without a crash; timer digits drawn glyph by glyph look exactly like the
 * whole string and measure the same; the text cache stays under its ceiling while a timer runs;
 * opaque and translucent fills give the expected pixels; and the kiosk binary survives a pack and
 * typing with such text. */
#include "testutil.h"

#include "display.h"
#include "font.h"
#include "render.h"
#include "ui.h"
#include "util.h"

#include <SDL.h>

#define W 1920
#define H 1080

static struct ui ui;

struct fx {
	struct display *d;
	struct render *r;
};

static void fx_open(struct fx *f)
{
	struct display_opts o = {.offscreen = 1, .width = W, .height = H};
	f->d = display_open(&o);
	if (!f->d)
		fail_msg("%s", err_msg());
	f->r = render_open(display_renderer(f->d));
	if (!f->r)
		fail_msg("%s", err_msg());
	ui_init(&ui, render_measure, f->r);
}

static void fx_close(struct fx *f)
{
	render_close(f->r);
	display_close(f->d);
}

/* The colour of one pixel of what the renderer shows, as 0xRRGGBB. */
static uint32_t pixel(struct fx *f, int x, int y)
{
	uint32_t px = 0;
	SDL_Rect r = {x, y, 1, 1};
	assert_int_equal(SDL_RenderReadPixels(display_renderer(f->d), &r, SDL_PIXELFORMAT_ARGB8888, &px, 4), 0);
	return px & 0xFFFFFF;
}

static const char *const STRANGE[] = {
	"\xC2\xAD",                          /* a lone soft hyphen U+00AD */
	"Folkets\xC2\xADHus",                /* a soft hyphen inside a venue */
	"\xE2\x80\x8B",                      /* a lone zero-width space U+200B */
	"\xE2\x80\x8D",                      /* a lone zero-width joiner U+200D */
	"\xE2\x80\x8B\xE2\x80\x8D\xC2\xAD",  /* only invisible characters */
	"a\xE2\x80\x8D" "b",
	"\xF0\x9F\x98\x80",                  /* an emoji the fonts do not have */
	"\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7", /* an emoji sequence joined by U+200D */
	"\xF3\xB0\x80\x80",                  /* a private-use plane code point */
	"\xF0\xB0\x80\x80",                  /* an unassigned code point (plane 3) */
	"\xEF\xBF\xBF",                      /* a noncharacter U+FFFF */
	"\xCC\x81",                          /* a lone combining accent */
	"\xFF\xFE",                          /* invalid UTF-8 */
	"abc\xC3",                           /* cut in the middle of a character */
	"\xED\xA0\x80",                      /* an encoded surrogate */
	"\xC0\xAF",                          /* an overlong encoding */
	"\t\r\x01",                          /* control characters */
	" ",
	"",
};

/* Fills the stack the renderer is about to use with garbage, so that reading an uninitialised
 * local there (as text_get() once freed one) fails every time, not only by bad luck. */
static void __attribute__((noinline)) dirty_stack(void)
{
	volatile unsigned char junk[32768];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(0xA5 ^ i);
}

static void draw_labels(struct fx *f, const char *text)
{
	ui_begin(&ui, W, H);
	int y = 0;
	for (int font = 0; font < UI_FONT_COUNT; font++) {
		struct ui_rect r = {10, y, 300, ui_line_h(&ui, (enum ui_font)font)};
		ui_label(&ui, text, r, (enum ui_font)font, font & 1, UI_FG, UI_LEFT);
		y += r.h / 2;
	}
	ui_text_wrapped(&ui, text, (struct ui_rect){400, 0, 120, 200}, UI_BODY, 0, UI_FG, UI_LEFT);
	ui_end(&ui);
	dirty_stack();
	render_frame(f->r, &ui, UI_BG);
}

static void text_fonts_cannot_draw_does_not_crash(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	for (size_t i = 0; i < ARRAY_SIZE(STRANGE); i++) {
		const char *s = STRANGE[i];
		for (int font = 0; font < UI_FONT_COUNT; font++)
			for (int bold = 0; bold < 2; bold++)
				dirty_stack(), assert_true(render_measure(f.r, (enum ui_font)font, bold, s, strlen(s)) >= 0);
		draw_labels(&f, s);
		/* Again: all from the cache, also what draws nothing (not rendered every frame). */
		struct render_stats a, b;
		render_stats(f.r, &a);
		draw_labels(&f, s);
		render_stats(f.r, &b);
		if (b.text_misses != a.text_misses)
			fail_msg("text %zu drawn again missed the cache %ld times", i,
				 b.text_misses - a.text_misses);
		/* Glued to ordinary text and to timer digits. */
		char buf[128];
		snprintf(buf, sizeof(buf), "Venue %s 12:30", s);
		draw_labels(&f, buf);
		snprintf(buf, sizeof(buf), "12%s34", s);
		draw_labels(&f, buf);
	}
	fx_close(&f);
}

/* Bytes that are not UTF-8 are drawn as U+FFFD, as wide as they were measured, not dropped. */
static void invalid_utf8_is_drawn_as_replacement_characters(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	const char *bad = "\xFF\xFE";
	int w = render_measure(f.r, UI_HUGE, 0, bad, strlen(bad));
	assert_int_equal(w, render_measure(f.r, UI_HUGE, 0, "\xEF\xBF\xBD\xEF\xBF\xBD", 6));
	ui_begin(&ui, W, H);
	ui_label(&ui, bad, (struct ui_rect){0, 0, W, 200}, UI_HUGE, 0, UI_BLACK, UI_LEFT);
	ui_end(&ui);
	render_frame(f.r, &ui, UI_WHITE);
	int ink = 0;
	for (int x = 0; x < w; x++)
		for (int y = 0; y < 200; y++)
			ink += pixel(&f, x, y) != 0xFFFFFF;
	assert_true(ink > 100);
	fx_close(&f);
}

/* Longer than anything a label keeps, with a width no texture needs. */
static void very_long_text_does_not_crash(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	static char big[4000];
	for (size_t i = 0; i + 1 < sizeof(big); i++)
		big[i] = (char)('A' + i % 26);
	ui_begin(&ui, W, H);
	struct ui_cmd *c = &ui.cmds[ui.ncmds++];
	memset(c, 0, sizeof(*c));
	c->kind = UI_CMD_TEXT;
	c->r = (struct ui_rect){0, 0, W, 200};
	c->font = UI_HUGE;
	c->color = UI_FG;
	c->text = big;
	ui_end(&ui);
	render_frame(f.r, &ui, UI_BG);
	assert_true(render_measure(f.r, UI_HUGE, 1, big, strlen(big)) > 0);
	fx_close(&f);
}

/* Digits and ":+-" drawn from cached glyphs are the very pixels of the whole string (within one
 * level), at the width the whole string measures, and come from the glyphs, not the string
 * cache. The renderer is at `scale`. */
static void check_digits(struct fx *f, float scale, const char *s, int font, int bold)
{
	const struct ui_color white = {255, 255, 255, 255};
	struct font *fo = font_open((int)((float)UI_FONT_PX[font] * scale + 0.5f), bold);
	assert_non_null(fo);
	struct font_bitmap bm = {0};
	assert_int_equal(font_render(fo, s, &bm), 0);
	int mw = 0, mh = 0;
	assert_int_equal(font_measure(fo, s, &mw, &mh), 0);
	assert_int_equal(render_measure(f->r, (enum ui_font)font, bold, s, strlen(s)), mw);
	assert_true(20 + bm.w <= W && 20 + bm.h <= H);
	struct render_stats before, after;
	render_stats(f->r, &before);
	/* Twice: the second frame is drawn from the cache. */
	for (int pass = 0; pass < 2; pass++) {
		ui_begin(&ui, W, H);
		struct ui_cmd *c = &ui.cmds[ui.ncmds++];
		memset(c, 0, sizeof(*c));
		c->kind = UI_CMD_TEXT;
		c->r = (struct ui_rect){20, 20, bm.w, bm.h};
		c->font = (enum ui_font)font;
		c->bold = bold;
		c->color = white;
		c->text = s;
		ui_end(&ui);
		render_frame(f->r, &ui, UI_BLACK);
		uint32_t *px = malloc((size_t)bm.w * (size_t)bm.h * 4);
		SDL_Rect rr = {20, 20, bm.w, bm.h};
		assert_int_equal(SDL_RenderReadPixels(display_renderer(f->d), &rr, SDL_PIXELFORMAT_ARGB8888,
						      px, bm.w * 4), 0);
		int bad = 0;
		for (int i = 0; i < bm.w * bm.h; i++)
			bad += abs((int)(px[i] & 0xFF) - (int)bm.px[i]) > 1;
		free(px);
		if (bad)
			fail_msg("\"%s\" font %d bold %d scale %.2f: %d of %d pixels differ", s, font, bold,
				 (double)scale, bad, bm.w * bm.h);
	}
	render_stats(f->r, &after);
	assert_int_equal(after.text_misses, before.text_misses);
	assert_true(after.glyph_hits > before.glyph_hits);
	font_bitmap_free(&bm);
	font_close(fo);
}

static void timer_digits_look_like_the_whole_string(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	static const char *const TIMES[] = {"12:34", "+0:01", "-1:07", "4:17", "10:00", "88:88", "1"};
	static const float SCALES[] = {1.0f, 2.25f}; /* 800x480 and 1920x1080 */
	for (size_t sc = 0; sc < ARRAY_SIZE(SCALES); sc++) {
		assert_int_equal(render_set_scale(f.r, SCALES[sc]), 0);
		for (size_t t = 0; t < ARRAY_SIZE(TIMES); t++)
			for (int font = UI_BODY; font < UI_FONT_COUNT; font += 2)
				for (int bold = 0; bold < 2; bold++)
					check_digits(&f, SCALES[sc], TIMES[t], font, bold);
	}
	fx_close(&f);
}

/* An hour of a huge timer and a changing line of text each second: the cache keeps to its
 * ceiling, and everything of the current frame is still drawn. */
static void text_cache_keeps_its_ceiling(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	char t[32], line[64];
	for (int s = 0; s < 3600; s += 3) {
		ui_begin(&ui, W, H);
		snprintf(t, sizeof(t), "%d:%02d", s / 60, s % 60);
		ui_label(&ui, t, (struct ui_rect){0, 0, W, 200}, UI_HUGE, 0, UI_FG, UI_CENTER);
		snprintf(line, sizeof(line), "Elapsed %d s of the meeting", s);
		ui_label(&ui, line, (struct ui_rect){0, 300, W, 100}, UI_TITLE, 1, UI_FG, UI_CENTER);
		ui_end(&ui);
		render_frame(f.r, &ui, UI_BG);
		struct render_stats st;
		render_stats(f.r, &st);
		assert_true(st.text_bytes <= RENDER_TEXT_MAX_BYTES);
	}
	/* A countdown that changes colour every second, in two weights, at a projector's size. */
	assert_int_equal(render_set_scale(f.r, 2.25f), 0);
	for (int s = 0; s < 300; s++) {
		ui_begin(&ui, W, H);
		snprintf(t, sizeof(t), "-%d:%02d", s / 60, s % 60);
		struct ui_color c = {(uint8_t)(s * 37), (uint8_t)(s * 11), 40, 255};
		ui_label(&ui, t, (struct ui_rect){0, 0, W, 500}, UI_HUGE, s & 1, c, UI_CENTER);
		ui_label(&ui, t, (struct ui_rect){0, 500, W, 500}, UI_HUGE, 0, UI_FG, UI_CENTER);
		ui_end(&ui);
		render_frame(f.r, &ui, UI_BG);
		struct render_stats gst;
		render_stats(f.r, &gst);
		assert_true(gst.glyph_bytes <= RENDER_GLYPH_MAX_BYTES);
		assert_true(gst.text_bytes <= RENDER_TEXT_MAX_BYTES);
	}
	assert_int_equal(render_set_scale(f.r, 1.0f), 0);
	struct render_stats st;
	/* Many large texts in one frame, more than the ceiling: all of them are drawn (the cache
	 * never evicts what the current frame drew), and a later frame shrinks it again. */
	ui_begin(&ui, W, H);
	for (int i = 0; i < 120; i++) {
		snprintf(line, sizeof(line), "Line %d of many with a lot of text in it", i);
		ui_label(&ui, line, (struct ui_rect){0, (i % 12) * 40, W, 40}, UI_HUGE, 1, UI_FG, UI_LEFT);
	}
	ui_end(&ui);
	render_frame(f.r, &ui, UI_BG);
	/* The last label (drawn last, at the bottom left) has ink. */
	int ink = 0;
	for (int x = 0; x < 200 && !ink; x++)
		for (int y = 440; y < 480 && !ink; y++)
			ink = pixel(&f, x, y) != ((uint32_t)UI_BG.r << 16 | (uint32_t)UI_BG.g << 8 | UI_BG.b);
	assert_true(ink);
	ui_begin(&ui, W, H);
	ui_label(&ui, "1:00", (struct ui_rect){0, 0, W, 200}, UI_HUGE, 0, UI_FG, UI_CENTER);
	ui_end(&ui);
	render_frame(f.r, &ui, UI_BG);
	render_frame(f.r, &ui, UI_BG);
	render_stats(f.r, &st);
	assert_true(st.text_bytes <= RENDER_TEXT_MAX_BYTES);
	fx_close(&f);
}

static void opaque_and_translucent_fills(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	ui_begin(&ui, W, H);
	ui_fill(&ui, (struct ui_rect){0, 0, 100, 100}, (struct ui_color){200, 10, 10, 255});
	ui_fill(&ui, (struct ui_rect){50, 0, 100, 100}, (struct ui_color){10, 200, 30, 255});
	ui_fill(&ui, (struct ui_rect){0, 0, 100, 50}, (struct ui_color){0, 0, 255, 128});
	ui_end(&ui);
	render_frame(f.r, &ui, UI_BLACK);
	assert_int_equal(pixel(&f, 10, 60), 0xC80A0A);
	assert_int_equal(pixel(&f, 120, 60), 0x0AC81E);
	assert_int_equal(pixel(&f, 300, 300), 0x000000);
	/* Half blue over red: both channels in between. */
	uint32_t p = pixel(&f, 10, 10);
	assert_true((p >> 16 & 0xFF) > 80 && (p >> 16 & 0xFF) < 120);
	assert_true((p & 0xFF) > 110 && (p & 0xFF) < 150);
	fx_close(&f);
}

/* The kiosk as a person meets it: a pack whose venue is a lone soft hyphen (it crashed on its
 * first frame), then U+200B, U+200D and an emoji typed into the search (a lone U+200B crashed
 * it), at both screen sizes, with the real binary. */
static void kiosk_survives_invisible_text(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char cmd[4096], pack[1024], data[1024], out[8192];
	snprintf(pack, sizeof(pack), "%s/pack", dir);
	snprintf(cmd, sizeof(cmd),
		 "cp -r '%s/assets/demo' '%s' && sed -i 's/^venue = .*/venue = \xC2\xAD/' '%s/event.ini' && "
		 "grep -q '^venue = \xC2\xAD$' '%s/event.ini'", tu_src(), pack, pack, pack);
	assert_int_equal(system(cmd), 0);
	static const char SCRIPT[] =
		"expect \"Check in\"\n"
		"tap \"Check in\"\n"
		"type \"\xE2\x80\x8B\"\n"
		"type \"\xE2\x80\x8D\"\n"
		"type \"\xF0\x9F\x98\x80\"\n"
		"shot search\n";
	static const char *const SIZES[] = {"800x480", "1920x1080"};
	for (size_t i = 0; i < ARRAY_SIZE(SIZES); i++) {
		snprintf(data, sizeof(data), "%s/data%zu", dir, i);
		assert_int_equal(tu_run_script(out, sizeof(out), dir, "invisible.txt", SCRIPT, pack, data,
					       dir, SIZES[i], "en"), 0);
	}
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_fonts_cannot_draw_does_not_crash),
		cmocka_unit_test(invalid_utf8_is_drawn_as_replacement_characters),
		cmocka_unit_test(very_long_text_does_not_crash),
		cmocka_unit_test(timer_digits_look_like_the_whole_string),
		cmocka_unit_test(text_cache_keeps_its_ceiling),
		cmocka_unit_test(opaque_and_translucent_fills),
		cmocka_unit_test(kiosk_survives_invisible_text),
	};
	return RUN_TESTS(tests);
}
