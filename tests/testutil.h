/* Helpers for the cmocka tests: temporary folders, files, and running the sanitizer-built
 * barnstorm binary. Header-only so each test file stays one translation unit. */
#ifndef BARNSTORM_TESTUTIL_H
#define BARNSTORM_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include "clock.h"
#include "store.h"

/* Run a group with TAP output so `prove` can aggregate every test file. */
#define RUN_TESTS(tests) \
	(cmocka_set_message_output(CM_OUTPUT_TAP), cmocka_run_group_tests_name(__FILE__, tests, NULL, NULL))

/* A new empty folder under $TMPDIR; the caller removes it with tu_rmtree(). */
static inline char *tu_tempdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[512];
	snprintf(tmpl, sizeof(tmpl), "%s/barnstorm-test.XXXXXX", base && *base ? base : "/tmp");
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

static inline void tu_rmtree(const char *dir)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
}

static inline void tu_write(const char *dir, const char *name, const char *data, size_t len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline void tu_write_str(const char *dir, const char *name, const char *text)
{
	tu_write(dir, name, text, strlen(text));
}

/* The source tree (for assets/), from $BARNSTORM_SRC set by `make test`, else ".". */
static inline const char *tu_src(void)
{
	const char *s = getenv("BARNSTORM_SRC");
	return s && *s ? s : ".";
}

/* A test's own folder with a data/ folder (not created: the kiosk makes it), shots/, the demo
 * pack's path and room for a command's output: the fixture of the tests that run the binary.
 * tu_fx_setup/tu_fx_teardown are cmocka setup and teardown functions. */
struct tu_fx {
	char *dir;
	char data[1024];
	char shots[1024];
	char pack[1024];
	char out[65536];
};

static inline int tu_fx_setup(void **state)
{
	struct tu_fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = tu_tempdir();
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	snprintf(f->shots, sizeof(f->shots), "%s/shots", f->dir);
	snprintf(f->pack, sizeof(f->pack), "%s/assets/demo", tu_src());
	*state = f;
	return 0;
}

static inline int tu_fx_teardown(void **state)
{
	struct tu_fx *f = *state;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Runs a shell command line, captures its stdout into out[size] (NUL-terminated, cut at size-1
 * bytes); returns its exit status (or -1). */
static inline int tu_capture(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs the barnstorm binary ($BARNSTORM_BIN) with a shell-quoted argument string; captures
 * stdout+stderr into out[size]; returns the exit status (or -1). */
static inline int tu_run(char *out, size_t size, const char *fmt, ...)
{
	char args[4096], cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	const char *bin = getenv("BARNSTORM_BIN");
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", bin && *bin ? bin : "build/asan/barnstorm", args);
	return tu_capture(cmd, out, size);
}

/* Writes the script text to dir/name and runs `barnstorm script` with it on pack, data and shots
 * at wsize ("800x480"), with --lang lang unless lang is NULL; captures the output into out[size]
 * and, when the exit status is not 0, shows it on stderr (prove's diagnostics). Returns the
 * exit status (or -1). */
static inline int tu_run_script(char *out, size_t size, const char *dir, const char *name,
				const char *text, const char *pack, const char *data,
				const char *shots, const char *wsize, const char *lang)
{
	tu_write_str(dir, name, text);
	int rc = tu_run(out, size, "script '%s/%s' --pack '%s' --data '%s' --shots '%s' --size %s%s%s",
			dir, name, pack, data, shots, wsize, lang ? " --lang " : "", lang ? lang : "");
	if (rc != 0)
		fprintf(stderr, "# %s at %s exited %d:\n%s\n", name, wsize, rc, out);
	return rc;
}

/* Reads any QR code in the image at path with zbarimg into out[size] (as zbarimg prints it,
 * newline and all); returns zbarimg's exit status (0 found, 4 none, -1 not run). */
static inline int tu_zbarimg(const char *path, char *out, size_t size)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "zbarimg --raw -q '%s' 2>/dev/null", path);
	return tu_capture(cmd, out, size);
}

/* Draws a w x h picture as a greyscale PGM in a new temporary folder (black where
 * dark(ctx, x, y) is nonzero, else white) and reads any QR code in it with zbarimg into
 * out[size], without zbarimg's trailing newline; returns zbarimg's exit status (0 found, 4 none).
 * PGM because it needs no encoder: the printer's rasters and QR matrices are plain bitmaps. */
static inline int tu_zbar_bitmap(int w, int h, int (*dark)(const void *ctx, int x, int y),
				 const void *ctx, char *out, size_t size)
{
	char *dir = tu_tempdir();
	char path[1100];
	snprintf(path, sizeof(path), "%s/code.pgm", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fprintf(f, "P5\n%d %d\n255\n", w, h);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			fputc(dark(ctx, x, y) ? 0 : 255, f);
	assert_int_equal(fclose(f), 0);
	int rc = tu_zbarimg(path, out, size);
	size_t n = strlen(out);
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	tu_rmtree(dir);
	free(dir);
	return rc;
}

static inline void tu_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* The whole file at path (at most 8 MiB, NUL-terminated; the caller frees it), or NULL. */
static inline char *tu_read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(8 << 20);
	assert_non_null(buf);
	size_t n = fread(buf, 1, (8 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Starts argv in a child process with stdin and stdout (and stderr too when quiet) on /dev/null;
 * the child is killed when this test process goes, even when it crashes. */
static inline pid_t tu_spawn(char *const argv[], int quiet)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			if (quiet)
				dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Stops a child from tu_spawn(): SIGTERM, then SIGKILL after a bounded wait (2 s). */
static inline void tu_stop_pid(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		tu_sleep_ms(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A server on 127.0.0.1 that a test started (stop it with tu_stop_pid(s.pid)). */
struct tu_server {
	pid_t pid;
	int port;
};

/* Starts tests/receiver.py in mode ("webhook", "actionnetwork") with token, logging what it
 * receives to log, plus extra arguments; waits (bounded, 10 s) until it writes its port to
 * dir/port.MODE. Fails the test when it does not start. */
static inline struct tu_server tu_receiver_start(const char *dir, const char *mode,
						 const char *token, const char *log,
						 const char *extra, int quiet)
{
	char script[1024], portfile[1024], cmd[4096];
	snprintf(script, sizeof(script), "%s/tests/receiver.py", tu_src());
	snprintf(portfile, sizeof(portfile), "%s/port.%s", dir, mode);
	unlink(portfile);
	snprintf(cmd, sizeof(cmd), "exec python3 '%s' --mode %s --token '%s' --log '%s' "
		 "--port-file '%s' %s", script, mode, token, log, portfile, extra ? extra : "");
	char *argv[] = { "sh", "-c", cmd, NULL };
	struct tu_server s = { tu_spawn(argv, quiet), 0 };
	for (int i = 0; i < 500 && !s.port; i++) {
		char *p = tu_read_all(portfile);
		if (p) {
			s.port = (int)strtol(p, NULL, 10);
			free(p);
		}
		if (!s.port)
			tu_sleep_ms(20);
	}
	if (!s.port) {
		tu_stop_pid(s.pid);
		fail_msg("receiver.py did not start (is python3 installed?)");
	}
	return s;
}

/* A TCP port on 127.0.0.1 that was free a moment ago (nothing listens on it). */
static inline int tu_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	return ntohs(a.sin_port);
}

/* A store in a new temporary folder with a fake clock at t0 ms: the fixture of the tests that
 * work on the database alone. tu_db_open() fails the test when the store does not open;
 * tu_db_close() closes it, removes the folder and frees the struct. */
struct tu_db {
	char *dir;
	struct store *s;
	struct clock c;
};

static inline struct tu_db *tu_db_open(int64_t t0)
{
	struct tu_db *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = tu_tempdir();
	f->s = store_open(f->dir);
	assert_non_null(f->s);
	clock_init_fake(&f->c, t0);
	return f;
}

static inline void tu_db_close(struct tu_db *f)
{
	store_close(f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
}

/* Writes a 16:9 PDF of n pages (960 x 540 pt) to path: on each page what draw(cr, page) draws
 * (page from 1), then "Slide N" in black 72 pt bold at (text_x, text_y). It runs in a child
 * process: cairo's toy font API keeps fontconfig patterns for the life of the process, which
 * LeakSanitizer would report; the child ends with _exit() and takes them along. */
static inline void tu_make_pdf(const char *path, int n, void (*draw)(cairo_t *cr, int page),
			       double text_x, double text_y)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cairo_surface_t *sf = cairo_pdf_surface_create(path, 960, 540);
		cairo_t *cr = cairo_create(sf);
		for (int i = 1; i <= n; i++) {
			draw(cr, i);
			char text[32];
			snprintf(text, sizeof(text), "Slide %d", i);
			cairo_set_source_rgb(cr, 0, 0, 0);
			cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
					       CAIRO_FONT_WEIGHT_BOLD);
			cairo_set_font_size(cr, 72);
			cairo_move_to(cr, text_x, text_y);
			cairo_show_text(cr, text);
			cairo_show_page(cr);
		}
		cairo_destroy(cr);
		cairo_surface_finish(sf);
		int ok = cairo_surface_status(sf) == CAIRO_STATUS_SUCCESS;
		cairo_surface_destroy(sf);
		_exit(ok ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

#endif
