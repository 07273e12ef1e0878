"""Bundles are bounded by what they really hold, not by what they declare: a zip member is read in
chunks and counted as it inflates, names are unique and stay inside the bundle, and definition
YAML refuses anchors and aliases. Work is counted (bytes inflated, function calls), not timed."""

from __future__ import annotations

import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest

import dsl
from engine import bundle_files
from engine.bundle import check_path
from tests.conftest import EXAMPLE_TEMPLATE
from tests.zips import MiB, bundle_zip, count_inflation, patched, with_bomb, with_member

SAMPLE = "data/customers.csv"


def written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    return path


def problems(path: Path) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in check_path(path).diagnostics]


def rendered(path: Path) -> str:
    result = check_path(path)
    return dsl.render_all(result.diagnostics, result.sources)


def sample_span() -> tuple[int, int]:
    """Line and column of the sample data file's name in the example's template.yaml."""
    lines = (EXAMPLE_TEMPLATE / "template.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if SAMPLE in text)
    return line, lines[line - 1].index(SAMPLE) + 1


def work(action: Callable[[], object]) -> int:
    """How many Python and C function calls `action()` makes: its work, counted, not timed."""
    calls = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return calls


# --- sizes are the bytes really inflated ------------------------------------------------------


def test_a_member_whose_header_understates_its_size_inflates_no_further_than_declared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the bomb, scaled down: 200 MiB of zeros in 200 KB whose headers say 2 KB
    hostile = with_bomb(
        bundle_zip(EXAMPLE_TEMPLATE, skip=(SAMPLE,)), SAMPLE, mebibytes=200, declared=2_048
    )
    assert len(hostile) < 300_000
    path = written(tmp_path, hostile)
    inflated = count_inflation(monkeypatch)
    assert problems(path) == [
        (
            "not-a-zip",
            f"the zip entry '{SAMPLE}' cannot be unpacked: Bad CRC-32 for file '{SAMPLE}'",
        )
    ]
    assert inflated[0] < MiB  # the examples' own files and one chunk of the bomb


def test_a_member_over_the_per_file_limit_is_refused_where_the_bundle_lists_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = bytes(bundle_files.MAX_FILE_BYTES + 1)
    path = written(tmp_path, with_member(bundle_zip(EXAMPLE_TEMPLATE, skip=(SAMPLE,)), SAMPLE, big))
    inflated = count_inflation(monkeypatch)
    line, column = sample_span()
    assert rendered(path).splitlines()[0] == (
        f"template.yaml:{line}:{column}: error: '{SAMPLE}' is larger than 10 MB"
    )
    assert inflated[0] <= bundle_files.MAX_FILE_BYTES + MiB  # read no further than the limit


def test_a_member_over_the_per_file_limit_that_nothing_lists_is_not_kept(tmp_path: Path) -> None:
    big = bytes(bundle_files.MAX_FILE_BYTES + 1)
    path = written(tmp_path, with_member(bundle_zip(EXAMPLE_TEMPLATE), "docs/big.bin", big))
    assert problems(path) == []


def test_a_member_declaring_more_than_it_holds_is_read_for_what_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = bundle_files.MAX_UNPACKED_BYTES + 1
    path = written(tmp_path, patched(bundle_zip(EXAMPLE_TEMPLATE), SAMPLE, file_size=declared))
    inflated = count_inflation(monkeypatch)
    assert problems(path) == []
    assert inflated[0] < MiB


def test_the_total_limit_counts_the_bytes_inflated_and_names_the_entry_past_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = written(tmp_path, bundle_zip(EXAMPLE_TEMPLATE))
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    monkeypatch.setattr(bundle_files, "MAX_UNPACKED_BYTES", sum(i.file_size for i in infos) - 1)
    assert problems(path) == [
        (
            "bundle-too-large",
            f"the bundle unpacks to more than 0 MB (counted up to the zip entry "
            f"'{infos[-1].filename}')",
        )
    ]


def test_a_zip_listing_too_many_files_is_refused_before_zipfile_reads_the_list(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(2_500):  # 2,500 entries of 450 bytes: a directory over 1 MiB
            archive.writestr(f"{index:04d}-{'x' * 400}.txt", b"")
    assert problems(path) == [
        ("bundle-too-large", "the bundle holds more than 2000 files (its directory is too large)")
    ]
    assert work(lambda: check_path(path)) < 1_000  # zipfile would make 2,500 ZipInfo first


# --- entries -----------------------------------------------------------------------------------


def test_a_name_given_twice_is_refused_instead_of_taking_the_last(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = with_member(bundle_zip(EXAMPLE_TEMPLATE), "template.yaml", b"template: other\n")
    assert problems(written(tmp_path, data)) == [
        ("duplicate-entry", "the zip holds 'template.yaml' more than once")
    ]


def test_a_folder_entry_leaving_the_bundle_is_refused(tmp_path: Path) -> None:
    data = with_member(bundle_zip(EXAMPLE_TEMPLATE), "../outside/", b"")
    assert problems(written(tmp_path, data)) == [
        ("unsafe-path", "the zip holds '../outside/', which is not a plain path inside the bundle")
    ]


def test_an_encrypted_member_is_refused_with_its_name_not_a_traceback(tmp_path: Path) -> None:
    data = patched(bundle_zip(EXAMPLE_TEMPLATE), SAMPLE, flags=0x1)
    assert problems(written(tmp_path, data)) == [
        ("encrypted-entry", f"the zip entry '{SAMPLE}' is encrypted")
    ]


def test_a_member_compressed_with_bzip2_is_refused_before_it_inflates(tmp_path: Path) -> None:
    # bzip2 turns 100 MB of zeros into 113 bytes, and zipfile inflates a bzip2 chunk at once
    data = with_member(
        bundle_zip(EXAMPLE_TEMPLATE, skip=(SAMPLE,)),
        SAMPLE,
        bytes(MiB),
        compression=zipfile.ZIP_BZIP2,
    )
    assert problems(written(tmp_path, data)) == [
        (
            "unsupported-compression",
            f"the zip entry '{SAMPLE}' is compressed in a way riskdesk does not read",
        )
    ]


# --- definition YAML inside a bundle -----------------------------------------------------------


def test_an_alias_in_a_form_of_a_bundle_is_refused_at_the_alias(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    form = bundle / "forms" / "lawsuit.yaml"
    text = form.read_text(encoding="utf-8")
    form.write_text(text.replace("fields:\n", "fields: &all\n", 1), encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("fields:"))
    assert rendered(bundle).splitlines()[:3] == [
        f"forms/lawsuit.yaml:{line}:9: error: '&all': anchors and aliases are not allowed in a "
        "definition; write the value out where it is used",
        f"{line:5d} | fields: &all",
        "      |         ^^^^",
    ]


def test_a_billion_laughs_template_yaml_is_refused_with_bounded_work(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    laughs = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
    template = bundle / "template.yaml"
    template.write_text(
        template.read_text(encoding="utf-8") + "x_laughs:\n  " + "\n  ".join(laughs) + "\n",
        encoding="utf-8",
    )
    assert len(template.read_bytes()) < 12_000
    codes = [d.code for d in check_path(bundle).diagnostics]
    assert codes == ["yaml-alias"]
    assert work(lambda: check_path(bundle)) < 20_000
