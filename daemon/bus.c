/* bus.c: the per-session region table (IOMMU) and bounds-checked translation. */
#include "bus.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void bus_init(struct bus *b, size_t max_regions)
{
    memset(b, 0, sizeof(*b));
    b->max_regions = max_regions;
}

void bus_region_release(struct bus_region *r)
{
    if (r->map_base != NULL)
        munmap(r->map_base, r->map_len);
    free(r->page_map);
    r->page_map = NULL;
    r->map_base = NULL;
    r->host = NULL;
}

void bus_destroy(struct bus *b)
{
    for (size_t i = 0; i < b->count; i++)
        bus_region_release(&b->regions[i]);
    free(b->regions);
    memset(b, 0, sizeof(*b));
}

static uint64_t region_last(const struct bus_region *r)
{
    return r->bus_addr + (r->length - 1);
}

/* Index of the first region whose last byte is >= addr (count if none). */
static size_t bus_lower_bound(const struct bus *b, uint64_t addr)
{
    size_t lo = 0, hi = b->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (region_last(&b->regions[mid]) < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int bus_grow(struct bus *b)
{
    if (b->count < b->cap)
        return BUS_OK;
    size_t cap = b->cap ? b->cap * 2 : 16;
    struct bus_region *r = realloc(b->regions, cap * sizeof(*r));
    if (r == NULL)
        return BUS_E_NOMEM;
    b->regions = r;
    b->cap = cap;
    return BUS_OK;
}

int bus_map(struct bus *b, const struct bus_region *r)
{
    if (r->length == 0 || r->bus_addr + (r->length - 1) < r->bus_addr)
        return BUS_E_INVALID;
    if (b->count >= b->max_regions)
        return BUS_E_LIMIT;
    size_t i = bus_lower_bound(b, r->bus_addr);
    if (i < b->count && b->regions[i].bus_addr <= region_last(r))
        return BUS_E_OVERLAP;
    int st = bus_grow(b);
    if (st != BUS_OK)
        return st;
    memmove(&b->regions[i + 1], &b->regions[i], (b->count - i) * sizeof(*r));
    b->regions[i] = *r;
    b->count++;
    return BUS_OK;
}

int bus_unmap(struct bus *b, uint64_t bus_addr, struct bus_region *out)
{
    size_t i = bus_lower_bound(b, bus_addr);
    if (i >= b->count || b->regions[i].bus_addr != bus_addr)
        return BUS_E_NOT_MAPPED;
    *out = b->regions[i];
    memmove(&b->regions[i], &b->regions[i + 1], (b->count - i - 1) * sizeof(*out));
    b->count--;
    return BUS_OK;
}

int bus_translate(const struct bus *b, uint64_t addr, uint64_t len, struct bus_span *out)
{
    size_t i = bus_lower_bound(b, addr);
    if (len == 0 || i >= b->count || b->regions[i].bus_addr > addr)
        return BUS_E_NOT_MAPPED;
    const struct bus_region *r = &b->regions[i];
    uint64_t room = region_last(r) - addr + 1; /* cannot overflow: addr >= bus_addr */
    out->region = r;
    out->offset = addr - r->bus_addr;
    out->len = len < room || room == 0 ? len : room;
    out->host = NULL;
    if (r->page_map != NULL) {
        uint64_t in_page = out->offset % BUS_PAGE_SIZE;
        if (out->len > BUS_PAGE_SIZE - in_page)
            out->len = BUS_PAGE_SIZE - in_page;
        if (r->host != NULL)
            out->host = r->host +
                        (uint64_t)r->page_map[out->offset / BUS_PAGE_SIZE] * BUS_PAGE_SIZE +
                        in_page;
    } else if (r->host != NULL) {
        out->host = r->host + out->offset;
    }
    return BUS_OK;
}

int bus_check(const struct bus *b, uint64_t addr, uint64_t len, bool write, uint64_t *fault_addr)
{
    *fault_addr = addr;
    if (len == 0)
        return BUS_OK;
    if (addr + (len - 1) < addr)
        return BUS_E_INVALID;
    while (len > 0) {
        struct bus_span s;
        if (bus_translate(b, addr, len, &s) != BUS_OK) {
            *fault_addr = addr;
            return BUS_E_NOT_MAPPED;
        }
        if (write && s.region->read_only) {
            *fault_addr = addr;
            return BUS_E_READ_ONLY;
        }
        addr += s.len;
        len -= s.len;
    }
    return BUS_OK;
}

const char *bus_status_str(int status)
{
    switch (status) {
    case BUS_OK: return "ok";
    case BUS_E_INVALID: return "empty range or range past the end of the 64-bit bus";
    case BUS_E_OVERLAP: return "overlaps a mapped region";
    case BUS_E_LIMIT: return "too many regions mapped";
    case BUS_E_NOMEM: return "out of memory";
    case BUS_E_NOT_MAPPED: return "bus address not mapped";
    case BUS_E_READ_ONLY: return "region is read-only for the device";
    }
    return "unknown bus status";
}
