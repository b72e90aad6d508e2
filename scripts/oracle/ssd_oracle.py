# SSD whole-model oracle: builds the official SSD models (hkzhang91/ParC-Net code), fills every tensor with a formula, writes small outputs to test/fixtures/det/.
#
# Run (not part of the tests; needs the official code and PyTorch):
#   /usr/bin/python3 scripts/oracle/ssd_oracle.py --official /work/official --out test/fixtures/det
#
# Every parameter and BN buffer is a deterministic function of (state_dict key, shape, flat index)
# (`formula_value` below; test/detection/ssd_oracle_weights.ts computes the same numbers), so the
# test rebuilds the checkpoint without storing ~20 MB of weights. The input image is a formula too.
# Outputs are the float64 forward of the float32 weights on the float32 input (like the shared
# fixtures); the float32 forward's gap is recorded in the attrs.
import argparse
import collections
import collections.abc
import json
import math
import os
import sys
from unittest import mock

import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument('--official', default='/work/official')
p.add_argument('--out', default='test/fixtures/det')
args = p.parse_args()

# The official code predates Python 3.10 (collections.MutableMapping) and imports pycocotools at
# module level for its dataset classes; neither matters for building the model.
collections.MutableMapping = collections.abc.MutableMapping
for name in ['pycocotools', 'pycocotools.coco', 'pycocotools.cocoeval', 'pycocotools.mask']:
    sys.modules[name] = mock.MagicMock()
sys.path.insert(0, args.official)
os.chdir(args.official)
out_dir = args.out if os.path.isabs(args.out) else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', args.out)
out_dir = os.path.abspath(out_dir)


def build(config, overrides=None):
    sys.argv = ['oracle', '--common.config-file', config]
    from options.opts import get_eval_arguments
    opts = get_eval_arguments()
    setattr(opts, 'model.detection.pretrained', None)
    setattr(opts, 'model.classification.pretrained', None)
    setattr(opts, 'model.detection.n_classes', 81)
    # sync_batch_norm (the configs' choice for multi-GPU training) refuses CPU tensors; in eval it is
    # the same computation as batch_norm.
    setattr(opts, 'model.normalization.name', 'batch_norm')
    for k, v in (overrides or {}).items():
        setattr(opts, k, v)
    from cvnets import get_model
    return get_model(opts).eval()


def fnv1a(s):
    h = 0x811C9DC5
    for ch in s.encode('utf-8'):
        h ^= ch
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def formula_value(key, shape, n, bn_scale=None):
    """Values of tensor `key` (float64, before the float32 cast). Mirrored in ssd_oracle_weights.ts.
    Running means are not a formula: they are the calibrated per-channel means (see fill)."""
    phase = fnv1a(key) / 4294967296.0 * 2 * math.pi
    i = np.arange(n, dtype=np.float64)
    s = np.sin(0.61803398875 * i + phase)
    leaf = key.rsplit('.', 1)[-1]
    if leaf == 'running_var':  # bn_scale: the BN's calibrated input variance V
        return bn_scale * (1.0 + 0.3 * s)
    if leaf == 'bias':
        return 0.1 * s
    if 'meta_pe' in key:
        return 0.5 * s
    if len(shape) == 1 and leaf == 'weight':  # BN / LayerNorm scale
        return 1.0 + 0.2 * s
    # Variance 0.5 / fan-in (half of a variance-preserving init) keeps the deep residual stacks and
    # the instance kernels (up to 40 taps from a 32-tap meta kernel at 320) well conditioned in float32.
    if 'meta_kernel' in key:  # (C, 1, M, 1) or (C, 1, 1, M): fan-in M
        fan_in = max(shape[2], shape[3])
    else:  # conv (O, I/g, kh, kw) or linear (O, I)
        fan_in = int(np.prod(shape[1:]))
    return math.sqrt(1.0 / fan_in) * s


