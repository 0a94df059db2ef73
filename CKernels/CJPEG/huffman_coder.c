#include "huffman_coder.h"

#include <string.h>

#define INLINE static inline __attribute__((always_inline))

// Appends the `length` (1–56) low bits of `value`, whose higher bits are 0, and writes out the
// bytes that became whole: one 8-byte big-endian store, no branch.
INLINE void put(fovea_bit_writer *w, uint64_t value, int length) {
    w->pending |= value << (64 - w->count - length);
    w->count += length;
    const uint64_t big_endian = __builtin_bswap64(w->pending);
    memcpy(w->next, &big_endian, 8);
    const int whole = w->count >> 3;
    w->next += whole;
    w->pending <<= 8 * whole;
    w->count &= 7;
}

void fovea_bit_writer_pad(fovea_bit_writer *writer) {
    const int fill = (8 - writer->count) & 7;
    if (fill) put(writer, (1u << fill) - 1, fill);
}

void fovea_huffman_table_init(fovea_huffman_table *table, const fovea_huffman_codes *dc, const fovea_huffman_codes *ac) {
    for (int s = 0; s < 16; s++) table->dc[s] = (uint32_t)dc->length[s] << 16 | dc->code[s];
    for (int s = 0; s < 256; s++) table->ac[s] = (uint32_t)ac->length[s] << 16 | ac->code[s];
}

// A table entry's code alone (EOB, ZRL).
INLINE void put_code(fovea_bit_writer *w, uint32_t entry) { put(w, entry & 0xFFFF, (int)(entry >> 16)); }

INLINE int bit_count(uint32_t magnitude) { return magnitude ? 32 - __builtin_clz(magnitude) : 0; }

// A code followed by the `size` low bits of a coefficient's value (for a negative value, those
// of value − 1: JPEG's one's complement), as one put.
INLINE void put_coded(fovea_bit_writer *w, uint32_t entry, int size, int value) {
    const uint64_t bits = (uint64_t)(entry & 0xFFFF) << size | ((uint32_t)value & ((1u << size) - 1));
    put(w, bits, (int)(entry >> 16) + size);
}

INLINE void put_dc(fovea_bit_writer *w, const fovea_huffman_table *table, const int16_t *block, int16_t *last_dc) {
    const int difference = block[0] - *last_dc;
    *last_dc = block[0];
    const int size = bit_count((uint32_t)(difference < 0 ? -difference : difference));
    put_coded(w, table->dc[size], size, difference < 0 ? difference - 1 : difference);
}

enum { ZRL = 0xF0, EOB = 0x00 };

void fovea_huffman_block_scalar(fovea_bit_writer *writer, const fovea_huffman_table *table, const int16_t *block,
                                int16_t *last_dc) {
    fovea_bit_writer local = *writer, *const w = &local;
    put_dc(w, table, block, last_dc);
    int run = 0;
    for (int k = 1; k < 64; k++) {
        const int value = block[k];
        if (value == 0) {
            run++;
            continue;
        }
        for (; run > 15; run -= 16) put_code(w, table->ac[ZRL]);
        const int size = bit_count((uint32_t)(value < 0 ? -value : value));
        put_coded(w, table->ac[run << 4 | size], size, value < 0 ? value - 1 : value);
        run = 0;
    }
    if (run > 0) put_code(w, table->ac[EOB]);
    *writer = local;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512cd,avx512vbmi2,bmi2,lzcnt,popcnt")))

int fovea_huffman_avx512_available(void) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512cd")
        && __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("lzcnt")
        && __builtin_cpu_supports("popcnt");
}

// table[symbol] for 16 symbols (0–255) with permutes: vpermi2d looks up 32 entries at once,
// bits 5–7 of the symbol choose among the 8 results. (A gather is several times slower where
// the microcode mitigates Gather Data Sampling, as on this project's hosts.)
INLINE AVX512 __m512i lookup(const uint32_t *table, __m512i symbol) {
    __m512i r[8];
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_permutex2var_epi32(_mm512_loadu_si512(table + 32 * i), symbol, _mm512_loadu_si512(table + 32 * i + 16));
    }
    const __mmask16 bit5 = _mm512_test_epi32_mask(symbol, _mm512_set1_epi32(32));
    const __mmask16 bit6 = _mm512_test_epi32_mask(symbol, _mm512_set1_epi32(64));
    const __mmask16 bit7 = _mm512_test_epi32_mask(symbol, _mm512_set1_epi32(128));
    for (int i = 0; i < 4; i++) r[i] = _mm512_mask_mov_epi32(r[2 * i], bit5, r[2 * i + 1]);
    for (int i = 0; i < 2; i++) r[i] = _mm512_mask_mov_epi32(r[2 * i], bit6, r[2 * i + 1]);
    return _mm512_mask_mov_epi32(r[0], bit7, r[1]);
}

