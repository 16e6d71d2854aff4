// tests/fuzz/fuzz_config.cpp — libFuzzer target for the two settings readers.
//
// Each input is a settings text, read twice:
//   * as `coagent train --config FILE` reads it: CLI11's TOML parser and
//     set_config_entry() (apply_config_toml), then validate();
//   * as a checkpoint's settings block: parse_config_text().
// The contract: both return or throw std::invalid_argument. A text that is
// accepted must also print (config_to_text) as a text that parses back to the same
// settings — that is how settings reach a checkpoint.
//
// tests/unit/test_fuzz_regressions.cpp runs the corpus and the regressions through
// fuzz_config_input() (compiled there with COAGENT_FUZZ_NO_MAIN).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "coagent/run.hpp"
#include "coagent/config.hpp"

namespace coagent::fuzz {
namespace {

// A broken property rather than a rejected input: never caught by the harness.
struct PropertyViolation : std::logic_error {
  using std::logic_error::logic_error;
};

void check_round_trip(const TrainConfig& cfg) {
  const std::string printed = config_to_text(cfg);
  std::string reprinted;
  try {
    reprinted = config_to_text(parse_config_text(printed));
  } catch (const std::invalid_argument& e) {
    throw PropertyViolation("accepted settings print as a text that does not parse: " +
                            std::string(e.what()));
  }
  if (reprinted != printed)
    throw PropertyViolation("settings do not round-trip:\n" + printed + "--- read back as:\n" +
                            reprinted);
}

}  // namespace

// Throws std::invalid_argument if either reader rejects the text.
void fuzz_config_input(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  bool rejected = false;
  TrainConfig cfg;
  try {
    apply_config_toml(text, cfg, "fuzz.toml");
    cfg.validate();
    check_round_trip(cfg);
  } catch (const std::invalid_argument&) {
    rejected = true;
  }
  try {
    check_round_trip(parse_config_text(text));
  } catch (const std::invalid_argument&) {
    rejected = true;
  }
  if (rejected) throw std::invalid_argument("fuzz_config: rejected");
}

}  // namespace coagent::fuzz

#ifndef COAGENT_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    coagent::fuzz::fuzz_config_input(data, size);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
#endif
