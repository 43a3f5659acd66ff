/* libFuzzer target for the text path (`make fuzz-text`, see tests/fuzz.mk): every input is text
 * measured, laid out (labels with ellipsis, wrapped text) and drawn by the renderer on SDL's
 * offscreen driver with the software renderer, and rasterised by the font module as the slip
 * printer does. Its first byte picks the font, the weight, the alignment and the scale; NUL bytes
 * split the rest into several texts. Crashes and sanitizer reports are findings. */
#include "display.h"
#include "font.h"
#include "render.h"
#include "ui.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_TEXT_MAX 4096

/* libFuzzer calls in with no context: one display, renderer and UI for the whole run. */
static struct display *fz_display;
static struct render *fz_render;
static struct font *fz_font;
static struct ui fz_ui;

static void fz_cleanup(void)
{
	render_close(fz_render);
	font_close(fz_font);
	display_close(fz_display);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct display_opts o = {.offscreen = 1, .width = 800, .height = 480};
	fz_display = display_open(&o);
	if (!fz_display)
		die("%s", err_msg());
	fz_render = render_open(display_renderer(fz_display));
	if (!fz_render)
		die("%s", err_msg());
	fz_font = font_open(24, 1);
	if (!fz_font)
		die("%s", err_msg());
	ui_init(&fz_ui, render_measure, fz_render);
	atexit(fz_cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[FZ_TEXT_MAX + 1];
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	data++;
	size--;
	if (size > FZ_TEXT_MAX)
		size = FZ_TEXT_MAX;
	memcpy(text, data, size);
	text[size] = '\0';
	enum ui_font f = (enum ui_font)(sel % UI_FONT_COUNT);
	int bold = sel >> 3 & 1;
	enum ui_align a = (enum ui_align)((sel >> 4 & 3) % 3);
	/* Scale 1 (800x480) mostly; sometimes a projector's (reopens the fonts, which is slow). */
	float scale = (sel & 0xC0) == 0xC0 ? 2.25f : 1.0f;
	if (render_set_scale(fz_render, scale) < 0)
		BUG("cannot open the fonts again");

	ui_begin(&fz_ui, 800, 480);
	int y = 0;
	for (const char *p = text; p < text + size; p += strlen(p) + 1) {
		int w = render_measure(fz_render, f, bold, p, strlen(p));
		if (w < 0)
			BUG("negative width");
		ui_label(&fz_ui, p, (struct ui_rect){0, y % 480, 300, ui_line_h(&fz_ui, f)}, f, bold, UI_FG, a);
		ui_text_wrapped(&fz_ui, p, (struct ui_rect){300, 0, 200, 300}, f, bold, UI_ACCENT, a);
		y += 40;
	}
	ui_end(&fz_ui);
	render_frame(fz_render, &fz_ui, UI_BG);
	ui_input_clear(&fz_ui);
	struct render_stats st;
	render_stats(fz_render, &st);
	if (st.text_entries < 0 || st.glyph_entries < 0)
		BUG("negative cache counts");

	/* The slip printer's path: the font module directly. */
	int w = 0, h = 0;
	if (font_measure(fz_font, text, &w, &h) == 0 && (w < 0 || h < 0))
		BUG("negative size");
	struct font_bitmap bm = {0};
	if (font_render(fz_font, text, &bm) == 0) {
		if (bm.w < 0 || bm.h < 0 || !bm.px)
			BUG("bad bitmap");
		font_bitmap_free(&bm);
	}
	return 0;
}
