#!/usr/bin/python3
"""PyTorch peer of `htrmrl bench` (issue 6): the same HTrMRL network written the
straightforward way, to compare our throughput against.

The network is ours (src/models/htrmrl_agent.cpp, transformer.cpp, heads.cpp) at the paper's
defaults: token = [obs | prev action | prev reward | prev done]; phi1 = Linear(token, d) plus
sinusoidal positions; T1 = 2 pre-norm encoder blocks (4 heads, ff 128, ReLU, no dropout,
final LayerNorm) over each sequence of S tokens with a key padding mask; z_seq = T1's output
at the last position (sequences are right-aligned); T2 = 2 such blocks over the K summaries
(no positions, slot mask); z_task = T2's output at the last slot; the policy and value heads
read [phi2(state), z_task] through two tanh layers of 64 (last layer of the mean scaled by
0.01), with a state-independent log-std (initial std 0.5).

The blocks are torch.nn.TransformerEncoderLayer(batch_first=True, norm_first=True) in a
torch.nn.TransformerEncoder with a final LayerNorm: what a straightforward user writes. In
inference (eval mode, no grad) PyTorch runs them through its fused "fast path"
(torch._transformer_encoder_layer_fwd).

"Straightforward" means: every step's K sequences are encoded from scratch (no cache of past
episodes' z_seq) and, in the update, every sample's context is stored whole and encoded from
scratch (no deduplication of the sequences samples share).
  inference  a batch of B environments; each step gathers its [B, K, S, D] contexts from the
             environments' token histories (all K slots full), runs one no-grad forward pass
             (T1 over B*K sequences, T2 over B) and samples actions: env steps/s = B * steps /
             seconds.
  update     a synthetic rollout of N samples, each with a full context of K*S tokens; one
             PPO epoch of shuffled minibatches: forward, clipped surrogate + value loss,
             backward, clip_grad_norm_(0.5), Adam step: samples/s = N / epoch seconds.
Each figure is the median of --repeats timed repetitions after one warm-up repetition.
--threads sets torch's intra-op threads and OpenBLAS's (as `htrmrl bench` does). With
--device cuda every tensor and parameter is made on the GPU (torch.set_default_device) and
each timed repetition ends with torch.cuda.synchronize().

Usage (Debian's python3-torch; CPU):
  /usr/bin/python3 bench/peer_pytorch.py                          # defaults: B 16, 1 thread
  /usr/bin/python3 bench/peer_pytorch.py --batch 16,64,256 --json runs/peer.json
  /usr/bin/python3 bench/peer_pytorch.py --quick                  # a few seconds (ctest smoke)
Prints the results as JSON; exits 1 if any figure is not a positive number, 2 on bad input.
"""
import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--obs-dim", type=int, default=2, help="observation size (point-robot: 2)")
    p.add_argument("--act-dim", type=int, default=2, help="action size (point-robot: 2)")
    p.add_argument("--episodes", "-K", type=int, default=25, help="context slots K")
    p.add_argument("--seq-len", "-S", type=int, default=5, help="tokens per sequence S")
    p.add_argument("--d-model", type=int, default=32)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ff-dim", type=int, default=128)
    p.add_argument("--blocks", type=int, default=2, help="blocks in T1 and in T2 each")
    p.add_argument("--hidden", type=int, default=64, help="policy/value hidden width")
    p.add_argument("--batch", default="16", help="environments per batch, or a list: 16,64,256")
    p.add_argument("--steps", type=int, default=50, help="inference steps per repetition")
    p.add_argument("--samples", type=int, default=4096, help="rollout samples per PPO epoch")
    p.add_argument("--minibatch", type=int, default=32, help="samples per PPO minibatch")
    p.add_argument("--repeats", type=int, default=5, help="timed repetitions (median reported)")
    p.add_argument("--threads", type=int, default=1, help="torch and OpenBLAS threads")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="cpu",
                   help="cpu or cuda (cuda: torch >= 2.0, everything made on the GPU)")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--quick", action="store_true", help="a tiny run of a few seconds (smoke test)")
    args = p.parse_args()
    try:
        args.batch = [int(b) for b in args.batch.split(",")]
    except ValueError:
        p.error(f"--batch: expected a number or a comma-separated list, got '{args.batch}'")
    counts = [args.obs_dim, args.act_dim, args.episodes, args.seq_len, args.d_model, args.heads,
              args.ff_dim, args.blocks, args.hidden, args.steps, args.samples, args.minibatch,
              args.repeats, args.threads] + args.batch
    if min(counts) < 1:
        p.error("every size, count and --batch entry must be positive")
    if args.d_model % args.heads:
        p.error(f"--d-model ({args.d_model}) must be divisible by --heads ({args.heads})")
    if args.quick:
        args.batch, args.steps, args.samples, args.repeats = [4], 3, 64, 1
    return args


