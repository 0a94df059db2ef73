// What the horizontal passes of this module share (not part of the module's public header).
#ifndef FOVEA_RESAMPLE_INTERNAL_H
#define FOVEA_RESAMPLE_INTERNAL_H

#include <stdint.h>

// Lanes 0-7 of pixel p's expanded block for a row of n samples, one at a time: lane i is
// sample p·bands + i/2, or the one a pixel on for odd i, and 0 past the row. (The SSE2 pass's
// eight Int16 at pixel p; the vector expansions do the same with one shuffle.)
static inline void fovea_block_lanes(const uint8_t *row, long n, int bands, long p, int16_t *to) {
    for (int i = 0; i < 8; i++) {
        const long s = p * bands + i / 2 + ((i & 1) ? bands : 0);
        to[i] = s < n ? row[s] : 0;
    }
}

#endif
