/* The decoder table of a program without compressed updates. */
#include <stddef.h>

#include "fwd_decode.h"

const struct fwd_decoder *const fwd_decoders[] = { &fwd_decoder_raw, NULL };
