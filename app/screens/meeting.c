#include "kiosk.h"
#include "screens/meeting.h"
#include "core/event.h"
#include "screens/screens.h"
#include "agenda.h"
#include "audio.h"
#include "display.h"
#include "slides.h"
#include "util.h"

#include <stdio.h>
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
	m->cue_segment = -1;
	/* The device is opened even with sound = off in the pack: cheap, and the log then says at
	 * the start of the evening whether a cue could be heard at all. */
	m->audio = audio_open();
	if (!m->audio)
		fprintf(stderr, "barnstorm: meeting: %s; the timer works on without sound cues\n",
			err_msg());
}

void meeting_close(struct kiosk *k)
{
	/* The agenda and the slides belong to the event core, which closes them. */
	audio_close(k->meeting->audio);
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

/* "Projected end 20:34 (4 min late)", or "Ended at 20:31 (on time)" after the end. The minutes
 * come from agenda_schedule_at(), whole minutes of the shown times, so they agree with them. */
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

/* ---- sound cues ---- */

static void cue(struct kiosk *k, enum audio_cue c)
{
	struct meeting_ui *m = k->meeting;
	if (k->pack.sound_off || m->muted)
		return;
	m->cues[c]++;
	audio_play(m->audio, c, k->pack.volume);
}

/* Every meeting frame: a cue on each edge the agenda crossed since the last frame (the timer
 * turning to warning, to danger, to overtime within one running segment; the speaker timer
 * running out). A new segment, Previous, or a restart of the kiosk only take the level as it is:
 * nobody wants a beep for a state they stepped into. */
static void cues_follow(struct kiosk *k, const struct agenda_view *v)
{
	struct meeting_ui *m = k->meeting;
	if (!m->agenda)
		return;
	int level = (int)v->level;
	if (v->segment == m->cue_segment && (int)v->phase == m->cue_phase &&
	    v->phase == AGENDA_RUNNING && level > m->cue_level) {
		if (level == AGENDA_OVERTIME)
			cue(k, AUDIO_CUE_TIME_UP);
		else if (level == AGENDA_DANGER)
			cue(k, AUDIO_CUE_DANGER);
		else if (level == AGENDA_WARNING)
			cue(k, AUDIO_CUE_WARNING);
	}
	if (v->segment != m->cue_segment || (int)v->phase != m->cue_phase ||
	    v->phase == AGENDA_RUNNING || level < m->cue_level)
		m->cue_level = level; /* paused: keep the level it had, resume does not beep */
	m->cue_segment = v->segment;
	m->cue_phase = (int)v->phase == AGENDA_PAUSED ? AGENDA_RUNNING : (int)v->phase;
	if (v->speaker_active && v->speaker_remaining_ms > 0) {
		m->speaker_armed = 1;
	} else {
		if (m->speaker_armed && v->speaker_active)
			cue(k, AUDIO_CUE_SPEAKER);
		m->speaker_armed = 0;
	}
}

/* Redraws: the countdown's next second while it runs, the projected end's next minute while it
 * moves with the clock (paused, not started), the speaker timer's next second, the Back button's
 * end. Never faster than once a second. */
static void meeting_wake(struct kiosk *k, const struct agenda_view *v)
{
	struct meeting_ui *m = k->meeting;
	int64_t now = v->now;
	cues_follow(k, v);
	if (m->agenda && v->nsegments > 0) {
		if (v->phase == AGENDA_RUNNING)
			kiosk_wake_at(k, now + to_next_second(v->remaining_ms));
		/* Paused or before the start: when the schedule's figures change, all at once. */
		if (v->schedule_changes_at > now)
			kiosk_wake_at(k, v->schedule_changes_at);
	}
	if (v->speaker_active && v->speaker_remaining_ms > 0)
		kiosk_wake_at(k, now + to_next_second(v->speaker_remaining_ms));
	else if (v->speaker_active && v->speaker_clears_at > now)
		kiosk_wake_at(k, v->speaker_clears_at); /* "Time's up" goes by itself */
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

/* The width of the first len bytes of text. */
static int text_w_n(struct ui *ui, enum ui_font f, int bold, const char *text, size_t len)
{
	char buf[1024];
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return ui_text_w(ui, f, bold, buf);
}

/* The lines ui_text_wrapped() breaks text into at width w (the same word breaking), or a large
 * number when one word alone is wider than w (it would be cut with "…"). */
static int wrap_lines(struct ui *ui, const char *text, enum ui_font f, int bold, int w)
{
	int n = 0;
	const char *s = text;
	if (w <= 0)
		return 1000;
	while (*s) {
		if (*s == '\n') {
			s++;
			n++;
			continue;
		}
		size_t best = 0, i = 0;
		for (;;) {
			size_t j = i;
			while (s[j] == ' ')
				j++;
			while (s[j] && s[j] != ' ' && s[j] != '\n')
				j++;
			if (text_w_n(ui, f, bold, s, j) > w && best > 0)
				break;
			best = j;
			i = j;
			if (!s[j] || s[j] == '\n')
				break;
		}
		if (text_w_n(ui, f, bold, s, best) > w)
			return 1000;
		n++;
		s += best;
		while (*s == ' ')
			s++;
		if (*s == '\n')
			s++;
	}
	return n > 0 ? n : 1;
}

/* One line of text in r at the largest of the fonts from f down to UI_SMALL that fits r.w;
 * when none does, wrapped in UI_SMALL in r (which the caller made tall enough with
 * fit_height()). Never an ellipsis where there is room. */
static void fit_label(struct ui *ui, const char *text, struct ui_rect r, enum ui_font f, int bold,
		      struct ui_color c)
{
	for (int g = (int)f; g >= (int)UI_SMALL; g--) {
		if (ui_text_w(ui, (enum ui_font)g, bold, text) <= r.w) {
			ui_label(ui, text, r, (enum ui_font)g, bold, c, UI_LEFT);
			return;
		}
	}
	ui_text_wrapped(ui, text, r, UI_SMALL, bold, c, UI_LEFT);
}

/* The height fit_label() needs for text at width w: a line of f, or the wrapped small lines. */
static int fit_height(struct ui *ui, const char *text, int w, enum ui_font f, int bold)
{
	for (int g = (int)f; g >= (int)UI_SMALL; g--)
		if (ui_text_w(ui, (enum ui_font)g, bold, text) <= w)
			return ui_line_h(ui, f);
	int n = wrap_lines(ui, text, UI_SMALL, bold, w);
	if (n > 3)
		n = 3;
	int h = n * ui_line_h(ui, UI_SMALL);
	return h > ui_line_h(ui, f) ? h : ui_line_h(ui, f);
}

/* A text slide: the title at the largest font at which it fits (at most two lines), then the
 * bullets that fit whole; none is cut. */
static void draw_text_slide(struct aview *a, const struct pack_text_slide *ts)
{
	struct ui *ui = a->ui;
	ui_fill(ui, a->r, SLIDE_BG);
	struct ui_rect in = ui_inset(a->r, apx(a, 36));
	/* The corner overlay sits at the bottom: keep the text above it. */
	ui_cut_bottom(&in, apx(a, 56) + (a->mini ? 0 : ui_line_h(ui, UI_SMALL)));
	enum ui_font tf = a->mini ? UI_SMALL : UI_TITLE;
	enum ui_font bf = a->mini ? UI_SMALL : UI_HEADING;
	if (ts->title && *ts->title) {
		int lines = wrap_lines(ui, ts->title, tf, 1, in.w);
		while (tf > UI_SMALL && (lines > 2 || lines * ui_line_h(ui, tf) > in.h)) {
			tf = (enum ui_font)(tf - 1);
			lines = wrap_lines(ui, ts->title, tf, 1, in.w);
		}
		int tlh = ui_line_h(ui, tf);
		if (lines * tlh <= in.h) {
			struct ui_rect tt = ui_cut_top(&in, lines * tlh);
			ui_text_wrapped(ui, ts->title, tt, tf, 1, UI_WHITE, UI_LEFT);
			ui_cut_top(&in, apx(a, 10));
			ui_fill(ui, ui_cut_top(&in, apx(a, 6)), UI_ACCENT);
			ui_cut_top(&in, apx(a, 24));
		}
	}
	int blh = ui_line_h(ui, bf), dot_w = blh;
	for (int i = 0; i < ts->nbullets; i++) {
		const char *b = ts->bullets[i] ? ts->bullets[i] : "";
		int lines = wrap_lines(ui, b, bf, 0, in.w - dot_w);
		if (lines * blh > in.h)
			break;
		struct ui_rect row = ui_cut_top(&in, lines * blh);
		struct ui_rect dot = ui_cut_left(&row, dot_w);
		dot.h = blh;
		ui_label(ui, "\xE2\x80\xA2", dot, bf, 1, UI_ACCENT, UI_LEFT); /* • */
		ui_text_wrapped(ui, b, row, bf, 0, UI_WHITE, UI_LEFT);
		ui_cut_top(&in, apx(a, 14));
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

/* ---- the audience view's layout ----
 * Top to bottom: the speaker timer, then the middle (the title card's heading and subtitle,
 * and the bands: "Time's up", the signal), then the corner with the segment's timer. The middle
 * is laid out as one stack at the largest font at which all of it fits, title and bands
 * wrapped; when nothing fits even at the smallest, the heading gives way to the bands. So no
 * text is clipped or cut and nothing overlaps, at any size, language or band combination. */

struct band {
	const char *text;
	struct ui_color bg, fg;
};

#define AUD_BANDS 2

struct stack {
	enum ui_font f;
	int head_lines, sub, band_lines[AUD_BANDS], pad, gap, h;
};

/* The stack at font f in width w: its height, or -1 when a word does not fit w. */
static int stack_measure(struct aview *a, struct stack *st, enum ui_font f, const char *head,
			 const char *sub, const struct band *b, int nb, int w)
{
	struct ui *ui = a->ui;
	int lh = ui_line_h(ui, f);
	memset(st, 0, sizeof(*st));
	st->f = f;
	st->pad = lh / 3;
	st->gap = nb ? apx(a, 16) : 0;
	if (head && *head) {
		st->head_lines = wrap_lines(ui, head, f, 1, w);
		if (st->head_lines >= 1000)
			return -1;
		st->h += st->head_lines * lh;
	}
	enum ui_font sf = f > UI_SMALL ? (enum ui_font)(f - 1) : UI_SMALL;
	if (sub && *sub && !nb && ui_text_w(ui, sf, 0, sub) <= w) {
		st->sub = 1;
		st->h += apx(a, 16) + ui_line_h(ui, sf);
	}
	for (int i = 0; i < nb; i++) {
		st->band_lines[i] = wrap_lines(ui, b[i].text, f, 1, w - 2 * st->pad);
		if (st->band_lines[i] >= 1000)
			return -1;
		st->h += st->band_lines[i] * lh + 2 * st->pad + (st->h ? st->gap : 0);
	}
	return st->h;
}

static void draw_middle(struct aview *a, struct ui_rect area, const char *head, const char *sub,
			const struct band *b, int nb)
{
	struct ui *ui = a->ui;
	struct stack st;
	enum ui_font top = a->mini ? UI_BODY : UI_TITLE;
	int fits = 0;
	for (int pass = 0; pass < 3 && !fits; pass++) {
		if (pass == 1) {
			if (!head || (!nb && !a->mini))
				continue;
			/* The bands matter more than the title; the small copy goes without it rather
			 * than show it cut. */
			head = NULL;
		} else if (pass == 2) {
			/* The small copy only: "Time's up" is on the facilitator's button anyway. */
			if (!a->mini || nb < 2)
				break;
			b++;
			nb--;
		}
		for (int g = (int)top; g >= (int)UI_SMALL; g--) {
			int h = stack_measure(a, &st, (enum ui_font)g, head, sub, b, nb, area.w);
			if (h >= 0 && h <= area.h) {
				fits = 1;
				break;
			}
		}
	}
	if (!fits && a->mini && nb > 0) {
		/* The small copy shows that bands are up, in their colours; their words are on the
		 * facilitator's buttons. */
		int gap = apx(a, 8), bh = (area.h - (nb - 1) * gap) / nb;
		for (int i = 0; i < nb && bh > 0; i++)
			ui_fill(ui, (struct ui_rect){a->r.x, area.y + i * (bh + gap), a->r.w, bh}, b[i].bg);
		return;
	}
	if (!fits) /* a text no screen can hold: the smallest font, cut at the bottom */
		stack_measure(a, &st, UI_SMALL, head, sub, b, nb, area.w);
	int lh = ui_line_h(ui, st.f);
	int y = area.y + (area.h - st.h) / 2;
	if (y < area.y)
		y = area.y;
	int bottom = area.y + area.h;
	if (head && st.head_lines) {
		struct ui_rect hr = {area.x, y, area.w, st.head_lines * lh};
		if (hr.y + hr.h > bottom)
			hr.h = bottom - hr.y;
		ui_text_wrapped(ui, head, hr, st.f, 1, UI_WHITE, UI_CENTER);
		y += st.head_lines * lh;
	}
	if (st.sub) {
		enum ui_font sf = st.f > UI_SMALL ? (enum ui_font)(st.f - 1) : UI_SMALL;
		y += apx(a, 16);
		struct ui_rect sr = {area.x, y, area.w, ui_line_h(ui, sf)};
		ui_label(ui, sub, sr, sf, 0, SLIDE_DIM, UI_CENTER);
		y += sr.h;
	}
	int above = (head && st.head_lines) || st.sub;
	for (int i = 0; i < nb; i++) {
		if (above || i > 0)
			y += st.gap;
		int th = st.band_lines[i] * lh;
		if (y + th + 2 * st.pad > bottom)
			th = bottom - y - 2 * st.pad;
		if (th < lh)
			break;
		/* The band spans the whole view, its text the middle's width. */
		struct ui_rect band = {a->r.x, y, a->r.w, th + 2 * st.pad};
		ui_fill(ui, band, b[i].bg);
		struct ui_rect tr = {area.x + st.pad, y + st.pad, area.w - 2 * st.pad, th};
		ui_text_wrapped(ui, b[i].text, tr, st.f, 1, b[i].fg, UI_CENTER);
		y += band.h;
	}
}

/* The corner: the segment's title (over a slide) and its timer. Returns the box's height. */
static int draw_corner(struct aview *a, int slide_shown)
{
	struct ui *ui = a->ui;
	const struct agenda_view *v = a->v;
	int margin = apx(a, 16), pad = apx(a, 12);
	char clock[32];
	fmt_clock(clock, sizeof(clock), v->remaining_ms);
	enum ui_font tf = a->mini ? UI_SMALL : UI_HEADING;
	int cw = ui_text_w(ui, tf, 1, clock);
	int h = ui_line_h(ui, tf) + pad;
	const char *title = slide_shown && !a->mini ? v->title : "";
	int maxw = a->r.w / 2;
	enum ui_font nf = UI_BODY;
	int nw = 0, nlines = 1;
	if (*title) {
		/* The title in one line, smaller if need be, else in two small lines. */
		while (nf > UI_SMALL && ui_text_w(ui, nf, 0, title) > maxw)
			nf = (enum ui_font)(nf - 1);
		nw = ui_text_w(ui, nf, 0, title);
		if (nw > maxw) {
			nlines = wrap_lines(ui, title, nf, 0, maxw);
			if (nlines > 2)
				nlines = 2;
			nw = maxw;
		}
		if (nlines * ui_line_h(ui, nf) + pad > h)
			h = nlines * ui_line_h(ui, nf) + pad;
		nw += pad;
	}
	struct ui_rect box = {a->r.x + a->r.w - margin - (cw + nw + 2 * pad),
			      a->r.y + a->r.h - margin - h, cw + nw + 2 * pad, h};
	struct ui_color bg, fg;
	level_colors(v, &bg, &fg);
	ui_fill(ui, box, bg);
	struct ui_rect in = ui_inset(box, pad);
	in.y = box.y;
	in.h = box.h;
	if (*title) {
		struct ui_rect tr = ui_cut_left(&in, nw - pad);
		if (nlines == 1) {
			ui_label(ui, title, tr, nf, 0, fg, UI_LEFT);
		} else {
			tr.y = box.y + (box.h - nlines * ui_line_h(ui, nf)) / 2;
			tr.h = nlines * ui_line_h(ui, nf);
			ui_text_wrapped(ui, title, tr, nf, 0, fg, UI_LEFT);
		}
	}
	ui_label(ui, clock, ui_cut_right(&in, cw), tf, 1, fg, UI_RIGHT);
	return h;
}

static int bands_up(const struct agenda_view *v)
{
	return v->signal || (v->speaker_active && v->speaker_remaining_ms <= 0);
}

/* Everything over the slide or the title card; card: no slide shown, so the heading is ours. */
static void draw_overlay(struct aview *a, int slide_shown, const char *slide_head)
{
	struct kiosk *k = a->k;
	struct ui *ui = a->ui;
	const struct agenda_view *v = a->v;
	int margin = apx(a, 16), pad = apx(a, 12);
	struct ui_rect area = ui_inset(a->r, a->mini ? apx(a, 12) : apx(a, 36));

	if (in_segment(v)) {
		int ch = draw_corner(a, slide_shown);
		int cut = a->r.y + a->r.h - margin - ch - apx(a, 8);
		if (area.y + area.h > cut)
			area.h = cut - area.y;
	} else {
		ui_cut_bottom(&area, apx(a, 20));
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
		int below = box.y + box.h + apx(a, 8);
		if (area.y < below) {
			area.h -= below - area.y;
			area.y = below;
		}
	}

	/* The title card's heading when no slide is shown: the event before the start and after
	 * the end, else the segment. */
	const char *head = slide_head, *sub = NULL;
	char when[128];
	if (!slide_shown) {
		head = k->pack.title ? k->pack.title : "";
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
		if (a->mini)
			sub = NULL;
	}
	struct band bands[AUD_BANDS];
	int nb = 0;
	if (times_up)
		bands[nb++] = (struct band){tr(k, "Time's up"), UI_BAD, UI_WHITE};
	if (v->signal)
		bands[nb++] = (struct band){v->signal, UI_WARN, UI_BLACK};
	if (area.h > 0 && area.w > 0)
		draw_middle(a, area, head, sub, bands, nb);
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
	const char *text_head = NULL;
	if (shown && slides_are_images(m)) {
		const struct ui_image *img = slide_image(k);
		if (img)
			ui_image_fit(ui, img, r);
		else if (mini)
			ui_label(ui, "\xE2\x80\xA6", r, UI_SMALL, 0, SLIDE_DIM, UI_CENTER); /* … */
	} else if (shown && slides_kind(m->slides) == SLIDES_TEXT && m->page <= k->pack.ntext_slides) {
		/* A band over a text slide would hide its words half: the stack shows the slide's
		 * title with the bands instead (draw_overlay). */
		if (bands_up(v)) {
			ui_fill(ui, r, SLIDE_BG);
			text_head = k->pack.text_slides[m->page - 1].title;
		} else {
			draw_text_slide(&a, &k->pack.text_slides[m->page - 1]);
		}
	} else {
		shown = 0;
		ui_fill(ui, r, SLIDE_BG);
	}
	draw_overlay(&a, shown, text_head);
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

	/* -1 min and +1 min as wide as their labels need, "Previous" ("Föregående") the rest. */
	int mw = ui_text_w(ui, UI_BUTTON, 1, tr(k, "-1 min"));
	if (ui_text_w(ui, UI_BUTTON, 1, tr(k, "+1 min")) > mw)
		mw = ui_text_w(ui, UI_BUTTON, 1, tr(k, "+1 min"));
	mw += 2 * ui_px(ui, 14);
	if (mw * 3 + 2 * gap > row2.w)
		mw = (row2.w - 2 * gap) / 3;
	struct ui_rect minus_r, plus_r;
	c = row2;
	plus_r = ui_cut_right(&c, mw);
	ui_cut_right(&c, gap);
	minus_r = ui_cut_right(&c, mw);
	ui_cut_right(&c, gap);
	if (c.w > mw * 2) {
		/* Not wider than it needs: the spare goes to the minute buttons. */
		int spare = (c.w - mw * 2) / 3;
		c.w -= 2 * spare;
		minus_r.x -= 2 * spare;
		minus_r.w += spare;
		plus_r.x -= spare;
		plus_r.w += spare;
	}
	if ((running && v->segment > 0) || v->phase == AGENDA_FINISHED) {
		if (ui_button(ui, tr(k, "Previous"), c, UI_SECONDARY))
			segment_done(k, agenda_back(m->agenda));
	} else {
		ui_button_disabled(ui, tr(k, "Previous"), c);
	}
	c = minus_r;
	if (running && v->planned_ms >= MS_PER_MIN) {
		if (ui_button(ui, tr(k, "-1 min"), c, UI_SECONDARY))
			op_done(k, agenda_adjust(m->agenda, -MS_PER_MIN));
	} else {
		ui_button_disabled(ui, tr(k, "-1 min"), c);
	}
	c = plus_r;
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
	int slh = ui_line_h(ui, UI_SMALL);
	const char *note = !finished && v->note && *v->note ? v->note : NULL;

	/* The three lines under the countdown, composed first: their height depends on whether
	 * they fit in one line of the body font. */
	char line1_text[MEETING_MSG_MAX], end[160], next_text[MEETING_MSG_MAX];
	fmt_end(k, v, end, sizeof(end));
	const char *state = state_text(k, v);
	char sched[96] = "";
	if (v->phase == AGENDA_NOT_STARTED) {
		/* Before the start: when it starts, not how far behind a plan that has not begun. */
		char hm[16];
		if (v->starts_ms > v->now &&
		    pack_format_time(&k->pack, v->starts_ms, "%H:%M", hm, sizeof(hm)) >= 0)
			str_fmt(sched, sizeof(sched), tr(k, "starts at %s"), hm);
	} else {
		fmt_schedule(k, v, sched, sizeof(sched));
	}
	if (state && sched[0])
		str_fmt(line1_text, sizeof(line1_text), "%s \xC2\xB7 %s", state, sched); /* · */
	else
		str_copy(line1_text, sizeof(line1_text), state ? state : sched);
	if (v->next >= 0)
		str_fmt(next_text, sizeof(next_text), tr(k, "Next (%d min): %s"), v->next_minutes,
			v->next_title ? v->next_title : "");
	else
		str_copy(next_text, sizeof(next_text), tr(k, "This is the last segment"));
	const char *l3 = finished ? tr(k, "\"Previous\" opens the last segment again.") : next_text;
	int h1 = finished ? 0 : fit_height(ui, line1_text, r.w, UI_BODY, 1);
	int h2 = finished ? 0 : fit_height(ui, end, r.w, UI_BODY, 0);
	if (m->error[0]) {
		int he = fit_height(ui, m->error, r.w, UI_BODY, 1);
		if (finished)
			h2 = he;
		else if (he > h1)
			h1 = he;
	}
	int h3 = fit_height(ui, l3, r.w, UI_BODY, 0);

	/* The title and the note are read whole: a long title takes a smaller font and more lines,
	 * the note all its lines, and the countdown what is left. Its digits fill about 0.73 of the
	 * font's size; when the huge font has no room, the title font does, which a facilitator
	 * still reads at arm's length. Only a note that leaves no room even for that is cut. */
	static const struct { enum ui_font f; int lines; } TITLE_FITS[] = {
		{UI_HEADING, 1}, {UI_BUTTON, 2}, {UI_BODY, 2}, {UI_BODY, 3}, {UI_SMALL, 4}};
	int fixed = h1 + h2 + h3 + ui_px(ui, 4);
	int note_lines = note ? wrap_lines(ui, note, UI_SMALL, 0, r.w) : 0;
	if (note_lines > 6)
		note_lines = 6;
	int min_clock = ui_font_px(ui, UI_HUGE) * 7 / 10;
	int min_small_clock = ui_line_h(ui, UI_TITLE);
	enum ui_font tf = UI_SMALL;
	int title_lines = 4;
	for (size_t i = 0; i < sizeof(TITLE_FITS) / sizeof(TITLE_FITS[0]); i++) {
		int n = wrap_lines(ui, title, TITLE_FITS[i].f, 1, r.w - num_w);
		if (n > TITLE_FITS[i].lines)
			continue;
		tf = TITLE_FITS[i].f;
		title_lines = n;
		if (r.h - n * ui_line_h(ui, tf) - note_lines * slh - fixed >= min_clock)
			break;
	}
	int tlh = ui_line_h(ui, tf);
	while (note_lines > 1 && r.h - title_lines * tlh - note_lines * slh - fixed < min_small_clock)
		note_lines--;
	while (title_lines > 1 && r.h - title_lines * tlh - note_lines * slh - fixed < min_small_clock)
		title_lines--;

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

	struct ui_rect line3 = ui_cut_bottom(&r, h3);
	struct ui_rect line2 = ui_cut_bottom(&r, h2);
	struct ui_rect line1 = ui_cut_bottom(&r, h1);
	struct ui_rect clock_r = r;

	if (finished) {
		int lines = est_lines(ui, end, UI_HEADING, 1, clock_r.w) > 1 ? 2 : 1;
		int hh = ui_line_h(ui, UI_HEADING);
		struct ui_rect er = ui_center(clock_r, clock_r.w, (lines + 1) * hh);
		er.y = clock_r.y + (clock_r.h - lines * hh) / 2;
		ui_text_wrapped(ui, end, er, UI_HEADING, 1, UI_FG, UI_CENTER);
		fit_label(ui, l3, line3, UI_BODY, 0, UI_MUTED);
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
		if (ui_text_w(ui, UI_HUGE, 0, clock) > clock_r.w || clock_r.h < min_clock) {
			f = UI_TITLE;
			bold = 1;
		}
		ui_label(ui, clock, clock_r, f, bold, fg, UI_CENTER);

		struct ui_color lc = v->level >= AGENDA_DANGER ? UI_BAD : UI_FG;
		if (!m->error[0])
			fit_label(ui, line1_text, line1, UI_BODY, 1, lc);
		fit_label(ui, end, line2, UI_BODY, 0, v->end_margin_ms < -30000 ? UI_BAD : UI_FG);
		fit_label(ui, l3, line3, UI_BODY, 0, UI_MUTED);
	}
	if (m->error[0]) {
		struct ui_rect er = finished ? line2 : line1;
		fit_label(ui, m->error, er, UI_BODY, 1, UI_BAD);
	}
}

/* A button whose label, too long for one line, is drawn in two smaller lines instead of being
 * cut ("Remember: one …"). ui_button() keeps the tap and the record (a script taps it by its
 * whole text); its one cut line is taken back and the label drawn wrapped in the colour it had.
 * This belongs in ui.c as a wrapping ui_button(): see the report of issue #14. */
static int button_wrapped(struct ui *ui, const char *label, struct ui_rect r, enum ui_style s)
{
	int tapped = ui_button(ui, label, r, s);
	struct ui_rect in = ui_inset(r, ui_px(ui, 6));
	if (ui_text_w(ui, UI_BUTTON, 1, label) <= in.w || ui->ncmds == 0 ||
	    ui->cmds[ui->ncmds - 1].kind != UI_CMD_TEXT)
		return tapped;
	if (ui_text_w(ui, ui->cmds[ui->ncmds - 1].font, 1, label) <= in.w)
		return tapped; /* it took the body font and fits */
	struct ui_color fg = ui->cmds[ui->ncmds - 1].color;
	ui->ncmds--;
	int room = r.h - 2 * ui_px(ui, 2);
	enum ui_font f = UI_BUTTON;
	int n = wrap_lines(ui, label, f, 1, in.w);
	while (f > UI_SMALL && n * ui_line_h(ui, f) > room) {
		f = (enum ui_font)(f - 1);
		n = wrap_lines(ui, label, f, 1, in.w);
	}
	int h = n * ui_line_h(ui, f);
	if (h > room)
		h = room;
	struct ui_rect tr = {in.x, r.y + (r.h - h) / 2, in.w, h};
	ui_text_wrapped(ui, label, tr, f, 1, fg, UI_CENTER);
	return tapped;
}

static int signal_button(struct kiosk *k, const struct agenda_view *v, const char *label,
			 const char *message, struct ui_rect r)
{
	struct meeting_ui *m = k->meeting;
	int on = v->signal && !strcmp(v->signal, message);
	if (!button_wrapped(&k->ui, label, r, on ? UI_SELECTED : UI_SECONDARY))
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
	int avail = r.h - bh - 2 * gap - ui_px(ui, 54); /* the small copy keeps at least this */
	int rows_fit = avail > 0 ? (avail + gap) / (bh + gap) : 0;
	/* Two columns when they crowd; a label too long for half the width takes a whole row, so
	 * no signal is cut to "Remember: one …" while there is room for it. */
	int half_in = (r.w - gap) / 2 - 2 * ui_px(ui, 6);
	int wide[3 + PACK_MAX_MESSAGES], tall[3 + PACK_MAX_MESSAGES];
	int full_in = r.w - 2 * ui_px(ui, 6), two_small = 2 * ui_line_h(ui, UI_SMALL);
	struct ui_rect slot[3 + PACK_MAX_MESSAGES];
	int cols = nsig > rows_fit ? 2 : 1, rows = 0;
	for (;;) {
		rows = 0;
		int open_half = 0;
		for (int i = 0; i < nsig; i++) {
			const char *lbl = sigs[i] == SIG_WRAP ? tr(k, "Please wrap up")
					  : sigs[i] == SIG_OFFLINE ? tr(k, "Take it offline")
					  : sigs[i] == SIG_SPEAKER ? tr(k, "Speaker 60 s")
					  : pack_text_get(p, &p->messages[sigs[i] - SIG_PACK], lang);
			wide[i] = cols == 1 || ui_text_w(ui, UI_BUTTON, 1, lbl) > half_in;
			/* More than two small lines even across the column: two rows high. */
			tall[i] = ui_text_w(ui, UI_BODY, 1, lbl) > full_in &&
				  (two_small > bh - 2 * ui_px(ui, 2) ||
				   wrap_lines(ui, lbl, UI_SMALL, 1, full_in) > 2);
			if (tall[i])
				wide[i] = 1;
			if (wide[i] || !open_half) {
				rows += tall[i] ? 2 : 1;
				open_half = !wide[i];
			} else {
				open_half = 0;
			}
		}
		if (rows <= rows_fit || nsig == 0)
			break;
		/* Drop the pack's last signal, keeping the speaker timer last. */
		if (nsig >= 4 && sigs[nsig - 2] >= SIG_PACK)
			sigs[nsig - 2] = sigs[nsig - 1];
		nsig--;
	}
	struct ui_rect sig = ui_cut_bottom(&r, rows ? rows * bh + (rows - 1) * gap : 0);
	if (rows)
		ui_cut_bottom(&r, gap * 2);
	for (int i = 0, row = -1, open_half = 0; i < nsig; i++) {
		if (wide[i] || !open_half) {
			row++;
			struct ui_rect rr = ui_row(sig, row, rows, gap);
			if (tall[i]) {
				struct ui_rect r2 = ui_row(sig, ++row, rows, gap);
				rr.h = r2.y + r2.h - rr.y;
			}
			slot[i] = wide[i] ? rr : ui_col(rr, 0, 2, gap);
			open_half = !wide[i];
		} else {
			slot[i] = ui_col(ui_row(sig, row, rows, gap), 1, 2, gap);
			open_half = 0;
		}
	}
	for (int i = 0; i < nsig; i++) {
		struct ui_rect c = slot[i];
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

/* The right column: 260 px at 800x480, wider when a [signal] text would be cut even in the
 * body font, as long as the countdown's digits keep their room on the left. */
static int right_width(struct kiosk *k, int avail)
{
	struct ui *ui = &k->ui;
	const struct pack *p = &k->pack;
	const char *lang = p->langs[k->lang];
	int w = ui_px(ui, 260), in = 2 * ui_px(ui, 6) + ui_px(ui, 4);
	for (int i = 0; i < p->nmessages && i < PACK_MAX_MESSAGES; i++) {
		const char *msg = pack_text_get(p, &p->messages[i], lang);
		if (ui_text_w(ui, UI_BUTTON, 1, msg) + in <= w)
			continue;
		int need = ui_text_w(ui, UI_BODY, 1, msg) + in;
		if (need > w)
			w = need;
	}
	int most = avail - ui_text_w(ui, UI_HUGE, 0, "00:00") - ui_px(ui, 8);
	if (w > most)
		w = most > ui_px(ui, 260) ? most : ui_px(ui, 260);
	return w;
}

void screen_facilitator(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct ui_rect body;
	if (screen_header(k, tr(k, "Meeting"), tr(k, "Back"), &body)) {
		kiosk_go(k, SCREEN_ORGANIZER);
		return;
	}
	/* The agenda has one writer, the stage: a door or a sign-up table shows the meeting as the
	 * stage runs it and writes nothing (its own timer state is not the stage's). */
	if (k->event && !station_runs_agenda(event_station(k->event)->role)) {
		char line[300];
		if (screen_meeting_line(k, line, sizeof(line)) < 0)
			str_copy(line, sizeof(line), tr(k, "The meeting has no agenda."));
		struct ui_rect r = ui_inset(body, ui_px(ui, 8));
		ui_label(ui, tr(k, "Run from the stage"), ui_cut_top(&r, ui_line_h(ui, UI_HEADING)),
			 UI_HEADING, 1, UI_FG, UI_LEFT);
		ui_cut_top(&r, ui_px(ui, 8));
		ui_text_wrapped(ui, line, ui_cut_top(&r, 2 * ui_line_h(ui, UI_TITLE)), UI_TITLE, 1,
				UI_FG, UI_LEFT);
		ui_text_wrapped(ui, tr(k, "This station shows the meeting. The stage station starts, "
					  "pauses and moves it on; its timer and slides are there."),
				r, UI_BODY, 0, UI_MUTED, UI_LEFT);
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
	/* Mute, left of it: the cues are for the room, the facilitator may want them off. */
	struct meeting_ui *m = k->meeting;
	const char *snd = k->pack.sound_off ? tr(k, "Sound off") : !m->audio ? tr(k, "No sound")
			  : m->muted ? tr(k, "Unmute") : tr(k, "Mute");
	int sw = ui_text_w(ui, UI_BUTTON, 1, snd) + ui_px(ui, 40);
	struct ui_rect sb = {ab.x - pad - sw, pad, sw, ab.h};
	if (k->pack.sound_off || !m->audio || !m->agenda) {
		if (m->agenda)
			ui_button_disabled(ui, snd, sb);
	} else if (ui_button(ui, snd, sb, m->muted ? UI_SELECTED : UI_SECONDARY)) {
		m->muted = !m->muted;
		k->dirty = 1;
	}

	struct agenda_view v;
	view_get(k, &v);
	slides_follow(k, &v);
	int gap = ui_px(ui, 16);
	struct ui_rect right = ui_cut_right(&body, right_width(k, body.w - gap));
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
