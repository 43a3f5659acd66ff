/* One function per screen: it reads the kiosk state, declares its widgets for this frame, and
 * acts on taps. Listed in kiosk.c's table by enum screen. */
#ifndef BARNSTORM_SCREENS_H
#define BARNSTORM_SCREENS_H

struct kiosk;

void screen_error(struct kiosk *k);
void screen_idle(struct kiosk *k);
void screen_pin(struct kiosk *k);
void screen_organizer(struct kiosk *k);
/* The features' screens are declared in screens/checkin.h, meeting.h, signup.h, results.h. */

/* Shared pieces of screens (common.c). */
struct ui_rect;
/* A header bar with a title and, when back_label is not NULL, a back button; returns 1 when the
 * back button was tapped. *body receives the area below the bar. */
int screen_header(struct kiosk *k, const char *title, const char *back_label, struct ui_rect *body);
/* The meeting as the room sees it, in one line ("Now: Welcome"), from the meeting log (at a
 * door, the stage's copied here) into line[size]. 0, or -1 when there is nothing to say. */
int screen_meeting_line(struct kiosk *k, char *line, size_t size);
/* While the store cannot save for want of space (store_is_full), a red banner cut from the top
 * of *area that says so and what to do, for the organizer screens; returns its height, 0 (and
 * nothing drawn) otherwise. */
int screen_full_banner(struct kiosk *k, struct ui_rect *area);
/* The event's date and time as "3 December 2026, 19:00-20:30" in the current language. */
void screen_event_when(struct kiosk *k, char *out, int size);

#endif
