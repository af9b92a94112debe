// 8-bit RGB images and their PNG files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace htrmrl::rendering {

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // height rows of width pixels, top row first
};

// Writes an 8-bit RGB PNG; throws htrmrl::Error naming the file when it cannot.
void write_png(const std::string& path, const Image& image);
// Reads any PNG as 8-bit RGB; throws htrmrl::Error naming the file when it cannot.
Image read_png(const std::string& path);

// Images of one height placed left to right.
Image side_by_side(const std::vector<Image>& images);

}  // namespace htrmrl::rendering
