/* barnstorm: the kiosk and its tools. See README.md. */
#include "commands.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char USAGE[] =
	"usage: barnstorm [run] [--pack DIR] [--data DIR] [--windowed] [--lang CODE] [--size WxH]\n"
	"       barnstorm check PACK\n"
	"       barnstorm import PACK|FILE.csv --data DIR\n"
	"       barnstorm script FILE --pack DIR --data DIR [--shots DIR] [--size WxH]\n"
	"       barnstorm export --data DIR --out DIR\n"
	"       barnstorm upload --pack DIR --data DIR\n"
	"       barnstorm sync --pack DIR --data DIR [--listen ADDR:PORT] [--peer HOST:PORT]... [--once]\n";

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command COMMANDS[] = {
	{"run", cmd_run},       {"check", cmd_check},   {"script", cmd_script},
	{"import", cmd_import}, {"export", cmd_export}, {"upload", cmd_upload},
	{"sync", cmd_sync},
};

int main(int argc, char **argv)
{
	/* Everything written (the database, exports, screenshots) is for the owner only. */
	umask(077);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
		fputs(USAGE, stdout);
		return 0;
	}
	/* No subcommand (or options first): run the kiosk. */
	if (argc < 2 || argv[1][0] == '-') {
		argv[0] = "run";
		return cmd_run(argc, argv);
	}
	for (size_t i = 0; i < ARRAY_SIZE(COMMANDS); i++)
		if (!strcmp(argv[1], COMMANDS[i].name))
			return COMMANDS[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "barnstorm: unknown command '%s'\n%s", argv[1], USAGE);
	return 2;
}
