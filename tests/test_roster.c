#include "testutil.h"

#include "clock.h"
#include "commands.h"
#include "pack.h"
#include "people.h"
#include "people/index.h"
#include "roster.h"
#include "store.h"
#include "textnorm.h"
#include "util.h"


/* ASan keeps freed memory in a quarantine of 256 MB by default, which would make the memory
 * bound of the 1,000,000-row test measure ASan rather than the importer. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

struct fx {
	char *dir;
	struct store *s;
	struct clock c;
	struct roster_report r;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->dir = tu_tempdir();
	f->s = store_open(f->dir);
	assert_non_null(f->s);
	clock_init_fake(&f->c, 1764784800000);
	roster_report_init(&f->r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	roster_report_release(&f->r);
	store_close(f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int import(struct fx *f, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/data/roster/%s", tu_src(), name);
	roster_report_release(&f->r);
	roster_report_init(&f->r);
	return roster_import(f->s, &f->c, path, NULL, &f->r);
}

static int import_mem(struct fx *f, const char *data, size_t len, const struct pack *p)
{
	roster_report_release(&f->r);
	roster_report_init(&f->r);
	return roster_import_mem(f->s, &f->c, "mem.csv", data, len, p, &f->r);
}

static int64_t q(struct fx *f, const char *sql)
{
	return store_query_int(f->s, sql);
}

/* 1 when the report rejected line with a reason containing what. */
static int rejected(const struct roster_report *r, long line, const char *what)
{
	for (int i = 0; i < r->nreasons; i++)
		if (r->reasons[i].line == line && strstr(r->reasons[i].reason, what))
			return 1;
	return 0;
}

/* The report on stderr when VERBOSE is set. */
/* 1 when the report kept line without a field, with a warning containing what. */
static int warned(const struct roster_report *r, long line, const char *what)
{
	for (int i = 0; i < r->nwarnings; i++)
		if (r->warnings[i].line == line && strstr(r->warnings[i].reason, what))
			return 1;
	return 0;
}

static void dump(const struct roster_report *r)
{
	if (getenv("VERBOSE"))
		roster_report_print(r, "test", stderr);
}

static void excel_danish_cp1252(void **state)
{
	struct fx *f = *state;
	assert_int_equal(import(f, "excel_da_cp1252.csv"), 0);
	dump(&f->r);
	assert_int_equal(f->r.delimiter, ';');
	assert_int_equal(f->r.bom, 0);
	assert_true(f->r.cp1252_fields > 0);
	/* The row with an invalid email is kept without it. */
	assert_int_equal(f->r.imported, 4);
	assert_int_equal(f->r.rejected, 0);
	assert_int_equal(f->r.warned, 1);
	assert_true(warned(&f->r, 6, "invalid email"));
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Søren' AND "
			      "last_name = 'Kierkegaard' AND phone = '12345678' AND external_id = 'R-1'"),
			 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Åse' AND "
			      "last_name = 'Ærø'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE last_name = 'Müller'"), 1);
	struct people_result res[4];
	assert_int_equal(people_search(f->s, "e", "aero ase", res, 4), 1);
}

static void excel_swedish_bom(void **state)
{
	struct fx *f = *state;
	assert_int_equal(import(f, "excel_sv_bom.csv"), 0);
	dump(&f->r);
	assert_int_equal(f->r.bom, 1);
	assert_int_equal(f->r.imported, 2);
	assert_int_equal(f->r.rejected, 0);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Åsa' AND "
			      "phone = '0701234567' AND postcode = '21145'"), 1);
}

static void platform_export_quotes_and_extra_columns(void **state)
{
	struct fx *f = *state;
	assert_int_equal(import(f, "platform.csv"), 0);
	dump(&f->r);
	assert_int_equal(f->r.delimiter, ',');
	assert_int_equal(f->r.imported, 4);
	assert_int_equal(f->r.rejected, 1);
	assert_true(rejected(&f->r, 7, "no first name"));
	assert_true(warned(&f->r, 8, "invalid phone"));
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Bo' AND "
			      "phone IS NULL AND email = 'bo@example.org'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Marie Louise' AND "
			      "external_id = '102'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE last_name = 'O''Brien, Jr.' AND "
			      "phone = '98765432'"), 1);
}