// Codes the nonzero coefficients among block[16q … 16q + 15] (bits of `mask`), the last nonzero
// one before them being at zigzag position `*last` (0: the DC), which becomes the last of
// these. All 16 at once, in registers: compressed to the front (vpcompressd), runs from the
// positions, symbols, codes (one gather), and each coefficient's code and value bits joined;
// then two coefficients per put. Runs of 16 and more need ZRL codes in front: written by a
// slower loop.
INLINE AVX512 void code_quarter(fovea_bit_writer *w, const fovea_huffman_table *table, const int16_t *block,
                                int quarter, __mmask16 mask, int *last) {
    const int count = __builtin_popcount(mask);
    const __mmask16 live = (__mmask16)((1u << count) - 1);
    const __m512i x = _mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i *)(block + 16 * quarter)));
    const __m512i size = _mm512_sub_epi32(_mm512_set1_epi32(32), _mm512_lzcnt_epi32(_mm512_abs_epi32(x)));
    // A negative value's bits are those of value − 1 (JPEG's one's complement).
    const __m512i value = _mm512_add_epi32(x, _mm512_srai_epi32(x, 31));
    const __m512i position = _mm512_add_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                              _mm512_set1_epi32(16 * quarter));
    // One compress: position (bits 0–5), size (8–11), the value's low 16 bits (16–31).
    const __m512i word = _mm512_maskz_compress_epi32(
        mask, _mm512_or_si512(_mm512_or_si512(position, _mm512_slli_epi32(size, 8)), _mm512_slli_epi32(value, 16)));
    const __m512i at = _mm512_and_si512(word, _mm512_set1_epi32(63));
    const __m512i before = _mm512_alignr_epi32(at, _mm512_set1_epi32(*last), 15);
    const __m512i run = _mm512_sub_epi32(_mm512_sub_epi32(at, before), _mm512_set1_epi32(1));
    const __m512i sizes = _mm512_and_si512(_mm512_srli_epi32(word, 8), _mm512_set1_epi32(15));
    const __m512i symbol = _mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(run, _mm512_set1_epi32(15)), 4), sizes);
    const __m512i entry = lookup(table->ac, symbol);
    const __m512i value_mask = _mm512_sub_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), sizes), _mm512_set1_epi32(1));
    const __m512i code = _mm512_and_si512(entry, _mm512_set1_epi32(0xFFFF));
    const __m512i bits = _mm512_maskz_or_epi32(live, _mm512_sllv_epi32(code, sizes),
                                               _mm512_and_si512(_mm512_srli_epi32(word, 16), value_mask));
    const __m512i lengths = _mm512_maskz_add_epi32(live, _mm512_srli_epi32(entry, 16), sizes);
    *last = 16 * quarter + 31 - __builtin_clz(mask);
    const __m512i zrl = _mm512_srli_epi32(run, 4);
    if (_mm512_mask_test_epi32_mask(live, zrl, zrl)) {
        uint32_t b[16], l[16], z[16];
        _mm512_storeu_si512(b, bits), _mm512_storeu_si512(l, lengths), _mm512_storeu_si512(z, zrl);
        for (int i = 0; i < count; i++) {
            for (uint32_t n = z[i]; n > 0; n--) put_code(w, table->ac[ZRL]);
            put(w, b[i], (int)l[i]);
        }
        return;
    }
    // Pairs (2j, 2j + 1) joined in 64-bit lanes (at most 2 × 26 bits); a missing second one has
    // length 0.
    const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFF);
    const __m512i joined = _mm512_or_si512(_mm512_sllv_epi64(_mm512_and_si512(bits, low32), _mm512_srli_epi64(lengths, 32)),
                                           _mm512_srli_epi64(bits, 32));
    const __m512i joined_lengths = _mm512_add_epi64(_mm512_and_si512(lengths, low32), _mm512_srli_epi64(lengths, 32));
    uint64_t j_bits[8], j_lengths[8];
    _mm512_storeu_si512(j_bits, joined), _mm512_storeu_si512(j_lengths, joined_lengths);
    for (int j = 0; j < (count + 1) / 2; j++) put(w, j_bits[j], (int)j_lengths[j]);
}

void AVX512 fovea_huffman_block_avx512(fovea_bit_writer *writer, const fovea_huffman_table *table, const int16_t *block,
                                       int16_t *last_dc) {
    // The writer's state in registers: stores through `next` could alias it otherwise.
    fovea_bit_writer local = *writer, *const w = &local;
    const __m512i low = _mm512_loadu_si512(block), high = _mm512_loadu_si512(block + 32);
    const uint64_t nonzero = (uint64_t)_mm512_test_epi16_mask(low, low) | (uint64_t)_mm512_test_epi16_mask(high, high) << 32;
    put_dc(w, table, block, last_dc);
    const uint64_t ac = nonzero & ~1ull;
    int last = 0;
    for (int quarter = 0; quarter < 4; quarter++) {
        const __mmask16 mask = (__mmask16)(ac >> (16 * quarter));
        if (mask) code_quarter(w, table, block, quarter, mask, &last);
    }
    if (!(nonzero >> 63)) put_code(w, table->ac[EOB]);
    *writer = local;
}

#else

int fovea_huffman_avx512_available(void) { return 0; }

void fovea_huffman_block_avx512(fovea_bit_writer *w, const fovea_huffman_table *table, const int16_t *block,
                                int16_t *last_dc) {
    (void)w, (void)table, (void)block, (void)last_dc;
    __builtin_trap();
}

#endif
