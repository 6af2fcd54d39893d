#include "optimizer/timing_cache.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace kiln {
namespace {

constexpr char kMagic[8] = {'K', 'I', 'L', 'N', 'T', 'C', 0, 0};
constexpr size_t kHeaderSize = 32;
// A key is a few hundred bytes; anything this long is corruption, not a key.
constexpr uint32_t kMaxKeySize = 1u << 20;

uint64_t Fnv1a(absl::Span<const uint8_t> bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  return h;
}

void Put(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t Get(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void AppendDescs(std::string& key, absl::string_view what, const std::vector<TensorDesc>& descs,
                 const std::vector<const Weights*>* constants) {
  absl::StrAppend(&key, "|", what, ":");
  for (size_t i = 0; i < descs.size(); ++i) {
    const TensorDesc& d = descs[i];
    if (i > 0) key += ';';
    if (d.name.empty() && d.dims.empty()) {
      key += "none";  // an omitted optional input
      continue;
    }
    absl::StrAppend(&key, DataTypeName(d.dtype), "[", DimsString(d.dims), "]",
                    TensorFormatName(d.format));
    if (constants != nullptr && i < constants->size() && (*constants)[i] != nullptr) key += "=c";
  }
}

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed timing cache: ", why,
                                                 ". Delete the file to rebuild the cache"));
}

}  // namespace

std::string TimingCache::MakeKey(absl::string_view tactic, const NodeContext& node,
                                 absl::string_view device) {
  std::string key = absl::StrCat(tactic, "|", node.op, "|", node.attrs.ToString());
  AppendDescs(key, "in", node.inputs, &node.constants);
  AppendDescs(key, "out", node.outputs, nullptr);
  // With profiles the tactic ran at the opt shapes.
  if (!node.input_opt.empty()) AppendDescs(key, "opt", node.timing_inputs(), nullptr);
  absl::StrAppend(&key, "|", device);
  // TF32 changes what an fp32 tactic runs (cuBLASLt compute type, cuDNN
  // math mode), so its times are kept apart from strict fp32 ones.
  if (node.target.allow_tf32) absl::StrAppend(&key, "|tf32");
  return key;
}

std::optional<double> TimingCache::Lookup(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  return it->second;
}

void TimingCache::Insert(const std::string& key, double median_ms) {
  absl::MutexLock lock(&mu_);
  entries_[key] = median_ms;
}

size_t TimingCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

int64_t TimingCache::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

int64_t TimingCache::misses() const {
  absl::MutexLock lock(&mu_);
  return misses_;
}

std::vector<uint8_t> TimingCache::Serialize() const {
  std::vector<uint8_t> payload;
  uint32_t count = 0;
  {
    absl::MutexLock lock(&mu_);
    count = static_cast<uint32_t>(entries_.size());
    for (const auto& [key, ms] : entries_) {
      Put(payload, key.size(), 4);
      payload.insert(payload.end(), key.begin(), key.end());
      uint64_t bits;
      std::memcpy(&bits, &ms, 8);
      Put(payload, bits, 8);
    }
  }
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  Put(out, kTimingCacheVersion, 4);
  Put(out, count, 4);
  Put(out, payload.size(), 8);
  Put(out, Fnv1a(payload), 8);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

absl::StatusOr<std::unique_ptr<TimingCache>> TimingCache::Deserialize(
    absl::Span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) {
    return Malformed(absl::StrCat("it has ", bytes.size(), " bytes, less than the ", kHeaderSize,
                                  "-byte header"));
  }
  if (std::memcmp(bytes.data(), kMagic, 8) != 0) {
    return Malformed("it does not start with KILNTC (not a kiln timing cache)");
  }
  const uint32_t version = static_cast<uint32_t>(Get(bytes.data() + 8, 4));
  if (version != kTimingCacheVersion) {
    return Malformed(absl::StrCat("format version ", version, ", this build reads version ",
                                  kTimingCacheVersion));
  }
  const uint32_t count = static_cast<uint32_t>(Get(bytes.data() + 12, 4));
  const uint64_t payload_size = Get(bytes.data() + 16, 8);
  const uint64_t checksum = Get(bytes.data() + 24, 8);
  const absl::Span<const uint8_t> payload = bytes.subspan(kHeaderSize);
  if (payload.size() != payload_size) {
    return Malformed(absl::StrCat(payload.size() < payload_size ? "truncated: " : "",
                                  "the header declares ", payload_size,
                                  " payload bytes, the data has ", payload.size()));
  }
  if (Fnv1a(payload) != checksum) return Malformed("checksum mismatch (the data is corrupted)");

  auto cache = std::make_unique<TimingCache>();
  absl::MutexLock lock(&cache->mu_);
  size_t pos = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (payload.size() - pos < 4) return Malformed(absl::StrCat("entry ", i, " is cut short"));
    const uint32_t key_size = static_cast<uint32_t>(Get(payload.data() + pos, 4));
    pos += 4;
    if (key_size == 0 || key_size > kMaxKeySize || payload.size() - pos < key_size + 8ull) {
      return Malformed(absl::StrCat("entry ", i, " has a bad key length ", key_size));
    }
    std::string key(reinterpret_cast<const char*>(payload.data() + pos), key_size);
    pos += key_size;
    const uint64_t bits = Get(payload.data() + pos, 8);
    pos += 8;
    double ms;
    std::memcpy(&ms, &bits, 8);
    if (!std::isfinite(ms) || ms < 0) {
      return Malformed(absl::StrCat("entry ", i, " has time ", ms, " ms"));
    }
    cache->entries_[std::move(key)] = ms;
  }
  if (pos != payload.size()) {
    return Malformed(absl::StrCat(payload.size() - pos, " bytes follow the last of ", count,
                                  " entries"));
  }
  return cache;
}

}  // namespace kiln
