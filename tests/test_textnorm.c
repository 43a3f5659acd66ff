#include "testutil.h"

#include "textnorm.h"
#include "util.h"

static void fold(const char *in, enum textnorm_spelling sp, const char *want)
{
	char out[256];
	textnorm_fold(in, sp, out, sizeof(out));
	if (strcmp(out, want) != 0)
		fail_msg("fold('%s', %d) = '%s', want '%s'", in, sp, out, want);
}

static void folds_case_and_diacritics(void **state)
{
	(void)state;
	fold("Søren", TEXTNORM_PRIMARY, "soren");
	fold("Åsa", TEXTNORM_PRIMARY, "asa");
	fold("Öberg", TEXTNORM_PRIMARY, "oberg");
	fold("José Müller", TEXTNORM_PRIMARY, "jose muller");
	fold("Mærsk", TEXTNORM_PRIMARY, "maersk");
	fold("Straße", TEXTNORM_PRIMARY, "strasse");
	fold("Łukasz Żółć", TEXTNORM_PRIMARY, "lukasz zolc");
	fold("O'Brien", TEXTNORM_PRIMARY, "obrien");
	fold("  Hansen-Jensen  ", TEXTNORM_PRIMARY, "hansen jensen");
	fold("ÆØÅ æøå", TEXTNORM_PRIMARY, "aeoa aeoa");
	fold("Søren Åsa Öberg", TEXTNORM_ALT, "soeren aasa oeberg");
	fold("Aase Soeren", TEXTNORM_COLLAPSED, "ase soren");
	/* Decomposed text (a Mac): a + combining ring, o + combining diaeresis. */
	fold("A\xcc\x8asa O\xcc\x88" "berg", TEXTNORM_PRIMARY, "asa oberg");
	fold("A\xcc\x8asa O\xcc\x88" "berg", TEXTNORM_ALT, "aasa oeberg");
	/* Cyrillic and Greek are lowercased; other scripts kept. */
	fold("ИВАН ΣΟΦΙΑ", TEXTNORM_PRIMARY, "иван σοφια");
	/* Invalid UTF-8 is dropped, never crashes. */
	fold("a\xff\xfe" "b\xc3", TEXTNORM_PRIMARY, "ab");
	fold("", TEXTNORM_PRIMARY, "");
}

static void folding_is_bounded(void **state)
{
	(void)state;
	char big[4000], out[16];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(textnorm_fold(big, TEXTNORM_PRIMARY, out, sizeof(out)), 15);
	/* A multi-byte character is never cut in half. */
	char w[TEXTNORM_QUERY_WORDS][TEXTNORM_WORD_MAX];
	char longword[401];
	for (int i = 0; i < 100; i++)
		memcpy(longword + 2 * i, "ж", 2);
	longword[200] = '\0';
	assert_int_equal(textnorm_query(longword, w, TEXTNORM_QUERY_WORDS), 1);
	assert_true(utf8_valid(w[0], strlen(w[0])));
	assert_true(strlen(w[0]) < TEXTNORM_WORD_MAX);
}

static int has(const struct textnorm_tokens *t, const char *tok)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->tok[i], tok) == 0)
			return 1;
	return 0;
}

static void tokens_for_names_and_email(void **state)
{
	(void)state;
	struct textnorm_tokens t;
	textnorm_tokens_init(&t);
	textnorm_tokens_name(&t, 'f', "Marie Louise");
	textnorm_tokens_name(&t, 'l', "Hansen-Jensen");
	textnorm_tokens_email(&t, "Soren.Kirk_Ho@example.dk");
	assert_true(has(&t, "f:marie"));
	assert_true(has(&t, "f:louise"));
	assert_true(has(&t, "f:marielouise"));
	assert_true(has(&t, "l:hansen"));
	assert_true(has(&t, "l:jensen"));
	assert_true(has(&t, "l:hansenjensen"));
	assert_true(has(&t, "e:soren"));
	assert_true(has(&t, "e:kirk"));
	assert_true(has(&t, "e:ho"));
	assert_true(has(&t, "e:sorenkirkho"));
	assert_false(has(&t, "e:example"));

	textnorm_tokens_init(&t);
	textnorm_tokens_name(&t, 'f', "Søren");
	textnorm_tokens_name(&t, 'l', "Åberg");
	assert_true(has(&t, "f:soren"));
	assert_true(has(&t, "f:soeren"));
	assert_true(has(&t, "l:aberg"));
	assert_true(has(&t, "l:aaberg"));
	/* No duplicates: "Anna" is the same in every spelling. */
	textnorm_tokens_init(&t);
	textnorm_tokens_name(&t, 'f', "Anna");
	assert_int_equal(t.n, 1);

	/* Bounded: a name of 200 words keeps at most TEXTNORM_TOKENS_MAX tokens. */
	char many[2000];
	for (int i = 0; i < 200; i++)
		memcpy(many + 6 * i, "ab cd ", 6);
	many[1200] = '\0';
	textnorm_tokens_init(&t);
	textnorm_tokens_name(&t, 'f', many);
	assert_true(t.n <= TEXTNORM_TOKENS_MAX);
}

static void query_words(void **state)
{
	(void)state;
	char w[TEXTNORM_QUERY_WORDS][TEXTNORM_WORD_MAX];
	assert_int_equal(textnorm_query("  Öberg   ÅSA ", w, TEXTNORM_QUERY_WORDS), 2);
	assert_string_equal(w[0], "oberg");
	assert_string_equal(w[1], "asa");
	assert_int_equal(textnorm_query("æ", w, TEXTNORM_QUERY_WORDS), 1);
	assert_string_equal(w[0], "ae");
	assert_int_equal(textnorm_chars("søren"), 5);
	assert_int_equal(textnorm_query("--- ''", w, TEXTNORM_QUERY_WORDS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(folds_case_and_diacritics),
		cmocka_unit_test(folding_is_bounded),
		cmocka_unit_test(tokens_for_names_and_email),
		cmocka_unit_test(query_words),
	};
	return RUN_TESTS(tests);
}
