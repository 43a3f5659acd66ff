#include "people.h"
#include "clock.h"
#include "i18n.h"
#include "outbox.h"
#include "store.h"
#include "textnorm.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A search looks at no more than this many candidate people (bounded time per keystroke even
 * when a two-letter prefix matches a tenth of a 100,000-person roster). */
#define SEARCH_SCAN_MAX 2000
/* Choosing the driving word counts at most this many of each word's tokens. */
#define COUNT_CAP 300
#define SEEN_SLOTS 16384 /* power of two, above the most ids one search can see */
#define SET_MAX 6000    /* tokens collected for the two-word set (< SEEN_SLOTS / 2) */
#define SET_ITER_MAX 256 /* a set this small is scored person by person */

/* ---- small text helpers ---- */

/* The first UTF-8 character of s into out[8]. */
static void first_char(const char *s, char *out)
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

/* Copies src into dst[size], cut at a UTF-8 character boundary. */
static void copy_cut(char *dst, size_t size, const char *src)
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

static int is_blank(const char *s)
{
	if (!s)
		return 1;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* A trimmed copy of s into out[size] ("" for NULL). -1 when it does not fit. */
static int trimmed(const char *s, char *out, size_t size)
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

static void ascii_lower(char *s)
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
	first_char(email, l);
	first_char(at + 1, d);
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
static void make_hints(const char *postcode, const char *email, const char *phone,
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
	if (is_blank(name))
		return missing;
	size_t n = strlen(name);
	if (!utf8_valid(name, n))
		return N_("The name has characters that cannot be used.");
	int chars = 0;
	const char *p = name;
	while (*p) {
		uint32_t cp = utf8_next(&p);
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
			return N_("The name has characters that cannot be used.");
		chars++;
	}
	if (chars > 100 || n >= PEOPLE_NAME_MAX)
		return N_("The name is too long.");
	char f[8];
	if (textnorm_fold(name, TEXTNORM_PRIMARY, f, sizeof(f)) == 0)
		return N_("The name has characters that cannot be used.");
	return NULL;
}

/* Postcode: 4 or 5 digits, spaces allowed ("123 45"). Writes the digits to out[8]. */
static int postcode_norm(const char *in, char *out)
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
	int has_email = !is_blank(w->email), has_phone = !is_blank(w->phone);
	if (has_email && (trimmed(w->email, buf, sizeof(buf)) < 0 || !people_email_valid(buf)))
		e->email = N_("This email address does not look right.");
	if (has_phone && people_phone_norm(w->phone, norm, sizeof(norm)) < 0)
		e->phone = N_("This phone number does not look right.");
	/* Contact details are asked for only to keep in touch: without consent they are not kept,
	 * so they are not required either. */
	if (w->consent && !has_email && !has_phone)
		e->email = N_("Please enter an email address or a phone number.");
	if (!is_blank(w->postcode) && postcode_norm(w->postcode, norm) < 0)
		e->postcode = N_("A postcode is 4 or 5 digits.");
	e->count = !!e->first_name + !!e->last_name + !!e->email + !!e->phone + !!e->postcode;
	return e->count;
}

/* ---- tokens ---- */

