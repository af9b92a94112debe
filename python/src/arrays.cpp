#include "arrays.hpp"

namespace htrmrl::python {
namespace {

// np.asarray(value), or TypeError naming `what` when NumPy cannot make an array of it.
py::array as_array(py::handle value, const char* what) {
  py::array arr = py::array::ensure(value);
  if (!arr) {
    PyErr_Clear();
    throw py::type_error(std::string(what) + " must be a NumPy array or a nested list of numbers");
  }
  return arr;
}

void check_shape(const py::array& arr, const char* what, const std::vector<py::ssize_t>& shape) {
  const std::vector<py::ssize_t> got(arr.shape(), arr.shape() + arr.ndim());
  if (got != shape)
    throw py::value_error(std::string(what) + " must have shape " + shape_string(shape) +
                          ", got " + shape_string(got));
}

std::string dtype_name(const py::array& arr) { return py::str(arr.dtype()).cast<std::string>(); }

}  // namespace

std::string shape_string(const std::vector<py::ssize_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

py::array_t<float, py::array::c_style> float_array(py::handle value, const char* what,
                                                   const std::vector<py::ssize_t>& shape) {
  py::array arr = as_array(value, what);
  check_shape(arr, what, shape);
  // Integers and booleans are refused rather than converted: they usually mean a discrete
  // action or a mix-up, not a continuous command.
  if (arr.dtype().kind() != 'f')
    throw py::type_error(std::string(what) + " must be float32 or float64, got " +
                         dtype_name(arr));
  auto converted = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(arr);
  if (converted.ptr() != arr.ptr()) return converted;  // the conversion made a new array
  return fresh_array<float>(shape, converted.data());
}

std::vector<char> bool_vector(py::handle value, const char* what, py::ssize_t n) {
  py::array arr = as_array(value, what);
  check_shape(arr, what, {n});
  if (arr.dtype().kind() != 'b')
    throw py::type_error(std::string(what) + " must be a bool array, got " + dtype_name(arr));
  auto flags = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(arr);
  return std::vector<char>(flags.data(), flags.data() + n);
}

}  // namespace htrmrl::python
