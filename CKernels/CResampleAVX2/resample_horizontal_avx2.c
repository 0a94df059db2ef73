// The horizontal pass of FoveaKernels' resample for 3 and 4 bands with AVX2: the integer
// arithmetic of its SSE2 pass (Sources/FoveaKernels/ResampleHorizontal.swift), instruction for
// instruction where it matters, so the same Int16s, with two source rows per instruction.
// (resample_horizontal_avx512.c does the same with four, where the CPU has AVX-512.)
//
// C, not a Swift module compiled for AVX2: Swift has no per-function target, and LLVM split the
// central shuffle below (both rows' bytes in one 256-bit register) into a shuffle per row, an
// insert and a blend, which made the expansion no faster than SSE2's; a module compiled with
// -mavx2 also emits weak helpers (`__swift_memcpy52_8`, …) shared by name with the rest of the
// binary, which the linker may pick for code that runs on any CPU. Here only the functions
// marked AVX2 use AVX2, and FoveaKernels calls them only after fovea_cpu_has_avx2().
//
// Layout. Rows are expanded in pairs (a with b, c with d). Block p of a paired row is 32 bytes:
// the 8 Int16 the SSE2 pass loads at pixel p of row a's expanded row, `c0(p) c0(p+1) c1(p)
// c1(p+1) c2(p) c2(p+1) …` (samples past the row 0; for 3 bands the last two lanes are the next
// pixel's and their sum is junk), then the same for row b. One vpmaddwd of a block with a tap
// pair gives both rows' sums, lane for lane SSE2's two pmaddwd, junk included.
//
// Strips. Output pixels go in strips whose windows cover about STRIP_BLOCKS source pixels; each
// strip's blocks are expanded just before they are read, so they are still in the L1 cache.
// (Whole paired rows, 64 KB for four rows of a 1000-pixel crop, made the pass 1.2-1.4 times as
// fast as SSE2's instead of 1.5-1.7.)
#include "CResampleAVX2.h"
#include "resample_internal.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))
#define AVX2_INLINE static inline __attribute__((target("avx2"), always_inline))

enum { BLOCK_BYTES = 32, BLOCK_SHORTS = 16, STRIP_BLOCKS = 256 };

int fovea_cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

// Blocks in one paired strip: every window fits, however long.
static long strip_capacity(long groups) { return STRIP_BLOCKS + 2 * groups; }

size_t fovea_resample_horizontal_avx2_scratch(long groups) {
    return (size_t)(2 * strip_capacity(groups) * BLOCK_SHORTS);
}

// MARK: Paired rows

// vpshufb mask giving the block of pixel j of a load: in each 128-bit half (row a's 16 bytes,
// row b's 16 bytes), bytes o, o+bands, o+1, o+1+bands, … zero-extended to Int16.
AVX2_INLINE __m256i block_mask(int bands, int j) {
    const char o = (char)(j * bands), k = (char)bands, z = -1;
    return _mm256_setr_epi8(o, z, o + k, z, o + 1, z, o + 1 + k, z, o + 2, z, o + 2 + k, z, o + 3, z, o + 3 + k, z,
                            o, z, o + k, z, o + 1, z, o + 1 + k, z, o + 2, z, o + 2 + k, z, o + 3, z, o + 3 + k, z);
}

// Blocks 0 ..< blocks of rows a and b (n samples each from their first pixel) into `out`. One
// 16-byte load per row gives the blocks of 4 pixels (3 bands; each reads up to the first
// sample of the pixel two on) or 3 (4 bands); blocks that would need bytes past the row are
// done lane by lane.
AVX2_INLINE void expand_blocks(const uint8_t *a, const uint8_t *b, long n, const int bands, long blocks,
                               int16_t *out) {
    const int per_load = bands == 3 ? 4 : 3;
    long p = 0;
    for (; p + per_load <= blocks && p * bands + 16 <= n; p += per_load) {
        const __m128i row_a = _mm_loadu_si128((const __m128i *)(a + p * bands));
        const __m128i row_b = _mm_loadu_si128((const __m128i *)(b + p * bands));
        const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(row_a), row_b, 1);
        for (int j = 0; j < per_load; j++) {
            _mm256_storeu_si256((__m256i *)(out + (p + j) * BLOCK_SHORTS),
                                _mm256_shuffle_epi8(both, block_mask(bands, j)));
        }
    }
    for (; p < blocks; p++) {
        fovea_block_lanes(a, n, bands, p, out + p * BLOCK_SHORTS);
        fovea_block_lanes(b, n, bands, p, out + p * BLOCK_SHORTS + 8);
    }
}

