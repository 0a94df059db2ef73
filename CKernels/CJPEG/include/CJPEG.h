// JPEG encoding for Swift: Fovea's own baseline coder (baseline_encoder.c) where the CPU has
// AVX-512, else libjpeg-turbo's libjpeg API; both write the same bytes.
//
// libjpeg reports errors by calling error_exit, which must not return: the usual answer is a
// longjmp back to the caller. A longjmp across Swift frames is undefined behaviour, so the whole
// encode (setjmp, every libjpeg call, the clean-up) happens inside one C function here and Swift
// only sees a status and a message.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// Room for an error message, terminator included (libjpeg's JMSG_LENGTH_MAX).
#define FOVEA_JPEG_MESSAGE_CAPACITY 200

/// Who converts RGB to YCbCr: the same bytes whichever does (JPEGColourConversionTests).
typedef enum fovea_jpeg_conversion {
    /// FOVEA_JPEG_CONVERT_AVX512 where the CPU has it, else FOVEA_JPEG_CONVERT_LIBJPEG.
    FOVEA_JPEG_CONVERT_AUTOMATIC = 0,
    /// libjpeg itself (jpeg_write_scanlines: its SIMD conversion, then a copy per plane).
    FOVEA_JPEG_CONVERT_LIBJPEG = 1,
    /// jpeg.c, 8 rows at a time into planes given to jpeg_write_raw_data, in plain C.
    FOVEA_JPEG_CONVERT_SCALAR = 2,
    /// The same with AVX-512 (F, BW, VBMI, VNNI): the fastest where the CPU has it.
    FOVEA_JPEG_CONVERT_AVX512 = 3,
} fovea_jpeg_conversion;

/// Whether this CPU can run `conversion` (grey images never convert: any is accepted for them).
int fovea_jpeg_conversion_available(fovea_jpeg_conversion conversion);

/// One row through Fovea's conversion `conversion` (SCALAR or AVX512; the others return -1, as
/// does one this CPU cannot run): `width` interleaved RGB pixels into a row of each plane, which
/// needs room for `width` rounded up to 16 samples. For tests; encodes convert on their own.
int fovea_jpeg_convert_row(fovea_jpeg_conversion conversion, const uint8_t *rgb, int width, uint8_t *y,
                           uint8_t *cb, uint8_t *cr);

/// Who transforms and codes: the same bytes whichever does (JPEGCoderTests).
typedef enum fovea_jpeg_coder {
    /// FOVEA_JPEG_CODER_AVX512 where the CPU has it and the file is baseline with standard
    /// tables, else FOVEA_JPEG_CODER_LIBJPEG.
    FOVEA_JPEG_CODER_AUTOMATIC = 0,
    /// libjpeg-turbo: its DCT, quantisation and Huffman coding (any settings).
    FOVEA_JPEG_CODER_LIBJPEG = 1,
    /// Fovea's baseline coder (baseline_encoder.c) in plain C: baseline files with standard
    /// Huffman tables only (no progressive, no optimize_coding).
    FOVEA_JPEG_CODER_SCALAR = 2,
    /// The same with AVX-512 (F, BW, CD, VBMI2) for the DCT, quantisation and symbols.
    FOVEA_JPEG_CODER_AVX512 = 3,
} fovea_jpeg_coder;

/// Whether this CPU can run `coder`.
int fovea_jpeg_coder_available(fovea_jpeg_coder coder);

/// Encoder settings.
typedef struct fovea_jpeg_settings {
    /// 1–100, through jpeg_set_quality(force_baseline: TRUE).
    int quality;
    /// MCUs between restart markers; 0 writes none.
    int restart_interval;
    /// Optimised Huffman tables (a second pass over the coefficients).
    int optimize_coding;
    /// Progressive scans (jpeg_simple_progression).
    int progressive;
    /// Who converts colour images to YCbCr; one the CPU cannot run fails the encode. Fovea's
    /// coders take Fovea's conversion (AUTOMATIC: AVX-512 where the CPU has it, else SCALAR);
    /// LIBJPEG makes the AUTOMATIC coder libjpeg's and fails with Fovea's.
    fovea_jpeg_conversion conversion;
    /// Who transforms and codes; one the CPU cannot run, or Fovea's for progressive or
    /// optimised files, fails the encode.
    fovea_jpeg_coder coder;
} fovea_jpeg_settings;

/// Encodes a `width` × `height` image of 8-bit samples, `bands` (1–4) interleaved per pixel and
/// rows `stride` bytes apart, as a JPEG: 1 band grey, 3 bands RGB; 2 and 4 bands are flattened
/// onto white first, exactly as libvips's vips_flatten(background 255) does (alpha-weighted
/// sum, truncated). Every colour component is sampled 1×1 (4:4:4); no JFIF, EXIF or other
/// application marker is written. These are the bytes libvips 8.14's jpegsave writes with
/// `strip`, `subsample_mode off` and the same quality, restart interval, optimize_coding and
/// interlace.
///
/// On success returns 0, with the file in `*output` (malloc'd: release it with free()) and its
/// length in `*length`. On failure returns -1 and writes libjpeg's message (or the reason) into
/// `message`, which has FOVEA_JPEG_MESSAGE_CAPACITY bytes; nothing is left allocated.
///
/// Makes no system calls but malloc's (brk, mmap, munmap, mremap): no files, no threads.
int fovea_jpeg_encode(const uint8_t *pixels, size_t stride, int width, int height, int bands,
                      fovea_jpeg_settings settings, uint8_t **output, size_t *length,
                      char *message);
