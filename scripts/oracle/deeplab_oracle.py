# Dev-time oracle: the official DeepLabV3-EdgeFormer-S with formula weights, run in float64; writes small outputs to test/fixtures/seg/.
# Usage: /usr/bin/python3 scripts/oracle/deeplab_oracle.py [OFFICIAL_DIR=/work/official] [OUT_DIR=test/fixtures/seg]
# Needs Debian python3-torch (1.13); pycocotools (imported by the detection datasets only) is stubbed.
# Every parameter and BN buffer is filled by `formula_value(key, shape, i)`, which
# test/segmentation/oracle.test.ts reproduces in TypeScript (same integer hash, Math.sin, float32 cast),
# so the test can write the same state_dict as a .pt, convert it and compare the logits without
# storing the 23 MB of weights. Also prints the official parameter counts of the XS variants.
import collections
import collections.abc
import json
import math
import os
import sys
import types

collections.MutableMapping = collections.abc.MutableMapping  # the official options code predates Python 3.10

OFFICIAL = sys.argv[1] if len(sys.argv) > 1 else '/work/official'
OUT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), '../../test/fixtures/seg'))
sys.path.insert(0, OFFICIAL)
os.chdir(OFFICIAL)


def stub(name):
    parts = name.split('.')
    for i in range(1, len(parts) + 1):
        n = '.'.join(parts[:i])
        if n not in sys.modules:
            m = types.ModuleType(n)
            m.__path__ = []
            m.__getattr__ = lambda attr: type(attr, (), {})
            sys.modules[n] = m


for _ in range(20):
    try:
        from options.opts import get_training_arguments
        from cvnets.models.segmentation import build_segmentation_model
        break
    except ModuleNotFoundError as e:
        stub(e.name)
        for k in [k for k in sys.modules if k.split('.')[0] in ('options', 'cvnets', 'data', 'utils', 'loss_fn', 'metrics', 'engine', 'optim')]:
            del sys.modules[k]
import torch  # noqa: E402


def build(config, overrides=None):
    sys.argv = ['oracle', '--common.config-file', config]
    opts = get_training_arguments()
    setattr(opts, 'model.segmentation.n_classes', 21)
    # sync_batch_norm in eval mode on one device computes the same thing as plain BN
    setattr(opts, 'model.normalization.name', 'batch_norm_2d')
    setattr(opts, 'model.classification.pretrained', None)  # the MobileViT configs name a download URL
    for k, v in (overrides or {}).items():
        setattr(opts, k, v)
    return build_segmentation_model(opts)


def key_hash(key):
    h = 0
    for ch in key:
        h = (h * 31 + ord(ch)) % 2147483647
    return h


def formula_tensor(key, shape):
    """float32 values of a parameter / buffer: a per-key sinusoid over the flat index, scaled by role."""
    h = key_hash(key)
    omega = 0.7 + 1.3 * ((h % 1009) / 1009.0)
    phi = 2 * math.pi * ((h % 997) / 997.0)
    n = 1
    for d in shape:
        n *= d
    s = torch.sin(torch.arange(n, dtype=torch.float64) * omega + phi)
    if key.endswith('running_var'):
        v = 0.75 + 0.25 * (1 + s)
    elif key.endswith('running_mean'):
        v = 0.1 * s
    elif 'meta_kernel' in key:
        v = s / math.sqrt(n / shape[0])
    elif 'meta_pe' in key:
        v = 0.5 * s
    elif len(shape) == 1 and key.endswith('.weight'):  # norm scales
        v = 1 + 0.2 * s
    elif len(shape) == 1:  # norm shifts and conv biases
        v = 0.1 * s
    else:  # conv weights: amplitude ~ 1.5 / sqrt(fan_in)
        fan_in = n // shape[0]
        v = 1.5 * s / math.sqrt(fan_in)
    return v.to(torch.float32).reshape(shape)


