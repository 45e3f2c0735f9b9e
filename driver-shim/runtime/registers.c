/*
 * registers.c: BAR addresses, MmMapIoSpace, and the register accessors behind
 * READ_REGISTER_* / WRITE_REGISTER_* / READ_PORT_* / WRITE_PORT_*.
 *
 * MmMapIoSpace returns address space reserved with no access rights: the driver may do
 * pointer arithmetic on it as on real mapped registers (register structs laid over a BAR),
 * every access goes through the accessors and becomes MMIO on the emulated device, and a
 * direct dereference faults and is explained instead of silently reading memory.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shim.h"

#define SHIM_MEM_BAR_BASE  0x80000000ull /* memory BARs are placed from here, size-aligned */
#define SHIM_PORT_BAR_BASE 0xD000ull     /* I/O BARs, in port space */
#define SHIM_MAX_MAPPINGS  32

struct shim_mapping {
    uint8_t *va;
    size_t len;
    unsigned bar;
    uint64_t bar_offset; /* of va */
};

static struct {
    pthread_rwlock_t lock;
    struct shim_mapping maps[SHIM_MAX_MAPPINGS];
    unsigned count;
    uint64_t bar_phys[DMAEMU_MAX_BARS];
} regs = {.lock = PTHREAD_RWLOCK_INITIALIZER};

uint64_t shim_bar_phys(unsigned bar)
{
    return bar < DMAEMU_MAX_BARS ? regs.bar_phys[bar] : 0;
}

static void shim_segv(int sig, siginfo_t *si, void *ctx);

/* Lays the BARs out as firmware would: memory BARs size-aligned below 4 GiB, ports low. */
void shim_registers_init(void)
{
    uint64_t mem = SHIM_MEM_BAR_BASE, port = SHIM_PORT_BAR_BASE;
    for (unsigned i = 0; i < shim.info.bar_count; i++) {
        uint64_t size = shim.info.bars[i].size;
        uint64_t *next = shim.info.bars[i].kind == DMAEMU_BAR_IO ? &port : &mem;
        uint64_t align = size < 16 ? 16 : size;
        *next = (*next + align - 1) / align * align;
        regs.bar_phys[i] = *next;
        *next += size;
    }
    static char altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_sigaction = shim_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigaction(SIGSEGV, &sa, NULL);
}

/* The BAR and offset of an access, or false. Port "addresses" are port numbers. */
static bool shim_translate(const volatile void *addr, unsigned width, unsigned *bar, uint64_t *off)
{
    uintptr_t a = (uintptr_t)addr;
    bool found = false;
    pthread_rwlock_rdlock(&regs.lock);
    for (unsigned i = 0; i < regs.count && !found; i++) {
        const struct shim_mapping *m = &regs.maps[i];
        if (a >= (uintptr_t)m->va && a - (uintptr_t)m->va + width <= m->len) {
            *bar = m->bar;
            *off = m->bar_offset + (a - (uintptr_t)m->va);
            found = true;
        }
    }
    pthread_rwlock_unlock(&regs.lock);
    for (unsigned i = 0; !found && i < shim.info.bar_count; i++) {
        if (shim.info.bars[i].kind == DMAEMU_BAR_IO && a >= regs.bar_phys[i] &&
            a - regs.bar_phys[i] + width <= shim.info.bars[i].size) {
            *bar = i;
            *off = a - regs.bar_phys[i];
            found = true;
        }
    }
    return found;
}

/* Once the daemon is gone, every access fails the same way: say so once, not per access. */
static void shim_register_failed(const char *what, unsigned bar, uint64_t off)
{
    static atomic_bool told_gone;
    if (!dmaemu_is_connected(shim.conn)) {
        if (!atomic_exchange(&told_gone, true))
            shim_log("the device is gone (daemon connection lost); register accesses are "
                     "dropped, reads return all ones");
        return;
    }
    shim_log("register %s BAR%u+0x%llx failed: %s", what, bar, (unsigned long long)off,
             dmaemu_last_error());
}

uint64_t dmaemu_shim_reg_read(const volatile void *reg, unsigned width)
{
    unsigned bar;
    uint64_t off, value = 0;
    if (!shim_translate(reg, width, &bar, &off)) {
        shim_verifier(SHIM_NO_BUGCHECK, (uintptr_t)reg, width, 0,
                      "%u-byte register read at %p, which no MmMapIoSpace mapping or I/O port "
                      "resource covers",
                      width, (const void *)reg);
        return ~0ull; /* what a master-aborted PCI read returns */
    }
    if (dmaemu_mmio_read(shim.conn, bar, off, width, &value) < 0) {
        shim_register_failed("read", bar, off);
        return ~0ull;
    }
    return value;
}

