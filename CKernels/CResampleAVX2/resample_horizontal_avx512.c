// The horizontal pass of FoveaKernels' resample for 3 and 4 bands with AVX-512 (F, BW, VL): the
// AVX2 pass of resample_horizontal_avx2.c with four source rows per instruction instead of two,
// so the same Int16s as the SSE2 pass (Sources/FoveaKernels/ResampleHorizontal.swift).
//
// Layout. Rows are expanded together, all four. Block p of the expanded strip is 64 bytes, one
// row per 128-bit lane: the 8 Int16 the SSE2 pass loads at pixel p of that row's expanded row,
// `c0(p) c0(p+1) c1(p) c1(p+1) c2(p) c2(p+1) …` (samples past the row 0; for 3 bands the last two
// lanes are the next pixel's and their sum is junk). One vpmaddwd of a block with a tap pair
// gives the four rows' sums, lane for lane SSE2's four pmaddwd, junk included; the descale,
// clamp and scale are the AVX2 pass's, lane for lane. Strips as in the AVX2 pass: output pixels
// go in strips whose windows cover about STRIP_BLOCKS source pixels, each strip expanded just
// before it is read (16 KB, in the L1 cache).
//
// Runs (fovea_resample_horizontal_avx512vbmi, where the CPU also has VBMI and VNNI). Where
// consecutive output pixels' windows start one source pixel apart (starts[x + 1] == starts[x] + 1,
// nearly every pixel of a resize between 1:1 and 1:2), tap k of output sample j of a run is
// source sample (starts[first] + k)·bands + j: the run's samples are Σ_k W_k ⊙ src[… + j], W_k
// tap k's weight of the pixel each sample belongs to (windows->run_weights, laid out once per
// plan). So no expansion, no junk lane and no broadcast: for 32 output samples of a row and a tap
// pair, two 32-byte loads, two vpermb (with zero-masking: the bytes of taps k and k + 1 of 16
// samples, each zero-extended to Int16 and side by side) and two vpdpwssd with the pair's
// interleaved weights; then the descale below. Integer sums do not depend on their order, so the
// Int16s are the SSE2 pass's. Four rows at a time share the weight loads. Pixels outside runs
// (run breaks, the row's last pixels, whose loads would pass the row's end) take the strips.
#include "CResampleAVX2.h"
#include "resample_internal.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
#define AVX512_INLINE static inline __attribute__((target("avx512f,avx512bw,avx512vl"), always_inline))
#define RUNS __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,avx512vnni")))
#define RUNS_INLINE static inline __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,avx512vnni"), always_inline))

enum { BLOCK_BYTES = 64, BLOCK_SHORTS = 32, STRIP_BLOCKS = 256 };

int fovea_cpu_has_avx512bw(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl");
}

int fovea_cpu_has_avx512vbmi(void) {
    return fovea_cpu_has_avx512bw() && __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vnni");
}

// Blocks in one strip: every window fits, however long.
static long strip_capacity(long groups) { return STRIP_BLOCKS + 2 * groups; }

// The expansion may write up to 3 blocks past a strip's last (from its last load).
size_t fovea_resample_horizontal_avx512_scratch(long groups) {
    return (size_t)((strip_capacity(groups) + 3) * BLOCK_SHORTS);
}

// MARK: Expansion

// vpshufb mask giving the block of pixel j of a load: in each 128-bit lane (one row's 16 bytes),
// bytes o, o+bands, o+1, o+1+bands, … zero-extended to Int16.
AVX512_INLINE __m512i block_mask(int bands, int j) {
    const char o = (char)(j * bands), k = (char)bands, z = -1;
    return _mm512_broadcast_i32x4(_mm_setr_epi8(o, z, o + k, z, o + 1, z, o + 1 + k, z, o + 2, z, o + 2 + k, z,
                                                 o + 3, z, o + 3 + k, z));
}

