/* Printer transports: how bytes reach a receipt printer named by the pack's [print] printer:
 *   /dev/usb/lp0      a device path (usblp): written non-blocking with poll(); status replies are
 *                     read where the device answers
 *   tcp://HOST:9100   a network printer's raw port (connect, write and read timeouts)
 *   cups:QUEUE        a CUPS raw queue, through `lp -d QUEUE -o raw` (no status)
 *   file:PATH         appends the exact bytes to a file (tests)
 * Errors name the target and the reason: "printer 'tcp://10.0.0.5:9100': connection refused".
 *
 * A struct printer owns its file descriptor (and child process for CUPS): printer_close(). */
#ifndef BARNSTORM_PRINTER_H
#define BARNSTORM_PRINTER_H

#include <stddef.h>
#include <stdint.h>

struct printer;

/* 0 if target names a known transport with a plausible address, else -1 with err_msg(). For pack
 * check; does not touch the printer. */
int printer_check_target(const char *target);

/* Opens the transport; timeout_ms bounds connecting. NULL with err_msg(). */
struct printer *printer_open(const char *target, int timeout_ms);
/* Writes all of data; fails with "timed out" when the printer takes no bytes for timeout_ms. */
int printer_write(struct printer *pr, const void *data, size_t len, int timeout_ms);
/* 1 if the transport can carry replies (device, tcp), else 0. */
int printer_can_read(const struct printer *pr);
/* Reads exactly len reply bytes within timeout_ms. 0; 1 when the printer did not answer in time
 * (many do not); -1 with err_msg() on an error (closed connection). */
int printer_read(struct printer *pr, uint8_t *buf, size_t len, int timeout_ms);
/* Finishes the job (waits for `lp` to exit, bounded by timeout_ms) and closes. 0 or -1 with
 * err_msg() (e.g. lp failed: its message). Always frees pr. */
int printer_close(struct printer *pr, int timeout_ms);
const char *printer_target(const struct printer *pr);

#endif
