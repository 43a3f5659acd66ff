/* The facilitator's screen and the audience view, driven as a person would: scripts run by the
 * real binary on the demo pack (a whole meeting, a restart in the middle, screenshots at both
 * sizes with a real PDF), checked on screen, in the store and in the exported agenda.csv; and the
 * bad inputs the kiosk's start-up refuses (a broken PDF, an agenda of 0 segments), driven
 * in-process on a struct kiosk without a display.
 *
 * MEETING_SHOTS=DIR keeps the screenshots there (to look at them); else they go to a temporary
 * folder that is removed. */
#include "testutil.h"

#include "core/event.h"

#include "agenda.h"
#include "i18n.h"
#include "kiosk.h"
#include "screens/meeting.h"
#include "pack.h"
#include "store.h"
#include "util.h"

#include <SDL.h>
#include <SDL_image.h>

#define OUT_MAX 65536
#define ENTER_MEETING "tap \"Organizer\"\ntype \"4821\"\ntap \"OK\"\ntap \"Meeting\"\n"

struct fx {
	char *dir;          /* everything of one test */
	char data[1024];
	char pack[1024];
	char shots[1024];
	int keep_shots;
	char out[OUT_MAX];
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->dir = tu_tempdir();
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	snprintf(f->pack, sizeof(f->pack), "%s/assets/demo", tu_src());
	const char *keep = getenv("MEETING_SHOTS");
	if (keep && *keep) {
		snprintf(f->shots, sizeof(f->shots), "%s", keep);
		mkdir(f->shots, 0755);
		f->keep_shots = 1;
	} else {
		snprintf(f->shots, sizeof(f->shots), "%s/shots", f->dir);
		assert_int_equal(mkdir(f->shots, 0700), 0);
	}
}

static void fx_release(struct fx *f)
{
	tu_rmtree(f->dir);
	free(f->dir);
}

/* Writes the script and runs it on f->pack and f->data; returns the exit status. */
static int run_script(struct fx *f, const char *name, const char *size, const char *text)
{
	return tu_run_script(f->out, sizeof(f->out), f->dir, name, text, f->pack, f->data, f->shots,
			     size, "en");
}

/* A copy of the demo pack in the test's folder, to add slides to. */
static void copy_demo(struct fx *f)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "cp -r '%s/assets/demo' '%s/pack'", tu_src(), f->dir);
	assert_int_equal(system(cmd), 0);
	snprintf(f->pack, sizeof(f->pack), "%s/pack", f->dir);
}

/* A big green rectangle on every page. */
static void draw_page(cairo_t *cr, int page)
{
	(void)page;
	cairo_set_source_rgb(cr, 0, 0.75, 0);
	cairo_rectangle(cr, 60, 140, 400, 340);
	cairo_fill(cr);
}

/* A 16:9 PDF of n pages (960 x 540 pt), each with a big green rectangle and "Slide N". */
static void make_pdf(const char *path, int n)
{
	tu_make_pdf(path, n, draw_page, 60, 100);
}

/* Pixels of a screenshot within 40 of colour rgb in every channel. */
static long count_color(const struct fx *f, const char *shot, uint32_t rgb)
{
	char path[2048];
	snprintf(path, sizeof(path), "%s/%s.png", f->shots, shot);
	SDL_Surface *raw = IMG_Load(path);
	if (!raw)
		fail_msg("cannot read %s: %s", path, IMG_GetError());
	SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
	SDL_FreeSurface(raw);
	assert_non_null(s);
	long n = 0;
	for (int y = 0; y < s->h; y++) {
		const uint32_t *row = (const uint32_t *)((const uint8_t *)s->pixels + (size_t)y * s->pitch);
		for (int x = 0; x < s->w; x++) {
			int ok = 1;
			for (int sh = 0; sh <= 16; sh += 8)
				if (abs((int)(row[x] >> sh & 0xFF) - (int)(rgb >> sh & 0xFF)) > 40)
					ok = 0;
			n += ok;
		}
	}
	SDL_FreeSurface(s);
	return n;
}

/* ---- a whole meeting ---- */

/* Every segment of the demo pack, with the warning, danger and overtime states, a pause, +1/-1
 * minute, a signal, the speaker timer, Previous and End meeting. Clock: the script starts at
 * 18:30 Copenhagen; the meeting starts at 19:00 (18:00 UTC). */
