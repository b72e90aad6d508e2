# PyTorch side of the training-step benchmark: one SGD/Adam step of the official PaCC-Net (EdgeFormer) XS/S on the CPU, one thread.
#
# Run with Debian's torch: /usr/bin/python3 bench/peers/torch_train.py --variant xs --runs 10
# Builds the model from the official code (--official, default /work/official: hkzhang91/ParC-Net's
# cvnets) through its own option parser and config yaml, stubbing the imports a classification
# model never uses (pycocotools, cv2, ... are data-pipeline dependencies). Prints one JSON line:
# {"variant", "params_1000", "params", "ms": [...] (wall), "median_ms", "cpu_ms": [...] (process CPU time, which a
# shared machine inflates far less than wall time), "threads", "torch"}.
import argparse
import collections
import collections.abc
import json
import os
import sys
import time
from unittest import mock


def build_official(official: str, variant: str, classes: int):
    # The official option parser uses collections.MutableMapping (removed in Python 3.10).
    collections.MutableMapping = collections.abc.MutableMapping
    sys.path.insert(0, official)
    cfg = os.path.join(official, f'config/classification/edgeformer/edgeformer_{variant}.yaml')
    argv, sys.argv = sys.argv, ['torch_train', '--common.config-file', cfg]
    cwd = os.getcwd()
    os.chdir(official)
    try:
        for _ in range(40):
            try:
                from options.opts import get_training_arguments  # noqa: E402
                from cvnets import get_model  # noqa: E402
                break
            except ModuleNotFoundError as e:
                # A data/detection dependency the classification model does not use: stub it and retry.
                parts = e.name.split('.')
                for i in range(1, len(parts) + 1):
                    sys.modules['.'.join(parts[:i])] = mock.MagicMock()
                for k in [k for k in sys.modules if k.split('.')[0] in
                          ('options', 'data', 'cvnets', 'utils', 'loss_fn', 'optim', 'engine', 'metrics', 'common')]:
                    del sys.modules[k]
        opts = get_training_arguments()
        models = {}
        for n in (1000, classes):
            setattr(opts, 'model.classification.n_classes', n)
            models[n] = get_model(opts)
        return models[1000], models[classes]
    finally:
        sys.argv = argv
        os.chdir(cwd)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--variant', choices=['xs', 's'], default='xs')
    p.add_argument('--official', default='/work/official')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--classes', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--runs', type=int, default=10)
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args()

    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    full, model = build_official(a.official, a.variant, a.classes)
    params_1000 = sum(t.numel() for t in full.parameters())
    del full
    model.train()
    # Same step as the tfjs side: Adam (lr 1e-3), softmax cross-entropy on one-hot labels, batch of 8 64×64 images.
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.arange(a.batch) % a.classes
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times, cpu = [], []
    for _ in range(a.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    s = sorted(times)
    print(json.dumps({'variant': a.variant, 'params_1000': params_1000, 'params': sum(t.numel() for t in model.parameters()),
                      'ms': [round(t, 2) for t in times], 'median_ms': round(s[len(s) // 2], 2),
                      'cpu_ms': [round(t, 2) for t in cpu],
                      'threads': torch.get_num_threads(), 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
