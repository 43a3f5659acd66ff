#include "teams.h"
#include "clock.h"
#include "outbox.h"
#include "store.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const KIND_NAMES[3] = {"leader", "host", "member"};

static const char *const WEEKDAYS[3][7] = {
	{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"},
	{"mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"},
	{"måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"},
};

/* Copies src into dst[size], cutting at a UTF-8 character boundary. */
static void copy_utf8(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ascii_ieq(const char *a, const char *b)
{
	while (*a && *b && ascii_lower((unsigned char)*a) == ascii_lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

const char *teams_weekday_key(int day)
{
	if (day < 0 || day > 6)
		BUG("teams_weekday_key: day out of range");
	return WEEKDAYS[0][day];
}

int teams_weekday_parse(const char *s)
{
	char buf[32];
	if (!s || str_copy(buf, sizeof(buf), s) < 0)
		return -1;
	str_trim(buf);
	for (int l = 0; l < 3; l++)
		for (int d = 0; d < 7; d++)
			if (ascii_ieq(buf, WEEKDAYS[l][d]))
				return d;
	return -1;
}

static int kind_from_name(const char *s)
{
	for (int k = 0; k < 3; k++)
		if (strcmp(s, KIND_NAMES[k]) == 0)
			return k;
	return ROLE_MEMBER;
}

/* Postcodes compare without spaces and ASCII case: "211 45" = "21145", "sw1a" = "SW1A". */
static void norm_postcode(const char *in, char *out, size_t size)
{
	size_t n = 0;
	for (; *in && n + 1 < size; in++)
		if (*in != ' ' && *in != '\t')
			out[n++] = (char)ascii_lower((unsigned char)*in);
	out[n] = '\0';
}

int teams_suggest(const struct pack *p, const char *postcode)
{
	char pc[64], code[64];
	if (!postcode)
		return -1;
	norm_postcode(postcode, pc, sizeof(pc));
	if (!pc[0])
		return -1;
	int best = -1;
	size_t best_len = 0;
	for (int t = 0; t < p->nteams; t++) {
		for (int i = 0; i < p->teams[t].npostcodes; i++) {
			norm_postcode(p->teams[t].postcodes[i], code, sizeof(code));
			size_t n = strlen(code);
			if (n && code[n - 1] == '*') {
				code[--n] = '\0';
				if (strncmp(pc, code, n) == 0 && (best < 0 || n > best_len)) {
					best = t;
					best_len = n;
				}
			} else if (n && strcmp(pc, code) == 0) {
				return t;
			}
		}
	}
	return best;
}

int teams_suggest_person(struct store *s, const struct pack *p, int64_t person_id)
{
	struct store_stmt *st = store_stmt(s, "SELECT postcode FROM person WHERE id = ?1");
	char pc[64] = "";
	if (!st)
		return -1;
	store_bind_int(st, 1, person_id);
	if (store_step(st) == STORE_ROW)
		copy_utf8(pc, sizeof(pc), store_col_text(st, 0));
	store_reset(st);
	return teams_suggest(p, pc);
}

static int role_asks(const struct pack_role *r, enum ask_kind k)
{
	for (int i = 0; i < r->nasks; i++)
		if (r->asks[i] == k)
			return 1;
	return 0;
}

static const char *const ASK_NAMES[4] = {"day", "time", "place", "text"};

/* "19:00", "9:30", "19.00" -> "HH:MM". */
static int parse_time(const char *s, char out[8])
{
	int h = 0, m = 0, i = 0, hd = 0;
	while (s[i] >= '0' && s[i] <= '9' && hd < 2) {
		h = h * 10 + (s[i++] - '0');
		hd++;
	}
	if (hd == 0 || (s[i] != ':' && s[i] != '.'))
		return -1;
	i++;
	if (!(s[i] >= '0' && s[i] <= '9' && s[i + 1] >= '0' && s[i + 1] <= '9') || s[i + 2])
		return -1;
	m = (s[i] - '0') * 10 + (s[i + 1] - '0');
	if (h > 23 || m > 59)
		return -1;
	str_fmt(out, 8, "%02d:%02d", h, m);
	return 0;
}

int teams_check_details(const struct pack *p, int role, struct commit_details *d)
{
	if (role < 0 || role >= p->nroles)
		return err_set("no role number %d in the pack (it has %d)", role, p->nroles);
	const struct pack_role *r = &p->roles[role];
	for (int i = 0; i < r->nasks; i++)
		if ((int)r->asks[i] < 0 || (int)r->asks[i] > ASK_TEXT)
			return err_set("role '%s' asks for something unknown (%d)", r->name,
				       (int)r->asks[i]);
	char *fields[4] = {d->day, d->time, d->place, d->text};
	for (int k = 0; k < 4; k++) {
		str_trim(fields[k]);
		if (!utf8_valid(fields[k], strlen(fields[k])))
			return err_set("the %s is not valid UTF-8", ASK_NAMES[k]);
		if (fields[k][0] && !role_asks(r, (enum ask_kind)k))
			return err_set("role '%s' does not ask for a %s", r->name, ASK_NAMES[k]);
	}
	if (d->day[0]) {
		int day = teams_weekday_parse(d->day);
		if (day < 0)
			return err_set("day '%s' is not a weekday name", d->day);
		str_copy(d->day, sizeof(d->day), teams_weekday_key(day));
	}
	if (d->time[0]) {
		char t[8];
		if (parse_time(d->time, t) < 0)
			return err_set("time '%s' is not HH:MM", d->time);
		str_copy(d->time, sizeof(d->time), t);
	}
	/* A host who said yes to "a phone bank" without when and where has not committed to
	 * anything yet: the day, time and place a role asks for are required (the text is a
	 * note, and stays optional). */
	for (int k = ASK_DAY; k <= ASK_PLACE; k++)
		if (role_asks(r, (enum ask_kind)k) && !fields[k][0])
			return err_set("role '%s' needs a %s", r->name, ASK_NAMES[k]);
	return 0;
}

static const char *event_of(const struct pack *p)
{
	return p->event_id ? p->event_id : "";
}

/* The person's uuid and language (falling back to the pack's first language). */
static int person_info(struct store *s, const struct pack *p, int64_t person_id, char uuid[37],
		       char lang[8])
{
	struct store_stmt *st = store_stmt(s, "SELECT uuid, lang FROM person WHERE id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, person_id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		copy_utf8(uuid, 37, store_col_text(st, 0));
		copy_utf8(lang, 8, store_col_text(st, 1));
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	if (rc != STORE_ROW)
		return err_set("no person with id %lld", (long long)person_id);
	if (!lang[0])
		copy_utf8(lang, 8, p->nlangs > 0 ? p->langs[0] : "en");
	return 0;
}

static json_t *details_json(const struct commit_details *d)
{
	json_t *o = json_object();
	if (d->day[0])
		json_object_set_new(o, "day", json_string(d->day));
	if (d->time[0])
		json_object_set_new(o, "time", json_string(d->time));
	if (d->place[0])
		json_object_set_new(o, "place", json_string(d->place));
	if (d->text[0])
		json_object_set_new(o, "text", json_string(d->text));
	return o;
}

static void details_parse(const char *text, struct commit_details *d)
{
	memset(d, 0, sizeof(*d));
	json_t *o = json_loads(text, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return;
	}
	struct { const char *key; char *dst; size_t size; } f[4] = {
		{"day", d->day, sizeof(d->day)},
		{"time", d->time, sizeof(d->time)},
		{"place", d->place, sizeof(d->place)},
		{"text", d->text, sizeof(d->text)},
	};
	for (int i = 0; i < 4; i++) {
		const char *v = json_string_value(json_object_get(o, f[i].key));
		if (v)
			copy_utf8(f[i].dst, f[i].size, v);
	}
	json_decref(o);
}

/* The person's roster id (RSVP code), "" when none: a roster person has another uuid on each
 * station of a room, and this is how the others find them (sync). 0, or -1 on a store error. */
static int person_external(struct store *s, int64_t person_id, char *out, size_t size)
{
	out[0] = '\0';
	struct store_stmt *st = store_stmt(s, "SELECT coalesce(external_id, '') FROM person WHERE id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, person_id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		copy_utf8(out, size, store_col_text(st, 0));
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* The outbox payload of a commitment as it is now. Caller frees. */
static char *commitment_payload(const struct commitment *cm, const char *event, const char *ext)
{
	json_t *o = json_object();
	json_object_set_new(o, "uuid", json_string(cm->uuid));
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "person", json_string(cm->person_uuid));
	if (ext && ext[0])
		json_object_set_new(o, "person_external_id", json_string(ext));
	json_object_set_new(o, "role", json_string(cm->role_name));
	json_object_set_new(o, "role_kind", json_string(KIND_NAMES[cm->kind]));
	json_object_set_new(o, "team", cm->team_name[0] ? json_string(cm->team_name) : json_null());
	json_object_set_new(o, "details", details_json(&cm->d));
	json_object_set_new(o, "lang", json_string(cm->lang));
	json_object_set_new(o, "created_at", json_integer(cm->created_at));
	json_object_set_new(o, "updated_at", json_integer(cm->updated_at));
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		BUG("json_dumps failed");
	return s;
}

static int add_print_job(struct store *s, const struct clock *c, const struct pack *p,
			 int64_t commitment_id)
{
	if (!p->printer || !p->printer[0])
		return 0;
	struct store_stmt *st = store_stmt(s,
		"INSERT INTO print_job(commitment_id, created_at) VALUES (?1, ?2)");
	if (!st)
		return -1;
	store_bind_int(st, 1, commitment_id);
	store_bind_int(st, 2, clock_now(c));
	int rc = store_step(st);
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* Validates role, team and details into *cm's role/team/details fields. */
static int fill_choice(const struct pack *p, int role, int team, const struct commit_details *d,
		       struct commitment *cm)
{
	if (role < 0 || role >= p->nroles)
		return err_set("no role number %d in the pack (it has %d)", role, p->nroles);
	if (team < -1 || team >= p->nteams)
		return err_set("no team number %d in the pack (it has %d)", team, p->nteams);
	if (d)
		cm->d = *d;
	else
		memset(&cm->d, 0, sizeof(cm->d));
	/* Make sure every field is terminated whatever the caller passed. */
	cm->d.day[sizeof(cm->d.day) - 1] = cm->d.time[sizeof(cm->d.time) - 1] = '\0';
	cm->d.place[sizeof(cm->d.place) - 1] = cm->d.text[sizeof(cm->d.text) - 1] = '\0';
	if (teams_check_details(p, role, &cm->d) < 0)
		return -1;
	cm->role = role;
	cm->kind = p->roles[role].kind;
	copy_utf8(cm->role_name, sizeof(cm->role_name), p->roles[role].name);
	cm->team = team;
	copy_utf8(cm->team_name, sizeof(cm->team_name), team >= 0 ? p->teams[team].name : "");
	return 0;
}

/* Rolls back, keeping the first error's message. */
static int fail_tx(struct store *s)
{
	char msg[512];
	str_copy(msg, sizeof(msg), err_msg());
	store_tx_rollback(s);
	return err_set("%s", msg);
}

/* Writes cm in one transaction with its outbox record and slip job: a new commitment when
 * edit_id is 0 (cm->id is set), else the choice and details of commitment edit_id. The two
 * statements number the shared columns alike so one set of binds serves both. */
static int commit_write(struct store *s, const struct clock *c, const struct pack *p,
			struct commitment *cm, int64_t edit_id)
{
	json_t *dobj = details_json(&cm->d);
	char *dj = json_dumps(dobj, JSON_COMPACT);
	json_decref(dobj);
	char ext[256];
	char *payload = NULL;
	int rc = -1;
	if (person_external(s, cm->person_id, ext, sizeof(ext)) < 0)
		goto out;
	payload = commitment_payload(cm, event_of(p), ext);
	if (store_tx_begin(s) < 0)
		goto out;
	struct store_stmt *st = edit_id ?
		store_stmt(s,
			"UPDATE commitment SET role = ?1, role_kind = ?2, team = ?3, details = ?4,"
			" updated_at = ?5 WHERE id = ?6 AND cancelled_at IS NULL") :
		store_stmt(s,
			"INSERT INTO commitment(uuid, event, person_id, role, role_kind, team, details,"
			" lang, created_at, updated_at) VALUES (?6, ?7, ?8, ?1, ?2, ?3, ?4, ?9, ?5, ?5)");
	if (!st) {
		fail_tx(s);
		goto out;
	}
	store_bind_text(st, 1, cm->role_name);
	store_bind_text(st, 2, KIND_NAMES[cm->kind]);
	store_bind_text(st, 3, cm->team_name[0] ? cm->team_name : NULL);
	store_bind_text(st, 4, dj);
	store_bind_int(st, 5, cm->updated_at);
	if (edit_id) {
		store_bind_int(st, 6, edit_id);
	} else {
		store_bind_text(st, 6, cm->uuid);
		store_bind_text(st, 7, event_of(p));
		store_bind_int(st, 8, cm->person_id);
		store_bind_text(st, 9, cm->lang);
	}
	int r = store_step(st);
	store_reset(st);
	if (r >= 0 && !edit_id)
		cm->id = store_last_id(s);
	if (r < 0 || outbox_add(s, c, "commitment", cm->person_uuid, payload, NULL) < 0 ||
	    add_print_job(s, c, p, cm->id) < 0) {
		fail_tx(s);
		goto out;
	}
	if (store_tx_commit(s) < 0)
		goto out;
	rc = 0;
out:
	free(dj);
	free(payload);
	return rc;
}

int teams_commit_add(struct store *s, const struct clock *c, const struct pack *p,
		     int64_t person_id, int role, int team, const struct commit_details *d,
		     int64_t *id_out)
{
	struct commitment *cm = xcalloc(1, sizeof(*cm));
	int rc = -1;
	if (fill_choice(p, role, team, d, cm) < 0 ||
	    person_info(s, p, person_id, cm->person_uuid, cm->lang) < 0)
		goto out;
	uuid_v4(cm->uuid);
	cm->person_id = person_id;
	cm->created_at = cm->updated_at = clock_now(c);
	if (commit_write(s, c, p, cm, 0) < 0)
		goto out;
	if (id_out)
		*id_out = cm->id;
	rc = 0;
out:
	free(cm);
	return rc;
}

/* store_stmt() keeps the SQL pointer as its cache key: statements must be literals. */
#define GET_SQL \
	"SELECT c.id, c.uuid, c.person_id, p.uuid, p.first_name, p.last_name, c.role, c.role_kind," \
	" c.team, c.details, c.lang, c.created_at, c.updated_at, c.cancelled_at" \
	" FROM commitment c JOIN person p ON p.id = c.person_id"

static void read_row(struct store_stmt *st, const struct pack *p, struct commitment *cm)
{
	memset(cm, 0, sizeof(*cm));
	cm->id = store_col_int(st, 0);
	copy_utf8(cm->uuid, sizeof(cm->uuid), store_col_text(st, 1));
	cm->person_id = store_col_int(st, 2);
	copy_utf8(cm->person_uuid, sizeof(cm->person_uuid), store_col_text(st, 3));
	copy_utf8(cm->first_name, sizeof(cm->first_name), store_col_text(st, 4));
	copy_utf8(cm->last_name, sizeof(cm->last_name), store_col_text(st, 5));
	copy_utf8(cm->role_name, sizeof(cm->role_name), store_col_text(st, 6));
	cm->kind = (enum role_kind)kind_from_name(store_col_text(st, 7));
	copy_utf8(cm->team_name, sizeof(cm->team_name), store_col_text(st, 8));
	details_parse(store_col_text(st, 9), &cm->d);
	copy_utf8(cm->lang, sizeof(cm->lang), store_col_text(st, 10));
	cm->created_at = store_col_int(st, 11);
	cm->updated_at = store_col_int(st, 12);
	cm->cancelled_at = store_col_is_null(st, 13) ? 0 : store_col_int(st, 13);
	cm->role = cm->team = -1;
	for (int i = 0; i < p->nroles; i++)
		if (p->roles[i].name && strcmp(p->roles[i].name, cm->role_name) == 0) {
			cm->role = i;
			break;
		}
	for (int i = 0; cm->team_name[0] && i < p->nteams; i++)
		if (p->teams[i].name && strcmp(p->teams[i].name, cm->team_name) == 0) {
			cm->team = i;
			break;
		}
}

int teams_commit_get(struct store *s, const struct pack *p, int64_t id, struct commitment *out)
{
	struct store_stmt *st = store_stmt(s, GET_SQL " WHERE c.id = ?1");
	if (!st)
		return -1;
	store_bind_int(st, 1, id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		read_row(st, p, out);
	store_reset(st);
	if (rc < 0)
		return -1;
	if (rc != STORE_ROW)
		return err_set("no commitment with id %lld", (long long)id);
	return 0;
}

int teams_commit_list(struct store *s, const struct pack *p, int64_t person_id,
		      struct commitment *out, int max)
{
	struct store_stmt *st = store_stmt(s, GET_SQL " WHERE c.event = ?1 AND c.person_id = ?2 AND"
		" c.cancelled_at IS NULL ORDER BY c.id");
	if (!st)
		return -1;
	store_bind_text(st, 1, event_of(p));
	store_bind_int(st, 2, person_id);
	int n = 0, rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		if (n < max)
			read_row(st, p, &out[n]);
		n++;
	}
	store_reset(st);
	return rc < 0 ? -1 : n;
}

int teams_commit_edit(struct store *s, const struct clock *c, const struct pack *p, int64_t id,
		      int role, int team, const struct commit_details *d)
{
	struct commitment *cm = xcalloc(1, sizeof(*cm));
	int rc = -1;
	if (teams_commit_get(s, p, id, cm) < 0)
		goto out;
	if (cm->cancelled_at) {
		err_set("commitment %lld was cancelled; it cannot be changed", (long long)id);
		goto out;
	}
	if (fill_choice(p, role, team, d, cm) < 0)
		goto out;
	cm->updated_at = clock_now(c);
	rc = commit_write(s, c, p, cm, id);
out:
	free(cm);
	return rc;
}

int teams_commit_cancel(struct store *s, const struct clock *c, const struct pack *p, int64_t id)
{
	struct commitment *cm = xcalloc(1, sizeof(*cm));
	char *payload = NULL;
	int rc = -1;
	if (teams_commit_get(s, p, id, cm) < 0)
		goto out;
	if (cm->cancelled_at) {
		err_set("commitment %lld is already cancelled", (long long)id);
		goto out;
	}
	int64_t now = clock_now(c);
	json_t *o = json_object();
	json_object_set_new(o, "uuid", json_string(cm->uuid));
	json_object_set_new(o, "event", json_string(event_of(p)));
	json_object_set_new(o, "person", json_string(cm->person_uuid));
	json_object_set_new(o, "cancelled_at", json_integer(now));
	payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (store_tx_begin(s) < 0)
		goto out;
	struct store_stmt *st = store_stmt(s,
		"UPDATE commitment SET cancelled_at = ?2, updated_at = ?2 WHERE id = ?1");
	struct store_stmt *del = store_stmt(s,
		"DELETE FROM print_job WHERE commitment_id = ?1 AND state <> 'printed'");
	if (!st || !del) {
		fail_tx(s);
		goto out;
	}
	store_bind_int(st, 1, id);
	store_bind_int(st, 2, now);
	int r = store_step(st);
	store_reset(st);
	if (r >= 0) {
		store_bind_int(del, 1, id);
		r = store_step(del);
		store_reset(del);
	}
	if (r < 0 || outbox_add(s, c, "commitment_cancel", cm->person_uuid, payload, NULL) < 0) {
		fail_tx(s);
		goto out;
	}
	if (store_tx_commit(s) < 0)
		goto out;
	rc = 0;
out:
	free(payload);
	free(cm);
	return rc;
}

/* Templates. */

static const char *const VAR_NAMES[] = {"person", "team", "role", "event", "first_name"};

static const char *var_value(const struct teams_link_vars *v, int i)
{
	const char *vals[] = {v->person, v->team, v->role, v->event, v->first_name};
	return vals[i] ? vals[i] : "";
}

/* Appends percent-encoded s (RFC 3986: unreserved characters stay) to out[*n..size). */
static int put_encoded(char *out, int size, int *n, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			   (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
			   *p == '~';
		int need = keep ? 1 : 3;
		if (*n + need >= size)
			return -1;
		if (keep) {
			out[(*n)++] = (char)*p;
		} else {
			out[(*n)++] = '%';
			out[(*n)++] = hex[*p >> 4];
			out[(*n)++] = hex[*p & 15];
		}
	}
	return 0;
}

/* Expands or (out == NULL) only checks tmpl. */
static int expand(const char *tmpl, const struct teams_link_vars *v, char *out, int size)
{
	int n = 0;
	for (const char *p = tmpl; *p; p++) {
		if (*p == '{') {
			const char *e = strchr(p, '}');
			if (!e)
				return err_set("link template has a '{' without '}' at character %d",
					       (int)(p - tmpl) + 1);
			size_t len = (size_t)(e - p - 1);
			int var = -1;
			for (int i = 0; i < (int)ARRAY_SIZE(VAR_NAMES); i++)
				if (strlen(VAR_NAMES[i]) == len && strncmp(p + 1, VAR_NAMES[i], len) == 0)
					var = i;
			if (var < 0)
				return err_set("unknown placeholder '{%.*s}' in link template; known: "
					       "{person} {team} {role} {event} {first_name}",
					       (int)(len > 40 ? 40 : len), p + 1);
			if (out && put_encoded(out, size, &n, var_value(v, var)) < 0)
				goto toolong;
			p = e;
		} else if (*p == '}') {
			return err_set("link template has a '}' without '{' at character %d",
				       (int)(p - tmpl) + 1);
		} else if (out) {
			if (n + 1 >= size)
				goto toolong;
			out[n++] = *p;
		}
	}
	if (out)
		out[n] = '\0';
	return 0;
toolong:
	return err_set("the link from template '%.60s' is longer than %d bytes", tmpl, size - 1);
}

int teams_expand(const char *tmpl, const struct teams_link_vars *v, char *out, int size)
{
	if (size < 1)
		BUG("teams_expand: no room");
	if (expand(tmpl, v, out, size) < 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int teams_check_template(const char *tmpl, char *err, int errsize)
{
	if (errsize > 0)
		err[0] = '\0';
	if (!utf8_valid(tmpl, strlen(tmpl))) {
		err_set("link template is not valid UTF-8");
	} else if (expand(tmpl, NULL, NULL, 0) == 0) {
		return 0;
	}
	if (errsize > 0)
		str_copy(err, (size_t)errsize, err_msg());
	return -1;
}

int teams_link(const struct pack *p, const struct commitment *cm, char *out, int size)
{
	out[0] = '\0';
	if (cm->team < 0 || cm->team >= p->nteams)
		return 1;
	const char *tmpl = p->teams[cm->team].qr;
	if (!tmpl || !*tmpl)
		return 1;
	struct teams_link_vars v = {cm->person_uuid, cm->team_name, cm->role_name, event_of(p),
				    cm->first_name};
	if (teams_expand(tmpl, &v, out, size) < 0) {
		/* err_msg() is the buffer err_set() writes: copy it out first. */
		char why[512];
		str_copy(why, sizeof(why), err_msg());
		return err_set("team '%s': %s", cm->team_name, why);
	}
	return 0;
}

/* The board. */

static void short_name(const char *first, const char *last, char *out, size_t size)
{
	char f[BOARD_NAME_MAX];
	copy_utf8(f, sizeof(f) - 8, first);
	if (last && *last) {
		const char *q = last;
		utf8_next(&q);
		str_fmt(out, size, "%s %.*s.", f, (int)(q - last), last);
	} else {
		copy_utf8(out, size, f);
	}
}

static int count_distinct(struct store *s, const struct pack *p, const char *kind)
{
	struct store_stmt *st = store_stmt(s,
		"SELECT count(DISTINCT person_id) FROM commitment WHERE event = ?1 AND"
		" cancelled_at IS NULL AND (?2 IS NULL OR role_kind = ?2)");
	if (!st)
		return -1;
	store_bind_text(st, 1, event_of(p));
	store_bind_text(st, 2, kind);
	int rc = store_step(st), n = rc == STORE_ROW ? (int)store_col_int(st, 0) : -1;
	store_reset(st);
	return n;
}

static void target(struct board_target *t, int have, int checked_in, int min_pct, int max_pct,
		   int def_min, int def_max)
{
	t->have = have;
	t->min_pct = min_pct > 0 ? min_pct : def_min;
	t->max_pct = max_pct > 0 ? max_pct : def_max;
	if (t->max_pct < t->min_pct)
		t->max_pct = t->min_pct;
	t->min = (t->min_pct * checked_in + 99) / 100;
	t->max = (t->max_pct * checked_in + 99) / 100;
	t->to_go = t->min > have ? t->min - have : 0;
}

int teams_board(struct store *s, const struct pack *p, struct board *b)
{
	memset(b, 0, sizeof(*b));
	b->nteams = p->nteams + 1;
	for (int t = 0; t < p->nteams; t++)
		b->teams[t].name = p->teams[t].name ? p->teams[t].name : "";
	b->teams[p->nteams].name = "";

	struct store_stmt *st = store_stmt(s,
		"SELECT count(DISTINCT person_id) FROM checkin WHERE event = ?1 AND undone_at IS NULL");
	if (!st)
		return -1;
	store_bind_text(st, 1, event_of(p));
	int rc = store_step(st);
	b->checked_in = rc == STORE_ROW ? (int)store_col_int(st, 0) : 0;
	store_reset(st);
	if (rc < 0)
		return -1;

	/* One row per person, team and kind, in the order they first committed. */
	st = store_stmt(s,
		"SELECT c.team, c.role_kind, p.first_name, p.last_name, min(c.id) AS first"
		" FROM commitment c JOIN person p ON p.id = c.person_id"
		" WHERE c.event = ?1 AND c.cancelled_at IS NULL"
		" GROUP BY c.team, c.role_kind, c.person_id ORDER BY first");
	if (!st)
		return -1;
	store_bind_text(st, 1, event_of(p));
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *team = store_col_text(st, 0);
		int t = p->nteams;
		for (int i = 0; *team && i < p->nteams; i++)
			if (p->teams[i].name && strcmp(p->teams[i].name, team) == 0) {
				t = i;
				break;
			}
		struct board_list *l = &b->teams[t].kind[kind_from_name(store_col_text(st, 1))];
		l->count++;
		if (l->nnames < BOARD_MAX_NAMES)
			short_name(store_col_text(st, 2), store_col_text(st, 3),
				   l->names[l->nnames++], BOARD_NAME_MAX);
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	int leaders = count_distinct(s, p, "leader");
	int hosts = count_distinct(s, p, "host");
	b->committed = count_distinct(s, p, NULL);
	if (leaders < 0 || hosts < 0 || b->committed < 0)
		return -1;
	target(&b->leaders, leaders, b->checked_in, p->leader_target_min, p->leader_target_max,
	       TEAMS_LEADER_MIN_PCT, TEAMS_LEADER_MAX_PCT);
	target(&b->hosts, hosts, b->checked_in, p->host_target_min, p->host_target_max,
	       TEAMS_HOST_MIN_PCT, TEAMS_HOST_MAX_PCT);
	return 0;
}
