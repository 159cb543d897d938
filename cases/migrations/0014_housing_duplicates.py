"""One open housing case per person and household (filled in by its work)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_birth_year"),
    ]

    operations: list = []
