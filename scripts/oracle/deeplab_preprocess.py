# Dev-time oracle of the official DeepLabV3 eval resize: cv2.resize(INTER_LINEAR) of a uint8 image, as engine/eval_segmentation.py does before /255.
# Usage: /usr/bin/python3 scripts/oracle/deeplab_preprocess.py [OUT_DIR=test/fixtures/seg]  (writes cv2_resize.{json,image.bin,resized_*.bin})
import json, os, sys
import cv2
import numpy as np

out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../../test/fixtures/seg'))
rng = np.random.default_rng(14)
# a smooth image with some sharp edges, H=37, W=53, 3 channels (uint8)
y, x = np.mgrid[0:37, 0:53]
img = np.stack([127 + 120 * np.sin(0.3 * x + 0.1 * y), 127 + 120 * np.cos(0.2 * y), (x > 20) * 200 + rng.integers(0, 50, x.shape)], -1)
img = np.clip(np.round(img), 0, 255).astype(np.uint8)
manifest = {'description': 'cv2.resize(img, (S, S), interpolation=cv2.INTER_LINEAR) of a uint8 [37,53,3] image (the official eval resize, '
            'engine/eval_segmentation.py) to S = 64 (up) and 16 (down); stored as float32 values 0..255, HWC',
            'cv2_version': cv2.__version__, 'layout': 'HWC', 'tensors': {}, 'attrs': {}}
def save(name, a):
    a.astype(np.float32).tofile(os.path.join(out, f'cv2_resize.{name}.bin'))
    manifest['tensors'][name] = {'shape': list(a.shape), 'dtype': 'float32', 'file': f'cv2_resize.{name}.bin'}
save('image', img)
for s in (64, 16):
    save(f'resized_{s}', cv2.resize(img, (s, s), interpolation=cv2.INTER_LINEAR))
with open(os.path.join(out, 'cv2_resize.json'), 'w') as f:
    json.dump(manifest, f, indent=1)
