"""Photos below what the model can see: refused under one ViT patch (16 px a side), embedded
with a warning when enlarged more than 4x (issue 23, item 8)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gair_qgis.runtime import embed
from gair_qgis.runtime.errors import InputError
from gair_qgis.runtime.package import load_package
from gair_qgis.runtime.preprocess import MIN_PHOTO_SIDE, SmallPhotoWarning, read_photo
from gair_qgis.runtime.session import GAIRRuntime

from conftest import UNTRAINED_TWIN


def write_photo(path: Path, width: int, height: int) -> Path:
    rng = np.random.default_rng(width * 1000 + height)
    Image.fromarray(rng.integers(0, 255, size=(height, width, 3), dtype=np.uint8)).save(path)
    return path


@pytest.fixture(scope="module")
def runtime():
    return GAIRRuntime(load_package(UNTRAINED_TWIN), force_cpu=True)


@pytest.mark.parametrize(("width", "height"), [(1, 1), (15, 400), (400, 15)])
def test_a_photo_smaller_than_one_patch_is_refused_naming_it(runtime, tmp_path, width, height):
    path = write_photo(tmp_path / "tiny.png", width, height)
    with pytest.raises(InputError, match=f"the photo {path} is {width} x {height} px: too small") as refused:
        runtime.encode_photo(path)
    assert "\n" not in str(refused.value) and f"at least {MIN_PHOTO_SIDE} px" in str(refused.value)


def test_a_tiny_photo_given_as_an_array_is_refused(runtime):
    with pytest.raises(InputError, match="1 x 1 px"):
        runtime.encode_photo(np.zeros((1, 1, 3), np.uint8))


def test_a_small_photo_is_embedded_with_a_warning(runtime, tmp_path):
    path = write_photo(tmp_path / "small.png", MIN_PHOTO_SIDE, 40)  # 224 / 16: enlarged 14x
    with pytest.warns(SmallPhotoWarning, match="enlarged 14x"):
        pooled, projected = runtime.encode_photo(path)
    assert np.isfinite(pooled).all() and np.isfinite(projected).all()


def test_an_ordinary_photo_gives_no_warning(runtime, tmp_path):
    path = write_photo(tmp_path / "ordinary.jpg", 320, 180)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallPhotoWarning)
        assert read_photo(path, 224).shape == (180, 320, 3)
        runtime.encode_photo(path)


def test_the_embed_command_refuses_a_1x1_photo_in_one_line(tmp_path, capsys):
    photo = write_photo(tmp_path / "pixel.png", 1, 1)
    out = tmp_path / "out"
    assert embed.main(["--package", str(UNTRAINED_TWIN), "--sv-image", str(photo), "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: the photo") and "1 x 1 px" in err[0]
    assert not any(out.glob("*.npy"))


def test_the_embed_command_warns_about_a_small_photo_in_one_line(tmp_path, capsys):
    photo = write_photo(tmp_path / "small.png", 20, 24)  # 224 / 20: enlarged 11x
    out = tmp_path / "out"
    assert embed.main(["--package", str(UNTRAINED_TWIN), "--sv-image", str(photo), "--output-dir", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"warning: the photo {photo} is 20 x 24 px, enlarged 11x to the model's 224 px: its embedding "
        "carries little detail"
    ]
    assert (out / "sv_embedding.npy").is_file()


def test_the_heatmap_algorithm_logs_the_warning_and_refuses_a_1x1_photo(tmp_path, gair_provider, l2a_tile):
    """In QGIS the warning goes to the algorithm's log (Processing's log, a dock's run), once
    per run however often the same photo comes; a 1 x 1 photo is refused naming it."""
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    from processing_support import run

    class Recording(QgsProcessingFeedback):
        def __init__(self) -> None:
            super().__init__()
            self.warnings: list[str] = []

        def pushWarning(self, warning: str) -> None:
            self.warnings.append(warning)
            super().pushWarning(warning)

    small = write_photo(tmp_path / "small.png", 40, 30)  # 224 / 30: enlarged 7x
    parameters = {"INPUT": str(l2a_tile), "SV_IMAGE": str(small), "SV_POINT": "9.17,48.768 [EPSG:4326]"}
    for run_number in (1, 2):
        feedback = Recording()
        run("svheatmap", dict(parameters, OUTPUT=str(tmp_path / f"heat{run_number}.tif")), feedback)
        said = [w for w in feedback.warnings if "enlarged" in w]
        assert len(said) == 1 and str(small) in said[0] and "40 x 30 px, enlarged 7x" in said[0], feedback.warnings
    pixel = write_photo(tmp_path / "pixel.png", 1, 1)
    with pytest.raises(QgsProcessingException, match=r"pixel.png is 1 x 1 px: too small"):
        run("svheatmap", dict(parameters, SV_IMAGE=str(pixel), OUTPUT=str(tmp_path / "heat3.tif")))
    assert not (tmp_path / "heat3.tif").exists()