/* Writes a person's search tokens; fresh: a new person, with no tokens to delete first. */
static int tokens_write(struct store *s, int64_t id, const char *first, const char *last,
			const char *email, int fresh)
{
	struct textnorm_tokens t;
	textnorm_tokens_init(&t);
	textnorm_tokens_name(&t, 'f', first);
	textnorm_tokens_name(&t, 'l', last);
	textnorm_tokens_email(&t, email);
	struct store_stmt *del = store_stmt(s, "DELETE FROM person_token WHERE person_id = ?1");
	struct store_stmt *ins = store_stmt(s,
		"INSERT OR IGNORE INTO person_token(token, person_id) VALUES (?1, ?2)");
	if (!del || !ins)
		return -1;
	int rc = 0;
	if (!fresh) {
		store_bind_int(del, 1, id);
		rc = store_step(del);
		store_reset(del);
		if (rc < 0)
			return -1;
	}
	for (int i = 0; i < t.n; i++) {
		store_bind_text(ins, 1, t.tok[i]);
		store_bind_int(ins, 2, id);
		rc = store_step(ins);
		store_reset(ins);
		if (rc < 0)
			return -1;
	}
	return 0;
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
static int64_t person_find(struct store *s, const char *ext, const char *email, const char *phone)
{
	int64_t id = 0;
	if (ext && *ext) {
		struct store_stmt *st = store_stmt(s, "SELECT id FROM person WHERE external_id = ?1");
		if (!st)
			return -1;
		store_bind_text(st, 1, ext);
		id = first_id(st);
		if (id)
			return id;
	}
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
	if (trimmed(p->external_id, n->ext, sizeof(n->ext)) < 0)
		return err_set("external id is too long");
	if (trimmed(p->first_name, n->first, sizeof(n->first)) < 0)
		return err_set("first name is too long");
	if (trimmed(p->last_name, n->last, sizeof(n->last)) < 0)
		return err_set("last name is too long");
	if (!n->first[0])
		return err_set("no first name");
	const char *np = name_problem(n->first, "");
	if (np)
		return err_set("first name '%s' has characters that cannot be used", n->first);
	if (n->last[0] && name_problem(n->last, ""))
		return err_set("last name '%s' has characters that cannot be used", n->last);
	if (trimmed(p->email, n->email, sizeof(n->email)) < 0)
		return err_set("email is too long");
	ascii_lower(n->email);
	if (n->email[0] && !people_email_valid(n->email))
		return err_set("invalid email '%.40s'", n->email);
	n->phone[0] = '\0';
	if (!is_blank(p->phone) && people_phone_norm(p->phone, n->phone, sizeof(n->phone)) < 0)
		return err_set("invalid phone '%.30s'", p->phone);
	n->postcode[0] = '\0';
	if (!is_blank(p->postcode)) {
		char pc[16];
		/* Roster postcodes: digits and spaces, up to 10 ("DK-" prefixes are common). */
		if (trimmed(p->postcode, pc, sizeof(pc)) < 0)
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

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

int people_upsert(struct store *s, const struct clock *c, const struct people_in *p,
		  int64_t *id_out)
{
	struct norm_person n;
	if (normalise(p, &n) < 0)
		return PEOPLE_INVALID;
	int64_t id = person_find(s, n.ext, n.email, n.phone);
	if (id < 0)
		return -1;
	int64_t now = clock_now(c);
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
		store_bind_text(st, 2, or_null(n.ext));
		store_bind_text(st, 3, n.first);
		store_bind_text(st, 4, n.last);
		store_bind_text(st, 5, or_null(n.email));
		store_bind_text(st, 6, or_null(n.phone));
		store_bind_text(st, 7, or_null(n.postcode));
		store_bind_int(st, 8, now);
		int rc = store_step(st);
		store_reset(st);
		if (rc < 0)
			return -1;
		id = store_last_id(s);
		if (tokens_write(s, id, n.first, n.last, n.email, 1) < 0)
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
	const char *in[6] = { n.ext, n.first, n.last, n.email, n.phone, n.postcode };
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
			store_bind_text(up, i + 2, or_null(cur[i]));
		store_bind_int(up, 8, now);
		int rc = store_step(up);
		store_reset(up);
		if (rc < 0)
			goto out;
		if (names && tokens_write(s, id, cur[1], cur[2], cur[3], 0) < 0)
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

int64_t people_find_external(struct store *s, const char *external_id)
{
	char ext[256];
	if (trimmed(external_id, ext, sizeof(ext)) < 0 || !ext[0])
		return 0;
	struct store_stmt *st = store_stmt(s, "SELECT id FROM person WHERE external_id = ?1");
	if (!st)
		return -1;
	store_bind_text(st, 1, ext);
	int rc = store_step(st);
	int64_t id = rc == STORE_ROW ? store_col_int(st, 0) : 0;
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
		copy_cut(out->first_name, sizeof(out->first_name), store_col_text(st, 0));
		first_char(store_col_text(st, 1), out->last_initial);
		make_hints(store_col_text(st, 2), store_col_text(st, 3), store_col_text(st, 4), out);
		out->walkin = strcmp(store_col_text(st, 5), "walkin") == 0;
		out->checked_in = (int)store_col_int(st, 6);
	}
	store_reset(st);
	return rc < 0 ? -1 : rc == STORE_ROW;
}

/* ---- search ---- */

/* Per-word match quality, lower is better: exact first name, exact last name, exact email,
 * then the same three as prefixes. */
static int match_score(const char *tok, const char *word)
{
	static const char kinds[] = "fle";
	const char *k = strchr(kinds, tok[0]);
	size_t n = strlen(word);
	if (!k || tok[1] != ':' || strncmp(tok + 2, word, n) != 0)
		return -1;
	return (int)(k - kinds) + (tok[2 + n] ? 3 : 0);
}

struct hit {
	int64_t id;
	int score;
	struct people_result r;
	char key[TEXTNORM_WORD_MAX]; /* folded first name, for a stable order */
};

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->r.checked_in != y->r.checked_in)
		return x->r.checked_in - y->r.checked_in;
	if (x->score != y->score)
		return x->score - y->score;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The upper bound of a prefix range: the prefix with its last byte + 1 (bytes of UTF-8 are at
 * most 0xF4, so this never overflows). */
static void range_end(const char *lo, char *hi, size_t size)
{
	str_copy(hi, size, lo);
	size_t n = strlen(hi);
	hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
}

/* Bounded count of tokens with this prefix in any kind: how selective a word is. */
static int word_count(struct store *s, const char *word, int cap)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT count(*) FROM (SELECT 1 FROM person_token WHERE token >= ?1 AND token < ?2 "
		"LIMIT ?3)");
	if (!st)
		return -1;
	int total = 0;
	for (const char *k = "fle"; *k && total < cap; k++) {
		char lo[TEXTNORM_TOKEN_MAX], hi[TEXTNORM_TOKEN_MAX];
		str_fmt(lo, sizeof(lo), "%c:%s", *k, word);
		range_end(lo, hi, sizeof(hi));
		store_bind_text(st, 1, lo);
		store_bind_text(st, 2, hi);
		store_bind_int(st, 3, cap - total);
		if (store_step(st) != STORE_ROW) {
			store_reset(st);
			return -1;
		}
		total += (int)store_col_int(st, 0);
		store_reset(st);
	}
	return total;
}

/* Scores person id against every query word from its tokens: the sum of the best per-word
 * scores, or -1 when a word matches none of them. */
static int person_score(struct store *s, int64_t id, char words[][TEXTNORM_WORD_MAX], int nw)
{
	int best[TEXTNORM_QUERY_WORDS];
	for (int i = 0; i < nw; i++)
		best[i] = 99;
	struct store_stmt *st = store_stmt(s, "SELECT token FROM person_token WHERE person_id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	while (store_step(st) == STORE_ROW) {
		const char *tok = store_col_text(st, 0);
		for (int i = 0; i < nw; i++) {
			int sc = match_score(tok, words[i]);
			if (sc >= 0 && sc < best[i])
				best[i] = sc;
		}
	}
	store_reset(st);
	int sum = 0;
	for (int i = 0; i < nw; i++) {
		if (best[i] == 99)
			return -1;
		sum += best[i];
	}
	return sum;
}

/* The driving word's token range ?1..?2, at most ?3 rows of it, and up to two more words
 * ?4..?5, ?6..?7 that must prefix one of the same person's tokens (any kind: "f:" cut off). */
static const char *const SQL_SCAN[3] = {
	"SELECT person_id FROM person_token WHERE token >= ?1 AND token < ?2 LIMIT ?3",
	"SELECT a.person_id FROM (SELECT person_id FROM person_token WHERE token >= ?1 AND "
	"token < ?2 LIMIT ?3) a WHERE EXISTS (SELECT 1 FROM person_token b WHERE "
	"b.person_id = a.person_id AND substr(b.token, 3) >= ?4 AND substr(b.token, 3) < ?5)",
	"SELECT a.person_id FROM (SELECT person_id FROM person_token WHERE token >= ?1 AND "
	"token < ?2 LIMIT ?3) a WHERE EXISTS (SELECT 1 FROM person_token b WHERE "
	"b.person_id = a.person_id AND substr(b.token, 3) >= ?4 AND substr(b.token, 3) < ?5) "
	"AND EXISTS (SELECT 1 FROM person_token b WHERE b.person_id = a.person_id AND "
	"substr(b.token, 3) >= ?6 AND substr(b.token, 3) < ?7)",
};

/* Open-addressing set of person ids seen during one search. */
static int seen_add(int64_t *set, int64_t id)
{
	size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 40) & (SEEN_SLOTS - 1);
	while (set[h]) {
		if (set[h] == id)
			return 0;
		h = (h + 1) & (SEEN_SLOTS - 1);
	}
	set[h] = id;
	return 1;
}

