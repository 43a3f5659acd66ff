#include "testutil.h"

#include "pack.h"
#include "slides.h"
#include "util.h"

#include <SDL.h>
#include <SDL_image.h>
#include <stdatomic.h>
#include <time.h>

/* A red rectangle at (96,54)-(288,162) on every page, a blue one at (672,378)-(864,486) on
 * even pages. */
static void draw_page(cairo_t *cr, int page)
{
	cairo_set_source_rgb(cr, 1, 0, 0);
	cairo_rectangle(cr, 96, 54, 192, 108);
	cairo_fill(cr);
	if (page % 2 == 0) {
		cairo_set_source_rgb(cr, 0, 0, 1);
		cairo_rectangle(cr, 672, 378, 192, 108);
		cairo_fill(cr);
	}
}

/* A 16:9 PDF of n pages (960 x 540 pt): the rectangles above and "Slide N" in black. */
static void make_pdf(const char *path, int n)
{
	tu_make_pdf(path, n, draw_page, 360, 300);
}

/* A w x h image of one colour, as PNG or JPEG by the name's extension. */
static void make_image(const char *dir, const char *name, int w, int h, uint32_t rgb)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	SDL_Surface *sf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	assert_non_null(sf);
	SDL_FillRect(sf, NULL, 0xFF000000u | rgb);
	if (strstr(name, ".jpg"))
		assert_int_equal(IMG_SaveJPG(sf, path, 95), 0);
	else
		assert_int_equal(IMG_SavePNG(sf, path), 0);
	SDL_FreeSurface(sf);
}

struct fixture {
	char *dir;
	char slides[1024];
	struct pack p;
};

static void fx_init(struct fixture *f)
{
	f->dir = tu_tempdir();
	snprintf(f->slides, sizeof(f->slides), "%s/slides", f->dir);
	assert_int_equal(mkdir(f->slides, 0700), 0);
	memset(&f->p, 0, sizeof(f->p));
	f->p.dir = xstrdup(f->dir);
}

static void fx_add_segment(struct fixture *f, const char *title, int first, int last, int line)
{
	struct pack_segment *sg = &f->p.segments[f->p.nsegments++];
	sg->title = xstrdup(title);
	sg->minutes = 10;
	sg->slide_first = first;
	sg->slide_last = last;
	sg->line = line;
}

static void fx_release(struct fixture *f)
{
	pack_release(&f->p);
	tu_rmtree(f->dir);
	free(f->dir);
}

