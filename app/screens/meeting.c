#include "kiosk.h"
#include "screens/meeting.h"
#include "core/event.h"
#include "screens/screens.h"
#include "agenda.h"
#include "display.h"
#include "slides.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_PER_MIN 60000LL
/* Scripts run on a fake clock while the slide renderer runs in real time: there a frame waits for
 * the page it shows, so screenshots and expectations do not depend on the thread's speed. */
#define FAKE_PAGE_WAIT_TRIES 5000
#define FAKE_PAGE_WAIT_NS 2000000L

/* ---- slides ---- */

/* The slides at w x h: the event core owns them and their render thread, and opens them at the
 * first size asked for; m->slides is a borrowed pointer. */
static void slides_ensure(struct kiosk *k, int w, int h)
{
	struct meeting_ui *m = k->meeting;
	if (!m->opened || m->slides_failed || w <= 0 || h <= 0)
		return;
	const char *why = "";
	m->slides = event_slides(k->event, w, h, &why);
	if (!m->slides) {
		m->slides_failed = 1;
		str_copy(m->slides_error, sizeof(m->slides_error), why);
	}
}

static int slide_count(const struct meeting_ui *m)
{
	return m->slides ? slides_count(m->slides) : 0;
}

static int slides_are_images(const struct meeting_ui *m)
{
	if (!m->slides)
		return 0;
	enum slides_kind kind = slides_kind(m->slides);
	return kind == SLIDES_PDF || kind == SLIDES_IMAGES;
}

static const struct slide_image *wait_page(struct slides *s, int page)
{
	const struct slide_image *si = NULL;
	for (int i = 0; i < FAKE_PAGE_WAIT_TRIES && !si; i++) {
		struct timespec ts = {0, FAKE_PAGE_WAIT_NS};
		nanosleep(&ts, NULL);
		si = slides_get(s, page);
	}
	return si;
}

/* The current page as an image for the renderer, or NULL (not rendered yet, or not an image). */
static const struct ui_image *slide_image(struct kiosk *k)
{
	struct meeting_ui *m = k->meeting;
	if (!slides_are_images(m) || m->page < 1)
		return NULL;
	const struct slide_image *si = slides_get(m->slides, m->page);
	if (!si && k->clock.fake)
		si = wait_page(m->slides, m->page);
	if (!si)
		return NULL;
	if (si->px != m->img.px || m->img_page != m->page || si->w != m->img.w || si->h != m->img.h) {
		/* New pixels: a new version makes the renderer upload them once. */
		m->img.id = MEETING_IMAGE_ID;
		m->img.version++;
		m->img.w = si->w;
		m->img.h = si->h;
		m->img.pitch = si->pitch;
		m->img.px = si->px;
		m->img.smooth = 1;
		m->img_page = m->page;
	}
	return &m->img;
}

static void slide_step(struct meeting_ui *m, int dir)
{
	int n = slide_count(m);
	if (m->blackout) {
		/* Like presentation programs: the first key after black brings the picture back. */
		m->blackout = 0;
		return;
	}
	if (n == 0)
		return;
	if (!m->show_slide) {
		m->show_slide = 1;
		return;
	}
	m->page += dir;
	if (m->page < 1)
		m->page = 1;
	if (m->page > n)
		m->page = n;
}

/* Every meeting frame: the slides follow the agenda (a segment with slides = 3-5 starts at 3),
 * the clicker's keys page, and the renderer is told which page comes next. */
static void slides_follow(struct kiosk *k, const struct agenda_view *v)
{
	struct meeting_ui *m = k->meeting;
	struct ui *ui = &k->ui;
	slides_ensure(k, ui->w, ui->h);
	int n = slide_count(m);
	if (v->segment != m->seen_segment) {
		m->seen_segment = v->segment;
		if (v->slide_first >= 1 && v->slide_first <= n) {
			m->page = v->slide_first;
			m->show_slide = 1;
		} else {
			m->show_slide = 0;
		}
	}
	if (m->page < 1 && n > 0)
		m->page = 1;
	if (m->page > n)
		m->page = n;
	for (int i = 0; i < ui->nkeys; i++) {
		switch (ui->keys[i]) {
		case UI_KEY_PAGEDOWN: case UI_KEY_RIGHT: case UI_KEY_DOWN:
			slide_step(m, 1);
			break;
		case UI_KEY_PAGEUP: case UI_KEY_LEFT: case UI_KEY_UP:
			slide_step(m, -1);
			break;
		case UI_KEY_CHAR:
			if (ui->key_chars[i] == 'b' || ui->key_chars[i] == '.')
				m->blackout = !m->blackout;
			break;
		default:
			break;
		}
	}
	if (m->page >= 1 && m->slides)
		slides_request(m->slides, m->page);
}

/* ---- lifecycle ---- */

void meeting_open(struct kiosk *k)
{
	struct meeting_ui *m = k->meeting = xcalloc(1, sizeof(*k->meeting));
	/* The renderer may still hold a texture of an earlier opening (a reload): start the versions
	 * where no earlier opening's are, at the monotonic clock's milliseconds. */
	m->img.version = (uint32_t)clock_mono(&k->clock);
	m->opened = 1;
	m->seen_segment = -1;
	m->agenda = event_agenda(k->event);
	if (!m->agenda)
		str_copy(m->agenda_problem, sizeof(m->agenda_problem), event_agenda_problem(k->event));
	if (k->display) {
		int w, h;
		display_size(k->display, &w, &h);
		slides_ensure(k, w, h);
	}
}

