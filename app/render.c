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
#define GLYPH_SETS 8
#define MEASURE_SLOTS 1024       /* widths of short texts, direct-mapped, power of two */
#define MEASURE_TEXT_MAX 96
#define GLYPH_MAX_BYTES RENDER_GLYPH_MAX_BYTES

/* Rendered text cropped to its ink: the software renderer blends every pixel it copies, and a
 * line's box is mostly empty (above capitals, below the baseline, between short words' ends). */
struct ink {
	SDL_Texture *tex;  /* NULL: the text draws nothing */
	int x, y, w, h;    /* the texture's place in the line's box */
	int line_h;        /* the height of the line's box, to centre it */
};

struct text_entry {
	int used;
	uint32_t hash;
	uint8_t font, bold;
	struct ui_color color;
	char *text;
	struct ink ink;
	uint64_t last_used;
};

/* One character of GLYPH_CHARS in one font and colour. Pre-coloured, not white and modulated:
 * SDL's software renderer copies a texture with colour modulation through a generic blitter
 * that costs several times more per pixel, and a huge timer is a lot of pixels. */
struct glyph {
	struct ink ink;
	int ready;
};

/* The glyphs of one (font, weight, colour), rendered on first use. */
struct glyph_set {
	int used;
	uint8_t font, bold;
	struct ui_color color;
	struct glyph g[GLYPH_COUNT];
	size_t bytes;
	uint64_t last_used;
};

/* A measured width: the UI measures each label several times a frame (fitting, ellipsis,
 * centring), and shaping it again each time is a sizeable part of a frame. */
