# The Raspberry Pi side of the build (included by the Makefile after its variables).
#   make test-arm64   cross-compile the unit tests for arm64 and run them under qemu-aarch64
#   make arm64        build/arm64/barnstorm, the kiosk for the Pi
#   make image        build/image/barnstorm-pi.img, the SD-card image (Debian bookworm arm64)
#   make image-test   boot that image in qemu-system-aarch64 and wait for the kiosk's READY
# Everything goes under build/; downloads are cached under /var/tmp/barnstorm-image.

.PHONY: arm64 test-arm64 arm64-deps image image-test

A64_CC      ?= aarch64-linux-gnu-gcc
A64_AR      ?= aarch64-linux-gnu-ar
A64_MA      := /usr/lib/aarch64-linux-gnu
# Debian's arm64 .pc files plus our own poppler-glib.pc (see image/arm64-deps for why).
A64_PKGENV  := PKG_CONFIG_LIBDIR=$(CURDIR)/build/arm64/pkgconfig:$(A64_MA)/pkgconfig:/usr/share/pkgconfig \
               PKG_CONFIG_PATH= PKG_CONFIG_SYSROOT_DIR=
A64_PKG_CFLAGS = $(shell $(A64_PKGENV) pkg-config --cflags $(PKGS) 2>/dev/null)
A64_PKG_LIBS   = $(shell $(A64_PKGENV) pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -lpthread
# The cross linker only searches its own sysroot for the libraries that shared libraries need.
A64_LDFLAGS := -L$(CURDIR)/build/arm64/lib -Wl,-rpath-link,$(A64_MA):/lib/aarch64-linux-gnu
# No sanitizers under qemu-user (ASan's shadow memory and qemu's address space do not mix well).
A64_CFLAGS  := $(CFLAGS_REL)

A64_OBJ     := $(patsubst %.c,build/arm64/obj/%.o,$(LIBSRC))
A64_TESTBIN := $(patsubst tests/%.c,build/arm64/tests/%,$(TESTSRC))
QEMU_AARCH64 ?= $(firstword $(shell command -v qemu-aarch64-static qemu-aarch64 2>/dev/null) qemu-aarch64-static)

arm64-deps:
	@image/arm64-deps cross

build/arm64/pkgconfig/poppler-glib.pc: image/image.mk
	@mkdir -p build/arm64/pkgconfig build/arm64/lib
	@ln -sf $(A64_MA)/libpoppler-glib.so.8 build/arm64/lib/libpoppler-glib.so
	@printf '%s\n' 'Name: poppler-glib' 'Description: poppler-glib for arm64 (headers from the host)' \
	  'Version: 22.12.0' 'Requires: glib-2.0 gobject-2.0 cairo' \
	  'Libs: -L$(CURDIR)/build/arm64/lib -lpoppler-glib' 'Cflags: -I/usr/include/poppler/glib' > $@

build/arm64/obj/%.o: %.c | build/arm64/pkgconfig/poppler-glib.pc
	@mkdir -p $(dir $@)
	$(A64_CC) $(A64_CFLAGS) $(INC) $(A64_PKG_CFLAGS) -MMD -MP -c $< -o $@

build/arm64/libbarnstorm.a: $(A64_OBJ)
	@rm -f $@; $(A64_AR) rcs $@ $^

build/arm64/barnstorm: build/arm64/obj/app/main.o build/arm64/libbarnstorm.a
	$(A64_CC) -o $@ $^ $(A64_LDFLAGS) $(A64_PKG_LIBS)

build/arm64/tests/%: tests/%.c tests/testutil.h build/arm64/libbarnstorm.a
	@mkdir -p $(dir $@)
	$(A64_CC) $(A64_CFLAGS) -Wno-format-truncation $(INC) -Itests $(A64_PKG_CFLAGS) $< -o $@ \
	  build/arm64/libbarnstorm.a $(A64_LDFLAGS) $(A64_PKG_LIBS) -lcmocka

# Runs an arm64 program under qemu-user without needing binfmt_misc; the shell tests get it as
# $BARNSTORM_BIN. -L / because Debian's multiarch libc6:arm64 puts ld-linux-aarch64.so.1 in /lib.
build/arm64/barnstorm-qemu:
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\nexec %s -L / %s "$$@"\n' '$(QEMU_AARCH64)' '$(CURDIR)/build/arm64/barnstorm' > $@
	@chmod +x $@

arm64: arm64-deps
	@$(MAKE) --no-print-directory build/arm64/barnstorm $(MO)

test-arm64: arm64-deps
	@platform/debian-deps test
	@$(MAKE) --no-print-directory build/arm64/barnstorm-qemu $(if $(wildcard app/main.c),build/arm64/barnstorm) \
	  $(A64_TESTBIN) $(MO)
	@echo "== arm64 unit tests under $(QEMU_AARCH64)"
	@BARNSTORM_BIN=$(CURDIR)/build/arm64/barnstorm-qemu BARNSTORM_SRC=$(CURDIR) \
	  SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy QEMU_LD_PREFIX=/ \
	  prove --timer --exec '$(QEMU_AARCH64) -L /' $(A64_TESTBIN)
	@if [ -n "$(TESTSH)" ]; then BARNSTORM_BIN=$(CURDIR)/build/arm64/barnstorm-qemu BARNSTORM_SRC=$(CURDIR) \
	  SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy prove --timer $(TESTSH); fi

# ---- the SD-card image -------------------------------------------------------------------------
IMG_DIR   := build/image
IMG       := $(IMG_DIR)/barnstorm-pi.img
IMG_CACHE ?= /var/tmp/barnstorm-image
IMG_MIRROR ?= http://deb.debian.org/debian
# A root password for a debugging image (login on tty2 with Ctrl+Alt+F2); none by default.
IMG_ROOT_PASSWORD ?=
# IMG_READONLY=1: a read-only root filesystem (overlayroot; changes to it live in RAM until the
# next start, the database and the boot partition stay writable).
IMG_READONLY ?=

image: arm64-deps
	@image/arm64-deps image
	@$(MAKE) --no-print-directory build/deb/barnstorm_arm64.deb DEB_ARCH=arm64
	image/build-image --deb build/deb/barnstorm_arm64.deb --out $(IMG) \
	  --cache $(IMG_CACHE) --mirror $(IMG_MIRROR) $(if $(IMG_ROOT_PASSWORD),--root-password '$(IMG_ROOT_PASSWORD)') \
	  $(if $(IMG_READONLY),--read-only)

# The boot test's uinput touchscreen (put into its copy of the image only, never installed).
build/arm64/boottest-tap: image/boottest-tap.c
	@mkdir -p $(dir $@)
	$(A64_CC) $(A64_CFLAGS) -static $< -o $@

image-test:
	@image/arm64-deps boot
	@test -f $(IMG) || { echo "no $(IMG): run 'make image' first" >&2; exit 1; }
	@$(MAKE) --no-print-directory build/arm64/boottest-tap
	image/boot-test $(IMG) build/arm64/boottest-tap