ARGS = parse_args()
# OpenBLAS (the BLAS behind Debian's torch) starts its own thread pool when loaded, which
# torch.set_num_threads does not reach: size it before importing torch.
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))
import torch  # noqa: E402
from torch import nn  # noqa: E402


def sinusoidal_positions(length, d_model):
    """[length, d_model]: sin on even features, cos on odd ones (ours: sinusoidal_positions)."""
    pos = torch.arange(length, dtype=torch.float64).unsqueeze(1)
    freq = 10000.0 ** (-2.0 * (torch.arange(d_model) // 2).double() / d_model)
    angle = pos * freq
    return torch.where(torch.arange(d_model) % 2 == 0, angle.sin(), angle.cos()).float()


def encoder(args):
    layer = nn.TransformerEncoderLayer(args.d_model, args.heads, args.ff_dim, dropout=0.0,
                                       batch_first=True, norm_first=True)
    # Nested tensors are never used with norm_first; saying so keeps torch 2.x quiet.
    return nn.TransformerEncoder(layer, args.blocks, norm=nn.LayerNorm(args.d_model),
                                 enable_nested_tensor=False)


def mlp(inputs, hidden, outputs, gain):
    net = nn.Sequential(nn.Linear(inputs, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                        nn.Tanh(), nn.Linear(hidden, outputs))
    with torch.no_grad():
        net[-1].weight.mul_(gain)
        net[-1].bias.zero_()
    return net


class HTrMRL(nn.Module):
    def __init__(self, args):
        super().__init__()
        token, d = args.obs_dim + args.act_dim + 2, args.d_model
        self.obs_dim = args.obs_dim
        self.phi1 = nn.Linear(token, d)
        self.register_buffer("positions", sinusoidal_positions(args.seq_len, d))
        self.t1, self.t2 = encoder(args), encoder(args)
        self.phi2 = nn.Linear(args.obs_dim, d)
        self.policy = mlp(2 * d, args.hidden, args.act_dim, 0.01)
        self.value = mlp(2 * d, args.hidden, 1, 1.0)
        self.log_std = nn.Parameter(torch.full((args.act_dim,), math.log(0.5)))

    def forward(self, context, pad):
        """context [B, K, S, token], pad [B, K, S] (True = padding) -> mean, std, value."""
        b, k, s, _ = context.shape
        # T1 over all B*K sequences, positions added after phi1.
        x = self.phi1(context.reshape(b * k, s, -1)) + self.positions
        h = self.t1(x, src_key_padding_mask=pad.reshape(b * k, s))
        # z_seq: T1's output at each sequence's last position; T2 over the K summaries.
        z_seq = h[:, -1].reshape(b, k, -1)
        z_task = self.t2(z_seq, src_key_padding_mask=pad[:, :, -1])[:, -1]
        # The current state: the obs of the last token of the last (current) sequence.
        state = context[:, -1, -1, :self.obs_dim]
        features = torch.cat([self.phi2(state), z_task], -1)
        std = self.log_std.clamp_min(math.log(1e-6)).exp().expand(b, -1)
        return self.policy(features), std, self.value(features).squeeze(-1)


def synchronize():
    if ARGS.device != "cpu":
        torch.cuda.synchronize()


def median_seconds(repeats, body):
    body()  # warm-up: allocator and thread pools settle
    synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_inference(agent, args, batch):
    k, s, token = args.episodes, args.seq_len, args.obs_dim + args.act_dim + 2
    # Each environment's trial so far: past episodes' windows at fixed places among its first
    # `past` tokens, then the current episode, one token written per step (warm-up included).
    past = 2 * k * s
    history = torch.randn(batch, past + s + (args.repeats + 1) * args.steps, token)
    past_starts = torch.randint(0, past - s + 1, (batch, k - 1))
    rows = torch.arange(batch).view(batch, 1, 1)
    offsets = torch.arange(s)
    pad = torch.zeros(batch, k, s, dtype=torch.bool)  # every slot holds S real tokens
    now = [past + s - 1]  # index of the current state's token
    agent.eval()

    def run_steps():
        with torch.no_grad():
            for _ in range(args.steps):
                # Build the contexts from scratch: K windows of S tokens per environment.
                current = torch.full((batch, 1), now[0] - s + 1)
                starts = torch.cat([past_starts, current], 1)
                context = history[rows, starts.unsqueeze(-1) + offsets]
                mean, std, _ = agent(context, pad)
                action = torch.distributions.Normal(mean, std).sample()
                # The environment answers: the next token [obs | action | reward | done].
                now[0] += 1
                history[:, now[0], :args.obs_dim] = torch.randn(batch, args.obs_dim)
                history[:, now[0], args.obs_dim:-2] = action
                history[:, now[0], -2] = torch.randn(batch)
                history[:, now[0], -1] = 0.0

    return batch * args.steps / median_seconds(args.repeats, run_steps)


def bench_update(agent, args):
    n, k, s, token = args.samples, args.episodes, args.seq_len, args.obs_dim + args.act_dim + 2
    # A synthetic rollout: every sample stores its whole context; log-probabilities come from
    # the current policy so that the ratios start near 1, as in a real update.
    contexts = torch.randn(n, k, s, token)
    pads = torch.zeros(n, k, s, dtype=torch.bool)
    with torch.no_grad():
        mean, std, values = agent(contexts, pads)
        dist = torch.distributions.Normal(mean, std)
        actions = dist.sample()
        old_log_probs = dist.log_prob(actions).sum(-1)
    advantages = torch.randn(n)
    returns = values + advantages
    optimizer = torch.optim.Adam(agent.parameters(), lr=1e-3, eps=1e-5)
    agent.train()

    def one_epoch():
        order = torch.randperm(n)
        for begin in range(0, n, args.minibatch):
            mb = order[begin:begin + args.minibatch]
            mean, std, value = agent(contexts[mb], pads[mb])
            dist = torch.distributions.Normal(mean, std)
            log_ratio = dist.log_prob(actions[mb]).sum(-1) - old_log_probs[mb]
            ratio = log_ratio.exp()
            adv = advantages[mb]
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            # Clipped surrogate and value regression (entropy coefficient 0, as ours).
            policy_loss = -torch.min(ratio * adv, ratio.clamp(0.8, 1.2) * adv).mean()
            value_loss = 0.5 * (value - returns[mb]).pow(2).mean()
            loss = policy_loss + 0.5 * value_loss
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
            optimizer.step()

    return n / median_seconds(args.repeats, one_epoch)


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), "")
    except OSError:
        pass
    return {"platform": platform.platform(), "python": platform.python_version(),
            "cpu": model or platform.processor(), "cpus": os.cpu_count()}


def write_atomic(path, text):
    # Write beside the target, then rename: no half-written file is left behind.
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".peer_pytorch.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the results from other users
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main():
    args = ARGS
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    if args.device != "cpu":
        if not hasattr(torch, "set_default_device") or not torch.cuda.is_available():
            print(f"error: --device {args.device} needs torch >= 2.0 with a usable GPU",
                  file=sys.stderr)
            return 2
        torch.set_default_device(args.device)
    agent = HTrMRL(args)
    result = {
        "peer": "pytorch", "torch_version": torch.__version__, "threads": args.threads,
        "device": args.device,
        "K": args.episodes, "S": args.seq_len, "d_model": args.d_model,
        "repeats": args.repeats,
        "inference": [{"batch": b, "env_steps_per_s": bench_inference(agent, args, b)}
                      for b in args.batch],
        "update": {"minibatch": args.minibatch, "samples": args.samples,
                   "samples_per_s": bench_update(agent, args)},
        "machine": machine(),
    }
    if args.device != "cpu":
        result["machine"]["gpu"] = torch.cuda.get_device_name()
    text = json.dumps(result, indent=2) + "\n"
    print(text, end="")
    if args.json:
        try:
            write_atomic(args.json, text)
        except OSError as e:
            print(f"error: cannot write --json {args.json}: {e.strerror}", file=sys.stderr)
            return 2
    figures = [r["env_steps_per_s"] for r in result["inference"]]
    figures.append(result["update"]["samples_per_s"])
    if not all(math.isfinite(f) and f > 0 for f in figures):
        print("error: a figure is not a positive number", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
