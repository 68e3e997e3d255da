/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The main of every Check suite binary. */
#include <stdlib.h>

#include "test-util.h"

int main(void) {
        SRunner *sr = srunner_create(test_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
