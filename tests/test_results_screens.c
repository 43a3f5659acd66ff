/* The organizer's "Upload and export" screen (screens/results.c).
 *
 * The upload states come from the real background uploader talking to tests/receiver.py on
 * 127.0.0.1 (started and stopped here): the kiosk runs in this process on a fake clock with
 * SDL's offscreen driver, and each state is waited for (bounded) before its screenshot, so the
 * picture always shows the state asserted. Screenshots go to $BARNSTORM_SHOTS when set (to look
 * at them), else into the temporary folder.
 *
 * The export runs through the real binary with a script (the PIN, the menu, the button), with
 * $BARNSTORM_USB pointing at a temporary "stick", and with $BARNSTORM_USB_ROOT pointing at a
 * fake system where no stick is mounted. */
#include "testutil.h"

#include "clock.h"
#include "display.h"
#include "kiosk.h"
#include "core/event.h"
#include "screens/results.h"
#include "outbox.h"
#include "people.h"
#include "render.h"
#include "store.h"
#include "upload.h"
#include "util.h"

#include <glob.h>
#include <jansson.h>
#include <time.h>

#define TOKEN "tok-77c1e0a4b9d24f3e8a51"

static const int SIZES[][2] = {{800, 480}, {1920, 1080}};

/* tests/receiver.py as a webhook with this test's token, logging to dir/received.jsonl. */
static struct tu_server receiver_start(const char *dir, const char *extra)
{
	char log[1024];
	snprintf(log, sizeof(log), "%s/received.jsonl", dir);
	return tu_receiver_start(dir, "webhook", TOKEN, log, extra, 1);
}

/* ---- Fixture: a copy of the demo pack, a data folder per run, a "stick" ---- */

struct fx {
	char *dir;
	char pack[1024];
	char usb[1024];
	char shots[1024];
	char *ini;          /* the demo pack's event.ini */
	struct tu_server srv;
	int runs;
};

static void sh(const char *fmt, const char *a, const char *b)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), fmt, a, b);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->dir = tu_tempdir();
	snprintf(f->pack, sizeof(f->pack), "%s/pack", f->dir);
	snprintf(f->usb, sizeof(f->usb), "%s/usb", f->dir);
	char demo[1024];
	snprintf(demo, sizeof(demo), "%s/assets/demo", tu_src());
	sh("cp -r '%s' '%s'", demo, f->pack);
	/* Without the roster, the people exported are exactly the walk-ins below. */
	sh("rm -f '%s/roster.csv' '%s/roster.csv'", f->pack, f->pack);
	sh("mkdir -p '%s' '%s'", f->usb, f->usb);
	const char *shots = getenv("BARNSTORM_SHOTS");
	if (shots && *shots)
		snprintf(f->shots, sizeof(f->shots), "%s", shots);
	else
		snprintf(f->shots, sizeof(f->shots), "%s/shots", f->dir);
	sh("mkdir -p '%s' '%s'", f->shots, f->shots);
	char path[1100];
	snprintf(path, sizeof(path), "%s/event.ini", f->pack);
	f->ini = tu_read_all(path);
	assert_non_null(f->ini);
	/* The demo prints slips to a file in /tmp: keep this test's slips in its own folder. */
	char *p = strstr(f->ini, "[print]");
	if (p)
		*p = '\0';
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tu_stop_pid(f->srv.pid);
	unsetenv("BARNSTORM_USB");
	unsetenv("BARNSTORM_USB_ROOT");
	tu_rmtree(f->dir);
	free(f->ini);
	free(f->dir);
	free(f);
	return 0;
}

