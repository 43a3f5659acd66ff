/* The sign-up screens: the commit flow, the board, the on-screen QR code, bad links, a failing
 * printer and self-service. Scripts drive the real binary (barnstorm script) on a pack written
 * here; people are checked in directly in the store first (the door is another feature). Some
 * cases drive the kiosk in-process (kiosk_init without a display) where a script cannot reach:
 * the print thread's result, the idle screen's self-service entry.
 *
 * Screenshots go to a temporary folder, or to $SIGNUP_SHOTS when set (to look at them). */
#include "testutil.h"

#include "clock.h"
#include "kiosk.h"
#include "screens/signup.h"
#include "pack.h"
#include "people.h"
#include "store.h"
#include "teams.h"
#include "util.h"

#include <time.h>

#define EVENT "test-event"
#define T0 1796310000000LL /* a little before the event */

static const char *const FIRST[10] = {"Anna", "Bo", "Carl", "Dorte", "Erik",
				      "Frida", "Gustav", "Helle", "Ida", "Jens"};
static const char *const LAST[6] = {"Berg", "Dahl", "Holm", "Lund", "Krog", "Vang"};
static const char *const POSTCODES[6] = {"8000", "8200", "8260", "8240", "8900", ""};

struct fx {
	char *dir;   /* the temporary folder: pack/, data/, shots/ */
	char pack[1024], data[1024], shots[1024];
	char out[65536];
};

/* The pack: two languages, three roles asking different things, teams with postcodes; extra
 * lines go at the end (more teams, [signup]). */
