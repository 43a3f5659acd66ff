/* Translations from gettext catalogs. The source strings are English; assets/po/LANG.po are
 * compiled by msgfmt into LANG.mo, and this module reads the .mo files itself.
 *
 * Why not libintl's gettext(): it selects one language per process through setlocale(), and only
 * when that locale is installed (da_DK.UTF-8 and sv_SE.UTF-8 are not on a minimal image or a CI
 * machine), while the kiosk switches language per attendee with one tap and the print and upload
 * threads need their own. Reading the standard .mo format (a sorted table of strings) keeps the
 * catalogs and the xgettext/msgfmt tooling and drops the global state.
 *
 * Plurals: da, sv and en share the rule nplurals=2; plural=(n != 1). */
#ifndef BARNSTORM_I18N_H
#define BARNSTORM_I18N_H

struct i18n;

/* Loads DIR/CODE.mo for each language code ("en" needs none). A missing or corrupt catalog is
 * reported through err_msg() and that language falls back to English; never fails. */
struct i18n *i18n_open(const char *dir, const char *const codes[], int n);
void i18n_close(struct i18n *t);
/* Index of a code among the loaded languages, or -1. */
int i18n_index(const struct i18n *t, const char *code);
const char *i18n_code(const struct i18n *t, int lang);
/* The language's own name: "Dansk", "Svenska", "English". */
const char *i18n_name(const char *code);
/* msgid translated into language `lang` (an index), or msgid itself. */
const char *i18n_get(const struct i18n *t, int lang, const char *msgid);
const char *i18n_nget(const struct i18n *t, int lang, const char *singular, const char *plural,
		      long n);
/* 1 if every catalog loaded (for `barnstorm check`), else 0 with err_msg() naming the file. */
int i18n_complete(const struct i18n *t);

/* Marks a string for xgettext without translating it here (static tables). */
#define N_(s) (s)

#endif