static const char WALK[] = ENTER_MEETING
	"expect \"Not started\"\n"
	"expect \"5:00\"\n"
	"expect \"Velkommen og dagsorden\"\n"
	"expect \"Next (15 min): Hvorfor vi er her: historier fra rummet\"\n"
	"wait 30m\n"
	"tap \"Start\"\n"
	"expect \"On schedule\"\n"
	"expect \"Projected end 20:30 (on time)\"\n"
	"wait 2m59s\n"
	"expect \"2:01\"\n"
	"wait 1s\n"
	"expect \"2:00\"\n"
	"expect \"Almost time\"\n"
	"wait 1m30s\n"
	"expect \"0:30\"\n"
	"expect \"Wrap up now\"\n"
	"wait 31s\n"
	"expect \"+0:01\"\n"
	"expect \"Overtime\"\n"
	"tap \"Please wrap up\"\n"
	"tap \"Audience view\"\n"
	"expect \"Please wrap up\"\n"
	"expect \"+0:01\"\n"
	"key Escape\n"
	"wait 29s\n"
	"tap \"Next\"\n"
	"expect \"Hvorfor vi er her: historier fra rummet\"\n"
	"expect \"1 min behind\"\n"
	/* The facilitator steps away to the door for ten minutes and comes back through the PIN:
	 * the timer ran on (and the test draws a few frames instead of 600 countdown seconds). */
	"tap \"Back\"\n"
	"tap \"Back to check-in\"\n"
	"wait 10m\n"
	ENTER_MEETING
	"expect \"Hvorfor vi er her: historier fra rummet\"\n"
	"expect \"5:00\"\n"
	"tap \"Pause\"\n"
	"expect \"Paused\"\n"
	"wait 5m\n"
	"expect \"5:00\"\n"
	"tap \"Resume\"\n"
	"wait 5m\n"
	"expect \"0:00\"\n"
	"tap \"Next\"\n"
	"expect \"Planen for at vinde\"\n"
	"tap \"Audience view\"\n"
	"expect \"10.000 samtaler med vælgere før valget\"\n"
	"key PageDown\n"
	"expect \"Sådan gør vi\"\n"
	"key Escape\n"
	"tap \"+1 min\"\n"
	"expect \"21:00\"\n"
	"wait 2m\n"
	"tap \"Next\"\n"
	"expect \"Spørgsmål\"\n"
	"tap \"Speaker 60 s\"\n"
	"wait 1m\n"
	"expect \"Time's up\"\n"
	"tap \"Time's up\"\n"
	"wait 1m\n"
	"tap \"Previous\"\n"
	"expect \"Planen for at vinde\"\n"
	"expect \"19:00\"\n"
	"wait 1m\n"
	"tap \"Next\"\n"
	"expect \"8:00\"\n"
	"wait 1m\n"
	"tap \"Next\"\n"
	"expect \"Hold dannes og tilmelding\"\n"
	"tap \"-1 min\"\n"
	"expect \"29:00\"\n"
	"wait 3m\n"
	"tap \"Next\"\n"
	"expect \"This is the last segment\"\n"
	"wait 1m\n"
	"tap \"End meeting\"\n"
	"expect \"The meeting has ended\"\n"
	"expect \"Ended at\"\n"
	"tap \"Audience view\"\n"
	"expect \"Thank you!\"\n";

/* The rows of agenda.csv, split into fields (no field of the demo has a comma or quote). */
struct csv {
	char *text;
	char *f[16][12];
	int rows;
};

static void csv_read(struct csv *c, const char *path)
{
	size_t len;
	memset(c, 0, sizeof(*c));
	c->text = file_read(path, 1 << 20, &len);
	assert_non_null(c->text);
	char *p = c->text;
	while (*p && c->rows < 16) {
		char *eol = strstr(p, "\r\n");
		assert_non_null(eol);
		*eol = '\0';
		int n = 0;
		char *q = p;
		for (;;) {
			char *comma = strchr(q, ',');
			if (n < 12)
				c->f[c->rows][n++] = q;
			if (!comma)
				break;
			*comma = '\0';
			q = comma + 1;
		}
		assert_int_equal(n, 10);
		c->rows++;
		p = eol + 2;
	}
}

