// The matrix products, for the other kernels of the library (the decode step).
#pragma once

#include <cstdint>

namespace herd {

// y[rows, features] = x[rows, inner] * W^T (+ bias; bias may be null), W packed as panels.h says,
// on the pool's threads with the instructions the products use. All row-major, contiguous.
void multiply(const float* x, int64_t rows, int64_t inner, const float* packed, int64_t features, const float* bias, float* y);

}  // namespace herd
