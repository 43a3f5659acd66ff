#include "kiosk.h"
#include "core/event.h"
#include "screens/screens.h"
#include "screens/station.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The screen's state: the choice being made, saved with "Save". */
struct station_ui {
	struct sync_status sync;   /* the snapshot the Stations screen shows */
	int sync_on;
	const char *sync_why;
	uint64_t sync_seen;        /* event_version(EVENT_SYNC) of it */
	int64_t sync_at;           /* clock ms of it */
	int peer_scroll;
	struct station edit;
	int64_t since;        /* k->screen_since when the edit was started */
	struct ui_keyboard kb;
	char msg[256];
	int msg_bad;
};

void station_open(struct kiosk *k)
{
	k->station = xcalloc(1, sizeof(*k->station));
}

void station_close(struct kiosk *k)
{
	free(k->station);
	k->station = NULL;
}

static const struct {
	const char *label;
	const char *what;
} ROLES[STATION_NROLES] = {
	[STATION_ALL] = {N_("Everything"), N_("The door, the meeting and sign-up on one kiosk.")},
	[STATION_DOOR] = {N_("Door"), N_("Check-in, walk-ins and the scanner.")},
	[STATION_STAGE] = {N_("Stage"), N_("The facilitator's timer and the projector.")},
	[STATION_SIGNUP] = {N_("Sign-up table"), N_("Commitments, the board and the printer.")},
};

void screen_station(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct station_ui *s = k->station;
	if (!k->event) {
		kiosk_go(k, SCREEN_IDLE);
		return;
	}
	if (s->since != k->screen_since) {
		/* Entered: start from what is kept. */
		s->since = k->screen_since;
		s->edit = *event_station(k->event);
		memset(&s->kb, 0, sizeof(s->kb));
		s->msg[0] = '\0';
	}
	struct ui_rect body;
	if (screen_header(k, tr(k, "This station"), tr(k, "Back"), &body)) {
		kiosk_go(k, SCREEN_ORGANIZER);
		return;
	}
	int gap = ui_px(ui, 10);
	ui_label(ui, tr(k, "What does this kiosk do in the room?"),
		 ui_cut_top(&body, ui_line_h(ui, UI_BODY)), UI_BODY, 1, UI_FG, UI_LEFT);
	ui_cut_top(&body, ui_px(ui, 6));
	/* The four roles, two by two, each with what it means. */
	int cell_h = ui_px(ui, 50) + ui_line_h(ui, UI_SMALL);
	struct ui_rect grid = ui_cut_top(&body, 2 * cell_h + gap);
	for (int i = 0; i < STATION_NROLES; i++) {
		struct ui_rect cell = ui_col(ui_row(grid, i / 2, 2, gap), i % 2, 2, gap);
		struct ui_rect b = ui_cut_top(&cell, ui_px(ui, 50));
		if (ui_button(ui, tr(k, ROLES[i].label), b,
			      (int)s->edit.role == i ? UI_SELECTED : UI_SECONDARY))
			s->edit.role = (enum station_role)i;
		ui_label(ui, tr(k, ROLES[i].what), cell, UI_SMALL, 0, UI_MUTED, UI_LEFT);
	}
	ui_cut_top(&body, gap);
	/* The name, so organizers can tell "Door 1" from "Door 2". */
	struct ui_rect row = ui_cut_top(&body, ui_px(ui, 52));
	struct ui_rect save = ui_cut_right(&row, ui_px(ui, 200));
	ui_cut_right(&row, gap);
	ui_text_field(ui, s->edit.name, tr(k, "Name, e.g. Door 2"), row, 1, 0);
	if (s->msg[0]) {
		ui_cut_top(&body, ui_px(ui, 4));
		ui_label(ui, s->msg, ui_cut_top(&body, ui_line_h(ui, UI_SMALL)), UI_SMALL, 1,
			 s->msg_bad ? UI_BAD : UI_OK, UI_LEFT);
	}
	ui_cut_top(&body, ui_px(ui, 6));
	const char *langs[PACK_MAX_LANGS];
	int nl = 0;
	for (int i = 0; i < k->pack.nlangs && i < PACK_MAX_LANGS; i++)
		langs[nl++] = k->pack.langs[i];
	/* A physical keyboard first, then the on-screen one. */
	ui_edit(ui, s->edit.name, sizeof(s->edit.name));
	int enter = ui_keyboard(ui, &s->kb, langs, nl, body, s->edit.name, sizeof(s->edit.name), 1,
				tr(k, "OK")) == 2;
	if (ui_button(ui, tr(k, "Save"), save, UI_PRIMARY) || enter) {
		if (event_set_station(k->event, &s->edit) < 0) {
			str_fmt(s->msg, sizeof(s->msg), tr(k, "Not saved: %s"), err_msg());
			s->msg_bad = 1;
		} else {
			s->edit = *event_station(k->event);
			str_copy(s->msg, sizeof(s->msg), tr(k, "Saved. The idle screen follows the role."));
			s->msg_bad = 0;
		}
	}
}

