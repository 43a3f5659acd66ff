/* The outbox: every fact the kiosk records (a new person with consent, a check-in, a commitment, a
 * meeting log entry) is also written here, in the same transaction that records it, as a JSON
 * payload with its own UUID and time. The uploader delivers the outbox in order, exactly once.
 *
 * Kinds: "person", "checkin", "checkin_undo", "commitment", "commitment_cancel", "agenda". */
#ifndef BARNSTORM_OUTBOX_H
#define BARNSTORM_OUTBOX_H

#include <stdint.h>

struct store;
struct clock;

/* Adds one record. Must be called inside the caller's store transaction. person_uuid may be NULL.
 * payload is a JSON object (UTF-8); the record's uuid is written to uuid_out[37] if not NULL.
 * 0, or -1 with err_msg(). */
int outbox_add(struct store *s, const struct clock *c, const char *kind,
	       const char *person_uuid, const char *payload, char *uuid_out);

#endif