/* Writes the pack's event.ini with [upload] to url (NULL: none) and a 0600 token file. */
static void pack_upload(struct fx *f, const char *url)
{
	size_t size = strlen(f->ini) + 512;
	char *ini = malloc(size);
	if (url)
		snprintf(ini, size, "%s\n[upload]\nkind = webhook\nurl = %s\ntoken_file = token.txt\n",
			 f->ini, url);
	else
		snprintf(ini, size, "%s", f->ini);
	tu_write_str(f->pack, "event.ini", ini);
	free(ini);
	tu_write_str(f->pack, "token.txt", TOKEN "\n");
	char path[1100];
	snprintf(path, sizeof(path), "%s/token.txt", f->pack);
	assert_int_equal(chmod(path, 0600), 0);
}

static void receiver_url(struct fx *f, const char *extra, char *url, size_t size)
{
	tu_stop_pid(f->srv.pid);
	f->srv = receiver_start(f->dir, extra);
	snprintf(url, size, "http://127.0.0.1:%d/hook", f->srv.port);
}

/* A new data folder for the next run. */
static void new_data(struct fx *f, char *data, size_t size)
{
	snprintf(data, size, "%s/data%d", f->dir, f->runs++);
}

/* Queues n check-in records, as the check-in feature would. */
static void queue(const char *data, int n)
{
	struct store *s = store_open(data);
	assert_non_null(s);
	struct clock c;
	clock_init_fake(&c, 1796320000000LL);
	assert_int_equal(store_tx_begin(s), 0);
	for (int i = 0; i < n; i++) {
		char person[37], json[128];
		snprintf(person, sizeof(person), "00000000-0000-4000-8000-%012d", i);
		snprintf(json, sizeof(json), "{\"seq\": %d}", i);
		assert_int_equal(outbox_add(s, &c, "checkin", person, json, NULL), 0);
	}
	assert_int_equal(store_tx_commit(s), 0);
	store_close(s);
}

/* ---- The kiosk in this process ---- */

struct kh {
	struct kiosk *k;
	struct display *d;
	struct render *r;
	int w, h;
};

static void kh_open(struct kh *h, const char *pack, const char *data, int w, int hgt)
{
	h->k = calloc(1, sizeof(*h->k));
	h->w = w;
	h->h = hgt;
	struct kiosk_opts o = {.pack_dir = pack, .data_dir = data, .lang = "en", .fake_clock = 1};
	kiosk_init(h->k, &o);
	assert_int_equal(h->k->screen, SCREEN_IDLE);
	struct display_opts d = {.offscreen = 1, .width = w, .height = hgt};
	h->d = display_open(&d);
	assert_non_null(h->d);
	h->r = render_open(display_renderer(h->d));
	assert_non_null(h->r);
	kiosk_attach(h->k, h->d, h->r);
	kiosk_frame(h->k);
	kiosk_go(h->k, SCREEN_RESULTS);
	kiosk_frame(h->k);
}

static void kh_close(struct kh *h)
{
	/* The kiosk first: until its workers stop they may wake the display (display_wake(),
	 * SDL_PushEvent), which must still be open. The other order corrupted the heap now and
	 * then (seen under qemu-aarch64: malloc_consolidate(): invalid chunk size). */
	kiosk_release(h->k);
	render_close(h->r);
	display_close(h->d);
	free(h->k);
}

/* Draws a frame a second later (the screen copies the status once a second) until the status
 * on screen is `want` (and has `sent` records sent, unless -1). The uploader thread talks to a
 * real server in real time, so this polls; the bound (over a minute of real time, 100 minutes
 * of the fake clock) is there only to fail instead of hanging, far beyond what a correct kiosk
 * needs on a loaded machine under the sanitizers. */
static const struct upload_status *kh_wait(struct kh *h, enum upload_state want, int64_t sent,
					   const char *reason)
{
	struct kiosk *k = h->k;
	const struct upload_status *st = &k->results->status;
	for (int i = 0; i < 6000; i++) {
		clock_advance(&k->clock, 1000);
		k->last_input = clock_now(&k->clock); /* an organizer who keeps looking */
		k->dirty = 1;
		kiosk_frame(k);
		assert_int_equal(k->screen, SCREEN_RESULTS);
		if (st->state == want && (sent < 0 || st->sent == sent) &&
		    (!reason || strstr(st->reason, reason)))
			return st;
		tu_sleep_ms(10);
	}
	fail_msg("the screen did not reach '%s' (it shows '%s': %s)", upload_state_name(want),
		 upload_state_name(st->state), st->reason);
	return NULL;
}