void dmaemu_shim_reg_write(volatile void *reg, unsigned width, uint64_t value)
{
    unsigned bar;
    uint64_t off;
    if (!shim_translate(reg, width, &bar, &off)) {
        shim_verifier(SHIM_NO_BUGCHECK, (uintptr_t)reg, width, value,
                      "%u-byte register write at %p, which no MmMapIoSpace mapping or I/O port "
                      "resource covers",
                      width, (void *)reg);
        return;
    }
    /* Batched: a transfer's programming reaches the device in one frame (see shim_flush). */
    if (dmaemu_mmio_write_batched(shim.conn, bar, off, width, value) < 0)
        shim_register_failed("write", bar, off);
}

/* MmMapIoSpace ------------------------------------------------------------------------------- */

static int shim_find_bar(uint64_t phys, size_t len, uint64_t *bar_off)
{
    for (unsigned i = 0; i < shim.info.bar_count; i++) {
        if (shim.info.bars[i].kind != DMAEMU_BAR_MEMORY || phys < regs.bar_phys[i])
            continue;
        uint64_t off = phys - regs.bar_phys[i];
        if (off < shim.info.bars[i].size && len <= shim.info.bars[i].size - off) {
            *bar_off = off;
            return (int)i;
        }
    }
    return -1;
}

PVOID MmMapIoSpaceEx(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, ULONG Protect)
{
    uint64_t phys = (uint64_t)PhysicalAddress.QuadPart, bar_off;
    int bar = shim_find_bar(phys, NumberOfBytes, &bar_off);
    if (bar < 0 || NumberOfBytes == 0) {
        shim_log("MmMapIoSpace(0x%llx, %zu): not inside a memory BAR of %s",
                 (unsigned long long)phys, (size_t)NumberOfBytes, shim.opt.device);
        return NULL;
    }
    size_t skew = phys % 4096, len = (skew + NumberOfBytes + 4095) & ~(size_t)4095;
    uint8_t *base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    pthread_rwlock_wrlock(&regs.lock);
    if (regs.count == SHIM_MAX_MAPPINGS) {
        pthread_rwlock_unlock(&regs.lock);
        munmap(base, len);
        return NULL;
    }
    regs.maps[regs.count++] =
        (struct shim_mapping){base + skew, NumberOfBytes, (unsigned)bar, bar_off};
    pthread_rwlock_unlock(&regs.lock);
    return base + skew;
}

PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes,
                   MEMORY_CACHING_TYPE CacheType)
{
    return MmMapIoSpaceEx(PhysicalAddress, NumberOfBytes, PAGE_READWRITE | PAGE_NOCACHE);
}

VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes)
{
    pthread_rwlock_wrlock(&regs.lock);
    for (unsigned i = 0; i < regs.count; i++) {
        if (regs.maps[i].va != BaseAddress)
            continue;
        uint8_t *page = (uint8_t *)((uintptr_t)BaseAddress & ~(uintptr_t)4095);
        munmap(page, ((uintptr_t)BaseAddress % 4096 + regs.maps[i].len + 4095) & ~(size_t)4095);
        regs.maps[i] = regs.maps[--regs.count];
        break;
    }
    pthread_rwlock_unlock(&regs.lock);
}

/* MmGetSystemRoutineAddress: the routines drivers look up at run time. */
static bool unicode_equals(PUNICODE_STRING u, const char *s)
{
    size_t n = u->Length / sizeof(WCHAR);
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (u->Buffer[i] != (WCHAR)(unsigned char)s[i])
            return false;
    return true;
}

PVOID MmGetSystemRoutineAddress(PUNICODE_STRING SystemRoutineName)
{
    static const struct {
        const char *name;
        void *fn;
    } routines[] = {
        {"MmMapIoSpaceEx", (void *)MmMapIoSpaceEx},
        {"MmMapIoSpace", (void *)MmMapIoSpace},
        {"ExAllocatePool2", (void *)ExAllocatePool2},
        {"KeQuerySystemTimePrecise", (void *)KeQuerySystemTimePrecise},
    };
    for (size_t i = 0; i < sizeof(routines) / sizeof(routines[0]); i++)
        if (unicode_equals(SystemRoutineName, routines[i].name))
            return routines[i].fn;
    return NULL;
}

/* A dereference of a mapped register pointer: explain it, then die as the fault would. */
static void shim_segv(int sig, siginfo_t *si, void *ctx)
{
    unsigned bar;
    uint64_t off;
    if (shim_translate(si->si_addr, 1, &bar, &off))
        shim_verifier(SHIM_NO_BUGCHECK, (uintptr_t)si->si_addr, bar, off,
                      "the driver dereferenced register memory (BAR%u+0x%llx) directly; "
                      "registers are only reachable through READ_REGISTER_*/WRITE_REGISTER_*",
                      bar, (unsigned long long)off);
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
}