// A function per band count, so that each loop has its masks as constants.
AVX2 static void expand_three_bands(const uint8_t *a, const uint8_t *b, long n, long blocks, int16_t *out) {
    expand_blocks(a, b, n, 3, blocks, out);
}

AVX2 static void expand_four_bands(const uint8_t *a, const uint8_t *b, long n, long blocks, int16_t *out) {
    expand_blocks(a, b, n, 4, blocks, out);
}

// Blocks first ..< first + count of rows a and b (in_width pixels) into out's blocks 0 ..< count.
AVX2 static void expand(const uint8_t *a, const uint8_t *b, long in_width, int bands, long first, long count,
                        int16_t *out) {
    const long n = (in_width - first) * bands;
    if (bands == 3) {
        expand_three_bands(a + first * bands, b + first * bands, n, count, out);
    } else {
        expand_four_bands(a + first * bands, b + first * bands, n, count, out);
    }
}

// MARK: Filtering

typedef struct {
    __m256i ab;  // rows a (lanes 0-3) and b (lanes 4-7)
    __m256i cd;
} pixel_sums;

typedef struct {
    __m256i half, up, upper, to_sixty_fourths, to_stored, compact;
} constants;

// One output pixel's sums: its window's first block is at byte `at` of the paired strips, its
// weights at w; `groups` is a constant where the caller can make it one.
AVX2_INLINE pixel_sums sums_of(const uint8_t *ab, const uint8_t *cd, long at, const int16_t *w, const long groups,
                               const constants *c) {
    pixel_sums s = {c->half, c->half};
    for (long g = 0; g < groups; g++) {
        int32_t pair;  // k0 k1, the first two of the group's eight Int16
        memcpy(&pair, w + 8 * g, sizeof pair);
        const __m256i k = _mm256_set1_epi32(pair);
        const long o = at + 2 * BLOCK_BYTES * g;  // a pair is two pixels on
        s.ab = _mm256_add_epi32(s.ab, _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(ab + o)), k));
        s.cd = _mm256_add_epi32(s.cd, _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(cd + o)), k));
    }
    return s;
}

// SSE2's descale, clamp and scale of two sum vectors: the high halves of x << up and y << up
// (pslld, psrad 16, packssdw, within each 128-bit half x's four then y's four), to 1/64 level,
// clamped to 0…255·64 (pmaxsw, pminsw), to the stored units. The Int16 left shifts (psllw by
// a register) are multiplications by powers of two here: one µop instead of two, and they wrap
// the same way.
AVX2_INLINE __m256i stored(__m256i x, __m256i y, const constants *c) {
    __m256i v = _mm256_packs_epi32(_mm256_srai_epi32(_mm256_sllv_epi32(x, c->up), 16),
                                   _mm256_srai_epi32(_mm256_sllv_epi32(y, c->up), 16));
    v = _mm256_mullo_epi16(v, c->to_sixty_fourths);
    v = _mm256_min_epi16(_mm256_max_epi16(v, _mm256_setzero_si256()), c->upper);
    return _mm256_mullo_epi16(v, c->to_stored);
}

