"""The report's plots, as PNG ``data:`` URIs: the whole set over time, and per faulted rep the
measure that fired against its thresholds.

The overview shows the series a coach reads (driver, joint angles) for every rep at once; it
cannot show a derived measure such as the hips' lead over the shoulders, which is exactly what
a fault like ``hips_rise_first 0.58 against 0.25/0.45`` is about. So each fault also gets a
small plot of the very numbers its check judged (:attr:`formcheck.rules.Rule.measure`, the
function the check itself calls), never a re-derivation of them.
"""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from formcheck.analysis import Analysis, rep_contexts
from formcheck.kinematics import Kinematics
from formcheck.lift import Lift
from formcheck.metrics import velocity_loss_words
from formcheck.report import Fault, Report
from formcheck.rules import RULES, Measured, Rule, Trace
from formcheck.series import SHOWN, Series, Sided
from formcheck.sight import shot_changes

PLOT_DPI = 110
PLOT_WIDTH_IN = 10.0
PANEL_HEIGHT_IN = 1.9
MEASURE_SIZE_IN = (4.4, 2.0)
"""A measure plot: legible at a phone's width (400 px) without scrolling, two side by side on
a laptop."""
MEASURE_DPI = 100

OUTCOME_COLORS = {"valid": "#2e9d4f", "no_rep": "#d63a3a", "ambiguous": "#8c8c8c"}
OUTCOME_WORDS = {"valid": "valid", "no_rep": "no-rep", "ambiguous": "can't tell"}
SEVERITY_COLORS = {"major": "#d63a3a", "minor": "#f08c00"}
FAULT_MARKERS = ("v", "s", "D", "^", "P", "X", "*", "o")
LINE_COLOR = "#1f4e79"


@dataclass(frozen=True)
class Panel:
    """One plotted series and the thresholds that are compared with it directly."""

    series: str
    """A :class:`~formcheck.kinematics.Kinematics` attribute (its facing side is plotted)."""
    label: str
    thresholds: tuple[str, ...] = ()


PANELS = {
    panel.series: panel
    for panel in (
        Panel("hip_angle", "hip angle (°)",
              ("lockout_hip_angle", "lockout_hip_angle_major", "no_rep_hip_angle",
               "body_line_hip_angle", "body_line_hip_angle_major")),
        Panel("hip_angle_3d", "hip angle, 3-D (°)"),
        Panel("hip_flexion_3d", "hip flexion, 3-D (°)"),
        Panel("knee_angle", "knee angle (°)",
              ("curl_knee_angle", "curl_knee_angle_major", "extension_knee_angle",
               "extension_knee_angle_major")),
        Panel("knee_flexion", "knee flexion (°)"),
        Panel("kneel_lean", "knee-to-shoulder line from vertical (°)",
              ("upright_lean_max", "upright_lean_max_major", "upright_lean_min",
               "upright_lean_min_major")),
        Panel("trunk_inclination", "trunk from vertical (°)"),
        Panel("trunk_inclination_3d", "trunk from vertical, 3-D (°)",
              ("hinge_trunk_inclination", "hinge_trunk_inclination_major")),
        Panel("wrist_height", "hands (shoulder heights)",
              ("swing_height_min", "swing_height_max")),
        Panel("shin_inclination", "shin from vertical (°)",
              ("shin_inclination", "shin_inclination_major")),
        Panel("elbow_angle", "elbow angle (°)",
              ("straight_arm_angle", "straight_arm_angle_major")),
    )
}
"""Every series the overview can plot. Thresholds measured on something other than a plotted
series (a ratio, a bend) get their own measure plot per faulted rep."""


@dataclass(frozen=True)
class MeasurePlot:
    """One fault's measure over its rep (or across reps), against the thresholds it crossed."""

    code: str
    image: str
    """``data:`` URI of the PNG."""
    alt: str


