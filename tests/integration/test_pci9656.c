/*
 * test_pci9656.c: the sample KMDF driver (driver-shim/samples/pci9656), built unchanged against
 * driver-shim, run as its own process against a dmaemud plx9656 and used by applications through
 * libdmaemu, over UNIX and over TCP (the driver connects over the same transport, with the token
 * file over TCP).
 *
 * Covered: write-then-read round trips at awkward sizes (1 ... the whole SRAM), SRAM offsets and
 * buffer page offsets, checked byte for byte against a shadow of the SRAM; requests split into
 * many DMA transfers (transfer counts from IOCTL_PCI9656_GET_INFO); the same with scattered bus
 * pages (--fragment) and buffers above 4 GiB (--high-dma); the block-DMA build (pci9656-packet);
 * reads and writes that run past the end of SRAM (short) or start there (STATUS_END_OF_FILE,
 * STATUS_INVALID_PARAMETER); the IOCTL; four application threads reading and writing disjoint
 * ranges at once; the driver SIGKILLed in the middle of a slow transfer and restarted; an
 * application SIGKILLed while the driver works on its request; SIGTERM (idle, and during a
 * transfer) ending the driver with exit status 0 in bounded time.
 *
 * Nothing sleeps to synchronise: the driver is ready when an IOCTL completes with
 * STATUS_SUCCESS, a transfer is in progress when the device's register snapshot says so,
 * process exits are waited for with pidfds; every wait has a deadline.
 */
#include <fcntl.h>

#include "pci9656_app.h"

/* More than drvproc.h's. */
#define STATUS_INVALID_PARAMETER      ((int32_t)0xC000000D)
#define STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define STATUS_END_OF_FILE            ((int32_t)0xC0000011)
#define STATUS_BUFFER_TOO_SMALL       ((int32_t)0xC0000023)

/* The daemon: plx0 for ordinary tests (revision and device id set, to see them read from the
 * chip); "slow" moves 1 MB/s so that a test can act while a transfer runs, "slower" 256 KB/s so
 * that a 1 MiB write outlasts the shim's grace period for requests at power-down (3 s). */
#define SRAM_SIZE    (1u << 20)
#define PCI_REVISION 0x5C
#define PCI_DEVICE   0x9656

static const char pci_config[] = "[device plx0]\n"
                                 "model = plx9656\n"
                                 "sram_size = 1M\n"
                                 "revision = 0x5C\n"
                                 "device_id = 0x9656\n"
                                 "\n"
                                 "[device slow]\n"
                                 "model = plx9656\n"
                                 "sram_size = 1M\n"
                                 "bandwidth = 1M\n"
                                 "\n"
                                 "[device slower]\n"
                                 "model = plx9656\n"
                                 "sram_size = 1M\n"
                                 "bandwidth = 256K\n";

static struct fixture fx_unix = {.tcp = false, .config = pci_config};
static struct fixture fx_tcp = {.tcp = true, .config = pci_config};

/* A driver process ends after SIGTERM or SIGKILL: the sample driver is held to half of drvproc.h's
 * DRV_EXIT_TIMEOUT_MS (its power-down waits at most 3 s for requests). */
#define STOP_TIMEOUT_MS 10000

/* Driver processes (drvproc.h) ---------------------------------------------------------------- */

/* The running test's fixture, whose logs pfail shows. */
static struct fixture *pci_fx;

/* The driver logs and the daemon's; itest.h's failure hook. */
static void pci_dump_logs(void)
{
    drv_dump_logs(pci_fx != NULL ? pci_fx->d.log_path : NULL);
}

/* fail_msg, with the logs first: pci_setup makes pci_dump_logs itest.h's failure hook, so that
 * its helpers (itest_open, itest_expect_result...) show the logs too. */
#define pfail(...) itest_fail(__VA_ARGS__)

/* Driver options. */
#define OPT_FRAGMENT 1u /* --fragment: scattered bus pages */
#define OPT_HIGH_DMA 2u /* --high-dma: 64-bit profiles' buffers above 4 GiB */

/* Starts a driver binary for device with the options in opts. */
static struct drv *pci_start(struct fixture *fx, const char *path, const char *device,
                             unsigned opts)
{
    const char *extra[3];
    int n = 0;
    if (opts & OPT_FRAGMENT)
        extra[n++] = "--fragment";
    if (opts & OPT_HIGH_DMA)
        extra[n++] = "--high-dma";
    extra[n] = NULL;
    return drv_start_argv(fx, path, device, extra);
}

/* SIGTERM: the driver powers down and exits 0 within STOP_TIMEOUT_MS. */
static void pci_stop(struct fixture *fx, struct drv *d)
{
    drv_stop_within(fx, d, 0, STOP_TIMEOUT_MS);
}

/* Buffers of the test, which teardown frees after a failure. */
#define MAX_OWNED 16

static void *owned[MAX_OWNED];

static void *owned_alloc(size_t len)
{
    for (int i = 0; i < MAX_OWNED; i++) {
        if (owned[i] == NULL) {
            owned[i] = malloc(len ? len : 1);
            if (owned[i] == NULL)
                pfail("cannot allocate %zu bytes", len);
            return owned[i];
        }
    }
    pfail("too many test buffers");
    return NULL;
}