// Output pixels first ..< end, whose windows start at or after block `origin`, from the paired
// strips ab and cd (block 0 is block `origin` of the whole rows), two pixels at a time. Every
// Int16 the SSE2 pass leaves in a row is left the same: a 3-band pixel's junk fourth lane is
// overwritten by the next pixel, and the row's last pixel is stored alone so that its junk lane
// is the last one written.
AVX2_INLINE void filter_strip(const uint8_t *ab, const uint8_t *cd, long origin, long first, long end,
                              const fovea_horizontal_windows *windows, int bands, const long groups,
                              const constants *c, int16_t *const out[4]) {
    const int32_t *starts = windows->starts;
    const int16_t *w = windows->weights + first * 8 * groups;
    long x = first;
    const long pairs_end = end - (end == windows->out_width ? 1 : 0);
    for (; x + 1 < pairs_end; x += 2) {
        const pixel_sums p = sums_of(ab, cd, (starts[x] - origin) * BLOCK_BYTES, w, groups, c);
        const pixel_sums q = sums_of(ab, cd, (starts[x + 1] - origin) * BLOCK_BYTES, w + 8 * groups, groups, c);
        w += 16 * groups;
        // Row a's two pixels, then row b's; rows c and d likewise.
        __m256i rows_ab = stored(p.ab, q.ab, c), rows_cd = stored(p.cd, q.cd, c);
        if (bands == 3) {  // x0 x1 x2 junk y0 y1 y2 junk' → x0 x1 x2 y0 y1 y2 junk' junk'
            rows_ab = _mm256_shuffle_epi8(rows_ab, c->compact);
            rows_cd = _mm256_shuffle_epi8(rows_cd, c->compact);
        }
        const long at = x * bands;
        _mm_storeu_si128((__m128i *)(out[0] + at), _mm256_castsi256_si128(rows_ab));
        _mm_storeu_si128((__m128i *)(out[1] + at), _mm256_extracti128_si256(rows_ab, 1));
        _mm_storeu_si128((__m128i *)(out[2] + at), _mm256_castsi256_si128(rows_cd));
        _mm_storeu_si128((__m128i *)(out[3] + at), _mm256_extracti128_si256(rows_cd, 1));
    }
    for (; x < end; x++) {
        const pixel_sums p = sums_of(ab, cd, (starts[x] - origin) * BLOCK_BYTES, w, groups, c);
        w += 8 * groups;
        const __m256i v = stored(p.ab, p.cd, c);  // rows a and c, then b and d
        const __m128i ac = _mm256_castsi256_si128(v), bd = _mm256_extracti128_si256(v, 1);
        const long at = x * bands;
        _mm_storel_epi64((__m128i *)(out[0] + at), ac);
        _mm_storeh_pd((double *)(out[2] + at), _mm_castsi128_pd(ac));
        _mm_storel_epi64((__m128i *)(out[1] + at), bd);
        _mm_storeh_pd((double *)(out[3] + at), _mm_castsi128_pd(bd));
    }
}

AVX2 void fovea_resample_horizontal_avx2(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d,
                                         long in_width, int bands, const fovea_horizontal_windows *windows,
                                         int16_t *scratch, int16_t *out_a, int16_t *out_b, int16_t *out_c,
                                         int16_t *out_d) {
    int16_t *const out[4] = {out_a, out_b, out_c, out_d};
    const long groups = windows->groups, span = 2 * groups, capacity = strip_capacity(groups);
    int16_t *const ab = scratch, *const cd = scratch + capacity * BLOCK_SHORTS;
    const constants k = {
        .half = _mm256_set1_epi32(windows->half),
        .up = _mm256_set1_epi32(windows->up),
        .upper = _mm256_set1_epi16(255 << 6),
        .to_sixty_fourths = _mm256_set1_epi16((int16_t)(1 << windows->to_sixty_fourths)),
        .to_stored = _mm256_set1_epi16((int16_t)(1 << windows->to_stored)),
        .compact = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 14, 15,
                                    0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 14, 15),
    };
    const uint8_t *const pair_ab = (const uint8_t *)ab, *const pair_cd = (const uint8_t *)cd;
    for (long first = 0; first < windows->out_width;) {
        const long origin = windows->starts[first];
        long end = first + 1;
        while (end < windows->out_width && windows->starts[end] + span - origin <= capacity) end++;
        const long blocks = windows->starts[end - 1] + span - origin;
        expand(a, b, in_width, bands, origin, blocks, ab);
        expand(c, d, in_width, bands, origin, blocks, cd);
        // A loop for each window length up to 4 pairs (every upscale, and downscales to 1/2 with
        // bicubic), its pairs unrolled.
        switch (groups) {
        case 1: filter_strip(pair_ab, pair_cd, origin, first, end, windows, bands, 1, &k, out); break;
        case 2: filter_strip(pair_ab, pair_cd, origin, first, end, windows, bands, 2, &k, out); break;
        case 3: filter_strip(pair_ab, pair_cd, origin, first, end, windows, bands, 3, &k, out); break;
        case 4: filter_strip(pair_ab, pair_cd, origin, first, end, windows, bands, 4, &k, out); break;
        default: filter_strip(pair_ab, pair_cd, origin, first, end, windows, bands, groups, &k, out); break;
        }
        first = end;
    }
}

#else  // Not x86-64: no AVX2, and FoveaKernels never calls the pass.

#include <stdlib.h>

int fovea_cpu_has_avx2(void) { return 0; }

size_t fovea_resample_horizontal_avx2_scratch(long groups) { return (size_t)groups; }

void fovea_resample_horizontal_avx2(const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d,
                                    long in_width, int bands, const fovea_horizontal_windows *windows,
                                    int16_t *scratch, int16_t *out_a, int16_t *out_b, int16_t *out_c,
                                    int16_t *out_d) {
    abort();
}

#endif
