#include "rendering/image.hpp"

#include <png.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/error.hpp"

namespace htrmrl::rendering {

namespace {

// libpng reports errors by longjmp; a message is kept for the exception thrown after it.
struct PngFailure {
  char message[200] = "libpng could not encode it";
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* failure = static_cast<PngFailure*>(png_get_error_ptr(png));
  std::snprintf(failure->message, sizeof failure->message, "%s", message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

}  // namespace

void write_png(const std::string& path, const Image& image) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw Error("cannot write image '" + path + "': " + std::strerror(errno));
  PngFailure failure;
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, on_png_error, on_png_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  std::vector<png_bytep> rows(image.height);
  for (int y = 0; y < image.height; ++y)
    rows[y] = const_cast<png_bytep>(&image.rgb[static_cast<size_t>(y) * image.width * 3]);
  bool ok = png && info;
  // Nothing with a destructor lives between setjmp and the calls that may jump back.
  if (ok && setjmp(png_jmpbuf(png)) == 0) {
    png_init_io(png, file);
    // Frames come by the hundred: fast compression, about twice as quick as the default
    // for a few percent more bytes.
    png_set_compression_level(png, 2);
    png_set_IHDR(png, info, image.width, image.height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_rows(png, info, rows.data());
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  } else {
    ok = false;
  }
  png_destroy_write_struct(&png, &info);
  ok = std::fclose(file) == 0 && ok;
  if (!ok) throw Error("cannot write image '" + path + "': " + failure.message);
}

Image read_png(const std::string& path) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str()))
    throw Error("cannot read image '" + path + "': " + png.message);
  png.format = PNG_FORMAT_RGB;
  Image image;
  image.width = static_cast<int>(png.width);
  image.height = static_cast<int>(png.height);
  image.rgb.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, image.rgb.data(), 0, nullptr))
    throw Error("cannot read image '" + path + "': " + png.message);
  return image;
}

Image side_by_side(const std::vector<Image>& images) {
  Image out;
  if (images.empty()) return out;
  out.height = images.front().height;
  for (const Image& im : images) {
    if (im.height != out.height) throw Error("side_by_side: images differ in height");
    out.width += im.width;
  }
  out.rgb.resize(static_cast<size_t>(out.width) * out.height * 3);
  // Row by row: each image contributes its row at its own horizontal offset.
  for (int y = 0; y < out.height; ++y) {
    uint8_t* row = &out.rgb[static_cast<size_t>(y) * out.width * 3];
    for (const Image& im : images) {
      const size_t n = static_cast<size_t>(im.width) * 3;
      std::memcpy(row, &im.rgb[y * n], n);
      row += n;
    }
  }
  return out;
}

}  // namespace htrmrl::rendering
