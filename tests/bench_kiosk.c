/* Kiosk core figures: cold start to first frame, CPU time per idle frame with the software
 * renderer at 800x480 and 1920x1080, redraws during 10 s of no input, peak RSS. Prints figures;
 * asserts nothing about time. */
#include "display.h"
#include "kiosk.h"
#include "render.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void bench_size(const char *pack, const char *data, int w, int h)
{
	double t0 = now_ms(CLOCK_MONOTONIC);
	struct kiosk *k = xcalloc(1, sizeof(*k));
	struct kiosk_opts o = {.pack_dir = pack, .data_dir = data};
	kiosk_init(k, &o);
	struct display_opts dopt = {.offscreen = 1, .width = w, .height = h};
	struct display *d = display_open(&dopt);
	if (!d)
		die("%s", err_msg());
	struct render *r = render_open(display_renderer(d));
	if (!r)
		die("%s", err_msg());
	kiosk_attach(k, d, r);
	kiosk_frame(k);
	double first = now_ms(CLOCK_MONOTONIC) - t0;

	/* Idle frames: the same screen redrawn, the text cache warm. */
	int n = 200;
	double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < n; i++) {
		k->dirty = 1;
		kiosk_frame(k);
	}
	double per = (now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0) / n;

	/* 10 s of no input in the real loop: count the frames drawn. */
	int before = k->frames;
	double end = now_ms(CLOCK_MONOTONIC) + 10000.0;
	while (now_ms(CLOCK_MONOTONIC) < end) {
		int left = (int)(end - now_ms(CLOCK_MONOTONIC));
		kiosk_step(k, left > 0 ? left : 0);
	}
	struct render_stats st;
	render_stats(r, &st);
	printf("idle screen %dx%d: first frame %.1f ms after start; %.2f ms CPU per frame "
	       "(software renderer); %d redraws in 10 s without input; text cache %d entries, %zu KiB\n",
	       w, h, first, per, k->frames - before, st.text_entries, st.text_bytes / 1024);
	kiosk_release(k); /* first: its workers may still wake the display */
	render_close(r);
	display_close(d);
	free(k);
}

int main(void)
{
	const char *src = getenv("BARNSTORM_SRC");
	char pack[1024], data[] = "/tmp/barnstorm-bench.XXXXXX";
	snprintf(pack, sizeof(pack), "%s/assets/demo", src && *src ? src : ".");
	if (!mkdtemp(data))
		die("cannot make a temporary folder");
	bench_size(pack, data, 800, 480);
	bench_size(pack, data, 1920, 1080);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %ld MiB\n", ru.ru_maxrss / 1024);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", data);
	return 0;
}
