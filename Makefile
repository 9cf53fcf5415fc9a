# numapin: one non-recursive Makefile.  Each directory appends to the
# object lists in its module.mk.  `make V=1` shows the commands.
#
#   make            build numapin
#   make run        install what is missing, build, run the main job
#   make check      install what is missing, build, run every test
#   make bench      build and run the placement benchmark (tests/bench)
#   make deps       install the Debian packages that are missing
#   make install / uninstall / clean

include Config.mk

ifeq ($(V),1)
Q :=
vecho = @true
else
Q := @
vecho = @printf '  %-7s %s\n'
endif

.DEFAULT_GOAL := all

# Filled by the module.mk files.
COMMON_SRCS :=
NUMAPIN_SRCS :=
NUMAPIN_LIBS :=
UNIT_SRCS :=
TOOLS :=

NUMAPIN      := $(BUILD)/numapin
LIBCOMMON    := $(BUILD)/libnpcommon.a
UNIT_RUNNER  := $(BUILD)/tests/unit/np-unit

include common/module.mk
include kvm/module.mk
include xl-plugin/module.mk
include tests/module.mk
include tests/fuzz/module.mk

COMMON_OBJS  := $(COMMON_SRCS:%.c=$(BUILD)/%.o)
NUMAPIN_OBJS := $(NUMAPIN_SRCS:%.c=$(BUILD)/%.o)
UNIT_OBJS    := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
ALL_OBJS     := $(COMMON_OBJS) $(NUMAPIN_OBJS) $(UNIT_OBJS)

# libxml2 and hwloc are not linked: common/xml_lib.c and kvm/hwloc_lib.c
# dlopen() them when XML or a host's hardware is first used
COMMON_LIBS  := $(JSON_LIBS) -ldl

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(vecho) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(CFLAGS_$(dir $<)) -c -o $@ $<

$(LIBCOMMON): $(COMMON_SRCS:%.c=$(BUILD)/%.o)
	$(vecho) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(NUMAPIN): $(NUMAPIN_SRCS:%.c=$(BUILD)/%.o) $(LIBCOMMON)
	$(vecho) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBCOMMON) $(NUMAPIN_LIBS) \
	    $(COMMON_LIBS)

# The plain build (build/) keeps a symlink at the top for convenience.
numapin: $(NUMAPIN)
ifeq ($(BUILD),build)
	$(Q)ln -sf $(NUMAPIN) numapin
endif

all: numapin $(TOOLS)

deps:
	$(Q)tools/install-deps $(DEPS)

# `make run` needs the build packages; `make check` the test bed's too.
DEPS ?= build
# NP_TESTS=fast skips the tests that boot QEMU (the Xen test bed).
NP_TESTS ?= all
check: DEPS = test

# After `deps`, a second make reads the new pkg-config results.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/main-job ./numapin

# `make check` runs every test, then the unit and command-line tests again
# built with AddressSanitizer and UndefinedBehaviorSanitizer.
check: deps
	$(Q)$(MAKE) --no-print-directory check-only
	$(Q)$(MAKE) --no-print-directory check-only SANITIZE=1 NP_TESTS=fast

check-only: all $(UNIT_RUNNER) $(TOOLS)
	$(Q)NP_TESTS=$(NP_TESTS) tests/run-all $(BUILD)

# The Debian package, built from a copy of the tree, linted, unpacked in a
# scratch root and run (tests/deb/run; also part of the full `make check`).
check-deb:
	$(Q)tests/deb/run

# The other configurations (tests/config/run: CONFIG_KVM=n without test
# hooks, CONFIG_XEN=n), each built at -O0 into build-config/; also part of
# the full `make check`.
check-config:
	$(Q)tests/config/run

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 $(NUMAPIN) $(DESTDIR)$(BINDIR)/numapin
	$(INSTALL) -m 644 docs/numapin.1 $(DESTDIR)$(MANDIR)/man1/numapin.1
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 644 completion/numapin.bash $(DESTDIR)$(BASHCOMPDIR)/numapin
	$(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/numapin
	sed 's|@BINDIR@|$(BINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    systemd/numapin-watch.service > $(DESTDIR)$(SYSTEMDUNITDIR)/numapin-watch.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/numapin-watch.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/numapin/watch.conf ] || \
	    $(INSTALL) -m 644 systemd/watch.conf $(DESTDIR)$(SYSCONFDIR)/numapin/watch.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/numapin $(DESTDIR)$(MANDIR)/man1/numapin.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/numapin
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/numapin-watch.service

clean:
	rm -rf build build-san build-fuzz build-release build-san-release \
	    build-config numapin

.PHONY: all deps run check check-only check-deb check-config install uninstall clean numapin

-include $(ALL_OBJS:.o=.d)
