/* What differs between the Raspberry Pi, a desktop and a headless test run, behind one header.
 * app/ never asks which board or OS it is on. */
#ifndef BARNSTORM_PLATFORM_H
#define BARNSTORM_PLATFORM_H

/* Paths. Returned strings are owned by the platform module and live until exit. */
/* The assets folder (demo pack, catalogs): $BARNSTORM_ASSETS, else next to the executable
 * (../assets from build/), else /usr/share/barnstorm. */
const char *paths_assets(void);
/* The compiled message catalogs (*.mo): build/locale next to the executable, else
 * <assets>/locale. */
const char *paths_locale(void);
/* The default data directory: $BARNSTORM_DATA, else $XDG_DATA_HOME/barnstorm, else
 * ~/.local/share/barnstorm. */
const char *paths_data(void);

/* systemd: tell the service manager the kiosk is up, and ping its watchdog from the main loop.
 * Both are no-ops when not started by systemd. watchdog_ping() rate-limits itself. */
void watchdog_ready(void);
void watchdog_ping(void);
void watchdog_status(const char *status);

#endif
