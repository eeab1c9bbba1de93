"""The dashboard benchmark's summary: medians, maxima and the verdict against the target."""

from fincast.benchmarks.dashboard import TARGET_SECONDS, _summary, to_markdown


def test_the_summary_takes_medians_and_the_worst_first_paint() -> None:
    rows = [
        {"page": "Overview", "first_paint": 0.5, "repeat_visit": 0.2},
        {"page": "Overview", "first_paint": 0.9, "repeat_visit": 0.4},
        {"page": "Overview", "first_paint": 0.7, "repeat_visit": 0.3},
        {"page": "Forecast", "first_paint": 3.4, "repeat_visit": 0.1},
    ]
    report = _summary(rows, rounds=3)
    assert report["pages"]["Overview"] == {
        "first_paint_median": 0.7,
        "first_paint_max": 0.9,
        "repeat_visit_median": 0.3,
    }
    assert report["worst_first_paint"] == 3.4
    assert report["met"] is (TARGET_SECONDS > 3.4) is False
    text = to_markdown(report)
    assert "| Forecast | 3.40 | 3.40 | 0.10 |" in text
    assert "(missed)" in text
