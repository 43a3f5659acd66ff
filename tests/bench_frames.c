/* Cost of one frame per screen with SDL's software renderer (the Pi's case): idle, search with
 * results, the meeting timer running (a new second every frame), the sign-up board and the
 * results screen, each at 800x480 and 1920x1080. Prints, per screen and size:
 *
 *   - instructions per frame, counted by valgrind's callgrind over bench_frame() only (the bench
 *     runs itself again under valgrind with --toggle-collect), which is stable from run to run
 *     and comparable between machines, unlike a time;
 *   - CPU ms per frame on this machine (process CPU time over many frames, no valgrind).
 *
 * The screens are reached as a person would, by tapping labels on the demo pack. Prints figures;
 * asserts nothing about time. BENCH_FRAMES_NO_VALGRIND=1 skips the instruction counts;
 * BENCH_FRAMES_SHOTS=DIR writes each screen's last frame there, to look at. */
#include "display.h"
#include "kiosk.h"
#include "render.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CPU_FRAMES 40   /* frames timed for CPU ms */
#define IR_FRAMES 6     /* frames counted under callgrind */
#define WARM_FRAMES 12  /* frames drawn first, so caches are as warm as in use (every digit
			 * of the meeting timer has been drawn once) */

enum bench_screen { B_IDLE, B_SEARCH, B_MEETING, B_BOARD, B_RESULTS, B_COUNT };
static const char *const NAMES[B_COUNT] = {"idle", "search", "meeting", "board", "results"};

struct bench {
	struct kiosk *k;
	struct display *d;
	struct render *r;
	char data[256];
	enum bench_screen screen;
};

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void send(struct bench *b, enum display_event_kind kind, int x, int y, const char *text)
{
	struct display_event ev = {.kind = kind, .x = x, .y = y};
	if (text)
		str_copy(ev.text, sizeof(ev.text), text);
	kiosk_event(b->k, &ev);
	kiosk_typed(b->k); /* typing, not a scanner's burst */
	kiosk_frame(b->k);
}

/* Taps the first of the labels that is on screen; dies when none is. */
static void tap(struct bench *b, const char *label, const char *alt)
{
	const struct ui_widget *w = ui_find(&b->k->ui, label, 1);
	if (!w && alt)
		w = ui_find(&b->k->ui, alt, 1);
	if (!w)
		die("bench_frames: no \"%s\" to tap on the %s screen", label, NAMES[b->screen]);
	int x = w->r.x + w->r.w / 2, y = w->r.y + w->r.h / 2;
	send(b, DISPLAY_POINTER_DOWN, x, y, NULL);
	send(b, DISPLAY_POINTER_UP, x, y, NULL);
}

static void login(struct bench *b)
{
	tap(b, "Organizer", NULL);
	send(b, DISPLAY_TEXT, 0, 0, "4821");
	tap(b, "OK", NULL);
}

static void bench_open(struct bench *b, enum bench_screen s, int w, int h)
{
	const char *src = getenv("BARNSTORM_SRC");
	char pack[1024];
	snprintf(pack, sizeof(pack), "%s/assets/demo", src && *src ? src : ".");
	str_copy(b->data, sizeof(b->data), "/tmp/barnstorm-bench-frames.XXXXXX");
	if (!mkdtemp(b->data))
		die("cannot make a temporary folder: %s", strerror(errno));
	b->screen = s;
	b->k = xcalloc(1, sizeof(*b->k));
	struct kiosk_opts o = {.pack_dir = pack, .data_dir = b->data, .lang = "en", .fake_clock = 1};
	kiosk_init(b->k, &o);
	struct display_opts dopt = {.offscreen = 1, .width = w, .height = h};
	b->d = display_open(&dopt);
	if (!b->d)
		die("%s", err_msg());
	b->r = render_open(display_renderer(b->d));
	if (!b->r)
		die("%s", err_msg());
	kiosk_attach(b->k, b->d, b->r);
	kiosk_frame(b->k);
	switch (s) {
	case B_IDLE:
		break;
	case B_SEARCH:
		tap(b, "Check in", NULL);
		send(b, DISPLAY_TEXT, 0, 0, "er");
		break;
	case B_MEETING:
		login(b);
		tap(b, "Meeting", NULL);
		clock_advance(&b->k->clock, 30 * 60 * 1000);
		b->k->dirty = 1;
		kiosk_frame(b->k);
		tap(b, "Start", NULL);
		break;
	case B_BOARD:
		login(b);
		tap(b, "Board", NULL);
		break;
	case B_RESULTS:
		login(b);
		tap(b, "Upload and export", NULL);
		break;
	case B_COUNT:
		break;
	}
}

static void bench_close(struct bench *b)
{
	kiosk_release(b->k);
	render_close(b->r);
	display_close(b->d);
	free(b->k);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->data);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", b->data);
}