static void owned_free(void *p)
{
    for (int i = 0; i < MAX_OWNED; i++)
        if (owned[i] == p)
            owned[i] = NULL;
    free(p);
}

/* Fixture: the daemon (itest.h), plus the driver processes, which teardown kills. */
static int pci_setup(void **state)
{
    memset(drv_table, 0, sizeof(drv_table));
    memset(owned, 0, sizeof(owned));
    pci_fx = *state;
    itest_fail_hook = pci_dump_logs;
    return fx_setup(state);
}

static int pci_teardown(void **state)
{
    itest_close_leftovers(); /* before the drivers die, as the test would have closed them */
    for (int i = 0; i < MAX_OWNED; i++) {
        free(owned[i]);
        owned[i] = NULL;
    }
    drv_cleanup();
    return fx_teardown(state);
}

#define PCI_TEST(f, fx) cmocka_unit_test_prestate_setup_teardown(f, pci_setup, pci_teardown, &(fx))

/* Applications ----------------------------------------------------------------------------------
 */

/* IOCTL_PCI9656_GET_INFO, which must succeed. */
static PCI9656_INFO get_info(dmaemu_file_t *f)
{
    PCI9656_INFO info;
    struct dmaemu_io_result r;
    memset(&info, 0xEE, sizeof(info));
    int rc = dmaemu_ioctl(f, IOCTL_PCI9656_GET_INFO, NULL, 0, &info, sizeof(info), &r);
    itest_expect_result("IOCTL_PCI9656_GET_INFO", rc, &r, STATUS_SUCCESS, sizeof(info),
                        sizeof(info));
    if (info.Size != sizeof(info))
        pfail("GET_INFO: Size %u, expected %zu", info.Size, sizeof(info));
    return info;
}

/* The application side of a test against one device: a handle, the SRAM as it must be, and
 * the bytes moved, to compare with the driver's counters. */
struct app {
    dmaemu_file_t *f;
    uint8_t *shadow; /* SRAM_SIZE bytes */
    uint64_t written, read;
};

static void app_init(struct app *a, dmaemu_t *c, const char *device)
{
    memset(a, 0, sizeof(*a));
    a->f = itest_open(c, device);
    a->shadow = owned_alloc(SRAM_SIZE);
    memset(a->shadow, 0, SRAM_SIZE);
}

static void app_free(struct app *a)
{
    itest_close(a->f);
    owned_free(a->shadow);
    a->shadow = NULL;
}

static size_t sram_fit(uint64_t off, size_t len)
{
    if (off >= SRAM_SIZE)
        return 0;
    return len < SRAM_SIZE - off ? len : (size_t)(SRAM_SIZE - off);
}

/* Writes len pattern bytes at off from a buffer at page offset skew; checks the completion
 * (short at the end of SRAM, refused past it) and records what SRAM now holds. */
static void app_write(struct app *a, uint64_t off, size_t len, unsigned seed, size_t skew)
{
    uint8_t *mem = owned_alloc(len + skew + 1);
    uint8_t *p = mem + skew; /* the buffer's page offset varies with skew */
    pattern_fill(p, len, seed);
    size_t fit = sram_fit(off, len);
    struct dmaemu_io_result r;
    char what[96];
    snprintf(what, sizeof(what), "write %zu bytes at SRAM 0x%llx", len, (unsigned long long)off);
    int rc = dmaemu_write(a->f, off, p, len, &r);
    itest_expect_result(what, rc, &r, off >= SRAM_SIZE ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS,
                        fit, 0);
    memcpy(a->shadow + (off < SRAM_SIZE ? off : 0), p, fit);
    a->written += fit;
    owned_free(mem);
}

/* Reads len bytes at off into a buffer at page offset skew and checks them against the shadow;
 * nothing beyond what the driver reported may arrive. */
static void app_read(struct app *a, uint64_t off, size_t len, size_t skew)
{
    uint8_t *mem = owned_alloc(len + skew + 64);
    uint8_t *p = mem + skew;
    memset(mem, 0xEE, len + skew + 64);
    size_t fit = sram_fit(off, len);
    struct dmaemu_io_result r;
    char what[96];
    snprintf(what, sizeof(what), "read %zu bytes at SRAM 0x%llx", len, (unsigned long long)off);
    int rc = dmaemu_read(a->f, off, p, len, &r);
    itest_expect_result(what, rc, &r, off >= SRAM_SIZE ? STATUS_END_OF_FILE : STATUS_SUCCESS, fit,
                        fit);
    for (size_t i = 0; i < fit; i++) {
        if (p[i] != a->shadow[off + i]) {
            uint8_t got = p[i], want = a->shadow[off + i];
            owned_free(mem);
            pfail("%s: byte %zu (SRAM 0x%llx) is 0x%02x, expected 0x%02x", what, i,
                  (unsigned long long)(off + i), got, want);
        }
    }
    long over = bytes_mismatch(p + fit, len - fit + 64, 0xEE);
    owned_free(mem);
    if (over >= 0)
        pfail("%s: byte %zu, past the %zu bytes read, was written", what, fit + (size_t)over, fit);
    a->read += fit;
}

