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
	int64_t fake_wall; /* added to the wall clock only: clock_jump() (a late network time) */
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
/* Sets a fake wall clock ms forward (or back) without moving its monotonic clock, as when the
 * network time arrives on a Pi that started hours or years off; BUG on a real clock. */
void clock_jump(struct clock *c, int64_t ms);
/* Jumps smaller than this are drift or a slow frame, not a clock being set. */
#define CLOCK_JUMP_MS 5000
/* 1 when the wall clock is known to be synchronised (the kernel's NTP status as any NTP client
 * leaves it, systemd-timesyncd's flag file, or a fake clock), else 0. */
int clock_synchronised(const struct clock *c);

#endif
