// Supplies what GCC 13's libstdc++ (GLIBCXX_3.4.32) added and TorchSharp's native shim expects.
//
// Since GCC 13, <iostream> no longer gives every translation unit its own static
// std::ios_base::Init; it references std::ios_base_library_init() in libstdc++ instead, and the
// standard streams are set up there. An older libstdc++ has neither the symbol nor that set-up,
// so this library defines the symbol and constructs the Init object when it is loaded, which the
// dynamic loader does before the shim's own initialisers run.

#include <ios>

namespace std {
void ios_base_library_init() {
    static ios_base::Init init;
}
}  // namespace std

namespace {
struct StreamsReady {
    StreamsReady() { std::ios_base_library_init(); }
} streams_ready;
}  // namespace
