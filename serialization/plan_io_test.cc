#include "serialization/plan_io.h"

#include <cmath>
#include <cstring>
#include <functional>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "serialization/node_context.h"

namespace kiln {
namespace {

// A constant-free two-layer network built with `config`.
Plan BuildSmall(const BuildConfig& config) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 5});
  TensorId a = *AddActivation(net, "leaky", x, {ActivationType::kLeakyRelu, 0.1f, 0.0f});
  TensorId b = *AddActivation(net, "clip", a, {ActivationType::kClip, -0.5f, 0.5f});
  EXPECT_TRUE(net.MarkOutput(b).ok());
  auto plan = Builder::Build(net, config);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// At max batch 2.
Plan SmallPlan() {
  BuildConfig config;
  config.max_batch = 2;
  return BuildSmall(config);
}

// For two shape profiles (dynamic batch and width).
Plan SmallProfilePlan() {
  BuildConfig config;
  config.profiles = {ShapeProfile{{InputShapeRange{"x", {1, 2}, {2, 3}, {4, 5}}}},
                     ShapeProfile{{InputShapeRange{"x", {1, 6}, {1, 7}, {1, 9}}}}};
  return BuildSmall(config);
}

std::vector<uint8_t> Bytes(const Plan& plan) {
  auto bytes = PlanWriter::Write(plan);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return *bytes;
}

void ExpectError(absl::Span<const uint8_t> bytes, absl::StatusCode code, absl::string_view text) {
  auto plan = PlanReader::Read(bytes);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), code) << plan.status();
  EXPECT_NE(plan.status().message().find(text), std::string::npos) << plan.status();
}

TEST(PlanIoTest, RoundTripKeepsEverything) {
  const Plan plan = SmallPlan();
  auto read = PlanReader::Read(Bytes(plan));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->backend, "cpu_ref");
  EXPECT_EQ(read->max_batch, 2);
  EXPECT_EQ(read->kiln_version, kKilnVersion);
  ASSERT_EQ(read->nodes.size(), plan.nodes.size());
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    EXPECT_EQ(read->nodes[i].name, plan.nodes[i].name);
    EXPECT_EQ(read->nodes[i].tactic, plan.nodes[i].tactic);
    EXPECT_EQ(read->nodes[i].attrs, plan.nodes[i].attrs);
    EXPECT_EQ(read->nodes[i].inputs, plan.nodes[i].inputs);
  }
  ASSERT_EQ(read->tensors.size(), plan.tensors.size());
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    EXPECT_EQ(read->tensors[i].desc, plan.tensors[i].desc);
    EXPECT_EQ(read->tensors[i].arena_offset, plan.tensors[i].arena_offset);
  }
  EXPECT_EQ(read->arena_size, plan.arena_size);
  EXPECT_EQ(Bytes(*read), Bytes(plan)) << "writing is deterministic";
  EXPECT_FALSE(read->target.allow_tf32);
  EXPECT_FALSE(read->target.allow_fp16);
}

// Tactics see BuildConfig's allowances and workspace budget at load as at
// build (TF32 and the budget change cuBLASLt's algorithm list, hence
// Supports and WorkspaceSize).
TEST(PlanIoTest, RoundTripKeepsProfilesAndShapeRanges) {
  const Plan plan = SmallProfilePlan();
  ASSERT_EQ(plan.profiles.size(), 2u);
  auto read = PlanReader::Read(Bytes(plan));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->max_batch, 4);
  ASSERT_EQ(read->profiles.size(), 2u);
  for (size_t p = 0; p < 2; ++p) {
    EXPECT_EQ(read->profiles[p].ToString(), plan.profiles[p].ToString());
  }
  EXPECT_EQ(read->profiles[1].ToString(), "x:1x6,1x7,1x9");
  for (size_t t = 0; t < plan.tensors.size(); ++t) {
    const PlanTensor& a = plan.tensors[t];
    const PlanTensor& b = read->tensors[t];
    EXPECT_EQ(b.min_dims, a.min_dims);
    EXPECT_EQ(b.opt_dims, a.opt_dims);
    EXPECT_EQ(b.max_dims, a.max_dims);
    EXPECT_EQ(b.capacity, a.capacity);
  }
  const PlanTensor& out = read->tensors[read->outputs[0]];
  EXPECT_EQ(out.desc.dims, (Dims{4, 5}));
  EXPECT_EQ(out.min_dims, (Dims{1, 2}));
  EXPECT_EQ(out.max_dims, (Dims{4, 9}));
  EXPECT_EQ(out.capacity, 20u * sizeof(float)) << "4x5 is larger than 1x9";
  EXPECT_TRUE(Runtime::Deserialize(Bytes(plan)).ok());
}