/* ---- the room: every station this one exchanges with ---- */

#define SILENT_MS 60000        /* a peer not heard from for this long is flagged */
#define STATIONS_REFRESH_MS 5000 /* "heard N s ago" moves on */

/* "Door 2" and "Door · 192.168.8.12:7420" for a peer; its address alone until it answered. */
static void peer_names(struct kiosk *k, const struct sync_peer_status *p, char *title,
		       size_t tsize, char *sub, size_t ssize)
{
	int role = p->about.id[0] ? station_role_parse(p->about.role) : -1;
	str_copy(title, tsize, p->about.name[0] ? p->about.name : p->addr);
	if (role >= 0)
		str_fmt(sub, ssize, "%s \xC2\xB7 %s", tr(k, ROLES[role].label), p->addr);
	else if (p->about.name[0])
		str_copy(sub, ssize, p->addr);
	else
		sub[0] = '\0';
}

/* "It lacks 12 records from here. 3 of its records are not here yet." */
static void behind_text(struct kiosk *k, const struct sync_peer_status *p, char *out, size_t size)
{
	out[0] = '\0';
	if (!p->about.id[0])
		return;
	long long they = (long long)p->they_lack, we = (long long)p->we_lack;
	char a[120] = "", b[120] = "";
	if (they > 0)
		str_fmt(a, sizeof(a), trn(k, "It lacks %lld record from here.",
					  "It lacks %lld records from here.", they > 1000 ? 1000 : (int)they),
			they);
	if (we > 0)
		str_fmt(b, sizeof(b), trn(k, "%lld of its records is not here yet.",
					  "%lld of its records are not here yet.", we > 1000 ? 1000 : (int)we),
			we);
	str_fmt(out, size, "%s%s%s", a, a[0] && b[0] ? " " : "", b);
}

static void peer_row(struct ui *ui, void *ctx, int index, struct ui_rect r)
{
	struct kiosk *k = ctx;
	const struct sync_status *y = &k->station->sync;
	ui_fill(ui, r, UI_PANEL);
	struct ui_rect in = ui_inset(r, ui_px(ui, 8));
	struct ui_rect left = ui_cut_left(&in, in.w * 2 / 5);
	char title[80], sub[160], line[400], behind[160];
	struct ui_color c = UI_OK;
	if (index >= y->npeer) {
		/* Its records came through another station; this one never reached it itself. */
		const char *id = y->other[index - y->npeer].id;
		str_fmt(title, sizeof(title), tr(k, "Station %.8s"), id);
		ui_label(ui, title, ui_cut_top(&left, ui_line_h(ui, UI_BODY)), UI_BODY, 1, UI_FG,
			 UI_LEFT);
		str_fmt(line, sizeof(line), tr(k, "Heard of through another station: %lld of its records are here."),
			(long long)y->other[index - y->npeer].seq);
		ui_text_wrapped(ui, line, in, UI_SMALL, 0, UI_MUTED, UI_LEFT);
		return;
	}
	const struct sync_peer_status *p = &y->peer[index];
	peer_names(k, p, title, sizeof(title), sub, sizeof(sub));
	ui_label(ui, title, ui_cut_top(&left, ui_line_h(ui, UI_BODY)), UI_BODY, 1, UI_FG, UI_LEFT);
	if (sub[0])
		ui_label(ui, sub, ui_cut_top(&left, ui_line_h(ui, UI_SMALL)), UI_SMALL, 0, UI_MUTED,
			 UI_LEFT);
	behind_text(k, p, behind, sizeof(behind));
	if (p->key_refused) {
		str_copy(line, sizeof(line), tr(k, "Key does not match: check [stations] key in both packs."));
		c = UI_BAD;
	} else if (p->since_ok_ms < 0) {
		str_fmt(line, sizeof(line), tr(k, "Not reached yet: %s"), p->error[0] ? p->error : "\xE2\x80\xA6");
		c = UI_BAD;
	} else if (!p->ok || p->since_ok_ms >= SILENT_MS) {
		str_fmt(line, sizeof(line), tr(k, "Silent for %lld min: %s"),
			(long long)(p->since_ok_ms / 60000), p->error[0] ? p->error : tr(k, "no answer"));
		c = UI_BAD;
	} else {
		str_fmt(line, sizeof(line), tr(k, "In step, heard %lld s ago (last: %lld in, %lld out)"),
			(long long)(p->since_ok_ms / 1000), (long long)p->pulled, (long long)p->pushed);
	}
	if (behind[0]) {
		/* A reason from the network may end without a full stop. */
		size_t n = strlen(line);
		str_fmt(line + n, sizeof(line) - n, "%s %s",
			n && line[n - 1] != '.' ? "." : "", behind);
	}
	ui_text_wrapped(ui, line, in, UI_SMALL, 0, c, UI_LEFT);
}

