/* People: normalising, validating, masking and storing a person (people.h). */
#include "people.h"
#include "people/internal.h"
#include "people/index.h"
#include "clock.h"
#include "i18n.h"
#include "outbox.h"
#include "store.h"
#include "textnorm.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small text helpers ---- */

/* The first UTF-8 character of s into out[8]. */
void people_first_char(const char *s, char *out)
{
	const char *p = s;
	if (!*s) {
		out[0] = '\0';
		return;
	}
	utf8_next(&p);
	size_t n = (size_t)(p - s);
	if (n > 7)
		n = 7;
	memcpy(out, s, n);
	out[n] = '\0';
}

void people_first_chars(const char *s, int n, char *out, size_t size)
{
	const char *p = s;
	for (int i = 0; i < n && *p; i++)
		utf8_next(&p);
	size_t len = (size_t)(p - s);
	if (len >= size)
		len = 0; /* cannot happen for n <= PEOPLE_TELL_APART_CHARS; never cut a character */
	memcpy(out, s, len);
	out[len] = '\0';
}

void people_display(struct people_result *r, int last_chars)
{
	char last[sizeof(r->last_start)];
	people_first_chars(r->last_start, last_chars, last, sizeof(last));
	/* "Søren K." for a cut name, "Anna Berg" when the letters are the whole of it. */
	int whole = !strcmp(last, r->last_start);
	if (last[0])
		str_fmt(r->display, sizeof(r->display), whole ? "%s %s" : "%s %s.", r->first_name, last);
	else
		str_copy(r->display, sizeof(r->display), r->first_name);
}

/* Copies src into dst[size], cut at a UTF-8 character boundary. */
void people_copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int people_is_blank(const char *s)
{
	if (!s)
		return 1;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* A trimmed copy of s into out[size] ("" for NULL). -1 when it does not fit. */
int people_trimmed(const char *s, char *out, size_t size)
{
	if (!s)
		s = "";
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n >= size)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

void people_ascii_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

/* "8000" -> "8***" */
static void mask_postcode(const char *pc, char *out, size_t size)
{
	size_t n = strlen(pc);
	char buf[PEOPLE_HINT_MAX];
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < sizeof(buf); i++)
		buf[o++] = i == 0 ? pc[0] : '*';
	buf[o] = '\0';
	str_copy(out, size, buf);
}

/* "soren@gmail.dk" -> "s***@g***.dk" */
static void mask_email(const char *email, char *out, size_t size)
{
	char l[8], d[8];
	const char *at = strrchr(email, '@');
	if (!at) {
		out[0] = '\0';
		return;
	}
	people_first_char(email, l);
	people_first_char(at + 1, d);
	const char *dot = strrchr(at + 1, '.');
	char tld[16] = "";
	if (dot && strlen(dot) < sizeof(tld))
		str_copy(tld, sizeof(tld), dot);
	str_fmt(out, size, "%s***@%s***%s", l, d, tld);
}

/* "12345678" -> "** ** ** 78" */
static void mask_phone(const char *phone, char *out, size_t size)
{
	size_t n = strlen(phone);
	if (n < 2) {
		out[0] = '\0';
		return;
	}
	str_fmt(out, size, "** ** ** %s", phone + n - 2);
}

/* The two masked hints of a person: postcode first, then email, then phone. */
void people_make_hints(const char *postcode, const char *email, const char *phone,
		       struct people_result *r)
{
	char h[3][PEOPLE_HINT_MAX];
	int n = 0;
	if (*postcode)
		mask_postcode(postcode, h[n++], PEOPLE_HINT_MAX);
	if (*email)
		mask_email(email, h[n++], PEOPLE_HINT_MAX);
	if (*phone)
		mask_phone(phone, h[n++], PEOPLE_HINT_MAX);
	str_copy(r->hint, sizeof(r->hint), n > 0 ? h[0] : "");
	str_copy(r->hint2, sizeof(r->hint2), n > 1 ? h[1] : "");
}

/* ---- validation and normalisation ---- */

int people_phone_norm(const char *in, char *out, int size)
{
	char d[32];
	int nd = 0, plus = 0;
	const char *p = in;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+') {
		plus = 1;
		p++;
	}
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (nd == (int)sizeof(d) - 1)
				return -1;
			d[nd++] = *p;
		} else if (!strchr(" -.()/\t", *p)) {
			return -1;
		}
	}
	d[nd] = '\0';
	const char *num = d;
	char res[32];
	if (!plus && nd > 2 && d[0] == '0' && d[1] == '0') {
		plus = 1;
		num += 2;
	}
	if (!plus && nd == 10 && d[0] == '4' && d[1] == '5' && d[2] != '0')
		plus = 1; /* "45 12345678": the Danish code without + */
	if (!plus && nd == 11 && d[0] == '4' && d[1] == '6')
		plus = 1;
	size_t n = strlen(num);
	if (plus) {
		if (strncmp(num, "45", 2) == 0) {
			num += 2;
			if (strlen(num) != 8 || num[0] == '0')
				return -1;
			str_copy(res, sizeof(res), num);
		} else if (strncmp(num, "46", 2) == 0) {
			num += 2;
			if (num[0] == '0') /* "+46 (0)70 ..." */
				num++;
			n = strlen(num);
			if (n < 7 || n > 9)
				return -1;
			str_fmt(res, sizeof(res), "0%s", num);
		} else {
			if (n < 7 || n > 15 || num[0] == '0')
				return -1;
			str_fmt(res, sizeof(res), "+%s", num);
		}
	} else if (n == 8 && num[0] != '0') {
		str_copy(res, sizeof(res), num); /* Danish */
	} else if (num[0] == '0' && n >= 8 && n <= 10) {
		str_copy(res, sizeof(res), num); /* Swedish, with the trunk 0 */
	} else {
		return -1;
	}
	if (str_copy(out, (size_t)size, res) < 0)
		return -1;
	return 0;
}

