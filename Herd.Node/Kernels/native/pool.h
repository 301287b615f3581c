// The threads that share the kernels' work, and the jobs they run.
#pragma once

#include <cstdint>

namespace herd {

// Work split into items that any thread may take, in any order; items must not write the same memory.
struct Job {
  void (*run)(const void* context, int64_t item);
  const void* context;
  int64_t items;
};

// Runs a job on the calling thread and the pool's helpers, which take its items from a common
// counter; returns when every item has run.
void run(const Job& job);

// Threads a job may use, the caller's included.
void set_threads(int threads);

}  // namespace herd
