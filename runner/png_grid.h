// runner/png_grid.h — a grid of uint8 images as one PNG (stb_image_write), written through
// common/atomic_file.h (temp file, fsync, rename, folder fsync) so a viewer never sees half a
// file and a failed write leaves the previous grid in place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace ganrun {

// images: n * c * h * w bytes, [N, C, H, W] order, c = 1 (grey) or 3 (RGB). Tiles them in
// `columns` columns (0: ceil(sqrt(n))) with a 2-pixel black border between tiles. Throws
// std::invalid_argument for a bad shape, std::runtime_error "<path>: cannot write the PNG:
// <cause>" when the file cannot be written (path then holds what it held before).
void write_png_grid(const std::filesystem::path& path, const std::vector<uint8_t>& images,
                    int64_t n, int64_t c, int64_t h, int64_t w, int64_t columns = 0);

}  // namespace ganrun
