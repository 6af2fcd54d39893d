#include "graph/shape_profile.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

TEST(ShapeProfileTest, ParsesWhatToStringWrites) {
  absl::StatusOr<ShapeProfile> p =
      ParseShapeProfile("input_ids:1x16,8x128,128x384;mask:1x16,8x128,128x384");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->inputs.size(), 2u);
  EXPECT_EQ(p->inputs[0].name, "input_ids");
  EXPECT_EQ(p->inputs[0].min, (Dims{1, 16}));
  EXPECT_EQ(p->inputs[0].opt, (Dims{8, 128}));
  EXPECT_EQ(p->inputs[0].max, (Dims{128, 384}));
  ASSERT_NE(p->Find("mask"), nullptr);
  EXPECT_EQ(p->Find("nope"), nullptr);
  EXPECT_EQ(p->ToString(), "input_ids:1x16,8x128,128x384;mask:1x16,8x128,128x384");
  // A name may hold ':' (ONNX names do); the last one separates the shapes.
  absl::StatusOr<ShapeProfile> colon = ParseShapeProfile("a:b:1,2,3");
  ASSERT_TRUE(colon.ok()) << colon.status();
  EXPECT_EQ(colon->inputs[0].name, "a:b");
}

TEST(ShapeProfileTest, RefusesMalformedText) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty profile"},
      {"x:1x2,3x4", "is not NAME:MIN,OPT,MAX"},
      {":1,2,3", "is not NAME:MIN,OPT,MAX"},
      {"x:1x0,1x1,1x2", "'0' is not a positive dimension"},
      {"x:1xq,1x1,1x2", "'q' is not a positive dimension"},
      {"x:1,2,3;x:1,2,3", "names input 'x' twice"},
  };
  for (const auto& [text, error] : cases) {
    absl::StatusOr<ShapeProfile> p = ParseShapeProfile(text);
    EXPECT_FALSE(p.ok()) << text;
    EXPECT_THAT(p.status().message(), HasSubstr(error)) << text;
  }
}

TEST(ShapeProfileTest, InputShapesAreCheckedDimByDim) {
  const InputShapeRange range{"ids", {1, 16}, {8, 128}, {32, 384}};
  EXPECT_TRUE(CheckInputShape(range, {1, 16}, 0).ok());
  EXPECT_TRUE(CheckInputShape(range, {32, 384}, 0).ok());
  EXPECT_TRUE(CheckInputShape(range, {7, 100}, 0).ok());
  absl::Status low = CheckInputShape(range, {4, 8}, 2);
  EXPECT_EQ(low.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(low.message(), HasSubstr("input 'ids', dim 1 is 8, outside 16..384 (profile 2: "
                                       "ids:1x16,8x128,32x384)"));
  EXPECT_THAT(CheckInputShape(range, {33, 16}, 0).message(),
              HasSubstr("dim 0 is 33, outside 1..32"));
  EXPECT_THAT(CheckInputShape(range, {4}, 0).message(), HasSubstr("has rank 1"));
}

}  // namespace
}  // namespace kiln
