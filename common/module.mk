# common/: the hypervisor-free layer.  No Xen headers here.
COMMON_SRCS += $(wildcard common/*.c)
CFLAGS_common/ := $(XML_CFLAGS) $(JSON_CFLAGS)
