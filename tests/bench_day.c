/* A day at the door: an 8-hour event on the script runner's fake clock, through the real script
 * runner (cmd_script, in a child process) on a copy of the demo pack with a generated roster of
 * 3,000 people. Thousands of check-ins by scan, some by search, walk-ins with and without
 * consent; the organizer's tour (check-ins list, sign-up with commitments and printed slips,
 * the board, upload and export, the meeting screen; uploads to tests/receiver.py, which fails
 * a tenth of the requests); a full meeting with the facilitator's timer
 * on screen, the audience view, the speaker timer, signals, and sign-ups in the middle of it.
 *
 * Memory: the script writes a "shot" named mark-N at fixed points. Each is a FIFO that this
 * program filled beforehand, so the runner stops there, deterministically, until its RSS is read
 * from /proc and the FIFO drained. Prints RSS at the start, after warm-up (the first hour: every
 * kind of activity once, the meeting started), every half hour after that and at the end, and
 * the growth after warm-up in MiB. Asserts nothing; the script stops (and this fails) at the
 * first expect that does not hold, so the figures are of a day that went as written. */
#include "commands.h"
#include "store.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROSTER 3000
#define DOOR_CYCLES 12      /* half-hour door cycles after the meeting */
#define SCANS_PER_CYCLE 160
#define SIGNUPS_PER_CYCLE 10
#define MARKS_MAX 64
#define SCRIPT_MAX (1u << 20) /* the runner's limit */

static const char *const LAST[] = {"Lund", "Berg", "Holm", "Dahl", "Krog", "Vang", "Friis", "Skov"};

struct day {
	char *text;
	size_t len;
	int next_person;        /* 0-based roster index of the next to arrive */
	int walkins;
	int signed_up;          /* roster index of the next to sign up (they arrived earlier) */
	int nmarks;
	char mark_names[MARKS_MAX][64];
	int64_t mark_at[MARKS_MAX];  /* fake ms into the day */
	int64_t fake_ms;        /* fake time written into the script so far (waits only) */
};

static void add(struct day *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct day *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(d->text + d->len, SCRIPT_MAX - d->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= SCRIPT_MAX - d->len)
		die("the day's script is longer than the runner's 1 MiB");
	d->len += (size_t)n;
}

static void wait_s(struct day *d, int s)
{
	add(d, "wait %ds\n", s);
	d->fake_ms += s * 1000LL;
}

/* The roster person i: first name "K" + three letters (unique), a last name from LAST. */
static void first_name(int i, char *out)
{
	out[0] = 'K';
	out[1] = (char)('a' + i / 676 % 26);
	out[2] = (char)('a' + i / 26 % 26);
	out[3] = (char)('a' + i % 26);
	out[4] = '\0';
}

static void mark(struct day *d, const char *what)
{
	if (d->nmarks == MARKS_MAX)
		die("too many marks");
	snprintf(d->mark_names[d->nmarks], sizeof(d->mark_names[0]), "%s", what);
	d->mark_at[d->nmarks] = d->fake_ms;
	add(d, "shot mark-%d\n", d->nmarks++);
}

static void login(struct day *d)
{
	add(d, "tap \"Organizer\"\ntype \"4821\"\ntap \"OK\"\n");
}

static void scan_one(struct day *d)
{
	int i = d->next_person++;
	if (i >= ROSTER)
		die("the roster of %d is too small for the day", ROSTER);
	char fn[8];
	first_name(i, fn);
	add(d, "scan \"RSVP-%d\"\nexpect \"Welcome, %s!\"\n", 100000 + i, fn);
	wait_s(d, 8);
}

static void search_one(struct day *d)
{
	int i = d->next_person++;
	char fn[8], lower[8];
	first_name(i, fn);
	snprintf(lower, sizeof(lower), "k%s", fn + 1);
	add(d, "tap \"Check in\"\ntype \"%s %s\"\ntap \"%s %c.\"\ntap \"Yes, check me in\"\n"
	       "expect \"Welcome, %s!\"\n", lower, LAST[i % 8], fn, LAST[i % 8][0], fn);
	wait_s(d, 10);
}

