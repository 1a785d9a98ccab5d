// tests/unit/architectures_test.cpp — every `--arch` behind models/nets.h: parameter counts
// worked out by hand, output shapes in float32 and float64, the condition's effect on the first
// layer, critic_norm's effect on the module list, shape errors, keyed initialisation, and
// mlp-deep's seeded dropout.
#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <gtest/gtest.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/types.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/arch_autoencoder.h"
#include "models/init.h"
#include "models/nets.h"

namespace ganrun::models {
namespace {

int64_t count_parameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

// The data shape each architecture trains on in these tests.
NetSpec spec_for(const std::string& arch) {
  NetSpec spec;
  spec.arch = arch;
  if (arch == "dcgan32" || arch == "ae32") {
    spec.channels = 3, spec.height = 32, spec.width = 32;
  } else if (arch == "toy") {
    spec.channels = 2, spec.height = 1, spec.width = 1;
  }
  return spec;
}

// Inputs from a fixed generator, never the global one.
torch::Tensor fixed_randn(std::vector<int64_t> sizes, uint64_t seed, torch::Dtype dtype) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randn(sizes, gen, torch::TensorOptions().dtype(torch::kFloat64)).to(dtype);
}

// A real-data batch of the spec's shape: [B, 2] for toy (as the loop feeds it), else images.
torch::Tensor data_batch(const NetSpec& spec, int64_t batch, torch::Dtype dtype) {
  if (spec.arch == "toy") return fixed_randn({batch, 2}, 7, dtype);
  return fixed_randn({batch, spec.channels, spec.height, spec.width}, 7, dtype).tanh();
}

torch::Tensor one_hot(int64_t batch, int64_t classes, torch::Dtype dtype) {
  auto labels = torch::arange(batch) % classes;
  return torch::one_hot(labels, classes).to(dtype);
}

template <typename Impl>
int count_modules(const torch::nn::Module& net) {
  int n = 0;
  for (const auto& m : net.modules(/*include_self=*/false))
    if (m->as<Impl>() != nullptr) ++n;
  return n;
}

int count_batch_norms(const torch::nn::Module& net) {
  return count_modules<torch::nn::BatchNorm1dImpl>(net) +
         count_modules<torch::nn::BatchNorm2dImpl>(net);
}

// ---- Parameter counts --------------------------------------------------------------------------
// Linear(i, o): i*o + o. Conv2d / ConvTranspose2d(i, o, k): i*o*k*k + o. BatchNorm(n) and
// LayerNorm over n features: 2n. Specs as spec_for(arch) with g_inputs (z) as listed.
//
// mlp (z 100): G 1,510,032 and D 533,505 (tests/unit/mlp_test.cpp has the arithmetic).
//
// mlp-small (z 96, 784 pixels):
//   G: (96*1024+1024) + (1024*1024+1024) + (1024*784+784)
//      = 99,328 + 1,049,600 + 803,600 = 1,952,528
//   D: (784*256+256) + (256*256+256) + (256+1) = 200,960 + 65,792 + 257 = 267,009
//
// mlp-deep (z 100, 784 pixels):
//   G Linears: 100*128+128 = 12,928; 128*256+256 = 33,024; 256*512+512 = 131,584;
//     512*1024+1024 = 525,312; 1024*2048+2048 = 2,099,200; 2048*4096+4096 = 8,392,704;
//     4096*784+784 = 3,212,048; sum 14,406,800
//   G BatchNorms after 256, 512, 1024, 2048, 4096: 2*(256+512+1024+2048+4096) = 15,872
//   G total 14,422,672
//   D: 784*4096+4096 = 3,215,360; 4096*2048+2048 = 8,390,656; 2048*1024+1024 = 2,098,176;
//     1024*512+512 = 524,800; 512*256+256 = 131,328; 256+1 = 257; total 14,360,577
//
// dcgan28 (z 62, 1x28x28; 128*(28/4)^2 = 6,272):
//   G: fc1 62*1024+1024 = 64,512; bn1 2,048; fc2 1024*6272+6272 = 6,428,800; bn2 12,544;
//      deconv1 128*64*16+64 = 131,136; bn3 128; deconv2 64*1*16+1 = 1,025; total 6,640,193
//   D: conv1 1*64*16+64 = 1,088; conv2 64*128*16+128 = 131,200; norm2 256;
//      fc1 6272*1024+1024 = 6,423,552; norm3 2,048; fc2 1024+1 = 1,025; total 6,559,169
//
// dcgan28-allconv (z 100, 1x28x28):
//   G: deconv1 100*512*16+512 = 819,712; bn1 1,024; deconv2 512*256*9+256 = 1,179,904; bn2 512;
//      deconv3 256*128*16+128 = 524,416; bn3 256; deconv4 128*1*16+1 = 2,049; total 2,527,873
//   D: conv1 1*128*16+128 = 2,176; conv2 128*256*16+256 = 524,544; norm2 512;
//      conv3 256*512*9+512 = 1,180,160; norm3 1,024; conv4 512*16+1 = 8,193; total 1,716,609
//
// dcgan32 (z 100, 3x32x32, base width 64):
//   G: deconv1 100*256*16+256 = 409,856; bn1 512; deconv2 256*128*16+128 = 524,416; bn2 256;
//      deconv3 128*64*16+64 = 131,136; bn3 128; deconv4 64*3*16+3 = 3,075; total 1,069,379
//   D: conv1 3*64*16+64 = 3,136; conv2 64*128*16+128 = 131,200; norm2 256;
//      conv3 128*256*16+256 = 524,544; norm3 512; conv4 256*16+1 = 4,097; total 663,745
//
// ae28 (1x28x28; 64*(28/2)^2 = 12,544 features), EBGAN form:
//   conv 1*64*16+64 = 1,088; code 12544*32+32 = 401,440; fc 32*12544+12544 = 413,952;
//   norm 2*12544 = 25,088; deconv 64*1*16+1 = 1,025; total 842,593 (BEGAN form: 817,505)
// ae32 (3x32x32; 64*16*16 = 16,384 features), EBGAN form:
//   conv 3*64*16+64 = 3,136; code 16384*32+32 = 524,320; fc 32*16384+16384 = 540,672;
//   norm 32,768; deconv 64*3*16+3 = 3,075; total 1,103,971
// Their generators are dcgan28's (z 62: 6,640,193) and dcgan32's (z 100: 1,069,379).
//
// toy (z 2, 3 x 512):
//   G: 2*512+512 = 1,536; 2 * (512*512+512) = 525,312; 512*2+2 = 1,026; total 527,874
//   D: 2*512+512 = 1,536; 525,312; 512+1 = 513; total 527,361
struct CountCase {
  const char* arch;
  int64_t z_dim;
  int64_t generator, critic;  // critic: the auto-encoder for ae28/ae32
};
const CountCase kCounts[] = {
    {"mlp", 100, 1510032, 533505},
    {"mlp-small", 96, 1952528, 267009},
    {"mlp-deep", 100, 14422672, 14360577},
    {"dcgan28", 62, 6640193, 6559169},
    {"dcgan28-allconv", 100, 2527873, 1716609},
    {"dcgan32", 100, 1069379, 663745},
    {"ae28", 62, 6640193, 842593},
    {"ae32", 100, 1069379, 1103971},
    {"toy", 2, 527874, 527361},
};

TEST(ArchitectureCounts, EveryArchHasItsHandCountedParameters) {
  for (const auto& c : kCounts) {
    SCOPED_TRACE(c.arch);
    NetSpec spec = spec_for(c.arch);
    spec.g_inputs = c.z_dim;
    EXPECT_EQ(count_parameters(*make_generator(spec)), c.generator);
    const bool ae = std::string(c.arch).rfind("ae", 0) == 0;
    EXPECT_EQ(ae ? count_parameters(*make_autoencoder(spec)) : count_parameters(*make_critic(spec)),
              c.critic);
  }
}

TEST(ArchitectureCounts, BeganFormDropsTheDecoderBatchNorm) {
  NetSpec spec = spec_for("ae28");
  spec.ae_form = "began";
  EXPECT_EQ(count_parameters(*make_autoencoder(spec)), 842593 - 25088);  // 817,505
}

TEST(ArchitectureCounts, ConditionAndExtraOutputsWidenTheFirstAndLastLayers) {
  // dcgan28 D with 10 label planes: conv1 11*64*16+64 = 11,328 instead of 1,088 (+10,240).
  NetSpec spec = spec_for("dcgan28");
  spec.cond_classes = 10;
  EXPECT_EQ(count_parameters(*make_critic(spec)), 6559169 + 10240);
  // acgan's 1 + 10 outputs: fc2 1024*11+11 = 11,275 instead of 1,025 (+10,250).
  spec.cond_classes = 0;
  spec.critic_outputs = 11;
  EXPECT_EQ(count_parameters(*make_critic(spec)), 6559169 + 10250);
  // dcgan32 with base width 32: G 100*128*16+128 = 204,928; bn 256; 128*64*16+64 = 131,136;
  // bn 128; 64*32*16+32 = 32,800; bn 64; 32*3*16+3 = 1,539; total 370,851.
  NetSpec narrow = spec_for("dcgan32");
  narrow.base_width = 32;
  EXPECT_EQ(count_parameters(*make_generator(narrow)), 370851);
}

// ---- Output shapes -----------------------------------------------------------------------------

class ArchitectureShapes : public ::testing::TestWithParam<torch::Dtype> {};

TEST_P(ArchitectureShapes, GeneratorAndCriticGiveTheDocumentedShapes) {
  const torch::Dtype dtype = GetParam();
  constexpr int64_t kBatch = 3;
  // The nets below take LibTorch's default initialisation from the global generator: seeded
  // here so the outcome does not depend on which tests ran before in the same process.
  torch::manual_seed(0);
  for (const auto& arch : arch_names()) {
    SCOPED_TRACE(arch);
    NetSpec spec = spec_for(arch);
    auto g = make_generator(spec);
    g->to(dtype);
    const auto z = fixed_randn({kBatch, spec.g_inputs}, 1, dtype);
    const auto fake = g->forward(z);
    EXPECT_EQ(fake.scalar_type(), dtype);
    if (arch == "toy") {
      EXPECT_EQ(fake.sizes(), (std::vector<int64_t>{kBatch, 2}));
    } else {
      EXPECT_EQ(fake.sizes(),
                (std::vector<int64_t>{kBatch, spec.channels, spec.height, spec.width}));
      // tanh: within [-1, 1] (float32 rounds tanh of a large input to exactly 1)
      EXPECT_LE(fake.abs().max().item<double>(), 1.0);
    }
    const auto real = data_batch(spec, kBatch, dtype);
    if (arch == "ae28" || arch == "ae32") {
      auto ae = make_autoencoder(spec);
      ae->to(dtype);
      const auto [recon, code] = ae->forward(real);
      EXPECT_EQ(recon.sizes(), real.sizes());
      EXPECT_EQ(code.sizes(), (std::vector<int64_t>{kBatch, 32}));
      EXPECT_EQ(recon.scalar_type(), dtype);
      continue;
    }
    // Conditioned, with acgan's 11 outputs: [B, 11] from real data and from G's output.
    spec.cond_classes = 10;
    spec.critic_outputs = 11;
    auto d = make_critic(spec);
    d->to(dtype);
    const auto cond = one_hot(kBatch, 10, dtype);
    EXPECT_EQ(d->forward(real, cond).sizes(), (std::vector<int64_t>{kBatch, 11}));
    const auto out = d->forward(fake, cond);
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{kBatch, 11}));
    EXPECT_EQ(out.scalar_type(), dtype);
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, ArchitectureShapes,
                         ::testing::Values(torch::kFloat32, torch::kFloat64));

