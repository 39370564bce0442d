"A/B on CUDA: the core path against the composite path (F.unfold + einsum, autograd) for LC and KCP, per shape, as ratios to nn.Conv2d."
import json, statistics, sys, traceback, torch
import sisw.local as L
from sisw.benchmark import SUITE, Shape, bench_layers, _measure, _parse_shapes
from sisw.kcp import KCPConv2d
out = {}
extra = _parse_shapes('48,96,12,5 8,16,40,3,2 64,64,16,1 96,96,10,3,1,1,2 4,32,56,5,1,2 32,32,28,3,1,32 128,128,4,3 3,64,96,7,2 64,128,16,3,2 '
                      '256,256,14,3 128,128,28,3 64,64,56,3 128,128,14,3 256,256,7,3', 64)
mid = (Shape('N128 64 32', 128, 64, 64, (32, 32), 3), Shape('N128 128 16', 128, 128, 128, (16, 16), 3), Shape('N32 512 7', 32, 512, 512, (7, 7), 3),
       Shape('N256 3 32', 256, 3, 64, (32, 32), 3), Shape('N16 64 56', 16, 64, 64, (56, 56), 3))
def wrap(f, path, adds):
    def g(x):
        L.DEVICE_PATH, L.SCATTER_ADDS = path, adds
        return f(x)
    return g
print(f"{'shape':<34} {'conv ms':>7} | {'LC core':>7} {'LC c0':>6} {'LC comp':>7} | {'K4c core':>8} {'K4c comp':>8} {'K4l core':>8} {'K4l comp':>8} | "
      f"{'K9c core':>8} {'K9c comp':>8} {'K9l core':>8} {'K9l comp':>8} | {'einsum':>6} {'bmm':>6}", flush=True)
for shape in SUITE + extra + mid:
    try:
        torch.manual_seed(0)
        base = bench_layers(shape, (4, 9), True, False, 'cuda')
        layers = {'nn.Conv2d': base['nn.Conv2d']}
        for name in ['LocallyConnected2d', 'KCPConv2d S=4 conv', 'KCPConv2d S=4 local', 'KCPConv2d S=9 conv', 'KCPConv2d S=9 local']:
            f, ps = base[name]
            layers[name + ' core'] = (wrap(f, 'core', 64), ps); layers[name + ' composite'] = (wrap(f, 'composite', 64), ps)
            if name == 'LocallyConnected2d': layers[name + ' core adds0'] = (wrap(f, 'core', 0), ps)
        for p in ('unfold + einsum (Pogodin et al.)', 'unfold + bmm'):
            if p in base: layers[p] = base[p]
        times, mem = _measure(shape, layers, 15, 'cuda', False)
        r = {k: statistics.median(t / c for t, c in zip(v, times['nn.Conv2d'])) for k, v in times.items()}
        ms = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        out[shape.describe()] = dict(ratio=r, ms=ms, peak_mib={k: v / 2 ** 20 for k, v in mem.items()})
        g = lambda k: r.get(k, float('nan'))
        print(f"{shape.describe():<34} {ms['nn.Conv2d']:>7.2f} | {g('LocallyConnected2d core'):>7.2f} {g('LocallyConnected2d core adds0'):>6.2f} {g('LocallyConnected2d composite'):>7.2f} | "
              + ' '.join(f"{g(f'KCPConv2d S={S} {m} {p}'):>8.2f}" for S in (4, 9) for m in ('conv', 'local') for p in ('core', 'composite'))
              + f" | {g('unfold + einsum (Pogodin et al.)'):>6.2f} {g('unfold + bmm'):>6.2f}", flush=True)
    except Exception: print('FAIL', shape); traceback.print_exc()
    json.dump(out, open(sys.argv[1], 'w'), indent=1)
L.DEVICE_PATH = 'auto'
