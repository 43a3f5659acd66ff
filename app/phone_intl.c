#include "phone_intl.h"
#include "util.h"

#include <string.h>

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int phone_intl(const char *stored, char *out, int size)
{
	size_t n = strlen(stored);
	int rc;
	if (all_digits(stored) && n == 8 && stored[0] != '0')
		rc = str_fmt(out, (size_t)size, "+45%s", stored);
	else if (all_digits(stored) && stored[0] == '0' && n >= 8 && n <= 10)
		rc = str_fmt(out, (size_t)size, "+46%s", stored + 1);
	else
		rc = str_copy(out, (size_t)size, stored);
	if (rc < 0) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}