static void walkin(struct day *d, int consent)
{
	int w = d->walkins++;
	char last[8];
	first_name(w, last);
	last[0] = 'W';
	add(d, "tap \"Check in\"\ntap \"I'm new\"\ntype \"Walker\"\ntap \"Last name\"\n"
	       "type \"%s\"\ntap \"Email\"\ntype \"walker.%d@example.org\"\ntap \"Postcode\"\n"
	       "type \"8000\"\ntap \"Next\"\n%stap \"Check in\"\nexpect \"Welcome, Walker!\"\n",
	    last, w, consent ? "tap \"Yes, I agree\"\n" : "");
	wait_s(d, 10);
}

/* From the organizer menu: n people who arrived sign up (a leader with a note every fourth,
 * else a team member), each with a slip; back to the menu. */
static void signups(struct day *d, int n)
{
	add(d, "tap \"Sign-up\"\n");
	for (int k = 0; k < n; k++) {
		int i = d->signed_up++;
		if (i >= d->next_person)
			die("sign-ups ran ahead of the door");
		char fn[8], lower[8];
		first_name(i, fn);
		snprintf(lower, sizeof(lower), "k%s", fn + 1);
		if (k > 0)
			add(d, "tap \"New person\"\n");
		add(d, "type \"%s %s\"\ntap \"%s %c.\"\n", lower, LAST[i % 8], fn, LAST[i % 8][0]);
		if (i % 4 == 0)
			add(d, "tap \"Holdleder\"\ntap \"Aarhus C\"\ntype \"Samler holdet %d\"\ntap \"Next\"\n", i);
		else
			add(d, "tap \"Holdmedlem\"\ntap \"Aarhus C\"\n");
		add(d, "tap \"Confirm\"\nexpect \"Thank you, %s!\"\n", fn);
		wait_s(d, 20);
	}
	add(d, "tap \"Back\"\ntap \"Back\"\ntap \"Back\"\nexpect \"Back to check-in\"\n");
}

/* The organizer's tour from idle back to idle: the check-ins list, sign-ups, the board for a
 * minute, upload and export, the meeting screen. */
static void organizer_tour(struct day *d, int nsignups)
{
	login(d);
	add(d, "tap \"Check-ins\"\nexpect \"registered, not arrived\"\n");
	wait_s(d, 20);
	add(d, "tap \"Back\"\n");
	signups(d, nsignups);
	add(d, "tap \"Board\"\n");
	wait_s(d, 60);
	add(d, "tap \"Back\"\ntap \"Upload and export\"\n");
	wait_s(d, 30);
	add(d, "tap \"Back\"\ntap \"Meeting\"\n");
	wait_s(d, 10);
	add(d, "tap \"Back\"\ntap \"Back to check-in\"\nexpect \"Welcome! Tap to check in.\"\n");
}

/* Half an hour at the door: scans, one search, two walk-ins, the organizer's tour; padded to
 * 30 minutes of fake time. */
static void door_cycle(struct day *d, int scans, int nsignups)
{
	int64_t start = d->fake_ms;
	for (int s = 0; s < scans; s++) {
		scan_one(d);
		if (s == scans / 3)
			search_one(d);
		if (s == scans / 2)
			walkin(d, 1);
		if (s == 2 * scans / 3)
			walkin(d, 0);
	}
	organizer_tour(d, nsignups);
	int64_t left = 30 * 60000LL - (d->fake_ms - start);
	if (left > 0)
		wait_s(d, (int)(left / 1000));
}

/* On the facilitator's screen: wait s seconds with the countdown drawn every second. */
static void facilitate(struct day *d, int s)
{
	wait_s(d, s);
}

static void meeting_first_half(struct day *d)
{
	login(d);
	add(d, "tap \"Meeting\"\nexpect \"Not started\"\ntap \"Start\"\nexpect \"On schedule\"\n");
	/* Velkommen (5 min): a signal, the audience view. */
	facilitate(d, 150);
	add(d, "tap \"Please wrap up\"\ntap \"Audience view\"\nexpect \"Please wrap up\"\n");
	facilitate(d, 60);
	add(d, "key Escape\n");
	facilitate(d, 90);
	add(d, "tap \"Next\"\n");
	/* Hvorfor vi er her (15 min). */
	facilitate(d, 15 * 60);
	add(d, "tap \"Next\"\nexpect \"Planen for at vinde\"\n");
}

