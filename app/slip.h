/* The printed slip: lays out a commitment as a 1-bit raster at the printer's width in dots (384 for
 * 58 mm paper, 576 for 80 mm; any multiple of 8 from 256 to 832). Every word is drawn into the
 * raster with the kiosk's font, so names with æ ø å ä ö print without printer code pages.
 *
 * Top to bottom: the event title, the person's first name (big), the commitment in words, the
 * team, the details, the QR code (with its quiet zone, an integer number of dots per module, at
 * least SLIP_MIN_DOTS) and a hint to scan it, and the date. When the QR code cannot fit at that
 * size (or the link cannot be encoded at all) the slip prints the link as text instead and says
 * so through *link_as_text.
 *
 * The slip module does not translate: the caller passes every word already in the person's
 * language. A struct slip owns its fonts and is used by one thread at a time (the print thread
 * has its own). */
#ifndef BARNSTORM_SLIP_H
#define BARNSTORM_SLIP_H

#include <stdint.h>

#define SLIP_WIDTH_MIN 256
#define SLIP_WIDTH_MAX 832
/* Dots per QR module below which phones struggle to read a code printed at 203 dpi. */
#define SLIP_MIN_DOTS 3
/* The tallest slip we lay out; longer text is cut with "…" (bounded memory and paper). */
#define SLIP_HEIGHT_MAX 4000

/* A 1-bit raster: row-major, width / 8 bytes per row, most significant bit leftmost, 1 = ink.
 * Owned by whoever filled it: slip_raster_release(). */
struct slip_raster {
	int width, height;
	uint8_t *bits;
};

/* What goes on a slip, already in the person's language. Any field may be NULL or "" to leave
 * its line out. Strings are UTF-8 and only read during slip_render(). */
struct slip_content {
	const char *title;       /* the event's title */
	const char *first_name;  /* printed big */
	const char *commitment;  /* the commitment in words: "commits to host a weekly phone bank" */
	const char *team;        /* "Team: Aarhus C" */
	const char *details;     /* "Tuesday 19:00, Folkets Hus"; '\n' starts a new line */
	const char *link;        /* the QR code's content; NULL or "" prints no code */
	const char *scan_hint;   /* under the code: "Scan with your phone" */
	const char *link_hint;   /* above the link when printed as text: "Open this link:" */
	const char *date;        /* "3 December 2026" */
};

struct slip;

/* 0 if width is a usable slip width, else -1 with err_msg() (for pack check). */
int slip_check_width(int width);

/* Opens the fonts for slips of `width` dots. NULL with err_msg() for a width that is not a
 * multiple of 8 within SLIP_WIDTH_MIN..SLIP_WIDTH_MAX, or missing fonts. */
struct slip *slip_open(int width);
void slip_close(struct slip *sl);
int slip_width(const struct slip *sl);

/* Lays out c into *out (release it with slip_raster_release()). *link_as_text (may be NULL) is set
 * to 1 when the link was printed as text because the QR code did not fit, else 0. 0, or -1 with
 * err_msg() (text that is not UTF-8). */
int slip_render(struct slip *sl, const struct slip_content *c, struct slip_raster *out,
		int *link_as_text);
void slip_raster_release(struct slip_raster *r);

/* New blank raster (caller releases); BUG on a width that is not a positive multiple of 8. */
void slip_raster_init(struct slip_raster *r, int width, int height);
/* 1 if the dot at (x, y) is ink; 0 outside. */
int slip_raster_get(const struct slip_raster *r, int x, int y);
void slip_raster_set(struct slip_raster *r, int x, int y);

#endif