static void walk_through_every_segment(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	assert_int_equal(run_script(&f, "walk.txt", "800x480", WALK), 0);

	/* The store has the log: one start per segment (two for those reopened), overtime on the
	 * first, the signals. */
	struct pack p;
	struct diags d;
	diags_init(&d);
	assert_int_equal(pack_load(f.pack, &p, &d), 0);
	struct store *s = store_open(f.data);
	assert_non_null(s);
	struct store_stmt *st = store_stmt(s, "SELECT count(*) FROM agenda_log WHERE event = ?1 AND "
					      "what = 'start'");
	store_bind_text(st, 1, p.event_id);
	assert_int_equal(store_step(st), STORE_ROW);
	assert_int_equal(store_col_int(st, 0), 6 + 2);
	store_reset(st);
	st = store_stmt(s, "SELECT count(*) FROM agenda_log WHERE event = ?1 AND what = 'signal'");
	store_bind_text(st, 1, p.event_id);
	assert_int_equal(store_step(st), STORE_ROW);
	assert_int_equal(store_col_int(st, 0), 2);
	store_reset(st);
	st = store_stmt(s, "SELECT count(*) FROM outbox WHERE kind = 'agenda'");
	assert_int_equal(store_step(st), STORE_ROW);
	assert_true(store_col_int(st, 0) >= 20);
	store_reset(st);

	/* The export: actual durations without the pause, adjustments, overtime, signals. */
	assert_int_equal(agenda_export_csv(s, &p, f.dir), 0);
	char path[1200];
	snprintf(path, sizeof(path), "%s/agenda.csv", f.dir);
	struct csv c;
	csv_read(&c, path);
	assert_int_equal(c.rows, 7);
	static const struct {
		const char *planned, *adjust, *start, *duration, *overtime, *signals;
	} want[6] = {
		{"5", "0", "2026-12-03T18:00:00Z", "330", "30", "Please wrap up"},
		{"15", "0", "2026-12-03T18:05:30Z", "900", "0", ""},
		{"20", "60", "2026-12-03T18:25:30Z", "180", "0", ""},
		{"10", "0", "2026-12-03T18:27:30Z", "180", "0", "Speaker timer 60 s"},
		{"30", "-60", "2026-12-03T18:31:30Z", "180", "0", ""},
		{"10", "0", "2026-12-03T18:34:30Z", "60", "0", ""},
	};
	for (int i = 0; i < 6; i++) {
		char **r = c.f[i + 1];
		char num[8];
		snprintf(num, sizeof(num), "%d", i + 1);
		assert_string_equal(r[1], num);
		assert_string_equal(r[3], want[i].planned);
		assert_string_equal(r[4], want[i].adjust);
		assert_string_equal(r[5], want[i].start);
		assert_string_equal(r[7], want[i].duration);
		assert_string_equal(r[8], want[i].overtime);
		assert_string_equal(r[9], want[i].signals);
	}
	assert_string_equal(c.f[6][6], "2026-12-03T18:35:30Z");
	free(c.text);
	store_close(s);
	pack_release(&p);
	diags_release(&d);
	fx_release(&f);
}

/* ---- a restart in the middle ---- */

static void restart_resumes_where_the_meeting_is(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	/* Started at 19:00, killed at 19:02 with 3:00 left of the first segment. */
	assert_int_equal(run_script(&f, "a.txt", "800x480",
				    ENTER_MEETING "wait 30m\ntap \"Start\"\nwait 2m\nexpect \"3:00\"\n"),
			 0);
	/* A new process on the same data: its clock starts at 18:30 again, so it waits to 19:02
	 * at the door; the meeting screen then shows the same 3:00, still running. */
	assert_int_equal(run_script(&f, "b.txt", "800x480",
				    "wait 32m\n" ENTER_MEETING "expect \"3:00\"\nexpect \"1/6\"\n"
				    "expect \"On schedule\"\nexpect \"Pause\"\nwait 3m1s\n"
				    "expect \"+0:01\"\nexpect \"Overtime\"\nwait 59s\ntap \"Pause\"\n"),
			 0);
	/* Paused at 19:06 with 1:00 overtime: a restart shows the same, paused, at any time. */
	assert_int_equal(run_script(&f, "c.txt", "800x480",
				    ENTER_MEETING "expect \"+1:00\"\nexpect \"Paused\"\nexpect \"Resume\"\n"
				    "wait 10m\nexpect \"+1:00\"\n"),
			 0);
	fx_release(&f);
}

