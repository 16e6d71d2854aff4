// src/rules/kernels_avx2.cpp — the neuron kernels built for avx2 (see kernels.hpp).
#define COAGENT_ISA_NAME avx2
#include "rules/kernels.inc"
