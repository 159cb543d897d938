"""A birth year alone (filled in by its work)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_text_search"),
    ]

    operations: list = []
