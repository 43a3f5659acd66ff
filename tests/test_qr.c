#include "testutil.h"

#include "qr.h"
#include "util.h"

/* Writes the matrix as a PGM, `scale` pixels per module, and reads it back with zbarimg. */
static int zbar_qr(const struct qr *q, int scale, char *out, size_t size)
{
	char *dir = tu_tempdir();
	char path[600], cmd[800];
	snprintf(path, sizeof(path), "%s/qr.pgm", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	int w = q->size * scale;
	fprintf(f, "P5\n%d %d\n255\n", w, w);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			fputc(qr_dark(q, x / scale, y / scale) ? 0 : 255, f);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "zbarimg --raw -q '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	int st = pclose(p);
	tu_rmtree(dir);
	free(dir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void keeps_case_and_decodes(void **state)
{
	(void)state;
	const char *link = "https://Example.org/Join/aarhus-c?ref=6F1a-B2&Token=AbCdEf";
	struct qr q;
	assert_int_equal(qr_encode(link, &q), 0);
	char got[512];
	assert_int_equal(zbar_qr(&q, 4, got, sizeof(got)), 0);
	assert_string_equal(got, link);
	qr_release(&q);
	assert_null(q.modules);
}

static void has_quiet_zone(void **state)
{
	(void)state;
	struct qr q;
	assert_int_equal(qr_encode("hi", &q), 0);
	/* Version 1 is 21 modules; 4 light modules on each side. */
	assert_int_equal(q.size, 21 + 2 * QR_QUIET);
	for (int i = 0; i < q.size; i++)
		for (int b = 0; b < QR_QUIET; b++) {
			assert_int_equal(qr_dark(&q, i, b), 0);
			assert_int_equal(qr_dark(&q, b, i), 0);
			assert_int_equal(qr_dark(&q, i, q.size - 1 - b), 0);
			assert_int_equal(qr_dark(&q, q.size - 1 - b, i), 0);
		}
	/* The finder pattern's corner is dark. */
	assert_int_equal(qr_dark(&q, QR_QUIET, QR_QUIET), 1);
	assert_int_equal(qr_dark(&q, -1, 0), 0);
	qr_release(&q);
}

static void limit_and_too_long(void **state)
{
	(void)state;
	char *s = malloc(QR_MAX_BYTES + 100);
	memset(s, 'a', QR_MAX_BYTES);
	s[QR_MAX_BYTES] = '\0';
	struct qr q = {0, NULL};
	assert_int_equal(qr_encode(s, &q), 0);
	assert_int_equal(q.size, 177 + 2 * QR_QUIET);
	qr_release(&q);
	memset(s, 'a', QR_MAX_BYTES + 69);
	s[QR_MAX_BYTES + 69] = '\0';
	assert_int_equal(qr_encode(s, &q), -1);
	assert_null(q.modules);
	assert_string_equal(err_msg(), "link is 2400 bytes; a QR code holds at most 2331");
	free(s);
}

static void empty_and_invalid(void **state)
{
	(void)state;
	struct qr q = {0, NULL};
	assert_int_equal(qr_encode("", &q), -1);
	assert_non_null(strstr(err_msg(), "empty"));
	assert_int_equal(qr_encode("bad \xff byte", &q), -1);
	assert_non_null(strstr(err_msg(), "UTF-8"));
	assert_null(q.modules);
}

static void nordic_letters(void **state)
{
	(void)state;
	const char *link = "https://example.org/?navn=S%C3%B8ren&by=%C3%85rhus";
	struct qr q;
	assert_int_equal(qr_encode(link, &q), 0);
	char got[512];
	assert_int_equal(zbar_qr(&q, 3, got, sizeof(got)), 0);
	assert_string_equal(got, link);
	qr_release(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keeps_case_and_decodes),
		cmocka_unit_test(has_quiet_zone),
		cmocka_unit_test(limit_and_too_long),
		cmocka_unit_test(empty_and_invalid),
		cmocka_unit_test(nordic_letters),
	};
	return RUN_TESTS(tests);
}
