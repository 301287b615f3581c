// LoRA updates of many adapters at one site of a layer, in one call: y[row] += w * (x[row] A^T) B^T
// for every (row, adapter, weight) entry of a batch.
//
// A decode step of 16 sequences over 8 adapters adds, at each of a layer's products, eight small
// updates of two rows each. Done as separate library calls (gather, two products, weighting,
// scatter) they cost several times their arithmetic; here they are two passes over the pool:
//   1. down: each entry's low-rank row, x[row] A^T (times its weight), into a scratch buffer,
//      items = (adapter, block of entries);
//   2. up: for each 64-column panel of each of the site's parts, every adapter's B panel times
//      its entries' low rows, added to y, items = (part, panel). Items own disjoint columns of y,
//      so a row that blends several adapters is only ever written by one thread at a time.
// Each adapter's matrices are read once per call, whatever the number of its rows.

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "panels.h"
#include "pool.h"

namespace {

using herd::kPanelWidth;
using herd::kRowsPerBlock;
using herd::kVectorsPerPanel;

// What the caller passes (mirrored in LoraKernel.cs).

// One adapter's B for one part of the site (q, k or v of the fused qkv product, say), packed
// [panels, rank, 64] (see panels.h), and where the part's columns sit in the site's output; up is
// null where the adapter leaves the part alone.
struct PartUp {
  const float* up;
  int64_t rank_offset;
  int64_t rank;
  int64_t output_offset;
  int64_t outputs;
};

// One adapter at the site: its A matrices stacked [ranks, inner], and one PartUp for each of the
// site's parts, in the same order for every adapter of the model.
struct AdapterSite {
  const float* down;
  int64_t ranks;
  int64_t part_count;
  const PartUp* parts;
};

// An adapter's run of entries: entries [first, first + count) of the call's rows and weights.
struct Group {
  const AdapterSite* adapter;
  int64_t first;
  int64_t count;
};

struct Call {
  const float* x;
  int64_t inner;
  float* y;
  int64_t y_stride;
  const int64_t* rows;
  const float* weights;
  const Group* groups;
  int64_t group_count;
  float* low;
  int64_t low_stride;
  // Prefix sums: items of pass 1 before each group, items of pass 2 before each site part.
  std::vector<int64_t> blocks_before;
  std::vector<int64_t> panels_before;

  int64_t row(int64_t entry) const { return rows ? rows[entry] : entry; }
};

// Which run an item of a pass belongs to: the last index whose prefix is at most the item.
int64_t owner(const std::vector<int64_t>& before, int64_t item) {
  return std::upper_bound(before.begin(), before.end(), item) - before.begin() - 1;
}

// The sum of a vector's lanes. GCC 12's _mm512_reduce_add_ps and unmasked shuffles start from an
// undefined vector and trip its uninitialised-use warning; the zero-masked forms do not.
__attribute__((target("avx512f"))) inline float sum_lanes(__m512 v) {
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, 0b01001110));
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, 0b10110001));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(0xFFFF, v, 0b01001110));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(0xFFFF, v, 0b10110001));
  return _mm512_cvtss_f32(v);
}

