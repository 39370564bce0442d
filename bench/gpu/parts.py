"Per suite shape on CUDA: step time of each layer, with DEVICE_BLOCK_BYTES at the CPU's 4 MiB and at 256 MiB; kernels per step and their GPU time."
import json, statistics, sys, traceback, torch
import sisw.local as L
from sisw.benchmark import SUITE, bench_layers, time_step
from torch.profiler import profile, ProfilerActivity
L.DEVICE_PATH = 'core'                  # the blocked core, whose blocks this measures (every layer took it when parts.json was made)
out = {}
names = ['nn.Conv2d', 'LocallyConnected2d', 'KCPConv2d S=4 conv', 'KCPConv2d S=4 local', 'KCPConv2d S=9 conv', 'KCPConv2d S=9 local']
print(f"{'shape':<12} {'layer':<22} {'ms 4MiB':>8} {'ms 256MiB':>9} {'kernels':>7} {'gpu ms':>7} {'gpu/wall':>8}")
for shape in SUITE:
    torch.manual_seed(0)
    layers = {k: v for k, v in bench_layers(shape, (4, 9), False, False, 'cuda').items() if k in names}
    x = torch.randn(shape.batch, shape.c_in, *shape.size, device='cuda', requires_grad=True)
    gy = torch.randn(shape.batch, shape.c_out, *shape.out_size, device='cuda')
    for name, (f, ps) in layers.items():
        try:
            t = {}
            for bb in (2 ** 22, 2 ** 28, 2 ** 22, 2 ** 28):
                L.DEVICE_BLOCK_BYTES = bb
                for _ in range(2): time_step(f, ps, x, gy)
                t.setdefault(bb, []).extend(time_step(f, ps, x, gy) for _ in range(10))
            L.DEVICE_BLOCK_BYTES = 2 ** 28
            with profile(activities=[ProfilerActivity.CUDA, ProfilerActivity.CPU]) as prof:
                for _ in range(5): time_step(f, ps, x, gy)
            kern = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
            gpu = sum(e.time_range.elapsed_us() for e in kern) / 5e3
            m4, m256 = (statistics.median(t[b]) * 1e3 for b in (2 ** 22, 2 ** 28))
            out[f"{shape.name}|{name}"] = dict(ms_4mib=m4, ms_256mib=m256, kernels=len(kern) / 5, gpu_ms=gpu)
            print(f"{shape.name:<12} {name:<22} {m4:>8.3f} {m256:>9.3f} {len(kern) / 5:>7.0f} {gpu:>7.3f} {gpu / m256:>8.2f}", flush=True)
        except Exception: print('FAIL', shape.name, name); traceback.print_exc()
json.dump(out, open(sys.argv[1], 'w'), indent=1)