static void write_pack(struct fx *f, const char *printer, const char *extra)
{
	char ini[8192];
	str_copy(ini, sizeof(ini),
		"[event]\n"
		"id = " EVENT "\n"
		"title = Barnstorm Test\n"
		"venue = Testhuset\n"
		"starts = 2026-12-03 19:00\n"
		"ends = 2026-12-03 20:30\n"
		"timezone = Europe/Copenhagen\n"
		"languages = da, en\n"
		"[kiosk]\n"
		"pin = 4821\n"
		"[consent]\n"
		"version = 1\n"
		"da = Ja\n"
		"en = Yes\n"
		"[segment]\n"
		"title = Sign-up\n"
		"minutes = 30\n"
		"[role]\n"
		"name = Holdleder\n"
		"kind = leader\n"
		"asks = text\n"
		"[role]\n"
		"name = Vært for ugentlig telefonbank\n"
		"kind = host\n"
		"asks = day, time, place\n"
		"[role]\n"
		"name = Holdmedlem\n"
		"kind = member\n"
		"[targets]\n"
		"leaders = 10-20\n"
		"hosts = 70-80\n"
		"[team]\n"
		"name = Aarhus C\n"
		"postcodes = 8000\n"
		"qr = https://example.org/join/aarhus-c?ref={person}\n"
		"[team]\n"
		"name = Aarhus N\n"
		"postcodes = 8200, 8210\n"
		"qr = https://example.org/join/aarhus-n?ref={person}&n={first_name}\n"
		"[team]\n"
		"name = Viby og Højbjerg\n"
		"postcodes = 8260, 8270\n"
		"qr = https://example.org/join/viby?ref={person}\n"
		"[team]\n"
		"name = Risskov og Egå\n"
		"postcodes = 8240, 8250\n");
	size_t n = strlen(ini);
	if (printer)
		n += (size_t)str_fmt(ini + n, sizeof(ini) - n, "[print]\nprinter = %s\nwidth = 384\n",
				     printer);
	if (extra)
		str_fmt(ini + n, sizeof(ini) - n, "%s", extra);
	tu_write_str(f->pack, "event.ini", ini);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->dir = tu_tempdir();
	str_fmt(f->pack, sizeof(f->pack), "%s/pack", f->dir);
	str_fmt(f->data, sizeof(f->data), "%s/data", f->dir);
	const char *keep = getenv("SIGNUP_SHOTS");
	str_fmt(f->shots, sizeof(f->shots), "%s", keep && *keep ? keep : f->dir);
	assert_int_equal(mkdir(f->pack, 0700), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Checks in n people named FIRST[i % 10] LAST[i / 10] with POSTCODES[i / 10] (the last group
 * has none). Returns nothing; the store is closed again. */
static void seed(struct fx *f, int n)
{
	struct store *s = store_open(f->data);
	assert_non_null(s);
	struct clock c;
	clock_init_fake(&c, T0);
	for (int i = 0; i < n; i++) {
		struct people_in p = {NULL, FIRST[i % 10], LAST[i / 10], NULL, NULL, POSTCODES[i / 10]};
		int64_t id = 0;
		assert_int_equal(store_tx_begin(s), 0);
		assert_true(people_upsert(s, &c, &p, &id) >= 0);
		assert_int_equal(store_tx_commit(s), 0);
		assert_int_equal(people_checkin(s, &c, EVENT, id, "search", NULL), PEOPLE_CHECKIN_OK);
	}
	/* Someone in the roster who has not arrived: listed, but not selectable. */
	struct people_in p = {NULL, "Anna", "Bergholt", NULL, NULL, "8000"};
	assert_int_equal(store_tx_begin(s), 0);
	assert_true(people_upsert(s, &c, &p, NULL) >= 0);
	assert_int_equal(store_tx_commit(s), 0);
	store_close(s);
}

static int64_t q(struct fx *f, const char *sql)
{
	struct store *s = store_open(f->data);
	assert_non_null(s);
	int64_t v = store_query_int(s, sql);
	store_close(s);
	return v;
}

static void q_text(struct fx *f, const char *sql, char *out, size_t size)
{
	struct store *s = store_open(f->data);
	assert_non_null(s);
	struct store_stmt *st = store_stmt(s, sql);
	assert_non_null(st);
	out[0] = '\0';
	if (store_step(st) == STORE_ROW)
		str_copy(out, size, store_col_text(st, 0));
	store_reset(st);
	store_close(s);
}

static int run_script(struct fx *f, const char *name, const char *text, const char *size,
		      const char *lang)
{
	return tu_run_script(f->out, sizeof(f->out), f->dir, name, text, f->pack, f->data, f->shots,
			     size, lang);
}

/* zbarimg's reading of a screenshot, or "" when it finds no code. */
static void decode(struct fx *f, const char *shot, char *out, size_t size)
{
	char path[2048];
	str_fmt(path, sizeof(path), "%s/%s.png", f->shots, shot);
	tu_zbarimg(path, out, size);
	/* One code, one line (zbarimg may add unrelated noise after it). */
	out[strcspn(out, "\r\n")] = '\0';
}

#define LOGIN "tap \"Organizer\"\ntype \"4821\"\ntap \"OK\"\n"

/* Anna Berg (8000) hosts a phone bank in the suggested team; Bo Berg leads with a note; a
 * person without a postcode joins a team they pick. */
static const char FLOW[] =
	LOGIN
	"tap \"Sign-up\"\n"
	"shot %s-find-empty\n"
	"type \"anna\"\n"
	"shot %s-find\n"
	"type \" berg\"\n"
	"expect \"not checked in\"\n"
	"shot %s-find-berg\n"
	"tap \"Anna Berg\"\n"
	"shot %s-role\n"
	"tap \"Vært for ugentlig telefonbank\"\n"
	"expect \"Suggested from the postcode: Aarhus C\"\n"
	"shot %s-team\n"
	"tap \"Aarhus C\"\n"
	"tap \"Tue\"\n"
	"tap \"Other time\"\n"
	"type \"25:00\"\n"
	"tap \"Next\"\n"
	"expect \"Check the time\"\n"
	"key Backspace\nkey Backspace\nkey Backspace\nkey Backspace\nkey Backspace\n"
	"tap \"19:00\"\n"
	"tap \"Place, e.g. an address\"\n"
	"type \"Folkets Hus\"\n"
	"shot %s-details\n"
	"tap \"Next\"\n"
	"expect \"Folkets Hus\"\n"
	"shot %s-confirm\n"
	"tap \"Confirm\"\n"
	"expect \"Thank you, Anna!\"\n"
	"expect \"Team: Aarhus C\"\n"
	"shot %s-done\n"
	"tap \"New person\"\n"
	"type \"bo berg\"\n"
	"tap \"Bo B.\"\n"
	"tap \"Holdleder\"\n"
	"tap \"Aarhus N\"\n"
	"type \"Samler holdet\"\n"
	"tap \"Next\"\n"
	"tap \"Confirm\"\n"
	"expect \"Thank you, Bo!\"\n"
	"tap \"Another commitment\"\n"
	"tap \"Holdmedlem\"\n"
	"tap \"Aarhus N\"\n"
	"tap \"Confirm\"\n"
	"tap \"New person\"\n"
	"type \"carl vang\"\n"
	"tap \"Carl V.\"\n"
	"tap \"Holdmedlem\"\n"
	"expect \"We have no postcode for Carl\"\n"
	"shot %s-team-nopostcode\n"
	"tap \"Risskov og Egå\"\n"
	"tap \"Confirm\"\n"
	"expect \"Thank you, Carl!\"\n"
	"tap \"Back\"\n"
	"tap \"Back\"\n"
	"tap \"Back\"\n"
	"tap \"Board\"\n"
	"expect \"1 leader \xE2\x80\x94 5 to go\"\n"
	"expect \"1 host \xE2\x80\x94 41 to go\"\n"
	"shot %s-board\n";

static void commit_flow_and_store(void **state)
{
	struct fx *f = *state;
	char printer[1200];
	str_fmt(printer, sizeof(printer), "file:%s/slips.bin", f->dir);
	write_pack(f, printer, NULL);
	seed(f, 60);
	const char *sizes[2] = {"800x480", "1920x1080"};
	for (int i = 0; i < 2; i++) {
		char script[8192], tag[16];
		str_fmt(tag, sizeof(tag), "%s", i == 0 ? "s" : "l");
		/* The same flow on a fresh store at each size. */
		if (i == 1) {
			char cmd[1200];
			str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", f->data);
			assert_int_equal(system(cmd), 0);
			seed(f, 60);
		}
		str_fmt(script, sizeof(script), FLOW, tag, tag, tag, tag, tag, tag, tag, tag, tag, tag);
		assert_int_equal(run_script(f, "flow.txt", script, sizes[i], "en"), 0);

		/* The store: four commitments, each in the outbox with a print job. */
		assert_int_equal(q(f, "SELECT count(*) FROM commitment WHERE cancelled_at IS NULL"), 4);
		assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE kind = 'commitment'"), 4);
		assert_int_equal(q(f, "SELECT count(*) FROM print_job"), 4);
		char v[512];
		q_text(f, "SELECT c.details FROM commitment c JOIN person p ON p.id = c.person_id"
			  " WHERE p.first_name = 'Anna' AND p.last_name = 'Berg'", v, sizeof(v));
		assert_string_equal(v, "{\"day\":\"tuesday\",\"time\":\"19:00\",\"place\":\"Folkets Hus\"}");
		q_text(f, "SELECT c.team || '/' || c.role_kind FROM commitment c JOIN person p"
			  " ON p.id = c.person_id WHERE p.first_name = 'Carl'", v, sizeof(v));
		assert_string_equal(v, "Risskov og Egå/member");
		q_text(f, "SELECT c.details FROM commitment c JOIN person p ON p.id = c.person_id"
			  " WHERE p.first_name = 'Bo' AND c.role_kind = 'leader'", v, sizeof(v));
		assert_string_equal(v, "{\"text\":\"Samler holdet\"}");

		/* The QR code on the confirmation is Anna's link. */
		char uuid[64], want[256], got[1024], shot[32];
		q_text(f, "SELECT uuid FROM person WHERE first_name = 'Anna' AND last_name = 'Berg'",
		       uuid, sizeof(uuid));
		str_fmt(want, sizeof(want), "https://example.org/join/aarhus-c?ref=%s", uuid);
		str_fmt(shot, sizeof(shot), "%s-done", tag);
		decode(f, shot, got, sizeof(got));
		assert_string_equal(got, want);
	}
}

/* Edit and cancel through the person's list. */
static void edit_and_cancel(void **state)
{
	struct fx *f = *state;
	write_pack(f, NULL, NULL);
	seed(f, 20);
	static const char script[] =
		LOGIN
		"tap \"Sign-up\"\n"
		"type \"ida berg\"\n"
		"tap \"Ida B.\"\n"
		"tap \"Holdmedlem\"\n"
		"tap \"Aarhus C\"\n"
		"tap \"Confirm\"\n"
		"tap \"Another commitment\"\n"
		"tap \"Vært for ugentlig telefonbank\"\n"
		"tap \"Aarhus C\"\n"
		"tap \"Sat\"\n"
		"tap \"10:00\"\n"
		/* Without a place a host has not said where: Next says so. */
		"tap \"Next\"\n"
		"expect \"Type where it happens.\"\n"
		"tap \"Place, e.g. an address\"\n"
		"type \"Kælderen\"\n"
		"tap \"Next\"\n"
		"tap \"Confirm\"\n"
		"tap \"New person\"\n"
		"type \"ida berg\"\n"
		"tap \"Ida B.\"\n"
		"expect \"Commitments: Ida B.\"\n"
		"shot list\n"
		"tap \"Edit\"\n"
		"tap \"Holdleder\"\n"
		"tap \"Aarhus N\"\n"
		"type \"Ny leder\"\n"
		"tap \"Next\"\n"
		"expect \"Confirm the change\"\n"
		"tap \"Save the change\"\n"
		"expect \"Thank you, Ida!\"\n"
		"tap \"Back\"\n"
		"tap \"Cancel\"\n"
		"shot cancel-dialog\n"
		"tap \"Keep it\"\n"
		"tap \"Cancel\"\n"
		"tap \"Cancel it\"\n"
		"expect \"Vært for ugentlig telefonbank\"\n"
		"shot list-after\n";
	assert_int_equal(run_script(f, "edit.txt", script, "800x480", "en"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM commitment"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM commitment WHERE cancelled_at IS NOT NULL"), 1);
	char v[512];
	q_text(f, "SELECT role || '/' || team || '/' || details FROM commitment"
		  " WHERE cancelled_at IS NOT NULL", v, sizeof(v));
	assert_string_equal(v, "Holdleder/Aarhus N/{\"text\":\"Ny leder\"}");
	q_text(f, "SELECT role || '/' || details FROM commitment WHERE cancelled_at IS NULL", v,
	       sizeof(v));
	assert_string_equal(v, "Vært for ugentlig telefonbank/{\"day\":\"saturday\",\"time\":\"10:00\",\"place\":\"Kælderen\"}");
	/* add, add, edit (a second "commitment" record), cancel */
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE kind = 'commitment'"), 3);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE kind = 'commitment_cancel'"), 1);
}

