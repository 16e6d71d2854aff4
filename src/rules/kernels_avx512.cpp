// src/rules/kernels_avx512.cpp — the neuron kernels built for avx512 (see kernels.hpp).
#define COAGENT_ISA_NAME avx512
#include "rules/kernels.inc"
