#ifndef KILN_OPTIMIZER_TIMING_CACHE_H_
#define KILN_OPTIMIZER_TIMING_CACHE_H_

// Measured tactic times, kept across builds (DESIGN.md, "Build": results go to
// a timing cache keyed by (tactic, op signature, device) that can be saved
// and reloaded). A build with a warm cache skips timing every candidate it
// has seen before on the same device.
//
// Serialized form (little-endian):
//   0  "KILNTC\0\0"            magic
//   8  uint32 format version   kTimingCacheVersion
//   12 uint32 entry count
//   16 uint64 payload size     bytes after this 32-byte header
//   24 uint64 payload checksum FNV-1a 64 of the payload
//   32 payload: per entry, uint32 key length, key bytes, float64 median ms
// Entries are sorted by key, so equal caches serialize to equal bytes.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "backends/tactic.h"

namespace kiln {

inline constexpr uint32_t kTimingCacheVersion = 1;

// Thread-safe: builders on several threads may share one cache.
class TimingCache {
 public:
  TimingCache() = default;
  TimingCache(const TimingCache&) = delete;
  TimingCache& operator=(const TimingCache&) = delete;

  // The key of one tactic on one node on one device: the tactic name, op,
  // attributes and each input/output's dtype, dims and format (plus whether
  // an input is constant, which changes what some tactics do). Tensor names
  // and weight values are left out: they do not change the time.
  static std::string MakeKey(absl::string_view tactic, const NodeContext& node,
                             absl::string_view device);

  // The median ms recorded for `key`; counts a hit or a miss.
  std::optional<double> Lookup(const std::string& key) const;
  // Records (or replaces) the time for `key`.
  void Insert(const std::string& key, double median_ms);

  size_t size() const;
  int64_t hits() const;
  int64_t misses() const;

  std::vector<uint8_t> Serialize() const;
  // Parses what Serialize wrote; malformed, truncated or corrupted bytes and
  // other versions are an InvalidArgument status saying which.
  static absl::StatusOr<std::unique_ptr<TimingCache>> Deserialize(absl::Span<const uint8_t> bytes);

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, double> entries_ ABSL_GUARDED_BY(mu_);
  mutable int64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  mutable int64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_TIMING_CACHE_H_
