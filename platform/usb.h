/* Finding a mounted USB stick to export to.
 *
 * The kiosk does not mount anything itself: on the Pi image (and on a desktop) the system mounts
 * a stick under /media/USER/LABEL, /run/media/USER/LABEL or /mnt/... . usb_find() scans
 * /proc/self/mounts for such a mount with a file system a stick carries (vfat, exfat, ntfs,
 * ntfs3, fuseblk for ntfs-3g, ext4) whose block device is removable (/sys/block/DEV/removable is
 * 1) or sits on the USB bus (its /sys/block/DEV link goes through a usb device), that is mounted
 * read-write and that this process can write to. The first such mount in the file wins.
 *
 * $BARNSTORM_USB (tests, or a setup with an unusual mount point) names the folder to use instead
 * of scanning; it must be an existing writable folder. $BARNSTORM_USB_ROOT (tests) makes the scan
 * read a fake system under that folder (see usb_find_at()). */
#ifndef BARNSTORM_USB_H
#define BARNSTORM_USB_H

#define USB_PATH_MAX 1024

struct usb_mount {
	char dir[USB_PATH_MAX];   /* where to write (the mount point, or $BARNSTORM_USB) */
	char device[256];         /* "/dev/sdb1"; "" for $BARNSTORM_USB */
	char fstype[16];          /* "vfat"; "" for $BARNSTORM_USB */
};

/* 1 with *out filled when a stick is mounted, 0 when none is, -1 with err_msg() when
 * $BARNSTORM_USB is set but is not a writable folder, or the mount table cannot be read. */
int usb_find(struct usb_mount *out);

/* The scan under a root folder, for tests: reads ROOT/proc/self/mounts and ROOT/sys/block, and
 * checks the mount points as ROOT/DIR (out->dir is that path). root "" is the real system.
 * $BARNSTORM_USB is not consulted. Same answers as usb_find(). */
int usb_find_at(const char *root, struct usb_mount *out);

#endif
