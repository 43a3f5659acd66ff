/* Slide rendering figures: render time per PDF page at 1920x1080 and 800x480, the time from a
 * "next" to the image being available once it was rendered ahead (a cache hit), and the peak
 * memory while paging through a 100-page PDF from start to end. Prints figures; asserts nothing
 * about time. */
#include "pack.h"
#include "slides.h"
#include "util.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGES 100

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* A 1280x720 "photo": a gradient with noise, so it does not compress to nothing. */
static cairo_surface_t *make_photo(void)
{
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1280, 720);
	unsigned char *px = cairo_image_surface_get_data(img);
	int stride = cairo_image_surface_get_stride(img);
	uint32_t seed = 12345;
	for (int y = 0; y < 720; y++)
		for (int x = 0; x < 1280; x++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t n = seed >> 27;
			uint32_t r = (x * 255 / 1280 + n) & 0xFF, g = (y * 255 / 720 + n) & 0xFF;
			*(uint32_t *)(px + (size_t)y * stride + (size_t)x * 4) = r << 16 | g << 8 | 0x60;
		}
	cairo_surface_mark_dirty(img);
	return img;
}

/* A 16:9 deck like an exported presentation: a gradient band, a title, bullets, shapes, and a
 * photo (one image embedded once, drawn on every page, decoded for every page). */