TEST(ArchitectureShapesMore, Dcgan28IsGenericInSizeAndToyCriticTakesBothPointLayouts) {
  NetSpec spec = spec_for("dcgan28");
  spec.channels = 3, spec.height = 32, spec.width = 32;  // the collection's input_size 32
  EXPECT_EQ(make_generator(spec)->forward(fixed_randn({3, 100}, 1, torch::kFloat32)).sizes(),
            (std::vector<int64_t>{3, 3, 32, 32}));
  EXPECT_EQ(make_critic(spec)->forward(data_batch(spec, 3, torch::kFloat32), {}).sizes(),
            (std::vector<int64_t>{3, 1}));

  auto toy = make_critic(spec_for("toy"));
  toy->eval();
  const auto flat = fixed_randn({3, 2}, 2, torch::kFloat32);
  EXPECT_TRUE(torch::equal(toy->forward(flat, {}), toy->forward(flat.view({3, 2, 1, 1}), {})));
}

// ---- The condition: one-hot concatenated (MLPs) or label planes (conv nets) ---------------------

template <typename Impl>
std::vector<int64_t> first_weight_sizes(const torch::nn::Module& net) {
  for (const auto& m : net.modules(/*include_self=*/false))
    if (const auto* layer = m->as<Impl>()) return layer->weight.sizes().vec();
  return {};
}

