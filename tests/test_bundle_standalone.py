"""A bundle exported here verifies with the script it carries, run by a Python that has nothing but ``cryptography``
installed (issue 4: "verifies with the standalone script on a machine with only Python and cryptography").

The test makes that machine: a fresh virtual environment (``python3.11 -m venv``) into which only
``cryptography`` (and what it needs: cffi, pycparser) is installed, and runs ``data/verify_bundle.py`` taken out
of the bundle in isolated mode (``-I``: no PYTHONPATH, no user site, not even the script's directory first on the
path), from a directory outside the checkout, with an environment that names neither Django nor the project.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from quancheng.ledger import checkpoints, note

pytest.register_assert_rewrite("tests.bundle_support")

from .bundle_support import ExportedBundle, read_members, rebag  # noqa: E402 - after the rewrite hook

pytest_plugins = ["tests.bundle_support"]

pytestmark = pytest.mark.django_db

PIP_TIMEOUT = 300


def _clean_env(home: Path) -> dict[str, str]:
    """What a stranger's shell would have: a PATH, a UTF-8 locale, a home; nothing of ours."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(home), "PYTHONIOENCODING": "utf-8"}


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter of a new venv with only ``cryptography`` installed."""
    root = tmp_path_factory.mktemp("bare-venv")
    base = shutil.which("python3.11") or getattr(sys, "_base_executable", sys.executable)
    made = subprocess.run([base, "-m", "venv", str(root / "venv")], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, f"python3.11 -m venv failed (install python3.11-venv): {made.stderr}"
    python = root / "venv" / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # Local wheels first (the pip configuration's find-links), then the package index.
    attempts = [[*pip, "--no-index", "cryptography"], [*pip, "cryptography"]]
    errors = []
    for command in attempts:
        installed = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT)
        if installed.returncode == 0:
            break
        errors.append(installed.stderr.strip().splitlines()[-1:] or ["?"])
    else:
        pytest.skip(f"cannot install cryptography into a fresh venv (no network and no local wheel?): {errors}")
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True)
    names = {line.split("==")[0].lower() for line in listed.stdout.split()}
    assert "cryptography" in names and "django" not in names and "rfc8785" not in names, names
    return python


def _script(bundle: Path, where: Path) -> Path:
    """``data/verify_bundle.py`` as shipped inside the bundle."""
    with zipfile.ZipFile(bundle) as archive:
        name = next(name for name in archive.namelist() if name.endswith("/data/verify_bundle.py"))
        script = where / "verify_bundle.py"
        script.write_bytes(archive.read(name))
    return script


def _run(python: Path, script: Path, bundle: Path, key: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-I", str(script), str(bundle), "--key", key],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=_clean_env(cwd),
        timeout=120,
    )


def test_the_bare_python_has_no_django(bare_python: Path, tmp_path: Path) -> None:
    # the environment really is bare: the project's own libraries are not importable there
    for module in ("django", "rfc8785", "quancheng"):
        probe = subprocess.run(
            [str(bare_python), "-I", "-c", f"import {module}"],
            capture_output=True,
            cwd=tmp_path,
            env=_clean_env(tmp_path),
        )
        assert probe.returncode != 0, module


def test_exported_bundle_verifies_with_the_shipped_script(
    bare_python: Path, exported: ExportedBundle, tmp_path: Path
) -> None:
    # given: the bundle and its own script, in a directory of their own
    outside = tmp_path / "court"
    outside.mkdir()
    bundle = outside / "案卷包.zip"
    shutil.copyfile(exported.path, bundle)
    script = _script(bundle, outside)

    # when
    done = _run(bare_python, script, bundle, checkpoints.verifier_key(), outside)

    # then: exit 0 with a Chinese and English summary
    assert done.returncode == 0, done.stdout + done.stderr
    assert "核验通过" in done.stdout and "INTACT" in done.stdout
    assert exported.case.number in done.stdout
    assert f"size {exported.result.checkpoint.size}" in done.stdout


def test_shipped_script_names_a_tampered_media_file(
    bare_python: Path, exported: ExportedBundle, tmp_path: Path
) -> None:
    # given: a media byte flipped (manifests recomputed)
    _base, files = read_members(exported.data)
    media = sorted(rel for rel in files if rel.startswith("data/media/"))[0]

    def flip(files: dict[str, bytes]) -> None:
        files[media] = files[media][:-1] + bytes([files[media][-1] ^ 1])

    bundle = tmp_path / "tampered.zip"
    bundle.write_bytes(rebag(exported.data, flip))
    script = _script(exported.path, tmp_path)

    # when
    done = _run(bare_python, script, bundle, checkpoints.verifier_key(), tmp_path)

    # then: non-zero, naming the file and what is wrong
    assert done.returncode == 1, done.stdout + done.stderr
    assert "核验未通过" in done.stdout and "FAILED" in done.stdout
    assert media in done.stdout and "media content was changed" in done.stdout


def test_shipped_script_refuses_another_key_and_a_bad_key(
    bare_python: Path, exported: ExportedBundle, tmp_path: Path
) -> None:
    script = _script(exported.path, tmp_path)
    other = note.generate_signer(checkpoints.log_origin()).verifier().verifier_key()

    signed_by_other = _run(bare_python, script, exported.path, other, tmp_path)
    assert signed_by_other.returncode == 1
    assert (
        "data/ledger/checkpoint.txt" in signed_by_other.stdout
        and "not signed by the given key" in signed_by_other.stdout
    )

    malformed = _run(bare_python, script, exported.path, "not-a-key", tmp_path)
    assert malformed.returncode == 2 and "unusable key" in malformed.stderr
