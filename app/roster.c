#include "roster.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "core/import.h"
#include "pack.h"
#include "people.h"
#include "store.h"
#include "textnorm.h"
#include "util.h"

#include <csv.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LINE_CAP (64 * 1024)      /* a physical line longer than this is rejected */
#define RECORD_BYTES_MAX (16 * 1024)
#define RECORD_LINES_MAX 64
#define FIELDS_MAX 128            /* columns kept per row; more are ignored */
#define RECBUF_MAX (FIELDS_MAX * 256 + RECORD_BYTES_MAX)

/* libcsv's parser state ROW_NOT_BEGUN (libcsv.c): the parser is between records. The value
 * has been 0 since libcsv 1.0; struct csv_parser is public in csv.h. */
#define CSV_STATE_BETWEEN_ROWS 0

enum field { F_NONE, F_FIRST, F_LAST, F_NAME, F_EMAIL, F_PHONE, F_POSTCODE, F_EXT, F_COUNT };

static const char *const FIELD_NAMES[F_COUNT] = {
	"", "first name", "last name", "name", "email", "phone", "postcode", "id"
};

/* What the report says a column was read as. */
static const char *const COLUMN_AS[F_COUNT] = {
	"ignored", "first name", "last name", "full name", "email", "phone", "postcode",
	"registration id (RSVP)"
};

/* Known headers, folded (textnorm PRIMARY) with spaces removed. */
static const struct {
	const char *header;
	enum field f;
} HEADERS[] = {
	{"firstname", F_FIRST}, {"first", F_FIRST}, {"givenname", F_FIRST}, {"given", F_FIRST},
	{"forename", F_FIRST}, {"fornavn", F_FIRST}, {"fornamn", F_FIRST}, {"fname", F_FIRST},
	{"lastname", F_LAST}, {"last", F_LAST}, {"familyname", F_LAST}, {"family", F_LAST},
	{"surname", F_LAST}, {"efternavn", F_LAST}, {"efternamn", F_LAST}, {"lname", F_LAST},
	{"name", F_NAME}, {"navn", F_NAME}, {"namn", F_NAME}, {"fullname", F_NAME},
	{"fuldtnavn", F_NAME}, {"fuldenavn", F_NAME}, {"fulltnamn", F_NAME},
	{"fullstandigtnamn", F_NAME},
	{"email", F_EMAIL}, {"emailaddress", F_EMAIL}, {"emailadresse", F_EMAIL},
	{"emailadress", F_EMAIL}, {"epost", F_EMAIL}, {"epostadress", F_EMAIL},
	{"epostadresse", F_EMAIL}, {"mail", F_EMAIL}, {"mailadresse", F_EMAIL},
	{"mailadress", F_EMAIL},
	{"phone", F_PHONE}, {"phonenumber", F_PHONE}, {"mobile", F_PHONE}, {"mobilephone", F_PHONE},
	{"mobil", F_PHONE}, {"mobilnummer", F_PHONE}, {"mobilnr", F_PHONE}, {"telefon", F_PHONE},
	{"telefonnummer", F_PHONE}, {"telefonnr", F_PHONE}, {"tlf", F_PHONE}, {"tlfnr", F_PHONE},
	{"tel", F_PHONE}, {"telephone", F_PHONE}, {"cell", F_PHONE}, {"cellphone", F_PHONE},
	{"zip", F_POSTCODE}, {"zipcode", F_POSTCODE}, {"postcode", F_POSTCODE},
	{"postalcode", F_POSTCODE}, {"postnummer", F_POSTCODE}, {"postnr", F_POSTCODE},
	{"id", F_EXT}, {"externalid", F_EXT}, {"code", F_EXT}, {"kode", F_EXT}, {"kod", F_EXT},
	{"nr", F_EXT}, {"no", F_EXT}, {"number", F_EXT}, {"nummer", F_EXT}, {"qrcode", F_EXT},
	{"barcode", F_EXT}, {"stregkode", F_EXT}, {"streckkod", F_EXT}, {"personid", F_EXT},
};

/* The registration id (RSVP) has as many names as there are platforms: a stem ("Ticket",
 * "Medlems", "Anmälnings") alone or followed by a suffix ("number", "nr.", "-id", "kode"),
 * folded like HEADERS ("Billet nr." -> "billetnr", "Anmälningsnummer" -> "anmalningsnummer"). */
static const char *const ID_STEMS[] = {
	"rsvp", "registration", "registrations", "registrering", "registrerings", "tilmelding",
	"tilmeldings", "anmalan", "anmalnings", "anmalning", "ticket", "billet", "billets",
	"biljett", "biljetts", "member", "membership", "medlem", "medlems", "booking", "bokning",
	"booknings", "boknings", "order", "ordre", "attendee", "participant", "deltager",
	"deltagar", "deltagare", "confirmation", "bekraftelse", "bekraftelses", "reference", "ref",
	"referens", "referense", "invitation", "invitations", "inbjudan", "inbjudnings",
	"signup", "pamelding", "external", "event", "guest", "gast", "gaste", "gastes",
};
static const char *const ID_SUFFIXES[] = {
	"", "id", "nr", "no", "number", "num", "nummer", "code", "kode", "kod", "ref",
	"reference", "key", "token",
};