static void meeting_second_half(struct day *d)
{
	/* Planen for at vinde (20 min): the slides on the audience view. */
	add(d, "tap \"Audience view\"\n");
	for (int p = 0; p < 3; p++) {
		facilitate(d, 5 * 60);
		add(d, "key PageDown\n");
	}
	facilitate(d, 5 * 60);
	add(d, "key Escape\ntap \"Next\"\nexpect \"Spørgsmål\"\n");
	/* Spørgsmål (10 min): the speaker timer, question after question. */
	for (int qn = 0; qn < 8; qn++) {
		add(d, "tap \"Speaker 60 s\"\n");
		facilitate(d, 60);
		add(d, "tap \"Time's up\"\n");
		facilitate(d, 10);
	}
	add(d, "tap \"One question at a time\"\n");
	facilitate(d, 40);
	add(d, "tap \"Next\"\nexpect \"Hold dannes og tilmelding\"\n");
	/* Hold dannes (30 min): the organizer signs people up while the timer runs on; latecomers
	 * at the door. */
	add(d, "tap \"Back\"\n");
	signups(d, 30);
	add(d, "tap \"Back to check-in\"\n");
	for (int s = 0; s < 20; s++)
		scan_one(d);
	login(d);
	add(d, "tap \"Meeting\"\nexpect \"Hold dannes og tilmelding\"\n");
	facilitate(d, 5 * 60);
	add(d, "tap \"Next\"\n");
	/* Næste skridt (10 min), then the end. */
	facilitate(d, 10 * 60);
	add(d, "tap \"End meeting\"\nexpect \"The meeting has ended\"\ntap \"Audience view\"\n"
	       "expect \"Thank you!\"\nkey Escape\ntap \"Back\"\ntap \"Back to check-in\"\n");
}

static void build_day(struct day *d)
{
	d->text = xmalloc(SCRIPT_MAX);
	d->text[0] = '\0';
	add(d, "expect \"Welcome! Tap to check in.\"\ntap \"English\"\n");
	mark(d, "start (kiosk open, first frame)");
	/* 18:30 to 19:00: the door opens; the organizer looks at everything once. */
	door_cycle(d, 120, 6);
	/* 19:00: the meeting; the first two segments on screen. */
	meeting_first_half(d);
	mark(d, "after warm-up (every activity once, meeting running)");
	meeting_second_half(d);
	mark(d, "after the meeting");
	for (int c = 0; c < DOOR_CYCLES; c++) {
		door_cycle(d, SCANS_PER_CYCLE, SIGNUPS_PER_CYCLE);
		char what[64];
		snprintf(what, sizeof(what), "door cycle %d", c + 1);
		mark(d, what);
	}
	/* The last stretch to 8 hours, the kiosk idle at the door. */
	int64_t left = 8 * 3600000LL - d->fake_ms;
	while (left > 0) {
		int s = left > 3600000 ? 3600 : (int)(left / 1000);
		wait_s(d, s);
		left -= s * 1000LL;
	}
	mark(d, "end");
}

static int atoi_checked(const char *s)
{
	long v;
	char buf[32];
	size_t n = strcspn(s, "\r\n");
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return str_to_int(buf, 1, 65535, &v) < 0 ? 0 : (int)v;
}

static void write_roster(const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		die("cannot write '%s'", path);
	fputs("Fornavn;Efternavn;E-mail;Mobil;Postnummer;RSVP\r\n", f);
	for (int i = 0; i < ROSTER; i++) {
		char fn[8];
		first_name(i, fn);
		fprintf(f, "%s;%s;%s.%d@example.dk;+45%08d;8000;RSVP-%d\r\n", fn, LAST[i % 8], fn, i,
			20000000 + i, 100000 + i);
	}
	if (fclose(f) != 0)
		die("cannot write '%s'", path);
}

/* The demo pack's event.ini with the slips going nowhere and, when upload_port > 0, uploads
 * to the receiver on that port. */
static void write_pack(const char *src, const char *pack, int upload_port)
{
	char path[2048];
	snprintf(path, sizeof(path), "%s/assets/demo/event.ini", src);
	size_t len;
	char *ini = file_read(path, 1 << 20, &len);
	if (!ini)
		die("%s", err_msg());
	char *p = strstr(ini, "printer = ");
	if (!p)
		die("no printer line in '%s'", path);
	char *eol = strchr(p, '\n');
	snprintf(path, sizeof(path), "%s/event.ini", pack);
	FILE *f = fopen(path, "wb");
	if (!f)
		die("cannot write '%s'", path);
	fwrite(ini, 1, (size_t)(p - ini), f);
	fputs("printer = file:/dev/null", f);
	fputs(eol, f);
	if (upload_port > 0)
		fprintf(f, "\n[upload]\nkind = webhook\nurl = http://127.0.0.1:%d/hook\n"
			"token_file = token.txt\n", upload_port);
	fclose(f);
	free(ini);
	snprintf(path, sizeof(path), "%s/token.txt", pack);
	f = fopen(path, "wb");
	if (!f || fputs("bench-day-token\n", f) < 0 || fclose(f) != 0 || chmod(path, 0600) < 0)
		die("cannot write '%s'", path);
	snprintf(path, sizeof(path), "%s/roster.csv", pack);
	write_roster(path);
}