void meeting_close(struct kiosk *k)
{
	/* The agenda and the slides belong to the event core, which closes them. */
	free(k->meeting);
	k->meeting = NULL;
}

void meeting_clock_moved(struct kiosk *k, int64_t delta_ms)
{
	if (k->meeting->back_until)
		k->meeting->back_until += delta_ms;
}

/* ---- figures in words ---- */

static void view_get(struct kiosk *k, struct agenda_view *v)
{
	if (k->meeting->agenda) {
		agenda_view(k->meeting->agenda, v);
		return;
	}
	memset(v, 0, sizeof(*v));
	v->now = clock_now(&k->clock);
	v->title = "";
	v->next = -1;
}

/* Whole seconds shown by the countdown: rounded up, so it reads 5:00 at the start and 0:00 at
 * the end, then +0:01 one second into overtime. */
static int64_t shown_seconds(int64_t ms)
{
	return ms >= 0 ? (ms + 999) / 1000 : -((-ms) / 1000);
}

/* Milliseconds until the shown second changes (1..1000). */
static int64_t to_next_second(int64_t ms)
{
	return ms - (shown_seconds(ms) - 1) * 1000;
}

/* "4:59", "0:00", "+1:23", "1:05:00". */
static void fmt_clock(char *out, size_t size, int64_t ms)
{
	int64_t s = shown_seconds(ms);
	const char *sign = s < 0 ? "+" : "";
	long long a = s < 0 ? -s : s;
	if (a >= 3600)
		str_fmt(out, size, "%s%lld:%02lld:%02lld", sign, a / 3600, a / 60 % 60, a % 60);
	else
		str_fmt(out, size, "%s%lld:%02lld", sign, a / 60, a % 60);
}

static int round_minutes(int64_t ms)
{
	if (ms < 0)
		ms = -ms;
	return (int)((ms + 30000) / MS_PER_MIN);
}

static void fmt_schedule(struct kiosk *k, const struct agenda_view *v, char *out, size_t size)
{
	int n = round_minutes(v->schedule_ms);
	if (n == 0)
		str_copy(out, size, tr(k, "On schedule"));
	else if (v->schedule_ms > 0)
		str_fmt(out, size, tr(k, "%d min ahead"), n);
	else
		str_fmt(out, size, tr(k, "%d min behind"), n);
}

/* "Projected end 20:34 (4 min late)", or "Ended at 20:31 (on time)" after the end. */
static void fmt_end(struct kiosk *k, const struct agenda_view *v, char *out, size_t size)
{
	char hm[16];
	if (pack_format_time(&k->pack, v->projected_end_ms, "%H:%M", hm, sizeof(hm)) < 0)
		str_copy(hm, sizeof(hm), "?");
	int ended = v->phase == AGENDA_FINISHED;
	if (!v->ends_ms) {
		str_fmt(out, size, ended ? tr(k, "Ended at %s") : tr(k, "Projected end %s"), hm);
		return;
	}
	int n = round_minutes(v->end_margin_ms);
	if (n == 0)
		str_fmt(out, size, ended ? tr(k, "Ended at %s (on time)") : tr(k, "Projected end %s (on time)"),
			hm);
	else if (v->end_margin_ms < 0)
		str_fmt(out, size, ended ? tr(k, "Ended at %s (%d min late)")
					 : tr(k, "Projected end %s (%d min late)"), hm, n);
	else
		str_fmt(out, size, ended ? tr(k, "Ended at %s (%d min early)")
					 : tr(k, "Projected end %s (%d min early)"), hm, n);
}

/* The state in a word or two, NULL while running normally. */
static const char *state_text(struct kiosk *k, const struct agenda_view *v)
{
	switch (v->phase) {
	case AGENDA_NOT_STARTED: return tr(k, "Not started");
	case AGENDA_PAUSED: return tr(k, "Paused");
	case AGENDA_FINISHED: return NULL;
	case AGENDA_RUNNING: break;
	}
	switch (v->level) {
	case AGENDA_WARNING: return tr(k, "Almost time");
	case AGENDA_DANGER: return tr(k, "Wrap up now");
	case AGENDA_OVERTIME: return tr(k, "Overtime");
	case AGENDA_NORMAL: break;
	}
	return NULL;
}

static int in_segment(const struct agenda_view *v)
{
	return v->phase == AGENDA_RUNNING || v->phase == AGENDA_PAUSED;
}

/* Redraws: the countdown's next second while it runs, the projected end's next minute while it
 * moves with the clock (paused, not started), the speaker timer's next second, the Back button's
 * end. Never faster than once a second. */
static void meeting_wake(struct kiosk *k, const struct agenda_view *v)
{
	struct meeting_ui *m = k->meeting;
	int64_t now = v->now;
	if (m->agenda && v->nsegments > 0) {
		if (v->phase == AGENDA_RUNNING)
			kiosk_wake_at(k, now + to_next_second(v->remaining_ms));
		else if (v->phase != AGENDA_FINISHED)
			kiosk_wake_at(k, now + MS_PER_MIN - v->projected_end_ms % MS_PER_MIN);
	}
	if (v->speaker_active && v->speaker_remaining_ms > 0)
		kiosk_wake_at(k, now + to_next_second(v->speaker_remaining_ms));
	if (m->back_until > now)
		kiosk_wake_at(k, m->back_until);
}

