#!/usr/bin/env python3
"""Checks that the PyTorch twin (torch_twin.py) computes what DL4J's network computes, from the
files org.selfsup.bench.TwinDump wrote: DL4J's parameters are loaded into the twin (built with
DL4J's exact uneven Same padding), then compared: inference and training-mode outputs, the loss
(+ L2, as DL4J's score) and the parameters after one training step.

  torch_twin_check.py ARCH K INPUT_SIZE small|standard BLOCKS DIR

The step of each parameter tensor is compared with the twin's in float64 (the reference), beside
the twin's own float32 step, whose difference from float64 is float32's rounding on this network
(it grows where batch norm sees few values). A tensor fails when DL4J's difference exceeds
max(1e-3, 10 x that rounding). Batch norm's running statistics are printed, not checked: PyTorch
updates the running variance with the unbiased batch variance. Exit 1 on any failure.

A ReLU input within float32 rounding of zero may fall on the other side in DL4J's float32 forward
pass than in the float64 twin's, and that element's gradient then flows or not: one such element
moved the step of whole blocks by up to 9% (DL4J's own float against double, 13 draws in 60 had
one). So both twins' steps take DL4J's side at every ReLU (TwinDump's relu/ masks); DL4J's sides
must agree with the float64 twin's own wherever an input is farther than KINK_TOLERANCE of its
layer's largest input from zero.
"""
import copy
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_twin  # noqa: E402

torch_twin.EXACT_PADDING = True

# float32's rounding of the forward pass measured about 1e-6 of a layer's largest activation
KINK_TOLERANCE = 1e-4


def module_name(layer):
    """DL4J vertex name -> twin module name (block2_unit1_conv2 -> trunk.block2_unit1.conv2)."""
    if layer == "logits":
        return layer
    if layer.startswith("block"):
        cut = layer.index("_", layer.index("_") + 1)
        return "trunk.%s.%s" % (layer[:cut], layer[cut + 1:])
    return "trunk." + layer


def dl4j_tensors(folder, modules):
    """(module name, DL4J param key, twin tensor, DL4J values in the twin's layout) for every dumped parameter."""
    for f in sorted(os.listdir(folder)):
        layer, key = f[:-len(".npy")].split("__")
        name = module_name(layer)
        mod = modules[name]
        a = torch.from_numpy(np.load(os.path.join(folder, f)).astype(np.float64))
        if key == "W":
            target, a = mod.weight, (a.t() if isinstance(mod, nn.Linear) else a)  # dense: [nIn, nOut]
        elif key in ("b", "beta"):
            target = mod.bias
        elif key == "gamma":
            target = mod.weight
        elif key == "mean":
            target = mod.running_mean
        elif key == "log10stdev":  # log10 of the running standard deviation, epsilon not included
            target, a = mod.running_var, (10 ** a) ** 2
        elif key == "var":
            target = mod.running_var
        else:
            raise SystemExit("torch_twin_check.py: unknown DL4J parameter %s" % f)
        yield name, key, target, a.reshape(target.shape)


class MaskedReLU(nn.Module):
    """ReLU on DL4J's side of zero: the k-th ReLU call of a forward pass multiplies by DL4J's k-th mask."""

    def __init__(self, masks):
        super().__init__()
        self.masks = masks
        self.calls = 0

    def forward(self, x):
        mask = self.masks[self.calls % len(self.masks)]
        self.calls += 1
        return x * mask.to(x.dtype)


def reset_relu_calls(model, inputs):
    for m in model.modules():
        if isinstance(m, MaskedReLU):
            m.calls = 0


def mask_relus(model, masks):
    """Replaces every nn.ReLU of model (in place) by one MaskedReLU over DL4J's masks: the twin calls its
    ReLUs in DL4J's topological order, one chain per block."""
    masked = MaskedReLU(masks)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.ReLU):
                setattr(parent, name, masked)
    model.register_forward_pre_hook(reset_relu_calls)
    return model


