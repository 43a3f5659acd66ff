/* Shared by the files of app/sync/ only. */
#ifndef BARNSTORM_SYNC_INTERNAL_H
#define BARNSTORM_SYNC_INTERNAL_H

#include "sync.h"

#include <stddef.h>
#include <stdint.h>

struct store;

/* apply.c: applies one record to the domain tables inside the caller's transaction.
 * 1 applied, 0 waits for a record it names that has not arrived, -1 with err_msg() when the
 * payload is malformed (the caller refuses the page). */
int sync_apply_record(struct store *s, const struct sync_record *r);
/* Re-decides every (event, person) whose winning check-in was undone locally (see README). */
int sync_checkins_repair(struct store *s);
/* log.c: 1 when a station's name and role may be shown: a role of at most SYNC_ROLE_MAX - 1
 * lower-case letters (or ""), a name of at most SYNC_NAME_MAX - 1 bytes without control
 * characters. */
int sync_about_ok(const char *name, const char *role);
/* 1 when s is a lower-case or upper-case uuid (8-4-4-4-12 hex). */
int sync_is_uuid(const char *s);

/* seal.c: crypto_secretbox with a random nonce. The sealed form is nonce || box. */
#define SYNC_SEAL_OVERHEAD 40   /* crypto_secretbox_NONCEBYTES + MACBYTES */
/* A new buffer of len + SYNC_SEAL_OVERHEAD bytes (caller frees). */
unsigned char *sync_seal(const struct sync_key *k, const void *msg, size_t len, size_t *out_len);
/* A new NUL-terminated buffer of the opened message, or NULL with err_msg() when the body is
 * too short or was not sealed with this key (or was changed). */
char *sync_open(const struct sync_key *k, const unsigned char *sealed, size_t len, size_t *out_len);
void sync_random(void *buf, size_t n);
/* Clears key material so it does not linger in freed memory. */
void sync_wipe(void *p, size_t n);

/* wire.c: JSON forms of pages and vectors. */
struct json_t;
/* Encodes records as a new JSON array. */
struct json_t *sync_wire_records(const struct sync_page *p);
/* Decodes and validates a JSON array of records into *p (all of origin `origin` when not NULL).
 * -1 with err_msg() saying which item and field. */
int sync_wire_parse_records(struct json_t *arr, struct sync_page *p);
struct json_t *sync_wire_vector(const struct sync_vector *v);
int sync_wire_parse_vector(struct json_t *obj, struct sync_vector *v);

int64_t sync_mono_ms(void);

/* client.c: libcurl's global state, taken by sync_start() before its thread exists and
 * released by sync_stop() (reference-counted by libcurl, like the uploader's). */
int sync_client_init(void);
void sync_client_cleanup(void);
/* The wall clock in ms since the epoch (received_at: when a record came, as the Pi knew it). */
int64_t sync_wall_ms(void);

#endif
