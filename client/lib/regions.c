/*
 * regions.c: DMA-able memory. Locally a sealed memfd shared with the daemon; remotely ordinary
 * memory that the event thread reads and writes on the daemon's behalf, after checking that the
 * daemon asks only for what was mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static int region_memfd(size_t length, uint8_t **mem)
{
    int fd = memfd_create("dmaemu-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return dmaemu_fail(DMAEMU_E_SYSTEM, "memfd_create: %s", strerror(errno));
    /* Sealed against shrinking, so the daemon can never fault on a truncated mapping. */
    if (ftruncate(fd, (off_t)length) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
        int err = errno;
        close(fd);
        return dmaemu_fail(DMAEMU_E_SYSTEM, "cannot size the region memfd: %s", strerror(err));
    }
    *mem = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (*mem == MAP_FAILED) {
        int err = errno;
        close(fd);
        return dmaemu_fail(DMAEMU_E_NO_MEMORY, "cannot map %zu bytes: %s", length, strerror(err));
    }
    return fd;
}

static int region_anonymous(size_t length, uint8_t **mem)
{
    *mem = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (*mem == MAP_FAILED)
        return dmaemu_fail(DMAEMU_E_NO_MEMORY, "cannot allocate %zu bytes: %s", length,
                           strerror(errno));
    return -1; /* no fd */
}

