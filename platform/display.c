#include "display.h"
#include "util.h"

#include <SDL.h>
#include <stdio.h>
#include <string.h>

struct display {
	SDL_Window *win;
	int second;          /* the audience window: SDL is shared with the first */
	SDL_Renderer *r;
	SDL_Texture *target; /* for rotation */
	int rotation;
	int w, h;            /* drawing size (rotated) */
	int offscreen;
};

static Uint32 wake_event(void)
{
	/* Registered once; SDL_RegisterEvents is thread-safe and returns the same type each call
	 * only if remembered, so keep it in a function-static set at first use on the UI thread. */
	static Uint32 type;
	if (!type)
		type = SDL_RegisterEvents(1);
	return type;
}

/* The drawable size: the renderer's output, else the window's, else the display mode's (a
 * KMS/DRM renderer may not know its size before the first page flip). */
static void output_size(struct display *d, int *ow, int *oh)
{
	*ow = *oh = 0;
	if (SDL_GetRendererOutputSize(d->r, ow, oh) == 0 && *ow > 0 && *oh > 0)
		return;
	SDL_GetWindowSize(d->win, ow, oh);
	if (*ow > 0 && *oh > 0)
		return;
	SDL_DisplayMode m;
	if (SDL_GetCurrentDisplayMode(SDL_GetWindowDisplayIndex(d->win), &m) == 0) {
		*ow = m.w;
		*oh = m.h;
	}
}

static void update_size(struct display *d)
{
	int ow, oh;
	output_size(d, &ow, &oh);
	if (d->rotation == 90 || d->rotation == 270) {
		d->w = oh;
		d->h = ow;
	} else {
		d->w = ow;
		d->h = oh;
	}
	if (d->rotation) {
		if (d->target)
			SDL_DestroyTexture(d->target);
		d->target = SDL_CreateTexture(d->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET,
					      d->w, d->h);
	}
}

struct display *display_open(const struct display_opts *o)
{
	if (o->rotation % 90 || o->rotation < 0 || o->rotation > 270) {
		err_set("rotation %d is not 0, 90, 180 or 270", o->rotation);
		return NULL;
	}
	if (o->offscreen) {
		SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
		/* Draw straight into the window's memory: no GL/EGL driver loaded for a headless run. */
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	}
	/* The cursor is hidden before the window exists (KMS/DRM shows it otherwise). */
	SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
	SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
	if (SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS) < 0) {
		err_set("cannot start the display: %s (on a Pi: is the user in the video, render and "
			"input groups?)", SDL_GetError());
		return NULL;
	}
	/* On KMS/DRM, SDL prefers desktop OpenGL, and on Mesa's GBM platform that showed only the
	 * clear colour: every widget was lost (seen in qemu's virtio-gpu). The Pi's V3D is a GLES
	 * GPU anyway. SDL_RENDER_DRIVER in the environment still wins over this default. */
	if (SDL_strcasecmp(SDL_GetCurrentVideoDriver(), "KMSDRM") == 0)
		SDL_SetHintWithPriority(SDL_HINT_RENDER_DRIVER, "opengles2", SDL_HINT_DEFAULT);
	if (o->fullscreen)
		SDL_ShowCursor(SDL_DISABLE);
	struct display *d = xcalloc(1, sizeof(*d));
	d->rotation = o->rotation;
	d->offscreen = o->offscreen;
	int w = o->width ? o->width : 1024, h = o->height ? o->height : 600;
	if (o->rotation == 90 || o->rotation == 270) {
		int t = w;
		w = h;
		h = t;
	}
	Uint32 flags = SDL_WINDOW_SHOWN;
	if (o->fullscreen)
		flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	else if (!o->offscreen)
		flags |= SDL_WINDOW_RESIZABLE;
	d->win = SDL_CreateWindow("Barnstorm", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
	if (!d->win) {
		err_set("cannot open a window: %s", SDL_GetError());
		goto fail;
	}
	Uint32 rflags = o->offscreen ? SDL_RENDERER_SOFTWARE : 0;
	d->r = SDL_CreateRenderer(d->win, -1, rflags | SDL_RENDERER_TARGETTEXTURE);
	if (!d->r)
		d->r = SDL_CreateRenderer(d->win, -1, SDL_RENDERER_SOFTWARE);
	if (!d->r) {
		err_set("cannot draw on the window: %s", SDL_GetError());
		goto fail;
	}
	update_size(d);
	SDL_RendererInfo info;
	if (SDL_GetRendererInfo(d->r, &info) == 0 && !o->offscreen) {
		int ww, wh;
		SDL_GetWindowSize(d->win, &ww, &wh);
		/* One line in the journal: what a remote look at a blank screen needs first. */
		fprintf(stderr, "barnstorm: display %s, renderer %s, window %dx%d, drawing %dx%d, "
			"rotation %d\n", SDL_GetCurrentVideoDriver(), info.name, ww, wh, d->w, d->h,
			d->rotation);
	}
	SDL_StartTextInput();
	wake_event();
	return d;
fail:
	display_close(d);
	return NULL;
}

