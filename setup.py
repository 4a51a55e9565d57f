"""Package metadata read from settings.ini (nbdev's convention; written by hand, nbdev_new needs the network).

The paper notebooks (`nbs/papers/*.ipynb`) and their presets (`configs/<paper>/*.yaml`) are package data: the wheel
carries a copy of them in `xltnb/project/` (`build_py` below), so an installed xltnb runs `xltnb papers` and
`xltnb reproduce` outside a checkout (`xltnb.core.project_files` finds them); MANIFEST.in puts them in the sdist."""
from configparser import ConfigParser
from pathlib import Path
import shutil
import setuptools
from setuptools.command.build_py import build_py

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
c = cfg['DEFAULT']
LICENSES = {'apache2': 'Apache-2.0'}  # settings.ini's nbdev name -> SPDX
PROJECT_FILES = ('nbs/papers/*.ipynb', 'configs/*/*.yaml')  # copied to <lib>/project/ with their folders

class BuildWithProjectFiles(build_py):
    "build_py, then the paper notebooks and presets copied into the built package's `project/` folder."
    def run(self):
        super().run()
        dst = Path(self.build_lib)/c['lib_name']/'project'
        for pattern in PROJECT_FILES:
            found = sorted(Path('.').glob(pattern))
            if not found: raise SystemExit(f'setup.py: no file matches {pattern}: build from a source checkout')
            for f in found:
                (dst/f.parent).mkdir(parents=True, exist_ok=True); shutil.copyfile(f, dst/f)

setuptools.setup(
    name=c['lib_name'], version=c['version'], description=c['description'], author=c['author'],
    author_email=c['author_email'], license=LICENSES.get(c['license'], c['license']),
    python_requires=f">={c['min_python']}",
    packages=setuptools.find_packages(include=[c['lib_name'], c['lib_name'] + '.*']),
    include_package_data=True, package_data={c['lib_name']: ['assets/*', 'assets/**/*']},
    cmdclass={'build_py': BuildWithProjectFiles},
    install_requires=c['requirements'].split(), extras_require={'dev': c['dev_requirements'].split()},
    entry_points={'console_scripts': c['console_scripts'].split(),
                  'nbdev': [f"{c['lib_name']}={c['lib_name']}._modidx:d"]},
    zip_safe=False,
)