static void reimport_changes_nothing_and_update_merges(void **state)
{
	struct fx *f = *state;
	assert_int_equal(import(f, "platform.csv"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), 4);
	struct people_index_stats st;
	assert_int_equal(people_index_stats(f->s, &st), 0);
	int64_t tokens = st.tokens;
	assert_int_equal(import(f, "platform.csv"), 0);
	assert_int_equal(f->r.imported, 0);
	assert_int_equal(f->r.merged, 0);
	assert_int_equal(f->r.unchanged, 4);
	assert_int_equal(f->r.rejected, 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), 4);
	assert_int_equal(people_index_stats(f->s, &st), 0);
	assert_int_equal(st.tokens, tokens);
	/* An updated file: a new postcode for 101, a new person, 103 found by email. */
	const char *upd = "id,first,last,email,zip\r\n"
			  "101,Anne,Hansen-Jensen,anne@example.org,8210\r\n"
			  "106,Ny,Person,ny@example.org,8000\r\n"
			  ",Peter,\"O'Brien, Jr.\",PETER@example.org,\r\n";
	assert_int_equal(import_mem(f, upd, strlen(upd), NULL), 0);
	dump(&f->r);
	assert_int_equal(f->r.imported, 1);
	assert_int_equal(f->r.merged, 1);
	assert_int_equal(f->r.unchanged, 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), 5);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE external_id = '101' AND "
			      "postcode = '8210'"), 1);
}

static void full_name_tab_and_pack_map(void **state)
{
	struct fx *f = *state;
	struct pack p;
	memset(&p, 0, sizeof(p));
	p.roster_map_field[0] = "id";
	p.roster_map_header[0] = "Medlemsnummer";
	p.nroster_map = 1;
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/data/roster/fullname_tab.csv", tu_src());
	assert_int_equal(roster_import(f->s, &f->c, path, &p, &f->r), 0);
	dump(&f->r);
	assert_int_equal(f->r.delimiter, '\t');
	assert_int_equal(f->r.imported, 3);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Anne Marie' AND "
			      "last_name = 'Holm' AND external_id = 'M-1'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Anne Marie' AND "
			      "last_name = 'Holm' AND external_id = 'M-3'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Cher' AND "
			      "last_name = '' AND external_id = 'M-2'"), 1);
}

static void unbalanced_quote_loses_no_good_rows(void **state)
{
	struct fx *f = *state;
	assert_int_equal(import(f, "unbalanced.csv"), 0);
	dump(&f->r);
	assert_int_equal(f->r.imported, 3);
	assert_int_equal(f->r.rejected, 1);
	assert_true(rejected(&f->r, 3, "quote"));
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name IN ('Anna', 'Carl', "
			      "'Dora')"), 3);
	/* A quote that closes badly in the middle of the file, and a stray quote inside a
	 * field (read as written). */
	const char *csv = "first,last\n"
			  "A,\"x\n"
			  "B,\"y\"z\n"
			  "C,Hans \"Hansi\" Jensen\n"
			  "D,E\n";
	assert_int_equal(import_mem(f, csv, strlen(csv), NULL), 0);
	dump(&f->r);
	assert_true(rejected(&f->r, 2, "quote"));
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'C' AND "
			      "last_name = 'Hans \"Hansi\" Jensen'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'D'"), 1);
	/* A quoted field running on for hundreds of lines is cut off, and parsing resumes. */
	size_t cap = 200000, n = 0;
	char *big = malloc(cap);
	n += (size_t)snprintf(big + n, cap - n, "first,last\nBad,\"open\n");
	for (int i = 0; i < 500; i++)
		n += (size_t)snprintf(big + n, cap - n, "P%d,Q%d\n", i, i);
	assert_int_equal(import_mem(f, big, n, NULL), 0);
	dump(&f->r);
	assert_int_equal(f->r.rejected, 1);
	assert_int_equal(f->r.imported, 500);
	free(big);
}