void display_close(struct display *d)
{
	if (!d)
		return;
	if (d->target)
		SDL_DestroyTexture(d->target);
	if (d->r)
		SDL_DestroyRenderer(d->r);
	if (d->win)
		SDL_DestroyWindow(d->win);
	int second = d->second;
	free(d);
	if (!second)
		SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
}

int display_count(void)
{
	int n = SDL_GetNumVideoDisplays();
	return n > 0 ? n : 0;
}

struct display *display_open_second(const struct display *first, int index,
				    const struct display_opts *opts)
{
	(void)first;
	struct display *d = xcalloc(1, sizeof(*d));
	d->second = 1;
	d->offscreen = opts->offscreen;
	if (opts->offscreen) {
		d->win = SDL_CreateWindow("Barnstorm audience", 0, 0, opts->width ? opts->width : 1920,
					  opts->height ? opts->height : 1080, SDL_WINDOW_SHOWN);
	} else {
		SDL_Rect b;
		if (SDL_GetDisplayBounds(index, &b) < 0) {
			err_set("no display %d: %s", index, SDL_GetError());
			goto fail;
		}
		d->win = SDL_CreateWindow("Barnstorm audience", SDL_WINDOWPOS_CENTERED_DISPLAY(index),
					  SDL_WINDOWPOS_CENTERED_DISPLAY(index), b.w, b.h,
					  SDL_WINDOW_SHOWN | SDL_WINDOW_BORDERLESS);
		if (d->win) {
			SDL_SetWindowPosition(d->win, b.x, b.y);
			SDL_SetWindowFullscreen(d->win, SDL_WINDOW_FULLSCREEN_DESKTOP);
			if (SDL_GetWindowDisplayIndex(d->win) != index) {
				err_set("the audience window landed on display %d, not %d (SDL %d.%d.%d "
					"cannot place a second window here)", SDL_GetWindowDisplayIndex(d->win),
					index, SDL_MAJOR_VERSION, SDL_MINOR_VERSION, SDL_PATCHLEVEL);
				goto fail;
			}
		}
	}
	if (!d->win) {
		err_set("cannot open the audience window: %s", SDL_GetError());
		goto fail;
	}
	d->r = SDL_CreateRenderer(d->win, -1, opts->offscreen ? SDL_RENDERER_SOFTWARE : 0);
	if (!d->r)
		d->r = SDL_CreateRenderer(d->win, -1, SDL_RENDERER_SOFTWARE);
	if (!d->r) {
		err_set("cannot draw on the audience window: %s", SDL_GetError());
		goto fail;
	}
	update_size(d);
	return d;
fail:
	display_close(d);
	return NULL;
}

struct SDL_Renderer *display_renderer(struct display *d)
{
	return d->r;
}

void display_size(struct display *d, int *w, int *h)
{
	/* Asked each frame: under KMS/DRM the mode can be set after the window was made, without
	 * a size event, and a frame laid out for the old size would draw nothing visible. */
	int ow, oh;
	output_size(d, &ow, &oh);
	int rw = d->rotation == 90 || d->rotation == 270 ? oh : ow;
	int rh = d->rotation == 90 || d->rotation == 270 ? ow : oh;
	if (rw != d->w || rh != d->h)
		update_size(d);
	*w = d->w;
	*h = d->h;
}

void display_begin(struct display *d)
{
	if (d->target)
		SDL_SetRenderTarget(d->r, d->target);
	/* The whole output, every frame: a viewport SDL set up before a KMS/DRM mode change would
	 * clip every draw but the clear. */
	SDL_RenderSetViewport(d->r, NULL);
	SDL_RenderSetClipRect(d->r, NULL);
}

void display_present(struct display *d)
{
	if (d->target) {
		SDL_SetRenderTarget(d->r, NULL);
		int ow, oh;
		SDL_GetRendererOutputSize(d->r, &ow, &oh);
		/* Copy the d->w x d->h target centred and turned onto the ow x oh output. */
		SDL_Rect dst = {(ow - d->w) / 2, (oh - d->h) / 2, d->w, d->h};
		SDL_RenderCopyEx(d->r, d->target, NULL, &dst, (double)d->rotation, NULL, SDL_FLIP_NONE);
	}
	SDL_RenderPresent(d->r);
}

