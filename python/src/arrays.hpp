// NumPy conversions shared by the extension's bindings: fresh output arrays, and input arrays
// checked for shape and dtype with messages naming what was expected and what came.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <string>
#include <vector>

namespace htrmrl::python {

namespace py = pybind11;

// "(16, 4)", as Python prints a shape.
std::string shape_string(const std::vector<py::ssize_t>& shape);

// A new array of the given shape holding a copy of data: the caller may keep it for as long as
// it likes, since nothing else refers to its memory.
template <class T, class Source>
py::array_t<T> fresh_array(const std::vector<py::ssize_t>& shape, const Source* data) {
  py::array_t<T> out(shape);
  std::copy(data, data + out.size(), out.mutable_data());
  return out;
}

// The 0/1 chars of flags as a NumPy bool array of shape [flags.size()].
inline py::array_t<bool> fresh_bools(const std::vector<char>& flags) {
  return fresh_array<bool>({static_cast<py::ssize_t>(flags.size())}, flags.data());
}

// A private copy of value as a C-contiguous float32 array of exactly this shape, which nothing
// else refers to. Accepts anything np.asarray takes whose dtype is floating point: float32
// copied as is, other float types rounded to float32. Wrong shape: ValueError; non-floating
// dtype: TypeError; both name `what`.
py::array_t<float, py::array::c_style> float_array(py::handle value, const char* what,
                                                   const std::vector<py::ssize_t>& shape);

// value as 0/1 chars: a NumPy bool array (or a list of bools) of shape [n]; TypeError for
// another dtype, ValueError for another shape.
std::vector<char> bool_vector(py::handle value, const char* what, py::ssize_t n);

}  // namespace htrmrl::python
