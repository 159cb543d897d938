"""factory_boy factories for tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

import factory
from django.contrib.auth import get_user_model

from cases.housing.models import HousingKind, HousingProgram
from cases.models import AdministrativeUnit, Category, Person

_nid_counter = itertools.count(1)


def national_id_for(date_of_birth: dt.date, sex: str, province: str = "001") -> str:
    """A valid 12-digit national ID for this birth date and sex (domain.md §8)."""
    century = (date_of_birth.year - 1900) // 100
    digit = century * 2 + (1 if sex == "F" else 0)
    return f"{province}{digit}{date_of_birth.year % 100:02d}{next(_nid_counter):06d}"


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("level", "code")

    code = "01"
    name = "Hà Nội"
    level = AdministrativeUnit.Level.PROVINCE
    kind = AdministrativeUnit.Kind.CITY


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("level", "code")

    code = "016"
    name = "Sóc Sơn"
    level = AdministrativeUnit.Level.DISTRICT
    kind = AdministrativeUnit.Kind.DISTRICT
    parent = factory.SubFactory(ProvinceFactory)


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("level", "code")

    code = factory.Sequence(lambda n: f"9{n:04d}")
    name = factory.Sequence(lambda n: f"Xã Thử {n}")
    level = AdministrativeUnit.Level.COMMUNE
    kind = AdministrativeUnit.Kind.COMMUNE
    parent = factory.SubFactory(DistrictFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Thử"
    last_name = "Người dùng"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("pw-Test-123")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    date_of_birth = dt.date(1960, 5, 17)
    sex = "M"
    national_id = factory.LazyAttribute(lambda p: national_id_for(p.date_of_birth, p.sex))
    commune = factory.SubFactory(CommuneFactory)
    address = "Thôn 1"
    categories = factory.LazyFunction(lambda: [Category.MERIT, Category.POOR, Category.NEAR_POOR])


__all__ = [
    "CommuneFactory",
    "DistrictFactory",
    "HousingKind",
    "HousingProgram",
    "PersonFactory",
    "ProvinceFactory",
    "UserFactory",
    "national_id_for",
]


def open_task_copies(template: Any, n: int, due: Sequence[dt.date]) -> None:
    """n more open tasks like `template` (same process, step, role and
    commune), the i-th due on due[i % len(due)], in two bulk statements."""
    from viewflow.workflow.models import Task

    from workflows.models import TaskDeadline

    tasks = Task.objects.bulk_create(
        Task(
            flow_task=template.flow_task,
            flow_task_type="HUMAN",
            process=template.process,
            status=template.status,
            owner_permission=template.owner_permission,
            owner_permission_obj_pk=template.owner_permission_obj_pk,
        )
        for _ in range(n)
    )
    TaskDeadline.objects.bulk_create(
        TaskDeadline(
            task=task,
            process="any",
            step=template.flow_task.name,
            started_on=due[i % len(due)] - dt.timedelta(days=10),
            working_days=5,
            due_on=due[i % len(due)],
        )
        for i, task in enumerate(tasks)
    )
