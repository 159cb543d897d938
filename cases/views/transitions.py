"""The transitions on an object's page (a case or a gift list): the form of
each transition the user may fire, and the one POST that fires one through
the engine. A refusal re-renders the page with the posted form and the
reason (`CaseflowView`); success redirects to the page with a message."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from cases.forms import transition_data, transition_form
from cases.views.base import ActionForm
from workflows import engine
from workflows.actors import Reader, signed_in
from workflows.idempotency import Outcome, form_once
from workflows.permissions import available_transitions
from workflows.registry import spec_for


def transition_actions(view: Any, user: Reader, obj: Any) -> list[ActionForm]:
    """What `user` may fire on `obj`, each with its form. The form just refused
    keeps what was posted, now checked against the state the page shows."""
    actions = []
    for tspec in available_transitions(user, obj):
        if view.bound_form is not None and tspec.name == view.bound_action:
            form = view.bound_form
            form.data = form.data.copy()
            form.data["expected_state"] = obj.state
        else:
            form = transition_form(tspec, obj)
        actions.append(ActionForm(tspec, form))
    return actions


class ActionPostMixin:
    """A form post on an object's page. Re-rendered at the post's URL on
    refusal, so a reload (GET) of that URL leads back to the page. Each post
    runs through `once`: its work and its outcome in one transaction, and a
    form sent again with the same idempotency key gets the first outcome."""

    http_method_names: Sequence[str] = ["get", "post"]
    page_url_name = ""
    request: HttpRequest

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(self.page_url_name, pk=kwargs["pk"])

    def once(self, run: Callable[[], Outcome]) -> HttpResponse:
        return form_once(self.request, run)

    def done(self, pk: int, message: str, *more: tuple[int, str]) -> Outcome:
        """Back to the object's page with a success message (and any others)."""
        url = reverse(self.page_url_name, kwargs={"pk": pk})
        return Outcome(url, [(messages.SUCCESS, str(message)), *more])


class TransitionPostMixin(ActionPostMixin):
    """POST one transition of the page's object through the engine."""

    done_message = gettext_lazy("%(action)s: done. The case is now “%(state)s”.")
    bound_action: str
    bound_form: Any
    # The page's object, fetched through its scope (each page's own getter).
    get_transition_object: Callable[[], Any]

    def post(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        return self.once(lambda: self.fire(request, name))

    def fire(self, request: HttpRequest, name: str) -> Outcome:
        obj = self.get_transition_object()
        spec = spec_for(obj)
        tspec = spec.transitions.get(name)
        if tspec is not None:
            self.bound_action = name
            self.bound_form = transition_form(tspec, obj, data=request.POST)
        engine.transition(
            obj,
            name,
            actor=signed_in(request),
            reason=request.POST.get("reason", ""),
            data=transition_data(tspec, request.POST) if tspec else {},
            expected_state=request.POST.get("expected_state") or None,
        )
        # Still in the transaction: nothing that reads the database runs after the commit.
        obj.refresh_from_db(fields=["state"])
        message = self.done_message % {
            "action": tspec.label if tspec else name,
            "state": spec.state_label(obj.state),
        }
        return Outcome(
            reverse(spec.detail_url, kwargs={"pk": obj.pk}), [(messages.SUCCESS, str(message))]
        )
