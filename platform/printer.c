#include "printer.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum kind { K_DEVICE, K_TCP, K_CUPS, K_FILE };

struct printer {
	enum kind kind;
	char *target;
	int fd;         /* where the job goes */
	int readable;   /* the transport carries replies */
	pid_t pid;      /* lp, for cups: */
	int errfd;      /* lp's stderr */
};

/* strerror in the lower case of the rest of a message: "connection refused". REASON(e) gives
 * each use its own buffer, which lives until the end of the statement. */
#define REASON(e) reason((e), (char[128]){0}, 128)
static const char *reason(int e, char *buf, size_t size)
{
	str_copy(buf, size, strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

static int kind_of(const char *t, enum kind *k, const char **rest)
{
	if (!strncmp(t, "file:", 5)) {
		*k = K_FILE;
		*rest = t + 5;
	} else if (!strncmp(t, "tcp://", 6)) {
		*k = K_TCP;
		*rest = t + 6;
	} else if (!strncmp(t, "cups:", 5)) {
		*k = K_CUPS;
		*rest = t + 5;
	} else if (t[0] == '/') {
		*k = K_DEVICE;
		*rest = t;
	} else {
		return err_set("printer '%s': unknown kind of printer; use a device path "
			       "(/dev/usb/lp0), tcp://HOST:9100, cups:QUEUE or file:PATH", t);
	}
	return 0;
}

/* "host:port", "[v6]:port" or "host" (port 9100). */
static int split_hostport(const char *target, const char *hp, char *host, size_t hsize,
			  char *port, size_t psize)
{
	const char *colon;
	if (hp[0] == '[') {
		const char *e = strchr(hp, ']');
		if (!e || (e[1] && e[1] != ':'))
			return err_set("printer '%s': bad address", target);
		if ((size_t)(e - hp - 1) >= hsize)
			return err_set("printer '%s': host name too long", target);
		memcpy(host, hp + 1, (size_t)(e - hp - 1));
		host[e - hp - 1] = '\0';
		colon = e[1] ? e + 1 : NULL;
	} else {
		colon = strrchr(hp, ':');
		size_t n = colon ? (size_t)(colon - hp) : strlen(hp);
		if (n >= hsize)
			return err_set("printer '%s': host name too long", target);
		memcpy(host, hp, n);
		host[n] = '\0';
	}
	if (!host[0])
		return err_set("printer '%s': no host", target);
	long p = 9100;
	if (colon && str_to_int(colon + 1, 1, 65535, &p) < 0)
		return err_set("printer '%s': port '%s' is not a number from 1 to 65535", target,
			       colon + 1);
	str_fmt(port, psize, "%ld", p);
	return 0;
}

static int queue_ok(const char *q)
{
	if (!*q || strlen(q) > 127)
		return 0;
	for (; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '_' || *q == '-' || *q == '.'))
			return 0;
	return 1;
}

int printer_check_target(const char *target)
{
	enum kind k;
	const char *rest;
	char host[256], port[8];
	if (!target || !*target)
		return err_set("no printer given");
	if (kind_of(target, &k, &rest) < 0)
		return -1;
	switch (k) {
	case K_FILE:
		if (!*rest)
			return err_set("printer '%s': no file path after 'file:'", target);
		return 0;
	case K_TCP:
		return split_hostport(target, rest, host, sizeof(host), port, sizeof(port));
	case K_CUPS:
		if (!queue_ok(rest))
			return err_set("printer '%s': '%s' is not a CUPS queue name (letters, digits,"
				       " '-', '_', '.')", target, rest);
		return 0;
	case K_DEVICE:
		return 0;
	}
	return 0;
}

static struct printer *new_printer(enum kind k, const char *target)
{
	struct printer *pr = xcalloc(1, sizeof(*pr));
	pr->kind = k;
	pr->target = xstrdup(target);
	pr->fd = pr->errfd = -1;
	pr->pid = -1;
	return pr;
}

static void free_printer(struct printer *pr)
{
	if (pr->fd >= 0)
		close(pr->fd);
	if (pr->errfd >= 0)
		close(pr->errfd);
	free(pr->target);
	free(pr);
}

static int open_tcp(struct printer *pr, const char *hp, int timeout_ms)
{
	char host[256], port[8];
	struct addrinfo hints, *res = NULL;
	int e = 0;
	if (split_hostport(pr->target, hp, host, sizeof(host), port, sizeof(port)) < 0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai)
		return err_set("printer '%s': cannot resolve '%s': %s", pr->target, host,
			       gai_strerror(gai));
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
			e = errno;
			close(fd);
			continue;
		}
		struct pollfd pfd = {fd, POLLOUT, 0};
		int r;
		do
			r = poll(&pfd, 1, timeout_ms);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			e = ETIMEDOUT;
			close(fd);
			continue;
		}
		socklen_t len = sizeof(e);
		if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e) {
			if (r < 0)
				e = errno;
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		pr->fd = fd;
		pr->readable = 1;
		break;
	}
	freeaddrinfo(res);
	if (pr->fd < 0) {
		if (e == ETIMEDOUT)
			return err_set("printer '%s': no answer within %d ms (is it on and on this "
				       "network?)", pr->target, timeout_ms);
		return err_set("printer '%s': %s", pr->target, REASON(e ? e : EHOSTUNREACH));
	}
	return 0;
}

