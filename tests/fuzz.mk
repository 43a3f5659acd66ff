# `make fuzz`: the libFuzzer target for the roster import, built with clang from the app sources
# (not from the gcc-built archive) under ASan + UBSan, run for FUZZ_SECONDS (default 120).
# Not part of `make test`. Findings are written as crash-*/leak-* files in build/fuzz/.
FUZZ_SECONDS ?= 120
FUZZ_FLAGS   := $(WARN) $(DEFS) -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

.PHONY: fuzz
fuzz: build/fuzz/fuzz_roster
	@mkdir -p build/fuzz/corpus
	@cp tests/data/roster/*.csv build/fuzz/corpus/
	cd build/fuzz && ./fuzz_roster -max_total_time=$(FUZZ_SECONDS) -max_len=262144 \
	  -rss_limit_mb=2048 -timeout=30 corpus

build/fuzz/fuzz_roster: tests/fuzz_roster.c $(LIBSRC) $(wildcard app/*.h platform/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) $(INC) $(PKG_CFLAGS) tests/fuzz_roster.c $(LIBSRC) -o $@ $(PKG_LIBS)
