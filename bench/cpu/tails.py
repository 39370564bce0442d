"""Batches with a few images past a whole vector (`KERNEL_IMAGES`: 16 with AVX-512, 8 with AVX2): the compiled kernels'
tail run by taps, against the batch padded with zero images to a whole vector (as every batch over 8 images was before
`KERNEL_TAIL`). Each layer's step (forward +
backward), as the median over rounds of its time over `nn.Conv2d`'s in the same round, both ways side by side.
Run from the repository root: `PYTHONPATH=. python bench/cpu/tails.py > bench/cpu/tails.txt`; with
`ATEN_CPU_CAPABILITY=avx2` in front, the kernels and `nn.Conv2d` use AVX2 only (`tails_avx2.txt`)."""
import statistics, time
import torch
import sisw.local as L
from sisw.local import LocallyConnected2d
from sisw.kcp import KCPConv2d

SHAPES = [(24, 48, 14, 5), (64, 64, 8, 3), (16, 32, 24, 3), (3, 32, 32, 3), (1, 24, 28, 7), (128, 128, 8, 3)]   # c_in, c_out, size, k
BATCHES = [12, 17, 20, 21, 23, 24, 33, 36, 38, 39, 40]
TAIL = L.KERNEL_TAIL

def step(m, x, gy):
    def f():
        m(x).backward(gy)
        for p in [x, *m.parameters()]: p.grad = None
    return f

def ratios(layers:dict, conv, rounds:int=25) -> dict:
    for f in [*layers.values(), conv]:
        for _ in range(3): f()
    r = {n: [] for n in layers}
    for _ in range(rounds):
        for n, f in layers.items():
            t = time.perf_counter(); conv(); c = time.perf_counter() - t
            t = time.perf_counter(); f(); r[n].append((time.perf_counter() - t) / c)
    return {n: statistics.median(v) for n, v in r.items()}

print(f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} threads, "
      f"vectors of {L.KERNEL_IMAGES} images; ratios to nn.Conv2d, padded / by taps")
for c, o, s, k in SHAPES:
    torch.manual_seed(0)
    conv, lc = torch.nn.Conv2d(c, o, k, padding=k // 2), LocallyConnected2d(c, o, (s, s), k, padding=k // 2)
    kcp = KCPConv2d(c, o, k, n_centroids=4, method='local', padding=k // 2)
    for n in BATCHES:
        x, gy = torch.randn(n, c, s, s, requires_grad=True), torch.randn(n, o, s, s)
        out = {}
        for way, tail in (('padded', -1), ('by taps', L.KERNEL_IMAGES)):   # every batch over 8 padded; none
            L.KERNEL_TAIL = tail
            out[way] = ratios({'LC': step(lc, x, gy), 'KCP S=4': step(kcp, x, gy)}, step(conv, x, gy))
        L.KERNEL_TAIL = TAIL
        print(f"{c}->{o} {s}x{s} k{k}  N{n:3d} ({n % L.KERNEL_IMAGES:2d} past a vector): " + "  ".join(
            f"{m} {out['padded'][m]:.2f} / {out['by taps'][m]:.2f}" for m in ('LC', 'KCP S=4')), flush=True)