static int seen_has(const int64_t *set, int64_t id)
{
	size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 40) & (SEEN_SLOTS - 1);
	while (set[h]) {
		if (set[h] == id)
			return 1;
		h = (h + 1) & (SEEN_SLOTS - 1);
	}
	return 0;
}

/* The people with a token starting with word (any kind) into set[SEEN_SLOTS], and the first
 * SET_ITER_MAX of them into ids[] (*nids counts them all). 1, or 0 when there are more than
 * SET_MAX such tokens (the word is too common to be worth it), -1 on error. */
static int id_set_of(struct store *s, const char *word, int64_t *set, int64_t *ids, int *nids)
{
	struct store_stmt *st = store_stmt(s, SQL_SCAN[0]);
	if (!st)
		return -1;
	int rows = 0;
	*nids = 0;
	for (const char *k = "fle"; *k; k++) {
		char lo[TEXTNORM_TOKEN_MAX], hi[TEXTNORM_TOKEN_MAX];
		str_fmt(lo, sizeof(lo), "%c:%s", *k, word);
		range_end(lo, hi, sizeof(hi));
		store_bind_text(st, 1, lo);
		store_bind_text(st, 2, hi);
		store_bind_int(st, 3, SET_MAX + 1 - rows);
		int rc;
		while ((rc = store_step(st)) == STORE_ROW) {
			int64_t id = store_col_int(st, 0);
			if (seen_add(set, id)) {
				if (*nids < SET_ITER_MAX)
					ids[*nids] = id;
				(*nids)++;
			}
			rows++;
		}
		store_reset(st);
		if (rc < 0)
			return -1;
		if (rows > SET_MAX)
			return 0;
	}
	return 1;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->score != y->score)
		return x->score - y->score;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* A small set: score every person in it and keep the best max. */
