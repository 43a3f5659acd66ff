/* An Excel workbook written a row at a time: the one module that includes libxlsxwriter.
 *
 * Why a workbook next to the CSV files: Excel in a Danish or Swedish locale opens a .csv with its
 * own list separator and a guessed encoding, and reads times as text; a workbook has real date
 * cells, a frozen header row and sized columns whatever the locale. Why libxlsxwriter: Debian
 * packages it (libxlsxwriter-dev), it streams rows in constant memory (10k people do not grow the
 * kiosk), and it writes strings only as strings, so a name that looks like a formula is never run.
 *
 *     struct xlsx *x = xlsx_open(path);
 *     xlsx_sheet(x, "People", headers, n);    header row in bold, frozen
 *     xlsx_text(x, 0, "Søren"); xlsx_time(x, 1, &tm); xlsx_next_row(x);
 *     xlsx_close(x);                          writes DIR/.NAME.tmp, fsyncs, renames to path
 *
 * Cells go left to right, rows top to bottom (constant-memory mode). A failed cell is remembered
 * and reported by xlsx_close(), so callers do not check each one. Columns are sized from the
 * widest text written into them (within limits) when the sheet is done. */
#ifndef BARNSTORM_XLSX_H
#define BARNSTORM_XLSX_H

#include <stdint.h>
#include <time.h>

#define XLSX_MAX_COLS 32

struct xlsx;

/* Starts a workbook that will become path (its folder must exist). NULL with err_msg(). */
struct xlsx *xlsx_open(const char *path);
/* Adds a sheet (name: at most 31 characters, none of []:*?/\) with a header row of ncols
 * (<= XLSX_MAX_COLS) texts; the next cell goes into row 2. */
int xlsx_sheet(struct xlsx *x, const char *name, const char *const headers[], int ncols);
void xlsx_text(struct xlsx *x, int col, const char *v);      /* "" leaves the cell empty */
void xlsx_int(struct xlsx *x, int col, int64_t v);
/* A date cell shown as yyyy-mm-dd hh:mm:ss: tm is a local time (the event's), as it should read. */
void xlsx_time(struct xlsx *x, int col, const struct tm *tm);
void xlsx_next_row(struct xlsx *x);
/* Writes the file and frees x: 0, or -1 with err_msg() naming the file (nothing is left at path
 * that was not there before). */
int xlsx_close(struct xlsx *x);
/* Frees x without writing (after an error elsewhere). NULL is allowed. */
void xlsx_abort(struct xlsx *x);

#endif
