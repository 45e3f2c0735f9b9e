/*
 * dma_memory.c: DMA-able memory and its bus addresses.
 *
 * Each buffer is a libdmaemu region: locally a sealed memfd the daemon maps, remotely memory
 * this process serves. Bus addresses come from two windows: below 4 GiB (every profile, and
 * the default) and above 4 GiB (64-bit profiles with --high-dma, to catch drivers that drop an
 * address's upper half). With --fragment a buffer's pages get their bus pages in a shuffled
 * order, so consecutive memory is never consecutive on the bus and SG lists really scatter.
 *
 * Request buffers cycle through a cache of power-of-two sizes: mapping a region costs a round
 * trip to the daemon, and a driver under load must not pay it per request.
 */
#include <stdlib.h>
#include <string.h>

#include "shim.h"

#define SHIM_PAGE          4096u
#define SHIM_BUS_LOW_BASE  0x10000000ull   /* 256 MiB: leaves room below for nothing in use */
#define SHIM_BUS_LOW_LIMIT 0xF0000000ull   /* stay clear of the BARs and the 4 GiB line */
#define SHIM_BUS_HIGH_BASE 0x1000000000ull /* 64 GiB */
#define SHIM_CACHE_CLASSES 32
#define SHIM_CACHE_MAX     (256u << 20) /* bytes kept for reuse at most */

struct common_range {
    struct common_range *next;
    uint64_t bus;
    uint64_t len;
};

static struct {
    pthread_mutex_t lock;
    uint64_t next_low, next_high;
    uint64_t rng;
    struct shim_dma_buffer *cache[SHIM_CACHE_CLASSES];
    size_t cached_bytes;
} mem = {.lock = PTHREAD_MUTEX_INITIALIZER,
         .next_low = SHIM_BUS_LOW_BASE,
         .next_high = SHIM_BUS_HIGH_BASE,
         .rng = 0x2545F4914F6CDD1Dull};

static uint64_t mem_random(void)
{
    mem.rng ^= mem.rng << 13;
    mem.rng ^= mem.rng >> 7;
    mem.rng ^= mem.rng << 17;
    return mem.rng;
}

/* Reserves a bus window of pages (plus a random gap when fragmenting). Called locked. */
static int mem_bus_window(size_t pages, bool high, uint64_t *base)
{
    uint64_t gap = shim.opt.fragment ? (mem_random() % 8 + 1) * SHIM_PAGE : 0;
    uint64_t *next = high ? &mem.next_high : &mem.next_low;
    uint64_t limit = high ? UINT64_MAX - SHIM_BUS_HIGH_BASE : SHIM_BUS_LOW_LIMIT;
    if (*next + gap > limit || pages * SHIM_PAGE > limit - *next - gap)
        return -1;
    *base = *next + gap;
    *next = *base + pages * SHIM_PAGE;
    return 0;
}

/* page_map[j] = memory page at bus page j: shuffled when fragmenting, else the identity. */
static void mem_page_order(uint32_t *page_map, size_t pages, bool scatter)
{
    for (size_t j = 0; j < pages; j++)
        page_map[j] = (uint32_t)j;
    for (size_t j = pages; scatter && j > 1; j--) {
        size_t k = mem_random() % j;
        uint32_t t = page_map[j - 1];
        page_map[j - 1] = page_map[k];
        page_map[k] = t;
    }
}

int shim_dma_alloc(size_t length, bool high, bool contiguous, struct shim_dma_buffer **out)
{
    bool scatter = shim.opt.fragment && !contiguous;
    size_t pages = (length + SHIM_PAGE - 1) / SHIM_PAGE;
    struct shim_dma_buffer *b = calloc(1, sizeof(*b));
    uint32_t *page_map = malloc((pages ? pages : 1) * sizeof(uint32_t));
    uint64_t base;
    if (b != NULL)
        b->bus_page = malloc((pages ? pages : 1) * sizeof(uint64_t));
    pthread_mutex_lock(&mem.lock);
    int rc = b && page_map && b->bus_page && pages ? mem_bus_window(pages, high, &base) : -1;
    if (rc == 0)
        mem_page_order(page_map, pages, scatter);
    pthread_mutex_unlock(&mem.lock);
    if (rc == 0)
        rc = scatter ? dmaemu_region_create_mapped(shim.conn, base, pages * SHIM_PAGE, 0, page_map,
                                                   &b->region)
                     : dmaemu_region_create(shim.conn, base, pages * SHIM_PAGE, 0, &b->region);
    if (rc < 0) {
        if (b != NULL)
            free(b->bus_page);
        free(b);
        free(page_map);
        return -1;
    }
    for (size_t j = 0; j < pages; j++)
        b->bus_page[page_map[j]] = base + j * SHIM_PAGE;
    free(page_map);
    b->va = dmaemu_region_ptr(b->region);
    b->length = pages * SHIM_PAGE;
    *out = b;
    return 0;
}

void shim_dma_free(struct shim_dma_buffer *b)
{
    if (b == NULL)
        return;
    dmaemu_region_destroy(shim.conn, b->region);
    free(b->bus_page);
    free(b);
}

uint64_t shim_dma_bus(const struct shim_dma_buffer *b, size_t offset)
{
    return b->bus_page[offset / SHIM_PAGE] + offset % SHIM_PAGE;
}

/* The request buffer cache ------------------------------------------------------------------- */

static unsigned size_class(size_t length)
{
    size_t pages = (length + SHIM_PAGE - 1) / SHIM_PAGE;
    unsigned k = 0;
    while (((size_t)1 << k) < pages)
        k++;
    return k;
}

/* Buffers for requests go above 4 GiB only when no 32-bit enabler could be handed them. */
static bool shim_requests_high(void);

int shim_dma_get(size_t length, struct shim_dma_buffer **out)
{
    unsigned k = size_class(length ? length : 1);
    if (k >= SHIM_CACHE_CLASSES)
        return -1;
    pthread_mutex_lock(&mem.lock);
    struct shim_dma_buffer *b = mem.cache[k];
    if (b != NULL) {
        mem.cache[k] = b->next_free;
        mem.cached_bytes -= b->length;
    }
    pthread_mutex_unlock(&mem.lock);
    if (b == NULL && shim_dma_alloc((size_t)SHIM_PAGE << k, shim_requests_high(), false, &b) < 0)
        return -1;
    b->next_free = NULL;
    *out = b;
    return 0;
}

void shim_dma_put(struct shim_dma_buffer *b)
{
    unsigned k = size_class(b->length);
    pthread_mutex_lock(&mem.lock);
    bool keep = mem.cached_bytes + b->length <= SHIM_CACHE_MAX;
    if (keep) {
        b->next_free = mem.cache[k];
        mem.cache[k] = b;
        mem.cached_bytes += b->length;
    }
    pthread_mutex_unlock(&mem.lock);
    if (!keep)
        shim_dma_free(b);
}

void shim_dma_shutdown(void)
{
    for (unsigned k = 0; k < SHIM_CACHE_CLASSES; k++) {
        while (mem.cache[k] != NULL) {
            struct shim_dma_buffer *b = mem.cache[k];
            mem.cache[k] = b->next_free;
            shim_dma_free(b);
        }
    }
    mem.cached_bytes = 0;
}

static bool shim_requests_high(void)
{
    return shim.opt.high_dma && shim_enablers_all_64bit();
}
