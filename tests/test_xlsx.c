/* The workbook writer (xlsx.c): what a spreadsheet will find in the file, read with Python's
 * zipfile (the sheet XML); test_export.c opens a whole export in LibreOffice. */
#include "testutil.h"

#include "util.h"
#include "xlsx.h"

/* Runs a Python script (written to dir/check.py) on the workbook at path; its output. */
static char *python(const char *dir, const char *script, const char *path)
{
	static char buf[8192];
	char cmd[4096];
	tu_write_str(dir, "check.py", script);
	snprintf(cmd, sizeof(cmd), "python3 '%s/check.py' '%s' 2>&1", dir, path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	if (pclose(p) != 0)
		fail_msg("check.py failed:\n%s", buf);
	return buf;
}

static const char CHECK[] =
	"import re, sys, zipfile\n"
	"z = zipfile.ZipFile(sys.argv[1])\n"
	"s = z.read('xl/worksheets/sheet1.xml').decode()\n"
	"assert '<f>' not in s, 'a formula'\n"
	"a2 = re.search(r'<c r=\"A2\"[^>]*>.*?</c>', s).group(0)\n"
	"assert 'HYPERLINK' in a2 and 'Str' in a2, a2\n"
	"assert re.search(r'<c r=\"B2\"[^>]*><v>42</v>', s), 'B2'\n"
	"print(re.search(r'<c r=\"C2\" s=\"\\d+\"><v>([0-9.]+)</v>', s).group(1))\n"
	"assert 'r=\"B3\"' not in s, 'an empty text makes no cell'\n"
	"assert 'state=\"frozen\"' in s and 'ySplit=\"1\"' in s\n"
	"w = [float(v) for v in re.findall(r'<col min=\"\\d+\" max=\"\\d+\" width=\"([0-9.]+)\"', s)]\n"
	"print(len(w), w[0] > w[1])\n"
	"print(re.findall(r'<sheet name=\"([^\"]+)\"', z.read('xl/workbook.xml').decode()))\n";

static void cells_are_what_they_say(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char path[1024], tmp[1100];
	snprintf(path, sizeof(path), "%s/w.xlsx", dir);
	struct xlsx *x = xlsx_open(path);
	assert_non_null(x);
	static const char *const h[] = {"name", "n", "at"};
	assert_int_equal(xlsx_sheet(x, "People", h, 3), 0);
	xlsx_text(x, 0, "=HYPERLINK(\"http://evil\")");
	xlsx_int(x, 1, 42);
	struct tm tm = {.tm_year = 126, .tm_mon = 11, .tm_mday = 3, .tm_hour = 19, .tm_min = 4,
			.tm_sec = 5};
	xlsx_time(x, 2, &tm);
	xlsx_next_row(x);
	xlsx_text(x, 0, "Søren");
	xlsx_text(x, 1, "");
	xlsx_next_row(x);
	assert_int_equal(xlsx_sheet(x, "Check-ins", h, 1), 0);
	assert_int_equal(xlsx_close(x), 0);
	/* Nothing but the workbook is left in the folder. */
	snprintf(tmp, sizeof(tmp), "%s/.w.xlsx.tmp", dir);
	assert_int_equal(access(tmp, F_OK), -1);
	char *o = python(dir, CHECK, path);
	double serial = strtod(o, NULL);
	/* 2026-12-03 19:04:05 as Excel counts days. */
	assert_true(serial > 46359.794 && serial < 46359.795);
	assert_non_null(strstr(o, "3 True"));
	assert_non_null(strstr(o, "['People', 'Check-ins']"));
	tu_rmtree(dir);
	free(dir);
}

static void failures_name_the_file_and_leave_nothing(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char path[1024];
	static const char *const h[] = {"text"};
	/* A folder that is not there: the workbook is written at the end, and says where. */
	snprintf(path, sizeof(path), "%s/gone/w.xlsx", dir);
	struct xlsx *x = xlsx_open(path);
	assert_non_null(x);
	assert_int_equal(xlsx_sheet(x, "A", h, 1), 0);
	assert_int_equal(xlsx_close(x), -1);
	assert_non_null(strstr(err_msg(), "/gone/w.xlsx'"));
	/* A cell Excel cannot hold (more than 32767 characters) fails the file, naming the cell. */
	snprintf(path, sizeof(path), "%s/w.xlsx", dir);
	x = xlsx_open(path);
	assert_int_equal(xlsx_sheet(x, "A", h, 1), 0);
	char *big = malloc(40000);
	memset(big, 'a', 39999);
	big[39999] = '\0';
	xlsx_text(x, 0, big);
	free(big);
	assert_int_equal(xlsx_close(x), -1);
	assert_non_null(strstr(err_msg(), "row 2, column 1"));
	assert_int_equal(access(path, F_OK), -1);
	/* Abandoned: no file, no temporary. */
	x = xlsx_open(path);
	assert_int_equal(xlsx_sheet(x, "A", h, 1), 0);
	xlsx_text(x, 0, "x");
	xlsx_abort(x);
	xlsx_abort(NULL);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/.w.xlsx.tmp", dir);
	assert_int_equal(access(path, F_OK), -1);
	/* A sheet name Excel refuses. */
	snprintf(path, sizeof(path), "%s/w.xlsx", dir);
	x = xlsx_open(path);
	assert_int_equal(xlsx_sheet(x, "a/b", h, 1), -1);
	assert_non_null(strstr(err_msg(), "'a/b'"));
	xlsx_abort(x);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cells_are_what_they_say),
		cmocka_unit_test(failures_name_the_file_and_leave_nothing),
	};
	return RUN_TESTS(tests);
}
