// src/settings/rule_list.hpp — the local rules, one row each (internal). A rule is its
// kernel file, src/rules/rule_<name>.inc (built into every instruction set's kernels:
// CMake lists the folder's rule_*.inc files), and its row here: the name the settings
// read, its help, and what the code outside its kernel needs to know of it (storage,
// the environment critic, checkpoint sizes, roofline bytes). A rule's id (the Rule
// value) is its row's index; checkpoints store names, never ids.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "coagent/config.hpp"

namespace coagent::rules {

inline constexpr RuleInfo kRuleList[] = {
    // name, help, compatible features, env critic, action gradient, eligibility, row arrays
    {"linear", "the paper's", false, false, false, false, 2},
    {"compatible", "per-neuron COPDAC-Q", true, false, false, false, 3},
    {"perturb", "node perturbation with a broadcast TD error and eligibility traces", false, true,
     false, true, 2},
    {"dfa", "a broadcast action gradient, through fixed random feedback to hidden neurons", false,
     true, true, false, 1},
};
inline constexpr int kRuleCount = static_cast<int>(std::size(kRuleList));

// The id of the rule named `name` (-1: none), at compile time for the kernels.
constexpr int rule_id(std::string_view name) noexcept {
  for (int i = 0; i < kRuleCount; ++i)
    if (kRuleList[i].name == name) return i;
  return -1;
}

// Every rule, in id order.
inline std::vector<Rule> all_rules() {
  std::vector<Rule> out;
  for (int i = 0; i < kRuleCount; ++i) out.push_back(static_cast<Rule>(i));
  return out;
}

static_assert(rule_id("linear") == static_cast<int>(Rule::linear) &&
                  rule_id("compatible") == static_cast<int>(Rule::compatible) &&
                  rule_id("perturb") == static_cast<int>(Rule::perturb) &&
                  rule_id("dfa") == static_cast<int>(Rule::dfa),
              "the named Rule values are their rows");

}  // namespace coagent::rules
