"""What a lent GPU machine needs beside the project, built here into `.gpu/` (git-ignored) for the device tool.

The GPU machine has its own torch (CUDA) but transformers 5, no hub, no Jupyter and no Debian data; at most 64 MiB
travel per call, the project's tracked files included. So, in two parts that travel in two calls to one warm machine:

- `.gpu/whl`: the pinned wheels of what the machine lacks or has at another version (transformers, tokenizers,
  huggingface-hub, datasets, adapters, papermill and its Jupyter kernel, nbconvert, plotly, ipywidgets, nltk), for
  CPython 3.12 on x86-64; `tools/gpu_run.sh install` puts them in a scratch folder, ahead of the machine's own.
- `.gpu/rt`: the real-text testbed: e5-small's weight file trimmed (`xltnb.e5.trim_weights`) to every text of the
  real-text tasks, every word of them and RS-DA's WordNet synonyms (the same model on all of them: no forward pass
  reads a piece they do not use), and the Debian files the tasks are built from (gettext catalogs, CLDR annotations,
  emoji-test.txt) with WordNet 3.0, as one tar.xz unpacked at their own paths by `tools/gpu_run.sh rtdata`.

    .venv/bin/python tools/gpu_carry.py whl rt     # both parts (about 1 minute, most of it the weights' check)
"""
import argparse, subprocess, sys, tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# the machine's image has torch, accelerate, safetensors, numpy, pandas, scipy, scikit-learn, pyarrow, jinja2, pyyaml
# and the like; these it lacks (or has at a version transformers 4.57 / adapters 1.3 refuse). Jupyter's debugger
# (debugpy), jedi and the widget front-end packages are left out: a headless kernel runs without them.
PINNED = ['transformers', 'tokenizers', 'huggingface-hub', 'datasets', 'adapters', 'papermill', 'nbconvert', 'plotly',
          'ipywidgets', 'nltk', 'nbformat', 'nbclient', 'jupyter_client', 'jupyter_core', 'ipykernel', 'ipython',
          'traitlets', 'pyzmq', 'tornado', 'comm', 'prompt_toolkit', 'pexpect', 'ptyprocess', 'stack-data', 'executing',
          'asttokens', 'pure_eval', 'matplotlib-inline', 'jsonschema', 'jsonschema-specifications', 'referencing',
          'rpds-py', 'fastjsonschema', 'tenacity', 'platformdirs', 'wcwidth', 'ipython_pygments_lexers', 'entrypoints',
          'mistune', 'bleach', 'tinycss2', 'pandocfilters', 'defusedxml', 'beautifulsoup4', 'soupsieve',
          'jupyterlab_pygments', 'webencodings', 'dill', 'multiprocess']
PLATFORMS = ['manylinux_2_28_x86_64', 'manylinux_2_27_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64',
             'manylinux1_x86_64', 'any']


def installed_versions() -> dict:
    "name -> version of the project's virtual environment (the tested set)."
    out = subprocess.run([sys.executable, '-m', 'pip', 'list', '--format=freeze'], capture_output=True, text=True,
                         check=True).stdout
    return {n.lower().replace('_', '-'): v for n, v in (l.split('==') for l in out.split() if '==' in l)}


def wheels(dest: Path):
    "Download the pinned wheels (the versions this environment runs) for CPython 3.12, x86-64."
    have = installed_versions()
    missing = [n for n in PINNED if n.lower().replace('_', '-') not in have]
    if missing: sys.exit(f"not in this environment: {', '.join(missing)} (run tools/setup.sh)")
    want = [f"{n}=={have[n.lower().replace('_', '-')]}" for n in PINNED]
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:', '--python-version',
           '3.12', '--implementation', 'cp', '-d', str(dest)] + [a for p in PLATFORMS for a in ('--platform', p)] + want
    subprocess.run(cmd, check=True)
    whl = list(dest.glob('*.whl'))
    print(f"{dest}: {len(whl)} wheels, {sum(f.stat().st_size for f in whl) / 2**20:.1f} MiB")


def realtext(dest: Path):
    "The trimmed e5-small weight file and the real-text tasks' source files with WordNet, into `dest`."
    from xltnb.e5 import trim_weights, vocab_texts
    from xltnb.methods.robust import _wordnet_table
    from xltnb.lexicon import LEXNAMES_MAN, WORDNET_DIR
    from xltnb.protocol import REALTEXT_TASKS
    from xltnb.realtext import _source_files
    texts = [t for task in REALTEXT_TASKS + ('msg-bitext',) for t in vocab_texts(task)]
    words = sorted({w for t in texts for w in t.split()})
    synonyms = sorted({s for task in REALTEXT_TASKS for v in _wordnet_table(task, '{}').values() for s in v})
    dest.mkdir(parents=True, exist_ok=True)
    f = trim_weights(texts + words + synonyms, dest / 'e5-small-realtext-q4.bin')
    print(f"{f}: {f.stat().st_size / 2**20:.1f} MiB ({len(texts):,} texts, {len(words):,} words, "
          f"{len(synonyms):,} synonyms)")
    files = sorted({p for task in ('msg-topic', 'emoji-topic') for p in _source_files(task, {})})
    files += sorted(p for p in Path(WORDNET_DIR).iterdir() if p.is_file()) + [Path(LEXNAMES_MAN)]
    with tarfile.open(dest / 'realtext-data.tar.xz', 'w:xz') as tar:
        for p in files: tar.add(p, arcname=str(p).lstrip('/'))
    print(f"{dest / 'realtext-data.tar.xz'}: {len(files)} files, "
          f"{(dest / 'realtext-data.tar.xz').stat().st_size / 2**20:.1f} MiB")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('parts', nargs='+', choices=['whl', 'rt'])
    p.add_argument('--dest', default=str(ROOT / '.gpu'))
    a = p.parse_args(argv)
    if 'whl' in a.parts: wheels(Path(a.dest) / 'whl')
    if 'rt' in a.parts: realtext(Path(a.dest) / 'rt')


if __name__ == '__main__':
    main()
