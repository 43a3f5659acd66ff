/* The kiosk's only clock. Every module reads time through clock_now(), so tests and scripts can
 * run on a fake clock that moves only when told (`wait 90s` in a script costs no real time).
 *
 * A Raspberry Pi has no real-time clock: until the network time is synchronised the wall clock
 * may be years off. clock_synchronised() says whether it is known to be right; records store it
 * beside their time. */
#ifndef BARNSTORM_CLOCK_H
#define BARNSTORM_CLOCK_H

#include <stdint.h>

struct clock {
	int fake;          /* 1: time is fake_ms and moves only by clock_advance() */
	int64_t fake_ms;   /* milliseconds since the Unix epoch, UTC */
	int fake_synced;   /* what clock_synchronised() answers on a fake clock */
};

/* A real clock. */
void clock_init_real(struct clock *c);
/* A fake clock standing at ms (since the epoch, UTC), counted as synchronised. */
void clock_init_fake(struct clock *c, int64_t ms);
/* Milliseconds since the Unix epoch, UTC. */
int64_t clock_now(const struct clock *c);
/* Milliseconds of a monotonic clock (fake clocks: the same as clock_now()). For timeouts. */
int64_t clock_mono(const struct clock *c);
/* Moves a fake clock forward; BUG on a real clock. */
void clock_advance(struct clock *c, int64_t ms);
/* 1 when the wall clock is known to be synchronised (systemd-timesyncd's flag file, or a
 * fake clock), else 0. */
int clock_synchronised(const struct clock *c);

#endif