static void app_roundtrip(struct app *a, uint64_t off, size_t len, unsigned seed, size_t skew)
{
    app_write(a, off, len, seed, skew);
    app_read(a, off, len, (skew * 7 + 1) % 4096);
}

/* The driver's counters match what the application moved. */
static void expect_counters(struct app *a, const PCI9656_INFO *before)
{
    PCI9656_INFO now = get_info(a->f);
    if (now.BytesWritten - before->BytesWritten != a->written ||
        now.BytesRead - before->BytesRead != a->read)
        pfail("driver counters: %llu written, %llu read; the application moved %llu, %llu",
              (unsigned long long)(now.BytesWritten - before->BytesWritten),
              (unsigned long long)(now.BytesRead - before->BytesRead),
              (unsigned long long)a->written, (unsigned long long)a->read);
}

/* Starts a driver on device and opens it from a new application connection. */
static struct drv *start_serving(struct fixture *fx, const char *path, const char *device,
                                 unsigned opts, struct app *a, PCI9656_INFO *info)
{
    struct drv *d = pci_start(fx, path, device, opts);
    dmaemu_t *c = fx_connect(fx, DMAEMU_ROLE_APP, "pci9656-test");
    app_init(a, c, device);
    *info = pci9656_wait_serving(d, a->f);
    return d;
}

/* A register's value in the device's register snapshot (no side effects). */
static uint64_t snapshot_reg(dmaemu_t *mon, const char *device, const char *name)
{
    struct dmaemu_regs *regs = NULL;
    int rc = dmaemu_regs(mon, device, &regs);
    if (rc != 0)
        pfail("register snapshot of %s: %d (%s): %s", device, rc, dmaemu_strerror(rc),
              dmaemu_last_error());
    bool found = false;
    uint64_t v = 0;
    for (unsigned i = 0; i < regs->count; i++) {
        if (strcmp(regs->registers[i].name, name) == 0) {
            v = regs->registers[i].value;
            found = true;
        }
    }
    dmaemu_regs_free(regs);
    if (!found)
        pfail("no %s in the register snapshot of %s", name, device);
    return v;
}

/* A DMA channel's DMACSR. */
static unsigned dmacsr(dmaemu_t *mon, const char *device, unsigned channel)
{
    char name[16];
    snprintf(name, sizeof(name), "DMACSR%u", channel);
    return (unsigned)snapshot_reg(mon, device, name);
}

/* (1) Round trips at awkward sizes, offsets and buffer alignments ---------------------------- */

static const size_t rt_sizes[] = {1, 7, 4095, 4096, 4097, 65536 + 13, SRAM_SIZE};

static void roundtrips(struct app *a)
{
    unsigned seed = 1;
    for (size_t i = 0; i < sizeof(rt_sizes) / sizeof(rt_sizes[0]); i++) {
        size_t len = rt_sizes[i];
        const uint64_t offs[] = {0, 1, 4095, 77777, SRAM_SIZE - len, 3 + (SRAM_SIZE - len) / 2};
        for (size_t j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
            if (offs[j] + len > SRAM_SIZE)
                continue;
            app_roundtrip(a, offs[j], len, seed, (seed * 1031) % 4096);
            seed++;
        }
    }
    /* Everything written is still there, where it belongs. */
    app_read(a, 0, SRAM_SIZE, 0);
}

static void run_roundtrips(struct fixture *fx, const char *path, unsigned opts, int dma_mode)
{
    struct app a;
    PCI9656_INFO info;
    struct drv *d = start_serving(fx, path, "plx0", opts, &a, &info);
    if (info.DmaMode != dma_mode)
        pfail("DmaMode %u, expected %d", info.DmaMode, dma_mode);
    roundtrips(&a);
    expect_counters(&a, &info);
    app_free(&a);
    pci_stop(fx, d);
}

static void test_roundtrip(void **state)
{
    run_roundtrips(*state, PCI9656_DRIVER_PATH, 0, PCI9656_DMA_MODE_SCATTER_GATHER);
}

static void test_roundtrip_fragment(void **state)
{
    run_roundtrips(*state, PCI9656_DRIVER_PATH, OPT_FRAGMENT, PCI9656_DMA_MODE_SCATTER_GATHER);
}

static void test_packet_roundtrip(void **state)
{
    run_roundtrips(*state, PCI9656_PACKET_DRIVER_PATH, 0, PCI9656_DMA_MODE_BLOCK);
}

static void test_packet_roundtrip_fragment(void **state)
{
    run_roundtrips(*state, PCI9656_PACKET_DRIVER_PATH, OPT_FRAGMENT, PCI9656_DMA_MODE_BLOCK);
}

/* --high-dma: the data enabler has a 64-bit profile. The scatter/gather build also has a 32-bit
 * enabler for its descriptor chains (the chip's descriptor pointers are 32-bit), so its request
 * buffers stay low; the packet build's are above 4 GiB, and its block transfers must program
 * the upper halves (DMADAC0/1). */
static void test_roundtrip_high_dma(void **state)
{
    run_roundtrips(*state, PCI9656_DRIVER_PATH, OPT_HIGH_DMA | OPT_FRAGMENT,
                   PCI9656_DMA_MODE_SCATTER_GATHER);
}

