"""Which real-text task can e5-small learn cheaply? Frozen e5-small (mean-pooled, normalised), a logistic-regression
head fitted on English train with L-BFGS, accuracy on the first 300 test items per language. One thread.
Run: HF_HUB_OFFLINE=1 .venv/bin/python tools/e5_linear_probe.py  (about 2-3 CPU-minutes)."""
import time, torch
torch.set_num_threads(1)
from xltnb.e5 import load_e5, e5_embed
from xltnb.tasks import load_task
m, tok = load_e5(); m.eval()
for task, langs in (('emoji-topic', ['en','de','ru','ja','zh','ar','hi','sw','yo','am']),
                    ('msg-topic', ['en','de','ru','ja','zh','ko','el'])):
    t0 = time.time()
    tr = load_task(task, 'en', 'train')
    X = torch.tensor(e5_embed(m, tok, tr['sentence'])); y = torch.tensor(tr['label'])
    k = int(y.max()) + 1; W = torch.zeros(X.shape[1], k, requires_grad=True); b = torch.zeros(k, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], max_iter=200)
    def clo():
        opt.zero_grad()
        l = torch.nn.functional.cross_entropy(X @ W * 20 + b, y) + 1e-3 * (W**2).sum()
        l.backward(); return l
    opt.step(clo)
    out = {}
    for l in langs:
        te = load_task(task, l, 'test'); te = te.select(range(min(300, len(te))))
        Xt = torch.tensor(e5_embed(m, tok, te['sentence'])); p = (Xt @ W * 20 + b).argmax(-1)
        out[l] = round(100 * (p == torch.tensor(te['label'])).float().mean().item(), 1)
    print(task, out, f'{time.time()-t0:.0f}s', flush=True)
