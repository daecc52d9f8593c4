"""File reading and row validation, without a database: fast, and exact about row numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from geo.dates import DateError, parse_day, year_month
from geo.importers import csvmap, mmp
from geo.importers.base import STAGE_COLUMNS, Issues, SetupError, count
from geo.importers.text import decode, fix_mojibake, open_text, sniff

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_OLD = Path(__file__).parent.parent / "data" / "sample" / "mmp_export_2014_2017.csv"


def _read_mmp(path: Path) -> tuple[list[dict[str, Any]], Issues, str]:
    _, encoding = sniff(path)
    issues = Issues()
    parsed = mmp.read(open_text(path, encoding), issues)
    rows = [dict(zip(STAGE_COLUMNS, row, strict=True)) for row in parsed.rows]
    return rows, issues, parsed.layout


def test_bad_rows_are_rejected_with_the_line_they_start_on() -> None:
    rows, issues, layout = _read_mmp(FIXTURES / "mmp_bad_rows.csv")
    assert layout == "mmp-older"
    rejected = {r["row"]: r["reason"] for r in issues.rejections}
    assert set(rejected) == {5, 6, 7, 8, 10, 14, 15}
    assert "negative" in rejected[5]
    assert "latitude 95" in rejected[6]
    assert "Foo" in rejected[7]
    assert "1 field(s)" in rejected[8]
    assert "finite" in rejected[10]
    assert "exceeds total" in rejected[14]
    assert "not a number" in rejected[15]
    # the record on lines 3-4 keeps its line break, and rows after it keep their line numbers
    assert [r["row_no"] for r in rows] == [2, 3, 9, 11, 12, 13, 16]
    assert rows[1]["location_text"] == "Test fixture line one\nline two of the same cell"


def test_counts_always_add_up_to_the_total() -> None:
    rows, issues, _ = _read_mmp(FIXTURES / "mmp_bad_rows.csv")
    by_row = {r["row_no"]: r for r in rows}
    assert (by_row[11]["dead"], by_row[11]["missing"]) == (2, 3)  # missing NULL, total 5
    assert (by_row[13]["dead"], by_row[13]["missing"]) == (2, 3)  # 2 + 1 ≠ 5: missing adjusted
    assert by_row[12]["category"] == "other"  # zero-filled, kept
    assert any(w["row"] == 13 and "total 5" in w["message"] for w in issues.warnings)
    assert by_row[9]["lon"] is None
    assert any(w["row"] == 9 and w["field"] == "coordinates" for w in issues.warnings)


def test_identical_rows_stay_distinct_incidents() -> None:
    rows, _, _ = _read_mmp(FIXTURES / "mmp_bad_rows.csv")
    first, repeat = rows[0], rows[-1]
    assert first["raw_cells"] == repeat["raw_cells"]
    assert first["source_id"] != repeat["source_id"]
    assert first["source_id"].rsplit("-", 1)[0] == repeat["source_id"].rsplit("-", 1)[0]


def test_source_ids_are_stable_across_reads() -> None:
    a, _, _ = _read_mmp(FIXTURES / "mmp_bad_rows.csv")
    b, _, _ = _read_mmp(FIXTURES / "mmp_bad_rows.csv")
    assert [r["source_id"] for r in a] == [r["source_id"] for r in b]


def test_current_layout_with_bom_month_precision_and_zero_coordinates() -> None:
    rows, issues, layout = _read_mmp(FIXTURES / "mmp_current_bom.csv")
    assert layout == "mmp-current"
    first, second = rows
    assert first["event_date"] == dt.date(2015, 3, 1)
    assert first["date_precision"] == "month"
    assert first["category"] == "disappearance"
    assert first["origin_countries"] == "Guinea\x1fMali"
    assert second["origin_countries"] is None and second["origin_region"] is None
    assert second["route_text"] is None  # "0" is MMP's "no route"
    assert second["lon"] is None
    assert second["incident_type"] == "Cumulative Incident"
    assert any(w["row"] == 3 and w["field"] == "coordinates" for w in issues.warnings)


def test_latin1_file_is_decoded_and_mojibake_repaired() -> None:
    latin, _, _ = _read_mmp(FIXTURES / "mmp_latin1.csv")
    assert latin[0]["location_text"].startswith("Darién province")
    assert latin[0]["source_name"] == "Ministerio Público test fixture"
    moji, issues, _ = _read_mmp(FIXTURES / "mmp_mojibake.csv")
    assert moji[0]["location_text"].startswith("Darién province")
    assert moji[0]["source_name"] == "Conexión Migrante test fixture"
    assert {w["kind"] for w in issues.warnings} == {"mojibake repaired"}


def test_unknown_header_names_the_missing_columns() -> None:
    with pytest.raises(SetupError, match="missing columns: .*Reported Date"):
        _read_mmp(FIXTURES / "mmp_unknown_header.csv")


def test_sample_row_numbers_follow_the_multiline_record() -> None:
    rows, issues, _ = _read_mmp(SAMPLE_OLD)
    assert len(rows) + len(issues.rejections) == 3699
    assert rows[-1]["row_no"] == 3701  # 3,699 records, header, and one record over two lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DariÃ©n", "Darién"),
        ("RÃ\xado Bravo", "Río Bravo"),
        ("â€œLa Cruzâ€\x9d", "“La Cruz”"),
        ("Ã\x81lvaro ObregÃ³n", "Álvaro Obregón"),
        ("Darién", "Darién"),
        ("São Paulo", "São Paulo"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_fix_mojibake_repairs_only_what_reencodes_cleanly(text: str, expected: str) -> None:
    assert fix_mojibake(text) == expected


def test_decode_strips_bom_and_falls_back_to_windows_1252() -> None:
    assert decode("\ufeffé".encode()) == ("é", "utf-8-sig")
    assert decode("é – x".encode("cp1252")) == ("é – x", "windows-1252")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1-Sep-20", dt.date(2020, 9, 1)),
        ("31-Jan-17", dt.date(2017, 1, 31)),
        ("2017-01-31", dt.date(2017, 1, 31)),
        ("31.01.2017", dt.date(2017, 1, 31)),
        ("5 March 2019", dt.date(2019, 3, 5)),
    ],
)
def test_parse_day(text: str, expected: dt.date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize("text", ["31-Feb-17", "2999-01-01", "yesterday", "1-Foo-20"])
def test_parse_day_rejects(text: str) -> None:
    with pytest.raises(DateError):
        parse_day(text)


def test_year_month_is_first_of_month() -> None:
    assert year_month("2014", "January") == dt.date(2014, 1, 1)
    with pytest.raises(DateError, match="unknown month"):
        year_month("2014", "Smarch")


def _mapping(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": "ngo-log",
        "columns": {"event_date": "Date", "pushed_back": "Group size"},
        "constants": {"category": "pushback"},
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"colums": {}}, "unknown setting"),
        ({"source": "Has Spaces"}, "'source' must be"),
        ({"columns": {"event_date": "Date", "deaths": "D"}}, r"unknown field\(s\) in \[columns\]"),
        ({"columns": {"event_date": "Date", "lat": "Lat"}}, "both lat and lon"),
        ({"columns": {"pushed_back": "Group size"}}, "needs event_date"),
        ({"constants": {}}, "set a category"),
        ({"constants": {"category": "bad"}}, "category 'bad' is not one of"),
        ({"constants": {"category": "pushback", "pushed_to": "Bosnia"}}, "ISO3"),
        ({"constants": {"category": "pushback", "dead": True}}, "dead must be a whole number"),
        ({"constants": {"category": "pushback", "dead": 10**7}}, "from 0 to 1000000"),
        ({"date_format": "%d/%Q/%Y"}, "'date_format' '%d/%Q/%Y' is not a strptime format"),
    ],
)
def test_mapping_errors_say_what_to_fix(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(SetupError, match=message):
        csvmap.parse_mapping(_mapping(**overrides))


def test_mapping_column_missing_from_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("Date,Size\n2021-01-01,3\n")
    mapping = csvmap.parse_mapping(_mapping())
    with pytest.raises(SetupError, match="no column 'Group size' \\(for pushed_back\\)"):
        csvmap.read(path, "utf-8", Issues(), mapping)


def test_stage_columns_match_the_staging_sql() -> None:
    stage_sql = (Path(mmp.__file__).parent.parent / "sql" / "import_stage.sql").read_text()
    body = stage_sql.split("(", 1)[1]
    names = [line.split()[0] for line in body.splitlines() if line.strip() and line[:4] == "    "]
    assert tuple(names) == (*STAGE_COLUMNS, "row_hash")  # the hash ends every staged line


def test_a_quote_never_closed_fails_the_file_naming_the_line(tmp_path: Path) -> None:
    header = SAMPLE_OLD.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "unclosed.csv"
    path.write_text(f'{header}\nNorth Africa,"never closed\n' + "x" * 200_000 + "\n")
    with pytest.raises(SetupError, match="not readable as CSV at line 3: field larger"):
        _read_mmp(path)
    log = tmp_path / "log.csv"
    log.write_text('Date,Group size\n2021-01-01,3\n2021-01-02,"4\n' + "x" * 200_000 + "\n")
    mapping = csvmap.parse_mapping(_mapping())
    with pytest.raises(SetupError, match="not readable as CSV at line 4: field larger"):
        list(csvmap.read(log, "utf-8", Issues(), mapping).rows)


def test_a_column_read_twice_in_the_header_fails_the_file(tmp_path: Path) -> None:
    lines = SAMPLE_OLD.read_text(encoding="utf-8").splitlines()[:2]
    path = tmp_path / "twice.csv"
    path.write_text(f"{lines[0]},Number Dead,Unused,Unused\n{lines[1]},5,,\n")
    with pytest.raises(SetupError, match="more than one column named 'Number Dead'"):
        _read_mmp(path)
    log = tmp_path / "log.csv"
    log.write_text("Date,Group size,Group size,Note,Note\n2021-01-01,3,30,,\n")
    mapping = csvmap.parse_mapping(_mapping())
    with pytest.raises(SetupError, match="more than one column named 'Group size'"):
        csvmap.read(log, "utf-8", Issues(), mapping)


def test_a_null_id_is_no_id_not_an_id_shared_by_every_such_row(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("ID,Date,Group size\nNULL,2021-01-01,3\nNULL,2021-01-02,4\nN/A,2021-01-03,5\n")
    mapping = csvmap.parse_mapping(_mapping(id_column="ID"))
    issues = Issues()
    rows = list(csvmap.read(log, "utf-8", issues, mapping).rows)
    assert issues.rejections == []
    keys = [row[STAGE_COLUMNS.index("source_id")] for row in rows]
    assert len(set(keys)) == 3 and not {"NULL", "N/A"} & set(keys)


@pytest.mark.parametrize("text", ["1,234", "1\u00a0234", "1\u202f234"])
def test_thousands_separators_spreadsheets_write_are_removed_with_a_warning(text: str) -> None:
    issues = Issues()
    assert count(text, "dead", 5, issues, strict=True) == 1234
    assert [w["kind"] for w in issues.warnings] == ["thousands separator removed"]


def test_lat_lon_in_the_latitude_column_is_read_as_a_pair_with_a_warning(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "Date,Group size,Lat,Lon\n"
        '2021-01-01,3,"45.185, 15.805",\n'
        "2021-01-02,4,,45.185;15.805\n"
        '2021-01-03,5,"45,18",\n'
    )
    mapping = csvmap.parse_mapping(
        _mapping(columns={**_mapping()["columns"], "lat": "Lat", "lon": "Lon"})
    )
    issues = Issues()
    rows = [
        dict(zip(STAGE_COLUMNS, r, strict=True))
        for r in csvmap.read(log, "utf-8", issues, mapping).rows
    ]
    assert [(r["lon"], r["lat"], r["uncertainty_m"]) for r in rows] == [
        (15.805, 45.185, 1000.0)
    ] * 2
    assert [w["kind"] for w in issues.warnings] == ["lat, lon in one field"] * 2
    assert issues.rejections == [
        {"row": 4, "reason": "only one of latitude/longitude given", "kind": "bad coordinates"}
    ]
