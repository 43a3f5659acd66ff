/* The headless script runner: `barnstorm script FILE --pack DIR --data DIR [--shots DIR]
 * [--size WxH]` drives the real kiosk under SDL's offscreen driver and software renderer, on a
 * fake clock, one command a line:
 *
 *   tap "Label"     tap the widget with this label drawn in the last frame (the label may be
 *                   written in English; it is also looked up translated into the current language)
 *   tap X Y         tap at pixel X,Y
 *   type "text"     type text as a keyboard would
 *   key NAME        press a key: Return, Backspace, Escape, Tab, Left, Right, Up, Down, PageUp,
 *                   PageDown, Home, End, F11, or a letter
 *   scan "CODE"     a barcode scanner: the code typed in one burst, then Return
 *   wait DURATION   advance the kiosk's clock: 500ms, 90s, 2m, 1h, 1m30s
 *   expect "text"   fail unless the text (or its translation) is on screen now
 *   shot NAME       write the screen to NAME.png (in --shots DIR, else the current folder)
 *
 * Blank lines and lines starting with # are ignored. The first failing line stops the run with
 * "FILE:LINE: message" and a non-zero exit. */
#ifndef BARNSTORM_SCRIPT_H
#define BARNSTORM_SCRIPT_H

#include <stdint.h>

/* Parses "90s", "2m", "1m30s", "500ms", "1h" into milliseconds; -1 if malformed or over a day. */
int64_t script_parse_duration(const char *s);

#endif
