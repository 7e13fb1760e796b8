"""The per-file pipeline, without an index: file → Document, and bad files."""
import pytest

from searchlib.errors import IngestError
from searchlib.models import Document, SkippedFile
from searchlib.pipeline import analyse_file, analyse_files, text_hash
from tests.conftest import CORPUS

SEED = CORPUS / "000_fe44817f17a5c838.txt"


def test_a_seed_is_analysed_from_file_to_passages_with_figures():
    doc = analyse_file(SEED, CORPUS)
    assert doc.doc_id == SEED.name
    assert doc.source.title == "关于2017年宁波市北仑区人民政府依法行政工作的报告"
    assert (doc.year, doc.region.code, doc.doc_type) == (2017, "330206", "annual_report")
    assert len(doc.passages) > 10
    assert [p.ordinal for p in doc.passages] == list(range(len(doc.passages)))
    with_figures = [p for p in doc.passages if p.figures]
    assert with_figures and any(p.concreteness > 0 for p in with_figures)


def test_a_bad_file_raises_ingest_error(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(IngestError, match="empty file"):
        analyse_file(tmp_path / "empty.txt", tmp_path)
    with pytest.raises(IngestError, match="binary file"):
        analyse_file(tmp_path / "binary.txt", tmp_path)


def test_a_batch_reports_bad_files_as_skipped_in_order(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    results = list(analyse_files([(SEED, CORPUS), (tmp_path / "empty.txt", tmp_path)], procs=1))
    assert isinstance(results[0], Document) and results[0].doc_id == SEED.name
    assert results[1] == SkippedFile(str(tmp_path / "empty.txt"), "empty file")


def test_text_hash_ignores_the_file_format(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    assert text_hash(analyse_file(tmp_path / "gbk.txt", tmp_path)) == text_hash(analyse_file(SEED, CORPUS))
