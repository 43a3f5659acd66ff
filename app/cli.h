/* Command-line options shared by the subcommands: --pack DIR, --data DIR, --out DIR, --shots DIR,
 * --size WxH, --lang CODE, --windowed, and at most one positional argument. */
#ifndef BARNSTORM_CLI_H
#define BARNSTORM_CLI_H

struct cli {
	const char *pack;       /* NULL: not given */
	const char *data;
	const char *out;
	const char *shots;
	const char *lang;
	const char *positional; /* e.g. the script FILE or the PACK|FILE.csv of import */
	int width, height;      /* --size; 0 when not given */
	int windowed;
};

/* Parses argv[1..argc-1] (argv[0] is the subcommand). `allowed` lists the long options this
 * subcommand takes, e.g. "pack data windowed lang". Prints a usage message naming the bad
 * argument and returns -1 on anything else. */
int cli_parse(int argc, char **argv, const char *allowed, int positional, struct cli *out);

/* The pack to use: --pack, else the demo pack in the assets folder. */
const char *cli_pack_dir(const struct cli *c);
/* The data directory: --data, else the per-user one (see paths.h). Caller does not free. */
const char *cli_data_dir(const struct cli *c);

#endif
