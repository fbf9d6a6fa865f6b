"""pipeline.trends: nights oldest first, with gaps for failed nights."""

from __future__ import annotations

from tests.support.runs import report_row as _row


def test_trends_run_oldest_first_with_gaps_for_failed_nights():
    """Five nights of one outlet: a failed crawl is a gap, not a zero; a breached night is a
    red dot; the sparkline falls with the articles."""
    import xml.etree.ElementTree as ET

    from pipeline.trends import series, sparkline, trends_markdown, trends_svg

    history = [{"run_id": f"r{n}", "counts": {"outlets": [row]}} for n, row in enumerate([
        _row(new=0),  # newest earlier night
        _row(new=9, status="failed: no response"),
        _row(new=12), _row(new=10)])]
    tonight = {**_row(new=0), "breached": ["zero_new"]}
    data = series([tonight], history, "tonight")
    assert [n.label for n in data["x"]] == ["r3", "r2", "r1", "r0", "tonight"]
    assert [n.values["new"] for n in data["x"]] == [10.0, 12.0, None, 0.0, 0.0]
    assert sparkline([n.values["new"] for n in data["x"]]) == "▇█ ▁▁"
    assert "| x | `▇█ ▁▁` 0 (10) |" in trends_markdown(data)
    svg = ET.fromstring(trends_svg(data, "t"))
    ns = {"s": "http://www.w3.org/2000/svg"}
    new_lines = [p for p in svg.findall("s:polyline", ns)][:2]
    assert [len(p.get("points").split()) for p in new_lines] == [2, 2]  # the gap splits it
    assert [c.get("fill") for c in svg.findall("s:circle", ns)].count("#d1242f") == 4