int people_email_valid(const char *email)
{
	size_t n = strlen(email);
	const char *at = strchr(email, '@');
	if (n < 3 || n > 254 || !at || strchr(at + 1, '@') || !utf8_valid(email, n))
		return 0;
	size_t local = (size_t)(at - email);
	if (local < 1 || local > 64 || email[0] == '.' || at[-1] == '.')
		return 0;
	for (const char *p = email; p < at; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || strchr("!#$%&'*+/=?^_`{|}~.-", c)))
			return 0;
		if (c == '.' && p[1] == '.')
			return 0;
	}
	/* Domain: at least two labels of 1-63 characters, no leading or trailing hyphen. */
	const char *d = at + 1;
	int labels = 0;
	const char *last = d;
	while (*d) {
		const char *e = strchr(d, '.');
		size_t len = e ? (size_t)(e - d) : strlen(d);
		if (len < 1 || len > 63 || d[0] == '-' || d[len - 1] == '-')
			return 0;
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)d[i];
			if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					  (c >= '0' && c <= '9') || c == '-'))
				return 0;
		}
		labels++;
		last = d;
		d += len;
		if (*d == '.') {
			d++;
			if (!*d)
				return 0;
		}
	}
	if (labels < 2 || strlen(last) < 2)
		return 0;
	for (const char *p = last; *p; p++)
		if (*p >= '0' && *p <= '9')
			return 0;
	return 1;
}

/* A name: valid UTF-8, 1-100 characters, no control characters, at least one letter. */
static const char *name_problem(const char *name, const char *missing)
{
	if (people_is_blank(name))
		return missing;
	size_t n = strlen(name);
	if (!utf8_valid(name, n))
		return N_("The name has characters that cannot be used.");
	int chars = 0, alnum = 0;
	const char *p = name;
	while (*p) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x80) {
			/* ASCII, most of a roster's names: a byte is a character. */
			if (c < 0x20 || c == 0x7F)
				return N_("The name has characters that cannot be used.");
			alnum |= ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
			p++;
			chars++;
			continue;
		}
		uint32_t cp = utf8_next(&p);
		if (cp >= 0x80 && cp < 0xA0)
			return N_("The name has characters that cannot be used.");
		chars++;
	}
	if (chars > 100 || n >= PEOPLE_NAME_MAX)
		return N_("The name is too long.");
	/* An ASCII letter or digit always folds to itself, so only a name without one needs the
	 * fold to tell whether it has a letter at all. */
	char f[8];
	if (!alnum && textnorm_fold(name, TEXTNORM_PRIMARY, f, sizeof(f)) == 0)
		return N_("The name has characters that cannot be used.");
	return NULL;
}

/* Postcode: 4 or 5 digits, spaces allowed ("123 45"). Writes the digits to out[8]. */
int people_postcode_norm(const char *in, char *out)
{
	int n = 0;
	for (const char *p = in; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n == 5)
				return -1;
			out[n++] = *p;
		} else if (*p != ' ') {
			return -1;
		}
	}
	out[n] = '\0';
	return n == 4 || n == 5 ? 0 : -1;
}

int people_walkin_validate(const struct people_walkin *w, struct people_walkin_errors *e)
{
	char buf[320], norm[32];
	memset(e, 0, sizeof(*e));
	e->first_name = name_problem(w->first_name, N_("Please enter your first name."));
	e->last_name = name_problem(w->last_name, N_("Please enter your last name."));
	int has_email = !people_is_blank(w->email), has_phone = !people_is_blank(w->phone);
	if (has_email && (people_trimmed(w->email, buf, sizeof(buf)) < 0 || !people_email_valid(buf)))
		e->email = N_("This email address does not look right.");
	if (has_phone && people_phone_norm(w->phone, norm, sizeof(norm)) < 0)
		e->phone = N_("This phone number does not look right.");
	/* Contact details are asked for only to keep in touch: without consent they are not kept,
	 * so they are not required either. */
	if (w->consent && !has_email && !has_phone)
		e->email = N_("Please enter an email address or a phone number.");
	if (!people_is_blank(w->postcode) && people_postcode_norm(w->postcode, norm) < 0)
		e->postcode = N_("A postcode is 4 or 5 digits.");
	e->count = !!e->first_name + !!e->last_name + !!e->email + !!e->phone + !!e->postcode;
	return e->count;
}

/* ---- finding and storing people ---- */

/* Steps st and returns the id in its first column: 0 without a row, -1 on an error. */
static int64_t first_id(struct store_stmt *st)
{
	int rc = store_step(st);
	int64_t id = rc == STORE_ROW ? store_col_int(st, 0) : 0;
	store_reset(st);
	return rc < 0 ? -1 : id;
}

/* The person with this external id, else email, else phone (NULL or "" skips a key); an email
 * or phone match is skipped when both sides have different external ids. 0 when none. */
