#include "testutil.h"

#include "escpos.h"
#include "slip.h"
#include "util.h"

static int raster_dark(const void *r, int x, int y)
{
	return slip_raster_get(r, x, y);
}

/* Reads any QR code in the raster (ink black) with zbarimg, without the trailing newline.
 * Returns zbarimg's exit status (0 found, 4 none). */
static int zbar_raster(const struct slip_raster *r, char *out, size_t size)
{
	return tu_zbar_bitmap(r->width, r->height, raster_dark, r, out, size);
}

static int ink_rows(const struct slip_raster *r)
{
	int n = 0;
	for (int y = 0; y < r->height; y++)
		for (int x = 0; x < r->width; x++)
			if (slip_raster_get(r, x, y)) {
				n++;
				break;
			}
	return n;
}

static const struct slip_content BASE = {
	.title = "Barnstorm Aarhus",
	.first_name = "Søren",
	.commitment = "commits to:\nVært for ugentlig telefonbank",
	.team = "Hold: Aarhus C",
	.details = "Tirsdag 19:00, Folkets Hus",
	.link = "https://example.org/join/aarhus-c?ref=0b6f3c1e-AbCd",
	.scan_hint = "Scan med din telefon",
	.link_hint = "Åbn dette link:",
	.date = "2026-12-03",
};

static void widths_checked(void **state)
{
	(void)state;
	assert_null(slip_open(300));
	assert_non_null(strstr(err_msg(), "300"));
	assert_null(slip_open(248));
	assert_null(slip_open(840));
	struct slip *sl = slip_open(256);
	assert_non_null(sl);
	assert_int_equal(slip_width(sl), 256);
	slip_close(sl);
}

/* Lays out a slip, sends it through the ESC/POS encoder and decoder, and reads the QR code. */
static void roundtrip(int width, const struct slip_content *c, const char *want_link)
{
	struct slip *sl = slip_open(width);
	assert_non_null(sl);
	struct slip_raster r;
	int as_text = -1;
	assert_int_equal(slip_render(sl, c, &r, &as_text), 0);
	assert_int_equal(as_text, 0);
	assert_int_equal(r.width, width);
	assert_true(r.height > 200);
	size_t len;
	uint8_t *job = escpos_encode(&r, 4, &len);
	struct slip_raster back;
	assert_int_equal(escpos_decode_raster(job, len, &back), 0);
	assert_int_equal(back.width, r.width);
	assert_int_equal(back.height, r.height);
	assert_memory_equal(back.bits, r.bits, (size_t)(r.width / 8) * (size_t)r.height);
	char got[4096];
	assert_int_equal(zbar_raster(&back, got, sizeof(got)), 0);
	assert_string_equal(got, want_link);
	slip_raster_release(&back);
	slip_raster_release(&r);
	free(job);
	slip_close(sl);
}

static void qr_reads_back_384_and_576(void **state)
{
	(void)state;
	roundtrip(384, &BASE, BASE.link);
	roundtrip(576, &BASE, BASE.link);
	struct slip_content c = BASE;
	c.first_name = "Åsa-Lärke";
	c.link = "https://chat.example.se/invite/Team-Malmo?Person=3F2A&Roll=V%C3%A4rd";
	roundtrip(384, &c, c.link);
	roundtrip(576, &c, c.link);
	roundtrip(832, &c, c.link);
}

static void long_text_wraps(void **state)
{
	(void)state;
	struct slip *sl = slip_open(384);
	struct slip_content c = BASE;
	struct slip_raster short_r, long_r;
	c.link = NULL;
	assert_int_equal(slip_render(sl, &c, &short_r, NULL), 0);
	c.details = "Hver tirsdag klokken 19 i kælderen under Folkets Hus, indgang fra gården, "
		    "anden dør til venstre efter cykelstativet; tag en oplader og kaffe med.";
	c.first_name = "Maximiliansdottirsonsensen-Hyphenated";
	assert_int_equal(slip_render(sl, &c, &long_r, NULL), 0);
	assert_int_equal(long_r.width, 384);
	assert_true(long_r.height > short_r.height + 60);
	assert_true(ink_rows(&long_r) > ink_rows(&short_r));
	slip_raster_release(&short_r);
	slip_raster_release(&long_r);
	slip_close(sl);
}

