# tests/: Check unit tests (one suite per file, found by name), CLI tests,
# the Xen test bed, fuzz targets and benchmarks.
# The suites of the Linux host and QEMU need the KVM backend.
UNIT_TESTS := $(wildcard tests/unit/test_*.c)
ifneq ($(CONFIG_KVM),y)
UNIT_TESTS := $(filter-out tests/unit/test_linux_host.c \
    tests/unit/test_kvm_guests.c tests/unit/test_kvm_cgroup.c \
    tests/unit/test_solver_hw.c,$(UNIT_TESTS))
endif
UNIT_SRCS += $(UNIT_TESTS) tests/unit/runner.c tests/unit/np_test.c
UNIT_SUITES := $(basename $(notdir $(UNIT_TESTS)))

# The suite list is generated from the file names: test_foo.c defines
# Suite *suite_test_foo(void).
$(BUILD)/tests/unit/suites.h: $(UNIT_TESTS)
	@mkdir -p $(dir $@)
	$(Q)printf 'NP_SUITE(suite_%s)\n' $(UNIT_SUITES) > $@

$(BUILD)/tests/unit/runner.o: $(BUILD)/tests/unit/suites.h
CFLAGS_tests/unit/ := $(CHECK_CFLAGS) $(XML_CFLAGS) $(JSON_CFLAGS) \
    -I$(BUILD)/tests/unit -DNP_SRCDIR='"$(CURDIR)"'

$(UNIT_RUNNER): $(UNIT_SRCS:%.c=$(BUILD)/%.o) $(LIBCOMMON)
	$(vecho) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBCOMMON) $(COMMON_LIBS) \
	    $(CHECK_LIBS)

# tests/bench: `make bench` builds the placement benchmark and runs it; it
# prints figures (numapin against libxl's and virt-install's documented
# placement and an exhaustive search) and is not part of `make check`.
# tests/bench/plan-cost: `plan --all` on 1,000 guests against the solver
# in the same run, in callgrind's instructions.
BENCH := $(BUILD)/tests/bench/np-bench
BENCH_OBJS := $(addprefix $(BUILD)/tests/bench/,np_bench.o instances.o \
    places.o peers.o)
CFLAGS_tests/bench/ := $(JSON_CFLAGS) -DNP_SRCDIR='"$(CURDIR)"'

$(BENCH): $(BENCH_OBJS) $(LIBCOMMON)
	$(vecho) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBCOMMON) $(COMMON_LIBS)

bench: $(BENCH) $(NUMAPIN) $(BENCH_READ)
	$(Q)tools/install-deps bench
	$(Q)$(BENCH)
	$(Q)tests/bench/plan-cost $(BUILD)
	$(Q)tests/bench/apply-many $(NUMAPIN)
	$(Q)tests/bench/read-trees $(BUILD)

# tests/bench/read-trees: reading captured hosts, hwloc against numapin's
# own reader.
BENCH_READ := $(BUILD)/tests/bench/np-bench-read
$(BENCH_READ): $(BUILD)/tests/bench/read_trees.o $(LIBCOMMON)
	$(vecho) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBCOMMON) $(COMMON_LIBS)

-include $(BENCH_OBJS:.o=.d)

# tests/bench/fleet-bench: `fleet place` over 10,000 generated host
# snapshots (100,000 guests), against Nova's numa_fit_instance_to_host;
# `make bench-fleet` alone, and part of `make bench`.
FLEET_BENCH := $(BUILD)/tests/bench/np-fleet-bench

$(FLEET_BENCH): $(BUILD)/tests/bench/fleet_bench.o $(LIBCOMMON)
	$(vecho) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBCOMMON) $(COMMON_LIBS)

bench-fleet: $(FLEET_BENCH) $(NUMAPIN)
	$(Q)tools/install-deps bench
	$(Q)tests/bench/fleet-bench $(BUILD)

bench: bench-fleet

# tests/bench/load_bench.c: issue 10's load target (65,536 CPUs and
# 100,000 guests read in under 2 s each), against a plain json-c parse of
# the same text; `make bench-load` alone, and part of `make bench`.
BENCH_LOAD := $(BUILD)/tests/bench/np-bench-load
$(BENCH_LOAD): $(BUILD)/tests/bench/load_bench.o $(LIBCOMMON)
	$(vecho) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBCOMMON) $(COMMON_LIBS)

bench-load: $(BENCH_LOAD)
	$(Q)$(BENCH_LOAD)

bench: bench-load

.PHONY: bench bench-fleet bench-load

# tests/bench/xen-calls: the libxl calls (and their hypercalls) of the live
# commands on Xen, counted through a test double of libxl loaded with
# LD_PRELOAD (tests/bench/fake_libxl.c); `make bench-xen` alone, and part
# of `make bench`.
FAKEXL := $(BUILD)/tests/bench/libfakexl.so
$(FAKEXL): tests/bench/fake_libxl.c
	@mkdir -p $(dir $@)
	$(vecho) CC $@
	$(Q)$(CC) $(CPPFLAGS) $(filter-out $(SANFLAGS),$(CFLAGS)) $(XEN_CFLAGS) \
	    -fPIC -shared -o $@ $<

# tests/bench/time_libxl.c: the time of each libxl call of a command in
# the Xen test bed's dom0 (tests/xen/dom0-bench), through LD_PRELOAD in
# front of the real libxl; built for `make check`, which boots the bed.
TIMEXL := $(BUILD)/tests/bench/libtimexl.so
$(TIMEXL): tests/bench/time_libxl.c
	@mkdir -p $(dir $@)
	$(vecho) CC $@
	$(Q)$(CC) $(CPPFLAGS) $(filter-out $(SANFLAGS),$(CFLAGS)) $(XEN_CFLAGS) \
	    -fPIC -shared -o $@ $< -ldl

ifeq ($(CONFIG_XEN),y)
check-only: $(TIMEXL)
bench-xen: $(NUMAPIN) $(FAKEXL)
	$(Q)tests/bench/xen-calls $(BUILD)
else
bench-xen:
	@echo "xen-calls: skipped: numapin is built without Xen (CONFIG_XEN=n)"
endif

bench: bench-xen

.PHONY: bench-xen
