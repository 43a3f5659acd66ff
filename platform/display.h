/* The display: SDL video set-up for a window on a desktop, fullscreen on the Pi's KMS/DRM, or
 * the offscreen driver for tests and scripts; and input, turned into one stream of events.
 *
 * Touch: under KMS/DRM SDL 2.26 delivers touch only as SDL_FINGER* events with 0..1 coordinates
 * and no mouse events; on a desktop mouse events come, and SDL also synthesises mouse events from
 * touch. Both become DISPLAY_POINTER_* in screen pixels, and synthesised duplicates are dropped.
 *
 * Rotation (0/90/180/270): the Pi's KMS cannot rotate, so the kiosk draws into a texture of the
 * rotated size and display_present() copies it turned; pointer coordinates are turned back. */
#ifndef BARNSTORM_DISPLAY_H
#define BARNSTORM_DISPLAY_H

#include "ui.h"

struct display;
struct SDL_Renderer;

struct display_opts {
	int offscreen;    /* SDL's offscreen driver with the software renderer (tests, scripts) */
	int fullscreen;   /* fullscreen at the display's native mode (the kiosk on a Pi) */
	int width, height;/* window or offscreen size; 0: 1024x600 window, native fullscreen */
	int rotation;     /* 0, 90, 180, 270 */
};

enum display_event_kind {
	DISPLAY_NONE, DISPLAY_POINTER_DOWN, DISPLAY_POINTER_UP, DISPLAY_POINTER_MOVE, DISPLAY_TEXT,
	DISPLAY_KEY, DISPLAY_QUIT, DISPLAY_RESIZE, DISPLAY_WAKE, DISPLAY_EXPOSE
};

struct display_event {
	enum display_event_kind kind;
	int x, y;          /* pointer position in the kiosk's (rotated) pixels */
	char text[32];     /* DISPLAY_TEXT: UTF-8 */
	enum ui_key key;   /* DISPLAY_KEY */
	char ch;           /* DISPLAY_KEY with UI_KEY_CHAR: the ASCII letter */
};

/* How many displays SDL sees (after display_open()); SDL 2.26 finds them only at start-up. */
int display_count(void);
/* A second, fullscreen window on display `index` (a projector on the Pi's second HDMI) for the
 * audience view, sharing SDL with `first`. It takes no touch input. NULL with err_msg() when it
 * cannot be placed there: SDL 2.26's KMS/DRM driver puts a second window on display 0 (fixed in
 * SDL 2.30.7), so the window is checked after SDL_SetWindowPosition() to the display's bounds,
 * and refused when it landed elsewhere; the audience view then stays a screen on the first
 * display. opts->offscreen makes one without a real display, for tests. */
struct display *display_open_second(const struct display *first, int index,
				    const struct display_opts *opts);

/* Starts SDL video and opens the window; NULL with err_msg() (no display, no permission). */
struct display *display_open(const struct display_opts *o);
void display_close(struct display *d);
struct SDL_Renderer *display_renderer(struct display *d);
/* The kiosk's drawing size in pixels (rotated). */
void display_size(struct display *d, int *w, int *h);
/* Starts a frame (selects the rotation target) and shows it. */
void display_begin(struct display *d);
void display_present(struct display *d);
/* Waits up to timeout_ms (-1: forever) for the next event; 1 with *ev, 0 on timeout. */
int display_wait(struct display *d, int timeout_ms, struct display_event *ev);
/* The next queued event without waiting; 1 or 0. */
int display_poll(struct display *d, struct display_event *ev);
/* Queues an event as if it came from the hardware (the script runner's input). */
int display_inject(struct display *d, const struct display_event *ev);
/* Wakes display_wait() from another thread (a finished upload or print job). Thread-safe. */
void display_wake(void);
/* Maps a key name as scripts write it ("Return", "PageDown", "b") to a key; -1 if unknown. */
int display_key_from_name(const char *name, enum ui_key *key, char *ch);

#endif
