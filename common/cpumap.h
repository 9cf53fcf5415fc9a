/*
 * cpumap.h: numapin's own bitmap of CPU (or node) numbers.
 *
 * Invariants:
 *  - a struct np_cpumap holds nr_bits bits, numbered 0..nr_bits-1; bits past
 *    nr_bits in the last word are always zero;
 *  - the size is in bits (libxl's libxl_bitmap is in bytes: convert only at
 *    the edges, in the backend that needs it);
 *  - a map is a by-value struct: np_cpumap_init() makes it empty and
 *    harmless, np_cpumap_alloc() gives it storage, np_cpumap_dispose()
 *    frees it and leaves it as after init; both are idempotent.
 *
 * The same type serves for sets of nodes ("nodemaps").
 *
 * Iterate with:
 *     int cpu;
 *     np_cpumap_for_each(cpu, &map)
 *         use(cpu);
 */
#ifndef NP_CPUMAP_H
#define NP_CPUMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct np_cpumap {
    unsigned int nr_bits;
    unsigned long *bits;
};

#define NP_CPUMAP_WORD_BITS (8 * sizeof(unsigned long))

void np_cpumap_init(struct np_cpumap *map);
void np_cpumap_dispose(struct np_cpumap *map);

/* Allocate an empty map of nr_bits bits (any previous storage is freed).
 * Returns 0 or -ENOMEM. */
int np_cpumap_alloc(struct np_cpumap *map, unsigned int nr_bits);

/* Make dst an exact copy of src (size and bits).  0 or -ENOMEM. */
int np_cpumap_copy(struct np_cpumap *dst, const struct np_cpumap *src);

/* Change the size, keeping the bits that still fit.  0 or -ENOMEM. */
int np_cpumap_resize(struct np_cpumap *map, unsigned int nr_bits);

/* Bits out of range: test returns false, set returns -ERANGE, clear is a
 * no-op. */
bool np_cpumap_test(const struct np_cpumap *map, int bit);
int np_cpumap_set(struct np_cpumap *map, int bit);
void np_cpumap_clear(struct np_cpumap *map, int bit);
void np_cpumap_set_all(struct np_cpumap *map);
void np_cpumap_zero(struct np_cpumap *map);
/* Set bits first..last (inclusive).  -ERANGE when out of range. */
int np_cpumap_set_range(struct np_cpumap *map, int first, int last);

/* dst = dst OP src, on the bits both have; dst keeps its size. */
void np_cpumap_or(struct np_cpumap *dst, const struct np_cpumap *src);
void np_cpumap_and(struct np_cpumap *dst, const struct np_cpumap *src);
void np_cpumap_andnot(struct np_cpumap *dst, const struct np_cpumap *src);

unsigned int np_cpumap_weight(const struct np_cpumap *map);
bool np_cpumap_is_empty(const struct np_cpumap *map);
/* Same set of bits; sizes may differ (missing bits count as zero). */
bool np_cpumap_equal(const struct np_cpumap *a, const struct np_cpumap *b);
/* Every bit of a is set in b. */
bool np_cpumap_subset(const struct np_cpumap *a, const struct np_cpumap *b);
/* Some bit is set in both. */
bool np_cpumap_intersects(const struct np_cpumap *a, const struct np_cpumap *b);

/* The first set bit after prev (prev = -1 to start), or -1 at the end. */
int np_cpumap_next(const struct np_cpumap *map, int prev);
/* The highest set bit, or -1 when empty. */
int np_cpumap_last(const struct np_cpumap *map);

#define np_cpumap_for_each(bit, map)                                           \
    for ((bit) = np_cpumap_next((map), -1); (bit) >= 0;                        \
         (bit) = np_cpumap_next((map), (bit)))

/*
 * Byte-array conversions, used at the edges (libxl_bitmap, cpu_set_t,
 * sysfs masks): bit N is bit (N % 8) of byte N / 8.
 * to_bytes writes nr_bytes bytes, zero-filling past nr_bits.
 * from_bytes allocates map with nr_bits bits; bytes past nr_bits must be 0,
 * otherwise it returns -ERANGE.
 */
void np_cpumap_to_bytes(const struct np_cpumap *map, uint8_t *bytes,
                        size_t nr_bytes);
int np_cpumap_from_bytes(struct np_cpumap *map, unsigned int nr_bits,
                         const uint8_t *bytes, size_t nr_bytes);

#endif /* NP_CPUMAP_H */
