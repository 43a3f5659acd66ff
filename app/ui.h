/* The immediate-mode UI core, after rxi/microui: a screen is a function of the state, called every
 * frame, that declares its widgets; `if (ui_button(ui, "Check in", r, UI_PRIMARY)) ...` both draws
 * the button and answers whether it was tapped. No widget tree mirrors the data.
 *
 * The core never calls SDL. It turns input (one pointer, typed text, keys) into answers and emits
 * plain draw commands into a fixed buffer that the renderer executes. It measures text through a
 * callback the renderer provides. Each labelled widget is recorded with its rectangle per frame,
 * which is how a script can `tap "Check in"` and `expect "Welcome"`.
 *
 * Memory is fixed: commands, recorded widgets and the per-frame text arena have ceilings; past them
 * a frame drops what does not fit and sets ui->overflow (a BUG in tests, never a crash). */
#ifndef BARNSTORM_UI_H
#define BARNSTORM_UI_H

#include <stddef.h>
#include <stdint.h>

struct ui_rect {
	int x, y, w, h;
};

struct ui_color {
	uint8_t r, g, b, a;
};

enum ui_font {
	UI_SMALL,   /* hints, footers */
	UI_BODY,    /* text, list rows */
	UI_BUTTON,  /* button labels */
	UI_HEADING, /* screen headings */
	UI_TITLE,   /* the event title on the idle screen */
	UI_HUGE,    /* the countdown */
	UI_FONT_COUNT
};

/* Pixel sizes at scale 1.0 (an 800x480 panel). */
extern const int UI_FONT_PX[UI_FONT_COUNT];

enum ui_align { UI_LEFT, UI_CENTER, UI_RIGHT };

enum ui_style { UI_PRIMARY, UI_SECONDARY, UI_DANGER, UI_QUIET, UI_SELECTED };

/* Named colours of the theme: high contrast, legible at arm's length. */
extern const struct ui_color UI_BG, UI_FG, UI_MUTED, UI_ACCENT, UI_ACCENT_FG, UI_PANEL, UI_LINE,
	UI_OK, UI_WARN, UI_BAD, UI_WHITE, UI_BLACK;

/* An image the renderer uploads once per (id, version): ARGB8888 pixels, owned by the caller and
 * valid while it is drawn. */
struct ui_image {
	uint64_t id;
	uint32_t version;
	int w, h, pitch;
	const uint8_t *px;
	int smooth; /* 0: nearest neighbour (QR codes), 1: linear (photos, slides) */
};

enum ui_cmd_kind { UI_CMD_RECT, UI_CMD_TEXT, UI_CMD_IMAGE };

struct ui_cmd {
	enum ui_cmd_kind kind;
	struct ui_rect r;
	struct ui_color color;
	enum ui_font font;
	int bold;
	const char *text;              /* in the frame's arena */
	const struct ui_image *image;
};

/* Key codes the core knows; the platform maps its keys to these. */
enum ui_key {
	UI_KEY_NONE, UI_KEY_ENTER, UI_KEY_BACKSPACE, UI_KEY_ESCAPE, UI_KEY_TAB, UI_KEY_LEFT,
	UI_KEY_RIGHT, UI_KEY_UP, UI_KEY_DOWN, UI_KEY_PAGEUP, UI_KEY_PAGEDOWN, UI_KEY_HOME, UI_KEY_END,
	UI_KEY_F11, UI_KEY_CHAR /* a printable key without text input, e.g. 'b' for black-out */
};

#define UI_MAX_CMDS 4096
#define UI_MAX_WIDGETS 512
#define UI_ARENA 65536
#define UI_MAX_KEYS 32
#define UI_TEXT_MAX 256

struct ui_widget {
	struct ui_rect r;
	const char *text;  /* in the arena */
	int tappable;
};

/* Measures one line of text in a font; returns the width in pixels. */
typedef int (*ui_measure_fn)(void *ctx, enum ui_font font, int bold, const char *text, size_t len);

struct ui {
	int w, h;
	float scale;

	/* input for this frame, filled by the caller before ui_begin() */
	int pointer_x, pointer_y;
	int pointer_down;        /* held now */
	int pointer_pressed;     /* went down during this frame's input */
	int pointer_released;    /* went up during this frame's input */
	char text_in[UI_TEXT_MAX]; /* UTF-8 typed this frame */
	enum ui_key keys[UI_MAX_KEYS];
	char key_chars[UI_MAX_KEYS];
	int nkeys;

	/* widget interaction */
	uint32_t active;         /* the widget the pointer went down on */
	uint32_t hot_tapped;
	int tapped_any;          /* something was tapped this frame: draw again */

	/* output */
	struct ui_cmd cmds[UI_MAX_CMDS];
	int ncmds;
	struct ui_widget widgets[UI_MAX_WIDGETS];
	int nwidgets;
	char arena[UI_ARENA];
	size_t arena_used;
	int overflow;

	ui_measure_fn measure;
	void *measure_ctx;

	/* a modal dialog is open: widgets outside it do not take taps */
	int modal_depth;
	int in_modal;
};

void ui_init(struct ui *ui, ui_measure_fn measure, void *ctx);
/* Starts a frame of w x h pixels; clears the previous frame's commands and widgets. */
void ui_begin(struct ui *ui, int w, int h);
/* Ends a frame: consumes this frame's input. */
void ui_end(struct ui *ui);
/* Clears the input a caller collected (after a frame consumed it). */
void ui_input_clear(struct ui *ui);
void ui_input_key(struct ui *ui, enum ui_key key, char ch);
void ui_input_text(struct ui *ui, const char *utf8);

