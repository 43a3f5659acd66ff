#include "testutil.h"

#include "clock.h"
#include "escpos.h"
#include "pack.h"
#include "printer.h"
#include "printq.h"
#include "slip.h"
#include "store.h"
#include "teams.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#define T0 1796320800000LL

/* A printer on 127.0.0.1 run by the test: it accepts one connection and reads the job. */
enum listen_mode {
	L_READ,      /* reads everything, answers status requests "all fine" */
	L_SILENT,    /* reads everything, never answers */
	L_PAPER_OUT, /* answers status requests "paper out" */
	L_STALL,     /* answers the first status request, reads 1000 bytes, then stops reading */
};

struct listener {
	enum listen_mode mode;
	int fd, port;
	pthread_t thread;
	int stop_pipe[2];
	uint8_t *got;
	size_t n, cap;
};

static void answer_status(struct listener *l, int conn, const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (buf[i] != 0x10 || buf[i + 1] != 0x04)
			continue;
		uint8_t r = 0x12;
		if (l->mode == L_PAPER_OUT)
			r = buf[i + 2] == 1 ? 0x1a : buf[i + 2] == 2 ? 0x32 : 0x72;
		assert_int_equal(send(conn, &r, 1, MSG_NOSIGNAL), 1);
	}
}

static void *listen_run(void *arg)
{
	struct listener *l = arg;
	int conn = accept(l->fd, NULL, NULL);
	if (conn < 0)
		return NULL;
	int answered = 0;
	while (1) {
		struct pollfd p[2] = {{conn, POLLIN, 0}, {l->stop_pipe[0], POLLIN, 0}};
		int stalled = l->mode == L_STALL && l->n >= 1000;
		if (poll(p + (stalled ? 1 : 0), stalled ? 1 : 2, 10000) <= 0)
			break;
		if (p[1].revents)
			break;
		uint8_t buf[65536];
		size_t want = sizeof(buf);
		if (l->mode == L_STALL && answered)
			want = 1000 - (l->n < 1000 ? l->n : 1000) + 1;
		ssize_t r = read(conn, buf, want);
		if (r <= 0)
			break;
		if (l->n + (size_t)r > l->cap) {
			l->cap = (l->n + (size_t)r) * 2;
			l->got = realloc(l->got, l->cap);
		}
		memcpy(l->got + l->n, buf, (size_t)r);
		l->n += (size_t)r;
		if (l->mode == L_READ || l->mode == L_PAPER_OUT || (l->mode == L_STALL && !answered)) {
			answer_status(l, conn, buf, (size_t)r);
			answered = 1;
		}
	}
	close(conn);
	return NULL;
}

static void listen_start(struct listener *l, enum listen_mode mode)
{
	memset(l, 0, sizeof(*l));
	l->mode = mode;
	l->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l->fd >= 0);
	if (mode == L_STALL) {
		int small = 4096;
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l->fd, 4), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(l->fd, (struct sockaddr *)&a, &len), 0);
	l->port = ntohs(a.sin_port);
	assert_int_equal(pipe(l->stop_pipe), 0);
	assert_int_equal(pthread_create(&l->thread, NULL, listen_run, l), 0);
}

static void listen_stop(struct listener *l)
{
	assert_int_equal(write(l->stop_pipe[1], "x", 1), 1);
	shutdown(l->fd, SHUT_RDWR);
	pthread_join(l->thread, NULL);
	close(l->fd);
	close(l->stop_pipe[0]);
	close(l->stop_pipe[1]);
	free(l->got);
}

static char *slurp(const char *path, size_t *len)
{
	char *d = file_read(path, 64u << 20, len);
	assert_non_null(d);
	return d;
}

static void file_target_appends_exact_bytes(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char target[600], path[600];
	snprintf(path, sizeof(path), "%s/out.bin", dir);
	snprintf(target, sizeof(target), "file:%s", path);
	const uint8_t a[] = {0x1b, '@', 0, 1, 2}, b[] = {0x1d, 'V', 66, 0};
	assert_int_equal(printq_send(target, a, sizeof(a), 1000), 0);
	assert_int_equal(printq_send(target, b, sizeof(b), 1000), 0);
	size_t len;
	char *d = slurp(path, &len);
	assert_int_equal(len, sizeof(a) + sizeof(b));
	assert_memory_equal(d, a, sizeof(a));
	assert_memory_equal(d + sizeof(a), b, sizeof(b));
	free(d);
	snprintf(target, sizeof(target), "file:%s/no/such/dir/x", dir);
	assert_int_equal(printq_send(target, a, sizeof(a), 1000), -1);
	char want[700];
	snprintf(want, sizeof(want), "printer '%s': no such file or directory", target);
	assert_string_equal(err_msg(), want);
	tu_rmtree(dir);
	free(dir);
}

