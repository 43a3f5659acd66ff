#include "slides.h"
#include "pack.h"
#include "util.h"

#include <SDL.h>
#include <SDL_image.h>
#include <cairo.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poppler.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_READ_MAX (512 * 1024) /* a JPEG's size marker comes after its EXIF data */
#define PROBLEM_MAX 512
#define PDFS_MAX 64                  /* PDFs listed in slides/ (only the first is used) */

/* One numbered image file. */
struct image_file {
	char *name;     /* as in slides/ */
	char *path;
	long number;
	int w, h;       /* from the file header; 0 when unreadable */
};

/* What slides/ holds, found the same way by slides_open() and slides_check(). */
struct source {
	enum slides_kind kind;
	int count;
	char problem[PROBLEM_MAX]; /* "" when none */
	char problem_file[512];    /* the file the problem is about */
	char label[512];           /* "slides/deck.pdf" or "slides/" */
	PopplerDocument *doc;
	struct image_file *images;
	int nimages;
};

struct cache_entry {
	int page;                  /* 0: free */
	unsigned gen;
	struct slide_image img;
};

struct slides {
	struct source src;
	int has_thread;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Under mu: */
	int quit;
	int want;                  /* the current page, 0 for none */
	int w, h;
	unsigned gen;              /* bumped by a size change; older renders are dropped */
	struct cache_entry cache[SLIDES_CACHE_PAGES];
	int pinned;                /* cache index handed out by slides_get(), -1 for none */
	void (*notify)(void *ctx, int page);
	void *notify_ctx;
};

/* ---- finding the slides ---- */

static int has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	return n > e && !strcasecmp(name + n - e, ext);
}

static int is_image_name(const char *name)
{
	return has_ext(name, ".png") || has_ext(name, ".jpg") || has_ext(name, ".jpeg");
}

/* The last run of digits in the name before its extension, or -1. */
static long name_number(const char *name)
{
	const char *dot = strrchr(name, '.');
	const char *end = dot ? dot : name + strlen(name);
	const char *q = end;
	while (q > name && (q[-1] < '0' || q[-1] > '9'))
		q--;
	if (q == name)
		return -1;
	const char *digits_end = q;
	while (q > name && q[-1] >= '0' && q[-1] <= '9')
		q--;
	long v = 0;
	for (const char *d = q; d < digits_end; d++) {
		if (v > 100000000)
			return -1; /* absurdly long numbers sort nowhere sensible */
		v = v * 10 + (*d - '0');
	}
	return v;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int cmp_image(const void *x, const void *y)
{
	const struct image_file *a = x, *b = y;
	if (a->number != b->number)
		return a->number < b->number ? -1 : 1;
	return strcmp(a->name, b->name);
}

static uint32_t be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Width and height from a PNG or JPEG header, without decoding the image (a huge image is
 * refused before it can take the memory). 0, or -1 with err_msg(). */
static int image_dims(const char *path, const char *label, int *w, int *h)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set("cannot open '%s': %s", label, strerror(errno));
	unsigned char *b = xmalloc(HEADER_READ_MAX);
	size_t n = fread(b, 1, HEADER_READ_MAX, f);
	fclose(f);
	int rc = -1;
	static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	if (n >= 24 && !memcmp(b, png_sig, 8) && !memcmp(b + 12, "IHDR", 4)) {
		uint32_t pw = be32(b + 16), ph = be32(b + 20);
		if (pw > 0 && ph > 0 && pw <= INT_MAX && ph <= INT_MAX) {
			*w = (int)pw;
			*h = (int)ph;
			rc = 0;
		}
		goto out;
	}
	if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
		size_t i = 2;
		while (i + 4 <= n) {
			if (b[i] != 0xFF) {
				i++;
				continue;
			}
			unsigned m = b[i + 1];
			if (m == 0xFF) {
				i++;
				continue;
			}
			if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
				i += 2;
				continue;
			}
			size_t len = (size_t)b[i + 2] << 8 | b[i + 3];
			if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
				if (i + 9 > n)
					break;
				*h = b[i + 5] << 8 | b[i + 6];
				*w = b[i + 7] << 8 | b[i + 8];
				rc = *w > 0 && *h > 0 ? 0 : -1;
				goto out;
			}
			if (len < 2)
				break;
			i += 2 + len;
		}
	}