/* Removes r from the list the event thread serves DMA from, and frees it. */
static void region_release(dmaemu_t *c, struct dmaemu_region *r)
{
    pthread_mutex_lock(&c->lock);
    for (struct dmaemu_region **pp = &c->regions; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    munmap(r->mem, r->length);
    free(r->page_map);
    free(r);
}

static int region_check(uint64_t bus_addr, size_t length, const uint32_t *page_map)
{
    if (length == 0 || bus_addr + (length - 1) < bus_addr)
        return dmaemu_fail(DMAEMU_E_INVALID,
                           "region of %zu bytes at bus 0x%llx is empty or wraps past the end "
                           "of the bus",
                           length, (unsigned long long)bus_addr);
    if (page_map != NULL && (bus_addr % 4096 != 0 || length % 4096 != 0))
        return dmaemu_fail(DMAEMU_E_INVALID, "a page-mapped region must be whole pages");
    for (size_t i = 0; page_map != NULL && i < length / 4096; i++)
        if (page_map[i] >= length / 4096)
            return dmaemu_fail(DMAEMU_E_INVALID, "page map entry %zu is outside the region", i);
    return 0;
}

static int region_create(dmaemu_t *c, uint64_t bus_addr, size_t length, unsigned flags,
                         const uint32_t *page_map, dmaemu_region_t **out)
{
    int rc = region_check(bus_addr, length, page_map);
    if (rc < 0)
        return rc;
    struct dmaemu_region *r = calloc(1, sizeof(*r));
    size_t pages = page_map ? length / 4096 : 0;
    if (r == NULL || (pages && (r->page_map = malloc(pages * sizeof(uint32_t))) == NULL)) {
        free(r);
        return dmaemu_fail(DMAEMU_E_NO_MEMORY, "out of memory");
    }
    if (pages)
        memcpy(r->page_map, page_map, pages * sizeof(uint32_t));
    int fd = c->remote ? region_anonymous(length, &r->mem) : region_memfd(length, &r->mem);
    if (r->mem == NULL || r->mem == MAP_FAILED) {
        free(r->page_map);
        free(r);
        return c->remote ? DMAEMU_E_NO_MEMORY : fd;
    }
    r->bus_addr = bus_addr;
    r->length = length;
    r->flags = flags;
    /* Listed before the daemon can ask for its bytes, so no DMA request ever misses it. */
    pthread_mutex_lock(&c->lock);
    r->next = c->regions;
    c->regions = r;
    pthread_mutex_unlock(&c->lock);

    Dmaemu__RegionMap m = DMAEMU__REGION_MAP__INIT;
    m.bus_addr = bus_addr;
    m.length = length;
    m.read_only = (flags & DMAEMU_REGION_READ_ONLY) != 0;
    m.has_fd = fd >= 0;
    m.page_map = r->page_map;
    m.n_page_map = pages;
    struct call call = CALL(DMAEMU__MSG_TYPE__MSG_REGION_MAP, &m.base, DMAEMU__MSG_TYPE__MSG_OK);
    call.pass_fd = fd;
    rc = conn_call(c, &call, NULL, NULL);
    if (fd >= 0)
        close(fd);
    if (rc < 0) {
        region_release(c, r);
        return rc;
    }
    *out = r;
    return 0;
}

int dmaemu_region_create(dmaemu_t *c, uint64_t bus_addr, size_t length, unsigned flags,
                         dmaemu_region_t **out)
{
    return region_create(c, bus_addr, length, flags, NULL, out);
}

int dmaemu_region_create_mapped(dmaemu_t *c, uint64_t bus_addr, size_t length, unsigned flags,
                                const uint32_t *page_map, dmaemu_region_t **out)
{
    if (page_map == NULL)
        return dmaemu_fail(DMAEMU_E_INVALID, "dmaemu_region_create_mapped needs a page map");
    return region_create(c, bus_addr, length, flags, page_map, out);
}

int dmaemu_region_destroy(dmaemu_t *c, dmaemu_region_t *r)
{
    if (r == NULL)
        return 0;
    Dmaemu__RegionUnmap m = DMAEMU__REGION_UNMAP__INIT;
    m.bus_addr = r->bus_addr;
    /* Once the daemon answers, it has stopped every DMA to the region: only then free it. */
    struct call call = CALL(DMAEMU__MSG_TYPE__MSG_REGION_UNMAP, &m.base, DMAEMU__MSG_TYPE__MSG_OK);
    int rc = conn_call(c, &call, NULL, NULL);
    if (rc == DMAEMU_E_DISCONNECTED)
        rc = 0; /* the daemon dropped every mapping with the session */
    region_release(c, r);
    return rc;
}

void regions_free_all(dmaemu_t *c)
{
    while (c->regions != NULL) {
        struct dmaemu_region *r = c->regions;
        c->regions = r->next;
        munmap(r->mem, r->length);
        free(r->page_map);
        free(r);
    }
}

void *dmaemu_region_ptr(const dmaemu_region_t *r)
{
    return r->mem;
}

uint64_t dmaemu_region_bus_addr(const dmaemu_region_t *r)
{
    return r->bus_addr;
}

size_t dmaemu_region_length(const dmaemu_region_t *r)
{
    return r->length;
}

/* Serving the daemon's DMA (event thread) ------------------------------------------------------ */

/* The bytes [bus, bus+len) if they are contiguous memory of one region, else NULL (a
 * page-mapped region is contiguous only within a page). Called with c->lock held. */
static uint8_t *region_lookup(dmaemu_t *c, uint64_t bus, uint64_t len, bool write)
{
    for (struct dmaemu_region *r = c->regions; r != NULL; r = r->next) {
        if (bus < r->bus_addr || bus - r->bus_addr >= r->length)
            continue;
        uint64_t off = bus - r->bus_addr;
        if (len > r->length - off || (write && (r->flags & DMAEMU_REGION_READ_ONLY)))
            return NULL;
        if (r->page_map == NULL)
            return r->mem + off;
        if (off % 4096 + len > 4096)
            return NULL;
        return r->mem + (uint64_t)r->page_map[off / 4096] * 4096 + off % 4096;
    }
    return NULL;
}

void regions_serve_read(dmaemu_t *c, const struct frame *f, const Dmaemu__DmaRead *m)
{
    pthread_mutex_lock(&c->lock);
    uint8_t *src = region_lookup(c, m->bus_addr, m->length, false);
    pthread_mutex_unlock(&c->lock);
    if (src == NULL || m->length > c->limits.max_data) {
        conn_reply_error(c, f->h.request_id, DMAEMU__ERROR_CODE__E_FAULT,
                         "DMA read outside the driver's mapped regions");
        return;
    }
    /* Sent straight from the region: the region stays mapped until the daemon acknowledges an
     * unmap, which it cannot do before this reply. */
    Dmaemu__DmaReadReply r = DMAEMU__DMA_READ_REPLY__INIT;
    conn_reply(c, DMAEMU__MSG_TYPE__MSG_DMA_READ_REPLY, f->h.request_id, &r.base, src, m->length);
}

void regions_serve_write(dmaemu_t *c, const struct frame *f, const Dmaemu__DmaWrite *m)
{
    pthread_mutex_lock(&c->lock);
    uint8_t *dst = region_lookup(c, m->bus_addr, f->h.data_len, true);
    if (dst != NULL)
        memcpy(dst, f->data, f->h.data_len);
    pthread_mutex_unlock(&c->lock);
    if (dst == NULL) {
        conn_reply_error(c, f->h.request_id, DMAEMU__ERROR_CODE__E_FAULT,
                         "DMA write outside the driver's writable regions");
        return;
    }
    Dmaemu__Ok ok = DMAEMU__OK__INIT;
    conn_reply(c, DMAEMU__MSG_TYPE__MSG_OK, f->h.request_id, &ok.base, NULL, 0);
}
