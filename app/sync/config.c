/* The room's key: [stations] key = 64 hex digits in the pack's event.ini. Read here with
 * libinih rather than in pack.c so stations stay one module; pack.c must learn the section too
 * (see README "Stations") or `barnstorm check` calls it unknown. No message quotes the key. */
#include "sync.h"
#include "util.h"

#include <ini.h>
#include <string.h>

int sync_key_parse(const char *hex, struct sync_key *out)
{
	size_t n = strlen(hex);
	if (n != 2 * SYNC_KEY_BYTES)
		return err_set("the key has %zu characters, not %d hex digits", n, 2 * SYNC_KEY_BYTES);
	struct sync_key k;
	for (int i = 0; i < SYNC_KEY_BYTES; i++) {
		int v = 0;
		for (int j = 0; j < 2; j++) {
			char c = hex[2 * i + j];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return err_set("the key has a character that is not a hex digit at "
					       "position %d", 2 * i + j + 1);
			v = v * 16 + d;
		}
		k.k[i] = (unsigned char)v;
	}
	int zero = 1;
	for (int i = 0; i < SYNC_KEY_BYTES; i++)
		zero &= k.k[i] == 0;
	if (zero)
		return err_set("the key is all zeros: make one with `openssl rand -hex 32`");
	*out = k;
	return 0;
}

struct read {
	char hex[2 * SYNC_KEY_BYTES + 8];
	int seen;
	int toolong;
};

static int on_key(void *ctx, const char *section, const char *name, const char *value)
{
	struct read *r = ctx;
	if (strcmp(section, "stations") || strcmp(name, "key"))
		return 1;
	r->seen = 1;
	r->toolong = str_copy(r->hex, sizeof(r->hex), value) < 0;
	return 1;
}

int sync_key_from_pack(const char *pack_dir, struct sync_key *out)
{
	char path[4200];
	if (str_fmt(path, sizeof(path), "%s/event.ini", pack_dir) < 0)
		return err_set("the pack folder name '%s' is too long", pack_dir);
	struct read r;
	memset(&r, 0, sizeof(r));
	int rc = ini_parse(path, on_key, &r);
	if (rc == -1)
		return err_set("cannot read '%s'", path);
	if (rc == -2)
		return err_set("out of memory reading '%s'", path);
	if (!r.seen)
		return err_set("'%s' has no [stations] key: give the stations of one room the same "
			       "64 hex digits (`openssl rand -hex 32`)", path);
	if (r.toolong)
		return err_set("'%s' [stations] key: longer than %d hex digits", path,
			       2 * SYNC_KEY_BYTES);
	if (sync_key_parse(r.hex, out) < 0) {
		char m[256];
		str_copy(m, sizeof(m), err_msg());
		return err_set("'%s' [stations] key: %s", path, m);
	}
	return 0;
}

struct discover_read {
	int on, bad;
};

/* `barnstorm check` (pack.c) says at which line a bad value is; this reader only refuses it. */
static int on_discover(void *ctx, const char *section, const char *name, const char *value)
{
	struct discover_read *r = ctx;
	if (strcmp(section, "stations") || strcmp(name, "discover"))
		return 1;
	if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1") ||
	    !strcmp(value, "on"))
		r->on = 1;
	else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0") ||
		 !strcmp(value, "off"))
		r->on = 0;
	else
		r->bad = 1;
	return 1;
}

int sync_discover_from_pack(const char *pack_dir, int *on)
{
	char path[4200];
	if (str_fmt(path, sizeof(path), "%s/event.ini", pack_dir) < 0)
		return err_set("the pack folder name '%s' is too long", pack_dir);
	struct discover_read r = {1, 0};
	int rc = ini_parse(path, on_discover, &r);
	if (rc == -1)
		return err_set("cannot read '%s'", path);
	if (rc == -2)
		return err_set("out of memory reading '%s'", path);
	if (r.bad)
		return err_set("'%s' [stations] discover must be yes or no (`barnstorm check` says "
			       "where)", path);
	*on = r.on;
	return 0;
}
