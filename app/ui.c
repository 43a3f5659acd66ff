#include "ui.h"
#include "util.h"

#include <string.h>

const int UI_FONT_PX[UI_FONT_COUNT] = {16, 21, 24, 30, 44, 150};

const struct ui_color UI_BG = {246, 244, 239, 255};
const struct ui_color UI_FG = {28, 28, 32, 255};
const struct ui_color UI_MUTED = {96, 96, 104, 255};
const struct ui_color UI_ACCENT = {24, 95, 165, 255};
const struct ui_color UI_ACCENT_FG = {255, 255, 255, 255};
const struct ui_color UI_PANEL = {255, 255, 255, 255};
const struct ui_color UI_LINE = {200, 196, 188, 255};
const struct ui_color UI_OK = {22, 128, 61, 255};
const struct ui_color UI_WARN = {214, 140, 0, 255};
const struct ui_color UI_BAD = {200, 30, 30, 255};
const struct ui_color UI_WHITE = {255, 255, 255, 255};
const struct ui_color UI_BLACK = {0, 0, 0, 255};

static const char ELLIPSIS[] = "\xE2\x80\xA6";

void ui_init(struct ui *ui, ui_measure_fn measure, void *ctx)
{
	memset(ui, 0, sizeof(*ui));
	ui->measure = measure;
	ui->measure_ctx = ctx;
	ui->scale = 1.0f;
}

void ui_begin(struct ui *ui, int w, int h)
{
	ui->w = w;
	ui->h = h;
	float sx = (float)w / 800.0f, sy = (float)h / 480.0f;
	ui->scale = sx < sy ? sx : sy;
	if (ui->scale < 0.5f)
		ui->scale = 0.5f;
	ui->ncmds = 0;
	ui->nwidgets = 0;
	ui->arena_used = 0;
	ui->tapped_any = 0;
	ui->in_modal = 0;
}

void ui_end(struct ui *ui)
{
	if (ui->pointer_released || !ui->pointer_down)
		ui->active = 0;
}

void ui_input_clear(struct ui *ui)
{
	ui->pointer_pressed = 0;
	ui->pointer_released = 0;
	ui->text_in[0] = '\0';
	ui->nkeys = 0;
}

void ui_input_key(struct ui *ui, enum ui_key key, char ch)
{
	if (ui->nkeys < UI_MAX_KEYS) {
		ui->keys[ui->nkeys] = key;
		ui->key_chars[ui->nkeys] = ch;
		ui->nkeys++;
	}
}

void ui_input_text(struct ui *ui, const char *utf8)
{
	size_t have = strlen(ui->text_in), add = strlen(utf8);
	if (have + add < sizeof(ui->text_in))
		memcpy(ui->text_in + have, utf8, add + 1);
}

int ui_px(const struct ui *ui, int n)
{
	return (int)((float)n * ui->scale + 0.5f);
}

int ui_font_px(const struct ui *ui, enum ui_font f)
{
	return ui_px(ui, UI_FONT_PX[f]);
}

int ui_line_h(const struct ui *ui, enum ui_font f)
{
	return ui_font_px(ui, f) * 5 / 4;
}

static int measure(struct ui *ui, enum ui_font f, int bold, const char *text, size_t len)
{
	return ui->measure ? ui->measure(ui->measure_ctx, f, bold, text, len)
			   : (int)len * ui_font_px(ui, f) / 2;
}

int ui_text_w(struct ui *ui, enum ui_font f, int bold, const char *text)
{
	return measure(ui, f, bold, text, strlen(text));
}

/* ---- layout ---- */

struct ui_rect ui_cut_top(struct ui_rect *r, int h)
{
	if (h > r->h)
		h = r->h;
	struct ui_rect out = {r->x, r->y, r->w, h};
	r->y += h;
	r->h -= h;
	return out;
}

struct ui_rect ui_cut_bottom(struct ui_rect *r, int h)
{
	if (h > r->h)
		h = r->h;
	struct ui_rect out = {r->x, r->y + r->h - h, r->w, h};
	r->h -= h;
	return out;
}

