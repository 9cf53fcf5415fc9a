# kvm/: the KVM backend (Linux host through a root directory, QEMU guests).
ifeq ($(CONFIG_KVM),y)
COMMON_SRCS += $(wildcard kvm/*.c)
CPPFLAGS += -DCONFIG_KVM -Ikvm
# hwloc is not linked: kvm/hwloc_lib.c dlopen()s the soname of the
# library built against when a host's hardware is first read
HWLOC_SONAME := $(shell readelf -d $$($(PKG_CONFIG) --variable=libdir hwloc \
    2>/dev/null)/libhwloc.so 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
CFLAGS_kvm/ := $(HWLOC_CFLAGS) $(JSON_CFLAGS) \
    $(if $(HWLOC_SONAME),-DNP_HWLOC_SONAME='"$(HWLOC_SONAME)"')
endif