// Four of A's rows against Rows entries' inputs at once: each loaded A vector serves every entry.
template <int Rows>
__attribute__((target("avx512f"))) void project_down(const Call& c, const AdapterSite& adapter, int64_t entry) {
  const float* x[Rows];
  for (int r = 0; r < Rows; r++) x[r] = c.x + c.row(entry + r) * c.inner;
  const int64_t full = c.inner / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (c.inner - full)) - 1u);

  int64_t k = 0;
  for (; k + 4 <= adapter.ranks; k += 4) {
    const float* a = adapter.down + k * c.inner;
    __m512 acc[4][Rows];
    for (int j = 0; j < 4; j++)
      for (int r = 0; r < Rows; r++) acc[j][r] = _mm512_setzero_ps();
    for (int64_t i = 0; i < c.inner; i += 16) {
      const __mmask16 mask = i < full ? static_cast<__mmask16>(0xFFFF) : tail;
      __m512 down[4];
      for (int j = 0; j < 4; j++) down[j] = _mm512_maskz_loadu_ps(mask, a + j * c.inner + i);
      for (int r = 0; r < Rows; r++) {
        const __m512 xv = _mm512_maskz_loadu_ps(mask, x[r] + i);
        for (int j = 0; j < 4; j++) acc[j][r] = _mm512_fmadd_ps(down[j], xv, acc[j][r]);
      }
    }
    for (int r = 0; r < Rows; r++)
      for (int j = 0; j < 4; j++) c.low[(entry + r) * c.low_stride + k + j] = sum_lanes(acc[j][r]);
  }

  for (; k < adapter.ranks; k++) {
    const float* a = adapter.down + k * c.inner;
    __m512 acc[Rows];
    for (int r = 0; r < Rows; r++) acc[r] = _mm512_setzero_ps();
    for (int64_t i = 0; i < c.inner; i += 16) {
      const __mmask16 mask = i < full ? static_cast<__mmask16>(0xFFFF) : tail;
      const __m512 down = _mm512_maskz_loadu_ps(mask, a + i);
      for (int r = 0; r < Rows; r++) acc[r] = _mm512_fmadd_ps(down, _mm512_maskz_loadu_ps(mask, x[r] + i), acc[r]);
    }
    for (int r = 0; r < Rows; r++) c.low[(entry + r) * c.low_stride + k] = sum_lanes(acc[r]);
  }

  if (c.weights) {
    for (int r = 0; r < Rows; r++) {
      const float weight = c.weights[entry + r];
      float* low = c.low + (entry + r) * c.low_stride;
      for (int64_t j = 0; j < adapter.ranks; j++) low[j] *= weight;
    }
  }
}

void down_item(const void* context, int64_t item) {
  const Call& c = *static_cast<const Call*>(context);
  const int64_t g = owner(c.blocks_before, item);
  const Group& group = c.groups[g];
  const int64_t entry = group.first + (item - c.blocks_before[g]) * kRowsPerBlock;
  switch (std::min<int64_t>(kRowsPerBlock, group.first + group.count - entry)) {
    case 1: project_down<1>(c, *group.adapter, entry); break;
    case 2: project_down<2>(c, *group.adapter, entry); break;
    case 3: project_down<3>(c, *group.adapter, entry); break;
    case 4: project_down<4>(c, *group.adapter, entry); break;
    case 5: project_down<5>(c, *group.adapter, entry); break;
    default: project_down<kRowsPerBlock>(c, *group.adapter, entry); break;
  }
}

