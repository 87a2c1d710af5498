"""One rule for every command line: a user's mistake is one line on stderr naming the input
and the fix, exit code 2, a traceback only with --debug, refused before the long work and
before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gair_qgis.runtime.errors import InputError, PackageError

from cli_support import assert_one_line_refusal, run_cli


def cli_cases(tmp: Path, checkpoint: Path) -> dict[str, list]:
    """For each command line: arguments with a user's mistake that once gave a traceback."""
    a_file = tmp / "a-file"
    a_file.write_text("x")
    folder = tmp / "a-folder"
    folder.mkdir(exist_ok=True)
    return {
        "gair_qgis.runtime.embed": ["--lon", "1", "--lat", "2", "--output-dir", a_file],
        "gair_core.embed": ["--checkpoint", checkpoint, "--lon", "1", "--lat", "2", "--output-dir", a_file],
        "gair_core.train": ["--manifest", folder, "--output-dir", a_file],
        "gair_core.data": ["validate", folder],
        "gair_core.finetune": [
            "--data",
            folder,
            "--task",
            "location",
            "--kind",
            "regression",
            "--target",
            "y",
            "--output-dir",
            tmp / "ft",
        ],
        "gair_core.export": ["--checkpoint", checkpoint, "--out", a_file],
        "gair_qgis.runtime.import_checkpoint": [folder, "--out", tmp / "new-package"],
    }


@pytest.mark.slow  # seven command lines, twice each, most of them importing torch (25-60 s each on 2 cores)
@pytest.mark.parametrize(
    "module",
    [
        "gair_qgis.runtime.embed",
        "gair_core.embed",
        "gair_core.train",
        "gair_core.data",
        "gair_core.finetune",
        "gair_core.export",
        "gair_qgis.runtime.import_checkpoint",
    ],
)
def test_every_command_line_refuses_in_one_line_with_exit_2_and_a_traceback_only_with_debug(
    module, tmp_path, tiny_checkpoint
):
    args = cli_cases(tmp_path, tiny_checkpoint)[module]
    result = run_cli(module, *args)
    assert_one_line_refusal(result)
    debug = run_cli(module, *args, "--debug")
    assert debug.returncode == 2 and "Traceback" in debug.stderr, debug.stderr[-2000:]
    assert not (tmp_path / "new-package").exists() and not (tmp_path / "ft").exists()


@pytest.mark.slow  # eight command lines, four importing torch
@pytest.mark.parametrize("lon, lat", [("0", "95"), ("400", "10"), ("nan", "10"), ("10", "inf")])
def test_both_embed_commands_refuse_a_location_outside_lon_lat_ranges(tmp_path, tiny_checkpoint, lon, lat):
    for module, model in (("gair_core.embed", ["--checkpoint", tiny_checkpoint]), ("gair_qgis.runtime.embed", [])):
        out = tmp_path / module
        result = run_cli(module, *model, f"--lon={lon}", f"--lat={lat}", "--output-dir", out)
        assert_one_line_refusal(result, "--lon/--lat", "longitude in [-180, 180]", "latitude in [-90, 90]")
        assert not out.exists()


def test_a_points_csv_with_a_bad_row_is_refused_naming_the_row(tmp_path):
    from gair_qgis.runtime import embed_cli
    from gair_qgis.runtime.errors import InputError

    points = tmp_path / "points.csv"
    points.write_text("lon,lat\n10,20\n20,-91\n")
    args = embed_cli.build_parser("x", "--package", "", required=False).parse_args(["--points", str(points)])
    with pytest.raises(InputError, match=r"points.csv row 3: .*latitude in \[-90, 90\]"):
        embed_cli.read_points(args)


@pytest.mark.parametrize(
    "text, expected",
    [("lon,lat\n", "no rows"), ("lon,lat\n1,2\n,3\n", "row 3"), ("x,y\n1,2\n", "columns 'lon' and 'lat'")],
)
def test_points_csv_problems_are_named_precisely(tmp_path, text, expected):
    points = tmp_path / "points.csv"
    points.write_text(text)
    result = run_cli("gair_qgis.runtime.embed", "--points", points, "--output-dir", tmp_path / "out")
    assert_one_line_refusal(result, str(points), expected)


@pytest.mark.slow  # 8-12 s: out of make test-fast
def test_an_unwritable_output_is_refused_before_the_long_work(tiny_checkpoint, tmp_path):
    """/proc refuses new folders even to root (chmod would not stop a root test run)."""
    unwritable = Path("/proc/gair-test-output/package")
    result = run_cli("gair_core.export", "--checkpoint", tiny_checkpoint, "--out", unwritable)
    assert_one_line_refusal(result, str(unwritable), "not writable")
    assert "onnxruntime vs torch" not in result.stdout  # refused before exporting
    result = run_cli("gair_qgis.runtime.import_checkpoint", tiny_checkpoint, "--out", unwritable)
    assert_one_line_refusal(result, str(unwritable), "not writable")


@pytest.mark.slow  # three command lines, two importing torch
def test_an_output_dir_that_is_a_file_is_refused_naming_it(tmp_path):
    a_file = tmp_path / "out"
    a_file.write_text("mine")
    result = run_cli("gair_qgis.runtime.embed", "--lon", "1", "--lat", "2", "--output-dir", a_file)
    assert_one_line_refusal(result, f"--output-dir {a_file} is a file")
    assert a_file.read_text() == "mine"
    data = tmp_path / "rows.csv"
    data.write_text("lon,lat,y\n1,2,3\n")
    result = run_cli(
        "gair_core.finetune",
        "--data",
        data,
        "--task",
        "location",
        "--kind",
        "regression",
        "--target",
        "y",
        "--output-dir",
        a_file,
    )
    assert_one_line_refusal(result, f"--output-dir {a_file} is a file")
    result = run_cli("gair_core.train", "--manifest", data, "--output-dir", a_file)
    assert_one_line_refusal(result, f"--output-dir {a_file} is a file")
    assert a_file.read_text() == "mine"


@pytest.mark.parametrize(
    "error, code, words",
    [
        (InputError("points.csv row 3: no latitude; fix the row"), 2, "error: points.csv row 3"),
        (PackageError("model.json: no files list; re-export it"), 2, "error: model.json"),
        (json.JSONDecodeError("Expecting value", "x", 0), 2, "error: Expecting value"),
        (ValueError("operands could not be broadcast together"), 1, "error: internal error (ValueError: operands"),
        (KeyError("rs_encoder"), 1, "error: internal error (KeyError: 'rs_encoder')"),
    ],
    ids=["InputError", "PackageError", "JSONDecodeError", "ValueError", "KeyError"],
)
def test_a_users_error_exits_2_and_a_defect_exits_1_as_an_internal_error(capsys, error, code, words):
    """Errors by type: the project's error types (and a file that cannot be read) are the user's to
    fix; any other exception, a plain ValueError included, is a defect to report, whose
    traceback --debug prints."""
    from gair_qgis.runtime.cli import command

    @command
    def main(argv=None) -> int:
        raise error

    assert main([]) == code
    stderr = capsys.readouterr().err
    assert stderr.splitlines() == [stderr.strip()] and stderr.startswith(words), stderr
    assert ("--debug for the traceback" in stderr) == (code == 1)
    assert main(["--debug"]) == code
    assert "Traceback" in capsys.readouterr().err
