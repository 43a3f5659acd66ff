/* platform/usb.c: finding a mounted USB stick, against a fake root with its own
 * proc/self/mounts and sys/block, and the $BARNSTORM_USB override. */
#include "testutil.h"

#include "usb.h"
#include "util.h"

struct fx {
	char *root;
};

static void mkdirs(const char *root, const char *rel)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs(path, ".");
	tu_write_str(path, slash + 1, text);
}

static void mounts(struct fx *f, const char *text)
{
	put(f->root, "proc/self/mounts", text);
}

/* A fake system: the SD card (not removable), a removable stick sdb, a fixed disk sdc, a disk
 * sdd that says it is fixed but hangs off the USB bus, a removable SD card reader mmcblk1. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->root = tu_tempdir();
	put(f->root, "sys/block/mmcblk0/removable", "0\n");
	put(f->root, "sys/block/sdb/removable", "1\n");
	put(f->root, "sys/block/sdc/removable", "0\n");
	put(f->root, "sys/block/mmcblk1/removable", "1\n");
	mkdirs(f->root, "sys/devices/platform/scb/usb1/1-1/1-1:1.0/host0/block/sdd");
	put(f->root, "sys/devices/platform/scb/usb1/1-1/1-1:1.0/host0/block/sdd/removable", "0\n");
	char link[1024];
	snprintf(link, sizeof(link), "%s/sys/block/sdd", f->root);
	assert_int_equal(symlink("../devices/platform/scb/usb1/1-1/1-1:1.0/host0/block/sdd", link), 0);
	mkdirs(f->root, "media/pi/MY STICK");
	mkdirs(f->root, "media/pi/DISK");
	mkdirs(f->root, "run/media/anna/X");
	mkdirs(f->root, "mnt/sd");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tu_rmtree(f->root);
	free(f->root);
	free(f);
	return 0;
}

static const char *const SYSTEM =
	"/dev/mmcblk0p2 / ext4 rw,noatime 0 0\n"
	"/dev/mmcblk0p1 /boot/firmware vfat rw,relatime,fmask=0022 0 0\n"
	"proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
	"tmpfs /run tmpfs rw,nosuid,nodev,size=200000k 0 0\n";

static int find(struct fx *f, const char *extra, struct usb_mount *m)
{
	char text[4096];
	snprintf(text, sizeof(text), "%s%s", SYSTEM, extra);
	mounts(f, text);
	return usb_find_at(f->root, m);
}

static void test_none(void **state)
{
	struct fx *f = *state;
	struct usb_mount m;
	assert_int_equal(find(f, "", &m), 0);
	/* A fixed disk under /media is not a stick. */
	assert_int_equal(find(f, "/dev/sdc1 /media/pi/DISK ext4 rw,relatime 0 0\n", &m), 0);
	/* The stick mounted read-only, or its folder gone, or a network share. */
	assert_int_equal(find(f, "/dev/sdb1 /media/pi/MY\\040STICK vfat ro,relatime 0 0\n", &m), 0);
	assert_int_equal(find(f, "/dev/sdb1 /media/pi/GONE vfat rw,relatime 0 0\n", &m), 0);
	assert_int_equal(find(f, "srv:/x /mnt/sd nfs rw 0 0\n", &m), 0);
	/* The right device and type, but not under /media, /run/media or /mnt. */
	assert_int_equal(find(f, "/dev/sdb1 /srv vfat rw 0 0\n", &m), 0);
	assert_int_equal(find(f, "/dev/sdb1 /media/ vfat rw 0 0\n", &m), 0);
}

static void test_stick(void **state)
{
	struct fx *f = *state;
	struct usb_mount m;
	char want[1024];
	assert_int_equal(find(f, "/dev/sdc1 /media/pi/DISK ext4 rw,relatime 0 0\n"
			      "/dev/sdb1 /media/pi/MY\\040STICK vfat rw,nosuid,nodev,relatime,uid=1000 0 0\n",
			      &m), 1);
	snprintf(want, sizeof(want), "%s/media/pi/MY STICK", f->root);
	assert_string_equal(m.dir, want);
	assert_string_equal(m.device, "/dev/sdb1");
	assert_string_equal(m.fstype, "vfat");

	/* A stick without a partition table. */
	assert_int_equal(find(f, "/dev/sdb /media/pi/DISK exfat rw 0 0\n", &m), 1);
	assert_string_equal(m.fstype, "exfat");

	/* Fixed by its flag, but on the USB bus. */
	assert_int_equal(find(f, "/dev/sdd2 /run/media/anna/X ntfs3 rw 0 0\n", &m), 1);
	snprintf(want, sizeof(want), "%s/run/media/anna/X", f->root);
	assert_string_equal(m.dir, want);

	/* An SD card reader: mmcblk1p1 -> mmcblk1. */
	assert_int_equal(find(f, "/dev/mmcblk1p1 /mnt/sd fuseblk rw,user_id=0 0 0\n", &m), 1);
	assert_string_equal(m.device, "/dev/mmcblk1p1");
}

static void test_hostile_mounts(void **state)
{
	struct fx *f = *state;
	struct usb_mount m;
	char *big = malloc(5000);
	memset(big, 'a', 4998);
	big[4998] = '\n';
	big[4999] = '\0';
	char text[8192];
	snprintf(text, sizeof(text), "%s\n \n/dev/sdb1\n/dev/sdb1 /media/pi/DISK\n\\777\\ \\0 x y\n"
		 "/dev/../sdb1 /media/pi/DISK vfat rw 0 0\n/dev/sdb1 /media/pi/DISK vfat\n", big);
	mounts(f, text);
	assert_int_equal(usb_find_at(f->root, &m), 0);
	/* A valid line after the junk is still found. */
	snprintf(text, sizeof(text), "%s/dev/sdb1 /media/pi/DISK vfat rw 0 0", big);
	mounts(f, text);
	assert_int_equal(usb_find_at(f->root, &m), 1);
	free(big);

	/* No mount table: an error naming it. */
	char path[1024];
	snprintf(path, sizeof(path), "%s/proc/self/mounts", f->root);
	unlink(path);
	assert_int_equal(usb_find_at(f->root, &m), -1);
	assert_non_null(strstr(err_msg(), "proc/self/mounts"));
}

static void test_env_override(void **state)
{
	struct fx *f = *state;
	struct usb_mount m;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/media/pi/DISK", f->root);
	setenv("BARNSTORM_USB", dir, 1);
	assert_int_equal(usb_find(&m), 1);
	assert_string_equal(m.dir, dir);
	assert_string_equal(m.device, "");

	snprintf(dir, sizeof(dir), "%s/nowhere", f->root);
	setenv("BARNSTORM_USB", dir, 1);
	assert_int_equal(usb_find(&m), -1);
	assert_non_null(strstr(err_msg(), "BARNSTORM_USB"));
	assert_non_null(strstr(err_msg(), "nowhere"));

	/* A file is not a folder. */
	snprintf(dir, sizeof(dir), "%s/sys/block/sdb/removable", f->root);
	setenv("BARNSTORM_USB", dir, 1);
	assert_int_equal(usb_find(&m), -1);

	/* The real system: whatever is plugged in here, it answers without an error. */
	unsetenv("BARNSTORM_USB");
	assert_true(usb_find(&m) >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_mounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_override, setup, teardown),
	};
	return RUN_TESTS(tests);
}
