# Installing the kiosk (included by the Makefile after its variables).
#   make install [DESTDIR=/tmp/stage] [PREFIX=/usr/local]   the program, its assets and the units
#   make deb [DEB_ARCH=arm64]                                build/deb/barnstorm_ARCH.deb (dpkg-deb)
# The .deb is what the SD-card image installs and the path for an existing Raspberry Pi OS.

.PHONY: install deb

PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
# The program to install: the native build, or build/arm64/barnstorm for the Pi (make deb does this).
INSTALL_BIN ?= build/barnstorm

INST_BIN   = $(DESTDIR)$(PREFIX)/bin
INST_SHARE = $(DESTDIR)$(PREFIX)/share/barnstorm
INST_LIB   = $(DESTDIR)$(PREFIX)/lib
# Every asset except the message sources (catalogs are installed compiled, from build/locale)
# and the screenshots (documentation).
INST_ASSETS = $(filter-out assets/po assets/screenshots,$(wildcard assets/*))
# The units name /usr paths; other prefixes are substituted at install time.
INST_SUBST = sed -e 's|/usr/bin/barnstorm|$(PREFIX)/bin/barnstorm|g' -e 's|/usr/lib/barnstorm/|$(PREFIX)/lib/barnstorm/|g' \
             -e 's|/usr/share/doc/barnstorm/|$(PREFIX)/share/doc/barnstorm/|g'

install: $(INSTALL_BIN) $(MO)
	install -d $(INST_BIN) $(INST_SHARE)/locale $(INST_LIB)/barnstorm $(INST_LIB)/systemd/system \
	  $(INST_LIB)/sysusers.d $(INST_LIB)/tmpfiles.d $(DESTDIR)$(PREFIX)/share/doc/barnstorm \
	  $(DESTDIR)/usr/lib/udev/rules.d \
	  $(DESTDIR)$(SYSCONFDIR)/systemd/system.conf.d $(DESTDIR)$(SYSCONFDIR)/default
	install -m 755 $(INSTALL_BIN) $(INST_BIN)/barnstorm
	$(if $(INST_ASSETS),cp -R $(INST_ASSETS) $(INST_SHARE)/)
	chmod -R u=rwX,go=rX $(INST_SHARE)
	$(if $(MO),install -m 644 $(MO) $(INST_SHARE)/locale/)
	install -m 755 platform/systemd/barnstorm-pack $(INST_LIB)/barnstorm/barnstorm-pack
	install -m 755 platform/systemd/barnstorm-usb-mount $(INST_LIB)/barnstorm/barnstorm-usb-mount
	@# udev reads rules from /usr/lib/udev/rules.d whatever PREFIX is.
	$(INST_SUBST) platform/systemd/barnstorm-usb.rules > $(DESTDIR)/usr/lib/udev/rules.d/90-barnstorm-usb.rules
	chmod 644 $(DESTDIR)/usr/lib/udev/rules.d/90-barnstorm-usb.rules
	$(INST_SUBST) platform/systemd/barnstorm.service > $(INST_LIB)/systemd/system/barnstorm.service
	$(INST_SUBST) platform/systemd/barnstorm-pack.service > $(INST_LIB)/systemd/system/barnstorm-pack.service
	chmod 644 $(INST_LIB)/systemd/system/barnstorm.service $(INST_LIB)/systemd/system/barnstorm-pack.service
	install -m 644 platform/systemd/barnstorm.sysusers $(INST_LIB)/sysusers.d/barnstorm.conf
	install -m 644 platform/systemd/barnstorm.tmpfiles $(INST_LIB)/tmpfiles.d/barnstorm.conf
	install -m 644 platform/systemd/watchdog.conf $(DESTDIR)$(SYSCONFDIR)/systemd/system.conf.d/barnstorm-watchdog.conf
	install -m 644 platform/systemd/barnstorm.default $(DESTDIR)$(SYSCONFDIR)/default/barnstorm
	$(if $(wildcard README.md),install -m 644 README.md $(DESTDIR)$(PREFIX)/share/doc/barnstorm/README.md)
	@# Straight onto this machine: create the user and folders now; enabling stays a choice.
	@if [ -z "$(DESTDIR)" ]; then \
	  systemd-sysusers $(INST_LIB)/sysusers.d/barnstorm.conf && \
	  systemd-tmpfiles --create $(INST_LIB)/tmpfiles.d/barnstorm.conf; \
	  if [ -d /run/systemd/system ]; then systemctl daemon-reload; udevadm control --reload || true; fi; \
	  echo "installed; start the kiosk at every boot with: sudo systemctl enable barnstorm-pack barnstorm"; \
	fi

# ---- the Debian package --------------------------------------------------------------------------
DEB_HOST   := $(shell dpkg --print-architecture 2>/dev/null)
DEB_ARCH   ?= $(DEB_HOST)
DEB_BIN     = $(if $(filter $(DEB_ARCH),$(DEB_HOST)),build/barnstorm,build/$(DEB_ARCH)/barnstorm)
DEB_VERSION ?= $(shell n=$$(git rev-list --count HEAD 2>/dev/null) && h=$$(git rev-parse --short HEAD 2>/dev/null) \
                 && echo 0.1.0+git$$n.$$h || echo 0.1.0)
# Staged outside build/: the Makefile includes every '*.d' under build/, and a package tree has
# directories such as sysusers.d. Removed once the package is built.
DEB_STAGE   = /var/tmp/barnstorm-deb-$(DEB_ARCH)
DEB_MULTIARCH = $(shell dpkg-architecture -a$(DEB_ARCH) -qDEB_HOST_MULTIARCH 2>/dev/null)

deb:
	@$(if $(filter $(DEB_ARCH),$(DEB_HOST)),,image/arm64-deps cross)
	@$(MAKE) --no-print-directory build/deb/barnstorm_$(DEB_ARCH).deb DEB_ARCH=$(DEB_ARCH)

# Always rebuilt (cheap), so a changed unit or asset is never missing from the package.
.PHONY: build/deb/barnstorm_$(DEB_ARCH).deb
build/deb/barnstorm_$(DEB_ARCH).deb: $(DEB_BIN) $(MO)
	rm -rf $(DEB_STAGE)
	$(MAKE) --no-print-directory install DESTDIR=$(DEB_STAGE)/root PREFIX=/usr SYSCONFDIR=/etc \
	  INSTALL_BIN=$(DEB_BIN)
	install -d $(DEB_STAGE)/root/DEBIAN $(DEB_STAGE)/src/debian
	install -m 755 platform/systemd/postinst platform/systemd/prerm platform/systemd/postrm $(DEB_STAGE)/root/DEBIAN/
	printf '%s\n' /etc/systemd/system.conf.d/barnstorm-watchdog.conf /etc/default/barnstorm > $(DEB_STAGE)/root/DEBIAN/conffiles
	@# dpkg-shlibdeps turns the libraries the program links into Depends (with versions); it wants a
	@# debian/control to exist, and finds arm64 libraries through the multiarch paths.
	printf 'Source: barnstorm\n\nPackage: barnstorm\nArchitecture: any\n' > $(DEB_STAGE)/src/debian/control
	cd $(DEB_STAGE)/src && DEB_HOST_ARCH=$(DEB_ARCH) DEB_HOST_MULTIARCH=$(DEB_MULTIARCH) \
	  dpkg-shlibdeps -O -l/usr/lib/$(DEB_MULTIARCH) ../root/usr/bin/barnstorm 2>/dev/null \
	  | sed -n 's/^shlibs:Depends=//p' > ../depends
	@test -s $(DEB_STAGE)/depends || { echo "dpkg-shlibdeps found no libraries for $(DEB_BIN)" >&2; exit 1; }
	{ echo "Package: barnstorm"; echo "Version: $(DEB_VERSION)"; echo "Architecture: $(DEB_ARCH)"; \
	  echo "Maintainer: Barnstorm kiosk <barnstorm@localhost>"; echo "Section: misc"; echo "Priority: optional"; \
	  echo "Installed-Size: $$(du -sk $(DEB_STAGE)/root | cut -f1)"; \
	  echo "Depends: $$(cat $(DEB_STAGE)/depends), fonts-dejavu-core, tzdata, systemd, init-system-helpers, util-linux"; \
	  echo "Recommends: libegl-mesa0, libgl1-mesa-dri, libgles2, wpasupplicant, ca-certificates, systemd-timesyncd, avahi-daemon"; \
	  echo "Description: touch kiosk for volunteer barnstorm meetings"; \
	  echo " Check-in, agenda timer, slides, team sign-up with printed slips, and uploads of the"; \
	  echo " results, full screen on a Raspberry Pi (KMS/DRM) started by systemd on tty1."; \
	} > $(DEB_STAGE)/root/DEBIAN/control
	cd $(DEB_STAGE)/root && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' \
	  | xargs -0 md5sum > DEBIAN/md5sums
	@mkdir -p $(dir $@)
	dpkg-deb --root-owner-group -Zxz --build $(DEB_STAGE)/root $@
	rm -rf $(DEB_STAGE)
	@echo "built $@ (barnstorm $(DEB_VERSION), $(DEB_ARCH))"
