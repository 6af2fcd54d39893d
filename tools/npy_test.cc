#include "tools/npy.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> Bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// A version-1.0 file with header dict `dict` and raw `data`, built by hand
// the way the format spec lays it out (no padding: readers must not need it).
std::vector<uint8_t> Npy1(const std::string& dict, const std::string& data) {
  std::string s = "\x93NUMPY";
  s += '\x01';
  s += '\x00';
  s += static_cast<char>(dict.size() & 0xff);
  s += static_cast<char>(dict.size() >> 8);
  return Bytes(s + dict + data);
}

std::string Floats(std::vector<float> v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}

std::string TestdataPath(const std::string& name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return std::string(srcdir ? srcdir : ".") + "/" + (workspace ? workspace : "kiln") +
         "/tools/testdata/" + name;
}

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

TEST(NpyTest, ParsesHandBuiltFloat32) {
  const auto bytes =
      Npy1("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n",
           Floats({1.0f, 2.0f, -3.5f, 0.25f}));
  absl::StatusOr<Weights> w = ParseNpy(bytes, "hand.npy");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->dtype(), DataType::kFloat32);
  EXPECT_EQ(w->dims(), (Dims{2, 2}));
  EXPECT_EQ(w->as<float>()[2], -3.5f);
  EXPECT_EQ(w->as<float>()[3], 0.25f);
}

TEST(NpyTest, ParsesKeysInAnyOrderWithDoubleQuotesAndOneElementTuple) {
  const auto bytes =
      Npy1("{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<f4\"}",
           Floats({1, 2, 3}));
  absl::StatusOr<Weights> w = ParseNpy(bytes, "hand.npy");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->dims(), (Dims{3}));
}

TEST(NpyTest, ParsesScalarAndEmpty) {
  absl::StatusOr<Weights> scalar =
      ParseNpy(Npy1("{'descr': '<f4', 'fortran_order': False, 'shape': ()}", Floats({7})), "s");
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_TRUE(scalar->dims().empty());
  EXPECT_EQ(scalar->as<float>()[0], 7.0f);
  absl::StatusOr<Weights> empty =
      ParseNpy(Npy1("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4)}", ""), "e");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->dims(), (Dims{0, 4}));
  EXPECT_EQ(empty->bytes(), 0u);
}

TEST(NpyTest, RoundTripsEveryKilnType) {
  for (DataType t : {DataType::kFloat32, DataType::kFloat16, DataType::kInt8, DataType::kInt32,
                     DataType::kInt64, DataType::kBool}) {
    SCOPED_TRACE(std::string(DataTypeName(t)));
    Weights w(t, {2, 3, 5});
    auto* p = w.mutable_as<uint8_t>();
    for (size_t i = 0; i < w.bytes(); ++i) p[i] = t == DataType::kBool ? i % 2 : (i * 37 + 11);
    const std::vector<uint8_t> bytes = SerializeNpy(w);
    // numpy aligns the data to 64 bytes; so do we.
    EXPECT_EQ((bytes.size() - w.bytes()) % 64, 0u);
    absl::StatusOr<Weights> back = ParseNpy(bytes, "roundtrip");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->dtype(), t);
    EXPECT_EQ(back->dims(), w.dims());
    EXPECT_EQ(std::memcmp(back->data(), w.data(), w.bytes()), 0);
  }
}

TEST(NpyTest, RoundTripsThroughAFile) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/x.npy";
  Weights w = Weights::FromFloats({4}, {1, 2, 3, 4});
  ASSERT_TRUE(WriteNpyFile(path, w).ok());
  absl::StatusOr<Weights> back = ReadNpyFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->as<float>()[3], 4.0f);
}

