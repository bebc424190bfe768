/* par_add_parts (src/par.h): the rank-ordered sum, shared by the MPI and the
 * serial build. */
#include "par.h"

void par_add_parts(const float *parts, int nparts, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int r = 0; r < nparts; r++)
            s += parts[(size_t)r * n + i];
        out[i] = (float)s;
    }
}
