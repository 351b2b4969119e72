"""Figures, their targets, and the tables printed to stdout and written to docs/benchmarks.md."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


def p50(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)])


@dataclass(frozen=True)
class Target:
    """A goal for one figure: its words for the table, and the test it must pass (value, floor or None)."""

    text: str
    check: Callable[[float, float | None], bool]


def within_floor(factor: float) -> Target:
    return Target(f"≤ {factor:g}× floor", lambda value, floor: floor is not None and value <= factor * floor)


def screen_target() -> Target:
    return Target("p50 < 100 ms", lambda value, _floor: value < 100)


def list_target() -> Target:
    return Target(
        "p50 < 25 ms and ≤ 1.5× floor",
        lambda value, floor: value < 25 and floor is not None and value <= 1.5 * floor,
    )


def under_ms(limit: float) -> Target:
    return Target(f"p50 < {limit:g} ms", lambda value, _floor: value < limit)


def at_least_rate(limit: float) -> Target:
    return Target(f"≥ {limit:,.0f} rec/s", lambda value, _floor: value >= limit)


@dataclass
class Figure:
    """One measured thing. Times are milliseconds (p50, with p95 beside); rates are records per second."""

    key: str
    label: str
    unit: str
    value: float
    p95: float | None = None
    floor: float | None = None
    floor_p95: float | None = None
    target: Target | None = None
    detail: str = ""

    @property
    def is_rate(self) -> bool:
        return self.unit == "rec/s"

    @property
    def ratio(self) -> float | None:
        """How many times slower than the floor (for rates: floor rate ÷ rate)."""
        if self.floor is None or self.value <= 0 or self.floor <= 0:
            return None
        return self.floor / self.value if self.is_rate else self.value / self.floor

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.check(self.value, self.floor)

    def shown(self, value: float | None, spread: float | None = None) -> str:
        if value is None:
            return "—"
        if self.is_rate:
            return f"{value:,.0f} rec/s"
        text = f"{value:,.2f} ms" if value < 100 else f"{value:,.0f} ms"
        if spread is not None:
            text += f" (p95 {spread:,.2f})" if spread < 100 else f" (p95 {spread:,.0f})"
        return text

    def cells(self) -> list[str]:
        ratio = "—" if self.ratio is None else f"{self.ratio:.2f}×"
        verdict = {None: "", True: "✅ met", False: "❌ missed"}[self.met]
        target = "—" if self.target is None else f"{self.target.text} {verdict}".strip()
        return [
            self.label,
            self.shown(self.value, self.p95),
            self.shown(self.floor, self.floor_p95),
            ratio,
            target,
            self.detail,
        ]


HEADERS = ["Measure", "Huitong over HTTP (p50)", "SQL floor (p50)", "Ratio", "Target", "Runs"]


@dataclass
class Diagnosis:
    """Where one measured request spends its time, for the notes under a missed target."""

    key: str
    title: str
    layers: list[tuple[str, float]] = field(default_factory=list)  # (what, p50 ms) from HTTP down to the floor
    engine_sql: str = ""
    engine_plan: str = ""
    floor_sql: str = ""
    floor_plan: str = ""
    profile: str = ""
    server_profile: str = ""
    server_cpu_ms: float | None = None  # the server process's CPU per request over HTTP (mean)


@dataclass
class DatabaseRun:
    name: str
    version: str
    records: int
    settings: dict[str, str] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    diagnoses: dict[str, Diagnosis] = field(default_factory=dict)
    facts: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.met is False]


def markdown_table(rows: list[list[str]], headers: list[str]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain table for the terminal (East Asian characters count double so that columns line up)."""

    def width(text: str) -> int:
        return sum(2 if ord(char) > 0x2E80 else 1 for char in text)

    widths = [max(width(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)])


def run_table(run: DatabaseRun, render: Callable[[list[list[str]], list[str]], str]) -> str:
    return render([figure.cells() for figure in run.figures], HEADERS)