static void kh_shot(struct kh *h, struct fx *f, const char *name)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/results-%s-%dx%d.png", f->shots, name, h->w, h->h);
	assert_int_equal(render_screenshot(h->r, path), 0);
	assert_int_equal(h->k->ui.overflow, 0);
	/* The token is never on screen. */
	assert_false(ui_has_text(&h->k->ui, TOKEN));
}

static void kh_tap(struct kh *h, const char *label)
{
	const struct ui_widget *w = ui_find(&h->k->ui, label, 1);
	if (!w)
		fail_msg("no \"%s\" to tap", label);
	struct display_event ev = {.kind = DISPLAY_POINTER_DOWN, .x = w->r.x + w->r.w / 2,
				   .y = w->r.y + w->r.h / 2};
	kiosk_event(h->k, &ev);
	kiosk_frame(h->k);
	ev.kind = DISPLAY_POINTER_UP;
	kiosk_event(h->k, &ev);
	kiosk_frame(h->k);
}

static void expect_text(struct kh *h, const char *text)
{
	if (!ui_has_text(&h->k->ui, text))
		fail_msg("\"%s\" is not on screen", text);
}

/* ---- The upload states ---- */

static void test_idle_and_all_sent(void **state)
{
	struct fx *f = *state;
	char url[128], data[1100], target[160];
	receiver_url(f, "", url, sizeof(url));
	pack_upload(f, url);
	snprintf(target, sizeof(target), "Webhook to 127.0.0.1:%d", f->srv.port);
	for (size_t i = 0; i < ARRAY_SIZE(SIZES); i++) {
		struct kh h;
		new_data(f, data, sizeof(data));
		kh_open(&h, f->pack, data, SIZES[i][0], SIZES[i][1]);
		/* Nothing queued: idle, not "All sent". */
		kh_wait(&h, UPLOAD_ALL_SENT, 0, NULL);
		expect_text(&h, "Idle");
		expect_text(&h, target);
		expect_text(&h, "Nothing sent yet");
		kh_shot(&h, f, "idle");

		/* Five check-ins arrive through another connection; "Upload now" sends them. */
		queue(data, 5);
		event_upload_now(h.k->event);
		const struct upload_status *st = kh_wait(&h, UPLOAD_ALL_SENT, 5, NULL);
		assert_int_equal(st->queued, 0);
		assert_true(st->last_success_at > 0);
		expect_text(&h, "All sent");
		expect_text(&h, "Last sent: ");
		kh_shot(&h, f, "all-sent");
		kh_close(&h);

		struct store *s = store_open(data);
		assert_non_null(s);
		struct outbox_counts c;
		assert_int_equal(outbox_counts(s, &c), 0);
		assert_int_equal(c.sent, 5);
		assert_int_equal(c.queued, 0);
		store_close(s);
	}
}

static void test_sending(void **state)
{
	struct fx *f = *state;
	char url[128], data[1100];
	receiver_url(f, "--hang", url, sizeof(url));
	pack_upload(f, url);
	for (size_t i = 0; i < ARRAY_SIZE(SIZES); i++) {
		struct kh h;
		new_data(f, data, sizeof(data));
		queue(data, 3);
		kh_open(&h, f->pack, data, SIZES[i][0], SIZES[i][1]);
		const struct upload_status *st = kh_wait(&h, UPLOAD_SENDING, -1, NULL);
		assert_int_equal(st->queued, 3);
		expect_text(&h, "Sending\xE2\x80\xA6");
		kh_shot(&h, f, "sending");
		/* Closing stops the thread although its request hangs. */
		kh_close(&h);
	}
}

