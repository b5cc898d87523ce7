#!/usr/bin/env python3
# Copyright 2026 The model_search Authors. Licensed under the Apache License,
# Version 2.0.
"""The reference figures of bench/steps: the same three nets in PyTorch.

Builds the layers that bench/steps.ts gets from its towers (dense layers
with ReLU; two 3x3 same-padded convolutions with ReLU, flattened; an LSTM
read at the last valid step), trains them with Adam on random batches made
before timing, on --threads threads (default 1), and prints JSON:

  {"available": true, "version": ..., "threads": 1,
   "nets": {"dnn": {"ms_per_step": ..., "parameters": ...}, ...}}

Without torch it prints {"available": false, "reason": ...} and exits 0.
"""

import argparse
import json
import time


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument('--steps', type=int, default=50)
  parser.add_argument('--batch_size', type=int, default=32)
  parser.add_argument('--threads', type=int, default=1)
  # Distinct batches, used in turn when --steps asks for more: as
  # bench/steps.ts does, which says why the figures stay honest.
  parser.add_argument('--batch_pool', type=int, default=50)
  args = parser.parse_args()
  try:
    import torch  # pylint: disable=g-import-not-at-top
    from torch import nn  # pylint: disable=g-import-not-at-top
  except ImportError as e:
    print(json.dumps({'available': False, 'reason': 'no torch: %s' % e}))
    return
  torch.set_num_threads(args.threads)
  torch.manual_seed(0)

  class LastValidStep(nn.Module):
    """An LSTM over the sequence, read at step lengths - 1."""

    def __init__(self, features, units):
      super().__init__()
      self.lstm = nn.LSTM(features, units, batch_first=True)

    def forward(self, x, lengths):
      out, _ = self.lstm(x)
      index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, out.shape[2])
      return out.gather(1, index).squeeze(1)

  class RnnNet(nn.Module):

    def __init__(self):
      super().__init__()
      self.tower = LastValidStep(8, 128)
      self.logits = nn.Linear(128, 2)

    def forward(self, x, lengths):
      return self.logits(self.tower(x, lengths))

  nets = {
      'dnn': (nn.Sequential(nn.Linear(30, 256), nn.ReLU(),
                            nn.Linear(256, 128), nn.ReLU(),
                            nn.Linear(128, 2)), (30,), 2),
      # channels first, as PyTorch convolutions want: the same arithmetic.
      'cnn': (nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(),
                            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                            nn.Flatten(), nn.Linear(16 * 16 * 64, 10)),
              (3, 16, 16), 10),
      'rnn': (RnnNet(), (20, 8), 2),
  }
  results = {}
  warmup = 5
  for name, (model, shape, classes) in nets.items():
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    def make_pool(count, shape=shape, classes=classes):
      return [(torch.randn(args.batch_size, *shape),
               torch.randint(0, classes, (args.batch_size,)))
              for _ in range(max(1, min(count, args.batch_pool)))]

    # Warm-up batches of their own, as bench/steps.ts makes them.
    warmup_pool = make_pool(warmup)
    pool = make_pool(args.steps)
    lengths = torch.full((args.batch_size,), shape[0], dtype=torch.long)

    def step(x, y):
      optimizer.zero_grad()
      logits = model(x, lengths) if name == 'rnn' else model(x)
      loss = loss_fn(logits, y)
      loss.backward()
      optimizer.step()
      return loss

    for i in range(warmup):
      step(*warmup_pool[i % len(warmup_pool)])
    start = time.perf_counter()
    for i in range(args.steps):
      loss = step(*pool[i % len(pool)])
    loss.item()
    seconds = time.perf_counter() - start
    parameters = sum(p.numel() for p in model.parameters())
    if name == 'rnn':
      # PyTorch's LSTM keeps two bias vectors (input and recurrent) where
      # TensorFlow.js keeps one; count it as TensorFlow.js does.
      parameters -= 4 * 128
    results[name] = {'ms_per_step': seconds * 1000 / args.steps,
                     'parameters': parameters}
  print(json.dumps({'available': True, 'version': torch.__version__,
                    'threads': torch.get_num_threads(), 'nets': results}))


if __name__ == '__main__':
  main()