TEST(ArchitectureCondition, WidensTheCriticsFirstLayer) {
  struct Case {
    const char* arch;
    bool conv;
    std::vector<int64_t> plain, conditioned;
  };
  const Case cases[] = {
      {"mlp", false, {512, 784}, {512, 794}},
      {"mlp-small", false, {256, 784}, {256, 794}},
      {"mlp-deep", false, {4096, 784}, {4096, 794}},
      {"toy", false, {512, 2}, {512, 12}},
      {"dcgan28", true, {64, 1, 4, 4}, {64, 11, 4, 4}},
      {"dcgan28-allconv", true, {128, 1, 4, 4}, {128, 11, 4, 4}},
      {"dcgan32", true, {64, 3, 4, 4}, {64, 13, 4, 4}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.arch);
    NetSpec spec = spec_for(c.arch);
    auto sizes = [&](const NetSpec& s) {
      auto d = make_critic(s);
      return c.conv ? first_weight_sizes<torch::nn::Conv2dImpl>(*d)
                    : first_weight_sizes<torch::nn::LinearImpl>(*d);
    };
    EXPECT_EQ(sizes(spec), c.plain);
    spec.cond_classes = 10;
    EXPECT_EQ(sizes(spec), c.conditioned);
  }
}

TEST(ArchitectureCondition, LabelPlanesAreConstantPerSample) {
  // With only conv1 reading the planes, a one-hot for class k equals adding conv1 applied to a
  // constant plane k: check that the critic output depends on the label and that two samples
  // with the same image and label agree.
  NetSpec spec = spec_for("dcgan28");
  spec.cond_classes = 10;
  auto d = make_critic(spec);
  d->eval();
  const auto image = data_batch(spec, 1, torch::kFloat32).expand({2, 1, 28, 28});
  const auto same = torch::one_hot(torch::tensor({4, 4}), 10).to(torch::kFloat32);
  const auto differ = torch::one_hot(torch::tensor({4, 5}), 10).to(torch::kFloat32);
  const auto out_same = d->forward(image, same);
  EXPECT_TRUE(torch::allclose(out_same[0], out_same[1]));
  const auto out_differ = d->forward(image, differ);
  EXPECT_FALSE(torch::allclose(out_differ[0], out_differ[1]));
}