static void duplicates_and_invalid_contacts(void **state)
{
	struct fx *f = *state;
	/* A reason quoting a field keeps to one line. */
	const char *nl = "first,email\nA,\"x\ny@\"\n";
	assert_int_equal(import_mem(f, nl, strlen(nl), NULL), 0);
	assert_int_equal(f->r.rejected, 1);
	assert_null(strchr(f->r.reasons[0].reason, '\n'));
	assert_int_equal(import(f, "duplicates_invalid.csv"), 0);
	dump(&f->r);
	/* Finn and Gry are kept without their invalid email and phone. */
	assert_int_equal(f->r.imported, 3);
	assert_int_equal(f->r.unchanged, 2);
	assert_int_equal(f->r.rejected, 1);
	assert_int_equal(f->r.warned, 2);
	assert_true(warned(&f->r, 4, "invalid email 'not-an-email'"));
	assert_true(warned(&f->r, 5, "invalid phone '123'"));
	assert_true(rejected(&f->r, 6, "invalid postcode"));
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Finn' AND "
			      "email IS NULL"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Gry' AND "
			      "phone IS NULL"), 1);
}

static void empty_header_only_no_names(void **state)
{
	struct fx *f = *state;
	assert_int_equal(import(f, "empty.csv"), -1);
	assert_non_null(strstr(err_msg(), "is empty"));
	assert_int_equal(import(f, "header_only.csv"), 0);
	assert_int_equal(f->r.imported + f->r.rejected, 0);
	assert_int_equal(import(f, "no_name_column.csv"), -1);
	assert_non_null(strstr(err_msg(), "no column"));
	assert_int_equal(import(f, "missing.csv"), -1);
	assert_non_null(strstr(err_msg(), "missing.csv"));
	assert_int_equal(import_mem(f, "", 0, NULL), -1);
	assert_int_equal(q(f, "SELECT count(*) FROM person"), 0);
}

static void huge_field_and_binary_garbage(void **state)
{
	struct fx *f = *state;
	size_t mb = 1024 * 1024;
	char *csv = malloc(mb + 200);
	size_t n = (size_t)snprintf(csv, 200, "first;last\nAnna;");
	memset(csv + n, 'x', mb);
	n += mb;
	n += (size_t)snprintf(csv + n, 200, "\nBo;Berg\n");
	assert_int_equal(import_mem(f, csv, n, NULL), 0);
	dump(&f->r);
	assert_int_equal(f->r.rejected, 1);
	assert_int_equal(f->r.imported, 1);
	/* The same in quotes with a delimiter inside. */
	n = (size_t)snprintf(csv, 200, "first;last\n\"Anna;");
	memset(csv + n, 'y', 5000);
	n += 5000;
	n += (size_t)snprintf(csv + n, 200, "\";X\nCarl;Berg\n");
	assert_int_equal(import_mem(f, csv, n, NULL), 0);
	dump(&f->r);
	assert_true(rejected(&f->r, 2, "longer than"));
	assert_int_equal(f->r.imported, 1);
	/* Binary garbage after a good header: rejected rows, no crash, the good row kept. */
	n = (size_t)snprintf(csv, 200, "first,last\n");
	unsigned x = 12345;
	for (int i = 0; i < 100000; i++) {
		x = x * 1103515245 + 12345;
		csv[n++] = (char)(x >> 16);
	}
	n += (size_t)snprintf(csv + n, 200, "\nGood,Row\n");
	assert_int_equal(import_mem(f, csv, n, NULL), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Good'"), 1);
	assert_true(store_integrity_ok(f->s));
	/* Garbage only: no usable header. */
	assert_int_equal(import_mem(f, csv + 11, 5000, NULL), -1);
	/* Invalid UTF-8 that is not Windows-1252 either still imports as text, valid UTF-8. */
	const char *bad = "first,last\n\x81\x8d\x90Ole,Lund\xc3\n";
	assert_int_equal(import_mem(f, bad, strlen(bad), NULL), 0);
	dump(&f->r);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE last_name LIKE 'Lund%'"), 1);
	free(csv);
}

static void file_size_limit(void **state)
{
	struct fx *f = *state;
	char path[1024];
	snprintf(path, sizeof(path), "%s/big.csv", f->dir);
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, ROSTER_FILE_MAX + 1), 0); /* sparse: costs no disk */
	close(fd);
	roster_report_release(&f->r);
	assert_int_equal(roster_import(f->s, &f->c, path, NULL, &f->r), -1);
	assert_non_null(strstr(err_msg(), "at most 200 MB"));
	unlink(path);
}

