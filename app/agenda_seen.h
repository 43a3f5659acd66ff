/* The meeting as a station that does not run it sees it. The stage station runs the meeting
 * (agenda.h); every station of the room holds its meeting log, which the stations' exchange
 * copies (sync.h). From that log alone a door says what the meeting is doing: not started, the
 * segment running, paused, or ended. A single kiosk reads its own log the same way. */
#ifndef BARNSTORM_AGENDA_SEEN_H
#define BARNSTORM_AGENDA_SEEN_H

#include <stdint.h>

struct store;

enum agenda_seen_phase { SEEN_NOT_STARTED, SEEN_RUNNING, SEEN_PAUSED, SEEN_FINISHED };

struct agenda_seen {
	enum agenda_seen_phase phase;
	int segment;          /* 0-based; meaningful when running or paused */
	char title[256];      /* the segment's title as the log wrote it */
	int64_t since;        /* the log row's time (the stage's clock), ms UTC */
};

/* The meeting of `event` (nsegments in its agenda) from its log: 0 with *out filled, or -1 with
 * err_msg() when the store fails. */
int agenda_seen(struct store *s, const char *event, int nsegments, struct agenda_seen *out);

#endif
