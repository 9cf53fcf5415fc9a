# xl-plugin/: the numapin command and the Xen backend on libxl.
NUMAPIN_SRCS += $(filter-out xl-plugin/xen_%.c,$(wildcard xl-plugin/*.c))
ifeq ($(CONFIG_XEN),y)
NUMAPIN_SRCS += $(wildcard xl-plugin/xen_*.c)
NUMAPIN_LIBS += $(XEN_LIBS)
CFLAGS_xl-plugin/ := $(XEN_CFLAGS) -DCONFIG_XEN
endif
