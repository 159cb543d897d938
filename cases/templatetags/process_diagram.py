"""The picture of a process's state machine, generated from its spec.

The happy path runs down the left column; every other state sits in the
right column, level with the states it is reached from. Edges come from the
FSM transitions declared on the model, so the picture cannot drift from the
code. `{% process_diagram spec current=case.state visited=states %}`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import template

from workflows.permissions import ROLE_LABELS as _ROLE_LABELS
from workflows.specs import ProcessSpec

register = template.Library()
ROLE_LABELS: dict[str, Any] = {str(k): v for k, v in _ROLE_LABELS.items()}

BOX_W, BOX_H, PITCH, TOP = 240, 48, 76, 28
MAIN_X = 24


@dataclass
class Box:
    state: str
    label: str
    actor: str
    x: int
    y: float
    css: list[str] = field(default_factory=list)

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def text_x(self) -> float:
        return self.x + 14

    @property
    def name_y(self) -> float:
        return self.y + (20 if self.actor else 29)

    @property
    def actor_y(self) -> float:
        return self.y + 38


@dataclass
class Edge:
    path: str
    css: str
    label: str = ""
    lx: float = 0
    ly: float = 0
    anchor: str = "start"
    arrow: bool = True
    dot: tuple[float, float] | None = None


def _fsm_edges(spec: ProcessSpec) -> list[tuple[str, str, str]]:
    model = spec.model
    states = list(spec.states.values)
    edges: list[tuple[str, str, str]] = []
    for t in model._meta.get_field("state").get_all_transitions(model):
        if t.name not in spec.transitions:
            continue  # another route's step (the routes of a process share a model)
        sources = [s for s in states if s not in spec.terminal] if t.source == "*" else [t.source]
        edges.extend((str(s), str(t.target), t.name) for s in sources if s != t.target)
    return sorted(set(edges), key=lambda e: (states.index(e[0]), states.index(e[1]), e[2]))


def _side_rows(main: list[str], side: list[str], edges: list[tuple[str, str, str]]) -> dict:
    """Row (float) of each side state: level with its main-path neighbours."""
    wanted = {}
    for s in side:
        rows = [main.index(a) for a, b, _n in edges if b == s and a in main]
        rows = rows or [main.index(b) for a, b, _n in edges if a == s and b in main] or [0]
        wanted[s] = sum(rows) / len(rows)
    placed: dict[str, float] = {}
    last = -1.0
    for s in sorted(side, key=lambda s: (wanted[s], side.index(s))):
        row = max(wanted[s], last + 1)
        placed[s] = last = row
    return placed


def _text_width(text: str, size: float = 12) -> float:
    """Rough width of a label in the diagram font (no font metrics on the server)."""
    return len(text) * size * 0.55


def _lanes(groups: dict[tuple[str, str], list[str]], boxes: dict[str, Box]) -> dict:
    """A vertical lane per (transition, target); lanes are shared when rows do not overlap."""
    lanes: list[list[tuple[float, float]]] = []
    lane_of: dict[tuple[str, str], int] = {}
    for key in sorted(groups, key=lambda k: min(boxes[s].y for s in groups[k])):
        ys = [boxes[s].cy for s in groups[key]] + [boxes[key[1]].cy]
        span = (min(ys) - 20, max(ys) + 20)
        for i, used in enumerate(lanes):
            if all(span[1] < lo or span[0] > hi for lo, hi in used):
                used.append(span)
                lane_of[key] = i
                break
        else:
            lanes.append([span])
            lane_of[key] = len(lanes) - 1
    return lane_of


def diagram(spec: ProcessSpec, current: str = "", visited: Any = ()) -> dict[str, Any]:
    main = [str(s) for s in spec.happy_path]
    side = [str(s) for s in spec.states.values if s not in main]
    edges = _fsm_edges(spec)
    labels = {name: str(t.label) for name, t in spec.transitions.items()}
    danger = {name for name, t in spec.transitions.items() if t.danger}
    visited = set(visited or ())

    boxes: dict[str, Box] = {}
    for i, s in enumerate(main):
        boxes[s] = Box(s, "", "", MAIN_X, TOP + i * PITCH)
    for s, row in _side_rows(main, side, edges).items():
        boxes[s] = Box(s, "", "", 0, TOP + row * PITCH)
    for s, box in boxes.items():
        box.label = spec.state_label(s)
        role = spec.acting_role.get(s)
        box.actor = str(ROLE_LABELS.get(role, "")) if role else ""
        box.css = ["state", f"state-{s}"]
        if s in spec.terminal:
            box.css.append("terminal")
        if s in visited:
            box.css.append("visited")
        if s == current:
            box.css.append("current")

    # Geometry, left to right: the happy path and the labels of its arrows; a
    # lane for edges coming back to it; one lane per fan-in to a side state;
    # room for the fan-in labels; the side column.
    def consecutive(a: str, b: str) -> bool:
        return a in main and b in main and main.index(b) == main.index(a) + 1

    label_end = max(
        [MAIN_X + BOX_W]
        + [
            MAIN_X + BOX_W / 2 + 10 + _text_width(labels.get(n, n))
            for a, b, n in edges
            if consecutive(a, b)
        ]
    )
    back_x = label_end + 14
    lane0 = back_x + 22
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a, b, name in edges:
        if a in main and b not in main:
            groups[(name, b)].append(a)
    lane_of = _lanes(groups, boxes)
    last_lane = lane0 + max(lane_of.values(), default=0) * 30
    fan_label = max([0.0] + [_text_width(labels.get(n, n)) for n, _b in groups])
    side_x = int(last_lane + max(fan_label + 40, 120))
    for s in side:
        boxes[s].x = side_x

    out: list[Edge] = []
    for a, b, name in edges:
        src, dst = boxes[a], boxes[b]
        css = "danger" if name in danger else ("back" if b not in main else "")
        label = labels.get(name, name)
        if consecutive(a, b):
            x = src.cx
            path = f"M{x},{src.y + BOX_H} L{x},{dst.y - 3}"
            out.append(Edge(path, css or "main", label, x + 10, (src.y + BOX_H + dst.y) / 2 + 4))
        elif a in main and b in main:
            x0 = src.x
            path = f"M{x0},{src.cy} C{x0 - 40},{src.cy} {x0 - 40},{dst.cy} {x0 - 3},{dst.cy}"
            out.append(Edge(path, css or "main", label, x0 - 44, (src.cy + dst.cy) / 2, "end"))
        elif b in main:
            # Back onto the happy path (resubmission): below the fan-ins, dotted.
            x0, x1 = src.x, dst.x + BOX_W
            y0, y1 = src.cy + 14, dst.cy + 14
            path = f"M{x0},{y0} L{back_x},{y0} L{back_x},{y1} L{x1 + 3},{y1}"
            out.append(Edge(path, "return", label, x0 - 8, y0 + 15, "end"))
        elif a not in main:
            x0 = src.x + BOX_W
            y0, y1 = src.cy, dst.cy
            path = f"M{x0},{y0} C{x0 + 60},{y0} {x0 + 60},{y1} {x0 + 3},{y1}"
            out.append(Edge(path, css or "back", label, x0 + 50, (y0 + y1) / 2 + 4))

    # Edges leaving the happy path for a side state run on orthogonal "buses":
    # each source joins its lane with a short stub, so a fan-in stays readable
    # instead of a knot of curves. Stubs leaving one box are spread vertically.
    outgoing: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, sources in groups.items():
        for s in sources:
            outgoing[s].append(key)
    offset: dict[tuple[str, tuple[str, str]], float] = {}
    for s, keys in outgoing.items():
        keys.sort(key=lambda k: lane_of[k])
        for i, key in enumerate(keys):
            offset[(s, key)] = (i - (len(keys) - 1) / 2) * 9
    for key, sources in groups.items():
        name, b = key
        dst = boxes[b]
        css = "danger" if name in danger else "back"
        x = lane0 + lane_of[key] * 30
        ys = [boxes[s].cy + offset[(s, key)] for s in sources]
        stubs = [f"M{MAIN_X + BOX_W},{y} L{x},{y}" for y in ys]
        stubs.append(f"M{x},{min([*ys, dst.cy])} L{x},{max([*ys, dst.cy])}")
        out.extend(Edge(p, css, arrow=False) for p in stubs)
        out.append(Edge(f"M{x},{dst.cy} L{dst.x - 3},{dst.cy}", css))
        out.append(Edge("", css, labels.get(name, name), dst.x - 10, dst.cy - 7, "end"))
        out.extend(Edge("", css, dot=(x, y)) for y in ys if y != dst.cy)

    side_labels = [
        b.x + BOX_W + 50 + _text_width(labels.get(n, n))
        for a, bn, n in edges
        if a not in main and bn not in main
        for b in [boxes[a]]
    ]
    width = max([side_x + BOX_W + 20, *side_labels])
    height = max(b.y for b in boxes.values()) + BOX_H + 24
    return {
        "boxes": list(boxes.values()),
        "edges": out,
        "width": int(width + 10),
        "height": int(height),
        "box_w": BOX_W,
        "box_h": BOX_H,
    }


@register.inclusion_tag("cases/_process_diagram.html")
def process_diagram(spec: ProcessSpec, current: str = "", visited: Any = ()) -> dict[str, Any]:
    return diagram(spec, current=current, visited=visited)
