/*
 * test_coalesce.c: hrec_coalesce (daemon/history/coalesce.c), which folds the ends of requests,
 * transactions and transfers into the rows their starts insert when both are in one batch, and
 * an interrupt assertion's ISR pass, DPC and deassertion into the assertion's row.
 * A wrong pairing would silently put one request's status on another's row, so every rule
 * the writer relies on is pinned down here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "history/history.h"
#include "history/history_record.h"

#define BATCH_MAX 16

struct batch {
    struct hrec r[BATCH_MAX];
    size_t n;
};

static struct hrec *add(struct batch *b)
{
    assert_true(b->n < BATCH_MAX);
    struct hrec *r = &b->r[b->n];
    memset(r, 0, sizeof(*r));
    if (b->n > 0)
        b->r[b->n - 1].next = r;
    b->n++;
    return r;
}

static struct hrec *request(struct batch *b, uint64_t number, bool completed)
{
    struct hrec *r = add(b);
    r->kind = REC_REQUEST;
    r->u[0] = number;
    r->u[1] = completed;
    return r;
}

static struct hrec *driver(struct batch *b, const char *kind, const char *phase, uint64_t session,
                           uint64_t number, uint64_t seq)
{
    struct hrec *r = add(b);
    r->kind = REC_DRIVER_EVENT;
    r->session = session;
    strcpy(r->s1, kind);
    strcpy(r->s2, phase);
    r->u[0] = kind[0] == 'r' ? number : 0; /* a request's number, else the transaction's */
    r->u[1] = number;
    r->u[2] = seq;
    return r;
}

static void test_request_folds_dispatch_and_completion(void **state)
{
    (void)state;
    struct batch b = {0};
    struct hrec *submit = request(&b, 7, false);
    struct hrec *other = request(&b, 8, false);
    struct hrec *dispatch = driver(&b, "request", "dispatched", 2, 7, 0);
    struct hrec *done = request(&b, 7, true);
    hrec_coalesce(b.r);
    assert_ptr_equal(submit->dispatch, dispatch);
    assert_ptr_equal(submit->end, done);
    assert_true(dispatch->absorbed);
    assert_true(done->absorbed);
    assert_null(other->end);
    assert_null(other->dispatch);
    assert_false(submit->absorbed);
}

static void test_end_of_an_earlier_batch_stays_an_update(void **state)
{
    (void)state;
    struct batch b = {0};
    struct hrec *done = request(&b, 3, true);
    struct hrec *xfer_end = driver(&b, "transfer", "completed", 2, 5, 1);
    struct hrec *txn_end = driver(&b, "transaction", "completed", 2, 5, 0);
    hrec_coalesce(b.r);
    assert_false(done->absorbed);
    assert_false(xfer_end->absorbed);
    assert_false(txn_end->absorbed);
}

/* Transaction objects are reused: each end belongs to the start before it. */
static void test_reused_transaction_pairs_with_the_latest_start(void **state)
{
    (void)state;
    struct batch b = {0};
    struct hrec *start1 = driver(&b, "transaction", "initialized", 2, 5, 0);
    struct hrec *end1 = driver(&b, "transaction", "completed", 2, 5, 0);
    struct hrec *start2 = driver(&b, "transaction", "initialized", 2, 5, 0);
    struct hrec *end2 = driver(&b, "transaction", "failed", 2, 5, 0);
    hrec_coalesce(b.r);
    assert_ptr_equal(start1->end, end1);
    assert_ptr_equal(start2->end, end2);
    assert_true(end1->absorbed && end2->absorbed);
}

/* The same transaction number in another driver session is another transaction. */
static void test_sessions_are_kept_apart(void **state)
{
    (void)state;
    struct batch b = {0};
    struct hrec *start = driver(&b, "transaction", "initialized", 2, 5, 0);
    struct hrec *end_other = driver(&b, "transaction", "completed", 3, 5, 0);
    hrec_coalesce(b.r);
    assert_null(start->end);
    assert_false(end_other->absorbed);
}

static void test_transfers_count_into_their_transaction_row(void **state)
{
    (void)state;
    struct batch b = {0};
    struct hrec *early = driver(&b, "transfer", "programmed", 2, 5, 1); /* earlier incarnation */
    struct hrec *txn = driver(&b, "transaction", "initialized", 2, 5, 0);
    struct hrec *x1 = driver(&b, "transfer", "programmed", 2, 5, 1);
    struct hrec *x1_end = driver(&b, "transfer", "completed", 2, 5, 1);
    struct hrec *x2 = driver(&b, "transfer", "programmed", 2, 5, 2);
    hrec_coalesce(b.r);
    assert_int_equal(txn->transfers, 2);
    assert_false(early->counted);
    assert_true(x1->counted && x2->counted);
    assert_ptr_equal(x1->end, x1_end);
    assert_null(x2->end);
    assert_null(early->end); /* x1 started later with the same key and took the end */
}

/* A second end for one start is not absorbed: its UPDATE runs after the INSERT, as before. */
static void test_only_the_first_end_is_absorbed(void **state)
{
    (void)state;
    struct batch b = {0};
    struct hrec *submit = request(&b, 9, false);
    struct hrec *done1 = request(&b, 9, true);
    struct hrec *done2 = request(&b, 9, true);
    hrec_coalesce(b.r);
    assert_ptr_equal(submit->end, done1);
    assert_true(done1->absorbed);
    assert_false(done2->absorbed);
}

