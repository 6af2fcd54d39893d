#include "tools/npy.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kiln {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// Little-endian loads; the header fields are little-endian on every host.
uint32_t LoadLe(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// What a dtype string means: the kiln type it becomes, and how the file's
// elements are converted.
enum class Conversion { kNone, kUint8ToInt32, kFloat64ToFloat32 };
struct DtypeInfo {
  DataType dtype;
  size_t file_item_size;
  Conversion conversion;
};

absl::StatusOr<DtypeInfo> ParseDescr(absl::string_view descr) {
  // numpy writes '|' for one-byte types and '<' for little-endian ones; '='
  // (native) only appears in hand-written headers and means little-endian
  // on every machine kiln runs on.
  if (descr.size() >= 2 && descr[0] == '>' && descr.substr(1) != "i1" &&
      descr.substr(1) != "u1" && descr.substr(1) != "b1") {
    return absl::InvalidArgumentError(absl::StrCat(
        "dtype '", descr, "' is big-endian; save it little-endian (array.astype('<", descr.substr(1),
        "'))"));
  }
  const absl::string_view type =
      (descr.size() >= 2 && (descr[0] == '<' || descr[0] == '|' || descr[0] == '=' ||
                             descr[0] == '>'))
          ? descr.substr(1)
          : descr;
  if (type == "f4") return DtypeInfo{DataType::kFloat32, 4, Conversion::kNone};
  if (type == "f2") return DtypeInfo{DataType::kFloat16, 2, Conversion::kNone};
  if (type == "i1") return DtypeInfo{DataType::kInt8, 1, Conversion::kNone};
  if (type == "i4") return DtypeInfo{DataType::kInt32, 4, Conversion::kNone};
  if (type == "i8") return DtypeInfo{DataType::kInt64, 8, Conversion::kNone};
  if (type == "b1") return DtypeInfo{DataType::kBool, 1, Conversion::kNone};
  if (type == "u1") return DtypeInfo{DataType::kInt32, 1, Conversion::kUint8ToInt32};
  if (type == "f8") return DtypeInfo{DataType::kFloat32, 8, Conversion::kFloat64ToFloat32};
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported dtype '", descr,
      "'; kiln reads <f4, <f2, |i1, <i4, <i8, |b1 (and |u1 as int32, <f8 as fp32)"));
}

// The header is a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// This reads exactly that grammar: string keys; string, bool and int-tuple values.
class HeaderParser {
 public:
  explicit HeaderParser(absl::string_view text) : text_(text) {}

  struct Header {
    std::string descr;
    bool fortran_order = false;
    Dims shape;
  };

  absl::StatusOr<Header> Parse() {
    Header header;
    bool has_descr = false, has_order = false, has_shape = false;
    if (!Consume('{')) return Error("does not start with '{'");
    while (true) {
      SkipSpace();
      if (Consume('}')) break;
      std::optional<std::string> key = String();
      if (!key) return Error("expected a quoted key");
      if (!Consume(':')) return Error(absl::StrCat("expected ':' after '", *key, "'"));
      if (*key == "descr") {
        std::optional<std::string> v = String();
        if (!v) return Error("'descr' is not a string");
        header.descr = *v;
        has_descr = true;
      } else if (*key == "fortran_order") {
        std::optional<bool> v = Bool();
        if (!v) return Error("'fortran_order' is not True or False");
        header.fortran_order = *v;
        has_order = true;
      } else if (*key == "shape") {
        std::optional<Dims> v = Tuple();
        if (!v) return Error("'shape' is not a tuple of non-negative integers");
        header.shape = *v;
        has_shape = true;
      } else {
        return Error(absl::StrCat("unexpected key '", *key, "'"));
      }
      SkipSpace();
      if (Consume('}')) break;
      if (!Consume(',')) return Error("expected ',' or '}' between entries");
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("has text after the closing '}'");
    if (!has_descr || !has_order || !has_shape) {
      return Error("lacks one of the keys 'descr', 'fortran_order', 'shape'");
    }
    return header;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("bad header dict (", what, ") in \"",
                                                   text_.substr(0, 120), "\""));
  }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::optional<std::string> String() {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) return std::nullopt;
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == absl::string_view::npos) return std::nullopt;
    std::string s(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  std::optional<bool> Bool() {
    SkipSpace();
    for (auto [word, value] : {std::pair<absl::string_view, bool>{"True", true}, {"False", false}}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    return std::nullopt;
  }
  std::optional<Dims> Tuple() {
    if (!Consume('(')) return std::nullopt;
    Dims dims;
    while (true) {
      SkipSpace();
      if (Consume(')')) return dims;
      if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        return std::nullopt;
      }
      int64_t v = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
        v = v * 10 + (text_[pos_++] - '0');
      }
      // numpy may write 2L on Python 2.
      if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;
      dims.push_back(v);
      SkipSpace();
      if (Consume(')')) return dims;
      if (!Consume(',')) return std::nullopt;
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

absl::Status FileError(absl::string_view source, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", problem));
}

}  // namespace

absl::string_view NpyDescr(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32: return "<f4";
    case DataType::kFloat16: return "<f2";
    case DataType::kInt8: return "|i1";
    case DataType::kInt32: return "<i4";
    case DataType::kInt64: return "<i8";
    case DataType::kBool: return "|b1";
  }
  return "?";
}

