/* Audible cues: short tones made in code (no sound files), played on the default audio device
 * through SDL2. This is the only module that opens an audio device.
 *
 * The tones are queued with SDL_QueueAudio, so nothing runs on SDL's audio thread but SDL's own
 * copy; a cue asked for while another still plays is queued after it. Every cue asked for is
 * counted (audio_count()), which is how tests running on SDL's dummy driver know what was heard.
 *
 * Ownership: audio_open() returns a struct the caller frees with audio_close(), which closes the
 * device and SDL's audio subsystem again. Used from the UI thread only. */
#ifndef BARNSTORM_AUDIO_H
#define BARNSTORM_AUDIO_H

enum audio_cue {
	AUDIO_CUE_WARNING,  /* the segment's timer turned to the warning colour: one soft beep */
	AUDIO_CUE_DANGER,   /* ... to the danger colour: two beeps */
	AUDIO_CUE_TIME_UP,  /* the segment's time is up: three falling beeps */
	AUDIO_CUE_SPEAKER,  /* the speaker timer ran out: a long high beep */
	AUDIO_CUE_COUNT
};

struct audio;

/* Opens the default output device. NULL with err_msg() saying why (no device, no driver): the
 * caller says so once in its log and works on without sound. */
struct audio *audio_open(void);
void audio_close(struct audio *au);

/* Plays cue at volume 0..100 (0 plays silence and still counts). */
void audio_play(struct audio *au, enum audio_cue cue, int volume);

/* How many times cue was played since audio_open(). */
unsigned audio_count(const struct audio *au, enum audio_cue cue);

#endif
