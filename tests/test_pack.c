#include "testutil.h"

#include "pack.h"
#include "util.h"

static const char GOOD[] =
	"[event]\n"
	"title = Barnstorm Malmö\n"
	"venue = Folkets Park\n"
	"starts = 2026-12-03 19:00\n"
	"ends = 2026-12-03 20:30\n"
	"timezone = Europe/Stockholm\n"
	"languages = sv, en\n"
	"[kiosk]\n"
	"pin = 4821\n"
	"[consent]\n"
	"version = v1\n"
	"sv = Jag samtycker till att\n"
	"  ni kontaktar mig.\n"
	"en = I agree.\n"
	"[segment]\n"
	"title = Välkommen\n"
	"minutes = 5\n"
	"[segment]\n"
	"title = Planen\n"
	"minutes = 20\n"
	"slides = 2-4\n"
	"[role]\n"
	"name = Värd\n"
	"kind = host\n"
	"asks = day, time, place\n"
	"[team]\n"
	"name = Malmö C\n"
	"postcodes = 211 20, 21*\n"
	"qr = https://example.org/t?p={person}\n";

/* Writes event.ini into a fresh pack folder and loads it. */
static char *load_text(const char *text, size_t len, struct pack *p, struct diags *d)
{
	char *dir = tu_tempdir();
	tu_write(dir, "event.ini", text, len);
	diags_init(d);
	pack_load(dir, p, d);
	return dir;
}

/* 1 if some diagnostic has this line and contains text. */
static int has_diag(const struct diags *d, int line, const char *text)
{
	for (int i = 0; i < d->n; i++)
		if ((line < 0 || d->items[i].line == line) && strstr(d->items[i].msg, text))
			return 1;
	return 0;
}

static void dump(const struct diags *d)
{
	for (int i = 0; i < d->n; i++) {
		char line[1500];
		diag_format(&d->items[i], line, sizeof(line));
		fprintf(stderr, "# %s\n", line);
	}
}

static void finish(char *dir, struct pack *p, struct diags *d)
{
	pack_release(p);
	diags_release(d);
	tu_rmtree(dir);
	free(dir);
}

/* The time zone is set once, when the pack loads (before any thread starts), and formatting a
 * time leaves the environment alone: the uploader and printer threads read it concurrently, and
 * switching it back and forth reopened the zone files on every frame. */
static void timezone_set_once_at_load(void **state)
{
	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	struct pack p;
	struct diags d;
	char *dir = load_text(GOOD, sizeof(GOOD) - 1, &p, &d);
	assert_int_equal(d.errors, 0);
	assert_string_equal(getenv("TZ"), "Europe/Stockholm");
	const char *before = getenv("TZ");
	char out[64];
	for (int i = 0; i < 100; i++) {
		assert_int_equal(pack_format_time(&p, p.starts_ms + i * 60000LL, "%H:%M", out,
						  sizeof(out)), 0);
		assert_ptr_equal(getenv("TZ"), before); /* not set again */
	}
	assert_string_equal(out, "20:39"); /* 19:00 + 99 min, in Malmö */
	assert_string_equal(getenv("TZ"), "Europe/Stockholm");
	finish(dir, &p, &d);
}

static void good_pack_loads(void **state)
{
	(void)state;
	struct pack p;
	struct diags d;
	char *dir = load_text(GOOD, strlen(GOOD), &p, &d);
	dump(&d);
	assert_int_equal(d.errors, 0);
	assert_string_equal(p.title, "Barnstorm Malmö");
	assert_int_equal(p.nlangs, 2);
	assert_string_equal(p.langs[0], "sv");
	/* 19:00 in Stockholm in December is 18:00 UTC. */
	assert_int_equal(p.starts_ms, 1796320800000LL);
	assert_int_equal(p.ends_ms - p.starts_ms, 90 * 60 * 1000);
	assert_string_equal(p.consent.text[0], "Jag samtycker till att ni kontaktar mig.");
	assert_string_equal(pack_text_get(&p, &p.consent, "en"), "I agree.");
	assert_int_equal(p.nsegments, 2);
	assert_int_equal(p.segments[1].line, 18);
	assert_int_equal(p.segments[1].slide_first, 2);
	assert_int_equal(p.segments[1].slide_last, 4);
	assert_int_equal(p.roles[0].kind, ROLE_HOST);
	assert_int_equal(p.roles[0].nasks, 3);
	assert_int_equal(p.teams[0].npostcodes, 2);
	assert_string_equal(p.teams[0].postcodes[1], "21*");
	assert_string_equal(p.event_id, "barnstorm-malmo-2026-12-03");
	assert_int_equal(p.print_width, 384);
	assert_int_equal(p.host_target_min, 70);
	finish(dir, &p, &d);
}