def set_tensor(t, key, bn_scale=None):
    v = formula_value(key, list(t.shape), t.numel(), bn_scale).astype(np.float32).reshape(t.shape)
    with torch.no_grad():
        t.copy_(torch.from_numpy(v))


def fill(model, calib_hw=(320, 320)):
    """Formula weights; then BN running statistics calibrated in one eval forward: a pre-hook on each
    BN (they run in forward order) sets running_mean = its input's per-channel mean and running_var
    = V·(1 + 0.3·s) with V = the mean over channels of the per-channel variance, before the BN runs.
    Without this the signal of the deep stacks vanishes or explodes and the outputs would not depend
    on the image. The per-channel means are stored (bn_means.bin), V per BN in the json."""
    sd = model.state_dict()
    seen = set()
    # encoder.residual.* come first in the state_dict (the attribute was registered at layer_3 and
    # re-pointed since); fill through the layer_5.0.* names, the ones the test uses.
    for k, t in sorted(sd.items(), key=lambda kv: '.residual.' in kv[0]):
        if t.dtype not in (torch.float32, torch.float64) or k.endswith('running_mean') or k.endswith('running_var'):
            continue
        if t.data_ptr() in seen:  # encoder.residual.* aliases encoder.layer_5.0.*: filled through the first key
            continue
        seen.add(t.data_ptr())
        set_tensor(t, k)
    names = {}
    for n, m in model.named_modules(remove_duplicate=False):
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and (m not in names or '.residual.' in names[m]):
            names[m] = n
    calib = []

    def hook(bn, inp):
        a = inp[0].detach().double()
        mc = a.mean(dim=(0, 2, 3)).float()
        v = float(np.float32(max(a.var(dim=(0, 2, 3), unbiased=False).mean().item(), 1e-4)))
        with torch.no_grad():
            bn.running_mean.copy_(mc)
        set_tensor(bn.running_var, names[bn] + '.running_var', v)
        calib.append((names[bn], v, mc.numpy().copy()))

    hooks = [m.register_forward_pre_hook(hook) for m in names]
    with torch.no_grad():
        model(image(*calib_hw))
    for h in hooks:
        h.remove()
    assert len(calib) == len(names), (len(calib), len(names))
    model.bn_calibration = calib
    return model


def image(h, w):
    """[1, 3, H, W] float32 in [0.05, 0.95]; mirrored in the test (NHWC)."""
    y = np.arange(h, dtype=np.float64)[:, None]
    x = np.arange(w, dtype=np.float64)[None, :]
    chans = [0.5 + 0.45 * np.sin(0.11 * y + 0.07 * x + 1.3 * c) * np.cos(0.05 * x - 0.03 * y * c) for c in range(3)]
    return torch.from_numpy(np.stack(chans)[None].astype(np.float32))


def prior_subset(p):
    """Priors whose confidences are stored: every 13th plus the last 100 (the small maps)."""
    return sorted(set(range(0, p, 13)) | set(range(max(0, p - 100), p)))


manifest_all = {}