static void test_packet_roundtrip_high_dma(void **state)
{
    struct fixture *fx = *state;
    struct app a;
    PCI9656_INFO info;
    struct drv *d = start_serving(fx, PCI9656_PACKET_DRIVER_PATH, "plx0", OPT_HIGH_DMA, &a, &info);
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "pci9656-monitor");
    app_write(&a, 1000, 200000, 11, 5);
    if (snapshot_reg(mon, "plx0", "DMADAC0") == 0)
        pfail("a block write from a buffer above 4 GiB left DMADAC0 at 0");
    app_read(&a, 1000, 200000, 7);
    if (snapshot_reg(mon, "plx0", "DMADAC1") == 0)
        pfail("a block read into a buffer above 4 GiB left DMADAC1 at 0");
    roundtrips(&a);
    expect_counters(&a, &info);
    app_free(&a);
    pci_stop(fx, d);
}

/* (2) Requests that take many DMA transfers ------------------------------------------------- */

static uint64_t div_up(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

/*
 * Writes and reads len bytes and returns how many DMA transfers the driver finished for them.
 * Without --fragment the bus pages of a buffer are consecutive: a transfer is as long as the
 * driver's maximum, so the count is exact. With --fragment each page is a fragment of its own
 * (bar the rare page that lands next to its neighbour): a transfer holds at most the maximum
 * number of fragments (scatter/gather) or one (block mode).
 */
static void many_transfers(struct fixture *fx, const char *path, unsigned opts)
{
    bool fragment = (opts & OPT_FRAGMENT) != 0;
    struct app a;
    PCI9656_INFO info;
    struct drv *d = start_serving(fx, path, "plx0", opts, &a, &info);
    if (info.MaximumTransferLength == 0 || info.MaximumTransferLength >= SRAM_SIZE ||
        info.MaximumScatterGatherElements == 0)
        pfail("GET_INFO: maximum transfer %u bytes, %u fragments: no room for many transfers",
              info.MaximumTransferLength, info.MaximumScatterGatherElements);
    const struct {
        uint64_t off;
        size_t len;
        size_t skew;
    } cases[] = {
        {0, SRAM_SIZE, 0},
        {5, SRAM_SIZE - 5, 123},
        {4096 * 3 + 1, 5 * 65536 + 17, 4000},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        PCI9656_INFO before = get_info(a.f);
        app_roundtrip(&a, cases[i].off, cases[i].len, 100 + (unsigned)i, cases[i].skew);
        PCI9656_INFO after = get_info(a.f);
        uint64_t got = after.DmaTransfersCompleted - before.DmaTransfersCompleted;
        uint64_t per_dir = div_up(cases[i].len, info.MaximumTransferLength);
        if (!fragment) {
            if (got != 2 * per_dir)
                pfail("%zu bytes written and read in %llu DMA transfers, expected %llu",
                      cases[i].len, (unsigned long long)got, (unsigned long long)(2 * per_dir));
        } else {
            uint64_t pages = cases[i].len / 4096;
            uint64_t frag =
                info.DmaMode == PCI9656_DMA_MODE_BLOCK ? 1 : info.MaximumScatterGatherElements;
            /* Three quarters of the bound leave room for pages that happen to be adjacent. */
            uint64_t least = div_up(pages, frag) * 3 / 4;
            if (least < per_dir)
                least = per_dir;
            if (got < 2 * least)
                pfail("%zu bytes in scattered pages written and read in %llu DMA transfers, "
                      "expected at least %llu",
                      cases[i].len, (unsigned long long)got, (unsigned long long)(2 * least));
        }
    }
    expect_counters(&a, &info);
    app_free(&a);
    pci_stop(fx, d);
}

static void test_many_transfers(void **state)
{
    many_transfers(*state, PCI9656_DRIVER_PATH, 0);
}

static void test_many_transfers_fragment(void **state)
{
    many_transfers(*state, PCI9656_DRIVER_PATH, OPT_FRAGMENT);
}

static void test_packet_many_transfers(void **state)
{
    many_transfers(*state, PCI9656_PACKET_DRIVER_PATH, 0);
}

static void test_packet_many_transfers_fragment(void **state)
{
    many_transfers(*state, PCI9656_PACKET_DRIVER_PATH, OPT_FRAGMENT);
}

/* (3) The end of SRAM ----------------------------------------------------------------------------
 */

static void end_of_sram(struct fixture *fx, const char *path)
{
    struct app a;
    PCI9656_INFO info;
    struct drv *d = start_serving(fx, path, "plx0", 0, &a, &info);

    /* Known contents at both ends, to see that nothing wraps around. */
    app_write(&a, 0, 8192, 1, 0);
    app_write(&a, SRAM_SIZE - 8192, 8192, 2, 17);

    /* Reads that run past the end are short; at or past the end: end of file. */
    app_read(&a, SRAM_SIZE - 4096, 8192, 5);
    app_read(&a, SRAM_SIZE - 1, 2, 0);
    app_read(&a, SRAM_SIZE - 1, 1, 4095);
    app_read(&a, SRAM_SIZE - 300 * 1024 - 3, 600 * 1024, 9); /* several transfers */
    app_read(&a, SRAM_SIZE, 1, 0);
    app_read(&a, SRAM_SIZE, 4096, 0);
    app_read(&a, SRAM_SIZE + 12345, 100, 0);
    app_read(&a, (uint64_t)1 << 40, 100, 0);

    /* Writes that run past the end store what fits; at or past the end: refused. */
    app_write(&a, SRAM_SIZE - 100, 8192, 3, 100);
    app_write(&a, SRAM_SIZE - 200 * 1024 - 1, 400 * 1024, 4, 0);
    app_write(&a, SRAM_SIZE, 1, 5, 0);
    app_write(&a, SRAM_SIZE + 4096, 4096, 6, 0);

    /* SRAM as a whole is what the shadow says: nothing wrapped, nothing else moved. */
    app_read(&a, 0, SRAM_SIZE, 0);
    expect_counters(&a, &info);
    app_free(&a);
    pci_stop(fx, d);
}

static void test_end_of_sram(void **state)
{
    end_of_sram(*state, PCI9656_DRIVER_PATH);
}

static void test_packet_end_of_sram(void **state)
{
    end_of_sram(*state, PCI9656_PACKET_DRIVER_PATH);
}

/* (4) IOCTL_PCI9656_GET_INFO ----------------------------------------------------------------------
 */

static void test_ioctl(void **state)
{
    struct fixture *fx = *state;
    struct app a;
    PCI9656_INFO info;
    struct drv *d = start_serving(fx, PCI9656_DRIVER_PATH, "plx0", 0, &a, &info);

    assert_int_equal(info.SramSize, SRAM_SIZE);
    assert_int_equal(info.VendorId, 0x10B5);
    assert_int_equal(info.DeviceId, PCI_DEVICE);
    assert_int_equal(info.Revision, PCI_REVISION);
    assert_int_equal(info.DmaMode, PCI9656_DMA_MODE_SCATTER_GATHER);
    assert_int_equal(info.Reserved, 0);
    assert_true(info.MaximumTransferLength >= 4096);
    assert_true(info.MaximumScatterGatherElements >= 2);
    assert_true(info.DmaTransfersCompleted == 0);
    assert_true(info.BytesWritten == 0 && info.BytesRead == 0);

    /* Counters move with the I/O. */
    app_roundtrip(&a, 4096, 10000, 7, 0);
    PCI9656_INFO now = get_info(a.f);
    assert_true(now.DmaTransfersCompleted == 2);
    assert_true(now.BytesWritten == 10000 && now.BytesRead == 10000);

    /* An output buffer too small, an input where none is expected, an unknown code. */
    uint8_t buf[sizeof(PCI9656_INFO) + 16];
    struct dmaemu_io_result r;
    memset(buf, 0xEE, sizeof(buf));
    int rc = dmaemu_ioctl(a.f, IOCTL_PCI9656_GET_INFO, NULL, 0, buf, sizeof(PCI9656_INFO) - 1, &r);
    itest_expect_result("GET_INFO, buffer one byte short", rc, &r, STATUS_BUFFER_TOO_SMALL, 0, 0);
    assert_int_equal(bytes_mismatch(buf, sizeof(buf), 0xEE), -1);
    rc = dmaemu_ioctl(a.f, IOCTL_PCI9656_GET_INFO, NULL, 0, NULL, 0, &r);
    itest_expect_result("GET_INFO, no buffer", rc, &r, STATUS_BUFFER_TOO_SMALL, 0, 0);
    rc = dmaemu_ioctl(a.f, IOCTL_PCI9656_GET_INFO, "x", 1, buf, sizeof(buf), &r);
    itest_expect_result("GET_INFO, bigger buffer and an input", rc, &r, STATUS_SUCCESS,
                        sizeof(PCI9656_INFO), sizeof(PCI9656_INFO));
    rc = dmaemu_ioctl(a.f, CTL_CODE(FILE_DEVICE_PCI9656, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS),
                      NULL, 0, buf, sizeof(buf), &r);
    itest_expect_result("an unknown IOCTL", rc, &r, STATUS_INVALID_DEVICE_REQUEST, 0, 0);

    /* The packet build reports block DMA, one fragment per transfer. */
    app_free(&a);
    pci_stop(fx, d);
    struct app b;
    d = start_serving(fx, PCI9656_PACKET_DRIVER_PATH, "plx0", 0, &b, &info);
    assert_int_equal(info.DmaMode, PCI9656_DMA_MODE_BLOCK);
    assert_int_equal(info.MaximumScatterGatherElements, 1);
    assert_int_equal(info.SramSize, SRAM_SIZE);
    assert_int_equal(info.Revision, PCI_REVISION);
    app_free(&b);
    pci_stop(fx, d);
}

/* (5) Four application threads at once ----------------------------------------------------- */

#define MT_THREADS 4
#define MT_ROUNDS  12
#define MT_RANGE   (SRAM_SIZE / MT_THREADS)

struct mt_arg {
    dmaemu_file_t *f;
    unsigned index;
    uint8_t *shadow; /* the thread's range */
    char error[256];
};

static bool mt_request(struct mt_arg *t, bool write, uint64_t off, uint8_t *buf, size_t len)
{
    struct dmaemu_io_result r;
    int rc = write ? dmaemu_write(t->f, off, buf, len, &r) : dmaemu_read(t->f, off, buf, len, &r);
    if (rc != 0 || r.status != STATUS_SUCCESS || r.information != len ||
        r.data_len != (write ? 0 : len)) {
        snprintf(t->error, sizeof(t->error),
                 "thread %u: %s %zu bytes at 0x%llx: rc %d status 0x%08X information %llu",
                 t->index, write ? "write" : "read", len, (unsigned long long)off, rc,
                 (unsigned)r.status, (unsigned long long)r.information);
        return false;
    }
    return true;
}

static void *mt_main(void *arg)
{
    struct mt_arg *t = arg;
    uint64_t base = (uint64_t)t->index * MT_RANGE;
    uint8_t *buf = malloc(MT_RANGE + 4096), *back = malloc(MT_RANGE + 4096);
    if (buf == NULL || back == NULL) {
        snprintf(t->error, sizeof(t->error), "thread %u: out of memory", t->index);
        goto out;
    }
    uint64_t x = 0x9E3779B97F4A7C15ull * (t->index + 1);
    for (unsigned round = 0; round < MT_ROUNDS; round++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t len = round == 0 ? MT_RANGE : 1 + (size_t)(x % (MT_RANGE - 1));
        uint64_t off = (x >> 20) % (MT_RANGE - len + 1);
        size_t skew = (size_t)(x >> 40) % 4096;
        uint8_t *p = buf + skew;
        pattern_fill(p, len, t->index * 100 + round);
        if (!mt_request(t, true, base + off, p, len))
            goto out;
        memcpy(t->shadow + off, p, len);
        size_t rlen = round % 3 == 0 ? MT_RANGE : len;
        uint64_t roff = round % 3 == 0 ? 0 : off;
        uint8_t *q = back + (skew ^ 0x555) % 4096;
        if (!mt_request(t, false, base + roff, q, rlen))
            goto out;
        for (size_t i = 0; i < rlen; i++) {
            if (q[i] != t->shadow[roff + i]) {
                snprintf(t->error, sizeof(t->error),
                         "thread %u round %u: SRAM 0x%llx read 0x%02x, expected 0x%02x", t->index,
                         round, (unsigned long long)(base + roff + i), q[i], t->shadow[roff + i]);
                goto out;
            }
        }
    }
out:
    free(buf);
    free(back);
    return NULL;
}

static void concurrent(struct fixture *fx, const char *path, unsigned opts)
{
    struct app a;
    PCI9656_INFO info;
    struct drv *d = start_serving(fx, path, "plx0", opts, &a, &info);
    pthread_t th[MT_THREADS];
    struct mt_arg args[MT_THREADS];
    for (unsigned i = 0; i < MT_THREADS; i++) {
        dmaemu_t *c = fx_connect(fx, DMAEMU_ROLE_APP, "pci9656-thread");
        args[i] = (struct mt_arg){
            .f = itest_open(c, "plx0"), .index = i, .shadow = a.shadow + (size_t)i * MT_RANGE};
    }
    for (unsigned i = 0; i < MT_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, mt_main, &args[i]), 0);
    for (unsigned i = 0; i < MT_THREADS; i++)
        pthread_join(th[i], NULL);
    for (unsigned i = 0; i < MT_THREADS; i++)
        if (args[i].error[0] != '\0')
            pfail("%s", args[i].error);
    for (unsigned i = 0; i < MT_THREADS; i++)
        itest_close(args[i].f);
    /* Each thread's last data is in its range, nothing leaked into another's. */
    app_read(&a, 0, SRAM_SIZE, 0);
    if (!drv_alive(d))
        pfail("the driver exited with status %d", drv_exit_code(d->status));
    app_free(&a);
    pci_stop(fx, d);
}

