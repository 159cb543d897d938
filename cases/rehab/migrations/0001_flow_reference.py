"""The flow moved from `workflows.flows` into this package: viewflow stores a
flow's import path in every process and task row, so those rows follow it."""

from django.db import migrations

from workflows.flow_references import rename_flow_references

MOVES = [
    ("workflows/flows.RehabReferralFlow", "rehab/flow.RehabReferralFlow"),
    ("workflows/flows.VoluntaryRehabFlow", "rehab/flow.VoluntaryRehabFlow"),
]


class Migration(migrations.Migration):
    dependencies = [("viewflow", "0015_task_scheduled"), ("cases", "0011_person_registries")]

    operations = [rename_flow_references(MOVES)]