static void demo_pack_is_ready(void **state)
{
	(void)state;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/assets/demo", tu_src());
	struct pack p;
	struct diags d;
	diags_init(&d);
	assert_int_equal(pack_load(dir, &p, &d), 0);
	dump(&d);
	assert_int_equal(d.errors + d.warnings, 0);
	int minutes = 0;
	for (int i = 0; i < p.nsegments; i++)
		minutes += p.segments[i].minutes;
	assert_int_equal(minutes, 90);
	assert_true(p.nroles >= 3);
	assert_true(p.nteams >= 3);
	assert_non_null(p.consent.text[pack_lang_index(&p, "da")]);
	assert_non_null(p.consent.text[pack_lang_index(&p, "en")]);
	pack_release(&p);
	diags_release(&d);
}

/* Each broken pack: the problem is named on its line. */
static void mistakes_are_named_with_lines(void **state)
{
	(void)state;
	static const struct {
		const char *ini;
		int line;
		const char *msg;
	} cases[] = {
		{"[event]\ncolour = red\n", 2, "unknown key 'colour' in [event]"},
		{"[evnet]\ntitle = x\n", 1, "unknown section [evnet]"},
		{"[event]\ntitle = x\n[segment]\ntitle = A\nminutes = lots\n", 5, "whole number"},
		/* At the line of the key that is wrong, not the section's. */
		{"[event]\ntitle = x\nstarts = 2026-12-03 19:00\nends = 2026-12-03 18:00\ntimezone = UTC\n",
		 4, "is not after starts"},
		{"[event]\nvenue = x\n", 1, "has no title"},
		{"[event]\ntitle = x\n[kiosk]\npin = 12\n", 4, "4 to 12 digits"},
		{"[event]\ntitle = x\n[role]\nname = Boss\nkind = boss\n", 5, "unknown role kind 'boss'"},
		{"[event]\ntitle = x\n[segment]\nminutes = 5\n", 3, "[segment] has no title"},
		{"[event]\ntitle = x\ntitle = y\n", 3, "given twice"},
		{"[event]\ntitle = x\n[event]\nvenue = y\n", 3, "appears twice"},
		{"[event]\ntitle = x\nstarts = 3/12 2026\n", 3, "date and time"},
		{"[event]\ntitle = x\ntimezone = Mars/Olympus\n", 3, "unknown timezone"},
		{"[event]\ntitle = x\nlanguages = da, fi\n", 3, "language 'fi' is not available"},
		{"[event]\ntitle = x\n[role]\nname = A\nasks = shoe size\n", 5, "cannot ask for 'shoe size'"},
		{"[event]\ntitle = x\n[print]\nprinter = lpt1\n", 4, "not a device path"},
		{"[event]\ntitle = x\n[print]\nwidth = 385\n", 4, "multiple of 8"},
		{"[event]\ntitle = x\n[upload]\nkind = ftp\n", 4, "unknown upload kind 'ftp'"},
		{"[event]\ntitle = x\n[team]\nname = A\npostcodes = 80x0\n", 5, "not a postcode"},
		{"[event]\ntitle = x\n[segment]\ntitle = A\nminutes = 5\nslides = 4-2\n", 6, "page or a range"},
		{"title = x\n", 1, "outside any section"},
		{"[event]\ntitle = x\n[kiosk]\nrotate = 45\n", 4, "0, 90, 180 or 270"},
		{"[event]\ntitle = x\n[segment]\n", 3, "[segment] is empty"},
		{"[event]\ntitle = x\nthis line has no equals sign\n", 3, "cannot read this line"},
		{"[event]\ntitle = x\n[stations]\nkey = secretsecret\n", 4, "64 hex digits"},
		{"[event]\ntitle = x\n[stations]\nlisten = everywhere\n", 4, "ADDR:PORT"},
		{"[event]\ntitle = x\n[stations]\npeers = 10.0.0.2:7420, door two:7420\n", 4,
		 "'door' in 'peers' is not HOST:PORT"},
		{"[event]\ntitle = x\n[stations]\npeers = 10.0.0.2:99999\n", 4, "not HOST:PORT"},
		{"[event]\ntitle = x\n[stations]\nhost = a\n", 4, "unknown key 'host' in [stations]"},
		{"[event]\ntitle = x\n[stations]\ndiscover = maybe\n", 4,
		 "'discover' must be yes or no (find this room's stations on the network by "
		 "themselves), not 'maybe'"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pack p;
		struct diags d;
		char *dir = load_text(cases[i].ini, strlen(cases[i].ini), &p, &d);
		if (!has_diag(&d, cases[i].line, cases[i].msg)) {
			fprintf(stderr, "# case %zu: expected line %d: %s\n", i, cases[i].line, cases[i].msg);
			dump(&d);
			fail();
		}
		assert_true(d.errors > 0);
		finish(dir, &p, &d);
	}
}

/* A refused value is one mistake: its own message, not also "has no minutes". */
static void one_message_per_mistake(void **state)
{
	(void)state;
	static const char INI[] = "[event]\ntitle = x\n[segment]\ntitle = A\nminutes = ten\n";
	struct pack p;
	struct diags d;
	char *dir = load_text(INI, sizeof(INI) - 1, &p, &d);
	int about_minutes = 0;
	for (int i = 0; i < d.n; i++)
		if (strstr(d.items[i].msg, "minutes"))
			about_minutes++;
	if (about_minutes != 1)
		dump(&d);
	assert_int_equal(about_minutes, 1);
	assert_true(has_diag(&d, 5, "whole number"));
	finish(dir, &p, &d);
}

/* The room's key is a secret like the PIN: a bad one is named by its line, never quoted. */
static void stations_key_is_never_echoed(void **state)
{
	(void)state;
	static const char INI[] = "[event]\ntitle = x\n[stations]\nkey = 0123456789abcdefXYZ\n";
	struct pack p;
	struct diags d;
	char *dir = load_text(INI, sizeof(INI) - 1, &p, &d);
	assert_true(has_diag(&d, 4, "64 hex digits"));
	for (int i = 0; i < d.n; i++)
		assert_null(strstr(d.items[i].msg, "0123456789abcdef"));
	assert_null(p.stations_key);
	finish(dir, &p, &d);
	static const char OK[] = "[event]\ntitle = x\n[stations]\n"
		"key = 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
		"peers = 192.168.8.11:7420,door2.local:7420\n";
	dir = load_text(OK, sizeof(OK) - 1, &p, &d);
	assert_non_null(p.stations_key);
	assert_int_equal(p.nstation_peers, 2);
	assert_string_equal(p.station_peers[1], "door2.local:7420");
	assert_int_equal(p.stations_discover, 1);  /* finding the room is the default */
	finish(dir, &p, &d);
	static const char OFF[] = "[event]\ntitle = x\n[stations]\n"
		"key = 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
		"discover = no\npeers = 192.168.8.11:7420\n";
	dir = load_text(OFF, sizeof(OFF) - 1, &p, &d);
	for (int i = 0; i < d.n; i++)
		assert_null(strstr(d.items[i].msg, "discover"));
	assert_int_equal(p.stations_discover, 0);
	finish(dir, &p, &d);
}

static void pin_is_never_echoed(void **state)
{
	(void)state;
	struct pack p;
	struct diags d;
	char *dir = load_text("[kiosk]\npin = 12a456\n", 21, &p, &d);
	for (int i = 0; i < d.n; i++)
		assert_null(strstr(d.items[i].msg, "12a456"));
	assert_true(has_diag(&d, 2, "4 to 12 digits"));
	finish(dir, &p, &d);
}

static void bom_and_crlf_are_fine(void **state)
{
	(void)state;
	char buf[4096];
	size_t o = 0;
	memcpy(buf, "\xEF\xBB\xBF", 3);
	o = 3;
	for (const char *s = GOOD; *s; s++) {
		if (*s == '\n')
			buf[o++] = '\r';
		buf[o++] = *s;
	}
	struct pack p;
	struct diags d;
	char *dir = load_text(buf, o, &p, &d);
	dump(&d);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 0);
	assert_string_equal(p.title, "Barnstorm Malmö");
	finish(dir, &p, &d);
}

