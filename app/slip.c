#include "slip.h"
#include "font.h"
#include "qr.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The most lines a slip holds and the most bytes of one field we lay out: bounded work and
 * paper for whatever a pack or a person typed. */
#define MAX_ITEMS 160
#define FIELD_MAX 1024
/* Larger modules only waste paper: 6 dots at 203 dpi is 0.75 mm, easy for any phone. */
#define MAX_DOTS 6

enum { F_TITLE, F_NAME, F_BODY, F_SMALL, NFONTS };

struct slip {
	int width;
	int margin;
	struct font *f[NFONTS];
};

/* One laid-out piece: a line of text (a coverage bitmap) or the QR code. */
struct item {
	struct font_bitmap bm;  /* text; bm.px NULL for the QR item */
	int gap;                /* blank dots above */
	int h;
};

struct layout {
	struct item items[MAX_ITEMS];
	int n;
	int height;
	int truncated;
};

int slip_check_width(int width)
{
	if (width < SLIP_WIDTH_MIN || width > SLIP_WIDTH_MAX || width % 8)
		return err_set("slip width %d is not a multiple of 8 between %d and %d dots "
			       "(384 for 58 mm paper, 576 for 80 mm)", width, SLIP_WIDTH_MIN,
			       SLIP_WIDTH_MAX);
	return 0;
}

struct slip *slip_open(int width)
{
	if (slip_check_width(width) < 0)
		return NULL;
	struct slip *sl = xcalloc(1, sizeof(*sl));
	sl->width = width;
	sl->margin = width / 24;
	/* Sizes scale with the paper: at 384 dots (48 mm printable) the name is 6 mm high. */
	static const int px384[NFONTS] = {26, 48, 24, 20};
	static const int bold[NFONTS] = {1, 1, 0, 0};
	for (int i = 0; i < NFONTS; i++) {
		sl->f[i] = font_open(px384[i] * width / 384, bold[i]);
		if (!sl->f[i]) {
			slip_close(sl);
			return NULL;
		}
	}
	return sl;
}

void slip_close(struct slip *sl)
{
	if (!sl)
		return;
	for (int i = 0; i < NFONTS; i++)
		font_close(sl->f[i]);
	free(sl);
}

int slip_width(const struct slip *sl)
{
	return sl->width;
}

void slip_raster_init(struct slip_raster *r, int width, int height)
{
	if (width <= 0 || width % 8 || height < 0)
		BUG("slip_raster_init: bad size");
	r->width = width;
	r->height = height;
	r->bits = xcalloc((size_t)(width / 8) * (size_t)(height ? height : 1), 1);
}

void slip_raster_release(struct slip_raster *r)
{
	free(r->bits);
	r->bits = NULL;
	r->width = r->height = 0;
}

int slip_raster_get(const struct slip_raster *r, int x, int y)
{
	if (x < 0 || y < 0 || x >= r->width || y >= r->height)
		return 0;
	return (r->bits[(size_t)y * (size_t)(r->width / 8) + (size_t)(x / 8)] >> (7 - x % 8)) & 1;
}

void slip_raster_set(struct slip_raster *r, int x, int y)
{
	if (x < 0 || y < 0 || x >= r->width || y >= r->height)
		return;
	r->bits[(size_t)y * (size_t)(r->width / 8) + (size_t)(x / 8)] |= (uint8_t)(0x80 >> (x % 8));
}

static void layout_release(struct layout *l)
{
	for (int i = 0; i < l->n; i++)
		font_bitmap_free(&l->items[i].bm);
	l->n = 0;
}

/* Adds one rendered line; a slip that is full drops it and remembers it was cut. */
static int add_line(struct layout *l, struct font *f, const char *text, int gap)
{
	if (l->n >= MAX_ITEMS || l->height + gap + font_line_height(f) > SLIP_HEIGHT_MAX) {
		l->truncated = 1;
		return 0;
	}
	struct item *it = &l->items[l->n];
	if (font_render(f, text, &it->bm) < 0)
		return -1;
	it->gap = gap;
	it->h = font_line_height(f) > it->bm.h ? font_line_height(f) : it->bm.h;
	l->height += gap + it->h;
	l->n++;
	return 0;
}

static int fits(struct font *f, const char *s, int maxw)
{
	int w, h;
	if (font_measure(f, s, &w, &h) < 0)
		return -1;
	return w <= maxw;
}

/* Breaks one word wider than the line at code points; leaves the rest in *word. */
static int add_broken_word(struct layout *l, struct font *f, char *line, size_t cap,
			   const char **word, const char *end, int maxw, int *gap)
{
	while (*word < end) {
		size_t n = 0;
		const char *p = *word;
		line[0] = '\0';
		while (p < end) {
			const char *q = p;
			utf8_next(&q);
			if (q > end)
				q = end;
			size_t add = (size_t)(q - p);
			if (n + add + 1 > cap)
				break;
			memcpy(line + n, p, add);
			line[n + add] = '\0';
			int ok = fits(f, line, maxw);
			if (ok < 0)
				return -1;
			if (!ok && n > 0) {
				line[n] = '\0';
				break;
			}
			n += add;
			p = q;
		}
		if (p == end) {
			/* The tail stays as the start of the next line. */
			return 0;
		}
		if (add_line(l, f, line, *gap) < 0)
			return -1;
		*gap = 0;
		*word = p;
	}
	return 0;
}