static void test_failing(void **state)
{
	struct fx *f = *state;
	char url[128], data[1100];
	receiver_url(f, "--always 500", url, sizeof(url));
	pack_upload(f, url);
	for (size_t i = 0; i < ARRAY_SIZE(SIZES); i++) {
		struct kh h;
		new_data(f, data, sizeof(data));
		queue(data, 4);
		kh_open(&h, f->pack, data, SIZES[i][0], SIZES[i][1]);
		const struct upload_status *st = kh_wait(&h, UPLOAD_FAILING, -1, "HTTP 500");
		assert_int_equal(st->queued, 4);
		expect_text(&h, "Failing");
		expect_text(&h, "Last error: HTTP 500 from 127.0.0.1");
		kh_shot(&h, f, "failing");
		/* "Upload now" is there and takes a tap; "Retry refused" is not (nothing refused). */
		kh_tap(&h, "Upload now");
		assert_null(ui_find(&h.k->ui, "Retry refused", 1));
		kh_close(&h);
	}

	/* Nobody listening: a network error, also with its reason. */
	char closed[128], data2[1100];
	snprintf(closed, sizeof(closed), "http://127.0.0.1:%d/hook", tu_free_port());
	pack_upload(f, closed);
	new_data(f, data2, sizeof(data2));
	queue(data2, 1);
	struct kh h;
	kh_open(&h, f->pack, data2, 800, 480);
	kh_wait(&h, UPLOAD_FAILING, -1, "127.0.0.1");
	expect_text(&h, "Last error: ");
	kh_shot(&h, f, "failing-closed-port");
	kh_close(&h);
}

static void test_refused_and_retry(void **state)
{
	struct fx *f = *state;
	char url[128], data[1100];
	receiver_url(f, "--always 422", url, sizeof(url));
	pack_upload(f, url);
	new_data(f, data, sizeof(data));
	queue(data, 2);
	struct kh h;
	kh_open(&h, f->pack, data, 800, 480);
	const struct upload_status *st = kh_wait(&h, UPLOAD_FAILING, -1, "HTTP 422");
	for (int i = 0; i < 100 && st->parked != 2; i++)
		st = kh_wait(&h, UPLOAD_FAILING, -1, "HTTP 422");
	assert_int_equal(st->parked, 2);
	expect_text(&h, "Refused: HTTP 422");
	kh_shot(&h, f, "refused");
	/* Retry refused queues them again; the receiver refuses them again. */
	kh_tap(&h, "Retry refused");
	kh_wait(&h, UPLOAD_FAILING, -1, "HTTP 422");
	kh_close(&h);
	struct store *s = store_open(data);
	struct outbox_counts c;
	assert_int_equal(outbox_counts(s, &c), 0);
	assert_int_equal(c.parked + c.queued, 2);
	store_close(s);
}

static void test_waiting_for_clock(void **state)
{
	struct fx *f = *state;
	char data[1100];
	pack_upload(f, "https://127.0.0.1:9/hook");
	new_data(f, data, sizeof(data));
	queue(data, 1);
	for (size_t i = 0; i < ARRAY_SIZE(SIZES); i++) {
		struct kh h;
		kh_open(&h, f->pack, data, SIZES[i][0], SIZES[i][1]);
		/* A Pi just switched on: the clock is not synchronised yet. */
		h.k->clock.fake_synced = 0;
		kiosk_reload(h.k); /* the event core starts its uploader again, on this clock */
		kiosk_go(h.k, SCREEN_RESULTS);
		kh_wait(&h, UPLOAD_WAITING_CLOCK, -1, NULL);
		expect_text(&h, "Waiting for the clock");
		kh_shot(&h, f, "waiting-clock");
		kh_close(&h);
	}
}

/* ---- Export, through the binary and a script ---- */