out:
	free(b);
	if (rc < 0)
		err_set("'%s' is not a readable PNG or JPEG image", label);
	return rc;
}

static void source_release(struct source *src)
{
	if (src->doc)
		g_object_unref(src->doc);
	for (int i = 0; i < src->nimages; i++) {
		free(src->images[i].name);
		free(src->images[i].path);
	}
	free(src->images);
	memset(src, 0, sizeof(*src));
}

static void add_diag(struct diags *d, enum diag_level lv, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add_diag(struct diags *d, enum diag_level lv, const char *file, const char *fmt, ...)
{
	if (!d)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(d, lv, file, 0, "%s", msg);
}

/* Opens the PDF; on failure says why in src->problem. */
static int open_pdf(struct source *src, const char *path, const char *label)
{
	GError *error = NULL;
	char *abs = realpath(path, NULL);
	char *uri = abs ? g_filename_to_uri(abs, NULL, &error) : NULL;
	free(abs);
	if (!uri) {
		str_fmt(src->problem, sizeof(src->problem), "%s: cannot open the file: %s", label,
			error ? error->message : strerror(errno));
		g_clear_error(&error);
		return -1;
	}
	PopplerDocument *doc = poppler_document_new_from_file(uri, NULL, &error);
	g_free(uri);
	if (!doc) {
		if (error && error->domain == POPPLER_ERROR && error->code == POPPLER_ERROR_ENCRYPTED)
			str_fmt(src->problem, sizeof(src->problem),
				"%s: the PDF is password-protected; export it again without a password",
				label);
		else
			str_fmt(src->problem, sizeof(src->problem),
				"%s: the file is damaged or not a PDF (%s)", label,
				error ? error->message : "unknown error");
		g_clear_error(&error);
		return -1;
	}
	int n = poppler_document_get_n_pages(doc);
	if (n <= 0) {
		str_fmt(src->problem, sizeof(src->problem), "%s: the PDF has no pages", label);
		g_object_unref(doc);
		return -1;
	}
	src->doc = doc;
	src->count = n > SLIDES_MAX_PAGES ? SLIDES_MAX_PAGES : n;
	return 0;
}

/* Lists slides/ and picks the source. With d (slides_check), reports every problem it sees and
 * decodes each image fully; without, it only reads headers. */
static void source_find(const struct pack *p, struct source *src, struct diags *d)
{
	memset(src, 0, sizeof(*src));
	char dir[4096], path[4608], label[512];
	char **pdfs = NULL, **imgs = NULL;
	int npdfs = 0, nimgs = 0, cap = 0, icap = 0;
	if (!p->dir || str_fmt(dir, sizeof(dir), "%s/slides", p->dir) < 0)
		goto text;
	DIR *dh = opendir(dir);
	if (!dh)
		goto text; /* no slides/ folder is fine */
	struct dirent *e;
	while ((e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue;
		if (has_ext(e->d_name, ".pdf") && npdfs < PDFS_MAX) {
			if (npdfs == cap) {
				cap = cap ? cap * 2 : 4;
				pdfs = xrealloc(pdfs, cap * sizeof(*pdfs));
			}
			pdfs[npdfs++] = xstrdup(e->d_name);
		} else if (is_image_name(e->d_name) && nimgs < SLIDES_MAX_PAGES) {
			if (nimgs == icap) {
				icap = icap ? icap * 2 : 16;
				imgs = xrealloc(imgs, icap * sizeof(*imgs));
			}
			imgs[nimgs++] = xstrdup(e->d_name);
		}
	}
	closedir(dh);
	if (npdfs)
		qsort(pdfs, npdfs, sizeof(*pdfs), cmp_str);
	if (nimgs)
		qsort(imgs, nimgs, sizeof(*imgs), cmp_str);

	if (npdfs) {
		str_fmt(label, sizeof(label), "slides/%s", pdfs[0]);
		str_fmt(path, sizeof(path), "%s/%s", dir, pdfs[0]);
		for (int i = 1; i < npdfs; i++)
			add_diag(d, DIAG_WARNING, label, "slides/%s is not shown: only the first PDF "
				 "(by name) is used", pdfs[i]);
		if (open_pdf(src, path, label) == 0) {
			src->kind = SLIDES_PDF;
			str_copy(src->label, sizeof(src->label), label);
			if (nimgs)
				add_diag(d, DIAG_WARNING, label, "the images in slides/ are not shown "
					 "because this PDF is used");
			goto out;
		}
		add_diag(d, DIAG_ERROR, label, "%s", src->problem + strlen(label) + 2);
		str_copy(src->problem_file, sizeof(src->problem_file), label);
	}

	if (nimgs) {
		src->images = xcalloc(nimgs, sizeof(*src->images));
		for (int i = 0; i < nimgs; i++) {
			str_fmt(label, sizeof(label), "slides/%s", imgs[i]);
			long num = name_number(imgs[i]);
			if (num < 0) {
				add_diag(d, DIAG_WARNING, label, "the name has no number, so the image is "
					 "not shown; name slides 1.png, 2.png, ...");
				continue;
			}
			struct image_file *im = &src->images[src->nimages];
			im->name = xstrdup(imgs[i]);
			str_fmt(path, sizeof(path), "%s/%s", dir, imgs[i]);
			if (image_dims(path, label, &im->w, &im->h) < 0) {
				add_diag(d, DIAG_ERROR, label, "not a readable PNG or JPEG image");
				if (!src->problem[0]) {
					str_fmt(src->problem, sizeof(src->problem), "%s: not a readable "
						"PNG or JPEG image", label);
					str_copy(src->problem_file, sizeof(src->problem_file), label);
				}
				im->w = im->h = 0; /* shown as a black slide, so numbering holds */
			} else if (im->w > SLIDES_MAX_SIZE || im->h > SLIDES_MAX_SIZE ||
				   (int64_t)im->w * im->h > SLIDES_MAX_IMAGE_PIXELS) {
				/* Decoding takes w*h*4 bytes twice over; a Pi has 1 GB. */
				add_diag(d, DIAG_ERROR, label, "the image is %dx%d pixels; at most %d "
					 "on each side and %d megapixels (3840x2160 is plenty)", im->w,
					 im->h, SLIDES_MAX_SIZE, SLIDES_MAX_IMAGE_PIXELS / 1000000);
				if (!src->problem[0]) {
					str_fmt(src->problem, sizeof(src->problem), "%s: the image is "
						"too large (%dx%d)", label, im->w, im->h);
					str_copy(src->problem_file, sizeof(src->problem_file), label);
				}
				im->w = im->h = 0;
			} else if (d) {
				SDL_Surface *sf = IMG_Load(path);
				if (!sf)
					add_diag(d, DIAG_ERROR, label, "the image cannot be decoded: %s",
						 IMG_GetError());
				SDL_FreeSurface(sf);
			}
			im->path = xstrdup(path);
			im->number = num;
			src->nimages++;
		}
		qsort(src->images, src->nimages, sizeof(*src->images), cmp_image);
		const struct image_file *first = NULL;
		for (int i = 0; i < src->nimages; i++) {
			const struct image_file *im = &src->images[i];
			if (!im->w)
				continue;
			if (!first) {
				first = im;
			} else if (im->w != first->w || im->h != first->h) {
				str_fmt(label, sizeof(label), "slides/%s", im->name);
				add_diag(d, DIAG_WARNING, label, "the image is %dx%d pixels but slides/%s "
					 "is %dx%d; slides of different sizes jump on the screen",
					 im->w, im->h, first->name, first->w, first->h);
			}
		}
		for (int i = 1; i < src->nimages; i++)
			if (src->images[i].number == src->images[i - 1].number)
				add_diag(d, DIAG_WARNING, "slides/", "slides/%s and slides/%s have the "
					 "same number %ld; they are shown in name order",
					 src->images[i - 1].name, src->images[i].name,
					 src->images[i].number);
		if (src->nimages) {
			src->kind = SLIDES_IMAGES;
			src->count = src->nimages;
			str_copy(src->label, sizeof(src->label), "slides/");
			goto out;
		}
	}
text:
	if (p->ntext_slides > 0) {
		src->kind = SLIDES_TEXT;
		src->count = p->ntext_slides;
		str_copy(src->label, sizeof(src->label), "event.ini");
	}
out:
	for (int i = 0; i < npdfs; i++)
		free(pdfs[i]);
	for (int i = 0; i < nimgs; i++)
		free(imgs[i]);
	free(pdfs);
	free(imgs);
}

/* ---- rendering (worker thread) ---- */

static int image_alloc(struct slide_image *img, int w, int h)
{
	img->w = w;
	img->h = h;
	img->pitch = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, w);
	if (img->pitch <= 0)
		return -1;
	img->px = xcalloc((size_t)img->pitch, (size_t)h);
	return 0;
}

/* Black everywhere (letterbox); `content` then draws into the centred fit rectangle. */
static cairo_t *target_begin(struct slide_image *img, cairo_surface_t **sf)
{
	*sf = cairo_image_surface_create_for_data(img->px, CAIRO_FORMAT_ARGB32, img->w, img->h,
						  img->pitch);
	cairo_t *cr = cairo_create(*sf);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_paint(cr);
	return cr;
}

static void fit(double sw, double sh, int w, int h, double *scale, double *ox, double *oy)
{
	double sx = w / sw, sy = h / sh;
	*scale = sx < sy ? sx : sy;
	*ox = (w - sw * *scale) / 2;
	*oy = (h - sh * *scale) / 2;
}

static void target_end(cairo_t *cr, cairo_surface_t *sf)
{
	cairo_destroy(cr);
	cairo_surface_flush(sf);
	cairo_surface_destroy(sf);
}

static void render_pdf(PopplerDocument *doc, int page, struct slide_image *img)
{
	PopplerPage *pg = poppler_document_get_page(doc, page - 1);
	cairo_surface_t *sf;
	cairo_t *cr = target_begin(img, &sf);
	if (pg) {
		double pw = 0, ph = 0, scale, ox, oy;
		poppler_page_get_size(pg, &pw, &ph);
		if (pw > 0 && ph > 0) {
			fit(pw, ph, img->w, img->h, &scale, &ox, &oy);
			/* PDF pages are transparent; paper is white. */
			cairo_rectangle(cr, ox, oy, pw * scale, ph * scale);
			cairo_set_source_rgb(cr, 1, 1, 1);
			cairo_fill(cr);
			cairo_translate(cr, ox, oy);
			cairo_scale(cr, scale, scale);
			poppler_page_render(pg, cr);
		}
		g_object_unref(pg);
	}
	target_end(cr, sf);
}

static void render_image(const struct image_file *im, struct slide_image *img)
{
	cairo_surface_t *sf;
	cairo_t *cr = target_begin(img, &sf);
	SDL_Surface *raw = im->w > 0 ? IMG_Load(im->path) : NULL;
	SDL_Surface *argb = raw ? SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0) : NULL;
	SDL_FreeSurface(raw);
	/* The header said one size; trust only what was decoded. */
	if (argb && argb->w > 0 && argb->h > 0 && argb->w <= SLIDES_MAX_SIZE &&
	    argb->h <= SLIDES_MAX_SIZE && (int64_t)argb->w * argb->h <= SLIDES_MAX_IMAGE_PIXELS &&
	    argb->pitch == cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, argb->w)) {
		/* Cairo wants premultiplied alpha: put transparent pixels on white paper. */
		for (int y = 0; y < argb->h; y++) {
			uint32_t *row = (uint32_t *)((uint8_t *)argb->pixels + (size_t)y * argb->pitch);
			for (int x = 0; x < argb->w; x++) {
				uint32_t v = row[x], a = v >> 24;
				if (a == 0xFF)
					continue;
				uint32_t r = (v >> 16 & 0xFF) * a / 255 + (255 - a);
				uint32_t g = (v >> 8 & 0xFF) * a / 255 + (255 - a);
				uint32_t b = (v & 0xFF) * a / 255 + (255 - a);
				row[x] = 0xFF000000u | r << 16 | g << 8 | b;
			}
		}
		cairo_surface_t *src = cairo_image_surface_create_for_data(
			argb->pixels, CAIRO_FORMAT_ARGB32, argb->w, argb->h, argb->pitch);
		double scale, ox, oy;
		fit(argb->w, argb->h, img->w, img->h, &scale, &ox, &oy);
		cairo_translate(cr, ox, oy);
		cairo_scale(cr, scale, scale);
		cairo_set_source_surface(cr, src, 0, 0);
		cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
		cairo_rectangle(cr, 0, 0, argb->w, argb->h);
		cairo_fill(cr);
		cairo_surface_destroy(src);
	}
	SDL_FreeSurface(argb);
	target_end(cr, sf);
}