static void test_concurrent(void **state)
{
    concurrent(*state, PCI9656_DRIVER_PATH, 0);
}

static void test_concurrent_fragment(void **state)
{
    concurrent(*state, PCI9656_DRIVER_PATH, OPT_FRAGMENT);
}

static void test_packet_concurrent(void **state)
{
    concurrent(*state, PCI9656_PACKET_DRIVER_PATH, 0);
}

/* (6) Killed processes ------------------------------------------------------------------------ */

/* Waits until channel is moving data (Done clear), while the request is still in progress. */
static void wait_channel_busy(dmaemu_t *mon, const char *device, unsigned channel, struct app_io *p)
{
    int64_t deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
    while ((dmacsr(mon, device, channel) & DMACSR_DONE) != 0) {
        if (p != NULL && app_io_finished(p))
            pfail("the request completed (status 0x%08X) before its DMA was seen running",
                  (unsigned)p->res.status);
        if (itest_now_ms() > deadline)
            pfail("DMA channel %u of %s never ran within %d ms", channel, device, ITEST_TIMEOUT_MS);
        itest_backoff();
    }
}

/* Waits until the daemon has no driver on device. */
static void wait_device_free(dmaemu_t *mon, const char *device)
{
    int64_t deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
    for (;;) {
        struct dmaemu_device_info *list = NULL;
        int n = dmaemu_devices(mon, &list);
        if (n < 0)
            pfail("device list: %d (%s): %s", n, dmaemu_strerror(n), dmaemu_last_error());
        bool taken = true;
        for (int i = 0; i < n; i++)
            if (strcmp(list[i].name, device) == 0)
                taken = list[i].owned;
        free(list);
        if (!taken)
            return;
        if (itest_now_ms() > deadline)
            pfail("%s still has a driver after %d ms", device, ITEST_TIMEOUT_MS);
        itest_backoff();
    }
}

