"""What every page has in common: login, a role, and one place where domain
errors become Vietnamese messages with the right HTTP status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from cases.forms import attach_errors
from workflows import formatting
from workflows.exceptions import DomainError, NotFound
from workflows.keyset import InvalidCursor, Keyset, bounded_count, page_read
from workflows.permissions import scope_for

PAGE_SIZE = 25


def error_page(request: HttpRequest, exc: DomainError | str, status: int = 403) -> HttpResponse:
    message = exc.message if isinstance(exc, DomainError) else exc
    status = exc.status if isinstance(exc, DomainError) else status
    return render(
        request, "errors/error.html", {"message": message, "status": status}, status=status
    )


# A list counts its rows only this many pages past the one shown: the exact
# count of a large list (100,000 cases: 20 ms, growing with the data) is
# replaced by "more than N" while the next pages can still be reached.
COUNT_AHEAD_PAGES = 40


class IdsFirstPaginator(Paginator):
    """Slice the page's ids with the narrowest query, then load those rows with
    their joins, so a deep page no longer drags the joins over every row it
    skips (measured: last of 4,000 pages 483 ms -> 49 ms).

    The count is bounded: rows are counted up to `COUNT_AHEAD_PAGES` pages past
    the requested one (`SELECT COUNT(*) FROM (... LIMIT n)`), so its cost no
    longer grows with the whole list; `exact` says whether it is the total.
    `known_count`: the rows' number when the caller keeps it already (no
    COUNT query at all)."""

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        requested: Any = 1,
        exact: bool = False,
        known_count: int | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        self.known_count = known_count
        try:
            self.requested = max(1, int(requested))
        except (TypeError, ValueError):
            self.requested = 1
        self.exact = True
        self.count_all = exact

    @cached_property
    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        if not isinstance(self.object_list, QuerySet) or self.count_all:
            return super().count
        bound = (self.requested + COUNT_AHEAD_PAGES) * self.per_page
        found = self.object_list.order_by().values("pk")[: bound + 1].count()
        self.exact = found <= bound
        return found

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        if not isinstance(self.object_list, QuerySet):
            return super().page(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = list(self.object_list.filter(pk__in=ids))  # keeps the queryset's order
        return Page(rows, number, self)


def paginate(
    request: HttpRequest, items: Any, per_page: int | None = None, *, exact: bool = False
) -> Page:
    """A page of `items`; `exact`: count every row (a list bounded by nature,
    such as one commune's gift list, whose total people need)."""
    number = request.GET.get("page")
    size = per_page or PAGE_SIZE
    return IdsFirstPaginator(items, size, requested=number, exact=exact).get_page(number)


# --- keyset pages (lists that grow with the data) ---------------------------------


@dataclass
class ListPage:
    """A keyset page as `includes/keyset_pagination.html` shows it: the rows,
    the query strings of the first, previous and next pages ("": none), the
    bounded count (`shown`: "1.263" or "hơn 1.000") and `notice`, set when a
    link was not valid and the first page is shown instead."""

    object_list: list[Any]
    first: bool
    first_query: str
    previous_query: str
    next_query: str
    count: int | None = None
    shown: str = ""
    notice: str = ""


def _query(request: HttpRequest, **changes: str | None) -> str:
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value:
            query[key] = value
    return query.urlencode()


def keyset_paginate(
    request: HttpRequest,
    items: QuerySet,
    keyset: Keyset,
    per_page: int | None = None,
    *,
    count: bool = True,
) -> ListPage:
    """The page of `items` that `?cursor=` points to (none: the first page),
    with no OFFSET; `count`: also the list's count, bounded (workflows.keyset);
    without it (a search whose count would cost more than its page), the
    count is known only when the whole list fits on its first page.
    A tampered or foreign cursor shows the first page with a notice, not an error."""
    size = per_page or PAGE_SIZE
    notice = ""
    cursor = request.GET.get("cursor", "")
    try:
        if cursor:  # decoded first: a bad one must not end the page read's transaction
            keyset.decode(items, cursor)
    except InvalidCursor as exc:
        cursor = ""
        notice = f"{exc.message} {_('The first page is shown.')}"
    with page_read(items.db):
        page = keyset.page(items, cursor, size=size)
        counted = bounded_count(items) if count else None
    listed = ListPage(
        page.rows,
        first=page.first,
        first_query=_query(request, cursor=None),
        previous_query=_query(request, cursor=page.previous) if page.previous else "",
        next_query=_query(request, cursor=page.next) if page.next else "",
        notice=notice,
    )
    exact = True
    if counted is not None:
        listed.count, exact = counted
    elif page.first and page.next is None:
        listed.count = len(page.rows)  # the whole list is on the page: counted for free
    if listed.count is not None:
        shown = formatting.number(listed.count)
        listed.shown = shown if exact else _("more than %(n)s") % {"n": shown}
    return listed


def old_page_redirect(
    request: HttpRequest, items: QuerySet, keyset: Keyset, per_page: int | None = None
) -> HttpResponse | None:
    """An old `?page=N` link (bookmarks, pages of before keyset pages) sent on
    to the same page's cursor: pages up to `COUNT_AHEAD_PAGES` (one bounded
    OFFSET read of the key), the first page for deeper or unknown ones. None
    when the request has no `page`."""
    if "page" not in request.GET:
        return None
    try:
        number = int(request.GET["page"])
    except ValueError:
        number = 1
    cursor = None
    if 1 < number <= COUNT_AHEAD_PAGES:
        cursor = keyset.position_of_page(items, number, size=per_page or PAGE_SIZE)
    query = _query(request, cursor=cursor)
    return redirect(f"{request.path}?{query}" if query else request.path)


class CaseflowMixin(AccessMixin):
    """Base of every page but login.

    Anonymous users go to the login page; users with no role get 403. A
    DomainError raised anywhere in the view is answered here and only here:
    NotFound becomes 404 (another commune's case is never revealed); the
    others re-render the page with `exc.message` on top and `exc.fields` on
    `self.bound_form`, with the error's status (400, 403 or 409). Views whose
    page cannot be re-rendered (`rerender_on_error = False`) show the message
    on an error page with the same status.
    """

    rerender_on_error = True
    bound_form: Any = None
    error: DomainError | None = None
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not scope_for(request.user).has_any_role and request.user.is_staff:
            # The administrator has no case page: their own landing page.
            return redirect("admin_home")
        if not scope_for(request.user).has_any_role:
            return error_page(
                request,
                _("Your account has no role in case processing. Ask the administrator."),
                403,
            )
        try:
            # A mixin: the view class after it in the MRO provides dispatch.
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            return self.domain_error(exc)

    def domain_error(self, exc: DomainError) -> HttpResponse:
        if not self.rerender_on_error or self.request.method == "GET":
            return error_page(self.request, exc)
        return self.rerender(exc)

    def rerender(self, exc: DomainError) -> HttpResponse:
        return error_page(self.request, exc)


class CaseflowView(CaseflowMixin, TemplateView):
    """A page that can show its own form again with a domain error's messages."""

    def rerender(self, exc: DomainError) -> HttpResponse:
        self.error = exc
        attach_errors(self.bound_form, exc.fields)
        try:
            context = self.get_context_data(**self.kwargs)
        except NotFound:
            raise Http404() from None
        except DomainError:
            return error_page(self.request, exc)
        return self.render_to_response(context, status=exc.status)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["error"] = self.error
        context["error_fields_on_form"] = self.bound_form is not None
        # The alert on top lists the form's field errors, each a link to its field.
        if self.error is not None and isinstance(self.bound_form, BaseForm):
            context["error_form"] = self.bound_form
        return context


class ActionForm:
    """A transition the user may fire, with its form (includes/transition_actions.html)."""

    def __init__(self, tspec: Any, form: Any) -> None:
        self.spec = tspec
        self.name = tspec.name
        self.label = tspec.label
        self.danger = tspec.danger
        # Behind a <details> fold: dangerous or in need of a reason.
        self.folded = tspec.danger or tspec.reason_required
        self.form = form


def staff_only(request: HttpRequest) -> HttpResponse | None:
    """The answer for a visitor who is not the administrator (a staff
    account): the login page when anonymous, else 403; None for staff."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (user.is_staff or user.is_superuser):
        return error_page(request, _("This page is for the administrator."), 403)
    return None
