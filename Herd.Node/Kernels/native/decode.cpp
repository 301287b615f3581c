// A decode step of a Llama-family model in one call: for a batch of sequences that each add one
// token, the embedding lookup, every layer (norms, products, rotary positions, cache writes,
// attention over the cache, the SwiGLU gate, residuals) and the logits.
//
// Run as libtorch operations, a layer is some fifty calls from .NET into native code, each with a
// tensor to allocate; at batch 1 they took about as long as streaming the weights. Here the
// products are the library's own (products.h) and everything between them is a few passes over
// vectors of the hidden size. Attention runs on the pool, one item per (sequence, key-value
// head): the item rotates the key and the queries of its head group, writes the key and value
// into the cache, and attends over the sequence's own cached positions only (no mask).

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "panels.h"
#include "pool.h"
#include "products.h"
#include "vector_math.h"

namespace {


// What the caller passes (mirrored in DecodeKernel.cs).

// One decoder layer's weights. Products are packed (panels.h); biases may be null.
struct DecodeLayer {
  int64_t qkv_format;  // each product's format (panels.h)
  int64_t output_format;
  int64_t gate_up_format;
  int64_t down_format;
  const float* input_norm;
  const void* qkv;  // hidden -> (heads + 2 kv_heads) * head_dim: queries (pre-scaled), keys, values
  const float* qkv_bias;
  const void* output;  // heads * head_dim -> hidden
  const float* output_bias;
  const float* post_norm;
  const void* gate_up;  // hidden -> 2 * intermediate: gate, then up
  const void* down;     // intermediate -> hidden
};

struct DecodeModel {
  int64_t hidden;
  int64_t heads;
  int64_t kv_heads;
  int64_t head_dim;
  int64_t intermediate;
  int64_t vocab;
  int64_t layer_count;
  int64_t embed_packed;  // 1: embed is packed (tied to the output, in its format); 0: [vocab, hidden] float32 rows
  int64_t lm_head_format;
  double epsilon;
  const void* embed;
  const float* final_norm;
  const void* lm_head;    // packed, hidden -> vocab
  const float* rope_cos;  // [positions, head_dim]
  const float* rope_sin;  // [positions, head_dim], first half negated ("rotate half")
  const DecodeLayer* layers;
};

// Each layer's cache: [slots, kv_heads, cache_length, head_dim]; sequence b is in slot b.
struct DecodeCache {
  float* const* keys;
  float* const* values;
  int64_t cache_length;
};

struct Attention {
  const DecodeModel* model;
  const int64_t* positions;
  float* qkv;  // [batch, (heads + 2 kv_heads) * head_dim], queries rotated in place
  float* keys;
  float* values;
  int64_t cache_length;
  float* attended;  // [batch, heads * head_dim]
};

// Rotary positions in the "rotate half" layout: out[i] = x[i] cos[i] + x[i +- half] sin[i].
HERD_AVX2 void rotate(const float* x, const float* cos, const float* sin, int64_t head_dim, float* out) {
  const int64_t half = head_dim / 2;
  for (int64_t i = 0; i < head_dim; i++) {
    const float partner = i < half ? x[i + half] : x[i - half];
    out[i] = partner * sin[i] + x[i] * cos[i];
  }
}

// weights[t] = e^(scores[t] - max), returning their sum.
HERD_AVX2 float exponentiate(float* scores, int64_t n) {
  float top = scores[0];
  for (int64_t t = 1; t < n; t++) top = std::max(top, scores[t]);
  const __m256 shift = _mm256_set1_ps(top);
  __m256 sums = _mm256_setzero_ps();
  int64_t t = 0;
  for (; t + 8 <= n; t += 8) {
    const __m256 e = herd::exp(_mm256_sub_ps(_mm256_loadu_ps(scores + t), shift));
    _mm256_storeu_ps(scores + t, e);
    sums = _mm256_add_ps(sums, e);
  }
  float sum = herd::horizontal_sum(sums);
  for (; t < n; t++) {
    scores[t] = std::exp(scores[t] - top);
    sum += scores[t];
  }
  return sum;
}

HERD_AVX2 void attend(const void* context, int64_t item) {
  const Attention& a = *static_cast<const Attention*>(context);
  const DecodeModel& m = *a.model;
  const int64_t d = m.head_dim;
  const int64_t sequence = item / m.kv_heads;
  const int64_t kv_head = item % m.kv_heads;
  const int64_t position = a.positions[sequence];
  const int64_t keys_seen = position + 1;
  const float* cos = m.rope_cos + position * d;
  const float* sin = m.rope_sin + position * d;
  float* row = a.qkv + sequence * (m.heads + 2 * m.kv_heads) * d;
  float* keys = a.keys + (sequence * m.kv_heads + kv_head) * a.cache_length * d;
  float* values = a.values + (sequence * m.kv_heads + kv_head) * a.cache_length * d;

  rotate(row + (m.heads + kv_head) * d, cos, sin, d, keys + position * d);
  std::memcpy(values + position * d, row + (m.heads + m.kv_heads + kv_head) * d, d * sizeof(float));

  thread_local std::vector<float> scores;
  thread_local std::vector<float> query;
  scores.resize(keys_seen);
  query.resize(d);
  const int64_t groups = m.heads / m.kv_heads;
  for (int64_t g = 0; g < groups; g++) {
    const int64_t head = kv_head * groups + g;
    rotate(row + head * d, cos, sin, d, query.data());
    for (int64_t t = 0; t < keys_seen; t++) scores[t] = herd::dot(query.data(), keys + t * d, d);
    const float sum = exponentiate(scores.data(), keys_seen);
    float* out = a.attended + (sequence * m.heads + head) * d;
    std::fill(out, out + d, 0.0f);
    for (int64_t t = 0; t < keys_seen; t++) herd::add_scaled(values + t * d, scores[t] / sum, d, out);
  }
}

// Row `token` of the embedding, from whichever form it is stored in.
void embed(const DecodeModel& m, int64_t token, float* out) {
  if (!m.embed_packed) {
    std::memcpy(out, static_cast<const float*>(m.embed) + token * m.hidden, m.hidden * sizeof(float));
    return;
  }

  herd::packed_row(m.embed, static_cast<int>(m.lm_head_format), m.hidden, token, out);
}

// Buffers that live as long as the calling thread and grow to the largest step it has run.
struct Scratch {
  std::vector<float> residual, normed, qkv, attended, product, gate_up, gated;
};

HERD_AVX2 void norm_rows(const float* x, const float* weight, int64_t rows, int64_t n, float epsilon, float* out) {
  for (int64_t r = 0; r < rows; r++) herd::rms_norm(x + r * n, weight, n, epsilon, out + r * n);
}

HERD_AVX2 void run_layer(const DecodeModel& m, const DecodeLayer& layer, float* keys, float* values, int64_t cache_length, int64_t batch,
                         const int64_t* positions, Scratch& s) {
  const int64_t d = m.head_dim;
  const int64_t qkv_width = (m.heads + 2 * m.kv_heads) * d;
  const float epsilon = static_cast<float>(m.epsilon);

  norm_rows(s.residual.data(), layer.input_norm, batch, m.hidden, epsilon, s.normed.data());
  herd::multiply(s.normed.data(), batch, m.hidden, layer.qkv, static_cast<int>(layer.qkv_format), qkv_width, layer.qkv_bias, s.qkv.data());
  const Attention attention{&m, positions, s.qkv.data(), keys, values, cache_length, s.attended.data()};
  herd::run(herd::Job{attend, &attention, batch * m.kv_heads});
  herd::multiply(s.attended.data(), batch, m.heads * d, layer.output, static_cast<int>(layer.output_format), m.hidden, layer.output_bias, s.product.data());
  herd::add(s.product.data(), batch * m.hidden, s.residual.data());

  norm_rows(s.residual.data(), layer.post_norm, batch, m.hidden, epsilon, s.normed.data());
  herd::multiply(s.normed.data(), batch, m.hidden, layer.gate_up, static_cast<int>(layer.gate_up_format), 2 * m.intermediate, nullptr, s.gate_up.data());
  for (int64_t r = 0; r < batch; r++) {
    const float* gate = s.gate_up.data() + r * 2 * m.intermediate;
    herd::swiglu(gate, gate + m.intermediate, m.intermediate, s.gated.data() + r * m.intermediate);
  }
  herd::multiply(s.gated.data(), batch, m.intermediate, layer.down, static_cast<int>(layer.down_format), m.hidden, nullptr, s.product.data());
  herd::add(s.product.data(), batch * m.hidden, s.residual.data());
}

}  // namespace