// ---- critic_norm -------------------------------------------------------------------------------

TEST(ArchitectureCriticNorm, ChangesTheNormSlotsOfConvCritics) {
  for (const char* arch : {"dcgan28", "dcgan28-allconv", "dcgan32"}) {
    SCOPED_TRACE(arch);
    NetSpec spec = spec_for(arch);
    for (const char* own : {"", "batch"}) {
      spec.critic_norm = own;
      auto d = make_critic(spec);
      EXPECT_EQ(count_batch_norms(*d), 2);  // two slots, BatchNorm by default
      EXPECT_EQ(count_modules<torch::nn::LayerNormImpl>(*d), 0);
    }
    spec.critic_norm = "none";
    auto bare = make_critic(spec);
    EXPECT_EQ(count_batch_norms(*bare), 0);
    EXPECT_EQ(count_modules<torch::nn::LayerNormImpl>(*bare), 0);
    spec.critic_norm = "layer";
    auto layer = make_critic(spec);
    EXPECT_EQ(count_batch_norms(*layer), 0);
    EXPECT_EQ(count_modules<torch::nn::LayerNormImpl>(*layer), 2);
  }
  // dcgan28's LayerNorms cover [128, 7, 7] (conv2's features) and [1024] (fc1's): 2*6,272 +
  // 2*1,024 parameters where BatchNorm had 2*128 + 2*1,024: 6,559,169 - 256 + 12,544.
  NetSpec spec = spec_for("dcgan28");
  spec.critic_norm = "layer";
  auto d = make_critic(spec);
  EXPECT_EQ(count_parameters(*d), 6559169 - 256 + 12544);
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& m : d->modules(false))
    if (const auto* ln = m->as<torch::nn::LayerNormImpl>())
      shapes.push_back(ln->weight.sizes().vec());
  EXPECT_EQ(shapes, (std::vector<std::vector<int64_t>>{{128, 7, 7}, {1024}}));
  // And the generator keeps its BatchNorm whatever the critic's setting.
  spec.critic_norm = "none";
  EXPECT_EQ(count_batch_norms(*make_generator(spec)), 3);
}