static int cached(const struct slides *s, int page)
{
	for (int i = 0; i < SLIDES_CACHE_PAGES; i++)
		if (s->cache[i].page == page && s->cache[i].gen == s->gen)
			return i;
	return -1;
}

static int distance(int a, int b)
{
	return a > b ? a - b : b - a;
}

/* Under mu: the next page to render, 0 for none. Current first, then next, previous, next+1. */
static int pick(const struct slides *s)
{
	static const int order[] = { 0, 1, -1, 2 };
	if (!s->want)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		int pg = s->want + order[i];
		if (pg >= 1 && pg <= s->src.count && cached(s, pg) < 0)
			return pg;
	}
	return 0;
}

/* Under mu: a slot for `page`, evicting the page farthest from the current one; -1 if every
 * other page is nearer (then the new one is not worth keeping). */
static int slot_for(struct slides *s, int page)
{
	int best = -1, bestd = -1;
	for (int i = 0; i < SLIDES_CACHE_PAGES; i++) {
		if (i == s->pinned)
			continue;
		if (!s->cache[i].page || s->cache[i].gen != s->gen)
			return i;
		int dd = distance(s->cache[i].page, s->want);
		if (dd > bestd) {
			best = i;
			bestd = dd;
		}
	}
	if (best >= 0 && bestd < distance(page, s->want))
		return -1;
	return best;
}