static int search_small_set(struct store *s, const int64_t *ids, int nids,
			    char words[][TEXTNORM_WORD_MAX], int nw, struct hit *hits, int max)
{
	struct hit *c = xcalloc((size_t)nids, sizeof(*c));
	int n = 0;
	for (int i = 0; i < nids; i++) {
		int score = person_score(s, ids[i], words, nw);
		if (score >= 0) {
			c[n].id = ids[i];
			c[n].score = score;
			n++;
		}
	}
	qsort(c, (size_t)n, sizeof(*c), cand_cmp);
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++) {
		hits[i].id = c[i].id;
		hits[i].score = c[i].score;
	}
	free(c);
	return n;
}

int people_search(struct store *s, const char *event, const char *query,
		  struct people_result *out, int max)
{
	char words[TEXTNORM_QUERY_WORDS][TEXTNORM_WORD_MAX];
	if (max > PEOPLE_SEARCH_MAX)
		max = PEOPLE_SEARCH_MAX;
	if (max <= 0 || !query)
		return 0;
	int nw = textnorm_query(query, words, TEXTNORM_QUERY_WORDS);
	int drive = -1, longest = 0;
	for (int i = 0; i < nw; i++) {
		int ch = textnorm_chars(words[i]);
		if (ch > longest) {
			longest = ch;
			drive = i;
		}
	}
	if (longest < 2)
		return 0;
	/* Two words: collect the people matching the rarer one into a set by sequential range
	 * scans, then scan the other in tier order and keep those in the set. Random lookups per
	 * candidate (the EXISTS below) cost about ten times more per row. */
	int64_t *filter = NULL;
	int64_t set_ids[SET_ITER_MAX];
	int nset = 0;
	if (nw == 2) {
		/* The longer word is usually the rarer; the other drives (it needs two letters). */
		int w = textnorm_chars(words[0]) >= textnorm_chars(words[1]) ? 0 : 1;
		if (textnorm_chars(words[1 - w]) >= 2) {
			filter = xcalloc(SEEN_SLOTS, sizeof(*filter));
			int rc = id_set_of(s, words[w], filter, set_ids, &nset);
			if (rc < 0) {
				free(filter);
				return -1;
			}
			if (rc == 0) {
				free(filter);
				filter = NULL;
			} else {
				drive = 1 - w;
			}
		}
	}
	if (nw > 1 && !filter) {
		/* Drive the scan by the word with the fewest matching tokens. */
		int best = -1;
		for (int i = 0; i < nw; i++) {
			if (textnorm_chars(words[i]) < 2)
				continue;
			int cnt = word_count(s, words[i], COUNT_CAP);
			if (cnt < 0)
				return -1;
			/* Counts stop at the cap; between two capped words the longer is rarer. */
			if (best < 0 || cnt < best ||
			    (cnt == best && textnorm_chars(words[i]) > textnorm_chars(words[drive]))) {
				best = cnt;
				drive = i;
			}
		}
	}
	/* The other words (up to two) are checked inside SQLite, the rest here. */
	int other[TEXTNORM_QUERY_WORDS], nother = 0;
	for (int i = 0; i < nw; i++)
		if (i != drive)
			other[nother++] = i;
	int insql = filter ? 0 : nother < 2 ? nother : 2;
	int64_t *seen = xcalloc(SEEN_SLOTS, sizeof(*seen));
	struct hit *hits = xcalloc((size_t)max, sizeof(*hits));
	int nhits = 0, nseen = 0, ret = -1;
	struct store_stmt *st = store_stmt(s, SQL_SCAN[insql]);
	if (!st)
		goto out;
	/* Few people match the set word: score them all, no scan (and no scan bound). */
	int small = filter && nset <= SET_ITER_MAX;
	if (small)
		nhits = search_small_set(s, set_ids, nset, words, nw, hits, max);
	/* Tiers of the driving word: exact first/last/email, then prefix first/last/email. An exact
	 * token "f:w" is the range [f:w, f:w\x01) as no token holds a control character. */
	for (int tier = 0; !small && tier < 6 && nhits < max; tier++) {
		char lo[TEXTNORM_TOKEN_MAX + 1], hi[TEXTNORM_TOKEN_MAX + 1];
		str_fmt(lo, sizeof(lo), "%c:%s", "fle"[tier % 3], words[drive]);
		if (tier < 3) {
			str_fmt(hi, sizeof(hi), "%s\x01", lo);
		} else {
			range_end(lo, hi, sizeof(hi));
			str_fmt(lo, sizeof(lo), "%c:%s\x01", "fle"[tier % 3], words[drive]);
		}
		store_bind_text(st, 1, lo);
		store_bind_text(st, 2, hi);
		store_bind_int(st, 3, SEARCH_SCAN_MAX);
		for (int k = 0; k < insql; k++) {
			char whi[TEXTNORM_WORD_MAX];
			range_end(words[other[k]], whi, sizeof(whi));
			store_bind_text(st, 4 + 2 * k, words[other[k]]);
			store_bind_text(st, 5 + 2 * k, whi);
		}
		int rc = 0;
		while (nhits < max && nseen < SEEN_SLOTS / 2 && (rc = store_step(st)) == STORE_ROW) {
			int64_t id = store_col_int(st, 0);
			if (filter && !seen_has(filter, id))
				continue;
			if (!seen_add(seen, id))
				continue;
			nseen++;
			int score = nw > 1 ? person_score(s, id, words, nw) : tier;
			if (score < 0)
				continue;
			hits[nhits].id = id;
			hits[nhits].score = score;
			nhits++;
		}
		store_reset(st);
		if (rc < 0)
			goto out;
	}
	for (int i = 0; i < nhits; i++) {
		if (people_get(s, event, hits[i].id, &hits[i].r) != 1)
			goto out;
		textnorm_fold(hits[i].r.first_name, TEXTNORM_PRIMARY, hits[i].key,
			      sizeof(hits[i].key));
	}
	qsort(hits, (size_t)nhits, sizeof(*hits), hit_cmp);
	for (int i = 0; i < nhits; i++)
		out[i] = hits[i].r;
	ret = nhits;
out:
	free(filter);
	free(seen);
	free(hits);
	return ret;
}

