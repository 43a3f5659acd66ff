/* Slides for the audience view, from the pack's slides/ folder, in this order of preference:
 *   1. a PDF (the first *.pdf by name), rendered with poppler-glib;
 *   2. numbered images (1.png, 02.jpg, slide-3.png, deck.004.jpeg: ordered by the last number in
 *      the name), decoded with SDL2_image;
 *   3. text slides written in the pack ([slide] title/bullet): slides.c only reports their
 *      count; the screen draws them itself (slides_get() returns NULL for them).
 * slides.c is the only module that includes poppler.h and SDL_image.h.
 *
 * Pages are numbered from 1, like the pack's `slides = 1-6` and like people say them.
 *
 * Every page is rendered to fit the target size with its aspect ratio kept, centred, with black
 * bars (letterbox/pillarbox) in an image of exactly the target size. Pixels are 32-bit words
 * 0xAARRGGBB in native byte order, i.e. SDL_PIXELFORMAT_ARGB8888 (cairo's CAIRO_FORMAT_ARGB32),
 * alpha always 0xFF: upload with SDL_UpdateTexture(tex, NULL, img->px, img->pitch).
 *
 * A background thread renders ahead: after slides_request(n) it renders n, then n+1, then n-1,
 * into a cache of at most SLIDES_CACHE_PAGES images at the target size, evicting the pages farthest
 * from n; memory stays bounded whatever the number of pages. Paging forward is then a cache hit.
 *
 * Threads: every function is called from one thread (the UI); the worker thread only renders.
 * The notify callback, if set, is called on the WORKER thread after a page is ready (push an
 * SDL user event from it; SDL_PushEvent is thread-safe); do not call slides_* from it. */
#ifndef BARNSTORM_SLIDES_H
#define BARNSTORM_SLIDES_H

#include <stdint.h>

struct pack;
struct diags;

#define SLIDES_CACHE_PAGES 5
#define SLIDES_MAX_PAGES 2000       /* more pages or images than this: only the first are used */
#define SLIDES_MAX_SIZE 8192        /* target and source image sides are at most this */
#define SLIDES_MAX_IMAGE_PIXELS (16 * 1000 * 1000) /* a source image has at most this many */

enum slides_kind { SLIDES_NONE, SLIDES_PDF, SLIDES_IMAGES, SLIDES_TEXT };

struct slide_image {
	int w, h;     /* the target size */
	int pitch;    /* bytes per row */
	uint8_t *px;  /* h * pitch bytes, ARGB8888 */
};

struct slides;

/* Finds the slides of pack p (p->dir, p->ntext_slides) and starts the render thread for images
 * of w x h pixels. Never fails for bad input: a missing, corrupt or password-protected PDF leaves
 * slides_problem() set and falls back to images or text slides, or none (count 0), so the timer
 * keeps working without slides. NULL with err_msg() only when the thread cannot start. */
struct slides *slides_open(const struct pack *p, int w, int h);
/* Stops the thread and frees every image, including one returned by slides_get(). */
void slides_close(struct slides *s);

enum slides_kind slides_kind(const struct slides *s);
int slides_count(const struct slides *s);
/* What went wrong finding the slides, e.g. "slides/deck.pdf: the PDF is password-protected",
 * or NULL. Valid until slides_close(). */
const char *slides_problem(const struct slides *s);
/* The file the slides come from ("slides/deck.pdf", "slides/" for images), or NULL. */
const char *slides_source(const struct slides *s);

/* Changes the target size (e.g. the audience view moved to a projector); drops the cache. */
void slides_set_size(struct slides *s, int w, int h);
/* Sets the callback run on the worker thread after each page is rendered. ctx must stay valid
 * until slides_close() (a call already under way may still use the previous one). */
void slides_set_notify(struct slides *s, void (*fn)(void *ctx, int page), void *ctx);

/* Makes page n (1..count) the current one: the worker renders it first, then its neighbours.
 * Cheap; call it on every page change (or every frame). Out-of-range n is ignored. */
void slides_request(struct slides *s, int n);
/* The image of page n if it is rendered at the current target size, else NULL (not yet, or text
 * slides, or out of range). The image stays valid (it is never evicted) until the next call of
 * slides_get() or slides_set_size() or slides_close(). Does not request the page. */
const struct slide_image *slides_get(struct slides *s, int n);

/* `barnstorm check`: a missing, corrupt or password-protected PDF (error naming the file and the
 * reason), images of different sizes or without a number (warning), unreadable or huge images
 * (error), a segment's slide range past the end of the slides (error naming the [segment] line).
 * No slides at all is fine. */
void slides_check(const struct pack *p, struct diags *d);

#endif
