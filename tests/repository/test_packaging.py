"""`pip install ./invoicecloud_payments` installs the whole addon, with its dependencies declared."""

import ast
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ADDON = Path(__file__).resolve().parents[2] / 'invoicecloud_payments'


def test_wheel_carries_every_file_of_the_addon(tmp_path):
    try:
        subprocess.run(
            [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', str(ADDON), '-w', str(tmp_path)],
            check=True, capture_output=True,
        )  # fmt: skip
    finally:  # pip builds in the source tree
        shutil.rmtree(ADDON / 'build', ignore_errors=True)
        for egg_info in ADDON.glob('*.egg-info'):
            shutil.rmtree(egg_info)
    wheel = zipfile.ZipFile(next(tmp_path.glob('*.whl')))
    packaged = {name.removeprefix('odoo/addons/invoicecloud_payments/') for name in wheel.namelist()}
    tracked = subprocess.run(['git', 'ls-files'], cwd=ADDON, check=True, capture_output=True, text=True).stdout.split()
    missing = {path for path in tracked if path != 'pyproject.toml'} - packaged
    assert not missing, f"files left out of the wheel: {sorted(missing)}"

    # One source for the version and the dependencies: the manifest (whool reads it, as OCA's).
    metadata = wheel.read(next(n for n in wheel.namelist() if n.endswith('METADATA'))).decode()
    manifest = ast.literal_eval((ADDON / '__manifest__.py').read_text())
    # whool adds the number of commits since the manifest's version changed, as setuptools-odoo did.
    assert re.search(rf"^Version: {re.escape(manifest['version'])}(\.\d+)?$", metadata, re.M), metadata[:200]
    assert set(manifest['external_dependencies']['python']) == {'stripe>=12', 'mollie-api-python>=3.7'}
    for dependency in manifest['external_dependencies']['python']:
        assert f'Requires-Dist: {dependency}\n' in metadata
    assert 'Requires-Dist: odoo==19.0.*\n' in metadata
    project = tomllib.loads((ADDON / 'pyproject.toml').read_text())['project']
    assert 'version' not in project and 'dependencies' not in project, "written once, in the manifest"