struct ui_rect ui_cut_left(struct ui_rect *r, int w)
{
	if (w > r->w)
		w = r->w;
	struct ui_rect out = {r->x, r->y, w, r->h};
	r->x += w;
	r->w -= w;
	return out;
}

struct ui_rect ui_cut_right(struct ui_rect *r, int w)
{
	if (w > r->w)
		w = r->w;
	struct ui_rect out = {r->x + r->w - w, r->y, w, r->h};
	r->w -= w;
	return out;
}

struct ui_rect ui_inset(struct ui_rect r, int d)
{
	struct ui_rect out = {r.x + d, r.y + d, r.w - 2 * d, r.h - 2 * d};
	if (out.w < 0)
		out.w = 0;
	if (out.h < 0)
		out.h = 0;
	return out;
}

struct ui_rect ui_col(struct ui_rect r, int i, int n, int gap)
{
	int w = (r.w - gap * (n - 1)) / n;
	struct ui_rect out = {r.x + i * (w + gap), r.y, w, r.h};
	if (i == n - 1)
		out.w = r.x + r.w - out.x;
	return out;
}

struct ui_rect ui_row(struct ui_rect r, int i, int n, int gap)
{
	int h = (r.h - gap * (n - 1)) / n;
	struct ui_rect out = {r.x, r.y + i * (h + gap), r.w, h};
	if (i == n - 1)
		out.h = r.y + r.h - out.y;
	return out;
}

struct ui_rect ui_center(struct ui_rect r, int w, int h)
{
	if (w > r.w)
		w = r.w;
	if (h > r.h)
		h = r.h;
	struct ui_rect out = {r.x + (r.w - w) / 2, r.y + (r.h - h) / 2, w, h};
	return out;
}