int64_t people_person_find(struct store *s, const char *ext, const char *email, const char *phone)
{
	int64_t id = 0;
	if (ext && *ext && (id = people_find_external(s, ext)) != 0)
		return id;
	static const char *const by[2] = {
		"SELECT id FROM person WHERE email = ?1 AND (?2 IS NULL OR external_id IS NULL "
		"OR external_id = ?2) ORDER BY id LIMIT 1",
		"SELECT id FROM person WHERE phone = ?1 AND (?2 IS NULL OR external_id IS NULL "
		"OR external_id = ?2) ORDER BY id LIMIT 1",
	};
	const char *keys[2] = { email, phone };
	for (int k = 0; k < 2 && !id; k++) {
		if (!keys[k] || !*keys[k])
			continue;
		struct store_stmt *st = store_stmt(s, by[k]);
		if (!st)
			return -1;
		store_bind_text(st, 1, keys[k]);
		store_bind_text(st, 2, ext && *ext ? ext : NULL);
		id = first_id(st);
		if (id < 0)
			return -1;
	}
	return id;
}

/* The normalised fields of an incoming person. */
struct norm_person {
	char ext[256];
	char first[PEOPLE_NAME_MAX];
	char last[PEOPLE_NAME_MAX];
	char email[256];
	char phone[32];
	char postcode[16];
};

static int normalise(const struct people_in *p, struct norm_person *n)
{
	if (people_trimmed(p->external_id, n->ext, sizeof(n->ext)) < 0)
		return err_set("external id is too long");
	if (people_trimmed(p->first_name, n->first, sizeof(n->first)) < 0)
		return err_set("first name is too long");
	if (people_trimmed(p->last_name, n->last, sizeof(n->last)) < 0)
		return err_set("last name is too long");
	if (!n->first[0])
		return err_set("no first name");
	const char *np = name_problem(n->first, "");
	if (np)
		return err_set("first name '%s' has characters that cannot be used", n->first);
	if (n->last[0] && name_problem(n->last, ""))
		return err_set("last name '%s' has characters that cannot be used", n->last);
	if (people_trimmed(p->email, n->email, sizeof(n->email)) < 0)
		return err_set("email is too long");
	people_ascii_lower(n->email);
	if (n->email[0] && !people_email_valid(n->email))
		return err_set("invalid email '%.40s'", n->email);
	n->phone[0] = '\0';
	if (!people_is_blank(p->phone) && people_phone_norm(p->phone, n->phone, sizeof(n->phone)) < 0)
		return err_set("invalid phone '%.30s'", p->phone);
	n->postcode[0] = '\0';
	if (!people_is_blank(p->postcode)) {
		char pc[16];
		/* Roster postcodes: digits and spaces, up to 10 ("DK-" prefixes are common). */
		if (people_trimmed(p->postcode, pc, sizeof(pc)) < 0)
			return err_set("invalid postcode");
		const char *q = pc;
		if ((q[0] == 'D' || q[0] == 'S') && (q[1] == 'K' || q[1] == 'E') && q[2] == '-')
			q += 3;
		int o = 0;
		for (; *q; q++) {
			if (*q >= '0' && *q <= '9')
				n->postcode[o++] = *q;
			else if (*q != ' ')
				return err_set("invalid postcode '%.15s'", p->postcode);
		}
		n->postcode[o] = '\0';
		if (o < 3)
			return err_set("invalid postcode '%.15s'", p->postcode);
	}
	return 0;
}

const char *people_or_null(const char *s)
{
	return s && *s ? s : NULL;
}

/* people_upsert() after normalise(): n is already in the form stored. */
static int upsert_norm(struct store *s, int64_t now, const struct norm_person *n,
		       int64_t *id_out)
{
	int64_t id = people_person_find(s, n->ext, n->email, n->phone);
	if (id < 0)
		return -1;
	if (id == 0) {
		char uuid[37];
		uuid_v4(uuid);
		struct store_stmt *st = store_stmt(s,
			"INSERT INTO person(uuid, external_id, first_name, last_name, email, phone, "
			"postcode, source, created_at, updated_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'roster', ?8, ?8)");
		if (!st)
			return -1;
		store_bind_text(st, 1, uuid);
		store_bind_text(st, 2, people_or_null(n->ext));
		store_bind_text(st, 3, n->first);
		store_bind_text(st, 4, n->last);
		store_bind_text(st, 5, people_or_null(n->email));
		store_bind_text(st, 6, people_or_null(n->phone));
		store_bind_text(st, 7, people_or_null(n->postcode));
		store_bind_int(st, 8, now);
		int rc = store_step(st);
		store_reset(st);
		if (rc < 0)
			return -1;
		id = store_last_id(s);
		if (people_index_touch(s, id) < 0)
			return -1;
		if (id_out)
			*id_out = id;
		return PEOPLE_INSERTED;
	}
	struct store_stmt *st = store_stmt(s,
		"SELECT external_id, first_name, last_name, email, phone, postcode FROM person "
		"WHERE id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	if (store_step(st) != STORE_ROW) {
		store_reset(st);
		return err_set("person %lld vanished", (long long)id);
	}
	const char *in[6] = { n->ext, n->first, n->last, n->email, n->phone, n->postcode };
	char *cur[6];
	int changed = 0, names = 0;
	for (int i = 0; i < 6; i++) {
		cur[i] = xstrdup(store_col_text(st, i));
		if (in[i][0] && strcmp(in[i], cur[i]) != 0) {
			free(cur[i]);
			cur[i] = xstrdup(in[i]);
			changed = 1;
			names |= i == 1 || i == 2 || i == 3;
		}
	}
	store_reset(st);
	int ret = PEOPLE_UNCHANGED;
	if (changed) {
		ret = -1;
		struct store_stmt *up = store_stmt(s,
			"UPDATE person SET external_id = ?2, first_name = ?3, last_name = ?4, email = ?5, "
			"phone = ?6, postcode = ?7, updated_at = ?8 WHERE id = ?1");
		if (!up)
			goto out;
		store_bind_int(up, 1, id);
		for (int i = 0; i < 6; i++)
			store_bind_text(up, i + 2, people_or_null(cur[i]));
		store_bind_int(up, 8, now);
		int rc = store_step(up);
		store_reset(up);
		if (rc < 0)
			goto out;
		if (names && people_index_touch(s, id) < 0)
			goto out;
		ret = PEOPLE_MERGED;
	}
	if (id_out)
		*id_out = id;
out:
	for (int i = 0; i < 6; i++)
		free(cur[i]);
	return ret;
}