// Files written by numpy itself (tools/testdata/make_npy.py).
TEST(NpyTest, ReadsNumpyWrittenFiles) {
  absl::StatusOr<Weights> f4 = ReadNpyFile(TestdataPath("f4_2x3.npy"));
  ASSERT_TRUE(f4.ok()) << f4.status();
  EXPECT_EQ(f4->dims(), (Dims{2, 3}));
  EXPECT_EQ(f4->as<float>()[5], 1.25f);  // arange(6) / 4

  absl::StatusOr<Weights> f2 = ReadNpyFile(TestdataPath("f2_4.npy"));
  ASSERT_TRUE(f2.ok()) << f2.status();
  EXPECT_EQ(f2->dtype(), DataType::kFloat16);
  EXPECT_EQ(HalfToFloat(f2->as<uint16_t>()[1]), -2.5f);
  EXPECT_EQ(HalfToFloat(f2->as<uint16_t>()[3]), 65504.0f);

  absl::StatusOr<Weights> i1 = ReadNpyFile(TestdataPath("i1_3.npy"));
  ASSERT_TRUE(i1.ok()) << i1.status();
  EXPECT_EQ(i1->as<int8_t>()[0], -128);

  absl::StatusOr<Weights> i4 = ReadNpyFile(TestdataPath("i4_2x2.npy"));
  ASSERT_TRUE(i4.ok()) << i4.status();
  EXPECT_EQ(i4->as<int32_t>()[3], 2147483647);

  absl::StatusOr<Weights> i8 = ReadNpyFile(TestdataPath("i8_2.npy"));
  ASSERT_TRUE(i8.ok()) << i8.status();
  EXPECT_EQ(i8->as<int64_t>()[0], -(int64_t{1} << 40));

  absl::StatusOr<Weights> b1 = ReadNpyFile(TestdataPath("b1_3.npy"));
  ASSERT_TRUE(b1.ok()) << b1.status();
  EXPECT_EQ(b1->dtype(), DataType::kBool);
  EXPECT_EQ(b1->as<uint8_t>()[1], 0);
  EXPECT_EQ(b1->as<uint8_t>()[2], 1);

  absl::StatusOr<Weights> scalar = ReadNpyFile(TestdataPath("f4_scalar.npy"));
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_TRUE(scalar->dims().empty());
  EXPECT_EQ(scalar->as<float>()[0], 3.5f);

  absl::StatusOr<Weights> v2 = ReadNpyFile(TestdataPath("f4_v2.npy"));
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(v2->as<float>()[1], 2.0f);
}

// What we write for the native types is byte-identical to what numpy writes.
TEST(NpyTest, WritesTheSameBytesAsNumpy) {
  for (const char* name : {"f4_2x3.npy", "f2_4.npy", "i1_3.npy", "i4_2x2.npy", "i8_2.npy",
                           "b1_3.npy", "f4_scalar.npy"}) {
    SCOPED_TRACE(name);
    const std::vector<uint8_t> file = ReadAll(TestdataPath(name));
    ASSERT_FALSE(file.empty());
    absl::StatusOr<Weights> w = ParseNpy(file, name);
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ(SerializeNpy(*w), file);
  }
}

TEST(NpyTest, ConvertsUint8ToInt32AndFloat64ToFloat32) {
  absl::StatusOr<Weights> u1 = ReadNpyFile(TestdataPath("u1_4.npy"));
  ASSERT_TRUE(u1.ok()) << u1.status();
  EXPECT_EQ(u1->dtype(), DataType::kInt32);
  EXPECT_EQ(u1->as<int32_t>()[2], 128);
  EXPECT_EQ(u1->as<int32_t>()[3], 255);

  absl::StatusOr<Weights> f8 = ReadNpyFile(TestdataPath("f8_3.npy"));
  ASSERT_TRUE(f8.ok()) << f8.status();
  EXPECT_EQ(f8->dtype(), DataType::kFloat32);
  EXPECT_EQ(f8->as<float>()[0], 0.1f);                     // rounded to nearest
  EXPECT_EQ(f8->as<float>()[1], -std::numeric_limits<float>::infinity());  // out of range
  EXPECT_EQ(f8->as<float>()[2], 2.0f);
}

