"""The package as pip installs it: type stubs that match the extension, py.typed, the
version."""
import os
import subprocess
import sys

import coagent

PACKAGE = os.path.dirname(coagent.__file__)
SOURCE = os.path.join(os.path.dirname(__file__), "..", "..", "python", "coagent")


def test_stub_matches_the_extension(tmp_path):
    """python/coagent/_coagent.pyi is what pybind11-stubgen writes for the built module
    (regenerate: pybind11-stubgen coagent._coagent -o python/ with build/python first on
    PYTHONPATH)."""
    subprocess.run([sys.executable, "-m", "pybind11_stubgen", "coagent._coagent", "-o", str(tmp_path)],
                   check=True, capture_output=True, env={**os.environ, "PYTHONPATH": os.path.dirname(PACKAGE)})
    fresh = (tmp_path / "coagent" / "_coagent.pyi").read_text()
    with open(os.path.join(SOURCE, "_coagent.pyi")) as f:
        assert f.read() == fresh, "python/coagent/_coagent.pyi is stale: regenerate it"


def test_typed_package_and_version():
    assert os.path.isfile(os.path.join(PACKAGE, "py.typed"))
    assert os.path.isfile(os.path.join(PACKAGE, "_coagent.pyi"))
    with open(os.path.join(SOURCE, "..", "..", "CMakeLists.txt")) as f:
        assert f"project(coagent VERSION {coagent.__version__} " in f.read()