static void test_driver_killed(void **state)
{
    struct fixture *fx = *state;
    struct app a;
    PCI9656_INFO info;
    struct drv *d = start_serving(fx, PCI9656_DRIVER_PATH, "slow", 0, &a, &info);
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "pci9656-monitor");

    /* A 1 MiB write at 1 MB/s: about a second of DMA, killed in the middle. */
    uint8_t *big = owned_alloc(SRAM_SIZE);
    pattern_fill(big, SRAM_SIZE, 42);
    struct app_io p;
    app_io_init(&p);
    int rc = dmaemu_write_async(a.f, 0, big, SRAM_SIZE, app_io_done, &p);
    if (rc != 0)
        pfail("write_async: %d (%s)", rc, dmaemu_last_error());
    wait_channel_busy(mon, "slow", 0, &p);
    drv_kill(fx, d, STOP_TIMEOUT_MS);

    /* The daemon completes what the dead driver held, and frees and resets the device. */
    if (!app_io_wait(&p, ITEST_TIMEOUT_MS))
        pfail("the write was never completed after the driver died");
    itest_expect_result("write held by the killed driver", p.rc, &p.res, STATUS_DEVICE_REMOVED, 0,
                        0);
    wait_device_free(mon, "slow");
    assert_int_equal(dmacsr(mon, "slow", 0) & DMACSR_DONE, DMACSR_DONE);

    /* A new driver process takes the device over and serves it. */
    d = pci_start(fx, PCI9656_DRIVER_PATH, "slow", 0);
    info = pci9656_wait_serving(d, a.f);
    assert_true(info.DmaTransfersCompleted == 0);
    a.written = a.read = 0;
    /* The shadow no longer knows what SRAM holds: check only what this driver writes. */
    app_roundtrip(&a, 4097, 65536 + 13, 43, 3);
    app_roundtrip(&a, 0, 300, 44, 0);
    expect_counters(&a, &info);
    owned_free(big);
    app_free(&a);
    pci_stop(fx, d);
}

