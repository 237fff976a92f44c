"""The bench's PyTorch peer for a whole MIA Lab experiment: the same four parts of MNIST (written by
the Node side, so both train on identical records), the target trained on target-train and tested
on target-test, one shadow on shadow-train / shadow-test, each an MLP 784-128-10 (He-normal hidden,
Glorot-uniform output, zero biases, as src/core/models/architectures.ts), Adam, softmax
cross-entropy, shuffled batches, a train and test evaluation (loss and accuracy) after every
epoch, then the loss attack (Yeom et al., arXiv:1709.01604) with its threshold chosen on the shadow.

Usage: python3 bench/torch_experiment.py PARTS_FILE '{"epochs": 80, "batch": 128, "lr": 0.001, "threads": 1, "seed": 0}'

PARTS_FILE: a little-endian uint32 header length, a JSON header
{"shape": [28, 28, 1], "parts": {"targetTrain": {"count", "images", "labels"}, ...}} whose
offsets count from the end of the header, then the uint8 images and labels.
Prints one JSON object: timings of each phase, accuracies, the loss attack's AUC and accuracy, the
BLAS (torch_blas.py) and the threads used.
"""
import json
import math
import struct
import sys
import time

STARTED = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from torch_blas import blas_report  # noqa: E402

IMPORTED = time.perf_counter()
PARTS = ("targetTrain", "targetTest", "shadowTrain", "shadowTest")


def read_parts(path: str) -> dict:
    with open(path, "rb") as handle:
        raw = handle.read()
    (length,) = struct.unpack_from("<I", raw, 0)
    header = json.loads(raw[4:4 + length].decode("utf-8"))
    body = memoryview(raw)[4 + length:]
    height, width, channels = header["shape"]
    size = height * width * channels
    parts = {}
    for name in PARTS:
        part = header["parts"][name]
        count = part["count"]
        images = np.frombuffer(body, dtype=np.uint8, count=count * size, offset=part["images"])
        labels = np.frombuffer(body, dtype=np.uint8, count=count, offset=part["labels"])
        # Pixels / 255 as uploadPart (src/core/models/predict.ts) does.
        x = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(count, size)
        y = torch.from_numpy(labels.astype(np.int64))
        parts[name] = (x, y)
    return parts


def mlp(inputs: int, classes: int) -> nn.Module:
    hidden, output = nn.Linear(inputs, 128), nn.Linear(128, classes)
    nn.init.kaiming_normal_(hidden.weight, nonlinearity="relu")
    nn.init.xavier_uniform_(output.weight)
    nn.init.zeros_(hidden.bias)
    nn.init.zeros_(output.bias)
    return nn.Sequential(hidden, nn.ReLU(), output)


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple:
    """Per-record losses (numpy) and accuracy, in one forward pass."""
    model.eval()
    with torch.no_grad():
        logits = model(x)
        losses = nn.functional.cross_entropy(logits, y, reduction="none")
        correct = (logits.argmax(dim=1) == y).float().mean().item()
    return losses.numpy(), correct


def train(train: tuple, test: tuple, args: dict, seed: int) -> tuple:
    torch.manual_seed(seed)
    x, y = train
    model = mlp(x.shape[1], 10)
    optimiser = torch.optim.Adam(model.parameters(), lr=args["lr"])
    history = []
    for _ in range(args["epochs"]):
        model.train()
        order = torch.randperm(x.shape[0])
        for start in range(0, x.shape[0], args["batch"]):
            idx = order[start:start + args["batch"]]
            optimiser.zero_grad()
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            optimiser.step()
        train_losses, train_accuracy = evaluate(model, *train)
        test_losses, test_accuracy = evaluate(model, *test)
        history.append((float(train_losses.mean()), train_accuracy, float(test_losses.mean()), test_accuracy))
    return model, history


def auc(members: np.ndarray, non_members: np.ndarray) -> float:
    """P(member score > non-member score) + 1/2 P(tie): the Mann-Whitney form of the ROC's area."""
    scores = np.concatenate([members, non_members])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    m, n = len(members), len(non_members)
    return float((ranks[:m].sum() - m * (m + 1) / 2) / (m * n))


def shadow_threshold(members: np.ndarray, non_members: np.ndarray) -> float:
    """The score threshold (member when score >= it) with the best accuracy on the shadow's records."""
    candidates = np.unique(np.concatenate([members, non_members, [math.inf]]))
    best, best_accuracy = math.inf, -1.0
    for t in candidates:
        accuracy = ((members >= t).sum() + (non_members < t).sum()) / (len(members) + len(non_members))
        if accuracy > best_accuracy:
            best, best_accuracy = float(t), accuracy
    return best


def main() -> None:
    path = sys.argv[1]
    args = {"epochs": 80, "batch": 128, "lr": 1e-3, "threads": None, "seed": 0, **(json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})}
    default_threads = torch.get_num_threads()
    if args["threads"]:
        torch.set_num_threads(int(args["threads"]))
    marks = {"import": IMPORTED - STARTED}
    t = time.perf_counter()
    parts = read_parts(path)
    marks["read"] = time.perf_counter() - t

    t = time.perf_counter()
    target, target_history = train(parts["targetTrain"], parts["targetTest"], args, args["seed"])
    marks["target"] = time.perf_counter() - t
    t = time.perf_counter()
    shadow, _ = train(parts["shadowTrain"], parts["shadowTest"], args, args["seed"] + 1)
    marks["shadow"] = time.perf_counter() - t

    # The loss attack: score = -loss (a member has low loss), threshold from the shadow.
    t = time.perf_counter()
    shadow_in, _ = evaluate(shadow, *parts["shadowTrain"])
    shadow_out, _ = evaluate(shadow, *parts["shadowTest"])
    target_in, _ = evaluate(target, *parts["targetTrain"])
    target_out, _ = evaluate(target, *parts["targetTest"])
    threshold = shadow_threshold(-shadow_in, -shadow_out)
    attack_accuracy = float(((-target_in >= threshold).sum() + (-target_out < threshold).sum()) / (len(target_in) + len(target_out)))
    loss_auc = auc(-target_in, -target_out)
    marks["attack"] = time.perf_counter() - t

    final = target_history[-1]
    print(json.dumps({
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "defaultThreads": default_threads,
        "blas": blas_report(),
        "epochs": args["epochs"],
        "records": {name: int(parts[name][0].shape[0]) for name in PARTS},
        "seconds": {**marks, "inScript": time.perf_counter() - STARTED},
        "target": {"trainLoss": final[0], "trainAccuracy": final[1], "testLoss": final[2], "testAccuracy": final[3]},
        "lossAttack": {"auc": loss_auc, "accuracy": attack_accuracy},
    }))


if __name__ == "__main__":
    main()
