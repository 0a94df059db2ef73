#include "baseline_encoder.h"

#include <stdlib.h>
#include <string.h>

// F, BW, CD, VBMI2: the Huffman coder's needs cover the DCT's (0 off x86-64).
int fovea_baseline_avx512_available(void) { return fovea_huffman_avx512_available(); }

// MARK: - The file buffer

// Slack past any write: the bit writer's and the stuffing copy's whole-register stores.
enum { SLACK = 64 };

static int reserve(fovea_baseline_encoder *e, size_t more) {
    const size_t needed = e->length + more + SLACK;
    if (needed <= e->capacity) return 0;
    size_t grown = e->capacity * 2;
    if (grown < needed) grown = needed;
    uint8_t *bigger = realloc(e->file, grown);
    if (bigger == NULL) return -1;
    e->file = bigger;
    e->capacity = grown;
    return 0;
}

static void byte(fovea_baseline_encoder *e, unsigned value) { e->file[e->length++] = (uint8_t)value; }
static void two_bytes(fovea_baseline_encoder *e, unsigned value) { byte(e, value >> 8), byte(e, value & 0xFF); }
static void marker(fovea_baseline_encoder *e, unsigned code) { byte(e, 0xFF), byte(e, code); }

// MARK: - Markers, in the order of jcmarker.c's write_file_header, write_frame_header and
// write_scan_header (no JFIF or Adobe marker: jpeg.c turns both off)

enum { SOI = 0xD8, EOI = 0xD9, DQT = 0xDB, SOF0 = 0xC0, DHT = 0xC4, DRI = 0xDD, SOS = 0xDA, RST0 = 0xD0 };

static void write_dqt(fovea_baseline_encoder *e, int table, const uint16_t quant[64]) {
    marker(e, DQT);
    two_bytes(e, 64 + 1 + 2);
    byte(e, (unsigned)table);  // 8-bit precision: every value ≤ 255 (force_baseline)
    for (int k = 0; k < 64; k++) byte(e, quant[fovea_jpeg_natural_order[k]]);
}

static void write_dht(fovea_baseline_encoder *e, unsigned index, const fovea_huffman_spec *spec) {
    int symbols = 0;
    for (int i = 0; i < 16; i++) symbols += spec->counts[i];
    marker(e, DHT);
    two_bytes(e, (unsigned)(2 + 1 + 16 + symbols));
    byte(e, index);
    for (int i = 0; i < 16; i++) byte(e, spec->counts[i]);
    for (int i = 0; i < symbols; i++) byte(e, spec->symbols[i]);
}

// Component c: id c + 1; table 0 for Y (or grey), 1 for Cb and Cr (jpeg_set_colorspace).
static void write_headers(fovea_baseline_encoder *e, const uint16_t quant[2][64]) {
    const int tables = e->components == 3 ? 2 : 1;
    marker(e, SOI);
    for (int t = 0; t < tables; t++) write_dqt(e, t, quant[t]);
    marker(e, SOF0);
    two_bytes(e, (unsigned)(3 * e->components + 8));
    byte(e, 8);
    two_bytes(e, (unsigned)e->height);
    two_bytes(e, (unsigned)e->width);
    byte(e, (unsigned)e->components);
    for (int c = 0; c < e->components; c++) byte(e, (unsigned)c + 1), byte(e, 0x11), byte(e, c > 0);
    for (int t = 0; t < tables; t++) {
        write_dht(e, (unsigned)t, &fovea_jpeg_dc_spec[t]);
        write_dht(e, 0x10 | (unsigned)t, &fovea_jpeg_ac_spec[t]);
    }
    if (e->restart_interval > 0) {
        marker(e, DRI);
        two_bytes(e, 4);
        two_bytes(e, (unsigned)e->restart_interval);
    }
    marker(e, SOS);
    two_bytes(e, (unsigned)(2 * e->components + 6));
    byte(e, (unsigned)e->components);
    for (int c = 0; c < e->components; c++) byte(e, (unsigned)c + 1), byte(e, c > 0 ? 0x11 : 0x00);
    byte(e, 0), byte(e, 63), byte(e, 0);  // Ss, Se, Ah/Al: sequential
}

// MARK: - Stuffing: the coded bytes into the file, a 0x00 after every 0xFF

static size_t stuff_scalar(const uint8_t *from, size_t count, uint8_t *to) {
    uint8_t *start = to;
    for (size_t i = 0; i < count; i++) {
        *to++ = from[i];
        if (from[i] == 0xFF) *to++ = 0;
    }
    return (size_t)(to - start);
}

#if defined(__x86_64__)
#include <immintrin.h>

// 64 bytes at a time: copied whole when none is 0xFF (most of them; the file has 64 bytes of
// slack), else byte by byte.
__attribute__((target("avx512f,avx512bw"))) static size_t stuff_avx512(const uint8_t *from, size_t count, uint8_t *to) {
    uint8_t *start = to;
    const __m512i ff = _mm512_set1_epi8((char)0xFF);
    size_t i = 0;
    for (; i < count; i += 64) {
        const size_t n = count - i < 64 ? count - i : 64;
        const __mmask64 live = n == 64 ? ~0ull : (1ull << n) - 1;
        const __m512i chunk = _mm512_maskz_loadu_epi8(live, from + i);
        if (_mm512_mask_cmpeq_epi8_mask(live, chunk, ff) == 0) {
            _mm512_storeu_si512(to, chunk);
            to += n;
        } else {
            to += stuff_scalar(from + i, n, to);
        }
    }
    return (size_t)(to - start);
}
#endif

