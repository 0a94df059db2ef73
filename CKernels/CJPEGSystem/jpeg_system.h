// libjpeg's API (libjpeg62-turbo-dev): jpeglib.h needs stddef.h and stdio.h first. Swift never
// calls it directly; CJPEG wraps it so that libjpeg's longjmp error exits stay in C.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
