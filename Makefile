# Barnstorm kiosk. `make` builds build/barnstorm; `make run` starts the demo; `make test` runs
# every test under AddressSanitizer and UndefinedBehaviorSanitizer; `make bench` prints figures.
# Each target installs the Debian packages it needs first (platform/debian-deps).

CC      ?= cc
PKGS    := sdl2 SDL2_ttf SDL2_image sqlite3 libqrencode libcurl inih jansson poppler-glib libsystemd \
           libmicrohttpd libsodium xlsxwriter avahi-client
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
DEFS    := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -lpthread
INC     := -Iapp -Iplatform

CFLAGS_REL  := $(WARN) $(DEFS) -O2 -g
CFLAGS_ASAN := $(WARN) $(DEFS) -Werror -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined
LDFLAGS_ASAN := -fsanitize=address,undefined

SRC      := $(sort $(wildcard app/*.c app/*/*.c platform/*.c))
LIBSRC   := $(filter-out app/main.c,$(SRC))
TESTSRC  := $(sort $(wildcard tests/test_*.c))
TESTSH   := $(sort $(wildcard tests/*.sh))
PO       := $(wildcard assets/po/*.po)
MO       := $(patsubst assets/po/%.po,build/locale/%.mo,$(PO))

REL_OBJ  := $(patsubst %.c,build/obj/%.o,$(LIBSRC))
ASAN_OBJ := $(patsubst %.c,build/asan/obj/%.o,$(LIBSRC))
TESTBIN  := $(patsubst tests/%.c,build/asan/tests/%,$(TESTSRC))

.PHONY: all deps run test bench clean pot
all: build/barnstorm $(MO)

# Every object waits for the packages (order-only: `make -j` never compiles before they are in).
$(REL_OBJ) $(ASAN_OBJ) build/obj/app/main.o build/asan/obj/app/main.o: | deps

deps:
	@platform/debian-deps build

build/barnstorm: build/obj/app/main.o build/libbarnstorm.a
	$(CC) -o $@ $^ $(PKG_LIBS)

build/libbarnstorm.a: $(REL_OBJ)
	@rm -f $@; ar rcs $@ $^

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) $(INC) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

build/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ASAN) $(INC) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

build/asan/libbarnstorm.a: $(ASAN_OBJ)
	@rm -f $@; ar rcs $@ $^

build/asan/barnstorm: build/asan/obj/app/main.o build/asan/libbarnstorm.a
	$(CC) $(LDFLAGS_ASAN) -o $@ $^ $(PKG_LIBS)

build/asan/tests/%: tests/%.c tests/testutil.h build/asan/libbarnstorm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ASAN) -Wno-format-truncation $(INC) -Itests $(PKG_CFLAGS) $< -o $@ build/asan/libbarnstorm.a \
	  $(LDFLAGS_ASAN) $(PKG_LIBS) -lcmocka

build/locale/%.mo: assets/po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# Message catalog template: every string passed to tr() or marked with N_().
pot:
	xgettext --from-code=UTF-8 -k -ktr:2 -ktrn:2,3 -kN_ --add-comments=TRANSLATORS \
	  --package-name=barnstorm -o assets/po/barnstorm.pot $(SRC)
	for po in assets/po/*.po; do msgmerge -q --update --backup=none $$po assets/po/barnstorm.pot; done

run: all
	build/barnstorm run --windowed

test:
	@platform/debian-deps test
	@$(MAKE) --no-print-directory build/asan/barnstorm $(TESTBIN) $(MO)
	@BARNSTORM_BIN=$(CURDIR)/build/asan/barnstorm BARNSTORM_SRC=$(CURDIR) \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy \
	  prove --timer $(TESTBIN) $(TESTSH)

# Each tests/bench_*.c is a program that prints its figures; none asserts a time.
BENCHSRC := $(sort $(wildcard tests/bench_*.c))
BENCHBIN := $(patsubst tests/%.c,build/bench/%,$(BENCHSRC))
bench: all
	@platform/debian-deps bench
	@$(MAKE) --no-print-directory $(BENCHBIN)
	@for b in $(BENCHBIN); do echo "== $$b"; BARNSTORM_SRC=$(CURDIR) $$b || exit 1; done

build/bench/%: tests/%.c tests/testutil.h build/libbarnstorm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) $(INC) -Itests $(PKG_CFLAGS) $< -o $@ build/libbarnstorm.a $(PKG_LIBS)

clean:
	rm -rf build

# Fragments owned by parts of the tree (fuzzing, the SD-card image, packaging).
include $(sort $(wildcard tests/*.mk image/*.mk platform/*.mk))

-include $(shell find build -name '*.d' -type f 2>/dev/null)
