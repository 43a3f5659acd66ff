#include "platform.h"

#include <stdint.h>
#include <systemd/sd-daemon.h>
#include <time.h>

/* Monotonic microseconds of the last ping, so the main loop may call watchdog_ping() every frame
 * without flooding the service manager. Process-wide state of the platform layer. */
static uint64_t last_ping_us;

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void watchdog_ready(void)
{
	sd_notify(0, "READY=1\nSTATUS=Kiosk running");
	last_ping_us = mono_us();
}

void watchdog_ping(void)
{
	uint64_t interval = 0;
	/* sd_watchdog_enabled() answers 0 when the unit has no WatchdogSec=. */
	if (sd_watchdog_enabled(0, &interval) <= 0)
		return;
	uint64_t now = mono_us();
	if (now - last_ping_us >= interval / 4) {
		sd_notify(0, "WATCHDOG=1");
		last_ping_us = now;
	}
}

void watchdog_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}