// Blocks 0 ..< blocks of the four rows (n samples each from their first pixel) into `out`, and
// up to 3 blocks past them that nothing reads. One 16-byte load per row gives the blocks of 4
// pixels (3 bands; each reads up to the first sample of the pixel two on) or 3 (4 bands);
// blocks that would need bytes past the row are done lane by lane.
AVX512_INLINE void expand_blocks(const uint8_t *const rows[4], long n, const int bands, long blocks, int16_t *out) {
    const int per_load = bands == 3 ? 4 : 3;
    long p = 0;
    for (; p < blocks && p * bands + 16 <= n; p += per_load) {
        const long at = p * bands;
        __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(rows[0] + at)));
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(rows[1] + at)), 1);
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(rows[2] + at)), 2);
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(rows[3] + at)), 3);
        for (int j = 0; j < per_load; j++) {
            _mm512_storeu_si512(out + (p + j) * BLOCK_SHORTS, _mm512_shuffle_epi8(v, block_mask(bands, j)));
        }
    }
    for (; p < blocks; p++) {
        for (int r = 0; r < 4; r++) fovea_block_lanes(rows[r], n, bands, p, out + p * BLOCK_SHORTS + 8 * r);
    }
}

// A function per band count, so that each loop has its masks as constants.
AVX512 static void expand_three_bands(const uint8_t *const rows[4], long n, long blocks, int16_t *out) {
    expand_blocks(rows, n, 3, blocks, out);
}

AVX512 static void expand_four_bands(const uint8_t *const rows[4], long n, long blocks, int16_t *out) {
    expand_blocks(rows, n, 4, blocks, out);
}

// Blocks first ..< first + count of the rows (in_width pixels) into out's blocks 0 ..< count.
AVX512 static void expand(const uint8_t *const rows[4], long in_width, int bands, long first, long count,
                          int16_t *out) {
    const long n = (in_width - first) * bands;
    const uint8_t *const from[4] = {rows[0] + first * bands, rows[1] + first * bands, rows[2] + first * bands,
                                    rows[3] + first * bands};
    if (bands == 3) {
        expand_three_bands(from, n, count, out);
    } else {
        expand_four_bands(from, n, count, out);
    }
}

// MARK: Filtering

typedef struct {
    __m512i half, up, down, upper, to_sixty_fourths, to_stored, doubled, compact;
    // Whether the descale is one shift (windows->sums_fit), and whether the scale to 1/64 level
    // is 1 and the one to the stored units 1 or 2 (every resize whose height changes).
    int one_shift, small_scales;
} constants;

// One output pixel's sums, row r in lane r: its window's first block is at byte `at` of the
// strip, its weights at w; `groups` is a constant where the caller can make it one.
AVX512_INLINE __m512i sums_of(const uint8_t *strip, long at, const int16_t *w, const long groups,
                              const constants *c) {
    __m512i s = c->half;
    for (long g = 0; g < groups; g++) {
        int32_t pair;  // k0 k1, the first two of the group's eight Int16
        memcpy(&pair, w + 8 * g, sizeof pair);
        const __m512i k = _mm512_set1_epi32(pair);
        const __m512i x = _mm512_loadu_si512(strip + at + 2 * BLOCK_BYTES * g);  // a pair is two pixels on
        s = _mm512_add_epi32(s, _mm512_madd_epi16(x, k));
    }
    return s;
}

