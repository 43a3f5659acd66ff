#include "clock.h"
#include "util.h"

#include <time.h>
#include <unistd.h>

void clock_init_real(struct clock *c)
{
	c->fake = 0;
	c->fake_ms = 0;
	c->fake_synced = 0;
}

void clock_init_fake(struct clock *c, int64_t ms)
{
	c->fake = 1;
	c->fake_ms = ms;
	c->fake_synced = 1;
}

static int64_t read_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now(const struct clock *c)
{
	return c->fake ? c->fake_ms : read_clock(CLOCK_REALTIME);
}

int64_t clock_mono(const struct clock *c)
{
	return c->fake ? c->fake_ms : read_clock(CLOCK_MONOTONIC);
}

void clock_advance(struct clock *c, int64_t ms)
{
	if (!c->fake)
		BUG("clock_advance on the real clock");
	c->fake_ms += ms;
}

int clock_synchronised(const struct clock *c)
{
	if (c->fake)
		return c->fake_synced;
	/* systemd-timesyncd creates this file once it has set the clock from the network. */
	return access("/run/systemd/timesync/synchronized", F_OK) == 0;
}