static void *worker(void *arg)
{
	struct slides *s = arg;
	pthread_mutex_lock(&s->mu);
	while (!s->quit) {
		int page = pick(s);
		if (!page) {
			pthread_cond_wait(&s->cv, &s->mu);
			continue;
		}
		unsigned gen = s->gen;
		struct slide_image img;
		if (image_alloc(&img, s->w, s->h) < 0)
			BUG("slide size out of range");
		pthread_mutex_unlock(&s->mu);

		if (s->src.kind == SLIDES_PDF)
			render_pdf(s->src.doc, page, &img);
		else
			render_image(&s->src.images[page - 1], &img);

		pthread_mutex_lock(&s->mu);
		int slot = gen == s->gen ? slot_for(s, page) : -1;
		if (slot < 0) {
			free(img.px);
			continue;
		}
		free(s->cache[slot].img.px);
		s->cache[slot].page = page;
		s->cache[slot].gen = gen;
		s->cache[slot].img = img;
		void (*fn)(void *, int) = s->notify;
		void *ctx = s->notify_ctx;
		if (fn) {
			pthread_mutex_unlock(&s->mu);
			fn(ctx, page);
			pthread_mutex_lock(&s->mu);
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- API ---- */

static void clamp_size(int *w, int *h)
{
	if (*w < 1)
		*w = 1;
	if (*h < 1)
		*h = 1;
	if (*w > SLIDES_MAX_SIZE)
		*w = SLIDES_MAX_SIZE;
	if (*h > SLIDES_MAX_SIZE)
		*h = SLIDES_MAX_SIZE;
}

struct slides *slides_open(const struct pack *p, int w, int h)
{
	struct slides *s = xcalloc(1, sizeof(*s));
	/* Initialise the decoders here, on the caller's thread, not racing in the worker. */
	IMG_Init(IMG_INIT_PNG | IMG_INIT_JPG);
	source_find(p, &s->src, NULL);
	clamp_size(&w, &h);
	s->w = w;
	s->h = h;
	s->pinned = -1;
	s->want = s->src.count > 0 ? 1 : 0;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (s->src.kind == SLIDES_PDF || s->src.kind == SLIDES_IMAGES) {
		int rc = pthread_create(&s->thread, NULL, worker, s);
		if (rc != 0) {
			err_set("cannot start the slide renderer: %s", strerror(rc));
			slides_close(s);
			return NULL;
		}
		s->has_thread = 1;
	}
	return s;
}

void slides_close(struct slides *s)
{
	if (!s)
		return;
	if (s->has_thread) {
		pthread_mutex_lock(&s->mu);
		s->quit = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	for (int i = 0; i < SLIDES_CACHE_PAGES; i++)
		free(s->cache[i].img.px);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	source_release(&s->src);
	free(s);
}

enum slides_kind slides_kind(const struct slides *s)
{
	return s->src.kind;
}

int slides_count(const struct slides *s)
{
	return s->src.count;
}

const char *slides_problem(const struct slides *s)
{
	return s->src.problem[0] ? s->src.problem : NULL;
}

const char *slides_source(const struct slides *s)
{
	return s->src.label[0] ? s->src.label : NULL;
}

void slides_set_size(struct slides *s, int w, int h)
{
	clamp_size(&w, &h);
	pthread_mutex_lock(&s->mu);
	if (w != s->w || h != s->h) {
		s->w = w;
		s->h = h;
		s->gen++;
		s->pinned = -1;
		for (int i = 0; i < SLIDES_CACHE_PAGES; i++) {
			free(s->cache[i].img.px);
			memset(&s->cache[i], 0, sizeof(s->cache[i]));
		}
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

void slides_set_notify(struct slides *s, void (*fn)(void *ctx, int page), void *ctx)
{
	pthread_mutex_lock(&s->mu);
	s->notify = fn;
	s->notify_ctx = ctx;
	pthread_mutex_unlock(&s->mu);
}

void slides_request(struct slides *s, int n)
{
	if (n < 1 || n > s->src.count)
		return;
	pthread_mutex_lock(&s->mu);
	if (s->want != n) {
		s->want = n;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

const struct slide_image *slides_get(struct slides *s, int n)
{
	const struct slide_image *img = NULL;
	if (!s->has_thread)
		return NULL;
	pthread_mutex_lock(&s->mu);
	int i = n >= 1 && n <= s->src.count ? cached(s, n) : -1;
	s->pinned = i;
	if (i >= 0)
		img = &s->cache[i].img;
	pthread_mutex_unlock(&s->mu);
	return img;
}

/* ---- check ---- */

void slides_check(const struct pack *p, struct diags *d)
{
	struct source src;
	source_find(p, &src, d);
	for (int i = 0; i < p->nsegments; i++) {
		const struct pack_segment *sg = &p->segments[i];
		const char *title = sg->title ? sg->title : "";
		if (!sg->slide_first && !sg->slide_last)
			continue;
		if (sg->slide_first < 1 || sg->slide_last < sg->slide_first) {
			diags_add(d, DIAG_ERROR, "event.ini", sg->line,
				  "segment '%s': slides %d-%d is not a range of slide numbers", title,
				  sg->slide_first, sg->slide_last);
			continue;
		}
		if (sg->slide_last <= src.count)
			continue;
		if (src.count == 0 && src.problem_file[0])
			diags_add(d, DIAG_ERROR, "event.ini", sg->line,
				  "segment '%s': slides %d-%d, but there are no slides (%s cannot be "
				  "used)", title, sg->slide_first, sg->slide_last, src.problem_file);
		else if (src.count == 0)
			diags_add(d, DIAG_ERROR, "event.ini", sg->line,
				  "segment '%s': slides %d-%d, but there are no slides in slides/ or "
				  "[slide] sections", title, sg->slide_first, sg->slide_last);
		else
			diags_add(d, DIAG_ERROR, "event.ini", sg->line,
				  "segment '%s': slides %d-%d, but %s has only %d slide%s", title,
				  sg->slide_first, sg->slide_last, src.label, src.count,
				  src.count == 1 ? "" : "s");
	}
	source_release(&src);
}
