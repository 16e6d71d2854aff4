// src/rules/kernels_generic.cpp — the neuron kernels built for generic (see kernels.hpp).
#define COAGENT_ISA_NAME generic
#include "rules/kernels.inc"