/* tests/receiver.py as a webhook on 127.0.0.1 that fails a tenth of the requests on purpose
 * (the uploader retries); returns its port, or 0 when it does not start (no python3). */
static int receiver_start(const char *src, const char *dir, pid_t *pid)
{
	char script[1100], portfile[1100], log[1100];
	snprintf(script, sizeof(script), "%s/tests/receiver.py", src);
	snprintf(portfile, sizeof(portfile), "%s/port", dir);
	snprintf(log, sizeof(log), "%s/received.jsonl", dir);
	*pid = fork();
	if (*pid < 0)
		die("cannot fork");
	if (*pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("python3", "python3", script, "--mode", "webhook", "--token", "bench-day-token",
		       "--log", log, "--port-file", portfile, "--fail-rate", "0.1", "--slow-seconds",
		       "0.2", "--retry-after", "1", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		size_t len;
		char *p = file_read(portfile, 64, &len);
		if (p) {
			int port = atoi_checked(p);
			free(p);
			if (port > 0)
				return port;
		}
		if (waitpid(*pid, NULL, WNOHANG) == *pid)
			break;
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
	return 0;
}

static long status_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long v = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* 1 if process pid has the file at path open for writing. */
static int has_open_for_writing(pid_t pid, const char *path)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	DIR *dd = opendir(dir);
	if (!dd)
		return 0;
	struct dirent *e;
	int found = 0;
	while (!found && (e = readdir(dd))) {
		char link[600], target[2048], info[512];
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) != 0)
			continue;
		snprintf(link, sizeof(link), "/proc/%d/fdinfo/%s", (int)pid, e->d_name);
		FILE *f = fopen(link, "r");
		if (!f)
			continue;
		while (fgets(info, sizeof(info), f))
			if (!strncmp(info, "flags:", 6) &&
			    (strtol(info + 6, NULL, 8) & O_ACCMODE) == O_WRONLY)
				found = 1;
		fclose(f);
	}
	closedir(dd);
	return found;
}

