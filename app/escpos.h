/* ESC/POS for receipt printers: a slip's raster as `ESC @` (initialise), `GS v 0` raster blocks
 * of at most ESCPOS_CHUNK_ROWS rows (cheap printers have small buffers), a feed and `GS V` (cut).
 * Also the `DLE EOT n` real-time status requests and a parser for their one-byte replies, and a
 * decoder of raster jobs that tests and the benchmark use to check what was sent.
 *
 * Ownership: escpos_encode() and escpos_decode_raster() return new buffers the caller frees. */
#ifndef BARNSTORM_ESCPOS_H
#define BARNSTORM_ESCPOS_H

#include <stddef.h>
#include <stdint.h>

#include "slip.h"

#define ESCPOS_CHUNK_ROWS 256
/* The most bytes a decoded job may describe (bounds the decoder on hostile input). */
#define ESCPOS_DECODE_MAX (16u << 20)

/* Encodes r as a complete job: init, raster chunks, feed_lines blank lines, a partial cut.
 * Returns a new buffer (free()) and its length in *len. */
uint8_t *escpos_encode(const struct slip_raster *r, int feed_lines, size_t *len);

/* The status requests, sent together: DLE EOT 1 (printer), 2 (offline cause), 4 (paper). */
#define ESCPOS_STATUS_REQ_LEN 9
extern const uint8_t escpos_status_req[ESCPOS_STATUS_REQ_LEN];

struct escpos_status {
	int offline;
	int cover_open;
	int paper_end;      /* out of paper */
	int paper_near_end; /* a warning, still prints */
	int error;          /* an unrecoverable or auto-recoverable error */
};

/* Parses the three reply bytes to escpos_status_req (in order n = 1, 2, 4). 0, or -1 with
 * err_msg() when a byte is not a status reply (fixed bits wrong). */
int escpos_parse_status(const uint8_t reply[3], struct escpos_status *st);
/* What stops printing, in words ("paper out", "cover open", "offline"), or NULL if nothing. */
const char *escpos_status_problem(const struct escpos_status *st);

/* Decodes a job made of ESC @, GS v 0 blocks, ESC d / LF feeds and GS V cuts back into one raster
 * (blocks stacked; feeds ignored). 0, or -1 with err_msg() naming the byte offset of anything
 * else, a block whose width changes, or more than ESCPOS_DECODE_MAX bytes of raster. */
int escpos_decode_raster(const uint8_t *data, size_t len, struct slip_raster *out);

#endif
