/* Small helpers every module uses: bounded strings, allocation, the error message of the last
 * failed call, and the three error tiers of DESIGN.md.
 *
 * Errors: a function that fails returns -1 (or NULL) after err_set() with a message that names the
 * thing in quotes ("cannot open 'roster.csv': No such file"). The caller reads it with err_msg().
 * The message lives in a per-thread buffer, like SDL_GetError(), so the uploader and printer
 * threads never see each other's errors. */
#ifndef BARNSTORM_UTIL_H
#define BARNSTORM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A programmer error: print where and abort. Never for bad input. */
#define BUG(msg) bug_at(__FILE__, __LINE__, (msg))
_Noreturn void bug_at(const char *file, int line, const char *msg);

/* Only while starting up: print "barnstorm: MESSAGE" and exit(1). */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets the calling thread's error message; always returns -1 so `return err_set(...)` works. */
int err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_msg(void);

/* Allocation that cannot fail: on out-of-memory the kiosk aborts (systemd restarts it) rather
 * than running on with half-built state. Free with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Copies src into dst[size], always terminated. Returns 0, or -1 if src was cut short. */
int str_copy(char *dst, size_t size, const char *src);
/* snprintf into dst[size]. Returns the length, or -1 if the result was cut short. */
int str_fmt(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Parses a whole decimal integer within [min, max]; -1 on anything else (no atoi). */
int str_to_int(const char *s, long min, long max, long *out);
/* Trims ASCII white space at both ends in place; returns s. */
char *str_trim(char *s);
/* 1 if s is valid UTF-8 (no overlongs, no surrogates), else 0. */
int utf8_valid(const char *s, size_t len);
/* Decodes one code point at *s, advancing *s; returns 0xFFFD for an invalid sequence. */
uint32_t utf8_next(const char **s);
/* Encodes cp into out[4]; returns the number of bytes. */
int utf8_put(uint32_t cp, char *out);
/* Converts Windows-1252 bytes to a new UTF-8 string (caller frees). */
char *cp1252_to_utf8(const char *s, size_t len);

/* Reads a whole file of at most `limit` bytes into a new NUL-terminated buffer (caller frees).
 * Returns NULL with err_msg() naming the path when it is missing, unreadable or too large. */
char *file_read(const char *path, size_t limit, size_t *len_out);
/* Writes data to path atomically (temp file, fsync, rename). */
int file_write_atomic(const char *path, const void *data, size_t len);
/* mkdir -p with mode 0700 for every folder it creates (attendee data is political opinion:
 * owner only). 0, or -1 with errno set. */
int dir_make(const char *dir);

/* A random RFC 4122 version 4 UUID, 36 characters + NUL, from getrandom(). */
void uuid_v4(char out[37]);

#endif
