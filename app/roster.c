#include "roster.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "pack.h"
#include "people.h"
#include "store.h"
#include "textnorm.h"
#include "util.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LINE_CAP (64 * 1024)      /* a physical line longer than this is rejected */
#define RECORD_BYTES_MAX (16 * 1024)
#define RECORD_LINES_MAX 64
#define FIELDS_MAX 128            /* columns kept per row; more are ignored */
#define RECBUF_MAX (FIELDS_MAX * 256 + RECORD_BYTES_MAX)
#define BATCH_ROWS 5000

/* libcsv's parser state ROW_NOT_BEGUN (libcsv.c): the parser is between records. The value
 * has been 0 since libcsv 1.0; struct csv_parser is public in csv.h. */
#define CSV_STATE_BETWEEN_ROWS 0

enum field { F_NONE, F_FIRST, F_LAST, F_NAME, F_EMAIL, F_PHONE, F_POSTCODE, F_EXT, F_COUNT };

static const char *const FIELD_NAMES[F_COUNT] = {
	"", "first name", "last name", "name", "email", "phone", "postcode", "id"
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
	{"id", F_EXT}, {"rsvp", F_EXT}, {"rsvpid", F_EXT}, {"rsvpcode", F_EXT},
	{"rsvpnumber", F_EXT}, {"externalid", F_EXT}, {"ref", F_EXT}, {"reference", F_EXT},
};

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

struct importer {
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
	long in_batch;
	int in_tx;
	int db_failed;
	int no_names;         /* the header has no name column: nothing can be imported */
	char headers[200];    /* the header line as read, for that message */
};

static void reject(struct importer *im, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reject(struct importer *im, long line, const char *fmt, ...)
{
	struct roster_report *r = im->r;
	r->rejected++;
	if (r->nreasons == ROSTER_MAX_REASONS)
		return;
	if (!r->reasons)
		r->reasons = xcalloc(ROSTER_MAX_REASONS, sizeof(*r->reasons));
	struct roster_reject *rj = &r->reasons[r->nreasons++];
	rj->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rj->reason, sizeof(rj->reason), fmt, ap);
	va_end(ap);
	/* Reasons quote file content: keep each on one line and valid UTF-8 when cut short. */
	size_t n = strlen(rj->reason);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)rj->reason[i] < 0x20 || rj->reason[i] == 0x7F)
			rj->reason[i] = '?';
	while (n > 0 && !utf8_valid(rj->reason, n))
		rj->reason[--n] = '\0';
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
}

static void record_clear(struct importer *im)
{
	im->nf = 0;
	im->used = 0;
	im->overflow = 0;
}

static void on_field(void *data, size_t len, void *arg)
{
	struct importer *im = arg;
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
static const char *field_text(struct importer *im, int i, char **tofree)
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

static void header_record(struct importer *im)
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
		if (f != F_NONE && !seen[f]) {
			seen[f] = 1;
			im->cols[i] = f;
		}
	}
	im->have_header = 1;
	im->no_names = !seen[F_FIRST] && !seen[F_NAME];
}

static int col_of(const struct importer *im, enum field f)
{
	for (int i = 0; i < im->nf && i < FIELDS_MAX; i++)
		if (im->cols[i] == f)
			return i;
	return -1;
}

static int batch_commit(struct importer *im)
{
	if (!im->in_tx)
		return 0;
	im->in_tx = 0;
	im->in_batch = 0;
	if (store_tx_commit(im->s) < 0) {
		im->db_failed = 1;
		return -1;
	}
	return 0;
}

static void data_record(struct importer *im)
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
	if (!im->in_tx) {
		if (store_tx_begin(im->s) < 0) {
			im->db_failed = 1;
			goto out;
		}
		im->in_tx = 1;
	}
	int rc = people_upsert(im->s, im->c, &p, NULL);
	if (rc == PEOPLE_INSERTED)
		im->r->imported++;
	else if (rc == PEOPLE_MERGED)
		im->r->merged++;
	else if (rc == PEOPLE_UNCHANGED)
		im->r->unchanged++;
	else if (rc == PEOPLE_INVALID)
		reject(im, line, "%s", err_msg());
	else
		im->db_failed = 1;
	if (++im->in_batch >= BATCH_ROWS)
		batch_commit(im);
