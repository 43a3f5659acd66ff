# `make fuzz`: the libFuzzer targets, built with clang from the app sources (not from the
# gcc-built archive) under ASan + UBSan, each run for FUZZ_SECONDS (default 120):
#   fuzz-roster  the roster import (and the search over what it imported)
#   fuzz-text    the text path: measure, labels with ellipsis, wrapping, drawing, the slip's font
# Not part of `make test`. Findings are written as crash-*/leak-* files in build/fuzz/.
FUZZ_SECONDS ?= 120
FUZZ_FLAGS   := $(WARN) $(DEFS) -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

.PHONY: fuzz fuzz-roster fuzz-text
fuzz: fuzz-roster fuzz-text

fuzz-roster: build/fuzz/fuzz_roster
	@mkdir -p build/fuzz/corpus
	@cp tests/data/roster/*.csv build/fuzz/corpus/
	cd build/fuzz && ./fuzz_roster -max_total_time=$(FUZZ_SECONDS) -max_len=262144 \
	  -rss_limit_mb=2048 -timeout=30 corpus

# Seeds: the first byte picks font, weight, alignment and scale (tests/fuzz_text.c).
fuzz-text: build/fuzz/fuzz_text
	@mkdir -p build/fuzz/corpus-text
	@printf '\001Folkets\302\255Hus' > build/fuzz/corpus-text/soft-hyphen
	@printf '\002\342\200\213' > build/fuzz/corpus-text/zwsp
	@printf '\005+12:34' > build/fuzz/corpus-text/timer
	@printf '\013S\303\270ren \360\237\221\251\342\200\215\360\237\221\247 \377 \314\201' > build/fuzz/corpus-text/mixed
	@printf '\003a long line of words that wraps\000and another one' > build/fuzz/corpus-text/two
	cd build/fuzz && SDL_VIDEODRIVER=offscreen ./fuzz_text -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=4097 -rss_limit_mb=2048 -timeout=30 corpus-text

build/fuzz/fuzz_roster: tests/fuzz_roster.c $(LIBSRC) $(wildcard app/*.h platform/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) $(INC) $(PKG_CFLAGS) tests/fuzz_roster.c $(LIBSRC) -o $@ $(PKG_LIBS)

build/fuzz/fuzz_text: tests/fuzz_text.c $(LIBSRC) $(wildcard app/*.h platform/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) $(INC) $(PKG_CFLAGS) tests/fuzz_text.c $(LIBSRC) -o $@ $(PKG_LIBS)
