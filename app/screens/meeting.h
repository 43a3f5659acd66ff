/* The meeting: the facilitator's timer screen (SCREEN_FACILITATOR, behind the PIN) and the
 * audience view (SCREEN_AUDIENCE, full screen on this display, for a projector that mirrors it).
 *
 * The facilitator sees the current segment (title, note), a large countdown coloured by the
 * agenda's level (normal, warning, danger, overtime counting up "+1:23"), the controls (Start /
 * Pause / Resume, Next or End meeting, Previous, -1 min, +1 min), the next segment, ahead/behind
 * schedule and the projected end against the pack's fixed end (in the pack's timezone); a small
 * live copy of the audience view with slide paging and black-out; and the signals to the room:
 * "Please wrap up", "Let's take this offline - thank you!" (button "Take it offline"), the pack's
 * [signal] texts, and a 60 s speaker timer ending in "Time's up". A signal's button toggles it.
 *
 * The audience view shows the current slide (a PDF page or image from slides.h, or the pack's
 * text slide drawn with the UI, or a title card when the segment has no slides), with an overlay:
 * the segment title and timer in a corner, the signal as a big centred banner, the speaker timer
 * and "Time's up" (it clears by itself after the pack's [agenda] times_up_seconds). The title,
 * the bands and the corner never overlap: the text wraps, and shrinks when it must, to fit any
 * screen from 800x480 up. B blacks it out. A tap shows a "Back" button for MEETING_BACK_MS; Escape leaves.
 * A presentation clicker works on both screens: PageDown/Right next slide, PageUp/Left previous.
 *
 * Sound: a short tone (platform/audio.h) when the segment turns to warning, to danger, when its
 * time is up, and when the speaker timer ends; [agenda] sound = on|off and volume = 0-100 in
 * the pack, and a Mute button on the facilitator's screen. The device is opened by
 * meeting_open(); without one the kiosk says so once on stderr and works on.
 *
 * All timing comes from agenda.h (computed from the stored start times, so a restart resumes
 * where the meeting is). Redraws: once per second, at the next whole second of the countdown,
 * while the timer or a speaker timer runs; once a minute otherwise (the projected end moves while
 * paused or before the start); never faster.
 *
 * Ownership: meeting_open() allocates struct meeting_ui (struct kiosk points to it) and
 * meeting_close() frees it. The agenda and the slides (with their render thread) belong to the event
 * core (core/event.h); the slides are opened at the display's size, or at the first meeting
 * frame's. Nothing is allocated per frame. */
#ifndef BARNSTORM_SCREENS_MEETING_H
#define BARNSTORM_SCREENS_MEETING_H

#include <stdint.h>

#include "audio.h"
#include "ui.h"

struct kiosk;
struct agenda;
struct slides;

#define MEETING_MSG_MAX 512
#define MEETING_BACK_MS 5000         /* the audience view's Back button stays this long */
#define MEETING_SPEAKER_SECONDS 60
#define MEETING_IMAGE_ID 0x6d65657469ULL /* the renderer's texture id for the current slide */

/* The feature's UI state, kept in struct kiosk. */
struct meeting_ui {
	int opened;
	struct agenda *agenda;       /* borrowed from the event core; NULL when the meeting log
				      * cannot be read (agenda_problem) */
	char agenda_problem[MEETING_MSG_MAX];
	char error[MEETING_MSG_MAX]; /* the last operation that failed, "" when none */

	struct slides *slides;       /* borrowed from the event core; NULL until opened, or when
				      * the renderer cannot start */
	int slides_w, slides_h;      /* the size slides are rendered at */
	int slides_failed;           /* slides_open() failed: slides_error says why */
	char slides_error[MEETING_MSG_MAX];

	int page;                    /* the current slide, 1-based; 0 when there are none */
	int show_slide;              /* the audience sees the slide, else the segment's title card */
	int seen_segment;            /* the segment whose slides the page follows; -1 at first */
	int blackout;
	int64_t back_until;          /* audience view: its Back button shows until then (clock ms) */

	struct ui_image img;         /* the current slide as handed to the renderer */
	int img_page;

	/* Sound cues (platform/audio.h): at warning, danger and time up of a segment and when the
	 * speaker timer runs out, unless the pack says sound = off or the facilitator muted. */
	struct audio *audio;         /* NULL: no audio device (said once in the log) */
	int muted;
	int cue_segment;             /* the segment and level the last frame saw, for the edges */
	int cue_level;
	int cue_phase;
	int speaker_armed;           /* a speaker timer is counting down: cue when it runs out */
	unsigned cues[AUDIO_CUE_COUNT]; /* cues fired, by enum audio_cue (also with no device) */
};

/* Called when the kiosk has loaded a usable pack and store, and before they are released. */
void meeting_open(struct kiosk *k);
void meeting_close(struct kiosk *k);
void meeting_clock_moved(struct kiosk *k, int64_t delta_ms);
void screen_facilitator(struct kiosk *k);
void screen_audience(struct kiosk *k);
struct ui;
/* Draws the audience view (slide, timer, signals) into a second display's frame. */
void meeting_audience_frame(struct kiosk *k, struct ui *ui);

#endif
