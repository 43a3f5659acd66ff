/* The UI core without SDL: widgets answer taps, record labels, and lay out within the screen. */
#include "testutil.h"

#include "ui.h"
#include "util.h"

/* A monospace measure: every character (code point) is half the font size wide. */
static int measure(void *ctx, enum ui_font f, int bold, const char *text, size_t len)
{
	(void)ctx;
	(void)bold;
	int n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)text[i] & 0xC0) != 0x80;
	return n * UI_FONT_PX[f] / 2;
}

static struct ui ui;

static void press(int x, int y)
{
	ui.pointer_x = x;
	ui.pointer_y = y;
	ui.pointer_down = 1;
	ui.pointer_pressed = 1;
}

static void release(int x, int y)
{
	ui.pointer_x = x;
	ui.pointer_y = y;
	ui.pointer_down = 0;
	ui.pointer_released = 1;
}

static int frame_button(const char *label, struct ui_rect r)
{
	ui_begin(&ui, 800, 480);
	int t = ui_button(&ui, label, r, UI_PRIMARY);
	ui_end(&ui);
	ui_input_clear(&ui);
	return t;
}

static void tap_is_press_and_release_inside(void **state)
{
	(void)state;
	ui_init(&ui, measure, NULL);
	struct ui_rect a = {10, 10, 100, 50}, b = {200, 10, 100, 50};
	press(20, 20);
	assert_false(frame_button("A", a));
	release(30, 30);
	assert_true(frame_button("A", a));
	/* Pressed on A, released outside: no tap. */
	press(20, 20);
	frame_button("A", a);
	release(250, 20);
	assert_false(frame_button("A", a));
	/* Pressed on A, released on B: neither. */
	press(20, 20);
	ui_begin(&ui, 800, 480);
	ui_button(&ui, "A", a, UI_PRIMARY);
	ui_button(&ui, "B", b, UI_PRIMARY);
	ui_end(&ui);
	ui_input_clear(&ui);
	release(250, 20);
	ui_begin(&ui, 800, 480);
	assert_false(ui_button(&ui, "A", a, UI_PRIMARY));
	assert_false(ui_button(&ui, "B", b, UI_PRIMARY));
	ui_end(&ui);
	ui_input_clear(&ui);
	/* A press and release in the same frame (a fast touch) is a tap. */
	press(20, 20);
	ui.pointer_released = 1;
	ui.pointer_down = 0;
	assert_true(frame_button("A", a));
}

static void labels_are_recorded_for_scripts(void **state)
{
	(void)state;
	ui_init(&ui, measure, NULL);
	ui_begin(&ui, 800, 480);
	ui_label(&ui, "Barnstorm Aarhus", (struct ui_rect){0, 0, 800, 40}, UI_TITLE, 1, UI_FG, UI_CENTER);
	ui_button(&ui, "Tjek ind", (struct ui_rect){100, 100, 200, 80}, UI_PRIMARY);
	ui_end(&ui);
	const struct ui_widget *w = ui_find(&ui, "Tjek ind", 1);
	assert_non_null(w);
	assert_int_equal(w->r.x, 100);
	assert_null(ui_find(&ui, "Barnstorm Aarhus", 1)); /* a label is not tappable */
	assert_true(ui_has_text(&ui, "Aarhus"));
	assert_false(ui_has_text(&ui, "Malmö"));
}

static void long_text_is_shortened_not_clipped(void **state)
{
	(void)state;
	ui_init(&ui, measure, NULL);
	ui_begin(&ui, 800, 480);
	struct ui_rect r = {0, 0, 200, 40};
	ui_label(&ui, "Vært for ugentlig telefonbank i Aarhus Nord og omegn", r, UI_BODY, 0, UI_FG, UI_LEFT);
	ui_end(&ui);
	const struct ui_cmd *c = NULL;
	for (int i = 0; i < ui.ncmds; i++)
		if (ui.cmds[i].kind == UI_CMD_TEXT)
			c = &ui.cmds[i];
	assert_non_null(c);
	assert_true(c->r.w <= r.w);
	assert_non_null(strstr(c->text, "\xE2\x80\xA6"));
	assert_true(utf8_valid(c->text, strlen(c->text)));
}

static void wrapped_text_stays_inside(void **state)
{
	(void)state;
	ui_init(&ui, measure, NULL);
	ui_begin(&ui, 800, 480);
	struct ui_rect r = {10, 10, 220, 90};
	ui_text_wrapped(&ui, "Jeg giver samtykke til, at Folkebevægelsen Aarhus gemmer mit navn, min "
			     "e-mail og mit postnummer og kontakter mig om frivilligt arbejde.",
			r, UI_BODY, 0, UI_FG, UI_LEFT);
	ui_end(&ui);
	int lines = 0;
	for (int i = 0; i < ui.ncmds; i++) {
		const struct ui_cmd *c = &ui.cmds[i];
		if (c->kind != UI_CMD_TEXT)
			continue;
		lines++;
		assert_true(c->r.x >= r.x && c->r.x + c->r.w <= r.x + r.w);
		assert_true(c->r.y >= r.y && c->r.y + c->r.h <= r.y + r.h);
	}
	assert_true(lines >= 2);
}