TEST(ArchitectureCriticNorm, ChangesTheEbganAutoEncoderOnly) {
  NetSpec spec = spec_for("ae28");
  EXPECT_EQ(count_batch_norms(*make_autoencoder(spec)), 1);
  spec.critic_norm = "none";
  EXPECT_EQ(count_batch_norms(*make_autoencoder(spec)), 0);
  EXPECT_EQ(count_parameters(*make_autoencoder(spec)), 842593 - 25088);
  spec.critic_norm = "layer";
  auto layer = make_autoencoder(spec);
  EXPECT_EQ(count_batch_norms(*layer), 0);
  EXPECT_EQ(count_modules<torch::nn::LayerNormImpl>(*layer), 1);
  spec.ae_form = "began";  // no norm of its own, so no slot
  for (const char* norm : {"", "none", "batch", "layer"}) {
    spec.critic_norm = norm;
    auto ae = make_autoencoder(spec);
    EXPECT_EQ(count_batch_norms(*ae) + count_modules<torch::nn::LayerNormImpl>(*ae), 0) << norm;
  }
}

TEST(ArchitectureCriticNorm, LeavesCriticsWithoutNormAsTheyAreAndRejectsUnknownValues) {
  for (const char* arch : {"mlp", "mlp-small", "mlp-deep", "toy"}) {
    SCOPED_TRACE(arch);
    NetSpec spec = spec_for(arch);
    const int64_t own = count_parameters(*make_critic(spec));
    for (const char* norm : {"none", "batch", "layer"}) {
      spec.critic_norm = norm;
      auto d = make_critic(spec);
      EXPECT_EQ(count_parameters(*d), own) << norm;
      EXPECT_EQ(count_batch_norms(*d), 0) << norm;
    }
  }
  NetSpec spec = spec_for("dcgan28");
  spec.critic_norm = "group";
  EXPECT_THROW(make_critic(spec), std::invalid_argument);
  spec = spec_for("ae28");
  spec.ae_form = "wgan";
  EXPECT_THROW(make_autoencoder(spec), std::invalid_argument);
}