int ui_contains(struct ui_rect r, int x, int y)
{
	return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

/* ---- commands and records ---- */

static const char *arena_copy(struct ui *ui, const char *s, size_t len)
{
	if (ui->arena_used + len + 1 > sizeof(ui->arena)) {
		ui->overflow = 1;
		return NULL;
	}
	char *d = ui->arena + ui->arena_used;
	memcpy(d, s, len);
	d[len] = '\0';
	ui->arena_used += len + 1;
	return d;
}

static struct ui_cmd *push(struct ui *ui, enum ui_cmd_kind kind, struct ui_rect r)
{
	if (ui->ncmds == UI_MAX_CMDS) {
		ui->overflow = 1;
		return NULL;
	}
	struct ui_cmd *c = &ui->cmds[ui->ncmds++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->r = r;
	return c;
}

static void record(struct ui *ui, const char *text, struct ui_rect r, int tappable)
{
	if (!text || !*text)
		return;
	if (ui->nwidgets == UI_MAX_WIDGETS) {
		ui->overflow = 1;
		return;
	}
	const char *t = arena_copy(ui, text, strlen(text));
	if (!t)
		return;
	struct ui_widget *w = &ui->widgets[ui->nwidgets++];
	w->r = r;
	w->text = t;
	w->tappable = tappable;
}

void ui_fill(struct ui *ui, struct ui_rect r, struct ui_color c)
{
	struct ui_cmd *cmd = push(ui, UI_CMD_RECT, r);
	if (cmd)
		cmd->color = c;
}

void ui_frame_rect(struct ui *ui, struct ui_rect r, int t, struct ui_color c)
{
	ui_fill(ui, (struct ui_rect){r.x, r.y, r.w, t}, c);
	ui_fill(ui, (struct ui_rect){r.x, r.y + r.h - t, r.w, t}, c);
	ui_fill(ui, (struct ui_rect){r.x, r.y, t, r.h}, c);
	ui_fill(ui, (struct ui_rect){r.x + r.w - t, r.y, t, r.h}, c);
}

/* Emits one line of text, already known to fit, at x,y with height h. */
static void emit_text(struct ui *ui, const char *s, size_t len, int x, int y, int w, int h,
		      enum ui_font f, int bold, struct ui_color c)
{
	const char *t = arena_copy(ui, s, len);
	if (!t)
		return;
	struct ui_cmd *cmd = push(ui, UI_CMD_TEXT, (struct ui_rect){x, y, w, h});
	if (!cmd)
		return;
	cmd->color = c;
	cmd->font = f;
	cmd->bold = bold;
	cmd->text = t;
}

/* The longest prefix of s (on a UTF-8 boundary) that, followed by "…", fits in w. */
static size_t fit_prefix(struct ui *ui, const char *s, size_t len, int w, enum ui_font f, int bold)
{
	int ew = measure(ui, f, bold, ELLIPSIS, strlen(ELLIPSIS));
	size_t lo = 0, hi = len;
	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;
		while (mid > 0 && ((unsigned char)s[mid] & 0xC0) == 0x80)
			mid--;
		if (mid <= lo) {
			break;
		}
		if (measure(ui, f, bold, s, mid) + ew <= w)
			lo = mid;
		else
			hi = mid - 1;
	}
	while (lo > 0 && ((unsigned char)s[lo] & 0xC0) == 0x80)
		lo--;
	return lo;
}

static void line_at(struct ui *ui, const char *s, size_t len, struct ui_rect r, int y, int lh,
		    enum ui_font f, int bold, struct ui_color c, enum ui_align a)
{
	int tw = measure(ui, f, bold, s, len);
	char buf[1024];
	if (tw > r.w) {
		size_t keep = fit_prefix(ui, s, len, r.w, f, bold);
		if (keep + sizeof(ELLIPSIS) > sizeof(buf))
			keep = sizeof(buf) - sizeof(ELLIPSIS);
		memcpy(buf, s, keep);
		memcpy(buf + keep, ELLIPSIS, sizeof(ELLIPSIS));
		s = buf;
		len = keep + strlen(ELLIPSIS);
		tw = measure(ui, f, bold, s, len);
	}
	int x = a == UI_LEFT ? r.x : a == UI_CENTER ? r.x + (r.w - tw) / 2 : r.x + r.w - tw;
	emit_text(ui, s, len, x, y, tw, lh, f, bold, c);
}

void ui_label(struct ui *ui, const char *text, struct ui_rect r, enum ui_font f, int bold,
	      struct ui_color c, enum ui_align a)
{
	int lh = ui_line_h(ui, f);
	line_at(ui, text, strlen(text), r, r.y + (r.h - lh) / 2, lh, f, bold, c, a);
	record(ui, text, r, 0);
}

int ui_text_wrapped(struct ui *ui, const char *text, struct ui_rect r, enum ui_font f, int bold,
		    struct ui_color c, enum ui_align a)
{
	int lh = ui_line_h(ui, f);
	int y = r.y;
	const char *s = text;
	record(ui, text, r, 0);
	while (*s) {
		if (*s == '\n') {
			s++;
			y += lh;
			continue;
		}
		/* Take words while they fit. */
		size_t best = 0, i = 0;
		for (;;) {
			size_t j = i;
			while (s[j] == ' ')
				j++;
			while (s[j] && s[j] != ' ' && s[j] != '\n')
				j++;
			if (measure(ui, f, bold, s, j) > r.w && best > 0)
				break;
			best = j;
			i = j;
			if (!s[j] || s[j] == '\n')
				break;
		}
		int last = y + 2 * lh > r.y + r.h;
		if (last && s[best] && s[best] != '\n') {
			/* No room for another line: cut this one with an ellipsis. */
			line_at(ui, s, strlen(s), r, y, lh, f, bold, c, a);
			y += lh;
			break;
		}
		line_at(ui, s, best, r, y, lh, f, bold, c, a);
		y += lh;
		s += best;
		while (*s == ' ')
			s++;
		if (*s == '\n')
			s++; /* the line break that ended this line; a second one is a blank line */
		if (y + lh > r.y + r.h && *s)
			break;
	}
	return y - r.y;
}

void ui_image(struct ui *ui, const struct ui_image *img, struct ui_rect r)
{
	struct ui_cmd *cmd = push(ui, UI_CMD_IMAGE, r);
	if (cmd)
		cmd->image = img;
}

void ui_image_fit(struct ui *ui, const struct ui_image *img, struct ui_rect r)
{
	if (img->w <= 0 || img->h <= 0)
		return;
	int w = r.w, h = (int)((int64_t)img->h * r.w / img->w);
	if (h > r.h) {
		h = r.h;
		w = (int)((int64_t)img->w * r.h / img->h);
	}
	ui_image(ui, img, ui_center(r, w, h));
}

/* ---- interaction ---- */

static uint32_t widget_id(const char *label, struct ui_rect r)
{
	uint32_t h = 2166136261u;
	for (const char *p = label; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ (uint32_t)r.x) * 16777619u;
	h = (h ^ (uint32_t)r.y) * 16777619u;
	return h ? h : 1;
}

static int interact(struct ui *ui, const char *label, struct ui_rect r)
{
	if (ui->modal_depth && !ui->in_modal)
		return 0;
	uint32_t id = widget_id(label, r);
	int inside = ui_contains(r, ui->pointer_x, ui->pointer_y);
	if (ui->pointer_pressed && inside)
		ui->active = id;
	if (ui->pointer_released && ui->active == id && inside) {
		ui->active = 0;
		ui->tapped_any = 1;
		return 1;
	}
	return 0;
}

static void style_colors(enum ui_style s, struct ui_color *bg, struct ui_color *fg)
{
	switch (s) {
	case UI_PRIMARY: *bg = UI_ACCENT; *fg = UI_ACCENT_FG; break;
	case UI_DANGER: *bg = UI_BAD; *fg = UI_WHITE; break;
	case UI_SELECTED: *bg = UI_FG; *fg = UI_WHITE; break;
	case UI_QUIET: *bg = UI_BG; *fg = UI_FG; break;
	case UI_SECONDARY:
	default: *bg = UI_PANEL; *fg = UI_FG; break;
	}
}

static enum ui_font button_font(const struct ui *ui, struct ui_rect r)
{
	/* Small keys (the keyboard) use the body font so the glyph fits. */
	return r.h < ui_line_h(ui, UI_BUTTON) + ui_px(ui, 8) ? UI_BODY : UI_BUTTON;
}

int ui_button(struct ui *ui, const char *label, struct ui_rect r, enum ui_style s)
{
	int tapped = interact(ui, label, r);
	int pressed = ui->active == widget_id(label, r) && ui->pointer_down;
	struct ui_color bg, fg;
	style_colors(s, &bg, &fg);
	if (pressed) {
		struct ui_color t = bg;
		bg = fg;
		fg = t;
	}
	ui_fill(ui, r, bg);
	if (s == UI_SECONDARY || s == UI_QUIET)
		ui_frame_rect(ui, r, ui_px(ui, 2) > 0 ? ui_px(ui, 2) : 1, s == UI_QUIET ? UI_BG : UI_LINE);
	enum ui_font f = button_font(ui, r);
	int lh = ui_line_h(ui, f);
	struct ui_rect tr = ui_inset(r, ui_px(ui, 6));
	line_at(ui, label, strlen(label), tr, r.y + (r.h - lh) / 2, lh, f, 1, fg, UI_CENTER);
	if (!ui->modal_depth || ui->in_modal)
		record(ui, label, r, 1);
	else
		record(ui, label, r, 0);
	return tapped;
}

void ui_button_disabled(struct ui *ui, const char *label, struct ui_rect r)
{
	ui_fill(ui, r, UI_BG);
	ui_frame_rect(ui, r, ui_px(ui, 2) > 0 ? ui_px(ui, 2) : 1, UI_LINE);
	enum ui_font f = button_font(ui, r);
	int lh = ui_line_h(ui, f);
	line_at(ui, label, strlen(label), ui_inset(r, ui_px(ui, 6)), r.y + (r.h - lh) / 2, lh, f, 1,
		UI_LINE, UI_CENTER);
	record(ui, label, r, 0);
}

int ui_text_field(struct ui *ui, const char *buf, const char *placeholder, struct ui_rect r,
		  int focused, int masked)
{
	int tapped = interact(ui, placeholder ? placeholder : "", r);
	ui_fill(ui, r, UI_PANEL);
	ui_frame_rect(ui, r, focused ? ui_px(ui, 3) : ui_px(ui, 1) > 0 ? ui_px(ui, 1) : 1,
		      focused ? UI_ACCENT : UI_LINE);
	struct ui_rect tr = ui_inset(r, ui_px(ui, 10));
	char shown[UI_TEXT_MAX * 3];
	const char *text = buf;
	if (masked && *buf) {
		size_t n = 0;
		for (const char *p = buf; *p && n + 4 < sizeof(shown); utf8_next(&p))
			n += (size_t)utf8_put(0x2022, shown + n);
		shown[n] = '\0';
		text = shown;
	}
	int lh = ui_line_h(ui, UI_BODY);
	if (*text) {
		/* Show the end of a long entry, where the caret is. */
		size_t len = strlen(text);
		const char *start = text;
		while (measure(ui, UI_BODY, 0, start, len - (size_t)(start - text)) > tr.w - ui_px(ui, 6) &&
		       *start)
			utf8_next(&start);
		line_at(ui, start, strlen(start), tr, r.y + (r.h - lh) / 2, lh, UI_BODY, 0, UI_FG, UI_LEFT);
		if (!masked)
			record(ui, buf, r, 0);
	} else if (placeholder) {
		line_at(ui, placeholder, strlen(placeholder), tr, r.y + (r.h - lh) / 2, lh, UI_BODY, 0,
			UI_MUTED, UI_LEFT);
	}
	if (placeholder)
		record(ui, placeholder, r, 1);
	if (focused) {
		int tw = *text ? measure(ui, UI_BODY, 0, text, strlen(text)) : 0;
		if (tw > tr.w - ui_px(ui, 6))
			tw = tr.w - ui_px(ui, 6);
		ui_fill(ui, (struct ui_rect){tr.x + tw + ui_px(ui, 2), r.y + (r.h - lh) / 2, ui_px(ui, 2) > 1 ? ui_px(ui, 2) : 1, lh},
			UI_ACCENT);
	}
	return tapped;
}

static void utf8_pop(char *buf)
{
	size_t len = strlen(buf);
	while (len > 0) {
		len--;
		if (((unsigned char)buf[len] & 0xC0) != 0x80)
			break;
	}
	buf[len] = '\0';
}

/* Appends UTF-8 text, dropping control characters and invalid sequences; bounded by cap. */
static int append_text(char *buf, size_t cap, const char *in)
{
	int changed = 0;
	size_t len = strlen(buf);
	const char *p = in;
	while (*p) {
		const char *start = p;
		uint32_t cp = utf8_next(&p);
		if (cp < 0x20 || cp == 0x7F || cp == 0xFFFD)
			continue;
		size_t n = (size_t)(p - start);
		if (len + n + 1 > cap)
			break;
		memcpy(buf + len, start, n);
		len += n;
		buf[len] = '\0';
		changed = 1;
	}
	return changed;
}

int ui_edit(struct ui *ui, char *buf, size_t cap)
{
	int changed = 0;
	if (ui->text_in[0])
		changed |= append_text(buf, cap, ui->text_in);
	for (int i = 0; i < ui->nkeys; i++) {
		if (ui->keys[i] == UI_KEY_BACKSPACE && buf[0]) {
			utf8_pop(buf);
			changed = 1;
		}
	}
	return changed;
}

int ui_checkbox(struct ui *ui, const char *label, int checked, struct ui_rect r)
{
	int tapped = interact(ui, label, r);
	int box = ui_px(ui, 40);
	struct ui_rect b = {r.x, r.y + ui_px(ui, 4), box, box};
	ui_fill(ui, b, checked ? UI_OK : UI_PANEL);
	ui_frame_rect(ui, b, ui_px(ui, 3), checked ? UI_OK : UI_FG);
	if (checked)
		ui_label(ui, "\xE2\x9C\x93", b, UI_HEADING, 1, UI_WHITE, UI_CENTER); /* ✓ */
	struct ui_rect t = r;
	ui_cut_left(&t, box + ui_px(ui, 12));
	/* A short label sits level with the box; a long one wraps from the top. */
	int one_line = ui_text_w(ui, UI_BODY, 0, label) <= t.w;
	if (one_line)
		ui_label(ui, label, (struct ui_rect){t.x, b.y, t.w, box}, UI_BODY, 0, UI_FG, UI_LEFT);
	else
		ui_text_wrapped(ui, label, t, UI_BODY, 0, UI_FG, UI_LEFT);
	record(ui, label, r, 1);
	return tapped;
}

/* ---- keyboard ---- */

static int has_lang(const char *const langs[], int n, const char *code)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(langs[i], code))
			return 1;
	return 0;
}