static int run_script(struct fx *f, const char *data, const char *script, const char *size,
		      const char *lang, char *out, size_t outsize)
{
	return tu_run_script(out, outsize, f->dir, "script.txt", script, f->pack, data, f->shots,
			     size, lang);
}

/* Two walk-ins with consent: two people and two check-ins to export. */
static void walkins(const char *data, const char *event)
{
	struct store *s = store_open(data);
	assert_non_null(s);
	struct clock c;
	clock_init_fake(&c, 1796320000000LL);
	struct people_walkin w = {.first_name = "Søren", .last_name = "Kierkegaard",
				  .email = "soren@example.org", .consent = 1, .consent_version = "2026-11"};
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(s, &c, event, &w, &e, &r), 0);
	w.first_name = "Åsa";
	w.last_name = "Öberg";
	w.email = "asa@example.org";
	assert_int_equal(people_walkin(s, &c, event, &w, &e, &r), 0);
	store_close(s);
}

static void test_export_usb(void **state)
{
	struct fx *f = *state;
	char data[1100], out[8192], closed[128];
	/* An upload target that is down: the export does not need it, and holds no token. */
	snprintf(closed, sizeof(closed), "http://127.0.0.1:%d/hook", tu_free_port());
	pack_upload(f, closed);
	new_data(f, data, sizeof(data));
	struct pack p;
	struct diags d;
	diags_init(&d);
	assert_int_equal(pack_load(f->pack, &p, &d), 0);
	walkins(data, p.event_id);
	setenv("BARNSTORM_USB", f->usb, 1);

	static const char *const SCRIPT =
		"tap \"Organizer\"\ntype \"4821\"\nkey Return\ntap \"Upload and export\"\n"
		"expect \"Export to USB stick\"\ntap \"Export to USB stick\"\n"
		"expect \"%s\"\n"
		"expect \"You can take the stick out now.\"\nshot %s\n";
	char script[1024];
	/* The count sentence is composed, so each language's own text is expected. */
	snprintf(script, sizeof(script), SCRIPT, "Exported 2 people and 2 check-ins to the folder:",
		 "results-exported-800x480");
	int rc = run_script(f, data, script, "800x480", "en", out, sizeof(out));
	if (rc != 0)
		fail_msg("script failed (%d): %s", rc, out);
	snprintf(script, sizeof(script), SCRIPT,
		 "Eksporterede 2 personer og 2 indtjekninger til mappen:", "results-exported-da-1920x1080");
	rc = run_script(f, data, script, "1920x1080", "da", out, sizeof(out));
	if (rc != 0)
		fail_msg("script failed (%d): %s", rc, out);

	/* Two folders (the second export did not overwrite the first), each with every file. */
	char pat[1200];
	snprintf(pat, sizeof(pat), "%s/barnstorm-*-*-*", f->usb);
	glob_t g;
	assert_int_equal(glob(pat, 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, 2);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *name = strrchr(g.gl_pathv[i], '/') + 1;
		char want[256];
		snprintf(want, sizeof(want), "barnstorm-%s-", p.event_id + (strncmp(p.event_id,
			 "barnstorm-", 10) ? 0 : 10));
		assert_int_equal(strncmp(name, want, strlen(want)), 0);
		static const char *const FILES[] = {"people.csv", "checkins.csv", "results.json",
						    "commitments.csv", "agenda.csv", "barnstorm.xlsx",
						    "summary.png"};
		for (size_t j = 0; j < ARRAY_SIZE(FILES); j++) {
			char path[1400];
			snprintf(path, sizeof(path), "%s/%s", g.gl_pathv[i], FILES[j]);
			if (j >= 5) { /* binary: there, and not empty */
				struct stat st;
				if (stat(path, &st) != 0 || st.st_size < 100)
					fail_msg("'%s' is missing or empty", path);
				continue;
			}
			char *text = tu_read_all(path);
			assert_non_null(text);
			assert_null(strstr(text, TOKEN));
			if (j == 0)
				assert_non_null(strstr(text, "Kierkegaard"));
			if (j == 2) {
				json_t *root = json_loads(text, 0, NULL);
				assert_non_null(root);
				assert_int_equal(json_array_size(json_object_get(root, "people")), 2);
				assert_int_equal(json_array_size(json_object_get(root, "checkins")), 2);
				json_decref(root);
			}
			free(text);
		}
	}
	globfree(&g);
	pack_release(&p);
	diags_release(&d);
}

