#include "testutil.h"

#include "i18n.h"
#include "util.h"

/* The catalogs `make test` compiles into build/locale from assets/po. */
static void catalogs_translate_and_switch(void **state)
{
	(void)state;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/build/locale", tu_src());
	const char *codes[] = {"da", "sv", "en"};
	struct i18n *t = i18n_open(dir, codes, 3);
	assert_true(i18n_complete(t));
	assert_string_equal(i18n_get(t, 0, "Check in"), "Tjek ind");
	assert_string_equal(i18n_get(t, 1, "Check in"), "Checka in");
	assert_string_equal(i18n_get(t, 2, "Check in"), "Check in");
	/* An unknown string is shown as written. */
	assert_string_equal(i18n_get(t, 0, "No such text"), "No such text");
	/* Plurals: one / many in all three. */
	const char *one = "%s: ready, %d warning (see barnstorm check)";
	const char *many = "%s: ready, %d warnings (see barnstorm check)";
	assert_non_null(strstr(i18n_nget(t, 0, one, many, 1), "advarsel "));
	assert_non_null(strstr(i18n_nget(t, 0, one, many, 2), "advarsler"));
	assert_string_equal(i18n_nget(t, 2, one, many, 2), many);
	assert_int_equal(i18n_index(t, "sv"), 1);
	assert_string_equal(i18n_name("sv"), "Svenska");
	i18n_close(t);
}

static void every_catalog_entry_is_translated(void **state)
{
	(void)state;
	/* msgfmt --statistics would say; here: no entry of ours is left empty in da or sv. */
	for (int l = 0; l < 2; l++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/assets/po/%s.po", tu_src(), l ? "sv" : "da");
		size_t len;
		char *po = file_read(path, 1u << 20, &len);
		assert_non_null(po);
		/* The header is the only msgstr "" followed by a continuation line. */
		const char *p = po;
		int empty = 0;
		while ((p = strstr(p, "msgstr \"\"\n")) != NULL) {
			p += 10;
			if (*p != '"')
				empty++;
		}
		if (empty)
			fprintf(stderr, "# %s has %d untranslated entries\n", path, empty);
		assert_int_equal(empty, 0);
		free(po);
	}
}

static void broken_catalog_falls_back_to_english(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	tu_write(dir, "da.mo", "\xde\x12\x04\x95garbage that is not a catalog", 33);
	const char *codes[] = {"da"};
	struct i18n *t = i18n_open(dir, codes, 1);
	assert_false(i18n_complete(t));
	assert_non_null(strstr(err_msg(), "da.mo"));
	assert_string_equal(i18n_get(t, 0, "Check in"), "Check in");
	i18n_close(t);
	/* A missing one too. */
	const char *sv[] = {"sv"};
	t = i18n_open(dir, sv, 1);
	assert_false(i18n_complete(t));
	assert_string_equal(i18n_get(t, 0, "OK"), "OK");
	i18n_close(t);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(catalogs_translate_and_switch),
		cmocka_unit_test(every_catalog_entry_is_translated),
		cmocka_unit_test(broken_catalog_falls_back_to_english),
	};
	return RUN_TESTS(tests);
}