/* One frame as the loop draws it on a redraw: the meeting's clock moves one second first. */
void bench_frame(struct bench *b);
__attribute__((noinline)) void bench_frame(struct bench *b)
{
	if (b->screen == B_MEETING)
		clock_advance(&b->k->clock, 1000);
	b->k->dirty = 1;
	kiosk_frame(b->k);
}

static void warm(struct bench *b)
{
	for (int i = 0; i < WARM_FRAMES; i++) {
		if (b->screen == B_MEETING)
			clock_advance(&b->k->clock, 1000);
		b->k->dirty = 1;
		kiosk_frame(b->k);
	}
}

/* The child under valgrind: IR_FRAMES frames through bench_frame(), the only code counted. */
static int run_counted(enum bench_screen s, int w, int h)
{
	struct bench b = {0};
	bench_open(&b, s, w, h);
	warm(&b);
	for (int i = 0; i < IR_FRAMES; i++)
		bench_frame(&b);
	bench_close(&b);
	return 0;
}

/* Instructions per frame from a callgrind run of this program on one case; -1 when valgrind is
 * missing or fails. */
static double count_instructions(const char *self, enum bench_screen s, int w, int h)
{
	char out[] = "/tmp/barnstorm-callgrind.XXXXXX";
	int fd = mkstemp(out);
	if (fd < 0)
		return -1;
	close(fd);
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bench_frame "
		 "--callgrind-out-file='%s' '%s' --count %d %d %d >/dev/null 2>&1",
		 out, self, (int)s, w, h);
	int rc = system(cmd);
	double ir = -1;
	FILE *f = fopen(out, "r");
	if (rc == 0 && f) {
		char line[512];
		while (fgets(line, sizeof(line), f)) {
			unsigned long long n;
			if (sscanf(line, "summary: %llu", &n) == 1 || sscanf(line, "totals: %llu", &n) == 1)
				ir = (double)n / IR_FRAMES;
		}
	}
	if (f)
		fclose(f);
	unlink(out);
	return ir;
}

/* CPU ms per frame; *draws: screens drawn per frame (kiosk_frame() draws again after input or
 * when a screen asks for it). */
static double cpu_per_frame(enum bench_screen s, int w, int h, struct render_stats *st,
			    double *draws)
{
	struct bench b = {0};
	bench_open(&b, s, w, h);
	warm(&b);
	int f0 = b.k->frames;
	double t0 = cpu_ms();
	for (int i = 0; i < CPU_FRAMES; i++)
		bench_frame(&b);
	double per = (cpu_ms() - t0) / CPU_FRAMES;
	*draws = (double)(b.k->frames - f0) / CPU_FRAMES;
	render_stats(b.r, st);
	const char *shots = getenv("BENCH_FRAMES_SHOTS");
	if (shots && *shots) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s-%dx%d.png", shots, NAMES[s], w, h);
		if (render_screenshot(b.r, path) < 0)
			fprintf(stderr, "%s\n", err_msg());
	}
	bench_close(&b);
	return per;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "--count"))
		return run_counted((enum bench_screen)atol(argv[2]), (int)atol(argv[3]),
				   (int)atol(argv[4]));
	const char *no_vg = getenv("BENCH_FRAMES_NO_VALGRIND");
	int vg = !(no_vg && *no_vg) && system("valgrind --version >/dev/null 2>&1") == 0;
	char self[1024];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("cannot find this program's path");
	self[n] = '\0';
	static const int SIZES[][2] = {{800, 480}, {1920, 1080}};
	printf("frame cost, software renderer (instructions: callgrind over %d frames; CPU: %d frames)\n",
	       IR_FRAMES, CPU_FRAMES);
	printf("%-8s %-10s %14s %10s %6s %14s\n", "screen", "size", "M instr/frame", "CPU ms", "draws",
	       "text cache");
	for (int s = 0; s < B_COUNT; s++)
		for (size_t z = 0; z < ARRAY_SIZE(SIZES); z++) {
			int w = SIZES[z][0], h = SIZES[z][1];
			struct render_stats st;
			double draws;
			double ms = cpu_per_frame((enum bench_screen)s, w, h, &st, &draws);
			double ir = vg ? count_instructions(self, (enum bench_screen)s, w, h) : -1;
			char size[32], irs[32], cache[48];
			snprintf(size, sizeof(size), "%dx%d", w, h);
			if (ir >= 0)
				snprintf(irs, sizeof(irs), "%.2f", ir / 1e6);
			else
				str_copy(irs, sizeof(irs), "n/a");
			snprintf(cache, sizeof(cache), "%d/%zuK", st.text_entries, st.text_bytes / 1024);
			printf("%-8s %-10s %14s %10.2f %6.1f %14s\n", NAMES[s], size, irs, ms, draws, cache);
			fflush(stdout);
		}
	return 0;
}
