#include "qr.h"
#include "util.h"

#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

int qr_encode(const char *text, struct qr *out)
{
	size_t len = text ? strlen(text) : 0;
	if (len == 0)
		return err_set("cannot make a QR code of an empty link");
	if (!utf8_valid(text, len))
		return err_set("cannot make a QR code: the link is not valid UTF-8");
	if (len > QR_MAX_BYTES)
		return err_set("link is %zu bytes; a QR code holds at most %d", len, QR_MAX_BYTES);
	/* casesensitive = 1: libqrencode would otherwise upper-case the link and break tokens. */
	errno = 0;
	QRcode *code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!code) {
		if (errno == ERANGE)
			return err_set("link is %zu bytes; too long for a QR code (at most %d)", len,
				       QR_MAX_BYTES);
		return err_set("cannot make a QR code of a %zu-byte link: %s", len,
			       errno ? strerror(errno) : "unknown error");
	}
	int n = code->width, size = n + 2 * QR_QUIET;
	uint8_t *m = xcalloc((size_t)size * (size_t)size, 1);
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++)
			/* Bit 0 of each of libqrencode's bytes is "black"; the rest is metadata. */
			m[(size_t)(y + QR_QUIET) * (size_t)size + (size_t)(x + QR_QUIET)] =
				code->data[y * n + x] & 1;
	QRcode_free(code);
	out->size = size;
	out->modules = m;
	return 0;
}

void qr_release(struct qr *q)
{
	free(q->modules);
	q->modules = NULL;
	q->size = 0;
}

int qr_dark(const struct qr *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->size || y >= q->size)
		return 0;
	return q->modules[(size_t)y * (size_t)q->size + (size_t)x];
}
