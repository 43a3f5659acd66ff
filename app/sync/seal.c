/* Sealing bodies between stations: the only file that includes sodium.h. crypto_secretbox
 * (XSalsa20-Poly1305) with a fresh random nonce per message, sent in front of the box; a body
 * changed by one bit, cut short, or sealed with another key does not open. */
#include "sync/internal.h"
#include "util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(SYNC_SEAL_OVERHEAD == crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES,
	       "SYNC_SEAL_OVERHEAD");
_Static_assert(SYNC_KEY_BYTES == crypto_secretbox_KEYBYTES, "SYNC_KEY_BYTES");

static void init_once(void)
{
	/* sodium_init() is safe to call again and from several threads; < 0 means no randomness. */
	if (sodium_init() < 0)
		BUG("libsodium cannot initialise (no random source)");
}

void sync_random(void *buf, size_t n)
{
	init_once();
	randombytes_buf(buf, n);
}

unsigned char *sync_seal(const struct sync_key *k, const void *msg, size_t len, size_t *out_len)
{
	init_once();
	unsigned char *out = xmalloc(len + SYNC_SEAL_OVERHEAD);
	randombytes_buf(out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, msg, len, out, k->k);
	*out_len = len + SYNC_SEAL_OVERHEAD;
	return out;
}

char *sync_open(const struct sync_key *k, const unsigned char *sealed, size_t len, size_t *out_len)
{
	init_once();
	if (len < SYNC_SEAL_OVERHEAD) {
		err_set("a sealed body of %zu bytes is too short (at least %d)", len, SYNC_SEAL_OVERHEAD);
		return NULL;
	}
	size_t n = len - SYNC_SEAL_OVERHEAD;
	char *out = xmalloc(n + 1);
	if (crypto_secretbox_open_easy((unsigned char *)out, sealed + crypto_secretbox_NONCEBYTES,
				       len - crypto_secretbox_NONCEBYTES, sealed, k->k) != 0) {
		free(out);
		err_set("the body does not open with this room's key (another key, or changed on the way)");
		return NULL;
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

void sync_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
