#include "escpos.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define ESC 0x1b
#define GS 0x1d
#define DLE 0x10
#define EOT 0x04

const uint8_t escpos_status_req[ESCPOS_STATUS_REQ_LEN] = {
	DLE, EOT, 1, /* printer status: offline */
	DLE, EOT, 2, /* offline cause: cover open, paper end stop, error */
	DLE, EOT, 4, /* roll paper sensor: near end, end */
};

uint8_t *escpos_encode(const struct slip_raster *r, int feed_lines, size_t *len)
{
	int wb = r->width / 8;
	int chunks = (r->height + ESCPOS_CHUNK_ROWS - 1) / ESCPOS_CHUNK_ROWS;
	if (feed_lines < 0)
		feed_lines = 0;
	if (feed_lines > 255)
		feed_lines = 255;
	size_t cap = 2 + (size_t)chunks * 8 + (size_t)wb * (size_t)r->height + 3 + 4;
	uint8_t *b = xmalloc(cap), *p = b;
	*p++ = ESC;
	*p++ = '@';
	for (int y0 = 0; y0 < r->height; y0 += ESCPOS_CHUNK_ROWS) {
		int rows = r->height - y0 < ESCPOS_CHUNK_ROWS ? r->height - y0 : ESCPOS_CHUNK_ROWS;
		/* GS v 0 m xL xH yL yH: width in bytes, height in dots, both little-endian. */
		*p++ = GS;
		*p++ = 'v';
		*p++ = '0';
		*p++ = 0;
		*p++ = (uint8_t)(wb & 0xff);
		*p++ = (uint8_t)(wb >> 8);
		*p++ = (uint8_t)(rows & 0xff);
		*p++ = (uint8_t)(rows >> 8);
		size_t n = (size_t)wb * (size_t)rows;
		memcpy(p, r->bits + (size_t)y0 * (size_t)wb, n);
		p += n;
	}
	/* ESC d n: feed so the last line clears the cutter; GS V 66 0: feed to the cutter and cut. */
	*p++ = ESC;
	*p++ = 'd';
	*p++ = (uint8_t)feed_lines;
	*p++ = GS;
	*p++ = 'V';
	*p++ = 66;
	*p++ = 0;
	*len = (size_t)(p - b);
	return b;
}

/* Every reply byte to DLE EOT has bits 1 and 4 set and bits 0 and 7 clear. */
static int status_byte_ok(uint8_t b)
{
	return (b & 0x93) == 0x12;
}

int escpos_parse_status(const uint8_t reply[3], struct escpos_status *st)
{
	for (int i = 0; i < 3; i++)
		if (!status_byte_ok(reply[i]))
			return err_set("printer status reply byte %d is 0x%02x, not a DLE EOT reply",
				       i + 1, reply[i]);
	memset(st, 0, sizeof(*st));
	st->offline = (reply[0] & 0x08) != 0;
	st->cover_open = (reply[1] & 0x04) != 0;
	st->error = (reply[1] & 0x40) != 0;
	st->paper_end = (reply[1] & 0x20) != 0 || (reply[2] & 0x60) != 0;
	st->paper_near_end = (reply[2] & 0x0c) != 0;
	return 0;
}

const char *escpos_status_problem(const struct escpos_status *st)
{
	if (st->paper_end)
		return "paper out";
	if (st->cover_open)
		return "cover open";
	if (st->error)
		return "printer error";
	if (st->offline)
		return "offline";
	return NULL;
}

int escpos_decode_raster(const uint8_t *data, size_t len, struct slip_raster *out)
{
	size_t i = 0, total = 0;
	int width = 0, height = 0;
	uint8_t *bits = NULL;
	while (i < len) {
		uint8_t c = data[i];
		if (c == '\n') {
			i++;
		} else if (c == ESC && i + 1 < len && data[i + 1] == '@') {
			i += 2;
		} else if (c == ESC && i + 2 < len && data[i + 1] == 'd') {
			i += 3;
		} else if (c == DLE && i + 2 < len && data[i + 1] == EOT) {
			i += 3;
		} else if (c == GS && i + 2 < len && data[i + 1] == 'V') {
			i += (data[i + 2] == 65 || data[i + 2] == 66) ? 4 : 3;
		} else if (c == GS && i + 7 < len && data[i + 1] == 'v' && data[i + 2] == '0') {
			int wb = data[i + 4] | data[i + 5] << 8;
			int rows = data[i + 6] | data[i + 7] << 8;
			size_t n = (size_t)wb * (size_t)rows;
			if (wb == 0 || rows == 0) {
				err_set("raster block at byte %zu is empty", i);
				goto fail;
			}
			if (width && wb * 8 != width) {
				err_set("raster block at byte %zu is %d dots wide, not %d", i, wb * 8,
					width);
				goto fail;
			}
			if (n > len - i - 8) {
				err_set("raster block at byte %zu needs %zu bytes, %zu left", i, n,
					len - i - 8);
				goto fail;
			}
			if (total + n > ESCPOS_DECODE_MAX) {
				err_set("raster job is larger than %u bytes", ESCPOS_DECODE_MAX);
				goto fail;
			}
			width = wb * 8;
			bits = xrealloc(bits, total + n);
			memcpy(bits + total, data + i + 8, n);
			total += n;
			height += rows;
			i += 8 + n;
		} else {
			err_set("unexpected byte 0x%02x at offset %zu of the print job", c, i);
			goto fail;
		}
	}
	if (!bits) {
		err_set("the print job has no raster");
		return -1;
	}
	out->width = width;
	out->height = height;
	out->bits = bits;
	return 0;
fail:
	free(bits);
	return -1;
}