static void keyboard_types_nordic_letters(void **state)
{
	(void)state;
	ui_init(&ui, measure, NULL);
	struct ui_keyboard kb = {0};
	const char *langs[] = {"da", "sv"};
	char buf[32] = "";
	struct ui_rect r = {0, 200, 800, 280};
	/* Find the "ø" key in one frame, tap it in the next two. */
	ui_begin(&ui, 800, 480);
	ui_keyboard(&ui, &kb, langs, 2, r, buf, sizeof(buf), 0, "OK");
	ui_end(&ui);
	const char *keys[] = {"\xC3\xB8", "\xC3\xA4", "\xC3\xA5", "s"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct ui_widget *w = ui_find(&ui, keys[i], 1);
		assert_non_null(w);
		struct ui_rect kr = w->r;
		press(kr.x + kr.w / 2, kr.y + kr.h / 2);
		ui_begin(&ui, 800, 480);
		ui_keyboard(&ui, &kb, langs, 2, r, buf, sizeof(buf), 0, "OK");
		ui_end(&ui);
		ui_input_clear(&ui);
		release(kr.x + kr.w / 2, kr.y + kr.h / 2);
		ui_begin(&ui, 800, 480);
		assert_int_equal(ui_keyboard(&ui, &kb, langs, 2, r, buf, sizeof(buf), 0, "OK"), 1);
		ui_end(&ui);
		ui_input_clear(&ui);
	}
	assert_string_equal(buf, "\xC3\xB8\xC3\xA4\xC3\xA5s");
	/* Capitals at the start of a word when asked. */
	char name[16] = "";
	ui_begin(&ui, 800, 480);
	ui_keyboard(&ui, &kb, langs, 2, r, name, sizeof(name), 1, "OK");
	ui_end(&ui);
	assert_non_null(ui_find(&ui, "\xC3\x98", 1)); /* Ø */
	assert_null(ui_find(&ui, "\xC3\xB8", 1));
}

static void edit_is_bounded_and_utf8_safe(void **state)
{
	(void)state;
	ui_init(&ui, measure, NULL);
	char buf[6] = "";
	ui_input_text(&ui, "\xC3\xA6\xC3\xB8\xC3\xA5"); /* æøå: 6 bytes, only 2 letters fit */
	ui_begin(&ui, 800, 480);
	assert_int_equal(ui_edit(&ui, buf, sizeof(buf)), 1);
	ui_end(&ui);
	ui_input_clear(&ui);
	assert_string_equal(buf, "\xC3\xA6\xC3\xB8");
	ui_input_key(&ui, UI_KEY_BACKSPACE, 0);
	ui_begin(&ui, 800, 480);
	ui_edit(&ui, buf, sizeof(buf));
	ui_end(&ui);
	ui_input_clear(&ui);
	assert_string_equal(buf, "\xC3\xA6");
	/* Control characters and invalid bytes are dropped. */
	ui_input_text(&ui, "a\x01\xff" "b");
	ui_begin(&ui, 800, 480);
	ui_edit(&ui, buf, sizeof(buf));
	ui_end(&ui);
	ui_input_clear(&ui);
	assert_string_equal(buf, "\xC3\xA6" "ab");
}

static void modal_blocks_what_is_behind(void **state)
{
	(void)state;
	ui_init(&ui, measure, NULL);
	struct ui_rect behind = {0, 0, 800, 480};
	ui.modal_depth = 1;
	press(5, 5);
	ui_begin(&ui, 800, 480);
	ui_button(&ui, "Behind", behind, UI_PRIMARY);
	ui_confirm(&ui, "Undo this check-in?", "Undo", "Keep");
	ui_end(&ui);
	ui_input_clear(&ui);
	release(5, 5);
	ui_begin(&ui, 800, 480);
	assert_false(ui_button(&ui, "Behind", behind, UI_PRIMARY));
	assert_int_equal(ui_confirm(&ui, "Undo this check-in?", "Undo", "Keep"), -1);
	ui_end(&ui);
	ui_input_clear(&ui);
	assert_null(ui_find(&ui, "Behind", 1));
	const struct ui_widget *yes = ui_find(&ui, "Undo", 1);
	assert_non_null(yes);
	press(yes->r.x + 2, yes->r.y + 2);
	ui_begin(&ui, 800, 480);
	ui_confirm(&ui, "Undo this check-in?", "Undo", "Keep");
	ui_end(&ui);
	ui_input_clear(&ui);
	release(yes->r.x + 2, yes->r.y + 2);
	ui_begin(&ui, 800, 480);
	assert_int_equal(ui_confirm(&ui, "Undo this check-in?", "Undo", "Keep"), 1);
	ui_end(&ui);
}

static void scale_follows_the_screen(void **state)
{
	(void)state;
	ui_init(&ui, measure, NULL);
	ui_begin(&ui, 800, 480);
	assert_int_equal(ui_px(&ui, 48), 48);
	ui_begin(&ui, 1920, 1080);
	assert_int_equal(ui_px(&ui, 48), 108); /* 2.25x */
	ui_begin(&ui, 1024, 600);
	assert_int_equal(ui_px(&ui, 48), 60);
}

static void ceilings_do_not_crash(void **state)
{
	(void)state;
	ui_init(&ui, measure, NULL);
	ui_begin(&ui, 800, 480);
	for (int i = 0; i < UI_MAX_CMDS + 10; i++)
		ui_fill(&ui, (struct ui_rect){0, 0, 1, 1}, UI_FG);
	assert_int_equal(ui.ncmds, UI_MAX_CMDS);
	assert_true(ui.overflow);
	ui_end(&ui);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tap_is_press_and_release_inside),
		cmocka_unit_test(labels_are_recorded_for_scripts),
		cmocka_unit_test(long_text_is_shortened_not_clipped),
		cmocka_unit_test(wrapped_text_stays_inside),
		cmocka_unit_test(keyboard_types_nordic_letters),
		cmocka_unit_test(edit_is_bounded_and_utf8_safe),
		cmocka_unit_test(modal_blocks_what_is_behind),
		cmocka_unit_test(scale_follows_the_screen),
		cmocka_unit_test(ceilings_do_not_crash),
	};
	return RUN_TESTS(tests);
}
