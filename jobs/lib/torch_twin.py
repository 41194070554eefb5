#!/usr/bin/env python3
"""The PyTorch twin of org.selfsup.bench.TrainBenchmark: builds, layer for layer, the network that
Models.classifier(Optimisation.base(new TrainConfig(), 0.01), trunk, 4) builds for a ResNet trunk
(models/ResNetBuilder.java, TrunkLayers.java, Architecture.ROOT_AND_STAGES) and times it the same way.

  torch_twin.py ARCH K INPUT_SIZE small|standard BLOCKS(2,2,2) BATCH SECONDS [THREADS]

What matches DL4J's network:
- convolutions without bias, DL4J's Same padding (output size ceil(in / stride)); Glorot-uniform
  weights. Where Same pads unevenly (a strided 3x3 or 7x7 on an even input: TF/DL4J put the extra
  row and column at the bottom and right) the twin pads symmetrically by the larger side instead:
  same output size and same arithmetic, the window shifted by one pixel, no separate pad pass;
- batch norm with DL4J's decay 0.99 (PyTorch momentum 0.01) and epsilon 1e-3, batch statistics
  in training, running statistics in inference; ReLU; residual sums; ResNet v1 post-activation or
  v2 pre-activation bottlenecks, stride on the 3x3, projection where the stride or width changes
  (v2: projection without BN reading the pre-activated input); standard variant: 7x7/2 root conv,
  BN + ReLU (v1 only), 3x3/2 max-pool; small variant: 3x3/1 root conv, no pool; v2: final BN + ReLU;
  global average pool; dense layer with bias to the classes (4); softmax cross-entropy, mean over
  the batch;
- optimiser: Optimisation.base = DL4J's Nesterovs(lr 0.01, momentum 0.9) and L2 1e-4, which DL4J
  adds to the gradient of conv and dense weights only (not biases, not batch norm): SGD(nesterov,
  momentum 0.9) with weight_decay 1e-4 on exactly those tensors.
- timing as TrainBenchmark: random inputs in [0, 1), labels i % 4, one warm-up step, steps for
  SECONDS; then inference (eval mode, torch.no_grad(), softmax output as DL4J's output()) after
  one warm-up call. Tensors are PyTorch's default contiguous NCHW, as DL4J's.

Parameters: DL4J's numParams() counts batch norm's running mean and variance (its params with a
NoOp updater) as parameters; the twin prints its trainable parameters, its BN running mean +
variance (buffers), and their sum, which is what numParams() is compared with.
"""
import collections
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BN_DECAY = 0.99  # TrunkConfig.DEFAULT_BN_DECAY: running = decay * running + (1 - decay) * batch
BN_EPSILON = 1e-3  # TrunkConfig.DEFAULT_BN_EPSILON
LEARNING_RATE = 0.01  # TrainBenchmark's Optimisation.base(.., 0.01)
MOMENTUM = 0.9  # TrainConfig.momentum
WEIGHT_DECAY = 1e-4  # TrainConfig.weightDecay
NUM_CLASSES = 4  # TrainBenchmark's Models.classifier(.., 4)
EXACT_PADDING = False  # True: DL4J's uneven Same padding exactly (an extra pad pass; for checking outputs)


def same_padding(size, kernel, stride):
    """(before, after, output size) of DL4J's Same mode: output ceil(size / stride), the odd pixel after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


class Shape:
    """Channels and spatial size of the activation being built on, as DL4J's InputType tracks them."""

    def __init__(self, channels, size):
        self.channels = channels
        self.size = size


class SameConv2d(nn.Conv2d):
    """Bias-free convolution with DL4J's Same output size; Glorot-uniform weights (WeightInit.XAVIER_UNIFORM).
    Uneven padding becomes the larger side on both sides (same size and cost; see the module text),
    or, with EXACT_PADDING, DL4J's own uneven padding through F.pad (for checking outputs against DL4J)."""

    def __init__(self, shape, filters, kernel, stride):
        before, after, out = same_padding(shape.size, kernel, stride)
        exact = EXACT_PADDING and before != after
        super().__init__(shape.channels, filters, kernel, stride=stride, padding=0 if exact else after, bias=False)
        assert exact or (shape.size + 2 * after - kernel) // stride + 1 == out, (shape.size, kernel, stride)
        self.uneven = (before, after, before, after) if exact else None
        self.out_shape = Shape(filters, out)
        nn.init.xavier_uniform_(self.weight)

    def forward(self, x):
        return super().forward(x if self.uneven is None else F.pad(x, self.uneven))


class SameMaxPool2d(nn.MaxPool2d):
    """3x3/2 max-pool with DL4J's Same output size; padding never wins the max (DL4J ignores it)."""

    def __init__(self, shape):
        before, after, out = same_padding(shape.size, 3, 2)
        exact = EXACT_PADDING and before != after
        super().__init__(3, stride=2, padding=0 if exact else after)
        self.uneven = (before, after, before, after) if exact else None
        self.out_shape = Shape(shape.channels, out)

    def forward(self, x):
        return super().forward(x if self.uneven is None else F.pad(x, self.uneven, value=float("-inf")))


def bn(channels):
    return nn.BatchNorm2d(channels, eps=BN_EPSILON, momentum=1 - BN_DECAY)


