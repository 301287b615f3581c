// Matrix products for CPU inference: y = x * W^T (+ bias) with W pre-packed into panels.
//
// Decoding reads every weight once per token, so its speed is the speed at which the weights
// stream from memory. The packed layout makes that a single sequential read per panel, and the
// micro-kernel reuses each loaded weight for up to kRowsPerBlock input rows, so small batches cost
// little more than one row. panels.h describes the packing.
//
// Only the kernel functions are compiled for AVX-512; everything else is plain x86-64, so the
// library loads anywhere and herd_kernels_panel_width() says whether the kernels can run.

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "panels.h"
#include "pool.h"

namespace {

using herd::kPanelWidth;
using herd::kRowsPerBlock;
using herd::kVectorsPerPanel;

struct Product {
  const float* x;
  int64_t rows;
  int64_t inner;
  const float* packed;
  int64_t features;
  const float* bias;
  float* y;
};

template <int Rows>
__attribute__((target("avx512f"))) void multiply_block(const Product& p, int64_t row, int64_t panel) {
  const float* weights = p.packed + panel * p.inner * kPanelWidth;
  const int64_t first_feature = panel * kPanelWidth;
  const int64_t width = std::min(kPanelWidth, p.features - first_feature);
  __mmask16 masks[kVectorsPerPanel];
  for (int v = 0; v < kVectorsPerPanel; v++) {
    const int64_t lanes = std::clamp<int64_t>(width - 16 * v, 0, 16);
    masks[v] = static_cast<__mmask16>((1u << lanes) - 1u);
  }

  __m512 acc[Rows][kVectorsPerPanel];
  for (int v = 0; v < kVectorsPerPanel; v++) {
    const __m512 start = p.bias ? _mm512_maskz_loadu_ps(masks[v], p.bias + first_feature + 16 * v) : _mm512_setzero_ps();
    for (int r = 0; r < Rows; r++) acc[r][v] = start;
  }

  const float* x = p.x + row * p.inner;
  for (int64_t k = 0; k < p.inner; k++) {
    const float* w = weights + k * kPanelWidth;
    // Four cache lines ahead of the stream: the hardware prefetcher alone leaves bandwidth unused.
    _mm_prefetch(reinterpret_cast<const char*>(w + 16 * kPanelWidth), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w + 16 * kPanelWidth + 32), _MM_HINT_T0);
    const __m512 w0 = _mm512_loadu_ps(w);
    const __m512 w1 = _mm512_loadu_ps(w + 16);
    const __m512 w2 = _mm512_loadu_ps(w + 32);
    const __m512 w3 = _mm512_loadu_ps(w + 48);
    for (int r = 0; r < Rows; r++) {
      const __m512 xv = _mm512_set1_ps(x[r * p.inner + k]);
      acc[r][0] = _mm512_fmadd_ps(xv, w0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(xv, w1, acc[r][1]);
      acc[r][2] = _mm512_fmadd_ps(xv, w2, acc[r][2]);
      acc[r][3] = _mm512_fmadd_ps(xv, w3, acc[r][3]);
    }
  }

  for (int r = 0; r < Rows; r++) {
    float* y = p.y + (row + r) * p.features + first_feature;
    for (int v = 0; v < kVectorsPerPanel; v++) _mm512_mask_storeu_ps(y + 16 * v, masks[v], acc[r][v]);
  }
}

void multiply_panel(const Product& p, int64_t panel) {
  int64_t row = 0;
  for (; row + kRowsPerBlock <= p.rows; row += kRowsPerBlock) multiply_block<kRowsPerBlock>(p, row, panel);
  switch (p.rows - row) {
    case 1: multiply_block<1>(p, row, panel); break;
    case 2: multiply_block<2>(p, row, panel); break;
    case 3: multiply_block<3>(p, row, panel); break;
    case 4: multiply_block<4>(p, row, panel); break;
    case 5: multiply_block<5>(p, row, panel); break;
    default: break;
  }
}

void multiply_item(const void* context, int64_t panel) { multiply_panel(*static_cast<const Product*>(context), panel); }

}  // namespace

extern "C" {

// Output features per panel when the kernels can run on this CPU, 0 when they cannot.
__attribute__((visibility("default"))) int64_t herd_kernels_panel_width() {
  return __builtin_cpu_supports("avx512f") ? kPanelWidth : 0;
}

// Threads a product may use, the caller's included.
__attribute__((visibility("default"))) void herd_kernels_set_threads(int threads) { herd::set_threads(threads); }

// y[rows, features] = x[rows, inner] * W^T + bias; bias may be null. All row-major, contiguous.
__attribute__((visibility("default"))) void herd_kernels_multiply(const float* x, int64_t rows, int64_t inner, const float* packed,
                                                                  int64_t features, const float* bias, float* y) {
  const Product product{x, rows, inner, packed, features, bias, y};
  herd::run(herd::Job{multiply_item, &product, (features + kPanelWidth - 1) / kPanelWidth});
}
}