def _panels(kin: Kinematics, lift: Lift) -> list[tuple[Panel, np.ndarray]]:
    """Driver first (under its own name if :data:`PANELS` has no entry for it), then the angles
    every output shows, then the series with a panel that the lift's checks read."""
    minimum = lift.value("min_visibility")
    names = dict.fromkeys((lift.driver, *SHOWN, *(s for s in lift.series if s in PANELS)))
    plotted = []
    for name in names:
        measure = kin[name]
        if isinstance(measure, Sided):
            measure = measure.facing
        if isinstance(measure, Series):
            panel = PANELS.get(name) or Panel(name, name.replace("_", " "))
            plotted.append((panel, measure.trusted(minimum)))
    return plotted


def _threshold_style(name: str) -> tuple[str, str]:
    if name.startswith("no_rep"):
        return SEVERITY_COLORS["major"], ":"
    return SEVERITY_COLORS["major" if name.endswith("_major") else "minor"], "--"


def _threshold_lines(ax: Axes, thresholds: dict[str, float], names: Sequence[str]) -> list[Line2D]:
    """Each named threshold as a labelled horizontal line, styled by its severity."""
    return [
        ax.axhline(thresholds[name], color=color, linestyle=style, linewidth=1.1,
                   label=f"{name.replace('_', ' ')} {thresholds[name]:g}")
        for name in names if name in thresholds
        for color, style in [_threshold_style(name)]
    ]


def overview_plot(analysis: Analysis) -> str:
    """The driver and joint angles over time as a PNG ``data:`` URI.

    Reps are bands coloured by outcome, turnarounds dotted lines, thresholds dashed lines
    labelled with their name and value, faults markers at their measured value where the
    threshold belongs to a plotted series, else on the driver at the moment the fault shows.
    """
    report, kin = analysis.report, analysis.kin
    panels = _panels(kin, analysis.lift)
    times = kin.times
    fig = Figure(figsize=(PLOT_WIDTH_IN, PANEL_HEIGHT_IN * len(panels) + 0.6),
                 layout="constrained")
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    codes = sorted({f.code for rep in report.reps for f in rep.faults})
    shape = {code: FAULT_MARKERS[i % len(FAULT_MARKERS)] for i, code in enumerate(codes)}
    home = {name: i for i, (panel, _) in enumerate(panels) for name in panel.thresholds}
    for ax, (panel, values) in zip(axes, panels, strict=True):
        ax.plot(times, values, color=LINE_COLOR, linewidth=1.3)
        for rep in report.reps:
            ax.axvspan(rep.start_s, rep.end_s, color=OUTCOME_COLORS[rep.outcome], alpha=0.13,
                       linewidth=0)
            ax.axvline(rep.turn_s, color="#555555", linestyle=":", linewidth=1)
        drawn = _threshold_lines(ax, report.thresholds, panel.thresholds)
        if drawn:
            ax.legend(handles=drawn, loc="best", fontsize=7, framealpha=0.9)
        ax.set_ylabel(panel.label, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25)
        ax.margins(x=0)
    for rep in report.reps:
        axes[0].text(rep.turn_s, 1.02, str(rep.index), ha="center", va="bottom", fontsize=8,
                     color=OUTCOME_COLORS[rep.outcome], fontweight="bold",
                     transform=axes[0].get_xaxis_transform())
        for fault in rep.faults:
            row = home.get(fault.threshold_name)
            at = np.asarray(fault.at_s)
            y = (np.full(at.shape, fault.value) if row is not None
                 else panels[0][1][fault.frames])
            axes[0 if row is None else row].scatter(at, y, marker=shape[fault.code], s=46, zorder=5,
                                   color=SEVERITY_COLORS[fault.severity], edgecolors="black",
                                   linewidths=0.6)
    axes[-1].set_xlabel("time (s)", fontsize=9)
    fig.legend(handles=_legend(report, codes, shape), loc="outside upper center",
               ncol=7, fontsize=8, frameon=False)
    return _png(fig, PLOT_DPI)