// The SSE2 pass's descale, clamp and scale of two sum vectors: in each lane (row), x's four
// Int16 then y's four. SSE2 takes the high halves of sum << up (pslld, psrad 16, packssdw),
// scales them to 1/64 level (psllw), clamps them to 0…255·64 and scales them to the stored units
// (psllw); here the same where nothing is known of the sums and scales, and otherwise fewer
// instructions for the same Int16s:
// - one_shift: no sum << up overflows (the plan checked every window), so the two shifts are
//   one, sum >> (16 - up);
// - small_scales: the first scale is 1 and the second 1 or 2 (every resize whose height
//   changes). SSE2's clamp of a saturated Int16 to 0…255·64 is then packusdw's clamp at 0 (and
//   at 65535) followed by an unsigned min, and the doubling, of at most 255·64, cannot wrap.
AVX512_INLINE __m512i stored(__m512i x, __m512i y, const constants *c) {
    if (c->one_shift) {
        x = _mm512_srav_epi32(x, c->down);
        y = _mm512_srav_epi32(y, c->down);
    } else {
        x = _mm512_srai_epi32(_mm512_sllv_epi32(x, c->up), 16);
        y = _mm512_srai_epi32(_mm512_sllv_epi32(y, c->up), 16);
    }
    if (c->small_scales) {
        const __m512i v = _mm512_min_epu16(_mm512_packus_epi32(x, y), c->upper);
        return _mm512_add_epi16(v, _mm512_and_si512(v, c->doubled));
    }
    __m512i v = _mm512_mullo_epi16(_mm512_packs_epi32(x, y), c->to_sixty_fourths);
    v = _mm512_min_epi16(_mm512_max_epi16(v, _mm512_setzero_si512()), c->upper);
    return _mm512_mullo_epi16(v, c->to_stored);
}

// Output pixels first ..< end, whose windows start at or after block `origin`, from the strip
// (block 0 is block `origin` of the whole rows), two pixels at a time. Every Int16 the SSE2
// pass leaves in a row is left the same: a 3-band pixel's junk fourth lane is overwritten by
// the next pixel, and the row's last pixel is stored alone so that its junk lane is the last
// one written.
AVX512_INLINE void filter_strip(const uint8_t *strip, long origin, long first, long end,
                                const fovea_horizontal_windows *windows, const int bands, const long groups,
                                const constants *c, int16_t *const out[4]) {
    const int32_t *starts = windows->starts;
    const int16_t *w = windows->weights + first * 8 * groups;
    long x = first;
    const long pairs_end = end - (end == windows->out_width ? 1 : 0);
    for (; x + 1 < pairs_end; x += 2) {
        const __m512i p = sums_of(strip, (starts[x] - origin) * BLOCK_BYTES, w, groups, c);
        const __m512i q = sums_of(strip, (starts[x + 1] - origin) * BLOCK_BYTES, w + 8 * groups, groups, c);
        w += 16 * groups;
        __m512i v = stored(p, q, c);
        if (bands == 3) v = _mm512_shuffle_epi8(v, c->compact);  // x0 x1 x2 y0 y1 y2 junk' junk'
        const long at = x * bands;
        _mm_storeu_si128((__m128i *)(out[0] + at), _mm512_castsi512_si128(v));
        _mm_storeu_si128((__m128i *)(out[1] + at), _mm512_extracti32x4_epi32(v, 1));
        _mm_storeu_si128((__m128i *)(out[2] + at), _mm512_extracti32x4_epi32(v, 2));
        _mm_storeu_si128((__m128i *)(out[3] + at), _mm512_extracti32x4_epi32(v, 3));
    }
    for (; x < end; x++) {
        const __m512i p = sums_of(strip, (starts[x] - origin) * BLOCK_BYTES, w, groups, c);
        w += 8 * groups;
        const __m512i v = stored(p, p, c);
        const long at = x * bands;
        _mm_storel_epi64((__m128i *)(out[0] + at), _mm512_castsi512_si128(v));
        _mm_storel_epi64((__m128i *)(out[1] + at), _mm512_extracti32x4_epi32(v, 1));
        _mm_storel_epi64((__m128i *)(out[2] + at), _mm512_extracti32x4_epi32(v, 2));
        _mm_storel_epi64((__m128i *)(out[3] + at), _mm512_extracti32x4_epi32(v, 3));
    }
}

