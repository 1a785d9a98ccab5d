// tests/tools/write_sample_run_file.cpp — writes a run file with known content through
// RunFileWriter, for tests/python/test_run_file_h5py.py to read with h5py.
// Usage: write_sample_run_file <path> [--pause]; --pause prints "committed" after the first
// (status running) commit and waits for a line on stdin before the final (completed) one.
#include <cstdint>
#include <cstring>  // std::memcpy
#include <iostream>
#include <string>
#include <vector>

#include "runner/run_file.h"

namespace {

// Values the pytest checks: row i has step 10*i, wall_s 0.5*i, loss_d i, loss_g -0.25*i;
// grid t (step 100*(t+1)) has pixel k = (24*t + k) % 256 for k < 4*1*3*2.
void append_row(ganrun::RunFileWriter& w, int i) {
  w.append_metrics(10 * i, 0.5 * i, {1.0 * i, -0.25 * i});
}

std::vector<uint8_t> grid(int t) {
  std::vector<uint8_t> g(24);
  for (int k = 0; k < 24; ++k) g[k] = static_cast<uint8_t>((24 * t + k) % 256);
  return g;
}

template <typename T>
ganrun::NamedArray array(const std::string& name, std::vector<int64_t> shape,
                         const std::vector<T>& v) {
  ganrun::NamedArray a{name, std::move(shape), sizeof(T) == 8,
                       std::vector<char>(v.size() * sizeof(T))};
  std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: write_sample_run_file <path> [--pause]\n";
    return 2;
  }
  const bool pause = argc > 2 && std::string(argv[2]) == "--pause";
  try {
    ganrun::AttrMap attrs = {{"run_id", std::string("wgan-gp-lr2e-4-s0-abcd")},
                             {"variant", std::string("wgan-gp")},
                             {"lr_g", 2e-4},
                             {"n_critic", int64_t{5}},
                             {"batch", int64_t{64}}};
    ganrun::RunFileWriter w(argv[1], attrs, "variant: wgan-gp\nlr_g: 2.0e-4\n",
                            {"loss_d", "loss_g"}, ganrun::SampleShape{4, 1, 3, 2});
    for (int i = 0; i < 3; ++i) append_row(w, i);
    w.append_samples(100, grid(0));
    w.commit();
    if (pause) {
      std::cout << "committed" << std::endl;
      std::string line;
      std::getline(std::cin, line);
    }
    for (int i = 3; i < 5; ++i) append_row(w, i);
    w.append_samples(200, grid(1));
    w.set_generator({array<float>("fc.weight", {2, 3}, {1, 2, 3, 4, 5, 6}),
                     array<double>("fc.bias", {3}, {0.5, -1.5, 2.25})});
    w.set_attr("ended", std::string("2024-01-01T00:00:00Z"));
    w.set_status("completed", "", -1);
    w.commit();
  } catch (const std::exception& e) {
    std::cerr << "write_sample_run_file: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