static void test_export_no_stick(void **state)
{
	struct fx *f = *state;
	char data[1100], out[8192];
	pack_upload(f, NULL);
	new_data(f, data, sizeof(data));
	/* A system with only the SD card mounted. */
	char root[1100];
	snprintf(root, sizeof(root), "%s/root", f->dir);
	sh("mkdir -p '%s/proc/self' '%s/sys/block'", root, root);
	char dir[1200];
	snprintf(dir, sizeof(dir), "%s/proc/self", root);
	tu_write_str(dir, "mounts", "/dev/mmcblk0p2 / ext4 rw 0 0\n"
		     "/dev/mmcblk0p1 /boot/firmware vfat rw 0 0\n");
	setenv("BARNSTORM_USB_ROOT", root, 1);
	unsetenv("BARNSTORM_USB");
	int rc = run_script(f, data,
			    "tap \"Organizer\"\ntype \"4821\"\nkey Return\ntap \"Upload and export\"\n"
			    "expect \"No upload configured\"\nshot results-off-800x480\n"
			    "tap \"Export to USB stick\"\n"
			    "expect \"No USB stick found: plug one in and try again\"\n"
			    "shot results-no-stick-800x480\n",
			    "800x480", "en", out, sizeof(out));
	if (rc != 0)
		fail_msg("script failed (%d): %s", rc, out);

	/* Without [upload], "Upload now" is shown but cannot be tapped. */
	rc = run_script(f, data, "tap \"Organizer\"\ntype \"4821\"\nkey Return\n"
			"tap \"Upload and export\"\ntap \"Upload now\"\n", "800x480", "en", out,
			sizeof(out));
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "no \"Upload now\" to tap"));

	/* A stick named by $BARNSTORM_USB that is not there: the export says why. */
	char missing[1200];
	snprintf(missing, sizeof(missing), "%s/gone", f->dir);
	setenv("BARNSTORM_USB", missing, 1);
	rc = run_script(f, data, "tap \"Organizer\"\ntype \"4821\"\nkey Return\n"
			"tap \"Upload and export\"\ntap \"Export to USB stick\"\n"
			"expect \"The export failed: BARNSTORM_USB\"\n", "1920x1080", "en", out,
			sizeof(out));
	if (rc != 0)
		fail_msg("script failed (%d): %s", rc, out);
}

/* ---- The summary: the event at a glance ---- */

/* The demo meeting ran to its end: agenda_state at segment == the pack's segment count. */
static void finish_meeting(const char *data, const struct pack *p)
{
	struct store *s = store_open(data);
	assert_non_null(s);
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO agenda_state(event, segment, running, started_at, adjust_ms, updated_at) "
		 "VALUES ('%s', %d, 0, 1796326200000, 0, 1796326200000);"
		 "INSERT INTO commitment(uuid, event, person_id, role, role_kind, team, details, "
		 "created_at, updated_at) VALUES ('c-1', '%s', 1, 'Vært for ugentlig telefonbank', "
		 "'host', 'Aarhus N', '{}', 1796325900000, 1796325900000)",
		 p->event_id, p->nsegments, p->event_id);
	assert_int_equal(store_exec(s, sql), 0);
	store_close(s);
}