/* Real exports name the registration id in many ways, in three languages. */
static void rsvp_column_names(void **state)
{
	struct fx *f = *state;
	static const char *const headers[] = {
		"Billetnummer", "Medlemsnr.", "Ticket ID", "Anmälningsnummer", "Registration number",
		"Tilmeldings-ID", "Bokningsnummer", "Member number", "Kode", "Biljett-id",
		"Medlemsnummer", "Booking reference", "Order no.", "Registreringsnummer",
	};
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		char csv[256], sql[256];
		snprintf(csv, sizeof(csv), "Fornavn;Efternavn;%s;Noter\nAnna;Holm;X-%zu;hej\n",
			 headers[i], i);
		assert_int_equal(import_mem(f, csv, strlen(csv), NULL), 0);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM person WHERE external_id = 'X-%zu'",
			 i);
		if (q(f, sql) != 1)
			fail_msg("header '%s' was not read as the registration id", headers[i]);
	}
	/* Not ids: a date, a status. */
	const char *csv = "first;last;Registration date;Ticket status\nBo;Berg;2026-01-01;paid\n";
	assert_int_equal(import_mem(f, csv, strlen(csv), NULL), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Bo' AND "
			      "external_id IS NULL"), 1);
}

/* Every column is listed with what it was read as, so a missing RSVP column shows before the
 * event; the report printed by `barnstorm import` says so too. */
static void column_report(void **state)
{
	struct fx *f = *state;
	const char *csv = "Fornavn;Efternavn;E-mail;Noter;Fornavn\nAnna;Holm;a@example.dk;x;y\n";
	assert_int_equal(import_mem(f, csv, strlen(csv), NULL), 0);
	assert_int_equal(f->r.ncolumns, 5);
	assert_string_equal(f->r.columns[0].header, "Fornavn");
	assert_string_equal(f->r.columns[0].as, "first name");
	assert_string_equal(f->r.columns[2].as, "email");
	assert_string_equal(f->r.columns[3].header, "Noter");
	assert_string_equal(f->r.columns[3].as, "ignored");
	assert_non_null(strstr(f->r.columns[4].as, "ignored"));
	assert_int_equal(f->r.has_id, 0);
	char buf[2048];
	roster_report_format(&f->r, "roster.csv", buf, sizeof(buf));
	assert_non_null(strstr(buf, "roster.csv: column 4 'Noter': ignored\n"));
	assert_non_null(strstr(buf, "roster.csv: column 1 'Fornavn': first name\n"));
	assert_non_null(strstr(buf, "no column was read as the registration id (RSVP)"));
	/* Cut at a line boundary when the buffer is small. */
	char small[60];
	size_t n = roster_report_format(&f->r, "roster.csv", small, sizeof(small));
	assert_true(n < sizeof(small));
	assert_true(n == 0 || small[n - 1] == '\n');
	const char *with_id = "Navn;Billet nr.\nAnna Holm;B-1\n";
	assert_int_equal(import_mem(f, with_id, strlen(with_id), NULL), 0);
	assert_int_equal(f->r.has_id, 1);
	assert_string_equal(f->r.columns[1].as, "registration id (RSVP)");
	roster_report_format(&f->r, "roster.csv", buf, sizeof(buf));
	assert_null(strstr(buf, "no column was read as the registration id"));
}

/* A row with an invalid email or phone keeps the person, without that field. */
static void invalid_contact_keeps_person(void **state)
{
	struct fx *f = *state;
	const char *csv = "first,last,email,phone\n"
			  "Anna,Holm,anna@,+45 12345678\n"
			  "Bo,Berg,bo@example.org,12\n";
	assert_int_equal(import_mem(f, csv, strlen(csv), NULL), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Anna' AND "
			      "email IS NULL AND phone = '12345678'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Bo' AND "
			      "email = 'bo@example.org' AND phone IS NULL"), 1);
	assert_int_equal(f->r.rejected, 0);
}

/* A quote opened in a name and closed lines later by another row's quote is an unclosed quote,
 * reported at the line where it opened; the rows it swallowed are read again. */
