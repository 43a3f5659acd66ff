#include "script.h"
#include "cli.h"
#include "commands.h"
#include "display.h"
#include "kiosk.h"
#include "render.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRIPT_LIMIT (1u << 20)
#define SCRIPT_LINE_MAX 4096
#define SCRIPT_ARGS 4

struct runner {
	struct kiosk *k;
	struct display *d;
	struct render *r;
	const char *file;
	const char *shots;
	int line;
};

int64_t script_parse_duration(const char *s)
{
	int64_t total = 0;
	int any = 0;
	while (*s) {
		if (*s < '0' || *s > '9')
			return -1;
		int64_t n = 0;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s++ - '0');
			if (n > 86400000)
				return -1;
		}
		int64_t unit;
		if (!strncmp(s, "ms", 2)) {
			unit = 1;
			s += 2;
		} else if (*s == 's') {
			unit = 1000;
			s++;
		} else if (*s == 'm') {
			unit = 60000;
			s++;
		} else if (*s == 'h') {
			unit = 3600000;
			s++;
		} else {
			return -1;
		}
		total += n * unit;
		any = 1;
		if (total > 86400000)
			return -1;
	}
	return any ? total : -1;
}

static int fail(struct runner *rn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct runner *rn, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%d: %s\n", rn->file, rn->line, msg);
	return -1;
}

/* Splits a line into a command and up to SCRIPT_ARGS arguments: bare words or "quoted strings"
 * with \" \\ and \n escapes. Writes into buf; returns the argument count or -1. */
static int split(const char *line, char *buf, size_t cap, char *args[], char *err, size_t errsize)
{
	size_t o = 0;
	int n = 0;
	const char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break; /* a comment runs to the end of the line, after any words */
		if (n == SCRIPT_ARGS + 1) {
			str_copy(err, errsize, "too many arguments");
			return -1;
		}
		args[n++] = buf + o;
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p) {
					str_copy(err, errsize, "a quoted string is not closed");
					return -1;
				}
				if (*p == '"') {
					p++;
					break;
				}
				char c = *p++;
				if (c == '\\') {
					c = *p++;
					if (c == 'n')
						c = '\n';
					else if (c != '"' && c != '\\') {
						str_copy(err, errsize, "unknown escape in a quoted string (use \\\" \\\\ or \\n)");
						return -1;
					}
				}
				if (o + 2 >= cap) {
					str_copy(err, errsize, "line too long");
					return -1;
				}
				buf[o++] = c;
			}
			if (*p && *p != ' ' && *p != '\t') {
				str_copy(err, errsize, "text right after a closing quote");
				return -1;
			}
		} else {
			while (*p && *p != ' ' && *p != '\t') {
				if (o + 2 >= cap) {
					str_copy(err, errsize, "line too long");
					return -1;
				}
				buf[o++] = *p++;
			}
		}
		buf[o++] = '\0';
	}
	return n;
}

static void pump(struct runner *rn)
{
	kiosk_watch_clock(rn->k);
	struct display_event ev;
	while (display_poll(rn->d, &ev))
		kiosk_event(rn->k, &ev);
	if (rn->k->dirty)
		kiosk_frame(rn->k);
}

static int inject(struct runner *rn, enum display_event_kind kind, int x, int y)
{
	struct display_event ev = {.kind = kind, .x = x, .y = y};
	if (display_inject(rn->d, &ev) < 0)
		return fail(rn, "%s", err_msg());
	pump(rn);
	return 0;
}

static int tap_at(struct runner *rn, int x, int y)
{
	if (inject(rn, DISPLAY_POINTER_DOWN, x, y) < 0)
		return -1;
	return inject(rn, DISPLAY_POINTER_UP, x, y);
}