static void targets_checked(void **state)
{
	(void)state;
	assert_int_equal(printer_check_target("/dev/usb/lp0"), 0);
	assert_int_equal(printer_check_target("tcp://10.0.0.5:9100"), 0);
	assert_int_equal(printer_check_target("tcp://printer.local"), 0);
	assert_int_equal(printer_check_target("tcp://[::1]:9100"), 0);
	assert_int_equal(printer_check_target("cups:Receipt_58"), 0);
	assert_int_equal(printer_check_target("file:/tmp/x"), 0);
	assert_int_equal(printer_check_target("tcp://10.0.0.5:99999"), -1);
	assert_string_equal(err_msg(), "printer 'tcp://10.0.0.5:99999': port '99999' is not a "
				       "number from 1 to 65535");
	assert_int_equal(printer_check_target("tcp://:9100"), -1);
	assert_int_equal(printer_check_target("cups:bad queue"), -1);
	assert_int_equal(printer_check_target("lp0"), -1);
	assert_non_null(strstr(err_msg(), "unknown kind of printer"));
	assert_int_equal(printer_check_target("file:"), -1);
	assert_null(printer_open("/dev/no-such-printer", 100));
	assert_string_equal(err_msg(), "printer '/dev/no-such-printer': no such file or directory "
				       "(is it plugged in and switched on?)");
}

static void tcp_job_arrives(void **state)
{
	(void)state;
	struct listener l;
	listen_start(&l, L_READ);
	char target[64];
	snprintf(target, sizeof(target), "tcp://127.0.0.1:%d", l.port);
	struct slip_raster r;
	slip_raster_init(&r, 384, 300);
	slip_raster_set(&r, 5, 5);
	size_t len;
	uint8_t *job = escpos_encode(&r, 3, &len);
	assert_int_equal(printq_send(target, job, len, 2000), 0);
	/* The listener sees: status request, the job, status request again. */
	pthread_join(l.thread, NULL);
	assert_int_equal(l.n, 2 * ESCPOS_STATUS_REQ_LEN + len);
	assert_memory_equal(l.got, escpos_status_req, ESCPOS_STATUS_REQ_LEN);
	assert_memory_equal(l.got + ESCPOS_STATUS_REQ_LEN, job, len);
	close(l.fd);
	close(l.stop_pipe[0]);
	close(l.stop_pipe[1]);
	free(l.got);
	free(job);
	slip_raster_release(&r);
}

static void tcp_silent_printer_still_prints(void **state)
{
	(void)state;
	struct listener l;
	listen_start(&l, L_SILENT);
	char target[64];
	snprintf(target, sizeof(target), "tcp://127.0.0.1:%d", l.port);
	const uint8_t job[] = {0x1b, '@', 0x1b, 'd', 3};
	assert_int_equal(printq_send(target, job, sizeof(job), 200), 0);
	pthread_join(l.thread, NULL);
	assert_int_equal(l.n, ESCPOS_STATUS_REQ_LEN + sizeof(job));
	close(l.fd);
	close(l.stop_pipe[0]);
	close(l.stop_pipe[1]);
	free(l.got);
}

static void tcp_paper_out(void **state)
{
	(void)state;
	struct listener l;
	listen_start(&l, L_PAPER_OUT);
	char target[64], want[128];
	snprintf(target, sizeof(target), "tcp://127.0.0.1:%d", l.port);
	const uint8_t job[] = {0x1b, '@'};
	assert_int_equal(printq_send(target, job, sizeof(job), 2000), -1);
	snprintf(want, sizeof(want), "printer '%s': paper out", target);
	assert_string_equal(err_msg(), want);
	listen_stop(&l);
}

