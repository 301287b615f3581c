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

// The instructions the matrix products run on; the LoRA updates need AVX-512.
constexpr int kNone = 0;
constexpr int kAvx2 = 1;
constexpr int kAvx512 = 2;

}  // namespace herd
