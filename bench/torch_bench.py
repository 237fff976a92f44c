"""The bench's PyTorch reference: the same MLP and CNN as src/core/models/architectures.ts, trained
the same way (Adam 1e-3, softmax cross-entropy, shuffled batches), timed on the same CPU.

Usage: python3 bench/torch_bench.py '{"samples": 2000, "batch": 128, "repeats": 3, "threads": 1}'
Prints one JSON object: the torch version, the threads used and seconds per repeat.
"""
import json
import sys
import time

import torch
from torch import nn


def mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 64), nn.ReLU(), nn.Linear(64, 10),
    )


# Warm-up before timing, as bench/workloads.ts does: runs until this many seconds have passed.
WARM_UP_SECONDS = 1.0


def timed(repeats: int, run) -> list:
    warming = time.perf_counter()
    run()
    while time.perf_counter() - warming < WARM_UP_SECONDS:
        run()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return seconds


def bench(build, x, y, batch: int, repeats: int) -> dict:
    model = build()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        model.train()
        order = torch.randperm(x.shape[0])
        for start in range(0, x.shape[0], batch):
            idx = order[start:start + batch]
            optimiser.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimiser.step()

    def infer():
        model.eval()
        with torch.no_grad():
            for start in range(0, x.shape[0], 1024):
                model(x[start:start + 1024]).numpy()

    return {"train": timed(repeats, epoch), "infer": timed(repeats, infer)}


def main() -> None:
    args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    default_threads = torch.get_num_threads()
    samples, batch, repeats = args.get("samples", 2000), args.get("batch", 128), args.get("repeats", 3)
    if args.get("threads"):
        torch.set_num_threads(int(args["threads"]))
    torch.manual_seed(0)
    x = torch.rand(samples, 1, 28, 28)
    y = torch.randint(0, 10, (samples,))
    out = {
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "defaultThreads": default_threads,
        "samples": samples,
        "mlp": bench(mlp, x, y, batch, repeats),
        "cnn": bench(cnn, x, y, batch, repeats),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
