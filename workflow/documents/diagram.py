"""The process diagram (SVG) drawn by transitions' GraphMachine through graphviz.

Only for pictures: the runtime machine is the plain one in engine.py (GraphMachine is
too slow to run cases on). Nodes carry the Chinese state labels; the current state is
highlighted and the steps a case has taken are marked.
"""
from __future__ import annotations

from transitions.extensions import GraphMachine

from workflow.core.definition import Definition

FONT = "Noto Sans CJK SC"


class _Model:
    state: str


def svg(definition: Definition, current: str | None = None, taken: list[tuple[str, str]] | None = None) -> bytes:
    """`taken` lists the (from, to) steps of a case, drawn as its path."""
    model = _Model()
    machine = GraphMachine(model=model, states=list(definition.states), initial=current or definition.initial,
                           auto_transitions=False, show_conditions=False, title=definition.label.zh)
    for state in definition.states.values():
        machine.states[state.name].label = state.label.zh  # type: ignore[attr-defined]
    for t in definition.transitions:
        machine.add_transition(t.trigger, list(t.sources), t.dest, label=t.label.zh)
    graph = machine.model_graphs[id(model)]
    graph.reset_styling()
    for source, dest in taken or []:
        graph.set_previous_transition(source, dest)
    if current:
        graph.set_node_style(current, "active")
    drawing = graph.get_graph(title=definition.label.zh)
    for attrs in (drawing.graph_attr, drawing.node_attr, drawing.edge_attr):
        attrs["fontname"] = FONT
    drawing.graph_attr["rankdir"] = "LR"
    drawing.graph_attr["label"] = ""  # the page names the process; a caption in the graph reads like an arrow's
    return drawing.draw(None, format="svg", prog="dot")
