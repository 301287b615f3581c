// Matrix products for CPU inference: y = x * W^T (+ bias) with W pre-packed into panels.
//
// Decoding reads every weight once per token, so its speed is the speed at which the weights
// stream from memory. The packed layout makes that a single sequential read per panel, and the
// micro-kernel reuses each loaded weight for up to kRowsPerBlock input rows, so small batches cost
// little more than one row. panels.h describes the packing.
//
// The kernel functions are compiled for AVX-512, and again for AVX2 with FMA (CPUs without
// AVX-512); everything else is plain x86-64, so the library loads anywhere, picks the widest
// instructions the CPU has, and herd_kernels_panel_width() says whether the kernels can run.
// Both kernels add each feature's products in the same order with fused multiply-adds, so they
// give the same bits.

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "panels.h"
#include "pool.h"
#include "products.h"

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

// AVX2 has 16 vector registers of 8 floats. One input row (a decode step of one sequence) takes
// a whole panel at once in 8 accumulators, so the weights stream front to back as on AVX-512;
// more rows take a panel in two halves of 32 features, each with up to kAvx2Rows rows of 4
// accumulators, leaving 4 registers for the loaded weights that every row reuses.
constexpr int kAvx2Rows = 3;
constexpr int64_t kHalfPanel = kPanelWidth / 2;

// Lane i of the mask is set when i < lanes (0 to 8): for loads and stores at a panel's ragged end.
__attribute__((target("avx2,fma"))) inline __m256i lanes_below(int64_t lanes) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(lanes)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <int Rows>
__attribute__((target("avx2,fma"))) void multiply_half_avx2(const Product& p, int64_t row, int64_t panel, int64_t half) {
  const float* weights = p.packed + panel * p.inner * kPanelWidth + half * kHalfPanel;
  const int64_t first_feature = panel * kPanelWidth + half * kHalfPanel;
  const int64_t width = std::min(kHalfPanel, p.features - first_feature);
  if (width <= 0) return;
  __m256i masks[4];
  for (int v = 0; v < 4; v++) masks[v] = lanes_below(std::clamp<int64_t>(width - 8 * v, 0, 8));

  __m256 acc[Rows][4];
  for (int v = 0; v < 4; v++) {
    const __m256 start = p.bias ? _mm256_maskload_ps(p.bias + first_feature + 8 * v, masks[v]) : _mm256_setzero_ps();
    for (int r = 0; r < Rows; r++) acc[r][v] = start;
  }

  const float* x = p.x + row * p.inner;
  for (int64_t k = 0; k < p.inner; k++) {
    const float* w = weights + k * kPanelWidth;
    _mm_prefetch(reinterpret_cast<const char*>(w + 16 * kPanelWidth), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w + 16 * kPanelWidth + 16), _MM_HINT_T0);
    const __m256 w0 = _mm256_loadu_ps(w);
    const __m256 w1 = _mm256_loadu_ps(w + 8);
    const __m256 w2 = _mm256_loadu_ps(w + 16);
    const __m256 w3 = _mm256_loadu_ps(w + 24);
    for (int r = 0; r < Rows; r++) {
      const __m256 xv = _mm256_set1_ps(x[r * p.inner + k]);
      acc[r][0] = _mm256_fmadd_ps(xv, w0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(xv, w1, acc[r][1]);
      acc[r][2] = _mm256_fmadd_ps(xv, w2, acc[r][2]);
      acc[r][3] = _mm256_fmadd_ps(xv, w3, acc[r][3]);
    }
  }

  for (int r = 0; r < Rows; r++) {
    float* y = p.y + (row + r) * p.features + first_feature;
    for (int v = 0; v < 4; v++) _mm256_maskstore_ps(y + 8 * v, masks[v], acc[r][v]);
  }
}

__attribute__((target("avx2,fma"))) void multiply_row_avx2(const Product& p, int64_t row, int64_t panel) {
  const float* weights = p.packed + panel * p.inner * kPanelWidth;
  const int64_t first_feature = panel * kPanelWidth;
  const int64_t width = std::min(kPanelWidth, p.features - first_feature);
  __m256i masks[8];
  for (int v = 0; v < 8; v++) masks[v] = lanes_below(std::clamp<int64_t>(width - 8 * v, 0, 8));

  __m256 acc[8];
  for (int v = 0; v < 8; v++) acc[v] = p.bias ? _mm256_maskload_ps(p.bias + first_feature + 8 * v, masks[v]) : _mm256_setzero_ps();

  const float* x = p.x + row * p.inner;
  for (int64_t k = 0; k < p.inner; k++) {
    const float* w = weights + k * kPanelWidth;
    _mm_prefetch(reinterpret_cast<const char*>(w + 16 * kPanelWidth), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w + 16 * kPanelWidth + 32), _MM_HINT_T0);
    const __m256 xv = _mm256_set1_ps(x[k]);
    for (int v = 0; v < 8; v++) acc[v] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w + 8 * v), acc[v]);
  }

  float* y = p.y + row * p.features + first_feature;
  for (int v = 0; v < 8; v++) _mm256_maskstore_ps(y + 8 * v, masks[v], acc[v]);
}