static void ignore_done(void *arg, int rc, const struct dmaemu_io_result *res)
{
}

/* The child application: sends a 1 MiB write to "slow", reports, and waits to be killed. */
static void app_child(struct fixture *fx, int report)
{
    dmaemu_t *c = NULL;
    struct dmaemu_connect_options o = {.role = DMAEMU_ROLE_APP,
                                       .name = "doomed-app",
                                       .token_file = fx->tcp ? fx->d.token_file : NULL};
    dmaemu_file_t *f = NULL;
    static uint8_t big[SRAM_SIZE];
    pattern_fill(big, sizeof(big), 77);
    if (dmaemu_connect(harness_uri(&fx->d, fx->tcp), &o, &c) != 0 ||
        dmaemu_open(c, "slow", &f) != 0 ||
        dmaemu_write_async(f, 0, big, sizeof(big), ignore_done, NULL) != 0) {
        dprintf(report, "E %s\n", dmaemu_last_error());
        _exit(1);
    }
    dprintf(report, "sent\n");
    for (;;)
        pause(); /* until SIGKILL */
}

static void test_app_killed(void **state)
{
    struct fixture *fx = *state;
    struct app a;
    PCI9656_INFO info;
    struct drv *d = start_serving(fx, PCI9656_DRIVER_PATH, "slow", 0, &a, &info);
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "pci9656-monitor");

    int rep[2];
    assert_int_equal(pipe2(rep, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(rep[0]);
        app_child(fx, rep[1]);
    }
    fx->child = pid;
    close(rep[1]);
    char line[256];
    itest_read_line(rep[0], line, sizeof(line));
    close(rep[0]);
    if (strcmp(line, "sent\n") != 0)
        pfail("the application child failed: %s", line);

    /* The child's write is moving data when the child dies. */
    wait_channel_busy(mon, "slow", 0, NULL);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    fx->child = 0;

    /* The driver serves others meanwhile and after: a read on the other channel at once, then
     * writes queued behind the orphaned one. */
    uint8_t buf[4096];
    struct dmaemu_io_result r;
    int rc = dmaemu_read(a.f, SRAM_SIZE - 4096, buf, sizeof(buf), &r);
    itest_expect_result("read while the orphaned write runs", rc, &r, STATUS_SUCCESS, 4096, 4096);
    a.read += 4096;
    /* Our write waits for the orphaned one (one write at a time), then lands over it: check
     * only the range we wrote. */
    app_write(&a, 8192, 5000, 9, 1);
    app_read(&a, 8192, 5000, 0);
    if (!drv_alive(d))
        pfail("the driver exited with status %d", drv_exit_code(d->status));
    /* The child's megabyte was written all the same, though nobody waits for it. */
    a.written += SRAM_SIZE;
    expect_counters(&a, &info);
    app_free(&a);
    pci_stop(fx, d);
}