TEST(ArchitectureCriticNorm, BeganFormHasNothingBetweenTheLinearsAndTheDeconv) {
  // Independent composition of BEGAN.py's forward from the net's own layers:
  // deconv(fc(code(relu(conv(x)).flatten)).view(B, 64, 14, 14)), and code = code(...).
  NetSpec spec = spec_for("ae28");
  spec.ae_form = "began";
  auto ae = make_autoencoder(spec);
  init_net(*ae, "ae28", 3, 1);
  auto named = ae->named_parameters();
  const auto x = data_batch(spec, 3, torch::kFloat64);
  ae->to(torch::kFloat64);
  named = ae->named_parameters();
  auto h = torch::relu(torch::conv2d(x, named["conv.weight"], named["conv.bias"], 2, 1));
  const auto code = torch::linear(h.flatten(1), named["code.weight"], named["code.bias"]);
  h = torch::linear(code, named["fc.weight"], named["fc.bias"]).view({3, 64, 14, 14});
  const auto recon = torch::conv_transpose2d(h, named["deconv.weight"], named["deconv.bias"], 2, 1);
  const auto [got_recon, got_code] = ae->forward(x);
  EXPECT_TRUE(torch::allclose(got_code, code));
  EXPECT_TRUE(torch::allclose(got_recon, recon));
}

// ---- shape_error -------------------------------------------------------------------------------

TEST(ArchitectureShapeError, NamesTheArchTheDataShapeAndWhatToUse) {
  struct Case {
    const char* arch;
    int64_t c, h, w;
    std::vector<std::string> says;
  };
  const Case wrong[] = {
      {"dcgan28-allconv", 3, 32, 32, {"'dcgan28-allconv'", "28x28", "3x32x32", "dcgan32"}},
      {"dcgan32", 1, 28, 28, {"'dcgan32'", "32x32", "1x28x28", "dcgan28"}},
      {"ae28", 3, 32, 32, {"'ae28'", "3x32x32", "ae32"}},
      {"ae32", 1, 28, 28, {"'ae32'", "1x28x28", "ae28"}},
      {"toy", 1, 28, 28, {"'toy'", "1x28x28", "toy-"}},
      {"dcgan28", 2, 1, 1, {"'dcgan28'", "images", "'toy'"}},
      {"mlp-small", 2, 1, 1, {"'mlp-small'", "images", "'toy'"}},
      {"dcgan28", 1, 30, 30, {"'dcgan28'", "multiples of 4", "1x30x30"}},
      {"dcgan28", 4, 28, 28, {"'dcgan28'", "1- or 3-channel", "4x28x28"}},
      {"resnet", 1, 28, 28, {"unknown arch 'resnet'", "dcgan28"}},
  };
  for (const auto& c : wrong) {
    const std::string message = shape_error(c.arch, c.c, c.h, c.w);
    for (const auto& part : c.says)
      EXPECT_NE(message.find(part), std::string::npos) << c.arch << ": " << message;
    NetSpec spec;
    spec.arch = c.arch, spec.channels = c.c, spec.height = c.h, spec.width = c.w;
    EXPECT_THROW(make_generator(spec), std::invalid_argument) << c.arch;
  }
  EXPECT_EQ(shape_error("dcgan28", 1, 32, 32), "");
  EXPECT_EQ(shape_error("dcgan28", 3, 64, 64), "");
  EXPECT_EQ(shape_error("mlp-deep", 3, 32, 32), "");
  for (const auto& arch : arch_names()) {
    const NetSpec spec = spec_for(arch);
    EXPECT_EQ(shape_error(arch, spec.channels, spec.height, spec.width), "") << arch;
  }
}

