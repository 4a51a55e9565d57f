"""Run a paper notebook's first two code cells as papermill would: the parameters cell, the injected overrides, the
checks. Cells tagged `reference` (self-contained: the shipped reference's section, wherever it sits) are skipped."""
from pathlib import Path
import atexit, shutil, tempfile
import nbformat

ROOT = Path(__file__).resolve().parents[1]

def paper_head(paper: str, **overrides) -> dict:
    "The namespace after `nbs/papers/<paper>.ipynb`'s parameters cell, `overrides`, and its validation cell."
    nb = nbformat.read(ROOT/'nbs'/'papers'/f'{paper}.ipynb', as_version=4)
    code = [c for c in nb.cells if c.cell_type == 'code' and 'reference' not in c.metadata.get('tags', [])]
    assert 'parameters' in code[0].metadata.get('tags', []), f'{paper}: first code cell is not tagged parameters'
    ns = {}
    exec(code[0].source, ns)
    # a folder of its own: the page refuses an out_dir that holds another run's config.json (another call's, here);
    # a relative one is the page's or a preset file's default under _runs/, which every call would share
    if not Path(str(overrides.get('out_dir', ''))).is_absolute():
        overrides['out_dir'] = tempfile.mkdtemp(prefix=f'{paper}-head-')
        atexit.register(shutil.rmtree, overrides['out_dir'], True)  # removed when the test process ends
    ns.update(overrides); ns.pop('__builtins__', None)
    exec(code[1].source, ns)
    return ns