// A loop for each band count and each window length up to 4 pairs (every upscale, and
// downscales to 1/2 with bicubic), its pairs unrolled.
AVX512_INLINE void filter_strip_bands(const uint8_t *strip, long origin, long first, long end,
                                      const fovea_horizontal_windows *windows, const int bands, const constants *c,
                                      int16_t *const out[4]) {
    switch (windows->groups) {
    case 1: filter_strip(strip, origin, first, end, windows, bands, 1, c, out); break;
    case 2: filter_strip(strip, origin, first, end, windows, bands, 2, c, out); break;
    case 3: filter_strip(strip, origin, first, end, windows, bands, 3, c, out); break;
    case 4: filter_strip(strip, origin, first, end, windows, bands, 4, c, out); break;
    default: filter_strip(strip, origin, first, end, windows, bands, windows->groups, c, out); break;
    }
}

AVX512 static void filter_three_bands(const uint8_t *strip, long origin, long first, long end,
                                      const fovea_horizontal_windows *windows, const constants *c,
                                      int16_t *const out[4]) {
    filter_strip_bands(strip, origin, first, end, windows, 3, c, out);
}

AVX512 static void filter_four_bands(const uint8_t *strip, long origin, long first, long end,
                                     const fovea_horizontal_windows *windows, const constants *c,
                                     int16_t *const out[4]) {
    filter_strip_bands(strip, origin, first, end, windows, 4, c, out);
}

// The end of the strip that starts at output pixel `first`: the first pixel past it whose
// window would not fit in the strip (starts never decrease, so a binary search).
static long strip_end(const fovea_horizontal_windows *windows, long first, long capacity) {
    const long limit = windows->starts[first] + capacity - 2 * windows->groups;
    long low = first + 1, high = windows->out_width;  // the answer is in low ... high
    while (low < high) {
        const long mid = low + (high - low) / 2;
        if (windows->starts[mid] <= limit) low = mid + 1; else high = mid;
    }
    return low;
}

AVX512_INLINE constants constants_of(const fovea_horizontal_windows *windows) {
    const constants k = {
        .half = _mm512_set1_epi32(windows->half),
        .up = _mm512_set1_epi32(windows->up),
        .down = _mm512_set1_epi32(16 - windows->up),
        .upper = _mm512_set1_epi16(255 << 6),
        .to_sixty_fourths = _mm512_set1_epi16((int16_t)(1 << windows->to_sixty_fourths)),
        .to_stored = _mm512_set1_epi16((int16_t)(1 << windows->to_stored)),
        .doubled = _mm512_set1_epi16(windows->to_stored == 1 ? -1 : 0),
        .compact = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 14, 15)),
        .one_shift = windows->sums_fit != 0,
        .small_scales = windows->to_sixty_fourths == 0 && (windows->to_stored == 0 || windows->to_stored == 1),
    };
    return k;
}

// Output pixels first ..< end through strips of expanded rows. Only the row's last pixel writes
// past its own samples (its junk lane, as SSE2 does); a 3-band pair's junk lanes land on the
// next pixel's first two samples, so whatever fills those must come later.
AVX512 static void filter_pixels(const uint8_t *const rows[4], long in_width, int bands,
                                 const fovea_horizontal_windows *windows, long first, long end, const constants *k,
                                 int16_t *scratch, int16_t *const out[4]) {
    const long span = 2 * windows->groups, capacity = strip_capacity(windows->groups);
    const uint8_t *const strip = (const uint8_t *)scratch;
    while (first < end) {
        const long origin = windows->starts[first];
        long last = strip_end(windows, first, capacity);
        if (last > end) last = end;
        expand(rows, in_width, bands, origin, windows->starts[last - 1] + span - origin, scratch);
        if (bands == 3) {
            filter_three_bands(strip, origin, first, last, windows, k, out);
        } else {
            filter_four_bands(strip, origin, first, last, windows, k, out);
        }
        first = last;
    }
}