def input_image(size):
    """NCHW [1, 3, S, S] in [0, 1]: x = 0.5 + 0.5·sin(0.05·(c+1)·y + 0.07·x + c)."""
    c = torch.arange(3, dtype=torch.float64).reshape(3, 1, 1)
    y = torch.arange(size, dtype=torch.float64).reshape(1, size, 1)
    x = torch.arange(size, dtype=torch.float64).reshape(1, 1, size)
    return (0.5 + 0.5 * torch.sin(0.05 * (c + 1) * y + 0.07 * x + c)).to(torch.float32).unsqueeze(0)


def save(name, t):
    t.detach().to(torch.float32).contiguous().numpy().tofile(os.path.join(OUT, name))


# BN calibration: with formula weights the activations would shrink layer after layer, leaving nearly
# constant logits (a weak test). One eval pass at 256 sets each BN's running stats, just before it runs,
# from two scalars of its input (mean and variance over all elements, stored in the manifest):
# running_mean = m + 0.1·sqrt(c)·s, running_var = c·(0.75 + 0.25·(1 + s')) with the per-key sinusoids s, s'.
def bn_values(key, shape, m, c):
    h = key_hash(key)
    omega = 0.7 + 1.3 * ((h % 1009) / 1009.0)
    phi = 2 * math.pi * ((h % 997) / 997.0)
    s = torch.sin(torch.arange(shape[0], dtype=torch.float64) * omega + phi)
    v = m + 0.1 * math.sqrt(c) * s if key.endswith('running_mean') else c * (0.75 + 0.25 * (1 + s))
    return v.to(torch.float32)


def calibrate_hook(name, bn_stats):
    def pre(mod, inp):
        x = inp[0]
        m, c = float(x.mean()), float(x.var(unbiased=False))
        bn_stats[name] = [m, c]
        with torch.no_grad():
            mod.running_mean.copy_(bn_values(f'{name}.running_mean', [mod.num_features], m, c))
            mod.running_var.copy_(bn_values(f'{name}.running_var', [mod.num_features], m, c))
    return pre