static void make_deck(const char *path)
{
	cairo_surface_t *sf = cairo_pdf_surface_create(path, 960, 540);
	cairo_t *cr = cairo_create(sf);
	cairo_surface_t *photo = make_photo();
	for (int i = 1; i <= PAGES; i++) {
		cairo_save(cr);
		cairo_translate(cr, 600, 330);
		cairo_scale(cr, 320.0 / 1280, 180.0 / 720);
		cairo_set_source_surface(cr, photo, 0, 0);
		cairo_paint(cr);
		cairo_restore(cr);
		cairo_pattern_t *g = cairo_pattern_create_linear(0, 0, 960, 0);
		cairo_pattern_add_color_stop_rgb(g, 0, 0.1, 0.2, 0.5);
		cairo_pattern_add_color_stop_rgb(g, 1, 0.6, 0.1, 0.3);
		cairo_set_source(cr, g);
		cairo_rectangle(cr, 0, 0, 960, 110);
		cairo_fill(cr);
		cairo_pattern_destroy(g);
		cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
		cairo_set_font_size(cr, 48);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_move_to(cr, 40, 75);
		char text[128];
		snprintf(text, sizeof(text), "Slide %d: the plan to win", i);
		cairo_show_text(cr, text);
		cairo_select_font_face(cr, "serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
		cairo_set_font_size(cr, 26);
		cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
		for (int l = 0; l < 8; l++) {
			snprintf(text, sizeof(text), "- Point %d: knock on doors, call, host, lead (%d)",
				 l + 1, i);
			cairo_move_to(cr, 60, 160 + l * 44);
			cairo_show_text(cr, text);
		}
		for (int c = 0; c < 12; c++) {
			cairo_arc(cr, 760 + (c % 3) * 60, 170 + (c / 3) * 80, 24, 0, 6.2832);
			cairo_set_source_rgba(cr, (c % 3) / 2.0, 0.5, 1 - (c % 4) / 3.0, 0.8);
			cairo_fill(cr);
		}
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	cairo_surface_destroy(photo);
	cairo_surface_finish(sf);
	if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS)
		die("cannot write %s", path);
	cairo_surface_destroy(sf);
}

static const struct slide_image *wait_page(struct slides *s, int n)
{
	for (int i = 0; i < 60000; i++) {
		const struct slide_image *img = slides_get(s, n);
		if (img)
			return img;
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
	die("page %d was not rendered within 12 s", n);
}

/* Waits until the worker has rendered the neighbours of n too (so it is idle). */
static void wait_ahead(struct slides *s, int n)
{
	if (n + 1 <= PAGES)
		wait_page(s, n + 1);
	if (n - 1 >= 1)
		wait_page(s, n - 1);
	if (n + 2 <= PAGES)
		wait_page(s, n + 2);
	wait_page(s, n);
}

static void render_times(struct pack *p, int w, int h)
{
	struct slides *s = slides_open(p, w, h);
	if (!s || slides_count(s) != PAGES)
		die("cannot open the deck: %s", s ? slides_problem(s) : err_msg());
	wait_ahead(s, 1);
	double total = 0, worst = 0;
	int n = 0;
	/* Jumps far enough that every page is a cache miss; the worker is idle before each. */
	for (int pg = 10; pg <= PAGES; pg += 10) {
		double t0 = now_ms();
		slides_request(s, pg);
		wait_page(s, pg);
		double dt = now_ms() - t0;
		total += dt;
		if (dt > worst)
			worst = dt;
		n++;
		wait_ahead(s, pg);
	}
	printf("render %4dx%-4d  per page: mean %6.1f ms, worst %6.1f ms (%d pages, cache misses)\n",
	       w, h, total / n, worst, n);

	/* "Next" once rendered ahead: the image is there at once. */
	double hit_total = 0, hit_worst = 0;
	int hits = 0;
	for (int pg = 1; pg < 20; pg++) {
		slides_request(s, pg);
		wait_ahead(s, pg);
		double t0 = now_ms();
		slides_request(s, pg + 1);
		const struct slide_image *img = slides_get(s, pg + 1);
		double dt = now_ms() - t0;
		if (!img)
			die("page %d was not rendered ahead", pg + 1);
		hit_total += dt;
		if (dt > hit_worst)
			hit_worst = dt;
		hits++;
	}
	printf("next  %4dx%-4d  request to image: mean %.4f ms, worst %.4f ms (%d cache hits)\n",
	       w, h, hit_total / hits, hit_worst, hits);
	slides_close(s);
}

static void page_through(struct pack *p, int w, int h)
{
	long before = rss_kb();
	struct slides *s = slides_open(p, w, h);
	double t0 = now_ms();
	long worst_rss = 0;
	for (int pg = 1; pg <= PAGES; pg++) {
		slides_request(s, pg);
		wait_page(s, pg);
		long r = rss_kb();
		if (r > worst_rss)
			worst_rss = r;
	}
	double dt = now_ms() - t0;
	slides_close(s);
	printf("page through %d pages at %dx%d: %.0f ms; RSS before %ld KiB, highest while paging "
	       "%ld KiB (+%ld KiB), after close %ld KiB; process peak %ld KiB\n", PAGES, w, h, dt,
	       before, worst_rss, worst_rss - before, rss_kb(), peak_rss_kb());
}

int main(void)
{
	char dir[] = "/tmp/barnstorm-bench.XXXXXX";
	if (!mkdtemp(dir))
		die("cannot create a temporary folder");
	char slides[256], path[512];
	str_fmt(slides, sizeof(slides), "%s/slides", dir);
	if (mkdir(slides, 0700) < 0)
		die("cannot create %s", slides);
	str_fmt(path, sizeof(path), "%s/deck.pdf", slides);
	double t0 = now_ms();
	make_deck(path);
	struct stat sb;
	stat(path, &sb);
	printf("deck: %d pages, %lld KiB, written in %.0f ms\n", PAGES, (long long)sb.st_size / 1024,
	       now_ms() - t0);

	struct pack p;
	memset(&p, 0, sizeof(p));
	p.dir = xstrdup(dir);
	printf("baseline RSS %ld KiB; cache %d pages = %ld KiB at 1920x1080\n", rss_kb(),
	       SLIDES_CACHE_PAGES, (long)SLIDES_CACHE_PAGES * 1920 * 1080 * 4 / 1024);
	/* Smaller first, so each figure's growth over the one before means something. */
	page_through(&p, 800, 480);
	page_through(&p, 1920, 1080);
	render_times(&p, 1920, 1080);
	render_times(&p, 800, 480);
	pack_release(&p);

	char cmd[600];
	str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return 0;
}
