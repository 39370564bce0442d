"""A candidate for the composite path off the CPU: the locally connected product as one autograd Function that launches
fewer kernels than `F.unfold` + `einsum` (sisw.local._reference_local_conv2d). Forward: the patches gathered from
strided views in one copy, one batched product with the biases (`baddbmm`), the output laid out. Backward: the output
gradient laid out, two batched products, the bias gradient, `F.fold` for the input gradient. With a gradient of a
gradient asked for, the backward gathers the patches again from `x`, so that second derivatives reach the input too.

Same contract as `_reference_local_conv2d`: `x` already padded by `Geometry.pad` for the other padding modes.
`python bench/gpu/lean.py` checks it on the CPU in float64 against the shipped composite path, `python bench/gpu/lean.py host`
times the host's share of a step on the CPU, and `steps.py` times it on a GPU."""
import sys, torch
import torch.nn.functional as F
from torch import Tensor
from sisw.local import Geometry, _reference_local_conv2d, _is_channels_last

def gather_cols(x:Tensor, g:Geometry, out_hw:tuple[int, int]) -> Tensor:
    "The patches of `x` (zero-padded by `g.padding`) as `(H_out * W_out * groups, N, C // groups * kh * kw)`: one copy, from strided views."
    n = x.shape[0]
    t, b, l, r = g.padding
    if any(g.padding): x = F.pad(x, (l, r, t, b))
    (kh, kw), (sh, sw), (dh, dw) = g.kernel_size, g.stride, g.dilation
    u = x.unfold(2, dh * (kh - 1) + 1, sh).unfold(3, dw * (kw - 1) + 1, sw)[..., ::dh, ::dw]     # (N, C, H_out, W_out, kh, kw)
    return u.unflatten(1, (g.groups, -1)).permute(3, 4, 1, 0, 2, 5, 6).reshape(out_hw[0] * out_hw[1] * g.groups, n, -1)

