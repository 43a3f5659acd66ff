/* The whole check of a pack, beyond what pack_load() parses: the agenda against the meeting, the
 * slides, the link templates, the printer and slip width. `barnstorm check` and the kiosk's start
 * both run it, so the error screen names the same problems. */
#ifndef BARNSTORM_CHECK_H
#define BARNSTORM_CHECK_H

struct pack;
struct diags;

/* Adds every problem found to d (pack_load's own are already there). with_slides: also check the
 * slides. The kiosk's start leaves them out: a broken PDF must not keep the door closed; the
 * facilitator screen names it and the timer works without slides. */
void check_pack(const struct pack *p, struct diags *d, int with_slides);

#endif
