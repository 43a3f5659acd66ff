#include "agenda.h"
#include "screens/results.h"
#include "kiosk.h"
#include "core/event.h"
#include "screens/screens.h"
#include "export.h"
#include "summary.h"
#include "outbox.h"
#include "upload.h"
#include "usb.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* barnstorm-EVENTID-...: the event id is cut to this many bytes (FAT names stay short). */
#define FOLDER_ID_MAX 48

void results_open(struct kiosk *k)
{
	struct results_ui *r = k->results = xcalloc(1, sizeof(*k->results));
	r->opened = 1;
	r->last_frame = -2;
}

void results_close(struct kiosk *k)
{
	if (k->results)
		free(k->results->summary);
	free(k->results);
	k->results = NULL;
}

/* Copies the upload status the event core keeps (never waits for the network). */
static void refresh(struct kiosk *k)
{
	struct results_ui *r = k->results;
	r->seen = event_version(k->event, EVENT_BIT(EVENT_UPLOAD));
	event_upload_status(k->event, &r->status);
}

/* A time as "19:04" today, else "2026-12-03 19:04", in the event's timezone. */
static void format_when(struct kiosk *k, int64_t ms, char *out, int size)
{
	char day[16], today[16];
	out[0] = '\0';
	if (pack_format_time(&k->pack, ms, "%Y-%m-%d", day, sizeof(day)) < 0 ||
	    pack_format_time(&k->pack, clock_now(&k->clock), "%Y-%m-%d", today, sizeof(today)) < 0)
		return;
	pack_format_time(&k->pack, ms, strcmp(day, today) ? "%Y-%m-%d %H:%M" : "%H:%M", out, size);
}

/* The topics the summary shows. */
#define SUMMARY_TOPICS (EVENT_BIT(EVENT_CHECKINS) | EVENT_BIT(EVENT_COMMITMENTS) | \
			EVENT_BIT(EVENT_PEOPLE))

/* Reads the summary's figures again (a few queries: on a visit and when they changed, never per
 * frame). A failed read is shown as such, not as an empty event. */
static void refresh_summary(struct kiosk *k)
{
	struct results_ui *r = k->results;
	if (!r->summary)
		r->summary = xcalloc(1, sizeof(*r->summary));
	r->summary_seen = event_version(k->event, SUMMARY_TOPICS);
	r->summary_stale = 0;
	r->summary_ok = summary_read(k->store, &k->pack, r->summary) == 0;
	if (!r->summary_ok)
		str_copy(r->summary_error, sizeof(r->summary_error), err_msg());
}

/* ---- Export ---- */

/* The event id as a folder name any stick's file system takes: ASCII letters, digits, - _ . */
static void folder_id(const char *id, char *out, size_t size)
{
	size_t o = 0;
	for (const char *s = id ? id : ""; *s && o + 1 < size && o < FOLDER_ID_MAX; s++) {
		char c = *s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '-' || c == '_' || c == '.';
		out[o++] = ok ? c : '-';
	}
	out[o] = '\0';
	if (!o || out[0] == '.')
		str_copy(out, size, "event");
}

