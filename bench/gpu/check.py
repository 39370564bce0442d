"Correctness of sisw's layers on CUDA: against the same layer on the CPU in float64, gradients too; gradcheck; autocast; state_dict."
import copy, sys, traceback, torch
from torch import nn
from sisw.local import LocallyConnected2d
from sisw.kcp import KCPConv2d
torch.backends.cudnn.allow_tf32 = False
fails = []

def rel(a, b): return ((a - b).norm() / b.norm().clamp_min(1e-30)).item()

def compare(name, make, n, c, hw, dtype=torch.float64, cl=False, tol=None):
    torch.manual_seed(0)
    m = make().double()
    mg = copy.deepcopy(m).to('cuda', dtype)
    x = torch.randn(n, c, *hw, dtype=torch.float64)
    xg = x.to('cuda', dtype)
    if cl: xg = xg.contiguous(memory_format=torch.channels_last)
    x.requires_grad_(); xg.requires_grad_()
    y, yg = m(x), mg(xg)
    gy = torch.randn_like(y)
    y.backward(gy); yg.backward(gy.to('cuda', dtype))
    errs = [rel(yg.double().cpu(), y.detach()), rel(xg.grad.double().cpu(), x.grad)]
    errs += [rel(pg.grad.double().cpu(), p.grad) for p, pg in zip(m.parameters(), mg.parameters()) if p.grad is not None]
    tol = tol or (1e-12 if dtype == torch.float64 else 1e-5)
    ok = max(errs) < tol and all(e == e for e in errs)
    print(f"{'ok  ' if ok else 'FAIL'} {name:<58} {str(dtype)[6:]:<8} max rel err {max(errs):.1e}", flush=True)
    if not ok: fails.append(name)

LC = LocallyConnected2d
cases = [
    ('LC 3->4 9x8 k3 p1', lambda: LC(3, 4, (9, 8), 3, padding=1), 2, 3, (9, 8)),
    ('LC stride 2 dilation 2', lambda: LC(3, 4, (11, 10), 3, stride=2, padding=2, dilation=2), 2, 3, (11, 10)),
    ('LC groups 2 k5 same', lambda: LC(4, 6, (10, 10), 5, padding='same', groups=2), 3, 4, (10, 10)),
    ('LC reflect', lambda: LC(2, 3, (8, 8), 3, padding=1, padding_mode='reflect'), 2, 2, (8, 8)),
    ('LC circular no bias', lambda: LC(2, 3, (8, 8), 3, padding=1, padding_mode='circular', bias=False), 2, 2, (8, 8)),
    ('LC k9 (index_add path)', lambda: LC(2, 3, (12, 12), 9, padding=4), 2, 2, (12, 12)),
    ('LC batch 40', lambda: LC(3, 4, (8, 8), 3, padding=1), 40, 3, (8, 8)),
    ('LC one image', lambda: LC(3, 4, (8, 8), 3, padding=1), 1, 3, (8, 8)),
]
for S in (4, 9):
    for method in ('conv', 'local'):
        cases += [(f'KCP S={S} {method}', lambda S=S, method=method: KCPConv2d(3, 8, 3, padding=1, n_centroids=S, method=method), 2, 3, (9, 9)),
                  (f'KCP S={S} {method} stride 2 groups 2', lambda S=S, method=method: KCPConv2d(4, 8, 3, stride=2, padding=1, groups=2, n_centroids=S, method=method), 2, 4, (11, 11)),
                  (f'KCP S={S} {method} per filter, trainable', lambda S=S, method=method: KCPConv2d(3, 8, 3, padding=1, n_centroids=S, method=method, per_filter=True, centroids_trainable=True), 2, 3, (9, 9))]
for comb in ('lowrank', 'free', 'input'):
    for method in ('conv', 'local'):
        kw = dict(out_size=(9, 9)) if comb != 'input' else {}
        cases.append((f'KCP {comb} {method}', lambda comb=comb, method=method, kw=kw: KCPConv2d(3, 8, 3, padding=1, n_centroids=4, method=method, combining=comb, **kw), 2, 3, (9, 9)))
