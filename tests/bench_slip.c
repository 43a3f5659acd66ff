/* How long one slip takes to lay out and encode (layout + QR + ESC/POS), and how many bytes it
 * sends, at 58 mm (384 dots) and 80 mm (576 dots). Prints figures; asserts nothing. */
#include "escpos.h"
#include "slip.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Benchmarks may read the clock directly (DESIGN.md: app code uses clock.h). */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	const struct slip_content c = {
		.title = "Barnstorm Aarhus",
		.first_name = "Søren",
		.commitment = "commits to:\nVært for ugentlig telefonbank",
		.team = "Hold: Aarhus C",
		.details = "Tirsdag 19:00, Folkets Hus\nTag en oplader med",
		.link = "https://example.org/join/aarhus-c?ref=0b6f3c1e-7d2a-4c61-9a55-1f0e2b3c4d5e",
		.scan_hint = "Scan med din telefon",
		.link_hint = "Åbn dette link:",
		.date = "2026-12-03",
	};
	const int widths[2] = {384, 576};
	const int n = 200;
	for (int w = 0; w < 2; w++) {
		double t0 = now_s();
		struct slip *sl = slip_open(widths[w]);
		if (!sl)
			die("%s", err_msg());
		double t_open = now_s() - t0;
		size_t bytes = 0;
		int height = 0;
		t0 = now_s();
		for (int i = 0; i < n; i++) {
			struct slip_raster r;
			if (slip_render(sl, &c, &r, NULL) < 0)
				die("%s", err_msg());
			size_t len;
			uint8_t *job = escpos_encode(&r, 4, &len);
			bytes = len;
			height = r.height;
			free(job);
			slip_raster_release(&r);
		}
		double per = (now_s() - t0) / n;
		slip_close(sl);
		printf("slip %d dots: %.2f ms per slip (layout + QR + ESC/POS, mean of %d), "
		       "%zu bytes per slip, %d dots tall (%.0f mm); fonts opened in %.1f ms\n",
		       widths[w], per * 1000.0, n, bytes, height, height / 8.0, t_open * 1000.0);
	}
	return 0;
}