// Moves the stream's whole bytes into the file; the bits of a partial byte stay in the writer.
static void drain(fovea_baseline_encoder *e) {
    const size_t count = (size_t)(e->writer.next - e->stream);
#if defined(__x86_64__)
    if (e->avx512) {
        e->length += stuff_avx512(e->stream, count, e->file + e->length);
    } else
#endif
        e->length += stuff_scalar(e->stream, count, e->file + e->length);
    e->writer.next = e->stream;
}

// jchuff.c's emit_restart: the last byte filled with 1 bits, RSTn, DC predictions back to 0.
static void restart(fovea_baseline_encoder *e) {
    fovea_bit_writer_pad(&e->writer);
    drain(e);
    marker(e, RST0 + (unsigned)e->next_restart);
    e->next_restart = (e->next_restart + 1) & 7;
    e->restarts_to_go = e->restart_interval;
    for (int c = 0; c < 3; c++) e->last_dc[c] = 0;
}

// MARK: - Encoder

// At most 64 × 27 bits per block (a code and a value of ≤ 11 bits per coefficient), ZRLs and
// EOB included.
enum { BLOCK_BYTES_MAX = 216 };

static size_t padded_blocks(int blocks) { return ((size_t)blocks + 3) / 4 * 4; }

int fovea_baseline_begin(fovea_baseline_encoder *e, int width, int height, int components, int quality,
                         int restart_interval, int avx512) {
    memset(e, 0, sizeof *e);
    e->width = width, e->height = height, e->components = components;
    e->restart_interval = restart_interval, e->avx512 = avx512;
    e->blocks_per_row = (width + 7) / 8;
    e->restarts_to_go = restart_interval;
    uint16_t quant[2][64];
    for (int t = 0; t < 2; t++) {
        fovea_jpeg_quant_table(t, quality, quant[t]);
        fovea_jpeg_divisors(quant[t], &e->divisors[t]);
        fovea_huffman_codes dc, ac;
        fovea_jpeg_derive_codes(&fovea_jpeg_dc_spec[t], &dc);
        fovea_jpeg_derive_codes(&fovea_jpeg_ac_spec[t], &ac);
        fovea_huffman_table_init(&e->tables[t], &dc, &ac);
    }
    const size_t blocks = (size_t)components * e->blocks_per_row;
    e->stream_capacity = blocks * BLOCK_BYTES_MAX + SLACK;
    e->coefficients = malloc((size_t)components * padded_blocks(e->blocks_per_row) * 64 * sizeof(int16_t));
    e->stream = malloc(e->stream_capacity);
    // A q95 4:4:4 photo compresses to about a tenth of its samples: start at a quarter.
    e->capacity = (size_t)width * height * components / 4 + 16384;
    e->file = malloc(e->capacity);
    if (e->coefficients == NULL || e->stream == NULL || e->file == NULL) {
        fovea_baseline_release(e);
        return -1;
    }
    e->writer.next = e->stream;
    write_headers(e, (const uint16_t(*)[64])quant);
    return 0;
}

int fovea_baseline_write_rows(fovea_baseline_encoder *e, const uint8_t *const planes[3], size_t stride) {
    const int blocks = e->blocks_per_row;
    // Stuffing at most doubles the stream; a restart marker (2 bytes) before each MCU at most.
    if (reserve(e, 2 * (e->stream_capacity - SLACK) + 2 * (size_t)blocks + 16) != 0) return -1;
    const size_t component_stride = padded_blocks(blocks) * 64;
    for (int c = 0; c < e->components; c++) {
        const fovea_divisors *divisors = &e->divisors[c > 0];
        int16_t *out = e->coefficients + c * component_stride;
        if (e->avx512) {
            fovea_fdct_quantize_avx512(planes[c], stride, blocks, divisors, out);
        } else {
            fovea_fdct_quantize_scalar(planes[c], stride, blocks, divisors, out);
        }
    }
    // MCUs in order: one block of each component (a grey scan's MCU is one block).
    for (int x = 0; x < blocks; x++) {
        if (e->restart_interval > 0) {
            if (e->restarts_to_go == 0) restart(e);
            e->restarts_to_go--;
        }
        for (int c = 0; c < e->components; c++) {
            const fovea_huffman_table *table = &e->tables[c > 0];
            const int16_t *block = e->coefficients + c * component_stride + (size_t)x * 64;
            if (e->avx512) {
                fovea_huffman_block_avx512(&e->writer, table, block, &e->last_dc[c]);
            } else {
                fovea_huffman_block_scalar(&e->writer, table, block, &e->last_dc[c]);
            }
        }
    }
    drain(e);
    return 0;
}

int fovea_baseline_finish(fovea_baseline_encoder *e, uint8_t **file, size_t *length) {
    if (reserve(e, 16) != 0) return -1;
    fovea_bit_writer_pad(&e->writer);
    drain(e);
    marker(e, EOI);
    *file = e->file;
    *length = e->length;
    e->file = NULL;
    fovea_baseline_release(e);
    return 0;
}

void fovea_baseline_release(fovea_baseline_encoder *e) {
    free(e->coefficients);
    free(e->stream);
    free(e->file);
    e->coefficients = NULL, e->stream = NULL, e->file = NULL;
}