AVX512 void fovea_resample_horizontal_avx512(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d,
                                             long in_width, int bands, const fovea_horizontal_windows *windows,
                                             int16_t *scratch, int16_t *out_a, int16_t *out_b, int16_t *out_c,
                                             int16_t *out_d) {
    const uint8_t *const rows[4] = {a, b, c, d};
    int16_t *const out[4] = {out_a, out_b, out_c, out_d};
    const constants k = constants_of(windows);
    filter_pixels(rows, in_width, bands, windows, 0, windows->out_width, &k, scratch, out);
}

// MARK: Runs

// A chunk: 32 output samples of a row, two vpdpwssd (16 samples each) per tap pair, each with a
// vector of 32 Int16 weights.
enum { CHUNK_SAMPLES = 32, RUN_VECTOR_SHORTS = 32 };

// The vpermb indices of a load: Int32 lane m (byte 4m) is sample s(m) = 8·(m/4) + m%4 of the
// load, byte 4m + 2 the same sample `bands` on (tap k + 1); odd bytes take byte 32, which the
// 32-byte load leaves 0. (Not a zero-masked vpermb: clang makes that a vpermt2b with a zero table.)
// The load for the chunk's second half starts 4 samples on, so that after vpackusdw, which
// takes 4 Int32 of each vector per 128-bit lane, the 32 samples are in order.
RUNS_INLINE __m512i run_indices(int bands) {
    uint8_t bytes[64];
    for (int m = 0; m < 16; m++) {
        const int sample = 8 * (m / 4) + m % 4;
        bytes[4 * m] = (uint8_t)sample;
        bytes[4 * m + 1] = 32;
        bytes[4 * m + 2] = (uint8_t)(sample + bands);
        bytes[4 * m + 3] = 32;
    }
    return _mm512_loadu_si512(bytes);
}

// Taps k and k + 1 of 16 samples from the 32 bytes at `at`, each an Int16 pair.
RUNS_INLINE __m512i tap_pairs(const uint8_t *at, __m512i indices) {
    const __m512i x = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)at));
    return _mm512_permutexvar_epi8(indices, x);
}

// Output pixels first ..< end of the four rows, a run: their samples' chunks of 32, each with
// `groups` tap pairs of two vectors (the chunk's halves) of weights at w.
RUNS_INLINE void filter_run(const uint8_t *const rows[4], const int bands, long first, long end,
                            const fovea_horizontal_windows *windows, const long groups, const int16_t *w,
                            const constants *c, __m512i indices, int16_t *const out[4]) {
    const long n = (end - first) * bands, source = (long)windows->starts[first] * bands, at = first * bands;
    for (long j = 0; j < n; j += CHUNK_SAMPLES) {
        __m512i s[4][2];
        for (int r = 0; r < 4; r++) s[r][0] = s[r][1] = c->half;
        for (long g = 0; g < groups; g++) {
            const __m512i k0 = _mm512_loadu_si512(w), k1 = _mm512_loadu_si512(w + RUN_VECTOR_SHORTS);
            w += 2 * RUN_VECTOR_SHORTS;
            const long from = source + j + 2 * g * bands;
            for (int r = 0; r < 4; r++) {
                s[r][0] = _mm512_dpwssd_epi32(s[r][0], tap_pairs(rows[r] + from, indices), k0);
                s[r][1] = _mm512_dpwssd_epi32(s[r][1], tap_pairs(rows[r] + from + 4, indices), k1);
            }
        }
        if (n - j >= CHUNK_SAMPLES) {
            for (int r = 0; r < 4; r++) _mm512_storeu_si512(out[r] + at + j, stored(s[r][0], s[r][1], c));
        } else {
            const __mmask32 tail = (__mmask32)((1u << (n - j)) - 1);
            for (int r = 0; r < 4; r++) _mm512_mask_storeu_epi16(out[r] + at + j, tail, stored(s[r][0], s[r][1], c));
        }
    }
}