/* ---- check-in ---- */

static char *checkin_payload(const char *uuid, const char *event, const char *person_uuid,
			     const char *ext, const char *first, const char *last, int64_t at,
			     int synced, const char *method)
{
	char li[8];
	first_char(last, li);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:I, s:b, s:s}",
			      "uuid", uuid, "event", event, "person", person_uuid,
			      "external_id", or_null(ext), "first_name", first, "last_initial", li,
			      "at", (json_int_t)at, "clock_synced", synced, "method", method);
	if (!o) {
		err_set("cannot build the check-in record");
		return NULL;
	}
	char *js = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!js)
		err_set("cannot build the check-in record");
	return js;
}

/* Steps st, whose ?1 is the id, to its one row, which the caller reads and then resets.
 * Without a row (or on an error) st is reset and -1 returned: "no WHAT with id N".
 * st may be NULL: store_stmt() failed and set the error. */
static int row_by_id(struct store_stmt *st, int64_t id, const char *what)
{
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	if (store_step(st) != STORE_ROW) {
		store_reset(st);
		return err_set("no %s with id %lld", what, (long long)id);
	}
	return 0;
}

/* Inside a transaction: checks the person in unless already. */
static int checkin_tx(struct store *s, const struct clock *c, const char *event, int64_t pid,
		      const char *method, int64_t *checkin_id)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT id FROM checkin WHERE event = ?1 AND person_id = ?2 AND undone_at IS NULL");
	if (!st)
		return -1;
	store_bind_text(st, 1, event);
	store_bind_int(st, 2, pid);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		if (checkin_id)
			*checkin_id = store_col_int(st, 0);
		store_reset(st);
		return PEOPLE_CHECKIN_ALREADY;
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	st = store_stmt(s, "SELECT uuid, external_id, first_name, last_name FROM person WHERE id = ?1");
	if (row_by_id(st, pid, "person") < 0)
		return -1;
	char uuid[37];
	uuid_v4(uuid);
	int64_t now = clock_now(c);
	int synced = clock_synchronised(c);
	char *js = checkin_payload(uuid, event, store_col_text(st, 0), store_col_text(st, 1),
				   store_col_text(st, 2), store_col_text(st, 3), now, synced, method);
	char person_uuid[37];
	str_copy(person_uuid, sizeof(person_uuid), store_col_text(st, 0));
	store_reset(st);
	if (!js)
		return -1;
	int ret = -1;
	st = store_stmt(s, "INSERT INTO checkin(uuid, event, person_id, at, clock_synced, method) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		goto out;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, event);
	store_bind_int(st, 3, pid);
	store_bind_int(st, 4, now);
	store_bind_int(st, 5, synced);
	store_bind_text(st, 6, method);
	rc = store_step(st);
	store_reset(st);
	if (rc < 0)
		goto out;
	if (checkin_id)
		*checkin_id = store_last_id(s);
	if (outbox_add(s, c, "checkin", person_uuid, js, NULL) < 0)
		goto out;
	ret = PEOPLE_CHECKIN_OK;
out:
	free(js);
	return ret;
}

