"""The order of generated imports and ``__all__`` is ruff's (I001 and RUF022), whatever the
names: non-ASCII capitals, titlecase letters, letters that fold, digits of every script.

Hypothesis draws many sets of names; every example is written as a module, and ruff is run
once over all of them, so the properties cost two ruff runs, not one per example.
"""

from __future__ import annotations

import functools
import json
import keyword
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generated import run_python
from schemasync.codegen.pysource import (
    import_block,
    isort_sorted,
    modules_sorted,
    natural_key,
    package_init,
)

#: Letters whose case ruff and Python might see differently: accented capitals, a titlecase
#: letter (``ǅ``), letters whose lowercase is longer or context-dependent (``İ``, ``Σ``), the
#: long s, a modifier letter, a letter with no case, and digits that are not ASCII.
TRICKY = "AaBbZz_09ÄäÉéÖöǄǅǆßẞİΣςΩωªʰא٣७Ⅻⅻ" + "\u017f\u0131\u03c3"  # long s, dotless i, sigma
EXAMPLES = 150

identifiers = st.text(
    st.one_of(
        st.sampled_from(TRICKY),
        st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl"]),
    ),
    min_size=1,
    max_size=6,
).filter(lambda name: name.isidentifier() and not keyword.iskeyword(name))
name_sets = st.lists(identifiers, min_size=2, max_size=8, unique=True)


def _ruff_findings(folder: Path) -> list[str]:
    """What ``ruff check --select I001,RUF022`` says of the modules in ``folder``."""
    result = run_python(
        "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "I001,RUF022",
        "--output-format", "json", ".", cwd=folder,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return [
        f"{Path(d['filename']).name}: {d['code']}\n{Path(d['filename']).read_text('utf-8')}"
        for d in json.loads(result.stdout)
    ]


def test_generated_order_is_ruffs_for_random_names(tmp_path: Path) -> None:
    modules: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True)
    @given(names=name_sets, packages=st.lists(name_sets, min_size=1, max_size=3))
    def collect(names: list[str], packages: list[list[str]]) -> None:
        # An import block of members from modules named like them, and a lazy package
        # ``__init__`` re-exporting names of modules (its ``__all__`` included).
        block = import_block({f".{name}": names for name in names[:3]})
        exports = {f"_{index}{names[index % len(names)]}": p for index, p in enumerate(packages)}
        init = package_init("", "Doc.", exports, lazy=True).decode()
        modules.append("\n".join(block) + "\n\n__all__ = [\n")
        modules[-1] += "".join(f'    "{n}",\n' for n in isort_sorted(names, in_all=True)) + "]\n"
        modules.append(init)

    collect()
    for index, text in enumerate(modules):
        (tmp_path / f"m{index}.py").write_text(text, encoding="utf-8")
    assert _ruff_findings(tmp_path) == []


@pytest.mark.parametrize(
    ("names", "in_all", "expected"),
    [
        # Ä is two bytes, so a constant; ǅ is titlecase, neither upper nor lower: not a class.
        (["a", "Ä", "Äb", "ǅa", "A"], False, ["Ä", "A", "Äb", "a", "ǅa"]),
        # Imports compare case-insensitively, __all__ as written.
        (["AccountTotalRow", "AccountsInArgs"], False, ["AccountsInArgs", "AccountTotalRow"]),
        (["AccountTotalRow", "AccountsInArgs"], True, ["AccountTotalRow", "AccountsInArgs"]),
        # No accent folding: É sorts after Z; ASCII digit runs are numbers, others are not.
        (["Éa", "Zb", "Eb"], True, ["Eb", "Zb", "Éa"]),
        (["a10", "a9", "a٣", "ab", "a1x", "a2"], True, ["a1x", "a2", "a9", "a10", "ab", "a٣"]),
    ],
)
def test_known_orders(names: list[str], in_all: bool, expected: list[str]) -> None:
    assert isort_sorted(names, in_all=in_all) == expected


def test_natural_order_reads_leading_zeros_as_fractions() -> None:
    ordered = ["a0", "a001", "a0010", "a01", "a01x", "a010", "a1", "a1x", "a2", "a10", "a10b"]
    scrambled = [ordered[(7 * i) % len(ordered)] for i in range(len(ordered))]
    assert sorted(scrambled, key=natural_key) == ordered
    assert sorted(scrambled, key=functools.cmp_to_key(natural_compare)) == ordered


# natord's comparison, step by step as the crate walks two names: what natural_key must
# agree with for every pair.


def _digits_compare(a: str, i: int, b: str, j: int, *, fractional: bool) -> tuple[int, int, int]:
    """The comparison of the runs of ASCII digits at ``a[i:]`` and ``b[j:]`` as ruff's natural
    order (the ``natord`` crate) makes it, and where each string goes on: ``fractional`` (a
    run starting with 0) compares digit by digit, else the longer run is the greater number
    and the first differing digit decides between runs of one length."""
    bias = 0
    while True:
        # An end counts as a character that is no digit.
        x_digit = i < len(a) and "0" <= a[i] <= "9"
        y_digit = j < len(b) and "0" <= b[j] <= "9"
        if not x_digit and not y_digit:
            return (0 if fractional else bias), i, j
        if x_digit != y_digit:
            return (-1 if y_digit else 1), i, j
        if a[i] != b[j]:
            if fractional:
                return (-1 if a[i] < b[j] else 1), i, j
            bias = bias or (-1 if a[i] < b[j] else 1)
        i, j = i + 1, j + 1


def natural_compare(a: str, b: str) -> int:
    """-1, 0 or 1 as ruff compares ``a`` and ``b`` in its natural order: by code point (no
    case or accent folding), runs of ASCII digits as numbers (``T9`` before ``T10``; other
    digits are characters like any other). Names hold no whitespace, which it would skip."""
    i = j = 0
    while i < len(a) and j < len(b):
        x, y = a[i], b[j]
        if "0" <= x <= "9" and "0" <= y <= "9":
            result, i, j = _digits_compare(a, i, b, j, fractional="0" in (x, y))
            if result:
                return result
        elif x != y:
            return -1 if x < y else 1
        else:
            i, j = i + 1, j + 1
    return (i < len(a)) - (j < len(b))


#: Names made of the characters that matter to natural order: digits (runs with and without
#: leading zeros), characters on either side of the digits' code points, letters.
natural_names = st.text(st.sampled_from("0012399!/:aAzÄ٣_"), max_size=8)


@settings(max_examples=2000, deadline=None, database=None, derandomize=True)
@given(a=natural_names, b=natural_names)
def test_natural_key_orders_as_natord_compares(a: str, b: str) -> None:
    by_key = (natural_key(a) > natural_key(b)) - (natural_key(a) < natural_key(b))

    assert by_key == natural_compare(a, b)


def test_modules_sort_case_insensitively_in_natural_order() -> None:
    assert modules_sorted([".b", ".A10", ".a9", ".a"]) == [".a", ".a9", ".A10", ".b"]
