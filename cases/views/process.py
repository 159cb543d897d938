"""The picture of a process: its states, who acts in each, and its transitions.
The drug-rehab processes are described only to the rehab roles (others: 404)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy

from cases.views.base import CaseflowView
from workflows.models import ProcedureVersion, StepTimeLimit
from workflows.permissions import ROLE_LABELS, SENSITIVE_PROCESSES, scope_for
from workflows.registry import all_specs, in_flight_rule, route_specs, step_labels

# The notes the reference-data migrations stored (workflows 0003, 0007, 0008;
# cases 0009), as the page reads them in the user's language. A note an
# administrator wrote is shown as written.
SEEDED_NOTES: dict[str, Any] = {
    "Configurable demo value: no legal time limit found for housing support.": gettext_lazy(
        "Configurable demo value: no legal time limit found for housing support."
    ),
    "Configurable demo value: internal step of a gift campaign, no legal limit.": gettext_lazy(
        "Configurable demo value: internal step of a gift campaign, no legal limit."
    ),
    "Chưa đối chiếu văn bản (domain.md §10): giá trị giả định, sửa được.": gettext_lazy(
        "Not yet checked against the legal text: an assumed value, editable."
    ),
}


def note_text(note: str) -> str:
    """A stored note as the page shows it (see SEEDED_NOTES)."""
    return str(SEEDED_NOTES.get(note, note))


class ProcessDiagramView(CaseflowView):
    template_name = "cases/process.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        code = self.kwargs["code"]
        if code in SENSITIVE_PROCESSES and not scope_for(self.request.user).sees_rehab:
            # Drug rehab is not theirs to see, its description included: as unknown.
            raise Http404()
        routes = route_specs(code)
        if not routes:
            raise Http404()
        wanted = self.request.GET.get("route")
        spec = next((s for s in routes if s.route == wanted), all_specs()[code])
        model = spec.model
        sources: dict[str, list[str]] = {}
        targets: dict[str, list[str]] = {}
        for t in model._meta.get_field("state").get_all_transitions(model):
            sources.setdefault(t.name, []).append(str(t.source))
            if str(t.target) not in targets.setdefault(t.name, []):
                targets[t.name].append(str(t.target))
        order = {s: i for i, s in enumerate(spec.states.values)}
        for d in (sources, targets):
            for names in d.values():
                names.sort(key=lambda s: order.get(s, len(order)))
        rows = []
        for name, tspec in spec.transitions.items():
            roles = sorted({r for rs in tspec.roles.values() for r in rs})
            # A route's own sources: the spec's, where it names them.
            named = [s for s in tspec.roles if s != "*"]
            rows.append(
                {
                    "spec": tspec,
                    "sources": [spec.state_label(s) for s in named or sources.get(name, [])],
                    "targets": [spec.state_label(s) for s in targets.get(name, [])],
                    "roles": [ROLE_LABELS.get(r, r) for r in roles],
                    "fields": [f.label for f in tspec.form.base_fields.values()]
                    if tspec.form
                    else [],
                    "not_by": [
                        spec.transitions[n].label
                        for n in tspec.not_by_actors_of
                        if n in spec.transitions
                    ],
                }
            )
        steps = step_labels(routes)
        step_order = {name: i for i, name in enumerate(steps)}
        limits = StepTimeLimit.objects.filter(process=code).order_by("step", "-effective_from")
        context.update(
            spec=spec,
            rows=rows,
            specs=all_specs(),
            routes=routes if len(routes) > 1 else [],
            in_flight=in_flight_rule(code) if len(routes) > 1 else None,
            versions=[
                (v, v.effective_to(), note_text(v.note))
                for v in ProcedureVersion.objects.filter(procedure=code).order_by("effective_from")
            ],
            # In the order the process runs through its steps.
            limits=sorted(
                ((lim, steps.get(lim.step, lim.step), note_text(lim.note)) for lim in limits),
                key=lambda row: step_order.get(row[0].step, len(step_order)),
            ),
        )
        return context