static void op_done(struct kiosk *k, int rc)
{
	struct meeting_ui *m = k->meeting;
	if (rc < 0) {
		str_copy(m->error, sizeof(m->error), err_msg());
	} else {
		m->error[0] = '\0';
	}
	k->dirty = 1;
}

/* A new segment: the signals meant for the last one's speaker go. */
static void segment_done(struct kiosk *k, int rc)
{
	if (rc == 0) {
		agenda_signal_clear(k->meeting->agenda);
		agenda_speaker_stop(k->meeting->agenda);
	}
	op_done(k, rc);
}

/* ---- the audience view, full size or as the facilitator's small copy ---- */

/* Sizes in the audience view: ui_px() on the full screen, scaled down in the small copy. */
struct aview {
	struct kiosk *k;
	struct ui *ui;
	const struct agenda_view *v;
	struct ui_rect r;
	int mini;
};

static int apx(const struct aview *a, int n)
{
	int px = ui_px(a->ui, n);
	if (a->mini && a->ui->w > 0)
		px = (int)((int64_t)px * a->r.w / a->ui->w);
	return px > 0 ? px : 1;
}

static const struct ui_color SLIDE_BG = {28, 28, 32, 255};
static const struct ui_color SLIDE_DIM = {176, 176, 184, 255};

/* Lines of wrapped text, estimated from the width, for centring before drawing. */
static int est_lines(struct ui *ui, const char *text, enum ui_font f, int bold, int w)
{
	int tw = ui_text_w(ui, f, bold, text);
	int n = w > 0 ? (tw + w - 1) / w : 1;
	return n < 1 ? 1 : n;
}

static void draw_text_slide(struct aview *a, const struct pack_text_slide *ts)
{
	struct ui *ui = a->ui;
	ui_fill(ui, a->r, SLIDE_BG);
	struct ui_rect in = ui_inset(a->r, apx(a, 36));
	/* The corner overlay sits at the bottom: keep the text above it. */
	ui_cut_bottom(&in, apx(a, 56));
	enum ui_font tf = a->mini ? UI_SMALL : UI_TITLE;
	enum ui_font bf = a->mini ? UI_SMALL : UI_HEADING;
	int tlh = ui_line_h(ui, tf), blh = ui_line_h(ui, bf);
	if (ts->title && *ts->title) {
		int lines = est_lines(ui, ts->title, tf, 1, in.w) > 1 ? 2 : 1;
		struct ui_rect tt = in;
		tt.h = lines * tlh < in.h ? lines * tlh : in.h;
		int used = ui_text_wrapped(ui, ts->title, tt, tf, 1, UI_WHITE, UI_LEFT);
		ui_cut_top(&in, used + apx(a, 10));
		ui_fill(ui, ui_cut_top(&in, apx(a, 6)), UI_ACCENT);
		ui_cut_top(&in, apx(a, 24));
	}
	int dot_w = blh;
	for (int i = 0; i < ts->nbullets && in.h >= blh; i++) {
		const char *b = ts->bullets[i] ? ts->bullets[i] : "";
		struct ui_rect row = in;
		struct ui_rect dot = ui_cut_left(&row, dot_w);
		dot.h = blh;
		ui_label(ui, "\xE2\x80\xA2", dot, bf, 1, UI_ACCENT, UI_LEFT); /* • */
		int used = ui_text_wrapped(ui, b, row, bf, 0, UI_WHITE, UI_LEFT);
		ui_cut_top(&in, used + apx(a, 14));
	}
}

/* When no slide is shown: the event before the start and after the end, else the segment. */
static void draw_title_card(struct aview *a)
{
	struct kiosk *k = a->k;
	struct ui *ui = a->ui;
	const struct agenda_view *v = a->v;
	ui_fill(ui, a->r, SLIDE_BG);
	struct ui_rect in = ui_inset(a->r, apx(a, 36));
	ui_cut_bottom(&in, apx(a, 56));
	enum ui_font big = a->mini ? UI_SMALL : UI_TITLE;
	enum ui_font small = a->mini ? UI_SMALL : UI_HEADING;
	const char *head = k->pack.title ? k->pack.title : "";
	const char *sub = NULL;
	char when[128];
	if (in_segment(v) && v->title[0]) {
		head = v->title;
		sub = k->pack.title;
	} else if (v->phase == AGENDA_FINISHED) {
		head = tr(k, "Thank you!");
		sub = k->pack.title;
	} else {
		screen_event_when(k, when, sizeof(when));
		sub = when[0] ? when : NULL;
	}
	int lh = ui_line_h(ui, big), slh = ui_line_h(ui, small);
	/* A signal covers the middle: the title moves up out of its way, in at most two lines. */
	int banners = v->signal || (v->speaker_active && v->speaker_remaining_ms <= 0);
	int lines = est_lines(ui, head, big, 1, in.w);
	if (lines > (banners ? 2 : 3))
		lines = banners ? 2 : 3;
	int total = lines * lh + (sub && !a->mini && !banners ? slh + apx(a, 16) : 0);
	int y0 = banners ? in.y : in.y + (in.h - total) / 2;
	if (y0 < in.y)
		y0 = in.y;
	struct ui_rect hr = {in.x, y0, in.w, (lines + !banners) * lh};
	if (hr.y + hr.h > in.y + in.h)
		hr.h = in.y + in.h - hr.y;
	/* The small copy has no room for both. */
	if (banners && a->mini)
		return;
	int used = ui_text_wrapped(ui, head, hr, big, 1, UI_WHITE, UI_CENTER);
	if (sub && *sub && !a->mini && !banners) {
		struct ui_rect sr = {in.x, y0 + used + apx(a, 16), in.w, slh};
		ui_label(ui, sub, sr, small, 0, SLIDE_DIM, UI_CENTER);
	}
}

