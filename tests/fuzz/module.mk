# tests/fuzz/: libFuzzer targets (clang), built by `make fuzz` into
# build-fuzz/ and run over their corpus for a bounded time by
# tests/fuzz/run (part of `make check` when clang is installed).
FUZZ_CC      ?= clang
FUZZ_TARGETS := cpulist xml json policy plan xlcfg qemu sysfs
FUZZ_SRCS    := $(filter-out common/backend_test.c,$(wildcard common/*.c))
# the KVM parsers of what a QEMU process shows (fuzz_qemu)
FUZZ_KVM_SRCS := $(filter-out kvm/backend_kvm.c kvm/kvm_nodes.c kvm/hwloc_host.c \
    kvm/kvm_hw.c kvm/linux_host.c,$(wildcard kvm/*.c))
FUZZ_FLAGS   := -std=gnu11 -g -O1 -D_GNU_SOURCE -Icommon \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRCS) $(wildcard common/*.h)
	@mkdir -p build-fuzz
	$(vecho) FUZZ $@
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(XML_CFLAGS) $(JSON_CFLAGS) -o $@ $< \
	    $(FUZZ_SRCS) $(XML_LIBS) $(JSON_LIBS)

build-fuzz/fuzz_qemu: tests/fuzz/fuzz_qemu.c $(FUZZ_SRCS) $(FUZZ_KVM_SRCS) \
    $(wildcard common/*.h kvm/*.h)
	@mkdir -p build-fuzz
	$(vecho) FUZZ $@
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -Ikvm $(XML_CFLAGS) $(JSON_CFLAGS) -o $@ \
	    $< $(FUZZ_SRCS) $(FUZZ_KVM_SRCS) $(XML_LIBS) $(JSON_LIBS)

fuzz-build: $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)

# `make fuzz FUZZ_SECONDS=N`: every target N seconds (tests/fuzz/run's
# default, the bounded time of `make check`, when not given)
fuzz: fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run

# the Linux host reader over a tree made of the input (fuzz_sysfs; it
# stands in for hwloc_host.c, which it never calls)
build-fuzz/fuzz_sysfs: tests/fuzz/fuzz_sysfs.c $(FUZZ_SRCS) $(FUZZ_KVM_SRCS) \
    kvm/linux_host.c $(wildcard common/*.h kvm/*.h)
	@mkdir -p build-fuzz
	$(vecho) FUZZ $@
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -Ikvm $(XML_CFLAGS) $(JSON_CFLAGS) -o $@ \
	    $< $(FUZZ_SRCS) $(FUZZ_KVM_SRCS) kvm/linux_host.c $(XML_LIBS) \
	    $(JSON_LIBS)

.PHONY: fuzz fuzz-build
