#include "core/station.h"
#include "store.h"
#include "util.h"

#include <string.h>

#define META_ROLE "station_role"
#define META_NAME "station_name"

static const char *const ROLE_KEYS[STATION_NROLES] = {"all", "door", "stage", "signup"};

const char *station_role_key(enum station_role r)
{
	return r >= 0 && r < STATION_NROLES ? ROLE_KEYS[r] : "all";
}

int station_role_parse(const char *key)
{
	for (int i = 0; i < STATION_NROLES; i++)
		if (!strcmp(key, ROLE_KEYS[i]))
			return i;
	return -1;
}

int station_is_door(enum station_role r)
{
	return r == STATION_ALL || r == STATION_DOOR;
}

int station_runs_agenda(enum station_role r)
{
	return r == STATION_ALL || r == STATION_STAGE;
}

int station_load(struct store *s, struct station *out)
{
	memset(out, 0, sizeof(*out));
	out->role = STATION_ALL;
	char v[64];
	if (store_meta_get(s, META_ROLE, v, sizeof(v)) < 0)
		return -1;
	int r = station_role_parse(v);
	if (r >= 0)
		out->role = (enum station_role)r;
	char name[STATION_NAME_MAX * 2];
	if (store_meta_get(s, META_NAME, name, sizeof(name)) < 0)
		return -1;
	str_copy(out->name, sizeof(out->name), name);
	return 0;
}

int station_save(struct store *s, const struct station *st)
{
	if (st->role < 0 || st->role >= STATION_NROLES)
		return err_set("no station role number %d", (int)st->role);
	char name[STATION_NAME_MAX];
	str_copy(name, sizeof(name), st->name);
	str_trim(name);
	if (!utf8_valid(name, strlen(name)))
		return err_set("the station's name is not valid UTF-8");
	if (store_tx_begin(s) < 0)
		return -1;
	if (store_meta_set(s, META_ROLE, ROLE_KEYS[st->role]) < 0 ||
	    store_meta_set(s, META_NAME, name) < 0) {
		store_tx_rollback(s);
		return -1;
	}
	return store_tx_commit(s);
}
