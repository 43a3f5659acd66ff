#include "summary_png.h"
#include "render.h"
#include "summary.h"
#include "ui.h"
#include "util.h"

#include <SDL.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int summary_png(const struct summary *sm, const struct i18n *t, int lang, const char *caption,
		int w, int h, const char *path)
{
	char tmp[4096];
	const char *slash = strrchr(path, '/');
	if (str_fmt(tmp, sizeof(tmp), "%.*s%s.%s.tmp", slash ? (int)(slash - path) : 0, path,
		    slash ? "/" : "", slash ? slash + 1 : path) < 0)
		return err_set("the file name '%s' is too long", path);
	int rc = -1;
	struct render *rd = NULL;
	struct ui *ui = NULL;
	SDL_Renderer *r = NULL;
	/* A software renderer drawing into memory: no display, no window, no video subsystem. */
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s) {
		err_set("cannot draw '%s': %s", path, SDL_GetError());
		goto out;
	}
	r = SDL_CreateSoftwareRenderer(s);
	if (!r) {
		err_set("cannot draw '%s': %s", path, SDL_GetError());
		goto out;
	}
	rd = render_open(r);
	if (!rd)
		goto out;
	ui = xcalloc(1, sizeof(*ui));
	ui_init(ui, render_measure, rd);
	ui_begin(ui, w, h);
	if (render_set_scale(rd, ui->scale) < 0)
		goto out;
	struct ui_rect all = {0, 0, w, h};
	struct ui_rect in = ui_inset(all, ui_px(ui, 24));
	if (caption && *caption) {
		ui_label(ui, caption, ui_cut_top(&in, ui_line_h(ui, UI_BODY)), UI_BODY, 0, UI_MUTED,
			 UI_LEFT);
		ui_cut_top(&in, ui_px(ui, 4));
	}
	summary_draw(ui, sm, in, t, lang);
	ui_end(ui);
	if (ui->overflow) {
		err_set("cannot draw '%s': too much to draw", path);
		goto out;
	}
	render_frame(rd, ui, UI_BG);
	SDL_RenderPresent(r);
	if (render_screenshot(rd, tmp) < 0)
		goto out;
	/* Durable before it is renamed: the export says "take the stick out" after this. */
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	if (rename(tmp, path) < 0) {
		err_set("cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(ui);
	render_close(rd);
	if (r)
		SDL_DestroyRenderer(r);
	if (s)
		SDL_FreeSurface(s);
	return rc;
}