int people_upsert(struct store *s, const struct clock *c, const struct people_in *p,
		  int64_t *id_out)
{
	struct norm_person n;
	if (normalise(p, &n) < 0)
		return PEOPLE_INVALID;
	return upsert_norm(s, clock_now(c), &n, id_out);
}

int64_t people_find_external(struct store *s, const char *external_id)
{
	char ext[256];
	if (people_trimmed(external_id, ext, sizeof(ext)) < 0 || !ext[0])
		return 0;
	/* The first term picks the index (person_external is on the id without regard to case,
	 * then the id itself). */
	struct store_stmt *st = store_stmt(s, "SELECT id FROM person WHERE external_id = ?1"
					      " COLLATE NOCASE AND external_id = ?1");
	if (!st)
		return -1;
	store_bind_text(st, 1, ext);
	int rc = store_step(st);
	int64_t id = rc == STORE_ROW ? store_col_int(st, 0) : 0;
	store_reset(st);
	return rc < 0 ? -1 : id;
}

/* Query keys and path words that carry an RSVP code in a link printed on a ticket. */
static const char *const CODE_KEYS[] = {"ref", "code", "rsvp", "ticket", "id", "registration"};

int people_code_from_scan(const char *scanned, char *out, size_t size)
{
	char in[512];
	if (people_trimmed(scanned, in, sizeof(in)) < 0 || !in[0])
		return -1;
	const char *p = in;
	if (strncasecmp(p, "https://", 8) && strncasecmp(p, "http://", 7))
		return str_copy(out, size, in);
	/* A link: ?ref=CODE (or code, rsvp, ...), else the last word of the path (/rsvp/CODE). The
	 * fragment (#...) is the page's business. */
	char *frag = strchr(in, '#');
	if (frag)
		*frag = '\0';
	p = strstr(p, "://") + 3;
	const char *query = strchr(p, '?');
	if (query) {
		for (const char *kv = query + 1; *kv;) {
			const char *eq = strchr(kv, '='), *amp = strchr(kv, '&');
			const char *end = amp ? amp : kv + strlen(kv);
			if (eq && eq < end)
				for (size_t i = 0; i < ARRAY_SIZE(CODE_KEYS); i++)
					if ((size_t)(eq - kv) == strlen(CODE_KEYS[i]) &&
					    !strncasecmp(kv, CODE_KEYS[i], (size_t)(eq - kv)) && end > eq + 1) {
						size_t n = (size_t)(end - eq - 1);
						if (n >= size)
							return -1;
						memcpy(out, eq + 1, n);
						out[n] = '\0';
						return 0;
					}
			kv = amp ? amp + 1 : end;
		}
	}
	const char *path = strchr(p, '/');
	const char *stop = query ? query : p + strlen(p);
	while (path && stop > path && stop[-1] == '/')
		stop--;
	if (!path || stop <= path + 1)
		return -1;
	const char *word = stop;
	while (word > path && word[-1] != '/')
		word--;
	size_t n = (size_t)(stop - word);
	if (!n || n >= size)
		return -1;
	memcpy(out, word, n);
	out[n] = '\0';
	return 0;
}

int64_t people_find_code(struct store *s, const char *scanned)
{
	char code[256];
	if (people_code_from_scan(scanned, code, sizeof(code)) < 0)
		return 0;
	int64_t id = people_find_external(s, code);
	if (id != 0)
		return id;
	/* Scanners send upper case (some send everything in caps); rosters keep the case they
	 * were exported with. */
	struct store_stmt *st = store_stmt(s, "SELECT id FROM person WHERE external_id = ?1"
					      " COLLATE NOCASE ORDER BY id LIMIT 2");
	if (!st)
		return -1;
	store_bind_text(st, 1, code);
	int rc = store_step(st);
	id = rc == STORE_ROW ? store_col_int(st, 0) : 0;
	/* Two codes that differ only in case: this scan cannot say which. */
	if (rc == STORE_ROW && store_step(st) == STORE_ROW)
		id = 0;
	store_reset(st);
	return rc < 0 ? -1 : id;
}

/* ---- results ---- */

static const char SQL_GET[] =
	"SELECT first_name, last_name, postcode, email, phone, source, "
	"EXISTS(SELECT 1 FROM checkin WHERE event = ?2 AND person_id = ?1 AND undone_at IS NULL) "
	"FROM person WHERE id = ?1";