static void unclosed_quote_reported_at_its_line(void **state)
{
	struct fx *f = *state;
	const char *csv = "first,last,email\n"
			  "Anna,\"Holm,anna@example.org\n"
			  "Bo,Berg,bo@example.org\n"
			  "Carl,Dahl\",carl@example.org\n"
			  "Dora,Eek,dora@example.org\n";
	assert_int_equal(import_mem(f, csv, strlen(csv), NULL), 0);
	dump(&f->r);
	assert_int_equal(f->r.rejected, 1);
	assert_true(rejected(&f->r, 2, "not closed"));
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name IN ('Bo', 'Carl', "
			      "'Dora')"), 3);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE first_name = 'Anna'"), 0);
}

static void import_command(void **state)
{
	struct fx *f = *state;
	char pack[1024], data[1024];
	snprintf(pack, sizeof(pack), "%s/assets/demo", tu_src());
	snprintf(data, sizeof(data), "%s/data", f->dir);
	char *argv[] = { "import", pack, "--data", data, NULL };
	assert_int_equal(cmd_import(4, argv), 0);
	char *argv2[] = { "import", "/nonexistent/roster.csv", "--data", data, NULL };
	assert_int_equal(cmd_import(4, argv2), 1);
	struct store *s = store_open(data);
	assert_non_null(s);
	assert_true(store_query_int(s, "SELECT count(*) FROM person") >= 100);
	store_close(s);
}

/* ---- the bulk merge against people_upsert() row by row ---- */

#define EQ_ROWS 6000   /* over the bulk merge's threshold for rebuilding the indexes */

static const char *const EQ_FIRST[] = {
	"Søren", "Åsa", "Anne", "Marie Louise", "Jens", "Bjørn",
};
static const char *const EQ_LAST[] = { "Jensen", "Öberg", "Hansen-Jensen", "Due", "" };

/* Row i of the roster: mostly new people, with every way a row can meet another one: an RSVP
 * id seen before (with another first name: a merge), a family email shared by people with
 * their own ids, a shared phone, rows without an id, and keys of people stored before. */
static void eq_row(int i, struct people_in *p, char bufs[4][64])
{
	unsigned x = (unsigned)i * 2654435761u;
	memset(p, 0, sizeof(*p));
	p->first_name = EQ_FIRST[(x >> 7) % ARRAY_SIZE(EQ_FIRST)];
	p->last_name = EQ_LAST[(x >> 11) % ARRAY_SIZE(EQ_LAST)];
	if (i % 13 != 0)
		snprintf(bufs[0], 64, "R%d", i % 97 == 0 && i > 50 ? i - 50 : i);
	else
		bufs[0][0] = '\0';
	if (i % 89 == 0)
		snprintf(bufs[0], 64, "K%d", i % 20); /* a stored person's id */
	if (i % 31 == 0)
		snprintf(bufs[1], 64, "fam%d@example.dk", i / 200);
	else if (i % 7 != 0)
		snprintf(bufs[1], 64, "p%d@example.dk", i % 53 == 0 ? i % 20 : i);
	else
		bufs[1][0] = '\0';
	if (i % 41 == 0)
		snprintf(bufs[2], 64, "%d", 30000000 + i % 5);
	else if (i % 3 == 0)
		snprintf(bufs[2], 64, "%d", 20000000 + i);
	else
		bufs[2][0] = '\0';
	snprintf(bufs[3], 64, "%d", 1000 + i % 9000);
	/* Rows whose one key is a stored person's and no other row's. */
	if (i == 777)
		snprintf(bufs[1], 64, "solo@example.dk");
	if (i == 778)
		snprintf(bufs[2], 64, "40000000");
	if (i == 781)
		snprintf(bufs[0], 64, "KSOLO");
	p->external_id = bufs[0];
	p->email = bufs[1];
	p->phone = bufs[2];
	p->postcode = bufs[3];
}

