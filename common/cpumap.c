/*
 * cpumap.c: the np_cpumap bitmap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpumap.h"

#define WB NP_CPUMAP_WORD_BITS

static unsigned int nr_words(unsigned int nr_bits)
{
    return (nr_bits + WB - 1) / WB;
}

/* Clear the bits past nr_bits in the last word. */
static void trim_tail(struct np_cpumap *map)
{
    unsigned int tail = map->nr_bits % WB;

    if (tail && map->bits)
        map->bits[map->nr_bits / WB] &= (1UL << tail) - 1;
}

void np_cpumap_init(struct np_cpumap *map)
{
    map->nr_bits = 0;
    map->bits = NULL;
}

void np_cpumap_dispose(struct np_cpumap *map)
{
    free(map->bits);
    np_cpumap_init(map);
}

int np_cpumap_alloc(struct np_cpumap *map, unsigned int nr_bits)
{
    unsigned long *bits =
        calloc(nr_words(nr_bits) ? nr_words(nr_bits) : 1, sizeof(*bits));

    if (!bits)
        return -ENOMEM;
    free(map->bits);
    map->bits = bits;
    map->nr_bits = nr_bits;
    return 0;
}

int np_cpumap_copy(struct np_cpumap *dst, const struct np_cpumap *src)
{
    int rc;

    if (dst == src)
        return 0;
    if (dst->bits && dst->nr_bits == src->nr_bits) { /* no new array */
        if (src->nr_bits)
            memcpy(dst->bits, src->bits, nr_words(src->nr_bits) * sizeof(long));
        return 0;
    }
    rc = np_cpumap_alloc(dst, src->nr_bits);
    if (rc)
        return rc;
    if (src->nr_bits)
        memcpy(dst->bits, src->bits, nr_words(src->nr_bits) * sizeof(long));
    return 0;
}

int np_cpumap_resize(struct np_cpumap *map, unsigned int nr_bits)
{
    struct np_cpumap tmp;
    unsigned int n;
    int rc;

    np_cpumap_init(&tmp);
    rc = np_cpumap_alloc(&tmp, nr_bits);
    if (rc)
        return rc;
    n = nr_words(nr_bits < map->nr_bits ? nr_bits : map->nr_bits);
    if (n)
        memcpy(tmp.bits, map->bits, n * sizeof(long));
    trim_tail(&tmp);
    np_cpumap_dispose(map);
    *map = tmp;
    return 0;
}

bool np_cpumap_test(const struct np_cpumap *map, int bit)
{
    if (bit < 0 || (unsigned int)bit >= map->nr_bits)
        return false;
    return (map->bits[bit / WB] >> (bit % WB)) & 1;
}

int np_cpumap_set(struct np_cpumap *map, int bit)
{
    if (bit < 0 || (unsigned int)bit >= map->nr_bits)
        return -ERANGE;
    map->bits[bit / WB] |= 1UL << (bit % WB);
    return 0;
}

void np_cpumap_clear(struct np_cpumap *map, int bit)
{
    if (bit < 0 || (unsigned int)bit >= map->nr_bits)
        return;
    map->bits[bit / WB] &= ~(1UL << (bit % WB));
}

void np_cpumap_set_all(struct np_cpumap *map)
{
    if (!map->nr_bits)
        return;
    memset(map->bits, 0xff, nr_words(map->nr_bits) * sizeof(long));
    trim_tail(map);
}

void np_cpumap_zero(struct np_cpumap *map)
{
    if (map->nr_bits)
        memset(map->bits, 0, nr_words(map->nr_bits) * sizeof(long));
}

int np_cpumap_set_range(struct np_cpumap *map, int first, int last)
{
    int bit;

    if (first < 0 || last < first || (unsigned int)last >= map->nr_bits)
        return -ERANGE;
    for (bit = first; bit <= last; bit++)
        map->bits[bit / WB] |= 1UL << (bit % WB);
    return 0;
}

static unsigned int common_words(const struct np_cpumap *a,
                                 const struct np_cpumap *b)
{
    unsigned int na = nr_words(a->nr_bits), nb = nr_words(b->nr_bits);

    return na < nb ? na : nb;
}

