/* Shared by the files of app/people/ only: the pieces of person.c that search.c and checkin.c
 * use. Not part of people.h's API. */
#ifndef BARNSTORM_PEOPLE_INTERNAL_H
#define BARNSTORM_PEOPLE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct people_result;
struct store;

/* The first character of s (UTF-8) into out[8], "" for none. */
void people_first_char(const char *s, char *out);
/* Namesakes are told apart by at most this many letters of the last name. */
#define PEOPLE_TELL_APART_CHARS 4
/* The first n characters of s (UTF-8) into out[size]. */
void people_first_chars(const char *s, int n, char *out, size_t size);
/* Sets r->display from the first name and last_chars characters of the last name. */
void people_display(struct people_result *r, int last_chars);
/* Copies src into dst[size], cut at a character boundary. */
void people_copy_cut(char *dst, size_t size, const char *src);
int people_is_blank(const char *s);
/* s without surrounding white space into out[size]; -1 when it does not fit. */
int people_trimmed(const char *s, char *out, size_t size);
void people_ascii_lower(char *s);
/* A postcode in the form stored; -1 when it is not one. */
int people_postcode_norm(const char *in, char *out);
/* The person with this external id, else email, else phone (people.h's merge rule): the id, 0
 * when none, -1 on error. */
int64_t people_person_find(struct store *s, const char *ext, const char *email, const char *phone);
/* The door's rule for a known email or phone under a name: the same person only when first and
 * last name agree, folded as textnorm.h's collapsed spelling (Åsa = Aasa). 1, 0, or -1 on error.
 * Used by walk-ins and by the stations' merge (sync/apply.c). */
int people_names_agree(struct store *s, int64_t id, const char *first, const char *last);
/* s, or NULL when s is NULL or empty (for binding optional columns). */
const char *people_or_null(const char *s);
/* The masked hints of a result from what is known of the person. */
void people_make_hints(const char *postcode, const char *email, const char *phone,
		       struct people_result *r);

#endif