/* Fifty people commit through the UI; the board's figures are the store's. */
static void fifty_and_the_board(void **state)
{
	struct fx *f = *state;
	write_pack(f, NULL, NULL);
	seed(f, 60);
	static const char *const TEAMS[4] = {"Aarhus C", "Aarhus N", "Viby og Højbjerg",
					     "Risskov og Egå"};
	size_t cap = 200000, n = 0;
	char *script = xmalloc(cap);
	n += (size_t)str_fmt(script + n, cap - n, "%stap \"Sign-up\"\n", LOGIN);
	int leaders = 0, hosts = 0, members = 0;
	for (int i = 0; i < 50; i++) {
		const char *first = FIRST[i % 10], *last = LAST[i / 10];
		/* Anna Berg has a namesake (Anna Bergholt, not arrived): told apart by her last name. */
		if (i == 0)
			n += (size_t)str_fmt(script + n, cap - n, "type \"Anna Berg\"\ntap \"Anna Berg\"\n");
		else
			n += (size_t)str_fmt(script + n, cap - n, "type \"%s %s\"\ntap \"%s %c.\"\n",
					     first, last, first, last[0]);
		if (i % 10 == 0) {
			leaders++;
			n += (size_t)str_fmt(script + n, cap - n,
					     "tap \"Holdleder\"\ntap \"%s\"\ntype \"Leder %d\"\ntap \"Next\"\n",
					     TEAMS[i % 4], i);
		} else if (i % 10 == 9) {
			members++;
			n += (size_t)str_fmt(script + n, cap - n, "tap \"Holdmedlem\"\ntap \"%s\"\n",
					     TEAMS[i % 4]);
		} else {
			hosts++;
			n += (size_t)str_fmt(script + n, cap - n,
					     "tap \"Vært for ugentlig telefonbank\"\ntap \"%s\"\n"
					     "tap \"Wed\"\ntap \"18:00\"\n"
					     "tap \"Place, e.g. an address\"\ntype \"Folkets Hus\"\n"
					     "tap \"Next\"\n", TEAMS[i % 4]);
		}
		n += (size_t)str_fmt(script + n, cap - n,
				     "tap \"Confirm\"\nexpect \"Thank you, %s!\"\ntap \"New person\"\n", first);
	}
	/* 60 checked in: leaders 10-20 % = 6-12, hosts 70-80 % = 42-48. */
	n += (size_t)str_fmt(script + n, cap - n,
			     "tap \"Back\"\ntap \"Board\"\n"
			     "expect \"60 checked in, 50 signed up\"\n"
			     "expect \"5 leaders \xE2\x80\x94 1 to go\"\n"
			     "expect \"40 hosts \xE2\x80\x94 2 to go\"\n"
			     "expect \"target 6\xE2\x80\x93" "12 (10\xE2\x80\x93" "20 %%)\"\n"
			     "expect \"target 42\xE2\x80\x93" "48 (70\xE2\x80\x93" "80 %%)\"\n"
			     "shot board-50\n");
	int rc = run_script(f, "fifty.txt", script, "800x480", "en");
	free(script);
	assert_int_equal(rc, 0);
	assert_int_equal(leaders, 5);
	assert_int_equal(q(f, "SELECT count(*) FROM commitment WHERE cancelled_at IS NULL"), 50);
	assert_int_equal(q(f, "SELECT count(DISTINCT person_id) FROM commitment"), 50);
	assert_int_equal(q(f, "SELECT count(*) FROM commitment WHERE role_kind = 'leader'"), leaders);
	assert_int_equal(q(f, "SELECT count(*) FROM commitment WHERE role_kind = 'host'"), hosts);
	assert_int_equal(q(f, "SELECT count(*) FROM commitment WHERE role_kind = 'member'"), members);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE kind = 'commitment'"), 50);

	/* The board's figures against the store, per team and kind. */
	struct pack pk;
	struct diags dg;
	diags_init(&dg);
	assert_int_equal(pack_load(f->pack, &pk, &dg), 0);
	struct store *s = store_open(f->data);
	struct board *b = xcalloc(1, sizeof(*b));
	assert_int_equal(teams_board(s, &pk, b), 0);
	assert_int_equal(b->checked_in, 60);
	assert_int_equal(b->committed, 50);
	assert_int_equal(b->leaders.have, leaders);
	assert_int_equal(b->hosts.have, hosts);
	for (int t = 0; t < pk.nteams; t++) {
		for (int kind = 0; kind < 3; kind++) {
			static const char *const KN[3] = {"leader", "host", "member"};
			struct store_stmt *st = store_stmt(s, "SELECT count(DISTINCT person_id) FROM commitment"
							      " WHERE team = ?1 AND role_kind = ?2");
			store_bind_text(st, 1, pk.teams[t].name);
			store_bind_text(st, 2, KN[kind]);
			assert_int_equal(store_step(st), STORE_ROW);
			assert_int_equal(b->teams[t].kind[kind].count, (int)store_col_int(st, 0));
			store_reset(st);
		}
	}
	free(b);
	store_close(s);
	pack_release(&pk);
	diags_release(&dg);

	/* And the board at the projector's size, in Danish. */
	static const char board[] = LOGIN "tap \"Board\"\nshot board-50-large\n";
	assert_int_equal(run_script(f, "board.txt", board, "1920x1080", "da"), 0);
}