static void windows_1252_is_read_with_a_warning(void **state)
{
	(void)state;
	/* "Malmö" in Windows-1252 is 4D 61 6C 6D F6. */
	char *text = xstrdup(GOOD);
	char *o = strstr(text, "Malm\xC3\xB6");
	/* Re-encode the whole file: replace each "ö" (C3 B6) by F6, "ä" (C3 A4) by E4. */
	size_t n = 0;
	for (size_t i = 0; text[i]; i++) {
		if ((unsigned char)text[i] == 0xC3 && (unsigned char)text[i + 1] == 0xB6) {
			text[n++] = (char)0xF6;
			i++;
		} else if ((unsigned char)text[i] == 0xC3 && (unsigned char)text[i + 1] == 0xA4) {
			text[n++] = (char)0xE4;
			i++;
		} else {
			text[n++] = text[i];
		}
	}
	(void)o;
	struct pack p;
	struct diags d;
	char *dir = load_text(text, n, &p, &d);
	assert_int_equal(d.errors, 0);
	assert_true(has_diag(&d, 2, "Windows-1252"));
	assert_string_equal(p.title, "Barnstorm Malmö");
	free(text);
	finish(dir, &p, &d);
}

static void huge_line_and_binary(void **state)
{
	(void)state;
	size_t big = 10u << 20;
	char *text = xmalloc(big + 64);
	size_t o = (size_t)snprintf(text, 64, "[event]\ntitle = ");
	memset(text + o, 'x', big);
	o += big;
	memcpy(text + o, "\nvenue = v\n", 11);
	o += 11;
	struct pack p;
	struct diags d;
	char *dir = load_text(text, o, &p, &d);
	assert_true(has_diag(&d, 2, "characters long"));
	finish(dir, &p, &d);
	free(text);

	dir = load_text("[event]\ntitle = a\0b\n", 20, &p, &d);
	assert_true(has_diag(&d, -1, "NUL bytes"));
	finish(dir, &p, &d);
}