/* The rendered page, waiting for the worker thread (bounded at 60 s only to fail, not hang). */
static const struct slide_image *wait_page(struct slides *s, int n)
{
	for (int i = 0; i < 30000; i++) {
		const struct slide_image *img = slides_get(s, n);
		if (img)
			return img;
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	fail_msg("page %d was not rendered", n);
	return NULL;
}

static uint32_t pixel(const struct slide_image *img, int x, int y)
{
	assert_true(x >= 0 && x < img->w && y >= 0 && y < img->h);
	return *(const uint32_t *)(img->px + (size_t)y * img->pitch + (size_t)x * 4);
}

static void assert_rgb_near(uint32_t px, uint32_t want)
{
	for (int sh = 0; sh <= 16; sh += 8) {
		int a = (int)(px >> sh & 0xFF), b = (int)(want >> sh & 0xFF);
		if (abs(a - b) > 40)
			fail_msg("pixel %06x, expected about %06x", px & 0xFFFFFF, want);
	}
	assert_int_equal(px >> 24, 0xFF);
}

/* Pixels that are neither white nor the page's known colours: the text. */
static int dark_pixels(const struct slide_image *img)
{
	int n = 0;
	for (int y = 0; y < img->h; y++)
		for (int x = 0; x < img->w; x++)
			if ((pixel(img, x, y) & 0xFFFFFF) == 0)
				n++;
	return n;
}

static int has_diag(const struct diags *d, enum diag_level lv, const char *file, int line,
		    const char *text)
{
	for (int i = 0; i < d->n; i++)
		if (d->items[i].level == lv && d->items[i].line == line &&
		    !strcmp(d->items[i].file, file) && strstr(d->items[i].msg, text))
			return 1;
	return 0;
}

static void notified(void *ctx, int page)
{
	(void)page;
	__atomic_add_fetch((int *)ctx, 1, __ATOMIC_SEQ_CST);
}

static void pdf_renders_at_both_sizes(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	char path[1100];
	snprintf(path, sizeof(path), "%s/deck.pdf", f.slides);
	make_pdf(path, 3);
	make_image(f.slides, "1.png", 64, 36, 0x00FF00); /* the PDF wins */

	struct slides *s = slides_open(&f.p, 1920, 1080);
	assert_non_null(s);
	int notes = 0;
	slides_set_notify(s, notified, &notes);
	assert_int_equal(slides_kind(s), SLIDES_PDF);
	assert_int_equal(slides_count(s), 3);
	assert_null(slides_problem(s));
	assert_string_equal(slides_source(s), "slides/deck.pdf");

	slides_request(s, 1);
	const struct slide_image *img = wait_page(s, 1);
	assert_int_equal(img->w, 1920);
	assert_int_equal(img->h, 1080);
	assert_true(img->pitch >= 1920 * 4);
	/* 16:9 on 16:9: scale 2, no bars. Red rectangle (96,54)-(288,162) pt -> (192,108)-(576,324). */
	assert_rgb_near(pixel(img, 384, 216), 0xFF0000);
	assert_rgb_near(pixel(img, 200, 116), 0xFF0000);
	assert_rgb_near(pixel(img, 180, 216), 0xFFFFFF);
	assert_rgb_near(pixel(img, 1500, 900), 0xFFFFFF); /* no blue on page 1 */
	assert_rgb_near(pixel(img, 0, 0), 0xFFFFFF);      /* the page fills the screen */
	assert_true(dark_pixels(img) > 1000);             /* the text was drawn */

	/* Rendered ahead: page 2 and 3 arrive without being asked for. */
	const struct slide_image *p2 = wait_page(s, 2);
	assert_rgb_near(pixel(p2, 1536, 864), 0x0000FF);
	wait_page(s, 3);
	assert_true(__atomic_load_n(&notes, __ATOMIC_SEQ_CST) >= 3);
	assert_null(slides_get(s, 0));
	assert_null(slides_get(s, 4));

	/* 800x480 is wider than 16:9 tall: scale 800/960, 450 px high, bars of 15 px top and bottom. */
	slides_set_size(s, 800, 480);
	slides_request(s, 2);
	img = wait_page(s, 2);
	assert_int_equal(img->w, 800);
	assert_int_equal(img->h, 480);
	assert_rgb_near(pixel(img, 160, 15 + 90), 0xFF0000);
	assert_rgb_near(pixel(img, 640, 15 + 360), 0x0000FF);
	assert_rgb_near(pixel(img, 400, 5), 0x000000);   /* letterbox */
	assert_rgb_near(pixel(img, 400, 475), 0x000000);
	assert_rgb_near(pixel(img, 400, 20), 0xFFFFFF);
	assert_true(dark_pixels(img) > 200);
	slides_close(s);
	fx_release(&f);
}

/* The worker's notification: one bit per page rendered. */
static void on_rendered(void *ctx, int page)
{
	atomic_fetch_or((atomic_uint *)ctx, 1u << page);
}

static void pages_through_a_long_pdf(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	char path[1100];
	snprintf(path, sizeof(path), "%s/long.pdf", f.slides);
	make_pdf(path, 12);
	struct slides *s = slides_open(&f.p, 160, 90);
	assert_int_equal(slides_count(s), 12);
	for (int n = 1; n <= 12; n++) {
		slides_request(s, n);
		const struct slide_image *img = wait_page(s, n);
		assert_rgb_near(pixel(img, 140, 80), n % 2 ? 0xFFFFFF : 0x0000FF);
	}
	/* Bounded: at most SLIDES_CACHE_PAGES pages are kept; the first ones were evicted. */
	wait_page(s, 11);
	int kept = 0;
	for (int n = 1; n <= 12; n++)
		kept += slides_get(s, n) != NULL;
	assert_true(kept <= SLIDES_CACHE_PAGES);
	assert_null(slides_get(s, 1));
	/* Jumping back: the image handed out stays valid while the worker renders on, until it has
	 * rendered all it renders ahead of page 10 (10, 11, 9, then 12) into the other four slots.
	 * Page 12 was evicted for page 5, so it is rendered again, and last: its notification, not
	 * a sleep, says the worker got that far. */
	slides_request(s, 5);
	const struct slide_image *img = wait_page(s, 5);
	atomic_uint rendered = 0;
	slides_set_notify(s, on_rendered, &rendered);
	slides_request(s, 10);
	for (int i = 0; i < 30000 && !(atomic_load(&rendered) & 1u << 12); i++) {
		assert_rgb_near(pixel(img, 30, 20), 0xFF0000);
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL); /* bounded (60 s) only to fail instead of hanging */
	}
	assert_true(atomic_load(&rendered) & 1u << 12);
	assert_rgb_near(pixel(img, 30, 20), 0xFF0000);
	assert_rgb_near(pixel(img, 140, 80), 0xFFFFFF);
	assert_rgb_near(pixel(wait_page(s, 11), 140, 80), 0xFFFFFF);
	slides_close(s);
	fx_release(&f);
}

