// Data-parallel training across processes: the world a process belongs to, read from the
// environment variables torchrun, mpirun wrappers or Slurm scripts set, and the c10d process
// group (Gloo on the CPU, NCCL for CUDA when LibTorch has it) that connects the ranks. This is
// the one file that includes c10d; everything else sees common/collective.hpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/collective.hpp"

namespace htrmrl {

struct World {
  int rank = 0;
  int size = 1;
  int local_rank = 0;  // this machine's rank: picks the CUDA device when device = cuda
  std::string master_addr;
  int master_port = 0;
  // torchrun's agent serves the store at MASTER_ADDR:MASTER_PORT (TORCHELASTIC_USE_AGENT_STORE)
  // and every rank is its client, under the key prefix of this restart attempt.
  bool agent_store = false;
  std::string restart_attempt = "0";
  bool distributed() const { return size > 1; }
};

// RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT and LOCAL_RANK (default: RANK), plus torchrun's
// TORCHELASTIC_USE_AGENT_STORE and TORCHELASTIC_RESTART_COUNT. WORLD_SIZE unset or 1 is one
// process, no group. A missing or malformed variable, or RANK >= WORLD_SIZE, throws
// htrmrl::Error naming it.
World world_from_environment();
// The same rules over any lookup (a null result = unset), for tests.
World parse_world(const std::function<const char*(const char*)>& lookup);

// The device this rank trains on: `cuda` becomes cuda:LOCAL_RANK in a distributed world.
std::string rank_device(const World& world, const std::string& device);

// Connects to the world's other ranks: rendezvous through a TCPStore at
// MASTER_ADDR:MASTER_PORT (served by rank 0, or by torchrun's agent), then a Gloo group (NCCL when device is CUDA and LibTorch was built
// with it). Every wait is bounded by timeout_s: a peer that exits or stays silent that long
// turns the next collective into an htrmrl::Error naming this rank and the lost peer.
std::unique_ptr<Collective> connect(const World& world, double timeout_s,
                                    const torch::Device& device);

// Runs `work` on rank 0 alone (the only rank with no group) while the others wait. If it
// throws, rank 0 rethrows and the others throw an Error saying that rank 0 refused, rather
// than reporting a lost peer later.
void on_rank0(Collective* group, const std::function<void()>& work);

// The same configuration everywhere: every rank compares a digest of its resolved config with
// rank 0's, so ranks launched with different flags refuse to start.
void check_same_config(Collective& group, const std::string& resolved_config);

}  // namespace htrmrl
