#include "pack.h"
#include "util.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INI_FILE "event.ini"
#define INI_LIMIT (16u << 20)  /* larger than any real pack; lets a 10 MB line get a line number */
#define MAX_SECTIONS 512
#define MAX_VALUE 4096         /* one value after joining continuation lines */

/* The languages the kiosk has catalogs for. */
static const char *const KNOWN_LANGS[] = {"da", "sv", "en"};

/* ---- diagnostics ---- */

void diags_init(struct diags *d)
{
	memset(d, 0, sizeof(*d));
}

void diags_release(struct diags *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].msg);
	}
	free(d->items);
	diags_init(d);
}

/* 1 if a sorts after b: files by name, then lines; problems not on a line after a file's lines. */
static int diag_after(const struct diag *a, const struct diag *b)
{
	int c = strcmp(a->file, b->file);
	if (c)
		return c > 0;
	int la = a->line ? a->line : 1 << 30, lb = b->line ? b->line : 1 << 30;
	return la > lb;
}

void diags_sort(struct diags *d)
{
	/* Insertion sort: stable, so problems on one line keep the order they were found in;
	 * there are at most a few hundred. */
	for (int i = 1; i < d->n; i++) {
		struct diag t = d->items[i];
		int j = i;
		for (; j > 0 && diag_after(&d->items[j - 1], &t); j--)
			d->items[j] = d->items[j - 1];
		d->items[j] = t;
	}
}

