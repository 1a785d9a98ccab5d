// tests/unit/dataset_catalog_test.cpp — the data-set catalogue: every name once, in the order
// listings use; the lists other code reads (image sets, generated toy sets) agree with it; each
// image set's class names, layout and published files; default folders from GANRUN_DATA and the
// Debian package.
#include "data/dataset_catalog.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "data/dataset_loader.h"
#include "data/toy_sets.h"
#include "tests/unit/test_support.h"

namespace ganrun::data {
namespace {

using test::expect_data_error;
using test::ScopedDataEnv;
using Names = std::vector<std::string>;

TEST(DatasetCatalog, ListsEveryNameOnceImagesThenToys) {
  const Names all = {"mnist",      "fashion-mnist", "cifar10",       "toy-ring8",
                     "toy-grid25", "toy-moons",     "toy-swissroll", "toy-file"};
  EXPECT_EQ(dataset_names(), all);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  EXPECT_EQ(join_names({"a", "b", "c"}), "a, b, c");
}

TEST(DatasetCatalog, TheOtherListsComeFromIt) {
  EXPECT_EQ(known_dataset_names(), dataset_names(DatasetKind::kImages));
  EXPECT_EQ(known_dataset_names(), (Names{"mnist", "fashion-mnist", "cifar10"}));
  EXPECT_EQ(toy_set_names(), dataset_names(DatasetKind::kToyGenerated));
  EXPECT_EQ(dataset_names(DatasetKind::kToyFile), Names{"toy-file"});
  for (const auto& name : dataset_names()) {
    const DatasetEntry* e = find_dataset(name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_EQ(is_toy_dataset(name), e->kind != DatasetKind::kImages) << name;
    EXPECT_FALSE(e->files_hint.empty()) << name;
  }
  EXPECT_EQ(find_dataset("mnsit"), nullptr);
  EXPECT_FALSE(is_toy_dataset("mnsit"));
}

TEST(DatasetCatalog, ImageSetsHaveTenClassesALayoutAndPublishedFiles) {
  for (const auto& name : known_dataset_names()) {
    const DatasetEntry& e = *find_dataset(name);
    EXPECT_EQ(e.class_names.size(), 10u) << name;
    EXPECT_NE(e.layout, FileLayout::kNone) << name;
    EXPECT_EQ(find_published(name), &e) << name;
    EXPECT_EQ(e.base_url.back(), '/') << name;
    for (const auto& f : e.files) {
      EXPECT_EQ(f.md5.size(), 32u) << f.name;
      EXPECT_EQ(f.md5.find_first_not_of("0123456789abcdef"), std::string::npos) << f.name;
      EXPECT_EQ(find_published_file(name, f.name), &f);
    }
  }
  EXPECT_EQ(find_dataset("fashion-mnist")->class_names.front(), "T-shirt/top");
  EXPECT_EQ(find_dataset("cifar10")->class_names.back(), "truck");
  // The IDX sets publish two files per split; CIFAR-10 one archive holding both.
  EXPECT_EQ(find_dataset("mnist")->files.size(), 4u);
  EXPECT_EQ(find_published_file("mnist", "t10k-images-idx3-ubyte.gz")->md5,
            "9fb629c4189551a2d022fa330f9573f3");
  EXPECT_EQ(find_published_file("cifar10", "cifar-10-binary.tar.gz")->split, "");
  EXPECT_EQ(find_published("toy-ring8"), nullptr);
  EXPECT_EQ(find_published_file("mnist", "nope.gz"), nullptr);
}

TEST(DatasetCatalog, DefaultFolderIsGanrunDataElseThePackage) {
  {
    ScopedDataEnv env(std::string("/data/sets"));
    EXPECT_EQ(env_data_dir("mnist"), "/data/sets/mnist");
    EXPECT_EQ(default_data_dir("fashion-mnist"), "/data/sets/fashion-mnist");
  }
  {
    ScopedDataEnv env(std::string(""));  // set but empty counts as unset
    EXPECT_EQ(env_data_dir("mnist"), "");
  }
  ScopedDataEnv env(std::nullopt);
  EXPECT_EQ(default_data_dir("mnist"), "");
  EXPECT_EQ(default_data_dir("fashion-mnist"), "/usr/share/datasets/fashion-mnist");
  expect_data_error([] { resolve_data_dir("cifar10", ""); },
                    {"'cifar10'", "--data-dir", "data_batch_1.bin", kDataEnv});
}

TEST(DatasetCatalog, LoaderNamesAToySetForWhatItIs) {
  expect_data_error([] { load_dataset("toy-ring8", "", "train"); },
                    {"'toy-ring8' is a 2-D toy set", "mnist, fashion-mnist, cifar10"});
  expect_data_error([] { load_toy_set("mnist", ""); },
                    {"unknown toy data set 'mnist'", "toy-swissroll, toy-file"});
  expect_data_error([] { load_toy_set("toy-file", ""); }, {"toy-file", "--data-dir FILE"});
}

}  // namespace
}  // namespace ganrun::data