int people_checkin(struct store *s, const struct clock *c, const char *event, int64_t person_id,
		   const char *method, int64_t *checkin_id_out)
{
	int64_t cid = 0;
	if (store_tx_begin(s) < 0)
		return -1;
	int rc = checkin_tx(s, c, event, person_id, method, &cid);
	if (rc == PEOPLE_CHECKIN_OK) {
		if (store_tx_commit(s) < 0)
			return -1;
	} else {
		store_tx_rollback(s);
	}
	if (rc >= 0 && checkin_id_out)
		*checkin_id_out = cid;
	return rc;
}

int people_checkin_undo(struct store *s, const struct clock *c, int64_t checkin_id)
{
	if (store_tx_begin(s) < 0)
		return -1;
	struct store_stmt *st = store_stmt(s,
		"SELECT c.uuid, c.event, p.uuid, c.undone_at IS NOT NULL FROM checkin c "
		"JOIN person p ON p.id = c.person_id WHERE c.id = ?1");
	if (row_by_id(st, checkin_id, "check-in") < 0)
		goto fail;
	if (store_col_int(st, 3)) {
		store_reset(st);
		store_tx_rollback(s);
		return 1;
	}
	int64_t now = clock_now(c);
	char person_uuid[37];
	str_copy(person_uuid, sizeof(person_uuid), store_col_text(st, 2));
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b}", "checkin", store_col_text(st, 0),
			      "event", store_col_text(st, 1), "person", person_uuid,
			      "at", (json_int_t)now, "clock_synced", clock_synchronised(c));
	store_reset(st);
	char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!js) {
		err_set("cannot build the undo record");
		goto fail;
	}
	st = store_stmt(s, "UPDATE checkin SET undone_at = ?2 WHERE id = ?1");
	int rc = -1;
	if (st) {
		store_bind_int(st, 1, checkin_id);
		store_bind_int(st, 2, now);
		rc = store_step(st);
		store_reset(st);
	}
	if (rc < 0 || outbox_add(s, c, "checkin_undo", person_uuid, js, NULL) < 0) {
		free(js);
		goto fail;
	}
	free(js);
	return store_tx_commit(s);
fail:
	store_tx_rollback(s);
	return -1;
}

/* ---- walk-ins ---- */

