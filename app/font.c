#include "font.h"
#include "util.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Debian's fonts-dejavu-core: wide coverage of Latin (æ ø å ä ö é ü), clear at small sizes. */
static const char *const FONT_FILES[2] = {
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
};

struct font {
	TTF_Font *ttf;
	int px;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result;

static void do_init(void)
{
	init_result = TTF_WasInit() || TTF_Init() == 0 ? 0 : -1;
}

int font_system_init(void)
{
	pthread_once(&init_once, do_init);
	if (init_result < 0)
		return err_set("cannot start SDL_ttf: %s", TTF_GetError());
	return 0;
}

const char *font_path(int bold)
{
	return FONT_FILES[bold ? 1 : 0];
}

struct font *font_open(int px, int bold)
{
	if (font_system_init() < 0)
		return NULL;
	if (px < 4)
		px = 4;
	TTF_Font *ttf = TTF_OpenFont(font_path(bold), px);
	if (!ttf) {
		err_set("cannot open font '%s': %s (install fonts-dejavu-core)", font_path(bold),
			TTF_GetError());
		return NULL;
	}
	TTF_SetFontHinting(ttf, TTF_HINTING_LIGHT);
	struct font *f = xcalloc(1, sizeof(*f));
	f->ttf = ttf;
	f->px = px;
	return f;
}

void font_close(struct font *f)
{
	if (!f)
		return;
	TTF_CloseFont(f->ttf);
	free(f);
}

int font_line_height(const struct font *f)
{
	return TTF_FontLineSkip(f->ttf);
}

int font_measure(struct font *f, const char *text, int *w, int *h)
{
	if (!utf8_valid(text, strlen(text)))
		return -1;
	if (!*text) {
		*w = 0;
		*h = TTF_FontHeight(f->ttf);
		return 0;
	}
	if (TTF_SizeUTF8(f->ttf, text, w, h) < 0)
		return -1;
	return 0;
}

int font_advance64(struct font *f, char c)
{
	/* SDL_ttf has no call for the unrounded advance its layout (HarfBuzz, in 1/64 px) sums.
	 * The width of n copies is n * advance / 64 plus a constant (the last glyph's ink past
	 * its advance, rounding of the ends); the difference of 2n and n copies cancels it:
	 * 512 copies more are 512 * advance / 64 = 8 * advance pixels. */
	enum { N = 512 };
	char buf[2 * N + 1];
	if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7E)
		return -1;
	memset(buf, c, 2 * N);
	buf[2 * N] = '\0';
	int w2 = 0, w1 = 0, h = 0;
	if (TTF_SizeUTF8(f->ttf, buf, &w2, &h) < 0)
		return -1;
	buf[N] = '\0';
	if (TTF_SizeUTF8(f->ttf, buf, &w1, &h) < 0)
		return -1;
	return (w2 - w1 + 4) / 8;
}

int font_render(struct font *f, const char *text, struct font_bitmap *out)
{
	if (!utf8_valid(text, strlen(text)))
		return err_set("text is not valid UTF-8");
	if (!*text) {
		out->w = 0;
		out->h = TTF_FontHeight(f->ttf);
		out->px = xcalloc(1, 1);
		return 0;
	}
	/* Shaded on black/white gives an 8-bit palettised surface whose index is the coverage. */
	SDL_Color fg = {255, 255, 255, 255}, bg = {0, 0, 0, 255};
	SDL_Surface *s = TTF_RenderUTF8_Shaded(f->ttf, text, fg, bg);
	if (!s) {
		/* Text of only zero-width characters (U+00AD, U+200B, U+200D) makes SDL_ttf fail
		 * with "Text has zero width": that is an empty line, not an error. */
		int w = -1, h = 0;
		if (TTF_SizeUTF8(f->ttf, text, &w, &h) == 0 && w == 0) {
			out->w = 0;
			out->h = TTF_FontHeight(f->ttf);
			out->px = xcalloc(1, 1);
			return 0;
		}
		return err_set("cannot render text: %s", TTF_GetError());
	}
	if (s->format->BitsPerPixel != 8) {
		SDL_FreeSurface(s);
		return err_set("unexpected surface format from SDL_ttf");
	}
	SDL_Palette *pal = s->format->palette;
	uint8_t lut[256];
	for (int i = 0; i < 256; i++)
		lut[i] = pal && i < pal->ncolors ? pal->colors[i].r : (uint8_t)i;
	out->w = s->w;
	out->h = s->h;
	out->px = xmalloc((size_t)s->w * (size_t)s->h);
	SDL_LockSurface(s);
	for (int y = 0; y < s->h; y++) {
		const uint8_t *row = (const uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch;
		for (int x = 0; x < s->w; x++)
			out->px[(size_t)y * (size_t)s->w + (size_t)x] = lut[row[x]];
	}
	SDL_UnlockSurface(s);
	SDL_FreeSurface(s);
	return 0;
}

void font_bitmap_free(struct font_bitmap *b)
{
	free(b->px);
	b->px = NULL;
	b->w = b->h = 0;
}
