"""A migration operation for a flow that moved: viewflow stores a flow's
import path (`app_label/module.Class`) in every process row and, with the
node's name, in every task row, so those rows must follow the class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations


def _rename(schema_editor: Any, pairs: Sequence[tuple[str, str]]) -> None:
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


def rename_flow_references(moves: Sequence[tuple[str, str]]) -> migrations.RunPython:
    """Rewrite the stored references of each (old, new) flow path, both ways."""
    return migrations.RunPython(
        lambda apps, schema_editor: _rename(schema_editor, moves),
        lambda apps, schema_editor: _rename(schema_editor, [(n, o) for o, n in moves]),
    )