void diags_add(struct diags *d, enum diag_level level, const char *file, int line, const char *fmt, ...)
{
	/* A broken file could produce a message per line; a few hundred say enough. */
	if (d->n >= 500) {
		if (level == DIAG_ERROR)
			d->errors++;
		else
			d->warnings++;
		return;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->items = xrealloc(d->items, (size_t)d->cap * sizeof(*d->items));
	}
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct diag *dg = &d->items[d->n++];
	dg->level = level;
	dg->file = xstrdup(file);
	dg->line = line;
	dg->msg = xstrdup(msg);
	if (level == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

int diag_format(const struct diag *dg, char *out, int size)
{
	const char *w = dg->level == DIAG_WARNING ? "warning: " : "";
	if (dg->line > 0)
		return str_fmt(out, (size_t)size, "%s:%d: %s%s", dg->file, dg->line, w, dg->msg);
	return str_fmt(out, (size_t)size, "%s: %s%s", dg->file, w, dg->msg);
}

/* ---- small parsers ---- */

const char *role_kind_name(enum role_kind k)
{
	static const char *const names[] = {"leader", "host", "member"};
	return names[k];
}

const char *ask_kind_name(enum ask_kind k)
{
	static const char *const names[] = {"day", "time", "place", "text"};
	return names[k];
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off")) {
		*out = 0;
		return 0;
	}
	return -1;
}

/* "2026-12-03 19:00" */
static int parse_datetime(const char *v, struct tm *tm)
{
	int y, mo, d, h, mi;
	char tail;
	if (sscanf(v, "%4d-%2d-%2d %2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5)
		return -1;
	if (y < 2000 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    h < 0 || mi < 0)
		return -1;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_isdst = -1;
	return 0;
}

static int valid_tz(const char *tz)
{
	if (!*tz || strlen(tz) > 64 || tz[0] == '/' || strstr(tz, ".."))
		return 0;
	for (const char *c = tz; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '/' || *c == '_' || *c == '-' || *c == '+'))
			return 0;
	if (!strcmp(tz, "UTC"))
		return 1;
	char path[128];
	str_fmt(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return access(path, R_OK) == 0;
}

/* The process runs in the event's time zone: TZ is set when a pack is loaded, at start-up and
 * before any thread starts, and left so. Formatting a time then does no I/O: glibc reads the zone
 * file once, and localtime_r() does not look at TZ again. Only a process that loads a pack with
 * another zone (a test, `barnstorm check` of several packs) switches, on the thread that loads. */
static void tz_use(const char *tz)
{
	const char *now = getenv("TZ");
	if (now && !strcmp(now, tz))
		return;
	setenv("TZ", tz, 1);
	tzset();
}

static int64_t local_to_utc_ms(const char *tz, struct tm *tm)
{
	tz_use(tz);
	time_t t = mktime(tm);
	return (int64_t)t * 1000;
}

void pack_local_time(const struct pack *p, int64_t ms, struct tm *out)
{
	time_t t = (time_t)(ms / 1000);
	tz_use(p->timezone ? p->timezone : "UTC");
	localtime_r(&t, out);
}

int pack_format_time(const struct pack *p, int64_t ms, const char *fmt, char *out, int size)
{
	struct tm tm;
	pack_local_time(p, ms, &tm);
	if (strftime(out, (size_t)size, fmt, &tm) == 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int pack_lang_index(const struct pack *p, const char *lang)
{
	for (int i = 0; i < p->nlangs; i++)
		if (!strcmp(p->langs[i], lang))
			return i;
	return -1;
}

const char *pack_text_get(const struct pack *p, const struct pack_text *t, const char *lang)
{
	int i = pack_lang_index(p, lang);
	if (i >= 0 && t->text[i])
		return t->text[i];
	if (t->text[0])
		return t->text[0];
	for (int j = 1; j < PACK_MAX_LANGS; j++)
		if (t->text[j])
			return t->text[j];
	return "";
}

/* ---- the parse ---- */

enum section {
	SEC_NONE, SEC_EVENT, SEC_KIOSK, SEC_SIGNUP, SEC_CONSENT, SEC_AGENDA, SEC_SEGMENT, SEC_SIGNAL,
	SEC_SLIDE, SEC_ROLE, SEC_TEAM, SEC_TARGETS, SEC_PRINT, SEC_UPLOAD, SEC_ROSTER, SEC_STATIONS,
	SEC_UNKNOWN,
};

static const char *const SECTION_NAMES[] = {
	"", "event", "kiosk", "signup", "consent", "agenda", "segment", "signal", "slide", "role",
	"team", "targets", "print", "upload", "roster", "stations", "",
};

/* Sections that may appear many times, each a new list item. */
static int section_repeats(enum section s)
{
	return s == SEC_SEGMENT || s == SEC_SIGNAL || s == SEC_SLIDE || s == SEC_ROLE || s == SEC_TEAM;
}

struct parse {
	struct pack *p;
	struct diags *d;
	const char *buf;
	size_t len, pos;
	int line;
	int cont;                     /* the line just read continues the previous value */
	int serial;                   /* section headers read so far */
	int header_line[MAX_SECTIONS];
	int header_keys[MAX_SECTIONS];
	char header_name[MAX_SECTIONS][32];
	int cur_serial;               /* the section instance keys are going to */
	enum section cur;
	int cur_line;
	int seen_line[SEC_UNKNOWN + 1];  /* where each singleton section was first seen */
	char keys[64][32];            /* keys seen in the current section instance */
	int key_line[64];
	int nkeys;
	char last_key[32];
	int last_key_line;
	int item_ok;                  /* the current list item has been created */
	int pin_given;                /* a pin key was there, even if it was rejected */
	int tz_given;                 /* likewise the timezone */
	int ends_line;                /* the line of [event] ends, for a mistake found later */
};

/* inih's line reader, fed from memory. It counts lines (Debian's libinih is built without
 * INI_HANDLER_LINENO), notices section headers (it is built without
 * INI_CALL_HANDLER_ON_NEW_SECTION, so repeated [segment] sections would otherwise run together),
 * and turns a line too long for inih's 200-byte buffer into a diagnostic instead of letting inih
 * split it into garbage lines. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *ps = stream;
	if (ps->pos >= ps->len)
		return NULL;
	const char *start = ps->buf + ps->pos;
	const char *nl = memchr(start, '\n', ps->len - ps->pos);
	size_t linelen = nl ? (size_t)(nl - start) : ps->len - ps->pos;
	ps->pos += linelen + (nl ? 1 : 0);
	ps->line++;
	size_t body = linelen;
	if (body && start[body - 1] == '\r')
		body--;
	if (body + 2 > (size_t)num) {
		diags_add(ps->d, DIAG_ERROR, INI_FILE, ps->line,
			  "line is %zu characters long, at most %d fit; continue a long text on "
			  "indented lines below its key", body, num - 2);
		str_copy(str, (size_t)num, ";\n");
		ps->cont = 0;
		return str;
	}
	memcpy(str, start, body);
	str[body] = '\n';
	str[body + 1] = '\0';

	size_t lead = strspn(str, " \t");
	ps->cont = lead > 0 && str[lead] != '\n' && str[lead] != ';' && str[lead] != '#';
	if (str[lead] == '[') {
		if (ps->serial < MAX_SECTIONS) {
			ps->header_line[ps->serial] = ps->line;
			ps->header_keys[ps->serial] = 0;
			const char *open = str + lead + 1;
			const char *close = strchr(open, ']');
			size_t n = close ? (size_t)(close - open) : 0;
			if (n >= sizeof(ps->header_name[0]))
				n = sizeof(ps->header_name[0]) - 1;
			memcpy(ps->header_name[ps->serial], open, n);
			ps->header_name[ps->serial][n] = '\0';
		}
		ps->serial++;
		ps->cont = 0;
	}
	return str;
}

static enum section section_of(const char *name)
{
	for (int s = SEC_EVENT; s < SEC_UNKNOWN; s++)
		if (!strcmp(name, SECTION_NAMES[s]))
			return (enum section)s;
	return SEC_UNKNOWN;
}

#define ERR(ps, ...) diags_add((ps)->d, DIAG_ERROR, INI_FILE, (ps)->line, __VA_ARGS__)
#define WARN(ps, ...) diags_add((ps)->d, DIAG_WARNING, INI_FILE, (ps)->line, __VA_ARGS__)

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* Appends a continuation line to a string value. */
static void append_str(struct parse *ps, char **dst, const char *v)
{
	if (!*dst) {
		*dst = xstrdup(v);
		return;
	}
	size_t a = strlen(*dst), b = strlen(v);
	if (a + 1 + b >= MAX_VALUE) {
		ERR(ps, "'%s' is longer than %d characters", ps->last_key, MAX_VALUE);
		return;
	}
	*dst = xrealloc(*dst, a + b + 2);
	(*dst)[a] = ' ';
	memcpy(*dst + a + 1, v, b + 1);
}

static int parse_int_key(struct parse *ps, const char *key, const char *v, long min, long max, int *out)
{
	long n;
	if (str_to_int(v, min, max, &n) < 0) {
		ERR(ps, "'%s' must be a whole number from %ld to %ld, not '%s'", key, min, max, v);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* "10-20" (percent). */
static int parse_range(struct parse *ps, const char *key, const char *v, int *lo, int *hi)
{
	char a[16], b[16];
	const char *dash = strchr(v, '-');
	long x, y;
	if (!dash || (size_t)(dash - v) >= sizeof(a) || strlen(dash + 1) >= sizeof(b))
		goto bad;
	memcpy(a, v, (size_t)(dash - v));
	a[dash - v] = '\0';
	str_copy(b, sizeof(b), dash + 1);
	str_trim(a);
	str_trim(b);
	if (str_to_int(a, 0, 100, &x) < 0 || str_to_int(b, 0, 100, &y) < 0 || x > y)
		goto bad;
	*lo = (int)x;
	*hi = (int)y;
	return 0;
bad:
	ERR(ps, "'%s' must be a percent range like 10-20, not '%s'", key, v);
	return -1;
}

/* Splits a comma-separated list into trimmed items; returns the count or -1 if over max. */
static int split_list(const char *v, char items[][64], int max)
{
	int n = 0;
	const char *p = v;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[64];
		if (len >= sizeof(item))
			len = sizeof(item) - 1;
		memcpy(item, p, len);
		item[len] = '\0';
		str_trim(item);
		if (*item) {
			if (n == max)
				return -1;
			str_copy(items[n++], 64, item);
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return n;
}

static void key_text(struct parse *ps, struct pack_text *t, const char *key, const char *v)
{
	struct pack *p = ps->p;
	int li = pack_lang_index(p, key);
	if (li < 0) {
		int known = 0;
		for (size_t i = 0; i < ARRAY_SIZE(KNOWN_LANGS); i++)
			known |= !strcmp(key, KNOWN_LANGS[i]);
		if (known)
			WARN(ps, "text in '%s', which is not in [event] languages; it is not shown", key);
		else
			ERR(ps, "unknown key '%s' (a language code of the event: %s%s%s)", key,
			    p->nlangs > 0 ? p->langs[0] : "da", p->nlangs > 1 ? ", " : "",
			    p->nlangs > 1 ? p->langs[1] : "");
		return;
	}
	if (ps->cont)
		append_str(ps, &t->text[li], v);
	else
		set_str(&t->text[li], v);
}

static void unknown_key(struct parse *ps, const char *section, const char *key)
{
	ERR(ps, "unknown key '%s' in [%s]", key, section);
}

static void key_event(struct parse *ps, const char *key, const char *v)
{
	struct pack *p = ps->p;
	if (!strcmp(key, "title")) {
		ps->cont ? append_str(ps, &p->title, v) : set_str(&p->title, v);
	} else if (!strcmp(key, "venue")) {
		ps->cont ? append_str(ps, &p->venue, v) : set_str(&p->venue, v);
	} else if (!strcmp(key, "id")) {
		set_str(&p->event_id, v);
	} else if (!strcmp(key, "starts") || !strcmp(key, "ends")) {
		struct tm tm;
		if (parse_datetime(v, &tm) < 0) {
			ERR(ps, "'%s' must be a date and time like 2026-12-03 19:00, not '%s'", key, v);
			return;
		}
		set_str(!strcmp(key, "starts") ? &p->starts_text : &p->ends_text, v);
		if (!strcmp(key, "ends"))
			ps->ends_line = ps->line;
	} else if (!strcmp(key, "timezone")) {
		ps->tz_given = 1;
		if (!valid_tz(v)) {
			ERR(ps, "unknown timezone '%s' (e.g. Europe/Copenhagen, Europe/Stockholm; the "
				"tzdata package must be installed)", v);
			return;
		}
		set_str(&p->timezone, v);
	} else if (!strcmp(key, "languages")) {
		char items[8][64];
		int n = split_list(v, items, 8);
		if (n <= 0 || n > PACK_MAX_LANGS) {
			ERR(ps, "'languages' must list 1 to %d language codes, e.g. da, en", PACK_MAX_LANGS);
			return;
		}
		p->nlangs = 0;
		for (int i = 0; i < n; i++) {
			int known = 0;
			for (size_t k = 0; k < ARRAY_SIZE(KNOWN_LANGS); k++)
				known |= !strcmp(items[i], KNOWN_LANGS[k]);
			if (!known) {
				ERR(ps, "language '%s' is not available (da, sv, en)", items[i]);
				continue;
			}
			if (pack_lang_index(p, items[i]) >= 0) {
				ERR(ps, "language '%s' is listed twice", items[i]);
				continue;
			}
			str_copy(p->langs[p->nlangs++], sizeof(p->langs[0]), items[i]);
		}
	} else {
		unknown_key(ps, "event", key);
	}
}

static void key_kiosk(struct parse *ps, const char *key, const char *v)
{
	if (!strcmp(key, "pin")) {
		ps->pin_given = 1;
		size_t n = strlen(v);
		if (n < 4 || n > 12 || strspn(v, "0123456789") != n) {
			/* Never echo the PIN: it would end up in logs. */
			ERR(ps, "'pin' must be 4 to 12 digits");
			return;
		}
		set_str(&ps->p->pin, v);
	} else if (!strcmp(key, "rotate")) {
		long deg;
		if (str_to_int(v, 0, 270, &deg) < 0 || deg % 90)
			ERR(ps, "'rotate' must be 0, 90, 180 or 270, not '%s'", v);
		else
			ps->p->rotate = (int)deg;
	} else {
		unknown_key(ps, "kiosk", key);
	}
}

static void key_signup(struct parse *ps, const char *key, const char *v)
{
	if (!strcmp(key, "self_service")) {
		if (parse_bool(v, &ps->p->self_service) < 0)
			ERR(ps, "'self_service' must be yes or no, not '%s'", v);
	} else {
		unknown_key(ps, "signup", key);
	}
}

static void key_consent(struct parse *ps, const char *key, const char *v)
{
	if (!strcmp(key, "version"))
		set_str(&ps->p->consent_version, v);
	else
		key_text(ps, &ps->p->consent, key, v);
}

static void key_agenda(struct parse *ps, const char *key, const char *v)
{
	if (!strcmp(key, "warn"))
		parse_int_key(ps, key, v, 5, 3600, &ps->p->warn_seconds);
	else if (!strcmp(key, "danger"))
		parse_int_key(ps, key, v, 1, 3600, &ps->p->danger_seconds);
	else if (!strcmp(key, "times_up_seconds"))
		parse_int_key(ps, key, v, 1, 600, &ps->p->times_up_seconds);
	else if (!strcmp(key, "volume")) {
		if (parse_int_key(ps, key, v, 0, 100, &ps->p->volume) == 0)
			ps->p->volume_given = 1;
	} else if (!strcmp(key, "sound")) {
		int on;
		if (parse_bool(v, &on) < 0)
			ERR(ps, "'sound' must be on or off, not '%s'", v);
		else
			ps->p->sound_off = !on;
	} else
		unknown_key(ps, "agenda", key);
}

static void key_segment(struct parse *ps, const char *key, const char *v)
{
	struct pack_segment *s = &ps->p->segments[ps->p->nsegments - 1];
	if (!strcmp(key, "title")) {
		ps->cont ? append_str(ps, &s->title, v) : set_str(&s->title, v);
	} else if (!strcmp(key, "minutes")) {
		parse_int_key(ps, key, v, 1, 600, &s->minutes);
	} else if (!strcmp(key, "note")) {
		ps->cont ? append_str(ps, &s->note, v) : set_str(&s->note, v);
	} else if (!strcmp(key, "slides")) {
		long a, b;
		char first[16], last[16];
		const char *dash = strchr(v, '-');
		if (dash && (size_t)(dash - v) < sizeof(first)) {
			memcpy(first, v, (size_t)(dash - v));
			first[dash - v] = '\0';
			str_copy(last, sizeof(last), dash + 1);
		} else {
			str_copy(first, sizeof(first), v);
			str_copy(last, sizeof(last), v);
		}
		str_trim(first);
		str_trim(last);
		if (str_to_int(first, 1, 9999, &a) < 0 || str_to_int(last, 1, 9999, &b) < 0 || a > b) {
			ERR(ps, "'slides' must be a page or a range like 1-6, not '%s'", v);
			return;
		}
		s->slide_first = (int)a;
		s->slide_last = (int)b;
	} else {
		unknown_key(ps, "segment", key);
	}
}

static void key_signal(struct parse *ps, const char *key, const char *v)
{
	key_text(ps, &ps->p->messages[ps->p->nmessages - 1], key, v);
}

static void key_slide(struct parse *ps, const char *key, const char *v)
{
	struct pack_text_slide *s = &ps->p->text_slides[ps->p->ntext_slides - 1];
	if (!strcmp(key, "title")) {
		set_str(&s->title, v);
	} else if (!strcmp(key, "bullet")) {
		if (ps->cont && s->nbullets > 0) {
			append_str(ps, &s->bullets[s->nbullets - 1], v);
		} else if (s->nbullets == PACK_MAX_BULLETS) {
			ERR(ps, "a [slide] has at most %d bullets", PACK_MAX_BULLETS);
		} else {
			s->bullets[s->nbullets++] = xstrdup(v);
		}
	} else {
		unknown_key(ps, "slide", key);
	}
}

static void key_role(struct parse *ps, const char *key, const char *v)
{
	struct pack_role *r = &ps->p->roles[ps->p->nroles - 1];
	if (!strcmp(key, "name")) {
		set_str(&r->name, v);
	} else if (!strcmp(key, "kind")) {
		if (!strcmp(v, "leader"))
			r->kind = ROLE_LEADER;
		else if (!strcmp(v, "host"))
			r->kind = ROLE_HOST;
		else if (!strcmp(v, "member"))
			r->kind = ROLE_MEMBER;
		else
			ERR(ps, "unknown role kind '%s' (leader, host or member)", v);
	} else if (!strcmp(key, "asks")) {
		char items[PACK_MAX_ASKS + 1][64];
		int n = split_list(v, items, PACK_MAX_ASKS);
		if (n < 0) {
			ERR(ps, "a role asks for at most %d details", PACK_MAX_ASKS);
			return;
		}
		r->nasks = 0;
		for (int i = 0; i < n; i++) {
			int found = -1;
			for (int k = ASK_DAY; k <= ASK_TEXT; k++)
				if (!strcmp(items[i], ask_kind_name((enum ask_kind)k)))
					found = k;
			if (found < 0)
				ERR(ps, "a role cannot ask for '%s' (day, time, place or text)", items[i]);
			else
				r->asks[r->nasks++] = (enum ask_kind)found;
		}
	} else {
		unknown_key(ps, "role", key);
	}
}

static void key_team(struct parse *ps, const char *key, const char *v)
{
	struct pack_team *t = &ps->p->teams[ps->p->nteams - 1];
	if (!strcmp(key, "name")) {
		set_str(&t->name, v);
	} else if (!strcmp(key, "postcodes")) {
		char items[PACK_MAX_POSTCODES + 1][64];
		int n = split_list(v, items, PACK_MAX_POSTCODES);
		if (n < 0) {
			ERR(ps, "a team covers at most %d postcodes (use prefixes like 80*)",
			    PACK_MAX_POSTCODES);
			return;
		}
		for (int i = 0; i < t->npostcodes; i++)
			free(t->postcodes[i]);
		t->npostcodes = 0;
		for (int i = 0; i < n; i++) {
			size_t len = strlen(items[i]);
			size_t digits = strspn(items[i], "0123456789 ");
			if (len > 12 || (digits != len && !(digits == len - 1 && items[i][len - 1] == '*'))) {
				ERR(ps, "'%s' is not a postcode or a prefix like 80*", items[i]);
				continue;
			}
			t->postcodes[t->npostcodes++] = xstrdup(items[i]);
		}
	} else if (!strcmp(key, "lead")) {
		set_str(&t->lead, v);
	} else if (!strcmp(key, "qr")) {
		if (strlen(v) > 1000) {
			ERR(ps, "'qr' is longer than 1000 characters");
			return;
		}
		set_str(&t->qr, v);
	} else {
		unknown_key(ps, "team", key);
	}
}

static void key_targets(struct parse *ps, const char *key, const char *v)
{
	struct pack *p = ps->p;
	if (!strcmp(key, "leaders"))
		parse_range(ps, key, v, &p->leader_target_min, &p->leader_target_max);
	else if (!strcmp(key, "hosts"))
		parse_range(ps, key, v, &p->host_target_min, &p->host_target_max);
	else
		unknown_key(ps, "targets", key);
}

static int valid_printer(const char *v)
{
	if (v[0] == '/')
		return 1;
	if (!strncmp(v, "file:", 5))
		return v[5] != '\0';
	if (!strncmp(v, "cups:", 5))
		return v[5] != '\0' && strspn(v + 5, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@") == strlen(v + 5);
	if (!strncmp(v, "tcp://", 6)) {
		const char *colon = strrchr(v + 6, ':');
		long port;
		return colon && colon > v + 6 && str_to_int(colon + 1, 1, 65535, &port) == 0;
	}
	return 0;
}

static void key_print(struct parse *ps, const char *key, const char *v)
{
	struct pack *p = ps->p;
	if (!strcmp(key, "printer")) {
		if (!valid_printer(v)) {
			ERR(ps, "printer '%s' is not a device path, tcp://HOST:PORT, cups:QUEUE or file:PATH", v);
			return;
		}
		set_str(&p->printer, v);
	} else if (!strcmp(key, "width")) {
		int w;
		if (parse_int_key(ps, key, v, 256, 832, &w) == 0) {
			if (w % 8)
				ERR(ps, "'width' must be a multiple of 8 dots (384 for 58 mm, 576 for 80 mm)");
			else
				p->print_width = w;
		}
	} else {
		unknown_key(ps, "print", key);
	}
}

static void key_upload(struct parse *ps, const char *key, const char *v)
{
	struct pack *p = ps->p;
	if (!strcmp(key, "kind")) {
		if (strcmp(v, "webhook") && strcmp(v, "actionnetwork") && strcmp(v, "webdav")) {
			ERR(ps, "unknown upload kind '%s' (webhook, actionnetwork or webdav)", v);
			return;
		}
		set_str(&p->upload_kind, v);
	} else if (!strcmp(key, "url")) {
		if (strncmp(v, "https://", 8) && strncmp(v, "http://", 7)) {
			ERR(ps, "'url' must start with https://");
			return;
		}
		if (!strncmp(v, "http://", 7) && strncmp(v, "http://127.0.0.1", 16) &&
		    strncmp(v, "http://localhost", 16))
			WARN(ps, "'url' is not https: attendee data would cross the network unencrypted");
		set_str(&p->upload_url, v);
	} else if (!strcmp(key, "token_file")) {
		if (v[0] == '/' || strstr(v, ".."))
			ERR(ps, "'token_file' must be a file name inside the pack folder");
		else
			set_str(&p->upload_token_file, v);
	} else if (!strcmp(key, "user")) {
		set_str(&p->upload_user, v);
	} else {
		unknown_key(ps, "upload", key);
	}
}

/* HOST:PORT (or ADDR:PORT) with a port from 1 to 65535. */
static int host_port_ok(const char *v)
{
	const char *colon = strrchr(v, ':');
	if (!colon || colon == v || strlen(v) >= PACK_ADDR_MAX)
		return 0;
	for (const char *c = v; c < colon; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '.' || *c == '-'))
			return 0;
	long port;
	return str_to_int(colon + 1, 1, 65535, &port) == 0;
}

static void key_stations(struct parse *ps, const char *key, const char *v)
{
	struct pack *p = ps->p;
	if (!strcmp(key, "key")) {
		/* Checked here so `check` says where; the message never quotes the key. */
		size_t n = strlen(v);
		int hex = n == 64;
		for (size_t i = 0; hex && i < n; i++)
			hex = (v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f') ||
			      (v[i] >= 'A' && v[i] <= 'F');
		if (!hex) {
			ERR(ps, "'key' must be 64 hex digits (make one with `openssl rand -hex 32`)");
			return;
		}
		set_str(&p->stations_key, v);
	} else if (!strcmp(key, "listen")) {
		if (!host_port_ok(v)) {
			ERR(ps, "'listen' must be ADDR:PORT, e.g. 0.0.0.0:7420, not '%s'", v);
			return;
		}
		set_str(&p->stations_listen, v);
	} else if (!strcmp(key, "discover")) {
		/* Off only where mDNS is unwanted; the peers in `peers` work either way. */
		int on;
		if (parse_bool(v, &on) < 0) {
			ERR(ps, "'discover' must be yes or no (find this room's stations on the "
			    "network by themselves), not '%s'", v);
			return;
		}
		p->stations_discover = on;
	} else if (!strcmp(key, "peers")) {
		/* A comma-separated list, for networks where stations cannot find each other. */
		for (const char *c = v; *c;) {
			c += strspn(c, ", ");
			size_t n = strcspn(c, ", ");
			if (!n)
				break;
			char t[PACK_ADDR_MAX + 8];
			str_copy(t, n < sizeof(t) ? n + 1 : sizeof(t), c);
			c += n;
			if (!host_port_ok(t)) {
				ERR(ps, "'%s' in 'peers' is not HOST:PORT", t);
				continue;
			}
			if (p->nstation_peers == PACK_MAX_PEERS) {
				ERR(ps, "more than %d peers", PACK_MAX_PEERS);
				break;
			}
			str_copy(p->station_peers[p->nstation_peers++], PACK_ADDR_MAX, t);
		}
	} else {
		unknown_key(ps, "stations", key);
	}
}

static const char *const ROSTER_FIELDS[] = {"id", "first_name", "last_name", "name", "email",
					     "phone", "postcode"};

static void key_roster(struct parse *ps, const char *key, const char *v)
{
	struct pack *p = ps->p;
	int known = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ROSTER_FIELDS); i++)
		known |= !strcmp(key, ROSTER_FIELDS[i]);
	if (!known) {
		ERR(ps, "unknown key '%s' in [roster] (id, first_name, last_name, name, email, phone, "
			"postcode)", key);
		return;
	}
	if (p->nroster_map == PACK_MAX_COLUMNS) {
		ERR(ps, "too many [roster] mappings");
		return;
	}
	p->roster_map_field[p->nroster_map] = xstrdup(key);
	p->roster_map_header[p->nroster_map] = xstrdup(v);
	p->nroster_map++;
}

/* The key was in the section instance just read (maybe with a value that was refused: that
 * mistake has its own message at its line, so "has no KEY" would say it twice). */
static int key_seen(const struct parse *ps, const char *key)
{
	for (int i = 0; i < ps->nkeys; i++)
		if (!strcmp(ps->keys[i], key))
			return 1;
	return 0;
}

/* Checks the section instance just finished for required keys. */
static void finish_section(struct parse *ps)
{
	struct pack *p = ps->p;
	int line = ps->cur_line;
	switch (ps->cur) {
	case SEC_SEGMENT: {
		struct pack_segment *s = &p->segments[p->nsegments - 1];
		if (!s->title && !key_seen(ps, "title"))
			diags_add(ps->d, DIAG_ERROR, INI_FILE, line, "[segment] has no title");
		if (!s->minutes && !key_seen(ps, "minutes"))
			diags_add(ps->d, DIAG_ERROR, INI_FILE, line, "[segment] has no minutes");
		break;
	}
	case SEC_ROLE: {
		struct pack_role *r = &p->roles[p->nroles - 1];
		if (!r->name && !key_seen(ps, "name"))
			diags_add(ps->d, DIAG_ERROR, INI_FILE, line, "[role] has no name");
		break;
	}
	case SEC_TEAM:
		if (!p->teams[p->nteams - 1].name)
			diags_add(ps->d, DIAG_ERROR, INI_FILE, line, "[team] has no name");
		break;
	case SEC_SLIDE:
		if (!p->text_slides[p->ntext_slides - 1].title)
			diags_add(ps->d, DIAG_ERROR, INI_FILE, line, "[slide] has no title");
		break;
	default:
		break;
	}
}

/* Starts a new section instance; returns 0 if its keys can be taken. */
static int begin_section(struct parse *ps, const char *name, int header_line)
{
	struct pack *p = ps->p;
	if (ps->cur != SEC_NONE && ps->item_ok)
		finish_section(ps);
	ps->cur = section_of(name);
	ps->cur_line = header_line;
	ps->nkeys = 0;
	ps->item_ok = 0;
	if (ps->cur == SEC_UNKNOWN) {
		diags_add(ps->d, DIAG_ERROR, INI_FILE, header_line, "unknown section [%s]", name);
		return -1;
	}
	if (!section_repeats(ps->cur)) {
		if (ps->seen_line[ps->cur]) {
			diags_add(ps->d, DIAG_ERROR, INI_FILE, header_line,
				  "[%s] appears twice (first on line %d)", name, ps->seen_line[ps->cur]);
			return -1;
		}
		ps->seen_line[ps->cur] = header_line;
		ps->item_ok = 1;
		return 0;
	}
	int *count, max;
	switch (ps->cur) {
	case SEC_SEGMENT: count = &p->nsegments; max = PACK_MAX_SEGMENTS; break;
	case SEC_SIGNAL: count = &p->nmessages; max = PACK_MAX_MESSAGES; break;
	case SEC_SLIDE: count = &p->ntext_slides; max = PACK_MAX_SEGMENTS; break;
	case SEC_ROLE: count = &p->nroles; max = PACK_MAX_ROLES; break;
	case SEC_TEAM: count = &p->nteams; max = PACK_MAX_TEAMS; break;
	default: BUG("section_repeats out of step");
	}
	if (*count == max) {
		diags_add(ps->d, DIAG_ERROR, INI_FILE, header_line, "more than %d [%s] sections", max, name);
		return -1;
	}
	int i = (*count)++;
	switch (ps->cur) {
	case SEC_SEGMENT: p->segments[i].line = header_line; break;
	case SEC_SLIDE: p->text_slides[i].line = header_line; break;
	case SEC_ROLE: p->roles[i].line = header_line; p->roles[i].kind = ROLE_MEMBER; break;
	case SEC_TEAM: p->teams[i].line = header_line; break;
	default: break;
	}
	ps->item_ok = 1;
	return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;
	int serial = ps->serial - 1;
	if (serial < 0) {
		ERR(ps, "'%s' is outside any section; start with [event]", name);
		return 1;
	}
	if (serial >= MAX_SECTIONS) {
		if (serial == MAX_SECTIONS)
			ERR(ps, "more than %d sections", MAX_SECTIONS);
		return 1;
	}
	if (serial != ps->cur_serial) {
		ps->cur_serial = serial;
		begin_section(ps, section, ps->header_line[serial]);
	}
	ps->header_keys[serial]++;
	if (!ps->item_ok)
		return 1;
	if (!utf8_valid(value, strlen(value))) {
		ERR(ps, "'%s' is not valid UTF-8", name);
		return 1;
	}
	if (ps->cont) {
		if (strcmp(name, ps->last_key) != 0)
			return 1;
	} else {
		for (int i = 0; i < ps->nkeys; i++) {
			if (!strcmp(ps->keys[i], name) &&
			    !(ps->cur == SEC_SLIDE && !strcmp(name, "bullet"))) {
				ERR(ps, "'%s' is given twice in this [%s] (first on line %d)", name, section,
				    ps->key_line[i]);
				return 1;
			}
		}
		if (ps->nkeys < (int)ARRAY_SIZE(ps->keys)) {
			str_copy(ps->keys[ps->nkeys], sizeof(ps->keys[0]), name);
			ps->key_line[ps->nkeys++] = ps->line;
		}
		str_copy(ps->last_key, sizeof(ps->last_key), name);
		ps->last_key_line = ps->line;
		if (!*value) {
			ERR(ps, "'%s' has no value", name);
			return 1;
		}
	}
	switch (ps->cur) {
	case SEC_EVENT: key_event(ps, name, value); break;
	case SEC_KIOSK: key_kiosk(ps, name, value); break;
	case SEC_SIGNUP: key_signup(ps, name, value); break;
	case SEC_CONSENT: key_consent(ps, name, value); break;
	case SEC_AGENDA: key_agenda(ps, name, value); break;
	case SEC_SEGMENT: key_segment(ps, name, value); break;
	case SEC_SIGNAL: key_signal(ps, name, value); break;
	case SEC_SLIDE: key_slide(ps, name, value); break;
	case SEC_ROLE: key_role(ps, name, value); break;
	case SEC_TEAM: key_team(ps, name, value); break;
	case SEC_TARGETS: key_targets(ps, name, value); break;
	case SEC_PRINT: key_print(ps, name, value); break;
	case SEC_UPLOAD: key_upload(ps, name, value); break;
	case SEC_STATIONS: key_stations(ps, name, value); break;
	case SEC_ROSTER: key_roster(ps, name, value); break;
	default: break;
	}
	return 1;
}

/* Writes a Latin letter or digit without its accent into out ("ø" -> "o", "æ" -> "ae");
 * returns its length, 0 for anything else. */
static size_t fold_latin(uint32_t cp, char out[3])
{
	static const char *const latin1[32] = {
		"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
		"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
	};
	if (cp >= 'A' && cp <= 'Z')
		cp += 32;
	if (cp >= 0xC0 && cp <= 0xDE)
		cp += 32;
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp >= 0xE0 && cp <= 0xFF) {
		str_copy(out, 3, latin1[cp - 0xE0]);
		return strlen(out);
	}
	return 0;
}

/* "Barnstorm Malmö" + "2026-12-03 19:00" -> "barnstorm-malmo-2026-12-03" */
static char *derive_event_id(const struct pack *p)
{
	char out[96];
	size_t o = 0;
	const char *t = p->title ? p->title : "event";
	int dash = 0;
	while (*t && o < 60) {
		char f[3];
		size_t n = fold_latin(utf8_next(&t), f);
		if (n) {
			memcpy(out + o, f, n);
			o += n;
			dash = 0;
		} else if (!dash && o > 0) {
			out[o++] = '-';
			dash = 1;
		}
	}
	if (p->starts_text) {
		if (!dash && o > 0)
			out[o++] = '-';
		for (int i = 0; i < 10 && p->starts_text[i]; i++)
			out[o++] = p->starts_text[i];
	} else if (dash) {
		o--;
	}
	out[o] = '\0';
	return xstrdup(o ? out : "event");
}

static void validate(struct parse *ps)
{
	struct pack *p = ps->p;
	struct diags *d = ps->d;
	int ev = ps->seen_line[SEC_EVENT] ? ps->seen_line[SEC_EVENT] : 0;
	if (!ps->seen_line[SEC_EVENT]) {
		diags_add(d, DIAG_ERROR, INI_FILE, 0, "no [event] section");
	} else {
		if (!p->title)
			diags_add(d, DIAG_ERROR, INI_FILE, ev, "[event] has no title");
		if (!p->starts_text)
			diags_add(d, DIAG_ERROR, INI_FILE, ev, "[event] has no starts (e.g. 2026-12-03 19:00)");
		if (!p->ends_text)
			diags_add(d, DIAG_ERROR, INI_FILE, ev, "[event] has no ends (e.g. 2026-12-03 20:30)");
		if (!ps->tz_given)
			diags_add(d, DIAG_ERROR, INI_FILE, ev, "[event] has no timezone (e.g. Europe/Copenhagen)");
	}
	if (p->nlangs == 0) {
		if (ps->seen_line[SEC_EVENT])
			diags_add(d, DIAG_WARNING, INI_FILE, ev, "[event] has no languages; using en");
		str_copy(p->langs[0], sizeof(p->langs[0]), "en");
		p->nlangs = 1;
	}
	if (p->starts_text && p->ends_text && p->timezone) {
		struct tm a, b;
		parse_datetime(p->starts_text, &a);
		parse_datetime(p->ends_text, &b);
		p->starts_ms = local_to_utc_ms(p->timezone, &a);
		p->ends_ms = local_to_utc_ms(p->timezone, &b);
		if (p->ends_ms <= p->starts_ms)
			diags_add(d, DIAG_ERROR, INI_FILE, ps->ends_line ? ps->ends_line : ev,
				  "[event] ends (%s) is not after starts (%s)",
				  p->ends_text, p->starts_text);
		else if (p->ends_ms - p->starts_ms > 24LL * 3600 * 1000)
			diags_add(d, DIAG_ERROR, INI_FILE, ev, "[event] lasts more than 24 hours");
	}
	if (!ps->pin_given)
		diags_add(d, DIAG_ERROR, INI_FILE, ps->seen_line[SEC_KIOSK],
			  "no PIN: add [kiosk] pin = 4 to 12 digits for the organizer screens");
	if (!ps->seen_line[SEC_CONSENT]) {
		diags_add(d, DIAG_ERROR, INI_FILE, 0,
			  "no [consent] section: walk-ins need a consent text and its version");
	} else {
		int cl = ps->seen_line[SEC_CONSENT];
		if (!p->consent_version)
			diags_add(d, DIAG_ERROR, INI_FILE, cl, "[consent] has no version");
		for (int i = 0; i < p->nlangs; i++)
			if (!p->consent.text[i])
				diags_add(d, i == 0 ? DIAG_ERROR : DIAG_WARNING, INI_FILE, cl,
					  "[consent] has no text in '%s'%s", p->langs[i],
					  i == 0 ? "" : "; the first language's text is shown");
	}
	for (int i = 0; i < p->nteams; i++)
		for (int j = 0; j < i; j++)
			if (p->teams[i].name && p->teams[j].name && !strcmp(p->teams[i].name, p->teams[j].name))
				diags_add(d, DIAG_ERROR, INI_FILE, p->teams[i].line,
					  "team '%s' is defined twice (first on line %d)", p->teams[i].name,
					  p->teams[j].line);
	for (int i = 0; i < p->nroles; i++)
		for (int j = 0; j < i; j++)
			if (p->roles[i].name && p->roles[j].name && !strcmp(p->roles[i].name, p->roles[j].name))
				diags_add(d, DIAG_ERROR, INI_FILE, p->roles[i].line,
					  "role '%s' is defined twice (first on line %d)", p->roles[i].name,
					  p->roles[j].line);
	if (p->upload_kind) {
		int ul = ps->seen_line[SEC_UPLOAD];
		if (!p->upload_url)
			diags_add(d, DIAG_ERROR, INI_FILE, ul, "[upload] has no url");
		if (!p->upload_token_file)
			diags_add(d, DIAG_ERROR, INI_FILE, ul, "[upload] has no token_file");
		if (!strcmp(p->upload_kind, "webdav") && !p->upload_user)
			diags_add(d, DIAG_ERROR, INI_FILE, ul, "[upload] kind = webdav needs a user");
	} else if (ps->seen_line[SEC_UPLOAD]) {
		diags_add(d, DIAG_ERROR, INI_FILE, ps->seen_line[SEC_UPLOAD], "[upload] has no kind");
	}
	if (!p->print_width)
		p->print_width = 384;
	if (!p->warn_seconds)
		p->warn_seconds = 120;
	if (!p->danger_seconds)
		p->danger_seconds = 30;
	if (!p->times_up_seconds)
		p->times_up_seconds = PACK_DEFAULT_TIMES_UP_SECONDS;
	if (!p->volume_given)
		p->volume = PACK_DEFAULT_VOLUME;
	if (p->danger_seconds >= p->warn_seconds)
		diags_add(d, DIAG_ERROR, INI_FILE, ps->seen_line[SEC_AGENDA],
			  "[agenda] danger (%d s) must be less than warn (%d s)", p->danger_seconds,
			  p->warn_seconds);
	if (!p->leader_target_max) {
		p->leader_target_min = 10;
		p->leader_target_max = 20;
	}
	if (!p->host_target_max) {
		p->host_target_min = 70;
		p->host_target_max = 80;
	}
	if (!p->event_id)
		p->event_id = derive_event_id(p);
	/* Sections that had a header but no keys. */
	for (int i = 0; i < ps->serial && i < MAX_SECTIONS; i++) {
		if (ps->header_keys[i])
			continue;
		enum section s = section_of(ps->header_name[i]);
		if (s == SEC_UNKNOWN)
			diags_add(d, DIAG_ERROR, INI_FILE, ps->header_line[i], "unknown section [%s]",
				  ps->header_name[i]);
		else
			diags_add(d, section_repeats(s) ? DIAG_ERROR : DIAG_WARNING, INI_FILE,
				  ps->header_line[i], "[%s] is empty", ps->header_name[i]);
	}
}

int pack_load(const char *dir, struct pack *p, struct diags *d)
{
	memset(p, 0, sizeof(*p));
	p->dir = xstrdup(dir);
	p->stations_discover = 1;
	int errors_before = d->errors;
	struct stat sb;
	if (stat(dir, &sb) < 0) {
		diags_add(d, DIAG_ERROR, dir, 0, "cannot open the pack folder: %s", strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		diags_add(d, DIAG_ERROR, dir, 0, "is not a folder (a pack is a folder with event.ini)");
		return -1;
	}
	char path[4096];
	if (str_fmt(path, sizeof(path), "%s/%s", dir, INI_FILE) < 0) {
		diags_add(d, DIAG_ERROR, dir, 0, "path too long");
		return -1;
	}
	size_t len;
	char *raw = file_read(path, INI_LIMIT, &len);
	if (!raw) {
		diags_add(d, DIAG_ERROR, INI_FILE, 0, "%s", err_msg());
		return -1;
	}
	if (memchr(raw, '\0', len)) {
		diags_add(d, DIAG_ERROR, INI_FILE, 0, "contains NUL bytes: it is not a text file");
		free(raw);
		return -1;
	}
	char *text = raw;
	size_t off = 0;
	if (len >= 3 && !memcmp(raw, "\xEF\xBB\xBF", 3))
		off = 3; /* a UTF-8 byte order mark, as Windows Notepad writes */
	if (!utf8_valid(raw + off, len - off)) {
		/* Name the first line that is not UTF-8, then read the file as Windows-1252. */
		int line = 1;
		const char *s = raw + off;
		while (*s) {
			const char *nl = strchr(s, '\n');
			size_t n = nl ? (size_t)(nl - s) : strlen(s);
			if (!utf8_valid(s, n))
				break;
			line++;
			if (!nl)
				break;
			s = nl + 1;
		}
		diags_add(d, DIAG_WARNING, INI_FILE, line,
			  "not UTF-8; read as Windows-1252 (save the file as UTF-8 to be sure)");
		text = cp1252_to_utf8(raw + off, len - off);
		free(raw);
		raw = text;
		off = 0;
		len = strlen(text);
	}
	struct parse *ps = xcalloc(1, sizeof(*ps));
	ps->p = p;
	ps->d = d;
	ps->buf = raw + off;
	ps->len = len - off;
	ps->cur_serial = -1;
	int rc = ini_parse_stream(reader, ps, handler, ps);
	if (rc > 0) /* inih's first unparsable line */
		diags_add(d, DIAG_ERROR, INI_FILE, rc, "cannot read this line (expected [section] or key = value)");
	if (ps->cur != SEC_NONE && ps->item_ok)
		finish_section(ps);
	validate(ps);
	free(ps);
	free(raw);
	return d->errors > errors_before ? -1 : 0;
}

static void text_release(struct pack_text *t)
{
	for (int i = 0; i < PACK_MAX_LANGS; i++)
		free(t->text[i]);
}

void pack_release(struct pack *p)
{
	free(p->dir);
	free(p->title);
	free(p->venue);
	free(p->starts_text);
	free(p->ends_text);
	free(p->timezone);
	free(p->event_id);
	free(p->pin);
	free(p->consent_version);
	text_release(&p->consent);
	for (int i = 0; i < p->nsegments; i++) {
		free(p->segments[i].title);
		free(p->segments[i].note);
	}
	for (int i = 0; i < p->nmessages; i++)
		text_release(&p->messages[i]);
	for (int i = 0; i < p->ntext_slides; i++) {
		free(p->text_slides[i].title);
		for (int j = 0; j < p->text_slides[i].nbullets; j++)
			free(p->text_slides[i].bullets[j]);
	}
	for (int i = 0; i < p->nroles; i++)
		free(p->roles[i].name);
	for (int i = 0; i < p->nteams; i++) {
		free(p->teams[i].name);
		free(p->teams[i].lead);
		free(p->teams[i].qr);
		for (int j = 0; j < p->teams[i].npostcodes; j++)
			free(p->teams[i].postcodes[j]);
	}
	free(p->printer);
	free(p->stations_key);
	free(p->stations_listen);
	free(p->upload_kind);
	free(p->upload_url);
	free(p->upload_token_file);
	free(p->upload_user);
	for (int i = 0; i < p->nroster_map; i++) {
		free(p->roster_map_field[i]);
		free(p->roster_map_header[i]);
	}
	memset(p, 0, sizeof(*p));
}