/* The writer retries a batch that failed to commit: a second pass starts from scratch. */
static void test_a_second_pass_gives_the_same_result(void **state)
{
    (void)state;
    struct batch b = {0};
    struct hrec *txn = driver(&b, "transaction", "initialized", 2, 5, 0);
    driver(&b, "transfer", "programmed", 2, 5, 1);
    struct hrec *end = driver(&b, "transaction", "completed", 2, 5, 0);
    hrec_coalesce(b.r);
    hrec_coalesce(b.r);
    assert_int_equal(txn->transfers, 1);
    assert_ptr_equal(txn->end, end);
}

/* An interrupt line change from the device, owned by driver session `session`. */
static struct hrec *line(struct batch *b, uint64_t session, unsigned index, bool asserted,
                         uint64_t time_ns)
{
    struct hrec *r = add(b);
    r->kind = REC_IRQ;
    r->session = session;
    r->u[0] = index;
    r->u[1] = asserted;
    r->time_ns = time_ns;
    return r;
}

static struct hrec *timed(struct hrec *r, uint64_t time_ns)
{
    r->time_ns = time_ns;
    return r;
}

/* The usual order: the line rises, the ISR's write drops it, then come the ISR's and the DPC's
 * reports. All three join the assertion's row. */
static void test_assertion_holds_isr_dpc_and_deassertion(void **state)
{
    (void)state;
    struct batch b = {0};
    struct hrec *up = line(&b, 2, 0, true, 1000);
    struct hrec *down = line(&b, 2, 0, false, 1100);
    struct hrec *isr = timed(driver(&b, "isr", "claimed", 2, 0, 0), 1200);
    struct hrec *dpc = timed(driver(&b, "dpc", "ran", 2, 0, 0), 1300);
    hrec_coalesce(b.r);
    assert_ptr_equal(up->irq[HREC_IRQ_DEASSERT], down);
    assert_ptr_equal(up->irq[HREC_IRQ_ISR], isr);
    assert_ptr_equal(up->irq[HREC_IRQ_DPC], dpc);
    assert_true(down->absorbed && isr->absorbed && dpc->absorbed);
    assert_false(up->absorbed);
}

/* What an assertion's row cannot hold keeps a row of its own: a second ISR pass, another
 * session's report, another line's deassertion, an event before the assertion or more than
 * HISTORY_IRQ_FOLD_NS after it. A new assertion takes what follows it. */
static void test_assertion_row_takes_only_its_own(void **state)
{
    (void)state;
    struct batch b = {0};
    struct hrec *early = timed(driver(&b, "dpc", "ran", 2, 0, 0), 500);
    struct hrec *up = line(&b, 2, 0, true, 1000);
    struct hrec *isr1 = timed(driver(&b, "isr", "unclaimed", 2, 0, 0), 1100);
    struct hrec *isr2 = timed(driver(&b, "isr", "claimed", 2, 0, 0), 1200);
    struct hrec *other = timed(driver(&b, "dpc", "ran", 3, 0, 0), 1300);
    struct hrec *line1 = line(&b, 2, 1, false, 1400);
    struct hrec *late = timed(driver(&b, "dpc", "ran", 2, 0, 0), 1000 + HISTORY_IRQ_FOLD_NS + 1);
    struct hrec *up2 = line(&b, 2, 0, true, 2 * HISTORY_IRQ_FOLD_NS);
    struct hrec *down2 = line(&b, 2, 0, false, 2 * HISTORY_IRQ_FOLD_NS + 5);
    hrec_coalesce(b.r);
    assert_ptr_equal(up->irq[HREC_IRQ_ISR], isr1);
    assert_false(isr2->absorbed);
    assert_false(other->absorbed || line1->absorbed || late->absorbed || early->absorbed);
    assert_null(up->irq[HREC_IRQ_DPC]);
    assert_null(up->irq[HREC_IRQ_DEASSERT]);
    assert_ptr_equal(up2->irq[HREC_IRQ_DEASSERT], down2);
}

/* A line change with no driver (session 0) is never folded: there is no ISR to join it. */
static void test_unowned_line_is_its_own_row(void **state)
{
    (void)state;
    struct batch b = {0};
    struct hrec *up = line(&b, 0, 0, true, 1000);
    struct hrec *down = line(&b, 0, 0, false, 1100);
    hrec_coalesce(b.r);
    assert_null(up->irq[HREC_IRQ_DEASSERT]);
    assert_false(down->absorbed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_folds_dispatch_and_completion),
        cmocka_unit_test(test_end_of_an_earlier_batch_stays_an_update),
        cmocka_unit_test(test_reused_transaction_pairs_with_the_latest_start),
        cmocka_unit_test(test_sessions_are_kept_apart),
        cmocka_unit_test(test_transfers_count_into_their_transaction_row),
        cmocka_unit_test(test_only_the_first_end_is_absorbed),
        cmocka_unit_test(test_a_second_pass_gives_the_same_result),
        cmocka_unit_test(test_assertion_holds_isr_dpc_and_deassertion),
        cmocka_unit_test(test_assertion_row_takes_only_its_own),
        cmocka_unit_test(test_unowned_line_is_its_own_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
