// The matrix products, for the other kernels of the library (the decode step).
#pragma once

#include <cstdint>

namespace herd {

// y[rows, features] = x[rows, inner] * W^T (+ bias; bias may be null), W packed in `format` as
// panels.h says, on the pool's threads with the instructions the products use. All row-major,
// contiguous.
void multiply(const float* x, int64_t rows, int64_t inner, const void* packed, int format, int64_t features, const float* bias, float* y);

// out[inner] = row `feature` of W, from its packed form.
void packed_row(const void* packed, int format, int64_t inner, int64_t feature, float* out);

}  // namespace herd
