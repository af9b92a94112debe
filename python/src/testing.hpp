// htrmrl._envs._testing: references the Python tests compare the module against.
#pragma once

#include <pybind11/pybind11.h>

namespace htrmrl::python {

void bind_testing(pybind11::module_& m);

}  // namespace htrmrl::python