static void tcp_refused_and_stalled(void **state)
{
	(void)state;
	/* A port nobody listens on. */
	struct listener l;
	listen_start(&l, L_READ);
	int port = l.port;
	listen_stop(&l);
	char target[64], want[128];
	snprintf(target, sizeof(target), "tcp://127.0.0.1:%d", port);
	assert_null(printer_open(target, 500));
	snprintf(want, sizeof(want), "printer '%s': connection refused", target);
	assert_string_equal(err_msg(), want);

	/* A printer that stops taking bytes: the write times out instead of hanging. */
	listen_start(&l, L_STALL);
	snprintf(target, sizeof(target), "tcp://127.0.0.1:%d", l.port);
	struct printer *pr = printer_open(target, 1000);
	assert_non_null(pr);
	size_t big = 32u << 20;
	uint8_t *junk = calloc(1, big);
	assert_int_equal(printer_write(pr, junk, big, 200), -1);
	assert_non_null(strstr(err_msg(), "timed out"));
	assert_non_null(strstr(err_msg(), target));
	printer_close(pr, 0);
	free(junk);
	listen_stop(&l);
}

static void cups_without_queue_fails_clearly(void **state)
{
	(void)state;
	const uint8_t job[] = {0x1b, '@'};
	/* Whether or not cups-client is installed here, there is no such queue and no scheduler
	 * for it: lp fails and its message is kept. */
	assert_int_equal(printq_send("cups:barnstorm-test-none", job, sizeof(job), 5000), -1);
	assert_non_null(strstr(err_msg(), "printer 'cups:barnstorm-test-none': lp"));
}

/* The print queue end to end: commitments in a store, slips through file: and tcp:, decoded
 * back and read with zbarimg. */

struct world {
	char *dir;
	char target[700];
	struct store *s;
	struct clock c;
	struct pack *p;
};

static void world_init(struct world *w, const char *target_fmt, int port)
{
	memset(w, 0, sizeof(*w));
	w->dir = tu_tempdir();
	if (port)
		snprintf(w->target, sizeof(w->target), target_fmt, port);
	else
		snprintf(w->target, sizeof(w->target), target_fmt, w->dir);
	w->s = store_open(w->dir);
	assert_non_null(w->s);
	clock_init_fake(&w->c, T0);
	struct pack *p = calloc(1, sizeof(*p));
	p->title = "Barnstorm Malmö";
	p->event_id = "malmo-2026";
	p->starts_text = "2026-12-05 13:00";
	str_copy(p->langs[0], sizeof(p->langs[0]), "sv");
	p->nlangs = 1;
	p->roles[0] = (struct pack_role){.name = "Lagledare", .kind = ROLE_LEADER};
	p->roles[1] = (struct pack_role){.name = "Värd för telefonbank", .kind = ROLE_HOST,
					 .asks = {ASK_DAY, ASK_TIME, ASK_PLACE}, .nasks = 3};
	p->nroles = 2;
	p->teams[0] = (struct pack_team){.name = "Malmö Väster", .postcodes = {"21*"},
					 .npostcodes = 1,
					 .qr = "https://chat.example.se/join/MalmoV?p={person}&r={role}"};
	p->teams[1] = (struct pack_team){.name = "Lund", .postcodes = {"22*"}, .npostcodes = 1,
					 .qr = "https://example.se/Lund/{first_name}/{event}"};
	p->nteams = 2;
	p->printer = w->target;
	p->print_width = 384;
	w->p = p;
}

static void world_release(struct world *w)
{
	store_close(w->s);
	tu_rmtree(w->dir);
	free(w->dir);
	free(w->p);
}

static int64_t add_commitment(struct world *w, const char *first, const char *last, int role,
			      int team, char *link, size_t linksize)
{
	char uuid[37];
	uuid_v4(uuid);
	assert_int_equal(store_tx_begin(w->s), 0);
	struct store_stmt *st = store_stmt(w->s,
		"INSERT INTO person(uuid, first_name, last_name, lang, source, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, 'sv', 'walkin', 1, 1)");
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, first);
	store_bind_text(st, 3, last);
	assert_int_equal(store_step(st), STORE_DONE);
	store_reset(st);
	int64_t pid = store_last_id(w->s);
	assert_int_equal(store_tx_commit(w->s), 0);
	struct commit_details d = {"tisdag", "18:30", "Folkets Park", ""};
	int64_t id;
	assert_int_equal(teams_commit_add(w->s, &w->c, w->p, pid, role, team,
					  role == 1 ? &d : NULL, &id), 0);
	struct commitment cm;
	assert_int_equal(teams_commit_get(w->s, w->p, id, &cm), 0);
	assert_int_equal(teams_link(w->p, &cm, link, (int)linksize), 0);
	return id;
}

