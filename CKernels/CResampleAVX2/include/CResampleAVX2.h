#ifndef FOVEA_CRESAMPLEAVX2_H
#define FOVEA_CRESAMPLEAVX2_H

#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU has AVX2 (and the kernel saves the YMM registers), else 0: whether
/// `fovea_resample_horizontal_avx2` may be called.
int fovea_cpu_has_avx2(void);

/// The windows and constants of a resize's horizontal pass (FoveaKernels' `ResamplePlan` and
/// `HorizontalPass`).
typedef struct {
    /// Output pixel x's window starts at source pixel starts[x]; starts never decrease.
    const int32_t *starts;
    /// `groups` tap-pair vectors per output pixel, 8 Int16 each (k0 k1 k0 k1 …); the pairs
    /// cover source pixels starts[x] ..< starts[x] + 2·groups.
    const int16_t *weights;
    long groups;
    long out_width;
    /// The SSE2 pass's constants: the rounding half, the left shift before the high halves are
    /// taken, and the Int16 left shifts to 1/64 level and to the stored units.
    int32_t half;
    int32_t up;
    int32_t to_sixty_fourths;
    int32_t to_stored;
} fovea_horizontal_windows;

/// Int16 of scratch `fovea_resample_horizontal_avx2` needs for windows of `groups` tap pairs.
size_t fovea_resample_horizontal_avx2_scratch(long groups);

/// Filters four source rows (`in_width` pixels of `bands` bytes, 3 or 4) into four intermediate
/// rows, the same Int16s FoveaKernels' SSE2 pass writes (`HorizontalPass.filterPixels` after
/// its `expand`). Only where `fovea_cpu_has_avx2()` is 1.
void fovea_resample_horizontal_avx2(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d,
                                    long in_width, int bands, const fovea_horizontal_windows *windows,
                                    int16_t *scratch, int16_t *out_a, int16_t *out_b, int16_t *out_c,
                                    int16_t *out_d);

#endif