static void list_tappable(const struct ui *ui, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < ui->nwidgets && o + 8 < size; i++) {
		const struct ui_widget *w = &ui->widgets[i];
		if (!w->tappable)
			continue;
		int n = snprintf(out + o, size - o, "%s\"%s\"", o ? ", " : "", w->text);
		if (n < 0 || (size_t)n >= size - o) {
			str_copy(out + o, size - o, "...");
			break;
		}
		o += (size_t)n;
	}
}

static int cmd_tap(struct runner *rn, int argc, char **args)
{
	const struct ui *ui = &rn->k->ui;
	if (argc == 3) {
		long x, y;
		if (str_to_int(args[1], 0, ui->w - 1, &x) < 0 || str_to_int(args[2], 0, ui->h - 1, &y) < 0)
			return fail(rn, "tap X Y: '%s %s' is not a point on the %dx%d screen", args[1],
				    args[2], ui->w, ui->h);
		return tap_at(rn, (int)x, (int)y);
	}
	if (argc != 2)
		return fail(rn, "tap takes \"Label\" or X Y");
	const struct ui_widget *w = ui_find(ui, args[1], 1);
	if (!w)
		w = ui_find(ui, tr(rn->k, args[1]), 1);
	if (!w) {
		char avail[1500];
		list_tappable(ui, avail, sizeof(avail));
		return fail(rn, "no \"%s\" to tap on this screen (there is: %s)", args[1], avail);
	}
	return tap_at(rn, w->r.x + w->r.w / 2, w->r.y + w->r.h / 2);
}

static int inject_text(struct runner *rn, const char *text)
{
	/* SDL's text events hold up to 31 bytes: send whole characters in chunks. */
	const char *p = text;
	while (*p) {
		struct display_event ev = {.kind = DISPLAY_TEXT};
		size_t n = 0;
		while (p[n]) {
			const char *q = p + n;
			utf8_next(&q);
			size_t step = (size_t)(q - (p + n));
			if (n + step >= sizeof(ev.text))
				break;
			n += step;
		}
		memcpy(ev.text, p, n);
		ev.text[n] = '\0';
		p += n;
		if (display_inject(rn->d, &ev) < 0)
			return fail(rn, "%s", err_msg());
	}
	pump(rn);
	return 0;
}

/* `type`: a person at a keyboard (the scanner's burst is `scan`). */
static int cmd_type(struct runner *rn, const char *text)
{
	if (inject_text(rn, text) < 0)
		return -1;
	kiosk_typed(rn->k);
	if (rn->k->dirty)
		kiosk_frame(rn->k);
	return 0;
}

static int cmd_key(struct runner *rn, const char *name)
{
	struct display_event ev = {.kind = DISPLAY_KEY};
	if (display_key_from_name(name, &ev.key, &ev.ch) < 0)
		return fail(rn, "unknown key '%s' (Return, Backspace, Escape, Tab, Left, Right, Up, Down, "
				"PageUp, PageDown, Home, End, F11 or a letter)", name);
	if (display_inject(rn->d, &ev) < 0)
		return fail(rn, "%s", err_msg());
	pump(rn);
	return 0;
}

static int cmd_wait(struct runner *rn, const char *arg)
{
	int64_t ms = script_parse_duration(arg);
	if (ms < 0)
		return fail(rn, "wait: '%s' is not a duration like 500ms, 90s, 2m or 1m30s (at most a day)", arg);
	struct kiosk *k = rn->k;
	int64_t target = clock_now(&k->clock) + ms;
	/* Stop at every time a screen asked to be redrawn at, as the real loop would, but only
	 * declare those frames: nobody sees them, and drawing a timer's every second made
	 * `wait 1h` in a meeting take minutes. The frame at the end is drawn. */
	k->skip_render = 1;
	while (k->wake_at && k->wake_at <= target) {
		int64_t now = clock_now(&k->clock);
		if (k->wake_at > now)
			clock_advance(&k->clock, k->wake_at - now);
		k->dirty = 1;
		kiosk_frame(k);
	}
	k->skip_render = 0;
	int64_t now = clock_now(&k->clock);
	if (target > now)
		clock_advance(&k->clock, target - now);
	k->dirty = 1;
	pump(rn);
	return 0;
}

