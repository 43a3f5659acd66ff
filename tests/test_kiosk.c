/* The kiosk's loop logic without a display: when it asks to be woken, and its timeouts. */
#include "testutil.h"

#include "agenda.h"
#include "display.h"
#include "kiosk.h"
#include "screens/checkin.h"
#include "screens/meeting.h"
#include "render.h"
#include "util.h"

static struct kiosk *open_demo(char **dir)
{
	*dir = tu_tempdir();
	char pack[1024];
	snprintf(pack, sizeof(pack), "%s/assets/demo", tu_src());
	struct kiosk *k = calloc(1, sizeof(*k));
	struct kiosk_opts o = {.pack_dir = pack, .data_dir = *dir, .fake_clock = 1};
	kiosk_init(k, &o);
	return k;
}

static void close_demo(struct kiosk *k, char *dir)
{
	kiosk_release(k);
	free(k);
	tu_rmtree(dir);
	free(dir);
}

static void idle_screen_sleeps_until_input(void **state)
{
	(void)state;
	char *dir;
	struct kiosk *k = open_demo(&dir);
	assert_int_equal(k->screen, SCREEN_IDLE);
	kiosk_frame(k);
	/* Nothing on the idle screen changes with time: no timed redraw at all. */
	assert_int_equal(kiosk_timeout(k), -1);
	int frames = k->frames;
	clock_advance(&k->clock, 10 * 60 * 1000);
	assert_int_equal(kiosk_timeout(k), -1);
	assert_int_equal(k->frames, frames);
	close_demo(k, dir);
}

static void attendee_screens_time_out_to_idle(void **state)
{
	(void)state;
	char *dir;
	struct kiosk *k = open_demo(&dir);
	kiosk_require_pin(k, SCREEN_ORGANIZER);
	kiosk_frame(k);
	assert_int_equal(k->screen, SCREEN_PIN);
	/* The PIN pad asks to be woken 20 s before its time is up, to ask "Still there?", and
	 * then when it is up, and goes back to idle. */
	int t = kiosk_timeout(k);
	assert_int_equal(t, KIOSK_ATTENDEE_IDLE_MS - KIOSK_STILL_THERE_MS);
	clock_advance(&k->clock, t);
	kiosk_frame(k);
	assert_int_equal(k->screen, SCREEN_PIN);
	assert_true(ui_has_text(&k->ui, tr(k, "Yes, I'm here")));
	int64_t waited = t;
	while (k->screen == SCREEN_PIN && waited < KIOSK_ATTENDEE_IDLE_MS) {
		t = kiosk_timeout(k);
		assert_true(t > 0 && t <= 1000); /* the seconds left count down */
		clock_advance(&k->clock, t);
		waited += t;
		kiosk_frame(k);
	}
	assert_int_equal(waited, KIOSK_ATTENDEE_IDLE_MS);
	assert_int_equal(k->screen, SCREEN_IDLE);
	close_demo(k, dir);
}

/* The clock set two years back (or forward) while an attendee walked away: the timeout still
 * comes 90 s after the last touch, not in two years (or at once). kiosk_step() sees the jump. */