def oracle_case(title, config, prefix, sizes):
    """Formula weights, BN calibration at 256, float64 forward at each size; writes <prefix>.json and bins."""
    model = build(config)
    sd = model.state_dict()
    with torch.no_grad():
        for k, v in sd.items():
            if k.endswith('num_batches_tracked') or k.startswith('encoder.residual.'):
                continue  # encoder.residual.* IS encoder.layer_5.0.* (same storage)
            v.copy_(formula_tensor(k, list(v.shape)))
    model.eval().double()

    bn_stats = {}
    hooks = []
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            hooks.append(mod.register_forward_pre_hook(calibrate_hook(name.replace('encoder.residual.', 'encoder.layer_5.0.'), bn_stats)))
    with torch.no_grad():
        model(input_image(256).double())
    for hk in hooks:
        hk.remove()
    assert len(bn_stats) == sum(1 for k in sd if k.endswith('running_var') and not k.startswith('encoder.residual.')), len(bn_stats)
    assert all(torch.equal(sd[k], sd[k.replace('encoder.residual.', 'encoder.layer_5.0.')]) for k in sd if k.startswith('encoder.residual.'))
    captured = {}
    model.seg_head.classifier.classifier.register_forward_hook(lambda mod, i, o: captured.__setitem__('low', o))
    model.seg_head.aspp.register_forward_hook(lambda mod, i, o: captured.__setitem__('aspp', o))

    manifest = {
        'description': f'official {title} ({config}, 21 classes, '
                       'output stride 16) with every parameter and BN buffer set by the formula of scripts/oracle/deeplab_oracle.py '
                       '(reproduced in test/segmentation/oracle.test.ts); eval mode; float64 forward of the float32 weights on the '
                       'float32 formula input; logits_low = classifier output before the x16 upsampling; logits_sampled = the '
                       'upsampled logits at rows/cols 0, step, 2·step, ... (full logits are too big to store)',
        'torch_version': torch.__version__, 'layout': 'NCHW', 'tensors': {}, 'attrs': {},
    }
    for size, step in sizes:
        x = input_image(size)
        with torch.no_grad():
            logits = model(x.double())
        low, aspp = captured['low'], captured['aspp']
        # the official float32 forward, to know how far float32 arithmetic alone lands from the float64 reference
        with torch.no_grad():
            model.float()
            model(x)
            low32 = captured['low'].double()
            model.double()
        manifest['attrs'][f'fp32_vs_fp64_rel_err_low_{size}'] = float((low32 - low).abs().max() / low.abs().max())
        sampled = logits[:, :, ::step, ::step]
        for name, t in [(f'logits_low_{size}', low), (f'logits_sampled_{size}', sampled)]:
            save(f'{prefix}.{name}.bin', t)
            manifest['tensors'][name] = {'shape': list(t.shape), 'dtype': 'float32', 'file': f'{prefix}.{name}.bin'}
        manifest['attrs'][f'sample_step_{size}'] = step
        manifest['attrs'][f'logits_shape_{size}'] = list(logits.shape)
        manifest['attrs'][f'logits_abs_max_{size}'] = float(logits.abs().max())
        manifest['attrs'][f'logits_std_over_pixels_{size}'] = float(logits.std(dim=(2, 3)).mean())
        manifest['attrs'][f'aspp_abs_mean_{size}'] = float(aspp.abs().mean())
        manifest['attrs'][f'argmax_histogram_{size}'] = torch.bincount(logits.argmax(1).flatten(), minlength=21).tolist()
    manifest['attrs']['bn_stats'] = bn_stats
    manifest['attrs']['params'] = sum(p.numel() for p in model.parameters())
    manifest['attrs']['state_dict_entries'] = len(sd)
    with open(os.path.join(OUT, f'{prefix}.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    return manifest


manifest = oracle_case('DeepLabV3-EdgeFormer-S', 'config/segmentation/edgeformer/deeplabv3_edgeformer_s.yaml', 'deeplab_oracle', [(256, 9), (512, 17)])
# The MobileViT-S baseline (its state_dict key list is written too: the test builds the checkpoint from it).
mv = oracle_case('DeepLabV3-MobileViT-S', 'config/segmentation/mobilevit/deeplabv3_mobilevit_small.yaml', 'deeplab_oracle_mobilevit_s', [(256, 9)])
with open(os.path.join(OUT, 'deeplabv3_mobilevit_s_state_dict_keys.txt'), 'w') as f:
    f.write('# DeepLabV3-MobileViT-S state_dict (config/segmentation/mobilevit/deeplabv3_mobilevit_small.yaml, 21 classes), written by scripts/oracle/deeplab_oracle.py\n')
    f.write('# columns: key <TAB> shape <TAB> dtype\n')
    for k, v in build('config/segmentation/mobilevit/deeplabv3_mobilevit_small.yaml').state_dict().items():
        f.write(f"{k}\t{'x'.join(str(d) for d in v.shape) if v.dim() else 'scalar'}\t{str(v.dtype).replace('torch.', '')}\n")

# Official counts of the XS variants (21 classes), for the registry entries.
counts = {'deeplabv3-paccnet-s': manifest['attrs']['params']}
xs = build('config/segmentation/edgeformer/deeplabv3_edgeformer_s.yaml',
           {'model.classification.edge.scale': 'scale_xs', 'model.classification.edge.fusion': 'add'})
counts['deeplabv3-paccnet-xs'] = sum(p.numel() for p in xs.parameters())
for name, cfg in [('deeplabv3-mobilevit-s', 'deeplabv3_mobilevit_small.yaml'), ('deeplabv3-mobilevit-xs', 'deeplabv3_mobilevit_x_small.yaml')]:
    counts[name] = sum(p.numel() for p in build(f'config/segmentation/mobilevit/{cfg}').parameters())
manifest['attrs']['official_param_counts_21_classes'] = counts
with open(os.path.join(OUT, 'deeplab_oracle.json'), 'w') as f:
    json.dump(manifest, f, indent=1)
print(json.dumps({k: v for k, v in mv['attrs'].items() if k != 'bn_stats'}))
print(json.dumps({k: v for k, v in manifest['attrs'].items() if k != 'bn_stats'}))