/* Makes the folder's entry durable too (a stick pulled right after the message keeps it). */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int export_to(struct kiosk *k, const char *stick)
{
	struct results_ui *r = k->results;
	char id[FOLDER_ID_MAX + 1], when[32], base[1024];
	/* A derived id already starts with "barnstorm-": do not say it twice. */
	const char *eid = k->pack.event_id ? k->pack.event_id : "";
	if (!strncmp(eid, "barnstorm-", 10) && eid[10])
		eid += 10;
	folder_id(eid, id, sizeof(id));
	if (pack_format_time(&k->pack, clock_now(&k->clock), "%Y%m%d-%H%M", when, sizeof(when)) < 0)
		str_copy(when, sizeof(when), "0");
	if (str_fmt(base, sizeof(base), "%s/barnstorm-%s-%s", stick, id, when) < 0)
		return err_set("the folder name on '%s' is too long", stick);
	/* Two exports in the same minute get -2, -3, ...: an export never overwrites another. */
	for (int i = 1; i < 100; i++) {
		int n = i == 1 ? str_copy(r->export_dir, sizeof(r->export_dir), base)
			       : str_fmt(r->export_dir, sizeof(r->export_dir), "%s-%d", base, i);
		if (n < 0)
			return err_set("the folder name on '%s' is too long", stick);
		if (mkdir(r->export_dir, 0755) == 0)
			break;
		if (errno != EEXIST)
			return err_set("cannot create the folder '%s': %s", r->export_dir, strerror(errno));
		if (i == 99)
			return err_set("cannot create the folder '%s': too many exports this minute",
				       base);
	}
	struct export_summary sum;
	struct export_opts o = {&k->pack, k->i18n, k->lang};
	if (export_write(k->store, &o, r->export_dir, &sum) < 0) {
		rmdir(r->export_dir); /* only when nothing was written into it */
		return -1;
	}
	sync_dir(r->export_dir);
	sync_dir(stick);
	/* Shown as STICK/FOLDER: the stick's name as the organizer's computer will show it. */
	const char *label = strrchr(stick, '/');
	label = label && label[1] ? label + 1 : stick;
	str_fmt(r->export_shown, sizeof(r->export_shown), "%s/%s", label,
		strrchr(r->export_dir, '/') + 1);
	r->export_people = sum.people;
	r->export_checkins = sum.checkins;
	return 0;
}

static void run_export(struct kiosk *k)
{
	struct results_ui *r = k->results;
	struct usb_mount m;
	r->export_error[0] = '\0';
	r->export_dir[0] = '\0';
	int found = usb_find(&m);
	if (found == 0) {
		r->export_state = RESULTS_EXPORT_NO_STICK;
	} else if (found < 0 || export_to(k, m.dir) < 0) {
		str_copy(r->export_error, sizeof(r->export_error), err_msg());
		r->export_state = RESULTS_EXPORT_FAILED;
	} else {
		r->export_state = RESULTS_EXPORT_DONE;
	}
}

/* ---- Drawing ---- */

static const char *kind_name(const char *kind)
{
	if (!strcmp(kind, "webhook"))
		return "Webhook";
	if (!strcmp(kind, "actionnetwork"))
		return "Action Network";
	if (!strcmp(kind, "webdav"))
		return "WebDAV";
	return kind;
}

static struct ui_rect panel(struct ui *ui, struct ui_rect r)
{
	ui_fill(ui, r, UI_PANEL);
	ui_frame_rect(ui, r, ui_px(ui, 1), UI_LINE);
	return ui_inset(r, ui_px(ui, 12));
}

static void count_cell(struct kiosk *k, struct ui_rect r, const char *label, int64_t n,
		       struct ui_color c)
{
	struct ui *ui = &k->ui;
	char num[32];
	str_fmt(num, sizeof(num), "%lld", (long long)n);
	ui_fill(ui, r, UI_BG);
	struct ui_rect in = ui_inset(r, ui_px(ui, 4));
	ui_label(ui, num, ui_cut_top(&in, ui_line_h(ui, UI_HEADING)), UI_HEADING, 1, c, UI_CENTER);
	ui_label(ui, label, in, UI_SMALL, 0, UI_MUTED, UI_CENTER);
}

/* What the upload panel says in each uploader state: the heading, its colour, and the note
 * below it (NULL: none; a failure reason replaces it). */
struct state_words {
	const char *title;
	const struct ui_color *color;
	const char *note;
};

