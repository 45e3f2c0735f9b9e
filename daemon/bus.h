/*
 * bus.h: a session's bus address space, the IOMMU table through which every device DMA goes.
 *
 * A driver maps regions of its memory at bus addresses of its choosing; the device can reach
 * those bytes and nothing else. Regions never overlap. A local region is mapped into the daemon
 * (host != NULL) and DMA is a memcpy; a remote one is reached by messages to the driver.
 */
#ifndef DMAEMU_BUS_H
#define DMAEMU_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bus_region {
    uint64_t bus_addr;
    uint64_t length;
    bool read_only; /* the device may not write it */
    uint8_t *host;  /* the region's first byte in the daemon, or NULL when remote */
    void *map_base; /* what to munmap (host rounded down to a page), or NULL */
    size_t map_len;
    uint32_t *page_map; /* optional: bus page j is memory page page_map[j] (owned) */
};

#define BUS_PAGE_SIZE 4096u

struct bus {
    struct bus_region *regions; /* sorted by bus_addr */
    size_t count;
    size_t cap;
    size_t max_regions;
};

enum bus_status {
    BUS_OK = 0,
    BUS_E_INVALID = -1, /* zero length, or the range wraps past 2^64 */
    BUS_E_OVERLAP = -2,
    BUS_E_LIMIT = -3, /* max_regions reached */
    BUS_E_NOMEM = -4,
    BUS_E_NOT_MAPPED = -5,
    BUS_E_READ_ONLY = -6,
};

/* A piece of an access that lies inside one region (and one page, for a page-mapped one). */
struct bus_span {
    const struct bus_region *region;
    uint64_t offset; /* into the region's bus range */
    uint64_t len;
    uint8_t *host; /* the span's first byte in the daemon, or NULL when remote */
};

void bus_init(struct bus *b, size_t max_regions);
/* Unmaps every region (munmap of local ones) and frees the table. */
void bus_destroy(struct bus *b);

int bus_map(struct bus *b, const struct bus_region *r);
/* Removes the region that starts exactly at bus_addr; *out receives it (caller unmaps). */
int bus_unmap(struct bus *b, uint64_t bus_addr, struct bus_region *out);
/* Releases a removed region's mapping (and page map) in the daemon. */
void bus_region_release(struct bus_region *r);

/*
 * Checks that every byte of [addr, addr+len) is mapped, and writable when write is set, before
 * anything is touched. On failure *fault_addr is the first byte that may not be accessed.
 */
int bus_check(const struct bus *b, uint64_t addr, uint64_t len, bool write, uint64_t *fault_addr);

/* The span of [addr, addr+len) that starts at addr and lies in one region (len may shrink). */
int bus_translate(const struct bus *b, uint64_t addr, uint64_t len, struct bus_span *out);

const char *bus_status_str(int status);

#endif
