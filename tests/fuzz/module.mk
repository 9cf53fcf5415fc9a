# tests/fuzz/: libFuzzer targets (clang), built by `make fuzz` into
# build-fuzz/ and run over their corpus for a bounded time by
# tests/fuzz/run (part of `make check` when clang is installed).
FUZZ_CC      ?= clang
FUZZ_TARGETS := cpulist xml json policy
FUZZ_SRCS    := $(filter-out common/backend_test.c,$(wildcard common/*.c))
FUZZ_FLAGS   := -std=gnu11 -g -O1 -D_GNU_SOURCE -Icommon \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRCS) $(wildcard common/*.h)
	@mkdir -p build-fuzz
	$(vecho) FUZZ $@
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(XML_CFLAGS) $(JSON_CFLAGS) -o $@ $< \
	    $(FUZZ_SRCS) $(XML_LIBS) $(JSON_LIBS)

fuzz: $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)

.PHONY: fuzz