static void level_colors(const struct agenda_view *v, struct ui_color *bg, struct ui_color *fg)
{
	switch (v->level) {
	case AGENDA_WARNING: *bg = UI_WARN; *fg = UI_BLACK; return;
	case AGENDA_DANGER: case AGENDA_OVERTIME: *bg = UI_BAD; *fg = UI_WHITE; return;
	case AGENDA_NORMAL: break;
	}
	*bg = UI_BLACK;
	*fg = UI_WHITE;
}

/* A full-width band with big centred text across the view at y; returns its height. */
static int banner(struct aview *a, const char *text, int y, struct ui_color bg, struct ui_color fg)
{
	struct ui *ui = a->ui;
	enum ui_font f = a->mini ? UI_SMALL : UI_TITLE;
	int pad = apx(a, 20), lh = ui_line_h(ui, f);
	int w = a->r.w - 2 * pad;
	int lines = est_lines(ui, text, f, 1, w);
	if (lines > 3)
		lines = 3;
	int h = lines * lh + 2 * pad;
	struct ui_rect band = {a->r.x, y, a->r.w, h};
	ui_fill(ui, band, bg);
	struct ui_rect tb = ui_inset(band, pad);
	tb.h = lines * lh + lh / 2; /* room for one more line if the estimate was short */
	ui_text_wrapped(ui, text, tb, f, 1, fg, UI_CENTER);
	return h;
}

static int banner_height(struct aview *a, const char *text)
{
	enum ui_font f = a->mini ? UI_SMALL : UI_TITLE;
	int pad = apx(a, 20);
	int lines = est_lines(a->ui, text, f, 1, a->r.w - 2 * pad);
	if (lines > 3)
		lines = 3;
	return lines * ui_line_h(a->ui, f) + 2 * pad;
}

static void draw_overlay(struct aview *a, int slide_shown)
{
	struct kiosk *k = a->k;
	struct ui *ui = a->ui;
	const struct agenda_view *v = a->v;
	int margin = apx(a, 16), pad = apx(a, 12);

	/* The corner: the segment's title over a slide, and its timer. */
	if (in_segment(v)) {
		char clock[32];
		fmt_clock(clock, sizeof(clock), v->remaining_ms);
		enum ui_font tf = a->mini ? UI_SMALL : UI_HEADING;
		enum ui_font nf = a->mini ? UI_SMALL : UI_BODY;
		int cw = ui_text_w(ui, tf, 1, clock);
		int nw = 0;
		const char *title = slide_shown && !a->mini ? v->title : "";
		if (*title) {
			nw = ui_text_w(ui, nf, 0, title);
			int maxw = a->r.w / 2;
			if (nw > maxw)
				nw = maxw;
			nw += pad;
		}
		int h = ui_line_h(ui, tf) + pad;
		struct ui_rect box = {a->r.x + a->r.w - margin - (cw + nw + 2 * pad),
				      a->r.y + a->r.h - margin - h, cw + nw + 2 * pad, h};
		struct ui_color bg, fg;
		level_colors(v, &bg, &fg);
		ui_fill(ui, box, bg);
		struct ui_rect in = ui_inset(box, pad);
		in.y = box.y;
		in.h = box.h;
		if (*title)
			ui_label(ui, title, ui_cut_left(&in, nw - pad), nf, 0, fg, UI_LEFT);
		ui_label(ui, clock, ui_cut_right(&in, cw), tf, 1, fg, UI_RIGHT);
	}

	/* The speaker timer at the top while it runs. */
	int times_up = v->speaker_active && v->speaker_remaining_ms <= 0;
	if (v->speaker_active && !times_up) {
		char clock[32], text[64];
		fmt_clock(clock, sizeof(clock), v->speaker_remaining_ms);
		str_fmt(text, sizeof(text), tr(k, "Speaker %s"), clock);
		enum ui_font f = a->mini ? UI_SMALL : UI_TITLE;
		int w = ui_text_w(ui, f, 1, text) + 2 * pad, h = ui_line_h(ui, f) + pad;
		struct ui_rect box = {a->r.x + (a->r.w - w) / 2, a->r.y + margin, w, h};
		ui_fill(ui, box, UI_BLACK);
		ui_label(ui, text, box, f, 1, UI_WHITE, UI_CENTER);
	}

	/* The signal, and "Time's up", as big bands across the middle. */
	const char *up = tr(k, "Time's up");
	int total = (v->signal ? banner_height(a, v->signal) : 0) + (times_up ? banner_height(a, up) : 0);
	int y = a->r.y + (a->r.h - total) / 2;
	if (times_up)
		y += banner(a, up, y, UI_BAD, UI_WHITE);
	if (v->signal)
		banner(a, v->signal, y, UI_WARN, UI_BLACK);
}

