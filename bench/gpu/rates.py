"The rates a GPU cost model needs, measured: one small op's dispatch, a copy's bandwidth, bmm and conv multiply-adds per second."
import json, statistics, sys, time, torch
import torch.nn.functional as F
from sisw.benchmark import tf32_mode
def timed(f, reps=20):
    for _ in range(3): f()
    torch.cuda.synchronize(); ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)
r = {}
a = torch.zeros(1, device='cuda')
r['op_s'] = timed(lambda: [a.add_(1) for _ in range(200)]) / 200
b = torch.zeros(64, 64, device='cuda')
r['mm_small_s'] = timed(lambda: [b @ b for _ in range(200)]) / 200
x = torch.randn(128, 64, 32, 32, device='cuda'); y = torch.empty(64, 32, 32, 128, device='cuda')
r['copy_Bps'] = 2 * x.numel() * 4 / timed(lambda: y.copy_(x.permute(1, 2, 3, 0)))
for mode in ('off', 'on'):
    with tf32_mode(mode):
        for B, o, K, n in ((256, 64, 576, 128), (64, 128, 1152, 32), (1024, 32, 27, 128), (196, 48, 600, 8)):
            A, X = torch.randn(B, o, K, device='cuda'), torch.randn(B, K, n, device='cuda')
            r[f'bmm_{mode}_{B}x{o}x{K}x{n}'] = B * o * K * n / timed(lambda: torch.bmm(A, X))
        for n, c, o, s in ((128, 64, 576, 8), (128, 32, 576, 16), (32, 16, 288, 24), (8, 24, 432, 14)):
            xi = torch.randn(n, c, s, s, device='cuda', requires_grad=True); w = torch.randn(o, c, 3, 3, device='cuda', requires_grad=True)
            g = torch.randn(n, o, s, s, device='cuda')
            r[f'conv_fb_{mode}_{n}x{c}x{o}x{s}'] = 3 * n * c * o * 9 * s * s / timed(lambda: F.conv2d(xi, w, padding=1).backward(g))
for k, v in r.items(): print(f"{k:<32} {v:.3e}")
json.dump(r, open(sys.argv[1], 'w'), indent=1)
