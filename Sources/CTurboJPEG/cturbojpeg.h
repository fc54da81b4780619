// libjpeg-turbo's TurboJPEG API (Debian's libturbojpeg0-dev) for the `compact` storage profile's
// JPEG frames, which Store encodes at write and decodes at read.
#ifndef VIMO_CTURBOJPEG_H
#define VIMO_CTURBOJPEG_H

#include <turbojpeg.h>

#endif