def relu_disagreements(model, x, masks):
    """(ReLU inputs where DL4J's side differs from the float64 twin's, those of them farther than
    KINK_TOLERANCE x the layer's largest input from zero), over a training-mode forward pass."""
    model = copy.deepcopy(model)
    model.train()
    inputs = []
    hooks = [m.register_forward_hook(lambda m, i, o: inputs.append(i[0])) for m in model.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    if len(inputs) != len(masks):
        raise SystemExit("torch_twin_check.py: the twin ran %d ReLUs, DL4J %d" % (len(inputs), len(masks)))
    differ = far = 0
    for v, mask in zip(inputs, masks):
        if v.shape != mask.shape:
            raise SystemExit("torch_twin_check.py: ReLU input of shape %s against DL4J's %s" % (tuple(v.shape), tuple(mask.shape)))
        other = (v > 0).to(mask.dtype) != mask
        differ += int(other.sum().item())
        far += int((other & (v.abs() > KINK_TOLERANCE * v.abs().max())).sum().item())
    return differ, far


def one_step(model, x, y):
    model.train()
    opt = torch_twin.optimiser(model)
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()


def main(argv):
    if len(argv) != 6:
        raise SystemExit(__doc__.split("\n\n")[1])
    arch, k, size, variant, blocks, folder = argv
    load = lambda f: torch.from_numpy(np.load(os.path.join(folder, f)).astype(np.float64))
    twin = torch_twin.Classifier(arch, int(k), int(size), variant == "small", [int(b) for b in blocks.split(",")])
    twin = twin.double()
    modules = dict(twin.named_modules())
    loaded = 0
    with torch.no_grad():
        for _, _, target, a in dl4j_tensors(os.path.join(folder, "before"), modules):
            target.copy_(a)
            loaded += a.numel()
    bn_running = sum(m.running_mean.numel() * 2 for m in twin.modules() if isinstance(m, nn.BatchNorm2d))
    own = sum(p.numel() for p in twin.parameters()) + bn_running
    failures = []
    print("%s k=%s %spx %s blocks=%s: %d DL4J values loaded into the twin's %d" % (arch, k, size, variant, blocks, loaded, own))
    if loaded != own:
        failures.append("parameter counts")

    x = load("x.npy")
    y = torch.arange(x.shape[0]) % torch_twin.NUM_CLASSES
    with torch.no_grad():
        twin.eval()
        inference = (F.softmax(twin(x), 1) - load("inference.npy")).abs().max().item()
        twin.train()
        logits = copy.deepcopy(twin)(x)  # a copy: a training-mode forward moves the running statistics
        train_forward = (F.softmax(logits, 1) - load("train_forward.npy")).abs().max().item()
        l2 = 0.5 * torch_twin.WEIGHT_DECAY * sum(
            (m.weight ** 2).sum() for m in twin.modules() if isinstance(m, (nn.Conv2d, nn.Linear))).item()
        loss = F.cross_entropy(logits, y).item() + l2
    score = load("score.npy").reshape(-1)[0].item()
    print("  inference output (softmax) max |DL4J - twin| %.1e; training-mode output %.1e" % (inference, train_forward))
    print("  loss + L2: twin %.6f, DL4J score %.6f" % (loss, score))
    if inference > 1e-4 or train_forward > 1e-4:
        failures.append("outputs")
    if abs(loss - score) > 1e-4 * abs(score):
        failures.append("loss")

    relu_dir = os.path.join(folder, "relu")
    masks = [load(os.path.join("relu", f)) for f in sorted(os.listdir(relu_dir))]
    differ, far = relu_disagreements(twin, x, masks)
    print("  ReLU inputs on the other side of zero in DL4J: %d (%d of them farther than %.0e of the layer's largest input)"
          % (differ, far, KINK_TOLERANCE))
    if far:
        failures.append("ReLU sides")
    before = copy.deepcopy(twin)
    mask_relus(twin, masks)
    twin32 = copy.deepcopy(twin).float()
    one_step(twin, x, y)  # twin: float64 reference after the step, on DL4J's side of every ReLU
    one_step(twin32, x.float(), y)
    start = dict(before.named_parameters(), **dict(before.named_buffers()))
    after32 = dict(twin32.named_parameters(), **dict(twin32.named_buffers()))
    names = {id(t): n for n, t in list(twin.named_parameters()) + list(twin.named_buffers())}
    worst = {}
    with torch.no_grad():
        for name, key, target, a in dl4j_tensors(os.path.join(folder, "after"), modules):
            full = names[id(target)]
            reference = target - start[full]
            scale = max(reference.abs().max().item(), 1e-30)
            dl4j = (a - start[full] - reference).abs().max().item() / scale
            rounding = (after32[full].double() - start[full] - reference).abs().max().item() / scale
            checked = key not in ("mean", "var", "log10stdev")
            bad = checked and dl4j > max(1e-3, 10 * rounding)
            if bad:
                failures.append("step of %s.%s" % (name, key))
            if key not in worst or dl4j > worst[key][0]:
                worst[key] = (dl4j, rounding, full, bad, checked)
    print("  one training step, largest difference from the float64 twin's step (relative to its largest element):")
    for key, (dl4j, rounding, full, bad, checked) in sorted(worst.items()):
        print("    %-10s DL4J %.1e, twin in float32 %.1e  (%s)%s" % (
            key, dl4j, rounding, full, "  FAIL" if bad else "" if checked else "  (running statistic, not checked)"))
    if failures:
        print("  MISMATCH: " + ", ".join(failures))
        return 1
    print("  the twin matches")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