/* Scaled pixels: n at 800x480, larger on larger screens. */
int ui_px(const struct ui *ui, int n);
int ui_font_px(const struct ui *ui, enum ui_font f);
int ui_line_h(const struct ui *ui, enum ui_font f);
int ui_text_w(struct ui *ui, enum ui_font f, int bold, const char *text);

/* Layout helpers: cut strips off a rectangle. */
struct ui_rect ui_cut_top(struct ui_rect *r, int h);
struct ui_rect ui_cut_bottom(struct ui_rect *r, int h);
struct ui_rect ui_cut_left(struct ui_rect *r, int w);
struct ui_rect ui_cut_right(struct ui_rect *r, int w);
struct ui_rect ui_inset(struct ui_rect r, int d);
/* The i-th of n equal columns (with gap) of r. */
struct ui_rect ui_col(struct ui_rect r, int i, int n, int gap);
struct ui_rect ui_row(struct ui_rect r, int i, int n, int gap);
struct ui_rect ui_center(struct ui_rect r, int w, int h);
int ui_contains(struct ui_rect r, int x, int y);

/* Drawing. */
void ui_fill(struct ui *ui, struct ui_rect r, struct ui_color c);
void ui_frame_rect(struct ui *ui, struct ui_rect r, int thickness, struct ui_color c);
/* One line, shortened with "…" to fit r.w, vertically centred in r. Recorded for `expect`. */
void ui_label(struct ui *ui, const char *text, struct ui_rect r, enum ui_font f, int bold,
	      struct ui_color c, enum ui_align a);
/* Word-wrapped text from the top of r; lines that do not fit are cut with "…". Returns the height
 * used. */
int ui_text_wrapped(struct ui *ui, const char *text, struct ui_rect r, enum ui_font f, int bold,
		    struct ui_color c, enum ui_align a);
void ui_image(struct ui *ui, const struct ui_image *img, struct ui_rect r);
/* An image scaled to fit r, aspect kept, centred. */
void ui_image_fit(struct ui *ui, const struct ui_image *img, struct ui_rect r);

/* Widgets. Each returns 1 when tapped (pressed and released inside it). */
int ui_button(struct ui *ui, const char *label, struct ui_rect r, enum ui_style s);
/* A button that is drawn but cannot be tapped (and is not recorded as tappable). */
void ui_button_disabled(struct ui *ui, const char *label, struct ui_rect r);
/* A text field showing buf (or the placeholder in grey); `focused` draws the caret. Returns 1 when
 * tapped, so the screen can move the focus to it. */
int ui_text_field(struct ui *ui, const char *buf, const char *placeholder, struct ui_rect r,
		  int focused, int masked);
/* Applies this frame's typed text and Backspace to buf[cap] (UTF-8 safe, bounded). Returns 1 if
 * buf changed. */
int ui_edit(struct ui *ui, char *buf, size_t cap);
/* A tick box with a wrapped label; returns 1 when toggled (the caller flips its flag). */
int ui_checkbox(struct ui *ui, const char *label, int checked, struct ui_rect r);

/* The on-screen keyboard with the letters of the given languages (da: æ ø å, sv: ä ö å). Typed
 * characters go into buf[cap] (and into ui->text_in for others to see). Returns 1 if buf
 * changed, 2 when Enter was tapped. `caps` capitalises each word's first letter. */
struct ui_keyboard {
	int symbols;  /* the 123 page */
	int shift;    /* one capital letter */
	int email;    /* an email field: "@" and "." on the letters page too */
};
int ui_keyboard(struct ui *ui, struct ui_keyboard *kb, const char *const langs[], int nlangs,
		struct ui_rect r, char *buf, size_t cap, int caps, const char *enter_label);

/* The PIN pad: digits 0-9, erase, and OK. Returns the digit count entered; sets *ok when OK is
 * tapped or Enter pressed. Typed digits from a physical keyboard count too. */
int ui_pinpad(struct ui *ui, struct ui_rect r, char *pin, size_t cap, int *ok, const char *ok_label);

/* A scrolling list: rows of height row_h from *scroll; returns the row index tapped or -1. Draw
 * each visible row with the callback. Up/down buttons page when it does not fit. */
typedef void (*ui_row_fn)(struct ui *ui, void *ctx, int index, struct ui_rect r);
int ui_list(struct ui *ui, struct ui_rect r, int count, int row_h, int *scroll, ui_row_fn draw,
	    void *ctx, const char *up_label, const char *down_label);

/* A modal confirm dialog over the screen; returns 1 for yes, 0 for no, -1 while open. The caller
 * sets ui->modal_depth = 1 before declaring the widgets behind it (they then take no taps) and
 * back to 0 once it is answered: in immediate mode the dialog comes last in the frame. */
int ui_confirm(struct ui *ui, const char *question, const char *yes, const char *no);

/* Whether a key was pressed this frame. */
int ui_key(const struct ui *ui, enum ui_key k);
/* Whether a character key was pressed (for shortcuts like 'b'). */
int ui_key_char(const struct ui *ui, char ch);

/* Script support: the recorded widgets of the last frame. */
const struct ui_widget *ui_find(const struct ui *ui, const char *text, int tappable_only);
/* 1 if text appears in any recorded text of the last frame (substring match). */
int ui_has_text(const struct ui *ui, const char *text);

#endif
