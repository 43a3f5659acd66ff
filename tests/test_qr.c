#include "testutil.h"

#include "qr.h"
#include "util.h"

struct scaled {
	const struct qr *q;
	int scale;
};

static int scaled_dark(const void *ctx, int x, int y)
{
	const struct scaled *m = ctx;
	return qr_dark(m->q, x / m->scale, y / m->scale);
}

/* Reads the matrix back with zbarimg, drawn `scale` pixels per module (without the trailing
 * newline). */
static int zbar_qr(const struct qr *q, int scale, char *out, size_t size)
{
	struct scaled m = { q, scale };
	return tu_zbar_bitmap(q->size * scale, q->size * scale, scaled_dark, &m, out, size);
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
