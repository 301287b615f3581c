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

// GCC 12's AVX-512 conversion intrinsics start from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized reports inside the headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>

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
  const void* packed;
  int64_t features;
  const float* bias;
  float* y;
};

// A panel's weights in one of the formats panels.h describes: where row k of the panel is (for
// prefetching), and 16 or 8 of its weights from a column on, as floats.
template <int Format>
struct PanelWeights;

template <>
struct PanelWeights<herd::kFloat32> {
  static constexpr int64_t kRowBytes = kPanelWidth * sizeof(float);
  const float* panel;

  PanelWeights(const void* packed, int64_t inner, int64_t index) : panel(static_cast<const float*>(packed) + index * inner * kPanelWidth) {}
  const char* row(int64_t k) const { return reinterpret_cast<const char*>(panel + k * kPanelWidth); }
  __attribute__((target("avx512f"))) __m512 load16(int64_t k, int64_t column) const { return _mm512_loadu_ps(panel + k * kPanelWidth + column); }
  __attribute__((target("avx2,fma"))) __m256 load8(int64_t k, int64_t column) const { return _mm256_loadu_ps(panel + k * kPanelWidth + column); }
};

// A bfloat16 is the top half of a float32: widen to 32 bits and shift into place.
template <>
struct PanelWeights<herd::kBFloat16> {
  static constexpr int64_t kRowBytes = kPanelWidth * sizeof(uint16_t);
  const uint16_t* panel;

  PanelWeights(const void* packed, int64_t inner, int64_t index) : panel(static_cast<const uint16_t*>(packed) + index * inner * kPanelWidth) {}
  const char* row(int64_t k) const { return reinterpret_cast<const char*>(panel + k * kPanelWidth); }
  __attribute__((target("avx512f"))) __m512 load16(int64_t k, int64_t column) const {
    const __m256i halves = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + k * kPanelWidth + column));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(halves), 16));
  }
  __attribute__((target("avx2,fma"))) __m256 load8(int64_t k, int64_t column) const {
    const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(panel + k * kPanelWidth + column));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(halves), 16));
  }
};

// int8 values times their block's scale for the column (an L1-resident load beside the stream).
template <>
struct PanelWeights<herd::kInt8> {
  static constexpr int64_t kRowBytes = kPanelWidth;
  const uint8_t* panel;

  PanelWeights(const void* packed, int64_t inner, int64_t index)
      : panel(static_cast<const uint8_t*>(packed) + index * (inner / herd::kInt8BlockRows) * herd::kInt8BlockBytes) {}
  const uint8_t* block(int64_t k) const { return panel + (k / herd::kInt8BlockRows) * herd::kInt8BlockBytes; }
  const float* scales(int64_t k) const { return reinterpret_cast<const float*>(block(k)); }
  const char* row(int64_t k) const {
    return reinterpret_cast<const char*>(block(k) + herd::kInt8ScaleBytes + (k % herd::kInt8BlockRows) * kPanelWidth);
  }
  __attribute__((target("avx512f"))) __m512 load16(int64_t k, int64_t column) const {
    const __m128i values = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row(k) + column));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(values)), _mm512_loadu_ps(scales(k) + column));
  }
  __attribute__((target("avx2,fma"))) __m256 load8(int64_t k, int64_t column) const {
    const __m128i values = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row(k) + column));
    return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(values)), _mm256_loadu_ps(scales(k) + column));
  }
};

// Sixteen rows ahead of the stream: the hardware prefetcher alone leaves bandwidth unused. One
// prefetch per 128 bytes, as the adjacent-line prefetcher fetches lines in pairs.
template <int Format>
inline void prefetch_ahead(const PanelWeights<Format>& weights, int64_t k) {
  const char* ahead = weights.row(k) + 16 * PanelWeights<Format>::kRowBytes;
  for (int64_t offset = 0; offset < PanelWeights<Format>::kRowBytes; offset += 128) _mm_prefetch(ahead + offset, _MM_HINT_T0);
}

// Calls block.template operator()<Rows>(row) over rows [0, rows): blocks of Max rows, then the
// remainder as one block of fewer (the micro-kernels take their row count as a template).
template <int Rows, typename Block>
void remaining_rows(int64_t left, int64_t row, const Block& block) {
  if constexpr (Rows > 0) {
    if (left == Rows) {
      block.template operator()<Rows>(row);
    } else {
      remaining_rows<Rows - 1>(left, row, block);
    }
  }
}