def set_plot(report: Report) -> str | None:
    """Each rep's mean concentric speed of the hands (of the body rising to the bar, for a
    lifter hanging from one) and hips (:mod:`formcheck.metrics`) across the set, with the
    velocity loss, as a PNG ``data:`` URI; None when no rep has a speed. Why a plot: the trend
    (the slowing of a set near failure) is what a velocity-based-training app shows first; a
    rep whose speed could not be measured is a gap, not a zero."""
    reps = report.reps
    indices = np.array([rep.index for rep in reps])
    series = {
        point: np.array([np.nan if (m := getattr(rep.metrics, point)) is None
                         else m.mean_speed_m_s for rep in reps])
        for point in ("wrist", "hip")
    }
    if not any(np.isfinite(values).any() for values in series.values()):
        return None
    fig = Figure(figsize=(PLOT_WIDTH_IN * 0.6, 2.4), layout="constrained")
    ax = fig.subplots()
    lifted = ("body (shoulders to the bar)" if report.set_metrics.heights_above == "hands"
              else "hands (bar or bell)")
    for values, color, label in zip(series.values(), (LINE_COLOR, "#8c8c8c"),
                                    (lifted, "hips"), strict=True):
        ax.plot(indices, values, marker="o", color=color, label=label)
    loss = velocity_loss_words(report.set_metrics)
    ax.set_title("mean concentric speed per rep" + ("" if loss is None else f": {loss}"),
                 fontsize=9)
    ax.set_xlabel("rep", fontsize=8)
    ax.set_ylabel("m/s", fontsize=8)
    ax.set_xticks(indices)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.25)
    ax.legend(fontsize=7, loc="best")
    return _png(fig, MEASURE_DPI)


def _legend(report: Report, codes: Sequence[str], shape: dict[str, str]) -> list[object]:
    outcomes = sorted({rep.outcome for rep in report.reps}) or ["valid"]
    return [
        *(Patch(color=OUTCOME_COLORS[o], alpha=0.3, label=f"{OUTCOME_WORDS[o]} rep")
          for o in outcomes),
        Line2D([], [], color="#555555", linestyle=":", label="turnaround"),
        *(Line2D([], [], marker=shape[code], linestyle="", color="#bbbbbb",
                 markeredgecolor="black", label=code.replace("_", " ")) for code in codes),
        *(Patch(color=SEVERITY_COLORS[severity], label=f"{severity} fault")
          for severity in ("minor", "major") if codes),
    ]


def data_uri(mime: str, payload: bytes) -> str:
    """``payload`` inline, as the page's Content-Security-Policy allows (``data:`` only)."""
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def _png(fig: Figure, dpi: int) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return data_uri("image/png", buffer.getvalue())


def rule_of(lift: Lift, code: str) -> Rule:
    """The rule of ``lift`` that reports fault ``code`` (a code two rules can report, such as
    hyperextension, belongs to whichever one the lift uses)."""
    return next(RULES[check.rule] for check in lift.checks if code in check.faults)


def fault_thresholds(lift: Lift, fault: Fault) -> list[str]:
    """The minor and (where the lift has one) major threshold of the limit ``fault`` crossed."""
    base = fault.threshold_name.removesuffix("_major")
    return [name for name in (base, f"{base}_major") if name in lift.thresholds]