static void labels_sv(void *ctx, const char *lang, struct slip_labels *out)
{
	int *calls = ctx;
	(*calls)++;
	assert_string_equal(lang, "sv");
	static const char *const days[7] = {"måndag", "tisdag", "onsdag", "torsdag", "fredag",
					    "lördag", "söndag"};
	out->commits_to = "åtar sig:";
	out->team = "Lag:";
	out->scan = "Skanna med telefonen";
	for (int i = 0; i < 7; i++)
		out->weekdays[i] = days[i];
}

/* Waits (bounded) until the queue has finished n jobs either way. */
static void wait_done(struct printq *q, int printed, int failed, struct printq_status *st)
{
	for (int i = 0; i < 2000; i++) {
		printq_status(q, st);
		if (st->printed >= printed && st->failed >= failed && !st->printing && st->queued == 0)
			return;
		usleep(10000);
	}
	fail_msg("print queue did not finish: printed %d failed %d queued %d", st->printed,
		 st->failed, st->queued);
}

static int raster_dark(const void *r, int x, int y)
{
	return slip_raster_get(r, x, y);
}

/* The QR code in a raster as zbarimg reads it (without the trailing newline), and its status. */
static int zbar_raster(const struct slip_raster *r, char *out, size_t size)
{
	return tu_zbar_bitmap(r->width, r->height, raster_dark, r, out, size);
}

static void queue_prints_to_file_and_codes_scan(void **state)
{
	(void)state;
	int widths[2] = {384, 576};
	for (int wi = 0; wi < 2; wi++) {
		struct world w;
		world_init(&w, "file:%s/slips.bin", 0);
		char links[3][TEAMS_LINK_MAX];
		add_commitment(&w, "Åsa", "Öberg", 1, 0, links[0], sizeof(links[0]));
		add_commitment(&w, "Liam", "Nilsson", 0, 1, links[1], sizeof(links[1]));
		add_commitment(&w, "Märta-Lovisa", "", 1, 1, links[2], sizeof(links[2]));
		int calls = 0;
		struct printq_config cfg = {.data_dir = w.dir, .pack = w.p, .width = widths[wi],
					    .timeout_ms = 2000, .clock = &w.c, .labels = labels_sv,
					    .labels_ctx = &calls};
		struct printq *q = printq_open(&cfg);
		assert_non_null(q);
		printq_kick(q);
		struct printq_status st;
		wait_done(q, 3, 0, &st);
		assert_int_equal(st.printed, 3);
		assert_int_equal(st.failed, 0);
		assert_string_equal(st.last_error, "");
		printq_close(q);
		assert_int_equal(calls, 3);
		assert_int_equal(store_query_int(w.s, "SELECT count(*) FROM print_job WHERE state ="
					       " 'printed' AND printed_at = 1796320800000"), 3);
		/* Three jobs in one file, one after the other: split at each ESC @. */
		size_t len;
		char *data = slurp(w.target + 5, &len);
		size_t starts[4], ns = 0;
		for (size_t i = 0; i + 1 < len && ns < 4; i++)
			if (data[i] == 0x1b && data[i + 1] == '@' &&
			    (i == 0 || (data[i - 4] == 0x1d && data[i - 3] == 'V')))
				starts[ns++] = i;
		assert_int_equal(ns, 3);
		starts[3] = len;
		for (int j = 0; j < 3; j++) {
			struct slip_raster r;
			assert_int_equal(escpos_decode_raster((uint8_t *)data + starts[j],
							      starts[j + 1] - starts[j], &r), 0);
			assert_int_equal(r.width, widths[wi]);
			char got[TEAMS_LINK_MAX];
			assert_int_equal(zbar_raster(&r, got, sizeof(got)), 0);
			size_t gl = strlen(got);
			if (gl && got[gl - 1] == '\n')
				got[gl - 1] = '\0';
			assert_string_equal(got, links[j]);
			slip_raster_release(&r);
		}
		free(data);
		world_release(&w);
	}
}