static void draw_audience(struct kiosk *k, struct ui *ui, const struct agenda_view *v,
			  struct ui_rect r, int mini)
{
	struct meeting_ui *m = k->meeting;
	struct aview a = {.k = k, .ui = ui, .v = v, .r = r, .mini = mini};
	ui_fill(ui, r, UI_BLACK);
	if (m->blackout) {
		if (mini)
			ui_label(ui, tr(k, "Black screen"), r, UI_SMALL, 0, SLIDE_DIM, UI_CENTER);
		return;
	}
	int n = slide_count(m);
	int shown = m->show_slide && m->page >= 1 && m->page <= n;
	if (shown && slides_are_images(m)) {
		const struct ui_image *img = slide_image(k);
		if (img)
			ui_image_fit(ui, img, r);
		else if (mini)
			ui_label(ui, "\xE2\x80\xA6", r, UI_SMALL, 0, SLIDE_DIM, UI_CENTER); /* … */
	} else if (shown && slides_kind(m->slides) == SLIDES_TEXT && m->page <= k->pack.ntext_slides) {
		draw_text_slide(&a, &k->pack.text_slides[m->page - 1]);
	} else {
		shown = 0;
		draw_title_card(&a);
	}
	draw_overlay(&a, shown);
	if (mini && shown) {
		char pg[32];
		str_fmt(pg, sizeof(pg), "%d/%d", m->page, n);
		int pad = apx(&a, 8);
		struct ui_rect pr = {r.x, r.y + r.h - ui_line_h(ui, UI_SMALL) - pad,
				     ui_text_w(ui, UI_SMALL, 0, pg) + 2 * pad, ui_line_h(ui, UI_SMALL) + pad};
		ui_fill(ui, pr, UI_BLACK);
		ui_label(ui, pg, pr, UI_SMALL, 0, UI_WHITE, UI_CENTER);
	}
}

/* ---- the facilitator's screen ---- */

static void message_panel(struct kiosk *k, struct ui_rect r, const char *heading, const char *text)
{
	struct ui *ui = &k->ui;
	ui_label(ui, heading, ui_cut_top(&r, ui_line_h(ui, UI_HEADING)), UI_HEADING, 1, UI_BAD, UI_LEFT);
	ui_cut_top(&r, ui_px(ui, 8));
	ui_text_wrapped(ui, text, r, UI_BODY, 0, UI_FG, UI_LEFT);
}

static void controls(struct kiosk *k, const struct agenda_view *v, struct ui_rect row1,
		     struct ui_rect row2)
{
	struct meeting_ui *m = k->meeting;
	struct ui *ui = &k->ui;
	int gap = ui_px(ui, 8);
	int running = in_segment(v);

	struct ui_rect c = ui_col(row1, 0, 2, gap);
	switch (v->phase) {
	case AGENDA_NOT_STARTED:
		if (ui_button(ui, tr(k, "Start"), c, UI_PRIMARY))
			op_done(k, agenda_start(m->agenda));
		break;
	case AGENDA_RUNNING:
		if (ui_button(ui, tr(k, "Pause"), c, UI_SECONDARY))
			op_done(k, agenda_pause(m->agenda));
		break;
	case AGENDA_PAUSED:
		if (ui_button(ui, tr(k, "Resume"), c, UI_PRIMARY))
			op_done(k, agenda_resume(m->agenda));
		break;
	case AGENDA_FINISHED:
		ui_button_disabled(ui, tr(k, "Start"), c);
		break;
	}
	c = ui_col(row1, 1, 2, gap);
	const char *next = v->next < 0 && running ? tr(k, "End meeting") : tr(k, "Next");
	if (!running)
		ui_button_disabled(ui, next, c);
	else if (ui_button(ui, next, c, UI_SECONDARY))
		segment_done(k, agenda_next(m->agenda));

	c = ui_col(row2, 0, 3, gap);
	if ((running && v->segment > 0) || v->phase == AGENDA_FINISHED) {
		if (ui_button(ui, tr(k, "Previous"), c, UI_SECONDARY))
			segment_done(k, agenda_back(m->agenda));
	} else {
		ui_button_disabled(ui, tr(k, "Previous"), c);
	}
	c = ui_col(row2, 1, 3, gap);
	if (running && v->planned_ms >= MS_PER_MIN) {
		if (ui_button(ui, tr(k, "-1 min"), c, UI_SECONDARY))
			op_done(k, agenda_adjust(m->agenda, -MS_PER_MIN));
	} else {
		ui_button_disabled(ui, tr(k, "-1 min"), c);
	}
	c = ui_col(row2, 2, 3, gap);
	if (running) {
		if (ui_button(ui, tr(k, "+1 min"), c, UI_SECONDARY))
			op_done(k, agenda_adjust(m->agenda, MS_PER_MIN));
	} else {
		ui_button_disabled(ui, tr(k, "+1 min"), c);
	}
}