/* A link too long for a QR code is shown as text, and the screen says so. */
static void bad_links(void **state)
{
	struct fx *f = *state;
	/* A template fits on a line of event.ini, but every {team} is a percent-encoded team name
	 * with Nordic letters: ten of them are more than a QR code holds. */
	char extra[2048], name[128] = "";
	for (int i = 0; i < 15; i++)
		str_fmt(name + strlen(name), sizeof(name) - strlen(name), "%s\xC3\x86r\xC3\xB8",
			i ? " " : "");
	str_fmt(extra, sizeof(extra),
		"[team]\nname = %s\npostcodes = 9100\n"
		"qr = https://example.org/x?{team}{team}{team}{team}{team}{team}{team}{team}{team}{team}\n",
		name);
	write_pack(f, NULL, extra);
	seed(f, 20);
	static const char fmt[] =
		LOGIN
		"tap \"Sign-up\"\n"
		"type \"anna berg\"\n"
		"tap \"Anna Berg\"\n"
		"tap \"Holdmedlem\"\n"
		"tap \"%s\"\n"
		"tap \"Confirm\"\n"
		"expect \"too long for a QR code\"\n"
		"expect \"https://example.org/x?\"\n"
		"shot link-long\n";
	char script[4096];
	str_fmt(script, sizeof(script), fmt, name);
	assert_int_equal(run_script(f, "bad.txt", script, "800x480", "en"), 0);
	/* The commitment is kept whatever the link. */
	assert_int_equal(q(f, "SELECT count(*) FROM commitment"), 1);
}