out:
	free(split);
	for (int f = 0; f < F_COUNT; f++)
		free(free_[f]);
}

static void on_record(int c, void *arg)
{
	struct importer *im = arg;
	(void)c;
	if (im->db_failed || im->r->stopped[0] || im->no_names) {
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

static int is_space_or_tab(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static void parser_start(struct importer *im, int strict)
{
	if (csv_init(&im->csv, strict ? CSV_STRICT | CSV_STRICT_FINI : 0) != 0)
		die("out of memory");
	csv_set_delim(&im->csv, im->delim);
	/* With a tab delimiter a tab is not white space to trim. */
	csv_set_space_func(&im->csv, im->delim == '\t' ? is_space_char : is_space_or_tab);
	record_clear(im);
}

static void parser_restart(struct importer *im)
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
static int lenient_line(struct importer *im, const char *line, size_t n)
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

static int import_stream(struct importer *im, long long total)
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
		if (im->db_failed || im->r->stopped[0] || im->no_names)
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
	if (!im->db_failed && !im->r->stopped[0] && !im->no_names)
		csv_fini(&im->csv, on_field, on_record, im);
	if (im->no_names) {
		err_set("'%s' has no column for the first name or the name (its header line: %s); "
			"name one in event.ini [roster], e.g. first_name = Header", im->name,
			im->headers);
		goto out;
	}
	if (!im->have_header && !im->db_failed) {
		err_set("'%s' has no header line", im->name);
		goto out;
	}
	ret = 0;
out:
	if (im->in_tx) {
		if (im->db_failed)
			store_tx_rollback(im->s);
		else if (batch_commit(im) < 0)
			ret = -1;
	}
	if (im->db_failed)
		ret = -1;
	csv_free(&im->csv);
	free(line);
	free(im->buf);
	im->buf = NULL;
	return ret;
}

static int import_file(struct store *s, const struct clock *c, const char *name, FILE *f,
		       long long total, const struct pack *pack, struct roster_report *r)
{
	struct importer *im = xcalloc(1, sizeof(*im));
	im->s = s;
	im->c = c;
	im->pack = pack;
	im->r = r;
	im->name = name;
	im->f = f;
	int rc = import_stream(im, total);
	free(im);
	return rc;
}

int roster_import(struct store *s, const struct clock *c, const char *path,
		  const struct pack *pack, struct roster_report *r)
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
	int rc = import_file(s, c, path, f, (long long)sb.st_size, pack, r);
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
	int rc = import_file(s, c, name, f, (long long)len, pack, r);
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
	fputc('\n', f);
	for (int i = 0; i < r->nreasons; i++)
		fprintf(f, "%s:%ld: rejected: %s\n", name, r->reasons[i].line, r->reasons[i].reason);
	if (r->rejected > r->nreasons)
		fprintf(f, "%s: %ld more rejected rows not listed\n", name, r->rejected - r->nreasons);
	if (r->stopped[0])
		fprintf(f, "%s: %s\n", name, r->stopped);
	if (r->cp1252_fields)
		fprintf(f, "%s: note: %ld fields were not UTF-8 and were read as Windows-1252\n",
			name, (long)r->cp1252_fields);
}

/* barnstorm import PACK|FILE.csv --data DIR
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
	struct store *s = store_open(cli_data_dir(&cli));
	if (!s) {
		fprintf(stderr, "barnstorm import: %s\n", err_msg());
		goto out;
	}
	struct clock clk;
	clock_init_real(&clk);
	struct roster_report r;
	roster_report_init(&r);
	if (roster_import(s, &clk, path, have_pack ? &pack : NULL, &r) < 0) {
		fprintf(stderr, "barnstorm import: %s\n", err_msg());
		if (r.imported + r.merged + r.unchanged + r.rejected > 0)
			roster_report_print(&r, name, stdout);
	} else {
		roster_report_print(&r, name, stdout);
		ret = 0;
	}
	roster_report_release(&r);
	store_close(s);
out:
	if (have_pack)
		pack_release(&pack);
	diags_release(&d);
	return ret;
}
