# Exports an official EdgeFormer (PaCC-Net) / MobileViT classifier to ONNX (opset 13, static 1x3xSxS) for the vs-ort benchmark.
# Usage: PYTHONPATH=<stubs> /usr/bin/python3 bench/peers/export_onnx.py <official repo> <config yaml> <out.onnx> [size=256]
# The exporter cannot trace a conv whose weight comes from F.interpolate, so, as the shared fixtures did
# for XS, the instance kernels / PEs are computed once for the export size and frozen as constants.
import sys
import torch

repo, cfg, out = sys.argv[1], sys.argv[2], sys.argv[3]
size = int(sys.argv[4]) if len(sys.argv) > 4 else 256
sys.path.insert(0, repo)
sys.argv = ['export', '--common.config-file', cfg]
from cvnets import get_model  # noqa: E402
from options.opts import get_training_arguments  # noqa: E402

torch.manual_seed(2025)
model = get_model(get_training_arguments()).eval()
print('parameters', sum(p.numel() for p in model.parameters()))


def freeze(block, n):
    # Buffers (initializers), not Python constants: the exporter's shape inference loses prim::Constant shapes.
    with torch.no_grad():
        ks = [t.detach().clone() for t in block.get_instance_kernel(n)]
        pes = [t.detach().clone() for t in block.get_instance_pe(n)] if getattr(block, 'use_pe', False) else []
    for i, t in enumerate(ks):
        block.register_buffer(f'instance_kernel_{i}', t)
    for i, t in enumerate(pes):
        block.register_buffer(f'instance_pe_{i}', t)
    block.get_instance_kernel = lambda _n: tuple(getattr(block, f'instance_kernel_{i}') for i in range(len(ks)))
    block.get_instance_pe = lambda _n: tuple(getattr(block, f'instance_pe_{i}') for i in range(len(pes)))


# Record each block's feature size at the export size, then freeze its kernels for that size.
sizes = {}
hooks = [m.register_forward_pre_hook(lambda m, inp: sizes.__setitem__(m, inp[0].shape[2]))
         for m in model.modules() if hasattr(m, 'get_instance_kernel')]
with torch.no_grad():
    model(torch.rand(1, 3, size, size))
for h in hooks:
    h.remove()
for m, n in sizes.items():
    freeze(m, n)
x = torch.rand(1, 3, size, size)
with torch.no_grad():
    torch.onnx.export(model, x, out, opset_version=13, input_names=['input'], output_names=['logits'])
print('wrote', out)
