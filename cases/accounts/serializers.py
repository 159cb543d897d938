from __future__ import annotations

from rest_framework import serializers


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text=(
            "Office heads, accountants and administrators: the code of their "
            "authenticator app (or a recovery code). Others leave it out."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send as `Authorization: Token <token>`. Shown once: only its digest is stored."
    )
    expiry = serializers.DateTimeField(help_text="The token stops working at this time.")