/* People stored before the import: an earlier roster's ids, emails and phones. */
static void eq_known(struct store *s, const struct clock *c)
{
	assert_int_equal(store_tx_begin(s), 0);
	for (int i = 0; i < 20; i++) {
		char ext[16], email[32], phone[16];
		snprintf(ext, sizeof(ext), "K%d", i);
		snprintf(email, sizeof(email), "p%d@example.dk", i);
		snprintf(phone, sizeof(phone), "%d", 30000000 + i);
		struct people_in k = { .first_name = "Known", .last_name = "Person",
				       .external_id = i % 2 ? ext : "", .email = i % 3 ? email : "",
				       .phone = phone };
		assert_true(people_upsert(s, c, &k, NULL) >= 0);
	}
	struct people_in solo[3] = {
		{ .first_name = "Solo", .email = "solo@example.dk" },
		{ .first_name = "Solo", .phone = "40000000" },
		{ .first_name = "Solo", .external_id = "KSOLO" },
	};
	for (int i = 0; i < 3; i++)
		assert_true(people_upsert(s, c, &solo[i], NULL) >= 0);
	assert_int_equal(store_tx_commit(s), 0);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The people (every column that merging decides) and their search tokens, as one string; ids
 * are left out: the bulk path numbers its new people before the merged rows' new ones. */
static char *eq_digest(struct store *s)
{
	static const char sql[] =
		"SELECT id, coalesce(external_id, '-') || ';' || "
		" first_name || ';' || last_name || ';' || coalesce(email, '-') || ';' || "
		" coalesce(phone, '-') || ';' || coalesce(postcode, '-') || ';' || source AS r "
		" FROM person p ORDER BY r";
	const struct people_index *ix = people_index_of(s);
	assert_non_null(ix);
	struct store_stmt *st = store_stmt(s, sql);
	assert_non_null(st);
	size_t cap = 1 << 16, len = 0;
	char *d = xcalloc(1, cap);
	while (store_step(st) == STORE_ROW) {
		const char *toks[TEXTNORM_TOKENS_MAX];
		int n = people_index_tokens(ix, store_col_int(st, 0), toks, TEXTNORM_TOKENS_MAX);
		qsort(toks, (size_t)n, sizeof(*toks), str_cmp);
		char line[4096];
		int o = snprintf(line, sizeof(line), "%s;", store_col_text(st, 1));
		for (int i = 0; i < n; i++)
			o += snprintf(line + o, sizeof(line) - (size_t)o, "%s%s", i ? "," : "", toks[i]);
		while (len + (size_t)o + 2 > cap) {
			cap *= 2;
			d = xrealloc(d, cap);
		}
		memcpy(d + len, line, (size_t)o);
		len += (size_t)o;
		d[len++] = '\n';
		d[len] = '\0';
	}
	store_reset(st);
	return d;
}

static void bulk_merge_matches(struct fx *f, int known)
{
	/* The roster as a file for the importer ... */
	size_t cap = (size_t)EQ_ROWS * 128 + 128, len = 0;
	char *csv = xcalloc(1, cap);
	len += (size_t)snprintf(csv, cap, "First;Last;Email;Phone;Postcode;RSVP\n");
	for (int i = 0; i < EQ_ROWS; i++) {
		struct people_in p;
		char b[4][64];
		eq_row(i, &p, b);
		len += (size_t)snprintf(csv + len, cap - len, "%s;%s;%s;%s;%s;%s\n", p.first_name,
					p.last_name, p.email, p.phone, p.postcode, p.external_id);
	}
	if (known)
		eq_known(f->s, &f->c);
	assert_int_equal(import_mem(f, csv, len, NULL), 0);
	assert_int_equal(f->r.rejected, 0);
	assert_true(q(f, "SELECT count(*) FROM person") > EQ_ROWS / 2);

	/* ... and the same rows through people_upsert() one by one, in another store. */
	char *dir = tu_tempdir();
	struct store *s2 = store_open(dir);
	assert_non_null(s2);
	if (known)
		eq_known(s2, &f->c);
	long n[3] = {0};
	assert_int_equal(store_tx_begin(s2), 0);
	for (int i = 0; i < EQ_ROWS; i++) {
		struct people_in p;
		char b[4][64];
		eq_row(i, &p, b);
		int u = people_upsert(s2, &f->c, &p, NULL);
		assert_true(u >= 0 && u <= 2);
		n[u]++;
	}
	assert_int_equal(store_tx_commit(s2), 0);
	assert_int_equal(f->r.imported, n[PEOPLE_INSERTED]);
	assert_int_equal(f->r.merged, n[PEOPLE_MERGED]);
	assert_int_equal(f->r.unchanged, n[PEOPLE_UNCHANGED]);
	assert_true(n[PEOPLE_MERGED] > 50);
	char *a = eq_digest(f->s), *b = eq_digest(s2);
	assert_string_equal(a, b);
	/* The indexes the bulk path dropped are back, and the store is whole. */
	assert_int_equal(q(f, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
			      "('person_email', 'person_phone', 'person_external', 'person_rev')"), 4);
	assert_true(store_integrity_ok(f->s));
	assert_int_equal(q(f, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	assert_int_equal(q(f, "SELECT count(DISTINCT uuid) FROM person"),
			 q(f, "SELECT count(*) FROM person"));
	free(a);
	free(b);
	store_close(s2);
	tu_rmtree(dir);
	free(dir);
	free(csv);
}

static void bulk_merge_is_row_by_row(void **state)
{
	bulk_merge_matches(*state, 1);
}

/* Into an empty table the rows can only merge among themselves: the same people. */
static void first_import_is_row_by_row(void **state)
{
	bulk_merge_matches(*state, 0);
}

/* A first roster whose rows share no key is inserted by one statement per chunk: ids in file
 * order, uuids that sort as the ids do (v7: time, then the load's counter), the search finds
 * them. */
static void first_import_without_shared_keys(void **state)
{
	struct fx *f = *state;
	enum { N = 12000 };
	size_t cap = (size_t)N * 64 + 64, len = 0;
	char *csv = xcalloc(1, cap);
	len += (size_t)snprintf(csv, cap, "First;Last;Email;Phone;RSVP\n");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(csv + len, cap - len, "P%d;Berg;p%d@example.dk;%s;R%d\n", i,
					i, i % 3 ? "" : "+45 12345678", i);
	/* Every third row shares the phone: those merge, the rest do not. */
	assert_int_equal(import_mem(f, csv, len, NULL), 0);
	long imported = f->r.imported, merged = f->r.merged;
	assert_int_equal(imported + merged + f->r.unchanged, N);
	assert_int_equal(store_exec(f->s, "DELETE FROM person"), 0);
	len = (size_t)snprintf(csv, cap, "First;Last;Email;RSVP\n");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(csv + len, cap - len, "P%d;Berg;p%d@example.dk;R%d\n", i, i, i);
	assert_int_equal(import_mem(f, csv, len, NULL), 0);
	assert_int_equal(f->r.imported, N);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE id = CAST(substr(external_id, 2)"
			      " AS INTEGER) + 1 AND first_name = 'P' || (id - 1)"), N);
	assert_int_equal(q(f, "SELECT count(*) FROM (SELECT id, row_number() OVER (ORDER BY uuid)"
			      " AS r FROM person) WHERE r = id"), N);
	assert_int_equal(q(f, "SELECT count(*) FROM person WHERE length(uuid) = 36 AND "
			      "substr(uuid, 15, 1) = '7' AND substr(uuid, 20, 1) IN ('8', '9', 'a', 'b')"
			      " AND substr(uuid, 9, 1) = '-' AND substr(uuid, 24, 1) = '-'"), N);
	assert_int_equal(q(f, "SELECT count(DISTINCT uuid) FROM person"), N);
	struct people_result r[4];
	assert_int_equal(people_search(f->s, "e", "p11999", r, 4), 1);
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(excel_danish_cp1252, setup, teardown),
		cmocka_unit_test_setup_teardown(excel_swedish_bom, setup, teardown),
		cmocka_unit_test_setup_teardown(platform_export_quotes_and_extra_columns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reimport_changes_nothing_and_update_merges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(full_name_tab_and_pack_map, setup, teardown),
		cmocka_unit_test_setup_teardown(unbalanced_quote_loses_no_good_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicates_and_invalid_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_header_only_no_names, setup, teardown),
		cmocka_unit_test_setup_teardown(huge_field_and_binary_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(file_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(import_command, setup, teardown),
		cmocka_unit_test_setup_teardown(rsvp_column_names, setup, teardown),
		cmocka_unit_test_setup_teardown(column_report, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_contact_keeps_person, setup, teardown),
		cmocka_unit_test_setup_teardown(bulk_merge_is_row_by_row, setup, teardown),
		cmocka_unit_test_setup_teardown(first_import_is_row_by_row, setup, teardown),
		cmocka_unit_test_setup_teardown(first_import_without_shared_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(unclosed_quote_reported_at_its_line, setup,
						teardown),
	};
	return RUN_TESTS(tests);
}