static void numbered_images_in_number_order(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	make_image(f.slides, "1.png", 320, 180, 0xFF0000);
	make_image(f.slides, "02.jpg", 640, 360, 0x00FF00);
	make_image(f.slides, "slide-3.png", 320, 240, 0x0000FF); /* 4:3 */
	make_image(f.slides, "10.png", 320, 180, 0xFFFF00);
	make_image(f.slides, "cover.png", 320, 180, 0x000000);    /* no number: not shown */

	struct slides *s = slides_open(&f.p, 800, 480);
	assert_int_equal(slides_kind(s), SLIDES_IMAGES);
	assert_int_equal(slides_count(s), 4);
	assert_null(slides_problem(s));
	slides_request(s, 1);
	assert_rgb_near(pixel(wait_page(s, 1), 400, 240), 0xFF0000);
	assert_rgb_near(pixel(wait_page(s, 1), 400, 5), 0x000000); /* 16:9 in 5:3: bars */
	assert_rgb_near(pixel(wait_page(s, 2), 400, 240), 0x00FF00);
	slides_request(s, 3);
	/* 320x240 scaled x2 = 640x480, pillarboxed 80 px each side. */
	const struct slide_image *img = wait_page(s, 3);
	assert_rgb_near(pixel(img, 400, 240), 0x0000FF);
	assert_rgb_near(pixel(img, 85, 240), 0x0000FF);
	assert_rgb_near(pixel(img, 40, 240), 0x000000);
	assert_rgb_near(pixel(wait_page(s, 4), 400, 240), 0xFFFF00);
	slides_close(s);

	struct diags d;
	diags_init(&d);
	slides_check(&f.p, &d);
	assert_int_equal(d.errors, 0);
	assert_true(has_diag(&d, DIAG_WARNING, "slides/02.jpg", 0, "640x360 pixels but slides/1.png is 320x180"));
	assert_true(has_diag(&d, DIAG_WARNING, "slides/slide-3.png", 0, "320x240"));
	assert_true(has_diag(&d, DIAG_WARNING, "slides/cover.png", 0, "no number"));
	diags_release(&d);
	fx_release(&f);
}

static void corrupt_pdf_is_named_and_falls_back(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	tu_write_str(f.slides, "deck.pdf", "%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage\n");
	fx_add_segment(&f, "Plan", 1, 2, 14);

	struct slides *s = slides_open(&f.p, 800, 480);
	assert_non_null(s);
	assert_int_equal(slides_kind(s), SLIDES_NONE);
	assert_int_equal(slides_count(s), 0);
	assert_non_null(strstr(slides_problem(s), "slides/deck.pdf: the file is damaged"));
	slides_request(s, 1);
	assert_null(slides_get(s, 1));
	slides_close(s);

	struct diags d;
	diags_init(&d);
	slides_check(&f.p, &d);
	assert_true(has_diag(&d, DIAG_ERROR, "slides/deck.pdf", 0, "damaged or not a PDF"));
	assert_true(has_diag(&d, DIAG_ERROR, "event.ini", 14, "segment 'Plan': slides 1-2, but there are no slides"));
	diags_release(&d);

	/* With text slides in the pack, those are shown instead; the problem is still said. */
	f.p.text_slides[0].title = xstrdup("Why we win");
	f.p.text_slides[1].title = xstrdup("How");
	f.p.ntext_slides = 2;
	s = slides_open(&f.p, 800, 480);
	assert_int_equal(slides_kind(s), SLIDES_TEXT);
	assert_int_equal(slides_count(s), 2);
	assert_non_null(slides_problem(s));
	assert_null(slides_get(s, 1)); /* the screen draws text slides */
	slides_close(s);
	diags_init(&d);
	slides_check(&f.p, &d);
	assert_int_equal(d.errors, 1); /* the PDF only: 1-2 fits the 2 text slides */
	diags_release(&d);

	/* An empty file and a non-PDF with a .pdf name. */
	tu_write_str(f.slides, "deck.pdf", "");
	diags_init(&d);
	slides_check(&f.p, &d);
	assert_true(has_diag(&d, DIAG_ERROR, "slides/deck.pdf", 0, "not a PDF"));
	diags_release(&d);
	fx_release(&f);
}