TEST(PlanIoTest, RejectsProfilePlansWhoseRangesDisagreeWithTheirShapes) {
  struct Tamper {
    const char* what;
    std::function<void(Plan&)> apply;
  };
  const std::vector<Tamper> tampers = {
      {"a profile's max grows", [](Plan& p) { p.profiles[0].inputs[0].max = {8, 5}; }},
      {"a tensor's capacity shrinks",
       [](Plan& p) { p.tensors[p.nodes[0].outputs[0]].capacity -= 4; }},
      {"a tensor's range narrows",
       [](Plan& p) { p.tensors[p.nodes[0].outputs[0]].min_dims = {2, 2}; }},
      {"a profile loses its input", [](Plan& p) { p.profiles[1].inputs.clear(); }},
      {"min above max", [](Plan& p) { p.profiles[1].inputs[0].min = {2, 6}; }},
  };
  for (const Tamper& t : tampers) {
    Plan plan = SmallProfilePlan();
    t.apply(plan);
    auto engine = Runtime::Deserialize(Bytes(plan));
    ASSERT_FALSE(engine.ok()) << t.what;
    EXPECT_NE(engine.status().message().find("plan is"), std::string::npos)
        << t.what << ": " << engine.status();
  }
}

TEST(PlanIoTest, RoundTripKeepsTheTargetOptions) {
  for (bool tf32 : {false, true}) {
    for (bool fp16 : {false, true}) {
      Plan plan = SmallPlan();
      plan.target.allow_tf32 = tf32;
      plan.target.allow_fp16 = fp16;
      plan.target.workspace_limit = (tf32 ? 64ull : 3ull) << 20;
      auto read = PlanReader::Read(Bytes(plan));
      ASSERT_TRUE(read.ok()) << read.status();
      EXPECT_EQ(read->target.allow_tf32, tf32);
      EXPECT_EQ(read->target.allow_fp16, fp16);
      EXPECT_EQ(read->target.workspace_limit, plan.target.workspace_limit);
      const NodeContext ctx = NodeContextFromPlan(*read, read->nodes[0]);
      EXPECT_EQ(ctx.target.allow_tf32, tf32);
      EXPECT_EQ(ctx.target.allow_fp16, fp16);
      EXPECT_EQ(ctx.target.workspace_limit, plan.target.workspace_limit);
    }
  }
}

TEST(PlanIoTest, WeightsAreKeptBitExactAndAligned) {
  Plan plan = SmallPlan();
  Weights w(DataType::kFloat16, {3, 7});
  for (int i = 0; i < 21; ++i) w.mutable_as<uint16_t>()[i] = static_cast<uint16_t>(i * 977);
  plan.weights.push_back(w);
  const std::vector<uint8_t> bytes = Bytes(plan);
  auto read = PlanReader::Read(bytes);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->weights.size(), 1u);
  EXPECT_EQ(read->weights[0].dims(), (Dims{3, 7}));
  EXPECT_EQ(0, std::memcmp(read->weights[0].data(), w.data(), w.bytes()));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(read->weights[0].data()) % 64, 0u);
  // In the file, blobs start 64-byte aligned relative to the payload.
  const uint8_t* found = std::search(bytes.begin(), bytes.end(), static_cast<const uint8_t*>(w.data()),
                                     static_cast<const uint8_t*>(w.data()) + w.bytes()) == bytes.end()
                             ? nullptr
                             : &*std::search(bytes.begin(), bytes.end(),
                                             static_cast<const uint8_t*>(w.data()),
                                             static_cast<const uint8_t*>(w.data()) + w.bytes());
  ASSERT_NE(found, nullptr);
  EXPECT_EQ((found - bytes.data() - kPlanHeaderSize) % 64, 0);
}

TEST(PlanIoTest, RejectsTruncatedPlans) {
  const std::vector<uint8_t> bytes = Bytes(SmallPlan());
  for (size_t size : {size_t{0}, size_t{10}, kPlanHeaderSize, bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(size);
    auto plan = PlanReader::Read(absl::MakeConstSpan(bytes.data(), size));
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kDataLoss) << plan.status();
    EXPECT_NE(plan.status().message().find("truncated"), std::string::npos) << plan.status();
  }
}

TEST(PlanIoTest, RejectsNonPlansAndCorruption) {
  std::vector<uint8_t> bytes = Bytes(SmallPlan());
  std::vector<uint8_t> onnx(bytes.size(), 0x08);
  ExpectError(onnx, absl::StatusCode::kInvalidArgument, "not a kiln plan");
  bytes[bytes.size() / 2] ^= 0x10;
  ExpectError(bytes, absl::StatusCode::kDataLoss, "checksum");
}

TEST(PlanIoTest, RejectsOtherFormatVersion) {
  Plan plan = SmallPlan();
  plan.format_version = kPlanFormatVersion + 1;
  ExpectError(Bytes(plan), absl::StatusCode::kFailedPrecondition,
              absl::StrCat("format version ", kPlanFormatVersion + 1));
}