extern "C" {

// One new token for each of `batch` sequences, sequence b in cache slot b at positions[b]: writes
// each layer's key and value at that position and the next-token logits [batch, vocab]. The
// caller checks tokens against the vocabulary and positions against the cache and rotary tables.
__attribute__((visibility("default"))) HERD_AVX2 void herd_kernels_decode(const DecodeModel* model, const DecodeCache* cache, int64_t batch,
                                                                          const int64_t* tokens, const int64_t* positions, float* logits) {
  const DecodeModel& m = *model;
  thread_local Scratch s;
  s.residual.resize(batch * m.hidden);
  s.normed.resize(batch * m.hidden);
  s.qkv.resize(batch * (m.heads + 2 * m.kv_heads) * m.head_dim);
  s.attended.resize(batch * m.heads * m.head_dim);
  s.product.resize(batch * m.hidden);
  s.gate_up.resize(batch * 2 * m.intermediate);
  s.gated.resize(batch * m.intermediate);

  for (int64_t r = 0; r < batch; r++) embed(m, tokens[r], s.residual.data() + r * m.hidden);
  for (int64_t l = 0; l < m.layer_count; l++) {
    run_layer(m, m.layers[l], cache->keys[l], cache->values[l], cache->cache_length, batch, positions, s);
  }

  norm_rows(s.residual.data(), m.final_norm, batch, m.hidden, static_cast<float>(m.epsilon), s.normed.data());
  herd::multiply(s.normed.data(), batch, m.hidden, m.lm_head, static_cast<int>(m.lm_head_format), m.vocab, nullptr, logits);
}
}