char *people_payload_json(struct store *s, int64_t person_id)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT uuid, external_id, first_name, last_name, email, phone, postcode, lang, "
		"source, consent_version, consent_at, created_at FROM person WHERE id = ?1");
	if (row_by_id(st, person_id, "person") < 0)
		return NULL;
	json_t *o = json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:I}",
			      "uuid", store_col_text(st, 0),
			      "external_id", or_null(store_col_text(st, 1)),
			      "first_name", store_col_text(st, 2),
			      "last_name", store_col_text(st, 3),
			      "email", or_null(store_col_text(st, 4)),
			      "phone", or_null(store_col_text(st, 5)),
			      "postcode", or_null(store_col_text(st, 6)),
			      "lang", or_null(store_col_text(st, 7)),
			      "source", store_col_text(st, 8),
			      "created_at", (json_int_t)store_col_int(st, 11));
	if (o && !store_col_is_null(st, 9))
		json_object_set_new(o, "consent",
				    json_pack("{s:s, s:I}", "version", store_col_text(st, 9),
					      "at", (json_int_t)store_col_int(st, 10)));
	store_reset(st);
	char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!js)
		err_set("cannot build the person record");
	return js;
}

static int person_outbox(struct store *s, const struct clock *c, int64_t id)
{
	char *js = people_payload_json(s, id);
	if (!js)
		return -1;
	struct store_stmt *st = store_stmt(s, "SELECT uuid FROM person WHERE id = ?1");
	int rc = -1;
	if (st) {
		store_bind_int(st, 1, id);
		if (store_step(st) == STORE_ROW) {
			char uuid[37];
			str_copy(uuid, sizeof(uuid), store_col_text(st, 0));
			store_reset(st);
			rc = outbox_add(s, c, "person", uuid, js, NULL);
		} else {
			store_reset(st);
		}
	}
	free(js);
	return rc;
}

int people_walkin(struct store *s, const struct clock *c, const char *event,
		  const struct people_walkin *w, struct people_walkin_errors *e,
		  struct people_walkin_result *r)
{
	if (people_walkin_validate(w, e) > 0)
		return 1;
	if (w->consent && is_blank(w->consent_version))
		return err_set("consent given but the pack has no consent version");
	char first[PEOPLE_NAME_MAX], last[PEOPLE_NAME_MAX], email[320] = "", phone[32] = "";
	char postcode[8] = "", li[8];
	trimmed(w->first_name, first, sizeof(first));
	trimmed(w->last_name, last, sizeof(last));
	if (!is_blank(w->email)) {
		trimmed(w->email, email, sizeof(email));
		ascii_lower(email);
	}
	if (!is_blank(w->phone))
		people_phone_norm(w->phone, phone, sizeof(phone));
	if (!is_blank(w->postcode))
		postcode_norm(w->postcode, postcode);
	first_char(last, li);
	int64_t now = clock_now(c);
	struct people_walkin_result res;
	memset(&res, 0, sizeof(res));
	if (store_tx_begin(s) < 0)
		return -1;
	int64_t id = person_find(s, NULL, email, phone);
	if (id < 0)
		goto fail;
	struct store_stmt *st;
	if (id > 0) {
		res.merged = 1;
		if (w->consent) {
			/* A known person who consents: keep their name, fill in new details. */
			st = store_stmt(s,
				"UPDATE person SET email = coalesce(?2, email), phone = coalesce(?3, phone), "
				"postcode = coalesce(?4, postcode), lang = coalesce(?5, lang), "
				"consent_version = ?6, consent_at = ?7, updated_at = ?7 WHERE id = ?1");
			if (!st)
				goto fail;
			store_bind_int(st, 1, id);
			store_bind_text(st, 2, or_null(email));
			store_bind_text(st, 3, or_null(phone));
			store_bind_text(st, 4, or_null(postcode));
			store_bind_text(st, 5, or_null(w->lang));
			store_bind_text(st, 6, w->consent_version);
			store_bind_int(st, 7, now);
			int rc = store_step(st);
			store_reset(st);
			if (rc < 0)
				goto fail;
			/* The email may be new: search by it too. */
			st = store_stmt(s, "SELECT first_name, last_name, email FROM person WHERE id = ?1");
			if (!st)
				goto fail;
			store_bind_int(st, 1, id);
			if (store_step(st) == STORE_ROW) {
				char f[PEOPLE_NAME_MAX], l[PEOPLE_NAME_MAX], em[320];
				str_copy(f, sizeof(f), store_col_text(st, 0));
				str_copy(l, sizeof(l), store_col_text(st, 1));
				str_copy(em, sizeof(em), store_col_text(st, 2));
				store_reset(st);
				if (tokens_write(s, id, f, l, em, 0) < 0)
					goto fail;
			} else {
				store_reset(st);
			}
			if (person_outbox(s, c, id) < 0)
				goto fail;
		}
	} else {
		char uuid[37];
		uuid_v4(uuid);
		st = store_stmt(s,
			"INSERT INTO person(uuid, first_name, last_name, email, phone, postcode, lang, "
			"source, consent_version, consent_at, created_at, updated_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'walkin', ?8, ?9, ?10, ?10)");
		if (!st)
			goto fail;
		store_bind_text(st, 1, uuid);
		store_bind_text(st, 2, first);
		if (w->consent) {
			store_bind_text(st, 3, last);
			store_bind_text(st, 4, or_null(email));
			store_bind_text(st, 5, or_null(phone));
			store_bind_text(st, 6, or_null(postcode));
			store_bind_text(st, 8, w->consent_version);
			store_bind_int(st, 9, now);
		} else {
			/* No consent: first name and last initial only; nothing to contact them by. */
			store_bind_text(st, 3, li);
		}
		store_bind_text(st, 7, or_null(w->lang));
		store_bind_int(st, 10, now);
		int rc = store_step(st);
		store_reset(st);
		if (rc < 0)
			goto fail;
		id = store_last_id(s);
		if (tokens_write(s, id, first, w->consent ? last : li, w->consent ? email : NULL,
				 1) < 0)
			goto fail;
		if (w->consent && person_outbox(s, c, id) < 0)
			goto fail;
	}
	res.person_id = id;
	int rc = checkin_tx(s, c, event, id, "walkin", &res.checkin_id);
	if (rc < 0)
		goto fail;
	res.already = rc == PEOPLE_CHECKIN_ALREADY;
	if (store_tx_commit(s) < 0)
		return -1;
	*r = res;
	return 0;
fail:
	store_tx_rollback(s);
	return -1;
}

