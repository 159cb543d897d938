"""Every read of commune-owned data goes through a selector that scopes it
(`workflows.permissions.scoped` / `get_scoped_or_404`). Pages and API
endpoints never open a commune-owned model's manager themselves, and each
selector that does wraps the query in the scoped helper, unless it reads
under an object its caller has already fetched through its scope (listed
below, each with its reason). A new view, endpoint or selector that reads
around the scope fails here."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from cases.models import AdministrativeUnit, Case

ROOT = Path(__file__).resolve().parents[2]
SCOPED_HELPERS = {"scoped", "get_scoped_or_404"}


def commune_owned() -> set[type]:
    """Models that hold a commune's data: a commune link, a case, or the units."""
    owned: set[type] = {AdministrativeUnit}
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        if "commune" in names or "case" in names or issubclass(model, Case):
            owned.add(model)
    owned.discard(get_user_model())
    return owned


def _modules(patterns: list[str]) -> list[str]:
    files = sorted({p for pattern in patterns for p in ROOT.glob(pattern)})
    return [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in files
        if "migrations" not in p.parts
    ]


PAGES_AND_ENDPOINTS = _modules(
    [
        "cases/views/*.py",
        "cases/*/views.py",
        "cases/*/views/*.py",
        "cases/*/read_views.py",
        "cases/api.py",
        "cases/api_audit.py",
        "cases/*/api.py",
        "cases/templatetags/*.py",
        "cases/*/templatetags/*.py",
    ]
)
SELECTORS = _modules(["cases/selectors.py", "cases/*/selectors.py"])

# Selectors that read under an object the caller fetched through its scope.
UNDER_AN_AUTHORIZED_OBJECT = {
    "cases.selectors._communes": "every commune, only ever passed on to `scoped`",
    "cases.selectors.missing_documents": "documents of a case the caller holds",
    "cases.selectors.case_document_checklist": "the checklist of a case the caller holds",
    "cases.selectors.case_documents": "documents of a case the caller holds",
    "cases.selectors.case_document_get": "a document of a case the caller holds",
    "cases.selectors.unit_history": "the moves of a case or list the caller holds",
    "cases.selectors.unit_id_by_code": "administrative codes are public; events stay scoped",
    "cases.selectors.task_get": "filtered by `_task_scope_q` (roles per commune)",
    "cases.selectors.tasks_inbox": "filtered by `_task_scope_q` (roles per commune)",
    "cases.selectors.tasks_queue": "filtered by `_task_scope_q` (roles per commune)",
    "cases.rehab.selectors.case_reads": "reads of a case the caller holds",
    "cases.allowances.selectors.lines_by_name": "each scoped line's own person's name, to sort",
    "cases.rehab.selectors.read_log_events": "auditors' read log, behind may_see_read_log",
    "cases.rehab.selectors.read_log_cases": "auditors' read log, behind may_see_read_log",
    "cases.rehab.selectors.read_log_case_get": "auditors' read log, behind may_see_read_log",
    "cases.rehab.selectors.rehab_case_get": "the id comes from rehab_cases_for_user (scoped)",
    "cases.rehab.selectors.version_in_force": "procedure versions are not commune data",
    "cases.gifts.selectors.campaign_reconciliation": "rows from gift_rows_for_user (scoped)",
    "cases.allowances.selectors.payroll_differences": "the differences of a payroll held",
    "cases.allowances.selectors.entitlement_of_case": "what a dossier the caller holds created",
    "cases.allowances.selectors.entitlement_following": "what continues an entitlement held",
    "cases.allowances.selectors.line_events": "events of lines read through the scope",
    "cases.housing.selectors._by_applicant_name": "people by name, only to filter scoped cases",
    "cases.gifts.selectors.campaign_totals": "rows from gift_lists/rows_for_user (scoped)",
    "cases.gifts.selectors.campaign_people_in_several_communes": "ids from gift_rows_for_user",
    # Export jobs belong to a person, not a commune: only the requester's rows,
    # and each kind checks again that they may still read what was exported.
    "cases.exports.selectors.export_jobs_for_user": "the requester's own jobs",
    "cases.exports.selectors.export_job_get": "the requester's own job, its kind re-checked",
}


def _manager_reads(tree: ast.AST, names: dict[str, object], owned: set[type]):
    """(line, model name, enclosing function) of every `Model.objects` /
    `Model._default_manager` on a commune-owned model, and whether a scoped
    helper call encloses it."""
    found = []

    def visit(node: ast.AST, func: str, in_scoped: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            func = node.name
        if isinstance(node, ast.Call):
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            in_scoped = in_scoped or name in SCOPED_HELPERS
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("objects", "_default_manager")
            and isinstance(node.value, ast.Name)
            and names.get(node.value.id) in owned
        ):
            found.append((node.lineno, node.value.id, func, in_scoped))
        for child in ast.iter_child_nodes(node):
            visit(child, func, in_scoped)

    visit(tree, "", False)
    return found


def _reads(module_name: str):
    module = importlib.import_module(module_name)
    tree = ast.parse(Path(module.__file__ or "").read_text())
    return _manager_reads(tree, vars(module), commune_owned())


def test_the_check_sees_every_page_endpoint_and_selector_module():
    assert len(PAGES_AND_ENDPOINTS) > 20 and "cases.housing.api" in PAGES_AND_ENDPOINTS
    assert {"cases.selectors", "cases.housing.selectors", "cases.rehab.selectors"} <= set(SELECTORS)
    owned = commune_owned()
    assert {Case, AdministrativeUnit} <= owned
    assert {m.__name__ for m in owned} >= {"HousingCase", "GiftList", "RehabCase", "Document"}


def test_the_check_catches_an_unscoped_read():
    tree = ast.parse("def get(pk):\n    return HousingCase.objects.get(pk=pk)\n")
    housing = apps.get_model("cases", "HousingCase")
    assert _manager_reads(tree, {"HousingCase": housing}, commune_owned()) == [
        (2, "HousingCase", "get", False)
    ]
    tree = ast.parse("def get(u, pk):\n    return get_scoped_or_404(HousingCase.objects, u, pk)\n")
    assert _manager_reads(tree, {"HousingCase": housing}, commune_owned())[0][3] is True


@pytest.mark.parametrize("module_name", PAGES_AND_ENDPOINTS)
def test_pages_and_endpoints_read_commune_data_only_through_selectors(module_name):
    direct = [f"{module_name}:{line} {model}" for line, model, _f, _s in _reads(module_name)]
    assert direct == [], "read through a selector instead"


@pytest.mark.parametrize("module_name", SELECTORS)
def test_selectors_scope_every_read_of_commune_data(module_name):
    unscoped = [
        f"{module_name}.{func}:{line} {model}"
        for line, model, func, in_scoped in _reads(module_name)
        if not in_scoped and f"{module_name}.{func}" not in UNDER_AN_AUTHORIZED_OBJECT
    ]
    assert unscoped == [], "wrap the query in workflows.permissions.scoped"