static void test_summary(void **state)
{
	struct fx *f = *state;
	char data[1100], fresh[1100], out[8192];
	pack_upload(f, NULL);
	new_data(f, data, sizeof(data));
	struct pack p;
	struct diags d;
	diags_init(&d);
	assert_int_equal(pack_load(f->pack, &p, &d), 0);
	walkins(data, p.event_id);
	finish_meeting(data, &p);

	/* After the meeting the screen opens on the summary; its tab leads back to the export. */
	int rc = run_script(f, data,
		"tap \"Organizer\"\ntype \"4821\"\nkey Return\ntap \"Upload and export\"\n"
		"expect \"Arrivals per 5 minutes\"\nexpect \"2 checked in \xC2\xB7 1 committed\"\n"
		"expect \"Hosts: 1 (target 2)\"\nexpect \"Leaders: 0 (target 1)\"\n"
		"expect \"Commitments per team\"\nexpect \"Aarhus N\"\nexpect \"18:45\"\n"
		"expect-not \"Export to USB stick\"\nshot results-summary-800x480\n"
		"tap \"Upload and export\"\nexpect \"Export to USB stick\"\n"
		"expect-not \"Arrivals per 5 minutes\"\ntap \"Summary\"\nexpect \"Arrivals per 5 minutes\"\n",
		"800x480", "en", out, sizeof(out));
	if (rc != 0)
		fail_msg("script failed (%d): %s", rc, out);
	rc = run_script(f, data,
		"tap \"Organizer\"\ntype \"4821\"\nkey Return\ntap \"Upload and export\"\n"
		"expect \"Ankomster pr. 5 minutter\"\nexpect \"2 tjekket ind \xC2\xB7 1 har sagt ja\"\n"
		"expect \"Tilsagn pr. hold\"\nshot results-summary-da-1920x1080\n",
		"1920x1080", "da", out, sizeof(out));
	if (rc != 0)
		fail_msg("script failed (%d): %s", rc, out);

	/* Before the meeting has ended it opens on upload and export; nobody yet is said so. */
	new_data(f, fresh, sizeof(fresh));
	rc = run_script(f, fresh,
		"tap \"Organizer\"\ntype \"4821\"\nkey Return\ntap \"Upload and export\"\n"
		"expect \"Export to USB stick\"\nexpect-not \"Arrivals per 5 minutes\"\n"
		"tap \"Summary\"\nexpect \"Nobody has checked in yet.\"\nexpect \"0 checked in\"\n"
		"shot results-summary-empty-800x480\n",
		"800x480", "en", out, sizeof(out));
	if (rc != 0)
		fail_msg("script failed (%d): %s", rc, out);
	pack_release(&p);
	diags_release(&d);
}

/* The summary follows what happens while it is shown: a walk-in at the door (through the event
 * core's store, as the check-in screen does) is on it in the next frame, without a new visit. */
static void test_summary_follows(void **state)
{
	struct fx *f = *state;
	char data[1100];
	pack_upload(f, NULL);
	new_data(f, data, sizeof(data));
	struct kh h;
	kh_open(&h, f->pack, data, 800, 480);
	kh_tap(&h, "Summary");
	expect_text(&h, "0 checked in");
	expect_text(&h, "Nobody has checked in yet.");
	struct people_walkin w = {.first_name = "Åsa", .last_name = "Öberg", .lang = "sv"};
	struct people_walkin_errors e;
	struct people_walkin_result r;
	assert_int_equal(people_walkin(event_store(h.k->event), &h.k->clock, h.k->pack.event_id, &w,
				       &e, &r), 0);
	h.k->dirty = 1;
	kiosk_frame(h.k);
	expect_text(&h, "1 checked in");
	expect_text(&h, "Arrivals per 5 minutes");
	kh_shot(&h, f, "summary-live");
	/* Back on upload and export, and the summary again. */
	kh_tap(&h, "Upload and export");
	expect_text(&h, "Export to USB stick");
	kh_tap(&h, "Summary");
	expect_text(&h, "1 checked in");
	kh_close(&h);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_idle_and_all_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_and_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waiting_for_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_usb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_no_stick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_follows, setup, teardown),
	};
	return RUN_TESTS(tests);
}