static void upper_first(char *out, const char *key)
{
	/* Upper-case the few letters the keyboard has: a-z and æ ø å ä ö. */
	const char *p = key;
	uint32_t cp = utf8_next(&p);
	if (cp >= 'a' && cp <= 'z')
		cp -= 32;
	else if (cp == 0xE6 || cp == 0xF8 || cp == 0xE5 || cp == 0xE4 || cp == 0xF6)
		cp -= 32;
	int n = utf8_put(cp, out);
	out[n] = '\0';
}

int ui_keyboard(struct ui *ui, struct ui_keyboard *kb, const char *const langs[], int nlangs,
		struct ui_rect r, char *buf, size_t cap, int caps, const char *enter_label)
{
	int da = has_lang(langs, nlangs, "da"), sv = has_lang(langs, nlangs, "sv");
	const char *row1[13] = {"q", "w", "e", "r", "t", "y", "u", "i", "o", "p", NULL, NULL, NULL};
	const char *row2[13] = {"a", "s", "d", "f", "g", "h", "j", "k", "l", NULL, NULL, NULL, NULL};
	const char *row3[13] = {"z", "x", "c", "v", "b", "n", "m", "-", NULL, NULL, NULL, NULL, NULL};
	int n1 = 10, n2 = 9, n3 = 8;
	if (da || sv)
		row1[n1++] = "\xC3\xA5"; /* å */
	if (da) {
		row2[n2++] = "\xC3\xA6"; /* æ */
		row2[n2++] = "\xC3\xB8"; /* ø */
		if (sv) {
			row3[n3++] = "\xC3\xA4"; /* ä */
			row3[n3++] = "\xC3\xB6"; /* ö */
		}
	} else if (sv) {
		row2[n2++] = "\xC3\xB6";
		row2[n2++] = "\xC3\xA4";
	}
	const char *sym1[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"};
	const char *sym2[] = {"@", ".", "_", "-", "+", "'", "/", ",", "&"};
	const char *sym3[] = {"(", ")", "#", ":", "!", "?", "\""};
	const char *const *rows[3];
	int counts[3];
	if (kb->symbols) {
		rows[0] = sym1; counts[0] = 10;
		rows[1] = sym2; counts[1] = 9;
		rows[2] = sym3; counts[2] = 7;
	} else {
		rows[0] = row1; counts[0] = n1;
		rows[1] = row2; counts[1] = n2;
		rows[2] = row3; counts[2] = n3;
	}
	int gap = ui_px(ui, 4);
	int cols = 12;
	int keyw = (r.w - gap * (cols - 1)) / cols;
	int rowh = (r.h - gap * 3) / 4;
	int result = 0;
	char typed[8] = "";
	int word_start = !buf[0] || buf[strlen(buf) - 1] == ' ' || buf[strlen(buf) - 1] == '-';
	for (int row = 0; row < 3; row++) {
		int n = counts[row] + (row == 2 ? 1 : 0); /* row 3 also has backspace (1.5 wide) */
		int total = counts[row] * keyw + (n - 1) * gap + (row == 2 ? keyw * 3 / 2 : 0);
		int x = r.x + (r.w - total) / 2;
		int y = r.y + row * (rowh + gap);
		for (int i = 0; i < counts[row]; i++) {
			char label[8];
			const char *key = rows[row][i];
			if (!kb->symbols && (kb->shift || (caps && word_start)))
				upper_first(label, key);
			else
				str_copy(label, sizeof(label), key);
			if (ui_button(ui, label, (struct ui_rect){x, y, keyw, rowh}, UI_SECONDARY))
				str_copy(typed, sizeof(typed), label);
			x += keyw + gap;
		}
		if (row == 2 && ui_button(ui, "\xE2\x8C\xAB", (struct ui_rect){x, y, keyw * 3 / 2, rowh},
					  UI_SECONDARY)) { /* ⌫ */
			if (buf[0]) {
				utf8_pop(buf);
				result = 1;
			}
		}
	}
	/* Bottom row: page switch, shift, space, enter. */
	int y = r.y + 3 * (rowh + gap);
	struct ui_rect bottom = {r.x, y, r.w, rowh};
	struct ui_rect k123 = ui_cut_left(&bottom, keyw * 2);
	ui_cut_left(&bottom, gap);
	struct ui_rect kshift = ui_cut_left(&bottom, keyw * 2);
	ui_cut_left(&bottom, gap);
	struct ui_rect kenter = ui_cut_right(&bottom, keyw * 3);
	ui_cut_right(&bottom, gap);
	if (ui_button(ui, kb->symbols ? "abc" : "123", k123, UI_SECONDARY))
		kb->symbols = !kb->symbols;
	if (!kb->symbols) {
		if (ui_button(ui, "\xE2\x87\xA7", kshift, kb->shift ? UI_SELECTED : UI_SECONDARY)) /* ⇧ */
			kb->shift = !kb->shift;
	} else {
		ui_fill(ui, kshift, UI_BG);
	}
	if (kb->email && !kb->symbols) {
		/* An address needs these more than a long space bar: no page switch for them. */
		static const char *const MAIL[2] = {"@", "."};
		for (int i = 0; i < 2; i++) {
			struct ui_rect m = ui_cut_left(&bottom, keyw * 3 / 2);
			ui_cut_left(&bottom, gap);
			if (ui_button(ui, MAIL[i], m, UI_SECONDARY))
				str_copy(typed, sizeof(typed), MAIL[i]);
		}
	}
	if (ui_button(ui, "\xE2\x90\xA3", bottom, UI_SECONDARY)) /* ␣ */
		str_copy(typed, sizeof(typed), " ");
	if (ui_button(ui, enter_label, kenter, UI_PRIMARY))
		result = 2;
	if (typed[0]) {
		if (append_text(buf, cap, typed))
			result = result ? result : 1;
		kb->shift = 0;
	}
	return result;
}

int ui_pinpad(struct ui *ui, struct ui_rect r, char *pin, size_t cap, int *ok, const char *ok_label)
{
	*ok = 0;
	/* A physical keyboard's digits and Enter work too. */
	for (const char *p = ui->text_in; *p; p++) {
		char d[2] = {*p, '\0'};
		if (*p >= '0' && *p <= '9')
			append_text(pin, cap, d);
	}
	for (int i = 0; i < ui->nkeys; i++) {
		if (ui->keys[i] == UI_KEY_BACKSPACE && pin[0])
			utf8_pop(pin);
		if (ui->keys[i] == UI_KEY_ENTER)
			*ok = 1;
	}
	int gap = ui_px(ui, 8);
	struct ui_rect area = r;
	struct ui_rect dots = ui_cut_top(&area, ui_line_h(ui, UI_HEADING) + gap);
	char shown[64] = "";
	size_t n = 0;
	for (size_t i = 0; pin[i] && n + 4 < sizeof(shown); i++)
		n += (size_t)utf8_put(0x25CF, shown + n); /* ● */
	shown[n] = '\0';
	ui_fill(ui, dots, UI_PANEL);
	ui_label(ui, shown, dots, UI_HEADING, 1, UI_FG, UI_CENTER);
	ui_cut_top(&area, gap);
	static const char *const keys[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9",
					     "\xE2\x8C\xAB", "0", NULL};
	for (int i = 0; i < 12; i++) {
		struct ui_rect row = ui_row(area, i / 3, 4, gap);
		struct ui_rect k = ui_col(row, i % 3, 3, gap);
		if (i == 11) {
			if (ui_button(ui, ok_label, k, UI_PRIMARY))
				*ok = 1;
			continue;
		}
		if (ui_button(ui, keys[i], k, UI_SECONDARY)) {
			if (i == 9)
				utf8_pop(pin);
			else
				append_text(pin, cap, keys[i]);
		}
	}
	return (int)strlen(pin);
}

int ui_list(struct ui *ui, struct ui_rect r, int count, int row_h, int *scroll, ui_row_fn draw,
	    void *ctx, const char *up_label, const char *down_label)
{
	int visible = row_h > 0 ? r.h / row_h : 0;
	if (visible < 1)
		visible = 1;
	int paged = count > visible;
	struct ui_rect rows = r;
	if (paged) {
		struct ui_rect side = ui_cut_right(&rows, ui_px(ui, 72));
		ui_cut_right(&rows, ui_px(ui, 8));
		struct ui_rect up = ui_row(side, 0, 2, ui_px(ui, 8));
		struct ui_rect down = ui_row(side, 1, 2, ui_px(ui, 8));
		if (*scroll > 0) {
			if (ui_button(ui, up_label, up, UI_SECONDARY))
				*scroll -= visible;
		} else {
			ui_button_disabled(ui, up_label, up);
		}
		if (*scroll + visible < count) {
			if (ui_button(ui, down_label, down, UI_SECONDARY))
				*scroll += visible;
		} else {
			ui_button_disabled(ui, down_label, down);
		}
	}
	if (*scroll > count - visible)
		*scroll = count - visible;
	if (*scroll < 0)
		*scroll = 0;
	int tapped = -1;
	for (int i = 0; i < visible && *scroll + i < count; i++) {
		int idx = *scroll + i;
		struct ui_rect rr = {rows.x, rows.y + i * row_h, rows.w, row_h - ui_px(ui, 4)};
		char id[32];
		str_fmt(id, sizeof(id), "\x01row%d", idx);
		if (interact(ui, id, rr))
			tapped = idx;
		draw(ui, ctx, idx, rr);
	}
	return tapped;
}

int ui_confirm(struct ui *ui, const char *question, const char *yes, const char *no)
{
	/* Dim the screen behind, then a panel with the question and two buttons. */
	ui_fill(ui, (struct ui_rect){0, 0, ui->w, ui->h}, (struct ui_color){0, 0, 0, 150});
	int w = ui->w * 3 / 4, h = ui->h / 2;
	struct ui_rect p = ui_center((struct ui_rect){0, 0, ui->w, ui->h}, w, h);
	ui_fill(ui, p, UI_PANEL);
	struct ui_rect in = ui_inset(p, ui_px(ui, 20));
	struct ui_rect btns = ui_cut_bottom(&in, ui_px(ui, 64));
	ui_text_wrapped(ui, question, in, UI_HEADING, 1, UI_FG, UI_CENTER);
	ui->in_modal = 1;
	int answer = -1;
	if (ui_button(ui, no, ui_col(btns, 0, 2, ui_px(ui, 16)), UI_SECONDARY))
		answer = 0;
	if (ui_button(ui, yes, ui_col(btns, 1, 2, ui_px(ui, 16)), UI_PRIMARY))
		answer = 1;
	for (int i = 0; i < ui->nkeys; i++) {
		if (ui->keys[i] == UI_KEY_ENTER)
			answer = 1;
		if (ui->keys[i] == UI_KEY_ESCAPE)
			answer = 0;
	}
	ui->in_modal = 0;
	if (answer >= 0)
		ui->tapped_any = 1;
	return answer;
}

int ui_key(const struct ui *ui, enum ui_key k)
{
	for (int i = 0; i < ui->nkeys; i++)
		if (ui->keys[i] == k)
			return 1;
	return 0;
}

int ui_key_char(const struct ui *ui, char ch)
{
	for (int i = 0; i < ui->nkeys; i++)
		if (ui->keys[i] == UI_KEY_CHAR && ui->key_chars[i] == ch)
			return 1;
	return 0;
}

const struct ui_widget *ui_find(const struct ui *ui, const char *text, int tappable_only)
{
	for (int i = 0; i < ui->nwidgets; i++) {
		const struct ui_widget *w = &ui->widgets[i];
		if ((!tappable_only || w->tappable) && !strcmp(w->text, text))
			return w;
	}
	return NULL;
}

int ui_has_text(const struct ui *ui, const char *text)
{
	for (int i = 0; i < ui->nwidgets; i++)
		if (strstr(ui->widgets[i].text, text))
			return 1;
	return 0;
}
