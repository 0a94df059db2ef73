// Non-variadic shims over libvips for Swift.
//
// libvips operations take their optional arguments as a NULL-terminated C variadic list, which
// Swift cannot call. Each function here wraps one operation with a fixed argument list; the
// C name it wraps is in its comment. Every function that returns `int` returns 0 on success and
// -1 on failure, with the reason in vips_error_buffer(), exactly like the operation it wraps.
#pragma once
#include <vips/vips.h>

// MARK: - Start-up

/// VIPS_INIT(argv0) (starts libvips and checks the header/library ABI match), loading only
/// the modules named in `modules` (`count` names such as "heif", for vips-heif.so) from
/// libvips's module directory (`vips-modules-MAJOR.MINOR` beside the loaded libvips.so) instead
/// of every module there: vips_init loads them all (ImageMagick, poppler, OpenSlide, JPEG XL and
/// their libraries), which costs a process tens of milliseconds of CPU and maps code nothing
/// here calls. A named module that is not there is skipped (libvips may have it built in; its
/// path is left in vips_error_buffer()); one that is there but fails to load fails the call,
/// with g_module's reason in vips_error_buffer(). Leaves VIPSHOME set to a path that is not a
/// directory.
int fovea_vips_init_with_modules(const char *argv0, const char *const *modules, int count);

/// A function that receives libvips/GLib warnings (domain, message) instead of stderr.
typedef void (*fovea_vips_log_fn)(const char *domain, const char *message);

/// g_log_set_handler for the "VIPS" and "GLib-GObject" domains (warnings and messages):
/// route them to `fn`, or drop them when `fn` is NULL.
void fovea_vips_set_log_handler(fovea_vips_log_fn fn);

/// vips_vector_set_enabled(enabled): turns libvips's ORC run-time SIMD compiler on or off.
void fovea_vips_set_vector_enabled(gboolean enabled);

/// vips_vector_isenabled().
gboolean fovea_vips_vector_enabled(void);

// MARK: - Loading

/// vips_call(loader, blob, &out, "access", ..., "fail_on", ..., "memory", TRUE):
/// runs one named buffer loader (e.g. "jpegload_buffer") on memory the caller keeps alive
/// for the life of *out. Reads the header only; pixels are decoded when a region asks.
/// `memory` TRUE makes a load that cannot stream decode the whole image into memory on first
/// access (never into a temporary file); FALSE lets a streaming loader (JPEG) decode strip by
/// strip as regions ask. `shrink` > 1 decodes at 1/shrink scale: "shrink" for jpegload_buffer,
/// "scale" 1/shrink for other loaders (only webpload_buffer has it).
int fovea_vips_load_buffer(const char *loader, const void *data, size_t length,
                           VipsAccess access, VipsFailOn fail_on, gboolean memory, int shrink,
                           VipsImage **out);

/// VIPS_REGION_ADDR(region, x, y).
VipsPel *fovea_vips_region_addr(VipsRegion *region, int x, int y);

/// VIPS_REGION_LSKIP(region): bytes between rows of a prepared region.
size_t fovea_vips_region_lskip(VipsRegion *region);

/// vips_image_get_string(image, name, &value); NULL when the field is missing.
const char *fovea_vips_image_get_string(VipsImage *image, const char *name);

// MARK: - Conversions used by decode and encode

/// vips_colourspace(in, out, space).
int fovea_vips_colourspace(VipsImage *in, VipsImage **out, VipsInterpretation space);

/// vips_cast(in, out, format, "shift", shift).
int fovea_vips_cast(VipsImage *in, VipsImage **out, VipsBandFormat format, gboolean shift);

/// vips_extract_band(in, out, band, "n", n).
int fovea_vips_extract_band(VipsImage *in, VipsImage **out, int band, int n);

/// vips_bandjoin(in, out, n).
int fovea_vips_bandjoin(VipsImage **in, VipsImage **out, int n);

