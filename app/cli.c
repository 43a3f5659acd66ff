#include "cli.h"
#include "platform.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static int word_in(const char *word, const char *list)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += n) {
		int start = p == list || p[-1] == ' ';
		int end = p[n] == '\0' || p[n] == ' ';
		if (start && end)
			return 1;
	}
	return 0;
}

static int parse_size(const char *s, int *w, int *h)
{
	char buf[32];
	if (str_copy(buf, sizeof(buf), s) < 0)
		return -1;
	char *x = strchr(buf, 'x');
	if (!x)
		return -1;
	*x = '\0';
	long lw, lh;
	if (str_to_int(buf, 320, 7680, &lw) < 0 || str_to_int(x + 1, 240, 4320, &lh) < 0)
		return -1;
	*w = (int)lw;
	*h = (int)lh;
	return 0;
}

int cli_parse(int argc, char **argv, const char *allowed, int positional, struct cli *out)
{
	struct cli c;
	memset(&c, 0, sizeof(c));
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0) {
			if (npos >= positional) {
				fprintf(stderr, "barnstorm %s: unexpected argument '%s'\n", argv[0], a);
				return -1;
			}
			c.positional = a;
			npos++;
			continue;
		}
		const char *name = a + 2;
		if (!word_in(name, allowed)) {
			fprintf(stderr, "barnstorm %s: unknown option '%s' (takes: --%s)\n", argv[0], a,
				allowed);
			return -1;
		}
		if (strcmp(name, "windowed") == 0) {
			c.windowed = 1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "barnstorm %s: option '%s' needs a value\n", argv[0], a);
			return -1;
		}
		const char *v = argv[++i];
		if (strcmp(name, "pack") == 0)
			c.pack = v;
		else if (strcmp(name, "data") == 0)
			c.data = v;
		else if (strcmp(name, "out") == 0)
			c.out = v;
		else if (strcmp(name, "shots") == 0)
			c.shots = v;
		else if (strcmp(name, "lang") == 0)
			c.lang = v;
		else if (strcmp(name, "size") == 0) {
			if (parse_size(v, &c.width, &c.height) < 0) {
				fprintf(stderr, "barnstorm %s: --size '%s' is not WIDTHxHEIGHT "
					"(e.g. 800x480)\n", argv[0], v);
				return -1;
			}
		} else {
			BUG("option allowed but not handled");
		}
	}
	if (positional > 0 && npos == 0 && positional < 100) {
		fprintf(stderr, "barnstorm %s: missing argument\n", argv[0]);
		return -1;
	}
	*out = c;
	return 0;
}

const char *cli_pack_dir(const struct cli *c)
{
	/* The demo pack ships in the assets folder. Process-lifetime buffer, set once. */
	static char demo[PATH_MAX];
	if (c->pack)
		return c->pack;
	if (!demo[0])
		str_fmt(demo, sizeof(demo), "%s/demo", paths_assets());
	return demo;
}

const char *cli_data_dir(const struct cli *c)
{
	return c->data ? c->data : paths_data();
}
