// Task embeddings of sampled trials: one per (task, trial, episode), taken at the episode's
// last step (Agent::embed of the context acted on there: z_task for HTrMRL, the transformer's
// output at the current state for TrMRL and flat, the GRU state for RL^2 and VariBAD, the
// adapted policy's features for MAML, the episode's latent z for PEARL). The t-SNE map of
// the report (the paper's Figure 3) is drawn from these.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace htrmrl {

// How tasks are told apart on a map: by name when tasks share names but not all one name
// (ML10: variations of ten named tasks), else by task index (point-robot goals; ML1, whose
// tasks are variations of one named task).
enum class TaskGrouping { kByIndex, kByName };
TaskGrouping task_grouping(const std::vector<std::string>& names);

// The tasks a map shows: those of the first `groups` groups (names in order of appearance,
// or indices), at most `per_group` tasks of each.
std::vector<int> map_tasks(const std::vector<std::string>& names, int groups, int per_group);

struct EmbedOptions {
  std::string checkpoint;       // empty: RUN/checkpoints/latest.pt
  std::string split = "train";  // which task list: "train" or "test"
  int trials = 1;               // trials per task (raised to reach min_points)
  int map_groups = 0;           // > 0: only map_tasks(names, map_groups, 5); 0: every task
  int min_points = 0;           // more trials per task until there are this many rows
};

struct Embeddings {
  std::string kind;                       // agent.kind of the run
  std::vector<std::string> task_names;    // the split's task names, by task index
  TaskGrouping grouping = TaskGrouping::kByIndex;
  std::vector<int> task, trial, episode;  // per row
  torch::Tensor z;                        // [rows, d], float, CPU
};

// Plays the trials of each chosen task with the run's config and checkpoint
// (trial j of task i seeded from the run seed, tag kTagEmbed, split, i, j; actions as
// eval.deterministic says) and collects every episode's final embedding.
Embeddings embed_run(const std::string& run_dir, const EmbedOptions& options);

// CSV: task,name,trial,episode,z0..z{d-1}; rows ordered by task, trial, episode.
std::string embeddings_csv(const Embeddings& embeddings);

}  // namespace htrmrl