class LeanLocal(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, g):
        ho, wo, o = weight.shape[:3]
        n, G = x.shape[0], g.groups
        cols = gather_cols(x, g, (ho, wo))                                          # (L*G, N, K)
        wt = weight.reshape(ho * wo * G, o // G, -1).transpose(1, 2)               # (L*G, K, O/G)
        if bias is None: y = torch.bmm(cols, wt)
        else: y = torch.baddbmm(bias.reshape(G, o // G, ho * wo).permute(2, 0, 1).reshape(ho * wo * G, 1, o // G), cols, wt)
        ctx.save_for_backward(x, weight, cols)
        ctx.g, ctx.has_bias = g, bias is not None
        y = y.view(ho, wo, G, n, o // G).permute(3, 2, 4, 0, 1).reshape(n, o, ho, wo)
        return y.contiguous(memory_format=torch.channels_last if _is_channels_last(x) else torch.contiguous_format)

    @staticmethod
    def backward(ctx, gy):
        x, weight, cols = ctx.saved_tensors
        g, (n, c, h, w), (ho, wo, o) = ctx.g, x.shape, weight.shape[:3]
        G = g.groups
        if torch.is_grad_enabled(): cols = gather_cols(x, g, (ho, wo))            # a gradient of this gradient: patches that know x
        gyl = gy.reshape(n, G, o // G, ho * wo).permute(3, 1, 0, 2).reshape(ho * wo * G, n, o // G)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gw = torch.bmm(gyl.transpose(1, 2), cols).view(weight.shape) if need_w else None
        gb = gy.sum(0) if ctx.has_bias and need_b else None
        gx = None
        if need_x:
            gc = torch.bmm(gyl, weight.reshape(ho * wo * G, o // G, -1))           # (L*G, N, K)
            gc = gc.view(ho * wo, G, n, -1).permute(2, 1, 3, 0).reshape(n, -1, ho * wo)
            t, b, l, r = g.padding
            gx = F.fold(gc, (h + t + b, w + l + r), g.kernel_size, g.dilation, 0, g.stride)[:, :, t:t + h, l:l + w]
        return gx, gw, gb, None

def lean_local_conv2d(x:Tensor, weight:Tensor, bias:Tensor|None, g:Geometry) -> Tensor: return LeanLocal.apply(x, weight, bias, g)

CASES = [  # n, c, o, (h, w), kernel, stride, padding, dilation, groups
    (2, 3, 4, (9, 8), 3, 1, 1, 1, 1), (2, 3, 4, (11, 10), 3, 2, 2, 2, 1), (3, 4, 6, (10, 10), 5, 1, 2, 1, 2),
    (1, 2, 3, (7, 9), (3, 2), (2, 1), (1, 0), (1, 2), 1), (2, 8, 8, (6, 6), 3, 1, 0, 1, 8), (5, 3, 4, (12, 12), 9, 1, 4, 1, 1),
    (2, 3, 4, (8, 8), 3, 1, 'same', 1, 1),
    (1, 2, 2, (7, 7), 3, 2, 1, 2, 1), (2, 2, 3, (6, 6), (2, 4), 1, 'same', 1, 1)]

def check(device='cpu') -> list[str]:
    "Against the shipped composite path in float64: output and every gradient; gradcheck and gradgradcheck where the layer is small."
    fails = []
    for i, (n, c, o, hw, k, s, p, d, G) in enumerate(CASES):
        g = Geometry.check(c, o, k, s, p, d, G, 'zeros')
        (ho, wo), (kh, kw) = g.output_size(hw), g.kernel_size
        x = torch.randn(n, c, *hw, dtype=torch.float64, device=device, requires_grad=True)
        w = torch.randn(ho, wo, o, c // G, kh, kw, dtype=torch.float64, device=device, requires_grad=True)
        for b in (torch.randn(o, ho, wo, dtype=torch.float64, device=device, requires_grad=True), None):
            ps = [x, w] + ([b] if b is not None else [])
            y1, y0 = lean_local_conv2d(x, w, b, g), _reference_local_conv2d(x, w, b, g)
            gy = torch.randn_like(y0)
            err = max((a - e).abs().max().item() for a, e in zip([y1, *torch.autograd.grad(y1, ps, gy)], [y0, *torch.autograd.grad(y0, ps, gy)]))
            f = lambda x, w: lean_local_conv2d(x, w, b, g)
            small = w.numel() < 3000
            ok = err < 1e-12 and y1.is_contiguous() and (not small or (torch.autograd.gradcheck(f, (x, w), raise_exception=False) and torch.autograd.gradgradcheck(f, (x, w), raise_exception=False)))
            print(f"{'ok  ' if ok else 'FAIL'} case {i} {'bias' if b is not None else 'no bias'}: max abs err {err:.1e}{', gradcheck, gradgradcheck' if small else ''}", flush=True)
            if not ok: fails.append(f'case {i}')
    return fails

def host_time(rounds:int=9, steps:int=300):
    "The host's share: µs per forward + backward and aten operators per step, at a layer so small (2 images, 4 -> 4 channels, 6 x 6, k3) that the arithmetic hardly counts."
    import statistics, time
    from torch.utils._python_dispatch import TorchDispatchMode
    from sisw.baselines import einsum_local_conv2d
    class Count(TorchDispatchMode):
        n = 0
        def __torch_dispatch__(self, func, types, args=(), kwargs=None): self.n += 1; return func(*args, **(kwargs or {}))
    torch.set_num_threads(1)
    g = Geometry.check(4, 4, 3, 1, 1, 1, 1, 'zeros')
    x, gy = torch.randn(2, 4, 6, 6, requires_grad=True), torch.randn(2, 4, 6, 6)
    w, b = torch.randn(6, 6, 4, 4, 3, 3, requires_grad=True), torch.randn(4, 6, 6, requires_grad=True)
    ways = {'composite (F.unfold + einsum)': lambda: _reference_local_conv2d(x, w, b, g), 'lean': lambda: lean_local_conv2d(x, w, b, g),
            'unfold + einsum (Pogodin et al.)': lambda: einsum_local_conv2d(x, w, b, padding=(1, 1))}
    for name, f in ways.items():
        def step(): f().backward(gy); x.grad = w.grad = b.grad = None
        for _ in range(100): step()
        with Count() as c: step()
        ts = []
        for _ in range(rounds):
            t = time.perf_counter()
            for _ in range(steps): step()
            ts.append((time.perf_counter() - t) / steps)
        print(f"{name:<34} {statistics.median(ts) * 1e6:6.1f} µs a step, {c.n} aten operators")

if __name__ == '__main__':
    torch.manual_seed(0)
    if sys.argv[1:] == ['host']: host_time(); sys.exit(0)
    fails = check(sys.argv[1] if len(sys.argv) > 1 else 'cpu')
    print('FAILED:', fails or 'none'); sys.exit(1 if fails else 0)
