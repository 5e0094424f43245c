"""Tests for partnerfit._yaml: line numbers, duplicates, errors, numbers, helpers."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from partnerfit._yaml import (
    YamlDict,
    YamlList,
    as_number,
    at,
    did_you_mean,
    is_finite_number,
    line_of,
    load_yaml,
    load_yaml_string,
    to_plain,
    where,
)
from partnerfit.errors import DataValidationError

DOC = """\
name: default
weights:
  distance: 25
  systems: 10
list:
  - a
  - [1, 2]
  - {x: 1}
"""


def test_lines_of_keys_and_items():
    data = load_yaml_string(DOC, "f.yaml")
    assert isinstance(data, YamlDict)
    assert data.line == 1
    assert data.lines == {"name": 1, "weights": 2, "list": 5}
    assert data["weights"].lines == {"distance": 3, "systems": 4}
    assert isinstance(data["list"], YamlList)
    assert data["list"].lines == [6, 7, 8]
    assert data["list"][2].lines == {"x": 8}
    assert line_of(data["list"][2], "x") == 8
    assert where("f.yaml", data["weights"], "systems") == "f.yaml line 4"
    assert where("f.yaml", {"a": 1}, "a") == "f.yaml"
    assert line_of(data["list"], 5) is None


def test_duplicate_keys_reported_with_both_lines():
    with pytest.raises(DataValidationError) as info:
        load_yaml_string("a: 1\nb: 2\na: 3\n", "f.yaml")
    (msg,) = info.value.problems
    assert msg.startswith("f.yaml line 3: key 'a' appears twice")
    assert "first on line 1" in msg


def test_merge_key_override_is_not_a_duplicate():
    text = "base: &b\n  x: 1\n  y: 2\nother:\n  <<: *b\n  y: 5\n"
    data = load_yaml_string(text)
    assert data["other"] == {"x": 1, "y": 5}
    assert data["other"].lines["y"] == 6


def test_syntax_error_names_line():
    with pytest.raises(DataValidationError) as info:
        load_yaml_string("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml")
    assert info.value.problems[0].startswith("bad.yaml line ")
    assert "not valid YAML" in info.value.problems[0]


def test_tags_refused():
    with pytest.raises(DataValidationError, match="no '!!' tags"):
        load_yaml_string("a: !!python/object:os.system x\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010", 10),  # YAML 1.1 would say 8 (octal)
        ("08", 8),
        ("1:30", "1:30"),  # YAML 1.1 would say 90 (sexagesimal)
        ("1e3", 1000.0),  # YAML 1.1 leaves this as text
        ("-2.5E-1", -0.25),
        (".5", 0.5),
        ("1_000", 1000),
        ("0x1F", 31),
        ("+5", 5),
        ("1/3", "1/3"),
        ("forty", "forty"),
        ("yes", True),
        ("2009-04-01", dt.date(2009, 4, 1)),
        ("~", None),
    ],
)
def test_numbers_follow_yaml_1_2(text, expected):
    value = load_yaml_string(f"a: {text}\n")["a"]
    assert value == expected
    assert type(value) is type(expected)


def test_nan_and_inf():
    data = load_yaml_string("a: .nan\nb: -.inf\n")
    assert data["a"] != data["a"]
    assert data["b"] == float("-inf")


def test_load_yaml_file_errors(tmp_path):
    with pytest.raises(DataValidationError, match="file not found"):
        load_yaml(tmp_path / "nope.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataValidationError, match="not UTF-8"):
        load_yaml(bad)
    good = tmp_path / "ok.yaml"
    good.write_text("a: 1\n", encoding="utf-8")
    assert load_yaml(good) == {"a": 1}


def test_at_moves_line_prefix():
    data = load_yaml_string(DOC, "f.yaml")
    assert at("f.yaml line 2", data["weights"], "systems") == "f.yaml line 4"
    assert at("f.yaml", data["weights"], "systems") == "f.yaml line 4"
    assert at("f.yaml line 2", {"systems": 1}, "systems") == "f.yaml line 2"


def test_to_plain_is_dumpable_and_equal():
    data = load_yaml_string(DOC)
    with pytest.raises(yaml.representer.RepresenterError):
        yaml.safe_dump(data)
    plain = to_plain(data)
    assert type(plain) is dict and type(plain["list"]) is list
    assert plain == data
    assert yaml.safe_load(yaml.safe_dump(plain)) == plain
    assert to_plain({"t": (1, 2)}) == {"t": [1, 2]}


def test_number_helpers():
    assert as_number(3) == 3.0
    assert as_number(True) is None
    assert as_number("3") is None
    assert is_finite_number(2.5)
    assert not is_finite_number(float("nan"))
    assert not is_finite_number(None)


def test_did_you_mean():
    assert did_you_mean("distnace", ["distance", "systems"]) == " — did you mean 'distance'?"
    assert did_you_mean("zzz", ["distance"]) == ""
    assert "'Systems'" in did_you_mean("systems", ["Systems"])
