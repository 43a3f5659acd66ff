#include "usb.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* /proc/self/mounts of a busy desktop is a few kilobytes; anything past this is not sane. */
#define MOUNTS_LIMIT (1u << 20)
#define FIELD_MAX 1024

static const char *const FSTYPES[] = {"vfat", "exfat", "ntfs", "ntfs3", "fuseblk", "ext4"};
static const char *const ROOTS[] = {"/media/", "/run/media/", "/mnt/"};

static int is_writable_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) && access(path, W_OK | X_OK) == 0;
}

/* Copies one space-separated field of a mounts line into out[FIELD_MAX], decoding the octal
 * escapes the kernel writes for space, tab, newline and backslash (\040 \011 \012 \134).
 * Returns the position after the field, or NULL when the line has no more fields or the field
 * is too long. */
static const char *field(const char *p, char *out)
{
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\n')
		return NULL;
	size_t o = 0;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
		char c = *p++;
		if (c == '\\' && p[0] >= '0' && p[0] <= '3' && p[1] >= '0' && p[1] <= '7' &&
		    p[2] >= '0' && p[2] <= '7') {
			c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
			p += 3;
		}
		if (o + 1 >= FIELD_MAX)
			return NULL;
		out[o++] = c;
	}
	out[o] = '\0';
	return p;
}

static int has_option(const char *opts, const char *want)
{
	size_t n = strlen(want);
	for (const char *p = opts; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && !strncmp(p, want, n))
			return 1;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

static int under_roots(const char *dir)
{
	if (!strcmp(dir, "/mnt"))
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(ROOTS); i++) {
		size_t n = strlen(ROOTS[i]);
		/* A folder below the root, not the root itself ("/media/" alone is no stick). */
		if (!strncmp(dir, ROOTS[i], n) && dir[n])
			return 1;
	}
	return 0;
}

static int known_fstype(const char *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(FSTYPES); i++)
		if (!strcmp(t, FSTYPES[i]))
			return 1;
	return 0;
}

/* ROOT/sys/block/NAME/removable is "1", or ROOT/sys/block/NAME links into a usb device. */
static int block_is_removable(const char *root, const char *name)
{
	char path[PATH_MAX], link[PATH_MAX];
	if (str_fmt(path, sizeof(path), "%s/sys/block/%s/removable", root, name) < 0)
		return 0;
	char *v = file_read(path, 64, NULL);
	int removable = v && v[0] == '1';
	free(v);
	if (removable)
		return 1;
	if (str_fmt(path, sizeof(path), "%s/sys/block/%s", root, name) < 0)
		return 0;
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	return strstr(link, "/usb") != NULL;
}

static int block_exists(const char *root, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	return str_fmt(path, sizeof(path), "%s/sys/block/%s", root, name) > 0 && stat(path, &st) == 0;
}

/* The whole disk behind a device node: /dev/sdb1 -> sdb, /dev/mmcblk1p1 -> mmcblk1,
 * /dev/nvme0n1p2 -> nvme0n1, /dev/sdc (a stick without partitions) -> sdc. */
static int device_removable(const char *root, const char *device)
{
	char resolved[PATH_MAX];
	const char *dev = device;
	/* /dev/disk/by-label/STICK and the like are symlinks to the node (real system only). */
	if (!root[0] && realpath(device, resolved))
		dev = resolved;
	if (strncmp(dev, "/dev/", 5) != 0 || strstr(dev, ".."))
		return 0;
	char name[256];
	const char *slash = strrchr(dev, '/');
	if (str_copy(name, sizeof(name), slash + 1) < 0 || !name[0])
		return 0;
	if (block_exists(root, name))
		return block_is_removable(root, name);
	size_t n = strlen(name);
	while (n > 0 && name[n - 1] >= '0' && name[n - 1] <= '9')
		n--;
	if (n > 1 && name[n - 1] == 'p' && name[n - 2] >= '0' && name[n - 2] <= '9')
		n--;
	if (n == 0 || n == strlen(name))
		return 0;
	name[n] = '\0';
	return block_exists(root, name) && block_is_removable(root, name);
}

int usb_find_at(const char *root, struct usb_mount *out)
{
	char path[PATH_MAX];
	memset(out, 0, sizeof(*out));
	if (str_fmt(path, sizeof(path), "%s/proc/self/mounts", root) < 0)
		return err_set("the mount table path under '%s' is too long", root);
	char *text = file_read(path, MOUNTS_LIMIT, NULL);
	if (!text)
		return -1;
	int found = 0;
	char *dev = xmalloc(FIELD_MAX), *dir = xmalloc(FIELD_MAX), *type = xmalloc(FIELD_MAX),
	     *opts = xmalloc(FIELD_MAX);
	for (const char *line = text; line && *line && !found;) {
		const char *nl = strchr(line, '\n');
		const char *p = line;
		line = nl ? nl + 1 : NULL;
		if (!(p = field(p, dev)) || !(p = field(p, dir)) || !(p = field(p, type)) ||
		    !(p = field(p, opts)))
			continue;
		if (!known_fstype(type) || !under_roots(dir) || !has_option(opts, "rw") ||
		    !device_removable(root, dev))
			continue;
		char full[USB_PATH_MAX];
		if (str_fmt(full, sizeof(full), "%s%s", root, dir) < 0 || !is_writable_dir(full))
			continue;
		str_copy(out->dir, sizeof(out->dir), full);
		str_copy(out->device, sizeof(out->device), dev);
		str_copy(out->fstype, sizeof(out->fstype), type);
		found = 1;
	}
	free(dev);
	free(dir);
	free(type);
	free(opts);
	free(text);
	return found;
}

int usb_find(struct usb_mount *out)
{
	const char *env = getenv("BARNSTORM_USB");
	if (env && *env) {
		memset(out, 0, sizeof(*out));
		if (str_copy(out->dir, sizeof(out->dir), env) < 0)
			return err_set("BARNSTORM_USB is longer than %d characters", USB_PATH_MAX - 1);
		errno = 0;
		if (!is_writable_dir(env))
			return err_set("BARNSTORM_USB='%s' is not a folder this kiosk can write to: %s", env,
				       errno ? strerror(errno) : "not a folder");
		return 1;
	}
	const char *root = getenv("BARNSTORM_USB_ROOT");
	return usb_find_at(root ? root : "", out);
}