// Every error names the file and the problem.
void ExpectError(const std::vector<uint8_t>& bytes, const std::string& problem) {
  absl::StatusOr<Weights> w = ParseNpy(bytes, "bad.npy");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("bad.npy: "));
  EXPECT_THAT(std::string(w.status().message()), HasSubstr(problem));
}

const char kGoodDict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";

TEST(NpyTest, RejectsBadMagic) {
  ExpectError(Bytes("PK\x03\x04 this is a zip"), "not a NumPy .npy file");
  ExpectError(Bytes(""), "not a NumPy .npy file");
  ExpectError(Bytes("\x93NUMP"), "not a NumPy .npy file");
}

TEST(NpyTest, RejectsUnknownVersion) {
  std::vector<uint8_t> bytes = Npy1(kGoodDict, Floats({1, 2}));
  bytes[6] = 4;
  ExpectError(bytes, "format version 4.0 is not supported");
}

TEST(NpyTest, RejectsTruncation) {
  const std::vector<uint8_t> good = Npy1(kGoodDict, Floats({1, 2}));
  ExpectError({good.begin(), good.begin() + 9}, "truncated in the header length");
  ExpectError({good.begin(), good.begin() + 30}, "truncated header");
  ExpectError({good.begin(), good.end() - 1}, "truncated data");
  ExpectError({good.begin(), good.end() - 1}, "needs 8 bytes, the file has 7");
}

TEST(NpyTest, RejectsShapeDataMismatch) {
  ExpectError(Npy1(kGoodDict, Floats({1, 2, 3})), "data size does not match the shape");
}

TEST(NpyTest, RejectsBadHeaderDicts) {
  ExpectError(Npy1("[1, 2]", ""), "does not start with '{'");
  ExpectError(Npy1("{'descr': '<f4', 'shape': (2,)}", Floats({1, 2})), "lacks one of the keys");
  ExpectError(Npy1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
                   Floats({1, 2})),
              "unexpected key 'x'");
  ExpectError(Npy1("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}", Floats({1, 2})),
              "'fortran_order' is not True or False");
  ExpectError(Npy1("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", ""),
              "'shape' is not a tuple");
  ExpectError(Npy1("{'descr': 4, 'fortran_order': False, 'shape': (2,)}", ""),
              "'descr' is not a string");
  ExpectError(Npy1("{'descr': '<f4' 'fortran_order': False}", ""), "expected ',' or '}'");
  ExpectError(Npy1("{'descr' '<f4'}", ""), "expected ':'");
  ExpectError(Npy1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", ""),
              "text after the closing");
  ExpectError(Npy1("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
                   ""),
              "'shape' is not a tuple");
  ExpectError(Npy1("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}",
                   ""),
              "is too large");
}

TEST(NpyTest, RejectsFortranOrder) {
  ExpectError(Npy1("{'descr': '<f4', 'fortran_order': True, 'shape': (2,)}", Floats({1, 2})),
              "fortran_order is True");
  ExpectError(ReadAll(TestdataPath("f4_fortran.npy")), "fortran_order is True");
}

TEST(NpyTest, RejectsUnsupportedDtypes) {
  ExpectError(Npy1("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", Floats({1, 2})),
              "unsupported dtype '<c8'");
  ExpectError(ReadAll(TestdataPath("c8_2.npy")), "unsupported dtype '<c8'");
  ExpectError(ReadAll(TestdataPath("f4_bigendian.npy")), "dtype '>f4' is big-endian");
  ExpectError(Npy1("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", ""),
              "'descr' is not a string");
}

TEST(NpyTest, MissingFileIsNotFound) {
  absl::StatusOr<Weights> w = ReadNpyFile("/nonexistent/dir/x.npy");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("/nonexistent/dir/x.npy: cannot open"));
}

}  // namespace
}  // namespace kiln