TEST(ArchitectureShapeError, CriticAndAutoEncoderFactoriesRejectTheOtherFamily) {
  EXPECT_THROW(make_critic(spec_for("ae28")), std::invalid_argument);
  EXPECT_THROW(make_autoencoder(spec_for("dcgan28")), std::invalid_argument);
}

// ---- Initialisation ----------------------------------------------------------------------------

std::vector<torch::Tensor> parameter_copies(torch::nn::Module& net) {
  std::vector<torch::Tensor> out;
  for (const auto& p : net.parameters()) out.push_back(p.detach().to(torch::kFloat64).clone());
  return out;
}

bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

TEST(ArchitectureInit, CollectionInitDrawsWeightsFromNormalPointZeroTwoWithZeroBiases) {
  NetSpec spec = spec_for("dcgan28");
  spec.cond_classes = 10;
  auto d = make_critic(spec);
  init_net(*d, "dcgan28", 0, 1);
  for (const auto& item : d->named_parameters()) {
    const auto& name = item.key();
    const auto& p = item.value();
    SCOPED_TRACE(name);
    const bool norm = name.rfind("norm", 0) == 0;
    if (name.find("bias") != std::string::npos) {
      EXPECT_EQ(p.abs().max().item<double>(), 0.0);
    } else if (norm) {
      EXPECT_TRUE(torch::equal(p, torch::ones_like(p)));  // BatchNorm left at weight 1
    } else if (p.numel() >= 10000) {
      // The std of n >= 10,000 normal draws is within 0.02 * (1 +- 3/sqrt(2n)): 2.1% at n=10^4.
      EXPECT_NEAR(p.std().item<double>(), 0.02, 0.02 * 0.025);
      EXPECT_NEAR(p.mean().item<double>(), 0.0, 3 * 0.02 / std::sqrt(double(p.numel())));
    }
  }
  auto ae = make_autoencoder(spec_for("ae32"));
  init_net(*ae, "ae32", 0, 1);
  for (const auto& item : ae->named_parameters()) {
    if (item.key().find("bias") != std::string::npos) {
      EXPECT_EQ(item.value().abs().max().item<double>(), 0.0) << item.key();
    }
  }
}

TEST(ArchitectureInit, SameSeedSameParametersDifferentSeedOrNetDifferent) {
  // Small nets of each rule (the draws are the same code whatever the size): init_default for
  // toy and mlp-small, init_collection for dcgan28, dcgan32 and the auto-encoder.
  NetSpec toy = spec_for("toy");
  toy.toy_width = 16;
  NetSpec mlp_small = spec_for("mlp-small");
  mlp_small.height = mlp_small.width = 4;
  NetSpec dcgan28 = spec_for("dcgan28");
  dcgan28.height = dcgan28.width = 8;
  NetSpec dcgan32 = spec_for("dcgan32");
  dcgan32.base_width = 4;
  NetSpec ae = spec_for("ae28");
  ae.height = ae.width = 8;  // the factory checks 28x28; the net itself is generic
  std::vector<std::pair<std::string, std::function<std::shared_ptr<torch::nn::Module>()>>> nets{
      {"toy", [&] { return make_critic(toy); }},
      {"mlp-small", [&] { return make_generator(mlp_small); }},
      {"dcgan28", [&] { return make_critic(dcgan28); }},
      {"dcgan32", [&] { return make_generator(dcgan32); }},
      {"ae28", [&] { return std::make_shared<CollectionAutoEncoder>(ae); }},
  };
  for (const auto& [arch, make] : nets) {
    SCOPED_TRACE(arch);
    auto a = make();
    auto b = make();
    torch::manual_seed(1);  // the global generator must not matter
    init_net(*a, arch, 42, 0);
    torch::manual_seed(2);
    init_net(*b, arch, 42, 0);
    EXPECT_TRUE(all_equal(parameter_copies(*a), parameter_copies(*b)));
    init_net(*b, arch, 43, 0);
    EXPECT_FALSE(all_equal(parameter_copies(*a), parameter_copies(*b)));
    init_net(*b, arch, 42, 1);  // another net of the same run
    EXPECT_FALSE(all_equal(parameter_copies(*a), parameter_copies(*b)));
  }
}