void screen_stations(struct kiosk *k)
{
	struct ui *ui = &k->ui;
	struct station_ui *s = k->station;
	struct ui_rect body;
	if (screen_header(k, tr(k, "Stations"), tr(k, "Back"), &body)) {
		kiosk_go(k, SCREEN_ORGANIZER);
		return;
	}
	if (!k->event) {
		kiosk_go(k, SCREEN_IDLE);
		return;
	}
	int64_t now = clock_now(&k->clock);
	uint64_t v = event_version(k->event, EVENT_BIT(EVENT_SYNC) | EVENT_BIT(EVENT_STATION));
	if (v != s->sync_seen || now - s->sync_at >= STATIONS_REFRESH_MS || now < s->sync_at) {
		s->sync_seen = v;
		s->sync_at = now;
		s->sync_on = event_sync_status(k->event, &s->sync, &s->sync_why);
	}
	kiosk_wake_at(k, s->sync_at + STATIONS_REFRESH_MS);
	const struct station *me = event_station(k->event);
	char line[300];
	str_fmt(line, sizeof(line), tr(k, "This station: %s (%s)"), me->name[0] ? me->name : tr(k, "no name"),
		tr(k, ROLES[me->role].label));
	ui_label(ui, line, ui_cut_top(&body, ui_line_h(ui, UI_BODY)), UI_BODY, 1, UI_FG, UI_LEFT);
	ui_cut_top(&body, ui_px(ui, 6));
	if (!s->sync_on) {
		const char *why = s->sync_why && s->sync_why[0] ? s->sync_why :
			tr(k, "Alone: the pack has no [stations] key, so this kiosk shares its event with no other.");
		ui_text_wrapped(ui, why, body, UI_BODY, 0, s->sync_why && s->sync_why[0] ? UI_BAD : UI_MUTED,
				UI_LEFT);
		return;
	}
	if (s->sync.serving)
		str_fmt(line, sizeof(line), tr(k, "Serving the room on port %d; %d of %d stations in step; %lld records in, %lld out."),
			s->sync.port, s->sync.peers_ok, s->sync.npeer, (long long)s->sync.records_in,
			(long long)s->sync.records_out);
	else
		str_fmt(line, sizeof(line), tr(k, "%d of %d stations in step."), s->sync.peers_ok, s->sync.npeer);
	ui_text_wrapped(ui, line, ui_cut_top(&body, 2 * ui_line_h(ui, UI_SMALL)), UI_SMALL, 0, UI_MUTED,
			UI_LEFT);
	ui_cut_top(&body, ui_px(ui, 6));
	if (s->sync.npeer + s->sync.nother == 0) {
		ui_text_wrapped(ui, tr(k, "No other station found yet: stations of this room find each other on "
				   "the network, or are named in the pack ([stations] peers)."), body, UI_BODY, 0,
				UI_MUTED, UI_LEFT);
		return;
	}
	int row_h = ui_px(ui, 20) + 3 * ui_line_h(ui, UI_SMALL); /* room for a wrapped reason */
	ui_list(ui, body, s->sync.npeer + s->sync.nother, row_h, &s->peer_scroll, peer_row, k,
		"\xE2\x96\xB2", "\xE2\x96\xBC");
}