class BottleneckV1(nn.Module):
    """Post-activation: conv-BN-ReLU x2, conv-BN, + shortcut (1x1 conv + BN if projected), ReLU."""

    def __init__(self, shape, width, stride, project):
        super().__init__()
        self.proj = SameConv2d(shape, width, 1, stride) if project else None
        self.proj_bn = bn(width) if project else None
        self.conv1 = SameConv2d(shape, width // 4, 1, 1)
        self.bn1 = bn(width // 4)
        self.conv2 = SameConv2d(self.conv1.out_shape, width // 4, 3, stride)
        self.bn2 = bn(width // 4)
        self.conv3 = SameConv2d(self.conv2.out_shape, width, 1, 1)
        self.bn3 = bn(width)
        self.relu = nn.ReLU()
        self.out_shape = self.conv3.out_shape

    def forward(self, x):
        shortcut = x if self.proj is None else self.proj_bn(self.proj(x))
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + shortcut)


class BottleneckV2(nn.Module):
    """Pre-activation: BN-ReLU first; the projection (no BN) reads the pre-activated input, identity the raw one."""

    def __init__(self, shape, width, stride, project):
        super().__init__()
        self.bn0 = bn(shape.channels)
        self.proj = SameConv2d(shape, width, 1, stride) if project else None
        self.conv1 = SameConv2d(shape, width // 4, 1, 1)
        self.bn1 = bn(width // 4)
        self.conv2 = SameConv2d(self.conv1.out_shape, width // 4, 3, stride)
        self.bn2 = bn(width // 4)
        self.conv3 = SameConv2d(self.conv2.out_shape, width, 1, 1)
        self.relu = nn.ReLU()
        self.out_shape = self.conv3.out_shape

    def forward(self, x):
        pre = self.relu(self.bn0(x))
        shortcut = x if self.proj is None else self.proj(pre)
        y = self.conv1(pre)
        y = self.conv2(self.relu(self.bn1(y)))
        y = self.conv3(self.relu(self.bn2(y)))
        return y + shortcut


class Classifier(nn.Module):
    """ResNetBuilder's trunk up to pre_logits, then Models.classifier's dense logits. Module names are
    DL4J's vertex names (trunk.root_conv, trunk.block2_unit1.conv2 = block2_unit1_conv2, logits)."""

    def __init__(self, arch, k, size, small, blocks):
        super().__init__()
        v2 = {"resnet50v1": False, "resnet50v2": True}.get(arch)
        if v2 is None:
            raise SystemExit("torch_twin.py: no twin for architecture '%s' (resnet50v1, resnet50v2)" % arch)
        root_kernel, root_stride, root_pool = (3, 1, False) if small else (7, 2, True)
        stage_strides = [1] + [2] * (len(blocks) - 1)  # TrunkConfig.defaultStrides
        layers = collections.OrderedDict()
        layers["root_conv"] = SameConv2d(Shape(3, size), 16 * k, root_kernel, root_stride)
        s = layers["root_conv"].out_shape
        if not v2:
            layers["root_bn"], layers["root_relu"] = bn(s.channels), nn.ReLU()
        if root_pool:
            layers["root_pool"] = SameMaxPool2d(s)
            s = layers["root_pool"].out_shape
        for stage, n in enumerate(blocks):
            width = (64 * k) << stage
            for unit in range(n):
                stride = stage_strides[stage] if unit == 0 else 1
                project = stride > 1 or s.channels != width
                block = (BottleneckV2 if v2 else BottleneckV1)(s, width, stride, project)
                layers["block%d_unit%d" % (stage + 1, unit + 1)] = block
                s = block.out_shape
        if v2:  # finalRelu defaults to true
            layers["final_bn"], layers["final_relu"] = bn(s.channels), nn.ReLU()
        layers["pre_logits"] = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())  # global average pool
        self.trunk = nn.Sequential(layers)
        self.logits = nn.Linear(s.channels, NUM_CLASSES)
        nn.init.xavier_uniform_(self.logits.weight)
        nn.init.zeros_(self.logits.bias)

    def forward(self, x):
        return self.logits(self.trunk(x))


def optimiser(model):
    """Nesterov SGD; L2 on conv and dense weights only, as DL4J's l2() (BaseLayer weights; BN has none)."""
    decayed = [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    ids = {id(p) for p in decayed}
    rest = [p for p in model.parameters() if id(p) not in ids]
    return torch.optim.SGD([{"params": decayed, "weight_decay": WEIGHT_DECAY},
                            {"params": rest, "weight_decay": 0.0}],
                           lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=True)


def counts(model):
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    running = sum(m.running_mean.numel() + m.running_var.numel()
                  for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    return trainable, running


def main(argv):
    if len(argv) not in (7, 8):
        raise SystemExit(__doc__.split("\n\n")[1])
    arch, k, size, variant, blocks_arg, batch, seconds = argv[:7]
    k, size, batch, seconds = int(k), int(size), int(batch), float(seconds)
    blocks = [int(b) for b in blocks_arg.split(",")]
    if len(argv) == 8:
        torch.set_num_threads(int(argv[7]))
    torch.manual_seed(0)
    model = Classifier(arch, k, size, variant == "small", blocks)
    opt = optimiser(model)
    x = torch.rand(batch, 3, size, size)
    y = torch.arange(batch) % NUM_CLASSES

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    model.train()
    step()  # warm-up
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += batch
    train = n / (time.perf_counter() - start)

    model.eval()
    with torch.no_grad():
        infer_step = lambda: F.softmax(model(x), dim=1)  # model.output: the LossLayer's softmax
        infer_step()
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            infer_step()
            n += batch
        infer = n / (time.perf_counter() - start)

    trainable, running = counts(model)
    print("torch %s %s k=%d %dpx %s blocks=%s batch=%d params=%d (trainable=%d + bn_running=%d): "
          "train %.1f images/s, inference %.1f images/s (threads %d)"
          % (torch.__version__, arch, k, size, variant, blocks_arg, batch, trainable + running, trainable,
             running, train, infer, torch.get_num_threads()))


if __name__ == "__main__":
    main(sys.argv[1:])
