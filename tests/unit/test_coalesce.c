/*
 * test_coalesce.c: hrec_coalesce (daemon/history/coalesce.c), which folds the ends of requests,
 * transactions and transfers into the rows their starts insert when both are in one batch.
 * A wrong pairing would silently put one request's status on another's row, so every rule
 * the writer relies on is pinned down here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
