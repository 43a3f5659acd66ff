/* Results: the organizer's "Upload and export" screen (SCREEN_RESULTS, behind the PIN).
 *
 * It shows where results go (the [upload] kind and host, never the token or the url's path), the
 * uploader's state (idle, sending, failing with the last reason, waiting for the clock, all sent,
 * or no upload configured), the outbox counts (queued, sent, refused with the reason) and the
 * last success time; "Upload now" and "Retry refused" act on the uploader; "Export to USB stick"
 * writes the export (export.h: the CSV files, barnstorm.xlsx, summary.png, results.json) into a
 * new folder barnstorm-EVENTID-YYYYMMDD-HHMM on a mounted stick (platform/usb.h) and says where
 * and how much.
 *
 * A second view, "Summary", shows the event at a glance (summary.h): arrivals per 5 minutes,
 * leaders and hosts against the targets, commitments per team; the export's summary.png is the
 * same drawing.
 *
 * The uploader belongs to the event core (core/event.h); this screen copies its status when the
 * core says the upload changed (event_version), and the copy never waits for the network. */
#ifndef BARNSTORM_SCREENS_RESULTS_H
#define BARNSTORM_SCREENS_RESULTS_H

#include <stdint.h>

#include "upload.h"

struct kiosk;

enum results_export {
	RESULTS_EXPORT_NONE,     /* nothing said yet on this visit */
	RESULTS_EXPORT_PENDING,  /* tapped: the next frame says "Exporting…" */
	RESULTS_EXPORT_RUN,      /* "Exporting…" is on screen: the next frame writes the files */
	RESULTS_EXPORT_DONE,
	RESULTS_EXPORT_NO_STICK,
	RESULTS_EXPORT_FAILED,
};

/* The two views of the screen: the event at a glance (summary.h), and upload and export. A visit
 * opens on the summary once the meeting has finished, else on upload and export. */
enum results_tab { RESULTS_TAB_SUMMARY, RESULTS_TAB_UPLOAD };

struct summary;

/* The feature's UI state, kept in struct kiosk. */
struct results_ui {
	int opened;
	enum results_tab tab;
	struct summary *summary;      /* the figures on screen (read when the view is shown after a
				       * new visit or a change of check-ins, commitments or
				       * people); owned here */
	uint64_t summary_seen;        /* event_version of those topics when read */
	int summary_stale;            /* a new visit: read again before showing */
	int summary_ok;               /* 0: the read failed; summary_error says why */
	char summary_error[256];
	uint64_t seen;                /* event_version(EVENT_UPLOAD) of the snapshot */

	struct upload_status status;  /* the snapshot on screen */
	int last_frame;               /* k->frames when the screen was last drawn (a new visit
					 * when it was not drawn in the frame before) */

	enum results_export export_state;
	char export_dir[1024];        /* the folder written */
	char export_shown[1024];      /* the same as STICK/FOLDER, for the message */
	long export_people, export_checkins;
	char export_error[256];
};

/* Called when the kiosk has loaded a usable pack and store, and before they are released. */
void results_open(struct kiosk *k);
void results_close(struct kiosk *k);
void screen_results(struct kiosk *k);

#endif