static const struct state_words STATE_WORDS[] = {
	[UPLOAD_OFF] = { N_("No upload configured"), &UI_MUTED,
			 N_("Results stay on this kiosk. Export them to a USB stick, or add an "
			    "[upload] section to the event pack to send them automatically.") },
	[UPLOAD_IDLE] = { N_("Waiting to send"), &UI_FG,
			  N_("Sending starts within a few seconds.") },
	[UPLOAD_SENDING] = { N_("Sending\xE2\x80\xA6"), &UI_FG,
			     N_("Results are on their way. The kiosk can be used meanwhile.") },
	[UPLOAD_FAILING] = { N_("Failing"), &UI_BAD, NULL },
	[UPLOAD_WAITING_CLOCK] = { N_("Waiting for the clock"), &UI_WARN,
				   N_("The kiosk's clock is not set yet. It sets itself once the "
				      "kiosk is online; then sending starts.") },
	[UPLOAD_ALL_SENT] = { N_("All sent"), &UI_OK,
			      N_("Everything recorded so far has been delivered.") },
};

/* All sent but nothing was ever queued: "All sent" would claim more than happened. */
static const struct state_words NOTHING_SENT = {
	N_("Idle"), &UI_FG,
	N_("Nothing to send yet. Check-ins and sign-ups are sent as they happen.")
};

