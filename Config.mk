# Config.mk: every knob of the build.  Override on the command line:
#   make CC=clang SANITIZE=1 WERROR=1 PREFIX=/usr DESTDIR=/tmp/stage

VERSION   := 0.2.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SYSTEMDUNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR   ?=

CC        ?= cc
PKG_CONFIG ?= pkg-config
INSTALL   ?= install

# WERROR=1 turns warnings into errors (CI does).  SANITIZE=1 builds with
# AddressSanitizer and UndefinedBehaviorSanitizer into build-san/.
WERROR    ?= 0
SANITIZE  ?= 0

OPTFLAGS  ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wpointer-arith -Wvla -Wno-unused-parameter
ifeq ($(WERROR),1)
WARNFLAGS += -Werror
endif

# CONFIG_TEST_HOOKS=y compiles the environment hooks through which the
# tests inject faults (NUMAPIN_TEST_*: a failing, killed or slow write of
# the test backend, a Xen domain destroyed half-way through a pin, a daemon
# without the proc connector).  On in the build the tests run (build/);
# off in what ships: `make install` and the Debian package build into
# build-release/, so that the two never share an object.
ifneq ($(filter install,$(MAKECMDGOALS)),)
CONFIG_TEST_HOOKS ?= n
endif
CONFIG_TEST_HOOKS ?= y

BUILD     := build
ifeq ($(SANITIZE),1)
BUILD     := build-san
OPTFLAGS  := -O1 -g -fno-omit-frame-pointer
SANFLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all
endif
ifneq ($(CONFIG_TEST_HOOKS),y)
BUILD     := $(BUILD)-release
endif

# pkg-config results.  Empty when the package is missing: `make deps`
# installs what is missing.
XML_CFLAGS   := $(shell $(PKG_CONFIG) --cflags libxml-2.0 2>/dev/null)
XML_LIBS     := $(shell $(PKG_CONFIG) --libs libxml-2.0 2>/dev/null)
JSON_CFLAGS  := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSON_LIBS    := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null)
HWLOC_CFLAGS := $(shell $(PKG_CONFIG) --cflags hwloc 2>/dev/null)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

# CONFIG_XEN is on when libxenlight is found (libxen-dev).
XEN_CFLAGS   := $(shell $(PKG_CONFIG) --cflags xenlight xentoollog xenstore 2>/dev/null)
XEN_LIBS     := $(shell $(PKG_CONFIG) --libs xenlight xentoollog xenstore 2>/dev/null)
ifneq ($(XEN_LIBS),)
CONFIG_XEN   ?= y
else
CONFIG_XEN   ?= n
endif
# The KVM backend needs only the Linux host: on unless CONFIG_KVM=n
# (`make check-config` builds that way).
CONFIG_KVM   ?= y

CPPFLAGS  += -D_GNU_SOURCE -Icommon -DNP_VERSION='"$(VERSION)"'
ifeq ($(CONFIG_TEST_HOOKS),y)
CPPFLAGS  += -DCONFIG_TEST_HOOKS
endif
CFLAGS    ?=
CFLAGS    += -std=gnu11 $(OPTFLAGS) $(WARNFLAGS) $(SANFLAGS) -MMD -MP
LDFLAGS   += $(SANFLAGS)
