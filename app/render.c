#include "render.h"
#include "font.h"
#include "util.h"

#include <SDL.h>
#include <SDL_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_SLOTS 2048          /* hash slots, power of two */
#define TEXT_MAX_ENTRIES 1024
#define TEXT_MAX_BYTES RENDER_TEXT_MAX_BYTES
#define IMAGE_SLOTS 16
#define TEXT_BYTES_MAX 1023      /* longer text is measured and drawn cut (the UI fits lines) */
#define TEXT_CLEAN_MAX (3 * TEXT_BYTES_MAX + 1)
/* Strings of only these characters (timers, counts, times of day) are drawn glyph by glyph. */
static const char GLYPH_CHARS[] = "0123456789:+-";
#define GLYPH_COUNT (sizeof(GLYPH_CHARS) - 1)
#define GLYPH_TEXT_MAX 32

struct text_entry {
	int used;
	uint32_t hash;
	uint8_t font, bold;
	struct ui_color color;
	char *text;
	SDL_Texture *tex;
	int w, h;
	uint64_t last_used;
};

/* One character of GLYPH_CHARS in one font, white: drawn in any colour with a colour and alpha
 * modulation, so a timer that turns amber and red needs no new textures. */
struct glyph {
	SDL_Texture *tex;  /* NULL: not rendered yet (or the character draws nothing) */
	int w, h;
	int adv64;         /* advance in 1/64 px; -1: not measured yet */
};

struct image_entry {
	uint64_t id;
	uint32_t version;
	SDL_Texture *tex;
	uint64_t last_used;
};

struct render {
	SDL_Renderer *r;
	float scale;
	struct font *fonts[UI_FONT_COUNT][2];
	struct text_entry slots[TEXT_SLOTS];
	int entries;
	size_t bytes;
	long hits, misses;
	/* Glyphs per font and weight: at most UI_FONT_COUNT * 2 * GLYPH_COUNT textures, dropped
	 * with the fonts when the scale changes. */
	struct glyph glyphs[UI_FONT_COUNT][2][GLYPH_COUNT];
	int glyph_entries;
	size_t glyph_bytes;
	long glyph_hits, glyph_misses;
	struct image_entry images[IMAGE_SLOTS];
	uint64_t frame;
	int reported;      /* a drawing error was logged */
	SDL_BlendMode mode; /* the renderer's draw blend mode now */
};

static void close_fonts(struct render *rd)
{
	for (int f = 0; f < UI_FONT_COUNT; f++)
		for (int b = 0; b < 2; b++) {
			font_close(rd->fonts[f][b]);
			rd->fonts[f][b] = NULL;
		}
}