/* Turns output pixel coordinates into the kiosk's rotated coordinates. */
static void unrotate(const struct display *d, int ox, int oy, int *x, int *y)
{
	switch (d->rotation) {
	case 90: *x = oy; *y = d->h - 1 - ox; break;
	case 180: *x = d->w - 1 - ox; *y = d->h - 1 - oy; break;
	case 270: *x = d->w - 1 - oy; *y = ox; break;
	default: *x = ox; *y = oy; break;
	}
}

static int map_key(SDL_Keycode k, enum ui_key *key, char *ch)
{
	*ch = 0;
	switch (k) {
	case SDLK_RETURN: case SDLK_KP_ENTER: *key = UI_KEY_ENTER; return 1;
	case SDLK_BACKSPACE: *key = UI_KEY_BACKSPACE; return 1;
	case SDLK_ESCAPE: *key = UI_KEY_ESCAPE; return 1;
	case SDLK_TAB: *key = UI_KEY_TAB; return 1;
	case SDLK_LEFT: *key = UI_KEY_LEFT; return 1;
	case SDLK_RIGHT: *key = UI_KEY_RIGHT; return 1;
	case SDLK_UP: *key = UI_KEY_UP; return 1;
	case SDLK_DOWN: *key = UI_KEY_DOWN; return 1;
	case SDLK_PAGEUP: *key = UI_KEY_PAGEUP; return 1;
	case SDLK_PAGEDOWN: *key = UI_KEY_PAGEDOWN; return 1;
	case SDLK_HOME: *key = UI_KEY_HOME; return 1;
	case SDLK_END: *key = UI_KEY_END; return 1;
	case SDLK_F11: *key = UI_KEY_F11; return 1;
	default:
		/* Presentation clickers send '.' (or 'b') for a black screen. */
		if ((k >= 'a' && k <= 'z') || k == '.') {
			*key = UI_KEY_CHAR;
			*ch = (char)k;
			return 1;
		}
		return 0;
	}
}

static int translate(struct display *d, const SDL_Event *e, struct display_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	switch (e->type) {
	case SDL_QUIT:
		ev->kind = DISPLAY_QUIT;
		return 1;
	case SDL_WINDOWEVENT:
		if (e->window.windowID != SDL_GetWindowID(d->win)) {
			/* The audience window: redraw it when exposed, nothing else. */
			ev->kind = DISPLAY_EXPOSE;
			return e->window.event == SDL_WINDOWEVENT_EXPOSED;
		}
		if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
			update_size(d);
			ev->kind = DISPLAY_RESIZE;
			return 1;
		}
		if (e->window.event == SDL_WINDOWEVENT_EXPOSED) {
			ev->kind = DISPLAY_EXPOSE;
			return 1;
		}
		return 0;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		/* Touch also arrives as SDL_FINGER*; drop the mouse copy SDL makes of it. A click on
		 * the audience window is not a tap on the kiosk. */
		if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != SDL_BUTTON_LEFT ||
		    (e->button.windowID && e->button.windowID != SDL_GetWindowID(d->win)))
			return 0;
		ev->kind = e->type == SDL_MOUSEBUTTONDOWN ? DISPLAY_POINTER_DOWN : DISPLAY_POINTER_UP;
		unrotate(d, e->button.x, e->button.y, &ev->x, &ev->y);
		return 1;
	case SDL_MOUSEMOTION:
		if (e->motion.which == SDL_TOUCH_MOUSEID || !(e->motion.state & SDL_BUTTON_LMASK))
			return 0;
		ev->kind = DISPLAY_POINTER_MOVE;
		unrotate(d, e->motion.x, e->motion.y, &ev->x, &ev->y);
		return 1;
	case SDL_FINGERDOWN:
	case SDL_FINGERUP:
	case SDL_FINGERMOTION: {
		int ow, oh;
		SDL_GetRendererOutputSize(d->r, &ow, &oh);
		int ox = (int)(e->tfinger.x * (float)ow), oy = (int)(e->tfinger.y * (float)oh);
		ev->kind = e->type == SDL_FINGERDOWN ? DISPLAY_POINTER_DOWN
			 : e->type == SDL_FINGERUP ? DISPLAY_POINTER_UP : DISPLAY_POINTER_MOVE;
		unrotate(d, ox, oy, &ev->x, &ev->y);
		return 1;
	}
	case SDL_TEXTINPUT:
		ev->kind = DISPLAY_TEXT;
		str_copy(ev->text, sizeof(ev->text), e->text.text);
		return 1;
	case SDL_KEYDOWN:
		if (!map_key(e->key.keysym.sym, &ev->key, &ev->ch))
			return 0;
		ev->kind = DISPLAY_KEY;
		return 1;
	default:
		if (e->type == wake_event()) {
			ev->kind = DISPLAY_WAKE;
			return 1;
		}
		return 0;
	}
}