template <int Rows>
void multiply_block_avx2(const Product& p, int64_t row, int64_t panel) {
  multiply_half_avx2<Rows>(p, row, panel, 0);
  multiply_half_avx2<Rows>(p, row, panel, 1);
}

void multiply_panel_avx512(const Product& p, int64_t panel) {
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

void multiply_panel_avx2(const Product& p, int64_t panel) {
  int64_t row = 0;
  for (; row + kAvx2Rows <= p.rows; row += kAvx2Rows) multiply_block_avx2<kAvx2Rows>(p, row, panel);
  switch (p.rows - row) {
    case 1: multiply_row_avx2(p, row, panel); break;
    case 2: multiply_block_avx2<2>(p, row, panel); break;
    default: break;
  }
}

// Which instructions the products use: herd::kAvx512, herd::kAvx2 or herd::kNone.
int detect_instructions() {
  if (__builtin_cpu_supports("avx512f")) return herd::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return herd::kAvx2;
  return herd::kNone;
}

std::atomic<int> g_instructions{detect_instructions()};

struct Call {
  Product product;
  int instructions;
};

void multiply_item(const void* context, int64_t panel) {
  const Call& call = *static_cast<const Call*>(context);
  if (call.instructions == herd::kAvx512) {
    multiply_panel_avx512(call.product, panel);
  } else {
    multiply_panel_avx2(call.product, panel);
  }
}

int supported(int instructions) {
  const int widest = detect_instructions();
  return instructions >= herd::kNone && instructions <= widest;
}

}  // namespace

void herd::multiply(const float* x, int64_t rows, int64_t inner, const float* packed, int64_t features, const float* bias, float* y) {
  const Call call{{x, rows, inner, packed, features, bias, y}, g_instructions.load()};
  herd::run(herd::Job{multiply_item, &call, (features + kPanelWidth - 1) / kPanelWidth});
}

extern "C" {

// Output features per panel when the kernels can run on this CPU, 0 when they cannot.
__attribute__((visibility("default"))) int64_t herd_kernels_panel_width() {
  return g_instructions.load() == herd::kNone ? 0 : kPanelWidth;
}

// The instructions the products use (herd::kAvx512, herd::kAvx2 or herd::kNone).
__attribute__((visibility("default"))) int herd_kernels_instructions() { return g_instructions.load(); }

// Makes the products use narrower instructions than the CPU's widest (to compare them); false,
// and nothing changed, when the CPU lacks them.
__attribute__((visibility("default"))) bool herd_kernels_use_instructions(int instructions) {
  if (!supported(instructions)) return false;
  g_instructions.store(instructions);
  return true;
}

// Threads a product may use, the caller's included.
__attribute__((visibility("default"))) void herd_kernels_set_threads(int threads) { herd::set_threads(threads); }

// y[rows, features] = x[rows, inner] * W^T + bias; bias may be null. All row-major, contiguous.
__attribute__((visibility("default"))) void herd_kernels_multiply(const float* x, int64_t rows, int64_t inner, const float* packed,
                                                                  int64_t features, const float* bias, float* y) {
  herd::multiply(x, rows, inner, packed, features, bias, y);
}

// As herd_kernels_multiply, with the given instructions whatever the products use (to test each
// kernel on a CPU that has both); false, and nothing computed, when the CPU lacks them.
__attribute__((visibility("default"))) bool herd_kernels_multiply_with(int instructions, const float* x, int64_t rows, int64_t inner,
                                                                       const float* packed, int64_t features, const float* bias,
                                                                       float* y) {
  if (instructions == herd::kNone || !supported(instructions)) return false;
  const Call call{{x, rows, inner, packed, features, bias, y}, instructions};
  herd::run(herd::Job{multiply_item, &call, (features + kPanelWidth - 1) / kPanelWidth});
  return true;
}
}