absl::StatusOr<Weights> ParseNpy(absl::Span<const uint8_t> bytes, absl::string_view source) {
  if (bytes.size() < kMagicSize + 2 || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    return FileError(source, "not a NumPy .npy file (no \\x93NUMPY magic at the start)");
  }
  const int major = bytes[6], minor = bytes[7];
  if (major < 1 || major > 3 || minor != 0) {
    return FileError(source, absl::StrCat(".npy format version ", major, ".", minor,
                                          " is not supported; kiln reads 1.0, 2.0 and 3.0"));
  }
  const size_t len_size = major == 1 ? 2 : 4;
  const size_t prefix = kMagicSize + 2 + len_size;
  if (bytes.size() < prefix) return FileError(source, "truncated in the header length");
  const size_t header_len = LoadLe(bytes.data() + kMagicSize + 2, static_cast<int>(len_size));
  if (bytes.size() - prefix < header_len) {
    return FileError(source, absl::StrCat("truncated header: it declares ", header_len,
                                          " bytes, the file has ", bytes.size() - prefix));
  }
  const absl::string_view text(reinterpret_cast<const char*>(bytes.data() + prefix), header_len);
  absl::StatusOr<HeaderParser::Header> header = HeaderParser(text).Parse();
  if (!header.ok()) return FileError(source, header.status().message());
  if (header->fortran_order) {
    return FileError(source,
                     "fortran_order is True; kiln reads C-order arrays only (save "
                     "numpy.ascontiguousarray(a))");
  }
  absl::StatusOr<DtypeInfo> info = ParseDescr(header->descr);
  if (!info.ok()) return FileError(source, info.status().message());

  // The element count, guarding against shapes whose product overflows.
  uint64_t count = 1;
  for (int64_t d : header->shape) {
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() / 16 / static_cast<uint64_t>(d)) {
      return FileError(source, absl::StrCat("shape (", absl::StrJoin(header->shape, ", "),
                                            ") is too large"));
    }
    count *= static_cast<uint64_t>(d);
  }
  const uint64_t data_size = bytes.size() - prefix - header_len;
  const uint64_t expected = count * info->file_item_size;
  if (data_size != expected) {
    return FileError(source, absl::StrCat(
        data_size < expected ? "truncated data" : "data size does not match the shape", ": shape (",
        absl::StrJoin(header->shape, ", "), ") of ", header->descr, " needs ", expected,
        " bytes, the file has ", data_size));
  }

  const uint8_t* data = bytes.data() + prefix + header_len;
  Weights weights(info->dtype, header->shape);
  switch (info->conversion) {
    case Conversion::kNone:
      if (expected > 0) std::memcpy(weights.mutable_data(), data, expected);
      if (info->dtype == DataType::kBool) {
        // numpy writes 0/1; anything else is normalized so kernels see 0/1.
        uint8_t* p = weights.mutable_as<uint8_t>();
        for (uint64_t i = 0; i < count; ++i) p[i] = p[i] != 0;
      }
      break;
    case Conversion::kUint8ToInt32: {
      int32_t* out = weights.mutable_as<int32_t>();
      for (uint64_t i = 0; i < count; ++i) out[i] = data[i];
      break;
    }
    case Conversion::kFloat64ToFloat32: {
      float* out = weights.mutable_as<float>();
      for (uint64_t i = 0; i < count; ++i) {
        double v;
        std::memcpy(&v, data + 8 * i, 8);
        out[i] = static_cast<float>(v);
      }
      break;
    }
  }
  return weights;
}

std::vector<uint8_t> SerializeNpy(const Weights& weights) {
  std::string dict = absl::StrCat("{'descr': '", NpyDescr(weights.dtype()),
                                  "', 'fortran_order': False, 'shape': (");
  for (size_t i = 0; i < weights.dims().size(); ++i) {
    absl::StrAppend(&dict, i == 0 ? "" : ", ", weights.dims()[i]);
  }
  absl::StrAppend(&dict, weights.dims().size() == 1 ? ",), }" : "), }");
  // Pad with spaces and end with '\n' so the data starts 64-byte aligned, as
  // numpy does.
  const bool v2 = dict.size() + 1 + kMagicSize + 4 > 65535;
  const size_t prefix = kMagicSize + 2 + (v2 ? 4 : 2);
  const size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict.push_back('\n');

  std::vector<uint8_t> out(kMagic, kMagic + kMagicSize);
  out.push_back(v2 ? 2 : 1);
  out.push_back(0);
  const uint32_t len = static_cast<uint32_t>(dict.size());
  for (size_t i = 0; i < (v2 ? 4u : 2u); ++i) out.push_back((len >> (8 * i)) & 0xff);
  out.insert(out.end(), dict.begin(), dict.end());
  const auto* data = static_cast<const uint8_t*>(weights.data());
  if (weights.bytes() > 0) out.insert(out.end(), data, data + weights.bytes());
  return out;
}

absl::StatusOr<Weights> ReadNpyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ParseNpy(bytes, path);
}

absl::Status WriteNpyFile(const std::string& path, const Weights& weights) {
  const std::vector<uint8_t> bytes = SerializeNpy(weights);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
  }
  out.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace kiln