import sisw.local as L
for path in ('core', 'composite'):
    L.DEVICE_PATH = path
    for name, make, n, c, hw in cases:
        for dt in (torch.float64, torch.float32):
            try: compare(f'{path} {name}', make, n, c, hw, dt)
            except Exception: fails.append(name); print('FAIL', name, dt); traceback.print_exc()
L.DEVICE_PATH = 'auto'
for name, make, n, c, hw in cases[:1] + cases[-3:-2]:
    try: compare(name + ' channels_last', make, n, c, hw, torch.float32, cl=True)
    except Exception: fails.append(name); traceback.print_exc()

def gcheck(name, make, x):
    try:
        m = make().to('cuda', torch.float64)
        ok = torch.autograd.gradcheck(lambda x, *p: torch.func.functional_call(m, dict(zip([k for k, _ in m.named_parameters()], p)), (x,)),
                                      (x, *[p.detach().requires_grad_() for p in m.parameters()]), eps=1e-6, atol=1e-5)
    except Exception: ok = False; traceback.print_exc()
    print(f"{'ok  ' if ok else 'FAIL'} gradcheck {name}", flush=True)
    if not ok: fails.append('gradcheck ' + name)
x = torch.randn(2, 2, 6, 6, dtype=torch.float64, device='cuda', requires_grad=True)
gcheck('LC', lambda: LC(2, 3, (6, 6), 3, padding=1), x)
gcheck('KCP local', lambda: KCPConv2d(2, 3, 3, padding=1, n_centroids=4, method='local', centroids_trainable=True), x)
gcheck('KCP conv', lambda: KCPConv2d(2, 3, 3, padding=1, n_centroids=4, method='conv', centroids_trainable=True), x)
try:                                              # second derivatives on the composite path, to the input and the kernels
    g = L.Geometry.check(2, 3, 3, padding=1); w = torch.randn(6, 6, 3, 2, 3, 3, dtype=torch.float64, device='cuda', requires_grad=True)
    ok = torch.autograd.gradgradcheck(lambda x, w: L._CompositeLocal.apply(x, w, None, g), (x, w))
except Exception: ok = False; traceback.print_exc()
print(f"{'ok  ' if ok else 'FAIL'} gradgradcheck LC composite", flush=True)
if not ok: fails.append('gradgradcheck LC composite')

try:
    m = KCPConv2d(3, 8, 3, padding=1, n_centroids=9).cuda(); xx = torch.randn(4, 3, 16, 16, device='cuda')
    with torch.autocast('cuda', dtype=torch.float16): y = m(xx)
    y.float().sum().backward()
    l = LC(3, 8, 16, 3, padding=1).cuda()
    with torch.autocast('cuda', dtype=torch.bfloat16): y2 = l(xx)
    y2.float().sum().backward()
    sd = {k: v.cpu() for k, v in m.state_dict().items()}; m2 = KCPConv2d(3, 8, 3, padding=1, n_centroids=9); m2.load_state_dict(sd)
    torch.testing.assert_close(m2(xx.cpu()), m(xx).cpu(), rtol=1e-4, atol=1e-5)
    mk = KCPConv2d(3, 8, 3, padding=1, n_centroids=4, method='local').cuda()      # a half input, float32 kernels, under autocast
    with torch.autocast('cuda', dtype=torch.float16): y3 = mk(xx.half())
    y3.float().sum().backward(); assert y3.dtype == torch.float16 and mk.weight.grad.dtype == torch.float32
    lc = LC.from_conv(nn.Conv2d(3, 4, 3, padding=1).cuda(), 16); conv = nn.Conv2d(3, 4, 3, padding=1).cuda()
    print('ok   autocast fp16/bf16', y.dtype, y2.dtype, 'state_dict cuda->cpu, from_conv on cuda', flush=True)
except Exception: fails.append('autocast/state_dict'); traceback.print_exc()
print('FAILED:', fails if fails else 'none')
