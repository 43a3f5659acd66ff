#include "clock.h"
#include "util.h"

#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

void clock_init_real(struct clock *c)
{
	c->fake = 0;
	c->fake_ms = 0;
	c->fake_synced = 0;
	c->fake_wall = 0;
}

void clock_init_fake(struct clock *c, int64_t ms)
{
	c->fake = 1;
	c->fake_ms = ms;
	c->fake_synced = 1;
	c->fake_wall = 0;
}

static int64_t read_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now(const struct clock *c)
{
	return c->fake ? c->fake_ms + c->fake_wall : read_clock(CLOCK_REALTIME);
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

void clock_jump(struct clock *c, int64_t ms)
{
	if (!c->fake)
		BUG("clock_jump on the real clock");
	c->fake_wall += ms;
}

int clock_synchronised(const struct clock *c)
{
	if (c->fake)
		return c->fake_synced;
	/* The kernel's own flag, as `timedatectl` reads it: whichever NTP client runs (timesyncd,
	 * chrony, ntpd) clears STA_UNSYNC once it disciplines the clock. Reading needs no privilege. */
	struct timex tx = {0};
	int state = adjtimex(&tx);
	if (state != -1 && state != TIME_ERROR && !(tx.status & STA_UNSYNC))
		return 1;
	/* systemd-timesyncd creates this file once it has set the clock from the network. */
	return access("/run/systemd/timesync/synchronized", F_OK) == 0;
}
