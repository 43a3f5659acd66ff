/* A synthetic roster for the benchmarks: Danish and Swedish names, emails, every third with a
 * phone, semicolon-separated with CRLF as a Danish Excel writes it. Header-only, like
 * testutil.h; used by bench_checkin.c and bench_import.c. */
#ifndef BARNSTORM_TESTS_ROSTER_GEN_H
#define BARNSTORM_TESTS_ROSTER_GEN_H

#include <stdio.h>

#include "util.h"

static const char *const ROSTER_FIRST[] = {
	"Søren", "Åsa", "Anne", "Anna", "Mette", "Jens", "Peter", "Lars", "Mads", "Sofie", "Ida",
	"Emma", "Freja", "Karen", "Kirsten", "Hanne", "Jørgen", "Niels", "Henrik", "Thomas",
	"Martin", "Michael", "Rasmus", "Frederik", "Mathilde", "Laura", "Maja", "Clara", "Signe",
	"Marie Louise", "Anne-Mette", "Bjørn", "Øjvind", "Ærling", "Åge", "Erik", "Elin", "Björn",
	"Göran", "Maria", "Karin", "Lena", "Eva", "Ingrid", "Astrid", "Sven", "Nils", "Olof",
	"Johan", "Anders", "Per", "Mikael", "Malin", "Linnea", "Ebba", "Elsa", "Alice", "Agnes",
	"Wilma", "Hugo", "Oscar", "Liam", "William", "Noah", "Lucas", "Oliver", "Victor", "Emil",
	"Magnus", "Kasper", "Jonas", "Simon", "Tobias", "Christian", "Camilla", "Louise", "Julie",
	"Cecilie", "Nanna", "Line", "Pernille", "Tina", "Susanne", "Lone", "Birgitte", "Inge",
	"Grethe", "Bent", "Poul", "Knud", "Ole", "Flemming", "Preben", "Torben", "Steen", "Jesper",
	"Morten", "Kim", "René", "José", "Zoë", "Chloé", "Ahmed", "Fatima", "Mohammed", "Aisha",
};

static const char *const ROSTER_LAST[] = {
	"Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
	"Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
	"Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Karlsson", "Andersson",
	"Johansson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson",
	"Öberg", "Åberg", "Ström", "Lindqvist", "Bergström", "Hägglund", "Kierkegaard",
	"Hansen-Jensen", "Due", "Holm", "Lund", "Berg", "Dahl", "Friis", "Bech", "Krogh", "Skov",
	"Vestergaard", "Østergaard", "Nørgaard", "Kjær", "Bøgh", "Ærø", "Lauridsen", "Knudsen",
	"Mikkelsen", "Frederiksen", "Henriksen", "Iversen", "Jakobsen", "Schmidt", "Müller",
	"O'Brien", "Yilmaz", "Hussein", "Ali", "Nguyen", "García", "Kowalski", "Novák",
};

/* A plausible email local part: the ASCII letters of a name. */
static inline void roster_ascii_local(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < size; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			out[o++] = (char)(*p | 0x20);
	out[o] = '\0';
}

/* Writes rows people to path (the same rows for the same count); dies when it cannot. */
static inline void roster_generate(const char *path, long rows)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		die("cannot write %s", path);
	fputs("Fornavn;Efternavn;E-mail;Mobil;Postnummer;RSVP\r\n", f);
	unsigned x = 42;
	for (long i = 0; i < rows; i++) {
		x = x * 1103515245u + 12345u;
		const char *fn = ROSTER_FIRST[(x >> 8) % ARRAY_SIZE(ROSTER_FIRST)];
		x = x * 1103515245u + 12345u;
		const char *ln = ROSTER_LAST[(x >> 8) % ARRAY_SIZE(ROSTER_LAST)];
		char a[64], b[64];
		roster_ascii_local(fn, a, sizeof(a));
		roster_ascii_local(ln, b, sizeof(b));
		char phone[32] = "";
		if (i % 3 == 0)
			snprintf(phone, sizeof(phone), "+45 %08ld", 20000000 + i);
		fprintf(f, "%s;%s;%s.%s%ld@example.dk;%s;%d;R%ld\r\n", fn, ln, a, b, i, phone,
			1000 + (int)(x % 9000), i);
	}
	if (fclose(f) != 0)
		die("cannot write %s", path);
}

#endif
