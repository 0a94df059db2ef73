// JPEG encoding straight through libjpeg-turbo's libjpeg API, for Swift.
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
