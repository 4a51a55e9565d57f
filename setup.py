"""Package metadata read from settings.ini (nbdev's convention; written by hand, nbdev_new needs the network)."""
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
c = cfg['DEFAULT']
setuptools.setup(
    name=c['lib_name'], version=c['version'], description=c['description'], author=c['author'],
    author_email=c['author_email'], license=c['license'], python_requires=f">={c['min_python']}",
    packages=setuptools.find_packages(include=[c['lib_name'], c['lib_name'] + '.*']),
    include_package_data=True, package_data={c['lib_name']: ['assets/*', 'assets/**/*']},
    install_requires=c['requirements'].split(), extras_require={'dev': c['dev_requirements'].split()},
    entry_points={'console_scripts': c['console_scripts'].split(),
                  'nbdev': [f"{c['lib_name']}={c['lib_name']}._modidx:d"]},
    zip_safe=False,
)