static void failed_job_is_kept_and_retried(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, "file:%s/later/slips.bin", 0);
	char link[TEAMS_LINK_MAX];
	int64_t cid = add_commitment(&w, "Nils", "Holm", 0, 0, link, sizeof(link));
	/* The commitment is stored whatever the printer does. */
	assert_int_equal(store_query_int(w.s, "SELECT count(*) FROM commitment"), 1);
	struct printq_config cfg = {.data_dir = w.dir, .pack = w.p, .timeout_ms = 500,
				    .clock = &w.c};
	struct printq *q = printq_open(&cfg);
	assert_non_null(q);
	printq_kick(q);
	struct printq_status st;
	wait_done(q, 0, 1, &st);
	assert_non_null(strstr(st.last_error, "no such file or directory"));
	assert_non_null(strstr(st.last_error, w.target));
	assert_int_equal(st.last_error_job, 1);
	assert_int_equal(store_query_int(w.s, "SELECT count(*) FROM print_job WHERE state = "
				       "'failed' AND attempts = 1 AND last_error LIKE '%no such%'"), 1);
	/* Fix the printer, retry this job. */
	char later[800];
	snprintf(later, sizeof(later), "%s/later", w.dir);
	assert_int_equal(mkdir(later, 0700), 0);
	printq_retry(q, 1);
	for (int i = 0; i < 2000; i++) {
		printq_status(q, &st);
		if (st.printed == 1)
			break;
		usleep(10000);
	}
	assert_int_equal(st.printed, 1);
	printq_close(q);
	assert_int_equal(store_query_int(w.s, "SELECT attempts FROM print_job WHERE state = "
				       "'printed'"), 2);
	(void)cid;
	world_release(&w);
}

static void queue_paper_out_and_stall_keep_jobs(void **state)
{
	(void)state;
	enum listen_mode modes[2] = {L_PAPER_OUT, L_STALL};
	const char *want[2] = {"paper out", "stalled"};
	for (int m = 0; m < 2; m++) {
		struct listener l;
		listen_start(&l, modes[m]);
		struct world w;
		world_init(&w, "tcp://127.0.0.1:%d", l.port);
		char link[TEAMS_LINK_MAX];
		add_commitment(&w, "Ebba", "Ek", 1, 0, link, sizeof(link));
		/* Long enough for a loaded machine to answer; the stall costs it once. */
		struct printq_config cfg = {.data_dir = w.dir, .pack = w.p,
					    .timeout_ms = m == 0 ? 3000 : 1000, .clock = &w.c};
		struct printq *q = printq_open(&cfg);
		assert_non_null(q);
		printq_kick(q);
		struct printq_status st;
		wait_done(q, 0, 1, &st);
		assert_non_null(strstr(st.last_error, want[m]));
		assert_int_equal(st.printed, 0);
		printq_close(q);
		assert_int_equal(store_query_int(w.s, "SELECT count(*) FROM print_job WHERE state ="
					       " 'failed'"), 1);
		assert_int_equal(store_query_int(w.s, "SELECT count(*) FROM commitment"), 1);
		listen_stop(&l);
		world_release(&w);
	}
}

/* Slips still print when the link is too long for a QR code (as text) or the template is bad
 * (without a code). */
static void render_falls_back(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, "file:%s/x", 0);
	char link[TEAMS_LINK_MAX];
	int64_t id = add_commitment(&w, "Åke", "", 1, 0, link, sizeof(link));
	struct commitment cm;
	assert_int_equal(teams_commit_get(w.s, w.p, id, &cm), 0);
	struct slip *sl = slip_open(384);
	struct slip_labels lb = {0};
	struct slip_raster r;
	int as_text = -1;
	char *tmpl = malloc(2100);
	memcpy(tmpl, "https://example.se/", 19);
	memset(tmpl + 19, 'q', 2000);
	memcpy(tmpl + 2019, "{person}", 9);
	w.p->teams[0].qr = tmpl;
	assert_int_equal(printq_render(sl, w.p, &cm, &lb, T0, &r, &as_text), 0);
	assert_int_equal(as_text, 1);
	slip_raster_release(&r);
	w.p->teams[0].qr = "https://example.se/{persn}";
	assert_int_equal(printq_render(sl, w.p, &cm, &lb, T0, &r, &as_text), 0);
	assert_int_equal(as_text, 0);
	char got[64];
	assert_int_not_equal(zbar_raster(&r, got, sizeof(got)), 0);
	assert_true(r.height > 100);
	slip_raster_release(&r);
	free(tmpl);
	slip_close(sl);
	world_release(&w);
}

