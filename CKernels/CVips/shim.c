// Non-variadic shims over libvips; see include/CVips.h for what each one wraps.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gmodule.h>
#include <vips/vips.h>
#include <vips/vector.h>
#include "CVips.h"

// MARK: - Start-up

int fovea_vips_init_with_modules(const char *argv0, const char *const *modules, int count) {
    // vips_init loads every module in its libdir, which it derives from $VIPSHOME when that is
    // set (else from the configure-time prefix): a VIPSHOME that cannot be a directory makes it
    // load none. vips_init itself sets VIPSHOME to the prefix it guessed when it is unset, so
    // the variable is set once here and left as it is (no second change of the environment
    // while other threads may read it); libvips caches the libdir and the locale directory it
    // derives from it, neither of which Fovea uses.
    g_setenv("VIPSHOME", "/dev/null/no-vips-modules", TRUE);
    int status = VIPS_INIT(argv0);
    if (status != 0) return status;

    Dl_info info;
    if (!dladdr((void *)vips_init, &info) || !info.dli_fname) {
        vips_error("fovea", "cannot find where libvips.so was loaded from");
        return -1;
    }
    char *directory = g_path_get_dirname(info.dli_fname);
    int result = 0;
    for (int i = 0; i < count && result == 0; i++) {
        char *path = g_strdup_printf("%s/vips-modules-%d.%d/vips-%s.%s", directory, VIPS_MAJOR_VERSION,
                                     VIPS_MINOR_VERSION, modules[i], G_MODULE_SUFFIX);
        if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
            // Built in, perhaps: the caller checks the loaders it needs and says so.
            vips_error("fovea", "no libvips module at %s", path);
        } else {
            // As vips_load_plugins does: g_module_open runs the module's g_module_check_init,
            // which registers its operations; the module stays for the life of the process.
            GModule *module = g_module_open(path, G_MODULE_BIND_LAZY);
            if (module) {
                g_module_make_resident(module);
            } else {
                vips_error("fovea", "cannot load libvips module %s: %s", path, g_module_error());
                result = -1;
            }
        }
        g_free(path);
    }
    g_free(directory);
    return result;
}

static fovea_vips_log_fn fovea_log_fn = NULL;

static void fovea_log_handler(const gchar *domain, GLogLevelFlags level, const gchar *message,
                              gpointer user_data) {
    (void)level;
    (void)user_data;
    if (fovea_log_fn) fovea_log_fn(domain ? domain : "", message ? message : "");
}

void fovea_vips_set_log_handler(fovea_vips_log_fn fn) {
    static const char *domains[] = {"VIPS", "GLib-GObject", "GLib"};
    GLogLevelFlags levels = G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO;
    fovea_log_fn = fn;
    for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
        g_log_set_handler(domains[i], levels, fovea_log_handler, NULL);
}

void fovea_vips_set_vector_enabled(gboolean enabled) { vips_vector_set_enabled(enabled); }

gboolean fovea_vips_vector_enabled(void) { return vips_vector_isenabled(); }

// MARK: - Loading

int fovea_vips_load_buffer(const char *loader, const void *data, size_t length,
                           VipsAccess access, VipsFailOn fail_on, gboolean memory, int shrink,
                           VipsImage **out) {
    // The blob borrows `data` (no free function): the caller keeps it alive.
    VipsBlob *blob = vips_blob_new(NULL, data, length);
    int result;
    if (shrink <= 1)
        result = vips_call(loader, blob, out, "access", access, "fail_on", fail_on, "memory", memory, NULL);
    else if (strcmp(loader, "jpegload_buffer") == 0)
        result = vips_call(loader, blob, out, "access", access, "fail_on", fail_on, "memory", memory,
                           "shrink", shrink, NULL);
    else
        result = vips_call(loader, blob, out, "access", access, "fail_on", fail_on, "memory", memory,
                           "scale", 1.0 / shrink, NULL);
    vips_area_unref(VIPS_AREA(blob));
    return result;
}

VipsPel *fovea_vips_region_addr(VipsRegion *region, int x, int y) {
    return VIPS_REGION_ADDR(region, x, y);
}

size_t fovea_vips_region_lskip(VipsRegion *region) { return VIPS_REGION_LSKIP(region); }

const char *fovea_vips_image_get_string(VipsImage *image, const char *name) {
    const char *value = NULL;
    if (vips_image_get_typeof(image, name) == 0 || vips_image_get_string(image, name, &value))
        return NULL;
    return value;
}

// MARK: - Conversions

int fovea_vips_colourspace(VipsImage *in, VipsImage **out, VipsInterpretation space) {
    return vips_colourspace(in, out, space, NULL);
}

