# kvm/: the KVM backend (Linux host through a root directory, QEMU guests).
ifeq ($(CONFIG_KVM),y)
COMMON_SRCS += $(wildcard kvm/*.c)
CPPFLAGS += -DCONFIG_KVM -Ikvm
CFLAGS_kvm/ := $(HWLOC_CFLAGS) $(JSON_CFLAGS)
COMMON_LIBS_KVM := $(HWLOC_LIBS)
endif