/* A FIFO at path, full, with its read end open (returned): a writer blocks in its first write. */
static int full_fifo(const char *path)
{
	if (mkfifo(path, 0600) < 0)
		die("cannot make the FIFO '%s': %s", path, strerror(errno));
	int rd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int wr = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (rd < 0 || wr < 0)
		die("cannot open the FIFO '%s': %s", path, strerror(errno));
	static const char fill[4096];
	while (write(wr, fill, sizeof(fill)) > 0)
		;
	close(wr);
	return rd;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* only to print how long the bench took */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	const char *src = getenv("BARNSTORM_SRC");
	if (!src || !*src)
		src = ".";
	char dir[] = "/tmp/barnstorm-day.XXXXXX";
	if (!mkdtemp(dir))
		die("cannot make a temporary folder");
	char pack[1100], data[1100], shots[1100], script[1100];
	snprintf(pack, sizeof(pack), "%s/pack", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(shots, sizeof(shots), "%s/shots", dir);
	snprintf(script, sizeof(script), "%s/day.txt", dir);
	if (mkdir(pack, 0700) < 0 || mkdir(data, 0700) < 0 || mkdir(shots, 0700) < 0)
		die("cannot make folders in '%s'", dir);
	pid_t rcv = 0;
	int port = receiver_start(src, dir, &rcv);
	if (!port)
		printf("day: tests/receiver.py did not start (python3?): uploads are off\n");
	write_pack(src, pack, port);

	static struct day d;
	build_day(&d);
	FILE *f = fopen(script, "wb");
	if (!f || fwrite(d.text, 1, d.len, f) != d.len || fclose(f) != 0)
		die("cannot write '%s'", script);
	printf("day: %d roster people, %d arrivals (%d walk-ins), %d sign-ups, %.1f h of fake time, "
	       "%zu KiB of script\n", ROSTER, d.next_person + d.walkins, d.walkins, d.signed_up,
	       (double)d.fake_ms / 3600000.0, d.len / 1024);
	fflush(stdout);

	int fds[MARKS_MAX];
	char real[MARKS_MAX][1200];
	for (int m = 0; m < d.nmarks; m++) {
		char path[1200];
		snprintf(path, sizeof(path), "%s/mark-%d.png", shots, m);
		fds[m] = full_fifo(path);
		if (!realpath(path, real[m]))
			die("cannot resolve '%s'", path);
	}

	double t0 = now_s();
	pid_t pid = fork();
	if (pid < 0)
		die("cannot fork");
	if (pid == 0) {
		char *argv[] = {"script", script, "--pack", pack, "--data", data, "--shots", shots,
				"--size", "800x480", "--lang", "en", NULL};
		_exit(cmd_script(12, argv));
	}
	long rss[MARKS_MAX];
	long warm = -1, hwm = -1;
	int st = 0, died = 0;
	for (int m = 0; m < d.nmarks && !died; m++) {
		while (!has_open_for_writing(pid, real[m])) {
			if (waitpid(pid, &st, WNOHANG) == pid) {
				died = 1;
				break;
			}
			struct timespec ts = {0, 5 * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (died)
			break;
		rss[m] = status_kib(pid, "VmRSS");
		hwm = status_kib(pid, "VmHWM");
		if (m == 1)
			warm = rss[m];
		printf("%2d:%02d into the day (%5.1f s real)  RSS %6.1f MiB", (int)(d.mark_at[m] / 3600000),
		       (int)(d.mark_at[m] / 60000 % 60), now_s() - t0, (double)rss[m] / 1024.0);
		if (warm >= 0)
			printf("  (%+.1f MiB since warm-up)", (double)(rss[m] - warm) / 1024.0);
		printf("  %s\n", d.mark_names[m]);
		fflush(stdout);
		/* Let the runner go on: drain the filler and its screenshot until it closes it. */
		int fl = fcntl(fds[m], F_GETFL);
		fcntl(fds[m], F_SETFL, fl & ~O_NONBLOCK);
		char buf[65536];
		while (read(fds[m], buf, sizeof(buf)) > 0)
			;
		close(fds[m]);
		fds[m] = -1;
	}
	if (!died) {
		if (waitpid(pid, &st, 0) != pid)
			die("lost the script runner");
	}
	for (int m = 0; m < d.nmarks; m++)
		if (fds[m] >= 0)
			close(fds[m]);
	int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && !died;
	if (!ok) {
		fprintf(stderr, "bench_day: the script runner stopped early (status %d); script kept in "
			"%s\n", st, script);
		if (rcv > 0)
			kill(rcv, SIGTERM);
		return 1;
	}
	printf("day done in %.1f s of real time; peak RSS %.1f MiB; growth after warm-up %+.1f MiB "
	       "(start %.1f, warm-up %.1f, end %.1f)\n", now_s() - t0, (double)hwm / 1024.0,
	       (double)(rss[d.nmarks - 1] - warm) / 1024.0, (double)rss[0] / 1024.0,
	       (double)warm / 1024.0, (double)rss[d.nmarks - 1] / 1024.0);
	/* What the day left in the store, to see it happened as written. */
	struct store *sto = store_open(data);
	if (!sto)
		die("%s", err_msg());
	printf("store: %lld check-ins (%lld walk-ins), %lld commitments, %lld slips printed, "
	       "%lld agenda log rows, %lld outbox records (%lld sent to the receiver)\n",
	       (long long)store_query_int(sto, "SELECT count(*) FROM checkin WHERE undone_at IS NULL"),
	       (long long)store_query_int(sto, "SELECT count(*) FROM checkin WHERE method = 'walkin'"),
	       (long long)store_query_int(sto, "SELECT count(*) FROM commitment"),
	       (long long)store_query_int(sto, "SELECT count(*) FROM print_job WHERE state = 'printed'"),
	       (long long)store_query_int(sto, "SELECT count(*) FROM agenda_log"),
	       (long long)store_query_int(sto, "SELECT count(*) FROM outbox"),
	       (long long)store_query_int(sto, "SELECT count(*) FROM outbox WHERE state = 'sent'"));
	store_close(sto);
	if (rcv > 0) {
		kill(rcv, SIGTERM);
		waitpid(rcv, NULL, 0);
	}
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return 0;
}