/* ---- organizer view ---- */

int people_counts(struct store *s, const char *event, struct people_counts *out)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT (SELECT count(*) FROM checkin WHERE event = ?1 AND undone_at IS NULL), "
		"(SELECT count(*) FROM checkin c JOIN person p ON p.id = c.person_id "
		" WHERE c.event = ?1 AND c.undone_at IS NULL AND p.source = 'walkin'), "
		"(SELECT count(*) FROM person p WHERE p.source = 'roster' AND NOT EXISTS "
		" (SELECT 1 FROM checkin c WHERE c.event = ?1 AND c.person_id = p.id "
		"  AND c.undone_at IS NULL))");
	if (!st)
		return -1;
	store_bind_text(st, 1, event);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		out->checked_in = (int)store_col_int(st, 0);
		out->walkins = (int)store_col_int(st, 1);
		out->not_arrived = (int)store_col_int(st, 2);
	}
	store_reset(st);
	return rc == STORE_ROW ? 0 : -1;
}

int people_recent(struct store *s, const char *event, int offset,
		  struct people_checkin_row *out, int max)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT c.id, c.person_id, c.at, c.method, p.first_name, p.last_name, p.source "
		"FROM checkin c JOIN person p ON p.id = c.person_id "
		"WHERE c.event = ?1 AND c.undone_at IS NULL ORDER BY c.at DESC, c.id DESC "
		"LIMIT ?2 OFFSET ?3");
	if (!st)
		return -1;
	store_bind_text(st, 1, event);
	store_bind_int(st, 2, max);
	store_bind_int(st, 3, offset);
	int n = 0, rc = 0;
	while (n < max && (rc = store_step(st)) == STORE_ROW) {
		struct people_checkin_row *r = &out[n++];
		memset(r, 0, sizeof(*r));
		r->checkin_id = store_col_int(st, 0);
		r->person_id = store_col_int(st, 1);
		r->at = store_col_int(st, 2);
		copy_cut(r->method, sizeof(r->method), store_col_text(st, 3));
		copy_cut(r->first_name, sizeof(r->first_name), store_col_text(st, 4));
		first_char(store_col_text(st, 5), r->last_initial);
		r->walkin = strcmp(store_col_text(st, 6), "walkin") == 0;
	}
	store_reset(st);
	return rc < 0 ? -1 : n;
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