TEST(ArchitectureInit, Float64NetStartsFromTheSameNumbersAsFloat32) {
  const NetSpec spec = spec_for("dcgan32");
  auto f32 = make_critic(spec);
  auto f64 = make_critic(spec);
  f64->to(torch::kFloat64);
  init_net(*f32, "dcgan32", 5, 1);
  init_net(*f64, "dcgan32", 5, 1);
  const auto a = parameter_copies(*f32), b = parameter_copies(*f64);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::allclose(a[i], b[i], 0, 1e-7));
}

TEST(ArchitectureInit, DefaultInitKeepsPyTorchBoundsAndResetsNorms) {
  // toy: fc1 has fan-in 2 -> U(-1/sqrt(2), 1/sqrt(2)); fc2 fan-in 512 -> bound 0.0442.
  NetSpec spec = spec_for("toy");
  auto d = make_critic(spec);
  init_net(*d, "toy", 0, 1);
  auto named = d->named_parameters();
  EXPECT_LE(named["fc1.weight"].abs().max().item<double>(), 1 / std::sqrt(2.0));
  EXPECT_GT(named["fc1.weight"].abs().max().item<double>(), 0.6);  // 1024 draws reach near 0.707
  EXPECT_LE(named["fc2.weight"].abs().max().item<double>(), 1 / std::sqrt(512.0));
  // LayerNorm and BatchNorm2d start at weight 1, bias 0 under both rules.
  torch::nn::Sequential norms(torch::nn::LayerNorm(torch::nn::LayerNormOptions({4})),
                              torch::nn::BatchNorm2d(3));
  torch::NoGradGuard no_grad;
  for (auto& p : norms->parameters()) p.fill_(7.0);
  init_default(*norms, 0, 0);
  for (const auto& item : norms->named_parameters()) {
    const double want = item.key().find("weight") != std::string::npos ? 1.0 : 0.0;
    EXPECT_TRUE(torch::equal(item.value(), torch::full_like(item.value(), want))) << item.key();
  }
}

// ---- mlp-deep's dropout ------------------------------------------------------------------------

TEST(ArchitectureDropout, MlpDeepMasksFollowTheSeedAndStopInEvalMode) {
  NetSpec spec = spec_for("mlp-deep");
  spec.height = spec.width = 4;  // a small first layer; the dropout layers are fixed
  spec.seed = 11;
  auto a = make_critic(spec);
  auto b = make_critic(spec);
  init_net(*a, "mlp-deep", 0, 1);
  init_net(*b, "mlp-deep", 0, 1);
  const auto x = data_batch(spec, 3, torch::kFloat32);
  torch::manual_seed(3);  // the global generator must not matter
  const auto a1 = a->forward(x, {});
  torch::manual_seed(4);
  const auto b1 = b->forward(x, {});
  EXPECT_TRUE(torch::equal(a1, b1));  // same seed, same masks
  const auto a2 = a->forward(x, {});
  EXPECT_FALSE(torch::equal(a1, a2));  // the stream moves on
  EXPECT_TRUE(torch::equal(a2, b->forward(x, {})));

  spec.seed = 12;
  auto c = make_critic(spec);
  init_net(*c, "mlp-deep", 0, 1);
  EXPECT_FALSE(torch::equal(c->forward(x, {}), a1));  // another seed, other first masks

  // Eval mode: no dropout, so every net with these weights gives the same output every time.
  a->eval();
  c->eval();
  const auto e1 = a->forward(x, {});
  EXPECT_TRUE(torch::equal(e1, a->forward(x, {})));
  EXPECT_TRUE(torch::equal(e1, c->forward(x, {})));
  EXPECT_FALSE(torch::allclose(e1, a1));
}

}  // namespace
}  // namespace ganrun::models
