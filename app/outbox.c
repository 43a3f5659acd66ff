#include "outbox.h"
#include "clock.h"
#include "store.h"
#include "util.h"

int outbox_add(struct store *s, const struct clock *c, const char *kind,
	       const char *person_uuid, const char *payload, char *uuid_out)
{
	char uuid[37];
	uuid_v4(uuid);
	struct store_stmt *st = store_stmt(s,
		"INSERT INTO outbox(uuid, kind, person_uuid, payload, created_at, clock_synced) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		return -1;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, person_uuid);
	store_bind_text(st, 4, payload);
	store_bind_int(st, 5, clock_now(c));
	store_bind_int(st, 6, clock_synchronised(c));
	int rc = store_step(st);
	store_reset(st);
	if (rc < 0)
		return -1;
	if (uuid_out)
		str_copy(uuid_out, 37, uuid);
	return 0;
}