template <int Max, typename Block>
void in_row_blocks(int64_t rows, const Block& block) {
  int64_t row = 0;
  for (; row + Max <= rows; row += Max) block.template operator()<Max>(row);
  remaining_rows<Max - 1>(rows - row, row, block);
}

template <int Format, int Rows>
__attribute__((target("avx512f"))) void multiply_block(const Product& p, int64_t row, int64_t panel) {
  const PanelWeights<Format> weights(p.packed, p.inner, panel);
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
    prefetch_ahead(weights, k);
    const __m512 w0 = weights.load16(k, 0);
    const __m512 w1 = weights.load16(k, 16);
    const __m512 w2 = weights.load16(k, 32);
    const __m512 w3 = weights.load16(k, 48);
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

// Half `half` of a panel: its first column, its first output feature, how many features it has
// (up to 32, none past the matrix's last), and the lanes of its 4 vectors that hold them.
struct HalfPanel {
  int64_t column;
  int64_t first_feature;
  int64_t width;
  __m256i masks[4];
};

// Vector v of a half's features in a row of y or the bias. Masked loads and stores are slow on
// some CPUs (microcoded on AMD's), so whole halves, nearly all of them, take plain ones.
__attribute__((target("avx2,fma"))) inline __m256 load_half(const HalfPanel& h, const float* row, int v) {
  return h.width == kHalfPanel ? _mm256_loadu_ps(row + 8 * v) : _mm256_maskload_ps(row + 8 * v, h.masks[v]);
}

__attribute__((target("avx2,fma"))) inline void store_half(const HalfPanel& h, float* row, int v, __m256 value) {
  if (h.width == kHalfPanel) {
    _mm256_storeu_ps(row + 8 * v, value);
  } else {
    _mm256_maskstore_ps(row + 8 * v, h.masks[v], value);
  }
}

__attribute__((target("avx2,fma"))) inline HalfPanel half_panel(const Product& p, int64_t panel, int64_t half) {
  HalfPanel h{};
  h.column = half * kHalfPanel;
  h.first_feature = panel * kPanelWidth + h.column;
  h.width = std::min(kHalfPanel, p.features - h.first_feature);
  for (int v = 0; v < 4; v++) h.masks[v] = lanes_below(std::clamp<int64_t>(h.width - 8 * v, 0, 8));
  return h;
}

// One input's products for Rows rows over half a panel: acc[r][v] += x[r * stride] * w[v].
template <int Rows>
__attribute__((target("avx2,fma"), always_inline)) inline void multiply_add_half(__m256 (&acc)[Rows][4], const float* x, int64_t stride, __m256 w0,
                                                                               __m256 w1, __m256 w2, __m256 w3) {
  for (int r = 0; r < Rows; r++) {
    const __m256 xv = _mm256_set1_ps(x[r * stride]);
    acc[r][0] = _mm256_fmadd_ps(xv, w0, acc[r][0]);
    acc[r][1] = _mm256_fmadd_ps(xv, w1, acc[r][1]);
    acc[r][2] = _mm256_fmadd_ps(xv, w2, acc[r][2]);
    acc[r][3] = _mm256_fmadd_ps(xv, w3, acc[r][3]);
  }
}

template <int Format, int Rows>
__attribute__((target("avx2,fma"))) void multiply_half_avx2(const Product& p, int64_t row, int64_t panel, int64_t half) {
  const PanelWeights<Format> weights(p.packed, p.inner, panel);
  const HalfPanel h = half_panel(p, panel, half);
  if (h.width <= 0) return;

  __m256 acc[Rows][4];
  for (int v = 0; v < 4; v++) {
    const __m256 start = p.bias ? load_half(h, p.bias + h.first_feature, v) : _mm256_setzero_ps();
    for (int r = 0; r < Rows; r++) acc[r][v] = start;
  }

  const float* x = p.x + row * p.inner;
  for (int64_t k = 0; k < p.inner; k++) {
    prefetch_ahead(weights, k);
    multiply_add_half<Rows>(acc, x + k, p.inner, weights.load8(k, h.column), weights.load8(k, h.column + 8), weights.load8(k, h.column + 16),
                            weights.load8(k, h.column + 24));
  }

  for (int r = 0; r < Rows; r++) {
    float* y = p.y + (row + r) * p.features + h.first_feature;
    for (int v = 0; v < 4; v++) store_half(h, y, v, acc[r][v]);
  }
}

template <int Format>
__attribute__((target("avx2,fma"))) void multiply_row_avx2(const Product& p, int64_t row, int64_t panel) {
  const PanelWeights<Format> weights(p.packed, p.inner, panel);
  const int64_t first_feature = panel * kPanelWidth;
  const int64_t width = std::min(kPanelWidth, p.features - first_feature);
  __m256i masks[8];
  for (int v = 0; v < 8; v++) masks[v] = lanes_below(std::clamp<int64_t>(width - 8 * v, 0, 8));

  __m256 acc[8];
  for (int v = 0; v < 8; v++) acc[v] = p.bias ? _mm256_maskload_ps(p.bias + first_feature + 8 * v, masks[v]) : _mm256_setzero_ps();

  const float* x = p.x + row * p.inner;
  for (int64_t k = 0; k < p.inner; k++) {
    prefetch_ahead(weights, k);
    const __m256 xv = _mm256_set1_ps(x[k]);
    for (int v = 0; v < 8; v++) acc[v] = _mm256_fmadd_ps(xv, weights.load8(k, 8 * v), acc[v]);
  }

  float* y = p.y + row * p.features + first_feature;
  for (int v = 0; v < 8; v++) _mm256_maskstore_ps(y + 8 * v, masks[v], acc[v]);
}

template <int Format, int Rows>
void multiply_block_avx2(const Product& p, int64_t row, int64_t panel) {
  multiply_half_avx2<Format, Rows>(p, row, panel, 0);
  multiply_half_avx2<Format, Rows>(p, row, panel, 1);
}

// Many rows (a prefill, or a step of many sequences) cost AVX2 twice over when each block of
// kAvx2Rows rows streams the whole panel again: narrow weights are converted once per block, and
// a panel larger than the L2 cache (a 1B model's) comes from memory once per block. From
// kWidenRows rows on, a chunk of kWidenChunk inputs of the panel is converted to float32 (copied,
// for float32 panels) once, into a buffer that stays in L1, and every row block multiplies by it
// (one half of the chunk, 16 KB, then the other). Fewer rows are bound by memory and keep
// streaming, as a pause to convert would leave the memory idle. The sums run in the same order
// either way (partial sums go through y between chunks), so the bits are the same.
constexpr int64_t kWidenRows = 16;
constexpr int64_t kWidenChunk = 128;

template <int Format>
__attribute__((target("avx2,fma"))) void widen_chunk(const PanelWeights<Format>& weights, int64_t first, int64_t count, float* out) {
  for (int64_t k = 0; k < count; k++) {
    prefetch_ahead(weights, first + k);
    for (int v = 0; v < 8; v++) _mm256_store_ps(out + k * kPanelWidth + 8 * v, weights.load8(first + k, 8 * v));
  }
}

// As multiply_half_avx2 over inputs [first, first + count) with the chunk's widened weights;
// the sums start from the bias at the first chunk and from y after it.
template <int Rows>
__attribute__((target("avx2,fma"))) void multiply_half_widened(const Product& p, const float* chunk, int64_t first, int64_t count, int64_t row,
                                                              int64_t panel, int64_t half) {
  const HalfPanel h = half_panel(p, panel, half);
  if (h.width <= 0) return;

  __m256 acc[Rows][4];
  for (int r = 0; r < Rows; r++) {
    const float* y = p.y + (row + r) * p.features + h.first_feature;
    for (int v = 0; v < 4; v++) {
      acc[r][v] = first > 0 ? load_half(h, y, v) : p.bias ? load_half(h, p.bias + h.first_feature, v) : _mm256_setzero_ps();
    }
  }

  const float* x = p.x + row * p.inner + first;
  for (int64_t k = 0; k < count; k++) {
    const float* w = chunk + k * kPanelWidth + h.column;
    multiply_add_half<Rows>(acc, x + k, p.inner, _mm256_load_ps(w), _mm256_load_ps(w + 8), _mm256_load_ps(w + 16), _mm256_load_ps(w + 24));
  }

  for (int r = 0; r < Rows; r++) {
    float* y = p.y + (row + r) * p.features + h.first_feature;
    for (int v = 0; v < 4; v++) store_half(h, y, v, acc[r][v]);
  }
}

template <int Format>
void multiply_panel_widened(const Product& p, int64_t panel) {
  alignas(32) thread_local float chunk[kWidenChunk * kPanelWidth];
  const PanelWeights<Format> weights(p.packed, p.inner, panel);
  for (int64_t first = 0; first < p.inner; first += kWidenChunk) {
    const int64_t count = std::min(kWidenChunk, p.inner - first);
    widen_chunk(weights, first, count, chunk);
    for (int64_t half = 0; half < 2; half++) {
      in_row_blocks<kAvx2Rows>(p.rows, [&]<int Rows>(int64_t row) { multiply_half_widened<Rows>(p, chunk, first, count, row, panel, half); });
    }
  }
}

template <int Format>
void multiply_panel_avx512(const Product& p, int64_t panel) {
  in_row_blocks<kRowsPerBlock>(p.rows, [&]<int Rows>(int64_t row) { multiply_block<Format, Rows>(p, row, panel); });
}

template <int Format>
void multiply_panel_avx2(const Product& p, int64_t panel) {
  if (p.rows >= kWidenRows) {
    multiply_panel_widened<Format>(p, panel);
    return;
  }
  in_row_blocks<kAvx2Rows>(p.rows, [&]<int Rows>(int64_t row) {
    if constexpr (Rows == 1) {
      multiply_row_avx2<Format>(p, row, panel);
    } else {
      multiply_block_avx2<Format, Rows>(p, row, panel);
    }
  });
}

template <int Format>
void multiply_panel(const Product& p, int instructions, int64_t panel) {
  if (instructions == herd::kAvx512) {
    multiply_panel_avx512<Format>(p, panel);
  } else {
    multiply_panel_avx2<Format>(p, panel);
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
  int format;
  int instructions;
};

void multiply_item(const void* context, int64_t panel) {
  const Call& call = *static_cast<const Call*>(context);
  switch (call.format) {
    case herd::kBFloat16: multiply_panel<herd::kBFloat16>(call.product, call.instructions, panel); break;
    case herd::kInt8: multiply_panel<herd::kInt8>(call.product, call.instructions, panel); break;
    default: multiply_panel<herd::kFloat32>(call.product, call.instructions, panel); break;
  }
}

void multiply_on(int instructions, const float* x, int64_t rows, int64_t inner, const void* packed, int format, int64_t features,
                 const float* bias, float* y) {
  const Call call{{x, rows, inner, packed, features, bias, y}, format, instructions};
  herd::run(herd::Job{multiply_item, &call, (features + kPanelWidth - 1) / kPanelWidth});
}

// One weight of the matrix, W[feature][k], from its packed form.
float weight_at(const void* packed, int format, int64_t inner, int64_t feature, int64_t k) {
  const int64_t panel = feature / kPanelWidth;
  const int64_t column = feature % kPanelWidth;
  switch (format) {
    case herd::kBFloat16: {
      const uint32_t bits = static_cast<uint32_t>(static_cast<const uint16_t*>(packed)[(panel * inner + k) * kPanelWidth + column]) << 16;
      float weight;
      std::memcpy(&weight, &bits, sizeof weight);
      return weight;
    }
    case herd::kInt8: {
      const uint8_t* block = static_cast<const uint8_t*>(packed) + (panel * (inner / herd::kInt8BlockRows) + k / herd::kInt8BlockRows) * herd::kInt8BlockBytes;
      float scale;
      std::memcpy(&scale, block + column * sizeof(float), sizeof scale);
      const int8_t value = static_cast<int8_t>(block[herd::kInt8ScaleBytes + (k % herd::kInt8BlockRows) * kPanelWidth + column]);
      return static_cast<float>(value) * scale;
    }
    default:
      return static_cast<const float*>(packed)[(panel * inner + k) * kPanelWidth + column];
  }
}

int supported(int instructions) {
  const int widest = detect_instructions();
  return instructions >= herd::kNone && instructions <= widest;
}

}  // namespace

void herd::multiply(const float* x, int64_t rows, int64_t inner, const void* packed, int format, int64_t features, const float* bias, float* y) {
  multiply_on(g_instructions.load(), x, rows, inner, packed, format, features, bias, y);
}

void herd::packed_row(const void* packed, int format, int64_t inner, int64_t feature, float* out) {
  for (int64_t k = 0; k < inner; k++) out[k] = weight_at(packed, format, inner, feature, k);
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

// y[rows, features] = x[rows, inner] * W^T + bias; bias may be null. All row-major, contiguous;
// W packed in `format` (panels.h).
__attribute__((visibility("default"))) void herd_kernels_multiply(const float* x, int64_t rows, int64_t inner, const void* packed, int format,
                                                                  int64_t features, const float* bias, float* y) {
  herd::multiply(x, rows, inner, packed, format, features, bias, y);
}

// As herd_kernels_multiply, with the given instructions whatever the products use (to test each
// kernel on a CPU that has both); false, and nothing computed, when the CPU lacks them.
__attribute__((visibility("default"))) bool herd_kernels_multiply_with(int instructions, const float* x, int64_t rows, int64_t inner,
                                                                       const void* packed, int format, int64_t features, const float* bias,
                                                                       float* y) {
  if (instructions == herd::kNone || !supported(instructions)) return false;
  multiply_on(instructions, x, rows, inner, packed, format, features, bias, y);
  return true;
}

// out[i] = row features[i] of W [features, inner], from its packed form (an embedding lookup).
__attribute__((visibility("default"))) void herd_kernels_rows(const void* packed, int format, int64_t inner, const int64_t* features, int64_t count,
                                                              float* out) {
  for (int64_t i = 0; i < count; i++) herd::packed_row(packed, format, inner, features[i], out + i * inner);
}

// Adds the squared differences between `count` float32 weights and the same weights in bfloat16
// to error_squares, and the squared weights to weight_squares (the error of storing them so).
__attribute__((visibility("default"))) void herd_kernels_bfloat16_error(const float* wide, const uint16_t* narrow, int64_t count,
                                                                        double* error_squares, double* weight_squares) {
  double errors = 0;
  double weights = 0;
  for (int64_t i = 0; i < count; i++) {
    const uint32_t bits = static_cast<uint32_t>(narrow[i]) << 16;
    float stored;
    std::memcpy(&stored, &bits, sizeof stored);
    const double error = static_cast<double>(wide[i]) - stored;
    errors += error * error;
    weights += static_cast<double>(wide[i]) * wide[i];
  }
  *error_squares += errors;
  *weight_squares += weights;
}

// Quantises float32 panels [panel_count, inner, 64] to the int8 format of panels.h (inner a
// multiple of 32): per block of 32 rows and per column, scale = max |w| / 127 and
// value = round(w / scale). Adds the squared rounding errors and the squared weights to the
// two sums, for the caller to report the error against float32.
__attribute__((visibility("default"))) void herd_kernels_quantize_int8(const float* panels, int64_t panel_count, int64_t inner, uint8_t* out,
                                                                       double* error_squares, double* weight_squares) {
  double errors = 0;
  double weights = 0;
  for (int64_t panel = 0; panel < panel_count; panel++) {
    for (int64_t first = 0; first < inner; first += herd::kInt8BlockRows) {
      const float* block = panels + (panel * inner + first) * kPanelWidth;
      uint8_t* target = out + (panel * (inner / herd::kInt8BlockRows) + first / herd::kInt8BlockRows) * herd::kInt8BlockBytes;
      for (int64_t column = 0; column < kPanelWidth; column++) {
        float largest = 0;
        for (int64_t k = 0; k < herd::kInt8BlockRows; k++) largest = std::max(largest, std::fabs(block[k * kPanelWidth + column]));
        const float scale = largest / 127.0f;
        std::memcpy(target + column * sizeof(float), &scale, sizeof scale);
        for (int64_t k = 0; k < herd::kInt8BlockRows; k++) {
          const float weight = block[k * kPanelWidth + column];
          const float value = scale == 0 ? 0.0f : std::clamp(std::nearbyint(weight / scale), -127.0f, 127.0f);
          target[herd::kInt8ScaleBytes + k * kPanelWidth + column] = static_cast<uint8_t>(static_cast<int8_t>(value));
          const double error = static_cast<double>(weight) - static_cast<double>(value) * scale;
          errors += error * error;
          weights += static_cast<double>(weight) * weight;
        }
      }
    }
  }
  *error_squares += errors;
  *weight_squares += weights;
}
}