def measure_plots(analysis: Analysis) -> dict[int, list[MeasurePlot]]:
    """Per rep with faults (by rep index), one plot per fault of the measure that fired.

    A check that measures a curve over the rep (the hips' lead, the back's bend) is drawn over
    the rep's time, with the frames it searched and the fault's moment marked. A check that
    measures one value per rep (the knees' share at the deepest hip bend, the torso at the top
    of a thrust) has no curve to show, so the plot is that value for every rep of the set, one
    dot each with this rep's ringed: whether the rep stands out or the whole set sits near the
    line is what a lifter wants to know. Reps the check could not judge have no dot.
    """
    lift, reps = analysis.lift, analysis.report.reps
    contexts = rep_contexts(analysis.kin, analysis.view, lift, analysis.reps, evidence=None,
                            cuts=shot_changes(analysis.track))
    fired = {rule_of(lift, fault.code).name for rep in reps for fault in rep.faults}
    traces = {name: [_trace(RULES[name].measure(ctx)) for ctx in contexts] for name in fired}
    plots: dict[int, list[MeasurePlot]] = defaultdict(list)
    for position, rep in enumerate(reps):
        for fault in rep.faults:
            rule = rule_of(lift, fault.code)
            trace = traces[rule.name][position]
            if trace is None:
                continue  # measured once more, it abstains: nothing honest to draw
            if trace.frames.size > 1:
                plots[rep.index].append(_over_time(analysis, fault, trace, position))
            else:
                plots[rep.index].append(_across_reps(analysis, fault, traces[rule.name],
                                                     position))
    return dict(plots)


def _trace(measured: Measured) -> Trace | None:
    """The trace, or None where the check judged nothing (it abstained, or had nothing to
    fault): such a rep has no point on the plot."""
    return measured if isinstance(measured, Trace) else None


def _measure_axes(analysis: Analysis, fault: Fault, xlabel: str) -> tuple[Figure, Axes]:
    """A small figure titled with the fault's verdict, its thresholds drawn and legended."""
    fig = Figure(figsize=MEASURE_SIZE_IN, layout="constrained")
    ax = fig.subplots()
    names = fault_thresholds(analysis.lift, fault)
    lines = _threshold_lines(ax, analysis.report.thresholds, names)
    ax.legend(handles=lines, loc="best", fontsize=7, framealpha=0.9)
    limits = " / ".join(f"{analysis.report.thresholds[name]:g}" for name in names)
    ax.set_title(f"{fault.code.replace('_', ' ')}: {fault.value:.3g} against {limits}",
                 fontsize=9, color=SEVERITY_COLORS[fault.severity])
    ax.set_ylabel(fault.unit, fontsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.25)
    return fig, ax


def _fault_marker(ax: Axes, x: float, fault: Fault) -> None:
    ax.scatter([x], [fault.value], s=60, zorder=5, color=SEVERITY_COLORS[fault.severity],
               edgecolors="black", linewidths=0.8)


def _over_time(analysis: Analysis, fault: Fault, trace: Trace, position: int) -> MeasurePlot:
    found = analysis.reps[position]
    fig, ax = _measure_axes(analysis, fault, "time (s)")
    times = analysis.kin.times
    ax.axvspan(times[found.start], times[found.end], color="#888888", alpha=0.12, linewidth=0)
    ax.plot(times[trace.frames], trace.values, color=LINE_COLOR, linewidth=1.4)
    _fault_marker(ax, fault.at_s[0], fault)
    ax.margins(x=0)
    alt = (f"{fault.code.replace('_', ' ')} measured over rep {position + 1} "
           f"(shaded): peak {fault.value:.3g} {fault.unit}")
    return MeasurePlot(fault.code, _png(fig, MEASURE_DPI), alt)


def _across_reps(
    analysis: Analysis, fault: Fault, traces: Sequence[Trace | None], position: int
) -> MeasurePlot:
    fig, ax = _measure_axes(analysis, fault, "rep")
    indices = np.array([rep.index for rep in analysis.report.reps])
    values = np.array([np.nan if t is None else t.values[0] for t in traces])
    ax.scatter(indices, values, s=22, color=LINE_COLOR, zorder=4)
    _fault_marker(ax, float(indices[position]), fault)
    ax.set_xticks(indices)
    alt = (f"{fault.code.replace('_', ' ')}, one value per rep: rep {indices[position]} "
           f"measured {fault.value:.3g} {fault.unit}")
    return MeasurePlot(fault.code, _png(fig, MEASURE_DPI), alt)