static void password_protected_pdf_is_named(void **state)
{
	(void)state;
	if (system("command -v qpdf >/dev/null 2>&1") != 0) {
		skip();
		return;
	}
	struct fixture f;
	fx_init(&f);
	char plain[1100], cmd[4096];
	snprintf(plain, sizeof(plain), "%s/plain.pdf", f.dir);
	make_pdf(plain, 2);
	snprintf(cmd, sizeof(cmd), "qpdf --encrypt user owner 256 -- '%s' '%s/secret.pdf'", plain,
		 f.slides);
	assert_int_equal(system(cmd), 0);
	struct slides *s = slides_open(&f.p, 800, 480);
	assert_int_equal(slides_count(s), 0);
	assert_non_null(strstr(slides_problem(s), "slides/secret.pdf: the PDF is password-protected"));
	slides_close(s);
	struct diags d;
	diags_init(&d);
	slides_check(&f.p, &d);
	assert_int_equal(d.errors, 1);
	assert_true(has_diag(&d, DIAG_ERROR, "slides/secret.pdf", 0, "password-protected"));
	diags_release(&d);
	fx_release(&f);
}

static void slide_range_past_the_end(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	char path[1100];
	snprintf(path, sizeof(path), "%s/deck.pdf", f.slides);
	make_pdf(path, 3);
	fx_add_segment(&f, "Welcome", 0, 0, 8);
	fx_add_segment(&f, "Plan", 1, 3, 12);
	fx_add_segment(&f, "Teams", 3, 6, 16);
	fx_add_segment(&f, "Odd", 5, 2, 20);
	struct diags d;
	diags_init(&d);
	slides_check(&f.p, &d);
	assert_int_equal(d.errors, 2);
	assert_int_equal(d.warnings, 0);
	assert_true(has_diag(&d, DIAG_ERROR, "event.ini", 16,
			     "segment 'Teams': slides 3-6, but slides/deck.pdf has only 3 slides"));
	assert_true(has_diag(&d, DIAG_ERROR, "event.ini", 20, "not a range"));
	diags_release(&d);
	fx_release(&f);
}

static void no_slides_and_no_segments_are_fine(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	struct diags d;
	diags_init(&d);
	slides_check(&f.p, &d);
	assert_int_equal(d.n, 0);
	diags_release(&d);
	struct slides *s = slides_open(&f.p, 800, 480);
	assert_int_equal(slides_kind(s), SLIDES_NONE);
	assert_int_equal(slides_count(s), 0);
	assert_null(slides_problem(s));
	assert_null(slides_source(s));
	slides_request(s, 1);
	assert_null(slides_get(s, 1));
	slides_set_size(s, 1920, 1080);
	slides_close(s);
	/* A pack folder without slides/ at all. */
	tu_rmtree(f.slides);
	s = slides_open(&f.p, 800, 480);
	assert_int_equal(slides_count(s), 0);
	slides_close(s);
	fx_release(&f);
}

static void bad_images_are_named(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f);
	make_image(f.slides, "1.png", 32, 18, 0xFF0000);
	tu_write_str(f.slides, "2.png", "not a png at all");
	/* A PNG header claiming 100000 x 100000 pixels: refused before decoding. */
	static const unsigned char huge[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 6, 0, 0, 0 };
	tu_write(f.slides, "3.png", (const char *)huge, sizeof(huge));
	struct diags d;
	diags_init(&d);
	slides_check(&f.p, &d);
	assert_true(has_diag(&d, DIAG_ERROR, "slides/2.png", 0, "not a readable PNG or JPEG"));
	assert_true(has_diag(&d, DIAG_ERROR, "slides/3.png", 0, "100000x100000"));
	diags_release(&d);
	struct slides *s = slides_open(&f.p, 64, 36);
	assert_int_equal(slides_count(s), 3); /* bad ones show black, so the numbers hold */
	assert_non_null(strstr(slides_problem(s), "slides/2.png"));
	slides_request(s, 2);
	assert_rgb_near(pixel(wait_page(s, 2), 32, 18), 0x000000);
	assert_rgb_near(pixel(wait_page(s, 3), 32, 18), 0x000000);
	assert_rgb_near(pixel(wait_page(s, 1), 32, 18), 0xFF0000);
	slides_close(s);
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pdf_renders_at_both_sizes),
		cmocka_unit_test(pages_through_a_long_pdf),
		cmocka_unit_test(numbered_images_in_number_order),
		cmocka_unit_test(corrupt_pdf_is_named_and_falls_back),
		cmocka_unit_test(password_protected_pdf_is_named),
		cmocka_unit_test(slide_range_past_the_end),
		cmocka_unit_test(no_slides_and_no_segments_are_fine),
		cmocka_unit_test(bad_images_are_named),
	};
	return RUN_TESTS(tests);
}