static void missing_and_unreadable(void **state)
{
	(void)state;
	struct pack p;
	struct diags d;
	diags_init(&d);
	assert_int_equal(pack_load("/nonexistent/pack", &p, &d), -1);
	assert_true(has_diag(&d, 0, "cannot open the pack folder"));
	pack_release(&p);
	diags_release(&d);

	char *dir = tu_tempdir();
	diags_init(&d);
	assert_int_equal(pack_load(dir, &p, &d), -1);
	assert_true(has_diag(&d, 0, "event.ini"));
	pack_release(&p);
	diags_release(&d);

	char file[1024];
	snprintf(file, sizeof(file), "%s/event.ini", dir);
	tu_write_str(dir, "event.ini", GOOD);
	diags_init(&d);
	assert_int_equal(pack_load(file, &p, &d), -1);
	assert_true(has_diag(&d, 0, "is not a folder"));
	pack_release(&p);
	diags_release(&d);
	tu_rmtree(dir);
	free(dir);
}

static void required_sections(void **state)
{
	(void)state;
	struct pack p;
	struct diags d;
	char *dir = load_text("[event]\ntitle = x\n", 18, &p, &d);
	assert_true(has_diag(&d, -1, "no PIN"));
	assert_true(has_diag(&d, -1, "no [consent] section"));
	assert_true(has_diag(&d, -1, "has no starts"));
	assert_true(has_diag(&d, -1, "has no timezone"));
	finish(dir, &p, &d);
}

static void duration_of_every_section_list(void **state)
{
	(void)state;
	/* 70 segments: the first 64 are kept, then one error. */
	char *text = xmalloc(70 * 40 + 64);
	size_t o = (size_t)snprintf(text, 64, "[event]\ntitle = x\n");
	for (int i = 0; i < 70; i++)
		o += (size_t)snprintf(text + o, 40, "[segment]\ntitle = S%d\nminutes = 1\n", i);
	struct pack p;
	struct diags d;
	char *dir = load_text(text, o, &p, &d);
	assert_int_equal(p.nsegments, PACK_MAX_SEGMENTS);
	assert_true(has_diag(&d, -1, "more than 64 [segment]"));
	free(text);
	finish(dir, &p, &d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_pack_loads),
		cmocka_unit_test(timezone_set_once_at_load),
		cmocka_unit_test(one_message_per_mistake),
		cmocka_unit_test(stations_key_is_never_echoed),
		cmocka_unit_test(demo_pack_is_ready),
		cmocka_unit_test(mistakes_are_named_with_lines),
		cmocka_unit_test(pin_is_never_echoed),
		cmocka_unit_test(bom_and_crlf_are_fine),
		cmocka_unit_test(windows_1252_is_read_with_a_warning),
		cmocka_unit_test(huge_line_and_binary),
		cmocka_unit_test(missing_and_unreadable),
		cmocka_unit_test(required_sections),
		cmocka_unit_test(duration_of_every_section_list),
	};
	return RUN_TESTS(tests);
}
