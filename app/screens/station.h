/* The organizer's "This station" screen (SCREEN_STATION): the station's role in the room (all,
 * door, stage, sign-up; core/station.h) and its name, kept across restarts. */
#ifndef BARNSTORM_SCREENS_STATION_H
#define BARNSTORM_SCREENS_STATION_H

#include <stdint.h>

struct kiosk;

void station_open(struct kiosk *k);
void station_close(struct kiosk *k);
void screen_station(struct kiosk *k);
/* The organizer's "Stations" screen (SCREEN_STATIONS): the room's other stations, whether each is
 * in step, silent (for a minute or more) or refusing this room's key. */
void screen_stations(struct kiosk *k);

#endif
