"""The flow moved from `workflows.flows` into this package: viewflow stores a
flow's import path in every process and task row, so those rows follow it."""

from django.db import migrations

MOVES = [
    ("workflows/flows.HousingFlow", "housing/flow.HousingFlow"),
]


def _rename(schema_editor, pairs):
    with schema_editor.connection.cursor() as cursor:
        for old, new in pairs:
            cursor.execute(
                "UPDATE viewflow_process SET flow_class = %s WHERE flow_class = %s", [new, old]
            )
            cursor.execute(
                "UPDATE viewflow_task SET flow_task = %s || substr(flow_task, %s) "
                "WHERE flow_task LIKE %s",
                [new, len(old) + 1, old.replace("_", "\\_") + ".%"],
            )


def forward(apps, schema_editor):
    _rename(schema_editor, MOVES)


def backward(apps, schema_editor):
    _rename(schema_editor, [(new, old) for old, new in MOVES])


class Migration(migrations.Migration):
    dependencies = [("viewflow", "0015_task_scheduled"), ("cases", "0011_person_registries")]

    operations = [migrations.RunPython(forward, backward)]
