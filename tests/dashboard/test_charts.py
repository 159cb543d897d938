"""The SVG charts: one bar per value, accessible names, escaped labels."""

from __future__ import annotations

import re

from django.utils import translation

from cases.reporting.charts import Series, _nice_top, bar_chart, compact_money, line_chart, plain


def test_a_bar_chart_draws_one_bar_per_label_and_series_with_title_and_desc():
    svg = bar_chart(
        title="Budget",
        desc="Allocated and paid",
        labels=["Poor", "Merit"],
        series=[Series("Allocated", [100, 50]), Series("Paid", [40, 0])],
    )
    assert svg.count('class="bar"') == 4
    assert re.search(r'<svg [^>]*role="img" aria-labelledby="(chart\d+)-t \1-d"', svg)
    assert "<title id=" in svg and ">Budget</title>" in svg and ">Allocated and paid</desc>" in svg
    assert "<title>Poor · Allocated: 100</title>" in svg
    # Bars in reading order; lengths in proportion to the largest; zero is empty.
    pattern = r'class="bar" x="[\d.]+" y="[\d.]+" width="([\d.]+)"'
    widths = [float(w) for w in re.findall(pattern, svg)]
    assert widths[3] == 0
    assert [round(w / widths[0], 2) for w in widths] == [1.0, 0.4, 0.5, 0.0]


def test_labels_are_escaped_and_long_ones_shortened_with_the_full_text_in_the_tooltip():
    long = "Người có công với cách mạng · Ngân sách thành phố và quận huyện"
    svg = bar_chart(
        title="<T>", desc="d", labels=["<script>x</script>", long], series=[Series("n", [1, 2])]
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "&lt;T&gt;" in svg
    assert "…" in svg and f"<title>{long}</title>" in svg


def test_no_data_is_a_sentence_not_an_empty_chart():
    assert "<svg" not in bar_chart(title="t", desc="d", labels=[], series=[], empty="Nothing.")
    assert "Nothing." in bar_chart(title="t", desc="d", labels=[], series=[], empty="Nothing.")


def test_a_line_chart_has_a_point_per_month_on_a_rounded_axis():
    svg = line_chart(
        title="Payments", desc="per month", labels=["01/24", "02/24", "03/24"], values=[0, 7, 3]
    )
    assert svg.count('class="point"') == 3
    assert svg.count("<polyline") == 1
    assert "<title>02/24: 7</title>" in svg
    assert ">10</text>" in svg  # axis top: 7 rounds up to 10


def test_number_formats():
    with translation.override("en"):
        assert plain(17_120_000) == "17.120.000"
        assert compact_money(1_500_000_000) == "1,5 bn"
        assert compact_money(40_000_000) == "40 m"
        assert compact_money(800_000) == "800.000"
    assert [_nice_top(v) for v in (0, 1, 3, 7, 12, 45_000_000)] == [1, 1, 5, 10, 20, 50_000_000]
