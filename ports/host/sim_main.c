/* trimeter-sim — placeholder entry point; the simulator shell replaces it. */
#include <stdio.h>

int main(void)
{
    fputs("trimeter-sim: not built yet\n", stderr);
    return 1;
}