/* (7) SIGTERM --------------------------------------------------------------------------------- */

static void test_sigterm_idle(void **state)
{
    struct fixture *fx = *state;
    struct app a;
    PCI9656_INFO info;
    struct drv *d = start_serving(fx, PCI9656_DRIVER_PATH, "plx0", 0, &a, &info);
    app_roundtrip(&a, 100, 1000, 1, 0);
    pci_stop(fx, d);

    /* The device is free again, and requests are answered by the daemon. */
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "pci9656-monitor");
    wait_device_free(mon, "plx0");
    struct dmaemu_io_result r;
    uint8_t buf[16];
    int rc = dmaemu_read(a.f, 0, buf, sizeof(buf), &r);
    itest_expect_result("read with no driver", rc, &r, STATUS_DEVICE_NOT_CONNECTED, 0, 0);
    app_free(&a);
}

/* SIGTERM while a 4-second write runs: the driver stops it at the next transfer boundary
 * (EvtIoStop), completes it with what was written, and exits 0. A driver that let it run on
 * would still hold it when the shim's grace period ends, and the verifier would stop it
 * (a transaction in Transfer at D0Exit). */
static void sigterm_busy(struct fixture *fx, const char *path)
{
    struct app a;
    PCI9656_INFO info;
    struct drv *d = start_serving(fx, path, "slower", 0, &a, &info);
    dmaemu_t *mon = fx_connect(fx, DMAEMU_ROLE_MONITOR, "pci9656-monitor");
    uint8_t *big = owned_alloc(SRAM_SIZE);
    pattern_fill(big, SRAM_SIZE, 5);
    struct app_io p;
    app_io_init(&p);
    int rc = dmaemu_write_async(a.f, 0, big, SRAM_SIZE, app_io_done, &p);
    if (rc != 0)
        pfail("write_async: %d (%s)", rc, dmaemu_last_error());
    wait_channel_busy(mon, "slower", 0, &p);
    pci_stop(fx, d);
    if (!app_io_wait(&p, ITEST_TIMEOUT_MS))
        pfail("the write never completed");
    if (p.rc != 0)
        pfail("the write: rc %d", p.rc);
    /* Cancelled after some whole transfers (the first, usually). */
    if (p.res.status != STATUS_CANCELLED || p.res.information == 0 ||
        p.res.information >= SRAM_SIZE || p.res.information % info.MaximumTransferLength != 0)
        pfail("the write interrupted by SIGTERM: status 0x%08X information %llu; expected "
              "STATUS_CANCELLED after whole transfers of %u bytes",
              (unsigned)p.res.status, (unsigned long long)p.res.information,
              info.MaximumTransferLength);
    owned_free(big);
    app_free(&a);
}

static void test_sigterm_busy(void **state)
{
    sigterm_busy(*state, PCI9656_DRIVER_PATH);
}

static void test_packet_sigterm_busy(void **state)
{
    sigterm_busy(*state, PCI9656_PACKET_DRIVER_PATH);
}

/* ---------------------------------------------------------------------------------------------- */

#define PCI_TESTS(fx)                                                                              \
    PCI_TEST(test_roundtrip, fx), PCI_TEST(test_roundtrip_fragment, fx),                           \
        PCI_TEST(test_packet_roundtrip, fx), PCI_TEST(test_packet_roundtrip_fragment, fx),         \
        PCI_TEST(test_roundtrip_high_dma, fx), PCI_TEST(test_packet_roundtrip_high_dma, fx),       \
        PCI_TEST(test_many_transfers, fx), PCI_TEST(test_many_transfers_fragment, fx),             \
        PCI_TEST(test_packet_many_transfers, fx),                                                  \
        PCI_TEST(test_packet_many_transfers_fragment, fx), PCI_TEST(test_end_of_sram, fx),         \
        PCI_TEST(test_packet_end_of_sram, fx), PCI_TEST(test_ioctl, fx),                           \
        PCI_TEST(test_concurrent, fx), PCI_TEST(test_concurrent_fragment, fx),                     \
        PCI_TEST(test_packet_concurrent, fx), PCI_TEST(test_driver_killed, fx),                    \
        PCI_TEST(test_app_killed, fx), PCI_TEST(test_sigterm_idle, fx),                            \
        PCI_TEST(test_sigterm_busy, fx), PCI_TEST(test_packet_sigterm_busy, fx)

int main(void)
{
    /* PCI9656_TEST_FILTER=test_ioctl (a cmocka pattern) runs a subset. */
    if (getenv("PCI9656_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("PCI9656_TEST_FILTER"));
    const struct CMUnitTest unix_tests[] = {PCI_TESTS(fx_unix)};
    const struct CMUnitTest tcp_tests[] = {PCI_TESTS(fx_tcp)};
    int failed = cmocka_run_group_tests_name("pci9656/unix", unix_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("pci9656/tcp", tcp_tests, NULL, NULL);
    return failed != 0;
}
