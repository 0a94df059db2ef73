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
    /// 1 when no window's sum, for any samples 0…255, overflows Int32 when shifted left by `up`
    /// (the plan checks every window): `(sum << up) >> 16` is then `sum >> (16 - up)`, which the
    /// AVX-512 pass computes with one shift (the AVX2 pass ignores this).
    int32_t sums_fit;
    /// For `fovea_resample_horizontal_avx512vbmi` (the others ignore these): `run_count` runs of
    /// output pixels, runs[2i] ..< runs[2i + 1], in order, in each of which every window starts
    /// one source pixel after the one before; every load of a run stays within the row (a run's
    /// chunk of 32 samples from sample j reads source bytes starts[first]·bands + j + 2g·bands ..<
    /// that + 36 for each tap pair g), and none holds the last pixel.
    const int32_t *runs;
    long run_count;
    /// Per run, per chunk of 32 of its samples, per tap pair: two vectors of 32 Int16 (the
    /// chunk's samples 8q + 0…3, then 8q + 4…7, for q = 0…3), each lane pair the pair's two
    /// weights of the pixel the sample belongs to (0 past the run).
    const int16_t *run_weights;
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

/// 1 when the CPU has AVX-512 F, BW and VL (and the kernel saves the ZMM registers), else 0:
/// whether the `_avx512` functions may be called.
int fovea_cpu_has_avx512bw(void);

/// Int16 of scratch `fovea_resample_horizontal_avx512` needs for windows of `groups` tap pairs.
size_t fovea_resample_horizontal_avx512_scratch(long groups);

/// `fovea_resample_horizontal_avx2` with all four rows in one 512-bit vector: the same Int16s.
/// Only where `fovea_cpu_has_avx512bw()` is 1.
void fovea_resample_horizontal_avx512(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d,
                                      long in_width, int bands, const fovea_horizontal_windows *windows,
                                      int16_t *scratch, int16_t *out_a, int16_t *out_b, int16_t *out_c,
                                      int16_t *out_d);

/// 1 when the CPU also has AVX-512 VBMI and VNNI: whether `fovea_resample_horizontal_avx512vbmi`
/// may be called.
int fovea_cpu_has_avx512vbmi(void);

/// `fovea_resample_horizontal_avx512` with the windows' runs filtered straight from the source
/// rows (vpermb, vpdpwssd), not expanded: the same Int16s. Scratch as for the AVX-512 pass. Only
/// where `fovea_cpu_has_avx512vbmi()` is 1.
void fovea_resample_horizontal_avx512vbmi(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d,
                                          long in_width, int bands, const fovea_horizontal_windows *windows,
                                          int16_t *scratch, int16_t *out_a, int16_t *out_b, int16_t *out_c,
                                          int16_t *out_d);

/// One output row of the vertical pass for short windows (FoveaKernels' `VerticalPass`, its
/// pmulhw kernel): `samples` bytes into `out` from the `count` intermediate rows `rows` (Int16 in
/// 1/128 level) with Int16 weights in 1/2^14, the same bytes as the SSE2 pass. The AVX2 one needs
/// `samples` >= 32 and `fovea_cpu_has_avx2()`, the AVX-512 one any `samples` >= 1 and
/// `fovea_cpu_has_avx512bw()`.
void fovea_resample_vertical_avx2(const int16_t *const *rows, const int16_t *weights, long count, long samples,
                                  uint8_t *out);
void fovea_resample_vertical_avx512(const int16_t *const *rows, const int16_t *weights, long count, long samples,
                                    uint8_t *out);

#endif
