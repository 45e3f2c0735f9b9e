/*
 * test_headers_tu2.c: the second translation unit of the header test. It expands the same
 * DEFINE_GUID (after <initguid.h>) and WDF_DECLARE_CONTEXT_TYPE_WITH_NAME as test_headers.c; the
 * program must still link, with one instance of each (compared by address at run time).
 */
#define TEST_HEADERS_SECOND_TU 1
#include "test_headers.c"
