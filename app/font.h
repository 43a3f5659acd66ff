/* Fonts: the one module that includes SDL_ttf. It opens the kiosk's typefaces (DejaVu Sans from
 * Debian's fonts-dejavu-core) at pixel sizes and rasterises UTF-8 text into 8-bit coverage
 * bitmaps. The screen renderer turns those into textures; the slip printer thresholds them into
 * 1-bit dots, so names with æ ø å ä ö print without printer code pages. */
#ifndef BARNSTORM_FONT_H
#define BARNSTORM_FONT_H

#include <stdint.h>

struct font;

/* A coverage bitmap: w*h bytes, 0 = background, 255 = ink. Owned by the caller: font_bitmap_free. */
struct font_bitmap {
	int w, h;
	uint8_t *px;
};

/* Starts SDL_ttf once per process (idempotent, thread-safe). 0 or -1 with err_msg(). */
int font_system_init(void);
/* Opens the regular (bold = 0) or bold face at a pixel height; NULL with err_msg() naming the
 * font file when it is missing. Close with font_close(). Fonts may be opened in any thread but
 * one font is used by one thread at a time. */
struct font *font_open(int px, int bold);
void font_close(struct font *f);
/* The line height in pixels. */
int font_line_height(const struct font *f);
/* Width and height of text in pixels. 0, or -1 for text that is not valid UTF-8. */
int font_measure(struct font *f, const char *text, int *w, int *h);
/* Rasterises one line of text. -1 with err_msg() on failure (invalid UTF-8); *out is set only on
 * success. Text that draws nothing (empty, or only zero-width characters) gives a 0-width
 * bitmap. */
int font_render(struct font *f, const char *text, struct font_bitmap *out);
void font_bitmap_free(struct font_bitmap *b);
/* The advance of a printable ASCII character in 1/64 pixels, as SDL_ttf's layout sums it: a
 * string drawn glyph by glyph, each glyph's one-character bitmap at floor(sum of the advances
 * before it / 64), has the pixels of the whole string (bar antialiased edges where two glyphs
 * overlap). Lays out 1536 glyphs: call once and keep the answer. -1 on failure. */
int font_advance64(struct font *f, char c);
/* The path of the font file a face uses (for messages and docs). */
const char *font_path(int bold);

#endif