// A loop for each band count and each window length up to 4 pairs, as for the strips.
RUNS_INLINE void filter_run_bands(const uint8_t *const rows[4], const int bands, long first, long end,
                                  const fovea_horizontal_windows *windows, const int16_t *w, const constants *c,
                                  __m512i indices, int16_t *const out[4]) {
    switch (windows->groups) {
    case 1: filter_run(rows, bands, first, end, windows, 1, w, c, indices, out); break;
    case 2: filter_run(rows, bands, first, end, windows, 2, w, c, indices, out); break;
    case 3: filter_run(rows, bands, first, end, windows, 3, w, c, indices, out); break;
    case 4: filter_run(rows, bands, first, end, windows, 4, w, c, indices, out); break;
    default: filter_run(rows, bands, first, end, windows, windows->groups, w, c, indices, out); break;
    }
}

RUNS static void filter_run_three_bands(const uint8_t *const rows[4], long first, long end,
                                        const fovea_horizontal_windows *windows, const int16_t *w,
                                        const constants *c, int16_t *const out[4]) {
    filter_run_bands(rows, 3, first, end, windows, w, c, run_indices(3), out);
}

RUNS static void filter_run_four_bands(const uint8_t *const rows[4], long first, long end,
                                       const fovea_horizontal_windows *windows, const int16_t *w,
                                       const constants *c, int16_t *const out[4]) {
    filter_run_bands(rows, 4, first, end, windows, w, c, run_indices(4), out);
}

RUNS void fovea_resample_horizontal_avx512vbmi(const uint8_t *a, const uint8_t *b, const uint8_t *c,
                                               const uint8_t *d, long in_width, int bands,
                                               const fovea_horizontal_windows *windows, int16_t *scratch,
                                               int16_t *out_a, int16_t *out_b, int16_t *out_c, int16_t *out_d) {
    const uint8_t *const rows[4] = {a, b, c, d};
    int16_t *const out[4] = {out_a, out_b, out_c, out_d};
    const constants k = constants_of(windows);
    const int16_t *w = windows->run_weights;
    long x = 0;
    // Left to right, so that a 3-band pair's junk lanes before a run are overwritten by it.
    for (long i = 0; i < windows->run_count; i++) {
        const long first = windows->runs[2 * i], end = windows->runs[2 * i + 1];
        if (x < first) filter_pixels(rows, in_width, bands, windows, x, first, &k, scratch, out);
        if (bands == 3) {
            filter_run_three_bands(rows, first, end, windows, w, &k, out);
        } else {
            filter_run_four_bands(rows, first, end, windows, w, &k, out);
        }
        const long chunks = ((end - first) * bands + CHUNK_SAMPLES - 1) / CHUNK_SAMPLES;
        w += chunks * windows->groups * 2 * RUN_VECTOR_SHORTS;
        x = end;
    }
    if (x < windows->out_width) filter_pixels(rows, in_width, bands, windows, x, windows->out_width, &k, scratch, out);
}

#else  // Not x86-64: no AVX-512, and FoveaKernels never calls the pass.

#include <stdlib.h>

int fovea_cpu_has_avx512bw(void) { return 0; }

int fovea_cpu_has_avx512vbmi(void) { return 0; }

size_t fovea_resample_horizontal_avx512_scratch(long groups) { return (size_t)groups; }

void fovea_resample_horizontal_avx512(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d,
                                      long in_width, int bands, const fovea_horizontal_windows *windows,
                                      int16_t *scratch, int16_t *out_a, int16_t *out_b, int16_t *out_c,
                                      int16_t *out_d) {
    abort();
}

void fovea_resample_horizontal_avx512vbmi(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d,
                                          long in_width, int bands, const fovea_horizontal_windows *windows,
                                          int16_t *scratch, int16_t *out_a, int16_t *out_b, int16_t *out_c,
                                          int16_t *out_d) {
    abort();
}

#endif