int display_wait(struct display *d, int timeout_ms, struct display_event *ev)
{
	SDL_Event e;
	for (;;) {
		int got = timeout_ms < 0 ? SDL_WaitEvent(&e) : SDL_WaitEventTimeout(&e, timeout_ms);
		if (!got)
			return 0;
		if (translate(d, &e, ev))
			return 1;
		/* An event we ignore: keep waiting, but do not extend the timeout forever. */
		if (timeout_ms >= 0)
			return display_poll(d, ev);
	}
}

int display_poll(struct display *d, struct display_event *ev)
{
	SDL_Event e;
	while (SDL_PollEvent(&e))
		if (translate(d, &e, ev))
			return 1;
	return 0;
}

int display_inject(struct display *d, const struct display_event *ev)
{
	SDL_Event e;
	memset(&e, 0, sizeof(e));
	int ox = ev->x, oy = ev->y;
	/* Turn kiosk coordinates into output coordinates, the inverse of unrotate(). */
	switch (d->rotation) {
	case 90: ox = d->h - 1 - ev->y; oy = ev->x; break;
	case 180: ox = d->w - 1 - ev->x; oy = d->h - 1 - ev->y; break;
	case 270: ox = ev->y; oy = d->w - 1 - ev->x; break;
	default: break;
	}
	switch (ev->kind) {
	case DISPLAY_POINTER_DOWN:
	case DISPLAY_POINTER_UP:
		e.type = ev->kind == DISPLAY_POINTER_DOWN ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
		e.button.button = SDL_BUTTON_LEFT;
		e.button.state = ev->kind == DISPLAY_POINTER_DOWN ? SDL_PRESSED : SDL_RELEASED;
		e.button.x = ox;
		e.button.y = oy;
		e.button.which = 0;
		break;
	case DISPLAY_TEXT:
		e.type = SDL_TEXTINPUT;
		str_copy(e.text.text, sizeof(e.text.text), ev->text);
		break;
	case DISPLAY_KEY: {
		e.type = SDL_KEYDOWN;
		e.key.state = SDL_PRESSED;
		static const struct { enum ui_key k; SDL_Keycode s; } map[] = {
			{UI_KEY_ENTER, SDLK_RETURN}, {UI_KEY_BACKSPACE, SDLK_BACKSPACE},
			{UI_KEY_ESCAPE, SDLK_ESCAPE}, {UI_KEY_TAB, SDLK_TAB}, {UI_KEY_LEFT, SDLK_LEFT},
			{UI_KEY_RIGHT, SDLK_RIGHT}, {UI_KEY_UP, SDLK_UP}, {UI_KEY_DOWN, SDLK_DOWN},
			{UI_KEY_PAGEUP, SDLK_PAGEUP}, {UI_KEY_PAGEDOWN, SDLK_PAGEDOWN},
			{UI_KEY_HOME, SDLK_HOME}, {UI_KEY_END, SDLK_END}, {UI_KEY_F11, SDLK_F11},
		};
		if (ev->key == UI_KEY_CHAR) {
			e.key.keysym.sym = (SDL_Keycode)ev->ch;
		} else {
			for (size_t i = 0; i < ARRAY_SIZE(map); i++)
				if (map[i].k == ev->key)
					e.key.keysym.sym = map[i].s;
		}
		break;
	}
	case DISPLAY_QUIT:
		e.type = SDL_QUIT;
		break;
	default:
		return err_set("cannot inject this event");
	}
	if (SDL_PushEvent(&e) < 0)
		return err_set("event queue full: %s", SDL_GetError());
	return 0;
}

void display_wake(void)
{
	SDL_Event e;
	memset(&e, 0, sizeof(e));
	e.type = wake_event();
	SDL_PushEvent(&e);
}

int display_key_from_name(const char *name, enum ui_key *key, char *ch)
{
	static const struct { const char *name; enum ui_key key; } names[] = {
		{"Return", UI_KEY_ENTER}, {"Enter", UI_KEY_ENTER}, {"Backspace", UI_KEY_BACKSPACE},
		{"Escape", UI_KEY_ESCAPE}, {"Tab", UI_KEY_TAB}, {"Left", UI_KEY_LEFT},
		{"Right", UI_KEY_RIGHT}, {"Up", UI_KEY_UP}, {"Down", UI_KEY_DOWN},
		{"PageUp", UI_KEY_PAGEUP}, {"PageDown", UI_KEY_PAGEDOWN}, {"Home", UI_KEY_HOME},
		{"End", UI_KEY_END}, {"F11", UI_KEY_F11},
	};
	*ch = 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!SDL_strcasecmp(name, names[i].name)) {
			*key = names[i].key;
			return 0;
		}
	if (strlen(name) == 1 && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) {
		*key = UI_KEY_CHAR;
		*ch = (char)(name[0] | 0x20);
		return 0;
	}
	return -1;
}