/* clock +730d / clock -2h: the wall clock is set, as when the network time arrives late; the
 * monotonic clock does not move. Units d, h, m, s; at most 100 years either way. */
static int cmd_clock(struct runner *rn, const char *arg)
{
	int sign = arg[0] == '-' ? -1 : arg[0] == '+' ? 1 : 0;
	const char *p = arg + 1;
	int64_t n = 0;
	while (sign && *p >= '0' && *p <= '9' && n <= 36500 * 86400LL)
		n = n * 10 + (*p++ - '0');
	int64_t unit = !strcmp(p, "d") ? 86400000 : !strcmp(p, "h") ? 3600000 :
		       !strcmp(p, "m") ? 60000 : !strcmp(p, "s") ? 1000 : 0;
	if (!sign || p == arg + 1 || !unit || n * unit > 36500 * 86400000LL)
		return fail(rn, "clock: '%s' is not a jump like +730d, -2h, +90s (at most 100 years)", arg);
	clock_jump(&rn->k->clock, sign * n * unit);
	pump(rn);
	return 0;
}

static int cmd_expect(struct runner *rn, const char *text)
{
	const struct ui *ui = &rn->k->ui;
	if (ui_has_text(ui, text) || ui_has_text(ui, tr(rn->k, text)))
		return 0;
	char seen[1500];
	size_t o = 0;
	seen[0] = '\0';
	for (int i = 0; i < ui->nwidgets && o + 8 < sizeof(seen); i++) {
		int n = snprintf(seen + o, sizeof(seen) - o, "%s\"%s\"", o ? ", " : "", ui->widgets[i].text);
		if (n < 0 || (size_t)n >= sizeof(seen) - o)
			break;
		o += (size_t)n;
	}
	return fail(rn, "expected \"%s\" on screen; it shows: %s", text, seen);
}

/* expect-not "text": the text (or its translation) must not be on screen. */
static int cmd_expect_not(struct runner *rn, const char *text)
{
	const struct ui *ui = &rn->k->ui;
	if (ui_has_text(ui, text) || ui_has_text(ui, tr(rn->k, text)))
		return fail(rn, "\"%s\" is on screen, and must not be", text);
	return 0;
}

static int cmd_shot(struct runner *rn, const char *name)
{
	if (!*name || strchr(name, '/') || strstr(name, ".."))
		return fail(rn, "shot: '%s' is not a plain file name", name);
	char path[4096];
	if (str_fmt(path, sizeof(path), "%s/%s.png", rn->shots ? rn->shots : ".", name) < 0)
		return fail(rn, "shot: path too long");
	if (rn->k->dirty)
		kiosk_frame(rn->k);
	if (render_screenshot(rn->r, path) < 0)
		return fail(rn, "%s", err_msg());
	return 0;
}

