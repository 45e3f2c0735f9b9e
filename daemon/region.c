/*
 * region.c: RegionMap/RegionUnmap: a driver lends memory to the device.
 *
 * A local region arrives as a memfd and is mapped into the daemon, so device DMA is a memcpy.
 * The memfd must be sealed against shrinking: otherwise the driver could truncate it under a
 * running DMA and the daemon would die of SIGBUS. A remote region has no fd; it is only an
 * entry in the bus table that the DMA service reaches with messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dma.h"
#include "handlers.h"
#include "recorder.h"

#define REGION_MAX_LENGTH (1ull << 40)

static int region_map_fd(struct session *s, uint32_t id, const Dmaemu__RegionMap *m,
                         struct bus_region *r)
{
    int fd = session_take_fd(s);
    if (fd < 0) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID,
                      "RegionMap announces a memfd but none arrived with it");
        return -1;
    }
    int seals = fcntl(fd, F_GET_SEALS);
    struct stat st;
    const char *why = NULL;
    if (seals < 0 || !(seals & F_SEAL_SHRINK))
        why = "the region's fd must be a memfd sealed with F_SEAL_SHRINK";
    else if (fstat(fd, &st) < 0 || (uint64_t)st.st_size < m->fd_offset ||
             (uint64_t)st.st_size - m->fd_offset < m->length)
        why = "the memfd is smaller than fd_offset + length";
    if (why != NULL) {
        close(fd);
        session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID, "%s", why);
        return -1;
    }
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t skew = m->fd_offset % page;
    int prot = PROT_READ | (m->read_only ? 0 : PROT_WRITE);
    void *base = mmap(NULL, m->length + skew, prot, MAP_SHARED, fd, (off_t)(m->fd_offset - skew));
    int err = errno;
    close(fd);
    if (base == MAP_FAILED) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_NO_MEMORY, "cannot map the region: %s",
                      strerror(err));
        return -1;
    }
    r->map_base = base;
    r->map_len = m->length + skew;
    r->host = (uint8_t *)base + skew;
    return 0;
}

/* A page map must cover the region page by page and name only pages the region holds, so no
 * bus address can ever translate outside the driver's memory. */
static int region_take_page_map(struct session *s, uint32_t id, const Dmaemu__RegionMap *m,
                                struct bus_region *r)
{
    uint64_t pages = m->length / BUS_PAGE_SIZE;
    const char *why = NULL;
    if (m->length % BUS_PAGE_SIZE != 0 || m->bus_addr % BUS_PAGE_SIZE != 0)
        why = "a page-mapped region must start and end on page boundaries";
    else if (m->n_page_map != pages)
        why = "the page map must have one entry per page of the region";
    for (size_t i = 0; why == NULL && i < m->n_page_map; i++)
        if (m->page_map[i] >= pages)
            why = "a page map entry names a page outside the region";
    if (why == NULL && (r->page_map = malloc(pages * sizeof(uint32_t))) == NULL)
        why = "out of memory";
    if (why != NULL) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID, "%s", why);
        return -1;
    }
    memcpy(r->page_map, m->page_map, pages * sizeof(uint32_t));
    return 0;
}

static int region_bus_error(int st)
{
    switch (st) {
    case BUS_E_OVERLAP: return DMAEMU__ERROR_CODE__E_OVERLAP;
    case BUS_E_LIMIT: return DMAEMU__ERROR_CODE__E_LIMIT;
    case BUS_E_NOMEM: return DMAEMU__ERROR_CODE__E_NO_MEMORY;
    }
    return DMAEMU__ERROR_CODE__E_INVALID;
}

static void region_record(struct session *s, enum rec_kind kind, const struct bus_region *r)
{
    struct rec_event e = {.kind = kind, .session = s->id};
    e.device = NULL;
    e.region.bus_addr = r->bus_addr;
    e.region.length = r->length;
    e.region.read_only = r->read_only;
    e.region.local = r->host != NULL;
    recorder_emit(&e);
}

HANDLER(region_map_request)
{
    const Dmaemu__RegionMap *m = (const Dmaemu__RegionMap *)msg;
    struct bus_region r = {.bus_addr = m->bus_addr, .length = m->length, .read_only = m->read_only};
    if (m->length == 0 || m->length > REGION_MAX_LENGTH ||
        m->bus_addr + (m->length - 1) < m->bus_addr) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID,
                      "region length 0x%" PRIx64 " at bus 0x%" PRIx64
                      " is empty, over 1 TiB or runs past the end of the bus",
                      m->length, m->bus_addr);
        return;
    }
    if (m->n_page_map > 0 && region_take_page_map(s, id, m, &r) < 0)
        return;
    if (m->has_fd && region_map_fd(s, id, m, &r) < 0) {
        bus_region_release(&r);
        return;
    }
    int st = bus_map(&s->bus, &r);
    if (st != BUS_OK) {
        bus_region_release(&r);
        session_error(s, id, region_bus_error(st), "cannot map bus 0x%" PRIx64 "+0x%" PRIx64 ": %s",
                      m->bus_addr, m->length, bus_status_str(st));
        return;
    }
    region_record(s, REC_REGION_MAP, &r);
    session_ok(s, id);
}

HANDLER(region_unmap_request)
{
    const Dmaemu__RegionUnmap *m = (const Dmaemu__RegionUnmap *)msg;
    struct bus_region r;
    if (bus_unmap(&s->bus, m->bus_addr, &r) != BUS_OK) {
        session_error(s, id, DMAEMU__ERROR_CODE__E_INVALID, "no region starts at bus 0x%" PRIx64,
                      m->bus_addr);
        return;
    }
    dma_region_unmapped(s, r.bus_addr, r.length);
    region_record(s, REC_REGION_UNMAP, &r);
    bus_region_release(&r);
    session_ok(s, id);
}
