// src/run/checkpoint.cpp — constructing a Learner from a checkpoint archive: the
// container is verified (io/archive.cpp), the settings say which algorithm, and that
// algorithm's reader (the registry, run/algorithms.hpp) builds the run from the
// remaining bytes.
#include "coagent/checkpoint.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "io/archive.hpp"
#include "io/byte_reader.hpp"
#include "io/sha256.hpp"
#include "run/algorithms.hpp"
#include "local/trainer_state.hpp"

namespace coagent {
static_assert(kCheckpointVersion == io::kArchiveVersion);

namespace {

TrainConfig read_settings(io::ByteReader& r, const std::string& path) {
  const std::string text = r.get_str("settings");
  try {
    return parse_config_text(text);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("checkpoint '{}' has bad settings: {}", path, e.what()));
  }
}

EnvFactory checkpoint_factory(const TrainConfig& cfg, EnvFactory factory,
                              const std::string& path) {
  try {
    return factory_or_builtin(std::move(factory), cfg.env);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("checkpoint '{}': {}", path, e.what()));
  }
}

std::unique_ptr<Learner> read_learner(const std::vector<char>& payload, const std::string& path,
                                      EnvFactory factory) {
  io::ByteReader r(payload, fmt::format("checkpoint '{}' is corrupt", path));
  const TrainConfig cfg = read_settings(r, path);
  factory = checkpoint_factory(cfg, std::move(factory), path);
  return detail::algorithm(cfg.algo).read(cfg, r, factory, path);
}

}  // namespace

std::unique_ptr<Learner> load_learner(const std::string& path, EnvFactory factory) {
  return read_learner(io::read_archive(path), path, std::move(factory));
}

std::string sha256_hex(const void* data, std::size_t size) { return io::sha256_hex(data, size); }

std::string digest(const Network& net) {
  io::ByteWriter w;
  io::put_network_state(w, net);
  return io::sha256_hex(w.bytes().data(), w.bytes().size());
}

std::string digest(const Trainer& t) { return t.digest(); }

void save_checkpoint(const Trainer& trainer, const std::string& path) { trainer.save(path); }

std::unique_ptr<Trainer> load_checkpoint(const std::string& path, EnvFactory factory) {
  std::unique_ptr<Learner> l = load_learner(path, std::move(factory));
  if (l->config().algo != Algo::local)
    throw std::runtime_error(fmt::format("checkpoint '{}' holds a {} agent, not a local-rule network",
                                         path, to_string(l->config().algo)));
  return std::unique_ptr<Trainer>(static_cast<Trainer*>(l.release()));
}

}  // namespace coagent