/* The left column: the segment, the countdown, where the meeting stands, the controls. */
static void agenda_panel(struct kiosk *k, const struct agenda_view *v, struct ui_rect r)
{
	struct meeting_ui *m = k->meeting;
	struct ui *ui = &k->ui;
	if (!m->agenda) {
		message_panel(k, r, tr(k, "The meeting log cannot be read"), m->agenda_problem);
		return;
	}
	if (v->nsegments == 0) {
		message_panel(k, r, tr(k, "No agenda"),
			      tr(k, "The event pack has no [segment] sections, so there is no timer. Add "
				    "them to event.ini and check the pack with \"barnstorm check\". Slides "
				    "and signals still work."));
		return;
	}
	int bh = ui_px(ui, 50), gap = ui_px(ui, 6);
	struct ui_rect row2 = ui_cut_bottom(&r, bh);
	ui_cut_bottom(&r, gap);
	struct ui_rect row1 = ui_cut_bottom(&r, bh);
	ui_cut_bottom(&r, gap);
	controls(k, v, row1, row2);

	int finished = v->phase == AGENDA_FINISHED;
	const char *title = finished ? tr(k, "The meeting has ended") : v->title;
	char num[32] = "";
	if (!finished)
		str_fmt(num, sizeof(num), "%d/%d", v->segment + 1, v->nsegments);
	int num_w = num[0] ? ui_text_w(ui, UI_HEADING, 1, num) + ui_px(ui, 10) : 0;
	int slh = ui_line_h(ui, UI_SMALL), blh = ui_line_h(ui, UI_BODY);
	const char *note = !finished && v->note && *v->note ? v->note : NULL;

	/* A long title gets a smaller size and, if need be, two lines; a long note two lines; while
	 * the countdown keeps room for its digits (they fill about 0.73 of the font's size). */
	enum ui_font tf = UI_HEADING;
	int title_lines = 1;
	if (ui_text_w(ui, UI_HEADING, 1, title) > r.w - num_w) {
		tf = UI_BUTTON;
		title_lines = ui_text_w(ui, UI_BUTTON, 1, title) > r.w - num_w ? 2 : 1;
	}
	int note_lines = note ? (ui_text_w(ui, UI_SMALL, 0, note) > r.w ? 2 : 1) : 0;
	int min_clock = ui_font_px(ui, UI_HUGE) * 7 / 10;
	int tlh = ui_line_h(ui, tf);
	for (;;) {
		int clock_h = r.h - title_lines * tlh - note_lines * slh - 3 * blh - ui_px(ui, 4);
		if (clock_h >= min_clock)
			break;
		if (note_lines > 1)
			note_lines--;
		else if (title_lines > 1)
			title_lines--;
		else
			break;
	}

	struct ui_rect ttl = ui_cut_top(&r, title_lines * tlh);
	if (num[0]) {
		struct ui_rect nr = ui_cut_left(&ttl, num_w);
		nr.h = tlh;
		ui_label(ui, num, nr, tf, 1, UI_MUTED, UI_LEFT);
	}
	if (title_lines == 1)
		ui_label(ui, title, ttl, tf, 1, UI_FG, UI_LEFT);
	else
		ui_text_wrapped(ui, title, ttl, tf, 1, UI_FG, UI_LEFT);
	if (note)
		ui_text_wrapped(ui, note, ui_cut_top(&r, note_lines * slh), UI_SMALL, 0, UI_MUTED, UI_LEFT);
	ui_cut_top(&r, ui_px(ui, 4));

	struct ui_rect line3 = ui_cut_bottom(&r, blh);
	struct ui_rect line2 = ui_cut_bottom(&r, blh);
	struct ui_rect line1 = ui_cut_bottom(&r, blh);
	struct ui_rect clock_r = r;

	char text[MEETING_MSG_MAX], end[160];
	fmt_end(k, v, end, sizeof(end));
	if (finished) {
		int lines = est_lines(ui, end, UI_HEADING, 1, clock_r.w) > 1 ? 2 : 1;
		int hh = ui_line_h(ui, UI_HEADING);
		struct ui_rect er = ui_center(clock_r, clock_r.w, (lines + 1) * hh);
		er.y = clock_r.y + (clock_r.h - lines * hh) / 2;
		ui_text_wrapped(ui, end, er, UI_HEADING, 1, UI_FG, UI_CENTER);
		ui_label(ui, tr(k, "\"Previous\" opens the last segment again."), line1, UI_BODY, 0, UI_MUTED,
			 UI_LEFT);
	} else {
		char clock[32];
		fmt_clock(clock, sizeof(clock), v->remaining_ms);
		struct ui_color fg = UI_FG;
		if (v->phase == AGENDA_NOT_STARTED)
			fg = UI_MUTED;
		else if (v->level == AGENDA_WARNING)
			fg = UI_WARN;
		else if (v->level == AGENDA_DANGER)
			fg = UI_BAD;
		else if (v->level == AGENDA_OVERTIME) {
			ui_fill(ui, clock_r, UI_BAD);
			fg = UI_WHITE;
		}
		enum ui_font f = UI_HUGE;
		int bold = 0;
		if (ui_text_w(ui, UI_HUGE, 0, clock) > clock_r.w) {
			f = UI_TITLE;
			bold = 1;
		}
		ui_label(ui, clock, clock_r, f, bold, fg, UI_CENTER);

		const char *state = state_text(k, v);
		char sched[96] = "";
		if (v->phase != AGENDA_NOT_STARTED)
			fmt_schedule(k, v, sched, sizeof(sched));
		if (state && sched[0])
			str_fmt(text, sizeof(text), "%s \xC2\xB7 %s", state, sched); /* · */
		else
			str_copy(text, sizeof(text), state ? state : sched);
		struct ui_color lc = v->level == AGENDA_WARNING ? UI_FG : v->level >= AGENDA_DANGER ? UI_BAD
												: UI_FG;
		ui_label(ui, text, line1, UI_BODY, 1, lc, UI_LEFT);
		ui_label(ui, end, line2, UI_BODY, 0, v->end_margin_ms < -30000 ? UI_BAD : UI_FG, UI_LEFT);
		if (v->next >= 0) {
			str_fmt(text, sizeof(text), tr(k, "Next (%d min): %s"), v->next_minutes,
				v->next_title ? v->next_title : "");
			ui_label(ui, text, line3, UI_BODY, 0, UI_MUTED, UI_LEFT);
		} else {
			ui_label(ui, tr(k, "This is the last segment"), line3, UI_BODY, 0, UI_MUTED, UI_LEFT);
		}
	}
	if (m->error[0])
		ui_label(ui, m->error, finished ? line2 : line1, UI_BODY, 1, UI_BAD, UI_LEFT);
}

