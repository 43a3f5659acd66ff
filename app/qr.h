/* QR codes: the one module that includes qrencode.h. Encodes a UTF-8 string (a link) byte for
 * byte, case preserved, at error-correction level M in the smallest symbol version that holds it,
 * and adds the 4-module quiet zone scanners need, so both the slip and the screen draw the matrix
 * as it is.
 *
 * Ownership: struct qr owns `modules`; free it with qr_release(). */
#ifndef BARNSTORM_QR_H
#define BARNSTORM_QR_H

#include <stdint.h>

/* Light modules around the symbol on each side (ISO/IEC 18004 asks for 4). */
#define QR_QUIET 4
/* The most bytes a QR code at level M holds in byte mode (version 40). */
#define QR_MAX_BYTES 2331

struct qr {
	int size;          /* modules per side, quiet zone included */
	uint8_t *modules;  /* size * size, row-major; 1 = dark, 0 = light */
};

/* Encodes text into *out. 0, or -1 with err_msg(): empty text, text that is not valid UTF-8, or
 * text too long ("link is 2400 bytes; a QR code holds at most 2331"). *out is set only on
 * success. */
int qr_encode(const char *text, struct qr *out);
void qr_release(struct qr *q);
/* 1 if the module at (x, y) is dark; 0 outside the matrix. */
int qr_dark(const struct qr *q, int x, int y);

#endif