static void no_printer_no_queue(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, "file:%s/x", 0);
	w.p->printer = NULL;
	struct clock c;
	clock_init_fake(&c, T0);
	struct printq_config cfg = {.data_dir = w.dir, .pack = w.p, .clock = &c};
	assert_null(printq_open(&cfg));
	assert_non_null(strstr(err_msg(), "no printer"));
	world_release(&w);
}

/* Waits (bounded) until the queue's last error contains want ("" : until it is empty). */
static void wait_error(struct printq *q, const char *want, struct printq_status *st)
{
	for (int i = 0; i < 2000; i++) {
		printq_status(q, st);
		if (want[0] ? strstr(st->last_error, want) != NULL : st->last_error[0] == '\0')
			return;
		usleep(10000);
	}
	fail_msg("print queue error '%s', waited for '%s'", st->last_error, want);
}

/* The job table cannot be read: the queue says so (it used to read "no jobs" and show nothing),
 * and stops saying so once the store works again. */
static void store_read_failure_is_shown(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, "file:%s/slips.bin", 0);
	struct printq_config cfg = {.data_dir = w.dir, .pack = w.p, .timeout_ms = 500,
				    .clock = &w.c};
	struct printq *q = printq_open(&cfg);
	assert_non_null(q);
	struct printq_status st;
	wait_done(q, 0, 0, &st);
	assert_int_equal(store_exec(w.s, "ALTER TABLE print_job RENAME TO print_job_away"), 0);
	printq_kick(q);
	wait_error(q, "no such table: print_job", &st);
	assert_non_null(strstr(st.last_error, "print queue: "));
	assert_int_equal(st.last_error_job, 0);
	assert_int_equal(store_exec(w.s, "ALTER TABLE print_job_away RENAME TO print_job"), 0);
	printq_kick(q);
	wait_error(q, "", &st);
	printq_close(q);
	world_release(&w);
}

/* Queueing a failed job again fails in the store: shown, and the job stays failed. */
static void retry_failure_is_shown(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, "file:%s/later/slips.bin", 0);
	char link[TEAMS_LINK_MAX];
	add_commitment(&w, "Nils", "Holm", 0, 0, link, sizeof(link));
	struct printq_config cfg = {.data_dir = w.dir, .pack = w.p, .timeout_ms = 500,
				    .clock = &w.c};
	struct printq *q = printq_open(&cfg);
	assert_non_null(q);
	printq_kick(q);
	struct printq_status st;
	wait_done(q, 0, 1, &st);
	assert_int_equal(store_exec(w.s, "CREATE TRIGGER no_requeue BEFORE UPDATE OF state ON "
				    "print_job WHEN NEW.state = 'queued' BEGIN SELECT "
				    "RAISE(ABORT, 'requeue refused'); END"), 0);
	printq_retry(q, 1);
	wait_error(q, "requeue refused", &st);
	assert_non_null(strstr(st.last_error, "cannot queue the failed jobs again"));
	assert_int_equal(store_query_int(w.s, "SELECT count(*) FROM print_job WHERE state = "
				       "'failed'"), 1);
	/* The store and the printer work again: the retry asked for goes through, untapped. */
	char later[800];
	snprintf(later, sizeof(later), "%s/later", w.dir);
	assert_int_equal(mkdir(later, 0700), 0);
	assert_int_equal(store_exec(w.s, "DROP TRIGGER no_requeue"), 0);
	for (int i = 0; i < 2000; i++) {
		printq_status(q, &st);
		if (st.printed == 1)
			break;
		usleep(10000);
	}
	assert_int_equal(st.printed, 1);
	printq_close(q);
	world_release(&w);
}

