"CUDA graphs: each layer's forward + backward captured once and replayed, ms per replay and ratio to nn.Conv2d: the GPU's own time, without the host's launches. (Written, not yet run.)"
import json, statistics, sys, time, traceback, torch
import sisw.local as L
from sisw.benchmark import SUITE, bench_layers
def graphed(f, x, gy):
    "A CUDA graph of one forward + backward of `f` (warmed up on a side stream, so that the gradients exist before capture)."
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3): f(x).backward(gy)
    torch.cuda.current_stream().wait_stream(s); torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g): f(x).backward(gy)
    return g
def replay_ms(g, reps=10, rounds=7):
    ts = []
    for _ in range(rounds):
        torch.cuda.synchronize(); t = time.perf_counter()
        for _ in range(reps): g.replay()
        torch.cuda.synchronize(); ts.append((time.perf_counter() - t) / reps)
    return statistics.median(ts) * 1e3
out = {}
names = ['nn.Conv2d', 'LocallyConnected2d', 'KCPConv2d S=9 conv', 'KCPConv2d S=9 local', 'unfold + einsum (Pogodin et al.)', 'unfold + bmm']
for path in ('core', 'composite'):
    L.DEVICE_PATH = path
    for shape in SUITE:
        torch.manual_seed(0)
        layers = bench_layers(shape, (9,), True, False, 'cuda')
        x = torch.randn(shape.batch, shape.c_in, *shape.size, device='cuda', requires_grad=True)
        gy = torch.randn(shape.batch, shape.c_out, *shape.out_size, device='cuda')
        res = {}
        for name in names:
            if name not in layers: continue
            f, ps = layers[name]
            try: res[name] = replay_ms(graphed(f, x, gy))
            except Exception as e: res[name] = float('nan'); print('FAIL', path, shape.name, name, repr(e)[:300], flush=True)
            for p in [x, *ps]: p.grad = None
        out[f'{path}|{shape.name}'] = res
        c = res['nn.Conv2d']
        print(f"{path:<9} {shape.name:<12} conv {c:.3f} ms " + ' '.join(f"{n.split(' (')[0]} {res[n] / c:.2f}" for n in names[1:] if n in res), flush=True)
        json.dump(out, open(sys.argv[1], 'w'), indent=1)
L.DEVICE_PATH = 'auto'
