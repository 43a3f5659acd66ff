/* Phone numbers in international form for what leaves the kiosk (the export).
 *
 * people_phone_norm() (people/person.c) stores a Danish number as its 8 digits ("12345678") and a
 * Swedish one in the domestic form with the trunk 0 ("0701112233"): the country code the person
 * typed ("+46 70 111 22 33") is not kept, and only other countries keep theirs ("+4798765432").
 * The stored forms do not overlap (8 digits without a leading 0 are Danish, 8 to 10 digits with
 * one are Swedish, anything else starts with '+'), so the international form can be rebuilt from
 * what is stored. When person.c stores E.164 itself this becomes the identity. */
#ifndef BARNSTORM_PHONE_INTL_H
#define BARNSTORM_PHONE_INTL_H

/* Writes stored's E.164 form ("+4512345678", "+46701112233") into out[size]; "" for "". Text that
 * is none of the stored forms is copied as it is. Returns 0, or -1 when out is too small (out is
 * then ""). */
int phone_intl(const char *stored, char *out, int size);

#endif
