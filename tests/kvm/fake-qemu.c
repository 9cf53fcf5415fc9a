/*
 * fake-qemu.c: a stand-in for a QEMU guest inside the migrate test VM
 * (tests/kvm/migrate-vm), built with gcc -static and installed there as
 * /bin/qemu-system-x86_64 so that numapin finds it as QEMU finds itself:
 * by argv[0], "-name guest=NAME,debug-threads=on" and threads named
 * "CPU n/TCG".
 *
 *   qemu-system-x86_64 -name guest=NAME,debug-threads=on -smp N -m MIB
 *
 * touches MIB MiB (first touch: on the node of the CPU it runs on), names
 * N threads "CPU 0/TCG" ... that sleep, prints "ready PID" and sleeps until
 * killed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *vcpu(void *arg)
{
    for (;;)
        pause();
    return arg;
}

int main(int argc, char **argv)
{
    long mib = 64, nr = 2, i;
    pthread_t th;
    char name[16];
    char *mem;

    for (i = 1; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "-m"))
            mib = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "-smp"))
            nr = atol(argv[i + 1]);
    }
    mem = malloc((size_t)mib << 20);
    if (!mem)
        return 1;
    memset(mem, 0x5a, (size_t)mib << 20);
    for (i = 0; i < nr; i++) {
        if (pthread_create(&th, NULL, vcpu, NULL))
            return 1;
        snprintf(name, sizeof(name), "CPU %ld/TCG", i);
        pthread_setname_np(th, name);
    }
    printf("ready %ld\n", (long)getpid());
    fflush(stdout);
    for (;;)
        pause();
}