static int run_line(struct runner *rn, const char *line)
{
	char buf[SCRIPT_LINE_MAX];
	char *args[SCRIPT_ARGS + 1];
	char err[256];
	int argc = split(line, buf, sizeof(buf), args, err, sizeof(err));
	if (argc < 0)
		return fail(rn, "%s", err);
	if (argc == 0 || args[0][0] == '#')
		return 0;
	const char *cmd = args[0];
	if (!strcmp(cmd, "tap"))
		return cmd_tap(rn, argc, args);
	int one = argc == 2;
	if (!strcmp(cmd, "type"))
		return one ? cmd_type(rn, args[1]) : fail(rn, "type takes one \"text\"");
	if (!strcmp(cmd, "key"))
		return one ? cmd_key(rn, args[1]) : fail(rn, "key takes one key name");
	if (!strcmp(cmd, "scan")) {
		if (!one)
			return fail(rn, "scan takes one \"CODE\"");
		/* A scanner's burst: the code and Enter at once. */
		if (inject_text(rn, args[1]) < 0)
			return -1;
		return cmd_key(rn, "Return");
	}
	if (!strcmp(cmd, "wait"))
		return one ? cmd_wait(rn, args[1]) : fail(rn, "wait takes one duration, e.g. 90s");
	if (!strcmp(cmd, "clock"))
		return one ? cmd_clock(rn, args[1]) : fail(rn, "clock takes one jump, e.g. +730d");
	if (!strcmp(cmd, "expect"))
		return one ? cmd_expect(rn, args[1]) : fail(rn, "expect takes one \"text\"");
	if (!strcmp(cmd, "expect-not"))
		return one ? cmd_expect_not(rn, args[1]) : fail(rn, "expect-not takes one \"text\"");
	if (!strcmp(cmd, "shot"))
		return one ? cmd_shot(rn, args[1]) : fail(rn, "shot takes one NAME");
	return fail(rn, "unknown command '%s' (tap, type, key, scan, wait, clock, expect, expect-not, "
		    "shot)", cmd);
}

/* barnstorm script FILE --pack DIR --data DIR [--shots DIR] [--size WxH] */
int cmd_script(int argc, char **argv)
{
	struct cli cli;
	if (cli_parse(argc, argv, "pack data shots size lang", 1, &cli) < 0)
		return 2;
	size_t len;
	char *text = file_read(cli.positional, SCRIPT_LIMIT, &len);
	if (!text) {
		fprintf(stderr, "barnstorm script: %s\n", err_msg());
		return 2;
	}
	if (memchr(text, '\0', len) || !utf8_valid(text, len)) {
		fprintf(stderr, "%s: not a UTF-8 text file\n", cli.positional);
		free(text);
		return 2;
	}
	if (cli.shots && dir_make(cli.shots) < 0) {
		fprintf(stderr, "barnstorm script: cannot create '%s': %s\n", cli.shots, strerror(errno));
		free(text);
		return 2;
	}
	/* Headless, and silent: SDL's dummy audio still takes the cues (the meeting counts them);
	 * SDL_AUDIODRIVER set by the caller wins. Set before any thread starts. */
	setenv("SDL_AUDIODRIVER", "dummy", 0);
	struct kiosk *k = xcalloc(1, sizeof(*k));
	struct kiosk_opts o = {.pack_dir = cli_pack_dir(&cli), .data_dir = cli_data_dir(&cli),
			       .lang = cli.lang, .fake_clock = 1};
	kiosk_init(k, &o);
	struct display_opts dopt = {.offscreen = 1, .width = cli.width ? cli.width : 800,
				    .height = cli.height ? cli.height : 480};
	struct display *d = display_open(&dopt);
	if (!d) {
		fprintf(stderr, "barnstorm script: %s\n", err_msg());
		kiosk_release(k);
		free(k);
		free(text);
		return 2;
	}
	struct render *r = render_open(display_renderer(d));
	if (!r) {
		fprintf(stderr, "barnstorm script: %s\n", err_msg());
		kiosk_release(k); /* first: its workers may still wake the display */
		display_close(d);
		free(k);
		free(text);
		return 2;
	}
	kiosk_attach(k, d, r);
	kiosk_frame(k);
	struct runner rn = {.k = k, .d = d, .r = r, .file = cli.positional, .shots = cli.shots};
	int rc = 0;
	char *p = text;
	while (*p && !k->quit) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		rn.line++;
		size_t n = strlen(p);
		if (n && p[n - 1] == '\r')
			p[--n] = '\0';
		if (n >= SCRIPT_LINE_MAX) {
			fail(&rn, "line is longer than %d characters", SCRIPT_LINE_MAX - 1);
			rc = 1;
			break;
		}
		if (run_line(&rn, p) < 0) {
			rc = 1;
			break;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	kiosk_release(k);
	render_close(r);
	display_close(d);
	free(k);
	free(text);
	return rc;
}