# -- docs/benchmarks.md --------------------------------------------------------------------------------------------
NOTES_START = "<!-- notes:start -->"
NOTES_END = "<!-- notes:end -->"
DEFAULT_NOTES = "(No analysis written yet for this run.)"


def kept_notes(previous: str) -> str:
    """The hand-written analysis between the markers of the previous report, kept across reruns."""
    if NOTES_START in previous and NOTES_END in previous:
        return previous.split(NOTES_START, 1)[1].split(NOTES_END, 1)[0].strip()
    return DEFAULT_NOTES


def layers_line(diagnosis: Diagnosis) -> str:
    steps = " → ".join(f"{what}: **{ms:,.2f} ms**" for what, ms in diagnosis.layers)
    cpu = "" if diagnosis.server_cpu_ms is None else f" (server process CPU {diagnosis.server_cpu_ms:,.2f} ms/request)"
    return f"- {diagnosis.title}: {steps}{cpu}"


def fenced(text: str, language: str = "") -> list[str]:
    return [f"```{language}", text.strip() or "(none)", "```"]


def missed_section(run: DatabaseRun) -> list[str]:
    lines: list[str] = []
    for figure in run.missed():
        diagnosis = run.diagnoses.get(figure.key)
        ratio = "" if figure.ratio is None else f", {figure.ratio:.2f}× its floor"
        lines += ["", f"#### {run.name}: {figure.label} — target {figure.target.text if figure.target else ''}"]
        lines += ["", f"Measured {figure.shown(figure.value, figure.p95)}{ratio}."]
        if diagnosis is None:
            continue
        lines += ["", "Where the time goes (p50):", "", *[f"- {what}: {ms:,.2f} ms" for what, ms in diagnosis.layers]]
        if diagnosis.server_cpu_ms is not None:
            lines.append(f"- CPU the server process used per HTTP request (mean): {diagnosis.server_cpu_ms:,.2f} ms")
        if diagnosis.engine_sql:
            lines += ["", "The engine's SQL:", "", *fenced(diagnosis.engine_sql, "sql")]
        if diagnosis.engine_plan:
            lines += ["", "Its plan:", "", *fenced(diagnosis.engine_plan)]
        if diagnosis.floor_sql:
            lines += [
                "",
                "The floor's SQL and plan:",
                "",
                *fenced(diagnosis.floor_sql, "sql"),
                "",
                *fenced(diagnosis.floor_plan),
            ]
        if diagnosis.server_profile:
            lines += ["", "Profile inside the server (every thread, same requests over HTTP):", ""]
            lines += fenced(diagnosis.server_profile)
        if diagnosis.profile:
            lines += ["", "Profile of the same request in-process (no HTTP):", "", *fenced(diagnosis.profile)]
    return lines


def render_markdown(runs: list[DatabaseRun], header: list[str], method: list[str], notes: str) -> str:
    lines = ["# Benchmarks", "", *header, "", "## How it is measured", "", *method]
    for run in runs:
        lines += ["", f"## {run.name} ({run.version})", "", run_table(run, markdown_table), ""]
        lines += [f"- {fact}" for fact in run.facts]
        if run.settings:
            lines.append("- Settings: " + ", ".join(f"{k}={v}" for k, v in run.settings.items()) + ".")
        lines += ["", "Where the time goes (p50 of each layer, from HTTP down to the SQL floor):", ""]
        lines += [layers_line(diagnosis) for diagnosis in run.diagnoses.values() if diagnosis.layers]
    missed = [line for run in runs for line in missed_section(run)]
    lines += ["", "## Missed targets", ""]
    if missed:
        lines += ["Each missed target with its layers, the SQL and plans, and a cProfile of the same request.", *missed]
    else:
        lines.append("Every target was met.")
    lines += ["", "## Analysis", "", NOTES_START, notes, NOTES_END, ""]
    return "\n".join(lines)
