"""Editing an exported module by hand makes the sync check (step 1 of the test command) fail and name the notebook;
so does a cell the docs build would run without the cells it needs."""
import importlib.util, json, shutil, subprocess, sys

def test_hand_edit_of_module_is_caught(root, tmp_path):
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=root, capture_output=True,
                           text=True).stdout.split()
    for f in files:
        if (root/f).is_file(): (tmp_path/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(root/f, tmp_path/f)
    subprocess.run('git init -q && git add -A', shell=True, cwd=tmp_path, check=True)
    check = [sys.executable, str(tmp_path/'tools'/'check_sync.py')]
    ok = subprocess.run(check, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr                      # a faithful copy is in sync
    core = tmp_path/'xltnb'/'core.py'
    core.write_text(core.read_text().replace('"Seed python, numpy and torch in one place; returns the seed."',
                                             '"Seed everything (edited by hand)."'))
    bad = subprocess.run(check, capture_output=True, text=True)
    assert bad.returncode == 1
    assert 'xltnb/core.py differs from its notebook: edit nbs/00_core.ipynb instead' in bad.stderr

def test_module_without_notebook_is_caught(root, tmp_path):
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=root, capture_output=True,
                           text=True).stdout.split()
    for f in files:
        if (root/f).is_file(): (tmp_path/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(root/f, tmp_path/f)
    (tmp_path/'xltnb'/'stray.py').write_text('x = 1\n')
    subprocess.run('git init -q && git add -A', shell=True, cwd=tmp_path, check=True)
    bad = subprocess.run([sys.executable, str(tmp_path/'tools'/'check_sync.py')], capture_output=True, text=True)
    assert bad.returncode == 1 and 'xltnb/stray.py is not exported by any notebook' in bad.stderr

def test_cell_the_docs_build_runs_out_of_context_is_caught(root, tmp_path):
    "An example that imports something and uses a name from an earlier example: nbdev's docs processing runs it alone."
    spec = importlib.util.spec_from_file_location('check_sync', root/'tools'/'check_sync.py')
    check = importlib.util.module_from_spec(spec); spec.loader.exec_module(check)
    nb = json.loads((root/'nbs'/'15_mothello.ipynb').read_text())
    cell = next(c for c in nb['cells'] if c.get('id') == 'ck1a2b3c')
    assert 'make_gpt(L,' in ''.join(cell['source'])  # an example reading `L`, defined by an earlier example
    copy = tmp_path/'15_mothello.ipynb'
    copy.write_text(json.dumps(nb, indent=1))
    assert check.docs_run_problems(copy) == []
    cell['source'] = ['import tempfile\n'] + cell['source']  # now the docs build runs it, without `L`
    copy.write_text(json.dumps(nb, indent=1))
    problems = check.docs_run_problems(copy)
    assert len(problems) == 1 and '(ck1a2b3c)' in problems[0] and 'define L;' in problems[0], problems
