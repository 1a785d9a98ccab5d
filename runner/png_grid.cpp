// runner/png_grid.cpp — PNG sample grids through stb_image_write (see header).
#include "runner/png_grid.h"

#include <stb_image_write.h>  // stbi_write_png (implementation in Debian's libstb)

#include <cmath>
#include <stdexcept>
#include <string>

#include "common/atomic_file.h"  // write_file_atomically

namespace ganrun {

void write_png_grid(const std::filesystem::path& path, const std::vector<uint8_t>& images,
                    int64_t n, int64_t c, int64_t h, int64_t w, int64_t columns) {
  if (c != 1 && c != 3) throw std::invalid_argument("PNG grid: images must have 1 or 3 channels");
  if (static_cast<int64_t>(images.size()) != n * c * h * w)
    throw std::invalid_argument("PNG grid: image buffer size does not match its shape");
  constexpr int64_t kBorder = 2;
  const int64_t cols =
      columns > 0 ? columns : static_cast<int64_t>(std::ceil(std::sqrt(double(n))));
  const int64_t rows = (n + cols - 1) / cols;
  const int64_t width = cols * w + (cols + 1) * kBorder;
  const int64_t height = rows * h + (rows + 1) * kBorder;
  std::vector<uint8_t> canvas(static_cast<size_t>(width * height * c), 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t x0 = kBorder + (i % cols) * (w + kBorder);
    const int64_t y0 = kBorder + (i / cols) * (h + kBorder);
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          canvas[((y0 + y) * width + (x0 + x)) * c + ch] = images[((i * c + ch) * h + y) * w + x];
  }
  write_file_atomically(
      path,
      [&](const std::filesystem::path& tmp) {
        // stb reports no cause: a failure is the file's open or one of its writes.
        if (!stbi_write_png(tmp.c_str(), static_cast<int>(width), static_cast<int>(height),
                            static_cast<int>(c), canvas.data(), static_cast<int>(width * c)))
          throw std::runtime_error("stbi_write_png could not create or write " + tmp.string());
      },
      "the PNG");
}

}  // namespace ganrun