TEST(PlanIoTest, RejectsUnknownTacticAndOp) {
  Plan plan = SmallPlan();
  plan.nodes[1].tactic = "cpu_ref.activation.from_the_future";
  ExpectError(Bytes(plan), absl::StatusCode::kFailedPrecondition,
              "layer 'clip' uses tactic 'cpu_ref.activation.from_the_future'");
  plan = SmallPlan();
  plan.nodes[0].op = "Frobnicate";
  ExpectError(Bytes(plan), absl::StatusCode::kFailedPrecondition, "op 'Frobnicate'");
}

TEST(PlanIoTest, RejectsOtherDeviceAndBackend) {
  Plan plan = SmallPlan();
  plan.device = "cpu:pdp11";
  ExpectError(Bytes(plan), absl::StatusCode::kFailedPrecondition, "built for device 'cpu:pdp11'");
  EXPECT_TRUE(PlanReader::ReadForInspection(Bytes(plan)).ok());
  plan = SmallPlan();
  plan.backend = "tpu";
  ExpectError(Bytes(plan), absl::StatusCode::kFailedPrecondition, "backend 'tpu'");
}

TEST(PlanIoTest, RejectsInconsistentPlansAtLoad) {
  // Valid flatbuffers, wrong meaning: each must be refused, not run.
  Plan plan = SmallPlan();
  plan.tensors[plan.nodes[0].outputs[0]].desc.dims = {2, 6};
  auto engine = Runtime::Deserialize(Bytes(plan));
  EXPECT_FALSE(engine.ok());
  plan = SmallPlan();
  std::swap(plan.nodes[0], plan.nodes[1]);  // reads before write
  engine = Runtime::Deserialize(Bytes(plan));
  ASSERT_FALSE(engine.ok());
  EXPECT_NE(engine.status().message().find("before it is written"), std::string::npos)
      << engine.status();
  plan = SmallPlan();
  plan.nodes[0].outputs[0] = plan.inputs[0];  // overwrite an input
  engine = Runtime::Deserialize(Bytes(plan));
  EXPECT_FALSE(engine.ok());
}

// Runs a loaded engine once if it loads; the point is that nothing crashes.
void LoadAndRunIfAccepted(absl::Span<const uint8_t> bytes, int* accepted) {
  auto engine = Runtime::Deserialize(bytes);
  if (!engine.ok()) return;
  ++*accepted;
  auto ctx = (*engine)->CreateExecutionContext();
  if (!ctx.ok()) return;
  std::vector<std::vector<float>> buffers;
  std::vector<void*> bindings;
  for (int i = 0; i < (*engine)->num_bindings(); ++i) {
    auto desc = (*engine)->binding_desc(i, (*engine)->max_batch());
    if (!desc.ok()) return;
    if (desc->bytes() > (64u << 20)) return;  // a flipped dim; no caller has such a buffer
    buffers.emplace_back(desc->bytes() / sizeof(float) + 1, 0.5f);
    bindings.push_back(buffers.back().data());
  }
  (void)(*ctx)->Execute((*engine)->max_batch(), bindings);
}

TEST(PlanIoTest, EveryFlippedByteIsRejected) {
  const std::vector<uint8_t> good = Bytes(SmallPlan());
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x5A;
    auto plan = PlanReader::Read(bad);
    EXPECT_FALSE(plan.ok()) << "flipping byte " << i << " of " << good.size() << " went unnoticed";
  }
}

TEST(PlanIoTest, FlippedBytesPastTheChecksumAreRejectedOrHarmless) {
  // Re-sealing the checksum after each flip exercises the flatbuffers
  // verifier and every semantic check behind it.
  for (const std::vector<uint8_t>& good : {Bytes(SmallPlan()), Bytes(SmallProfilePlan())}) {
    int accepted = 0;
    for (size_t i = kPlanHeaderSize; i < good.size(); ++i) {
      for (uint8_t flip : {uint8_t{0x01}, uint8_t{0xFF}}) {
        std::vector<uint8_t> bad = good;
        bad[i] ^= flip;
        const uint64_t sum = Fnv1a64(absl::MakeConstSpan(bad).subspan(kPlanHeaderSize));
        for (int k = 0; k < 8; ++k) bad[24 + k] = static_cast<uint8_t>(sum >> (8 * k));
        LoadAndRunIfAccepted(bad, &accepted);
      }
    }
    // Most flips land in names, padding or values that still make a valid plan;
    // the count only shows the test loaded and ran some of them.
    std::printf("accepted %d of %zu re-sealed flips\n", accepted,
                2 * (good.size() - kPlanHeaderSize));
  }
  SUCCEED();
}

}  // namespace
}  // namespace kiln