static int is_id_header(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(ID_STEMS); i++) {
		size_t n = strlen(ID_STEMS[i]);
		if (strncmp(key, ID_STEMS[i], n) != 0)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(ID_SUFFIXES); k++) {
			/* "event" and "guest" alone are not ids ("Event", "Guest of"). */
			if (!ID_SUFFIXES[k][0] && (!strcmp(ID_STEMS[i], "event") ||
						   !strcmp(ID_STEMS[i], "guest") ||
						   !strcmp(ID_STEMS[i], "external") ||
						   !strcmp(ID_STEMS[i], "order")))
				continue;
			if (strcmp(key + n, ID_SUFFIXES[k]) == 0)
				return 1;
		}
	}
	return 0;
}

/* The pack's [roster] keys (pack.c ROSTER_FIELDS). */
static const struct {
	const char *key;
	enum field f;
} MAP_KEYS[] = {
	{"id", F_EXT}, {"external_id", F_EXT}, {"first_name", F_FIRST}, {"last_name", F_LAST},
	{"name", F_NAME}, {"email", F_EMAIL}, {"phone", F_PHONE}, {"postcode", F_POSTCODE},
};

struct fieldref {
	size_t off, len;
	int toolong;   /* over ROSTER_FIELD_MAX: content not kept */
};

struct reader {
	struct store *s;
	const struct clock *c;
	const struct pack *pack;
	struct roster_report *r;
	const char *name;

	struct csv_parser csv;
	unsigned char delim;
	FILE *f;

	/* the record being assembled */
	struct fieldref fields[FIELDS_MAX];
	int nf;
	char *buf;            /* RECBUF_MAX bytes */
	size_t used;
	int overflow;         /* more than RECBUF_MAX bytes */

	long lineno;          /* physical line being fed */
	long rec_line;        /* where the current record started */
	long restart_line;    /* the line after rec_line, and its byte offset: where parsing */
	long long restart_off; /* resumes when the record turns out to be broken */
	int rec_lines;
	size_t rec_bytes;

	int have_header;
	enum field cols[FIELDS_MAX];
	long rows;            /* data records seen */
	int no_names;         /* the header has no name column: nothing can be imported */
	int unclosed;         /* the record just read is an unclosed quote (data_record) */
	long unclosed_line;   /* ... starting on this line */
	int unclosed_lines;   /* ... and running over this many lines */
	int cancelled;        /* the hooks said stop */
	long staged;          /* rows given to the bulk merge (valid or not) */
	struct people_bulk *bulk; /* the staged rows, normalised (people.h people_bulk_*) */
	long long bytes, total; /* of the file, for progress */
	const struct roster_hooks *hooks;
	char headers[200];    /* the header line as read, for that message */
};

/* Adds a line to a list of ROSTER_MAX_REASONS (allocated on first use); *count counts all. */
static void note_v(struct roster_reject **list, int *n, long *count, long line, const char *fmt,
		   va_list ap)
{
	(*count)++;
	if (*n == ROSTER_MAX_REASONS)
		return;
	if (!*list)
		*list = xcalloc(ROSTER_MAX_REASONS, sizeof(**list));
	struct roster_reject *rj = &(*list)[(*n)++];
	rj->line = line;
	vsnprintf(rj->reason, sizeof(rj->reason), fmt, ap);
	/* Reasons quote file content: keep each on one line and valid UTF-8 when cut short. */
	size_t len = strlen(rj->reason);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)rj->reason[i] < 0x20 || rj->reason[i] == 0x7F)
			rj->reason[i] = '?';
	while (len > 0 && !utf8_valid(rj->reason, len))
		rj->reason[--len] = '\0';
}