def write_case(name, model, h, w, desc):
    x = image(h, w)
    with torch.no_grad():
        conf32, loc32 = model(x)
        m64 = fill_copy_double(model)
        conf, loc = m64(x.double())
        # How much the outputs depend on the image (not only on biases): the same model on the
        # horizontally flipped image.
        conf_f, _ = m64(torch.flip(x, [3]).double())
        sensitivity = (conf_f - conf).abs().mean().item()
    p = conf.shape[1]
    idx = prior_subset(p)
    tensors = {}

    def save(key, arr):
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        fn = f'{name}.{key}.bin'
        arr.tofile(os.path.join(out_dir, fn))
        tensors[key] = {'shape': list(arr.shape), 'dtype': 'float32', 'file': fn}

    save('locations', loc[0].numpy())
    save('confidences_subset', conf[0, idx].numpy())
    save('subset_index', np.array(idx, dtype=np.float32))
    save('bn_means', np.concatenate([c[2] for c in model.bn_calibration]))
    gap_c = (conf32.double() - conf).abs().max().item()
    gap_l = (loc32.double() - loc).abs().max().item()
    attrs = {
        'input_hw': [h, w], 'num_priors': p, 'num_classes': conf.shape[2],
        'input_formula': '0.5 + 0.45*sin(0.11*y + 0.07*x + 1.3*c)*cos(0.05*x - 0.03*y*c), float32, NCHW [1,3,H,W]',
        'weights_formula': 'see formula_value in scripts/oracle/ssd_oracle.py (fnv1a(key) phase, sin(0.61803398875*i + phase)); BN running_var from bn_calibration [module, V, channels]; running_mean = bn_means.bin (concatenated in that order)',
        'subset': 'confidences of priors i % 13 == 0 or i >= P-100 (subset_index)',
        'fp32_vs_fp64_max_abs': {'confidences': gap_c, 'locations': gap_l},
        'confidences_abs_max': conf.abs().max().item(), 'locations_abs_max': loc.abs().max().item(),
        'confidences_std': conf.std().item(), 'mean_abs_change_on_flipped_input': sensitivity, 'locations_std': loc.std().item(),
        'params': sum(q.numel() for q in model.parameters()),
        'bn_calibration': [[n, v, len(mc)] for n, v, mc in model.bn_calibration],
        'torch_version': torch.__version__,
    }
    man = {'description': desc, 'layout': 'confidences [P_subset, 81], locations [P, 4] (batch 1)', 'tensors': tensors, 'attrs': attrs}
    with open(os.path.join(out_dir, f'{name}.json'), 'w') as f:
        json.dump(man, f, indent=1)
    print(name, json.dumps(attrs))


def fill_copy_double(model):
    import copy
    return copy.deepcopy(model).double().eval()


counts = {}
ef_s = fill(build('config/detection/edgeformer/ssd_edgeformer_s.yaml'))
counts['ssd-paccnet-s'] = sum(q.numel() for q in ef_s.parameters())
write_case('ssd_oracle_paccnet_s_320', ef_s, 320, 320, 'official SSD-EdgeFormer-S (ssd_edgeformer_s.yaml, 81 classes), formula weights, eval forward at 320x320')
write_case('ssd_oracle_paccnet_s_256', ef_s, 256, 256, 'official SSD-EdgeFormer-S, formula weights, eval forward at 256x256')
mv_s = fill(build('config/detection/mobilevit/ssd_mobilevit_small_320.yaml'))
counts['ssd-mobilevit-s'] = sum(q.numel() for q in mv_s.parameters())
write_case('ssd_oracle_mobilevit_s_320', mv_s, 320, 320, 'official SSD-MobileViT-S (ssd_mobilevit_small_320.yaml), formula weights, eval forward at 320x320')
write_case('ssd_oracle_mobilevit_s_192x256', mv_s, 192, 256, 'official SSD-MobileViT-S, formula weights, eval forward at 192x256 (H x W)')
# Parameter counts of the variants the registry also carries (official code, other backbone settings).
ef_xs = build('config/detection/edgeformer/ssd_edgeformer_s.yaml', {'model.classification.edge.scale': 'scale_xs', 'model.classification.edge.fusion': 'add'})
counts['ssd-paccnet-xs'] = sum(q.numel() for q in ef_xs.parameters())
mv_xs = build('config/detection/mobilevit/ssd_mobilevit_x_small_320.yaml')
counts['ssd-mobilevit-xs'] = sum(q.numel() for q in mv_xs.parameters())
print('param counts', json.dumps(counts))
with open(os.path.join(out_dir, 'ssd_oracle_counts.json'), 'w') as f:
    json.dump({'description': 'trainable parameters of the official SSD models at 81 classes (scripts/oracle/ssd_oracle.py)', 'counts': counts}, f, indent=1)
