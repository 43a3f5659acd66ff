/* Text normalisation for matching names typed at the door against names in a roster.
 *
 * Folding: lowercase; Latin diacritics off (é->e, ü->u, Ö->o, ñ->n, č->c); ß->ss, þ->th, œ->oe;
 * æ->ae; ø->o; å->a; combining marks (decomposed text from a Mac) dropped. Greek and Cyrillic
 * are lowercased; other scripts are kept as they are. Word separators (white space - . _ , / +
 * and the like) split words; other punctuation (' " ` and so on) is dropped inside a word, so
 * "O'Brien" is one word "obrien".
 *
 * The three spellings of a name. Danes and Swedes write the same name several ways: Søren,
 * Soeren, Soren; Åse, Aase; Mærsk, Maersk. A stored name is indexed under every spelling:
 *   TEXTNORM_PRIMARY    ø->o, å->a, ä->a, ö->o, ü->u, æ->ae   ("soren", "ase", "maersk")
 *   TEXTNORM_ALT        ø->oe, å->aa, ä->ae, ö->oe, ü->ue     ("soeren", "aase")
 *   TEXTNORM_COLLAPSED  PRIMARY, then "aa"->"a" and "oe"->"o" ("Aase" -> "ase", "Soeren" ->
 *                       "soren")
 * while a query is folded with PRIMARY only. So "soren", "soeren" and "søren" all find both
 * Søren and Soeren; "aase" and "åse" both find Åse and Aase; and "ae" and "æ" fold to the same
 * "ae" on both sides, so they match each other.
 *
 * All output goes into caller-owned fixed arrays; nothing is allocated. Invalid UTF-8 input is
 * read as U+FFFD, which is dropped. */
#ifndef BARNSTORM_TEXTNORM_H
#define BARNSTORM_TEXTNORM_H

#include <stddef.h>

#define TEXTNORM_WORD_MAX 48      /* bytes of one folded word with NUL; longer words are cut */
#define TEXTNORM_TOKEN_MAX (TEXTNORM_WORD_MAX + 2)  /* "f:" + word */
#define TEXTNORM_TOKENS_MAX 48    /* tokens kept per person; more are dropped */
#define TEXTNORM_QUERY_WORDS 8    /* words of a query; more are ignored */

enum textnorm_spelling { TEXTNORM_PRIMARY, TEXTNORM_ALT, TEXTNORM_COLLAPSED };

/* Folds in (UTF-8) into out[size] with the given spelling, words separated by one space and no
 * space at either end. Always terminates out; returns its length. */
size_t textnorm_fold(const char *in, enum textnorm_spelling sp, char *out, size_t size);

/* Splits in into at most max folded words; returns how many. */
int textnorm_words(const char *in, enum textnorm_spelling sp, char words[][TEXTNORM_WORD_MAX],
		   int max);

/* The words of a search query (PRIMARY spelling). */
int textnorm_query(const char *query, char words[][TEXTNORM_WORD_MAX], int max);

/* Number of characters (code points) in a folded word. */
int textnorm_chars(const char *word);

/* A person's search tokens: "KIND:word" strings without duplicates. Kinds: 'f' first name,
 * 'l' last name, 'e' email local part. */
struct textnorm_tokens {
	int n;
	char tok[TEXTNORM_TOKENS_MAX][TEXTNORM_TOKEN_MAX];
};

void textnorm_tokens_init(struct textnorm_tokens *t);
/* Adds the words of a name in every spelling, and the whole name ("Hansen-Jensen" ->
 * "hansen", "jensen", "hansenjensen"; "Marie Louise" -> "marie", "louise", "marielouise"). */
void textnorm_tokens_name(struct textnorm_tokens *t, char kind, const char *name);
/* Adds the email's local part split on . _ - + and as a whole ("soren.hansen@x.dk" ->
 * "soren", "hansen", "sorenhansen") with kind 'e'. */
void textnorm_tokens_email(struct textnorm_tokens *t, const char *email);

#endif
