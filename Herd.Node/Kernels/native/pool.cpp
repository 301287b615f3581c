#include "pool.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace herd {
namespace {

// A helper that found no work spins this long before sleeping: long enough to catch the next
// product of the same forward pass, short enough not to hold a core between passes.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(100);

class Pool {
 public:
  void set_threads(int threads) {
    std::lock_guard<std::mutex> busy(busy_);
    const int helpers = std::max(0, threads - 1);
    while (static_cast<int>(helpers_.size()) < helpers) helpers_.emplace_back([this, index = helpers_.size()] { run_helper(index); });
    active_helpers_ = helpers;
  }

  void run(const Job& job) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    // Another caller holds the helpers (two models in one process): compute alone rather than wait.
    if (!busy.owns_lock() || active_helpers_ == 0 || job.items < 2) {
      for (int64_t item = 0; item < job.items; item++) job.run(job.context, item);
      return;
    }

    job_ = job;
    next_item_.store(0, std::memory_order_relaxed);
    finished_.store(0, std::memory_order_relaxed);
    participants_ = active_helpers_;
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    work();
    while (finished_.load(std::memory_order_acquire) != participants_) _mm_pause();
  }

 private:
  void work() {
    for (int64_t item; (item = next_item_.fetch_add(1, std::memory_order_relaxed)) < job_.items;) job_.run(job_.context, item);
  }

  [[noreturn]] void run_helper(size_t index) {
    uint64_t seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      uint64_t current;
      auto spin_until = std::chrono::steady_clock::now() + kSpinBeforeSleep;
      int polls = 0;
      while ((current = generation_.load(std::memory_order_acquire)) == seen) {
        if (++polls % 64 == 0 && std::chrono::steady_clock::now() > spin_until) {
          generation_.wait(seen, std::memory_order_acquire);
          spin_until = std::chrono::steady_clock::now() + kSpinBeforeSleep;
        }
        _mm_pause();
      }
      seen = current;
      if (static_cast<int>(index) >= participants_) continue;
      work();
      finished_.fetch_add(1, std::memory_order_release);
    }
  }

  std::mutex busy_;
  std::vector<std::thread> helpers_;
  int active_helpers_ = 0;
  int participants_ = 0;
  Job job_{};
  std::atomic<int64_t> next_item_{0};
  std::atomic<int> finished_{0};
  std::atomic<uint64_t> generation_{0};
};

Pool& pool() {
  // Never destroyed: helper threads run for the life of the process.
  static Pool* instance = new Pool();
  return *instance;
}

}  // namespace

void run(const Job& job) { pool().run(job); }

void set_threads(int threads) { pool().set_threads(threads); }

}  // namespace herd