static void reject(struct reader *im, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn_row(struct reader *im, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reject(struct reader *im, long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note_v(&im->r->reasons, &im->r->nreasons, &im->r->rejected, line, fmt, ap);
	va_end(ap);
}

static void warn_row(struct reader *im, long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note_v(&im->r->warnings, &im->r->nwarnings, &im->r->warned, line, fmt, ap);
	va_end(ap);
}

void roster_report_init(struct roster_report *r)
{
	memset(r, 0, sizeof(*r));
}

void roster_report_release(struct roster_report *r)
{
	free(r->reasons);
	r->reasons = NULL;
	r->nreasons = 0;
	free(r->warnings);
	r->warnings = NULL;
	r->nwarnings = 0;
}

static void record_clear(struct reader *im)
{
	im->nf = 0;
	im->used = 0;
	im->overflow = 0;
}

static void on_field(void *data, size_t len, void *arg)
{
	struct reader *im = arg;
	if (im->nf == FIELDS_MAX)
		return;
	struct fieldref *fr = &im->fields[im->nf++];
	fr->off = im->used;
	fr->len = 0;
	fr->toolong = len > ROSTER_FIELD_MAX;
	if (fr->toolong)
		return;
	if (im->used + len + 1 > RECBUF_MAX) {
		im->overflow = 1;
		return;
	}
	if (len)
		memcpy(im->buf + im->used, data, len);
	im->buf[im->used + len] = '\0';
	fr->len = len;
	im->used += len + 1;
}

/* Folds a header for comparison: "E-mail-adresse" -> "emailadresse". */
static void header_key(const char *h, char *out, size_t size)
{
	char tmp[256];
	textnorm_fold(h, TEXTNORM_PRIMARY, tmp, sizeof(tmp));
	size_t o = 0;
	for (const char *p = tmp; *p && o + 1 < size; p++)
		if (*p != ' ')
			out[o++] = *p;
	out[o] = '\0';
}

/* The text of field i as UTF-8 (Windows-1252 decoded when it is not valid UTF-8); *tofree gets
 * what to free. "" for a missing column. */
static const char *field_text(struct reader *im, int i, char **tofree)
{
	*tofree = NULL;
	if (i < 0 || i >= im->nf)
		return "";
	const char *t = im->buf + im->fields[i].off;
	size_t n = im->fields[i].len;
	if (utf8_valid(t, n))
		return t;
	im->r->cp1252_fields++;
	*tofree = cp1252_to_utf8(t, n);
	return *tofree;
}

/* Copies src into dst[size], cut at a character boundary, control characters as '?'. */
static void cut_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	while (n > 0 && !utf8_valid(dst, n))
		dst[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7F)
			dst[i] = '?';
}

static void header_record(struct reader *im)
{
	for (int i = 0; i < FIELDS_MAX; i++)
		im->cols[i] = F_NONE;
	int seen[F_COUNT] = {0};
	size_t hl = 0;
	im->headers[0] = '\0';
	for (int i = 0; i < im->nf; i++) {
		char *tf;
		char key[128];
		const char *h = field_text(im, i, &tf);
		if (hl + strlen(h) + 4 < sizeof(im->headers))
			hl += (size_t)str_fmt(im->headers + hl, sizeof(im->headers) - hl, "%s'%s'",
					      i ? ", " : "", h);
		header_key(h, key, sizeof(key));
		free(tf);
		enum field f = F_NONE;
		/* The pack's [roster] map first: it names headers the built-in list does not know. */
		for (int m = 0; im->pack && m < im->pack->nroster_map && f == F_NONE; m++) {
			char mk[128];
			header_key(im->pack->roster_map_header[m], mk, sizeof(mk));
			if (strcmp(mk, key) != 0)
				continue;
			for (size_t k = 0; k < ARRAY_SIZE(MAP_KEYS); k++)
				if (strcmp(MAP_KEYS[k].key, im->pack->roster_map_field[m]) == 0)
					f = MAP_KEYS[k].f;
		}
		for (size_t k = 0; k < ARRAY_SIZE(HEADERS) && f == F_NONE; k++)
			if (strcmp(HEADERS[k].header, key) == 0)
				f = HEADERS[k].f;
		if (f == F_NONE && is_id_header(key))
			f = F_EXT;
		const char *as = COLUMN_AS[F_NONE];
		if (f != F_NONE && !seen[f]) {
			seen[f] = 1;
			im->cols[i] = f;
			as = COLUMN_AS[f];
		} else if (f != F_NONE) {
			as = "ignored (a second column for the same field)";
		}
		struct roster_report *r = im->r;
		r->total_columns++;
		if (r->ncolumns < ROSTER_MAX_COLUMNS) {
			struct roster_column *col = &r->columns[r->ncolumns++];
			h = field_text(im, i, &tf);
			cut_copy(col->header, sizeof(col->header), h);
			free(tf);
			str_copy(col->as, sizeof(col->as), as);
		}
	}
	im->have_header = 1;
	im->no_names = !seen[F_FIRST] && !seen[F_NAME];
	im->r->has_id = seen[F_EXT];
}

static int col_of(const struct reader *im, enum field f)
{
	for (int i = 0; i < im->nf && i < FIELDS_MAX; i++)
		if (im->cols[i] == f)
			return i;
	return -1;
}

/* ---- staging: the rows of the file, in memory until the merge (people_bulk_add()) ---- */

static void progress(struct reader *im, int saving, long merged)
{
	if (!im->hooks)
		return;
	if (im->hooks->progress) {
		struct roster_progress p = {
			.saving = saving, .rows = im->rows, .bytes = im->bytes, .total = im->total,
			.merged = merged,
		};
		im->hooks->progress(im->hooks->ctx, &p);
	}
	if (im->hooks->cancelled && im->hooks->cancelled(im->hooks->ctx))
		im->cancelled = 1;
}

static void stage_row(struct reader *im, long line, const struct people_in *p)
{
	/* Normalised and checked here, once: a row that people_upsert() would refuse is rejected
	 * with its line now, and the merge reads the rows in the form stored. Nothing is written
	 * to the database while the file is read: the door's check-ins go on meanwhile. */
	if (people_bulk_add(im->bulk, p) == PEOPLE_INVALID)
		reject(im, line, "%s", err_msg());
	im->staged++;
	if (im->hooks && im->hooks->kill_phase == 1 && im->staged == im->hooks->kill_after_rows)
		raise(SIGKILL);
}

static void data_record(struct reader *im)
{
	long line = im->rec_line;
	int blank = 1;
	for (int i = 0; i < im->nf && blank; i++) {
		const char *t = im->buf + im->fields[i].off;
		for (size_t k = 0; k < im->fields[i].len; k++)
			if (t[k] != ' ' && t[k] != '\t')
				blank = 0;
		if (im->fields[i].toolong)
			blank = 0;
	}
	if (blank)
		return; /* an empty line or ";;;;" from Excel */
	/* A name, email, phone or id never holds a line break: a quoted field that does is an
	 * unclosed quote that swallowed the rows after it until the next quote closed it. */
	for (int i = 0; i < im->nf && i < FIELDS_MAX && im->rec_lines > 1; i++) {
		const char *t = im->buf + im->fields[i].off;
		if (im->cols[i] != F_NONE && !im->fields[i].toolong &&
		    (memchr(t, '\n', im->fields[i].len) || memchr(t, '\r', im->fields[i].len))) {
			im->unclosed = 1;
			im->unclosed_line = line;
			im->unclosed_lines = im->rec_lines;
			return;
		}
	}
	im->rows++;
	if (im->rows > ROSTER_ROWS_MAX) {
		str_fmt(im->r->stopped, sizeof(im->r->stopped),
			"more than %ld rows: stopped at line %ld (the rows before it are imported)",
			ROSTER_ROWS_MAX, line);
		return;
	}
	if (im->overflow) {
		reject(im, line, "the row is longer than %d bytes", RECBUF_MAX);
		return;
	}
	for (int i = 0; i < im->nf && i < FIELDS_MAX; i++) {
		if (im->cols[i] == F_NONE)
			continue;
		if (im->fields[i].toolong) {
			reject(im, line, "the %s is longer than %d bytes", FIELD_NAMES[im->cols[i]],
			       ROSTER_FIELD_MAX);
			return;
		}
		if (memchr(im->buf + im->fields[i].off, '\0', im->fields[i].len)) {
			reject(im, line, "the %s contains a NUL byte (binary data?)",
			       FIELD_NAMES[im->cols[i]]);
			return;
		}
	}
	char *free_[F_COUNT] = {0};
	const char *v[F_COUNT];
	for (int f = 1; f < F_COUNT; f++)
		v[f] = field_text(im, col_of(im, (enum field)f), &free_[f]);
	char *split = NULL;
	struct people_in p = {
		.external_id = v[F_EXT], .first_name = v[F_FIRST], .last_name = v[F_LAST],
		.email = v[F_EMAIL], .phone = v[F_PHONE], .postcode = v[F_POSTCODE],
	};
	if (col_of(im, F_FIRST) < 0 || (!*v[F_FIRST] && *v[F_NAME])) {
		/* A full name: the last name is after the last space ("Anne Marie Holm"), or before
		 * a comma ("Holm, Anne Marie"). */
		split = xstrdup(v[F_NAME]);
		str_trim(split);
		char *comma = strchr(split, ',');
		char *sp = strrchr(split, ' ');
		int want_last = !*v[F_LAST] || col_of(im, F_LAST) < 0;
		p.first_name = split;
		if (comma && want_last) {
			*comma = '\0';
			p.first_name = str_trim(comma + 1);
			p.last_name = str_trim(split);
		} else if (sp && want_last) {
			*sp = '\0';
			p.last_name = sp + 1;
			str_trim(split);
		}
	}
	/* A bad email or phone does not cost the person: it is kept without it, with a warning. */
	char mail[320], norm[32];
	if (str_copy(mail, sizeof(mail), p.email) == 0) {
		str_trim(mail);
		for (char *m = mail; *m; m++)
			if (*m >= 'A' && *m <= 'Z')
				*m = (char)(*m - 'A' + 'a');
		if (mail[0] && !people_email_valid(mail)) {
			warn_row(im, line, "invalid email '%.40s': the person is kept without it", mail);
			p.email = "";
		}
	}
	str_copy(mail, sizeof(mail), p.phone);
	str_trim(mail);
	if (mail[0] && people_phone_norm(mail, norm, sizeof(norm)) < 0) {
		warn_row(im, line, "invalid phone '%.30s': the person is kept without it", mail);
		p.phone = "";
	}
	stage_row(im, line, &p);
	free(split);
	for (int f = 0; f < F_COUNT; f++)
		free(free_[f]);
}

static void on_record(int c, void *arg)
{
	struct reader *im = arg;
	(void)c;
	if (im->r->stopped[0] || im->no_names || im->cancelled || im->unclosed) {
		record_clear(im);
		return;
	}
	if (!im->have_header) {
		if (im->nf > 0)
			header_record(im);
	} else {
		data_record(im);
	}
	record_clear(im);
	/* A record may end before the line does (a lone CR): the next one starts on this line. */
	im->rec_line = im->lineno;
	im->rec_lines = 0;
	im->rec_bytes = 0;
}

static int is_space_char(unsigned char c)
{
	return c == ' ';
}

static void parser_start(struct reader *im, int strict)
{
	if (csv_init(&im->csv, strict ? CSV_STRICT | CSV_STRICT_FINI : 0) != 0)
		die("out of memory");
	csv_set_delim(&im->csv, im->delim);
	/* With a tab delimiter a tab is not white space to trim. Otherwise libcsv's own test (space
	 * or tab, inline) instead of a call per byte of the file. */
	csv_set_space_func(&im->csv, im->delim == '\t' ? is_space_char : NULL);
	record_clear(im);
}

static void parser_restart(struct reader *im)
{
	csv_free(&im->csv);
	parser_start(im, 1);
}

/* Reads one physical line (ending in LF, CRLF or a lone CR) into line[LINE_CAP]. Returns its
 * length in the file (0 at EOF); *kept is how much is in line, *overlong when it was cut. */
static size_t read_line(FILE *f, char *line, size_t *kept, int *overlong)
{
	size_t n = 0, k = 0;
	int c;
	*overlong = 0;
	while ((c = getc_unlocked(f)) != EOF) {
		n++;
		if (k < LINE_CAP)
			line[k++] = (char)c;
		else
			*overlong = 1;
		if (c == '\n')
			break;
		if (c == '\r') {
			int d = getc_unlocked(f);
			if (d == '\n') {
				n++;
				if (k < LINE_CAP)
					line[k++] = '\n';
			} else if (d != EOF) {
				ungetc(d, f);
			}
			break;
		}
	}
	*kept = k;
	return n;
}

/* Picks the delimiter from the header line: the most common of ; tab , outside quotes. */
static unsigned char sniff_delim(const char *line, size_t n)
{
	int semi = 0, tab = 0, comma = 0, q = 0;
	for (size_t i = 0; i < n; i++) {
		if (line[i] == '"')
			q = !q;
		else if (!q && line[i] == ';')
			semi++;
		else if (!q && line[i] == '\t')
			tab++;
		else if (!q && line[i] == ',')
			comma++;
	}
	if (semi >= tab && semi >= comma && semi > 0)
		return ';';
	if (tab >= comma && tab > 0)
		return '\t';
	return ',';
}

/* Feeds one line to a throwaway lenient parser: a single-line record with a stray quote
 * ('Hans "Hansi" Jensen') is read as written. 1 when that gave a whole record. */
static int lenient_line(struct reader *im, const char *line, size_t n)
{
	csv_free(&im->csv);
	parser_start(im, 0);
	int ok = csv_parse(&im->csv, line, n, on_field, on_record, im) == n &&
		 im->csv.pstate == CSV_STATE_BETWEEN_ROWS;
	if (!ok)
		record_clear(im);
	parser_restart(im);
	return ok;
}

static int import_stream(struct reader *im, long long total)
{
	int ret = -1;
	char *line = xmalloc(LINE_CAP);
	im->buf = xmalloc(RECBUF_MAX);
	long long off = 0, read_total = 0;
	size_t kept;
	int overlong;

	/* BOM and delimiter: peek at the first line, then start over after the BOM. */
	size_t n = read_line(im->f, line, &kept, &overlong);
	if (n == 0) {
		err_set("'%s' is empty", im->name);
		goto out;
	}
	if (kept >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		im->r->bom = 1;
		off = 3;
	}
	im->delim = sniff_delim(line + off, kept - (size_t)off);
	im->r->delimiter = (char)im->delim;
	if (fseeko(im->f, off, SEEK_SET) < 0) {
		err_set("cannot read '%s': %s", im->name, strerror(errno));
		goto out;
	}
	parser_start(im, 1);
	im->lineno = 0;
	im->rec_line = 1;
	for (;;) {
		if (im->r->stopped[0] || im->no_names || im->cancelled)
			break;
		n = read_line(im->f, line, &kept, &overlong);
		if (n == 0) {
			if (im->csv.pstate == CSV_STATE_BETWEEN_ROWS || !im->csv.quoted)
				break;
			/* The file ends inside a quoted field: reject that record and read what
			 * follows its first line again. */
			if (!im->have_header) {
				err_set("'%s': cannot read the header line: a quoted field is not closed",
					im->name);
				goto out;
			}
			reject(im, im->rec_line, "a quoted field is not closed (unbalanced quote)");
			parser_restart(im);
			if (im->rec_lines <= 1 || im->restart_off >= off)
				break;
			if (fseeko(im->f, im->restart_off, SEEK_SET) < 0) {
				err_set("cannot read '%s': %s", im->name, strerror(errno));
				goto out;
			}
			off = im->restart_off;
			im->lineno = im->restart_line - 1;
			continue;
		}
		im->lineno++;
		off += (long long)n;
		read_total += (long long)n;
		if (off > im->bytes)
			im->bytes = off;
		/* By lines, not rows kept: a file of rejected rows is cancellable too. */
		if (im->lineno % ROSTER_PROGRESS_ROWS == 0) {
			progress(im, 0, 0);
			if (im->cancelled)
				break;
		}
		/* Restarts after broken records re-read lines; bound the extra work. */
		if (read_total > 4 * total + LINE_CAP * 16) {
			str_fmt(im->r->stopped, sizeof(im->r->stopped),
				"too many badly quoted lines: stopped at line %ld", im->lineno);
			break;
		}
		if (im->csv.pstate == CSV_STATE_BETWEEN_ROWS) {
			im->rec_line = im->lineno;
			im->restart_line = im->lineno + 1;
			im->restart_off = off;
			im->rec_lines = 0;
			im->rec_bytes = 0;
		}
		im->rec_lines++;
		im->rec_bytes += n;
		const char *why = NULL;
		if (overlong) {
			why = "the line is longer than 64 KiB";
		} else if (csv_parse(&im->csv, line, kept, on_field, on_record, im) != kept) {
			if (im->rec_lines == 1 && lenient_line(im, line, kept))
				continue;
			why = "a quoted field is not closed properly (unbalanced quote?)";
		} else if (im->csv.pstate != CSV_STATE_BETWEEN_ROWS && kept > 0 &&
			   (line[kept - 1] == '\n' || line[kept - 1] == '\r') &&
			   (im->rec_lines > RECORD_LINES_MAX || im->rec_bytes > RECORD_BYTES_MAX)) {
			why = "a quoted field runs on for too long (unbalanced quote?)";
		}
		if (im->unclosed) {
			/* A quoted name, email, phone or id ran over several lines and was closed
			 * by a later quote: reject the record where the quote opened and read the
			 * lines it swallowed again. */
			im->unclosed = 0;
			reject(im, im->unclosed_line, "a quoted field is not closed: its quote runs on "
			       "to line %ld (unclosed quote)", im->lineno);
			parser_restart(im);
			if (fseeko(im->f, im->restart_off, SEEK_SET) < 0) {
				err_set("cannot read '%s': %s", im->name, strerror(errno));
				goto out;
			}
			off = im->restart_off;
			im->lineno = im->restart_line - 1;
			continue;
		}
		if (!why)
			continue;
		if (!im->have_header) {
			err_set("'%s': cannot read the header line: %s", im->name, why);
			goto out;
		}
		reject(im, im->rec_line, "%s", why);
		parser_restart(im);
		if (im->rec_lines > 1) {
			/* Resume on the line after the broken record's first line. */
			if (fseeko(im->f, im->restart_off, SEEK_SET) < 0) {
				err_set("cannot read '%s': %s", im->name, strerror(errno));
				goto out;
			}
			off = im->restart_off;
			im->lineno = im->restart_line - 1;
		}
	}
	if (!im->r->stopped[0] && !im->no_names && !im->cancelled)
		csv_fini(&im->csv, on_field, on_record, im);
	if (im->cancelled) {
		err_set("the import of '%s' was cancelled", im->name);
		goto out;
	}
	if (im->no_names) {
		err_set("'%s' has no column for the first name or the name (its header line: %s); "
			"name one in event.ini [roster], e.g. first_name = Header", im->name,
			im->headers);
		goto out;
	}
	if (!im->have_header) {
		err_set("'%s' has no header line", im->name);
		goto out;
	}
	ret = 0;
out:
	csv_free(&im->csv);
	free(line);
	free(im->buf);
	im->buf = NULL;
	return ret;
}

static int reject_cmp(const void *a, const void *b)
{
	const struct roster_reject *x = a, *y = b;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* For people_bulk_finish(): counts each row's outcome, reports progress, polls for a cancel
 * and serves the kill tests, as every row merged does. */
struct merge_state {
	struct reader *im;
	long merged;
};

static int merged_row(struct merge_state *m)
{
	const struct roster_hooks *h = m->im->hooks;
	m->merged++;
	if (h && h->kill_phase == 2 && m->merged == h->kill_after_rows)
		raise(SIGKILL);
	if (m->merged % ROSTER_PROGRESS_ROWS == 0) {
		progress(m->im, 1, m->merged);
		if (m->im->cancelled)
			return err_set("the import of '%s' was cancelled", m->im->name);
	}
	return 0;
}

static int on_merged(void *ctx, int status)
{
	struct merge_state *m = ctx;
	struct roster_report *r = m->im->r;
	if (status == PEOPLE_INSERTED)
		r->imported++;
	else if (status == PEOPLE_MERGED)
		r->merged++;
	else
		r->unchanged++;
	return merged_row(m);
}

/* Merges the staged rows into the person table in one transaction, through the people module's
 * bulk merge (people.h): rows that cannot merge with anything are inserted set-based, the rest
 * go through people_upsert()'s rules in file order. */
static int merge(struct reader *im)
{
	struct store *s = im->s;
	struct roster_report *r = im->r;
	const struct roster_hooks *h = im->hooks;
	struct merge_state m = { .im = im };
	int ret = -1, rc, fk_off = 0;
	/* One transaction for the whole roster: each page reaches the WAL about once, instead of
	 * once per 5,000-row commit (12 GB written for 1,000,000 rows before, 1.7 GB then). A larger
	 * page cache was measured again with the bulk merge (64 MB) and bought nothing at 1,000,000
	 * rows nor at 100,000, so the store's 16 MB stays. */
	progress(im, 1, 0);
	if (im->cancelled) {
		err_set("the import of '%s' was cancelled", im->name);
		goto out;
	}
	/* Foreign keys are not checked while merging: the merge writes tokens only for people it
	 * has just written and deletes nobody, and the parent lookup per token was 40 % of the
	 * token insert (0.4 s of 1.0 s at 100,000 rows). The pragma is a no-op inside a
	 * transaction, so it is set around it and restored at out:. */
	if (store_exec(s, "PRAGMA foreign_keys = OFF") < 0)
		goto out;
	fk_off = 1;
	if (store_tx_begin(s) < 0)
		goto out;
	rc = people_bulk_finish(im->bulk, on_merged, &m);
	im->bulk = NULL;
	if (rc < 0)
		goto fail;
	if (r->reasons)
		qsort(r->reasons, (size_t)r->nreasons, sizeof(*r->reasons), reject_cmp);
	if (h && h->before_commit && h->before_commit(h->ctx, s, r) < 0)
		goto fail;
	if (h && h->kill_phase == 3)
		raise(SIGKILL);
	if (store_tx_commit(s) < 0)
		goto out;
	progress(im, 1, m.merged);
	ret = 0;
	goto out;
fail:
	store_tx_rollback(s);
out:
	/* Cannot fail in practice (no transaction is open and the pragma does no I/O); if it did,
	 * the roster is committed all the same, so the result stands. */
	if (fk_off)
		store_exec(s, "PRAGMA foreign_keys = ON");
	if (ret < 0)
		r->imported = r->merged = r->unchanged = 0;
	return ret;
}

static int import_file(struct store *s, const struct clock *c, const char *name, FILE *f,
		       long long total, const struct pack *pack, const struct roster_hooks *h,
		       struct roster_report *r)
{
	struct reader *im = xcalloc(1, sizeof(*im));
	im->s = s;
	im->c = c;
	im->pack = pack;
	im->r = r;
	im->name = name;
	im->f = f;
	im->hooks = h;
	im->total = total;
	im->bulk = people_bulk_begin(s, c);
	int rc = im->bulk ? 0 : -1;
	if (rc == 0)
		rc = import_stream(im, total);
	if (rc == 0)
		rc = merge(im);
	people_bulk_abort(im->bulk); /* when merge() did not get to finish it */
	free(im);
	return rc;
}

int roster_import(struct store *s, const struct clock *c, const char *path,
		  const struct pack *pack, struct roster_report *r)
{
	return roster_import_ex(s, c, path, pack, NULL, r);
}

int roster_import_ex(struct store *s, const struct clock *c, const char *path,
		     const struct pack *pack, const struct roster_hooks *h,
		     struct roster_report *r)
{
	struct stat sb;
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return err_set("cannot read '%s': not a regular file", path);
	}
	if (sb.st_size > ROSTER_FILE_MAX) {
		fclose(f);
		return err_set("'%s' is %lld MB; a roster may be at most %ld MB", path,
			       (long long)sb.st_size / (1024 * 1024), ROSTER_FILE_MAX / (1024 * 1024));
	}
	int rc = import_file(s, c, path, f, (long long)sb.st_size, pack, h, r);
	fclose(f);
	return rc;
}

int roster_import_mem(struct store *s, const struct clock *c, const char *name,
		      const void *data, size_t len, const struct pack *pack,
		      struct roster_report *r)
{
	if (len == 0)
		return err_set("'%s' is empty", name);
	if (len > (size_t)ROSTER_FILE_MAX)
		return err_set("'%s' is larger than %ld MB", name, ROSTER_FILE_MAX / (1024 * 1024));
	FILE *f = fmemopen((void *)data, len, "rb");
	if (!f)
		return err_set("cannot read '%s': %s", name, strerror(errno));
	int rc = import_file(s, c, name, f, (long long)len, pack, NULL, r);
	fclose(f);
	return rc;
}

void roster_report_print(const struct roster_report *r, const char *name, void *fp)
{
	FILE *f = fp;
	fprintf(f, "%s: %ld imported, %ld merged, %ld rejected", name, r->imported, r->merged,
		r->rejected);
	if (r->unchanged)
		fprintf(f, " (%ld unchanged)", r->unchanged);
	if (r->warned)
		fprintf(f, ", %ld kept without an invalid email or phone", r->warned);
	fputc('\n', f);
	for (int i = 0; i < r->ncolumns; i++)
		fprintf(f, "%s: column %d '%s': %s\n", name, i + 1, r->columns[i].header,
			r->columns[i].as);
	if (r->total_columns > r->ncolumns)
		fprintf(f, "%s: %d more columns ignored\n", name, r->total_columns - r->ncolumns);
	if (r->ncolumns && !r->has_id)
		fprintf(f, "%s: warning: no column was read as the registration id (RSVP), so "
			"codes cannot be scanned at the door; name it in event.ini [roster], e.g. "
			"id = Header\n", name);
	for (int i = 0; i < r->nreasons; i++)
		fprintf(f, "%s:%ld: rejected: %s\n", name, r->reasons[i].line, r->reasons[i].reason);
	if (r->rejected > r->nreasons)
		fprintf(f, "%s: %ld more rejected rows not listed\n", name, r->rejected - r->nreasons);
	for (int i = 0; i < r->nwarnings; i++)
		fprintf(f, "%s:%ld: warning: %s\n", name, r->warnings[i].line, r->warnings[i].reason);
	if (r->warned > r->nwarnings)
		fprintf(f, "%s: %ld more warnings not listed\n", name, r->warned - r->nwarnings);
	if (r->stopped[0])
		fprintf(f, "%s: %s\n", name, r->stopped);
	if (r->cp1252_fields)
		fprintf(f, "%s: note: %ld fields were not UTF-8 and were read as Windows-1252\n",
			name, (long)r->cp1252_fields);
}

size_t roster_report_format(const struct roster_report *r, const char *name, char *buf,
			    size_t size)
{
	if (size == 0)
		return 0;
	buf[0] = '\0';
	FILE *f = fmemopen(buf, size, "w");
	if (!f)
		return 0;
	/* fmemopen keeps the last byte for the NUL; a full buffer is cut at its last line. */
	roster_report_print(r, name, f);
	fclose(f);
	buf[size - 1] = '\0';
	size_t n = strlen(buf);
	if (n == size - 1) {
		char *nl = strrchr(buf, '\n');
		n = nl ? (size_t)(nl - buf) + 1 : 0;
		buf[n] = '\0';
	}
	return n;
}

/* barnstorm import PACK|FILE.csv --data DIR
 * Prints the report (counts, every column with what it was read as, rejected rows, warnings).
 * A pack's roster is recorded with its signature (core/import.h), so the kiosk does not import
 * the same file again at start.
 * Exit status: 0 when the file was read (rows may have been rejected: the report lists them),
 * 1 when it could not be read at all, 2 on a usage error. */
int cmd_import(int argc, char **argv)
{
	struct cli cli;
	if (cli_parse(argc, argv, "data", 1, &cli) < 0)
		return 2;
	int ret = 1;
	struct pack pack;
	struct diags d;
	int have_pack = 0;
	char path[4096];
	const char *name = cli.positional;
	struct stat sb;
	memset(&pack, 0, sizeof(pack));
	diags_init(&d);
	if (stat(cli.positional, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		/* A pack folder: its [roster] map and its roster.csv. */
		if (pack_load(cli.positional, &pack, &d) < 0)
			fprintf(stderr, "barnstorm import: warning: the pack has errors (barnstorm check "
				"'%s'); importing its roster anyway\n", cli.positional);
		have_pack = 1;
		str_fmt(path, sizeof(path), "%s/roster.csv", cli.positional);
		name = "roster.csv";
	} else {
		str_copy(path, sizeof(path), cli.positional);
	}
	struct clock clk;
	clock_init_real(&clk);
	struct importer_config cfg = {
		.pack = have_pack ? &pack : NULL, .roster_path = path, .data_dir = cli_data_dir(&cli),
		.event = have_pack && pack.event_id ? pack.event_id : "", .clock = &clk, .force = 1,
	};
	struct importer_result r;
	importer_result_init(&r);
	if (importer_run(&cfg, &r) < 0) {
		fprintf(stderr, "barnstorm import: %s\n", err_msg());
		if (r.report.ncolumns > 0 || r.report.rejected > 0)
			roster_report_print(&r.report, name, stdout);
	} else {
		roster_report_print(&r.report, name, stdout);
		ret = 0;
	}
	importer_result_release(&r);
	if (have_pack)
		pack_release(&pack);
	diags_release(&d);
	return ret;
}
