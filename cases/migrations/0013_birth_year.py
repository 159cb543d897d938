"""A birth year alone (Person.birth_year_only), and the gift list import
attempts kept so the officer can download the file with its refused rows
marked, or answer the question about hidden rows."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_text_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="birth_year_only",
            field=models.BooleanField(
                db_default=False, default=False, verbose_name="birth year only"
            ),
        ),
        migrations.CreateModel(
            name="GiftImportAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("file_name", models.CharField(max_length=255, verbose_name="file name")),
                ("sha256", models.CharField(max_length=64)),
                ("content", models.BinaryField()),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("imported", "Imported"),
                            ("refused", "Refused: rows with errors"),
                            ("hidden_rows", "Waiting for a choice about hidden rows"),
                        ],
                        max_length=20,
                        verbose_name="outcome",
                    ),
                ),
                ("only_valid", models.BooleanField(default=False)),
                ("hidden_rows_choice", models.CharField(blank=True, max_length=10)),
                ("header_row", models.PositiveIntegerField(blank=True, null=True)),
                ("rows_read", models.PositiveIntegerField(default=0)),
                ("imported", models.PositiveIntegerField(default=0)),
                ("people_created", models.PositiveIntegerField(default=0)),
                (
                    "hidden_rows",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.PositiveIntegerField(),
                        blank=True,
                        default=list,
                        size=None,
                    ),
                ),
                (
                    "section_rows",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.PositiveIntegerField(),
                        blank=True,
                        default=list,
                        size=None,
                    ),
                ),
                ("errors", models.JSONField(blank=True, default=list)),
                ("columns", models.JSONField(blank=True, default=dict)),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "gift_list",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="import_attempts",
                        to="cases.giftlist",
                    ),
                ),
            ],
            options={
                "verbose_name": "gift list import",
                "verbose_name_plural": "gift list imports",
                "ordering": ["-created_at", "-id"],
            },
        ),
    ]
