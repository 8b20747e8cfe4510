"""Whole files: containers, encodings, damage; per file rows read = examples + quarantined."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sft_assets.ingest.ingest_file import FileTask, ingest_file, ingest_pool

GOOD = {"messages": [{"role": "user", "content": "question"}, {"role": "assistant", "content": "answer"}]}


def line(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def ingest(path: Path, **kwargs):
    result = ingest_file(FileTask(source="s", path=path, file=path.name, **kwargs))
    assert result.rows_read == result.n_examples + result.n_quarantined
    return result


def quarantined(result) -> list[tuple[str, str]]:
    q = result.quarantine
    return list(zip(q.column("locator").to_pylist(), q.column("reason").to_pylist(), strict=True))


def test_jsonl_bad_lines_are_quarantined_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join([
        line(GOOD),
        b'{"messages": [',
        b"",
        line([1, 2]),
        b'{"messages": [{"role": "user", "content": "a\x00b"}]}',
        b'{"messages": [{"role": "user", "content": "caf\xe9"}]}',
        line(GOOD | {"id": 2}),
    ]) + b"\n")
    result = ingest(path)
    assert result.n_examples == 2
    assert quarantined(result) == [
        ("line 2", "invalid_json"), ("line 4", "invalid_message"), ("line 5", "nul_byte"), ("line 6", "invalid_utf8"),
    ]
    assert result.rows_read == 6  # the blank line is not a row
    raw = result.quarantine.column("raw").to_pylist()
    assert raw[0] == '{"messages": ['
    assert "\\xe9" in raw[3]  # invalid bytes kept visibly, nothing lost


def test_oversized_rows_are_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    big = GOOD | {"pad": "x" * 500}
    path.write_bytes(line(GOOD) + b"\n" + line(big) + b"\n")
    result = ingest(path, max_record_bytes=200)
    assert quarantined(result) == [("line 2", "oversized_record")]
    assert len(result.quarantine.column("raw")[0].as_py()) > 500


@pytest.mark.parametrize(
    ("name", "encode", "encoding", "bom"),
    [
        ("bom.jsonl", lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), "utf-8", True),
        ("u16.jsonl", lambda t: t.encode("utf-16"), "utf-16", True),
        ("u16le.jsonl", lambda t: t.encode("utf-16-le"), "utf-16-le", False),
        ("u16be.jsonl", lambda t: t.encode("utf-16-be"), "utf-16-be", False),
    ],
)
def test_bom_and_utf16_files_are_read(tmp_path: Path, name: str, encode, encoding: str, bom: bool) -> None:
    text = json.dumps(GOOD, ensure_ascii=False) + "\n" + json.dumps({"messages": [
        {"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好"}]}, ensure_ascii=False) + "\n"
    path = tmp_path / name
    path.write_bytes(encode(text))
    result = ingest(path)
    assert (result.n_examples, result.n_quarantined) == (2, 0)
    assert (result.notes.encoding, result.notes.bom) == (encoding, bom)


def test_crlf_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl.gz"
    path.write_bytes(gzip.compress(line(GOOD) + b"\r\n" + line(GOOD | {"n": 1}) + b"\r\n"))
    result = ingest(path)
    assert result.n_examples == 2
    assert result.notes.crlf and result.notes.compressed


def test_truncated_gzip_keeps_what_was_read_and_says_so(tmp_path: Path) -> None:
    data = gzip.compress(b"".join(line(GOOD | {"n": i}) + b"\n" for i in range(200)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) - 40])
    result = ingest(path)
    assert result.n_examples > 100
    assert result.quarantine.column("reason").to_pylist()[-1] == "truncated_file"
    assert result.quarantine.column("locator").to_pylist()[-1] == "end of file"


def test_damaged_json_array_is_recovered_item_by_item(tmp_path: Path) -> None:
    good = json.dumps(GOOD)
    path = tmp_path / "array.json"
    path.write_text(f"[\n{good},\n{{\"messages\": [oops]}},\n{good.replace('answer', 'other')},\n42\n]")
    result = ingest(path)
    assert result.n_examples == 2
    assert quarantined(result) == [("item 2", "invalid_json"), ("item 4", "not_an_object")]
    assert result.quarantine.column("raw")[0].as_py() == '{"messages": [oops]}'


def test_json_file_holding_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "lines.json"
    path.write_bytes(line(GOOD) + b"\n" + line(GOOD | {"n": 2}) + b"\n{broken\n")
    result = ingest(path)
    assert result.n_examples == 2
    assert quarantined(result) == [("line 3", "invalid_json")]


def test_json_wrapper_object_with_one_record_list(tmp_path: Path) -> None:
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"version": 1, "data": [GOOD, GOOD | {"n": 1}]}))
    assert ingest(path).n_examples == 2


def test_csv_and_tsv_tables(tmp_path: Path) -> None:
    csv_path = tmp_path / "qa.csv"
    csv_path.write_text('question,answer\r\n"multi\nline?",yes\r\nonly-one-field\r\n"q2","a2"\r\n', encoding="utf-8")
    result = ingest(csv_path)
    assert result.format == "qa"
    assert result.n_examples == 2
    assert quarantined(result) == [("row 2", "malformed_row")]
    tsv_path = tmp_path / "pairs.tsv"
    tsv_path.write_text("Q\tA\nhello\tworld\n", encoding="utf-8")
    result = ingest(tsv_path, format="qa", columns={"user": "Q", "assistant": "A"})
    assert result.n_examples == 1


def test_parquet_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist([{"instruction": "i", "input": "", "output": "o"},
                                         {"instruction": "i2", "input": "", "output": ""}]), path)
    result = ingest(path)
    assert result.format == "alpaca"
    assert quarantined(result) == [("row 2", "empty_turn")]


def test_unknown_format_quarantines_every_row(tmp_path: Path) -> None:
    path = tmp_path / "titles.json"
    path.write_text(json.dumps([{"title": "a"}, {"title": "b"}]))
    result = ingest(path)
    assert result.format is None
    assert [r for _, r in quarantined(result)] == ["unknown_format", "unknown_format"]


def test_forced_format_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_bytes(line({"question": "q", "answer": "a"}) + b"\n")
    result = ingest(path, format="alpaca")
    assert quarantined(result) == [("line 1", "missing_content")]


@pytest.mark.parametrize("name", ["many.jsonl", "many.jsonl.gz"])
def test_parallel_conversion_matches_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    import sft_assets.ingest.ingest_file as module

    monkeypatch.setattr(module, "PARALLEL_MIN_BYTES", 1)
    path = tmp_path / name
    rows = [line(GOOD | {"n": i}) if i % 7 else b"{bad" for i in range(400)]
    data = b"\n".join(rows) + b"\n"
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    task = FileTask(source="s", path=path, file=path.name)
    serial = ingest_file(task)
    pool = ingest_pool(2)
    try:
        parallel = ingest_file(task, pool)
    finally:
        pool.shutdown()
    assert parallel.examples.equals(serial.examples)
    assert parallel.quarantine.equals(serial.quarantine)
    assert parallel.rows_read == serial.rows_read == 400
    assert serial.quarantine.column("locator").to_pylist()[:2] == ["line 1", "line 8"]


def _zip_bytes() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buffer.getvalue()


HOSTILE = [
    ("image.json", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "file", "binary_file", "a PNG image"),
    ("archive.json", _zip_bytes(), "file", "binary_file", "a ZIP archive"),
    ("noise.jsonl", bytes((i * 7919) % 256 for i in range(600)), "file", "binary_file", "binary data"),
    ("binary.csv", b"user,assistant\n" + bytes(range(256)) * 3, "file", "binary_file", "binary data"),
    ("binary.tsv", b"\x00\x01\x02user\tassistant\n\xff\xfe", "file", "binary_file", "binary data"),
    ("surrogate.jsonl",
     '{"messages":[{"role":"user","content":"hi \ud800"},{"role":"assistant","content":"ok"}]}\n'
     .encode("utf-16", "surrogatepass"), "line 1", "invalid_utf8", "byte"),
    ("nested.json", b"[" * 100_000 + b"]" * 100_000, "item 1", "invalid_json", "nested deeper"),
]


@pytest.mark.parametrize(("name", "data", "locator", "reason", "detail"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_file_becomes_quarantine_rows_and_never_raises(tmp_path: Path, name: str, data: bytes,
                                                                  locator: str, reason: str, detail: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = ingest_file(FileTask(source="s", path=path, file=name))
    rows = result.quarantine.to_pylist()
    assert [(r["locator"], r["reason"]) for r in rows] == [(locator, reason)]
    assert detail in rows[0]["detail"] and rows[0]["file"] == name
    assert result.rows_read == result.n_examples + result.n_quarantined == 1
    rows[0]["raw"].encode("utf-8")  # stored as valid text: undecodable bytes escaped, never dropped


def test_a_file_that_cannot_be_read_is_one_quarantine_row_naming_the_cause(tmp_path: Path) -> None:
    folder = tmp_path / "a_folder.jsonl"
    folder.mkdir()  # reading it raises IsADirectoryError
    result = ingest_file(FileTask(source="s", path=folder, file="a_folder.jsonl"))
    row = result.quarantine.to_pylist()[0]
    assert (row["locator"], row["reason"]) == ("file", "unreadable_file")
    assert row["detail"].startswith("IsADirectoryError")


@pytest.mark.parametrize("name", ["empty.json", "empty.jsonl", "empty.csv", "empty.tsv", "blank.json", "blank.jsonl",
                                  "blank.csv", "blank.json.gz"])
def test_an_empty_file_reads_no_rows_in_every_container(tmp_path: Path, name: str) -> None:
    data = b"" if name.startswith("empty") else b"  \n\n \r\n"
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    result = ingest_file(FileTask(source="s", path=path, file=name))
    assert (result.rows_read, result.n_examples, result.n_quarantined) == (0, 0, 0)
    assert result.notes.notes == ["the file is empty"]


def test_lines_ending_in_cr_alone_are_read_as_lines(tmp_path: Path) -> None:
    record = json.dumps({"messages": [{"role": "user", "content": "What is two plus two?"},
                                      {"role": "assistant", "content": "Four."}]})
    path = tmp_path / "mac.jsonl"
    path.write_bytes((record + "\r" + record.replace("two", "three") + "\r").encode())
    result = ingest_file(FileTask(source="s", path=path, file="mac.jsonl"))
    assert (result.rows_read, result.n_examples) == (2, 2)
    assert result.examples.column("locator").to_pylist() == ["line 1", "line 2"]


def test_an_unknown_format_names_the_keys_it_saw(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text('{"foo": 1, "bar": "x"}\n[1, 2]\n', encoding="utf-8")
    rows = ingest_file(FileTask(source="s", path=path, file="odd.jsonl")).quarantine.to_pylist()
    assert [(r["reason"], r["detail"]) for r in rows][0] == (
        "unknown_format", "no known SFT format matches this file's records (keys seen: bar, foo)")


SECRET = "sk-proj-" + "aZ3kP9qR2sT7vW1xY4zB6cD8"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"


def test_secrets_are_masked_in_the_stored_input_and_ids_stay_those_of_the_input(tmp_path: Path) -> None:
    good = {"messages": [{"role": "user", "content": f"My key is {SECRET}, is it valid?"},
                         {"role": "assistant", "content": "Never share keys.", "tool_calls": [{
                             "id": "c1", "type": "function",
                             "function": {"name": "check", "arguments": json.dumps({"key": AWS})}}]},
                         {"role": "tool", "content": "ok", "tool_call_id": "c1"},
                         {"role": "assistant", "content": "Revoke it."}]}
    bad = {"messages": [{"role": "user", "content": f"token={SECRET}"}]}  # no assistant turn: quarantined
    path = tmp_path / "leaky.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    masked = ingest_file(FileTask(source="s", path=path, file="leaky.jsonl"))
    clear = ingest_file(FileTask(source="s", path=path, file="leaky.jsonl", mask_secrets=False))
    stored = masked.examples.column("messages").to_pylist()[0] + masked.quarantine.column("raw").to_pylist()[0]
    assert SECRET not in stored and AWS not in stored
    assert "[OPENAI_KEY]" in stored and "[AWS_KEY]" in stored
    assert SECRET in clear.examples.column("messages").to_pylist()[0]  # the switch turns it off
    assert masked.examples.column("example_id").to_pylist() == clear.examples.column("example_id").to_pylist()
    assert dict(masked.secrets_masked) == {"openai_key": 2, "aws_key": 1}
    [decision] = masked.decisions
    assert (decision.decision, decision.rule, decision.value) == ("modified", "secret_masked", "2")
    assert SECRET not in decision.detail
