"""Per shape on CUDA, each layer's step (forward + backward) three ways: its wall time side by side with the others, as a
ratio to nn.Conv2d; the GPU's busy time and the kernels it launches (torch's profiler); and the replay of the step
captured in a CUDA graph, which is the GPU's own time without the host's launches. The LC layer and the KCP layer's
local method run on three paths: the blocked core, the composite path (sisw.local._CompositeLocal) and the reference
(F.unfold + einsum, the path for transforms and tracing).

    python bench/gpu/steps.py OUT.json"""
import json, statistics, sys, time, traceback, torch
import sisw.local as L, sisw.kcp as K
from sisw.benchmark import SUITE, Shape, bench_layers, _measure
from torch.profiler import profile, ProfilerActivity

LARGER = (Shape('N128 64 32', 128, 64, 64, (32, 32), 3), Shape('N64 128 28', 64, 128, 128, (28, 28), 3), Shape('N64 256 14', 64, 256, 256, (14, 14), 3),
          Shape('N256 3 32', 256, 3, 64, (32, 32), 3), Shape('N16 64 56', 16, 64, 64, (56, 56), 3))
SHIPPED = L._CompositeLocal
class Reference: apply = staticmethod(L._reference_local_conv2d)

def on_path(f, path):
    "`f` with the locally connected product on `path`: 'auto' (as shipped), 'core', 'composite' or 'reference'."
    def g(x):
        L.DEVICE_PATH = path if path in ('auto', 'core') else 'composite'
        L._CompositeLocal = K._CompositeLocal = Reference if path == 'reference' else SHIPPED
        return f(x)
    return g

def variants(shape):
    torch.manual_seed(0)
    base = bench_layers(shape, (4, 9), True, False, 'cuda')
    out = {'nn.Conv2d': base['nn.Conv2d']}
    for name in ('LocallyConnected2d', 'KCPConv2d S=4 local', 'KCPConv2d S=9 local'):
        for p in ('core', 'composite', 'reference'): out[f'{name} {p}'] = (on_path(base[name][0], p), base[name][1])
    for S in (4, 9): out[f'KCPConv2d S={S} conv'] = (on_path(base[f'KCPConv2d S={S} conv'][0], 'auto'), base[f'KCPConv2d S={S} conv'][1])
    for p in ('unfold + einsum (Pogodin et al.)', 'unfold + bmm'):
        if p in base: out[p] = base[p]
    return out

def clear(x, ps):
    for p in [x, *ps]: p.grad = None

def gpu_time(f, ps, x, gy, steps=3):
    "GPU busy ms and kernels per step, and the kernels."
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(steps): f(x).backward(gy); clear(x, ps)
        torch.cuda.synchronize()
    kern = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    return sum(e.time_range.elapsed_us() for e in kern) / steps / 1e3, len(kern) / steps, kern

def graph_ms(f, ps, x, gy):
    "ms per replay of one step captured in a CUDA graph (warmed up on a side stream first, as torch's docs do)."
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3): f(x).backward(gy); clear(x, ps)
    torch.cuda.current_stream().wait_stream(s); torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g): f(x).backward(gy)
    ts = []
    for _ in range(7):
        torch.cuda.synchronize(); t = time.perf_counter()
        for _ in range(10): g.replay()
        torch.cuda.synchronize(); ts.append((time.perf_counter() - t) / 10)
    clear(x, ps)
    return statistics.median(ts) * 1e3

def run_shape(shape):
    layers = variants(shape)
    times, mem = _measure(shape, layers, 15, 'cuda', False)
    x = torch.randn(shape.batch, shape.c_in, *shape.size, device='cuda', requires_grad=True)
    gy = torch.randn(shape.batch, shape.c_out, *shape.out_size, device='cuda')
    res = {}
    for name, (f, ps) in layers.items():
        r = res[name] = dict(wall_ms=statistics.median(times[name]) * 1e3, peak_mib=mem[name] / 2 ** 20,
                             ratio=statistics.median(t / c for t, c in zip(times[name], times['nn.Conv2d'])))
        try:
            r['gpu_ms'], r['kernels'], kern = gpu_time(f, ps, x, gy)
            top = {}
            for e in kern: top[e.name[:70]] = top.get(e.name[:70], 0) + e.time_range.elapsed_us() / 3
            r['top_us'] = sorted(top.items(), key=lambda kv: -kv[1])[:8]
        except Exception as e: print('PROFILE FAIL', shape.name, name, repr(e)[:200], flush=True)
        try: r['graph_ms'] = graph_ms(f, ps, x, gy)
        except Exception as e: r['graph_ms'] = float('nan'); print('GRAPH FAIL', shape.name, name, repr(e)[:300], flush=True)
    return res

def show(shape, res):
    c = res['nn.Conv2d']
    print(f"\n{shape.describe()}  nn.Conv2d: wall {c['wall_ms']:.3f} ms, GPU {c.get('gpu_ms', float('nan')):.3f} ms in {c.get('kernels', 0):.0f} kernels, graph {c['graph_ms']:.3f} ms")
    print(f"  {'layer':<34} {'wall ×':>7} {'GPU ms':>7} {'kernels':>7} {'graph ×':>7} {'peak MiB':>8}")
    for name, r in res.items():
        print(f"  {name:<34} {r['ratio']:>7.2f} {r.get('gpu_ms', float('nan')):>7.3f} {r.get('kernels', 0):>7.0f} {r['graph_ms'] / c['graph_ms']:>7.2f} {r['peak_mib']:>8.1f}", flush=True)

if __name__ == '__main__':
    torch.manual_seed(0)
    out = {'shapes': {}}
    for shape in SUITE + LARGER:
        try: res = out['shapes'][shape.describe()] = run_shape(shape); show(shape, res)
        except Exception: print('FAIL', shape); traceback.print_exc()
        json.dump(out, open(sys.argv[1], 'w'), indent=1)
    L.DEVICE_PATH, L._CompositeLocal, K._CompositeLocal = 'auto', SHIPPED, SHIPPED
