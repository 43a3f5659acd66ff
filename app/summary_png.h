/* summary.png: the results screen's summary (summary.h) as a picture, for the export.
 *
 * Drawn without a display by the same code as the screen: summary_draw() declares it with the UI
 * core, and render.c executes the commands with SDL's software renderer onto a surface. Why not
 * cairo (linked already through poppler-glib): it would need a second drawing of the same chart,
 * with other fonts and metrics, that would drift from what the organizer saw on the screen. */
#ifndef BARNSTORM_SUMMARY_PNG_H
#define BARNSTORM_SUMMARY_PNG_H

struct i18n;
struct summary;

#define SUMMARY_PNG_W 1600
#define SUMMARY_PNG_H 900

/* Writes *sm as a w x h PNG at path (atomically: DIR/.NAME.tmp, renamed), its words in language
 * `lang` of t (t NULL: English), under caption (the event and its date: a picture passed on
 * says what it is of; NULL for none). 0, or -1 with err_msg() naming the file. */
int summary_png(const struct summary *sm, const struct i18n *t, int lang, const char *caption,
		int w, int h, const char *path);

#endif
