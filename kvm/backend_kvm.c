/*
 * backend_kvm.c: the KVM backend: the Linux host through a root directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_kvm.h"
#include "linux_host.h"

struct kvm_priv {
    char *root;                /* "/" for the live host */
};

static int kvm_open(struct np_backend *be, const char *arg,
                    struct np_err *err)
{
    struct kvm_priv *priv = NULL;
    const char *root = arg ? arg : "/";
    int fd = -1, rc;

    fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        np_err_set(err, rc, "cannot open the host root directory '%s': %s",
                   root, strerror(-rc));
        goto out;
    }
    priv = calloc(1, sizeof(*priv));
    if (!priv) {
        rc = -ENOMEM;
        goto out;
    }
    priv->root = strdup(root);
    if (!priv->root) {
        rc = -ENOMEM;
        goto out;
    }
    be->priv = priv;
    priv = NULL;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (priv)
        free(priv->root);
    free(priv);
    return rc;
}

static void kvm_close(struct np_backend *be)
{
    struct kvm_priv *priv = be->priv;

    if (priv)
        free(priv->root);
    free(priv);
    be->priv = NULL;
}

static int kvm_read_host(struct np_backend *be, struct np_snapshot *snap,
                         struct np_err *err)
{
    struct kvm_priv *priv = be->priv;
    int rc;

    rc = np_linux_read_host(priv->root, &snap->topo, err);
    if (rc)
        return rc;
    snap->backend = "kvm";
    return 0;
}

static int kvm_read_guests(struct np_backend *be, struct np_snapshot *snap,
                           struct np_err *err)
{
    /*
     * Not yet: finding QEMU guests (processes, vCPU threads, QMP) comes in
     * a later issue.  Until then the KVM backend knows nothing about
     * guests, which is what has_guests = false says; NP_CAP_GUESTS is not
     * in caps.
     */
    snap->has_guests = false;
    snap->backend = "kvm";
    return 0;
}

static int kvm_set_vcpu_affinity(struct np_backend *be,
                                 const struct np_guest *g, int vcpu,
                                 const struct np_cpumap *hard,
                                 const struct np_cpumap *soft,
                                 struct np_err *err)
{
    return np_err_set(err, -EOPNOTSUPP,
                      "the kvm backend cannot pin vcpus yet");
}

static int kvm_set_node_affinity(struct np_backend *be,
                                 const struct np_guest *g,
                                 const struct np_cpumap *nodes,
                                 struct np_err *err)
{
    return np_err_set(err, -EOPNOTSUPP,
                      "the kvm backend cannot set node affinity yet");
}

static int kvm_move_memory(struct np_backend *be, const struct np_guest *g,
                           const struct np_cpumap *from,
                           const struct np_cpumap *to, struct np_err *err)
{
    return np_err_set(err, -EOPNOTSUPP,
                      "the kvm backend cannot move guest memory yet");
}

const struct np_backend_ops np_kvm_ops = {
    .name = "kvm",
    .caps = 0,
    .open = kvm_open,
    .close = kvm_close,
    .read_host = kvm_read_host,
    .read_guests = kvm_read_guests,
    .set_vcpu_affinity = kvm_set_vcpu_affinity,
    .set_node_affinity = kvm_set_node_affinity,
    .move_memory = kvm_move_memory,
};