int fovea_vips_cast(VipsImage *in, VipsImage **out, VipsBandFormat format, gboolean shift) {
    return vips_cast(in, out, format, "shift", shift, NULL);
}

int fovea_vips_extract_band(VipsImage *in, VipsImage **out, int band, int n) {
    return vips_extract_band(in, out, band, "n", n, NULL);
}

int fovea_vips_bandjoin(VipsImage **in, VipsImage **out, int n) {
    return vips_bandjoin(in, out, n, NULL);
}

int fovea_vips_copy_interpretation(VipsImage *in, VipsImage **out,
                                   VipsInterpretation interpretation) {
    return vips_copy(in, out, "interpretation", interpretation, NULL);
}

int fovea_vips_extract_area(VipsImage *in, VipsImage **out, int left, int top, int width,
                            int height) {
    return vips_extract_area(in, out, left, top, width, height, NULL);
}

int fovea_vips_flatten(VipsImage *in, VipsImage **out, double background) {
    double values[3] = {background, background, background};
    VipsArrayDouble *array = vips_array_double_new(values, 3);
    int result = vips_flatten(in, out, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    return result;
}

int fovea_vips_autorot(VipsImage *in, VipsImage **out) { return vips_autorot(in, out, NULL); }

// MARK: - Savers

int fovea_vips_jpegsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                               VipsForeignSubsample subsample_mode, gboolean optimize_coding,
                               gboolean strip, int restart_interval) {
    return vips_jpegsave_buffer(in, buf, len, "Q", quality, "subsample_mode", subsample_mode,
                                "interlace", FALSE, "optimize_coding", optimize_coding,
                                "strip", strip, "restart_interval", restart_interval, NULL);
}

int fovea_vips_pngsave_buffer(VipsImage *in, void **buf, size_t *len, int compression,
                              VipsForeignPngFilter filter) {
    return vips_pngsave_buffer(in, buf, len, "compression", compression, "filter", filter,
                               "interlace", FALSE, "strip", TRUE, NULL);
}

int fovea_vips_webpsave_buffer(VipsImage *in, void **buf, size_t *len, int quality,
                               gboolean lossless, int effort) {
    return vips_webpsave_buffer(in, buf, len, "Q", quality, "lossless", lossless,
                                "effort", effort, "strip", TRUE, NULL);
}

int fovea_vips_gifsave_buffer(VipsImage *in, void **buf, size_t *len) {
    return vips_gifsave_buffer(in, buf, len, "strip", TRUE, NULL);
}

int fovea_vips_tiffsave_buffer(VipsImage *in, void **buf, size_t *len, gboolean strip) {
    return vips_tiffsave_buffer(in, buf, len, "strip", strip, NULL);
}

int fovea_vips_heifsave_buffer(VipsImage *in, void **buf, size_t *len,
                               VipsForeignHeifCompression compression, int quality) {
    return vips_heifsave_buffer(in, buf, len, "compression", compression, "Q", quality,
                                "strip", TRUE, NULL);
}

// MARK: - Reference operations

int fovea_vips_resize(VipsImage *in, VipsImage **out, double hscale, double vscale,
                      VipsKernel kernel, double gap) {
    return vips_resize(in, out, hscale, "vscale", vscale, "kernel", kernel, "gap", gap, NULL);
}

int fovea_vips_rot(VipsImage *in, VipsImage **out, VipsAngle angle) {
    return vips_rot(in, out, angle, NULL);
}

int fovea_vips_rotate(VipsImage *in, VipsImage **out, double angle, const char *interpolate,
                      const double *background, int n) {
    VipsInterpolate *interp = vips_interpolate_new(interpolate);
    if (!interp) return -1;
    VipsArrayDouble *array = vips_array_double_new(background, n);
    int result = vips_rotate(in, out, angle, "interpolate", interp, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    g_object_unref(interp);
    return result;
}

int fovea_vips_linear(VipsImage *in, VipsImage **out, const double *a, const double *b, int n,
                      gboolean uchar) {
    return vips_linear(in, out, a, b, n, "uchar", uchar, NULL);
}

int fovea_vips_flip(VipsImage *in, VipsImage **out, VipsDirection direction) {
    return vips_flip(in, out, direction, NULL);
}

int fovea_vips_invert(VipsImage *in, VipsImage **out) { return vips_invert(in, out, NULL); }

int fovea_vips_hist_equal(VipsImage *in, VipsImage **out) {
    return vips_hist_equal(in, out, NULL);
}

int fovea_vips_sharpen(VipsImage *in, VipsImage **out) { return vips_sharpen(in, out, NULL); }

int fovea_vips_gamma(VipsImage *in, VipsImage **out, double exponent) {
    return vips_gamma(in, out, "exponent", exponent, NULL);
}
