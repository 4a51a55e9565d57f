"Each paper page is its paper's story: set-up and orchestration are at most 30% of its code lines (tools/plumbing.py)."
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def test_paper_pages_are_mostly_story():
    p = subprocess.run([sys.executable, str(ROOT / 'tools' / 'plumbing.py'), '--max', '0.3'], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count('code lines') == 6, p.stdout  # the six paper pages, the report aside

def test_setup_work_counts_whatever_the_tags(tmp_path):
    "An untagged cell that imports or trains counts as set-up: the bar cannot be met by leaving tags off."
    import json
    nb = dict(cells=[dict(cell_type='code', metadata={}, source='import torch\nx = 1\n'),
                     dict(cell_type='code', metadata={}, source='fig = plot(x)\n')])
    f = tmp_path / 'p.ipynb'; f.write_text(json.dumps(nb))
    sys.path.insert(0, str(ROOT / 'tools'))
    from plumbing import share
    assert share(f) == (2, 3)