/// vips_copy(in, out, "interpretation", interpretation).
int fovea_vips_copy_interpretation(VipsImage *in, VipsImage **out,
                                   VipsInterpretation interpretation);

/// vips_extract_area(in, out, left, top, width, height).
int fovea_vips_extract_area(VipsImage *in, VipsImage **out, int left, int top, int width,
                            int height);

/// vips_flatten(in, out, "background", [background x3]): composites alpha onto a grey level.
int fovea_vips_flatten(VipsImage *in, VipsImage **out, double background);

/// vips_autorot(in, out): applies EXIF orientation (test oracle; decode does it itself).
int fovea_vips_autorot(VipsImage *in, VipsImage **out);

// MARK: - Savers (all write to a g_malloc'd buffer the caller frees with g_free)

/// vips_jpegsave_buffer(in, buf, len, "Q", quality, "subsample_mode", mode,
/// "interlace", FALSE, "optimize_coding", optimize_coding, "strip", strip,
/// "restart_interval", restart_interval) — 0: no restart markers.
int fovea_vips_jpegsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                               VipsForeignSubsample subsample_mode, gboolean optimize_coding,
                               gboolean strip, int restart_interval);

/// vips_pngsave_buffer(in, buf, len, "compression", compression, "filter", filter,
/// "interlace", FALSE, "strip", TRUE).
int fovea_vips_pngsave_buffer(VipsImage *in, void **buf, size_t *len, int compression,
                              VipsForeignPngFilter filter);

/// vips_webpsave_buffer(in, buf, len, "Q", quality, "lossless", lossless, "effort", effort,
/// "strip", TRUE).
int fovea_vips_webpsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                               gboolean lossless, int effort);

/// vips_gifsave_buffer(in, buf, len, "strip", TRUE).
int fovea_vips_gifsave_buffer(VipsImage *in, void **buf, size_t *len);

/// vips_tiffsave_buffer(in, buf, len, "strip", strip).
int fovea_vips_tiffsave_buffer(VipsImage *in, void **buf, size_t *len, gboolean strip);

/// vips_heifsave_buffer(in, buf, len, "compression", compression, "Q", quality, "strip", TRUE).
int fovea_vips_heifsave_buffer(VipsImage *in, void **buf, size_t *len,
                               VipsForeignHeifCompression compression, int quality);

// MARK: - Reference operations (oracles and benchmarks only)

/// vips_resize(in, out, hscale, "vscale", vscale, "kernel", kernel, "gap", gap).
int fovea_vips_resize(VipsImage *in, VipsImage **out, double hscale, double vscale,
                      VipsKernel kernel, double gap);

/// vips_rot(in, out, angle): exact multiples of 90 degrees, clockwise.
int fovea_vips_rot(VipsImage *in, VipsImage **out, VipsAngle angle);

/// vips_rotate(in, out, angle, "interpolate", vips_interpolate_new(interpolate),
/// "background", background[0..<n]): any angle, anticlockwise, output grown to fit.
int fovea_vips_rotate(VipsImage *in, VipsImage **out, double angle, const char *interpolate,
                      const double *background, int n);

/// vips_linear(in, out, a, b, n, "uchar", uchar): out = a * in + b, as float, or rounded and
/// clipped to uchar when `uchar` is TRUE.
int fovea_vips_linear(VipsImage *in, VipsImage **out, const double *a, const double *b, int n,
                      gboolean uchar);

/// vips_flip(in, out, direction).
int fovea_vips_flip(VipsImage *in, VipsImage **out, VipsDirection direction);

/// vips_invert(in, out).
int fovea_vips_invert(VipsImage *in, VipsImage **out);

/// vips_hist_equal(in, out).
int fovea_vips_hist_equal(VipsImage *in, VipsImage **out);

/// vips_sharpen(in, out) with its default parameters.
int fovea_vips_sharpen(VipsImage *in, VipsImage **out);

/// vips_gamma(in, out, "exponent", exponent): a benchmark reference.
int fovea_vips_gamma(VipsImage *in, VipsImage **out, double exponent);
