#include "agenda_seen.h"
#include "store.h"
#include "util.h"

#include <string.h>

int agenda_seen(struct store *s, const char *event, int nsegments, struct agenda_seen *out)
{
	memset(out, 0, sizeof(*out));
	/* The stage is the meeting's one writer, so its times order its rows; "next" writes "end"
	 * then "start" at the same time, and the later row (the larger id here) is the start. */
	struct store_stmt *st = store_stmt(s,
		"SELECT what, segment, title, at FROM agenda_log WHERE event = ?1 AND what IN"
		" ('start', 'end', 'pause', 'resume') ORDER BY at DESC, id DESC LIMIT 1");
	if (!st)
		return -1;
	store_bind_text(st, 1, event ? event : "");
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		const char *what = store_col_text(st, 0);
		out->segment = (int)store_col_int(st, 1);
		str_copy(out->title, sizeof(out->title), store_col_text(st, 2));
		out->since = store_col_int(st, 3);
		if (!strcmp(what, "pause"))
			out->phase = SEEN_PAUSED;
		else if (!strcmp(what, "end"))
			/* The last segment ended: the meeting did; another one ended alone: between. */
			out->phase = out->segment >= nsegments - 1 ? SEEN_FINISHED : SEEN_PAUSED;
		else
			out->phase = SEEN_RUNNING;
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}