static int signal_button(struct kiosk *k, const struct agenda_view *v, const char *label,
			 const char *message, struct ui_rect r)
{
	struct meeting_ui *m = k->meeting;
	int on = v->signal && !strcmp(v->signal, message);
	if (!ui_button(&k->ui, label, r, on ? UI_SELECTED : UI_SECONDARY))
		return 0;
	if (on) {
		agenda_signal_clear(m->agenda);
		op_done(k, 0);
	} else {
		op_done(k, agenda_signal(m->agenda, message));
	}
	return 1;
}

/* The right column: what the room sees, slide paging, black-out, and the signals. */
static void room_panel(struct kiosk *k, const struct agenda_view *v, struct ui_rect r)
{
	struct meeting_ui *m = k->meeting;
	struct ui *ui = &k->ui;
	const struct pack *p = &k->pack;
	const char *lang = p->langs[k->lang];
	int bh = ui_px(ui, 48), gap = ui_px(ui, 6);

	/* Signals: two built in, the pack's, the speaker timer; two columns when they crowd out the
	 * picture, and only as many of the pack's as fit. */
	enum { SIG_WRAP, SIG_OFFLINE, SIG_SPEAKER, SIG_PACK };
	int sigs[3 + PACK_MAX_MESSAGES], nsig = 0;
	if (m->agenda) {
		sigs[nsig++] = SIG_WRAP;
		sigs[nsig++] = SIG_OFFLINE;
		for (int i = 0; i < p->nmessages && i < PACK_MAX_MESSAGES; i++)
			if (*pack_text_get(p, &p->messages[i], lang))
				sigs[nsig++] = SIG_PACK + i;
		sigs[nsig++] = SIG_SPEAKER;
	}
	int avail = r.h - bh - 2 * gap - ui_px(ui, 70);
	int rows_fit = avail > 0 ? (avail + gap) / (bh + gap) : 0;
	int cols = nsig > rows_fit ? 2 : 1;
	while (nsig > rows_fit * cols && nsig > 0) {
		/* Drop the pack's last signal, keeping the speaker timer last. */
		if (nsig >= 4 && sigs[nsig - 2] >= SIG_PACK)
			sigs[nsig - 2] = sigs[nsig - 1];
		nsig--;
	}
	int rows = (nsig + cols - 1) / cols;
	struct ui_rect sig = ui_cut_bottom(&r, rows ? rows * bh + (rows - 1) * gap : 0);
	if (rows)
		ui_cut_bottom(&r, gap * 2);
	for (int i = 0; i < nsig; i++) {
		struct ui_rect c = ui_col(ui_row(sig, i / cols, rows, gap), i % cols, cols, gap);
		if (sigs[i] == SIG_WRAP) {
			signal_button(k, v, tr(k, "Please wrap up"), tr(k, "Please wrap up"), c);
		} else if (sigs[i] == SIG_OFFLINE) {
			signal_button(k, v, tr(k, "Take it offline"),
				      tr(k, "Let's take this offline \xE2\x80\x94 thank you!"), c);
		} else if (sigs[i] >= SIG_PACK) {
			const char *msg = pack_text_get(p, &p->messages[sigs[i] - SIG_PACK], lang);
			signal_button(k, v, msg, msg, c);
		} else if (!v->speaker_active) {
			if (ui_button(ui, tr(k, "Speaker 60 s"), c, UI_SECONDARY))
				op_done(k, agenda_speaker_start(m->agenda, MEETING_SPEAKER_SECONDS));
		} else {
			char clock[32], label[64];
			int up = v->speaker_remaining_ms <= 0;
			fmt_clock(clock, sizeof(clock), v->speaker_remaining_ms);
			if (up)
				str_copy(label, sizeof(label), tr(k, "Time's up"));
			else
				str_fmt(label, sizeof(label), tr(k, "Speaker %s"), clock);
			if (ui_button(ui, label, c, up ? UI_DANGER : UI_SELECTED)) {
				agenda_speaker_stop(m->agenda);
				op_done(k, 0);
			}
		}
	}

	/* Paging and black-out. */
	struct ui_rect nav = ui_cut_bottom(&r, bh);
	ui_cut_bottom(&r, gap);
	int n = slide_count(m);
	struct ui_rect arrows = ui_cut_left(&nav, 2 * ui_px(ui, 64) + gap);
	ui_cut_left(&nav, gap);
	struct ui_rect c = ui_col(arrows, 0, 2, gap);
	if (n > 0 && ui_button(ui, "\xE2\x97\x80", c, UI_SECONDARY)) /* ◀ */
		slide_step(m, -1);
	else if (n == 0)
		ui_button_disabled(ui, "\xE2\x97\x80", c);
	c = ui_col(arrows, 1, 2, gap);
	if (n > 0 && ui_button(ui, "\xE2\x96\xB6", c, UI_SECONDARY)) /* ▶ */
		slide_step(m, 1);
	else if (n == 0)
		ui_button_disabled(ui, "\xE2\x96\xB6", c);
	c = nav;
	if (ui_button(ui, tr(k, "Black"), c, m->blackout ? UI_SELECTED : UI_SECONDARY))
		m->blackout = !m->blackout;
	if (m->page >= 1 && m->slides)
		slides_request(m->slides, m->page); /* after paging by touch */

	/* What is wrong with the slides, if anything. */
	const char *problem = m->slides_failed ? m->slides_error : m->slides ? slides_problem(m->slides)
									  : NULL;
	if (problem) {
		int slh = ui_line_h(ui, UI_SMALL);
		struct ui_rect pr = ui_cut_bottom(&r, 2 * slh);
		ui_text_wrapped(ui, problem, pr, UI_SMALL, 1, UI_BAD, UI_LEFT);
		ui_cut_bottom(&r, gap);
	} else if (n == 0) {
		struct ui_rect pr = ui_cut_bottom(&r, ui_line_h(ui, UI_SMALL));
		ui_label(ui, tr(k, "No slides in this pack"), pr, UI_SMALL, 0, UI_MUTED, UI_LEFT);
		ui_cut_bottom(&r, gap);
	}

	/* The small copy of the audience view, in the display's proportions. */
	if (r.h > 0 && r.w > 0 && ui->w > 0 && ui->h > 0) {
		int tw = r.w, th = (int)((int64_t)r.w * ui->h / ui->w);
		if (th > r.h) {
			th = r.h;
			tw = (int)((int64_t)r.h * ui->w / ui->h);
		}
		struct ui_rect thumb = {r.x + (r.w - tw) / 2, r.y + r.h - th, tw, th};
		draw_audience(k, &k->ui, v, thumb, 1);
	}
}

