#!/usr/bin/env python
"""Convert between percent-format scripts and notebooks, for authoring notebooks in a text editor.

    python tools/pct2nb.py draft.py nbs/03_world.ipynb    # script -> notebook (outputs dropped)
    python tools/pct2nb.py nbs/03_world.ipynb draft.py    # notebook -> script

Cells start with `# %%` (code) or `# %% [markdown]` (markdown, each line prefixed with `# `).
A code cell may carry tags: `# %% tags=["parameters"]`. The notebook stays the single source of the
library: drafts are scratch files and are never committed.
"""
import hashlib, json, re, sys
from pathlib import Path
import nbformat

HDR = re.compile(r'^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$')

def script_to_nb(text: str) -> nbformat.NotebookNode:
    "Parse a percent-format script into a notebook."
    cells, cur = [], None
    for line in text.splitlines():
        m = HDR.match(line)
        if m:
            if cur: cells.append(cur)
            cur = dict(md=bool(m['md']), tags=json.loads(m['tags']) if m['tags'] else [], lines=[])
        elif cur is not None: cur['lines'].append(line)
    if cur: cells.append(cur)
    nb = nbformat.v4.new_notebook(); nb.nbformat_minor = 5
    nb.metadata = {"kernelspec": {"display_name": "python3", "language": "python", "name": "python3"}}
    seen = set()
    for c in cells:
        lines = c['lines']
        while lines and not lines[-1].strip(): lines.pop()
        if c['md']:
            src = '\n'.join(l[2:] if l.startswith('# ') else l.lstrip('#') for l in lines)
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_code_cell('\n'.join(lines))
        if c['tags']: cell.metadata['tags'] = c['tags']
        # stable ids (nbdev writes them into the exported modules): a hash of the source, deduplicated
        cid = hashlib.sha1(cell.source.encode()).hexdigest()[:8]
        while cid in seen: cid = hashlib.sha1(cid.encode()).hexdigest()[:8]
        seen.add(cid); cell['id'] = cid
        nb.cells.append(cell)
    return nb

def nb_to_script(nb) -> str:
    "Render a notebook as a percent-format script."
    out = []
    for c in nb.cells:
        tags = c.get('metadata', {}).get('tags')
        t = f' tags={json.dumps(tags)}' if tags else ''
        if c.cell_type == 'markdown':
            out.append('# %% [markdown]' + t)
            out += [('# ' + l) if l else '#' for l in c.source.splitlines()]
        else:
            out.append('# %%' + t)
            out += c.source.splitlines()
        out.append('')
    return '\n'.join(out)

if __name__ == '__main__':
    src, dst = map(Path, sys.argv[1:3])
    if src.suffix == '.ipynb':
        dst.write_text(nb_to_script(nbformat.read(src, as_version=4)))
    else:
        nb = script_to_nb(src.read_text())
        nbformat.write(nb, dst)
        print(f'wrote {dst} ({len(nb.cells)} cells)')
