/* The kiosk's loop logic without a display: when it asks to be woken, and its timeouts. */
#include "testutil.h"

#include "kiosk.h"
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
	/* The PIN pad asks to be woken when its time is up, and then goes back to idle. */
	int t = kiosk_timeout(k);
	assert_true(t > 0 && t <= 90000);
	clock_advance(&k->clock, t);
	kiosk_frame(k);
	assert_int_equal(k->screen, SCREEN_IDLE);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(idle_screen_sleeps_until_input),
		cmocka_unit_test(attendee_screens_time_out_to_idle),
		cmocka_unit_test(language_resets_after_an_attendee),
	};
	return RUN_TESTS(tests);
}