int people_get(struct store *s, const char *event, int64_t id, struct people_result *out)
{
	struct store_stmt *st = store_stmt(s, SQL_GET);
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	store_bind_text(st, 2, event ? event : "");
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		memset(out, 0, sizeof(*out));
		out->id = id;
		people_copy_cut(out->first_name, sizeof(out->first_name), store_col_text(st, 0));
		people_first_char(store_col_text(st, 1), out->last_initial);
		/* One more than is ever shown: says whether the shown letters are the whole name. */
		people_first_chars(store_col_text(st, 1), PEOPLE_TELL_APART_CHARS + 1, out->last_start,
				   sizeof(out->last_start));
		people_display(out, 1);
		people_make_hints(store_col_text(st, 2), store_col_text(st, 3), store_col_text(st, 4), out);
		out->walkin = strcmp(store_col_text(st, 5), "walkin") == 0;
		out->checked_in = (int)store_col_int(st, 6);
	}
	store_reset(st);
	return rc < 0 ? -1 : rc == STORE_ROW;
}

int people_has_postcode(struct store *s, int64_t id)
{
	struct store_stmt *st = store_stmt(s, "SELECT coalesce(trim(postcode), '') <> '' FROM person"
					      " WHERE id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	int rc = store_step(st);
	int has = rc == STORE_ROW && store_col_int(st, 0);
	store_reset(st);
	return rc < 0 ? -1 : has;
}

/* ---- bulk merge (people.h people_bulk_*) ---- */

/* Below this many new people the indexes are kept and written row by row: rebuilding them
 * costs a sort of the whole table, which only pays for a large load. */
#define BULK_REINDEX_MIN 5000
#define BULK_INDEXES_MAX 16

/* The staged rows live in memory, in chunks: each row its six fields as NUL-terminated strings
 * one after another (ext, first, last, email, phone, postcode), "" for an empty one. About the
 * size of the file's own text plus 9 bytes a row (roster.h bounds both). */
#define BULK_CHUNK_BYTES (1u << 20)
#define BULK_FIELDS 6

struct people_bulk {
	struct store *s;
	const struct clock *c;
	int64_t now;            /* when finish() began: created_at and the uuids' time */
	uint32_t uuids;         /* uuids made so far: the counter in bulk_uuid() */
	unsigned char rnd[6];   /* this load's random bits of every uuid */
	char *index_sql[BULK_INDEXES_MAX]; /* dropped secondary indexes, to create again */
	int nindex;
	/* The keys staged so far, as 64-bit hashes in file order, to know without a query that no
	 * two rows share one (keys_shared(): sorted, no two equal): then, into an empty table, no
	 * row can merge (see finish()). Equal keys always hash alike, so "none equal" is exact; a
	 * collision only means asking SQLite. */
	uint64_t *keys;
	size_t nkeys, key_cap;
	int keys_met;           /* two rows may share a key, or there were more than KEYS_MAX */
	char **row;             /* row[i]: the fields of staged row i + 1 */
	unsigned char *touched; /* touched[i]: row i + 1 may merge (SQL_BULK_TOUCHED) */
	int64_t nrow, row_cap;
	char **chunk;
	int nchunk;
	size_t chunk_used;      /* bytes used of the last chunk */
	struct store_rows src;  /* the rows as the SQL table people_bulk */
	int64_t at_row;         /* bulk_value()'s place: field at_col of row at_row is at_field */
	int at_col;
	const char *at_field;
	char uuid_buf[37];
};

/* 24 MiB of hashes at most (and as much again while sorting them): the keys of 1,000,000 rows
 * (an id, an email and every third a phone) fit; a larger roster is asked of SQLite. */
#define KEYS_MAX ((size_t)3 << 20)

/* The staged rows as SQL sees them (store_rows_set()): seq is the row's place in the file. */
static const char BULK_COLUMNS[] =
	"ext TEXT, first TEXT, last TEXT, email TEXT, phone TEXT, postcode TEXT, touched INTEGER,"
	" uuid TEXT";

/* A row is "touched" when one of its keys is another row's or a stored person's: only those
 * can merge, so only those need people_upsert()'s lookups in file order. The rest are new
 * people whatever order they are inserted in. */
#define SQL_BULK_DUPS \
	"SELECT seq FROM people_bulk WHERE " \
	"ext IN (SELECT ext FROM people_bulk WHERE ext IS NOT NULL GROUP BY ext" \
	"  HAVING count(*) > 1) " \
	"OR email IN (SELECT email FROM people_bulk WHERE email IS NOT NULL GROUP BY email" \
	"  HAVING count(*) > 1) " \
	"OR phone IN (SELECT phone FROM people_bulk WHERE phone IS NOT NULL GROUP BY phone" \
	"  HAVING count(*) > 1) "
static const char SQL_BULK_TOUCHED[] = SQL_BULK_DUPS
	"OR EXISTS (SELECT 1 FROM main.person p WHERE p.external_id = people_bulk.ext"
	"  COLLATE NOCASE AND p.external_id = people_bulk.ext) "
	"OR EXISTS (SELECT 1 FROM main.person p WHERE p.email = people_bulk.email) "
	"OR EXISTS (SELECT 1 FROM main.person p WHERE p.phone = people_bulk.phone)";
/* The first roster of an empty table: only the rows among themselves can merge. */
static const char SQL_BULK_TOUCHED_FIRST[] = SQL_BULK_DUPS;

static void bulk_uuid_n(const struct people_bulk *b, uint32_t n, char out[37]);

static int bulk_value(void *ctx, int64_t row, int col, const char **text, int64_t *num)
{
	struct people_bulk *b = ctx;
	if (row < 1 || row > b->nrow)
		return STORE_V_NULL;
	if (col == BULK_FIELDS + 1) {
		*num = b->touched[row - 1];
		return STORE_V_INT;
	}
	if (col == BULK_FIELDS + 2) {   /* the uuid bulk_insert_all() gives the row */
		bulk_uuid_n(b, b->uuids + (uint32_t)(row - 1), b->uuid_buf);
		*text = b->uuid_buf;
		return STORE_V_TEXT_COPY;
	}
	/* SQLite asks a row's columns in order: go on from the last field found. */
	const char *f = b->row[row - 1];
	int at = 1;
	if (b->at_row == row && b->at_col <= col) {
		f = b->at_field;
		at = b->at_col;
	}
	for (; at < col; at++)
		f += strlen(f) + 1;
	b->at_row = row;
	b->at_col = col;
	b->at_field = f;
	/* first and last are NOT NULL: "" stays ""; an empty key or postcode is NULL */
	if (!f[0] && col != 2 && col != 3)
		return STORE_V_NULL;
	*text = f;
	return STORE_V_TEXT;
}

struct people_bulk *people_bulk_begin(struct store *s, const struct clock *c)
{
	struct people_bulk *b = xcalloc(1, sizeof(*b));
	b->s = s;
	b->c = c;
	b->src.decl = BULK_COLUMNS;
	b->src.value = bulk_value;
	b->src.ctx = b;
	if (store_rows_set(s, "people_bulk", &b->src) < 0) {
		free(b);
		return NULL;
	}
	/* The random tail of a v4 uuid, so two loads in the same millisecond still differ. */
	char r[37];
	uuid_v4(r);
	for (int i = 0; i < 6; i++)
		b->rnd[i] = (unsigned char)strtoul((char[3]){ r[24 + 2 * i], r[25 + 2 * i], 0 },
						    NULL, 16);
	return b;
}

/* A uuid that sorts by time: the merge's time in ms (48 bits), version 7, a 32-bit counter
 * spread over the bits around the version and variant, and 42 random bits of the load. Unique
 * within a load by the counter; new uuids append to the uuid index instead of landing at
 * random pages of it. */
static void bulk_uuid_n(const struct people_bulk *b, uint32_t n, char out[37])
{
	uint64_t ms = (uint64_t)b->now;
	unsigned char u[16];
	for (int i = 0; i < 6; i++)
		u[i] = (unsigned char)(ms >> (40 - 8 * i));
	u[6] = (unsigned char)(0x70 | ((n >> 28) & 0x0F));
	u[7] = (unsigned char)(n >> 20);
	u[8] = (unsigned char)(0x80 | ((n >> 14) & 0x3F));
	u[9] = (unsigned char)(n >> 6);
	u[10] = (unsigned char)(((n & 0x3F) << 2) | (b->rnd[0] & 3));
	memcpy(u + 11, b->rnd + 1, 5);
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

/* The next uuid of this load. */
static void bulk_uuid(struct people_bulk *b, char out[37])
{
	bulk_uuid_n(b, b->uuids++, out);
}

/* Keeps a normalised row in memory (see BULK_CHUNK_BYTES). */
static void stage_row(struct people_bulk *b, const struct norm_person *n)
{
	const char *f[BULK_FIELDS] = { n->ext, n->first, n->last, n->email, n->phone, n->postcode };
	size_t len[BULK_FIELDS], need = 0;
	for (int i = 0; i < BULK_FIELDS; i++)
		need += (len[i] = strlen(f[i])) + 1;
	if (!b->nchunk || b->chunk_used + need > BULK_CHUNK_BYTES) {
		b->chunk = xrealloc(b->chunk, ((size_t)b->nchunk + 1) * sizeof(*b->chunk));
		b->chunk[b->nchunk++] = xmalloc(BULK_CHUNK_BYTES); /* need <= sizeof(*n) < a chunk */
		b->chunk_used = 0;
	}
	if (b->nrow == b->row_cap) {
		b->row_cap = b->row_cap ? b->row_cap * 2 : 4096;
		b->row = xrealloc(b->row, (size_t)b->row_cap * sizeof(*b->row));
		b->touched = xrealloc(b->touched, (size_t)b->row_cap);
	}
	char *p = b->chunk[b->nchunk - 1] + b->chunk_used;
	b->row[b->nrow] = p;
	b->touched[b->nrow++] = 0;
	for (int i = 0; i < BULK_FIELDS; i++) {
		memcpy(p, f[i], len[i] + 1);
		p += len[i] + 1;
	}
	b->chunk_used += need;
	b->src.count = b->nrow;
}

static uint64_t key_hash(char kind, const char *key)
{
	uint64_t h = 14695981039346656037ull ^ (unsigned char)kind;
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ull;
	/* FNV's low bits are weak for short keys that differ at the end: mix (splitmix64). */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h ? h : 1;
}

/* Notes a staged row's keys (see struct people_bulk): appended, so adding a row touches no
 * random memory (a hash table's probes were the cost of adding, one cache miss a key). */
static void keys_note(struct people_bulk *b, const struct norm_person *n)
{
	const char *k[3] = { n->ext, n->email, n->phone };
	for (int i = 0; i < 3 && !b->keys_met; i++) {
		if (!k[i][0])
			continue;
		if (b->nkeys == KEYS_MAX) {
			b->keys_met = 1;
			free(b->keys);
			b->keys = NULL;
			b->nkeys = b->key_cap = 0;
			break;
		}
		if (b->nkeys == b->key_cap) {
			b->key_cap = b->key_cap ? b->key_cap * 2 : 8192;
			b->keys = xrealloc(b->keys, b->key_cap * sizeof(*b->keys));
		}
		b->keys[b->nkeys++] = key_hash("xep"[i], k[i]);
	}
}

/* 1 when two of the keys noted are equal (or may be: keys_met), else 0: sorted by a radix
 * sort (11 bits a pass), then neighbours compared. */
static int keys_shared(struct people_bulk *b)
{
	if (b->keys_met)
		return 1;
	size_t n = b->nkeys;
	uint64_t *a = b->keys, *t = xmalloc((n ? n : 1) * sizeof(*t));
	for (int shift = 0; shift < 64; shift += 11) {
		size_t count[2048 + 1] = {0};
		for (size_t i = 0; i < n; i++)
			count[((a[i] >> shift) & 2047) + 1]++;
		for (int d = 0; d < 2048; d++)
			count[d + 1] += count[d];
		for (size_t i = 0; i < n; i++)
			t[count[(a[i] >> shift) & 2047]++] = a[i];
		uint64_t *x = a;
		a = t;
		t = x;
	}
	int shared = 0;
	for (size_t i = 1; i < n && !shared; i++)
		shared = a[i] == a[i - 1];
	free(t);      /* six passes: the sorted keys are back where they began */
	b->keys = a;
	return shared;
}

int people_bulk_add(struct people_bulk *b, const struct people_in *p)
{
	struct norm_person n;
	if (normalise(p, &n) < 0)
		return PEOPLE_INVALID;
	keys_note(b, &n);
	stage_row(b, &n);
	return 0;
}

/* Drops the secondary indexes of person (their SQL kept to create them
 * again): inserting a large load in key order and sorting each index once afterwards is
 * cheaper than a random B-tree insert per index per row. The caller's transaction covers it:
 * a rollback brings them back. */
static int indexes_drop(struct people_bulk *b)
{
	struct store_stmt *st = store_stmt(b->s,
		"SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
		" AND tbl_name = 'person' ORDER BY name");
	if (!st)
		return -1;
	char names[BULK_INDEXES_MAX][64];
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		/* More indexes than this, or a longer name, stay in place: slower, still right. */
		if (b->nindex == BULK_INDEXES_MAX ||
		    str_copy(names[b->nindex], sizeof(names[0]), store_col_text(st, 0)) < 0)
			continue;
		b->index_sql[b->nindex++] = xstrdup(store_col_text(st, 1));
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	for (int i = 0; i < b->nindex; i++) {
		char sql[128];
		str_fmt(sql, sizeof(sql), "DROP INDEX main.\"%s\"", names[i]);
		if (store_exec(b->s, sql) < 0)
			return -1;
	}
	return 0;
}

static int indexes_create(struct people_bulk *b)
{
	for (int i = 0; i < b->nindex; i++) {
		if (store_exec(b->s, b->index_sql[i]) < 0)
			return -1;
		free(b->index_sql[i]);
		b->index_sql[i] = NULL;
	}
	b->nindex = 0;
	return 0;
}

/* Every staged row of seq range [?4, ?5) as a new person, in file order, as bulk_insert_new()
 * would insert it when no row is touched: id ?1 + the row's place (seq - 1), the uuid
 * bulk_uuid() would give it (people_bulk's uuid column), created at ?2, rev ?3. One statement
 * per chunk instead of binding each row from C. */
static const char SQL_BULK_ALL_NEW[] =
	"INSERT INTO main.person(id, uuid, external_id, first_name, last_name, email, phone,"
	" postcode, source, created_at, updated_at, rev) "
	"SELECT ?1 + seq - 1, uuid, ext, first, last, email, phone, postcode, 'roster', ?2, ?2, ?3"
	" FROM people_bulk WHERE seq >= ?4 AND seq < ?5 ORDER BY seq";

/* Staged rows per statement of SQL_BULK_ALL_NEW: the row callback (progress, cancel) runs
 * between. */
#define BULK_CHUNK 5000

static int bulk_insert_all(struct people_bulk *b, int64_t id, int64_t rev,
			   int (*row)(void *ctx, int status), void *ctx)
{
	struct store *s = b->s;
	int64_t end = b->nrow + 1;
	struct store_stmt *ins = store_stmt(s, SQL_BULK_ALL_NEW);
	if (!ins)
		return -1;
	for (int64_t lo = 1; lo < end; lo += BULK_CHUNK) {
		store_bind_int(ins, 1, id + 1);
		store_bind_int(ins, 2, b->now);
		store_bind_int(ins, 3, rev);
		store_bind_int(ins, 4, lo);
		store_bind_int(ins, 5, lo + BULK_CHUNK < end ? lo + BULK_CHUNK : end);
		int rc = store_step(ins);
		store_reset(ins);
		if (rc < 0)
			return -1;
		int n = store_changes(s);
		for (int i = 0; row && i < n; i++)
			if (row(ctx, PEOPLE_INSERTED) < 0)
				return -1;
	}
	b->uuids += (uint32_t)b->nrow;
	return 0;
}

/* Inserts the fresh untouched rows as new people with ids from max(id) + 1 in file order, all
 * with one rev (people_index_load_rev(): the search index reads them as one change, or
 * rebuilds for a large load). all: no row is touched. */
static int bulk_insert_new(struct people_bulk *b, int64_t fresh, int all,
			   int (*row)(void *ctx, int status), void *ctx)
{
	struct store *s = b->s;
	int64_t id = store_query_int(s, "SELECT coalesce(max(id), 0) FROM main.person");
	int64_t rev = people_index_load_rev(s, fresh);
	if (id < 0 || rev < 0)
		return -1;
	if (all)
		return bulk_insert_all(b, id, rev, row, ctx);
	struct store_stmt *sel = store_stmt(s,
		"SELECT ext, first, last, email, phone, postcode FROM people_bulk "
		"WHERE touched = 0 ORDER BY seq");
	struct store_stmt *ins = store_stmt(s,
		"INSERT INTO main.person(id, uuid, external_id, first_name, last_name, email, phone,"
		" postcode, source, created_at, updated_at, rev) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'roster', ?9, ?9, ?10)");
	if (!sel || !ins)
		return -1;
	int rc;
	while ((rc = store_step(sel)) == STORE_ROW) {
		char uuid[37];
		bulk_uuid(b, uuid);
		id++;
		store_bind_int(ins, 1, id);
		store_bind_text(ins, 2, uuid);
		for (int i = 0; i < 6; i++)
			store_bind_text(ins, i + 3, people_or_null(store_col_text(sel, i)));
		/* first and last are NOT NULL: "" stays "" */
		store_bind_text(ins, 4, store_col_text(sel, 1));
		store_bind_text(ins, 5, store_col_text(sel, 2));
		store_bind_int(ins, 9, b->now);
		store_bind_int(ins, 10, rev);
		int irc = store_step(ins);
		store_reset(ins);
		if (irc < 0 || (row && row(ctx, PEOPLE_INSERTED) < 0)) {
			store_reset(sel);
			return -1;
		}
	}
	store_reset(sel);
	return rc < 0 ? -1 : 0;
}

/* The touched rows through people_upsert()'s merge, in file order. */
static int bulk_merge_touched(struct people_bulk *b, int (*row)(void *ctx, int status), void *ctx)
{
	struct store_stmt *sel = store_stmt(b->s,
		"SELECT ext, first, last, email, phone, postcode FROM people_bulk "
		"WHERE touched = 1 ORDER BY seq");
	if (!sel)
		return -1;
	int rc;
	while ((rc = store_step(sel)) == STORE_ROW) {
		struct norm_person n;
		char *f[6] = { n.ext, n.first, n.last, n.email, n.phone, n.postcode };
		size_t sz[6] = { sizeof(n.ext), sizeof(n.first), sizeof(n.last), sizeof(n.email),
				 sizeof(n.phone), sizeof(n.postcode) };
		for (int i = 0; i < 6; i++)
			str_copy(f[i], sz[i], store_col_text(sel, i)); /* fit: normalise() checked */
		int u = upsert_norm(b->s, b->now, &n, NULL);
		if (u < 0 || (row && row(ctx, u) < 0)) {
			store_reset(sel);
			return -1;
		}
	}
	store_reset(sel);
	return rc < 0 ? -1 : 0;
}

/* Marks the rows the query (SQL_BULK_TOUCHED...) lists by seq. */
static int bulk_mark_touched(struct people_bulk *b, const char *sql)
{
	struct store_stmt *st = store_stmt(b->s, sql);
	if (!st)
		return -1;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		int64_t seq = store_col_int(st, 0);
		if (seq >= 1 && seq <= b->nrow)
			b->touched[seq - 1] = 1;
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int people_bulk_finish(struct people_bulk *b, int (*row)(void *ctx, int status), void *ctx)
{
	struct store *s = b->s;
	int ret = -1;
	b->now = clock_now(b->c);
	/* Into an empty table, rows can only merge among themselves; when no two of them share a
	 * key (keys_note()), none is touched and the three GROUP BYs are not needed. */
	int64_t known = store_query_int(s, "SELECT count(*) FROM main.person");
	if (known < 0 || ((known || keys_shared(b)) &&
			  bulk_mark_touched(b, known ? SQL_BULK_TOUCHED : SQL_BULK_TOUCHED_FIRST) < 0))
		goto out;
	int64_t fresh = 0;
	for (int64_t i = 0; i < b->nrow; i++)
		fresh += !b->touched[i];
	if (fresh >= BULK_REINDEX_MIN && fresh * 2 >= known && indexes_drop(b) < 0)
		goto out;
	if (fresh > 0 && bulk_insert_new(b, fresh, fresh == b->nrow, row, ctx) < 0)
		goto out;
	if (indexes_create(b) < 0)
		goto out;
	if (bulk_merge_touched(b, row, ctx) < 0)
		goto out;
	ret = 0;
out:
	people_bulk_abort(b);
	return ret;
}

void people_bulk_abort(struct people_bulk *b)
{
	if (!b)
		return;
	store_rows_set(b->s, "people_bulk", NULL); /* cannot fail: the table exists */
	for (int i = 0; i < b->nindex; i++)
		free(b->index_sql[i]);
	for (int i = 0; i < b->nchunk; i++)
		free(b->chunk[i]);
	free(b->chunk);
	free(b->row);
	free(b->touched);
	free(b->keys);
	free(b);
}