void screen_facilitator(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct ui_rect body;
	if (screen_header(k, tr(k, "Meeting"), tr(k, "Back"), &body)) {
		kiosk_go(k, SCREEN_ORGANIZER);
		return;
	}
	/* "Audience view" at the right of the header bar. */
	const char *aud = tr(k, "Audience view");
	int pad = ui_px(ui, 8), bar_h = ui_px(ui, 64);
	int aw = ui_text_w(ui, UI_BUTTON, 1, aud) + ui_px(ui, 40);
	struct ui_rect ab = {ui->w - pad - aw, pad, aw, bar_h - 2 * pad};
	if (ui_button(ui, aud, ab, UI_SECONDARY)) {
		kiosk_go(k, SCREEN_AUDIENCE);
		return;
	}

	struct agenda_view v;
	view_get(k, &v);
	slides_follow(k, &v);
	int gap = ui_px(ui, 16);
	struct ui_rect right = ui_cut_right(&body, ui_px(ui, 260));
	ui_cut_right(&body, gap);
	agenda_panel(k, &v, body);
	room_panel(k, &v, right);
	meeting_wake(k, &v);
}

/* ---- the audience view ---- */

void meeting_audience_frame(struct kiosk *k, struct ui *ui)
{
	if (!k->meeting->agenda)
		return;
	struct agenda_view v;
	view_get(k, &v);
	slides_follow(k, &v);
	draw_audience(k, ui, &v, (struct ui_rect){0, 0, ui->w, ui->h}, 0);
	/* The projector's timer ticks whatever the touch screen shows (check-in at the door). */
	meeting_wake(k, &v);
}

void screen_audience(struct kiosk *k)
{
	struct meeting_ui *m = k->meeting;
	struct ui *ui = &k->ui;
	struct agenda_view v;
	view_get(k, &v);
	slides_follow(k, &v);
	struct ui_rect all = {0, 0, ui->w, ui->h};
	draw_audience(k, ui, &v, all, 0);

	int leave = ui_key(ui, UI_KEY_ESCAPE);
	if (m->back_until > v.now) {
		int pad = ui_px(ui, 12);
		struct ui_rect b = {pad, pad, ui_px(ui, 140), ui_px(ui, 56)};
		if (ui_button(ui, tr(k, "Back"), b, UI_SECONDARY))
			leave = 1;
	}
	if (leave) {
		m->back_until = 0;
		kiosk_go(k, SCREEN_FACILITATOR);
		return;
	}
	/* A tap anywhere else shows the Back button for a while. */
	if (ui->pointer_released) {
		m->back_until = v.now + MEETING_BACK_MS;
		k->dirty = 1;
	}
	meeting_wake(k, &v);
}