static void draw_upload(struct kiosk *k, struct ui_rect area)
{
	struct ui *ui = &k->ui;
	struct results_ui *r = k->results;
	const struct upload_status *st = &r->status;
	int gap = ui_px(ui, 8);
	char line[512], when[32];

	struct ui_rect in = panel(ui, area);
	ui_label(ui, tr(k, "Upload"), ui_cut_top(&in, ui_line_h(ui, UI_HEADING)), UI_HEADING, 1,
		 UI_FG, UI_LEFT);
	const char *kind = event_upload_kind(k->event), *host = event_upload_host(k->event);
	if (kind[0]) {
		/* TRANSLATORS: the upload target: its kind (Webhook, Action Network, WebDAV), a host */
		str_fmt(line, sizeof(line), tr(k, "%s to %s"), kind_name(kind),
			host[0] ? host : tr(k, "(no valid address)"));
		ui_label(ui, line, ui_cut_top(&in, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_MUTED,
			 UI_LEFT);
	}
	ui_cut_top(&in, gap);

	/* The buttons at the bottom. */
	struct ui_rect buttons = ui_cut_bottom(&in, ui_px(ui, 56));
	ui_cut_bottom(&in, gap);
	struct ui_rect b0 = ui_col(buttons, 0, 2, gap), b1 = ui_col(buttons, 1, 2, gap);
	if (!event_has_uploader(k->event)) {
		ui_button_disabled(ui, tr(k, "Upload now"), b0);
		ui_button_disabled(ui, tr(k, "Retry refused"), b1);
	} else {
		if (ui_button(ui, tr(k, "Upload now"), b0, UI_PRIMARY)) {
			event_upload_now(k->event);
			refresh(k);
		}
		if (st->parked <= 0) {
			ui_button_disabled(ui, tr(k, "Retry refused"), b1);
		} else if (ui_button(ui, tr(k, "Retry refused"), b1, UI_SECONDARY)) {
			event_upload_retry_parked(k->event);
			refresh(k);
		}
	}

	/* The last success, above the buttons. */
	struct ui_rect last = ui_cut_bottom(&in, ui_line_h(ui, UI_SMALL));
	if (st->last_success_at > 0) {
		format_when(k, st->last_success_at, when, sizeof(when));
		str_fmt(line, sizeof(line), tr(k, "Last sent: %s"), when);
	} else {
		str_copy(line, sizeof(line), tr(k, "Nothing sent yet"));
	}
	ui_label(ui, line, last, UI_SMALL, 0, UI_MUTED, UI_LEFT);
	ui_cut_bottom(&in, gap);

	/* The counts. */
	struct ui_rect cells = ui_cut_bottom(&in, ui_line_h(ui, UI_HEADING) + ui_line_h(ui, UI_SMALL) +
					     ui_px(ui, 8));
	ui_cut_bottom(&in, gap);
	count_cell(k, ui_col(cells, 0, 3, gap), tr(k, "Queued"), st->queued,
		   st->queued ? UI_FG : UI_MUTED);
	count_cell(k, ui_col(cells, 1, 3, gap), tr(k, "Sent"), st->sent, UI_OK);
	count_cell(k, ui_col(cells, 2, 3, gap), tr(k, "Refused"), st->parked,
		   st->parked ? UI_BAD : UI_MUTED);

	/* The state, and what to know about it, in the space left. */
	const struct state_words *w = (unsigned)st->state < ARRAY_SIZE(STATE_WORDS) ?
		&STATE_WORDS[st->state] : &STATE_WORDS[UPLOAD_FAILING];
	if (st->state == UPLOAD_ALL_SENT && st->sent == 0)
		w = &NOTHING_SENT;
	const char *state = tr(k, w->title);
	struct ui_color c = *w->color;
	const char *note = w->note ? tr(k, w->note) : NULL;
	char reason[512];
	reason[0] = '\0';
	char next[96];
	next[0] = '\0';
	if (st->state == UPLOAD_FAILING || (st->state != UPLOAD_OFF && st->reason[0] &&
					    st->state != UPLOAD_WAITING_CLOCK)) {
		if (st->failing == 0 && st->parked > 0)
			str_fmt(reason, sizeof(reason), tr(k, "Refused: %s"), st->reason);
		else if (st->reason[0])
			str_fmt(reason, sizeof(reason), tr(k, "Last error: %s"), st->reason);
		if (reason[0])
			note = reason;
		if (st->next_attempt_at > 0 && st->queued > 0) {
			format_when(k, st->next_attempt_at, when, sizeof(when));
			str_fmt(next, sizeof(next), tr(k, "Next try at %s."), when);
		}
	}
	/* A state too long for the heading font ("Ingen uppladdning inställd") is said whole in
	 * the body font rather than cut. */
	enum ui_font sf = ui_text_w(ui, UI_HEADING, 1, state) <= in.w ? UI_HEADING : UI_BODY;
	ui_label(ui, state, ui_cut_top(&in, ui_line_h(ui, UI_HEADING)), sf, 1, c, UI_LEFT);
	ui_cut_top(&in, ui_px(ui, 4));
	/* The reason takes the room left but one line, for the next try right below it. */
	int lh = ui_line_h(ui, UI_SMALL);
	struct ui_rect text = in;
	if (next[0])
		text.h -= lh;
	int used = note && text.h > 0 ? ui_text_wrapped(ui, note, text, UI_SMALL, 0, UI_FG, UI_LEFT)
				      : 0;
	if (next[0] && in.h >= used + lh) {
		struct ui_rect nr = {in.x, in.y + used, in.w, lh};
		ui_label(ui, next, nr, UI_SMALL, 0, UI_MUTED, UI_LEFT);
	}
}

/* A path has no spaces to wrap at: draws it from the top of *r in lines broken after '/' and '-'
 * (or anywhere, in a run without them) so each fits, in the small bold font; cuts *r. */
static void draw_path(struct ui *ui, const char *path, struct ui_rect *r)
{
	char line[USB_PATH_MAX];
	int lh = ui_line_h(ui, UI_SMALL);
	const char *s = path;
	for (int lines = 0; *s && lines < 6 && r->h >= lh; lines++) {
		size_t left = strlen(s), take = left, brk = 0;
		if (left >= sizeof(line))
			left = take = sizeof(line) - 1;
		for (size_t i = 1; i <= left; i++) {
			if (i < left && (s[i] & 0xC0) == 0x80)
				continue; /* inside a UTF-8 character */
			memcpy(line, s, i);
			line[i] = '\0';
			if (ui_text_w(ui, UI_SMALL, 1, line) > r->w) {
				take = brk ? brk : (i > 1 ? i - 1 : 1);
				break;
			}
			if (s[i - 1] == '/' || s[i - 1] == '-')
				brk = i;
		}
		memcpy(line, s, take);
		line[take] = '\0';
		ui_label(ui, line, ui_cut_top(r, lh), UI_SMALL, 1, UI_FG, UI_LEFT);
		s += take;
	}
}

static void draw_summary(struct kiosk *k, struct ui_rect area)
{
	struct ui *ui = &k->ui;
	struct results_ui *r = k->results;
	struct ui_rect in = panel(ui, area);
	if (!r->summary_ok) {
		char msg[400];
		str_fmt(msg, sizeof(msg), tr(k, "The summary cannot be read: %s"), r->summary_error);
		ui_text_wrapped(ui, msg, in, UI_BODY, 0, UI_BAD, UI_LEFT);
		return;
	}
	summary_draw(ui, r->summary, in, k->i18n, k->lang);
}

static void draw_export(struct kiosk *k, struct ui_rect area)
{
	struct ui *ui = &k->ui;
	struct results_ui *r = k->results;
	int gap = ui_px(ui, 8);
	struct ui_rect in = panel(ui, area);
	ui_label(ui, tr(k, "Export"), ui_cut_top(&in, ui_line_h(ui, UI_HEADING)), UI_HEADING, 1,
		 UI_FG, UI_LEFT);
	ui_cut_top(&in, gap);
	struct ui_rect button = ui_cut_bottom(&in, ui_px(ui, 56));
	ui_cut_bottom(&in, gap);
	int busy = r->export_state == RESULTS_EXPORT_PENDING || r->export_state == RESULTS_EXPORT_RUN;
	if (busy)
		ui_button_disabled(ui, tr(k, "Export to USB stick"), button);
	else if (ui_button(ui, tr(k, "Export to USB stick"), button, UI_SECONDARY)) {
		r->export_state = RESULTS_EXPORT_PENDING;
		k->dirty = 1;
	}

	char msg[1600], people[64], checkins[64];
	struct ui_color c = UI_FG;
	int bold = 1;
	switch (r->export_state) {
	case RESULTS_EXPORT_NONE:
		str_copy(msg, sizeof(msg), tr(k, "Writes the results to a new folder on a USB stick: "
						 "CSV files, an Excel workbook and the summary as a "
						 "picture."));
		bold = 0;
		c = UI_MUTED;
		break;
	case RESULTS_EXPORT_PENDING:
	case RESULTS_EXPORT_RUN:
		str_copy(msg, sizeof(msg), tr(k, "Exporting\xE2\x80\xA6"));
		break;
	case RESULTS_EXPORT_DONE:
		str_fmt(people, sizeof(people), trn(k, "%ld person", "%ld people", r->export_people),
			r->export_people);
		str_fmt(checkins, sizeof(checkins), trn(k, "%ld check-in", "%ld check-ins",
							r->export_checkins), r->export_checkins);
		/* TRANSLATORS: "12 people", "30 check-ins"; the folder follows on the next lines */
		str_fmt(msg, sizeof(msg), tr(k, "Exported %s and %s to the folder:"), people, checkins);
		c = UI_OK;
		break;
	case RESULTS_EXPORT_NO_STICK:
		str_copy(msg, sizeof(msg), tr(k, "No USB stick found: plug one in and try again"));
		c = UI_BAD;
		break;
	case RESULTS_EXPORT_FAILED:
	default:
		str_fmt(msg, sizeof(msg), tr(k, "The export failed: %s"), r->export_error);
		c = UI_BAD;
		break;
	}
	if (in.h <= 0)
		return;
	int used = ui_text_wrapped(ui, msg, in, UI_BODY, bold, c, UI_LEFT);
	if (r->export_state != RESULTS_EXPORT_DONE)
		return;
	ui_cut_top(&in, used + ui_px(ui, 4));
	draw_path(ui, r->export_shown, &in);
	ui_cut_top(&in, ui_px(ui, 4));
	if (in.h > 0)
		ui_text_wrapped(ui, tr(k, "You can take the stick out now."), in, UI_SMALL, 0, UI_MUTED,
				UI_LEFT);
}

/* The two views as tabs in the header bar, where the title would be: the body keeps its whole
 * height (the upload panel needs it at 800x480). The bar is what screen_header() draws above
 * body (its 16 px margin) right of the Back button (150 + 12 px); the selected tab reads as the
 * title, underlined, and the other is a button. */
static void draw_tabs(struct kiosk *k, struct ui_rect body)
{
	static const char *const TAB_LABELS[] = {
		[RESULTS_TAB_SUMMARY] = N_("Summary"),
		[RESULTS_TAB_UPLOAD] = N_("Upload and export"),
	};
	struct ui *ui = &k->ui;
	struct results_ui *r = k->results;
	int pad = ui_px(ui, 8), left = ui_px(ui, 8 + 150 + 12);
	struct ui_rect tabs = {left, pad, ui->w - left - pad, body.y - ui_px(ui, 16) - 2 * pad};
	if (tabs.w <= 0 || tabs.h <= 0)
		return;
	/* Each tab as wide as its words need, the room left shared: "Uppladdning och export"
	 * fits next to "Översikt" at 800x480 where halves would cut it. */
	const char *labels[ARRAY_SIZE(TAB_LABELS)];
	int need[ARRAY_SIZE(TAB_LABELS)], total = 0, n = (int)ARRAY_SIZE(TAB_LABELS);
	int room = tabs.w - pad * (n - 1);
	for (int i = 0; i < n; i++) {
		labels[i] = tr(k, TAB_LABELS[i]);
		need[i] = ui_text_w(ui, UI_BUTTON, 1, labels[i]) + ui_px(ui, 32);
		total += need[i];
	}
	int x = tabs.x;
	for (int i = 0; i < n; i++) {
		int w = total <= room ? need[i] + (room - total) / n : room * need[i] / total;
		struct ui_rect t = {x, tabs.y, w, tabs.h};
		x += w + pad;
		int on = (int)r->tab == i;
		if (ui_button(ui, labels[i], t, on ? UI_SELECTED : UI_SECONDARY))
			r->tab = (enum results_tab)i;
		if (on) {
			int line = ui_px(ui, 3) > 2 ? ui_px(ui, 3) : 2;
			ui_fill(ui, (struct ui_rect){t.x + pad, t.y + t.h - line, t.w - 2 * pad, line},
				UI_WHITE);
		}
	}
}

void screen_results(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct results_ui *r = k->results;
	struct ui_rect body;
	/* The header's title is the two tabs, drawn into the bar below. */
	if (screen_header(k, "", tr(k, "Back"), &body)) {
		kiosk_go(k, SCREEN_ORGANIZER);
		return;
	}
	int64_t now = clock_now(&k->clock);
	/* A new visit (the screen was not drawn in the frame before): fresh status, no old
	 * export message. */
	if (r->last_frame + 1 != k->frames) {
		r->export_state = RESULTS_EXPORT_NONE;
		struct agenda *a = event_agenda(k->event);
		r->tab = a && agenda_phase(a) == AGENDA_FINISHED ? RESULTS_TAB_SUMMARY
								  : RESULTS_TAB_UPLOAD;
		refresh(k);
		r->summary_stale = 1;
	} else if (event_version(k->event, EVENT_BIT(EVENT_UPLOAD)) != r->seen) {
		refresh(k);
	}
	r->last_frame = k->frames;

	/* The export runs in the frame after the one that said "Exporting…", so that message is
	 * on screen while the files are written. */
	if (r->export_state == RESULTS_EXPORT_RUN)
		run_export(k);

	int gap = ui_px(ui, 16);
	draw_tabs(k, body);
	if (r->tab == RESULTS_TAB_SUMMARY) {
		/* Read only while shown: check-ins at the door do not cost queries here while the
		 * organizer looks at the upload. */
		if (r->summary_stale || event_version(k->event, SUMMARY_TOPICS) != r->summary_seen)
			refresh_summary(k);
		draw_summary(k, body);
	} else {
		struct ui_rect left = ui_cut_left(&body, (body.w - gap) * 3 / 5);
		ui_cut_left(&body, gap);
		draw_upload(k, left);
		draw_export(k, body);
	}

	if (r->export_state == RESULTS_EXPORT_PENDING) {
		r->export_state = RESULTS_EXPORT_RUN;
		k->dirty = 1;
		kiosk_wake_at(k, now);
	}
}