/* The Pi started without network on a clock two years behind; the network time arrives in the
 * middle of a segment. The timer, the schedule and the speaker timer go on as if nothing happened. */
static void network_time_mid_meeting_keeps_the_timer(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	assert_int_equal(run_script(&f, "jump.txt", "800x480",
				    ENTER_MEETING "wait 30m\ntap \"Start\"\nwait 2m\nexpect \"3:00\"\n"
				    "tap \"Speaker 60 s\"\nwait 20s\nexpect \"0:40\"\n"
				    "clock +730d\nexpect \"2:40\"\nexpect \"0:40\"\n"
				    "expect \"On schedule\"\nwait 1m\nexpect \"1:40\"\n"
				    "clock -3h\nexpect \"1:40\"\nwait 40s\nexpect \"1:00\"\n"),
			 0);
	fx_release(&f);
}

/* ---- screenshots at both sizes ---- */

/* "@" stands for the size. */
static const char SHOTS[] = ENTER_MEETING
	"shot meeting-@-0-not-started\n"
	"wait 30m\n"
	"tap \"Start\"\n"
	"wait 10s\n"
	"shot meeting-@-1-normal\n"
	/* Between the shots the facilitator is on the organizer menu, which draws no countdown:
	 * the timer runs on, and a 1920x1080 frame a second under the sanitizers is what made this
	 * test slow. Every second on screen is walked through in walk_through_every_segment. */
	"tap \"Back\"\n"
	"wait 2m50s\n"
	"tap \"Meeting\"\n"
	"shot meeting-@-2-warning\n"
	"tap \"Back\"\n"
	"wait 1m40s\n"
	"tap \"Meeting\"\n"
	"shot meeting-@-3-danger\n"
	"tap \"Back\"\n"
	"wait 1m\n"
	"tap \"Meeting\"\n"
	"shot meeting-@-4-overtime\n"
	"tap \"Please wrap up\"\n"
	"shot meeting-@-5-wrap-up\n"
	"tap \"Audience view\"\n"
	"shot meeting-@-6-audience-wrap-up\n"
	"tap 10 200\n"
	"expect \"Back\"\n"
	"tap \"Back\"\n"
	"tap \"Next\"\n"
	"tap \"Next\"\n"
	"wait 5s\n"
	"tap \"Speaker 60 s\"\n"
	"wait 20s\n"
	"shot meeting-@-7-pdf-slide\n"
	"tap \"Audience view\"\n"
	"key PageDown\n"
	"shot meeting-@-8-audience-pdf\n"
	"wait 40s\n"
	"shot meeting-@-9-audience-times-up\n"
	"key b\n"
	"shot meeting-@-10-audience-black\n";

static void screenshots_at_both_sizes(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	copy_demo(&f);
	char path[1200];
	snprintf(path, sizeof(path), "%s/slides", f.pack);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/slides/strategy.pdf", f.pack);
	make_pdf(path, 4);
	static const char *const sizes[] = {"800x480", "1920x1080"};
	for (int i = 0; i < 2; i++) {
		char script[4096], name[64];
		size_t o = 0;
		for (const char *q = SHOTS; *q && o + 16 < sizeof(script); q++) {
			if (*q == '@') {
				memcpy(script + o, sizes[i], strlen(sizes[i]));
				o += strlen(sizes[i]);
			} else {
				script[o++] = *q;
			}
		}
		script[o] = '\0';
		snprintf(f.data, sizeof(f.data), "%s/data-%s", f.dir, sizes[i]);
		assert_int_equal(run_script(&f, "shots.txt", sizes[i], script), 0);
		long px = (sizes[i][0] == '8' ? 800L * 480 : 1920L * 1080);
		/* The countdown's colours, the banner, the PDF's green on the projector. */
		snprintf(name, sizeof(name), "meeting-%s-2-warning", sizes[i]);
		assert_true(count_color(&f, name, 0xD68C00) > px / 100);
		snprintf(name, sizeof(name), "meeting-%s-4-overtime", sizes[i]);
		assert_true(count_color(&f, name, 0xC81E1E) > px / 20);
		snprintf(name, sizeof(name), "meeting-%s-6-audience-wrap-up", sizes[i]);
		assert_true(count_color(&f, name, 0xD68C00) > px / 10);
		snprintf(name, sizeof(name), "meeting-%s-8-audience-pdf", sizes[i]);
		assert_true(count_color(&f, name, 0x00BF00) > px / 5);
		snprintf(name, sizeof(name), "meeting-%s-7-pdf-slide", sizes[i]);
		assert_true(count_color(&f, name, 0x00BF00) > px / 200);
		snprintf(name, sizeof(name), "meeting-%s-10-audience-black", sizes[i]);
		assert_int_equal(count_color(&f, name, 0x000000), px);
	}
	fx_release(&f);
}

