#include "xlsx.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* Column widths in characters: the header at least, long free texts no wider than this. */
#define WIDTH_MIN 6
#define WIDTH_MAX 48
#define WIDTH_TIME 20

struct xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *time;
	char path[4096];
	char tmp[4096];
	lxw_row_t row;
	int ncols;
	int width[XLSX_MAX_COLS];
	lxw_error err;       /* the first failed cell */
	char err_where[64];
};

struct xlsx *xlsx_open(const char *path)
{
	struct xlsx *x = xcalloc(1, sizeof(*x));
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 1;
	const char *dir = slash ? path : ".";
	if (str_copy(x->path, sizeof(x->path), path) < 0 ||
	    str_fmt(x->tmp, sizeof(x->tmp), "%.*s/.%s.tmp", dirlen, dir, slash ? slash + 1 : path) < 0) {
		err_set("the workbook name '%s' is too long", path);
		free(x);
		return NULL;
	}
	/* constant_memory: each row goes to a temporary file as soon as the next one starts. */
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_FALSE};
	x->wb = workbook_new_opt(x->tmp, &opt);
	if (!x->wb) {
		err_set("cannot write '%s'", x->tmp);
		free(x);
		return NULL;
	}
	x->bold = workbook_add_format(x->wb);
	format_set_bold(x->bold);
	x->time = workbook_add_format(x->wb);
	format_set_num_format(x->time, "yyyy-mm-dd hh:mm:ss");
	return x;
}

static void note(struct xlsx *x, lxw_error e, int col)
{
	if (e != LXW_NO_ERROR && x->err == LXW_NO_ERROR) {
		x->err = e;
		str_fmt(x->err_where, sizeof(x->err_where), "row %u, column %d", (unsigned)x->row + 1,
			col + 1);
	}
}

/* Display width: characters, not bytes (UTF-8 continuation bytes do not count). */
static int text_width(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void widen(struct xlsx *x, int col, int w)
{
	if (col >= 0 && col < XLSX_MAX_COLS && w > x->width[col])
		x->width[col] = w > WIDTH_MAX ? WIDTH_MAX : w;
}

static void sheet_done(struct xlsx *x)
{
	if (!x->ws)
		return;
	for (int c = 0; c < x->ncols; c++)
		note(x, worksheet_set_column(x->ws, (lxw_col_t)c, (lxw_col_t)c,
					     (double)(x->width[c] + 2), NULL), c);
	x->ws = NULL;
}

int xlsx_sheet(struct xlsx *x, const char *name, const char *const headers[], int ncols)
{
	if (ncols < 1 || ncols > XLSX_MAX_COLS)
		BUG("xlsx_sheet: bad column count");
	sheet_done(x);
	x->ws = workbook_add_worksheet(x->wb, name);
	if (!x->ws)
		return err_set("cannot add the sheet '%s' to '%s'", name, x->path);
	x->ncols = ncols;
	x->row = 0;
	worksheet_freeze_panes(x->ws, 1, 0);
	for (int c = 0; c < ncols; c++) {
		x->width[c] = WIDTH_MIN;
		widen(x, c, text_width(headers[c]) + 1); /* bold is wider */
		note(x, worksheet_write_string(x->ws, 0, (lxw_col_t)c, headers[c], x->bold), c);
	}
	x->row = 1;
	return 0;
}

void xlsx_text(struct xlsx *x, int col, const char *v)
{
	if (!v || !*v)
		return;
	widen(x, col, text_width(v));
	note(x, worksheet_write_string(x->ws, x->row, (lxw_col_t)col, v, NULL), col);
}

void xlsx_int(struct xlsx *x, int col, int64_t v)
{
	char num[32];
	widen(x, col, str_fmt(num, sizeof(num), "%lld", (long long)v));
	note(x, worksheet_write_number(x->ws, x->row, (lxw_col_t)col, (double)v, NULL), col);
}

void xlsx_time(struct xlsx *x, int col, const struct tm *tm)
{
	lxw_datetime dt = {tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour, tm->tm_min,
			   tm->tm_sec};
	widen(x, col, WIDTH_TIME);
	note(x, worksheet_write_datetime(x->ws, x->row, (lxw_col_t)col, &dt, x->time), col);
}

void xlsx_next_row(struct xlsx *x)
{
	x->row++;
}

static int sync_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int xlsx_close(struct xlsx *x)
{
	int rc = -1;
	sheet_done(x);
	lxw_error e = workbook_close(x->wb);
	x->wb = NULL;
	if (x->err != LXW_NO_ERROR) {
		err_set("cannot write '%s': %s (%s)", x->path, lxw_strerror(x->err), x->err_where);
		goto out;
	}
	if (e != LXW_NO_ERROR) {
		err_set("cannot write '%s': %s", x->path, lxw_strerror(e));
		goto out;
	}
	if (sync_file(x->tmp) < 0 || rename(x->tmp, x->path) < 0) {
		err_set("cannot write '%s': %s", x->path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		unlink(x->tmp);
	free(x);
	return rc;
}

void xlsx_abort(struct xlsx *x)
{
	if (!x)
		return;
	if (x->wb)
		lxw_workbook_free(x->wb); /* nothing written yet: rows wait in temporary files */
	unlink(x->tmp);
	free(x);
}
