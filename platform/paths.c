#include "platform.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Resolved once on first use and kept for the life of the process. */
static char assets[PATH_MAX], locale[PATH_MAX], data[PATH_MAX];

static int exe_dir(char *out, size_t size)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return str_copy(out, size, buf);
}

static int is_dir(const char *p)
{
	return access(p, R_OK | X_OK) == 0;
}

const char *paths_assets(void)
{
	if (assets[0])
		return assets;
	const char *env = getenv("BARNSTORM_ASSETS");
	char dir[PATH_MAX], cand[PATH_MAX];
	if (env && *env) {
		str_copy(assets, sizeof(assets), env);
	} else if (exe_dir(dir, sizeof(dir)) == 0 &&
		   (str_fmt(cand, sizeof(cand), "%s/../assets", dir) > 0 && is_dir(cand))) {
		char *real = realpath(cand, NULL);
		str_copy(assets, sizeof(assets), real ? real : cand);
		free(real);
	} else if (exe_dir(dir, sizeof(dir)) == 0 &&
		   (str_fmt(cand, sizeof(cand), "%s/../../assets", dir) > 0 && is_dir(cand))) {
		/* build/asan/barnstorm, the sanitizer build */
		char *real = realpath(cand, NULL);
		str_copy(assets, sizeof(assets), real ? real : cand);
		free(real);
	} else {
		str_copy(assets, sizeof(assets), "/usr/share/barnstorm");
	}
	return assets;
}

const char *paths_locale(void)
{
	if (locale[0])
		return locale;
	char dir[PATH_MAX], cand[PATH_MAX];
	const char *env = getenv("BARNSTORM_LOCALE");
	if (env && *env) {
		str_copy(locale, sizeof(locale), env);
		return locale;
	}
	if (exe_dir(dir, sizeof(dir)) == 0) {
		const char *tries[] = {"%s/locale", "%s/../locale", "%s/../../locale"};
		for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
			if (str_fmt(cand, sizeof(cand), tries[i], dir) > 0 && is_dir(cand)) {
				str_copy(locale, sizeof(locale), cand);
				return locale;
			}
		}
	}
	str_fmt(locale, sizeof(locale), "%s/locale", paths_assets());
	return locale;
}

const char *paths_data(void)
{
	if (data[0])
		return data;
	const char *env = getenv("BARNSTORM_DATA");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (env && *env)
		str_copy(data, sizeof(data), env);
	else if (xdg && *xdg)
		str_fmt(data, sizeof(data), "%s/barnstorm", xdg);
	else if (home && *home)
		str_fmt(data, sizeof(data), "%s/.local/share/barnstorm", home);
	else
		str_copy(data, sizeof(data), "/var/lib/barnstorm");
	return data;
}