static void too_big_qr_prints_link_as_text(void **state)
{
	(void)state;
	struct slip *sl = slip_open(384);
	char link[1600];
	memcpy(link, "https://example.org/?t=", 23);
	for (int i = 23; i < 1500; i++)
		link[i] = (char)('a' + i % 26);
	link[1500] = '\0';
	struct slip_content c = BASE;
	c.link = link;
	struct slip_raster r;
	int as_text = 0;
	assert_int_equal(slip_render(sl, &c, &r, &as_text), 0);
	assert_int_equal(as_text, 1);
	char got[64];
	assert_int_not_equal(zbar_raster(&r, got, sizeof(got)), 0);
	slip_raster_release(&r);
	/* Too long for any QR code at all: printed as text too, not an error. */
	char *huge = malloc(3001);
	memset(huge, 'x', 3000);
	huge[3000] = '\0';
	c.link = huge;
	assert_int_equal(slip_render(sl, &c, &r, &as_text), 0);
	assert_int_equal(as_text, 1);
	assert_true(r.height <= SLIP_HEIGHT_MAX);
	slip_raster_release(&r);
	free(huge);
	slip_close(sl);
}

static void bad_utf8_fails(void **state)
{
	(void)state;
	struct slip *sl = slip_open(384);
	struct slip_content c = BASE;
	c.first_name = "S\xf8ren";
	struct slip_raster r = {0, 0, NULL};
	assert_int_equal(slip_render(sl, &c, &r, NULL), -1);
	assert_non_null(strstr(err_msg(), "UTF-8"));
	assert_null(r.bits);
	slip_close(sl);
}

static void escpos_chunks_and_errors(void **state)
{
	(void)state;
	struct slip_raster r;
	slip_raster_init(&r, 384, 600);
	slip_raster_set(&r, 0, 0);
	slip_raster_set(&r, 383, 599);
	size_t len;
	uint8_t *job = escpos_encode(&r, 3, &len);
	/* ESC @, three GS v 0 blocks (256 + 256 + 88 rows), ESC d 3, GS V 66 0. */
	assert_int_equal(len, 2 + 3 * 8 + 48 * 600 + 3 + 4);
	assert_memory_equal(job, "\x1b@\x1dv0\x00\x30\x00\x00\x01", 10);
	assert_memory_equal(job + len - 7, "\x1b" "d\x03\x1dV\x42\x00", 7);
	struct slip_raster back;
	assert_int_equal(escpos_decode_raster(job, len, &back), 0);
	assert_int_equal(back.height, 600);
	assert_int_equal(slip_raster_get(&back, 383, 599), 1);
	assert_int_equal(slip_raster_get(&back, 382, 599), 0);
	slip_raster_release(&back);
	/* Truncated: the last block is missing bytes. */
	assert_int_equal(escpos_decode_raster(job, len - 100, &back), -1);
	assert_non_null(strstr(err_msg(), "needs"));
	/* A stray byte. */
	job[2 + 8 + 48 * 256] = 'Q';
	assert_int_equal(escpos_decode_raster(job, len, &back), -1);
	assert_non_null(strstr(err_msg(), "0x51"));
	assert_int_equal(escpos_decode_raster((const uint8_t *)"\x1b@", 2, &back), -1);
	free(job);
	slip_raster_release(&r);
}

static void status_replies(void **state)
{
	(void)state;
	struct escpos_status st;
	const uint8_t ok[3] = {0x12, 0x12, 0x12};
	assert_int_equal(escpos_parse_status(ok, &st), 0);
	assert_null(escpos_status_problem(&st));
	const uint8_t near[3] = {0x12, 0x12, 0x1e};
	assert_int_equal(escpos_parse_status(near, &st), 0);
	assert_int_equal(st.paper_near_end, 1);
	assert_null(escpos_status_problem(&st));
	const uint8_t out[3] = {0x1a, 0x32, 0x72};
	assert_int_equal(escpos_parse_status(out, &st), 0);
	assert_int_equal(st.paper_end, 1);
	assert_int_equal(st.offline, 1);
	assert_string_equal(escpos_status_problem(&st), "paper out");
	const uint8_t cover[3] = {0x1a, 0x16, 0x12};
	assert_int_equal(escpos_parse_status(cover, &st), 0);
	assert_string_equal(escpos_status_problem(&st), "cover open");
	const uint8_t junk[3] = {'O', 'K', '\n'};
	assert_int_equal(escpos_parse_status(junk, &st), -1);
	assert_memory_equal(escpos_status_req, "\x10\x04\x01\x10\x04\x02\x10\x04\x04", 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(widths_checked),
		cmocka_unit_test(qr_reads_back_384_and_576),
		cmocka_unit_test(long_text_wraps),
		cmocka_unit_test(too_big_qr_prints_link_as_text),
		cmocka_unit_test(bad_utf8_fails),
		cmocka_unit_test(escpos_chunks_and_errors),
		cmocka_unit_test(status_replies),
	};
	return RUN_TESTS(tests);
}