/* The result of a printed job cannot be written: shown, not printed again, written later. */
static void unrecorded_job_is_not_printed_twice(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, "file:%s/slips.bin", 0);
	char link[TEAMS_LINK_MAX];
	add_commitment(&w, "Nils", "Holm", 0, 0, link, sizeof(link));
	assert_int_equal(store_exec(w.s, "CREATE TRIGGER no_finish BEFORE UPDATE OF state ON "
				    "print_job WHEN NEW.state = 'printed' BEGIN SELECT "
				    "RAISE(ABORT, 'disk trouble'); END"), 0);
	struct printq_config cfg = {.data_dir = w.dir, .pack = w.p, .timeout_ms = 500,
				    .clock = &w.c};
	struct printq *q = printq_open(&cfg);
	assert_non_null(q);
	printq_kick(q);
	struct printq_status st;
	wait_error(q, "disk trouble", &st);
	assert_non_null(strstr(st.last_error, "cannot record job 1"));
	size_t len1;
	char *data = slurp(w.target + 5, &len1);
	free(data);
	assert_true(len1 > 0);
	assert_int_equal(store_exec(w.s, "DROP TRIGGER no_finish"), 0);
	printq_kick(q);
	wait_error(q, "", &st);
	printq_close(q);
	assert_int_equal(store_query_int(w.s, "SELECT count(*) FROM print_job WHERE state = "
				       "'printed' AND attempts = 1"), 1);
	size_t len2;
	data = slurp(w.target + 5, &len2);
	free(data);
	assert_int_equal(len2, len1);
	world_release(&w);
}

/* printq_job_of(): what the sign-up screen shows about a commitment's slip. */
static void job_of_commitment(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, "file:%s/later/slips.bin", 0);
	char link[TEAMS_LINK_MAX];
	int64_t cid = add_commitment(&w, "Nils", "Holm", 0, 0, link, sizeof(link));
	struct printq_job j;
	memset(&j, 0x55, sizeof(j));
	assert_int_equal(printq_job_of(w.s, cid + 100, &j), 0);
	assert_int_equal(j.id, 0x5555555555555555LL); /* untouched */
	assert_int_equal(printq_job_of(w.s, cid, &j), 1);
	assert_int_equal(j.id, 1);
	assert_string_equal(j.state, "queued");
	assert_string_equal(j.error, "");
	struct printq_config cfg = {.data_dir = w.dir, .pack = w.p, .timeout_ms = 500,
				    .clock = &w.c};
	struct printq *q = printq_open(&cfg);
	assert_non_null(q);
	printq_kick(q);
	struct printq_status st;
	wait_done(q, 0, 1, &st);
	printq_close(q);
	assert_int_equal(printq_job_of(w.s, cid, &j), 1);
	assert_string_equal(j.state, "failed");
	assert_non_null(strstr(j.error, "no such file or directory"));
	/* A second job for the same commitment (a reprint): the latest one counts. */
	assert_int_equal(store_exec(w.s, "INSERT INTO print_job(commitment_id, created_at) "
				    "SELECT commitment_id, 5 FROM print_job WHERE id = 1"), 0);
	assert_int_equal(printq_job_of(w.s, cid, &j), 1);
	assert_int_equal(j.id, 2);
	assert_string_equal(j.state, "queued");
	assert_string_equal(j.error, "");
	/* A store that fails is an error, not "no job". */
	assert_int_equal(store_exec(w.s, "ALTER TABLE print_job RENAME TO print_job_away"), 0);
	assert_int_equal(printq_job_of(w.s, cid, &j), -1);
	assert_non_null(strstr(err_msg(), "print_job"));
	assert_int_equal(j.id, 2);
	world_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_target_appends_exact_bytes),
		cmocka_unit_test(targets_checked),
		cmocka_unit_test(tcp_job_arrives),
		cmocka_unit_test(tcp_silent_printer_still_prints),
		cmocka_unit_test(tcp_paper_out),
		cmocka_unit_test(tcp_refused_and_stalled),
		cmocka_unit_test(cups_without_queue_fails_clearly),
		cmocka_unit_test(queue_prints_to_file_and_codes_scan),
		cmocka_unit_test(failed_job_is_kept_and_retried),
		cmocka_unit_test(queue_paper_out_and_stall_keep_jobs),
		cmocka_unit_test(render_falls_back),
		cmocka_unit_test(no_printer_no_queue),
		cmocka_unit_test(store_read_failure_is_shown),
		cmocka_unit_test(retry_failure_is_shown),
		cmocka_unit_test(unrecorded_job_is_not_printed_twice),
		cmocka_unit_test(job_of_commitment),
	};
	return RUN_TESTS(tests);
}