/* `lp -d QUEUE -o raw` reading the job on its stdin: no libcups dependency to carry, and lp
 * reports its own errors (unknown queue, scheduler not running) on stderr, which we keep. */
static int pipe_cloexec(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static int open_cups(struct printer *pr, const char *queue)
{
	int in[2], err[2];
	if (!queue_ok(queue))
		return err_set("printer '%s': '%s' is not a CUPS queue name", pr->target, queue);
	if (pipe_cloexec(in) < 0)
		return err_set("printer '%s': %s", pr->target, REASON(errno));
	if (pipe_cloexec(err) < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		return err_set("printer '%s': %s", pr->target, REASON(e));
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		close(err[0]);
		close(err[1]);
		return err_set("printer '%s': cannot start lp: %s", pr->target, REASON(e));
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(err[1], 1);
		dup2(err[1], 2);
		execlp("lp", "lp", "-d", queue, "-o", "raw", (char *)NULL);
		/* Only async-signal-safe calls between fork and exec: the kiosk has threads. */
		static const char msg[] = "cannot run lp (install cups-client)";
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(126);
		_exit(127);
	}
	close(in[0]);
	close(err[1]);
	pr->fd = in[1];
	pr->errfd = err[0];
	pr->pid = pid;
	fcntl(pr->fd, F_SETFL, fcntl(pr->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

struct printer *printer_open(const char *target, int timeout_ms)
{
	enum kind k;
	const char *rest;
	if (!target || !*target) {
		err_set("no printer given");
		return NULL;
	}
	if (kind_of(target, &k, &rest) < 0)
		return NULL;
	struct printer *pr = new_printer(k, target);
	int rc = 0;
	switch (k) {
	case K_FILE:
		if (!*rest) {
			rc = err_set("printer '%s': no file path after 'file:'", target);
			break;
		}
		pr->fd = open(rest, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (pr->fd < 0)
			rc = err_set("printer '%s': %s", target, REASON(errno));
		break;
	case K_DEVICE:
		/* usblp is bidirectional on most printers: try read-write for status replies. */
		pr->fd = open(rest, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (pr->fd >= 0) {
			pr->readable = 1;
		} else {
			pr->fd = open(rest, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			int e = errno;
			if (pr->fd < 0)
				rc = err_set("printer '%s': %s%s", target, REASON(e),
					     e == ENOENT ? " (is it plugged in and switched on?)" : "");
		}
		break;
	case K_TCP:
		rc = open_tcp(pr, rest, timeout_ms);
		break;
	case K_CUPS:
		rc = open_cups(pr, rest);
		break;
	}
	if (rc < 0) {
		free_printer(pr);
		return NULL;
	}
	return pr;
}

/* Writing to a pipe whose reader died raises SIGPIPE: block it in this thread around the write
 * and swallow a pending one, so a crashed `lp` is an error message, not a dead kiosk. */
static ssize_t write_nosig(struct printer *pr, const void *buf, size_t n)
{
	if (pr->kind == K_TCP)
		return send(pr->fd, buf, n, MSG_NOSIGNAL);
	if (pr->kind != K_CUPS)
		return write(pr->fd, buf, n);
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ssize_t r = write(pr->fd, buf, n);
	int e = errno;
	if (r < 0 && e == EPIPE) {
		struct timespec zero = {0, 0};
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}

int printer_write(struct printer *pr, const void *data, size_t len, int timeout_ms)
{
	const uint8_t *p = data;
	size_t done = 0;
	while (done < len) {
		ssize_t r = write_nosig(pr, p + done, len - done);
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			int e = errno;
			/* usblp reports the printer's "paper empty" line as ENOSPC. */
			if (e == ENOSPC && pr->kind == K_DEVICE)
				return err_set("printer '%s': paper out", pr->target);
			return err_set("printer '%s': %s after %zu of %zu bytes", pr->target,
				       e == EPIPE && pr->kind == K_CUPS ? "lp stopped" : REASON(e),
				       done, len);
		}
		struct pollfd pfd = {pr->fd, POLLOUT, 0};
		int pr_rc;
		do
			pr_rc = poll(&pfd, 1, timeout_ms);
		while (pr_rc < 0 && errno == EINTR);
		if (pr_rc == 0)
			return err_set("printer '%s': timed out: took no data for %d ms after %zu of "
				       "%zu bytes (stalled, or out of paper?)", pr->target, timeout_ms,
				       done, len);
		if (pr_rc < 0)
			return err_set("printer '%s': %s", pr->target, REASON(errno));
	}
	return 0;
}

int printer_can_read(const struct printer *pr)
{
	return pr->readable;
}

int printer_read(struct printer *pr, uint8_t *buf, size_t len, int timeout_ms)
{
	size_t got = 0;
	if (!pr->readable)
		return 1;
	while (got < len) {
		struct pollfd pfd = {pr->fd, POLLIN, 0};
		int r;
		do
			r = poll(&pfd, 1, timeout_ms);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			return 1;
		if (r < 0)
			return err_set("printer '%s': %s", pr->target, REASON(errno));
		ssize_t n = read(pr->fd, buf + got, len - got);
		if (n == 0) {
			if (pr->kind == K_DEVICE)
				return 1; /* usblp: no reply from this printer */
			return err_set("printer '%s': connection closed", pr->target);
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (pr->kind == K_DEVICE)
				return 1;
			return err_set("printer '%s': %s", pr->target, REASON(errno));
		}
		got += (size_t)n;
	}
	return 0;
}

static int finish_cups(struct printer *pr, int timeout_ms)
{
	char msg[256];
	size_t n = 0;
	int status = 0, timed_out = 0;
	close(pr->fd);
	pr->fd = -1;
	/* lp's output ends when it exits; bound the wait. */
	while (1) {
		struct pollfd pfd = {pr->errfd, POLLIN, 0};
		int r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			timed_out = r == 0;
			break;
		}
		char buf[256];
		ssize_t got = read(pr->errfd, buf, sizeof(buf));
		if (got <= 0)
			break;
		for (ssize_t i = 0; i < got && n + 1 < sizeof(msg); i++)
			msg[n++] = buf[i] == '\n' ? ' ' : buf[i];
	}
	msg[n] = '\0';
	str_trim(msg);
	if (timed_out)
		kill(pr->pid, SIGTERM);
	while (waitpid(pr->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		return err_set("printer '%s': lp did not finish within %d ms", pr->target, timeout_ms);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set("printer '%s': lp failed: %s", pr->target,
			       msg[0] ? msg : "no message");
	return 0;
}

int printer_close(struct printer *pr, int timeout_ms)
{
	int rc = 0;
	if (!pr)
		return 0;
	if (pr->kind == K_CUPS && pr->pid > 0) {
		rc = finish_cups(pr, timeout_ms);
	} else if (pr->kind == K_TCP && pr->fd >= 0) {
		/* Closing a socket with unread input sends a reset, which may throw away the end of
		 * the job still in our send buffer: read what the printer said (e.g. automatic
		 * status) and say we are done before closing. */
		uint8_t junk[256];
		while (read(pr->fd, junk, sizeof(junk)) > 0)
			;
		shutdown(pr->fd, SHUT_WR);
	}
	else if (pr->kind == K_FILE && pr->fd >= 0 && fsync(pr->fd) < 0 && errno != EINVAL)
		rc = err_set("printer '%s': %s", pr->target, REASON(errno));
	free_printer(pr);
	return rc;
}

const char *printer_target(const struct printer *pr)
{
	return pr->target;
}
