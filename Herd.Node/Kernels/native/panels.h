// The packed layout the kernels read. Panel p of a weight W [features, inner] holds output
// features [p*64, p*64+64) as packed[p][k][j] = W[p*64 + j][k], zero-padded past the last feature,
// so a product streams each panel once, front to back.
#pragma once

#include <cstdint>

namespace herd {

constexpr int64_t kPanelWidth = 64;
constexpr int kVectorsPerPanel = 4;
// Input rows that share each loaded weight: 6 rows of 4 accumulators leave registers for the loads.
constexpr int kRowsPerBlock = 6;

// How the weights in a packed matrix are stored (mirrored in PackedFormat.cs):
//  - float32: panel p is [inner, 64] floats;
//  - bfloat16: the same, each weight the top half of its float32 (rounded to nearest even);
//  - int8: panel p is inner / 32 blocks of 32 rows, each block 64 float scales (one per output
//    feature) followed by [32, 64] int8 values, weight = value * scale (as llama.cpp's Q8_0, with
//    its blocks along the inner dimension, and float32 scales).
constexpr int kFloat32 = 0;
constexpr int kBFloat16 = 1;
constexpr int kInt8 = 2;
constexpr int64_t kInt8BlockRows = 32;
constexpr int64_t kInt8ScaleBytes = kPanelWidth * sizeof(float);
constexpr int64_t kInt8BlockBytes = kInt8ScaleBytes + kInt8BlockRows * kPanelWidth;

// The instructions the matrix products run on; the LoRA updates need AVX-512.
constexpr int kNone = 0;
constexpr int kAvx2 = 1;
constexpr int kAvx512 = 2;

}  // namespace herd
