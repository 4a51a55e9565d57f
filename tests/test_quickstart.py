"""The README's "Quick start in Python", exactly as a reader copies it from README.md, run with the project's python
(offline, in a fresh folder): it prints the comparison table."""
import os, re, subprocess, sys


def quick_start(readme: str) -> str:
    "The first python code block of README.md's 'Quick start in Python' section."
    sec = re.search(r'^## Quick start in Python\n(.*?)(?=^## )', readme, re.M | re.S)
    assert sec, "README.md has no '## Quick start in Python' section"
    code = re.search(r'^```python\n(.*?)^```', sec[1], re.M | re.S)
    assert code, "the quick start of README.md has no python code block"
    return code[1]


def test_readme_quick_start_runs_as_written(root, tmp_path):
    code = quick_start((root/'README.md').read_text())
    assert not re.search(r'^\s*#\|', code, re.M), 'an nbdev directive leaked into the README'
    env = dict(os.environ, HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1', TRANSFORMERS_OFFLINE='1',
               TOKENIZERS_PARALLELISM='false', PYTHONPATH=str(root))
    r = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    head = lines[0].split()
    for col in ('task', 'model', 'method', 'verdict'): assert col in head, r.stdout  # compare's table
    rows = [l.split() for l in lines[1:]]
    assert rows and any('salt' in row for row in rows), r.stdout  # SALT against the baseline, one row
    assert any('not measurable' in l for l in lines[1:]), r.stdout  # the smoke preset's verdict, as the README says