/* ---- bad input ---- */

static const char SMALL_PACK[] =
	"[event]\ntitle = Small meeting\nstarts = 2026-12-03 19:00\nends = 2026-12-03 19:30\n"
	"timezone = Europe/Copenhagen\nlanguages = en\n\n[kiosk]\npin = 4821\n\n"
	"[consent]\nversion = 1\nen = I agree.\n\n";

static void write_pack(struct fx *f, const char *segments)
{
	snprintf(f->pack, sizeof(f->pack), "%s/pack", f->dir);
	assert_int_equal(mkdir(f->pack, 0700), 0);
	char ini[4096];
	snprintf(ini, sizeof(ini), "%s%s", SMALL_PACK, segments);
	tu_write_str(f->pack, "event.ini", ini);
}

static void no_slides_at_all(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	write_pack(&f, "[segment]\ntitle = Opening\nminutes = 5\n\n[segment]\ntitle = Plan\nminutes = 10\n");
	assert_int_equal(run_script(&f, "noslides.txt", "800x480",
				    ENTER_MEETING "expect \"No slides in this pack\"\ntap \"Start\"\n"
				    "wait 1m\nexpect \"4:00\"\nkey PageDown\ntap \"Audience view\"\n"
				    "expect \"Opening\"\nexpect \"4:00\"\nkey b\nkey Escape\n"
				    "tap \"Next\"\nexpect \"Plan\"\nexpect \"10:00\"\n"),
			 0);
	fx_release(&f);
}

/* A kiosk without a display on a pack that `barnstorm check` (and so the kiosk's start-up)
 * refuses, to see what the facilitator's screen makes of it. */
static struct kiosk *kiosk_direct(const char *pack_dir, const char *data_dir)
{
	struct kiosk *k = xcalloc(1, sizeof(*k));
	diags_init(&k->diags);
	assert_int_equal(pack_load(pack_dir, &k->pack, &k->diags), 0);
	str_copy(k->data_dir, sizeof(k->data_dir), data_dir);
	clock_init_fake(&k->clock, k->pack.starts_ms);
	const char *codes[] = {k->pack.langs[0]};
	k->i18n = i18n_open("/nonexistent", codes, 1);
	struct event_opts eo = {.pack = &k->pack, .data_dir = data_dir, .clock = &k->clock,
				.i18n = k->i18n};
	k->event = event_open(&eo, NULL);
	assert_non_null(k->event);
	k->store = event_store(k->event);
	ui_init(&k->ui, NULL, NULL);
	meeting_open(k);
	kiosk_go(k, SCREEN_FACILITATOR);
	kiosk_frame(k);
	return k;
}

static void kiosk_direct_close(struct kiosk *k)
{
	meeting_close(k);
	event_close(k->event);
	i18n_close(k->i18n);
	pack_release(&k->pack);
	diags_release(&k->diags);
	free(k);
}

static void direct_tap(struct kiosk *k, const char *label)
{
	const struct ui_widget *w = ui_find(&k->ui, label, 1);
	if (!w)
		fail_msg("no \"%s\" to tap", label);
	k->ui.pointer_x = w->r.x + w->r.w / 2;
	k->ui.pointer_y = w->r.y + w->r.h / 2;
	k->ui.pointer_pressed = k->ui.pointer_released = 1;
	kiosk_frame(k);
}

static void direct_wait(struct kiosk *k, int64_t ms)
{
	clock_advance(&k->clock, ms);
	k->dirty = 1;
	kiosk_frame(k);
}