// One B panel [rank, 64] times Rows entries' low rows, added to those rows' 64 columns of y.
template <int Rows>
__attribute__((target("avx512f"))) void project_up(const Call& c, const PartUp& part, const float* panel, int64_t column,
                                                   int64_t width, int64_t entry) {
  __mmask16 masks[kVectorsPerPanel];
  for (int v = 0; v < kVectorsPerPanel; v++) {
    const int64_t lanes = std::clamp<int64_t>(width - 16 * v, 0, 16);
    masks[v] = static_cast<__mmask16>((1u << lanes) - 1u);
  }

  float* y[Rows];
  const float* low[Rows];
  __m512 acc[Rows][kVectorsPerPanel];
  for (int r = 0; r < Rows; r++) {
    y[r] = c.y + c.row(entry + r) * c.y_stride + column;
    low[r] = c.low + (entry + r) * c.low_stride + part.rank_offset;
    for (int v = 0; v < kVectorsPerPanel; v++) acc[r][v] = _mm512_maskz_loadu_ps(masks[v], y[r] + 16 * v);
  }

  for (int64_t k = 0; k < part.rank; k++) {
    const float* w = panel + k * kPanelWidth;
    const __m512 w0 = _mm512_loadu_ps(w);
    const __m512 w1 = _mm512_loadu_ps(w + 16);
    const __m512 w2 = _mm512_loadu_ps(w + 32);
    const __m512 w3 = _mm512_loadu_ps(w + 48);
    for (int r = 0; r < Rows; r++) {
      const __m512 lv = _mm512_set1_ps(low[r][k]);
      acc[r][0] = _mm512_fmadd_ps(lv, w0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(lv, w1, acc[r][1]);
      acc[r][2] = _mm512_fmadd_ps(lv, w2, acc[r][2]);
      acc[r][3] = _mm512_fmadd_ps(lv, w3, acc[r][3]);
    }
  }

  for (int r = 0; r < Rows; r++)
    for (int v = 0; v < kVectorsPerPanel; v++) _mm512_mask_storeu_ps(y[r] + 16 * v, masks[v], acc[r][v]);
}

void up_item(const void* context, int64_t item) {
  const Call& c = *static_cast<const Call*>(context);
  const int64_t p = owner(c.panels_before, item);
  const int64_t panel = item - c.panels_before[p];
  const PartUp& layout = c.groups[0].adapter->parts[p];
  const int64_t column = layout.output_offset + panel * kPanelWidth;
  const int64_t width = std::min(kPanelWidth, layout.outputs - panel * kPanelWidth);
  for (int64_t g = 0; g < c.group_count; g++) {
    const Group& group = c.groups[g];
    const PartUp& part = group.adapter->parts[p];
    if (!part.up) continue;
    const float* weights = part.up + panel * part.rank * kPanelWidth;
    // A block must not name one row twice (it would keep only one entry's update): the caller
    // merges a sequence's repeated adapter into one entry.
    for (int64_t entry = group.first; entry < group.first + group.count; entry += kRowsPerBlock) {
      switch (std::min<int64_t>(kRowsPerBlock, group.first + group.count - entry)) {
        case 1: project_up<1>(c, part, weights, column, width, entry); break;
        case 2: project_up<2>(c, part, weights, column, width, entry); break;
        case 3: project_up<3>(c, part, weights, column, width, entry); break;
        case 4: project_up<4>(c, part, weights, column, width, entry); break;
        case 5: project_up<5>(c, part, weights, column, width, entry); break;
        default: project_up<kRowsPerBlock>(c, part, weights, column, width, entry); break;
      }
    }
  }
}

}  // namespace

extern "C" {

// Adds every group's LoRA update to y [.., y_stride] at the rows its entries name.
// x: [.., inner] row-major; rows: the row of each entry (null: entry i is row i); weights: each
// entry's blend weight (null: all 1); groups: runs of entries, each with its adapter, never
// sharing an entry.
__attribute__((visibility("default"))) void herd_kernels_add_lora(const float* x, int64_t inner, float* y, int64_t y_stride,
                                                                  const int64_t* rows, const float* weights, const Group* groups,
                                                                  int64_t group_count) {
  if (group_count == 0) return;
  // The caller's own buffer: the pool's helpers write into it only while this call waits.
  thread_local std::vector<float> scratch;
  Call call{x, inner, y, y_stride, rows, weights, groups, group_count, nullptr, 0, {}, {}};
  int64_t blocks = 0;
  int64_t entries = 0;
  for (int64_t g = 0; g < group_count; g++) {
    call.blocks_before.push_back(blocks);
    blocks += (groups[g].count + kRowsPerBlock - 1) / kRowsPerBlock;
    call.low_stride = std::max(call.low_stride, groups[g].adapter->ranks);
    entries = std::max(entries, groups[g].first + groups[g].count);
  }
  int64_t panels = 0;
  const AdapterSite& layout = *groups[0].adapter;
  for (int64_t p = 0; p < layout.part_count; p++) {
    call.panels_before.push_back(panels);
    panels += (layout.parts[p].outputs + kPanelWidth - 1) / kPanelWidth;
  }

  scratch.resize(static_cast<size_t>(entries * call.low_stride));
  call.low = scratch.data();
  herd::run(herd::Job{down_item, &call, blocks});
  herd::run(herd::Job{up_item, &call, panels});
}
}