struct measure_entry {
	uint32_t hash;
	uint8_t used, font, bold;
	uint8_t len;
	int w;
	char text[MEASURE_TEXT_MAX];
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
	/* Glyph sets, the least recently drawn replaced first, under GLYPH_MAX_BYTES; advances
	 * per font and weight in 1/64 px (0: not measured yet). Dropped when the scale changes. */
	struct glyph_set glyph_sets[GLYPH_SETS];
	int adv64[UI_FONT_COUNT][2][GLYPH_COUNT];
	int glyph_entries;
	size_t glyph_bytes;
	long glyph_hits, glyph_misses;
	struct measure_entry measures[MEASURE_SLOTS];
	long measure_hits, measure_misses;
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
	rd->bytes -= (size_t)e->ink.w * (size_t)e->ink.h * 4;
	rd->entries--;
	if (e->ink.tex)
		SDL_DestroyTexture(e->ink.tex);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

static void drop_glyph_set(struct render *rd, struct glyph_set *gs)
{
	if (!gs->used)
		return;
	for (size_t i = 0; i < GLYPH_COUNT; i++)
		if (gs->g[i].ink.tex) {
			SDL_DestroyTexture(gs->g[i].ink.tex);
			rd->glyph_entries--;
		}
	rd->glyph_bytes -= gs->bytes;
	memset(gs, 0, sizeof(*gs));
}

static void clear_text(struct render *rd)
{
	for (int i = 0; i < TEXT_SLOTS; i++)
		drop_entry(rd, &rd->slots[i]);
	for (int i = 0; i < GLYPH_SETS; i++)
		drop_glyph_set(rd, &rd->glyph_sets[i]);
	memset(rd->adv64, 0, sizeof(rd->adv64));
	memset(rd->measures, 0, sizeof(rd->measures));
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

static uint32_t measure_hash(enum ui_font f, int bold, const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	h = (h ^ (uint32_t)f) * 16777619u;
	h = (h ^ (uint32_t)bold) * 16777619u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

int render_measure(void *ctx, enum ui_font f, int bold, const char *text, size_t len)
{
	struct render *rd = ctx;
	bold = bold ? 1 : 0;
	struct measure_entry *m = NULL;
	if (len <= MEASURE_TEXT_MAX) {
		uint32_t h = measure_hash(f, bold, text, len);
		m = &rd->measures[h & (MEASURE_SLOTS - 1)];
		if (m->used && m->hash == h && m->font == f && m->bold == bold && m->len == len &&
		    !memcmp(m->text, text, len)) {
			rd->measure_hits++;
			return m->w;
		}
		m->used = 0;
		m->hash = h;
	}
	rd->measure_misses++;
	char buf[TEXT_CLEAN_MAX];
	clean_text(buf, text, len);
	int w = 0, h = 0;
	if (font_measure(rd->fonts[f][bold], buf, &w, &h) < 0)
		return (int)len * UI_FONT_PX[f];
	if (m) {
		m->used = 1;
		m->font = (uint8_t)f;
		m->bold = (uint8_t)bold;
		m->len = (uint8_t)len;
		m->w = w;
		memcpy(m->text, text, len);
	}
	return w;
}

/* The box of bm's ink, or w = h = 0 when it has none. */
static void ink_box(const struct font_bitmap *bm, struct ink *ink)
{
	int x0 = bm->w, y0 = bm->h, x1 = -1, y1 = -1;
	for (int y = 0; y < bm->h; y++) {
		const uint8_t *row = bm->px + (size_t)y * (size_t)bm->w;
		for (int x = 0; x < bm->w; x++)
			if (row[x]) {
				x0 = x < x0 ? x : x0;
				x1 = x > x1 ? x : x1;
				y0 = y < y0 ? y : y0;
				y1 = y;
			}
	}
	ink->line_h = bm->h;
	if (x1 < 0) {
		ink->x = ink->y = ink->w = ink->h = 0;
		return;
	}
	ink->x = x0;
	ink->y = y0;
	ink->w = x1 - x0 + 1;
	ink->h = y1 - y0 + 1;
}

/* Makes ink->tex from the inked part of bm (see ink_box()) in colour c. 0 (ink->tex stays NULL
 * for a bitmap without ink), or -1 when SDL cannot make the texture. */
static int ink_texture(struct render *rd, const struct font_bitmap *bm, struct ui_color c,
		       struct ink *ink)
{
	ink->tex = NULL;
	if (ink->w == 0)
		return 0;
	SDL_Texture *tex = SDL_CreateTexture(rd->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC,
					     ink->w, ink->h);
	if (!tex)
		return -1;
	uint32_t *px = xmalloc((size_t)ink->w * (size_t)ink->h * 4);
	uint32_t rgb = (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
	for (int y = 0; y < ink->h; y++) {
		const uint8_t *src = bm->px + (size_t)(ink->y + y) * (size_t)bm->w + (size_t)ink->x;
		uint32_t *dst = px + (size_t)y * (size_t)ink->w;
		for (int x = 0; x < ink->w; x++)
			dst[x] = (uint32_t)(src[x] * c.a / 255) << 24 | rgb;
	}
	SDL_UpdateTexture(tex, NULL, px, ink->w * 4);
	SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
	free(px);
	ink->tex = tex;
	return 0;
}

/* Copies ink onto the screen for a line box at x, y of height h (centred vertically). */
static void ink_draw(struct render *rd, const struct ink *ink, int x, int y, int h)
{
	if (!ink->tex)
		return;
	SDL_Rect t = {x + ink->x, y + (h - ink->line_h) / 2 + ink->y, ink->w, ink->h};
	SDL_RenderCopy(rd->r, ink->tex, NULL, &t);
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
 * texture (ink.tex NULL) for text that draws nothing, so that is not rendered again each frame. */
static struct text_entry *text_get(struct render *rd, enum ui_font f, int bold, struct ui_color c,
				   const char *raw)
{
	char text[TEXT_CLEAN_MAX];
	clean_text(text, raw, strlen(raw));
	bold = bold ? 1 : 0;
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
	if (font_render(rd->fonts[f][bold], text, &bm) < 0)
		return NULL;
	struct ink ink;
	ink_box(&bm, &ink);
	size_t bytes = (size_t)ink.w * (size_t)ink.h * 4;
	make_room(rd, bytes);
	if (!free_slot || free_slot->used) {
		free_slot = NULL;
		for (unsigned n = 0, j = h & (TEXT_SLOTS - 1); n < TEXT_SLOTS; n++, j = (j + 1) & (TEXT_SLOTS - 1))
			if (!rd->slots[j].used) {
				free_slot = &rd->slots[j];
				break;
			}
	}
	if (!free_slot || ink_texture(rd, &bm, c, &ink) < 0) {
		font_bitmap_free(&bm);
		return NULL;
	}
	struct text_entry *e = free_slot;
	e->used = 1;
	e->hash = h;
	e->font = (uint8_t)f;
	e->bold = (uint8_t)bold;
	e->color = c;
	e->text = xstrdup(text);
	e->ink = ink;
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

/* The advance of glyph i in 1/64 px, measured on first use; -1 when it cannot be. */
static int glyph_advance(struct render *rd, enum ui_font f, int bold, size_t i)
{
	int *a = &rd->adv64[f][bold][i];
	if (*a == 0) {
		int v = font_advance64(rd->fonts[f][bold], GLYPH_CHARS[i]);
		*a = v > 0 ? v : -1;
	}
	return *a;
}

/* The glyph set of (f, bold, color), or a new one in place of the least recently drawn set that
 * the current frame has not drawn; NULL when every set is in use this frame. */
static struct glyph_set *glyph_set_get(struct render *rd, enum ui_font f, int bold,
				       struct ui_color c)
{
	struct glyph_set *empty = NULL, *lru = NULL;
	for (int i = 0; i < GLYPH_SETS; i++) {
		struct glyph_set *gs = &rd->glyph_sets[i];
		if (!gs->used) {
			if (!empty)
				empty = gs;
		} else if (gs->font == f && gs->bold == bold && !memcmp(&gs->color, &c, sizeof(c))) {
			gs->last_used = rd->frame;
			return gs;
		} else if (gs->last_used != rd->frame && (!lru || gs->last_used < lru->last_used)) {
			lru = gs;
		}
	}
	if (empty)
		lru = empty;
	if (!lru)
		return NULL;
	drop_glyph_set(rd, lru);
	lru->used = 1;
	lru->font = (uint8_t)f;
	lru->bold = (uint8_t)bold;
	lru->color = c;
	lru->last_used = rd->frame;
	return lru;
}

/* Makes room for `need` more glyph bytes by dropping the least recently drawn sets other than
 * `keep` that the current frame has not drawn. 0, or -1 when there is no room. */
static int glyph_room(struct render *rd, size_t need, const struct glyph_set *keep)
{
	while (rd->glyph_bytes + need > GLYPH_MAX_BYTES) {
		struct glyph_set *lru = NULL;
		for (int i = 0; i < GLYPH_SETS; i++) {
			struct glyph_set *gs = &rd->glyph_sets[i];
			if (gs->used && gs != keep && gs->last_used != rd->frame &&
			    (!lru || gs->last_used < lru->last_used))
				lru = gs;
		}
		if (!lru)
			return -1;
		drop_glyph_set(rd, lru);
	}
	return 0;
}

/* Glyph i of a set, rendered on first use; NULL when it cannot be. */
static struct glyph *glyph_get(struct render *rd, struct glyph_set *gs, size_t i)
{
	struct glyph *g = &gs->g[i];
	if (g->ready) {
		rd->glyph_hits++;
		return g;
	}
	rd->glyph_misses++;
	enum ui_font f = (enum ui_font)gs->font;
	char one[2] = {GLYPH_CHARS[i], '\0'};
	struct font_bitmap bm = {0};
	if (font_render(rd->fonts[f][gs->bold], one, &bm) < 0)
		return NULL;
	struct ink ink;
	ink_box(&bm, &ink);
	size_t bytes = (size_t)ink.w * (size_t)ink.h * 4;
	if ((bytes && glyph_room(rd, bytes, gs) < 0) || ink_texture(rd, &bm, gs->color, &ink) < 0) {
		font_bitmap_free(&bm);
		return NULL;
	}
	g->ink = ink;
	if (ink.tex) {
		gs->bytes += bytes;
		rd->glyph_entries++;
		rd->glyph_bytes += bytes;
	}
	g->ready = 1;
	font_bitmap_free(&bm);
	return g;
}

/* Draws a glyph_text() string one cached glyph at a time, at the positions SDL_ttf's layout
 * gives the whole string (see font_advance64()). 0, or -1 when a glyph is missing (the caller
 * then draws the whole string). */
static int draw_glyphs(struct render *rd, const struct ui_cmd *c)
{
	int bold = c->bold ? 1 : 0;
	struct glyph_set *gs = glyph_set_get(rd, c->font, bold, c->color);
	if (!gs)
		return -1;
	struct glyph *g[GLYPH_TEXT_MAX];
	int adv[GLYPH_TEXT_MAX];
	size_t n = 0;
	for (const char *p = c->text; *p; p++, n++) {
		size_t i = (size_t)((const char *)memchr(GLYPH_CHARS, *p, GLYPH_COUNT) - GLYPH_CHARS);
		adv[n] = glyph_advance(rd, c->font, bold, i);
		g[n] = glyph_get(rd, gs, i);
		if (adv[n] < 0 || !g[n])
			return -1;
	}
	long pos = 0;
	for (size_t i = 0; i < n; i++) {
		ink_draw(rd, &g[i]->ink, c->r.x + (int)(pos >> 6), c->r.y, c->r.h);
		pos += adv[i];
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
	/* The draw blend mode is the renderer's, which its owner may have changed since. */
	rd->mode = SDL_BLENDMODE_NONE;
	SDL_SetRenderDrawBlendMode(rd->r, rd->mode);
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
			if (e)
				ink_draw(rd, &e->ink, c->r.x, c->r.y, c->r.h);
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
	out->measure_hits = rd->measure_hits;
	out->measure_misses = rd->measure_misses;
	out->images = 0;
	for (int i = 0; i < IMAGE_SLOTS; i++)
		out->images += rd->images[i].tex != NULL;
}
