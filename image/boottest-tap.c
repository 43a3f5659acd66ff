/* boottest-tap: one finger tap on a virtual touchscreen, for `make image-test` only.
 *
 * qemu 7.2 has no multi-touch device (its tablets are absolute mice, which SDL 2.26's evdev code
 * does not scale), so the boot test makes a touchscreen inside the guest through /dev/uinput,
 * the same kind of device a Pi's panel is: INPUT_PROP_DIRECT, BTN_TOUCH and ABS_MT_* axes. SDL
 * turns it into SDL_FINGER* events with 0..1 coordinates, exactly as on the Pi.
 *
 * usage: boottest-tap X Y      X and Y are fractions of the panel (0.5 0.5 is the middle)
 * Written for the guest only; it is put into the boot test's copy of the image, never installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/uinput.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define RANGE 4095

static int fd = -1;

static void die(const char *what)
{
	fprintf(stderr, "boottest-tap: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void emit(int type, int code, int value)
{
	struct input_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = (unsigned short)type;
	ev.code = (unsigned short)code;
	ev.value = value;
	if (write(fd, &ev, sizeof ev) != (ssize_t)sizeof ev)
		die("write");
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void axis(int code, int max)
{
	struct uinput_abs_setup a;
	memset(&a, 0, sizeof a);
	a.code = (unsigned short)code;
	a.absinfo.maximum = max;
	if (ioctl(fd, UI_SET_ABSBIT, code) < 0 || ioctl(fd, UI_ABS_SETUP, &a) < 0)
		die("UI_ABS_SETUP");
}

static int fraction(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || v < 0 || v > 1) {
		fprintf(stderr, "boottest-tap: '%s' is not a fraction between 0 and 1\n", s);
		exit(2);
	}
	return (int)(v * RANGE + 0.5);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: boottest-tap X Y   (fractions of the panel, 0..1)\n");
		return 2;
	}
	int x = fraction(argv[1]), y = fraction(argv[2]);
	fd = open("/dev/uinput", O_WRONLY | O_NONBLOCK);
	if (fd < 0)
		die("/dev/uinput");
	if (ioctl(fd, UI_SET_EVBIT, EV_KEY) < 0 || ioctl(fd, UI_SET_KEYBIT, BTN_TOUCH) < 0 ||
	    ioctl(fd, UI_SET_EVBIT, EV_ABS) < 0 || ioctl(fd, UI_SET_PROPBIT, INPUT_PROP_DIRECT) < 0)
		die("UI_SET_*");
	axis(ABS_X, RANGE);
	axis(ABS_Y, RANGE);
	axis(ABS_MT_SLOT, 9);
	axis(ABS_MT_TRACKING_ID, 65535);
	axis(ABS_MT_POSITION_X, RANGE);
	axis(ABS_MT_POSITION_Y, RANGE);
	struct uinput_setup us;
	memset(&us, 0, sizeof us);
	us.id.bustype = BUS_VIRTUAL;
	us.id.vendor = 0x1209;
	us.id.product = 0xb5;
	snprintf(us.name, sizeof us.name, "barnstorm boot-test touchscreen");
	if (ioctl(fd, UI_DEV_SETUP, &us) < 0 || ioctl(fd, UI_DEV_CREATE) < 0)
		die("UI_DEV_CREATE");
	/* udev sets the device's group to input, then SDL's hotplug monitor opens it. */
	pause_ms(3000);
	emit(EV_ABS, ABS_MT_SLOT, 0);
	emit(EV_ABS, ABS_MT_TRACKING_ID, 1);
	emit(EV_ABS, ABS_MT_POSITION_X, x);
	emit(EV_ABS, ABS_MT_POSITION_Y, y);
	emit(EV_KEY, BTN_TOUCH, 1);
	emit(EV_ABS, ABS_X, x);
	emit(EV_ABS, ABS_Y, y);
	emit(EV_SYN, SYN_REPORT, 0);
	pause_ms(120);
	emit(EV_ABS, ABS_MT_TRACKING_ID, -1);
	emit(EV_KEY, BTN_TOUCH, 0);
	emit(EV_SYN, SYN_REPORT, 0);
	pause_ms(1000);
	ioctl(fd, UI_DEV_DESTROY);
	close(fd);
	printf("tapped at %s,%s of the panel\n", argv[1], argv[2]);
	return 0;
}
