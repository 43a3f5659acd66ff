/* Sound cues: a tone at warning, at danger, at time up and when the speaker timer ends, played
 * through platform/audio.c on SDL's dummy audio driver (SDL_AUDIODRIVER=dummy, as `make test`
 * sets) and counted there; the Mute button and the pack's [agenda] sound = off silence them;
 * volume and sound are checked at their line; a kiosk without an audio device works on.
 *
 * The kiosk runs in-process on a fake clock, redrawn only when a screen asked to be (as the real
 * loop does), so a cue that needs a frame at the right moment is heard only if one is asked for. */
#include "testutil.h"

#include "audio.h"
#include "kiosk.h"
#include "pack.h"
#include "screens/meeting.h"
#include "ui.h"
#include "util.h"

#define MIN 60000LL
#define SEC 1000LL

static const char PACK[] =
	"[event]\ntitle = Sound\nstarts = 2026-12-03 19:00\nends = 2026-12-03 19:30\n"
	"timezone = Europe/Copenhagen\nlanguages = en\n\n[kiosk]\npin = 4821\n\n"
	"[consent]\nversion = 1\nen = I agree.\n\n";

struct fx {
	char *dir;
	char pack[1024];
	char data[1024];
	struct kiosk *k;
};

static void fx_open(struct fx *f, const char *agenda)
{
	memset(f, 0, sizeof(*f));
	f->dir = tu_tempdir();
	snprintf(f->pack, sizeof(f->pack), "%s/pack", f->dir);
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	assert_int_equal(mkdir(f->pack, 0700), 0);
	char ini[4096];
	snprintf(ini, sizeof(ini), "%s%s[segment]\ntitle = Opening\nminutes = 5\n\n"
		 "[segment]\ntitle = Plan\nminutes = 5\n", PACK, agenda);
	tu_write_str(f->pack, "event.ini", ini);
	f->k = xcalloc(1, sizeof(*f->k));
	struct kiosk_opts o = {.pack_dir = f->pack, .data_dir = f->data, .fake_clock = 1};
	kiosk_init(f->k, &o);
	assert_true(f->k->pack_ok);
	kiosk_go(f->k, SCREEN_FACILITATOR);
	f->k->dirty = 1;
	kiosk_frame(f->k);
}

static void fx_close(struct fx *f)
{
	kiosk_release(f->k);
	free(f->k);
	tu_rmtree(f->dir);
	free(f->dir);
}

static void tap(struct kiosk *k, const char *label)
{
	const struct ui_widget *w = ui_find(&k->ui, label, 1);
	if (!w)
		fail_msg("no \"%s\" to tap", label);
	k->ui.pointer_x = w->r.x + w->r.w / 2;
	k->ui.pointer_y = w->r.y + w->r.h / 2;
	k->ui.pointer_pressed = k->ui.pointer_released = 1;
	kiosk_frame(k);
	k->ui.pointer_pressed = k->ui.pointer_released = 0;
}

/* The real loop on a fake clock: frames only when a screen asked for one. */
static void run_for(struct kiosk *k, int64_t ms)
{
	int64_t to = clock_now(&k->clock) + ms;
	while (k->wake_at && k->wake_at <= to) {
		int64_t now = clock_now(&k->clock);
		if (k->wake_at > now)
			clock_advance(&k->clock, k->wake_at - now);
		k->dirty = 1;
		kiosk_frame(k);
	}
	int64_t now = clock_now(&k->clock);
	if (to > now)
		clock_advance(&k->clock, to - now);
	k->dirty = 1;
	kiosk_frame(k);
}

static unsigned heard(const struct kiosk *k, enum audio_cue c)
{
	return audio_count(k->meeting->audio, c);
}

static void each_cue_once(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f, "[agenda]\nwarn = 120\ndanger = 30\nvolume = 40\n\n");
	struct kiosk *k = f.k;
	assert_non_null(k->meeting->audio); /* the dummy driver is a device */
	assert_non_null(ui_find(&k->ui, "Mute", 1));
	tap(k, "Start");
	run_for(k, 3 * MIN - SEC);
	assert_int_equal(heard(k, AUDIO_CUE_WARNING), 0);
	run_for(k, SEC); /* 2:00 left */
	assert_int_equal(heard(k, AUDIO_CUE_WARNING), 1);
	assert_int_equal(heard(k, AUDIO_CUE_DANGER), 0);
	run_for(k, 90 * SEC); /* 0:30 left */
	assert_int_equal(heard(k, AUDIO_CUE_DANGER), 1);
	run_for(k, 30 * SEC); /* 0:00: not yet over */
	assert_int_equal(heard(k, AUDIO_CUE_TIME_UP), 0);
	run_for(k, SEC);
	assert_int_equal(heard(k, AUDIO_CUE_TIME_UP), 1);
	/* Overtime goes on: no more beeps; a pause and resume do not beep again. */
	run_for(k, 2 * MIN);
	tap(k, "Pause");
	run_for(k, MIN);
	tap(k, "Resume");
	run_for(k, MIN);
	assert_int_equal(heard(k, AUDIO_CUE_WARNING), 1);
	assert_int_equal(heard(k, AUDIO_CUE_DANGER), 1);
	assert_int_equal(heard(k, AUDIO_CUE_TIME_UP), 1);
	/* The speaker timer's end. */
	tap(k, "Speaker 60 s");
	run_for(k, 59 * SEC);
	assert_int_equal(heard(k, AUDIO_CUE_SPEAKER), 0);
	run_for(k, SEC);
	assert_int_equal(heard(k, AUDIO_CUE_SPEAKER), 1);
	run_for(k, 30 * SEC);
	assert_int_equal(heard(k, AUDIO_CUE_SPEAKER), 1);
	/* Next: a new segment starts quiet; +1 min out of the warning and back in beeps again. */
	tap(k, "Next");
	run_for(k, 3 * MIN);
	assert_int_equal(heard(k, AUDIO_CUE_WARNING), 2);
	tap(k, "+1 min");
	run_for(k, MIN);
	assert_int_equal(heard(k, AUDIO_CUE_WARNING), 3);
	assert_int_equal(k->meeting->cues[AUDIO_CUE_WARNING], 3);
	fx_close(&f);
}

