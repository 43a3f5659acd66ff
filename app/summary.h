/* The event at a glance, for the organizer after the meeting and for summary.png in the export:
 * arrivals per 5 minutes, leaders and hosts against the pack's targets, and commitments per team.
 *
 * summary_read() gathers the figures (plain C over the store: its own query for the arrivals,
 * teams_board() for the rest); summary_draw() declares the picture with the UI core (ui.h) only,
 * so the results screen and summary_png() (summary_png.h) draw the very same thing.
 *
 * The arrivals chart covers the hour before the start to two hours after it, cut to the 5-minute
 * bins where people arrived within it; a check-in outside that window (a test at home the day
 * before) does not stretch the chart but is counted in the first or last bar, so the bars add up
 * to everyone checked in; at most SUMMARY_MAX_BINS bars, the latest kept. */
#ifndef BARNSTORM_SUMMARY_H
#define BARNSTORM_SUMMARY_H

#include <stdint.h>

#include "pack.h"
#include "teams.h"
#include "ui.h"

struct i18n;
struct store;

#define SUMMARY_BIN_MS (5 * 60 * 1000)
#define SUMMARY_MAX_BINS 36 /* three hours */

struct summary_team {
	const char *name;  /* borrowed from the pack; "" for commitments without a team */
	int kind[3];       /* people per enum role_kind: leads, hosts, members */
};

/* About 3 KB; plain values, borrows the pack's team names (the pack must outlive it). */
struct summary {
	int checked_in;           /* people checked in now */
	int committed;            /* people with an active commitment */
	int64_t bins_from;        /* start of the first bin (UTC ms); 0 when nobody arrived */
	int nbins;
	int arrivals[SUMMARY_MAX_BINS];
	char bin_label[SUMMARY_MAX_BINS][8]; /* "19:00" on the half hours, else "" */
	int start_bin;            /* the bin the meeting starts in, -1 outside the chart */
	struct board_target leaders, hosts;
	int nteams;
	struct summary_team teams[PACK_MAX_TEAMS + 1]; /* the pack's teams, then "no team" if any */
};

/* Fills *out for p's event. 0, or -1 with err_msg() (a failed read is not "nobody came"). */
int summary_read(struct store *s, const struct pack *p, struct summary *out);

/* Declares the picture of *sm in r, its words in language `lang` of t (t NULL: English). Draws
 * only (no widgets to tap); the headings are labels a script can `expect`. */
void summary_draw(struct ui *ui, const struct summary *sm, struct ui_rect r,
		  const struct i18n *t, int lang);

#endif