/* Word-wraps text (paragraphs split at '\n') into lines of at most maxw dots. */
static int add_text(struct layout *l, struct font *f, const char *text, int maxw, int gap)
{
	if (!text || !*text)
		return 0;
	char buf[FIELD_MAX + 1];
	size_t tl = strlen(text);
	if (tl > FIELD_MAX) {
		/* Cut at a UTF-8 boundary. */
		tl = FIELD_MAX;
		while (tl > 0 && ((unsigned char)text[tl] & 0xc0) == 0x80)
			tl--;
	}
	memcpy(buf, text, tl);
	buf[tl] = '\0';
	if (!utf8_valid(buf, tl))
		return err_set("slip text is not valid UTF-8");
	char line[FIELD_MAX + 1];
	const char *p = buf;
	while (1) {
		const char *eol = strchr(p, '\n');
		const char *pend = eol ? eol : p + strlen(p);
		size_t n = 0;
		line[0] = '\0';
		const char *w = p;
		while (w < pend) {
			while (w < pend && *w == ' ')
				w++;
			if (w >= pend)
				break;
			const char *we = w;
			while (we < pend && *we != ' ')
				we++;
			/* Try the line with this word appended. */
			size_t old = n;
			if (n)
				line[n++] = ' ';
			memcpy(line + n, w, (size_t)(we - w));
			n += (size_t)(we - w);
			line[n] = '\0';
			int ok = fits(f, line, maxw);
			if (ok < 0)
				return -1;
			if (ok) {
				w = we;
				continue;
			}
			line[old] = '\0';
			n = old;
			if (n) {
				if (add_line(l, f, line, gap) < 0)
					return -1;
				gap = 0;
				n = 0;
				line[0] = '\0';
				continue; /* the word again, on a fresh line */
			}
			/* A single word too wide for a line (a link): break it at code points. */
			const char *ws = w;
			if (add_broken_word(l, f, line, sizeof(line), &ws, we, maxw, &gap) < 0)
				return -1;
			n = (size_t)(we - ws);
			memcpy(line, ws, n);
			line[n] = '\0';
			w = we;
		}
		if (n || !eol) {
			if (n && add_line(l, f, line, gap) < 0)
				return -1;
			gap = 0;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return 0;
}

/* Thresholds a coverage bitmap into the raster, centred. */
static void blit_center(struct slip_raster *r, const struct font_bitmap *bm, int y)
{
	int x0 = (r->width - bm->w) / 2;
	if (x0 < 0)
		x0 = 0;
	for (int yy = 0; yy < bm->h; yy++)
		for (int xx = 0; xx < bm->w; xx++)
			if (bm->px[(size_t)yy * (size_t)bm->w + (size_t)xx] >= 128)
				slip_raster_set(r, x0 + xx, y + yy);
}

int slip_render(struct slip *sl, const struct slip_content *c, struct slip_raster *out,
		int *link_as_text)
{
	struct layout *l = xcalloc(1, sizeof(*l));
	struct qr code = {0, NULL};
	int qr_item = -1, dots = 0, as_text = 0, rc = -1;
	int maxw = sl->width - 2 * sl->margin;
	int line = font_line_height(sl->f[F_BODY]);

	l->height = line / 2;
	if (add_text(l, sl->f[F_TITLE], c->title, maxw, 0) < 0 ||
	    add_text(l, sl->f[F_NAME], c->first_name, maxw, line / 2) < 0 ||
	    add_text(l, sl->f[F_BODY], c->commitment, maxw, line / 3) < 0 ||
	    add_text(l, sl->f[F_BODY], c->team, maxw, line / 3) < 0 ||
	    add_text(l, sl->f[F_BODY], c->details, maxw, line / 3) < 0)
		goto out;
	if (c->link && *c->link) {
		if (qr_encode(c->link, &code) == 0) {
			/* The quiet zone may use the paper's margin: it only has to be blank. */
			dots = sl->width / code.size;
			if (dots > MAX_DOTS)
				dots = MAX_DOTS;
		}
		if (dots >= SLIP_MIN_DOTS && l->n < MAX_ITEMS &&
		    l->height + code.size * dots <= SLIP_HEIGHT_MAX) {
			qr_item = l->n;
			struct item *it = &l->items[l->n++];
			it->gap = line / 4;
			it->h = code.size * dots;
			l->height += it->gap + it->h;
			if (add_text(l, sl->f[F_SMALL], c->scan_hint, maxw, 0) < 0)
				goto out;
		} else {
			as_text = 1;
			if (add_text(l, sl->f[F_SMALL], c->link_hint, maxw, line / 2) < 0 ||
			    add_text(l, sl->f[F_SMALL], c->link, maxw, 0) < 0)
				goto out;
		}
	}
	if (add_text(l, sl->f[F_SMALL], c->date, maxw, line / 2) < 0)
		goto out;
	l->height += line / 2;

	slip_raster_init(out, sl->width, l->height);
	int y = 0 + line / 2;
	for (int i = 0; i < l->n; i++) {
		struct item *it = &l->items[i];
		y += it->gap;
		if (i == qr_item) {
			int x0 = (sl->width - code.size * dots) / 2;
			for (int my = 0; my < code.size; my++)
				for (int mx = 0; mx < code.size; mx++)
					if (qr_dark(&code, mx, my))
						for (int dy = 0; dy < dots; dy++)
							for (int dx = 0; dx < dots; dx++)
								slip_raster_set(out, x0 + mx * dots + dx,
										y + my * dots + dy);
		} else {
			blit_center(out, &it->bm, y);
		}
		y += it->h;
	}
	if (link_as_text)
		*link_as_text = as_text;
	rc = 0;
out:
	qr_release(&code);
	layout_release(l);
	free(l);
	return rc;
}