static void broken_pdf_keeps_the_timer(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	write_pack(&f, "[segment]\ntitle = Opening\nminutes = 5\n");
	char path[1200];
	snprintf(path, sizeof(path), "%s/slides", f.pack);
	assert_int_equal(mkdir(path, 0700), 0);
	tu_write_str(path, "deck.pdf", "%PDF-1.4\nthis is not really a PDF\n%%EOF\n");
	struct kiosk *k = kiosk_direct(f.pack, f.data);
	assert_true(ui_has_text(&k->ui, "slides/deck.pdf"));
	assert_true(ui_has_text(&k->ui, "5:00"));
	direct_tap(k, "Start");
	direct_wait(k, 90000);
	assert_true(ui_has_text(&k->ui, "3:30"));
	assert_true(ui_has_text(&k->ui, "slides/deck.pdf"));
	/* Paging does nothing harmful, the audience view shows the segment. */
	ui_input_key(&k->ui, UI_KEY_PAGEDOWN, 0);
	kiosk_frame(k);
	direct_tap(k, "Audience view");
	assert_int_equal(k->screen, SCREEN_AUDIENCE);
	assert_true(ui_has_text(&k->ui, "Opening"));
	assert_true(ui_has_text(&k->ui, "3:30"));
	kiosk_direct_close(k);
	fx_release(&f);
}

static void zero_segments_say_so(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	write_pack(&f, "");
	struct kiosk *k = kiosk_direct(f.pack, f.data);
	assert_true(ui_has_text(&k->ui, "No agenda"));
	assert_true(ui_has_text(&k->ui, "no [segment] sections"));
	assert_null(ui_find(&k->ui, "Start", 1));
	assert_true(ui_has_text(&k->ui, "No slides in this pack"));
	/* The signals still reach the room. */
	direct_tap(k, "Please wrap up");
	direct_tap(k, "Audience view");
	assert_true(ui_has_text(&k->ui, "Please wrap up"));
	assert_true(ui_has_text(&k->ui, "Small meeting"));
	direct_wait(k, 60000);
	assert_int_equal(k->wake_at, 0);
	kiosk_direct_close(k);

	/* The same through the binary (`barnstorm check` only warns: a check-in-only event). */
	assert_int_equal(run_script(&f, "zero.txt", "800x480",
				    ENTER_MEETING "expect \"No agenda\"\ntap \"Take it offline\"\n"
				    "tap \"Audience view\"\nexpect \"Let's take this offline\"\n"),
			 0);
	fx_release(&f);
}

/* ---- redraws ---- */

static void redraws_once_a_second_while_running(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	write_pack(&f, "[segment]\ntitle = Opening\nminutes = 5\n");
	struct kiosk *k = kiosk_direct(f.pack, f.data);
	/* Not started: the projected end moves by the minute. */
	int64_t now = clock_now(&k->clock);
	assert_true(k->wake_at > now && k->wake_at <= now + 60000);
	direct_tap(k, "Start");
	clock_advance(&k->clock, 250);
	k->dirty = 1;
	kiosk_frame(k);
	now = clock_now(&k->clock);
	assert_int_equal(k->wake_at, now + 750); /* the next whole second of the countdown */
	direct_wait(k, 750);
	assert_true(ui_has_text(&k->ui, "4:59"));
	assert_int_equal(k->wake_at, clock_now(&k->clock) + 1000);
	/* Paused: the projected end (19:05:00, shown rounded to the minute) moves on at the half
	 * minute, when it becomes 19:06. */
	direct_tap(k, "Pause");
	assert_int_equal(k->wake_at, clock_now(&k->clock) + 30000);
	kiosk_direct_close(k);
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_through_every_segment),
		cmocka_unit_test(restart_resumes_where_the_meeting_is),
		cmocka_unit_test(network_time_mid_meeting_keeps_the_timer),
		cmocka_unit_test(screenshots_at_both_sizes),
		cmocka_unit_test(no_slides_at_all),
		cmocka_unit_test(broken_pdf_keeps_the_timer),
		cmocka_unit_test(zero_segments_say_so),
		cmocka_unit_test(redraws_once_a_second_while_running),
	};
	return RUN_TESTS(tests);
}