static void drop_entry(struct render *rd, struct text_entry *e)
{
	if (!e->used)
		return;
	rd->bytes -= (size_t)e->w * (size_t)e->h * 4;
	rd->entries--;
	if (e->tex)
		SDL_DestroyTexture(e->tex);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

static void clear_text(struct render *rd)
{
	for (int i = 0; i < TEXT_SLOTS; i++)
		drop_entry(rd, &rd->slots[i]);
	for (int f = 0; f < UI_FONT_COUNT; f++)
		for (int b = 0; b < 2; b++)
			for (size_t i = 0; i < GLYPH_COUNT; i++) {
				struct glyph *g = &rd->glyphs[f][b][i];
				if (g->tex)
					SDL_DestroyTexture(g->tex);
				g->tex = NULL;
				g->w = g->h = 0;
				g->adv64 = -1;
			}
	rd->glyph_entries = 0;
	rd->glyph_bytes = 0;
}

int render_set_scale(struct render *rd, float scale)
{
	if (rd->fonts[0][0] && scale == rd->scale)
		return 0;
	close_fonts(rd);
	clear_text(rd);
	rd->scale = scale;
	for (int f = 0; f < UI_FONT_COUNT; f++)
		for (int b = 0; b < 2; b++) {
			int px = (int)((float)UI_FONT_PX[f] * scale + 0.5f);
			rd->fonts[f][b] = font_open(px, b);
			if (!rd->fonts[f][b])
				return -1;
		}
	return 0;
}

struct render *render_open(struct SDL_Renderer *r)
{
	struct render *rd = xcalloc(1, sizeof(*rd));
	rd->r = r;
	if (render_set_scale(rd, 1.0f) < 0) {
		render_close(rd);
		return NULL;
	}
	rd->mode = SDL_BLENDMODE_BLEND;
	SDL_SetRenderDrawBlendMode(r, rd->mode);
	return rd;
}

void render_close(struct render *rd)
{
	if (!rd)
		return;
	clear_text(rd);
	close_fonts(rd);
	for (int i = 0; i < IMAGE_SLOTS; i++)
		if (rd->images[i].tex)
			SDL_DestroyTexture(rd->images[i].tex);
	free(rd);
}

/* Copies up to TEXT_BYTES_MAX bytes of text into out (at least TEXT_CLEAN_MAX bytes) as valid
 * UTF-8: each byte that does not start a valid sequence becomes U+FFFD, so measuring and drawing
 * agree on text the UI core did not check (a pack's venue, typed text). */
static void clean_text(char *out, const char *text, size_t len)
{
	if (len > TEXT_BYTES_MAX) {
		len = TEXT_BYTES_MAX;
		/* Cut on a character boundary (at most 3 bytes back). */
		for (int k = 0; k < 3 && len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80; k++)
			len--;
	}
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)text[i];
		size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 :
			   c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		if (c != 0 && n && i + n <= len && utf8_valid(text + i, n)) {
			memcpy(out + o, text + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
}

int render_measure(void *ctx, enum ui_font f, int bold, const char *text, size_t len)
{
	struct render *rd = ctx;
	char buf[TEXT_CLEAN_MAX];
	clean_text(buf, text, len);
	int w = 0, h = 0;
	if (font_measure(rd->fonts[f][bold ? 1 : 0], buf, &w, &h) < 0)
		return (int)len * UI_FONT_PX[f];
	return w;
}

static uint32_t text_hash(enum ui_font f, int bold, struct ui_color c, const char *s)
{
	uint32_t h = 2166136261u;
	h = (h ^ (uint32_t)f) * 16777619u;
	h = (h ^ (uint32_t)bold) * 16777619u;
	h = (h ^ ((uint32_t)c.r << 24 | (uint32_t)c.g << 16 | (uint32_t)c.b << 8 | c.a)) * 16777619u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Evicts the least recently drawn entries until there is room for `need` more bytes, never one
 * drawn in the current frame (a frame of more text than the ceiling keeps all of it until a
 * later frame no longer draws it). */
static void make_room(struct render *rd, size_t need)
{
	while (rd->entries > 0 && (rd->entries >= TEXT_MAX_ENTRIES || rd->bytes + need > TEXT_MAX_BYTES)) {
		struct text_entry *oldest = NULL;
		for (int i = 0; i < TEXT_SLOTS; i++)
			if (rd->slots[i].used && (!oldest || rd->slots[i].last_used < oldest->last_used))
				oldest = &rd->slots[i];
		if (!oldest || oldest->last_used == rd->frame)
			break; /* everything is in use this frame */
		drop_entry(rd, oldest);
	}
}

/* The cached texture of a line of text; NULL when it cannot be drawn. An entry may have no
 * texture (tex NULL, w 0) for text that draws nothing, so that is not rendered again each frame. */
static struct text_entry *text_get(struct render *rd, enum ui_font f, int bold, struct ui_color c,
				   const char *raw)
{
	char text[TEXT_CLEAN_MAX];
	clean_text(text, raw, strlen(raw));
	uint32_t h = text_hash(f, bold, c, text);
	unsigned i = h & (TEXT_SLOTS - 1);
	struct text_entry *free_slot = NULL;
	/* Linear probing; dropped entries leave holes, so probe the whole cluster. */
	for (unsigned n = 0; n < TEXT_SLOTS; n++, i = (i + 1) & (TEXT_SLOTS - 1)) {
		struct text_entry *e = &rd->slots[i];
		if (!e->used) {
			if (!free_slot)
				free_slot = e;
			if (n > 64)
				break;
			continue;
		}
		if (e->hash == h && e->font == f && e->bold == bold && !memcmp(&e->color, &c, sizeof(c)) &&
		    !strcmp(e->text, text)) {
			e->last_used = rd->frame;
			rd->hits++;
			return e;
		}
	}
	rd->misses++;
	struct font_bitmap bm = {0};
	if (font_render(rd->fonts[f][bold ? 1 : 0], text, &bm) < 0)
		return NULL;
	if (bm.w == 0)
		bm.h = 0; /* nothing to draw: an entry without a texture */
	size_t bytes = (size_t)bm.w * (size_t)bm.h * 4;
	make_room(rd, bytes);
	if (!free_slot || free_slot->used) {
		free_slot = NULL;
		for (unsigned n = 0, j = h & (TEXT_SLOTS - 1); n < TEXT_SLOTS; n++, j = (j + 1) & (TEXT_SLOTS - 1))
			if (!rd->slots[j].used) {
				free_slot = &rd->slots[j];
				break;
			}
	}
	if (!free_slot) {
		font_bitmap_free(&bm);
		return NULL;
	}
	SDL_Texture *tex = NULL;
	if (bm.w > 0) {
		tex = SDL_CreateTexture(rd->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, bm.w,
					bm.h);
		if (!tex) {
			font_bitmap_free(&bm);
			return NULL;
		}
		uint32_t *px = xmalloc(bytes);
		uint32_t rgb = (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
		for (size_t k = 0; k < (size_t)bm.w * (size_t)bm.h; k++)
			px[k] = (uint32_t)(bm.px[k] * c.a / 255) << 24 | rgb;
		SDL_UpdateTexture(tex, NULL, px, bm.w * 4);
		SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
		free(px);
	}
	struct text_entry *e = free_slot;
	e->used = 1;
	e->hash = h;
	e->font = (uint8_t)f;
	e->bold = (uint8_t)(bold ? 1 : 0);
	e->color = c;
	e->text = xstrdup(text);
	e->tex = tex;
	e->w = bm.w;
	e->h = bm.h;
	e->last_used = rd->frame;
	rd->entries++;
	rd->bytes += bytes;
	font_bitmap_free(&bm);
	return e;
}

static int image_opaque(const struct ui_image *img)
{
	for (int y = 0; y < img->h; y++) {
		const uint8_t *row = img->px + (size_t)y * (size_t)img->pitch;
		for (int x = 0; x < img->w; x++) {
			uint32_t px;
			memcpy(&px, row + (size_t)x * 4, 4);
			if ((px >> 24) != 0xFF)
				return 0;
		}
	}
	return 1;
}

static SDL_Texture *image_get(struct render *rd, const struct ui_image *img)
{
	/* The slot to (re)fill: this image's own (a new version), else an empty one, else the least
	 * recently drawn. */
	struct image_entry *same = NULL, *empty = NULL, *lru = NULL;
	for (int i = 0; i < IMAGE_SLOTS; i++) {
		struct image_entry *e = &rd->images[i];
		if (!e->tex) {
			if (!empty)
				empty = e;
		} else if (e->id == img->id) {
			if (e->version == img->version) {
				e->last_used = rd->frame;
				return e->tex;
			}
			same = e;
		} else if (!lru || e->last_used < lru->last_used) {
			lru = e;
		}
	}
	struct image_entry *slot = same ? same : empty ? empty : lru;
	if (slot->tex)
		SDL_DestroyTexture(slot->tex);
	slot->tex = SDL_CreateTexture(rd->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, img->w,
				      img->h);
	if (!slot->tex)
		return NULL;
	SDL_UpdateTexture(slot->tex, NULL, img->px, img->pitch);
	/* An image without transparency (a QR code, a slide) is copied, not blended: the software
	 * renderer's blended copy costs several times more per pixel. Checked once per upload. */
	SDL_SetTextureBlendMode(slot->tex, image_opaque(img) ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
	SDL_SetTextureScaleMode(slot->tex, img->smooth ? SDL_ScaleModeLinear : SDL_ScaleModeNearest);
	slot->id = img->id;
	slot->version = img->version;
	slot->last_used = rd->frame;
	return slot->tex;
}

/* Whether text is drawn from the glyph cache: short, and only characters of GLYPH_CHARS. */
static int glyph_text(const char *text)
{
	size_t n = 0;
	for (; text[n]; n++)
		if (n >= GLYPH_TEXT_MAX || !memchr(GLYPH_CHARS, text[n], GLYPH_COUNT))
			return 0;
	return n > 0;
}

/* The glyph of character c (in GLYPH_CHARS), rendered and measured on first use; NULL when it
 * cannot be. */
static struct glyph *glyph_get(struct render *rd, enum ui_font f, int bold, char c)
{
	size_t i = (size_t)((const char *)memchr(GLYPH_CHARS, c, GLYPH_COUNT) - GLYPH_CHARS);
	struct glyph *g = &rd->glyphs[f][bold][i];
	if (g->adv64 >= 0) {
		rd->glyph_hits++;
		return g;
	}
	rd->glyph_misses++;
	struct font *fo = rd->fonts[f][bold];
	char one[2] = {c, '\0'};
	struct font_bitmap bm = {0};
	int adv = font_advance64(fo, c);
	if (adv < 0 || font_render(fo, one, &bm) < 0)
		return NULL;
	if (bm.w > 0) {
		SDL_Texture *tex = SDL_CreateTexture(rd->r, SDL_PIXELFORMAT_ARGB8888,
						     SDL_TEXTUREACCESS_STATIC, bm.w, bm.h);
		if (!tex) {
			font_bitmap_free(&bm);
			return NULL;
		}
		size_t n = (size_t)bm.w * (size_t)bm.h;
		uint32_t *px = xmalloc(n * 4);
		for (size_t k = 0; k < n; k++)
			px[k] = (uint32_t)bm.px[k] << 24 | 0xFFFFFF;
		SDL_UpdateTexture(tex, NULL, px, bm.w * 4);
		SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
		free(px);
		g->tex = tex;
		g->w = bm.w;
		g->h = bm.h;
		rd->glyph_entries++;
		rd->glyph_bytes += n * 4;
	}
	g->adv64 = adv;
	font_bitmap_free(&bm);
	return g;
}

/* Draws a glyph_text() string one cached glyph at a time, at the positions SDL_ttf's layout
 * gives the whole string (see font_advance64()). 0, or -1 when a glyph is missing (the caller
 * then draws the whole string). */
static int draw_glyphs(struct render *rd, const struct ui_cmd *c)
{
	int bold = c->bold ? 1 : 0;
	struct glyph *gs[GLYPH_TEXT_MAX];
	size_t n = 0;
	for (const char *p = c->text; *p; p++)
		if (!(gs[n++] = glyph_get(rd, c->font, bold, *p)))
			return -1;
	long pos = 0;
	for (size_t i = 0; i < n; i++) {
		struct glyph *g = gs[i];
		if (g->tex) {
			SDL_SetTextureColorMod(g->tex, c->color.r, c->color.g, c->color.b);
			SDL_SetTextureAlphaMod(g->tex, c->color.a);
			SDL_Rect t = {c->r.x + (int)(pos >> 6), c->r.y + (c->r.h - g->h) / 2, g->w, g->h};
			SDL_RenderCopy(rd->r, g->tex, NULL, &t);
		}
		pos += g->adv64;
	}
	return 0;
}

void render_forget_image(struct render *rd, uint64_t id)
{
	for (int i = 0; i < IMAGE_SLOTS; i++)
		if (rd->images[i].tex && rd->images[i].id == id) {
			SDL_DestroyTexture(rd->images[i].tex);
			memset(&rd->images[i], 0, sizeof(rd->images[i]));
		}
}

void render_frame(struct render *rd, const struct ui *ui, struct ui_color bg)
{
	rd->frame++;
	SDL_SetRenderDrawColor(rd->r, bg.r, bg.g, bg.b, 255);
	SDL_RenderClear(rd->r);
	for (int i = 0; i < ui->ncmds; i++) {
		const struct ui_cmd *c = &ui->cmds[i];
		SDL_Rect dst = {c->r.x, c->r.y, c->r.w, c->r.h};
		switch (c->kind) {
		case UI_CMD_RECT: {
			/* SDL's software renderer blends every pixel of a rectangle drawn with
			 * BLENDMODE_BLEND, even an opaque one; with NONE it fills rows (about 12x
			 * cheaper, the same pixels). Only translucent colours blend. */
			SDL_BlendMode mode = c->color.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND;
			if (mode != rd->mode) {
				SDL_SetRenderDrawBlendMode(rd->r, mode);
				rd->mode = mode;
			}
			SDL_SetRenderDrawColor(rd->r, c->color.r, c->color.g, c->color.b, c->color.a);
			if (SDL_RenderFillRect(rd->r, &dst) < 0 && !rd->reported) {
				/* Once: a renderer that cannot draw would otherwise fail silently. */
				fprintf(stderr, "barnstorm: cannot draw: %s\n", SDL_GetError());
				rd->reported = 1;
			}
			break;
		}
		case UI_CMD_TEXT: {
			if (glyph_text(c->text) && draw_glyphs(rd, c) == 0)
				break;
			struct text_entry *e = text_get(rd, c->font, c->bold, c->color, c->text);
			if (!e || !e->tex)
				break;
			/* Centre the rendered line vertically in the command's line box. */
			SDL_Rect t = {c->r.x, c->r.y + (c->r.h - e->h) / 2, e->w, e->h};
			SDL_RenderCopy(rd->r, e->tex, NULL, &t);
			break;
		}
		case UI_CMD_IMAGE: {
			SDL_Texture *tex = image_get(rd, c->image);
			if (tex)
				SDL_RenderCopy(rd->r, tex, NULL, &dst);
			break;
		}
		}
	}
	/* Back under the ceiling when an earlier frame went over it. */
	if (rd->bytes > TEXT_MAX_BYTES)
		make_room(rd, 0);
}

int render_screenshot(struct render *rd, const char *path)
{
	int w, h;
	if (SDL_GetRendererOutputSize(rd->r, &w, &h) < 0)
		return err_set("cannot read the screen: %s", SDL_GetError());
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s)
		return err_set("cannot make a surface: %s", SDL_GetError());
	int rc = 0;
	if (SDL_RenderReadPixels(rd->r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) < 0)
		rc = err_set("cannot read the screen: %s", SDL_GetError());
	else if (IMG_SavePNG(s, path) < 0)
		rc = err_set("cannot write '%s': %s", path, IMG_GetError());
	SDL_FreeSurface(s);
	return rc;
}

void render_stats(const struct render *rd, struct render_stats *out)
{
	out->text_entries = rd->entries;
	out->text_bytes = rd->bytes;
	out->text_hits = rd->hits;
	out->text_misses = rd->misses;
	out->glyph_entries = rd->glyph_entries;
	out->glyph_bytes = rd->glyph_bytes;
	out->glyph_hits = rd->glyph_hits;
	out->glyph_misses = rd->glyph_misses;
	out->images = 0;
	for (int i = 0; i < IMAGE_SLOTS; i++)
		out->images += rd->images[i].tex != NULL;
}
