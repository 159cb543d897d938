"""Each process is declared once, in its spec: the viewflow flow is generated
from the spec's steps, and the model's FSM (which the engine fires) must
allow exactly the moves the spec offers. These tests hold both to the spec
for every registered process and every route."""

from __future__ import annotations

from collections import defaultdict

import pytest

from workflows.flows import RoutePermission
from workflows.permissions import role_permission
from workflows.registry import all_specs, flow_for, has_flow, route_specs, routed_specs

SPECS = {(s.code, str(s.route)): s for s in [*all_specs().values(), *routed_specs()]}


def _fsm(spec):
    """name -> {source: target} of the model's FSM transitions."""
    moves: dict[str, dict[str, str]] = defaultdict(dict)
    for t in spec.model._meta.get_field("state").get_all_transitions(spec.model):
        moves[t.name][str(t.source)] = str(t.target)
    return moves


@pytest.mark.parametrize("key", sorted(SPECS), ids=lambda k: "-".join(filter(None, k)))
def test_every_transition_of_the_spec_is_a_move_of_the_model(key):
    spec = SPECS[key]
    fsm = _fsm(spec)
    assert set(spec.transitions) <= set(fsm), set(spec.transitions) - set(fsm)
    for name, tspec in spec.transitions.items():
        sources = set(fsm[name])
        for state in tspec.roles:
            # A role granted from a state the model cannot leave by this move is a
            # button that always fails: the spec and the FSM disagree.
            assert state == "*" or state in sources or "*" in sources, (name, state)


@pytest.mark.parametrize("key", sorted(SPECS), ids=lambda k: "-".join(filter(None, k)))
def test_every_step_waits_in_a_state_someone_can_leave(key):
    spec = SPECS[key]
    states = {str(v) for v in spec.states.values}
    leavable = {src for moves in _fsm(spec).values() for src in moves}
    for step in spec.steps:
        for state in step.states:
            assert str(state) in states, (step.name, state)
            assert str(state) not in spec.terminal, (step.name, state)
            assert str(state) in leavable or "*" in leavable, (step.name, state)
    # One step per waiting state: who acts next is never ambiguous.
    waiting = [str(s) for step in spec.steps for s in step.states]
    assert len(waiting) == len(set(waiting))


@pytest.mark.parametrize("key", sorted(SPECS), ids=lambda k: "-".join(filter(None, k)))
def test_every_waiting_state_of_the_happy_path_has_a_step(key):
    spec = SPECS[key]
    for state in spec.happy_path:
        if str(state) not in spec.terminal:
            assert str(state) in spec.acting_role, state


@pytest.mark.parametrize("code", sorted(c for c in all_specs() if not has_flow(c)))
def test_a_process_without_a_flow_has_no_step_waiting(code):
    assert all_specs()[code].steps == ()


@pytest.mark.parametrize("code", sorted(c for c in all_specs() if has_flow(c)))
def test_the_flow_has_one_task_per_step_with_the_steps_role(code):
    flow_class = flow_for(code)
    routes = route_specs(code)
    nodes = flow_class._nodes_by_name
    tasks = {name for name, node in nodes.items() if type(node).__name__ == "View"}
    assert tasks == {step.name for spec in routes for step in spec.steps}
    for spec in routes:
        for step in spec.steps:
            # A step the commune took over waits for the role of the object's route.
            permission = nodes[step.name]._owner_permission
            if isinstance(permission, RoutePermission):
                permission = role_permission(permission.roles[str(spec.route)])
            assert permission == role_permission(step.role)
    # The task's title is its first route's (the district's, where the commune took over).
    for step in routes[0].steps:
        assert str(nodes[step.name].task_title) == str(step.title)
