/* src/legal/fwkey.c built as a production build (TRIMETER_PRODUCTION) whose
 * key file holds the TEST key: the key is refused (fwimg_key() NULL), so
 * no image verifies. Exit 0 when refused. */
#include <stdio.h>

#include "legal/fwimage.h"

int main(void)
{
    if (fwimg_key() != NULL) {
        fprintf(stderr, "production build accepted the test key\n");
        return 1;
    }
    printf("production build refuses the test key\n");
    return 0;
}