static void mute_and_pack_off_silence(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f, "");
	struct kiosk *k = f.k;
	tap(k, "Start");
	tap(k, "Mute");
	assert_non_null(ui_find(&k->ui, "Unmute", 1));
	run_for(k, 6 * MIN);
	tap(k, "Speaker 60 s");
	run_for(k, MIN);
	for (int c = 0; c < AUDIO_CUE_COUNT; c++)
		assert_int_equal(heard(k, (enum audio_cue)c), 0);
	tap(k, "Unmute");
	tap(k, "Next");
	run_for(k, 3 * MIN);
	assert_int_equal(heard(k, AUDIO_CUE_WARNING), 1);
	fx_close(&f);

	fx_open(&f, "[agenda]\nsound = off\n\n");
	k = f.k;
	assert_true(k->pack.sound_off);
	assert_null(ui_find(&k->ui, "Mute", 1));
	assert_true(ui_has_text(&k->ui, "Sound off"));
	tap(k, "Start");
	run_for(k, 6 * MIN);
	for (int c = 0; c < AUDIO_CUE_COUNT; c++) {
		assert_int_equal(heard(k, (enum audio_cue)c), 0);
		assert_int_equal(k->meeting->cues[c], 0);
	}
	fx_close(&f);
}

/* The pack's keys: defaults, and a mistake named at its line. */
static void pack_keys_checked_at_their_line(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	struct pack p;
	struct diags d;
	char ini[4096];

	snprintf(ini, sizeof(ini), "%s[segment]\ntitle = A\nminutes = 5\n", PACK);
	tu_write_str(dir, "event.ini", ini);
	diags_init(&d);
	assert_int_equal(pack_load(dir, &p, &d), 0);
	assert_false(p.sound_off);
	assert_int_equal(p.volume, PACK_DEFAULT_VOLUME);
	assert_int_equal(p.times_up_seconds, 10);
	pack_release(&p);
	diags_release(&d);

	snprintf(ini, sizeof(ini), "%s[agenda]\nsound = off\nvolume = 0\ntimes_up_seconds = 4\n\n"
		 "[segment]\ntitle = A\nminutes = 5\n", PACK);
	tu_write_str(dir, "event.ini", ini);
	diags_init(&d);
	assert_int_equal(pack_load(dir, &p, &d), 0);
	assert_true(p.sound_off);
	assert_int_equal(p.volume, 0);
	assert_int_equal(p.times_up_seconds, 4);
	pack_release(&p);
	diags_release(&d);

	/* Line 15 is [agenda], then sound, volume, times_up_seconds. */
	snprintf(ini, sizeof(ini), "%s[agenda]\nsound = loud\nvolume = 101\ntimes_up_seconds = 0\n\n"
		 "[segment]\ntitle = A\nminutes = 5\n", PACK);
	tu_write_str(dir, "event.ini", ini);
	diags_init(&d);
	pack_load(dir, &p, &d);
	assert_int_equal(d.errors, 3);
	char all[4096] = "", line[512];
	for (int i = 0; i < d.n; i++) {
		diag_format(&d.items[i], line, sizeof(line));
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s\n", line);
	}
	print_message("%s", all);
	assert_non_null(strstr(all, "event.ini:16: 'sound' must be on or off, not 'loud'"));
	assert_non_null(strstr(all, "event.ini:17: 'volume' must be a whole number from 0 to 100"));
	assert_non_null(strstr(all, "event.ini:18: 'times_up_seconds' must be a whole number from 1"));
	pack_release(&p);
	diags_release(&d);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_cue_once),
		cmocka_unit_test(mute_and_pack_off_silence),
		cmocka_unit_test(pack_keys_checked_at_their_line),
	};
	return RUN_TESTS(tests);
}