/* ---- in-process: the print thread's result and self-service ---- */

static void k_tap(struct kiosk *k, const char *label)
{
	const struct ui_widget *w = ui_find(&k->ui, label, 1);
	if (!w)
		fail_msg("no \"%s\" to tap", label);
	k->ui.pointer_x = w->r.x + w->r.w / 2;
	k->ui.pointer_y = w->r.y + w->r.h / 2;
	k->ui.pointer_down = k->ui.pointer_pressed = 1;
	kiosk_frame(k);
	k->ui.pointer_down = 0;
	k->ui.pointer_released = 1;
	kiosk_frame(k);
	kiosk_frame(k);
}

static void k_type(struct kiosk *k, const char *text)
{
	ui_input_text(&k->ui, text);
	kiosk_frame(k);
	kiosk_frame(k);
}

/* Waits for the print thread until the screen shows text; 1 if it did. The print thread works
 * in real time (it is kicked at once, and looks every PRINTQ_POLL_MS anyway), so this polls; the
 * bound (a minute and more) is there only to fail instead of hanging, and is far beyond what a
 * correct kiosk needs on a loaded machine under the sanitizers. */
static int k_wait_text(struct kiosk *k, const char *text)
{
	for (int i = 0; i < 6000; i++) {
		k->dirty = 1;
		kiosk_frame(k);
		if (ui_has_text(&k->ui, text))
			return 1;
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void printer_fails_then_retry(void **state)
{
	struct fx *f = *state;
	char printer[1200];
	/* A folder that does not exist: every job fails with the reason. */
	str_fmt(printer, sizeof(printer), "file:%s/nowhere/slips.bin", f->dir);
	write_pack(f, printer, NULL);
	seed(f, 20);
	struct kiosk *k = xcalloc(1, sizeof(*k));
	struct kiosk_opts o = {.pack_dir = f->pack, .data_dir = f->data, .lang = "en",
			       .fake_clock = 1, .fake_start_ms = T0};
	kiosk_init(k, &o);
	kiosk_frame(k);
	assert_int_equal(k->screen, SCREEN_IDLE);
	k_tap(k, "Organizer");
	k_type(k, "4821");
	k_tap(k, "OK");
	k_tap(k, "Sign-up");
	k_type(k, "anna berg");
	k_tap(k, "Anna Berg");
	k_tap(k, "Holdmedlem");
	k_tap(k, "Aarhus C");
	k_tap(k, "Confirm");
	assert_true(ui_has_text(&k->ui, "Thank you, Anna!"));
	/* The commitment is on disk before the slip prints, or fails. */
	assert_int_equal(q(f, "SELECT count(*) FROM commitment"), 1);
	assert_true(k_wait_text(k, "Saved, but the slip did not print"));
	assert_true(ui_has_text(&k->ui, "nowhere/slips.bin"));
	assert_int_equal(q(f, "SELECT count(*) FROM print_job WHERE state = 'failed'"), 1);
	/* The printer is back: Retry prints it. */
	char nowhere[1200];
	str_fmt(nowhere, sizeof(nowhere), "%s/nowhere", f->dir);
	assert_int_equal(mkdir(nowhere, 0700), 0);
	k_tap(k, "Retry");
	assert_true(k_wait_text(k, "Slip printed"));
	assert_int_equal(q(f, "SELECT count(*) FROM print_job WHERE state = 'printed'"), 1);
	kiosk_release(k);
	free(k);
	/* The slip's bytes reached the "printer". */
	char path[1300];
	str_fmt(path, sizeof(path), "%s/slips.bin", nowhere);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size > 1000);
}

/* pack check refuses unknown placeholders, so the kiosk never loads such a pack; should one
 * reach the screen anyway, the confirmation says what is wrong and keeps the commitment. */
static void broken_template_at_runtime(void **state)
{
	struct fx *f = *state;
	write_pack(f, NULL, NULL);
	seed(f, 20);
	struct kiosk *k = xcalloc(1, sizeof(*k));
	struct kiosk_opts o = {.pack_dir = f->pack, .data_dir = f->data, .lang = "en",
			       .fake_clock = 1, .fake_start_ms = T0};
	kiosk_init(k, &o);
	free(k->pack.teams[0].qr);
	k->pack.teams[0].qr = xstrdup("https://example.org/{navn}");
	kiosk_frame(k);
	k_tap(k, "Organizer");
	k_type(k, "4821");
	k_tap(k, "OK");
	k_tap(k, "Sign-up");
	k_type(k, "anna berg");
	k_tap(k, "Anna Berg");
	k_tap(k, "Holdmedlem");
	k_tap(k, "Aarhus C");
	k_tap(k, "Confirm");
	assert_true(ui_has_text(&k->ui, "Thank you, Anna!"));
	assert_true(ui_has_text(&k->ui, "link template is broken"));
	assert_true(ui_has_text(&k->ui, "unknown placeholder '{navn}'"));
	assert_int_equal(q(f, "SELECT count(*) FROM commitment"), 1);
	kiosk_release(k);
	free(k);
}

static void self_service(void **state)
{
	struct fx *f = *state;
	write_pack(f, NULL, "[signup]\nself_service = yes\n");
	seed(f, 20);
	struct kiosk *k = xcalloc(1, sizeof(*k));
	struct kiosk_opts o = {.pack_dir = f->pack, .data_dir = f->data, .lang = "en",
			       .fake_clock = 1, .fake_start_ms = T0};
	kiosk_init(k, &o);
	kiosk_frame(k);
	assert_int_equal(k->screen, SCREEN_IDLE);
	/* What the idle screen's "Sign up" button does: no PIN. */
	signup_begin_self_service(k);
	kiosk_frame(k);
	assert_int_equal(k->screen, SCREEN_SIGNUP);
	assert_true(ui_has_text(&k->ui, "who is signing up"));
	k_type(k, "erik berg");
	k_tap(k, "Erik B.");
	k_tap(k, "Holdmedlem");
	k_tap(k, "Aarhus C");
	k_tap(k, "Confirm");
	assert_true(ui_has_text(&k->ui, "Thank you, Erik!"));
	assert_non_null(ui_find(&k->ui, "Done", 1));
	assert_null(ui_find(&k->ui, "New person", 1));
	/* The list can be seen, not changed. */
	k_tap(k, "Back");
	assert_true(ui_has_text(&k->ui, "Commitments: Erik B."));
	assert_null(ui_find(&k->ui, "Edit", 1));
	assert_null(ui_find(&k->ui, "Cancel", 1));
	k_tap(k, "Done");
	assert_int_equal(k->screen, SCREEN_IDLE);
	/* Left alone, an attendee's sign-up goes back to the door. */
	signup_begin_self_service(k);
	kiosk_frame(k);
	k_type(k, "frida");
	assert_int_equal(k->screen, SCREEN_SIGNUP);
	clock_advance(&k->clock, SIGNUP_ATTENDEE_IDLE_MS + 1000);
	kiosk_frame(k);
	assert_int_equal(k->screen, SCREEN_IDLE);
	/* An organizer coming in through the menu afterwards is not in self-service. */
	k_tap(k, "Organizer");
	k_type(k, "4821");
	k_tap(k, "OK");
	k_tap(k, "Sign-up");
	k_type(k, "erik berg");
	k_tap(k, "Erik B.");
	assert_non_null(ui_find(&k->ui, "Edit", 1));
	kiosk_release(k);
	free(k);

	/* Without self_service in the pack the same entry asks for the PIN. */
	write_pack(f, NULL, NULL);
	k = xcalloc(1, sizeof(*k));
	kiosk_init(k, &o);
	kiosk_frame(k);
	signup_begin_self_service(k);
	kiosk_frame(k);
	assert_int_equal(k->screen, SCREEN_PIN);
	kiosk_release(k);
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(commit_flow_and_store, setup, teardown),
		cmocka_unit_test_setup_teardown(edit_and_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_links, setup, teardown),
		cmocka_unit_test_setup_teardown(printer_fails_then_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(broken_template_at_runtime, setup, teardown),
		cmocka_unit_test_setup_teardown(self_service, setup, teardown),
		cmocka_unit_test_setup_teardown(fifty_and_the_board, setup, teardown),
	};
	return RUN_TESTS(tests);
}
