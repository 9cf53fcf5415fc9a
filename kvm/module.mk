# kvm/: the KVM backend (Linux host through a root directory, QEMU guests).
ifeq ($(CONFIG_KVM),y)
COMMON_SRCS += $(wildcard kvm/*.c)
CPPFLAGS += -DCONFIG_KVM -Ikvm
endif
