"""Inside torch.compile, on the CPU: each layer's step (forward + backward) compiled with torch.compile's default
(inductor) and run eagerly, side by side in one process, at the suite's shapes. sisw's layers are compiled two ways:
as they are (the custom operators `sisw::local_conv2d` and `sisw::kcp_local`, which run the compiled kernels), and with
those operators switched off, so that torch.compile traces the composite path (F.unfold + einsum), as it did before
they existed. Ratios are to nn.Conv2d compiled; the rows are saved as JSON.

    PYTHONPATH=. python bench/cpu/compile.py bench/cpu/compile.json"""
import statistics, sys, warnings, torch
import sisw.local as L, sisw.kcp as K
from sisw.benchmark import SUITE, bench_layers, _measure, save_rows

torch._dynamo.config.recompile_limit = torch._dynamo.config.accumulated_recompile_limit = 256

def with_ops(f, on:bool):
    "`f` with sisw's custom operators on or off (off: torch.compile traces the composite path)."
    def g(x):
        L._LC_OP = on
        return f(x)
    return g

def layers_of(shape):
    "nn.Conv2d eager and compiled; each sisw layer eager, compiled, and compiled through the composite path."
    torch.manual_seed(0)
    base = bench_layers(shape, (), False, False, 'cpu')                     # nn.Conv2d and LocallyConnected2d
    for S in (4, 9):
        m = K.KCPConv2d(shape.c_in, shape.c_out, shape.k, n_centroids=S, **shape.conv_args())     # method 'auto'
        base[f'KCPConv2d S={S} auto'] = (m, list(m.parameters()))
    conv, ps = base['nn.Conv2d']
    out = {'nn.Conv2d eager': (conv, ps), 'nn.Conv2d compiled': (torch.compile(conv), ps)}
    for name in ('LocallyConnected2d', 'KCPConv2d S=4 auto', 'KCPConv2d S=9 auto'):
        f, ps = base[name]
        out[f'{name} eager'] = (with_ops(f, True), ps)
        out[f'{name} compiled'] = (with_ops(torch.compile(f), True), ps)
        out[f'{name} compiled, composite'] = (with_ops(torch.compile(f), False), ps)
    return out

if __name__ == '__main__':
    rows = []
    print(f"{'shape':<12} {'conv eager ms':>13} {'compiled ms':>11} | ratio to nn.Conv2d compiled: eager / compiled / compiled through the composite path")
    for shape in SUITE:
        torch._dynamo.reset()
        layers = layers_of(shape)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            times, mem = _measure(shape, layers, 5, 'cpu', False)
        L._LC_OP = True
        ref = times['nn.Conv2d compiled']
        for name, ts in times.items():
            rows.append(dict(shape=shape.name, layer=name, ms=statistics.median(ts) * 1e3, ratio=statistics.median(t / c for t, c in zip(ts, ref)),
                             peak_mib=mem[name] / 2 ** 20))
        r = {row['layer']: row for row in rows if row['shape'] == shape.name}
        cells = ' | '.join(f"{n.split(' ')[0][:3]}{n.split(' ')[1] if 'KCP' in n else ''} " + ' / '.join(f"{r[f'{n} {v}']['ratio']:.2f}" for v in ('eager', 'compiled', 'compiled, composite'))
                           for n in ('LocallyConnected2d', 'KCPConv2d S=4 auto', 'KCPConv2d S=9 auto'))
        print(f"{shape.name:<12} {r['nn.Conv2d eager']['ms']:>13.2f} {r['nn.Conv2d compiled']['ms']:>11.2f} | {cells}", flush=True)
        save_rows(sys.argv[1], f'torch.compile on the CPU, torch {torch.__version__}, {torch.get_num_threads()} threads, 5 rounds', rows)
