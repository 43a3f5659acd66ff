/* The renderer: executes the UI core's draw commands with an SDL renderer, with a cache of text
 * rendered into textures keyed by (font, weight, colour, text) and evicted least recently drawn
 * first under a byte ceiling, a cache of glyphs for strings of digits and ":+-" (a timer that
 * ticks every second draws from ten digits instead of rendering a new string), and a cache of
 * image textures keyed by (id, version). It is the only app/ module that draws with SDL. Text
 * the fonts cannot draw is drawn as what they can (bytes that are not UTF-8 as U+FFFD, zero-width
 * characters as nothing); it never fails a frame. */
#ifndef BARNSTORM_RENDER_H
#define BARNSTORM_RENDER_H

#include <stddef.h>
#include "ui.h"

struct SDL_Renderer;
struct render;

/* The ceiling of texture memory the text cache keeps: a Pi has little to spare, and a
 * 1920x1080 frame full of text needs under 5 MiB. A frame that draws more keeps it all until a
 * later frame no longer draws it. */
#define RENDER_TEXT_MAX_BYTES (6u << 20)
/* The ceiling of the glyphs timers are drawn from (a 1920x1080 countdown takes about 3.5 MiB). */
#define RENDER_GLYPH_MAX_BYTES (6u << 20)

/* text_*: the cache of whole strings (hits and misses count lookups; bytes are texture memory);
 * glyph_*: the glyphs strings of digits and ":+-" (timers, counts) are drawn from, in sets per
 * (font, weight, colour); measure_*: widths of short texts remembered. */
struct render_stats {
	int text_entries;
	size_t text_bytes;
	long text_hits, text_misses;
	int glyph_entries;
	size_t glyph_bytes;
	long glyph_hits, glyph_misses;
	long measure_hits, measure_misses;
	int images;
};

/* Wraps an SDL renderer the caller owns (it must outlive the render). NULL with err_msg() when the
 * fonts cannot be opened. */
struct render *render_open(struct SDL_Renderer *r);
void render_close(struct render *rd);
/* The measure callback for ui_init(): ctx is the struct render. */
int render_measure(void *ctx, enum ui_font f, int bold, const char *text, size_t len);
/* Sets the scale fonts are opened at (from ui->scale); reopens fonts when it changes. */
int render_set_scale(struct render *rd, float scale);
/* Clears to `bg` and draws the frame's commands. The caller presents. */
void render_frame(struct render *rd, const struct ui *ui, struct ui_color bg);
/* Writes what the renderer shows now as a PNG file. */
int render_screenshot(struct render *rd, const char *path);
void render_stats(const struct render *rd, struct render_stats *out);
/* Forgets an image's texture (when its pixels are freed). */
void render_forget_image(struct render *rd, uint64_t id);

#endif
