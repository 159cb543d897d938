"""Stored text in NFC, search without diacritics, Vietnamese order (filled in by its work)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_person_registries"),
    ]

    operations: list = []
