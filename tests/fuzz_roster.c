/* libFuzzer target for the roster import (`make fuzz`, see tests/fuzz.mk): every input is a CSV
 * file imported into one store, with a pack that maps a column, and its first bytes are also
 * typed into the search. Crashes, sanitizer reports and leaks are findings. */
#include "clock.h"
#include "pack.h"
#include "people.h"
#include "roster.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer calls in with no context; the store lives for the whole run. */
static struct store *fz_store;
static char fz_dir[256];

/* libFuzzer ends with exit(): remove the database then. */
static void fz_cleanup(void)
{
	static const char *const files[] = { "barnstorm.db", "barnstorm.db-wal", "barnstorm.db-shm" };
	char path[300];
	store_close(fz_store);
	fz_store = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", fz_dir, files[i]);
		unlink(path);
	}
	rmdir(fz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *base = getenv("TMPDIR");
	snprintf(fz_dir, sizeof(fz_dir), "%s/barnstorm-fuzz.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(fz_dir))
		die("cannot create a temporary folder");
	fz_store = store_open(fz_dir);
	if (!fz_store)
		die("%s", err_msg());
	atexit(fz_cleanup);
	/* Speed over durability: the fuzzer's database is thrown away. */
	store_exec(fz_store, "PRAGMA synchronous = OFF");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned runs;
	struct clock c;
	clock_init_fake(&c, 1764784800000);
	struct pack p;
	memset(&p, 0, sizeof(p));
	p.roster_map_field[0] = "id";
	p.roster_map_header[0] = "Medlemsnummer";
	p.roster_map_field[1] = "first_name";
	p.roster_map_header[1] = "x";
	p.nroster_map = 2;
	struct roster_report r;
	roster_report_init(&r);
	if (roster_import_mem(fz_store, &c, "fuzz.csv", data, size, runs % 2 ? &p : NULL, &r) == 0) {
		if (r.imported + r.merged + r.unchanged + r.rejected > ROSTER_ROWS_MAX)
			BUG("more rows counted than allowed");
		if (r.nreasons > ROSTER_MAX_REASONS || r.nreasons > r.rejected)
			BUG("reasons out of bounds");
	}
	roster_report_release(&r);

	char q[80];
	size_t n = size < sizeof(q) - 1 ? size : sizeof(q) - 1;
	memcpy(q, data, n);
	q[n] = '\0';
	struct people_result res[PEOPLE_SEARCH_MAX];
	if (people_search(fz_store, "ev", q, res, PEOPLE_SEARCH_MAX) < 0)
		BUG("search failed");
	if (++runs % 256 == 0)
		store_exec(fz_store, "DELETE FROM checkin; DELETE FROM person;");
	return 0;
}
