/* Helpers for the cmocka tests: temporary folders, files, and running the sanitizer-built
 * barnstorm binary. Header-only so each test file stays one translation unit. */
#ifndef BARNSTORM_TESTUTIL_H
#define BARNSTORM_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run a group with TAP output so `prove` can aggregate every test file. */
#define RUN_TESTS(tests) \
	(cmocka_set_message_output(CM_OUTPUT_TAP), cmocka_run_group_tests_name(__FILE__, tests, NULL, NULL))

/* A new empty folder under $TMPDIR; the caller removes it with tu_rmtree(). */
static inline char *tu_tempdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[512];
	snprintf(tmpl, sizeof(tmpl), "%s/barnstorm-test.XXXXXX", base && *base ? base : "/tmp");
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

static inline void tu_rmtree(const char *dir)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
}

static inline void tu_write(const char *dir, const char *name, const char *data, size_t len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline void tu_write_str(const char *dir, const char *name, const char *text)
{
	tu_write(dir, name, text, strlen(text));
}

/* The source tree (for assets/), from $BARNSTORM_SRC set by `make test`, else ".". */
static inline const char *tu_src(void)
{
	const char *s = getenv("BARNSTORM_SRC");
	return s && *s ? s : ".";
}

/* Runs the barnstorm binary ($BARNSTORM_BIN) with a shell-quoted argument string; captures
 * stdout+stderr into out[size]; returns the exit status (or -1). */
static inline int tu_run(char *out, size_t size, const char *fmt, ...)
{
	char args[4096], cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	const char *bin = getenv("BARNSTORM_BIN");
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", bin && *bin ? bin : "build/asan/barnstorm", args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
