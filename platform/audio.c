#include "audio.h"
#include "util.h"

#include <SDL.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define RATE 48000
#define CUE_MAX_MS 1000   /* the longest cue */
#define FADE_MS 8         /* ramps in and out: a tone that starts at full level clicks */
#define QUEUE_MAX (RATE * 2 * (int)sizeof(int16_t)) /* do not pile up more than 2 s of cues */

struct audio {
	SDL_AudioDeviceID dev;
	unsigned count[AUDIO_CUE_COUNT];
	int16_t buf[RATE * CUE_MAX_MS / 1000];
};

/* One beep: freq Hz for ms, from sample `at`; returns the sample after it. */
static int tone(struct audio *au, int at, int freq, int ms, double amp)
{
	int n = RATE * ms / 1000, fade = RATE * FADE_MS / 1000;
	int cap = (int)(sizeof(au->buf) / sizeof(au->buf[0]));
	for (int i = 0; i < n && at + i < cap; i++) {
		double env = 1.0;
		if (i < fade)
			env = (double)i / fade;
		else if (n - i < fade)
			env = (double)(n - i) / fade;
		double v = sin(2.0 * M_PI * freq * i / RATE) * amp * env;
		au->buf[at + i] = (int16_t)(v * 32000.0);
	}
	return at + n;
}

static int silence(struct audio *au, int at, int ms)
{
	int n = RATE * ms / 1000;
	int cap = (int)(sizeof(au->buf) / sizeof(au->buf[0]));
	for (int i = 0; i < n && at + i < cap; i++)
		au->buf[at + i] = 0;
	return at + n;
}

struct audio *audio_open(void)
{
	if (SDL_InitSubSystem(SDL_INIT_AUDIO) < 0) {
		err_set("no sound: %s", SDL_GetError());
		return NULL;
	}
	SDL_AudioSpec want, have;
	SDL_zero(want);
	want.freq = RATE;
	want.format = AUDIO_S16SYS;
	want.channels = 1;
	want.samples = 1024;
	SDL_AudioDeviceID dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
	if (!dev) {
		err_set("no sound: cannot open an audio device: %s", SDL_GetError());
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		return NULL;
	}
	struct audio *au = xcalloc(1, sizeof(*au));
	au->dev = dev;
	SDL_PauseAudioDevice(dev, 0);
	return au;
}

void audio_close(struct audio *au)
{
	if (!au)
		return;
	SDL_CloseAudioDevice(au->dev);
	SDL_QuitSubSystem(SDL_INIT_AUDIO);
	free(au);
}

void audio_play(struct audio *au, enum audio_cue cue, int volume)
{
	if (!au || cue < 0 || cue >= AUDIO_CUE_COUNT)
		return;
	au->count[cue]++;
	if (volume < 0)
		volume = 0;
	if (volume > 100)
		volume = 100;
	/* Loudness is roughly logarithmic: a square law makes the lower half of the scale usable. */
	double amp = (volume / 100.0) * (volume / 100.0);
	int n = 0;
	switch (cue) {
	case AUDIO_CUE_WARNING:
		n = tone(au, n, 660, 180, amp);
		break;
	case AUDIO_CUE_DANGER:
		n = tone(au, n, 880, 140, amp);
		n = silence(au, n, 90);
		n = tone(au, n, 880, 140, amp);
		break;
	case AUDIO_CUE_TIME_UP:
		n = tone(au, n, 988, 160, amp);
		n = silence(au, n, 60);
		n = tone(au, n, 784, 160, amp);
		n = silence(au, n, 60);
		n = tone(au, n, 587, 280, amp);
		break;
	case AUDIO_CUE_SPEAKER:
		n = tone(au, n, 1175, 450, amp);
		break;
	case AUDIO_CUE_COUNT:
		return;
	}
	if (SDL_GetQueuedAudioSize(au->dev) > QUEUE_MAX)
		return;
	if (SDL_QueueAudio(au->dev, au->buf, (Uint32)((size_t)n * sizeof(au->buf[0]))) < 0)
		return; /* a cue that cannot be queued is not worth stopping the meeting for */
}

unsigned audio_count(const struct audio *au, enum audio_cue cue)
{
	if (!au || cue < 0 || cue >= AUDIO_CUE_COUNT)
		return 0;
	return au->count[cue];
}