static void clock_set_keeps_the_timeouts(void **state)
{
	(void)state;
	char *dir;
	struct kiosk *k = open_demo(&dir);
	kiosk_step(k, 0);
	kiosk_require_pin(k, SCREEN_ORGANIZER);
	kiosk_frame(k);
	clock_advance(&k->clock, 30000);
	kiosk_step(k, 0);
	assert_int_equal(k->screen, SCREEN_PIN);
	clock_jump(&k->clock, -730LL * 86400000);
	kiosk_step(k, 0);
	/* "Still there?" 70 s after the last touch, idle at 90 s: 40 and 60 s from now. */
	assert_int_equal(kiosk_timeout(k), 40000);
	clock_advance(&k->clock, 40000);
	kiosk_step(k, 0);
	assert_int_equal(k->screen, SCREEN_PIN);
	clock_advance(&k->clock, 20000);
	kiosk_step(k, 0);
	assert_int_equal(k->screen, SCREEN_IDLE);

	kiosk_require_pin(k, SCREEN_ORGANIZER);
	kiosk_frame(k);
	clock_jump(&k->clock, 3600000);
	kiosk_step(k, 0);
	assert_int_equal(k->screen, SCREEN_PIN);
	assert_int_equal(kiosk_timeout(k), KIOSK_ATTENDEE_IDLE_MS - KIOSK_STILL_THERE_MS);

	/* An organizer's view keeps its state: the jump is no new entry to the screen. */
	kiosk_go(k, SCREEN_CHECKINS);
	kiosk_frame(k);
	str_copy(k->checkin->org_msg, sizeof(k->checkin->org_msg), "Anna was checked in.");
	clock_jump(&k->clock, 86400000);
	kiosk_step(k, 0);
	assert_int_equal(k->screen, SCREEN_CHECKINS);
	assert_string_equal(k->checkin->org_msg, "Anna was checked in.");
	close_demo(k, dir);
}

static void language_resets_after_an_attendee(void **state)
{
	(void)state;
	char *dir;
	struct kiosk *k = open_demo(&dir);
	kiosk_set_lang(k, 1);
	assert_string_equal(tr(k, "Check in"), "Check in");
	kiosk_reset_to_idle(k);
	assert_int_equal(k->lang, 0);
	assert_string_equal(tr(k, "Check in"), "Tjek ind");
	close_demo(k, dir);
}

/* A projector on a second output: the audience view follows the meeting there while the touch
 * screen stays at the door, and its timer ticks on its own. */
static void audience_view_on_a_second_display(void **state)
{
	(void)state;
	char *dir;
	struct kiosk *k = open_demo(&dir);
	struct display_opts o1 = {.offscreen = 1, .width = 800, .height = 480};
	struct display *d1 = display_open(&o1);
	assert_non_null(d1);
	struct render *r1 = render_open(display_renderer(d1));
	struct display_opts o2 = {.offscreen = 1, .width = 1920, .height = 1080};
	struct display *d2 = display_open_second(d1, 1, &o2);
	assert_non_null(d2);
	struct render *r2 = render_open(display_renderer(d2));
	assert_non_null(r2);
	kiosk_attach(k, d1, r1);
	kiosk_attach_audience(k, d2, r2);
	kiosk_frame(k);
	/* Before the meeting: the event's title card on the projector, check-in on the panel. */
	assert_true(ui_has_text(k->ui2, "Barnstorm Aarhus"));
	assert_true(ui_has_text(&k->ui, "Tjek ind"));
	assert_int_equal(k->ui2->w, 1920);
	/* The meeting starts: the projector shows the segment and its countdown, and asks to be
	 * redrawn every second although the touch screen is idle. */
	assert_int_equal(agenda_start(k->meeting->agenda), 0);
	k->dirty = 1;
	kiosk_frame(k);
	assert_true(ui_has_text(k->ui2, "Velkommen og dagsorden"));
	assert_true(ui_has_text(k->ui2, "5:00"));
	assert_int_equal(k->screen, SCREEN_IDLE);
	int t = kiosk_timeout(k);
	assert_true(t > 0 && t <= 1000);
	clock_advance(&k->clock, 61000);
	k->dirty = 1;
	kiosk_frame(k);
	assert_true(ui_has_text(k->ui2, "3:59"));
	char path[1024];
	const char *keep = getenv("BARNSTORM_SHOTS");
	snprintf(path, sizeof(path), "%s/audience.png", keep && *keep ? keep : dir);
	assert_int_equal(render_screenshot(r2, path), 0);
	kiosk_release(k);
	render_close(r2);
	display_close(d2);
	render_close(r1);
	display_close(d1);
	free(k);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(idle_screen_sleeps_until_input),
		cmocka_unit_test(attendee_screens_time_out_to_idle),
		cmocka_unit_test(clock_set_keeps_the_timeouts),
		cmocka_unit_test(language_resets_after_an_attendee),
		cmocka_unit_test(audience_view_on_a_second_display),
	};
	return RUN_TESTS(tests);
}