void np_cpumap_or(struct np_cpumap *dst, const struct np_cpumap *src)
{
    unsigned int i, n = common_words(dst, src);

    for (i = 0; i < n; i++)
        dst->bits[i] |= src->bits[i];
    trim_tail(dst);
}

void np_cpumap_and(struct np_cpumap *dst, const struct np_cpumap *src)
{
    unsigned int i, n = common_words(dst, src);

    for (i = 0; i < n; i++)
        dst->bits[i] &= src->bits[i];
    for (; i < nr_words(dst->nr_bits); i++)
        dst->bits[i] = 0;
}

void np_cpumap_andnot(struct np_cpumap *dst, const struct np_cpumap *src)
{
    unsigned int i, n = common_words(dst, src);

    for (i = 0; i < n; i++)
        dst->bits[i] &= ~src->bits[i];
}

unsigned int np_cpumap_weight(const struct np_cpumap *map)
{
    unsigned int i, w = 0;

    for (i = 0; i < nr_words(map->nr_bits); i++)
        w += __builtin_popcountl(map->bits[i]);
    return w;
}

bool np_cpumap_is_empty(const struct np_cpumap *map)
{
    unsigned int i;

    for (i = 0; i < nr_words(map->nr_bits); i++)
        if (map->bits[i])
            return false;
    return true;
}

static unsigned long word_or_zero(const struct np_cpumap *map, unsigned int i)
{
    return i < nr_words(map->nr_bits) ? map->bits[i] : 0;
}

static unsigned int max_words(const struct np_cpumap *a,
                              const struct np_cpumap *b)
{
    unsigned int na = nr_words(a->nr_bits), nb = nr_words(b->nr_bits);

    return na > nb ? na : nb;
}

bool np_cpumap_equal(const struct np_cpumap *a, const struct np_cpumap *b)
{
    unsigned int i;

    for (i = 0; i < max_words(a, b); i++)
        if (word_or_zero(a, i) != word_or_zero(b, i))
            return false;
    return true;
}

bool np_cpumap_subset(const struct np_cpumap *a, const struct np_cpumap *b)
{
    unsigned int i;

    for (i = 0; i < max_words(a, b); i++)
        if (word_or_zero(a, i) & ~word_or_zero(b, i))
            return false;
    return true;
}

bool np_cpumap_intersects(const struct np_cpumap *a, const struct np_cpumap *b)
{
    unsigned int i;

    for (i = 0; i < common_words(a, b); i++)
        if (a->bits[i] & b->bits[i])
            return true;
    return false;
}

int np_cpumap_next(const struct np_cpumap *map, int prev)
{
    unsigned int bit = prev < 0 ? 0 : (unsigned int)prev + 1;
    unsigned int i;
    unsigned long w;

    if (bit >= map->nr_bits)
        return -1;
    i = bit / WB;
    w = map->bits[i] & (~0UL << (bit % WB));
    for (;;) {
        if (w)
            return (int)(i * WB + __builtin_ctzl(w));
        if (++i >= nr_words(map->nr_bits))
            return -1;
        w = map->bits[i];
    }
}

int np_cpumap_last(const struct np_cpumap *map)
{
    unsigned int i = nr_words(map->nr_bits);

    while (i-- > 0)
        if (map->bits[i])
            return (int)(i * WB + WB - 1 - __builtin_clzl(map->bits[i]));
    return -1;
}

void np_cpumap_to_bytes(const struct np_cpumap *map, uint8_t *bytes,
                        size_t nr_bytes)
{
    size_t i;
    int bit;

    memset(bytes, 0, nr_bytes);
    np_cpumap_for_each(bit, map)
    {
        i = (size_t)bit / 8;
        if (i >= nr_bytes)
            break;
        bytes[i] |= (uint8_t)(1U << (bit % 8));
    }
}

int np_cpumap_from_bytes(struct np_cpumap *map, unsigned int nr_bits,
                         const uint8_t *bytes, size_t nr_bytes)
{
    size_t i;
    unsigned int b;
    int rc;

    rc = np_cpumap_alloc(map, nr_bits);
    if (rc)
        return rc;
    for (i = 0; i < nr_bytes; i++) {
        for (b = 0; b < 8; b++) {
            if (!(bytes[i] & (1U << b)))
                continue;
            if (np_cpumap_set(map, (int)(i * 8 + b)))
                return -ERANGE;
        }
    }
    return 0;
}
